/**
 * The one exit point of bbgov. `execute` parses argv, loads the snapshot,
 * runs one command, writes the result and prints the report, returning the
 * exit code; every known error class becomes one line on standard error and
 * exit 2. Only `run` touches the real process.
 */
import { CommanderError } from "commander";
import type { BackoffConfig } from "../core/backoff.js";
import { loadCommand } from "./commands/index.js";
import type { CliIo, CommandModule, Report, Ui } from "./context.js";
import { EXIT, UsageError } from "./errors.js";
import { errorLine } from "./render/error-line.js";
import { endBySignal, lockTimeoutMs, loadRunWrite, readFileArgument, refuseExisting, SIGNALS, type Globals } from "./single.js";
import type { HeldLock } from "./io/lock.js";
import {
  displayName,
  existsAsFile,
  identityOf,
  ioError,
  writeCheck,
  resolveTarget,
  sameFile,
  STDIO,
  writeTextAtomic,
  type WriteTarget,
} from "./io/store.js";
import { StandardOutput } from "./io/output.js";
import { outputWidth } from "./io/terminal.js";
import { isFleetRequest, isNewFileName, pathExists } from "./fleet/sources.js";
import {
  buildProgram,
  COMMANDS,
  commandGuesses,
  extraOptions,
  longerOption,
  oddSpaceMessage,
  optionGuess,
  showsOnly,
  usageFromCommander,
  type Invocation,
} from "./program.js";
import { writeChunks } from "./io/chunks.js";
import { jsonChunks } from "./render/json.js";
import { colorsOff, PLAIN } from "./render/plain.js";
import { hasOddSpace, sanitize } from "./render/sanitize.js";
import { packageVersion } from "./version.js";

export type { CliIo } from "./context.js";
export { EXIT } from "./errors.js";
export { errorLine } from "./render/error-line.js";

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
  const written: string[] = [];
  const outputFault = (stream: "standard output" | "standard error") => (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    // A fleet writes several files: every one written is named.
    const state =
      written.length === 0
        ? "no snapshot was written"
        : `${written.map(displayName).join(", ")} ${written.length === 1 ? "was" : "were"} written`;
    const reason = ioError(error, "write", "-", stream).message.replace(/^cannot write /, "");
    // With standard error itself broken this line may go nowhere; the exit code still says it.
    if (stream === "standard output") writeQuietly(`bbgov: cannot write the report to ${reason}; ${state} (${stream})\n`);
    process.exit(EXIT.error);
  };
  // Straight to the descriptors for pipes and files (src/cli/io/output.ts); Node's streams only for a terminal.
  const stdout = new StandardOutput(1, () => process.stdout, outputFault("standard output"));
  const stderr = new StandardOutput(2, () => process.stderr, outputFault("standard error"));
  standardError = stderr;
  const crash = (error: unknown): void => {
    writeQuietly(`${errorLine(error, process.env)}\n`);
    process.exit(EXIT.error);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  // process.stdin builds a stream (and loads net/tty) on first touch: only `-` needs it.
  const stdin: AsyncIterable<Uint8Array | string> = {
    [Symbol.asyncIterator]: () => {
      // `bbgov apply` typed at a prompt would otherwise wait in silence for lines nobody knows to type.
      if (process.stdin.isTTY === true && !quietRun) writeQuietly("bbgov: reading standard input from the terminal; end it with Ctrl-D\n");
      return process.stdin[Symbol.asyncIterator]();
    },
  };
  const io: CliIo = {
    stdout,
    stderr,
    stdin,
    env: process.env,
    onWritten: (file) => {
      written.push(file);
    },
  };
  execute(argv, io).then((code) => {
    process.exitCode = code;
    // Done, and every byte written: end now. Left to end by itself, the process first runs the tasks V8 has
    // posted meanwhile (a scavenge of a heap about to go, 1-3 ms of a small run). Once Node's stream is in
    // use (a terminal, a pipe that filled up, a device), it ends as before: text or a fault may be on its way.
    if (stdout.settled() && stderr.settled()) process.exit(code);
  }, crash);
}

/** Standard error as `run` made it, for the last words of a crash or an output fault. */
let standardError: StandardOutput | undefined;

function writeQuietly(text: string): void {
  try {
    (standardError ?? process.stderr).write(text);
  } catch {
    // Nowhere left to say it.
  }
}

const COMMAND_NAMES: ReadonlySet<string> = new Set(COMMANDS.map((spec) => spec.name));

/** The process's run was given -q (set once its options are parsed): the terminal hint on standard input is not for it. */
let quietRun = false;

async function executeOrThrow(argv: readonly string[], io: CliIo): Promise<number> {
  let invocation: Invocation | undefined;
  const onInvoke = (parsed: Invocation): void => {
    invocation = parsed;
  };
  // Most runs name a command: commander first gets that one alone (building all of them was ~5 ms of a ~25 ms
  // start). A clean parse there is the whole program's parse (same root options, and that command is the first
  // operand in both); anything else (help, version, any error, a file named like a command) is parsed again
  // below by the whole program, which says it. The lean parse writes nothing.
  const named = argv.find((word) => COMMAND_NAMES.has(word));
  if (named !== undefined) {
    // No version read from package.json: the lean parse never prints it (`-V` goes to the whole program below).
    const lean = buildProgram("shell", "", { writeOut: () => {}, writeErr: () => {} }, onInvoke, named);
    try {
      await lean.parseAsync([...argv], { from: "user" });
    } catch {
      invocation = undefined;
    }
    if (invocation !== undefined) return runInvocation(invocation, io);
  }
  const program = buildProgram(
    "shell",
    packageVersion(),
    // Commander writes to stderr only the help it shows when no command is given; we say one line instead.
    { writeOut: (text) => io.stdout.write(text), writeErr: () => {}, helpWidth: outputWidth(io.stdout, io.env) ?? 80 },
    onInvoke,
  );
  // `bbgov nope --help`: commander shows the whole program's help for a word it does not know; say the word.
  if (argv.includes("--help") || argv.includes("-h")) {
    const operand = firstOperand(argv, program);
    if (operand !== undefined && operand !== "help" && !COMMAND_NAMES.has(operand))
      throw expandedPattern(argv, operand) ?? unknownCommand(operand);
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // `bbgov help` exits 0; no command at all is a usage error, in one line like every error.
    if (error.code === "commander.help") {
      if (error.exitCode === 0) return EXIT.ok;
      const asked = argv[argv.indexOf("help") + 1];
      // `bbgov help help`: help is listed among the commands, so it has help too: the program's, which lists it.
      if (asked === "help") {
        program.outputHelp();
        return EXIT.ok;
      }
      if (argv.includes("help") && asked !== undefined) throw unknownCommand(asked);
      throw noCommand(argv);
    }
    if (error.code === "commander.unknownCommand") {
      const typed = /'([^']*)'/.exec(error.message)?.[1] ?? "";
      throw expandedPattern(argv, typed) ?? unknownCommand(typed);
    }
    if (error.code === "commander.unknownOption") {
      const typed = /'([^']*)'/.exec(error.message)?.[1] ?? "";
      const misplaced = commandOptionBeforeCommand(argv, typed);
      if (misplaced !== undefined) throw misplaced;
      const named = argv.find((word) => COMMAND_NAMES.has(word));
      const guess = error.message.includes("Did you mean") ? undefined : optionGuess(named, typed, true);
      if (guess !== undefined) throw new UsageError(`unknown option '${typed}' (did you mean ${guess}?)`, helpHint(argv));
    }
    // `check PEER --out`: the global --out wants a file, but the command's --outbound was meant.
    const last = argv.at(-1) ?? "";
    const longer =
      error.code === "commander.optionMissingArgument"
        ? longerOption(
            argv.find((word) => COMMAND_NAMES.has(word)),
            last,
          )
        : undefined;
    if (longer !== undefined) throw new UsageError(`${last} needs a value; did you mean ${longer}?`, helpHint(argv));
    const usage = usageFromCommander(error, helpHint(argv));
    if (usage === undefined) return EXIT.ok;
    throw usage;
  }
  if (invocation === undefined) throw noCommand(argv);
  return runInvocation(invocation, io);
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
    trunc: g.trunc !== false,
  };
}

async function runInvocation(invocation: Invocation, io: CliIo): Promise<number> {
  const { spec } = invocation;
  const globals = readGlobals(invocation, io.env);
  quietRun = globals.quiet;
  if (invocation.options.interval !== undefined && invocation.options.watch !== true)
    throw new UsageError("--interval is for --watch: how often it looks at the file", "--interval");
  // A watch shows them on its screen, which its first frame clears of anything printed before.
  // Said at once on standard error, and (a single file's) in the --json document's warnings with the others.
  const runWarnings =
    globals.hostBackoff === undefined ? [] : (await import("./commands/common.js")).hostBackoffWarnings(globals.hostBackoff);
  if (!globals.quiet && invocation.options.watch !== true)
    for (const warning of runWarnings) io.stderr.write(`bbgov: warning: ${warning}\n`);
  // Issue 15: several -s, a folder or a glob are a fleet, run file by file in src/cli/fleet/; but a pattern that
  // matches nothing is the name of the file init or import creates (`-s 'node[1].json' init`).
  if (
    spec.snapshot !== "none" &&
    isFleetRequest(globals.snapshotPaths) &&
    !(spec.snapshot === "create" && (await isNewFileName(globals.snapshotPaths)))
  )
    return (await import("./fleet/run.js")).runFleet(invocation, globals, io, runWarnings);
  if (invocation.options.byNode === true) throw new UsageError("--by-node is for a fleet (several -s, a folder or a glob)", spec.name);
  const source = globals.snapshotPath;
  if (!spec.mutates && !spec.writesOut && globals.out !== undefined) {
    throw new UsageError(`--out is for commands that write a file; ${spec.name} only reads`, "--out");
  }
  await refuseUnrelatedOut(invocation, globals);
  const commandModule = await loadCommand(spec.name);
  if (invocation.options.watch === true) return watchCommand(invocation, globals, io, commandModule);
  const target = globals.out ?? source;
  if (spec.snapshot === "create") await refuseExisting(invocation, target);
  const args = await readFileArgument(invocation, globals, io);
  // The target is resolved once: the lock guards that path and the write goes there, whatever links change meanwhile.
  // The lock module (and node:os, the native addon with it) loads only for a command that writes.
  let lock: HeldLock | undefined;
  let writeTarget: WriteTarget | undefined;
  // A command that only shows (`clock`, `backoff` with nothing to set) writes nothing in place: no lock, as for a fleet.
  if (spec.mutates && target !== STDIO && !globals.dryRun && !(globals.out === undefined && showsOnly(invocation))) {
    const refusal = await writeCheck((spec.snapshot ?? "load") === "load" ? source : undefined, target);
    if (refusal !== undefined) writeTarget = { path: target, refusal };
    else {
      const resolved = await resolveTarget(target);
      lock = await (await import("./io/lock.js")).acquireLock(resolved, spec.name, lockTimeoutMs(invocation.globals.lockTimeout));
      try {
        writeTarget = { path: resolved, identity: await identityOf(resolved) };
      } catch (error) {
        await lock.release();
        throw error;
      }
    }
  }
  const releaseOnSignal = (signal: NodeJS.Signals): void => {
    lock?.releaseSync();
    endBySignal(signal);
  };
  if (lock !== undefined) for (const signal of SIGNALS) process.once(signal, releaseOnSignal);
  const reportStream = spec.mutates && (globals.out ?? source) === STDIO ? io.stderr : io.stdout;
  // chalk (and the terminal probing it does on load) only when there is text to colour.
  const drawing =
    globals.json || globals.quiet
      ? undefined
      : async (): Promise<Ui> => {
          const isTty = reportStream === io.stdout && io.stdout.isTTY === true;
          // Colours off (a pipe, a file, NO_COLOR): the same text, without loading chalk.
          const chalk = colorsOff(io.env, globals.color, isTty)
            ? PLAIN
            : await import("./render/color.js").then(({ colorLevel, makeChalk }) => makeChalk(colorLevel(io.env, globals.color, isTty)));
          // Fit the output to the terminal unless --no-trunc (a pipe is unlimited unless COLUMNS says otherwise).
          const width = globals.trunc ? outputWidth(reportStream === io.stdout ? io.stdout : {}, io.env) : undefined;
          return { chalk, ...(width === undefined ? {} : { width }) };
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

  const warnings = [...loadWarnings, ...report.warnings];
  const documentWarnings = [...runWarnings, ...warnings];
  if (report.output !== undefined && !spec.mutates) {
    if (globals.out !== undefined && globals.out !== STDIO) {
      // --dry-run writes nothing (export's file included); --json prints one document about the file.
      if (globals.dryRun) {
        if (!globals.json && !globals.quiet) io.stdout.write(`dry run: ${displayName(globals.out)} not written\n`);
      } else {
        const text = typeof report.output === "string" ? report.output : [...report.output.chunks()].join("");
        await writeTextAtomic(globals.out, text, undefined, spec.outName);
        io.onWritten?.(globals.out);
      }
      if (globals.json) {
        const document = { command: spec.name, written: !globals.dryRun, out: globals.out, ...report.json, warnings: documentWarnings };
        await writeChunks(io.stdout, { chunks: () => jsonChunks(document) });
      }
    } else if (typeof report.output === "string") io.stdout.write(report.output);
    else await writeChunks(io.stdout, report.output);
  } else if (globals.json) {
    const document = spec.mutates ? mutationDocument(spec.name, written, report, documentWarnings) : report.json;
    await writeChunks(reportStream, { chunks: () => jsonChunks(document) });
  } else if (drawing !== undefined) {
    const ui = await drawing();
    let text = report.render(ui);
    if (spec.mutates) text += footer(globals, source, written, spec.name === "apply" ? ui : undefined);
    // What the command's own fitting left too long wraps between words, never cut mid-word by the terminal.
    if (ui.width !== undefined) text = (await import("./render/fit.js")).fitText(ui, text);
    if (text !== "") reportStream.write(text.endsWith("\n") ? text : `${text}\n`);
  }
  if (!globals.quiet) for (const warning of warnings) io.stderr.write(`bbgov: warning: ${sanitize(warning)}\n`);
  if (report.error !== undefined) io.stderr.write(`bbgov: ${sanitize(report.error)}\n`);
  return report.exitCode;
}

/** `inspect --watch`: the watch loop (loaded on use), ended by io.stop or Ctrl-C. */
async function watchCommand(invocation: Invocation, globals: Globals, io: CliIo, commandModule: CommandModule): Promise<number> {
  const format = invocation.options.format as string | undefined;
  if (io.stdout.isTTY !== true) {
    throw new UsageError(
      "--watch redraws a terminal, and standard output is not one; run inspect without --watch to print once",
      "--watch",
    );
  }
  if (globals.json || (format !== undefined && format !== "table" && format !== "wide")) {
    throw new UsageError("--watch draws tables for a terminal; use it without --json or --format json/ndjson/tsv", "--watch");
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  io.stop?.addEventListener("abort", onSignal, { once: true });
  // SIGTERM (`timeout 1h bbgov inspect --watch`, a supervisor) and SIGHUP ended the process with the cursor still
  // hidden: the watch ends as on Ctrl-C, the terminal restored, and then the process ends by that signal.
  let ending: NodeJS.Signals | undefined;
  const onEndingSignal = (signal: NodeJS.Signals): void => {
    ending = signal;
    controller.abort();
  };
  if (io.stop === undefined) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onEndingSignal);
    process.once("SIGHUP", onEndingSignal);
  }
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
        hostBackoff: globals.hostBackoff,
        trunc: globals.trunc,
        commandModule,
        stop: controller.signal,
      },
      io,
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onEndingSignal);
    process.off("SIGHUP", onEndingSignal);
    if (ending !== undefined) endBySignal(ending);
  }
}

/** `-o FILE` replaces an existing file only with --force, unless it is the snapshot itself (init and import check their own). */
async function refuseUnrelatedOut(invocation: Invocation, globals: Globals): Promise<void> {
  const out = globals.out;
  if (out === undefined || out === STDIO || globals.dryRun || invocation.options.force === true) return;
  if (invocation.spec.snapshot === "create") return;
  if (!(await existsAsFile(out))) return;
  // The snapshot itself is a changing command's in-place write; export's or completion's output (another kind, a
  // script) would replace it, and its clock and schedule or everything with it, so it is theirs only with --force.
  const itself = await sameFile(out, globals.snapshotPath);
  if (itself && !invocation.spec.mutates) {
    throw new UsageError(
      `${out} is the snapshot itself, which ${invocation.spec.name}'s output would replace; add --force to replace it`,
      "--out",
    );
  }
  if (!itself) throw new UsageError(`${out} already exists; add --force to replace it`, "--out");
}

function mutationDocument(command: string, written: boolean, report: Report, warnings: readonly string[]): Record<string, unknown> {
  return { command, written, ...report.json, warnings };
}

/**
 * The line under a changing command's report: what was written. A single command's report already says when it
 * changed nothing ("was already blocked"); a script's many lines do not add up to that, so `apply` says it.
 */
function footer(globals: Globals, source: string, written: boolean, script: Ui | undefined): string {
  const target = globals.out ?? source;
  // Standard output too: `bbgov -s - --dry-run ... > file` leaves the file empty, and says so.
  if (globals.dryRun) return `\ndry run: ${target === STDIO ? "standard output" : displayName(target)} not written`;
  if (target === STDIO) return "";
  if (written) return `\nwrote ${displayName(target)}`;
  return script === undefined ? "" : `\n${script.chalk.dim(`${displayName(target)} not written: the script leaves it as it was`)}`;
}

/** The first word of `argv` that is neither one of `program`'s options nor an option's value, if any. */
function firstOperand(argv: readonly string[], program: ReturnType<typeof buildProgram>): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === "--") return argv[i + 1];
    if (!word.startsWith("-") || word === "-") return word;
    // `--opt=value` and `-sFILE` carry their value; a bare option that takes one is followed by it.
    const option = program.options.find((known) => known.long === word || known.short === word);
    if (option !== undefined && (option.required || option.optional)) i++;
    // `-qs FILE` is `-q -s FILE`, as commander reads it: a cluster ending in an option that takes a value.
    // The first flag of it that takes a value takes the rest of the word, or the next word when it is the last.
    else if (option === undefined && /^-[^-]{2,}$/.test(word)) {
      const takes = (flag: string): boolean =>
        program.options.some((known) => known.short === `-${flag}` && (known.required || known.optional));
      if ([...word.slice(1)].findIndex(takes) === word.length - 2) i++;
    }
  }
  return undefined;
}

/** `bbgov -s inspect`: no command, because the file was left out and the command's name taken for it. */
function noCommand(argv: readonly string[]): UsageError {
  const at = argv.findIndex((word, i) => i > 0 && COMMAND_NAMES.has(word) && PATH_OPTIONS.has(argv[i - 1] as string));
  if (at === -1) return new UsageError("no command given", "see bbgov --help");
  const option = argv[at - 1] as string;
  return new UsageError(`no command given: ${option} took "${argv[at]}" as its file; put the file after ${option}`, option);
}

const PATH_OPTIONS: ReadonlySet<string> = new Set(["-s", "--snapshot", "-o", "--out"]);

/**
 * `bbgov -s nodes/*.snap inspect`: the shell expanded the unquoted pattern, and the second file came where the
 * command goes ("unknown command 'nodes/b.snap'"): a word right after -s FILE that is itself a file or a folder.
 */
function expandedPattern(argv: readonly string[], typed: string): UsageError | undefined {
  const afterValue = (at: number): boolean => {
    const before = argv[at - 1] ?? "";
    return argv[at - 2] === "-s" || argv[at - 2] === "--snapshot" || before.startsWith("--snapshot=") || /^-s./.test(before);
  };
  // (`-s a.json a.json inspect`: the word is the value of -s too; the one after it is the command's place.)
  const found = argv.some((word, at) => word === typed && afterValue(at));
  const what = found ? pathExists(typed) : undefined;
  if (what === undefined) return undefined;
  return new UsageError(
    `'${sanitize(typed)}' is a ${what}, not a command: did the shell expand an unquoted pattern? quote it for bbgov to expand` +
      " (-s 'nodes/*.snap'), or give -s before each file",
    "-s",
  );
}

/** `unknown command 'insp' (did you mean inspect?)`: see commandGuesses. */
function unknownCommand(typed: string): UsageError {
  if (hasOddSpace(typed)) return new UsageError(oddSpaceMessage("command", typed), "see bbgov --help");
  const guesses = commandGuesses(
    typed,
    COMMANDS.map((spec) => spec.name),
  );
  const hint = guesses.length === 0 ? "" : ` (did you mean ${guesses.join(" or ")}?)`;
  return new UsageError(`unknown command '${typed}'${hint}`, "see bbgov --help");
}

/**
 * `bbgov --force init`: an option of the command given before it, where only global options go. Commander calls it
 * unknown; say whose it is and where it goes.
 */
function commandOptionBeforeCommand(argv: readonly string[], option: string): UsageError | undefined {
  const at = argv.findIndex((word) => COMMAND_NAMES.has(word));
  const spec = COMMANDS.find((command) => command.name === argv[at]);
  const name = option.split("=")[0] ?? option;
  if (spec === undefined || !argv.slice(0, at).some((word) => word === option || word.startsWith(`${name}=`))) return undefined;
  // Its --force too (`-o out.json --force block P`, as the --out refusal says to add it), which commander else
  // answered with `unknown option '--force' (did you mean --force?)`.
  if (![...spec.options, ...extraOptions(spec)].some((declared) => declared.flags.split(/[ ,]+/).includes(name))) return undefined;
  return new UsageError(`${name} is an option of ${spec.name}: put it after the command (bbgov ${spec.name} ${name} ...)`, helpHint(argv));
}

function helpHint(argv: readonly string[]): string {
  const command = argv.find((word) => COMMAND_NAMES.has(word));
  return command === undefined ? "see bbgov --help" : `see bbgov ${command} --help`;
}
