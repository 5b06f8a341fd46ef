/** writeChunks: pieces written in order, waiting on a full stream, no listener left behind. */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { writeChunks } from "../../src/cli/io/chunks.js";

describe("writeChunks", () => {
  it("waits for a slow stream to drain and leaves no listeners", async () => {
    const received: string[] = [];
    let fullCount = 0;
    const slow = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk.toString());
        setImmediate(done);
      },
    });
    const original = slow.write.bind(slow);
    slow.write = ((chunk: string) => {
      const ok = original(chunk);
      if (!ok) fullCount++;
      return ok;
    }) as typeof slow.write;
    const pieces = Array.from({ length: 50 }, (_, i) => `piece ${i}\n`);
    await writeChunks(slow, { chunks: () => ["", ...pieces] });
    await new Promise<void>((resolve) => slow.end(resolve));
    expect(received.join("")).toBe(pieces.join(""));
    expect(fullCount).toBeGreaterThan(10);
    expect(slow.listenerCount("drain") + slow.listenerCount("error")).toBe(0);
  });

  it("writes to a bare sink without once", async () => {
    let text = "";
    await writeChunks({ write: (chunk) => ((text += chunk), false) }, { chunks: () => ["a", "b"] });
    expect(text).toBe("ab");
  });
});
