/**
 * Which files a fleet is (issue 15): `-s` given several times, a folder (its
 * `*.json`, `*.snap` and `*.bin` files, not its dot files, not recursive) or a
 * quoted glob that bbgov expands itself (`*`, `?`, `[...]`, `**`, never a `.lock`; Node 20 has
 * no fs.glob, and the expander is small enough to keep). One plain `-s FILE`
 * is no fleet: `main` keeps its single-file path, byte for byte.
 *
 * Each file gets a short node label: the node's own peer id when the file has
 * one (a node snapshot's `config.peer_id`, read from the file's first bytes),
 * else its path relative to the fleet's common folder; two nodes with the same
 * id are both named by their paths.
 */
import { closeSync, lstatSync, readSync, realpathSync, statSync } from "node:fs";
import { promises as fs } from "node:fs";
import path from "node:path";
import { multihashProblem, PeerId } from "../../core/peer-id.js";
import { openRegularFile } from "../io/reuse.js";
import { UsageError } from "../errors.js";
import { ioError, STDIO } from "../io/store.js";

/** The file names a folder contributes to a fleet. */
export const FLEET_EXTENSIONS = [".json", ".snap", ".bin"] as const;

/** One file of a fleet. */
export interface FleetFile {
  /** The path as bbgov opens it. */
  readonly path: string;
  /** The path relative to the fleet's common folder. */
  readonly relative: string;
  /** The node's label in output: its peer id, or `relative`. */
  readonly label: string;
}

const GLOB_CHARS = /[*?[]/;

/** The name of a write's temporary file (io/store.ts): `.<name>.bbgov-<pid>-<random>.tmp`. */
const BBGOV_TEMP = /^\..+\.bbgov-\d+-[^/]*\.tmp$/;

/** What is at `file`: a folder, a file (or a link, or anything else), or undefined for nothing. */
export function pathExists(file: string): "file" | "folder" | undefined {
  try {
    return lstatSync(file).isDirectory() ? "folder" : "file";
  } catch {
    return undefined;
  }
}

/** True when the `-s` values name a fleet rather than one file (several values, a folder, a glob with no such file). */
export function isFleetRequest(values: readonly string[]): boolean {
  if (values.length > 1) return true;
  const [only] = values;
  if (only === undefined || only === STDIO) return false;
  try {
    return statSync(only).isDirectory();
  } catch {
    return GLOB_CHARS.test(only);
  }
}

/**
 * For init and import, which create their file: true when the one `-s` value is a pattern that matches nothing, so
 * it is the new file's name (as a shell passes such a pattern on as typed), not a fleet. A pattern that matches a
 * file or a folder stays a fleet (and is refused), as does one ending in `/`, which names folders.
 */
export async function isNewFileName(values: readonly string[]): Promise<boolean> {
  const [only] = values;
  if (values.length !== 1 || only === undefined || only === STDIO || only.endsWith("/") || !GLOB_CHARS.test(only)) return false;
  // Something there that stat cannot follow (a dangling link): the name is taken as typed, and creating says what it is.
  if ((await fs.lstat(only).catch(() => undefined)) !== undefined) return true;
  const { files, folders } = await patternMatches(only);
  return files + folders === 0;
}

/** How many files and folders `pattern` matches; a pattern that cannot match (a range that runs backwards) matches none. */
export async function patternMatches(pattern: string): Promise<{ files: number; folders: number }> {
  try {
    return { files: (await expandGlob(pattern)).length, folders: (await expandGlob(pattern, "folders")).length };
  } catch (error) {
    if (error instanceof UsageError) return { files: 0, folders: 0 };
    throw error;
  }
}

/** Expands the `-s` values into the fleet's files, in a stable order, each once. */
export async function expandSources(values: readonly string[]): Promise<string[]> {
  // Each file once is sameFilesOnce's to judge, by what the path reaches: `link/../x.json` is not `x.json` when link
  // leads elsewhere, which a key of the path as written (path.resolve) took for one and dropped.
  const files: string[] = [];
  for (const value of values) {
    if (value === STDIO) throw new UsageError("standard input cannot be part of a fleet", "-s -");
    const stat = await fs.stat(value).catch(() => undefined);
    if (stat?.isDirectory() === true) {
      const names = await folderSnapshots(value);
      if (names.length === 0)
        throw new UsageError(
          `no snapshot in the folder (files ending ${FLEET_EXTENSIONS.join(", ")})${await subfolderHint(value)}`,
          `-s ${value}`,
        );
      files.push(...names);
    } else if (stat === undefined && GLOB_CHARS.test(value) && value.endsWith("/")) {
      // A pattern ending in / names folders, as in a shell: each one's snapshots, as `-s FOLDER` takes them.
      const matches: string[] = [];
      for (const folder of await expandGlob(value, "folders")) matches.push(...(await folderSnapshots(folder)));
      if (matches.length === 0)
        throw new UsageError(`no snapshot in the folders the pattern matches (files ending ${FLEET_EXTENSIONS.join(", ")})`, `-s ${value}`);
      files.push(...matches);
    } else if (stat === undefined && GLOB_CHARS.test(value)) {
      const matches = await expandGlob(value);
      if (matches.length === 0) {
        const folders = (await expandGlob(value, "folders")).length;
        // A pattern that matched bbgov's own files alone: "no file matches" where ls shows some.
        const own = folders === 0 ? (await expandGlob(value, "files", true)).length : 0;
        const hint =
          folders > 0
            ? ` (it matches ${folders} folder(s): end it with / for the snapshots in them)`
            : own > 0
              ? " (it matches only bbgov's own lock or temporary files, which are never nodes)"
              : "";
        throw new UsageError(`no file matches the pattern${hint}`, `-s ${value}`);
      }
      files.push(...matches);
    } else files.push(value); // a file, or a missing one: reading it says what is wrong, by name
  }
  return sameFilesOnce(files);
}

/** A folder's snapshots as a fleet takes them: its `*.json`, `*.snap` and `*.bin` files, not its dot files, sorted. */
/**
 * For a folder with no snapshot of its own whose subfolders hold some (`nodes/<node>/node.snap`, a common layout):
 * the pattern that takes them, quoted for the shell; "" otherwise.
 */
async function subfolderHint(folder: string): Promise<string> {
  const subfolders = (await fs.readdir(folder, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .map((entry) => inFolder(folder, entry.name));
  for (const subfolder of subfolders) {
    if ((await folderSnapshots(subfolder).catch(() => [])).length > 0) {
      const pattern = `${folder.endsWith("/") ? folder : `${folder}/`}*/`;
      return `; its subfolders hold some: -s ${shellWord(pattern)}`;
    }
  }
  return "";
}

/**
 * A path as one shell word, quoted when it holds anything but the usual characters (a pattern's `*` too): a message
 * that says what to pass to -s (a re-run's files, a folder's pattern) gives it ready to paste. Not sanitized.
 */
export function shellWord(file: string): string {
  return /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replaceAll("'", "'\\''")}'`;
}

async function folderSnapshots(folder: string): Promise<string[]> {
  // A folder that cannot be listed (another user's, mode 700) is named as such: it was an "internal error", "a bug in bbgov".
  const listed = await fs.readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    throw ioError(error, "read", folder, "the folder");
  });
  const entries = listed.filter(
    (entry) =>
      !entry.name.startsWith(".") && FLEET_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && (entry.isFile() || entry.isSymbolicLink()),
  );
  // A link to a FIFO is no snapshot, and reading one with no writer would wait forever; nor is a link to a device or
  // a socket, as a glob finds (a link to /dev/tty waited for the terminal, one to /dev/zero read 1 GB) (a link to a
  // folder, or a dangling one, is read and named as unreadable). Only links are followed to see: the rest are regular files.
  const kept = await Promise.all(
    entries.map((entry) =>
      entry.isFile()
        ? true
        : fs.stat(inFolder(folder, entry.name)).then(
            (target) => target.isFile() || target.isDirectory(),
            () => true,
          ),
    ),
  );
  return entries
    .filter((_entry, index) => kept[index])
    .map((entry) => entry.name)
    .sort()
    .map((name) => inFolder(folder, name));
}

/**
 * The files with each file once, however it is reached: by another path, a
 * symbolic link, or a hard link (same device and inode). A fleet command must
 * not record an event twice on one file.
 */
async function sameFilesOnce(files: readonly string[]): Promise<string[]> {
  const identities = await Promise.all(files.map((file) => fs.stat(file).catch(() => undefined)));
  const seen = new Set<string>();
  return files.filter((file, index) => {
    const stat = identities[index];
    const key = stat === undefined ? `path:${physicalPath(file)}` : `inode:${stat.dev}:${stat.ino}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The files (or, given "folders", the folders) matching a glob pattern, sorted; `**` is any number of folders,
 * `*` and `?` never match a leading dot.
 */
export async function expandGlob(pattern: string, want: "files" | "folders" = "files", own = false): Promise<string[]> {
  const absolute = pattern.startsWith("/");
  const parts = pattern.split("/").filter((part) => part !== "" && part !== ".");
  // Each segment made a matcher first: a wrong one is refused whatever the folders hold, never found midway.
  const matchers = new Map(
    parts.filter((part) => part !== "**" && GLOB_CHARS.test(part)).map((part) => [part, globSegment(part, pattern)]),
  );
  const results: string[] = [];
  const walk = async (base: string, rest: readonly string[]): Promise<void> => {
    const [head, ...tail] = rest;
    if (head === undefined) {
      const stat = await fs.stat(base || ".").catch(() => undefined);
      if (want === "files" ? stat?.isFile() === true : stat?.isDirectory() === true && base !== "") results.push(base);
      return;
    }
    const join = (name: string): string => (base === "" ? (absolute ? `/${name}` : name) : base === "/" ? `/${name}` : `${base}/${name}`);
    if (head === "**") {
      await walk(base, tail);
      for (const entry of await entries(base, absolute)) {
        if (entry.name.startsWith(".")) continue;
        // `**` never follows a link to a folder: a link back up would loop, or reach a file twice.
        if (entry.dir && !entry.link) await walk(join(entry.name), rest);
        else if (entry.dir) continue;
        else if (tail.length === 0 && want === "files") results.push(join(entry.name)); // a trailing `**`: every file below
      }
      return;
    }
    if (!GLOB_CHARS.test(head)) {
      await walk(join(head), tail);
      return;
    }
    const matcher = matchers.get(head) ?? globSegment(head, pattern);
    for (const entry of await entries(base, absolute)) {
      if (!matcher.test(entry.name)) continue;
      if (tail.length > 0 && !entry.dir) continue;
      await walk(join(entry.name), tail);
    }
  };
  await walk(absolute ? "/" : "", parts);
  // A lock file beside each snapshot (`node.snap.lock`) is bbgov's own, never a node; so is a write's temporary file
  // (`.node.snap.bbgov-<pid>-<random>.tmp`, which a pattern of dot files matched: another run's write half done).
  // (`own`: those alone, for the message of a pattern that matched no node.)
  return [...new Set(results)].filter((file) => (file.endsWith(".lock") || BBGOV_TEMP.test(path.basename(file))) === own).sort();
}

async function entries(base: string, absolute: boolean): Promise<{ name: string; dir: boolean; link: boolean }[]> {
  const folder = base === "" ? (absolute ? "/" : ".") : base;
  try {
    const list = await fs.readdir(folder, { withFileTypes: true });
    const out: { name: string; dir: boolean; link: boolean }[] = [];
    for (const entry of list) {
      let dir = entry.isDirectory();
      const link = entry.isSymbolicLink();
      if (link) dir = (await fs.stat(inFolder(folder, entry.name)).catch(() => undefined))?.isDirectory() === true;
      out.push({ name: entry.name, dir, link });
    }
    return out;
  } catch {
    return [];
  }
}

/** One path segment of a glob as a regular expression: `*`, `?`, `[abc]`, `[a-z]`, `[!x]` (or `[^x]`). */
export function globSegment(segment: string, pattern = segment): RegExp {
  let source = segment.startsWith(".") ? "" : "(?!\\.)";
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] as string;
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close === -1) {
        source += "\\[";
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith("!") || body.startsWith("^");
      if (negated) body = body.slice(1);
      source += `[${negated ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else source += char.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    // The only way a segment makes no expression (was: "internal error: SyntaxError ... a bug in bbgov").
    throw new UsageError(
      `invalid pattern: a range in brackets runs backwards in ${JSON.stringify(segment)}; write it low to high, as [a-z]`,
      `-s ${pattern}`,
    );
  }
}

/** Labels the fleet's files: node peer ids where the files hold one (unique), else paths relative to the common folder. */
export function labelFiles(files: readonly string[]): FleetFile[] {
  const absolute = files.map(physicalPath);
  const common = commonFolder(absolute);
  const ids = files.map(nodePeerIdOf);
  const counts = new Map<string, number>();
  for (const id of ids) if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  const relatives = files.map((file, index) => path.relative(common, absolute[index] as string) || path.basename(file));
  // A label names one node (--json's by_node is keyed by it): a peer id that is another file's path (a file named
  // after a node) is no label either; both went by one name, and by_node kept one of the two.
  const paths = new Set(relatives);
  return files.map((file, index) => {
    const relative = relatives[index] as string;
    const id = ids[index];
    const unique = id !== undefined && counts.get(id) === 1 && (id === relative || !paths.has(id));
    return { path: file, relative, label: unique ? id : relative };
  });
}

/**
 * The absolute path of `file` as the system finds it. path.resolve reads `..` as a step back in the text, but the
 * system steps back from where a link led: `link/../x.json`, link leading elsewhere, is another file than `x.json`
 * (which were one node, the second never read, and both labelled `x.json`). A path with no `..` is left as written,
 * its links kept (their names are what the operator knows them by).
 */
export function physicalPath(file: string): string {
  if (!file.split(/[\\/]/).includes("..")) return path.resolve(file);
  try {
    // The native call: fs.realpathSync itself first reads the path with path.resolve, `..` as text.
    return path.join(realpathSync.native(path.dirname(file)), path.basename(file));
  } catch {
    return path.resolve(file);
  }
}

/**
 * `name` in `folder`, joined as text when `folder` steps back: path.join reads a `..` in `folder` as a step back in the text, so `-s link/..`
 * (link leading elsewhere) listed the folder the system reached and then read the files of the same names here.
 */
function inFolder(folder: string, name: string): string {
  if (!folder.split("/").includes("..")) return path.join(folder, name);
  return folder.endsWith("/") ? `${folder}${name}` : `${folder}/${name}`;
}

/** The deepest folder that holds every file. */
export function commonFolder(absolutePaths: readonly string[]): string {
  const [first, ...rest] = absolutePaths.map((file) => path.dirname(file).split(path.sep));
  if (first === undefined) return process.cwd();
  let length = first.length;
  for (const parts of rest) {
    let same = 0;
    while (same < Math.min(length, parts.length) && parts[same] === first[same]) same++;
    length = same;
  }
  return first.slice(0, length).join(path.sep) || path.sep;
}

/**
 * The node's own peer id from a node snapshot's first bytes (incarnation u64,
 * then `config.peer_id` as a u64 length and its bytes), or undefined for any
 * other file, one that cannot be read, or an id that does not parse.
 */
export function nodePeerIdOf(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openRegularFile(file)?.fd;
    if (fd === undefined) return undefined;
    const head = Buffer.alloc(16 + 128);
    const length = readSync(fd, head, 0, head.length, 0);
    if (length < 16 || head.subarray(0, length).indexOf(0) === -1) return undefined; // JSON holds no NUL byte
    const idLength = head.readBigUInt64LE(8);
    if (idLength === 0n || idLength > 128n || 16 + Number(idLength) > length) return undefined;
    const bytes = head.subarray(16, 16 + Number(idLength));
    return multihashProblem(bytes) === undefined ? PeerId.fromBytes(bytes).text : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
