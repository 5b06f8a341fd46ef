import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/errors.js";
import { parseDuration, parseTime } from "../../src/cli/io/time.js";

const U64_MAX = 2n ** 64n - 1n;

/** The UsageError `parse` throws for `text`, or a failure if it accepts it. */
function rejection(parse: (text: string, name: string) => bigint, text: string): UsageError {
  try {
    parse(text, "--at");
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`${JSON.stringify(text)} was accepted`);
}

describe("parseDuration: exact conversions", () => {
  it.each([
    ["0", 0n],
    ["000", 0n],
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
    ["1m30s", 90_000_000_000n],
    ["1h5m", 3_900_000_000_000n],
    ["1d2h3m4s5ms6us7ns", 93_784_005_006_007n],
    ["1.5m0.5s", 90_500_000_000n],
    ["213503d", 213_503n * 86_400_000_000_000n],
    ["18446744073709551615ns", U64_MAX],
    ["18446744073s709551615ns", U64_MAX],
  ])("%s is %s ns", (text, expected) => {
    expect(parseDuration(text, "--after")).toBe(expected);
  });

  it("uses bigint arithmetic, not floating point", () => {
    // 0.1 + 0.2 style errors would show up here as 299999999 or 300000001.
    expect(parseDuration("0.3s", "--after")).toBe(300_000_000n);
    expect(parseDuration("18446744073.709551615s", "--after")).toBe(U64_MAX);
  });

  it("reads long spellings exactly", () => {
    expect(parseDuration(`${"0".repeat(64)}1ns`, "--after")).toBe(1n);
    expect(parseDuration(`1.${"0".repeat(100)}s`, "--after")).toBe(1_000_000_000n);
  });
});

describe("parseDuration: every wrong form says which part and shows an example", () => {
  it.each([
    ["2", "add a unit: 2s, 2ms or 2ns"],
    ["60", "add a unit: 60s, 60ms or 60ns"],
    ["1.5", "add a unit after 1.5"],
    ["5 s", "no spaces (e.g. 1m30s)"],
    [" 5s", "no spaces"],
    ["5ms ", "no spaces"],
    ["5s\n", "no spaces"],
    ["-3s", "cannot be negative (e.g. 3s)"],
    ["+5s", "no sign"],
    ["1e3", "no exponents"],
    ["1E3s", "no exponents"],
    ["5S", 'unknown unit "S" (units are lower case: 5s)'],
    ["5MS", "units are lower case: 5ms"],
    ["5sec", 'unknown unit "sec" (units: ns, us, ms, s, m, h, d; e.g. 5s)'],
    ["5µs", "write 5us"],
    ["0x10", 'unknown unit "x"'],
    [".5s", "put a digit before the point (e.g. 0.5s)"],
    ["1.", "put a digit after the point (e.g. 1.5s)"],
    ["1.s", "put a digit after the point (e.g. 1.5s)"],
    ["ms", "is not a number"],
    ["", "empty (e.g. 1.5s)"],
    ["1.5ns", "finer than a nanosecond"],
    ["0.0000000001s", "finer than a nanosecond"],
    ["1s1m", "units go from largest to smallest, each once (e.g. 1h5m30s)"],
    ["1s2s", "largest to smallest"],
    ["1m30", "add a unit after 30"],
    ["18446744073709551616ns", "above the u64 maximum 18446744073709551615 ns"],
    ["213504d", "above the u64 maximum"],
    ["213503d1d", "largest to smallest"],
    ["213503d24h", "above the u64 maximum"],
  ])("%j: %s", (text, message) => {
    const error = rejection(parseDuration, text);
    expect(error.message).toContain(message);
    expect(error.message).toContain(`invalid duration ${JSON.stringify(text)}`);
    expect(error.where).toBe("--at");
    // Each says what was wrong and shows a valid form: an example with digits.
    expect(error.message.slice(error.message.indexOf('": ') + 3)).toMatch(/\d/);
    expect(error.message).not.toContain("\n");
    expect(error.message.length).toBeLessThan(110);
  });

  it("keeps messages short for absurd inputs", () => {
    for (const [text, reason] of [
      [`${"9".repeat(100)}s`, "above the u64 maximum"],
      [`${"1".repeat(1_000_000)}s`, "above the u64 maximum"],
      [`1.${"0".repeat(30)}1s`, "finer than a nanosecond"],
      ["9".repeat(100), "add a unit: 2s"],
    ] as const) {
      const error = rejection(parseDuration, text);
      expect(error.message).toContain(reason);
      expect(error.message.length).toBeLessThan(120);
    }
  });
});

describe("parseTime: nanoseconds, RFC 3339 dates and now", () => {
  it.each([
    ["0", 0n],
    ["007", 7n],
    ["1732000000000000000", 1732000000000000000n],
    ["18446744073709551615", U64_MAX],
    ["1970-01-01T00:00:00Z", 0n],
    ["2025-11-24T16:01:00Z", 1764000060000000000n],
    ["2025-11-24t16:01:00z", 1764000060000000000n],
    ["2025-11-24 16:01:00Z", 1764000060000000000n],
    ["2025-11-24T16:01:00.123456789Z", 1764000060123456789n],
    ["2025-11-24T16:01:00.5Z", 1764000060500000000n],
    ["2025-11-24T17:01:00.123456789+01:00", 1764000060123456789n],
    ["2025-11-24T10:31:00-05:30", 1764000060000000000n],
    ["2024-02-29T00:00:00Z", 1709164800000000000n],
    ["2554-07-21T23:34:33.709551615Z", U64_MAX],
  ])("%s is %s ns", (text, expected) => {
    expect(parseTime(text, "--at")).toBe(expected);
  });

  it("reads now from the wall clock it is given, and the real one by default", () => {
    expect(parseTime("now", "--at", () => 42n)).toBe(42n);
    const before = BigInt(Date.now()) * 1_000_000n;
    const now = parseTime("now", "--at");
    expect(now >= before && now <= BigInt(Date.now()) * 1_000_000n).toBe(true);
  });

  it.each([
    ["5s", "that is a duration: use --after 5s"],
    ["1x", "expected nanoseconds, a date (e.g. 2025-11-24T16:01:00Z) or now"],
    ["0x10", "expected nanoseconds, a date (e.g. 2025-11-24T16:01:00Z) or now"],
    ["1.5s", "that is a duration"],
    ["-3", "cannot be negative"],
    ["NOW", 'write "now" in lower case'],
    ["tomorrow", "expected nanoseconds, a date (e.g. 2025-11-24T16:01:00Z) or now"],
    ["1e18", "no exponents"],
    ["18446744073709551616", "above the u64 maximum"],
    ["9".repeat(60), "above the u64 maximum"],
    ["2025-13-01T00:00:00Z", "month 13 is not 01..12"],
    ["2025-02-29T00:00:00Z", "day 29 is not in 2025-02 (01..28; e.g. 2025-02-01T00:00:00Z)"],
    ["2025-11-31T00:00:00Z", "day 31 is not in 2025-11 (01..30"],
    ["2025-11-24", "add a time and zone: 2025-11-24T00:00:00Z"],
    ["2025-11-24T16:01Z", "add seconds: 2025-11-24T16:01:00Z"],
    ["2025-11-24T24:00:00Z", "hour 24 is not 00..23"],
    ["2025-11-24T16:60:00Z", "minute 60 is not 00..59"],
    ["2025-11-24T16:01:60Z", "second 60 is not 00..59"],
    ["2025-11-24T16:01:00", "add a time zone: 2025-11-24T16:01:00Z or 2025-11-24T16:01:00+01:00"],
    ["2025-11-24T16:01:00+0100", 'zone "+0100" is not Z or +HH:MM'],
    ["2025-11-24T16:01:00+24:00", "zone +24:00 is not -23:59..+23:59 (e.g. +01:00)"],
    ["2025-11-24T16:01:00.1234567891Z", "more than 9 digits"],
    ["2025-1-24T16:01:00Z", "dates are written 2025-11-24T16:01:00Z"],
    ["1969-12-31T23:59:59Z", "before 1970, where epoch nanoseconds start"],
    ["0075-01-01T00:00:00Z", "before 1970"],
    ["2554-07-21T23:34:34Z", "the last u64 nanosecond"],
  ])("%j: %s", (text, message) => {
    const error = rejection(parseTime, text);
    expect(error.message).toContain(message);
    expect(error.message).toContain(`invalid time ${JSON.stringify(text.slice(0, 24)).slice(0, -1)}`);
    expect(error.message.slice(error.message.indexOf('": ') + 3)).toMatch(/\d|now/);
    expect(error.message).not.toContain("\n");
    expect(error.message.length).toBeLessThan(120);
  });

  it("sends a DUR to the option that takes one: --after for --at, --advance for clock --set, none for a clock", () => {
    const said = (name: string): string => {
      try {
        parseTime("5s", name);
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(said("--at")).toBe('invalid time "5s": that is a duration: use --after 5s, or a date (e.g. 2025-11-24T16:01:00Z)');
    expect(said("--set")).toBe('invalid time "5s": that is a duration: use --advance 5s, or a date (e.g. 2025-11-24T16:01:00Z)');
    expect(said("--clock")).toBe(
      'invalid time "5s": that is a duration, and this is a time: nanoseconds, a date (e.g. 2025-11-24T16:01:00Z) or now',
    );
  });
});

describe("parseDuration: a plain number and unit reads as the general spelling does", () => {
  const outcome = (text: string): bigint | string => {
    try {
      return parseDuration(text, "--after");
    } catch (error) {
      return error instanceof UsageError ? "refused" : String(error);
    }
  };
  it("N<unit> is N.0<unit> (which takes the general parse), up to the u64 maximum and past it", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt({ min: 1n, max: 999_999_999_999_999n }), fc.bigInt({ min: 1n, max: 1000n })),
        fc.constantFrom("ns", "us", "ms", "s", "m", "h", "d"),
        (n, unit) => {
          expect(outcome(`${n}${unit}`)).toEqual(outcome(`${n}.0${unit}`));
        },
      ),
      { numRuns: 2000 },
    );
    expect(outcome("213503d")).toBe(213_503n * 86_400_000_000_000n);
    expect(outcome("213504d")).toBe("refused");
    expect(outcome("18446744073709551615ns")).toBe(U64_MAX);
  });
});
