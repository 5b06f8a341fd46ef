/**
 * One snapshot, one command: load the file of any kind, run the command on
 * it, write it back if it changed. `main` runs this for `-s FILE`; a fleet
 * (src/cli/fleet/) runs it for each of its files.
 */
import { KEPT_ON_WRITE, type SharedPeers } from "../snapshot/node.js";
import type { BackoffConfig } from "../core/backoff.js";
import { encodeSnapshotBytes } from "../snapshot/encode.js";
import { openSnapshot, recognize, type OpenedSnapshot, type SnapshotInput, type SnapshotKind } from "../snapshot/kinds.js";
import { emptySnapshot, SnapshotError, type Snapshot, type SnapshotWarning } from "../snapshot/model.js";
import { loadCommand } from "./commands/index.js";
import { resolvePeerArgs, withNotices } from "./commands/resolve.js";
import { commandContext, type CliIo, type CommandModule, type FleetPeers, type Report, type Ui } from "./context.js";
import { IoError, UsageError } from "./errors.js";
import { fleetScriptLines, scriptLines } from "./io/lines.js";
import {
  danglingLinkTarget,
  displayName,
  exists,
  isEncodingOf,
  removeTempInProgressSync,
  readBytes,
  sameIdentity,
  SIGNALS,
  STDIO,
  textOf,
  writeOutput,
  type WriteTarget,
} from "./io/store.js";
import type { Invocation } from "./program.js";
import type { RawSnapshot } from "./spec.js";

/** The global options as `main` uses them. */
export interface Globals {
  readonly snapshotPath: string;
  /** Every `-s` value (several, a folder or a glob make a fleet: src/cli/fleet/). */
  readonly snapshotPaths: readonly string[];
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly out: string | undefined;
  readonly quiet: boolean;
  readonly color: boolean;
  /** The host's backoff schedule, for snapshot kinds that do not store one. */
  readonly hostBackoff: Partial<BackoffConfig> | undefined;
  /** Fit the output to the terminal (false with --no-trunc). */
  readonly trunc: boolean;
  /** A fleet's peers, made once for all its files (node snapshots). */
  readonly shared?: SharedPeers | undefined;
  /** Every peer a fleet's files know, by text: an apply script on one of them resolves prefixes against them too. */
  readonly fleetPeers?: FleetPeers | undefined;
  /**
   * A read-only fleet's files that are not regular files (a FIFO, `-s <(...)`): read once, as a pipe gives its bytes
   * once, for every pass that reads them (a PEER prefix's pass read them first, the command found them empty).
   */
  readonly held?: HeldFiles | undefined;
}

/**
 * A fleet's files that are not regular files, each read once, when first needed (a usage error found before is
 * said without waiting for a pipe's writer): its bytes, or what its read threw (a device that never ends).
 */
export class HeldFiles {
  private readonly reads = new Map<string, Promise<{ bytes: Uint8Array } | { error: unknown }>>();

  constructor(private readonly paths: ReadonlySet<string>) {}

  /** `file`'s bytes as readBytes gives them (a copy for each reader), or undefined when it is not held. */
  async read(file: string, stdin: AsyncIterable<Uint8Array | string>): Promise<Awaited<ReturnType<typeof readBytes>> | undefined> {
    if (!this.paths.has(file)) return undefined;
    let read = this.reads.get(file);
    if (read === undefined) {
      read = readBytes(file, stdin, "the snapshot").then(
        (whole) => ({ bytes: whole.bytes }),
        (error: unknown) => ({ error }),
      );
      this.reads.set(file, read);
    }
    const held = await read;
    if ("error" in held) throw held.error;
    const copy = held.bytes.slice();
    return { bytes: copy, buffer: copy };
  }
}

/**
 * Loads the snapshot (or starts an empty one for init), runs the command, and writes the result if
 * wanted (`changes`: it was, or would have been without --dry-run).
 */
export async function loadRunWrite(
  invocation: Invocation,
  globals: Globals,
  io: CliIo,
  commandModule: CommandModule,
  args: readonly unknown[],
  writeTarget: WriteTarget | undefined,
  drawing: (() => Promise<Ui>) | undefined,
): Promise<{ report: Report; written: boolean; changes: boolean; loadWarnings: string[] }> {
  const { spec } = invocation;
  const source = globals.snapshotPath;
  const target = globals.out ?? source;
  let opened: OpenedSnapshot | undefined;
  let spare: Uint8Array | undefined; // the buffer the snapshot was read into: a new JSON one is encoded into it
  let snapshot: Snapshot;
  const loadWarnings: string[] = [];
  let commandArgs = args;
  let rawKind: SnapshotKind | undefined;
  if (spec.snapshot === "raw") {
    // The command judges the file itself: a broken file is its subject, not an error of loading.
    snapshot = emptySnapshot();
    const { bytes } = (await globals.held?.read(source, io.stdin)) ?? (await readBytes(source, io.stdin, "the snapshot"));
    let text: string | undefined; // made once: recognising the kind and judging the file both read it
    const input: SnapshotInput = { bytes, text: () => (text ??= textOf(bytes, source)), isEncodingOf };
    const { kind, canonical } = kindOf(input);
    const raw: RawSnapshot = {
      input,
      source: displayName(source),
      hostBackoff: globals.hostBackoff,
      kind,
      canonical,
      shared: globals.shared,
    };
    commandArgs = [raw, ...args];
    if (!(kind instanceof SnapshotError)) rawKind = kind;
  } else if (spec.snapshot === "create" || spec.snapshot === "none") {
    snapshot = emptySnapshot();
    if (spec.snapshot === "create") await refuseExisting(invocation, target);
  } else {
    const loaded = await readAndOpen(source, globals, io, spec.mutates, writeTarget);
    opened = loaded.opened;
    spare = loaded.spare;
    snapshot = opened.snapshot;
    // A node snapshot's skipped entries are "kept as they are on write" when it is edited in place; export writes
    // another file, which holds none of them.
    const exported = spec.writesOut === true;
    for (const warning of loaded.warnings) loadWarnings.push(exported ? warning.replace(KEPT_ON_WRITE, ", not exported") : warning);
  }
  if (spec.mutates && target === STDIO && opened?.kind === "node-snapshot" && io.stdout.isTTY === true) {
    throw new UsageError("standard output is a terminal, and a node snapshot is binary: redirect it (> node.snap) or give -o FILE", "-s -");
  }
  // A file judged raw (validate) is opened by the command: its kind tells whether it holds a schedule.
  const holdsSchedule = opened?.holds.backoffSchedule ?? (rawKind === undefined || rawKind === "bbgov-json");
  if (globals.hostBackoff !== undefined && holdsSchedule) {
    // init and import make a bbgov snapshot: its schedule comes from their own options.
    const own =
      spec.name === "import" || spec.name === "init" ? `${spec.name} takes --backoff-base and --backoff-max` : "see bbgov backoff";
    loadWarnings.push(`--host-backoff ignored: ${displayName(source)} stores its own backoff schedule (${own})`);
  }
  const made = commandContext(snapshot, displayName(source), opened, loadCommand, drawing, globals.json);
  const base = globals.fleetPeers === undefined ? made : { ...made, fleetPeers: globals.fleetPeers };
  // A file judged raw (validate) still tells its kind, when it has one.
  const ctx = rawKind === undefined ? base : { ...base, kind: rawKind };
  const resolved = resolvePeerArgs(spec.args, commandArgs, snapshot);
  const report = withNotices(await commandModule.execute(ctx, resolved.args, invocation.options), resolved.notices);
  let written = false;
  let changes = false;
  if (spec.mutates) {
    const bytes = opened === undefined ? encodeSnapshotBytes(snapshot) : opened.encode(spare);
    const wanted =
      globals.out !== undefined || target === STDIO || ((report.changed ?? true) && (opened === undefined || !opened.unchanged(bytes)));
    changes = wanted;
    if (wanted && !globals.dryRun) {
      await writeOutput(target, bytes, io.stdout, writeTarget);
      written = true;
      if (target !== STDIO) io.onWritten?.(target);
    }
  }
  return { report, written, changes, loadWarnings };
}

/**
 * Reads the snapshot file and opens it. The buffer it was read into is kept
 * (`spare`) only for a command that writes, which encodes into it; for the
 * others nothing here outlives the call, so a big file's bytes may be freed
 * as soon as its text is made.
 */
async function readAndOpen(
  source: string,
  globals: Globals,
  io: CliIo,
  mutates: boolean,
  writeTarget: WriteTarget | undefined,
): Promise<{ opened: OpenedSnapshot; spare: Uint8Array | undefined; warnings: string[] }> {
  const read =
    (mutates ? undefined : await globals.held?.read(source, io.stdin)) ??
    (await readBytes(source, io.stdin, "the snapshot", { room: mutates }));
  // What was read must be the file that is locked and will be replaced: a link swapped in between would mix two files.
  if (
    writeTarget?.identity !== undefined &&
    globals.out === undefined &&
    read.identity !== undefined &&
    !sameIdentity(read.identity, writeTarget.identity)
  ) {
    throw new IoError(
      "cannot write the snapshot: it was replaced by another program while bbgov opened it; nothing written",
      displayName(source),
    );
  }
  const { opened, warnings } = openFrom(read.bytes, source, globals, mutates);
  return { opened, spare: mutates ? read.buffer : undefined, warnings };
}

/** The signals on which a held lock is released before the process ends: the store's, on which a write's temporary file goes. */
export { SIGNALS };

/**
 * Ends the process by `signal` itself, once its handler (a `process.once` listener, gone by now) has released what
 * it held: the signal's own action, so a shell sees 128 + its number and a script's loop stops as on any Ctrl-C.
 * `process.exit` is only the fallback (a signal ignored from the start stays ignored): it waits for Node's I/O
 * threads, and one stuck opening a FIFO that has no writer (an `apply` script) never returns.
 */
export function endBySignal(signal: NodeJS.Signals): never {
  removeTempInProgressSync();
  // With no listener left, Node has given the signal back its action: Linux ends the process as it is sent.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15));
}
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** `--lock-timeout` in milliseconds (default 10 s). */
export function lockTimeoutMs(value: unknown): number {
  if (typeof value !== "bigint") return DEFAULT_LOCK_TIMEOUT_MS;
  const ms = value / 1_000_000n;
  return ms > 2_147_483_647n ? 2_147_483_647 : Number(ms);
}

/** Reads the file a command names as its argument (diff's OTHER, apply's SCRIPT, import's FILE) and passes its content on. */
export async function readFileArgument(
  invocation: Invocation,
  globals: Globals,
  io: CliIo,
  /** A script run more than once (a fleet's): the same lines each time (lines.ts, fleetScriptLines). */
  held = false,
): Promise<readonly unknown[]> {
  const kind = invocation.spec.fileArg;
  if (kind === undefined) return invocation.args;
  const file = (invocation.args[0] as string | undefined) ?? STDIO;
  // `diff "$BEFORE"` with BEFORE unset: said as -s and -o say it, not "no such file ()".
  if (file === "") {
    const name = invocation.spec.args[0]?.syntax.replace(/[<>[\].]/g, "").toUpperCase() ?? "FILE";
    throw new UsageError("an empty path: name a file (is a shell variable unset?)", `argument ${name}`);
  }
  if (file === STDIO && globals.snapshotPath === STDIO && (invocation.spec.snapshot ?? "load") === "load") {
    throw new UsageError("standard input cannot be both the snapshot and the command's input file", invocation.spec.name);
  }
  const what =
    kind === "snapshot" ? "the other snapshot" : `the ${invocation.spec.args[0]?.syntax.replace(/[<>[\].]/g, "") ?? "input"} file`;
  // A script is read line by line while it runs, never whole (a fleet's pipe excepted: it gives its bytes once).
  if (kind === "lines") {
    const lines = held ? await fleetScriptLines(file, io.stdin, what) : scriptLines(file, io.stdin, what);
    return [lines, ...invocation.args.slice(1)];
  }
  const { bytes } = await readBytes(file, io.stdin, what, { role: "argument" });
  if (kind === "text") return [{ text: textOf(bytes, file, what), source: displayName(file) }, ...invocation.args.slice(1)];
  if (kind === "bytes") return [{ bytes, text: () => textOf(bytes, file, what), source: displayName(file) }, ...invocation.args.slice(1)];
  const { opened, warnings } = openFrom(bytes, file, globals, false);
  return [{ snapshot: opened.snapshot, source: displayName(file), holds: opened.holds, warnings }];
}

/**
 * init and import make a new snapshot: one already at `target` is replaced only with --force. Checked before
 * their input is read (import - would first take all of standard input) and again under the lock.
 */
export async function refuseExisting(invocation: Invocation, target: string): Promise<void> {
  if (target === STDIO || invocation.options.force === true || !(await exists(target))) return;
  const to = await danglingLinkTarget(target);
  throw new UsageError(
    to === undefined
      ? `${target} already exists; add --force to replace it`
      : `${target} is a symbolic link to ${to}, which does not exist; add --force to write the new snapshot there`,
    invocation.spec.name,
  );
}

/** Opens a snapshot file of any kind from its bytes; its errors and warnings name the file. */
export function openFrom(
  bytes: Uint8Array,
  file: string,
  { hostBackoff, shared }: Pick<Globals, "hostBackoff" | "shared">,
  forWrite: boolean,
  skippedTogether = false,
): { opened: OpenedSnapshot; warnings: string[] } {
  const input: SnapshotInput = { bytes, text: () => textOf(bytes, file), isEncodingOf };
  try {
    const opened = openSnapshot(input, {
      forWrite,
      ...(hostBackoff === undefined ? {} : { backoff: hostBackoff }),
      ...(shared === undefined ? {} : { shared }),
    });
    return { opened, warnings: loadWarningLines(opened.warnings, displayName(file), skippedTogether) };
  } catch (error) {
    if (error instanceof SnapshotError) throw new SnapshotError(error.message, `${displayName(file)}: ${error.path}`);
    throw error;
  }
}

/**
 * What loading found, one line each, with its path (and, in a node snapshot, its byte): the contract reports each
 * entry that restore skips so, as a warning. A damaged file may hold thousands: the first few are shown, the rest
 * counted (`validate` lists them all). `skippedTogether` (the watch screen, where each line takes a table row's
 * place) makes several skipped entries one line.
 */
export function loadWarningLines(warnings: readonly SnapshotWarning[], file: string, skippedTogether = false): string[] {
  const skipped = warnings.filter((w) => w.skippedEntry === true);
  const together = skippedTogether && skipped.length > 1;
  const each = together ? warnings.filter((w) => w.skippedEntry !== true) : warnings;
  const lines = each.slice(0, SHOWN_LOAD_WARNINGS).map((w) => `${w.message} (${file}: ${w.path})`);
  const rest = each.slice(SHOWN_LOAD_WARNINGS);
  if (rest.length > 0) {
    const skippedRest = rest.filter((w) => w.skippedEntry === true).length;
    const which =
      skippedRest === 0 ? "" : `, ${skippedRest} of them entries whose peer bytes do not parse (skipped, as upstream's restore skips them)`;
    lines.push(`${rest.length} more finding(s) while loading${which}; bbgov validate lists them (${file})`);
  }
  if (together) {
    lines.push(
      `${skipped.length} entries whose peer bytes do not parse are skipped, as upstream's restore skips them,` +
        ` and kept in the file as they are; bbgov validate lists them (${file})`,
    );
  }
  return lines;
}

/** The kind of a file, or the error that says it is none; with the model when recognising it read it already. */
function kindOf(input: SnapshotInput): { kind: SnapshotKind | SnapshotError; canonical?: Snapshot | undefined } {
  try {
    return recognize(input);
  } catch (error) {
    if (error instanceof SnapshotError) return { kind: error };
    throw error;
  }
}

/** Load warnings shown one by one; the rest are counted. */
const SHOWN_LOAD_WARNINGS = 10;
