/**
 * Helpers for the end-to-end tests: they run the built `bin/bbgov.js` with
 * `spawnSync` in a real folder, so exit codes, streams and files are the ones
 * a user's shell would see. Command behaviour is tested in process
 * (`test/cli/helpers.ts`); these are for what only a process shows.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Result, RunOptions } from "../cli/helpers.js";

export { ANSI, expectError, L, M, N, Q, T0, tempDirs, type Result } from "../cli/helpers.js";

export const BIN = fileURLToPath(new URL("../../bin/bbgov.js", import.meta.url));

/** Runs the built `bbgov args...` in `dir`; colours off and no BBGOV_* variables unless `env` says so. */
export function spawnBbgov(dir: string, args: readonly string[], options: RunOptions = {}): Result {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  for (const name of ["FORCE_COLOR", "BBGOV_SNAPSHOT", "BBGOV_DEBUG", "TERM"]) delete env[name];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, input: options.input ?? "", encoding: "utf8", timeout: 20_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
