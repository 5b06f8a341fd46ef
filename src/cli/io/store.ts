/**
 * Reading and writing snapshot files. Reads decode UTF-8 strictly; writes go
 * to a temporary file in the same folder, are flushed to disk and renamed over
 * the target, so a crash leaves the old file or the new one, never a mix.
 *
 * Snapshots reach hundreds of megabytes, so a regular file is read with
 * synchronous calls (fs/promises reads in 512 KiB steps through the thread
 * pool), checked with Node's native UTF-8/ASCII validators, and an ASCII file
 * (every canonical one) becomes a string by a plain copy. The text is a copy,
 * so `readSnapshotText` hands the file's buffer on for reuse: the snapshot
 * written back, about as long, is encoded into it rather than into hundreds of
 * megabytes of fresh memory. Writes take bytes as they are. node:crypto is
 * loaded only when a write needs a temporary name.
 */
import { isAscii, isUtf8 } from "node:buffer";
import { promises as fs, readSync } from "node:fs";
import path from "node:path";
import { IoError } from "../errors.js";

/** The name `-` stands for standard input / standard output. */
export const STDIO = "-";

/** Reads a whole text file (or standard input for `-`), strictly UTF-8. */
export async function readText(
  file: string,
  stdin: AsyncIterable<Uint8Array | string>,
  what = "the snapshot",
): Promise<string> {
  return (await readTextAndBuffer(file, stdin, what, 0)).text;
}

/**
 * Reads a snapshot file (or standard input for `-`) as readText does, and
 * gives its buffer too, free for the caller to reuse (nothing else refers to
 * it: the text is a copy); with `room`, an eighth longer than the file.
 */
export async function readSnapshotText(
  file: string,
  stdin: AsyncIterable<Uint8Array | string>,
  room: boolean,
): Promise<{ text: string; buffer: Uint8Array }> {
  return readTextAndBuffer(file, stdin, "the snapshot", room ? 1 / 8 : 0);
}

async function readTextAndBuffer(
  file: string,
  stdin: AsyncIterable<Uint8Array | string>,
  what: string,
  room: number,
): Promise<{ text: string; buffer: Uint8Array }> {
  let read: { buffer: Buffer; length: number };
  try {
    read = file === STDIO ? whole(await readAll(stdin)) : await readWhole(file, room);
  } catch (error) {
    throw ioError(error, "read", file, what);
  }
  const { buffer } = read;
  const bytes = buffer.subarray(0, read.length);
  // The same string as a strict TextDecoder (a byte order mark is kept), without its cost.
  if (isAscii(bytes)) return { text: bytes.toString("latin1"), buffer };
  if (!isUtf8(bytes)) throw new IoError(`cannot read ${what}: not UTF-8 text`, displayName(file));
  return { text: bytes.toString("utf8"), buffer };
}

const whole = (buffer: Buffer): { buffer: Buffer; length: number } => ({ buffer, length: buffer.length });

/**
 * A whole file, in the first `length` bytes of a buffer `room` (a fraction of
 * its size) longer than it. A regular file is read with synchronous calls on
 * the handle; anything else (a folder, a pipe that may keep us waiting) is
 * read as before, asynchronously, errors and all.
 */
async function readWhole(file: string, room: number): Promise<{ buffer: Buffer; length: number }> {
  const handle = await fs.open(file, "r");
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return whole(await handle.readFile());
    let buffer = Buffer.allocUnsafeSlow(stat.size + Math.ceil(stat.size * room) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        // The file grew while being read: keep reading into a bigger buffer.
        const bigger = Buffer.allocUnsafeSlow(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const read = readSync(handle.fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return { buffer, length };
  } finally {
    await handle.close();
  }
}

/** True when `bytes` are the UTF-8 encoding of `text`; cheap when an ASCII text's length already differs. */
export function isEncodingOf(bytes: Uint8Array, text: string): boolean {
  if (isAscii(bytes) && bytes.length !== text.length) return false;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8") === text;
}

/** True when something exists at `file` (a file, a folder, a dangling link). */
export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Replaces `file` atomically with `text` (a string, or its UTF-8 bytes), keeping its permission bits and following a symlink. */
export async function writeTextAtomic(file: string, text: string | Uint8Array): Promise<void> {
  const target = await resolveLink(file);
  const dir = path.dirname(target);
  const { randomBytes } = await import("node:crypto");
  const temp = path.join(dir, `${tempPrefix(target)}${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  await removeStaleTemps(target);
  let mode = 0o644;
  try {
    const stat = await fs.stat(target);
    if (stat.isDirectory()) throw Object.assign(new Error("is a folder"), { code: "EISDIR" });
    mode = stat.mode & 0o7777;
  } catch (error) {
    if (!isCode(error, "ENOENT")) throw ioError(error, "write", file);
  }
  // Renaming over a file works whatever its mode; a snapshot marked read-only is the user's "do not touch".
  if ((mode & 0o222) === 0) {
    throw new IoError(`cannot write the snapshot: it is read-only (mode ${mode.toString(8).padStart(4, "0")})`, file);
  }
  try {
    const handle = await fs.open(temp, "wx", mode);
    try {
      await handle.writeFile(text);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => {});
    throw ioError(error, "write", file);
  }
  await syncDirectory(dir);
}

/** Temporary files of a write to `target` are named `.<name>.bbgov-<pid>-<random>.tmp`, beside it. */
function tempPrefix(target: string): string {
  return `.${path.basename(target)}.bbgov-`;
}

/**
 * Removes temporary files left by writers that were killed mid-write (their
 * pid is gone). Called under the snapshot's lock, so no live writer of ours
 * is using them.
 */
async function removeStaleTemps(target: string): Promise<void> {
  const dir = path.dirname(target);
  const prefix = tempPrefix(target);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      await fs.rm(path.join(dir, name), { force: true }).catch(() => {});
    }
  }
}

/** True when a process with this pid exists (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, "EPERM");
  }
}

/** Writes `text` (a string, or its UTF-8 bytes) to standard output or atomically to a file. */
export async function writeOutput(file: string, text: string | Uint8Array, stdout: NodeJS.WritableStream): Promise<void> {
  if (file === STDIO) {
    stdout.write(typeof text === "string" ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString("utf8"));
    return;
  }
  await writeTextAtomic(file, text);
}

/** How a file is named in messages. */
export function displayName(file: string): string {
  return file === STDIO ? "standard input" : file;
}

async function resolveLink(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    return file;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // Some file systems refuse to fsync a directory; the rename is done either way.
  } finally {
    await handle?.close();
  }
}

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is not a folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EMFILE: "too many open files",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "file name too long",
};

/** Wraps a Node file-system error into a one-line IoError. */
export function ioError(error: unknown, action: "read" | "write", file: string, what = "the snapshot"): IoError {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const reason = typeof code === "string" ? (REASONS[code] ?? code) : error instanceof Error ? error.message : String(error);
  const hint = action === "read" && code === "ENOENT" && what === "the snapshot" ? "; create one with `bbgov init`" : "";
  return new IoError(`cannot ${action} ${what}: ${reason}${hint}`, displayName(file));
}

/** Whether two paths name the same file (after links); false when either does not exist. */
export async function sameFile(a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  try {
    const [first, second] = await Promise.all([fs.stat(a), fs.stat(b)]);
    return first.dev === second.dev && first.ino === second.ino;
  } catch {
    return false;
  }
}

/** Whether `file` is something -o would replace: it exists and is not a folder (a folder gets the write's own error). */
export async function existsAsFile(file: string): Promise<boolean> {
  try {
    return !(await fs.stat(file)).isDirectory();
  } catch {
    return exists(file); // a dangling link is still in the way
  }
}
