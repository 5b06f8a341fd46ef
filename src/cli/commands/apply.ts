/**
 * `apply [SCRIPT | -]`: many commands, one per line, in one load and one
 * write. Every line goes through the same parser as the shell. The script is
 * streamed: each line is parsed and run on the one loaded snapshot as it is
 * read, and only a bounded part of the report is kept, so memory follows the
 * snapshot, not the script. All or nothing: once a line fails, no later line
 * runs but every later line is still checked, and the error lists every bad
 * line; nothing is written, so running the good lines before a bad one was
 * found has no effect anyone can see. A later line is checked as far as the
 * state does not matter: its words, its peers, and its command's own `check`. Each line's report is drawn right after
 * it runs, so it shows the state after that line.
 */
import { CommanderError, type Command } from "commander";
import { BbgovError } from "../../core/errors.js";
import type { CommandContext, CommandModule, Report, Ui } from "../context.js";
import { commandContext, report } from "../context.js";
import { emptySnapshot } from "../../snapshot/model.js";
import { ApplyLineError, ApplyScriptErrors, UsageError } from "../errors.js";
import { splitWords } from "../io/words.js";
import { KnownTexts, type ParsedIds, resolvePeerArgs, unresolvablePeerArg, withNotices } from "./resolve.js";
import {
  buildProgram,
  commandGuesses,
  COMMANDS,
  GLOBAL_OPTIONS,
  optionGuess,
  usageFromCommander,
  type CommandArgs,
  type CommandSpec,
  type Invocation,
} from "../program.js";
import { quickParser } from "../quick-parse.js";
import { sanitize } from "../render/sanitize.js";

/**
 * The script is no script: its first command line starts a JSON document (a snapshot, often the very one `-s`
 * names), or a line holds a NUL (binary data, UTF-16). Said once, for that line, and the read ends: its every line
 * listed as an unknown command was a hundred lines of noise.
 */
class NotAScript extends UsageError {}

/** A line's JSON document when no one will print it. */
const NOT_PRINTED: Record<string, unknown> = Object.freeze({});

/** Lines whose report is kept and shown; the rest of a longer script is counted. */
export const SHOWN_LINES = 10_000;
/** Bad lines listed in the error; the rest are counted. */
export const LISTED_ERRORS = 100;
/** Warnings kept; the rest are counted in one more warning. */
const KEPT_WARNINGS = 1_000;

interface Shown {
  readonly line: number;
  readonly text: string;
  readonly command: string;
  readonly json: Record<string, unknown>;
  readonly body: string;
}

/** Runs the script's lines in order on the one loaded snapshot, checking every line. */
export async function execute(ctx: CommandContext, [script]: CommandArgs<"apply">): Promise<Report> {
  const ui = await ctx.drawing?.();
  const parser = lineParser();
  const modules = new Map<string, CommandModule>();
  const parsedIds: ParsedIds = new Map();
  const knownTexts = new KnownTexts(ctx.fleetPeers);
  const errors = new BadLines(script.source);
  const shown: Shown[] = [];
  // Lines shown (at most SHOWN_LINES); with no --json and no drawing (--quiet) none is kept in `shown`.
  let shownCount = 0;
  const keepJson = ctx.printsJson !== false;
  const warnings: string[] = [];
  let droppedWarnings = 0;
  let applied = 0;
  let changed = false;
  let number = 0;
  const loadModule = async (name: string): Promise<CommandModule> => {
    const loaded = await ctx.loadCommand(name);
    modules.set(name, loaded);
    return loaded;
  };
  const fail = (error: BbgovError): void => errors.add(number, error);
  for await (const batch of script.batches()) {
    // Indexed loops: an array iterator allocates a result per step until V8 optimizes the loop.
    for (let at = 0; at < batch.length; at++) {
      const text = batch[at] as string;
      number++;
      let invocation: Invocation | undefined;
      try {
        invocation = parser(text);
      } catch (error) {
        if (error instanceof NotAScript) throw new ApplyLineError(number, error, script.source);
        if (!(error instanceof BbgovError)) throw error;
        fail(stripEmptyWhere(error));
        continue;
      }
      if (invocation === undefined) continue;
      // After a failure the rest is only checked: nothing will be written.
      const name = invocation.spec.name;
      // Awaited only for a command's first line: a promise per line was a good part of a plain line's cost.
      const commandModule = modules.get(name) ?? (await loadModule(name));
      if (errors.found) {
        // What the line gets wrong whatever the state (`unblock` with neither peers nor --all, `clock --set` on a
        // node snapshot): named now, not on the next run.
        const problem = stateFreeProblem(ctx, commandModule, invocation);
        if (problem !== undefined) fail(problem);
        continue;
      }
      let result: Report;
      try {
        // Peers resolve against the state this line sees, after the lines before it (and, on a fleet's file, against
        // every peer of the fleet: a prefix names one peer on every node).
        const resolved = resolvePeerArgs(invocation.spec.args, invocation.args, ctx.snapshot, parsedIds, ctx.fleetPeers, knownTexts);
        const outcome = commandModule.execute(ctx, resolved.args, invocation.options);
        const commandReport = outcome instanceof Promise ? await outcome : outcome;
        knownTexts.afterLine(name, invocation.options, resolved.args, ctx.snapshot);
        // Notices only add lines to the drawing (the --json document has none): undrawn, the report is as it is.
        result = ui === undefined ? commandReport : withNotices(commandReport, resolved.notices);
      } catch (error) {
        if (!(error instanceof BbgovError)) throw error;
        knownTexts.forget();
        fail(error);
        continue;
      }
      applied++;
      changed ||= result.changed ?? true;
      for (let w = 0; w < result.warnings.length; w++) {
        if (warnings.length < KEPT_WARNINGS) warnings.push(`line ${number}: ${result.warnings[w]}`);
        else droppedWarnings++;
      }
      if (shownCount < SHOWN_LINES) {
        shownCount++;
        // Kept only for what will be printed: 10k kept reports made every garbage collection copy them.
        if (keepJson || ui !== undefined) {
          shown.push({
            line: number,
            text: text.trim(),
            command: name,
            json: keepJson ? result.json : NOT_PRINTED,
            body: ui === undefined ? "" : result.render(indented(ui)),
          });
        }
      }
    }
  }
  errors.throwIfAny();
  if (droppedWarnings > 0) warnings.push(`${droppedWarnings} more warning(s) from ${script.source} not shown`);
  const notShown = applied - shownCount;
  return report(
    {
      source: script.source,
      lines: shown.map(({ line, text, command, json }) => ({ line, text, command, ...json })),
      ...(notShown > 0 ? { lines_not_shown: notShown } : {}),
    },
    (draw) => {
      const parts = shown.map(({ line, text, body }) => {
        return `${draw.chalk.dim(`${line}:`)} ${draw.chalk.bold(sanitize(text.replaceAll("\t", " ")))}${body === "" ? "" : `\n${indent(body)}`}`;
      });
      if (notShown > 0) parts.push(draw.chalk.dim(`... and ${notShown} more line(s), not shown`));
      parts.push(`${draw.chalk.green("✓")} applied ${applied} command(s) from ${script.source}`);
      return parts.join("\n");
    },
    { warnings, changed },
  );
}

/**
 * What is wrong with a script whatever file it runs on, found once, on no file: each line's words, command, options
 * and values, a peer no node could resolve, and its command's `check` as on a file that holds everything (a bbgov
 * snapshot: what fails there fails on every kind). A fleet runs this before it runs the script on each file, so
 * that these are said once, naming the script's lines (they were said for every file alike). Throws as execute does.
 */
export async function checkInput([script]: CommandArgs<"apply">, loadCommand: (name: string) => Promise<CommandModule>): Promise<void> {
  const parser = lineParser();
  const ctx = commandContext(emptySnapshot(), script.source, undefined, loadCommand);
  const modules = new Map<string, CommandModule>();
  const errors = new BadLines(script.source);
  let number = 0;
  for await (const batch of script.batches()) {
    for (let at = 0; at < batch.length; at++) {
      number++;
      let problem: BbgovError | undefined;
      try {
        const invocation = parser(batch[at] as string);
        if (invocation === undefined) continue;
        const name = invocation.spec.name;
        const commandModule = modules.get(name) ?? (await loadCommand(name));
        modules.set(name, commandModule);
        problem = stateFreeProblem(ctx, commandModule, invocation);
      } catch (error) {
        if (error instanceof NotAScript) throw new ApplyLineError(number, error, script.source);
        if (!(error instanceof BbgovError)) throw error;
        problem = stripEmptyWhere(error);
      }
      if (problem !== undefined) errors.add(number, problem);
    }
  }
  errors.throwIfAny();
}

/** What a parsed line gets wrong whatever the state: a peer no snapshot could resolve, or its command's own `check`. */
function stateFreeProblem(ctx: CommandContext, commandModule: CommandModule, invocation: Invocation): BbgovError | undefined {
  const problem = unresolvablePeerArg(invocation.spec.args, invocation.args);
  if (problem !== undefined) return problem;
  try {
    commandModule.check?.(ctx, invocation.args, invocation.options);
  } catch (error) {
    if (!(error instanceof BbgovError)) throw error;
    return error;
  }
  return undefined;
}

/** A script's bad lines: the first LISTED_ERRORS kept, the rest counted, all thrown as one error at the end. */
class BadLines {
  private readonly errors: ApplyLineError[] = [];
  private unlisted = 0;

  constructor(private readonly source: string) {}

  /** True once a line has failed. */
  get found(): boolean {
    return this.errors.length > 0 || this.unlisted > 0;
  }

  add(lineNumber: number, error: BbgovError): void {
    if (this.errors.length < LISTED_ERRORS) this.errors.push(new ApplyLineError(lineNumber, error, this.source));
    else this.unlisted++;
  }

  /** Throws the one bad line, or all of them (ApplyScriptErrors); nothing when none failed. */
  throwIfAny(): void {
    const [first, ...rest] = this.errors;
    if (first === undefined) return;
    throw rest.length === 0 && this.unlisted === 0 ? first : new ApplyScriptErrors([first, ...rest], this.unlisted, this.source);
  }
}

/** A parser for one script line: its invocation, undefined for a blank or comment line; throws a BbgovError. */
function lineParser(): (text: string) => Invocation | undefined {
  let parsed: Invocation | undefined;
  // Built for the first line the quick path leaves to commander (a script of plain lines never needs it).
  let program: Command | undefined;
  // The plainest lines skip commander (same declarations, same result; see quick-parse.ts).
  const quick = quickParser(
    COMMANDS.filter((spec) => spec.inApply),
    (spec) => spec.options,
    {},
  );
  // Whether a line with a command on it came before: only the first such line can show a JSON document's start.
  let first = true;
  return (text) => {
    // A carriage return before the line's end (old Mac line endings) would run the script's lines together.
    const cr = text.indexOf("\r");
    if (cr !== -1 && cr < text.trimEnd().length) {
      throw new UsageError(
        "a carriage return inside the line: are the script's lines ended by CR alone? end them with LF (tr '\\r' '\\n')",
      );
    }
    // One scan for what a plain line never holds (a NUL, a shell's syntax), the checks below only when it is there:
    // the two checks on every word cost 0.6 µs a line (100k lines 410 -> 472 ms).
    const unusual = UNUSUAL.test(text);
    // UTF-16 without its mark, a binary file: each line was an unknown command or a bad argument, with NULs in it.
    if (unusual && text.includes("\0"))
      throw new NotAScript("a NUL byte: this is binary data or UTF-16 text, not a script of commands (save it as UTF-8 text)");
    const words = splitWords(text);
    const name = words[0];
    if (name === undefined) return undefined;
    // A line of other blanks only (a form feed, a no-break space: an editor's, invisible) is blank too, not a
    // command named by them; the shell's words are split at spaces and tabs alone, so only a whole line is.
    if (name.trim() === "" && text.trim() === "") return undefined;
    if (first) {
      first = false;
      if (/^[{[]/.test(name)) {
        throw new NotAScript(
          `this is a JSON document (a snapshot?), not a script of commands; name the snapshot with -s and give apply a file of command lines`,
        );
      }
    }
    if (name === "bbgov") throw new UsageError("write the command without `bbgov` in front");
    const shellism = unusual ? shellSyntax(words) : undefined;
    if (shellism !== undefined) throw shellism;
    checkAllowed(name);
    const fast = quick(words);
    if (fast !== undefined) return fast;
    parsed = undefined;
    program ??= buildProgram("apply", "", { writeOut: () => {}, writeErr: () => {} }, (invocation) => {
      parsed = invocation;
    });
    try {
      program.parse(words, { from: "user" });
    } catch (error) {
      if (error instanceof CommanderError) {
        // `help` and `--help` print help and end the parse; neither means anything in a script.
        if (error.code === "commander.help" || error.code === "commander.helpDisplayed")
          throw new UsageError("help cannot be used in a script");
        // `block -s other.json PEER`: a global option after the command, as the shell would take it.
        const unknown = error.code === "commander.unknownOption" ? /'([^'=]*)/.exec(error.message)?.[1] : undefined;
        if (unknown !== undefined && isGlobalFlag(unknown)) throw globalInScript(unknown);
        // `fail P --TIMES 3`, `BLOCK P`: a case slip (or an option's start) commander suggests nothing for.
        if (!error.message.includes("Did you mean")) {
          const typed = /'([^']*)'/.exec(error.message)?.[1] ?? "";
          if (error.code === "commander.unknownOption") {
            const guess = optionGuess(name, typed, false);
            if (guess !== undefined) throw new UsageError(`unknown option '${typed}' (did you mean ${guess}?)`);
          }
          if (error.code === "commander.unknownCommand") {
            const guesses = commandGuesses(typed, APPLY_NAMES);
            if (guesses.length > 0) throw new UsageError(`unknown command '${typed}' (did you mean ${guesses.join(" or ")}?)`);
          }
        }
        throw usageFromCommander(error, "") ?? new UsageError("help cannot be used in a script");
      }
      throw error;
    }
    if (parsed === undefined) throw new UsageError(`not a command: ${name}`);
    return parsed;
  };
}

/** A NUL or a character of a shell's syntax (see shellSyntax): no plain line of a script holds one. */
const UNUSUAL = /[\0;&|<>$`]/;

/** Words that chain, pipe or redirect commands in a shell. */
const SHELL_OPERATORS: ReadonlySet<string> = new Set([";", "&&", "||", "|", "|&", "&", ">", ">>", "<", "<<", "2>", "2>&1", "&>"]);

/**
 * A shell's syntax on a line (`block $PEER`, `threshold 3; block X`): no shell reads the script, so it was taken
 * literally and blamed on the argument ('invalid peer id "$PEER": not base58btc'). No bbgov argument holds these
 * characters, so saying what they are costs no valid line.
 */
function shellSyntax(words: readonly string[]): UsageError | undefined {
  for (const word of words) {
    if (SHELL_OPERATORS.has(word) || (word.length > 1 && word.endsWith(";"))) {
      const operator = SHELL_OPERATORS.has(word) ? word : ";";
      return new UsageError(`apply runs no shell: "${operator}" neither chains, pipes nor redirects here; write one command per line`);
    }
    if (word.includes("`") || word.includes("$(")) {
      return new UsageError(`apply runs no shell: ${JSON.stringify(word)} is not run; put its output in the script before bbgov reads it`);
    }
    if (/\$[A-Za-z_{]/.test(word)) {
      return new UsageError(
        `apply runs no shell: ${JSON.stringify(word)} is not expanded; let the shell expand it (a here-document <<EOF, not <<'EOF')`,
      );
    }
  }
  return undefined;
}

const BY_NAME: ReadonlyMap<string, CommandSpec> = new Map(COMMANDS.map((spec) => [spec.name, spec]));
const APPLY_NAMES: readonly string[] = COMMANDS.filter((spec) => spec.inApply).map((spec) => spec.name);

function checkAllowed(name: string): void {
  const spec = BY_NAME.get(name);
  if (spec !== undefined && !spec.inApply) {
    throw new UsageError(`${name} cannot be used in a script: apply runs the commands that change the snapshot`);
  }
  if (name.startsWith("-")) {
    if (isGlobalFlag(name.split("=")[0] as string)) throw globalInScript(name);
    // `--threshold 3`, `-x`, `--`: no global option, yet they were called one ("global options such as -x").
    const bare = name.replace(/^-+/, "").split("=")[0] as string;
    if (bare === "h" || bare === "help") throw new UsageError("help cannot be used in a script");
    const guess = APPLY_NAMES.includes(bare) ? ` (did you mean ${bare}?)` : "";
    throw new UsageError(`a line starts with its command, not '${name}'${guess}`);
  }
}

/** Every spelling of the global options (`-s`, `--snapshot`, `--json`, ...). */
const GLOBAL_FLAGS: ReadonlySet<string> = new Set([
  ...GLOBAL_OPTIONS.flatMap((spec) => spec.flags.match(/--?[a-z][a-z-]*/g) ?? []),
  "-V", // commander's own
  "--version",
]);

/** A global option's spelling, or a cluster of short ones that holds one (`-qs`). */
function isGlobalFlag(word: string): boolean {
  if (GLOBAL_FLAGS.has(word)) return true;
  return /^-[a-zA-Z]{2,}$/.test(word) && [...word.slice(1)].some((letter) => GLOBAL_FLAGS.has(`-${letter}`));
}

function globalInScript(option: string): UsageError {
  return new UsageError(`global options such as ${option} go on the bbgov apply command line, not in the script`);
}

function stripEmptyWhere(error: BbgovError): BbgovError {
  return error.where === "" ? new UsageError(error.message) : error;
}

/** How far a line's report is indented under the line. */
const INDENT = "   ";

/** The Ui a line's report is drawn with: it is indented under its line, so it has that much less width. */
function indented(ui: Ui): Ui {
  return ui.width === undefined ? ui : { ...ui, width: Math.max(ui.width - INDENT.length, 20) };
}

function indent(text: string): string {
  return `${INDENT}${text.replaceAll("\n", `\n${INDENT}`)}`;
}
