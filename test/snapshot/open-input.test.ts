/**
 * openSnapshot's input as the library takes it: `isEncodingOf` may be a
 * method of the input (it is called on it when the snapshot is opened for
 * writing), and a read-only open keeps nothing of the input.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeSnapshot } from "../../src/snapshot/decode.js";
import { encodeFrameworkSnapshot } from "../../src/snapshot/framework-json.js";
import { SnapshotError } from "../../src/snapshot/model.js";
import { type SnapshotInput, detectKind, openSnapshot } from "../../src/snapshot/kinds.js";

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

describe("a file's bytes alone (as readFileSync gives them)", () => {
  const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));

  it("open as the SnapshotInput of those bytes does, every kind (it was refused: 'it was given a Buffer')", () => {
    const framework = Buffer.from(encodeFrameworkSnapshot(decodeSnapshot(fixture("example.json").toString("utf8")).snapshot));
    for (const [name, kind] of [
      ["example.json", "bbgov-json"],
      ["node/small.bin", "node-snapshot"],
      ["framework", "framework-json"],
    ] as const) {
      const bytes = name === "framework" ? framework : fixture(name);
      const alone = openSnapshot(bytes);
      const input = openSnapshot(new FileInput(bytes));
      expect(alone.kind, name).toBe(kind);
      expect(detectKind(bytes), name).toBe(kind);
      expect(alone.encode(), name).toEqual(input.encode());
      expect(alone.unchanged(alone.encode()), name).toBe(true);
      expect(alone.warnings, name).toEqual(input.warnings);
    }
    // A Uint8Array that is not a Buffer, too.
    expect(openSnapshot(new Uint8Array(fixture("node/small.bin"))).node?.peerId?.text).toBe(
      "12D3KooWGmsLTSHwPyiPKZp3dtS7b9NhTJaS6NaBqgsn7wdyEey2",
    );
  });

  it("that are not UTF-8 text are a SnapshotError at $, as the CLI's reading says it", () => {
    const bad = Buffer.concat([fixture("example.json").subarray(0, 40), Buffer.from([0xff, 0xfe]), fixture("example.json").subarray(40)]);
    expect(() => openSnapshot(bad)).toThrow(SnapshotError);
    expect(() => openSnapshot(bad)).toThrow("not UTF-8 text");
  });
});
