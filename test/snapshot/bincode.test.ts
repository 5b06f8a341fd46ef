/**
 * The generic bincode codec: each primitive's rules and error messages, paths
 * through structs, tuples, maps and enums, and (fast-check) write/read/skip
 * agreeing on any value of upstream's whole NodeSnapshot schema.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Reader, Writer, encode, minSize, read, skip, write, type Schema, type Value } from "../../src/snapshot/bincode.js";
import { SnapshotError } from "../../src/snapshot/model.js";
import { INGRESS_EVENT, NODE_SNAPSHOT } from "../../src/snapshot/node-schema.js";

function failure(schema: Schema, bytes: number[], path = "x"): SnapshotError {
  try {
    read(schema, new Reader(Uint8Array.from(bytes)), path);
  } catch (error) {
    if (error instanceof SnapshotError) return error;
    throw error;
  }
  throw new Error("expected a SnapshotError");
}

const u64le = (value: bigint): number[] => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return Array.from(bytes);
};

describe("primitives", () => {
  it("reads little-endian integers, u64 as bigint", () => {
    const reader = new Reader(Uint8Array.from([7, 1, 0, 0, 0, ...u64le(0xffff_ffff_ffff_fffen)]));
    expect(read("u8", reader)).toBe(7);
    expect(read("u32", reader)).toBe(1);
    expect(read("u64", reader)).toBe(0xffff_ffff_ffff_fffen);
    expect(reader.left()).toBe(0);
  });

  it("says what ran out, how much was left and where", () => {
    const error = failure(
      {
        struct: [
          ["a", "u8"],
          ["b", "u64"],
        ],
      },
      [1, 2, 3, 4],
    );
    expect(error.message).toBe("truncated: a u64 needs 8 bytes, 3 left (at byte 1)");
    expect(error.path).toBe("x.b");
    expect(failure("u32", []).message).toBe("truncated: a u32 needs 4 bytes, 0 left (at byte 0)");
  });

  it("refuses a bool or Option tag other than 0 and 1", () => {
    expect(failure("bool", [2]).message).toBe("invalid bool 2 (0 or 1 expected) (at byte 0)");
    expect(failure({ option: "u8" }, [9]).message).toBe("invalid Option tag 9 (0 = None or 1 = Some expected) (at byte 0)");
    expect(read({ option: "u8" }, new Reader(Uint8Array.from([0])))).toBeNull();
    expect(read({ option: "u8" }, new Reader(Uint8Array.from([1, 5])))).toBe(5);
  });

  it("refuses invalid UTF-8 and keeps a byte-order mark as the character it is", () => {
    const error = failure({ tuple: ["u8", "string"] }, [0, ...u64le(2n), 0xc3, 0x28]);
    expect(error.message).toBe("invalid UTF-8 in a string (at byte 1)");
    expect(error.path).toBe("x[1]");
    expect(read("string", new Reader(Uint8Array.from([...u64le(3n), 0xef, 0xbb, 0xbf])))).toBe("\ufeff");
    const long = "é".repeat(100);
    expect(read("string", new Reader(encode("string", long)))).toBe(long);
  });

  it("checks a length against the bytes left before allocating, even 2^64-1", () => {
    const error = failure({ vec: { tuple: ["u64", "u64"] } }, [...u64le(2n ** 64n - 1n), 1, 2, 3]);
    expect(error.message).toBe("length 18446744073709551615 (elements of at least 16 bytes each) exceeds the 3 bytes left (at byte 0)");
    expect(failure("bytes", [...u64le(4n), 1, 2, 3]).message).toBe("length 4 (bytes) exceeds the 3 bytes left (at byte 0)");
    expect(() => skip({ map: { key: "string", value: "u64" } }, new Reader(Uint8Array.from(u64le(1n << 63n))))).toThrow(SnapshotError);
  });

  it("reads bytes as a view, not a copy", () => {
    const file = Uint8Array.from([...u64le(2n), 8, 9]);
    const bytes = read("bytes", new Reader(file)) as Uint8Array;
    expect(Array.from(bytes)).toEqual([8, 9]);
    expect(bytes.buffer).toBe(file.buffer);
  });
});

describe("paths", () => {
  it("names a map entry's key [i][0] and value [i][1]", () => {
    const schema: Schema = { map: { key: "string", value: "bool" } };
    const bytes = [...u64le(2n), ...u64le(1n), 0x61, 1, ...u64le(1n), 0x62, 5];
    const error = failure(schema, bytes, "counters");
    expect(error.path).toBe("counters[1][1]");
    expect(error.message).toBe(`invalid bool 5 (0 or 1 expected) (at byte ${bytes.length - 1})`);
  });

  it("names an enum's variant, and refuses an unknown index", () => {
    const unknown = failure({ vec: INGRESS_EVENT }, [...u64le(1n), 9, 0, 0, 0, ...u64le(0n)], "transient.ingress");
    expect(unknown.path).toBe("transient.ingress[0]");
    expect(unknown.message).toBe("unknown enum variant 9 (5 variants: Envelope, AppEvent, Invoke, TimerMatured, Completion) (at byte 8)");
    const inner = failure({ vec: INGRESS_EVENT }, [...u64le(1n), 2, 0, 0, 0, ...u64le(1n), 0xff, ...u64le(0n)], "transient.ingress");
    expect(inner.path).toBe("transient.ingress[0].Invoke.module_name");
    expect(inner.message).toBe("invalid UTF-8 in a string (at byte 12)");
    // An element count is checked against the smallest variant (4 + 8 bytes) before any element is read.
    expect(failure({ vec: INGRESS_EVENT }, [...u64le(1n), 3, 0, 0, 0, 1, 2]).message).toBe(
      "length 1 (elements of at least 12 bytes each) exceeds the 6 bytes left (at byte 0)",
    );
  });

  it("gives `$` for a failure at the top with no path", () => {
    expect(failure("u8", [], "").path).toBe("$");
  });

  it("reads enums as { variant, value } and writes them back", () => {
    const value = { variant: "Invoke", value: { module_name: "Server", inputs: [["x", Uint8Array.of(1, 2)]] } };
    const bytes = encode(INGRESS_EVENT, value);
    expect(read(INGRESS_EVENT, new Reader(bytes))).toEqual(value);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([2, 0, 0, 0]);
  });

  it("refuses to write a value of the wrong shape, naming where", () => {
    const schema: Schema = { struct: [["a", { vec: "u64" }]] };
    expect(() => write(schema, { a: [1n, 2] }, new Writer(), "top")).toThrow(
      expect.objectContaining({ path: "top.a[1]", message: "cannot write number as a u64 (bigint)" }),
    );
    expect(() => encode(INGRESS_EVENT, { variant: "Nope", value: null })).toThrow(/unknown enum variant "Nope"/);
    expect(() => encode("u32", -1)).toThrow(SnapshotError);
  });
});

/** Any value of `schema`, lists kept short. */
function valueOf(schema: Schema): fc.Arbitrary<Value> {
  switch (schema) {
    case "u8":
      return fc.integer({ min: 0, max: 0xff });
    case "u32":
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case "u64":
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case "bool":
      return fc.boolean();
    case "string":
      return fc.string({ unit: "grapheme", maxLength: 6 });
    case "bytes":
      return fc.uint8Array({ maxLength: 6 });
  }
  if ("struct" in schema) {
    return fc.record(Object.fromEntries(schema.struct.map(([name, field]) => [name, valueOf(field)]))) as fc.Arbitrary<Value>;
  }
  if ("tuple" in schema) return fc.tuple(...schema.tuple.map(valueOf)) as fc.Arbitrary<Value>;
  if ("option" in schema) return fc.option(valueOf(schema.option), { nil: null });
  if ("vec" in schema) return fc.array(valueOf(schema.vec), { maxLength: 2 });
  if ("map" in schema) return fc.array(fc.tuple(valueOf(schema.map.key), valueOf(schema.map.value)), { maxLength: 2 });
  return fc.oneof(
    ...schema.enum.map(([variant, fields]) =>
      (fields === null ? fc.constant(null) : valueOf(fields)).map((value) => ({ variant, value }) as Value),
    ),
  );
}

describe("any NodeSnapshot value (fast-check)", () => {
  it("read(write(v)) is v, skip measures exactly its bytes, and the smallest sizes hold", () => {
    fc.assert(
      fc.property(valueOf(NODE_SNAPSHOT), (value) => {
        const bytes = encode(NODE_SNAPSHOT, value);
        const reader = new Reader(bytes);
        expect(read(NODE_SNAPSHOT, reader)).toEqual(value);
        expect(reader.offset).toBe(bytes.length);
        expect(skip(NODE_SNAPSHOT, new Reader(bytes))).toBe(bytes.length);
        expect(bytes.length).toBeGreaterThanOrEqual(minSize(NODE_SNAPSHOT));
      }),
      { numRuns: 150 },
    );
  });

  it("every truncation of an encoded value is a SnapshotError naming a path and a byte, for read and skip alike", () => {
    fc.assert(
      fc.property(valueOf(NODE_SNAPSHOT), fc.nat(), (value, cut) => {
        const bytes = encode(NODE_SNAPSHOT, value);
        const short = bytes.subarray(0, cut % bytes.length);
        for (const run of [() => read(NODE_SNAPSHOT, new Reader(short)), () => skip(NODE_SNAPSHOT, new Reader(short))]) {
          let error: unknown;
          try {
            run();
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(SnapshotError);
          expect((error as SnapshotError).message).toMatch(/\(at byte \d+\)$/);
          expect((error as SnapshotError).path).not.toBe("$");
        }
      }),
      { numRuns: 150 },
    );
  });
});
