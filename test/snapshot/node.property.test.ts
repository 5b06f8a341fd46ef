/**
 * Damaged node snapshots: a fixture cut at every offset (all of small.bin,
 * sampled for the big ones) or with bytes flipped or overwritten gives either
 * a clean read or a SnapshotError naming a field path and a byte offset:
 * never a RangeError or TypeError, never a hang, the input never touched.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SnapshotError } from "../../src/snapshot/model.js";
import { readNodeSnapshot } from "../../src/snapshot/node.js";
import { loadFixture, type FixtureName } from "./node-fixtures.js";

const MESSAGE = /\(at byte \d+\)$|^SpecVersionMismatch/;
const PATH = /^[a-z_]+(\.[a-z_A-Z]+|\[\d+\])*$/;

/**
 * Reads `bytes`; returns the error when it fails (a SnapshotError, checked), undefined when it reads. Called
 * thousands of times: each check is a plain test first, and `expect` (which fails with its message) only when
 * that test fails, as `expect` costs more than the read of a small file.
 */
function outcome(bytes: Uint8Array): SnapshotError | undefined {
  const before = Buffer.from(bytes);
  try {
    const read = readNodeSnapshot(bytes);
    // Whatever reads must also write and read back.
    readNodeSnapshot(read.encode(read.snapshot));
    return undefined;
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    if (!MESSAGE.test(error.message)) expect(error.message).toMatch(MESSAGE);
    if (!PATH.test(error.path)) expect(error.path).toMatch(PATH);
    return error;
  } finally {
    if (!before.equals(bytes)) expect(Buffer.from(bytes).equals(before)).toBe(true);
  }
}

describe("a node snapshot cut short", () => {
  it("small.bin cut at every offset: each a SnapshotError naming where it ran out", () => {
    const bytes = loadFixture("small").bytes;
    for (let cut = 0; cut < bytes.length; cut++) {
      const error = outcome(bytes.subarray(0, cut));
      if (!(error instanceof SnapshotError)) expect(error, `cut at ${cut}`).toBeInstanceOf(SnapshotError);
    }
  });

  it.each(["heavy-300k", "peers-10k", "hand-edited"] as FixtureName[])("%s cut at sampled offsets", (name) => {
    const bytes = loadFixture(name).bytes;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(outcome(bytes.subarray(0, cut))).toBeInstanceOf(SnapshotError);
      }),
      { numRuns: name === "hand-edited" ? 200 : 12 },
    );
  });
});

describe("a node snapshot with damaged bytes", () => {
  it.each(["small", "hand-edited", "allowlist-some", "trailing-bytes"] as FixtureName[])(
    "%s with random bytes flipped: a clean read or a clean error",
    (name) => {
      const original = loadFixture(name).bytes;
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat({ max: original.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
          (flips) => {
            const bytes = original.slice();
            for (const [at, mask] of flips) bytes[at] = (bytes[at] as number) ^ mask;
            outcome(bytes);
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it("eight bytes overwritten anywhere with a huge length (2^63, 2^64-1, 2^32): fails at once or reads", () => {
    const original = loadFixture("small").bytes;
    fc.assert(
      fc.property(fc.nat({ max: original.length - 8 }), fc.constantFrom(1n << 63n, 2n ** 64n - 1n, 1n << 32n), (at, huge) => {
        const bytes = original.slice();
        new DataView(bytes.buffer).setBigUint64(at, huge, true);
        outcome(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("every length prefix of the governor set to 2^63 is refused at that prefix", () => {
    const original = loadFixture("small").bytes;
    const [start] = readNodeSnapshot(original).node.governorRange;
    const bytes = original.slice();
    new DataView(bytes.buffer).setBigUint64(start + 8, 1n << 63n, true); // the first blocked peer's length
    const error = outcome(bytes);
    expect(error?.path).toBe("transient.framework.peer_governor.blocklist[0]");
    expect(error?.message).toMatch(/^length 9223372036854775808 \(bytes\) exceeds the \d+ bytes left \(at byte \d+\)$/);
  });

  it("random bytes are refused cleanly", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), (bytes) => {
        outcome(bytes);
      }),
      { numRuns: 300 },
    );
  });
});
