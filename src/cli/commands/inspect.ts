/** `inspect [PEER...]`: the policy summary and one row per peer, with its decisions at the clock. */
import { cooldownDecision, policyDecision } from "../../core/governor.js";
import { PeerId } from "../../core/peer-id.js";
import { KIND_DESCRIPTIONS, KIND_NAMES } from "../../snapshot/kinds.js";
import type { Snapshot } from "../../snapshot/model.js";
import {
  ALLOWLISTED,
  BACKOFF_VALUES,
  BLOCKED,
  HEALTH_VALUES,
  compareDigits,
  rowsAsRead,
  talliesAsRead,
  type RowsAsRead,
  type Tallies,
} from "../../snapshot/as-read.js";
import type { NodeInfo } from "../../snapshot/node.js";
import type { CommandContext, Report, Ui } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { report } from "../context.js";
import { decisionCells, failuresCells, retryCell } from "../render/cells.js";
import { fitLine, renderFittedTable, type FitColumn, type FitStep } from "../render/fit.js";
import { formatBytes, formatDuration, formatInstant, formatRelative, formatWhen } from "../render/format.js";
import { shortPeerNameList, shortPeerNames } from "../render/peer.js";
import { renderWideTable, type InspectRow } from "../render/inspect-formats.js";
import { CanonicalRowsJson, RowsJson, type RowCounts } from "../render/inspect-rows.js";
import { CHUNK, jsonChunks, ndjsonChunks } from "../render/json.js";
import { renderPairs } from "../render/table.js";
import { eventTime, knownPeers } from "./common.js";
import { isKnown, knownPeerTexts } from "./resolve.js";

/** Everything known about one peer, and its decisions at the clock. */
type PeerRow = InspectRow;

/** Builds the summary and the rows (filtered, sorted, limited) and renders them. */
export function execute(ctx: CommandContext, [only]: CommandArgs<"inspect">, options: CommandOptions<"inspect">): Report {
  const { snapshot } = ctx;
  // `--at`/`--after` ask "what would it look like then?": decisions and relative times use that instant.
  const nowNs = eventTime(snapshot, options);
  const direct = directRows(ctx, only, options, nowNs);
  if (direct !== undefined) return direct;
  const { shown, matching, summary } = selectAsRead(ctx, only, options, nowNs) ?? selectFromModel(snapshot, only, options, nowNs);
  // `--format json` is `--json`; ndjson is one peer per line; both are exact text (Report.output).
  const { format } = options;
  const document = inspectDocument(ctx, options, nowNs, summary, new RowsJson(shown));
  const render = (ui: Ui): string => renderInspect(ui, ctx, summary, shown, matching, format === "wide", nowNs, only.length > 0);
  if (format === "tsv") return report(document, render, { output: renderTsv(shown) });
  return documentReport(document, format, render);
}

/** The rows inspect shows (filtered, sorted, limited), how many matched before the limit, and the summary. */
interface Selected {
  readonly shown: PeerRow[];
  readonly matching: number;
  readonly summary: Summary;
}

/** The rows from the model: every peer's row built, then filtered, sorted and cut. */
function selectFromModel(snapshot: Snapshot, only: readonly PeerId[], options: CommandOptions<"inspect">, nowNs: bigint): Selected {
  const all = collectRows(snapshot, only, nowNs);
  let rows = all;
  // Filters combine: each keeps only the rows that pass it.
  if (options.down === true) rows = rows.filter((row) => row.health?.down === true);
  if (options.blocked === true) rows = rows.filter((row) => row.blocked);
  if (options.cooling === true) rows = rows.filter((row) => row.backoff !== undefined && row.backoff.nextRetryNs > nowNs);
  if (options.denied === true) rows = rows.filter((row) => row.inbound.kind === "deny" || row.outbound.kind === "deny");
  if (options.allowlisted === true) rows = rows.filter((row) => row.allowlisted);
  if (options.unknown === true) rows = rows.filter((row) => !isKnown(snapshot, row.peer));
  rows = sortRows(rows, options.sort);
  if (options.reverse === true) rows.reverse();
  const { limit } = options;
  return {
    shown: limit === undefined ? rows : rows.slice(0, limit),
    matching: rows.length,
    summary: summarize(snapshot, all, nowNs, only.length > 0),
  };
}

/**
 * The same selection from a file that offers its rows as read (rowsAsRead),
 * for every peer (no PEER, no --unknown): filters and sort keys read from the
 * file's text, and a row built only for each peer shown, so that `--limit 10
 * --sort failures` on 100k peers builds neither the model's lists nor 100k
 * rows. Undefined when that does not hold.
 */
function selectAsRead(
  ctx: CommandContext,
  only: readonly PeerId[],
  options: CommandOptions<"inspect">,
  nowNs: bigint,
): Selected | undefined {
  if (only.length > 0 || options.unknown === true) return undefined;
  const rows = rowsAsRead(ctx.snapshot);
  if (rows === undefined) return undefined;
  const { governor } = ctx.snapshot;
  const open = governor.allowlistSize() === null;
  const counts = new CanonicalRowsJson(rows, open, nowNs).counts();
  const summary = summaryOf(ctx.snapshot, rows.count, counts);
  const text = rows.text;
  const health = new Int32Array(HEALTH_VALUES);
  const backoff = new Int32Array(BACKOFF_VALUES);
  const now = nowNs.toString();
  // next_retry_ns > now, from the digits
  const cooling = (): boolean => compareDigits(text, backoff[4] as number, backoff[5] as number, now) > 0;
  // The policy's decision as the governor makes it, then the cooldown (as rowAsRead decides them).
  const denied = (i: number): boolean => {
    const flags = rows.flags[i] as number;
    if (policyDecision((flags & BLOCKED) !== 0, open || (flags & ALLOWLISTED) !== 0).kind === "deny") return true;
    return rows.backoffOf(i, backoff) && cooling();
  };
  const order: number[] = [];
  for (let i = 0; i < rows.count; i++) {
    const flags = rows.flags[i] as number;
    if (options.down === true && !(rows.healthOf(i, health) && health[4] === 1)) continue;
    if (options.blocked === true && (flags & BLOCKED) === 0) continue;
    if (options.cooling === true && !(rows.backoffOf(i, backoff) && cooling())) continue;
    if (options.denied === true && !denied(i)) continue;
    if (options.allowlisted === true && (flags & ALLOWLISTED) === 0) continue;
    order.push(i);
  }
  // The rows stand in peer order; a sort by a value is stable over it, as sortRows is over the rows sorted by text.
  const sortBy = SORT_KEYS[options.sort as keyof typeof SORT_KEYS] as SortKey | undefined;
  if (sortBy !== undefined) {
    const values = sortBy.entry === "health" ? health : backoff;
    const has = sortBy.entry === "health" ? (i: number) => rows.healthOf(i, health) : (i: number) => rows.backoffOf(i, backoff);
    const at = sortBy.digitsAt;
    sortByValue(order, (i) => (has(i) ? BigInt(text.slice(values[at], values[at + 1])) : sortBy.missing), sortBy.ascending);
  }
  if (options.reverse === true) order.reverse();
  const { limit } = options;
  const shownAt = limit === undefined ? order : order.slice(0, limit);
  const values = new Int32Array(Math.max(HEALTH_VALUES, BACKOFF_VALUES));
  return { shown: shownAt.map((i) => rowAsRead(rows, i, open, nowNs, values)), matching: order.length, summary };
}

/** Row `i` of `rows`, as collectRows builds it from the model at the instant `nowNs` (`values`: room for healthOf/backoffOf). */
function rowAsRead(rows: RowsAsRead, i: number, open: boolean, nowNs: bigint, values: Int32Array): PeerRow {
  const { text } = rows;
  const peer = PeerId.parse(text.slice(rows.peerStarts[i], rows.peerEnds[i]));
  const flags = rows.flags[i] as number;
  const slice = (at: number): string => text.slice(values[at], values[at + 1]);
  const health = rows.healthOf(i, values)
    ? { peer, consecutiveFailures: Number(slice(0)), lastEventNs: BigInt(slice(2)), down: values[4] === 1 }
    : undefined;
  const backoff = rows.backoffOf(i, values)
    ? { peer, attempts: Number(slice(0)), lastAttemptNs: BigInt(slice(2)), nextRetryNs: BigInt(slice(4)) }
    : undefined;
  const blocked = (flags & BLOCKED) !== 0;
  const allowlisted = (flags & ALLOWLISTED) !== 0;
  const inbound = policyDecision(blocked, open || allowlisted);
  const outbound = inbound.kind === "allow" ? cooldownDecision(backoff, nowNs) : inbound;
  return { peer, blocked, allowlisted, health, backoff, inbound, outbound };
}

/** inspect's `--json` document around its summary and rows. */
function inspectDocument(
  ctx: CommandContext,
  options: CommandOptions<"inspect">,
  nowNs: bigint,
  summary: Summary,
  peers: RowsJson | CanonicalRowsJson,
) {
  const { snapshot } = ctx;
  return {
    kind: ctx.kind,
    node: ctx.node === undefined ? null : nodeJson(ctx.node),
    clock_ns: snapshot.clockNs,
    ...(nowNs === snapshot.clockNs && options.at === undefined ? {} : { at_ns: nowNs }),
    peer_governor: {
      failure_threshold: snapshot.governor.failureThreshold(),
      blocklist: sortedTexts(snapshot.governor.blocklist()),
      allowlist: maybeSorted(snapshot.governor.allowlist()),
    },
    backoff: { base_ns: snapshot.backoff.config().baseNs, max_delay_ns: snapshot.backoff.config().maxDelayNs },
    summary,
    peers,
  };
}

/** The report of a document whose format is json or ndjson: exact text, written in pieces as it is made (tens of megabytes at 100k peers). */
function documentReport(
  document: ReturnType<typeof inspectDocument>,
  format: CommandOptions<"inspect">["format"],
  render: (ui: Ui) => string,
): Report {
  if (format === "json") return report(document, render, { output: { chunks: () => jsonChunks(document) } });
  if (format === "ndjson") return report(document, render, { output: { chunks: () => ndjsonChunks(document.peers) } });
  return report(document, render);
}

/**
 * Every peer, unfiltered and in the usual order, of a snapshot whose file
 * offers its rows as read (rowsAsRead), for a report printed as JSON or TSV:
 * written straight from the file's text (CanonicalRowsJson), without building
 * the model's lists (a table still builds them, when it is drawn). Undefined
 * when any of that does not hold.
 */
function directRows(ctx: CommandContext, only: readonly PeerId[], options: CommandOptions<"inspect">, nowNs: bigint): Report | undefined {
  const { format } = options;
  // Under --json a table or wide listing is not drawn: the document is the product.
  const printed = format === "json" || format === "ndjson" || format === "tsv" || ctx.printsJson === true;
  if (!printed || only.length > 0 || options.sort !== "peer" || options.limit !== undefined || options.reverse === true) return undefined;
  const filtered = options.down || options.blocked || options.cooling || options.denied || options.allowlisted || options.unknown;
  if (filtered === true) return undefined;
  const rows = rowsAsRead(ctx.snapshot);
  if (rows === undefined) return undefined;
  const { governor } = ctx.snapshot;
  const peers = new CanonicalRowsJson(rows, governor.allowlistSize() === null, nowNs);
  const summary = summaryOf(ctx.snapshot, rows.count, peers.counts());
  // Drawn for people after all (a caller that asks for both): the usual rows, from the model.
  const render = (ui: Ui): string => {
    const all = sortRows(collectRows(ctx.snapshot, only, nowNs), options.sort);
    return renderInspect(ui, ctx, summary, all, all.length, format === "wide", nowNs);
  };
  const document = inspectDocument(ctx, options, nowNs, summary, peers);
  if (format === "tsv") {
    const chunks = function* (): Generator<string> {
      yield `${TSV_HEAD.join("\t")}\n`;
      yield* peers.tsvLines(CHUNK);
    };
    return report(document, render, { output: { chunks } });
  }
  return documentReport(document, format, render);
}

function collectRows(snapshot: Snapshot, only: readonly PeerId[], nowNs: bigint): PeerRow[] {
  const { governor, backoff } = snapshot;
  // Given peers once each (a peer named twice is one row); else every peer the snapshot knows.
  const peers = only.length > 0 ? [...new Map(only.map((peer) => [peer.text, peer])).values()] : knownPeers(snapshot);
  return peers.map((peer) => ({
    peer,
    blocked: governor.isBlocked(peer),
    allowlisted: governor.isAllowlisted(peer),
    health: governor.peerHealth(peer),
    backoff: backoff.state(peer),
    inbound: governor.checkInbound(peer),
    outbound: governor.checkOutbound(peer, backoff, nowNs),
  }));
}

const byText = (a: PeerRow, b: PeerRow): number => (a.peer.text < b.peer.text ? -1 : a.peer.text > b.peer.text ? 1 : 0);
const descending = (a: bigint, b: bigint): number => (a > b ? -1 : a < b ? 1 : 0);

/** What a `--sort` other than peer orders by, for the rows of the model and those read from a file alike. */
interface SortKey {
  /** The value in a model's row (undefined: the peer has no such entry). */
  readonly of: (row: PeerRow) => number | bigint | undefined;
  /** The entry holding it in the file, and where healthOf/backoffOf put its digits. */
  readonly entry: "health" | "backoff";
  readonly digitsAt: number;
  /** The value of a peer without that entry. */
  readonly missing: bigint;
  /** The least first (else the greatest). */
  readonly ascending: boolean;
}

const SORT_KEYS: Readonly<Record<"failures" | "last-event" | "attempts" | "next-retry", SortKey>> = {
  failures: { of: (row) => row.health?.consecutiveFailures, entry: "health", digitsAt: 0, missing: -1n, ascending: false },
  "last-event": { of: (row) => row.health?.lastEventNs, entry: "health", digitsAt: 2, missing: -1n, ascending: false },
  attempts: { of: (row) => row.backoff?.attempts, entry: "backoff", digitsAt: 0, missing: -1n, ascending: false },
  // Soonest retry first; peers without a backoff entry last.
  "next-retry": { of: (row) => row.backoff?.nextRetryNs, entry: "backoff", digitsAt: 4, missing: 1n << 65n, ascending: true },
};

/** Sorts `items` in place by `sortValue` (each value made once), keeping the order of equal values. */
function sortByValue<T>(items: T[], sortValue: (item: T) => bigint, ascending: boolean): T[] {
  const values = new Map(items.map((item) => [item, sortValue(item)]));
  return items.sort((a, b) => {
    const difference = descending(values.get(a) as bigint, values.get(b) as bigint);
    return ascending ? -difference : difference;
  });
}

function sortRows(rows: PeerRow[], key: CommandOptions<"inspect">["sort"]): PeerRow[] {
  const sorted = [...rows].sort(byText);
  const sortBy = SORT_KEYS[key as keyof typeof SORT_KEYS] as SortKey | undefined;
  if (sortBy === undefined) return sorted;
  const rowValue = (row: PeerRow): bigint => {
    const value = sortBy.of(row);
    return value === undefined ? sortBy.missing : BigInt(value);
  };
  return sortByValue(sorted, rowValue, sortBy.ascending);
}

interface Summary {
  peers: number;
  blocked: number;
  allowlisted: number | null;
  tracked: number;
  down: number;
  backoff_entries: number;
  cooling_down: number;
  inbound_denied: number;
  outbound_denied: number;
  /** Whose entries the counts are: every peer's ("all"), or the PEERs named ("named"); see summarize. */
  scope: "all" | "named";
}

/** The summary of `peers` peers from their counts (read from the file: CanonicalRowsJson.counts; or summarize's). */
function summaryOf(snapshot: Snapshot, peers: number, counts: RowCounts, named = false): Summary {
  const { governor } = snapshot;
  return {
    peers,
    blocked: governor.blocklistSize(),
    allowlisted: governor.allowlistSize(),
    tracked: counts.tracked,
    down: counts.down,
    backoff_entries: counts.backoffEntries,
    cooling_down: counts.coolingDown,
    inbound_denied: counts.inboundDenied,
    outbound_denied: counts.outboundDenied,
    scope: named ? "named" : "all",
  };
}

/**
 * The summary of `rows` (every peer the snapshot knows, or with `named` the peers named on the command line). The
 * denied counts are the rows'. The entries' counts are the whole snapshot's, told from its file while its lists
 * are unbuilt; with `named` they are the rows' too, as a fleet's `inspect PEER` counts only its selection, so that
 * the "peers" line never mixes one named peer with the whole snapshot's counts. Blocked and allowlisted stay the
 * policy's sizes (the "policy" line).
 */
function summarize(snapshot: Snapshot, rows: readonly PeerRow[], nowNs: bigint, named: boolean): Summary {
  const { governor, backoff } = snapshot;
  const tallies: Tallies = named
    ? {
        tracked: count(rows, (row) => row.health !== undefined),
        down: count(rows, (row) => row.health?.down === true),
        backoffEntries: count(rows, (row) => row.backoff !== undefined),
        coolingDown: count(rows, (row) => row.backoff !== undefined && row.backoff.nextRetryNs > nowNs),
      }
    : (talliesAsRead(snapshot, nowNs) ?? {
        tracked: governor.trackedPeers(),
        down: count(governor.iterHealth(), (entry) => entry.down),
        backoffEntries: backoff.len(),
        coolingDown: count(backoff.iter(), (entry) => entry.nextRetryNs > nowNs),
      });
  return summaryOf(
    snapshot,
    rows.length,
    {
      ...tallies,
      inboundDenied: count(rows, (row) => row.inbound.kind === "deny"),
      outboundDenied: count(rows, (row) => row.outbound.kind === "deny"),
    },
    named,
  );
}

/** How many of `items` pass `test`. */
function count<T>(items: Iterable<T>, test: (item: T) => boolean): number {
  let passed = 0;
  for (const item of items) if (test(item)) passed++;
  return passed;
}

/** The node's identity and the size of the file's other sections, for `--json`. */
function nodeJson(node: NodeInfo): Record<string, unknown> {
  return {
    peer_id: node.peerId?.text ?? null,
    peer_id_bytes: node.peerId === undefined ? Array.from(node.peerIdBytes) : undefined,
    incarnation: node.incarnation,
    spec_version: node.specVersion,
    sections: node.sections.map((section) => ({
      name: section.name,
      ...(section.count === undefined ? {} : { count: section.count }),
      bytes: section.bytes,
    })),
    governor_bytes: [...node.governorRange],
    trailing_bytes: node.trailingBytes,
  };
}

function renderInspect(
  ui: Ui,
  ctx: CommandContext,
  summary: Summary,
  rows: readonly PeerRow[],
  matching: number,
  wide: boolean,
  nowNs: bigint,
  named = false,
): string {
  const { snapshot } = ctx;
  const { chalk } = ui;
  const threshold = snapshot.governor.failureThreshold();
  const config = snapshot.backoff.config();
  const policy =
    summary.allowlisted === null
      ? `open (no allowlist), ${summary.blocked} blocked`
      : summary.allowlisted === 0
        ? `${chalk.red(`allowlist is empty: nobody is admitted`)}, ${summary.blocked} blocked`
        : `allowlist of ${summary.allowlisted}, ${summary.blocked} blocked`;
  const held = ctx.holds.backoffSchedule ? "" : chalk.dim(" (the host's, not in the file)");
  // Values longer than the terminal leaves them say less: the first form that fits is shown.
  const value = (...forms: string[]): string =>
    fitLine(ui.width === undefined ? ui : { ...ui, width: ui.width - HEADER_LABEL_WIDTH }, ...forms);
  const kindNote = (long: boolean) =>
    ctx.kind === "bbgov-json"
      ? ""
      : chalk.dim(long ? ` (${KIND_NAMES[ctx.kind]}: ${KIND_DESCRIPTIONS[ctx.kind]})` : ` (${KIND_NAMES[ctx.kind]})`);
  const clock = formatInstant(snapshot.clockNs);
  const sinceClock =
    nowNs >= snapshot.clockNs ? `+ ${formatDuration(nowNs - snapshot.clockNs)}` : `- ${formatDuration(snapshot.clockNs - nowNs)}`;
  const header = renderPairs(ui, [
    [
      "snapshot",
      value(`${chalk.bold(ctx.source)}${kindNote(true)}`, `${chalk.bold(ctx.source)}${kindNote(false)}`, chalk.bold(ctx.source)),
    ],
    ...(ctx.node === undefined ? [] : nodeLines(ui, ctx.node, value)),
    [
      "clock",
      ctx.holds.clock
        ? clock
        : value(`${clock}${chalk.dim(" (the latest event in the file)")}`, `${clock}${chalk.dim(" (latest event)")}`, clock),
    ],
    ...(nowNs === snapshot.clockNs ? [] : [["at", `${formatInstant(nowNs)}, clock ${sinceClock}`] as const]),
    ["policy", policy],
    ["threshold", threshold === 1 ? "1 consecutive failure marks a peer down" : `${threshold} consecutive failures mark a peer down`],
    ["backoff", `base ${formatDuration(config.baseNs)}, doubling, max ${formatDuration(config.maxDelayNs)}${held}`],
    [
      "peers",
      `${summary.peers} ${named ? "named" : "known"}, ${summary.tracked} tracked, ` +
        `${summary.down > 0 ? chalk.bold.red(`${summary.down} down`) : "0 down"}, ` +
        `${summary.cooling_down > 0 ? chalk.yellow(`${summary.cooling_down} cooling down`) : "0 cooling down"}`,
    ],
  ]);
  // What cut the table: --limit, or the window's height (a watch's window too short for even one row shows none).
  const notShown = chalk.dim(
    `${matching - rows.length} ${rows.length === 0 ? "" : "more "}row(s) not shown (${ui.cutByWindow === true ? "window too short" : "--limit"})`,
  );
  if (rows.length === 0) return `${header}\n\n${matching === 0 ? chalk.dim("no peer matches") : notShown}`;
  const table = wide
    ? renderWideTable(ui, rows, nowNs, threshold, summary.allowlisted === null)
    : renderInspectTable(ui, snapshot, rows, nowNs);
  return `${header}\n\n${table}${rows.length < matching ? `\n${notShown}` : ""}`;
}

/** The width of the header's labels and the gap after them ("threshold  "). */
const HEADER_LABEL_WIDTH = "threshold".length + 2;

/** The header lines that say which node a node snapshot is. */
function nodeLines(ui: Ui, node: NodeInfo, value: (...forms: string[]) => string): [string, string][] {
  const text = node.peerId?.text;
  const id =
    text ??
    ui.chalk.dim(node.peerIdBytes.length === 0 ? "(none in the file)" : `(${node.peerIdBytes.length} bytes that are not a peer id)`);
  const shortId = text === undefined ? id : (shortPeerNames([text], [text]).get(text) ?? text);
  // Graphs and components by count and size; the rest of the runtime state as one size (all of it is in --json).
  const shown = node.sections.filter((section) => section.name === "graphs" || section.name === "components");
  const restBytes = node.sections
    .filter((section) => !shown.includes(section) && section.name !== "config")
    .reduce((sum, section) => sum + section.bytes, 0);
  const counted = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;
  const sections = [
    ...shown.map((section) => `${counted(section.count ?? 0, section.name.slice(0, -1))} (${formatBytes(section.bytes)})`),
    `other state ${formatBytes(restBytes)}`,
  ].join(", ");
  const trailing = node.trailingBytes > 0 ? `; ${formatBytes(node.trailingBytes)} after the snapshot` : "";
  return [
    [
      "node",
      value(
        `${id}, incarnation ${node.incarnation}, spec_version ${node.specVersion}`,
        `${shortId}, incarnation ${node.incarnation}, spec_version ${node.specVersion}`,
        `${shortId}, incarnation ${node.incarnation}`,
      ),
    ],
    ["holds", `${sections}${trailing}`],
  ];
}

// What goes first when the terminal is narrow: the time of day in brackets,
// then long peer ids, then whole columns, least useful first; below ~56
// columns (a split pane) two short titles and the retry's time alone ("59.9ms");
// below 49 (half of an 80-column terminal) the retry's column (OUTBOUND still
// says "cooldown").
const INSPECT_STEPS: readonly FitStep[] = [
  { column: "LAST EVENT" },
  { column: "NEXT RETRY" },
  { column: "PEER" },
  { column: "ATTEMPTS", drop: true },
  { column: "LAST EVENT", drop: true },
  { column: "NEXT RETRY" },
  { column: "DOWN", drop: true },
  { column: "INBOUND", drop: true },
  { column: "FAILURES", short: true },
  { column: "NEXT RETRY", short: true },
  { column: "NEXT RETRY" },
  { column: "NEXT RETRY", drop: true },
];

/** The per-peer table, fitted to the terminal width. */
function renderInspectTable(ui: Ui, snapshot: Snapshot, rows: readonly PeerRow[], nowNs: bigint): string {
  const { chalk } = ui;
  const threshold = snapshot.governor.failureThreshold();
  const dash = chalk.dim("-");
  // The cells most rows share are made once: 10k rows are 10k strings a column otherwise.
  const failures = failuresCells(ui, threshold);
  const decision = decisionCells(ui);
  const downCell = chalk.bold.red("DOWN");
  let names: string[] | undefined;
  const short = (): string[] =>
    (names ??= shortPeerNameList(
      rows.map((row) => row.peer.text),
      knownPeerTexts(snapshot),
    ));
  const peerCell = (row: PeerRow, text: string): string => (row.blocked ? chalk.red(text) : text);
  // compact: "ready" without its time; bare: a wait as its time alone, "59.9ms" for "in 59.9 ms".
  const retry = (row: PeerRow, compact: boolean, bare = false): string => {
    const next = row.backoff?.nextRetryNs;
    if (next === undefined) return dash;
    if (next <= nowNs) return chalk.dim(compact ? "ready" : `ready (${formatRelative(next, nowNs)})`);
    return chalk.yellow(bare ? formatDuration(next - nowNs).replaceAll(" ", "") : formatRelative(next, nowNs));
  };
  const columns: FitColumn[] = [
    {
      title: "PEER",
      align: "left",
      forms: [
        () => rows.map((row) => peerCell(row, row.peer.text)),
        () => rows.map((row, index) => peerCell(row, short()[index] ?? row.peer.text)),
      ],
    },
    {
      title: "FAILURES",
      short: "FAILS",
      align: "right",
      forms: [() => rows.map((row) => (row.health === undefined ? dash : failures(row.health.consecutiveFailures, row.health.down)))],
    },
    { title: "DOWN", align: "left", forms: [() => rows.map((row) => (row.health?.down === true ? downCell : ""))] },
    {
      title: "LAST EVENT",
      align: "left",
      forms: [
        () => rows.map((row) => (row.health === undefined ? dash : formatWhen(row.health.lastEventNs, nowNs))),
        () => rows.map((row) => (row.health === undefined ? dash : formatRelative(row.health.lastEventNs, nowNs))),
      ],
    },
    {
      title: "ATTEMPTS",
      align: "right",
      forms: [() => rows.map((row) => (row.backoff === undefined ? dash : String(row.backoff.attempts)))],
    },
    {
      title: "NEXT RETRY",
      short: "RETRY",
      align: "left",
      forms: [
        () => rows.map((row) => retryCell(ui, row.backoff?.nextRetryNs, nowNs)),
        () => rows.map((row) => retry(row, false)),
        () => rows.map((row) => retry(row, true)),
        () => rows.map((row) => retry(row, true, true)),
      ],
    },
    { title: "INBOUND", align: "left", forms: [() => rows.map((row) => decision(row.inbound))] },
    { title: "OUTBOUND", align: "left", forms: [() => rows.map((row) => decision(row.outbound))] },
  ];
  return renderFittedTable(ui, columns, INSPECT_STEPS);
}

const TSV_HEAD = [
  "peer",
  "blocked",
  "allowlisted",
  "consecutive_failures",
  "down",
  "last_event_ns",
  "attempts",
  "last_attempt_ns",
  "next_retry_ns",
  "inbound",
  "outbound",
];

/** `--format tsv`: a header and one line per peer of plain values (u64 in ns, `-` for none), for awk and cut. */
function renderTsv(rows: readonly PeerRow[]): string {
  const none = "-";
  const decision = (d: PeerRow["inbound"]): string => (d.kind === "allow" ? "allow" : d.reason.kind);
  const lines = rows.map((row) =>
    [
      row.peer.text,
      String(row.blocked),
      String(row.allowlisted),
      row.health === undefined ? none : String(row.health.consecutiveFailures),
      row.health === undefined ? none : String(row.health.down),
      row.health === undefined ? none : String(row.health.lastEventNs),
      row.backoff === undefined ? none : String(row.backoff.attempts),
      row.backoff === undefined ? none : String(row.backoff.lastAttemptNs),
      row.backoff === undefined ? none : String(row.backoff.nextRetryNs),
      decision(row.inbound),
      decision(row.outbound),
    ].join("\t"),
  );
  return `${[TSV_HEAD.join("\t"), ...lines].join("\n")}\n`;
}

function sortedTexts(peers: Iterable<PeerId>): string[] {
  return Array.from(peers, (peer) => peer.text).sort();
}

function maybeSorted(peers: Iterable<PeerId> | null): string[] | null {
  return peers === null ? null : sortedTexts(peers);
}
