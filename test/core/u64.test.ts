import { describe, expect, it } from "vitest";
import { InvalidArgument } from "../../src/core/errors.js";
import { U32_MAX, U64_MAX, atLeastOne, isU32, isU64, saturatingAdd, saturatingIncrementU32, saturatingMul } from "../../src/core/u64.js";

describe("u64 / u32 helpers (Rust saturating arithmetic)", () => {
  it("has the right maxima", () => {
    expect(U64_MAX).toBe(18446744073709551615n);
    expect(U32_MAX).toBe(4294967295);
  });

  it("saturatingAdd adds below the top and sticks at 2^64-1", () => {
    expect(saturatingAdd(2n, 3n)).toBe(5n);
    expect(saturatingAdd(U64_MAX - 5n, 5n)).toBe(U64_MAX);
    expect(saturatingAdd(U64_MAX - 5n, 6n)).toBe(U64_MAX);
    expect(saturatingAdd(U64_MAX, 1n)).toBe(U64_MAX);
    expect(saturatingAdd(U64_MAX, U64_MAX)).toBe(U64_MAX);
    expect(saturatingAdd(U64_MAX, 0n)).toBe(U64_MAX);
    // Above 2^53 a JS number would round; bigints stay exact.
    expect(saturatingAdd(2n ** 53n, 1n)).toBe(9007199254740993n);
  });

  it("saturatingMul multiplies below the top and sticks at 2^64-1", () => {
    expect(saturatingMul(6n, 7n)).toBe(42n);
    expect(saturatingMul(1n, 2n ** 63n)).toBe(2n ** 63n);
    expect(saturatingMul(2n, 2n ** 63n)).toBe(U64_MAX);
    expect(saturatingMul(3n, 2n ** 63n)).toBe(U64_MAX);
    expect(saturatingMul(U64_MAX, 1n)).toBe(U64_MAX);
    expect(saturatingMul(U64_MAX, U64_MAX)).toBe(U64_MAX);
    expect(saturatingMul(U64_MAX, 0n)).toBe(0n);
  });

  it.each([-1n, U64_MAX + 1n, 5, "5", undefined, null])(
    "saturatingAdd and saturatingMul refuse an operand %s that is not a u64 bigint",
    (bad) => {
      const operand = bad as bigint;
      // "5" + 1n was "51", -5n + 1n was -4n, 5 * 1n a bare TypeError.
      for (const call of [
        () => saturatingAdd(operand, 1n),
        () => saturatingAdd(1n, operand),
        () => saturatingMul(operand, 1n),
        () => saturatingMul(1n, operand),
      ])
        expect(call).toThrow(InvalidArgument);
      expect(() => saturatingAdd(operand, 1n)).toThrow(/invalid saturatingAdd operand .*expected a bigint from 0n/);
    },
  );

  it("saturatingIncrementU32 stops at 2^32-1", () => {
    expect(saturatingIncrementU32(0)).toBe(1);
    expect(saturatingIncrementU32(U32_MAX - 1)).toBe(U32_MAX);
    expect(saturatingIncrementU32(U32_MAX)).toBe(U32_MAX);
  });

  it("atLeastOne is Rust's max(1)", () => {
    expect(atLeastOne(0n)).toBe(1n);
    expect(atLeastOne(1n)).toBe(1n);
    expect(atLeastOne(U64_MAX)).toBe(U64_MAX);
  });

  it("isU64 / isU32 check the ranges", () => {
    expect(isU64(0n)).toBe(true);
    expect(isU64(U64_MAX)).toBe(true);
    expect(isU64(U64_MAX + 1n)).toBe(false);
    expect(isU64(-1n)).toBe(false);
    expect(isU32(0)).toBe(true);
    expect(isU32(U32_MAX)).toBe(true);
    expect(isU32(U32_MAX + 1)).toBe(false);
    expect(isU32(-1)).toBe(false);
    expect(isU32(1.5)).toBe(false);
    expect(isU32(Number.NaN)).toBe(false);
  });
});
