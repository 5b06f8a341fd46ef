/**
 * Reading and writing snapshot files. Reads decode UTF-8 strictly; writes go
 * to a temporary file in the same folder, are flushed to disk and renamed over
 * the target, so a crash leaves the old file or the new one, never a mix.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
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
  let bytes: Uint8Array;
  try {
    bytes = file === STDIO ? await readAll(stdin) : await fs.readFile(file);
  } catch (error) {
    throw ioError(error, "read", file, what);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new IoError(`cannot read ${what}: not UTF-8 text`, displayName(file));
  }
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

/** Replaces `file` atomically with `text`, keeping its permission bits and following a symlink. */
export async function writeTextAtomic(file: string, text: string): Promise<void> {
  const target = await resolveLink(file);
  const dir = path.dirname(target);
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
      await handle.writeFile(text, "utf8");
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

/** Writes `text` to standard output or atomically to a file. */
export async function writeOutput(file: string, text: string, stdout: NodeJS.WritableStream): Promise<void> {
  if (file === STDIO) {
    stdout.write(text);
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

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
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
