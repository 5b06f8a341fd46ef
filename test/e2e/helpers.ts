/**
 * Helpers for the end-to-end tests: they run the built `bin/bbgov.js` with
 * `spawnSync` in a real folder, so exit codes, streams and files are the ones
 * a user's shell would see. Command behaviour is tested in process
 * (`test/cli/helpers.ts`, the same API with `await`); these are for what only
 * a process shows.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { ANSI, Folder, T0, tempDirs, type Result, type RunOptions } from "../cli/helpers.js";

export {
  ALLOW,
  ANSI,
  expectError,
  L,
  M,
  MS,
  N,
  Q,
  S,
  T0,
  tempDirs,
  U64_MAX,
  warnings,
  type DecisionDoc,
  type EventDoc,
  type EventsDoc,
  type Result,
  type RunOptions,
  type Snapshot,
} from "../cli/helpers.js";

export const BIN = fileURLToPath(new URL("../../bin/bbgov.js", import.meta.url));

/** Runs the built `bbgov args...` in `dir`; colours off and no BBGOV_* variables unless `env` says so. */
export function spawnBbgov(dir: string, args: readonly string[], options: RunOptions = {}): Result {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  for (const name of ["FORCE_COLOR", "BBGOV_SNAPSHOT", "BBGOV_DEBUG", "TERM"]) delete env[name];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env,
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 20_000,
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary folder with the built binary run inside it, one process per command. */
export class Sandbox extends Folder {
  /** Runs `bbgov args...` in the folder as a process. */
  run(args: readonly string[], options: RunOptions = {}): Result {
    return spawnBbgov(this.dir, args, options);
  }

  /** Runs and expects exit 0 with nothing on stderr; returns stdout. */
  ok(args: readonly string[], options: RunOptions = {}): string {
    const result = this.run(args, options);
    expect(result.stderr, `bbgov ${args.join(" ")}`).toBe("");
    expect(result.status, `bbgov ${args.join(" ")}`).toBe(0);
    return result.stdout;
  }

  /** Runs with --json and expects exit `status`; returns the parsed document. */
  json<T = Record<string, unknown>>(args: readonly string[], status = 0, options: RunOptions = {}): T {
    const result = this.run(["--json", ...args], options);
    expect(result.status, `${result.stderr}`).toBe(status);
    expect(result.stdout).not.toMatch(ANSI);
    return JSON.parse(result.stdout) as T;
  }

  /** Builds `governor.json` in two runs: `init --clock` (T0 unless given) and, when there are commands, one `apply` of them. */
  build(commands: readonly string[] = [], init: readonly string[] = ["--clock", String(T0)]): string {
    this.ok(["-q", "init", ...init]);
    if (commands.length > 0) this.ok(["-q", "apply", "-"], { input: `${commands.join("\n")}\n` });
    return this.read();
  }
}

/** Returns a factory of spawned sandboxes; every folder it made is removed after the file's tests. */
export function sandboxes(): () => Sandbox {
  const dir = tempDirs("bbgov-e2e-");
  return () => new Sandbox(dir());
}
