/**
 * A script read line by line, so that `apply` holds one line at a time and
 * never the whole script: memory is bounded by the snapshot and the longest
 * line, not by the script's length. Strict UTF-8 (a bad byte is an error
 * naming its line), a byte order mark starting a line is dropped, lines end at
 * "\n" (a "\r" before it is the words' business: a blank).
 */
import { closeSync, createReadStream, fstatSync, readSync, statSync, type Stats } from "node:fs";
import { IoError } from "../errors.js";
import { openRegularFile } from "./reuse.js";
import { displayName, ioError, readBytes, STDIO } from "./store.js";

/** The longest line a script may have; past it the script is refused rather than held. */
export const MAX_LINE_CHARS = 1 << 20;

/** A script to read once, line by line. */
export interface ScriptLines {
  /** How the script is named in messages. */
  readonly source: string;
  /**
   * The lines in order (numbered from 1), in batches: those each read completes. A batch
   * is run without waiting, where a promise per line cost more than a plain line's work.
   */
  batches(): AsyncIterable<readonly string[]>;
}

/** The script at `file` (standard input for `-`), read lazily. */
export function scriptLines(file: string, stdin: AsyncIterable<Uint8Array | string>, what: string): ScriptLines {
  const source = displayName(file);
  return {
    source,
    batches: () => splitLines(file === STDIO ? stdin : fileChunks(file), file, what),
  };
}

/**
 * A script that a fleet runs on every file, in its check and again in its write: read anew each time, a pipe
 * (`apply <(...)`, a FIFO) gave its lines to the first read only (every other file ran an empty script: nothing
 * written, exit 0), and a script edited meanwhile made the write run other lines than the check. A regular file is
 * still streamed, each time (memory follows the snapshot, not the script), but a read that finds it changed since the
 * first look fails, naming it; anything else (standard input for `-` too) is read whole, once, and replayed. A read
 * that fails here fails the command, once: it is the script's fault, not any file's.
 */
export async function fleetScriptLines(file: string, stdin: AsyncIterable<Uint8Array | string>, what: string): Promise<ScriptLines> {
  const source = displayName(file);
  const first = file === STDIO ? undefined : statOrUndefined(file);
  if (first?.isFile() === true) {
    const stamp = stampOf(first);
    return { source, batches: () => splitLines(fileChunks(file, { stamp, what }), file, what) };
  }
  // Read as every pipe or device is (readBytes: at most MAX_STREAM_BYTES, then one clear error), not chunk by chunk
  // into memory without a bound (`apply <(yes block X)` took every byte there was).
  const { bytes } = await readBytes(file, stdin, what, { role: "script" });
  async function* replay(): AsyncGenerator<Uint8Array> {
    yield bytes;
  }
  return { source, batches: () => splitLines(replay(), file, what) };
}

/**
 * The file's stat, or undefined when it has none to give. Sync: node:fs/promises, imported for this one call, loaded
 * 12 of Node's modules at every start (~1.5 ms), whatever the command.
 */
function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** What tells a regular file's content changed: another file there, another size, another time of change. */
function stampOf(stat: Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

/** Bytes read at a time: as a read stream does. */
const CHUNK_BYTES = 1 << 16;

/**
 * The chunks of `file`: a regular file read with synchronous calls into one reused buffer; anything
 * else (a pipe, a missing file) through a read stream, whose errors are the ones reported. A stream
 * costs a thread-pool round trip, a promise and a fresh buffer per chunk: for a 0.5 MB script, ~5 ms.
 */
async function* fileChunks(file: string, same?: { stamp: string; what: string }): AsyncGenerator<Uint8Array> {
  let opened: ReturnType<typeof openRegularFile>;
  try {
    opened = openRegularFile(file);
  } catch {
    opened = undefined;
  }
  if (opened === undefined) {
    yield* createReadStream(file);
    return;
  }
  const { fd } = opened;
  // A fleet's script, read once per file: it must be the script the first read found, before and after this read.
  const unchanged = (stat: Stats): void => {
    if (same !== undefined && stampOf(stat) !== same.stamp)
      throw new IoError(
        `cannot read ${same.what}: it changed while bbgov ran it on the fleet's files; run the command again`,
        displayName(file),
      );
  };
  try {
    unchanged(opened.stat);
    const buffer = new Uint8Array(CHUNK_BYTES);
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) {
        unchanged(fstatSync(fd));
        return;
      }
      // The decoder is done with a chunk before the next read: the buffer is reused.
      yield buffer.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
}

async function* splitLines(chunks: AsyncIterable<Uint8Array | string>, file: string, what: string): AsyncGenerator<readonly string[]> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let pending = "";
  let number = 1;
  // The bytes of a character the previous chunk ended inside of (the decoder holds them for the next one).
  let carried: Uint8Array = new Uint8Array(0);
  const decode = (chunk: Uint8Array | string, stream: boolean): string => {
    if (typeof chunk === "string") return chunk;
    let text: string;
    try {
      text = decoder.decode(chunk, { stream });
    } catch {
      // The line of the first bad byte, counted in bytes: a chunk may start inside a character, which
      // decoded alone looked bad at its start and named the chunk's first line.
      const bytes = carried.length === 0 ? chunk : Buffer.concat([carried, chunk]);
      const line = number + countNewlines(pending) + countNewlineBytes(bytes, firstBadByte(bytes));
      // Notepad's "Unicode": UTF-16 with its byte order mark, which only "not UTF-8 text" was said of.
      const utf16 =
        line === 1 && bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
      throw new IoError(
        `cannot read ${what}: not UTF-8 text${utf16 ? ", but UTF-16; convert it: iconv -f UTF-16 -t UTF-8" : ""}`,
        `${displayName(file)} line ${line}`,
      );
    }
    carried = unfinishedCharacter(carried, chunk);
    return text;
  };
  try {
    for await (const chunk of chunks) {
      pending += decode(chunk, true);
      const batch: string[] = [];
      let start = 0;
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n", start)) {
        batch.push(withoutMark(pending, start, end));
        start = end + 1;
      }
      pending = pending.slice(start);
      number += batch.length;
      if (batch.length > 0) yield batch;
      if (pending.length > MAX_LINE_CHARS) {
        throw new IoError(`cannot read ${what}: a line longer than ${MAX_LINE_CHARS} characters`, `${displayName(file)} line ${number}`);
      }
    }
  } catch (error) {
    if (error instanceof IoError) throw error;
    throw ioError(error, "read", file, what);
  }
  pending += decode(new Uint8Array(0), false);
  if (pending !== "") yield [withoutMark(pending, 0, pending.length)];
}

/**
 * `text[start..end)` without a byte order mark at its start: line 1's (TextDecoder drops it from bytes; a string
 * may still carry one), or a later line's, where files joined by `cat` put theirs.
 */
function withoutMark(text: string, start: number, end: number): string {
  return text.slice(text.charCodeAt(start) === 0xfeff ? start + 1 : start, end);
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  return count;
}

function countNewlineBytes(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let at = 0; at < end; at++) if (bytes[at] === 0x0a) count++;
  return count;
}

/**
 * Where the first ill-formed UTF-8 sequence of `bytes` starts (its first byte, as the WHATWG decoder
 * that refused it reads them; a newline is never inside a sequence), or `bytes.length`.
 */
function firstBadByte(bytes: Uint8Array): number {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at] as number;
    if (lead < 0x80) {
      at++;
      continue;
    }
    let more: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) more = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      more = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      more = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return at;
    for (let k = 1; k <= more; k++) {
      const next = bytes[at + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return at;
    }
    at += more + 1;
  }
  return bytes.length;
}

/** The bytes of a character that `chunk` (after `carried`, a well-formed stream so far) ends inside of; empty if none. */
function unfinishedCharacter(carried: Uint8Array, chunk: Uint8Array): Uint8Array {
  // A character is at most 4 bytes: its unfinished start is among the last 3.
  const tail = chunk.length >= 3 ? chunk.subarray(chunk.length - 3) : Buffer.concat([carried, chunk]).subarray(-3);
  for (let at = tail.length - 1; at >= 0; at--) {
    const byte = tail[at] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    // Copied: the chunk's buffer is reused for the next read.
    return tail.length - at < length ? Uint8Array.from(tail.subarray(at)) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}
