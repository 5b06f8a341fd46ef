/**
 * An exclusive lock on a snapshot for the whole load-modify-write of a
 * command, so concurrent bbgov processes never lose an update.
 *
 * The lock is the kernel's advisory lock (an open file description lock on
 * Linux, flock elsewhere) on `<snapshot>.lock`, a file that is created once
 * and never deleted. The kernel drops the lock when its holder's descriptor
 * closes, so a killed or crashed holder releases it at once, and a paused one
 * (SIGSTOP, a slow disk) keeps it: there is no staleness guess and no
 * takeover. The file's content (pid, host, command, time) only names the
 * holder in the message of a process that gives up waiting; an empty or
 * garbled file means nothing. Waiting is a poll of non-blocking tries, so
 * `--lock-timeout` bounds it, and the file is opened without following a
 * link and without blocking, so a FIFO, a folder or a link there is an error
 * at once rather than a hang.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  statSync,
  writeSync,
  type Stats,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { IoError, LockError } from "../errors.js";
import { formatDuration } from "../render/format.js";
import { nativeFs, type NativeFs } from "./native.js";
import { ioError, refuseLockFileAsTarget } from "./store.js";

/** What a lock file says about its holder. */
interface Holder {
  pid: number;
  host: string;
  command: string;
  since_ms: number;
}

/** A held lock; `release` is idempotent. */
export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
  /** Synchronous release for signal handlers. */
  releaseSync(): void;
}

/** The lock file that guards the (already resolved) snapshot path `target`. */
export function lockPathFor(target: string): string {
  return `${target}.lock`;
}

/** Takes the lock on the resolved path `target`, waiting up to `timeoutMs`; throws LockError naming the holder when it cannot. */
export async function acquireLock(target: string, command: string, timeoutMs: number): Promise<HeldLock> {
  const native = nativeFs();
  const lockPath = lockPathFor(target);
  refuseLockFileAsTarget(target);
  if (native instanceof Error) {
    throw new LockError(`cannot lock the snapshot: file locks are not available here (${native.message.split("\n")[0] ?? ""})`, lockPath);
  }
  const fd = openLockFile(lockPath, target);
  const deadline = Date.now() + timeoutMs;
  let delayMs = 5;
  try {
    for (;;) {
      if (tryLock(native, fd, lockPath)) {
        writeHolder(fd, { pid: process.pid, host: os.hostname(), command, since_ms: Date.now() });
        return held(native, fd, lockPath);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw busy(lockPath, readHolder(fd), timeoutMs);
      await sleep(Math.min(delayMs, left));
      delayMs = Math.min(delayMs * 2, 100);
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Why the lock of the (resolved) snapshot path `target` cannot be taken, whoever holds it: its lock file is a link,
 * a folder, a FIFO or not writable. Takes no lock and makes no file (a missing lock file is made by the lock, in a
 * folder that must be writable: folderWriteRefusal). A fleet change asks it before its first write.
 */
export function lockFileRefusal(target: string): Error | undefined {
  const lockPath = lockPathFor(target);
  let fd: number;
  try {
    fd = openSync(lockPath, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return isCode(error, "ENOENT") ? undefined : lockOpenError(error, lockPath, "its lock file");
  }
  try {
    const stat = fstatSync(fd);
    return stat.isFile()
      ? undefined
      : new LockError(`cannot lock the snapshot: its lock file is ${kindOf(stat)}, not a regular file; remove it`, lockPath);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens (or creates) the lock file for reading and writing, refusing a link,
 * a FIFO, a device or a folder. A new lock file gets the snapshot's mode
 * (read/write bits) and, when root creates it, the snapshot's owner: whoever
 * may write the snapshot may take its lock.
 */
function openLockFile(lockPath: string, target: string): number {
  const flags = constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const model = statOrUndefined(target) ?? statOrUndefined(path.dirname(target));
  // The owner may always take the lock, even of a snapshot marked read-only (whose write is then refused by name).
  const mode = model?.isFile() === true ? (model.mode & 0o666) | 0o600 : 0o644;
  let fd: number;
  let created = false;
  try {
    fd = openSync(lockPath, flags | constants.O_CREAT | constants.O_EXCL, mode);
    created = true;
  } catch (error) {
    if (!isCode(error, "EEXIST")) throw lockOpenError(error, lockPath, "its folder");
    try {
      fd = openSync(lockPath, flags);
    } catch (again) {
      throw lockOpenError(again, lockPath, "its lock file");
    }
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new LockError(`cannot lock the snapshot: its lock file is ${kindOf(stat)}, not a regular file; remove it`, lockPath);
  }
  if (created) {
    try {
      // The mode as meant, not as the umask cut it: a group that may write the snapshot may lock it.
      fchmodSync(fd, mode);
      if (process.geteuid?.() === 0 && model !== undefined && (model.uid !== 0 || model.gid !== 0)) fchownSync(fd, model.uid, model.gid);
    } catch {
      // The lock works all the same; only another user's later use of it is at stake.
    }
  }
  return fd;
}

function tryLock(native: NativeFs, fd: number, lockPath: string): boolean {
  try {
    return native.tryLock(fd);
  } catch (error) {
    throw new LockError(
      `cannot lock the snapshot: ${ioError(error, "write", lockPath).message.replace(/^cannot write the snapshot: /, "")}`,
      lockPath,
    );
  }
}

function held(native: NativeFs, fd: number, lockPath: string): HeldLock {
  let released = false;
  const releaseSync = (): void => {
    if (released) return;
    released = true;
    try {
      // Empty while free: a name in the file always belongs to a holder that was live.
      ftruncateSync(fd, 0);
    } catch {
      // The lock goes with the descriptor either way.
    }
    try {
      native.unlock(fd);
    } finally {
      closeSync(fd);
    }
  };
  return {
    path: lockPath,
    release: async () => releaseSync(),
    releaseSync,
  };
}

function writeHolder(fd: number, holder: Holder): void {
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, JSON.stringify(holder), 0);
  } catch {
    // A full disk here only leaves the holder unnamed; the lock itself is held.
  }
}

function readHolder(fd: number): Holder | undefined {
  try {
    const buffer = Buffer.alloc(4096);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const parsed = JSON.parse(buffer.subarray(0, length).toString("utf8")) as Partial<Holder>;
    if (typeof parsed !== "object" || parsed === null || typeof parsed.pid !== "number") return undefined;
    return {
      pid: parsed.pid,
      host: typeof parsed.host === "string" ? parsed.host : "?",
      command: typeof parsed.command === "string" ? parsed.command : "?",
      since_ms: typeof parsed.since_ms === "number" ? parsed.since_ms : Date.now(),
    };
  } catch {
    return undefined;
  }
}

function busy(lockPath: string, holder: Holder | undefined, timeoutMs: number): LockError {
  // --lock-timeout 0 (or under a millisecond) tries once: "gave up after 0 ns" would read as a wait that was cut short.
  const gaveUp =
    timeoutMs === 0 ? "did not wait (--lock-timeout under 1 ms)" : `gave up after ${formatDuration(BigInt(timeoutMs) * 1_000_000n)}`;
  if (holder === undefined) return new LockError(`the snapshot is locked by another process; ${gaveUp}`, lockPath);
  const age = formatDuration(BigInt(Math.max(Math.trunc(Date.now() - holder.since_ms), 0)) * 1_000_000n);
  return new LockError(
    `the snapshot is locked by pid ${holder.pid} on ${holder.host || "?"} (bbgov ${holder.command}, for ${age}); ${gaveUp}`,
    lockPath,
  );
}

function lockOpenError(error: unknown, lockPath: string, which: string): Error {
  if (isCode(error, "ELOOP")) return new LockError("cannot lock the snapshot: its lock file is a symbolic link; remove it", lockPath);
  if (isCode(error, "EISDIR")) return new LockError("cannot lock the snapshot: its lock file is a folder; remove it", lockPath);
  if (isCode(error, "EACCES") || isCode(error, "EPERM") || isCode(error, "EROFS")) {
    const reason = ioError(error, "write", lockPath).message.replace(/^cannot write the snapshot: /, "");
    return new IoError(
      `cannot write the snapshot: ${which} is not writable (${reason})`,
      which === "its folder" ? path.dirname(lockPath) : lockPath,
    );
  }
  return ioError(error, "write", lockPath, "the snapshot's lock");
}

/** What a file that is not a regular file is, for a message ("a FIFO", "a device", ...). */
export function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isDirectory()) return "a folder";
  return "not a file";
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
