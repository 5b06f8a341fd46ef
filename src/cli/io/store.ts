/**
 * Reading and writing snapshot files. Reads decode UTF-8 strictly; writes go
 * to a temporary file in the same folder, are flushed to disk and renamed over
 * the target, so a crash leaves the old file or the new one, never a mix.
 *
 * Snapshots reach hundreds of megabytes, so a regular file is read with
 * synchronous calls (fs/promises reads in 512 KiB steps through the thread
 * pool); a text kind is checked with Node's native UTF-8/ASCII validators, and
 * an ASCII file (every canonical one) becomes a string by a plain copy. The
 * text is a copy, so `readBytes` hands the file's buffer on for reuse: the snapshot
 * written back, about as long, is encoded into it rather than into hundreds of
 * megabytes of fresh memory. Writes take bytes as they are. node:crypto is
 * loaded only when a write needs a temporary name, by `require` rather than
 * `import()`: bin/bbgov.js runs the bundle from V8's code cache through
 * node:vm, where Node 20 has no loader for a dynamic import.
 */
import { constants as bufferLimits, isAscii, isUtf8 } from "node:buffer";
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  promises as fs,
  readlinkSync,
  readSync,
  statSync,
  unlinkSync,
  type Stats,
} from "node:fs";
import path from "node:path";
import { IoError } from "../errors.js";
import { formatBytes } from "../render/format.js";
import { sanitize } from "../render/sanitize.js";
import { openRegularFile } from "./reuse.js";

/** The name `-` stands for standard input / standard output. */
export const STDIO = "-";

/**
 * The most bytes read from a regular file: what one buffer holds (Node 20's limit, 4 GiB; later Nodes allow more,
 * but a snapshot this size is out of reach anyway), less one for the byte that finds the end.
 */
export const MAX_FILE_BYTES = Math.min(bufferLimits.MAX_LENGTH, 2 ** 32) - 1;

/**
 * The most bytes read from standard input, a pipe or a device, which tell no size beforehand: without a bound,
 * `-s /dev/zero` (or `yes | bbgov -s - ...`) would take every byte of memory. A JSON snapshot is at most
 * MAX_STRING_LENGTH (512 MiB) anyway; a node snapshot this large (some nine million peers) is read from a file.
 */
export const MAX_STREAM_BYTES = 2 ** 30;

/** Reads a whole text file (or standard input for `-`), strictly UTF-8. */
export async function readText(file: string, stdin: AsyncIterable<Uint8Array | string>, what = "the snapshot"): Promise<string> {
  return textOf((await readBytes(file, stdin, what)).bytes, file, what);
}

/**
 * What a whole read is of, for the message when a pipe gives too much: the snapshot (`-s`), a command's file
 * argument (diff's other snapshot, import's file), or a fleet's script, held whole to be run on every file.
 */
export type ReadRole = "snapshot" | "argument" | "script";

/** How a whole read goes besides its file: the role of what is read, room to write back into, the bound for a pipe. */
export interface ReadOptions {
  /** What is read (the default: the snapshot given with `-s`). */
  readonly role?: ReadRole;
  /** A snapshot about to be written back: the buffer an eighth longer than the file. */
  readonly room?: boolean;
  /** The most bytes read from standard input, a pipe or a device (tests give a small one). */
  readonly maxStreamBytes?: number;
}

/**
 * Reads a whole file (or standard input for `-`) as bytes, whatever its kind,
 * in a buffer free for the caller to reuse; with `room`, a snapshot about to
 * be written back, an eighth longer than the file.
 */
export async function readBytes(
  file: string,
  stdin: AsyncIterable<Uint8Array | string>,
  what: string,
  { role = "snapshot", room = false, maxStreamBytes = MAX_STREAM_BYTES }: ReadOptions = {},
): Promise<{ bytes: Uint8Array; buffer: Uint8Array; identity?: FileIdentity }> {
  const limit = { maxBytes: maxStreamBytes, file, what, role };
  try {
    const read: { buffer: Buffer; length: number; identity?: FileIdentity } =
      file === STDIO ? whole(await readAll(stdin, limit)) : await readWhole(file, room ? 1 / 8 : 0, limit);
    const identity = read.identity === undefined ? {} : { identity: read.identity };
    return { bytes: read.buffer.subarray(0, read.length), buffer: read.buffer, ...identity };
  } catch (error) {
    throw ioError(error, "read", file, what);
  }
}

/**
 * The bytes of a file as strict UTF-8 text (a copy: the bytes may be reused after); more than `maxChars`
 * characters (the longest string V8 makes) is an error that says so, not a bug of bbgov's.
 */
export function textOf(bytes: Uint8Array, file: string, what = "the snapshot", maxChars = bufferLimits.MAX_STRING_LENGTH): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tooLong = (): IoError =>
    new IoError(
      `cannot read ${what}: ${formatBytes(buffer.length)} of text is more than the ${maxChars} characters a JavaScript string holds`,
      displayName(file),
    );
  // The same string as a strict TextDecoder (a byte order mark is kept), without its cost.
  if (isAscii(buffer)) {
    if (buffer.length > maxChars) throw tooLong();
    return buffer.toString("latin1");
  }
  if (!isUtf8(buffer)) throw new IoError(`cannot read ${what}: not UTF-8 text`, displayName(file));
  try {
    return buffer.toString("utf8");
  } catch (error) {
    if (isCode(error, "ERR_STRING_TOO_LONG")) throw tooLong();
    throw error;
  }
}

/** A read from standard input, a pipe or a device, bounded: what it reads and what to say when it gives too much. */
interface StreamLimit {
  readonly maxBytes: number;
  readonly file: string;
  readonly what: string;
  readonly role: ReadRole;
}

/** The error of a pipe that gave more than `maxBytes`: what was read, from where, and what to do instead. */
function streamTooLong({ maxBytes, file, what, role }: StreamLimit): IoError {
  const source = file === STDIO ? "standard input" : "a pipe or a device";
  // A snapshot this large is out of reach anyway; a script is only held whole because a fleet runs it on every
  // file, and from a file it is streamed, with no bound but its longest line.
  const bound =
    role === "script" ? "more than a fleet holds of a script to run on each file" : "larger than any snapshot bbgov reads from one";
  const advice =
    role === "script"
      ? `; save it to a file and give its name${file === STDIO ? " in place of -" : ""}`
      : file !== STDIO
        ? ""
        : role === "snapshot"
          ? "; save it to a file and give -s FILE"
          : "; save it to a file and give its name in place of -";
  return new IoError(`cannot read ${what}: more than ${maxBytes} bytes from ${source}, ${bound}${advice}`, displayName(file));
}

const whole = (buffer: Buffer): { buffer: Buffer; length: number } => ({ buffer, length: buffer.length });

/**
 * A whole file, in the first `length` bytes of a buffer `room` (a fraction of
 * its size) longer than it. A regular file is opened and read with synchronous
 * calls; anything else (a folder, a pipe that may keep us waiting) is read as
 * before, asynchronously, errors and all.
 */
async function readWhole(
  file: string,
  room: number,
  limit: StreamLimit,
): Promise<{ buffer: Buffer; length: number; identity: FileIdentity }> {
  // A regular file, the usual case, is opened and read without fs.promises, whose loading (readline and
  // friends) was ~1.5 ms of a small run. Anything else is never opened here: a FIFO opened and closed again
  // would let its writer go on with no reader.
  const opened = openRegularFile(file);
  if (opened === undefined) return readOther(file, room, limit);
  try {
    return readOpenFile(opened.fd, opened.stat, room, file, limit.what);
  } finally {
    closeSync(opened.fd);
  }
}

/** Anything but a regular file (a folder, a pipe that may keep us waiting), read asynchronously, errors and all. */
async function readOther(
  file: string,
  room: number,
  limit: StreamLimit,
): Promise<{ buffer: Buffer; length: number; identity: FileIdentity }> {
  const handle = await fs.open(file, "r");
  try {
    const stat = await handle.stat();
    const identity = { dev: stat.dev, ino: stat.ino };
    if (!stat.isFile()) return { ...whole(await readAll(handleChunks(handle), limit)), identity };
    return readOpenFile(handle.fd, stat, room, file, limit.what);
  } finally {
    await handle.close();
  }
}

/** A regular file open at `fd`, read with synchronous calls into a buffer `room` (a fraction of its size) longer than it. */
function readOpenFile(
  fd: number,
  stat: Stats,
  room: number,
  file: string,
  what: string,
): { buffer: Buffer; length: number; identity: FileIdentity } {
  const identity = { dev: stat.dev, ino: stat.ino };
  const fileTooLarge = (): IoError =>
    new IoError(
      `cannot read ${what}: it is ${formatBytes(stat.size)} (${stat.size} bytes); bbgov reads files of up to ${MAX_FILE_BYTES} bytes`,
      displayName(file),
    );
  if (stat.size > MAX_FILE_BYTES) throw fileTooLarge();
  // The room for the snapshot written back only where one buffer can hold it.
  let buffer = Buffer.allocUnsafeSlow(Math.min(stat.size + Math.ceil(stat.size * room), MAX_FILE_BYTES) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > MAX_FILE_BYTES) throw fileTooLarge();
      // The file grew while being read: keep reading into a bigger buffer.
      const bigger = Buffer.allocUnsafeSlow(Math.min(buffer.length * 2, MAX_FILE_BYTES + 1));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    // One read asks for at most 1 GiB: Node takes a length of 2 GiB or more as out of range (or, at 4 GiB, as 0).
    const read = readSync(fd, buffer, length, Math.min(buffer.length - length, READ_PIECE), null);
    if (read === 0) break;
    length += read;
  }
  return { buffer, length, identity };
}

/** True when `bytes` are the UTF-8 encoding of `text`; cheap when an ASCII text's length already differs. */
export function isEncodingOf(bytes: Uint8Array, text: string): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isAscii(buffer)) {
    if (buffer.length !== text.length) return false;
    // Compared a piece at a time: a whole second copy of a 37 MB text would raise the peak by as much.
    for (let at = 0; at < buffer.length; at += COMPARE_PIECE) {
      const end = Math.min(at + COMPARE_PIECE, buffer.length);
      if (buffer.toString("latin1", at, end) !== text.slice(at, end)) return false;
    }
    return true;
  }
  return buffer.toString("utf8") === text;
}

const COMPARE_PIECE = 1 << 16;

/** True when something exists at `file` (a file, a folder, a dangling link). */
export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Where `file` points when it is a symbolic link whose target does not exist, else undefined. */
export async function danglingLinkTarget(file: string): Promise<string | undefined> {
  try {
    if (!(await fs.lstat(file)).isSymbolicLink()) return undefined;
    await fs.stat(file);
    return undefined;
  } catch (error) {
    return isCode(error, "ENOENT") ? await fs.readlink(file).catch(() => undefined) : undefined;
  }
}

/** Where `file` leads when it is a symbolic link whose target does not exist (called once its read found no file). */
function danglingLinkTargetSync(file: string): string | undefined {
  try {
    return lstatSync(file).isSymbolicLink() ? readlinkSync(file) : undefined;
  } catch {
    return undefined;
  }
}

/** A file's identity: the same dev and ino is the same file, whatever its name. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** Where a write goes: the target resolved once, and the file found there when it was locked (null: none). */
export interface WriteTarget {
  readonly path: string;
  readonly identity?: FileIdentity | null;
  /** The refusal found before the lock, which was then not taken (writeCheck): the write gives it, whatever the file is now. */
  readonly refusal?: IoError;
}

/**
 * Resolves `file` to the path with no symbolic link in it, once, refusing any
 * link that the kernel's protected_symlinks rule would refuse to follow: a
 * link in a sticky world-writable folder (such as /tmp) owned by neither the
 * follower nor the folder's owner. Root's shell refuses those; so does bbgov,
 * whatever the sysctl says, because following one lets another user aim a
 * write by root. A missing last part is kept as it is (a file to create).
 */
export async function resolveTarget(file: string, what = "the snapshot"): Promise<string> {
  // `-s nodes/ init`, `-o out/`: a folder's name, which the split below would lose, and `nodes` be written as a file.
  if (/(^|\/)\.{0,2}$/.test(file) && file !== "") {
    throw new IoError(
      `cannot write ${what}: ${file} names a folder (it ends in ${file.endsWith("/") ? "/" : "."}); name the file to write, such as ${path.join(file, "governor.json")}`,
      displayName(file),
    );
  }
  // Not path.resolve: it reads `..` as a step back in the text, where the system steps back from where a link led
  // (`link/../x.json`, link leading elsewhere, is not `./x.json`: the write locked and aimed at the wrong file, and
  // refused as "replaced by another program"). Each `..` is taken below, on the path found so far.
  let pending = (path.isAbsolute(file) ? file : `${process.cwd()}/${file}`).split("/").filter((part) => part !== "");
  let current = "/";
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === ".") continue;
    if (name === "..") {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, name);
    let stat: Stats;
    try {
      stat = await fs.lstat(next);
    } catch (error) {
      if (isCode(error, "ENOENT")) return path.join(next, ...pending);
      throw ioError(error, "write", file, what);
    }
    if (!stat.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++hops > 40) throw ioError(Object.assign(new Error("loop"), { code: "ELOOP" }), "write", file, what);
    const folder = await fs.stat(current);
    const euid = process.geteuid?.() ?? -1;
    if ((folder.mode & 0o1002) === 0o1002 && stat.uid !== euid && stat.uid !== folder.uid) {
      throw new IoError(
        `cannot write ${what}: refusing to follow the symbolic link ${next},` +
          ` owned by uid ${stat.uid} in a sticky world-writable folder (the kernel's protected_symlinks rule)`,
        displayName(file),
      );
    }
    const link = await fs.readlink(next);
    if (link.startsWith("/")) current = "/";
    pending = [...link.split("/").filter((part) => part !== ""), ...pending];
  }
  return current;
}

/** The identity of the file at the resolved path `target`, or null when there is none. */
export async function identityOf(target: string, what = "the snapshot"): Promise<FileIdentity | null> {
  try {
    const { dev, ino } = await fs.lstat(target);
    return { dev, ino };
  } catch (error) {
    if (isCode(error, "ENOENT")) return null;
    throw ioError(error, "write", target, what);
  }
}

/**
 * A write to `x.lock` while a file `x` stands beside it would replace the lock file of `x` (`-s x.lock init --force`,
 * `export -o x.lock --force`, a slip of tab completion): a writer of `x` holding the lock on the old file and the next
 * one locking the new file would both run. Refused, --force or not, before anything is opened.
 */
export function refuseLockFileAsTarget(target: string): void {
  if (!target.endsWith(".lock")) return;
  const guarded = target.slice(0, -".lock".length);
  if (!isRegularFile(guarded)) return;
  const name = path.basename(guarded);
  throw new IoError(`${name}.lock is the lock file of ${name}, not a snapshot or an output: name another file`, target);
}

function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Replaces `file` atomically with `text` (a string, or its UTF-8 bytes). The
 * new file is written beside the target and renamed over it, keeping the old
 * one's mode, owner, group and extended attributes (ACLs included), or the
 * write is refused; a file with several hard links is refused, since the
 * rename would split them. With a locked `target`, the write goes to its
 * resolved path, and only if the file there is still the one locked. Its errors name
 * what is written `what` (`completion -o` writes a script).
 */
export async function writeTextAtomic(file: string, text: string | Uint8Array, target?: WriteTarget, what = "the snapshot"): Promise<void> {
  if (target?.refusal !== undefined) throw target.refusal;
  const resolved = target?.path ?? (await resolveTarget(file, what));
  refuseLockFileAsTarget(resolved);
  const dir = path.dirname(resolved);
  // The name need not be secret: the file is created with "wx", which fails rather than follow or reuse
  // anything already there. Math.random spares every write node:crypto (and the stream modules it loads).
  const random = Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, "0");
  const temp = path.join(dir, `${tempPrefix(resolved)}${process.pid}-${random}.tmp`);
  await removeStaleTemps(resolved);
  let old: Stats | undefined;
  try {
    old = await fs.lstat(resolved);
  } catch (error) {
    if (!isCode(error, "ENOENT")) throw ioError(error, "write", file, what);
  }
  const expected = target?.identity === undefined ? (old === undefined ? null : { dev: old.dev, ino: old.ino }) : target.identity;
  if (old?.isDirectory() === true) throw ioError(Object.assign(new Error("is a folder"), { code: "EISDIR" }), "write", file, what);
  if (old !== undefined && !old.isFile()) throw notRegularFile(file, what);
  const mode = old === undefined ? 0o644 : old.mode & 0o7777;
  // Renaming over a file works whatever its mode; a snapshot marked read-only is the user's "do not touch".
  if ((mode & 0o222) === 0) throw readOnlyFile(mode, file, what);
  const linked = old === undefined ? undefined : hardLinked(old, file, what);
  if (linked !== undefined) throw linked;
  // Ctrl-C or SIGTERM midway removes the temporary file: the locked path's handler through endBySignal, a write
  // without a lock (export -o) through its own, held only while the temporary file exists.
  tempsInProgress.add(temp);
  const unlocked = SIGNALS.filter((signal) => process.listenerCount(signal) === 0);
  for (const signal of unlocked) process.once(signal, removeTempAndEnd);
  try {
    const handle = await fs.open(temp, "wx", mode);
    try {
      await handle.writeFile(text);
      if (old !== undefined) await keepOwner(handle, old, file, what);
      await handle.chmod(mode);
      if (old !== undefined) await keepAttributes(resolved, handle.fd, file, what);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const now = await identityOf(resolved, what);
    if (!sameIdentity(now, expected)) {
      throw new IoError(
        `cannot write ${what}: the file was replaced by another program while bbgov worked on it; nothing written`,
        displayName(file),
      );
    }
    await fs.rename(temp, resolved);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => {});
    if (error instanceof IoError) throw error;
    throw ioError(error, "write", file, what);
  } finally {
    tempsInProgress.delete(temp);
    for (const signal of unlocked) process.off(signal, removeTempAndEnd);
  }
  await syncDirectory(dir);
}

/** The temporary files of the writes in progress. */
const tempsInProgress = new Set<string>();

/** The signals that end bbgov midway (Ctrl-C, a supervisor, a closed terminal): a held lock is released, a write's temporary file removed. */
export const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Removes the temporary files of writes that a signal ends midway (gone already once renamed: nothing then). */
export function removeTempInProgressSync(): void {
  for (const temp of tempsInProgress) {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed over the snapshot a moment ago, or never created: nothing is left behind either way.
    }
  }
  tempsInProgress.clear();
}

/** A write's own signal handler (a `once` listener, gone by now): the temporary file removed, then the signal's own end. */
function removeTempAndEnd(signal: NodeJS.Signals): void {
  removeTempInProgressSync();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** True when both name the same file (or both none). */
export function sameIdentity(a: FileIdentity | null, b: FileIdentity | null): boolean {
  return a === null || b === null ? a === b : a.dev === b.dev && a.ino === b.ino;
}

/** Gives the new file the old one's owner and group, or refuses: a snapshot root edits must stay its owner's. */
async function keepOwner(handle: fs.FileHandle, old: Stats, file: string, what: string): Promise<void> {
  const mine = await handle.stat();
  if (mine.uid === old.uid && mine.gid === old.gid) return;
  try {
    await handle.chown(old.uid, old.gid);
  } catch (error) {
    throw ownerNotKept(old, writeReason(error, file, what), file, what);
  }
}

/** Why a write failed, without the message's "cannot write WHAT: " (a refusal quotes it in its own words). */
function writeReason(error: unknown, file: string, what: string): string {
  const message = ioError(error, "write", file, what).message;
  const prefix = `cannot write ${what}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

// The write's refusals, also given by a fleet's check phase, which finds them before the first file is written.

/** `file` is there but is no regular file (a FIFO, a device): it cannot be replaced by a snapshot. */
export function notRegularFile(file: string, what = "the snapshot"): IoError {
  return new IoError(`cannot write ${what}: it is not a regular file`, displayName(file));
}

/** `file` has no write bit (`mode`, its permission bits): the user's "do not touch". */
export function readOnlyFile(mode: number, file: string, what = "the snapshot"): IoError {
  return new IoError(`cannot write ${what}: it is read-only (mode ${mode.toString(8).padStart(4, "0")})`, displayName(file));
}

/** The new file cannot be given the old one's owner and group (only root may give a file away). */
export function ownerNotKept(owner: { uid: number; gid: number }, reason: string, file: string, what = "the snapshot"): IoError {
  return new IoError(
    `cannot write ${what}: cannot keep its owner and group ${owner.uid}:${owner.gid} (${reason}); nothing written`,
    displayName(file),
  );
}

/**
 * Copies every extended attribute of the old file (its ACL is one,
 * system.posix_acl_access) onto the new one, or refuses. Without the native
 * module no attribute can be listed, and the new file has none.
 */
async function keepAttributes(resolved: string, tempFd: number, file: string, what: string): Promise<void> {
  const { nativeFs } = await import("./native.js");
  const native = nativeFs();
  if (native instanceof Error) return;
  let oldFd: number | undefined;
  let name = "";
  try {
    oldFd = openSync(resolved, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    let names: string[];
    try {
      names = native.listAttrsSync(oldFd);
    } catch (error) {
      // A file system without extended attributes (NFSv3, some FUSE): there is nothing to keep.
      if (isCode(error, "ENOTSUP") || isCode(error, "EOPNOTSUPP") || isCode(error, "ENOSYS")) return;
      throw error;
    }
    for (name of names) {
      const value = native.getAttrSync(oldFd, name);
      if (value === null) continue;
      const present = native.getAttrSync(tempFd, name);
      if (present !== null && Buffer.compare(Buffer.from(present), Buffer.from(value)) === 0) continue;
      native.setAttrSync(tempFd, name, value);
    }
  } catch (error) {
    const attributes = name === "" ? "its extended attributes" : `its extended attribute ${name}`;
    throw new IoError(
      `cannot write ${what}: cannot keep ${attributes} (${writeReason(error, file, what)}); nothing written`,
      displayName(file),
    );
  } finally {
    if (oldFd !== undefined) closeSync(oldFd);
  }
}

/** Temporary files of a write to `target` are named `.<name>.bbgov-<pid>-<random>.tmp`, beside it. */
function tempPrefix(target: string): string {
  return `.${path.basename(target)}.bbgov-`;
}

/**
 * Removes temporary files left by writers that were killed mid-write (their
 * pid is gone). A temp file's name carries its writer's pid, and a live
 * writer's pid is never gone, so this is safe with or without the lock
 * (`export -o` writes without one).
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

/** Writes `text` (a string, or its UTF-8 bytes) to standard output or atomically to a file (at `target` when locked). */
export async function writeOutput(
  file: string,
  text: string | Uint8Array,
  stdout: NodeJS.WritableStream,
  target?: WriteTarget,
): Promise<void> {
  if (file === STDIO) {
    // Bytes go out as they are: a node snapshot is binary.
    stdout.write(typeof text === "string" ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength));
    return;
  }
  await writeTextAtomic(file, text, target);
}

/** How a file is named in messages: sanitised, since a name may hold escape sequences. */
export function displayName(file: string): string {
  return file === STDIO ? "standard input" : sanitize(file);
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

/** Every chunk of `stream` (standard input for `-`, else the pipe or device `file`), refused as soon as they are more than `limit.maxBytes`. */
async function readAll(stream: AsyncIterable<Uint8Array | string>, limit: StreamLimit): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > limit.maxBytes) throw streamTooLong(limit);
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks);
}

/** The bytes of an open file that is not a regular one (a pipe, a device), a chunk at a time until its end. */
async function* handleChunks(handle: fs.FileHandle): AsyncGenerator<Uint8Array> {
  // One buffer to read into, each read's bytes copied out: a pipe gives 64 KiB at a time, and a view of a
  // fresh 1 MiB buffer per read would keep sixteen times the input alive.
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
    if (bytesRead === 0) return;
    yield Buffer.from(buffer.subarray(0, bytesRead));
  }
}

const READ_CHUNK = 1 << 20;
const READ_PIECE = 1 << 30;

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
  // The rarer ones in words too, each with its code for a search.
  EIO: "input/output error (EIO: a failing disk or a lost network mount?)",
  ENXIO: "no such device or address (ENXIO: a socket, or a device with nothing behind it, is no file)",
  ENODEV: "no such device (ENODEV)",
  EBUSY: "device or resource busy (EBUSY)",
  ETXTBSY: "the file is busy (ETXTBSY)",
  EFBIG: "file too large for the file system (EFBIG)",
  ESTALE: "stale file handle (ESTALE: the network mount lost the file)",
  EAGAIN: "resource temporarily unavailable (EAGAIN)",
  EINVAL: "invalid argument (EINVAL)",
};

/**
 * Wraps a Node file-system error (one with a `code`) into a one-line IoError;
 * anything else is a bug in bbgov, returned as it is so it is reported as one.
 */
export function ioError(error: unknown, action: "read" | "write", file: string, what = "the snapshot"): Error {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== "string") return error instanceof Error ? error : new Error(String(error));
  // A folder listed a name that is not valid UTF-8: it came back with U+FFFD in it, and no file has that name.
  if (code === "ENOENT" && file.includes("\uFFFD")) {
    return new IoError(
      `cannot ${action} ${what}: its name is not valid UTF-8 (bbgov opens files by their UTF-8 names); rename it`,
      displayName(file),
    );
  }
  // Creating or renaming a file fails with ENOENT when its folder is missing: that folder is what to fix.
  const reason =
    code === "ENOENT" && action === "write" ? `the folder ${displayName(path.dirname(file))} does not exist` : (REASONS[code] ?? code);
  // A symbolic link to nothing (a fleet folder's link to a node's file that is gone): `ls` shows the name, and
  // "no such file; create one with `bbgov init`" named neither the link nor what it leads to.
  const to = code === "ENOENT" && action === "read" ? danglingLinkTargetSync(file) : undefined;
  if (to !== undefined) {
    const create = what === "the snapshot" ? "; create it with `bbgov init --force`" : "";
    return new IoError(
      `cannot ${action} ${what}: it is a symbolic link to ${sanitize(to)}, which does not exist${create}`,
      displayName(file),
    );
  }
  // A name the shell left as typed is the likelier mistake than a missing file: say so before suggesting init.
  const typo = code === "ENOENT" ? nameTypo(file) : undefined;
  const hint =
    typo !== undefined
      ? `; ${typo}`
      : action === "read" && code === "ENOENT" && what === "the snapshot"
        ? "; create one with `bbgov init`"
        : "";
  return new IoError(`cannot ${action} ${what}: ${reason}${hint}`, displayName(file));
}

/** What in a path that names nothing was likely not meant: a `~` or `{a,b}` no shell expanded, a space at an end of a name. */
function nameTypo(file: string): string | undefined {
  if (file === "~" || file.startsWith("~/")) return "bbgov does not expand ~ (a shell does, in an unquoted word): write $HOME/ instead";
  // Braces are a shell's, not a glob's: a quoted `nodes/{eu-1,us-1}/node.snap` reached bbgov as typed.
  if (/\{[^{}]*,[^{}]*\}/.test(file)) return "bbgov does not expand {a,b} (a shell does, in an unquoted word): give -s once for each name";
  if (/^\s|\s$/.test(path.basename(file)) || /^\s/.test(file))
    return `the name ${JSON.stringify(path.basename(file))} begins or ends with a space`;
  return undefined;
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

/**
 * Checks a write before a lock file is made beside its target. Refused at once, with the read's or the write's
 * own error: a snapshot `source` to load that is not there (a mistyped -s), a
 * `target` that is a folder, no regular file or in a missing folder; no
 * stray `.lock` is left.
 * No lock for a target the write must refuse whatever it would write
 * (writeRefusal): a lock file made by a user who cannot write the file would
 * shut its owner out, and a command that changes nothing writes nothing.
 * That refusal is returned, for the write to give (WriteTarget.refusal) even
 * if the file is made writable meanwhile: it would be written unlocked;
 * undefined says to take the lock.
 */
export async function writeCheck(source: string | undefined, target: string): Promise<IoError | undefined> {
  if (source !== undefined && source !== STDIO) {
    try {
      await fs.stat(source);
    } catch (error) {
      throw ioError(error, "read", source);
    }
  }
  const found = await fs.stat(target).catch((error: unknown) => (isCode(error, "ENOENT") ? undefined : null));
  if (found?.isDirectory() === true) throw ioError(Object.assign(new Error("is a folder"), { code: "EISDIR" }), "write", target);
  // A FIFO (or a shell's <(...)) can be read once, and never replaced: refused before it is read.
  if (found !== undefined && found !== null && !found.isFile()) throw notRegularFile(target);
  if (found === undefined && !(await exists(path.dirname(target)))) {
    throw ioError(Object.assign(new Error("no folder"), { code: "ENOENT" }), "write", target);
  }
  return found === undefined || found === null ? undefined : writeRefusal(found, target);
}

/**
 * Why a write must refuse the existing `file` (`stat`) whatever it would
 * write, if it must: the file belongs to another user and bbgov is not root
 * (only root may give the new file its owner: keepOwner), or it has no write
 * bit (the user's "do not touch").
 */
export function writeRefusal(stat: Stats, file: string): IoError | undefined {
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && stat.uid !== uid) return ownerNotKept(stat, "operation not permitted", file);
  if ((stat.mode & 0o222) === 0) return readOnlyFile(stat.mode & 0o7777, file);
  return undefined;
}

/**
 * The refusal of a write over `target` (a path resolveTarget gave) whose folder cannot be written: the lock file and the atomic
 * write's temporary file are made there. Asked before a fleet's first write (a read-only folder, a read-only mount),
 * where the lock found it midway, after other files were written.
 */
export async function folderWriteRefusal(target: string): Promise<IoError | undefined> {
  const folder = path.dirname(target);
  try {
    await fs.access(folder, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const reason = ioError(error, "write", folder).message.replace(/^cannot write the snapshot: /, "");
    return new IoError(`cannot write the snapshot: its folder is not writable (${reason})`, folder);
  }
}

/** The refusal of a write over `file` (`stat`) that has several hard links: the rename would split them. */
export function hardLinked(stat: Stats, file: string, what = "the snapshot"): IoError | undefined {
  if (stat.nlink <= 1) return undefined;
  return new IoError(
    `cannot write ${what}: it has ${stat.nlink} hard links, and replacing it would split them; remove the other links or write a copy with --out`,
    displayName(file),
  );
}

/** Whether `file` is something -o would replace: it exists and is not a folder (a folder gets the write's own error). */
export async function existsAsFile(file: string): Promise<boolean> {
  try {
    return !(await fs.stat(file)).isDirectory();
  } catch {
    return exists(file); // a dangling link is still in the way
  }
}
