/**
 * What the reliability files share (kills and pauses, locks, odd paths): the
 * built binary run on a snapshot in a temporary folder of each test, a lock
 * holder in another process, big snapshots and what is in them.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { decodeSnapshot, emptySnapshot, encodeSnapshot } from "../../src/snapshot/index.js";

export const BIN = path.resolve(__dirname, "../../bin/bbgov.js");
export const ROOT = path.resolve(__dirname, "../..");
export const PEER = "16uZAbWC1AJvL";

/** Each test's folder and the snapshot path in it (the folder is made before and removed after every test). */
export interface Place {
  dir: string;
  file: string;
}

/** Gives every test of the calling file a fresh temporary folder, `place.dir`, with `place.file` its governor.json. */
export function freshFolders(): Place {
  const place: Place = { dir: "", file: "" };
  beforeEach(() => {
    place.dir = mkdtempSync(path.join(os.tmpdir(), "bbgov-rel-"));
    place.file = path.join(place.dir, "governor.json");
  });
  afterEach(() => {
    chmodSync(place.dir, 0o755);
    rmSync(place.dir, { recursive: true, force: true });
  });
  return place;
}

/**
 * A world-readable copy of what the built bin needs (bin/, the bundle, package.json and the runtime packages
 * it loads), in a temporary folder of its own, removed after the calling file's tests; returns its bin/bbgov.js.
 * Another user (root's tests run it as uid 65534) can run it wherever the checkout sits.
 */
export function portableBin(): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), "bbgov-portable-"));
  copies.push(copy);
  for (const part of ["bin", path.join("dist", "bundle"), "package.json"])
    cpSync(path.join(ROOT, part), path.join(copy, part), { recursive: true });
  const pending = ["fs-native-extensions"];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const from = path.join(ROOT, "node_modules", name);
    cpSync(from, path.join(copy, "node_modules", name), { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(from, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    pending.push(...Object.keys(manifest.dependencies ?? {}));
  }
  openUp(copy);
  return path.join(copy, "bin", "bbgov.js");
}

/** Read and search permission for everyone on a whole tree. */
function openUp(entry: string): void {
  const stat = lstatSync(entry);
  if (stat.isSymbolicLink()) return;
  chmodSync(entry, stat.isDirectory() ? 0o755 : stat.mode | 0o444);
  if (stat.isDirectory()) for (const name of readdirSync(entry)) openUp(path.join(entry, name));
}

const copies: string[] = [];
afterAll(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

/** Runs the built `bbgov -s file args...` to its end, colours off. */
export function bbgov(file: string, args: string[], options: { uid?: number; gid?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, "-s", file, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, ...options });
}

/** Starts the built `bbgov -s file args...`; `done` gives its exit status and standard error. */
export function bbgovAsync(
  file: string,
  args: string[],
): { child: ChildProcess; done: Promise<{ status: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, "-s", file, ...args], { env: { ...process.env, NO_COLOR: "1" } });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, done: new Promise((resolve) => child.on("close", (status) => resolve({ status, stderr }))) };
}

/** The consecutive failures of `peer` in a snapshot's text (decoding it whole, so a damaged text throws). */
export function failuresOf(text: string, peer: string): number {
  const { snapshot } = decodeSnapshot(text);
  return snapshot.governor.peerHealth(PeerId.parse(peer))?.consecutiveFailures ?? 0;
}

/** A snapshot with `peers` tracked peers (health and backoff entries), about 300 bytes each. */
export function largeSnapshotText(peers: number): string {
  const snapshot = emptySnapshot({ clockNs: 1_764_000_000_000_000_000n });
  for (let i = 1; i <= peers; i++) {
    const peer = PeerId.fromU64(BigInt(i) * 7919n);
    snapshot.governor.recordFailure(peer, snapshot.clockNs - BigInt(i));
    snapshot.backoff.recordFailure(peer, snapshot.clockNs - BigInt(i));
  }
  return encodeSnapshot(snapshot);
}

/**
 * Writes an empty snapshot at `file`, what `bbgov init` writes, without a process: these tests are about
 * what comes after (no lock file exists yet).
 */
export function writeEmptySnapshot(file: string): void {
  writeFileSync(file, encodeSnapshot(emptySnapshot({ clockNs: 1_764_000_000_000_000_000n })));
}

/** What a lock file says while `pid` holds it. */
export function lockHolder(pid: number, sinceMs = Date.now()): string {
  return JSON.stringify({ pid, host: os.hostname(), command: "fail", since_ms: sinceMs });
}

/** The file's text, or "" when it cannot be read. */
export function readFileSyncOr(name: string): string {
  try {
    return readFileSync(name, "utf8");
  } catch {
    return "";
  }
}

const NATIVE = createRequire(import.meta.url).resolve("fs-native-extensions");

/** A process that takes the kernel lock on `lockPath` as bbgov does, writes `content` there and holds it until killed. */
export async function holdLock(lockPath: string, content: string): Promise<ChildProcess> {
  const script = `
    const native = require(${JSON.stringify(NATIVE)});
    const fs = require("node:fs");
    const fd = fs.openSync(process.argv[1], fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    if (!native.tryLock(fd)) process.exit(3);
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, process.argv[2], 0);
    process.stdout.write("held\\n");
    setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ["-e", script, lockPath, content], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return child;
}

/** Whether process `pid` has `file` open (Linux's /proc); undefined where /proc cannot tell. */
export function hasOpen(pid: number, file: string): boolean | undefined {
  const fds = `/proc/${pid}/fd`;
  let names: string[];
  try {
    names = readdirSync(fds);
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      if (readlinkSync(path.join(fds, name)) === file) return true;
    } catch {
      // Closed while we looked.
    }
  }
  return false;
}

/** Polls `condition` every `everyMs` until it holds or `maxMs` have passed (then carries on: a scheduling aid, nothing is timed). */
export async function waitFor(condition: () => boolean, maxMs: number, everyMs = 5): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!condition() && Date.now() < deadline) await pause(everyMs);
}

/** Resolves after `ms` milliseconds. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
