/**
 * One command across a fleet of snapshots (issue 15). Every file goes
 * through `main`'s own single-file path (`loadRunWrite`: read, open as its
 * kind, run the command, encode), so a fleet behaves file by file exactly as
 * `-s FILE` does.
 *
 * Read-only commands (inspect, check, validate) read the files with at most
 * `--jobs` at once and fold each into the answer as it comes; a file that
 * cannot be read is reported by name, the rest go on, exit 2 at the end.
 *
 * A changing command runs in two phases. First every file is loaded, checked
 * and the change computed without writing; one failure and nothing is
 * written anywhere. Then file by file: take its lock, read it again, apply the
 * change again, write atomically, release. A write that fails (disk, lock
 * timeout) does not stop the others; the report names every file written and
 * every file not, and the same command run again completes the rest (a file
 * the command does not change is left byte-identical); for a command that
 * records events, which would record them twice, it says to name only the
 * files not written.
 */
import { SharedPeers } from "../../snapshot/node.js";
import { lstatSync, promises as fsPromises } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { BbgovError, InvalidPeerId } from "../../core/errors.js";
import { PeerId } from "../../core/peer-id.js";
import type { CommandContext, CommandModule, FleetPeers, Report, Ui } from "../context.js";
import { commandContext, report as makeReport } from "../context.js";
import { ApplyLineError, ApplyScriptErrors, UsageError } from "../errors.js";
import type { HeldLock } from "../io/lock.js";
import {
  displayName,
  folderWriteRefusal,
  hardLinked,
  identityOf,
  notRegularFile,
  resolveTarget,
  writeRefusal,
  type WriteTarget,
} from "../io/store.js";
import { loadCommand } from "../commands/index.js";
import {
  fleetPeers,
  isKnown,
  isWholePeerText,
  knownPeerTexts,
  resolvePeerArgs,
  unresolvablePeerArg,
  withNotices,
} from "../commands/resolve.js";
import { PeerTable, RestoredScan, snapshotOfPeers } from "../../snapshot/node-scan.js";
import type { Snapshot } from "../../snapshot/model.js";
import { tidyPeerText } from "../args.js";
import { emptySnapshot } from "../../snapshot/model.js";
import type { CliIo } from "../context.js";
import { EXIT } from "../errors.js";
import { errorLine } from "../render/error-line.js";
import {
  endBySignal,
  HeldFiles,
  lockTimeoutMs,
  loadRunWrite,
  loadWarningLines,
  readFileArgument,
  SIGNALS,
  type Globals,
} from "../single.js";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { FileScanner, scanFiles, type ScannedFile } from "./scan-files.js";
import { type NodeRows, ScannedRows, type ScannedRowsFormat } from "./scan-rows.js";
import { writeChunks } from "../io/chunks.js";
import { WasmFold } from "./wasm-fold.js";
import { withOneNow } from "../io/time.js";
import type { ScanWorkerData } from "./scan-worker.js";
import { showsOnly, type Invocation } from "../program.js";
import { renderRowsNdjson, renderRowsTsv, TSV_HEADER } from "../render/fleet.js";
import { outputWidth } from "../io/terminal.js";
import { fitLine, fitText, wrapLine } from "../render/fit.js";
import { shortLabels } from "../render/fleet.js";
import { jsonChunks, renderJson } from "../render/json.js";
import { renderPairs } from "../render/table.js";
import { sanitize } from "../render/sanitize.js";
import { type AggregatePart, FleetAggregate, nodeRows, type NodePeerRow, type PeerFilter } from "./aggregate.js";
import { expandSources, labelFiles, patternMatches, shellWord, type FleetFile } from "./sources.js";

const READ_ONLY = new Set(["inspect", "check", "validate"]);

/** Runs `invocation` on every file of the fleet that `globals.snapshotPaths` name; returns the exit code. */
export async function runFleet(
  invocation: Invocation,
  globals: Globals,
  io: CliIo,
  /** The run's own warnings (`--host-backoff`'s), already said on standard error: a --json document lists them too. */
  runWarnings: readonly string[] = [],
): Promise<number> {
  const { spec } = invocation;
  if (spec.snapshot === "create") throw await createRefusal(spec.name, globals.snapshotPaths);
  if (!spec.mutates && !READ_ONLY.has(spec.name)) {
    throw new UsageError(
      `${spec.name} works on one snapshot; across a fleet bbgov runs inspect, check, validate and the changing commands`,
      spec.name,
    );
  }
  if (globals.out !== undefined) throw new UsageError("--out writes one file; a fleet is changed in place", "--out");
  if (spec.name !== "inspect" && invocation.options.byNode === true) throw new UsageError("--by-node is for inspect", "--by-node");
  // Ignored, it printed the fleet once and exited 0, as if watching had ended.
  if (invocation.options.watch === true) throw new UsageError("--watch follows one snapshot; give one -s FILE, not a fleet", "--watch");
  // A PEER that no node could resolve (a character no peer id has, an empty text) is the command line's error, said
  // once before anything is read: inspect said it for every node, then "none of the N file(s) could be read".
  const unresolvable = unresolvablePeerArg(spec.args, invocation.args);
  if (unresolvable !== undefined) throw unresolvable;
  const files = labelFiles(await expandSources(globals.snapshotPaths));
  // One set of peers for every file read the usual way: a fleet's nodes mostly name the same peers.
  const held = spec.mutates ? undefined : await holdNonRegular(files);
  const fleet = new Fleet(invocation, { ...globals, shared: new SharedPeers(), held }, io, files, runWarnings);
  if (spec.name === "inspect") return fleet.inspect();
  if (spec.name === "check") return fleet.check();
  if (spec.name === "validate") return fleet.validate();
  // One `now` for every file and both phases: an apply script's `--at now` is read for each file, each time.
  return withOneNow(() => fleet.change());
}

/**
 * The files that are not regular files (a FIFO, a process substitution's `/dev/fd/N`), to be read once each: a
 * read-only command may read a file twice (a PEER prefix is resolved over every file first), and a pipe gives its
 * bytes once. A changing command refuses such files (change).
 */
async function holdNonRegular(files: readonly FleetFile[]): Promise<HeldFiles | undefined> {
  const held = new Set<string>();
  for (const file of files) {
    const stat = await fsPromises.stat(file.path).catch(() => undefined);
    if (stat !== undefined && !stat.isFile() && !stat.isDirectory()) held.add(file.path);
  }
  return held.size === 0 ? undefined : new HeldFiles(held);
}

/**
 * What one file gave: its kind, its report's JSON and exit code (and drawing, when wanted), or the error that
 * stopped it. Never the report itself: its renderer holds the node's whole model.
 */
interface NodeOutcome {
  readonly file: FleetFile;
  readonly kind?: string;
  /** The report's `--json` body; dropped once streamed (inspect rows). */
  json?: Record<string, unknown> | undefined;
  /** inspect's rows as text, in pieces, made from the file's scan; dropped once written. */
  rows?: readonly Uint8Array[] | undefined;
  /** `--format json`: inspect's rows in columns, made from the file's scan; held until the document is written. */
  columns?: NodeRows | undefined;
  readonly exitCode?: 0 | 1 | 2;
  readonly text?: string;
  readonly changes?: boolean;
  readonly written?: boolean;
  readonly warnings: readonly string[];
  readonly error?: unknown;
  /** A change interrupted before this file's turn: not written, and no error of its own. */
  readonly interrupted?: boolean;
}

/** A change's first phase passed: the command, its arguments, and each file's plan (in file order). */
interface CheckedChange {
  readonly module: CommandModule;
  readonly args: readonly unknown[];
  readonly plans: readonly NodeOutcome[];
}

class Fleet {
  private readonly jobs: number;
  private readonly ui: Promise<Ui> | undefined;
  private readonly warnings: string[] = [];
  /** Every peer the fleet's files know, for an apply script's prefixes (set by `change` for apply). */
  private fleetPeers: FleetPeers | undefined;

  constructor(
    private readonly invocation: Invocation,
    private readonly globals: Globals,
    private readonly io: CliIo,
    private readonly files: readonly FleetFile[],
    private readonly runWarnings: readonly string[] = [],
  ) {
    this.jobs = (invocation.globals.jobs as number | undefined) ?? availableParallelism();
    this.ui =
      globals.json || globals.quiet
        ? undefined
        : import("../render/color.js").then(({ colorLevel, makeChalk }) => ({
            chalk: makeChalk(colorLevel(io.env, globals.color, io.stdout.isTTY === true)),
            // Fitted to the terminal as one snapshot's views are (unless --no-trunc).
            ...(globals.trunc ? widthOf(outputWidth(io.stdout, io.env)) : {}),
          }));
  }

  /** `inspect`: per-peer counts, the peers x nodes matrix, or one row per node and peer. */
  async inspect(): Promise<number> {
    const { options, spec } = this.invocation;
    // A prefix or short form names one peer of all the fleet knows, as for one file (check's and a change's do too):
    // resolved on each node instead, one that a node did not know made that node "unreadable" (exit 2).
    const given = ((await this.fleetPeerArgs(this.invocation.args))[0] as string[] | undefined) ?? [];
    const only = peerMatcher(given);
    const filter: PeerFilter = { only, down: options.down === true, blocked: options.blocked === true, cooling: options.cooling === true };
    const format = (options.format as string | undefined) ?? "table";
    const sort = (options.sort as string | undefined) ?? "peer";
    if (!["peer", "failures", "last-event"].includes(sort))
      throw new UsageError(`--sort ${sort} is for one snapshot; across a fleet: peer, failures, last-event`, "--sort");
    // Ignored until review 7: every peer was shown, as if no such filter or time had been given.
    const oneSnapshot: readonly (readonly [string, unknown])[] = [
      ["--denied", options.denied],
      ["--allowlisted", options.allowlisted],
      ["--unknown", options.unknown],
      ["--at", options.at],
      ["--after", options.after],
    ];
    for (const [flag, given] of oneSnapshot)
      if (given !== undefined && given !== false)
        throw new UsageError(
          `${flag} is for one snapshot; across a fleet inspect selects by PEER, --down, --blocked and --cooling, each node at its own now`,
          flag,
        );
    const byNode = options.byNode === true;
    if (byNode && format !== "table")
      throw new UsageError("--by-node draws a table; --format gives rows already carrying their node", "--by-node");
    if (format === "wide") throw new UsageError("--format wide is for one snapshot; across a fleet: table, json, ndjson, tsv", "--format");
    const perRow = format === "ndjson" || format === "tsv" || format === "json";
    // Ignored, they printed every node's rows in file order, where one snapshot's rows are sorted and cut.
    if (perRow && options.limit !== undefined)
      throw new UsageError(
        `--limit counts the table's peers; across a fleet --format ${format} gives every node's rows, node by node (cut them with head)`,
        "--limit",
      );
    if (perRow && sort !== "peer")
      throw new UsageError(
        `--sort ${sort} orders the table's peers; across a fleet --format ${format} gives the rows node by node, each node's peers in text order`,
        "--sort",
      );
    for (const [flag, given] of [
      ["--cooling", options.cooling],
      ["--reverse", options.reverse],
    ] as const)
      if (perRow && given === true)
        throw new UsageError(`${flag} is for the table across a fleet; --format ${format} gives every node's rows, node by node`, flag);
    const aggregate = new FleetAggregate(this.files.length, byNode, filter.only);
    // The per-peer counts of node snapshots need no model: each is scanned (issue 15's speed). PEER arguments that are
    // not whole ids are resolved against each node's model (a prefix may be ambiguous on one node: that node says so).
    // BBGOV_FLEET_SCAN=0 reads every file the usual way (tests compare the two; the benchmark times both).
    const scanning = given.every((text) => isWholePeerText(tidyPeerText(text))) && this.io.env.BBGOV_FLEET_SCAN !== "0";
    const scanned =
      perRow || !scanning
        ? undefined
        : await scanFleet(this.files, aggregate, {
            threads: scanThreads(this.files.length, this.jobs, this.io.env.BBGOV_FLEET_THREADS),
            byNode,
            // The counts are folded in WebAssembly (wasm-fold.ts); BBGOV_FLEET_WASM=0 keeps them in JavaScript (tests
            // compare the two; the benchmark times both).
            wasm: this.io.env.BBGOV_FLEET_WASM !== "0",
            only: filter.only,
          });
    // The rows of every peer, or of whole peer ids, come from each node snapshot's scan, with no model (scan-rows.ts).
    const writer = perRow && scanning ? new ScannedRows(format as ScannedRowsFormat, filter) : undefined;
    const quick =
      scanned !== undefined
        ? (_file: FleetFile, index: number) => scanned[index]
        : writer !== undefined
          ? this.scannedRows(writer, format === "json", filter.only)
          : undefined;
    const nodes: Record<string, unknown>[] = [];
    // `--format json`: every node's rows, as row objects (under BBGOV_FLEET_SCAN=0) or as columns.
    const rows: NodePeerRow[] = [];
    const columns: NodeRows[] = [];
    let headerDone = false;
    const outcomes = await this.each(
      (file, index) => ({
        execute: (ctx) => {
          if (perRow) return makeReport({ rows: nodeRows({ label: file.label, path: file.relative }, ctx.snapshot, filter) }, () => "");
          aggregate.add(index, ctx.snapshot);
          return makeReport({}, () => "");
        },
      }),
      async (outcome) => {
        // Called in file order: rows stream out as they come; `--format json` gathers them into one document.
        nodes.push(nodeJson(outcome));
        if (!perRow) return;
        const mine = (outcome.json?.rows as NodePeerRow[] | undefined) ?? [];
        const text = outcome.rows;
        outcome.json = undefined;
        outcome.rows = undefined;
        if (format === "json") {
          const node = { label: outcome.file.label, path: outcome.file.relative };
          if (writer === undefined) for (const row of mine) rows.push(row);
          else if (outcome.columns !== undefined) columns.push(outcome.columns);
          else if (mine.length > 0) columns.push(writer.modelRows(node, mine));
          outcome.columns = undefined;
          return;
        }
        const pieces: (string | Uint8Array)[] =
          text === undefined ? [format === "ndjson" ? renderRowsNdjson(mine) : renderRowsTsv(mine, false)] : [...text];
        if (format === "tsv" && !headerDone) pieces.unshift(TSV_HEADER);
        headerDone = true;
        // A slow reader holds the next files back (each() reads at most --jobs ahead of what is written).
        await writeChunks(this.io.stdout, { chunks: () => pieces });
      },
      // PEER selects through `filter.only` (whole ids by now), never resolved again on each node.
      {
        dryRun: true,
        quick,
        window: perRow && format !== "json",
        args: this.invocation.args.map((value, index) => (spec.args[index]?.peer === undefined ? value : undefined)),
      },
    );
    const failed = outcomes.filter((outcome) => outcome.error !== undefined).length;
    if (format === "ndjson" || format === "tsv") {
      if (format === "tsv" && !headerDone) this.io.stdout.write(TSV_HEADER);
      return this.finish(outcomes);
    }
    if (format === "json") {
      // In pieces: 200 nodes of 10k peers are over a gigabyte of text, more than one string may hold.
      const document = { nodes, rows: writer === undefined ? rows : writer.items(columns), warnings: this.documentWarnings() };
      await writeChunks(this.io.stdout, { chunks: () => jsonChunks(document) });
      return this.finish(outcomes);
    }
    const limit = options.limit as number | undefined;
    const all = aggregate.rows(filter, sort);
    if (options.reverse === true) all.reverse();
    const shown = limit === undefined ? all : all.slice(0, limit);
    if (this.globals.json) {
      this.io.stdout.write(
        renderJson({
          nodes,
          summary: fleetSummary(outcomes, aggregate),
          peers: shown.map((row) => peerAcrossJson(row, this.files, byNode)),
          warnings: this.documentWarnings(),
        }),
      );
      return this.finish(outcomes);
    }
    const ui = await this.ui;
    if (ui !== undefined) {
      const { renderMatrix, renderPeersAcross } = await import("../render/fleet.js");
      const read = outcomes.length - failed;
      const summary = fleetSummary(outcomes, aggregate);
      const header = renderPairs(ui, [
        ["fleet", `${read} node(s) read${failed > 0 ? ui.chalk.red(`, ${failed} unreadable`) : ""}`],
        [
          "peers",
          `${summary.peers} known; on some node: ${summary.blocked_somewhere} blocked,` +
            ` ${summary.down_somewhere} down, ${summary.cooling_down_somewhere} cooling down`,
        ],
      ]);
      const more = shown.length < all.length ? `\n${ui.chalk.dim(`${all.length - shown.length} more row(s) not shown (--limit)`)}` : "";
      const body =
        shown.length === 0
          ? ui.chalk.dim("no peer matches")
          : byNode
            ? renderMatrix(
                ui,
                shown,
                outcomes.map((o) => ({ label: o.file.label, ...(o.kind === undefined ? { kind: "unreadable" } : {}) })),
                this.width(),
                more,
              )
            : `${renderPeersAcross(ui, shown, read)}${more}`;
      this.io.stdout.write(fitText(ui, `${header}\n\n${body}\n`));
    }
    return this.finish(outcomes);
  }

  /** `check PEER`: the decision on every node; exit 1 when one denies (they are named), 2 when a file could not be read. */
  async check(): Promise<number> {
    const module = await loadCommand(this.invocation.spec.name);
    const args = await this.fleetPeerArgs(this.invocation.args);
    // Which nodes have any record of the peer: a whole id that no node has seen (a typo) is said so, as one snapshot's check does.
    const seen: boolean[] = new Array(this.files.length).fill(false);
    const watching = (index: number): CommandModule => ({
      execute: (ctx, given, options) => {
        if (given[0] instanceof PeerId && isKnown(ctx.snapshot, given[0])) seen[index] = true;
        return module.execute(ctx, given, options);
      },
    });
    const outcomes = await this.each((_file, index) => watching(index), undefined, {
      dryRun: true,
      args,
      quick: await this.quickCheck(watching, args),
    });
    const unseen = outcomes.every((outcome, index) => outcome.error !== undefined || seen[index] !== true);
    // As the labels are: the --json document escapes them as JSON does (the same text as its "node"), the text view sanitizes.
    const deniedLabels = outcomes.filter((outcome) => outcome.exitCode === 1).map((outcome) => outcome.file.label);
    const denied = deniedLabels.map(sanitize);
    // Shortened as the table's NODE column is, among all the nodes' labels.
    const shortOf = shortLabelsOf(outcomes);
    const deniedShort = outcomes.filter((outcome) => outcome.exitCode === 1).map((outcome) => shortOf.get(outcome) ?? "");
    const failed = outcomes.filter((outcome) => outcome.error !== undefined).length;
    // The peer as each node resolved it (a prefix may name a different peer on different nodes: each row says).
    const peer =
      (outcomes.find((outcome) => typeof outcome.json?.peer === "string")?.json?.peer as string | undefined) ??
      String(this.invocation.args[0]);
    if (this.globals.json) {
      this.io.stdout.write(
        renderJson({
          peer,
          nodes: outcomes.map((outcome, index) => ({ ...nodeJson(outcome), ...(outcome.json ?? {}), seen: seen[index] === true })),
          denied: deniedLabels,
          warnings: this.documentWarnings(),
        }),
      );
    } else {
      const ui = await this.ui;
      if (ui !== undefined) {
        const { decisionWords, renderNodeResults } = await import("../render/fleet.js");
        const rows = (narrowing: 0 | 1 | 2): string[][] =>
          outcomes.map((outcome) => {
            const json = outcome.json;
            // Narrowest, a shorter word (the error line under the table says why): "unreadable" kept the table 42 wide at 40.
            if (json === undefined) return [sanitize(outcome.file.label), ui.chalk.red(narrowing === 2 ? "error" : "unreadable"), ""];
            const atNs = json.at_ns as bigint;
            return [
              sanitize(outcome.file.label),
              decisionWords(ui, json.inbound, atNs, narrowing),
              decisionWords(ui, json.outbound, atNs, narrowing),
            ];
          });
        // The node's name shortened first, then both decisions without "deny: " (as inspect's table shows them),
        // then (at 40 columns, half of an 80-column terminal) allow or deny alone.
        const table = renderNodeResults(
          ui,
          ["NODE", "INBOUND", "OUTBOUND"],
          [rows(0), rows(1), rows(2)],
          [{ column: "NODE" }, { column: "INBOUND", also: "OUTBOUND" }, { column: "INBOUND", also: "OUTBOUND" }],
        );
        const read = outcomes.length - failed;
        const verdict =
          read === 0
            ? ui.chalk.red("no node could be read")
            : denied.length === 0
              ? ui.chalk.green(`allowed on all ${read} node(s) read`)
              : ui.chalk.red(
                  fitLine(
                    ui,
                    `denied on ${denied.length} of ${read} node(s): ${denied.join(", ")}`,
                    `denied on ${denied.length} of ${read} node(s): ${deniedShort.join(", ")}`,
                  ),
                );
        const note = unseen && read > 0 ? `\n${ui.chalk.dim(wrapLine(ui, `note: ${sanitize(peer)}: not seen on any node read`, 6))}` : "";
        this.io.stdout.write(fitText(ui, `${ui.chalk.bold(peer)}\n${table}\n${verdict}${note}\n`));
      }
    }
    if (failed > 0) return this.finish(outcomes);
    this.flushWarnings();
    return denied.length > 0 ? EXIT.negative : EXIT.ok;
  }

  /**
   * check's quick way for node snapshots (a whole peer id; not under BBGOV_FLEET_SCAN=0): each file scanned
   * (snapshot/node-scan.ts) and cut down to the model of that one peer, on which the check command runs as on the
   * whole model; any other file goes the usual way.
   */
  private async quickCheck(
    moduleFor: (index: number) => CommandModule,
    args: readonly unknown[],
  ): Promise<((file: FleetFile, index: number) => Promise<NodeOutcome | undefined>) | undefined> {
    const text = tidyPeerText(String(args[0]));
    if (this.io.env.BBGOV_FLEET_SCAN === "0" || !isWholePeerText(text)) return undefined;
    const id = PeerId.parse(text);
    const { snapshots, warnings } = this.scanCutDown((peer) => peer === id.text);
    return async (file, index) => {
      const snapshot = snapshots[index];
      const loaded = warnings.get(index);
      if (snapshot === undefined || loaded === undefined) return undefined;
      const name = displayName(file.path);
      const ctx: CommandContext = {
        ...commandContext(snapshot, name, undefined, loadCommand),
        kind: "node-snapshot",
        holds: { clock: false, backoffSchedule: false },
      };
      const resolved = resolvePeerArgs(this.invocation.spec.args, args, snapshot);
      const report = withNotices(await moduleFor(index).execute(ctx, resolved.args, this.invocation.options), resolved.notices);
      return this.scannedOutcome(file, report, loaded);
    };
  }

  /**
   * inspect's rows of every peer, or of whole peer ids (not under BBGOV_FLEET_SCAN=0), for node snapshots: each
   * file scanned with `writer`'s peer table, one for the fleet, and its rows made from the scan as it is taken
   * (scan-rows.ts): NDJSON or TSV text to stream, or columns for a JSON document. Any other file goes the usual way.
   */
  private scannedRows(
    writer: ScannedRows,
    document: boolean,
    only: ((text: string) => boolean) | undefined,
  ): (file: FleetFile, index: number) => NodeOutcome | undefined {
    const scanner = new FileScanner();
    // Whole peer ids: each file through the WebAssembly fold, which hands back only those peers' entries (a file it
    // does not take, and every file under BBGOV_FLEET_WASM=0, the JavaScript scan).
    const fold = only !== undefined && this.io.env.BBGOV_FLEET_WASM !== "0" ? new WasmFold(only) : undefined;
    return (file, index) => {
      let made: Pick<NodeOutcome, "rows" | "columns"> = {};
      const node = { label: file.label, path: file.relative };
      const keep = (rows: NodeRows): void => {
        made = document ? { columns: rows } : { rows: writer.text(rows, ROWS_PIECE) };
      };
      const { warnings } = scanner.scanFile(
        index,
        file.path,
        writer.table(),
        (_index, scan) => keep(writer.nodeRows(node, scan)),
        fold,
        () => {
          const cut = fold?.cutDown();
          if (cut !== undefined) keep(writer.cutRows(node, cut));
          return cut !== undefined;
        },
      );
      if (warnings === undefined) return undefined;
      return {
        ...this.scannedOutcome(
          file,
          makeReport({}, () => ""),
          warnings,
        ),
        ...made,
      };
    };
  }

  /** The outcome of a read-only command run on a scanned node snapshot's cut-down model, with the file's load warnings. */
  private scannedOutcome(file: FleetFile, report: Report, loaded: NonNullable<ScannedFile["warnings"]>): NodeOutcome {
    return {
      file,
      kind: "node-snapshot",
      json: report.json,
      exitCode: report.exitCode,
      changes: false,
      warnings: this.fileWarnings(file, { report, loadWarnings: loadWarningLines(loaded, displayName(file.path)) }),
    };
  }

  /**
   * Every node snapshot of the fleet scanned and cut down to the peers `wants` takes (snapshot/node-scan.ts), with
   * its load warnings; a file the scan leaves (another kind, unreadable, refused) has neither, for the usual way.
   */
  private scanCutDown(wants: (text: string) => boolean): {
    snapshots: (Snapshot | undefined)[];
    warnings: Map<number, ScannedFile["warnings"]>;
  } {
    const table = new PeerTable();
    const restored = new RestoredScan();
    // The peers wanted, by number, each tested once as the scans number them (a file's own before its use).
    const wanted = new Map<number, PeerId>();
    let tested = 0;
    const snapshots: (Snapshot | undefined)[] = new Array(this.files.length);
    let next = 0;
    // Node snapshots go through the WebAssembly fold (wasm-fold.ts), which hands back the wanted peers' entries; a
    // file it does not take, and every file under BBGOV_FLEET_WASM=0, the JavaScript scan.
    const fold = this.io.env.BBGOV_FLEET_WASM === "0" ? undefined : new WasmFold(wants);
    const scanned = scanFiles(
      this.files.map((file) => file.path),
      () => next++,
      table,
      (index, scan) => {
        for (; tested < table.size; tested++) if (wants(table.text(tested))) wanted.set(tested, PeerId.parse(table.text(tested)));
        restored.restore(scan, table.size);
        snapshots[index] = snapshotOfPeers(scan, restored, wanted, this.globals.hostBackoff);
      },
      fold,
      (index) => {
        const cut = fold?.cutDown();
        if (cut === undefined) return false;
        snapshots[index] = snapshotOfPeers(cut.scan, cut.restored, cut.ids, this.globals.hostBackoff);
        return true;
      },
    );
    return { snapshots, warnings: new Map(scanned.map((file) => [file.index, file.warnings])) };
  }

  /** `validate`: every file checked and reported; exit 2 when one is invalid. */
  async validate(): Promise<number> {
    const module = await loadCommand(this.invocation.spec.name);
    // Each report drawn whole, its file then named by its label and the lines fitted here: drawn fitted, a long path
    // went to the line under "valid:", where the label did not replace it.
    const outcomes = await this.each(() => module, undefined, { dryRun: true, render: true, unfitted: true });
    // A file that cannot be read is an error; one that is read and found invalid reports exit 2.
    const invalid = (outcome: NodeOutcome): boolean => outcome.error !== undefined || outcome.exitCode === 2;
    const failed = outcomes.filter(invalid).length;
    if (this.globals.json) {
      this.io.stdout.write(
        renderJson({
          valid: failed === 0,
          files: outcomes.map((outcome) => ({ ...nodeJson(outcome), valid: !invalid(outcome), ...(outcome.json ?? {}) })),
          warnings: this.documentWarnings(),
        }),
      );
    } else {
      const ui = await this.ui;
      if (ui !== undefined) {
        // Each file's first line names it by its label, valid or not, where the report named its path (which may hold
        // " (" or ": "): a node id that does not fit is shortened, as in every fleet view.
        const shortOf = shortLabelsOf(outcomes);
        const lines = outcomes.map((outcome) => {
          if (outcome.text === undefined)
            return `${ui.chalk.red("invalid")}: ${sanitize(outcome.file.label)}: ${errorText(outcome.error, this.io)}`;
          const [first = "", ...rest] = outcome.text.split("\n");
          const path = `: ${displayName(outcome.file.path)}`;
          const at = first.indexOf(path);
          const named = (label: string): string =>
            at < 0 ? first : `${first.slice(0, at)}: ${sanitize(label)}${first.slice(at + path.length)}`;
          const label = outcome.file.label;
          return [fitLine(ui, named(label), named(shortOf.get(outcome) ?? label)), ...rest].join("\n");
        });
        const verdict =
          failed === 0
            ? ui.chalk.green(`all ${outcomes.length} file(s) valid`)
            : ui.chalk.red(`${failed} of ${outcomes.length} file(s) invalid`);
        this.io.stdout.write(fitText(ui, `${lines.join("\n")}\n${verdict}\n`));
      }
    }
    // The per-file lines say what is wrong; standard error gets them too, one line each, as any error: the file named
    // as in every other fleet error line (as given, which a shell can use), not as in the report (its label).
    for (const outcome of outcomes) {
      if (outcome.error !== undefined || outcome.exitCode !== 2) continue;
      const errors = (outcome.json?.errors as { path: string; message: string }[] | undefined) ?? [];
      for (const error of errors.slice(0, 50))
        this.io.stderr.write(`bbgov: ${sanitize(error.message)} (${displayName(outcome.file.path)}: ${sanitize(error.path)})\n`);
    }
    const code = this.finish(outcomes);
    return failed > 0 ? EXIT.error : code;
  }

  /** A change's first phase: every file read, checked and its change computed; the report when it ends there. */
  private async checkChange(): Promise<number | CheckedChange> {
    const { spec } = this.invocation;
    // A FIFO (or a device) gives its bytes once, and a change reads each file more than once (a prefix's pass, the
    // check, the write's own read): found first, by name, as a file that cannot be written (the second read waited forever).
    const regular = await Promise.all(
      this.files.map((file) =>
        fsPromises.stat(file.path).then(
          (stat) => stat.isFile(),
          () => true,
        ),
      ),
    );
    this.refuseIfAny(this.files.filter((_file, index) => !regular[index]).map((file) => ({ file, error: notRegularFile(file.path) })));
    const io = this.io;
    // A script file is read once for all: a pipe (standard input too) gives its lines once, and the write must run
    // what the check ran.
    const args = await this.fleetPeerArgs(await readFileArgument(this.invocation, this.globals, io, true));
    const module = await loadCommand(spec.name);
    // What is wrong with the input whatever the file (an apply script's syntax error, unknown command, bad option) is
    // said once, naming the script's line, before any file is read: it was said for every file alike.
    await module.checkInput?.(args, loadCommand);
    // An apply script's prefixes name one peer on every node, as a command's do: resolved against the fleet's peers too.
    if (spec.name === "apply") this.fleetPeers = fleetPeers(knownPeerTexts(await this.knownAcrossFleet(args)));
    // `clock` and `backoff` with nothing to set only show: each node's answer under its name, as a dry run's plan is
    // shown, and no lock taken (the table alone said "unchanged" for every node and showed nothing asked for).
    const view = showsOnly(this.invocation);
    const checked = await this.each(() => module, undefined, { dryRun: true, io, args, render: this.globals.dryRun || view, indent: 2 });
    // A file that would change but is marked read-only is found now, before the first write, not midway.
    const plans = await Promise.all(
      checked.map((plan) => (plan.changes === true && plan.error === undefined ? refuseReadOnly(plan) : plan)),
    );
    this.refuseIfAny(plans.filter((plan) => plan.error !== undefined));
    if (this.globals.dryRun) return this.changeReport(plans, true);
    if (view) return this.changeReport(plans, false, true);
    return { module, args, plans };
  }

  /** A changing command: every file checked first, then each written under its own lock. */
  async change(): Promise<number> {
    // An interrupt before the first write (the files being checked, a script being read) ends with a line that says
    // so: it ended silently, and the operator could not tell whether some files held the change.
    const checking = (signal: NodeJS.Signals): void => {
      // A --json caller gets its one document all the same, saying that no file was written (it got none at all).
      if (this.globals.json)
        this.io.stdout.write(
          this.changeDocument(
            this.files.map((file) => ({ file, warnings: [], interrupted: true })),
            false,
            signal,
          ),
        );
      this.io.stderr.write(
        `bbgov: interrupted by ${signal} while the files were checked: 0 of ${this.files.length} file(s) written: none; ` +
          `not written: ${fileNames(this.files)} (fleet)\n`,
      );
      endBySignal(signal);
    };
    for (const signal of SIGNALS) process.once(signal, checking);
    let checked: number | CheckedChange;
    try {
      checked = await this.checkChange();
    } finally {
      for (const signal of SIGNALS) process.off(signal, checking);
    }
    if (typeof checked === "number") return checked;
    const { module, args, plans } = checked;
    const { spec } = this.invocation;
    const io = this.io;
    const results: NodeOutcome[] = [];
    let lock: HeldLock | undefined;
    /** The file being written now, and the file found there when it was locked (a rename gives another one). */
    let current: { file: FleetFile; target: WriteTarget } | undefined;
    const releaseOnSignal = (signal: NodeJS.Signals): void => {
      lock?.releaseSync();
      // The operator must learn which files hold the change, as for a write that failed midway: every file is
      // written, unchanged (it needed no write) or not written (failed, or not reached: the file being written when
      // the signal came is written once its rename is done).
      const byFile = new Map(results.map((outcome) => [outcome.file, outcome]));
      const writing = current !== undefined && replacedSince(current.target) ? current.file : undefined;
      const outcomes = this.files.map(
        (file, index): NodeOutcome =>
          byFile.get(file) ?? {
            file,
            // Known from the first phase; a file not reached is not read again.
            ...(plans[index]?.kind === undefined ? {} : { kind: plans[index]?.kind }),
            warnings: [],
            ...(file === writing ? { written: true } : { interrupted: true }),
          },
      );
      this.keepWarnings(outcomes);
      if (this.globals.json) this.io.stdout.write(this.changeDocument(outcomes, false, signal));
      const filesOf = (wanted: string): FleetFile[] =>
        outcomes.filter((outcome) => resultOf(outcome, false) === wanted).map((outcome) => outcome.file);
      const [written, unchanged, left] = [filesOf("written"), filesOf("unchanged"), filesOf("not_written")];
      this.io.stderr.write(
        `bbgov: interrupted by ${signal}: ${written.length} of ${this.files.length} file(s) written: ${fileNames(written)}; ` +
          `${unchanged.length === 0 ? "" : `unchanged: ${fileNames(unchanged)}; `}` +
          `not written: ${fileNames(left)}; ${rerunAdvice(this.invocation, left)}\n`,
      );
      endBySignal(signal);
    };
    for (const signal of SIGNALS) process.once(signal, releaseOnSignal);
    try {
      const { acquireLock } = await import("../io/lock.js");
      for (const file of this.files) {
        let kind: string | undefined;
        try {
          const resolved = await resolveTarget(file.path);
          lock = await acquireLock(resolved, spec.name, lockTimeoutMs(this.invocation.globals.lockTimeout));
          try {
            const target = { path: resolved, identity: await identityOf(resolved) };
            current = { file, target };
            const outcome = await loadRunWrite(
              this.invocation,
              this.fileGlobals(file, false),
              io,
              watchKind(module, (k) => (kind = k)),
              args,
              target,
              await this.drawing(),
            );
            results.push({
              file,
              ...(kind === undefined ? {} : { kind }),
              json: outcome.report.json,
              exitCode: outcome.report.exitCode,
              changes: outcome.changes,
              written: outcome.written,
              warnings: this.fileWarnings(file, outcome),
            });
          } finally {
            current = undefined;
            await lock.release();
            lock = undefined;
          }
        } catch (error) {
          results.push({ file, ...(kind === undefined ? {} : { kind }), error: naming(error, file), warnings: [] });
        }
      }
    } finally {
      for (const signal of SIGNALS) process.off(signal, releaseOnSignal);
    }
    return this.changeReport(results, false);
  }

  /** Ends a change before any write when files failed their check: each named on its own line, then the summary. */
  private refuseIfAny(bad: readonly { file: FleetFile; error?: unknown }[]): void {
    if (bad.length === 0) return;
    for (const plan of bad) this.io.stderr.write(`${errorLine(plan.error, this.io.env)}\n`);
    throw new UsageError(
      `nothing written: ${bad.length} of ${this.files.length} file(s) failed their check ` +
        `(${bad.map((plan) => sanitize(plan.file.relative)).join(", ")})`,
      "fleet",
    );
  }

  /** The table of results (with each node's report under its name first, for a dry run or a view), or the document. */
  private async changeReport(outcomes: readonly NodeOutcome[], dryRun: boolean, sections = dryRun): Promise<number> {
    const failed = outcomes.filter((outcome) => outcome.error !== undefined);
    const result = (outcome: NodeOutcome): string => resultOf(outcome, dryRun);
    this.keepWarnings(outcomes);
    if (this.globals.json) this.io.stdout.write(this.changeDocument(outcomes, dryRun));
    else {
      const ui = await this.ui;
      if (ui !== undefined) {
        const { nodeSection, pathTails, renderNodeResults } = await import("../render/fleet.js");
        const words: Record<string, string> = {
          written: ui.chalk.green("written"),
          unchanged: ui.chalk.dim("unchanged"),
          would_change: ui.chalk.yellow("would change"),
          not_written: ui.chalk.red("NOT WRITTEN"),
        };
        const shortOf = shortLabelsOf(outcomes);
        const plans = sections
          ? `${outcomes
              .map((outcome) =>
                nodeSection(ui, sanitize(outcome.file.label), outcome.text ?? "", sanitize(outcome.file.relative), shortOf.get(outcome)),
              )
              .join("\n\n")}\n\n`
          : "";
        // On a narrow terminal a failed file's reason (also on standard error, whole) and long paths give way first,
        // then the node's name (the lines under the table name files, as FILE does), then the path's start: the
        // table was 53 wide at 40 columns.
        const paths = outcomes.map((outcome) => sanitize(outcome.file.relative));
        const shortRows = (width: number): string[][] =>
          pathTails(paths, width).map((path, index) => ["", path, words[result(outcomes[index] as NodeOutcome)] ?? ""]);
        const table = renderNodeResults(
          ui,
          ["NODE", "FILE", "RESULT"],
          [
            outcomes.map((outcome, index) => [
              sanitize(outcome.file.label),
              paths[index] ?? "",
              `${words[result(outcome)] ?? ""}${outcome.error === undefined ? "" : `: ${errorMessage(outcome.error, this.io)}`}`,
            ]),
            shortRows(PATH_TAIL),
            shortRows(PATH_TAIL_NARROW),
          ],
          [{ column: "RESULT" }, { column: "NODE" }, { column: "FILE" }, { column: "NODE", drop: true }, { column: "FILE" }],
        );
        const count = (wanted: string): number => outcomes.filter((outcome) => result(outcome) === wanted).length;
        const tail = dryRun
          ? `dry run: nothing written; ${count("would_change")} of ${outcomes.length} file(s) would change`
          : `${count("written")} of ${outcomes.length} file(s) written,` +
            ` ${count("unchanged")} unchanged${failed.length > 0 ? ui.chalk.red(`, ${failed.length} NOT written`) : ""}`;
        this.io.stdout.write(fitText(ui, `${plans}${table}\n${tail}\n`));
      }
    }
    if (failed.length === 0) {
      this.flushWarnings();
      return EXIT.ok;
    }
    // Warnings first: the last lines say what failed and what to do.
    this.flushWarnings();
    for (const outcome of failed) this.io.stderr.write(`${errorLine(outcome.error, this.io.env)}\n`);
    const written = outcomes.filter((outcome) => outcome.written === true).map((outcome) => outcome.file);
    this.io.stderr.write(
      `bbgov: ${failed.length} of ${outcomes.length} file(s) not written: ${fileNames(failed.map((outcome) => outcome.file))}; ` +
        `written: ${fileNames(written)}; ${rerunAdvice(
          this.invocation,
          failed.map((outcome) => outcome.file),
        )}\n`,
    );
    return EXIT.error;
  }

  /**
   * A change's --json document: the files written, unchanged, not written (and would change, for a dry run), each
   * node's result and report, every warning; `interrupted` names the signal that ended the change before its end.
   */
  private changeDocument(outcomes: readonly NodeOutcome[], dryRun: boolean, interrupted?: NodeJS.Signals): string {
    const paths = (wanted: string): string[] =>
      outcomes.filter((outcome) => resultOf(outcome, dryRun) === wanted).map((outcome) => outcome.file.relative);
    return renderJson({
      command: this.invocation.spec.name,
      dry_run: dryRun,
      ...(interrupted === undefined ? {} : { interrupted }),
      written: paths("written"),
      unchanged: paths("unchanged"),
      ...(dryRun ? { would_change: paths("would_change") } : {}),
      not_written: paths("not_written"),
      nodes: outcomes.map((outcome) => ({
        ...nodeJson(outcome),
        result: resultOf(outcome, dryRun),
        ...(outcome.json === undefined ? {} : { report: outcome.json }),
      })),
      warnings: this.documentWarnings(),
    });
  }

  /**
   * Runs a command module on every file, at most `--jobs` at once, and hands
   * each outcome to `onOutcome` in file order as soon as it and those before
   * it are done; the outcomes (reports kept only as small JSON) come back in order.
   */
  /**
   * PEER arguments resolved once against every peer any node of the fleet
   * knows, so that a prefix or a short form names one peer everywhere (or is
   * refused as ambiguous) rather than a different peer on each node. Whole
   * ids (the resolver's own rule) need no pass over the files.
   */
  private async fleetPeerArgs(args: readonly unknown[]): Promise<readonly unknown[]> {
    const specs = this.invocation.spec.args;
    const texts = args.flatMap((value, index) =>
      specs[index]?.peer === undefined || value === undefined ? [] : Array.isArray(value) ? (value as string[]) : [value as string],
    );
    if (texts.every(isWholePeerText)) return args;
    const known = await this.knownAcrossFleet(args);
    const { args: resolved } = resolvePeerArgs(specs, args, known);
    return resolved.map((value, index) =>
      specs[index]?.peer === undefined ? value : Array.isArray(value) ? value.map((peer: PeerId) => peer.text) : (value as PeerId).text,
    );
  }

  /** Every peer any file of the fleet knows, as the blocklist of a scratch snapshot (one read of every file). */
  private async knownAcrossFleet(args: readonly unknown[]): Promise<Snapshot> {
    const specs = this.invocation.spec.args;
    const known = emptySnapshot();
    const collect: CommandModule = {
      execute: (ctx) => {
        for (const text of knownPeerTexts(ctx.snapshot)) known.governor.block(PeerId.parse(text));
        return makeReport({}, () => "");
      },
    };
    const noPeers = args.map((value, index) => (specs[index]?.peer === undefined ? value : undefined));
    const quick = this.io.env.BBGOV_FLEET_SCAN === "0" ? undefined : this.quickKnownPeers(known);
    // A pass of its own before the command's: the files' load warnings are the command's pass to give (were twice).
    await this.each(() => collect, undefined, { dryRun: true, args: noPeers, quick, warnings: false });
    return known;
  }

  /** fleetPeerArgs' quick way for node snapshots: every peer a scanned file knows goes into `known` (once each). */
  private quickKnownPeers(known: Snapshot): (file: FleetFile, index: number) => NodeOutcome | undefined {
    const table = new PeerTable();
    let added = new Uint8Array(1024);
    const add = (peer: number): void => {
      if (peer >= added.length) {
        const bigger = new Uint8Array(Math.max(peer + 1, added.length * 2));
        bigger.set(added);
        added = bigger;
      }
      if (added[peer] === 1) return;
      added[peer] = 1;
      known.governor.block(PeerId.parse(table.text(peer)));
    };
    let next = 0;
    const scanned = scanFiles(
      this.files.map((file) => file.path),
      () => next++,
      table,
      (_index, scan) => {
        for (let i = 0; i < scan.healthCount; i++) add(scan.healthPeer[i] as number);
        for (let i = 0; i < scan.backoffCount; i++) add(scan.backoffPeer[i] as number);
        for (let i = 0; i < scan.blockedCount; i++) add(scan.blocked[i] as number);
        for (let i = 0; i < scan.allowedCount; i++) add(scan.allowed[i] as number);
      },
    );
    const warnings = new Map(scanned.map((file) => [file.index, file.warnings]));
    return (file, index) => {
      const loaded = warnings.get(index);
      if (loaded === undefined) return undefined;
      const loadWarnings = loadWarningLines(loaded, displayName(file.path));
      return { file, kind: "node-snapshot", json: {}, exitCode: 0, changes: false, warnings: loadWarnings };
    };
  }

  private async each(
    moduleFor: (file: FleetFile, index: number) => CommandModule,
    onOutcome?: (outcome: NodeOutcome) => void | Promise<void>,
    run: {
      dryRun: boolean;
      io?: CliIo;
      args?: readonly unknown[];
      render?: boolean;
      indent?: number;
      /** Reports drawn for an unlimited width (the caller fits them). */
      unfitted?: boolean;
      /** A faster way to the same outcome for some files (undefined: take the usual way). */
      quick?: ((file: FleetFile, index: number) => NodeOutcome | undefined | Promise<NodeOutcome | undefined>) | undefined;
      /**
       * No file is started more than --jobs files ahead of the last one handed to `onOutcome`: what waits there
       * (inspect's rows) stays bounded by --jobs files, however many files a slow one holds back.
       */
      window?: boolean;
      /** Whether the files' warnings are kept for the end (a read-only command's; false: a pass before its own). */
      warnings?: boolean;
    } = { dryRun: true },
  ): Promise<NodeOutcome[]> {
    const outcomes: (NodeOutcome | undefined)[] = new Array(this.files.length);
    let next = 0;
    let flushed = 0;
    // A report shown indented under its node's name is drawn that much narrower, also what a command draws as it
    // runs (an apply script's lines: at 43 columns their tables stood 45 wide under a node's name).
    const drawing = await this.drawing(run.render === true ? (run.indent ?? 0) : 0);
    const ui = run.render === true ? await this.ui : undefined;
    // Outcomes are handed on in file order, one at a time (onOutcome may wait for a slow reader); workers held
    // back by the window wait in `waiting` until one is.
    let handing: Promise<void> = Promise.resolve();
    const waiting: (() => void)[] = [];
    const handOn = (): Promise<void> => {
      handing = handing.then(async () => {
        for (; flushed < outcomes.length && outcomes[flushed] !== undefined; flushed++) {
          await onOutcome?.(outcomes[flushed] as NodeOutcome);
          for (const wake of waiting.splice(0)) wake();
        }
      });
      return handing;
    };
    const window = run.window === true ? Math.max(1, this.jobs) : Number.POSITIVE_INFINITY;
    const worker = async (): Promise<void> => {
      while (next < this.files.length) {
        if (next >= flushed + window) {
          await new Promise<void>((wake) => waiting.push(wake));
          continue;
        }
        const index = next++;
        const file = this.files[index] as FleetFile;
        const quick = await run.quick?.(file, index);
        if (quick !== undefined) {
          outcomes[index] = quick;
          await handOn();
          continue;
        }
        let kind: string | undefined;
        try {
          const module = watchKind(moduleFor(file, index), (k) => (kind = k));
          const outcome = await loadRunWrite(
            this.invocation,
            this.fileGlobals(file, run.dryRun),
            run.io ?? this.io,
            module,
            run.args ?? this.invocation.args,
            undefined,
            drawing,
          );
          const { report } = outcome;
          outcomes[index] = {
            file,
            ...(kind === undefined ? {} : { kind }),
            json: report.json,
            exitCode: report.exitCode,
            // A report shown indented under its node's name has that much less width.
            ...(ui === undefined
              ? {}
              : { text: report.render(run.unfitted === true ? { chalk: ui.chalk } : narrower(ui, run.indent ?? 0)) }),
            changes: outcome.changes,
            warnings: this.fileWarnings(file, outcome),
          };
        } catch (error) {
          outcomes[index] = { file, ...(kind === undefined ? {} : { kind }), error: naming(error, file), warnings: [] };
        }
        await handOn();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.jobs, this.files.length) }, worker));
    const done = outcomes as NodeOutcome[];
    if (!this.invocation.spec.mutates && run.warnings !== false) this.keepWarnings(done);
    return done;
  }

  /** Keeps the files' warnings for the end: standard error's lines, a --json document's `warnings`. */
  private keepWarnings(outcomes: readonly NodeOutcome[]): void {
    for (const outcome of outcomes) for (const warning of outcome.warnings) this.warnings.push(warning);
  }

  private fileGlobals(file: FleetFile, dryRun: boolean): Globals {
    return {
      ...this.globals,
      snapshotPath: file.path,
      snapshotPaths: [file.path],
      out: undefined,
      dryRun,
      ...(this.fleetPeers === undefined ? {} : { fleetPeers: this.fleetPeers }),
    };
  }

  private fileWarnings(file: FleetFile, outcome: { report: Report; loadWarnings: readonly string[] }): string[] {
    return [...outcome.loadWarnings, ...outcome.report.warnings.map((warning) => `${file.label}: ${warning}`)];
  }

  /** How a command gets the Ui it draws with (undefined: it draws nothing), `indent` columns narrower. */
  private async drawing(indent = 0): Promise<(() => Promise<Ui>) | undefined> {
    const ui = this.ui;
    if (ui === undefined) return undefined;
    return indent === 0 ? () => ui : () => ui.then((drawn) => narrower(drawn, indent));
  }

  private width(): number {
    const columns = (this.io.stdout as { columns?: number }).columns;
    if (this.io.stdout.isTTY === true && typeof columns === "number" && columns > 0) return columns;
    const fromEnv = Number(this.io.env.COLUMNS);
    return Number.isInteger(fromEnv) && fromEnv > 20 ? fromEnv : 80;
  }

  /** Names each file that could not be read (one error line each), prints the warnings, and ends with exit 2 when one failed. */
  private finish(outcomes: readonly NodeOutcome[]): number {
    const failed = outcomes.filter((outcome) => outcome.error !== undefined);
    this.flushWarnings();
    for (const outcome of failed) this.io.stderr.write(`${errorLine(outcome.error, this.io.env)}\n`);
    if (failed.length === outcomes.length) this.io.stderr.write(`bbgov: none of the ${outcomes.length} file(s) could be read (fleet)\n`);
    else if (failed.length > 0)
      this.io.stderr.write(`bbgov: ${failed.length} of ${outcomes.length} file(s) could not be read; the others are shown (fleet)\n`);
    return failed.length > 0 ? EXIT.error : EXIT.ok;
  }

  /**
   * A --json document's `warnings`: the run's own and every file's, as standard error says them (without
   * `bbgov: warning: `), as one file's document lists its own; said before they are printed (flushWarnings).
   */
  private documentWarnings(): string[] {
    return [...this.runWarnings, ...this.warnings];
  }

  private flushWarnings(): void {
    if (this.globals.quiet) return;
    for (const warning of this.warnings.splice(0)) this.io.stderr.write(`bbgov: warning: ${sanitize(warning)}\n`);
  }
}

/**
 * Why init or import refuses a fleet. One pattern that matches files (one that matches nothing is the new file's
 * name, main.ts) is said to be one, with the way to a name that holds `*`, `?` or `[` as typed.
 */
async function createRefusal(command: string, values: readonly string[]): Promise<UsageError> {
  const [only] = values;
  const stat = only === undefined ? undefined : await fsPromises.stat(only).catch(() => undefined);
  if (values.length !== 1 || only === undefined || stat !== undefined)
    return new UsageError(`${command} writes one new snapshot; give one -s FILE, not a fleet`, command);
  const { files, folders } = only.endsWith("/") ? { files: 0, folders: 0 } : await patternMatches(only);
  const matched = [files > 0 ? `${files} file(s)` : "", folders > 0 ? `${folders} folder(s)` : ""].filter(Boolean).join(" and ");
  return new UsageError(
    `${command} writes one new snapshot, and ${matched === "" ? "a pattern ending in / names folders" : `this pattern matches ${matched}`};` +
      " give one -s FILE (-o FILE takes a name with *, ? or [ as typed)",
    `-s ${only}`,
  );
}

/** Characters of a file's path that a change's table keeps on a narrow terminal (its end: the file's name). */
const PATH_TAIL = 32;

/** ... and at 40 columns, beside its result alone (`would change`, 12 wide): 1 + 20 + 3 + 12 + 3 + 1 = 40. */
const PATH_TAIL_NARROW = 20;

/** Bytes of a node's rows written at once (fewer, larger writes than the JSON writer's pieces). */
const ROWS_PIECE = 1 << 18;

/** The most threads BBGOV_FLEET_THREADS may start (as --jobs' own limit). */
const MAX_THREADS = 1024;

/** Files per thread below which another thread does not pay for its start (~30 ms). */
const FILES_PER_THREAD = 8;

/**
 * How many threads scan a fleet: at most `--jobs`, one per core that is free
 * (a worker thread on a busy machine only waits for a core, and costs its
 * start: measured on 2 cores at load 7-11, `--jobs 2` took 1.3-1.7x the time
 * of `--jobs 1`), and one per 8 files. BBGOV_FLEET_THREADS=N sets it (tests, benchmarks).
 */
export function scanThreads(
  files: number,
  jobs: number,
  given: string | undefined,
  cores = availableParallelism(),
  load = loadavg()[0] ?? 0,
): number {
  const asked = given === undefined ? Number.NaN : Number(given);
  // Never more threads than files (one with no file only costs its start), nor than --jobs may ask for: 1e9 started 1e9.
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, Math.max(1, files), MAX_THREADS);
  // This thread is one of them; the others wait on the load the machine already has.
  const free = Math.round(cores - load);
  return Math.max(1, Math.min(jobs, cores, free, Math.floor(files / FILES_PER_THREAD)));
}

/**
 * inspect's quick way: the fleet's node snapshots scanned into `aggregate`
 * (scan-files.ts) by this thread and, given `threads` > 1, by worker threads
 * too (each reading one file at a time, so memory stays bounded by `--jobs` files). Returns per file the outcome the usual way
 * would give, or undefined where the usual way must read the file; a worker
 * that fails leaves its files to the usual way too.
 */
async function scanFleet(
  files: readonly FleetFile[],
  aggregate: FleetAggregate,
  how: { threads: number; byNode: boolean; wasm: boolean; only: ((text: string) => boolean) | undefined },
): Promise<(NodeOutcome | undefined)[]> {
  const paths = files.map((file) => file.path);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const workerFile = fileURLToPath(new URL("./fleet-worker.cjs", import.meta.url));
  // Only the bundle has a worker beside it (built by `npm run bundle`); elsewhere this thread scans alone.
  const data: ScanWorkerData = { paths, counter: counter.buffer, byNode: how.byNode, wasm: how.wasm };
  const workers =
    how.threads > 1 && existsSync(workerFile) ? Array.from({ length: how.threads - 1 }, () => startWorker(workerFile, data)) : [];
  const results: (ScannedFile | undefined)[] = new Array(files.length);
  const next = (): number => Atomics.add(counter, 0, 1);
  const fold = how.wasm ? new WasmFold(how.only, how.byNode ? files.length : undefined) : undefined;
  for (const scanned of scanFiles(paths, next, aggregate.table, (index, scan) => aggregate.addScan(index, scan), fold))
    results[scanned.index] = scanned;
  if (fold !== undefined) aggregate.merge(fold.part());
  for (const reply of await Promise.all(workers)) {
    if (reply === undefined) continue;
    aggregate.merge(reply.part);
    for (const scanned of reply.scanned) results[scanned.index] = scanned;
  }
  return files.map((file, index) => {
    const warnings = results[index]?.warnings;
    if (warnings === undefined) return undefined;
    return {
      file,
      kind: "node-snapshot",
      json: {},
      exitCode: 0,
      changes: false,
      warnings: loadWarningLines(warnings, displayName(file.path)),
    };
  });
}

/** A worker thread scanning files off the shared counter; its counts and files, or undefined when it failed. */
function startWorker(file: string, data: ScanWorkerData): Promise<{ part: AggregatePart; scanned: ScannedFile[] } | undefined> {
  return new Promise((resolve) => {
    const worker = new Worker(file, { workerData: data });
    worker.once("message", (reply: { part: AggregatePart; scanned: ScannedFile[] }) => resolve(reply));
    worker.once("error", () => resolve(undefined));
    worker.once("exit", () => resolve(undefined));
  });
}

/**
 * How a report line ends when some files were written and some not. A command that states a policy changes
 * nothing where it was written, so running it again completes the rest; one that records events (`fail`,
 * `succeed`, `advise`, `clock --advance`, an `apply` script, which may hold those) would record them again there.
 */
function rerunAdvice(invocation: Invocation, notWritten: readonly FleetFile[]): string {
  const { name } = invocation.spec;
  const recordsEvents =
    name === "fail" ||
    name === "succeed" ||
    name === "advise" ||
    name === "apply" ||
    (name === "clock" && invocation.options.advance !== undefined);
  return recordsEvents
    ? `run ${name} again naming only the files not written (${notWritten.map((file) => `-s ${sanitize(shellWord(file.path))}`).join(" ")}): ` +
        "on the files written it would record its events twice (fleet)"
    : "the same command run again completes the rest (fleet)";
}

/** Each node's label (sanitized) in its short form for a narrow terminal, told from the others' (shortLabels). */
function shortLabelsOf(outcomes: readonly NodeOutcome[]): Map<NodeOutcome, string> {
  const short = shortLabels(outcomes.map((outcome) => sanitize(outcome.file.label)));
  return new Map(outcomes.map((outcome, index) => [outcome, short[index] ?? ""]));
}

/** What a change did to a file: `written`, `unchanged`, `would_change` (a dry run) or `not_written` (failed, or interrupted before it). */
function resultOf(outcome: NodeOutcome, dryRun: boolean): string {
  if (outcome.error !== undefined || outcome.interrupted === true) return "not_written";
  if (dryRun) return outcome.changes === true ? "would_change" : "unchanged";
  return outcome.written === true ? "written" : "unchanged";
}

/** Files named in a report line: their paths in the fleet's common folder, sanitized; "none" for none. */
function fileNames(files: readonly FleetFile[]): string {
  return files.length === 0 ? "none" : files.map((file) => sanitize(file.relative)).join(", ");
}

/** Whether the file at a write's target is no longer the one found when it was locked: the atomic rename happened. */
function replacedSince(target: WriteTarget): boolean {
  try {
    const { dev, ino } = lstatSync(target.path);
    return target.identity === null || target.identity === undefined || target.identity.dev !== dev || target.identity.ino !== ino;
  } catch {
    return false;
  }
}

/**
 * The plan, or the plan refused when its file has no write bit, belongs to another user (not root), has
 * several hard links, is in a folder that cannot be written or has a lock file that cannot be locked: the write
 * would refuse it midway, after other files were written.
 */
async function refuseReadOnly(plan: NodeOutcome): Promise<NodeOutcome> {
  const stat = await fsPromises.stat(plan.file.path).catch(() => undefined);
  if (stat === undefined) return plan;
  const error = writeRefusal(stat, plan.file.path) ?? hardLinked(stat, plan.file.path) ?? (await placeRefusal(plan.file.path));
  return error === undefined ? plan : { ...plan, error: naming(error, plan.file) };
}

/**
 * Why `file` cannot be written where it is, found before the first write: its folder cannot be written, or its lock
 * file cannot be locked (a link, a folder, not writable).
 */
async function placeRefusal(file: string): Promise<Error | undefined> {
  const target = await resolveTarget(file).catch(() => undefined);
  if (target === undefined) return undefined;
  return (await folderWriteRefusal(target)) ?? (await import("../io/lock.js")).lockFileRefusal(target);
}

/** The Ui for output indented by `indent` columns. */
function narrower(ui: Ui, indent: number): Ui {
  return ui.width === undefined || indent === 0 ? ui : { ...ui, width: Math.max(ui.width - indent, 20) };
}

/** `{ width }` when the output has one. */
function widthOf(width: number | undefined): { width?: number } {
  return width === undefined ? {} : { width };
}

/**
 * Which peers `inspect PEER...` asks for across a fleet: each given text as a
 * whole id (a CID spelling read as its base58 form), as a prefix, or as a
 * short form `head…tail`; nodes may know different peers, so nothing here
 * is refused as ambiguous.
 */
function peerMatcher(given: readonly string[]): ((text: string) => boolean) | undefined {
  if (given.length === 0) return undefined;
  const exact = new Set<string>();
  const partial: { head: string; tail: string }[] = [];
  for (const text of given) {
    try {
      exact.add(PeerId.parse(text).text);
    } catch (error) {
      if (!(error instanceof InvalidPeerId)) throw error;
    }
    const cut = /^(.*?)(?:\u2026|\.\.\.)(.*)$/.exec(text);
    partial.push(cut === null ? { head: text, tail: "" } : { head: cut[1] ?? "", tail: cut[2] ?? "" });
  }
  return (text) => exact.has(text) || partial.some((p) => text.startsWith(p.head) && text.endsWith(p.tail));
}

/** A fleet's error names its file: one that says only an argument (`--advance`) gets the file in front. */
function naming(error: unknown, file: FleetFile): unknown {
  if (!(error instanceof BbgovError)) return error;
  const name = displayName(file.path);
  // An apply script's bad lines, each named with the file: a plain error kept only the first of them.
  if (error instanceof ApplyScriptErrors) {
    const [first, ...rest] = error.errors.map(
      (line) => new ApplyLineError(line.lineNumber, line.lineError, `${name}: ${error.source}`),
    ) as [ApplyLineError, ...ApplyLineError[]];
    return new ApplyScriptErrors([first, ...rest], error.unlisted, `${name}: ${error.source}`);
  }
  if (error.where?.includes(name)) return error;
  return new BbgovError(error.message, error.where === undefined ? name : `${name}: ${error.where}`);
}

/** Wraps a command module to learn the kind of the file it runs on. */
function watchKind(module: CommandModule, seen: (kind: string) => void): CommandModule {
  return {
    execute: (ctx: CommandContext, args, options) => {
      seen(ctx.kind);
      return module.execute(ctx, args, options);
    },
  };
}

function nodeJson(outcome: NodeOutcome): Record<string, unknown> {
  return {
    node: outcome.file.label,
    path: outcome.file.relative,
    kind: outcome.kind ?? null,
    ...(outcome.error === undefined ? {} : { error: errorLine(outcome.error, {}).replace(/^bbgov: /, "") }),
  };
}

function errorText(error: unknown, io: CliIo): string {
  return errorLine(error, { ...io.env, BBGOV_DEBUG: undefined }).replace(/^bbgov: /, "");
}

/** The error's message alone, for a table cell (its full line, with where, is on standard error). */
function errorMessage(error: unknown, io: CliIo): string {
  return error instanceof BbgovError ? sanitize(error.message) : errorText(error, io);
}

function fleetSummary(outcomes: readonly NodeOutcome[], aggregate: FleetAggregate): Record<string, number> {
  let blocked = 0;
  let down = 0;
  let cooling = 0;
  for (const peer of aggregate.peers()) {
    if (peer.blocked > 0) blocked++;
    if (peer.down > 0) down++;
    if (peer.coolingDown > 0) cooling++;
  }
  const failed = outcomes.filter((outcome) => outcome.error !== undefined).length;
  return {
    nodes: outcomes.length - failed,
    unreadable: failed,
    peers: aggregate.peers().length,
    blocked_somewhere: blocked,
    down_somewhere: down,
    cooling_down_somewhere: cooling,
  };
}

function peerAcrossJson(
  row: ReturnType<FleetAggregate["rows"]>[number],
  files: readonly FleetFile[],
  byNode: boolean,
): Record<string, unknown> {
  const json: Record<string, unknown> = {
    peer: row.peer,
    nodes: row.nodes,
    blocked: row.blocked,
    down: row.down,
    cooling_down: row.coolingDown,
    worst_streak: row.worstStreak,
    latest_event_ns: row.latestEventNs ?? null,
  };
  if (byNode && row.states !== undefined) {
    const states = row.states;
    json.by_node = Object.fromEntries(
      files.map((file, index) => [file.label, stateWords(states[index] ?? 0)]).filter((pair) => (pair[1]?.length ?? 0) > 0),
    );
  }
  return json;
}

function stateWords(bits: number): string[] {
  const words: string[] = [];
  if (bits & 1) words.push("known");
  if (bits & 8) words.push("blocked");
  if (bits & 4) words.push("down");
  if (bits & 2) words.push("cooling_down");
  return words;
}
