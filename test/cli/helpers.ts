/**
 * Helpers for the command tests, in process: each test gets a real temporary
 * folder and runs bbgov in it through `execute` (the entry the binary uses)
 * with fake streams, so behaviour is tested without spawning a process.
 * `test/e2e/helpers.ts` runs the built binary for what only a process shows.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect } from "vitest";
import { execute, type CliIo } from "../../src/cli/main.js";
import type { SnapshotDocument } from "../../src/snapshot/encode.js";

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

/** A run's result with standard output also as the bytes written (a node snapshot on `-s -` is binary). */
export interface BytesResult extends Result {
  stdoutBytes: Buffer;
}

export interface RunOptions {
  /** Variables to add (or remove, with undefined) on top of the clean environment. */
  env?: Record<string, string | undefined>;
  /** Standard input. */
  input?: string | Uint8Array;
  /** Whether standard output claims to be a terminal. */
  tty?: boolean;
}

/** The entry the binary runs: `execute` of the sources, or of the bundle (which exports the same). */
export type Entry = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Runs `execute` (or another entry) with fake streams in the current folder; the environment is exactly `env`. */
export async function cli(args: readonly string[], options: RunOptions = {}, entry: Entry = execute): Promise<Result> {
  const { status, stdout, stderr } = await cliBytes(args, options, entry);
  return { status, stdout, stderr };
}

/** As `cli`, keeping standard output's bytes too. */
export async function cliBytes(args: readonly string[], options: RunOptions = {}, entry: Entry = execute): Promise<BytesResult> {
  const out: Buffer[] = [];
  let stderr = "";
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  const io = {
    stdout: { isTTY: options.tty ?? false, write: (chunk: string | Uint8Array) => (out.push(Buffer.from(chunk)), true) },
    stderr: { write: (chunk: string | Uint8Array) => ((stderr += Buffer.from(chunk).toString("utf8")), true) },
    stdin: (async function* () {
      if (options.input !== undefined && options.input.length > 0) yield Buffer.from(options.input);
    })(),
    env,
  } as unknown as CliIo;
  const status = await entry(args, io);
  const stdoutBytes = Buffer.concat(out);
  return { status, stdout: stdoutBytes.toString("utf8"), stdoutBytes, stderr };
}

/** A temporary folder holding snapshots: the file helpers both kinds of sandbox share. */
export class Folder {
  constructor(readonly dir: string) {}

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
}

/** A temporary folder with bbgov run inside it, in process (the sources' `execute` unless `entry` says). */
export class Sandbox extends Folder {
  constructor(
    dir: string,
    private readonly entry: Entry = execute,
  ) {
    super(dir);
  }

  /** Runs `bbgov args...` in the folder; colours off and no BBGOV_* variables unless `env` says so. */
  async run(args: readonly string[], options: RunOptions = {}): Promise<Result> {
    const previous = process.cwd();
    process.chdir(this.dir);
    try {
      return await cli(args, { ...options, env: { NO_COLOR: "1", ...options.env } }, this.entry);
    } finally {
      process.chdir(previous);
    }
  }

  /** Runs and expects exit 0 with nothing on stderr; returns stdout. */
  async ok(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = await this.run(args, options);
    expect(result.stderr, `bbgov ${args.join(" ")}`).toBe("");
    expect(result.status, `bbgov ${args.join(" ")}`).toBe(0);
    return result.stdout;
  }

  /** Runs with --json and expects exit `status`; returns the parsed document. */
  async json<T = Record<string, unknown>>(args: readonly string[], status = 0, options: RunOptions = {}): Promise<T> {
    const result = await this.run(["--json", ...args], options);
    expect(result.status, `${result.stderr}`).toBe(status);
    expect(result.stdout).not.toMatch(ANSI);
    return JSON.parse(result.stdout) as T;
  }

  /**
   * Builds `governor.json` in two runs: `init --clock` (T0 unless given)
   * and, when there are commands, one `apply` of them.
   */
  async build(commands: readonly string[] = [], init: readonly string[] = ["--clock", String(T0)]): Promise<string> {
    await this.ok(["-q", "init", ...init]);
    if (commands.length > 0) await this.ok(["-q", "apply", "-"], { input: `${commands.join("\n")}\n` });
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

/** Temporary folders made by `tempDirs`; each is removed after its file's tests. */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/** Returns a factory of sandboxes; every folder it made is removed after the file's tests. */
export function sandboxes(): () => Sandbox {
  const dir = tempDirs("bbgov-cli-");
  return () => new Sandbox(dir());
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
