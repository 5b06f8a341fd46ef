/**
 * A script read line by line, so that `apply` holds one line at a time and
 * never the whole script: memory is bounded by the snapshot and the longest
 * line, not by the script's length. Strict UTF-8 (a bad byte is an error
 * naming its line), a byte order mark at the start is dropped, lines end at
 * "\n" (a "\r" before it is the words' business: a blank).
 */
import { createReadStream } from "node:fs";
import { IoError } from "../errors.js";
import { displayName, ioError, STDIO } from "./store.js";

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
    batches: () => splitLines(file === STDIO ? stdin : createReadStream(file), file, what),
  };
}

async function* splitLines(chunks: AsyncIterable<Uint8Array | string>, file: string, what: string): AsyncGenerator<readonly string[]> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let pending = "";
  let number = 1;
  const decode = (chunk: Uint8Array | string, stream: boolean): string => {
    if (typeof chunk === "string") return chunk;
    try {
      return decoder.decode(chunk, { stream });
    } catch {
      // The line of the first bad byte: the lines before it in this chunk, decoded leniently.
      const lenient = Buffer.from(chunk).toString("utf8");
      const bad = lenient.indexOf("\ufffd");
      const line = number + countNewlines(pending) + countNewlines(bad < 0 ? lenient : lenient.slice(0, bad));
      throw new IoError(`cannot read ${what}: not UTF-8 text`, `${displayName(file)} line ${line}`);
    }
  };
  let first = true;
  try {
    for await (const chunk of chunks) {
      pending += decode(chunk, true);
      if (first && pending !== "") {
        // A byte order mark (TextDecoder drops it from bytes; a string may still carry one) is not part of line 1.
        if (pending.startsWith("\ufeff")) pending = pending.slice(1);
        first = false;
      }
      const batch: string[] = [];
      let start = 0;
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n", start)) {
        batch.push(pending.slice(start, end));
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
  if (pending !== "") yield [pending];
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  return count;
}
