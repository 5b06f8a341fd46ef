/**
 * An exclusive lock on a snapshot for the whole load-modify-write of a
 * command, so concurrent bbgov processes never lose an update.
 *
 * The lock is a file `<snapshot>.lock` created with O_EXCL, holding who took
 * it (pid, host, command, time, a random token). The holder refreshes its
 * mtime while it works. A lock is stale when its process is gone (same host)
 * or it has not been refreshed for STALE_AFTER_MS (another host, or a reused
 * pid); a stale lock is renamed aside, checked to still be the one judged
 * stale, and removed, then taking the lock is tried again. Release removes
 * the file only if it still holds our token.
 */
import { randomBytes } from "node:crypto";
import { promises as fs, readFileSync, unlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { IoError, LockError } from "../errors.js";
import { formatDuration } from "../render/format.js";
import { ioError, processAlive } from "./store.js";

/** How long a lock may go unrefreshed before another process may take it over. */
export const STALE_AFTER_MS = 30_000;
const REFRESH_EVERY_MS = 5_000;

/** What a lock file says about its holder. */
interface Holder {
  pid: number;
  host: string;
  command: string;
  since_ms: number;
  token: string;
}

/** A held lock; `release` is idempotent. */
export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
  /** Synchronous release for signal handlers. */
  releaseSync(): void;
}

/** The lock file that guards `file` (next to the real file when `file` is a symbolic link). */
export async function lockPathFor(file: string): Promise<string> {
  let real = file;
  try {
    real = await fs.realpath(file);
  } catch {
    // A snapshot that does not exist yet is locked by its own name.
  }
  return `${real}.lock`;
}

/** Takes the lock on `file`, waiting up to `timeoutMs`; throws LockError naming the holder when it cannot. */
export async function acquireLock(file: string, command: string, timeoutMs: number): Promise<HeldLock> {
  const lockPath = await lockPathFor(file);
  const me: Holder = { pid: process.pid, host: os.hostname(), command, since_ms: Date.now(), token: randomBytes(8).toString("hex") };
  const deadline = Date.now() + timeoutMs;
  let delayMs = 10;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, "wx", 0o644);
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      return held(lockPath, me.token);
    } catch (error) {
      if (!isCode(error, "EEXIST")) throw lockIoError(error, lockPath);
    }
    const holder = await readHolder(lockPath);
    if (holder !== undefined && (await isStale(lockPath, holder))) {
      await takeOver(lockPath, holder);
      continue;
    }
    if (Date.now() >= deadline) throw busy(lockPath, holder, timeoutMs);
    await sleep(Math.min(delayMs, Math.max(deadline - Date.now(), 1)) * (0.5 + Math.random()));
    delayMs = Math.min(delayMs * 2, 200);
  }
}

function held(lockPath: string, token: string): HeldLock {
  let released = false;
  const refresh = setInterval(() => {
    const now = new Date();
    fs.utimes(lockPath, now, now).catch(() => {});
  }, REFRESH_EVERY_MS);
  refresh.unref();
  const ours = (text: string): boolean => {
    try {
      return (JSON.parse(text) as Partial<Holder>).token === token;
    } catch {
      return false;
    }
  };
  return {
    path: lockPath,
    async release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      try {
        if (ours(await fs.readFile(lockPath, "utf8"))) await fs.unlink(lockPath);
      } catch {
        // Already gone (taken over as stale): nothing of ours to remove.
      }
    },
    releaseSync() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      try {
        if (ours(readFileSync(lockPath, "utf8"))) unlinkSync(lockPath);
      } catch {
        // Nothing to release.
      }
    },
  };
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(lockPath, "utf8")) as Partial<Holder>;
    return {
      pid: typeof parsed.pid === "number" ? parsed.pid : -1,
      host: typeof parsed.host === "string" ? parsed.host : "",
      command: typeof parsed.command === "string" ? parsed.command : "?",
      since_ms: typeof parsed.since_ms === "number" ? parsed.since_ms : 0,
      token: typeof parsed.token === "string" ? parsed.token : "",
    };
  } catch (error) {
    if (isCode(error, "ENOENT")) return undefined;
    // Unreadable or half-written: judge it by its age alone.
    return { pid: -1, host: "", command: "?", since_ms: 0, token: "" };
  }
}

async function isStale(lockPath: string, holder: Holder): Promise<boolean> {
  let stale = holder.host === os.hostname() && holder.pid > 0 && !processAlive(holder.pid);
  if (!stale) {
    try {
      const { mtimeMs } = await fs.stat(lockPath);
      stale = Date.now() - mtimeMs > STALE_AFTER_MS;
    } catch {
      return false;
    }
  }
  // The holder may have released the lock and exited since we read it, and
  // another process taken it: only the lock we judged, still there, is stale.
  return stale && (await readHolder(lockPath))?.token === holder.token;
}

async function takeOver(lockPath: string, stale: Holder): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await fs.rename(lockPath, aside);
  } catch {
    return; // Someone else moved or released it first.
  }
  const moved = await readHolder(aside);
  if (moved !== undefined && moved.token !== stale.token) {
    // Between our look and our rename a live process took the lock: put it back.
    await fs.link(aside, lockPath).catch(() => {});
  }
  await fs.unlink(aside).catch(() => {});
}

function busy(lockPath: string, holder: Holder | undefined, timeoutMs: number): LockError {
  const waited = formatDuration(BigInt(timeoutMs) * 1_000_000n);
  if (holder === undefined) return new LockError(`the snapshot stayed locked; gave up after ${waited}`, lockPath);
  const age = formatDuration(BigInt(Math.max(Date.now() - holder.since_ms, 0)) * 1_000_000n);
  return new LockError(
    `the snapshot is locked by pid ${holder.pid} on ${holder.host || "?"} (bbgov ${holder.command}, for ${age}); gave up after ${waited}`,
    lockPath,
  );
}

function lockIoError(error: unknown, lockPath: string): Error {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    const reason = ioError(error, "write", lockPath).message.replace(/^cannot write the snapshot: /, "");
    return new IoError(`cannot write the snapshot: its folder is not writable (${reason})`, path.dirname(lockPath));
  }
  return ioError(error, "write", lockPath, "the snapshot's lock");
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
