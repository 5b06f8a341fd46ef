import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/errors.js";
import { parseNanoseconds } from "../../src/cli/io/time.js";

const U64_MAX = 2n ** 64n - 1n;

/** The UsageError parseNanoseconds throws for `text`, or a failure if it accepts it. */
function rejection(text: string): UsageError {
  try {
    parseNanoseconds(text, "--at");
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`${JSON.stringify(text)} was accepted`);
}

describe("parseNanoseconds: exact conversions", () => {
  it.each([
    ["0", 0n],
    ["1732000000000000000", 1732000000000000000n],
    ["007", 7n],
    ["250ms", 250_000_000n],
    ["1.5s", 1_500_000_000n],
    ["1.000000001s", 1_000_000_001n],
    ["0.000000001s", 1n],
    ["0.5us", 500n],
    ["1.0ns", 1n],
    ["42ns", 42n],
    ["2m", 120_000_000_000n],
    ["1.5h", 5_400_000_000_000n],
    ["1d", 86_400_000_000_000n],
    ["213503d", 213_503n * 86_400_000_000_000n],
    ["18446744073709551615", U64_MAX],
    ["18446744073709551615ns", U64_MAX],
  ])("%s is %s ns", (text, expected) => {
    expect(parseNanoseconds(text, "--at")).toBe(expected);
  });

  it("uses bigint arithmetic, not floating point", () => {
    // 0.1 + 0.2 style errors would show up here as 299999999 or 300000001.
    expect(parseNanoseconds("0.3s", "--after")).toBe(300_000_000n);
    expect(parseNanoseconds("18446744073.709551615s", "--after")).toBe(U64_MAX);
  });
});

describe("parseNanoseconds: rejections", () => {
  it.each([
    ["-1", "expected nanoseconds"],
    ["-5ms", "expected nanoseconds"],
    ["+5", "expected nanoseconds"],
    ["1e3", "expected nanoseconds"],
    ["0x10", "expected nanoseconds"],
    ["1.", "expected nanoseconds"],
    [".5s", "expected nanoseconds"],
    ["1.5", "a fraction needs a unit"],
    ["1.5ns", "not a whole number of nanoseconds"],
    ["0.1ns", "not a whole number of nanoseconds"],
    ["0.0000000001s", "not a whole number of nanoseconds"],
    ["5sec", "expected nanoseconds"],
    ["5 s", "expected nanoseconds"],
    ["5S", "expected nanoseconds"],
    ["5MS", "expected nanoseconds"],
    ["5µs", "expected nanoseconds"],
    ["µs", "expected nanoseconds"],
    ["ms", "expected nanoseconds"],
    ["18446744073709551616", "above the u64 maximum 18446744073709551615 ns"],
    ["18446744073709551616ns", "above the u64 maximum"],
    ["213504d", "above the u64 maximum"],
    ["18446744073.709551616s", "above the u64 maximum"],
    ["", "expected nanoseconds"],
    [" ", "expected nanoseconds"],
    [" 5", "expected nanoseconds"],
    ["5ms ", "expected nanoseconds"],
    ["5\n", "expected nanoseconds"],
  ])("%j: %s", (text, message) => {
    const error = rejection(text);
    expect(error.message).toContain(message);
    expect(error.message).toContain(`invalid time ${JSON.stringify(text)}`);
    expect(error.where).toBe("--at");
  });

  it("names the argument it was given", () => {
    try {
      parseNanoseconds("soon", "--every");
      expect.unreachable();
    } catch (error) {
      expect((error as UsageError).where).toBe("--every");
    }
  });

  it("reads long spellings exactly and refuses long out-of-range ones with a short message", () => {
    expect(parseNanoseconds(`${"0".repeat(64)}1`, "--at")).toBe(1n);
    expect(parseNanoseconds(`1.${"0".repeat(100)}s`, "--at")).toBe(1_000_000_000n);
    for (const [text, reason] of [
      ["9".repeat(100), "above the u64 maximum"],
      [`${"1".repeat(1_000_000)}s`, "above the u64 maximum"],
      [`1.${"0".repeat(30)}1s`, "not a whole number of nanoseconds"],
    ] as const) {
      const error = rejection(text);
      expect(error.message).toContain(reason);
      expect(error.message.length).toBeLessThan(140);
      expect(error.message).not.toContain("\n");
    }
  });

  it("accepts the longest plausible spelling", () => {
    expect(parseNanoseconds(`${"0".repeat(44)}18446744073709551615`, "--at")).toBe(U64_MAX);
  });

  it("lists the accepted syntax in the message", () => {
    expect(rejection("tomorrow").message).toContain("ns, us, ms, s, m, h, d");
  });
});
