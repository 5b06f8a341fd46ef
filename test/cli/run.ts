/** Runs bbgov in process through `execute` (the shared helper), with standard input and an environment given positionally. */
import { cli as run, type Result } from "./helpers.js";

/** What a run printed and returned. */
export type CliResult = Result;

/** Runs `execute` with `stdin` (if any) and an environment of only `env`; nothing is spawned. */
export function cli(args: readonly string[], stdin?: string | Buffer, env: Record<string, string> = {}): Promise<CliResult> {
  return run(args, { ...(stdin === undefined ? {} : { input: stdin }), env });
}
