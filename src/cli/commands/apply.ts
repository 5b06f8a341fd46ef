/**
 * `apply [SCRIPT | -]`: many commands, one per line, in one load and one
 * write. Every line goes through the same parser as the shell; all lines are
 * parsed and checked before the first one runs, and any failure leaves the
 * snapshot unwritten, with an error that names the line.
 */
import { CommanderError } from "commander";
import { BbgovError } from "../../core/errors.js";
import type { CommandContext, CommandModule, Report } from "../context.js";
import { report } from "../context.js";
import { ApplyLineError, UsageError } from "../errors.js";
import { splitWords } from "../io/words.js";
import { resolvePeerArgs, withNotices } from "./resolve.js";
import { buildProgram, COMMANDS, usageFromCommander, type Invocation } from "../program.js";

interface Line {
  readonly number: number;
  readonly text: string;
  readonly invocation: Invocation;
}

/** Parses every line of the script, then runs them in order on the one loaded snapshot. */
export async function execute(ctx: CommandContext, args: readonly unknown[]): Promise<Report> {
  const script = args[0] as { text: string; source: string };
  const lines = parseScript(script.text, script.source);
  const modules = new Map<string, CommandModule>();
  for (const line of lines) {
    const name = line.invocation.spec.name;
    if (!modules.has(name)) modules.set(name, await line.invocation.spec.load());
  }
  const results: { line: Line; report: Report }[] = [];
  for (const line of lines) {
    const commandModule = modules.get(line.invocation.spec.name) as CommandModule;
    try {
      // Peers resolve against the state this line sees, after the lines before it.
      const resolved = resolvePeerArgs(line.invocation.spec.args, line.invocation.args, ctx.snapshot);
      results.push({ line, report: withNotices(await commandModule.execute(ctx, resolved.args, line.invocation.options), resolved.notices) });
    } catch (error) {
      if (error instanceof BbgovError) throw new ApplyLineError(line.number, error, script.source);
      throw error;
    }
  }
  const warnings = results.flatMap(({ line, report: r }) => r.warnings.map((warning) => `line ${line.number}: ${warning}`));
  return report(
    {
      source: script.source,
      lines: results.map(({ line, report: r }) => ({ line: line.number, text: line.text.trim(), command: line.invocation.spec.name, ...r.json })),
    },
    (ui) => {
      const parts = results.map(({ line, report: r }) => {
        const body = r.render(ui);
        return `${ui.chalk.dim(`${line.number}:`)} ${ui.chalk.bold(line.text.trim())}${body === "" ? "" : `\n${indent(body)}`}`;
      });
      parts.push(`${ui.chalk.green("✓")} applied ${results.length} command(s) from ${script.source}`);
      return parts.join("\n");
    },
    { warnings, changed: results.some(({ report: r }) => r.changed ?? true) },
  );
}

/** Parses a whole script into invocations; the first bad line throws an ApplyLineError. */
export function parseScript(text: string, source: string): Line[] {
  let parsed: Invocation | undefined;
  const program = buildProgram("apply", "", { writeOut: () => {}, writeErr: () => {} }, (invocation) => {
    parsed = invocation;
  });
  const lines: Line[] = [];
  const rows = text.split("\n");
  for (let index = 0; index < rows.length; index++) {
    const lineText = rows[index] as string;
    const number = index + 1;
    try {
      const words = splitWords(lineText);
      if (words.length === 0) continue;
      if (words[0] === "bbgov") throw new UsageError("write the command without `bbgov` in front");
      checkAllowed(words[0] as string);
      parsed = undefined;
      try {
        program.parse(words, { from: "user" });
      } catch (error) {
        if (error instanceof CommanderError) {
          // `help` and `--help` print help and end the parse; neither means anything in a script.
          if (error.code === "commander.help" || error.code === "commander.helpDisplayed") throw new UsageError("help cannot be used in a script");
          throw usageFromCommander(error, "") ?? new UsageError("help cannot be used in a script");
        }
        throw error;
      }
      if (parsed === undefined) throw new UsageError(`not a command: ${words[0]}`);
      lines.push({ number, text: lineText, invocation: parsed });
    } catch (error) {
      if (error instanceof BbgovError) throw new ApplyLineError(number, stripEmptyWhere(error), source);
      throw error;
    }
  }
  return lines;
}

function checkAllowed(name: string): void {
  const spec = COMMANDS.find((command) => command.name === name);
  if (spec !== undefined && !spec.inApply) {
    throw new UsageError(`${name} cannot be used in a script: apply runs the commands that change the snapshot`);
  }
  if (name.startsWith("-")) throw new UsageError(`global options such as ${name} go on the bbgov apply command line, not in the script`);
}

function stripEmptyWhere(error: BbgovError): BbgovError {
  return error.where === "" ? new UsageError(error.message) : error;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `   ${line}`)
    .join("\n");
}
