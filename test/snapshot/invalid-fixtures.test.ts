import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SnapshotError, decodeSnapshot } from "../../src/snapshot/index.js";

const dir = new URL("../../fixtures/invalid/", import.meta.url);
const expected = JSON.parse(readFileSync(new URL("EXPECTED.json", dir), "utf8")) as Record<string, { path: string; message: string }>;
const files = readdirSync(dir)
  .filter((name) => name !== "EXPECTED.json")
  .sort();

function decodeError(text: string, forceLossless: boolean): SnapshotError {
  try {
    decodeSnapshot(text, { forceLossless });
  } catch (error) {
    if (error instanceof SnapshotError) return error;
    throw error;
  }
  throw new Error("decoded without an error");
}

describe("fixtures/invalid", () => {
  it("has at least 45 cases, each with an EXPECTED entry and each entry with a file", () => {
    expect(files.length).toBeGreaterThanOrEqual(45);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  it("keeps every case small", () => {
    for (const name of files) expect(readFileSync(new URL(name, dir)).length, name).toBeLessThan(128 * 1024);
  });

  describe.each(files)("%s", (name) => {
    const text = readFileSync(new URL(name, dir), "utf8");
    const want = expected[name];

    it("fails at the expected path with the expected message", () => {
      const error = decodeError(text, false);
      expect({ path: error.path, where: error.where }).toEqual({ path: want?.path, where: want?.path });
      expect(error.message).toContain(want?.message);
    });

    it("fails the same way on the lossless path", () => {
      const fast = decodeError(text, false);
      const slow = decodeError(text, true);
      expect({ path: slow.path, message: slow.message }).toEqual({ path: fast.path, message: fast.message });
    });
  });
});
