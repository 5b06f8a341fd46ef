/**
 * Each command's module by name, loaded on use so `--help` and one command
 * load only what they need. The commands themselves are declared in
 * `../program.ts`; this file is the only one that imports their modules, so
 * no command (apply runs others) imports the table that loads it.
 */
import type { CommandContext, CommandModule, Report } from "../context.js";
import type { CommandArgs, CommandName, CommandOptions } from "../program.js";

/** A command's module as its declaration types it: checked here against each module's `execute`. */
interface TypedModule<N extends CommandName> {
  readonly execute: (ctx: CommandContext, args: CommandArgs<N>, options: CommandOptions<N>) => Report | Promise<Report>;
}

const MODULES: { readonly [N in CommandName]: () => Promise<TypedModule<N>> } = {
  init: () => import("./init.js"),
  inspect: () => import("./inspect.js"),
  block: () => import("./block.js"),
  unblock: () => import("./unblock.js"),
  allow: () => import("./allow.js"),
  disallow: () => import("./disallow.js"),
  fail: () => import("./fail.js"),
  succeed: () => import("./succeed.js"),
  advise: () => import("./advise.js"),
  check: () => import("./check.js"),
  threshold: () => import("./threshold.js"),
  backoff: () => import("./backoff.js"),
  clock: () => import("./clock.js"),
  reset: () => import("./reset.js"),
  validate: () => import("./validate.js"),
  diff: () => import("./diff.js"),
  apply: () => import("./apply.js"),
  import: () => import("./import.js"),
  export: () => import("./export.js"),
  completion: () => import("./completion.js"),
};

// The one place where typed modules meet values typed only by name: commander ran each declared
// parser and `main` resolved peers and read files as the declaration says (ArgsOf), so a module
// receives what its types promise. CommandModule's method signature takes any module's `execute`.
const LOADERS: Readonly<Record<string, () => Promise<CommandModule>>> = MODULES;

/** Names of the commands that have a module (every command of the table). */
export const COMMAND_MODULES: readonly string[] = Object.keys(MODULES);

/** Loads the module of the command `name`. */
export function loadCommand(name: string): Promise<CommandModule> {
  const load = LOADERS[name];
  if (load === undefined) throw new Error(`invariant: no module for the command ${name}`);
  return load();
}
