/**
 * The one exit point of bbgov. `execute` parses argv, loads the snapshot,
 * runs one command, writes the result and prints the report, returning the
 * exit code; every known error class becomes one line on standard error and
 * exit 2. Only `run` touches the real process.
 */
import { CommanderError } from "commander";
import { BbgovError } from "../core/errors.js";
import type { BackoffConfig } from "../core/backoff.js";
import { encodeSnapshotBytes } from "../snapshot/encode.js";
import { openSnapshot, type OpenedSnapshot, type SnapshotInput } from "../snapshot/kinds.js";
import { emptySnapshot, SnapshotError, type Snapshot } from "../snapshot/model.js";
import type { CommandModule, Report, Ui } from "./context.js";
import { ApplyScriptErrors, IoError, UsageError } from "./errors.js";
import { scriptLines } from "./io/lines.js";
import type { HeldLock } from "./io/lock.js";
import {
  displayName,
  exists,
  identityOf,
  ioError,
  isEncodingOf,
  readBytes,
  resolveTarget,
  sameIdentity,
  STDIO,
  textOf,
  writeOutput,
  writeTextAtomic,
  type FileIdentity,
  type WriteTarget,
} from "./io/store.js";
import { isFleetRequest } from "./fleet/sources.js";
import { buildProgram, COMMANDS, usageFromCommander, type Invocation } from "./program.js";
import { renderJson } from "./render/json.js";
import { sanitize } from "./render/sanitize.js";
import { packageVersion } from "./version.js";

/** The process surface `execute` uses; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Told the name of each file written, so that a later output fault can say the snapshot was. */
  readonly onWritten?: (file: string) => void;
}

/** Exit codes of the contract. */
export const EXIT = { ok: 0, negative: 1, error: 2 } as const;

/** Runs bbgov with `argv` (without node and script) and returns the exit code. */
export async function execute(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await executeOrThrow(argv, io);
  } catch (error) {
    io.stderr.write(`${errorLine(error, io.env)}\n`);
    return EXIT.error;
  }
}

/**
 * Entry point of the `bbgov` binary. A fault of standard output or error
 * (a full disk behind `> file`, a closed terminal) ends the process with one
 * line and exit 2, saying whether the snapshot was written before it; a
 * closed pipe (`bbgov inspect | head -1`) is the reader's choice, not an
 * error. Any exception that escapes is one line too, never a stack trace.
 */
export function run(argv: readonly string[]): void {
  let written: string | undefined;
  const outputFault = (stream: "standard output" | "standard error") => (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    const state = written === undefined ? "no snapshot was written" : `${displayName(written)} was written`;
    const reason = ioError(error, "write", "-", stream).message.replace(/^cannot write /, "");
    // With standard error itself broken this line may go nowhere; the exit code still says it.
    if (stream === "standard output") writeQuietly(`bbgov: cannot write the report to ${reason}; ${state} (${stream})\n`);
    process.exit(EXIT.error);
  };
  process.stdout.on("error", outputFault("standard output"));
  process.stderr.on("error", outputFault("standard error"));
  const crash = (error: unknown): void => {
    writeQuietly(`${errorLine(error, process.env)}\n`);
    process.exit(EXIT.error);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  // process.stdin builds a stream (and loads net/tty) on first touch: only `-` needs it.
  const stdin: AsyncIterable<Uint8Array | string> = { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() };
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin,
    env: process.env,
    onWritten: (file) => {
      written = file;
    },
  };
  execute(argv, io).then((code) => {
    process.exitCode = code;
  }, crash);
}

function writeQuietly(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // Nowhere left to say it.
  }
}

async function executeOrThrow(argv: readonly string[], io: CliIo): Promise<number> {
  let invocation: Invocation | undefined;
  const program = buildProgram(
    "shell",
    packageVersion(),
    // Commander writes to stderr only the help it shows when no command is given; we say one line instead.
    { writeOut: (text) => io.stdout.write(text), writeErr: () => {} },
    (parsed) => {
      invocation = parsed;
    },
  );
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // `bbgov help` exits 0; no command at all is a usage error, in one line like every error.
    if (error.code === "commander.help") {
      if (error.exitCode === 0) return EXIT.ok;
      throw new UsageError("no command given", "see bbgov --help");
    }
    const usage = usageFromCommander(error, helpHint(argv));
    if (usage === undefined) return EXIT.ok;
    throw usage;
  }
  if (invocation === undefined) throw new UsageError("no command given", "see bbgov --help");
  return runInvocation(invocation, io);
}

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
}

function readGlobals(invocation: Invocation, env: CliIo["env"]): Globals {
  const g = invocation.globals;
  const fromEnv = env.BBGOV_SNAPSHOT === undefined || env.BBGOV_SNAPSHOT === "" ? undefined : env.BBGOV_SNAPSHOT;
  const paths = (g.snapshot as string[] | undefined) ?? [fromEnv ?? "governor.json"];
  return {
    snapshotPath: paths[0] ?? "governor.json",
    snapshotPaths: paths,
    json: g.json === true,
    dryRun: g.dryRun === true,
    out: g.out as string | undefined,
    quiet: g.quiet === true,
    color: g.color !== false,
    hostBackoff: g.hostBackoff as Partial<BackoffConfig> | undefined,
  };
}

async function runInvocation(invocation: Invocation, io: CliIo): Promise<number> {
  const { spec } = invocation;
  const globals = readGlobals(invocation, io.env);
  // Issue 15: several -s, a folder or a glob are a fleet, run file by file in src/cli/fleet/.
  if (spec.snapshot !== "none" && isFleetRequest(globals.snapshotPaths)) return (await import("./fleet/run.js")).runFleet(invocation, globals, io);
  // (until issue 13's single-file tsv is merged: drop the tsv half of this guard then)
  if (invocation.options.byNode === true || invocation.options.format === "tsv") throw new UsageError(`${invocation.options.byNode === true ? "--by-node" : "--format tsv"} is for a fleet (several -s, a folder or a glob)`, spec.name);
  const source = globals.snapshotPath;
  if (!spec.mutates && !spec.writesOut && globals.out !== undefined) {
    throw new UsageError(`--out is for commands that write a file; ${spec.name} only reads`, "--out");
  }
  const commandModule = await spec.load();
  const args = await readFileArgument(invocation, globals, io);
  const target = globals.out ?? source;
  // The target is resolved once: the lock guards that path and the write goes there, whatever links change meanwhile.
  // The lock module (and node:os, the native addon with it) loads only for a command that writes.
  let lock: HeldLock | undefined;
  let writeTarget: WriteTarget | undefined;
  if (spec.mutates && target !== STDIO && !globals.dryRun) {
    const resolved = await resolveTarget(target);
    lock = await (await import("./io/lock.js")).acquireLock(resolved, spec.name, lockTimeoutMs(invocation.globals.lockTimeout));
    try {
      writeTarget = { path: resolved, identity: await identityOf(resolved) };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  const releaseOnSignal = (signal: NodeJS.Signals): void => {
    lock?.releaseSync();
    process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15));
  };
  if (lock !== undefined) for (const signal of SIGNALS) process.once(signal, releaseOnSignal);
  const reportStream = spec.mutates && (globals.out ?? source) === STDIO ? io.stderr : io.stdout;
  // chalk (and the terminal probing it does on load) only when there is text to colour.
  const drawing =
    globals.json || globals.quiet
      ? undefined
      : async (): Promise<Ui> => {
          const { colorLevel, makeChalk } = await import("./render/color.js");
          return { chalk: makeChalk(colorLevel(io.env, globals.color, reportStream === io.stdout && io.stdout.isTTY === true)) };
        };
  let outcome: { report: Report; written: boolean; loadWarnings: string[] };
  try {
    outcome = await loadRunWrite(invocation, globals, io, commandModule, args, writeTarget, drawing);
  } finally {
    if (lock !== undefined) {
      for (const signal of SIGNALS) process.off(signal, releaseOnSignal);
      await lock.release();
    }
  }
  const { report, written, loadWarnings } = outcome;

  // A command that reports what loading found (validate) has it in its own report.
  const warnings = [...(spec.reportsLoadFindings === true ? [] : loadWarnings), ...report.warnings];
  if (report.output !== undefined && !spec.mutates) {
    if (globals.out !== undefined && globals.out !== STDIO) {
      await writeTextAtomic(globals.out, report.output);
      io.onWritten?.(globals.out);
    } else io.stdout.write(report.output);
  } else if (globals.json) {
    reportStream.write(renderJson(spec.mutates ? mutationDocument(spec.name, written, report, warnings) : report.json));
  } else if (drawing !== undefined) {
    let text = report.render(await drawing());
    if (spec.mutates) text += footer(globals, source, written);
    if (text !== "") reportStream.write(text.endsWith("\n") ? text : `${text}\n`);
  }
  if (!globals.quiet) for (const warning of warnings) io.stderr.write(`bbgov: warning: ${sanitize(warning)}\n`);
  return report.exitCode;
}

/** Loads the snapshot (or starts an empty one for init), runs the command, and writes the result if wanted (`changes`: it was, or would have been without --dry-run). */
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
  if (spec.snapshot === "create" || spec.snapshot === "none") {
    snapshot = emptySnapshot();
    if (spec.snapshot === "create" && target !== STDIO && invocation.options.force !== true && (await exists(target))) {
      throw new UsageError(`${target} already exists; add --force to replace it`, spec.name);
    }
  } else {
    const read = await readBytes(source, io.stdin, "the snapshot", spec.mutates);
    spare = read.buffer;
    // What was read must be the file that is locked and will be replaced: a link swapped in between would mix two files.
    if (writeTarget?.identity !== undefined && globals.out === undefined && read.identity !== undefined && !sameIdentity(read.identity, writeTarget.identity)) {
      throw new IoError("cannot write the snapshot: it was replaced by another program while bbgov opened it; nothing written", displayName(source));
    }
    const loaded = openFrom(read.bytes, source, globals.hostBackoff, spec.mutates);
    opened = loaded.opened;
    snapshot = opened.snapshot;
    loadWarnings.push(...loaded.warnings);
  }
  if (globals.hostBackoff !== undefined && (opened?.holds.backoffSchedule ?? true)) {
    loadWarnings.push(`--host-backoff ignored: ${displayName(source)} stores its own backoff schedule (see bbgov backoff)`);
  }
  const ctx = {
    snapshot,
    source: displayName(source),
    holds: opened?.holds ?? { clock: true, backoffSchedule: true },
    kind: opened?.kind ?? "bbgov-json",
    ...(opened?.node === undefined ? {} : { node: opened.node }),
    ...(opened === undefined ? {} : { frameworkFields: () => opened.frameworkFields() }),
    loadFindings: (opened?.warnings ?? []).map((w) => ({ path: `${displayName(source)}: ${w.path}`, message: w.message })),
    ...(drawing === undefined ? {} : { drawing }),
  };
  const report = await commandModule.execute(ctx, args, invocation.options);
  let written = false;
  let changes = false;
  if (spec.mutates) {
    const bytes = opened === undefined ? encodeSnapshotBytes(snapshot) : opened.encode(spare);
    const wanted = globals.out !== undefined || target === STDIO || ((report.changed ?? true) && (opened === undefined || !opened.unchanged(bytes)));
    changes = wanted;
    if (wanted && !globals.dryRun) {
      await writeOutput(target, bytes, io.stdout, writeTarget);
      written = true;
      if (target !== STDIO) io.onWritten?.(target);
    }
  }
  return { report, written, changes, loadWarnings };
}

/** The signals on which a held lock is released before the process ends. */
export const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** `--lock-timeout` in milliseconds (default 10 s). */
export function lockTimeoutMs(value: unknown): number {
  if (typeof value !== "bigint") return DEFAULT_LOCK_TIMEOUT_MS;
  const ms = value / 1_000_000n;
  return ms > 2_147_483_647n ? 2_147_483_647 : Number(ms);
}

function mutationDocument(command: string, written: boolean, report: Report, warnings: readonly string[]): Record<string, unknown> {
  return { command, written, ...report.json, warnings };
}

function footer(globals: Globals, source: string, written: boolean): string {
  const target = globals.out ?? source;
  if (target === STDIO) return "";
  if (globals.dryRun) return `\ndry run: ${displayName(target)} not written`;
  return written ? `\nwrote ${displayName(target)}` : "";
}

/** Reads the file a command names as its argument (diff's OTHER, apply's SCRIPT, import's FILE) and passes its content on. */
export async function readFileArgument(invocation: Invocation, globals: Globals, io: CliIo): Promise<readonly unknown[]> {
  const kind = invocation.spec.fileArg;
  if (kind === undefined) return invocation.args;
  const file = (invocation.args[0] as string | undefined) ?? STDIO;
  if (file === STDIO && globals.snapshotPath === STDIO && (invocation.spec.snapshot ?? "load") === "load") {
    throw new UsageError("standard input cannot be both the snapshot and the command's input file", invocation.spec.name);
  }
  const what = kind === "snapshot" ? "the other snapshot" : `the ${invocation.spec.args[0]?.syntax.replace(/[<>[\].]/g, "") ?? "input"} file`;
  // A script is read line by line while it runs, never whole.
  if (kind === "lines") return [scriptLines(file, io.stdin, what), ...invocation.args.slice(1)];
  const { bytes } = await readBytes(file, io.stdin, what);
  if (kind === "text") return [{ text: textOf(bytes, file, what), source: displayName(file) }, ...invocation.args.slice(1)];
  if (kind === "bytes") return [{ bytes, text: () => textOf(bytes, file, what), source: displayName(file) }, ...invocation.args.slice(1)];
  const { opened } = openFrom(bytes, file, globals.hostBackoff, false);
  return [{ snapshot: opened.snapshot, source: displayName(file) }];
}

/** Opens a snapshot file of any kind; its errors and warnings name the file. */
function openFrom(
  bytes: Uint8Array,
  file: string,
  hostBackoff: Partial<BackoffConfig> | undefined,
  forWrite: boolean,
): { opened: OpenedSnapshot; warnings: string[] } {
  const input: SnapshotInput = { bytes, text: () => textOf(bytes, file), isEncodingOf };
  try {
    const opened = openSnapshot(input, { forWrite, ...(hostBackoff === undefined ? {} : { backoff: hostBackoff }) });
    return { opened, warnings: opened.warnings.map((w) => `${w.message} (${displayName(file)}: ${w.path})`) };
  } catch (error) {
    if (error instanceof SnapshotError) throw new SnapshotError(error.message, `${displayName(file)}: ${error.path}`);
    throw error;
  }
}

/**
 * The one-line message for an error: `bbgov: <what> (<where>)`, with the stack only under BBGOV_DEBUG=1.
 * What and where go through the sanitiser: both may quote a file name, a lock file, a script line or input.
 */
export function errorLine(error: unknown, env: CliIo["env"]): string {
  const debug = env.BBGOV_DEBUG === "1";
  if (error instanceof ApplyScriptErrors) {
    // One line per bad line of the script, each in the usual form.
    const lines = error.errors.map((lineError) => errorLine(lineError, env));
    if (error.unlisted > 0) lines.push(`bbgov: ${error.unlisted} more bad line(s) not listed (${sanitize(error.source)})`);
    return lines.join("\n");
  }
  if (error instanceof BbgovError) {
    const where = error.where === undefined ? "" : ` (${sanitize(error.where)})`;
    return `bbgov: ${sanitize(error.message)}${where}${debug && error.stack ? `\n${error.stack}` : ""}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const detail = debug && error instanceof Error && error.stack ? `\n${error.stack}` : "";
  return `bbgov: internal error: ${sanitize(message.split("\n")[0] ?? "")} (set BBGOV_DEBUG=1 for details)${detail}`;
}

function helpHint(argv: readonly string[]): string {
  const command = argv.find((word) => COMMANDS.some((spec) => spec.name === word));
  return command === undefined ? "see bbgov --help" : `see bbgov ${command} --help`;
}
