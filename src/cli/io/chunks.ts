/** Writing text that is made in pieces (a big `--json` document) as it is made. */
import type { TextChunks } from "../render/json.js";

/** A stream as bbgov writes to it: `once` only on real streams (tests pass a bare `write`). */
interface ChunkSink {
  write(chunk: string | Uint8Array): boolean;
  once?(event: "drain" | "close" | "error", listener: () => void): unknown;
  removeListener?(event: "drain" | "close" | "error", listener: () => void): unknown;
}

/**
 * Writes each piece in turn; when the stream says its buffer is full (a slow
 * pipe), waits for it to drain, so that the pieces never pile up in memory.
 * A stream that closes or fails instead ends the wait (its error is handled
 * where the stream's faults are).
 */
export async function writeChunks(stream: ChunkSink, text: TextChunks | { chunks(): Iterable<string | Uint8Array> }): Promise<void> {
  for (const chunk of text.chunks()) {
    if (chunk.length === 0 || stream.write(chunk) || stream.once === undefined) continue;
    const events = ["drain", "close", "error"] as const;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        for (const event of events) stream.removeListener?.(event, done);
        resolve();
      };
      for (const event of events) stream.once?.(event, done);
    });
  }
}
