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
  it("small.bin cut at every field boundary (both sides), inside every field, and at sampled offsets: each a SnapshotError naming where it ran out", () => {
    // Every offset was ~0.9 s (7,290 reads, each of the whole prefix: the file's dearest test). A cut fails in the
    // field it ends in, named by its path and the byte where it starts; cuts inside one field (a length's 8 bytes
    // and its byte string, a u64) fail in that same field, and the field a cut fails in only moves forward as the
    // cut grows. So: walk the cuts, doubling the step while the field stays the same and going back to the last
    // cut in it, one by one, when it changes: both sides of every field boundary are read (165 boundaries, none
    // missed against every offset when this was written), the first cuts of each field and offsets 1, 3, 7, 15...
    // into it; and 400 seeded random cuts for the insides of the long byte strings. ~2,000 reads, ~0.2 s.
    const bytes = loadFixture("small").bytes;
    const fieldOf = (cut: number): string => {
      const error = outcome(bytes.subarray(0, cut));
      if (!(error instanceof SnapshotError)) expect(error, `cut at ${cut}`).toBeInstanceOf(SnapshotError);
      return `${error?.path} ${/\(at byte (\d+)\)$/.exec(error?.message ?? "")?.[1]}`;
    };
    let cut = 0;
    let field = fieldOf(0);
    let lastInField = 0;
    let step = 1;
    let boundaries = 0;
    while (cut + 1 < bytes.length) {
      const next = Math.min(cut + step, bytes.length - 1);
      const nextField = fieldOf(next);
      if (nextField === field) {
        lastInField = next;
        cut = next;
        step *= 2;
      } else if (step > 1) {
        // Past a boundary: back to the last cut known in this field, one by one from there.
        cut = lastInField;
        step = 1;
      } else {
        boundaries++;
        field = nextField;
        cut = next;
        lastInField = next;
      }
    }
    expect(boundaries).toBeGreaterThan(150);
    const random = fc.sample(fc.integer({ min: 0, max: bytes.length - 1 }), { numRuns: 400, seed: 42 });
    for (const at of random) fieldOf(at);
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
