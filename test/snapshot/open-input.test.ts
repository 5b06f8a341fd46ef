/**
 * openSnapshot's input as the library takes it: `isEncodingOf` may be a
 * method of the input (it is called on it when the snapshot is opened for
 * writing), and a read-only open keeps nothing of the input.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type SnapshotInput, openSnapshot } from "../../src/snapshot/kinds.js";

const canonical = readFileSync(new URL("../../fixtures/example.json", import.meta.url));

/** An input whose isEncodingOf reads its own bytes through `this`, as a class method would. */
class FileInput implements SnapshotInput {
  calls = 0;
  constructor(readonly bytes: Uint8Array) {}
  text(): string {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes);
  }
  isEncodingOf(bytes: Uint8Array, text: string): boolean {
    this.calls++;
    return Buffer.from(bytes).equals(Buffer.from(this.bytes)) && text.length > 0;
  }
}

describe("openSnapshot's input", () => {
  it("calls an isEncodingOf method on its input when opened for writing (it did before the read-only path dropped the input)", () => {
    for (const forWrite of [undefined, true]) {
      const input = new FileInput(canonical);
      const opened = openSnapshot(input, forWrite === undefined ? {} : { forWrite });
      expect(opened.kind).toBe("bbgov-json");
      expect(opened.unchanged(opened.encode())).toBe(true);
      expect(input.calls).toBe(1);
    }
  });
});
