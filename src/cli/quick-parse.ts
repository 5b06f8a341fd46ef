/**
 * A quick path for the plainest `apply` lines, built from the same command
 * declarations (program.ts) as commander's parser: a known command name, its
 * long options (`--name` or `--name VALUE`, each at most once) and its
 * operands. It gives exactly the Invocation commander's action would, with
 * the same value parsers; anything else (a short or `--name=value` option, a
 * word starting with "-" where a value or operand goes, a repeated or
 * conflicting option, a wrong number of operands, a value a parser or a
 * choice refuses, help) returns undefined and the line goes through commander,
 * which gives its own result or error. Why: commander costs ~15 µs a line
 * (state reset, events, camelCase names), most of `apply` on a small snapshot;
 * this costs ~1 µs. test/cli/quick-parse.test.ts checks it against commander.
 */
import type { ArgumentSpec, CommandSpec, Invocation, OptionSpec } from "./program.js";

type Parse = (text: string, previous: never) => unknown;

interface QuickOption {
  /** `--all-rows` */
  readonly flag: string;
  /** `allRows` */
  readonly key: string;
  readonly takesValue: boolean;
  readonly parse: Parse | undefined;
  readonly choices: readonly string[] | undefined;
  readonly conflicts: readonly string[];
}

interface QuickArgument {
  readonly required: boolean;
  readonly variadic: boolean;
  readonly parse: Parse | undefined;
  readonly choices: readonly string[] | undefined;
}

interface QuickCommand {
  readonly spec: CommandSpec;
  readonly options: ReadonlyMap<string, QuickOption>;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly hasDefaults: boolean;
  readonly args: readonly QuickArgument[];
}

/** Commander's attribute name of a long option: `--all-rows` becomes `allRows`. */
function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function quickOption(spec: OptionSpec): QuickOption | undefined {
  const match = /^(?:-[A-Za-z], )?--([a-z][a-z0-9-]*)( <[a-z-]+>)?$/.exec(spec.flags);
  if (match === null || (match[1] as string).startsWith("no-")) return undefined;
  return {
    flag: `--${match[1] as string}`,
    key: camelCase(match[1] as string),
    takesValue: match[2] !== undefined,
    parse: spec.parse as Parse | undefined,
    choices: spec.choices,
    conflicts: spec.conflicts ?? [],
  };
}

function quickArgument(spec: ArgumentSpec): QuickArgument | undefined {
  const match = /^(<|\[)[a-z-]+(\.\.\.)?(>|\])$/.exec(spec.syntax);
  // A variadic argument with choices collects its values otherwise in commander; none needs the quick path.
  if (match === null || (match[1] === "<") !== (match[3] === ">") || (match[2] !== undefined && spec.choices !== undefined))
    return undefined;
  return { required: match[1] === "<", variadic: match[2] !== undefined, parse: spec.parse as Parse | undefined, choices: spec.choices };
}

function quickCommand(spec: CommandSpec, options: readonly OptionSpec[]): QuickCommand | undefined {
  const byFlag = new Map<string, QuickOption>();
  const defaults: Record<string, unknown> = {};
  for (const option of options) {
    const quick = quickOption(option);
    if (quick === undefined) return undefined;
    byFlag.set(quick.flag, quick);
    if (option.defaultValue !== undefined) defaults[quick.key] = option.defaultValue;
  }
  const args: QuickArgument[] = [];
  for (const arg of spec.args) {
    const quick = quickArgument(arg);
    if (quick === undefined) return undefined;
    args.push(quick);
  }
  return { spec, options: byFlag, defaults, hasDefaults: Object.keys(defaults).length > 0, args };
}

/**
 * The quick parser of the commands `specs` (with `optionsOf(spec)` their
 * options as commander has them): the Invocation of `words`, or undefined
 * when commander must parse them. `globals` is what commander's action gives.
 */
export function quickParser(
  specs: readonly CommandSpec[],
  optionsOf: (spec: CommandSpec) => readonly OptionSpec[],
  globals: Readonly<Record<string, unknown>>,
): (words: readonly string[]) => Invocation | undefined {
  const commands = new Map<string, QuickCommand>();
  for (const spec of specs) {
    const quick = quickCommand(spec, optionsOf(spec));
    if (quick !== undefined) commands.set(spec.name, quick);
  }
  const scratch: Scratch = { given: [], operands: [] };
  return (words) => {
    const first = words[0];
    const command = first === undefined ? undefined : commands.get(first);
    if (command === undefined) return undefined;
    try {
      return parseWords(command, words, globals, scratch);
    } catch {
      // A value a parser refuses: commander words the error.
      return undefined;
    }
  };
}

/**
 * Working lists of one parse, kept by a parser and reused by each call, with counts of the entries in use:
 * two fewer arrays per apply line (emptying them with `length = 0` would drop their storage too).
 */
interface Scratch {
  readonly given: QuickOption[];
  readonly operands: string[];
}

function parseWords(
  command: QuickCommand,
  words: readonly string[],
  globals: Readonly<Record<string, unknown>>,
  scratch: Scratch,
): Invocation | undefined {
  // Indexed loops and no spread of an empty object: this runs once per apply line, mostly before V8 optimizes it.
  const values: Record<string, unknown> = command.hasDefaults ? { ...command.defaults } : {};
  const { given, operands } = scratch;
  let givenCount = 0;
  let operandCount = 0;
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    if (word !== "" && word.charCodeAt(0) !== 45 /* - */) {
      operands[operandCount++] = word;
      continue;
    }
    const option = command.options.get(word);
    if (option === undefined) return undefined;
    for (let g = 0; g < givenCount; g++) if (given[g] === option) return undefined;
    given[givenCount++] = option;
    if (!option.takesValue) {
      values[option.key] = true;
      continue;
    }
    const value = words[++i];
    if (value === undefined || value === "" || value.charCodeAt(0) === 45) return undefined;
    values[option.key] = choose(option, value, values[option.key]);
    if (values[option.key] === REFUSED) return undefined;
  }
  for (let g = 0; g < givenCount; g++) {
    const conflicts = (given[g] as QuickOption).conflicts;
    for (let c = 0; c < conflicts.length; c++) {
      for (let o = 0; o < givenCount; o++) if ((given[o] as QuickOption).key === conflicts[c]) return undefined;
    }
  }
  const count = command.args.length;
  const last = command.args[count - 1];
  if (operandCount > count && last?.variadic !== true) return undefined;
  const args: unknown[] = new Array(count);
  for (let index = 0; index < count; index++) {
    const arg = command.args[index] as QuickArgument;
    if (index >= operandCount) {
      if (arg.required) return undefined;
      args[index] = arg.variadic ? [] : undefined;
    } else if (arg.variadic) {
      if (arg.parse === undefined) {
        args[index] = operands.slice(index, operandCount);
        continue;
      }
      let value: unknown;
      for (let o = index; o < operandCount; o++) value = arg.parse(operands[o] as string, value as never);
      args[index] = value;
    } else {
      const value = choose(arg, operands[index] as string, undefined);
      if (value === REFUSED) return undefined;
      args[index] = value;
    }
  }
  return { spec: command.spec, args, options: values, globals };
}

const REFUSED = Symbol("refused");

/** A value through its choices (which replace the parser, as in commander) or its parser. */
function choose(
  holder: { readonly parse: Parse | undefined; readonly choices: readonly string[] | undefined },
  text: string,
  previous: unknown,
): unknown {
  if (holder.choices !== undefined) return holder.choices.includes(text) ? text : REFUSED;
  return holder.parse === undefined ? text : holder.parse(text, previous as never);
}
