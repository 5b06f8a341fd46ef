/**
 * Process-level proof of the "never loses data" promise: racing writers,
 * SIGKILL in the middle of writes, a paused holder, odd lock files,
 * unwritable folders and read-only files, all against the built binary on
 * real temp files.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
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
  return JSON.stringify({ pid, host: os.hostname(), command: "fail", since_ms: sinceMs });
}

function readFileSyncOr(name: string): string {
  try {
    return readFileSync(name, "utf8");
  } catch {
    return "";
  }
}

const NATIVE = createRequire(import.meta.url).resolve("fs-native-extensions");

/** A process that takes the kernel lock on `lockPath` as bbgov does, writes `content` there and holds it until killed. */
async function holdLock(lockPath: string, content: string): Promise<ChildProcess> {
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

const ROOT = path.resolve(__dirname, "../..");

/**
 * A world-readable copy of what the built bin needs (bin/, the bundle, package.json and the runtime packages
 * it loads), in a temporary folder of its own; returns its bin/bbgov.js.
 */
function portableBin(): string {
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

describe("reliability", { timeout: 120_000 }, () => {
  it("serializes 20 racers on a lock whose holder is killed: exactly N updates, and again", async () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    let expected = 0;
    // The second round is smaller only to keep the suite quick: each racer is a whole process.
    for (const racers of [20, 6]) {
      const holder = await holdLock(`${file}.lock`, lockHolder(999_999));
      const results = Array.from({ length: racers }, () => bbgovAsync(["-q", "--lock-timeout", "60s", "fail", PEER]));
      // Let the racers start and queue on the lock (a scheduling aid, nothing is timed), then kill its holder.
      await new Promise((resolve) => setTimeout(resolve, 700));
      holder.kill("SIGKILL");
      for (const result of await Promise.all(results)) expect(result).toEqual({ status: 0, stderr: "" });
      expected += racers;
      expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(expected);
    }
    expect(readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock"]);
  });

  it("keeps a valid snapshot, the old one or the new one, whenever a writer is SIGKILLed", async () => {
    writeFileSync(file, largeSnapshotText(20_000));
    let before = failuresOf(readFileSync(file, "utf8"), PEER);
    for (let round = 0; round < 8; round++) {
      const child = spawn(process.execPath, [BIN, "-s", file, "-q", "fail", PEER], { stdio: "ignore" });
      const closed = new Promise((resolve) => child.on("close", resolve));
      // Most rounds land inside the load-modify-write (about 0.3 s for this size), some before or after it.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 330));
      child.kill("SIGKILL");
      await closed;
      const after = failuresOf(readFileSync(file, "utf8"), PEER);
      expect([before, before + 1]).toContain(after);
      before = after;
    }
    // The next writer finds the dead writers' lock free at once and cleans their temporary files.
    const result = bbgov(["-q", "--lock-timeout", "0", "fail", PEER]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(before + 1);
    expect(readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock"]);
  });

  it("a paused holder (SIGSTOP) never loses its lock, however long it sleeps", async () => {
    writeFileSync(file, largeSnapshotText(20_000));
    const before = failuresOf(readFileSync(file, "utf8"), PEER);
    const child = spawn(process.execPath, [BIN, "-s", file, "-q", "fail", PEER], { stdio: "ignore" });
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    // Stop it as soon as it names itself in the lock file: it holds the lock from then until it writes.
    while (!readFileSyncOr(`${file}.lock`).includes(`"pid":${child.pid}`)) await new Promise((resolve) => setTimeout(resolve, 2));
    child.kill("SIGSTOP");
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const other = bbgov(["--lock-timeout", "700ms", "fail", PEER]);
        expect(other.status).toBe(2);
        expect(other.stderr).toMatch(
          new RegExp(
            `^bbgov: the snapshot is locked by pid ${child.pid} on .*\\(bbgov fail, for .*\\); gave up after 700 ms \\(.*governor\\.json\\.lock\\)\\n$`,
          ),
        );
      }
    } finally {
      child.kill("SIGCONT");
    }
    expect(await closed).toBe(0);
    expect(bbgov(["-q", "--lock-timeout", "0", "fail", PEER]).status).toBe(0);
    expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(before + 2);
  });

  it("a lock file left with a dead holder's name, empty or garbled is free at once", () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    let expected = 0;
    for (const content of [lockHolder(dead), "", "\u0000garbage{{{"]) {
      writeFileSync(`${file}.lock`, content);
      const result = bbgov(["-q", "--lock-timeout", "0", "fail", PEER]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(failuresOf(readFileSync(file, "utf8"), PEER)).toBe(++expected);
      expect(readFileSync(`${file}.lock`, "utf8")).toBe("");
    }
  });

  it.each([
    ["a FIFO", () => spawnSync("mkfifo", [`${file}.lock`]), "its lock file is a FIFO, not a regular file; remove it"],
    ["a folder", () => mkdirSync(`${file}.lock`), "its lock file is a folder; remove it"],
    [
      "a dangling symbolic link",
      () => symlinkSync(path.join(dir, "nowhere"), `${file}.lock`),
      "its lock file is a symbolic link; remove it",
    ],
  ])("a lock path that is %s is a clean error within the timeout, the snapshot untouched", (_name, make, message) => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const original = readFileSync(file, "utf8");
    rmSync(`${file}.lock`);
    make();
    const result = spawnSync(process.execPath, [BIN, "-s", file, "--lock-timeout", "2s", "block", PEER], {
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`bbgov: cannot lock the snapshot: ${message} (${file}.lock)\n`);
    expect(readFileSync(file, "utf8")).toBe(original);
    expect(existsSync(path.join(dir, "nowhere"))).toBe(false);
  });

  it("waits for a live holder, then exits 2 naming it, with the file untouched", async () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const original = readFileSync(file, "utf8");
    const text = lockHolder(4242);
    const holder = await holdLock(`${file}.lock`, text);
    try {
      const result = bbgov(["--lock-timeout", "300ms", "fail", PEER]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^bbgov: the snapshot is locked by pid 4242 .*gave up after 300 ms \(.*governor\.json\.lock\)\n$/);
      expect(readFileSync(file, "utf8")).toBe(original);
      expect(readFileSync(`${file}.lock`, "utf8")).toBe(text);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("a really full disk (a small tmpfs): one line, exit 2, the snapshot and folder as they were", (ctx) => {
    const mount = path.join(dir, "small");
    mkdirSync(mount);
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", mount], { encoding: "utf8" });
    if (mounted.status !== 0) {
      console.log(`skipped: cannot mount a small tmpfs here (${(mounted.stderr ?? String(mounted.error)).trim()})`);
      ctx.skip();
    }
    try {
      const target = path.join(mount, "governor.json");
      expect(spawnSync(process.execPath, [BIN, "-s", target, "-q", "init"]).status).toBe(0);
      const original = readFileSync(target, "utf8");
      try {
        writeFileSync(path.join(mount, "filler"), Buffer.alloc(1 << 20));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
      }
      const result = spawnSync(process.execPath, [BIN, "-s", target, "fail", PEER, "--times", "50"], { encoding: "utf8" });
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(`bbgov: cannot write the snapshot: no space left on the device (${target})\n`);
      expect(readFileSync(target, "utf8")).toBe(original);
      expect(readdirSync(mount).sort()).toEqual(["filler", "governor.json", "governor.json.lock"]);
    } finally {
      spawnSync("umount", [mount]);
    }
  });

  it("read-only commands never take the lock", async () => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const holder = await holdLock(`${file}.lock`, lockHolder(process.pid));
    try {
      expect(bbgov(["inspect"]).status).toBe(0);
      expect(bbgov(["validate"]).status).toBe(0);
      expect(bbgov(["check", PEER]).status).toBe(0);
    } finally {
      holder.kill("SIGKILL");
    }
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

  it("reports an unwritable folder and leaves the snapshot intact", (ctx) => {
    expect(bbgov(["init", "-q"]).status).toBe(0);
    const original = readFileSync(file, "utf8");
    // Root writes anywhere: run the write as `nobody` then, from a copy of the built bin that nobody can read
    // (the checkout itself may sit where nobody cannot enter, such as /root or a mktemp -d folder).
    const asRoot = process.getuid?.() === 0;
    let bin = BIN;
    if (asRoot) {
      chmodSync(dir, 0o755);
      chownSync(file, 65534, 65534);
      bin = portableBin();
      const probe = spawnSync(process.execPath, [bin, "--version"], { uid: 65534, gid: 65534, cwd: dir, encoding: "utf8" });
      if (probe.status !== 0) {
        console.log(
          `skipped: uid 65534 cannot run a copy of bbgov in ${path.dirname(path.dirname(bin))} (${probe.stderr.trim() || String(probe.error)})`,
        );
        ctx.skip();
      }
    }
    // No lock file yet: it is the folder that refuses to hold one.
    rmSync(`${file}.lock`);
    chmodSync(dir, 0o555);
    const result = spawnSync(process.execPath, [bin, "-s", file, "block", PEER], {
      encoding: "utf8",
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
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
    expect(readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock", "link.json"]);
    expect(spawnSync("readlink", [link], { encoding: "utf8" }).stdout.trim()).toBe("governor.json");
    expect(readFileSync(file, "utf8")).toContain(PEER);
    expect(spawnSync("stat", ["-c", "%a", file], { encoding: "utf8" }).stdout.trim()).toBe("600");
  });
});
