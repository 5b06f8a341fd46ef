/**
 * The one exit point of bbgov. `execute` parses argv, loads the snapshot,
 * runs one command, writes the result and prints the report, returning the
 * exit code; every known error class becomes one line on standard error and
 * exit 2. Only `run` touches the real process.
 */
import { CommanderError } from "commander";
import { BbgovError } from "../core/errors.js";
import { decodeSnapshot } from "../snapshot/decode.js";
import { encodeSnapshotBytes } from "../snapshot/encode.js";
import { emptySnapshot, SnapshotError, type Snapshot } from "../snapshot/model.js";
import { resolvePeerArgs, withNotices } from "./commands/resolve.js";
import type { CommandModule, Report } from "./context.js";
import { UsageError } from "./errors.js";
import { displayName, exists, existsAsFile, isEncodingOf, readSnapshotText, readText, sameFile, STDIO, writeOutput, writeTextAtomic } from "./io/store.js";
import { outputWidth } from "./io/terminal.js";
import { buildProgram, COMMANDS, usageFromCommander, type Invocation } from "./program.js";
import { renderJson } from "./render/json.js";
import { packageVersion } from "./version.js";

/** The process surface `execute` uses; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ends `inspect --watch` (tests); the real process uses Ctrl-C. */
  readonly stop?: AbortSignal;
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

/** Entry point of the `bbgov` binary. */
export function run(argv: readonly string[]): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    // A closed pipe (`bbgov inspect | head -1`) is the reader's choice, not an error.
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  // process.stdin builds a stream (and loads net/tty) on first touch: only `-` needs it.
  const stdin: AsyncIterable<Uint8Array | string> = { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() };
  void execute(argv, { stdout: process.stdout, stderr: process.stderr, stdin, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}

async function executeOrThrow(argv: readonly string[], io: CliIo): Promise<number> {
  let invocation: Invocation | undefined;
  const program = buildProgram(
    "shell",
    packageVersion(),
    // Commander writes to stderr only the help it shows when no command is given; we say one line instead.
    { writeOut: (text) => io.stdout.write(text), writeErr: () => {}, helpWidth: outputWidth(io.stdout, io.env) ?? 80 },
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
      const asked = argv[argv.indexOf("help") + 1];
      if (argv.includes("help") && asked !== undefined) throw unknownCommand(asked);
      throw new UsageError("no command given", "see bbgov --help");
    }
    if (error.code === "commander.unknownCommand") {
      throw unknownCommand(/'([^']*)'/.exec(error.message)?.[1] ?? "");
    }
    const usage = usageFromCommander(error, helpHint(argv));
    if (usage === undefined) return EXIT.ok;
    throw usage;
  }
  if (invocation === undefined) throw new UsageError("no command given", "see bbgov --help");
  return runInvocation(invocation, io);
}

interface Globals {
  readonly snapshotPath: string;
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly out: string | undefined;
  readonly quiet: boolean;
  readonly color: boolean;
  /** Fit the output to the terminal (false with --no-trunc). */
  readonly trunc: boolean;
}

function readGlobals(invocation: Invocation, env: CliIo["env"]): Globals {
  const g = invocation.globals;
  const fromEnv = env.BBGOV_SNAPSHOT === undefined || env.BBGOV_SNAPSHOT === "" ? undefined : env.BBGOV_SNAPSHOT;
  return {
    snapshotPath: (g.snapshot as string | undefined) ?? fromEnv ?? "governor.json",
    json: g.json === true,
    dryRun: g.dryRun === true,
    out: g.out as string | undefined,
    quiet: g.quiet === true,
    color: g.color !== false,
    trunc: g.trunc !== false,
  };
}

async function runInvocation(invocation: Invocation, io: CliIo): Promise<number> {
  const { spec } = invocation;
  const globals = readGlobals(invocation, io.env);
  const source = globals.snapshotPath;
  if (!spec.mutates && !spec.writesOut && globals.out !== undefined) {
    throw new UsageError(`--out is for commands that write a file; ${spec.name} only reads`, "--out");
  }
  await refuseUnrelatedOut(invocation, globals);
  const commandModule = await spec.load();
  if (invocation.options.watch === true) return watchCommand(invocation, globals, io, commandModule);
  const args = await readFileArgument(invocation, globals, io);
  const target = globals.out ?? source;
  // The lock module (and node:crypto, node:os with it) loads only for a command that writes.
  const lock =
    spec.mutates && target !== STDIO && !globals.dryRun
      ? await (await import("./io/lock.js")).acquireLock(target, spec.name, lockTimeoutMs(invocation.globals.lockTimeout))
      : undefined;
  const releaseOnSignal = (signal: NodeJS.Signals): void => {
    lock?.releaseSync();
    process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15));
  };
  if (lock !== undefined) for (const signal of SIGNALS) process.once(signal, releaseOnSignal);
  let outcome: { report: Report; written: boolean; loadWarnings: string[] };
  try {
    outcome = await loadRunWrite(invocation, globals, io, commandModule, args);
  } finally {
    if (lock !== undefined) {
      for (const signal of SIGNALS) process.off(signal, releaseOnSignal);
      await lock.release();
    }
  }
  const { report, written, loadWarnings } = outcome;

  const reportStream = spec.mutates && (globals.out ?? source) === STDIO ? io.stderr : io.stdout;
  const warnings = [...loadWarnings, ...report.warnings];
  if (report.output !== undefined && !spec.mutates) {
    if (globals.out !== undefined && globals.out !== STDIO) await writeTextAtomic(globals.out, report.output);
    else io.stdout.write(report.output);
  } else if (globals.json) {
    reportStream.write(renderJson(spec.mutates ? mutationDocument(spec.name, written, report, warnings) : report.json));
  } else if (!globals.quiet) {
    // chalk (and the terminal probing it does on load) only when there is text to colour.
    const { colorLevel, makeChalk } = await import("./render/color.js");
    const level = colorLevel(io.env, globals.color, reportStream === io.stdout && io.stdout.isTTY === true);
    const width = globals.trunc ? outputWidth(reportStream === io.stdout ? io.stdout : {}, io.env) : undefined;
    let text = report.render({ chalk: makeChalk(level), ...(width === undefined ? {} : { width }) });
    if (spec.mutates) text += footer(globals, source, written);
    if (text !== "") reportStream.write(text.endsWith("\n") ? text : `${text}\n`);
  }
  if (!globals.quiet) for (const warning of warnings) io.stderr.write(`bbgov: warning: ${warning}\n`);
  return report.exitCode;
}

/** Loads the snapshot (or starts an empty one for init), runs the command, and writes the result if wanted. */
async function loadRunWrite(
  invocation: Invocation,
  globals: Globals,
  io: CliIo,
  commandModule: CommandModule,
  args: readonly unknown[],
): Promise<{ report: Report; written: boolean; loadWarnings: string[] }> {
  const { spec } = invocation;
  const source = globals.snapshotPath;
  const target = globals.out ?? source;
  let originalText: string | undefined;
  let spare: Uint8Array | undefined; // the buffer the snapshot was read into: the new one is encoded into it
  let snapshot: Snapshot;
  const loadWarnings: string[] = [];
  let commandArgs = args;
  if (spec.snapshot === "text") {
    // The command judges the text itself: a broken file is its subject, not an error of loading.
    snapshot = emptySnapshot();
    const { text } = await readSnapshotText(source, io.stdin, false);
    commandArgs = [{ text, source: displayName(source) }, ...args];
  } else if (spec.snapshot === "create" || spec.snapshot === "none") {
    snapshot = emptySnapshot();
    if (spec.snapshot === "create" && target !== STDIO && invocation.options.force !== true && (await exists(target))) {
      throw new UsageError(`${target} already exists; add --force to replace it`, spec.name);
    }
  } else {
    ({ text: originalText, buffer: spare } = await readSnapshotText(source, io.stdin, spec.mutates));
    const loaded = decodeFrom(originalText, source);
    snapshot = loaded.snapshot;
    loadWarnings.push(...loaded.warnings);
  }
  const resolved = resolvePeerArgs(spec.args, commandArgs, snapshot);
  const report = withNotices(await commandModule.execute({ snapshot, source: displayName(source) }, resolved.args, invocation.options), resolved.notices);
  let written = false;
  if (spec.mutates) {
    // Bytes, not a string: the canonical text goes to disk without a second copy.
    const bytes = encodeSnapshotBytes(snapshot, spare);
    const wanted =
      globals.out !== undefined ||
      target === STDIO ||
      ((report.changed ?? true) && (originalText === undefined || !isEncodingOf(bytes, originalText)));
    if (wanted && !globals.dryRun) {
      await writeOutput(target, bytes, io.stdout);
      written = true;
    }
  }
  return { report, written, loadWarnings };
}

/** `inspect --watch`: the watch loop (loaded on use), ended by io.stop or Ctrl-C. */
async function watchCommand(invocation: Invocation, globals: Globals, io: CliIo, commandModule: CommandModule): Promise<number> {
  const format = invocation.options.format as string | undefined;
  if (globals.json || (format !== undefined && format !== "table" && format !== "wide")) {
    throw new UsageError("--watch draws tables for a terminal; use it without --json or --format json/ndjson/tsv", "--watch");
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  io.stop?.addEventListener("abort", onSignal, { once: true });
  if (io.stop === undefined) process.once("SIGINT", onSignal);
  try {
    const { watch } = await import("./watch.js");
    return await watch(
      {
        file: globals.snapshotPath,
        source: displayName(globals.snapshotPath),
        args: invocation.args,
        argSpecs: invocation.spec.args,
        options: invocation.options,
        intervalNs: (invocation.options.interval as bigint | undefined) ?? 1_000_000_000n,
        color: globals.color,
        commandModule,
        stop: controller.signal,
      },
      io,
    );
  } finally {
    process.off("SIGINT", onSignal);
  }
}

/** `-o FILE` replaces an existing file only with --force, unless it is the snapshot itself (init and import check their own). */
async function refuseUnrelatedOut(invocation: Invocation, globals: Globals): Promise<void> {
  const out = globals.out;
  if (out === undefined || out === STDIO || globals.dryRun || invocation.options.force === true) return;
  if (invocation.spec.snapshot === "create") return;
  if ((await existsAsFile(out)) && !(await sameFile(out, globals.snapshotPath))) {
    throw new UsageError(`${out} already exists; add --force to replace it`, "--out");
  }
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

function lockTimeoutMs(value: unknown): number {
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
  if (globals.dryRun) return `\ndry run: ${target} not written`;
  return written ? `\nwrote ${target}` : "";
}

/** Reads the file a command names as its argument (diff's OTHER, apply's SCRIPT) and passes its content on. */
async function readFileArgument(invocation: Invocation, globals: Globals, io: CliIo): Promise<readonly unknown[]> {
  const kind = invocation.spec.fileArg;
  if (kind === undefined) return invocation.args;
  const file = (invocation.args[0] as string | undefined) ?? STDIO;
  if (file === STDIO && globals.snapshotPath === STDIO && (invocation.spec.snapshot ?? "load") === "load") {
    throw new UsageError("standard input cannot be both the snapshot and the command's input file", invocation.spec.name);
  }
  const what = kind === "text" ? `the ${invocation.spec.args[0]?.syntax.replace(/[<>[\].]/g, "") ?? "input"} file` : "the other snapshot";
  const text = await readText(file, io.stdin, what);
  if (kind === "text") return [{ text, source: displayName(file) }, ...invocation.args.slice(1)];
  const loaded = decodeFrom(text, file);
  return [{ snapshot: loaded.snapshot, source: displayName(file) }];
}

function decodeFrom(text: string, file: string): { snapshot: Snapshot; warnings: string[] } {
  try {
    const { snapshot, warnings } = decodeSnapshot(text);
    return { snapshot, warnings: warnings.map((w) => `${w.message} (${displayName(file)}: ${w.path})`) };
  } catch (error) {
    if (error instanceof SnapshotError) throw new SnapshotError(error.message, `${displayName(file)}: ${error.path}`);
    throw error;
  }
}

/** The one-line message for an error: `bbgov: <what> (<where>)`, with the stack only under BBGOV_DEBUG=1. */
export function errorLine(error: unknown, env: CliIo["env"]): string {
  const debug = env.BBGOV_DEBUG === "1";
  if (error instanceof BbgovError) {
    const where = error.where === undefined ? "" : ` (${error.where})`;
    return `bbgov: ${error.message}${where}${debug && error.stack ? `\n${error.stack}` : ""}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const detail = debug && error instanceof Error && error.stack ? `\n${error.stack}` : "";
  return `bbgov: internal error: ${message.split("\n")[0] ?? ""} (set BBGOV_DEBUG=1 for details)${detail}`;
}

/** `unknown command 'insp' (did you mean inspect?)`: a prefix first, then the closest spelling. */
function unknownCommand(word: string): UsageError {
  const names = COMMANDS.map((spec) => spec.name);
  const byPrefix = word === "" ? [] : names.filter((name) => name.startsWith(word));
  const close = names.filter((name) => editDistance(name, word) <= Math.max(1, Math.floor(name.length / 3)));
  const guesses = byPrefix.length > 0 ? byPrefix : close;
  const hint = guesses.length === 0 ? "" : ` (did you mean ${guesses.join(" or ")}?)`;
  return new UsageError(`unknown command '${word}'${hint}`, "see bbgov --help");
}

/** Levenshtein distance with transpositions, for command suggestions. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

function helpHint(argv: readonly string[]): string {
  const command = argv.find((word) => COMMANDS.some((spec) => spec.name === word));
  return command === undefined ? "see bbgov --help" : `see bbgov ${command} --help`;
}
