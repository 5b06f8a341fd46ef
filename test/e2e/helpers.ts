/**
 * Helpers for the end-to-end tests: each test gets a real temporary folder
 * and runs the built `bin/bbgov.js` in it with `spawnSync`, so exit codes,
 * streams and files are the ones a user's shell would see.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect } from "vitest";
import type { SnapshotDocument } from "../../src/snapshot/encode.js";

export const BIN = fileURLToPath(new URL("../../bin/bbgov.js", import.meta.url));

/** Peers used across the suite (valid base58btc peer ids, in byte order). */
export const L = "16uZAbWC1AJvL";
export const M = "16uZAbWC1AJvM";
export const N = "16uZAbWC1AJvN";
export const Q = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";

/** An epoch-like clock, so dates show in tables: 2025-11-24 16:00:00 UTC. */
export const T0 = 1_764_000_000_000_000_000n;
export const MS = 1_000_000n;
export const S = 1_000_000_000n;
export const U64_MAX = 18446744073709551615n;

export const ANSI = /\u001b\[/;

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Variables to add (or remove, with undefined) on top of the clean environment. */
  env?: Record<string, string | undefined>;
  /** Standard input. */
  input?: string;
}

/** A temporary folder holding snapshots, with bbgov run inside it. */
export class Sandbox {
  constructor(readonly dir: string) {}

  /** Runs `bbgov args...` in the folder; colours off and no BBGOV_* variables unless `env` says so. */
  run(args: readonly string[], options: RunOptions = {}): Result {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
    for (const name of ["FORCE_COLOR", "BBGOV_SNAPSHOT", "BBGOV_DEBUG", "TERM"]) delete env[name];
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const result = spawnSync(process.execPath, [BIN, ...args], {
      cwd: this.dir,
      env,
      input: options.input ?? "",
      encoding: "utf8",
      timeout: 20_000,
    });
    if (result.error !== undefined) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
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

  path(name = "governor.json"): string {
    return path.join(this.dir, name);
  }

  read(name = "governor.json"): string {
    return fs.readFileSync(this.path(name), "utf8");
  }

  /** The file as a parsed snapshot document. */
  doc(name = "governor.json"): Snapshot {
    return JSON.parse(this.read(name)) as Snapshot;
  }

  write(name: string, text: string): void {
    fs.writeFileSync(this.path(name), text);
  }

  exists(name = "governor.json"): boolean {
    return fs.existsSync(this.path(name));
  }

  /**
   * Builds `governor.json` in two runs: `init --clock` (T0 unless given)
   * and, when there are commands, one `apply` of them.
   */
  build(commands: readonly string[] = [], init: readonly string[] = ["--clock", String(T0)]): string {
    this.ok(["-q", "init", ...init]);
    if (commands.length > 0) this.ok(["-q", "apply", "-"], { input: `${commands.join("\n")}\n` });
    return this.read();
  }
}

/** The snapshot's JSON shape, as written by bbgov. */
export type Snapshot = SnapshotDocument;

/** A `D` document of `check` and `inspect`. */
export interface DecisionDoc {
  decision: "allow" | "deny";
  reason: null | "blocklisted" | "not_allowlisted" | "cooldown";
  retry_ns: string | null;
}

/** One event of `fail`, `succeed` and `advise` in --json. */
export interface EventDoc {
  peer: string;
  at_ns: string;
  consecutive_failures: number;
  down: boolean;
  transition: "none" | "went_down" | "came_up";
  backoff: null | { attempts: number; next_retry_ns: string };
}

/** The --json document of `fail`, `succeed` and `advise`. */
export interface EventsDoc {
  command: string;
  written: boolean;
  events: EventDoc[];
  warnings: string[];
}

export const ALLOW: DecisionDoc = { decision: "allow", reason: null, retry_ns: null };

/** Returns a factory of sandboxes; every folder it made is removed after the file's tests. */
export function sandboxes(): () => Sandbox {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-e2e-"));
    made.push(dir);
    return new Sandbox(dir);
  };
}

/**
 * The contract's error: exit 2, nothing on stdout, exactly one line on
 * stderr, `bbgov: <what> (<where>)`, no stack trace.
 */
export function expectError(result: Result, fragment: string | RegExp): void {
  expect(result.status, result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(/^bbgov: [^\n]+ \([^\n]+\)\n$/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  if (typeof fragment === "string") expect(result.stderr).toContain(fragment);
  else expect(result.stderr).toMatch(fragment);
}

/** The lines of a warning-only stderr, without the `bbgov: warning: ` prefix. */
export function warnings(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      expect(line).toMatch(/^bbgov: warning: /);
      return line.slice("bbgov: warning: ".length);
    });
}
