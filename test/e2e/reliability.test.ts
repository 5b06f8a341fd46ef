/**
 * Process-level proof of the "never loses data" promise: concurrent writers,
 * SIGKILL in the middle of writes, stale locks, unwritable folders and
 * read-only files, all against the built binary on real temp files.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { decodeSnapshot, emptySnapshot, encodeSnapshot } from "../../src/snapshot/index.js";

const BIN = path.resolve(__dirname, "../../bin/bbgov.js");
const PEER = "16uZAbWC1AJvL";

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "bbgov-rel-"));
  file = path.join(dir, "governor.json");
});

afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function bbgov(args: string[], options: { uid?: number; gid?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, "-s", file, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, ...options });
}

function bbgovAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "-s", file, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

function failuresOf(text: string, peer: string): number {
  const { snapshot } = decodeSnapshot(text);
  return snapshot.governor.peerHealth(PeerId.parse(peer))?.consecutiveFailures ?? 0;
}

/** A snapshot with `peers` tracked peers (health and backoff entries), about 300 bytes each. */
function largeSnapshotText(peers: number): string {
  const snapshot = emptySnapshot({ clockNs: 1_764_000_000_000_000_000n });
  for (let i = 1; i <= peers; i++) {
    const peer = PeerId.fromU64(BigInt(i) * 7919n);
    snapshot.governor.recordFailure(peer, snapshot.clockNs - BigInt(i));
    snapshot.backoff.recordFailure(peer, snapshot.clockNs - BigInt(i));
  }
  return encodeSnapshot(snapshot);
}

function lockHolder(pid: number, sinceMs = Date.now()): string {
  return JSON.stringify({ pid, host: os.hostname(), command: "fail", since_ms: sinceMs, token: "t" });
}

describe("reliability", { timeout: 120_000 }, () => {
  it("serializes concurrent writers: N parallel `fail` record exactly N failures", async () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const writers = 16;
    const results = await Promise.all(Array.from({ length: writers }, () => bbgovAsync(["-q", "fail", PEER])));
    for (const result of results) expect(result).toEqual({ status: 0, stderr: "" });
    expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(writers);
    expect(readdirSync(dir).sort()).toEqual(["governor.json"]);
  });

  it("keeps a valid snapshot, the old one or the new one, whenever a writer is SIGKILLed", async () => {
    writeFileSync(file, largeSnapshotText(20_000));
    let before = failuresOf(readFileSync(file, "utf8"), PEER);
    for (let round = 0; round < 8; round++) {
      const child = spawn(process.execPath, [BIN, "-s", file, "-q", "fail", PEER], { stdio: "ignore" });
      const closed = new Promise((resolve) => child.on("close", resolve));
      // Most rounds land inside the load-modify-write (about 1 s for this size), some before or after it.
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 900));
      child.kill("SIGKILL");
      await closed;
      const after = failuresOf(readFileSync(file, "utf8"), PEER);
      expect([before, before + 1]).toContain(after);
      before = after;
    }
    // The next writer takes over the dead writers' lock and cleans their temporary files.
    const result = bbgov(["-q", "fail", PEER]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(before + 1);
    expect(readdirSync(dir).sort()).toEqual(["governor.json"]);
  });

  it("takes over a lock left by a dead process at once", () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    writeFileSync(`${file}.lock`, lockHolder(dead));
    const result = bbgov(["-q", "--lock-timeout", "5s", "fail", PEER]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("waits for a live holder, then exits 2 naming it, with the file untouched", () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const original = readFileSync(file, "utf8");
    const holder = lockHolder(process.pid);
    writeFileSync(`${file}.lock`, holder);
    const result = bbgov(["--lock-timeout", "300ms", "fail", PEER]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^bbgov: the snapshot is locked by pid ${process.pid} .*gave up after 300 ms \\(.*governor\\.json\\.lock\\)\\n$`));
    expect(readFileSync(file, "utf8")).toBe(original);
    expect(readFileSync(`${file}.lock`, "utf8")).toBe(holder);
  });

  it("read-only commands never take the lock", () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    writeFileSync(`${file}.lock`, lockHolder(process.pid));
    expect(bbgov(["inspect"]).status).toBe(0);
    expect(bbgov(["validate"]).status).toBe(0);
    expect(bbgov(["check", PEER]).status).toBe(0);
  });

  it("refuses a read-only snapshot and leaves it intact", () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const original = readFileSync(file, "utf8");
    chmodSync(file, 0o444);
    const result = bbgov(["block", PEER]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^bbgov: cannot write the snapshot: it is read-only \(mode 0444\) \(.*governor\.json\)\n$/);
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("reports an unwritable folder and leaves the snapshot intact", () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const original = readFileSync(file, "utf8");
    // Root writes anywhere: run the write as `nobody` then.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      chmodSync(dir, 0o755);
      chownSync(file, 65534, 65534);
    }
    chmodSync(dir, 0o555);
    const result = bbgov(["block", PEER], asRoot ? { uid: 65534, gid: 65534 } : {});
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^bbgov: cannot write the snapshot: its folder is not writable \(permission denied\) \(.*\)\n$/);
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("keeps the permission bits and a symbolic link", () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    chmodSync(file, 0o600);
    const link = path.join(dir, "link.json");
    spawnSync("ln", ["-s", "governor.json", link]);
    const result = spawnSync(process.execPath, [BIN, "-s", link, "-q", "block", PEER], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["governor.json", "link.json"]);
    expect(spawnSync("readlink", [link], { encoding: "utf8" }).stdout.trim()).toBe("governor.json");
    expect(readFileSync(file, "utf8")).toContain(PEER);
    expect(spawnSync("stat", ["-c", "%a", file], { encoding: "utf8" }).stdout.trim()).toBe("600");
  });
});
