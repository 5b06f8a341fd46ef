/**
 * TIME and DUR arguments, converted exactly to u64 nanoseconds with bigint
 * arithmetic (never a float).
 *
 * DUR: `250ms`, `1.5s`, `1m30s`, `1h5m` (units largest first, each once), or
 * `0`. A bare number is refused: is `2` two seconds or two nanoseconds?
 * TIME: an integer of nanoseconds on the snapshot clock, an RFC 3339
 * date-time read as epoch nanoseconds, or `now` (the wall clock).
 *
 * Every error names the part that was wrong and shows one valid example, in
 * one short line.
 */
import { U64_MAX } from "../../core/u64.js";
import { UsageError } from "../errors.js";

const UNITS: readonly (readonly [string, bigint])[] = [
  ["d", 86_400_000_000_000n],
  ["h", 3_600_000_000_000n],
  ["m", 60_000_000_000n],
  ["s", 1_000_000_000n],
  ["ms", 1_000_000n],
  ["us", 1_000n],
  ["ns", 1n],
];
const UNIT_RANK = new Map(UNITS.map(([name], rank) => [name, rank]));
const UNIT_NS = new Map(UNITS);

// u64 max has 20 digits and a unit is at most 8.64e13 ns, so, without leading
// and trailing zeros, a longer spelling is out of range or not whole: the
// BigInt work stays small even for absurd inputs.
const MAX_WHOLE_DIGITS = 20;
const MAX_FRACTION_DIGITS = 14;

/** A decimal digit other than 0-9 (full-width `１０`, Arabic-Indic, ...), as an input method or a copied page types them. */
export const WIDE_DIGIT = /(?![0-9])\p{Nd}/u;

/** `text` with each such digit as its 0-9 (runs of decimal digits in Unicode start at a zero), for the error's example. */
export function asciiDigits(text: string): string {
  let out = "";
  for (const character of text) {
    const code = character.codePointAt(0) as number;
    if (code < 0x80 || !WIDE_DIGIT.test(character)) {
      out += character;
      continue;
    }
    let start = code;
    while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
    out += String((code - start) % 10);
  }
  return out;
}

/** What DUR accepts, for help. */
export const DUR_SYNTAX = "a number with a unit ns, us, ms, s, m, h, d (250ms, 1.5s, 1m30s)";
/** What TIME accepts, for help. */
export const TIME_SYNTAX = "nanoseconds on the snapshot clock, an RFC 3339 date (2025-11-24T16:01:00Z) or now";

/** Parses a DUR into u64 nanoseconds; `name` is the argument, for the error. */
export function parseDuration(text: string, name: string): bigint {
  return plainDuration(text) ?? spelledDuration(text, name);
}

/**
 * The usual DUR of a script line (`100ms`, `5s`: 1 to 15 digits without a leading zero, then one unit) in
 * nanoseconds, without the general parse (its regexes and a closure per call, a good part of an `apply`
 * line); undefined for anything else, which the general parse reads or refuses.
 */
function plainDuration(text: string): bigint | undefined {
  let digits = 0;
  while (digits < text.length && digits <= 15) {
    const code = text.charCodeAt(digits);
    if (code < 48 || code > 57) break;
    digits++;
  }
  if (digits === 0 || digits > 15 || text.charCodeAt(0) === 48) return undefined;
  const unitNs = UNIT_NS.get(text.slice(digits));
  if (unitNs === undefined) return undefined;
  const total = BigInt(text.slice(0, digits)) * unitNs;
  return total > U64_MAX ? undefined : total;
}

/** The general DUR parse: several units, fractions, and the error for every wrong spelling. */
function spelledDuration(text: string, name: string): bigint {
  const fail = (why: string): never => {
    throw new UsageError(`invalid duration ${quote(text)}: ${why}`, name);
  };
  if (text === "") fail("empty (e.g. 1.5s)");
  if (/^0+$/.test(text)) return 0n;
  if (WIDE_DIGIT.test(text)) fail(`write the digits in ASCII: ${asciiDigits(text.normalize("NFKC"))}`);
  if (/\s/.test(text)) fail("no spaces (e.g. 1m30s)");
  if (/^\d+$/.test(text)) fail(`add a unit: ${shortNumber(text)}s, ${shortNumber(text)}ms or ${shortNumber(text)}ns`);
  if (text.startsWith("-")) fail("a duration cannot be negative (e.g. 3s)");
  if (text.startsWith("+")) fail("no sign (e.g. 3s)");
  let total = 0n;
  let previousRank = -1;
  let position = 0;
  while (position < text.length) {
    const part = /^(\d*)(?:(\.)(\d*))?([^\d.]*)/.exec(text.slice(position));
    const [, whole = "", dot, fractionDigits = "", unit = ""] = part ?? [];
    const spelled = part?.[0] ?? "";
    if (whole === "" && dot === undefined) fail(`${quote(spelled || text.slice(position))} is not a number (e.g. 1m30s)`);
    if (whole === "") fail(`put a digit before the point (e.g. 0${spelled})`);
    if (dot !== undefined && fractionDigits === "") fail(`put a digit after the point (e.g. ${whole}.5${unit || "s"})`);
    if (/^[eE]([+-]|\d|$)/.test(unit)) fail("no exponents: write the digits (e.g. 1000s)");
    if (unit === "")
      fail(`add a unit after ${whole}${dot ?? ""}${fractionDigits}: s, ms or ns (e.g. ${whole}${dot ?? ""}${fractionDigits}s)`);
    const rank = UNIT_RANK.get(unit);
    const unitNs = UNIT_NS.get(unit);
    if (rank === undefined || unitNs === undefined) {
      const hint =
        unit === "\u00b5s" || unit === "\u03bcs"
          ? ` (write ${whole}us)`
          : UNIT_RANK.has(unit.toLowerCase())
            ? ` (units are lower case: ${whole}${unit.toLowerCase()})`
            : ` (units: ns, us, ms, s, m, h, d; e.g. ${whole}s)`;
      return fail(`unknown unit ${quote(unit)}${hint}`);
    }
    if (rank <= previousRank) fail("units go from largest to smallest, each once (e.g. 1h5m30s)");
    previousRank = rank;
    total += amount(whole, fractionDigits, unitNs, fail);
    if (total > U64_MAX) fail(`above the u64 maximum ${U64_MAX} ns (e.g. 213503d)`);
    position += spelled.length;
  }
  return total;
}

/** Parses a TIME into u64 nanoseconds; `wallClockNs` answers `now`. */
export function parseTime(text: string, name: string, wallClockNs: () => bigint = systemNowNs): bigint {
  const fail = (why: string): never => {
    throw new UsageError(`invalid time ${quote(text)}: ${why}`, name);
  };
  if (text === "now") return wallClockNs();
  if (WIDE_DIGIT.test(text)) fail(`write the digits in ASCII: ${asciiDigits(text.normalize("NFKC"))}`);
  if (/^\d+$/.test(text)) {
    const digits = text.replace(/^0+(?=\d)/, "");
    if (digits.length > MAX_WHOLE_DIGITS || BigInt(digits) > U64_MAX)
      fail(`above the u64 maximum ${U64_MAX} ns (e.g. 1764000000000000000)`);
    return BigInt(digits);
  }
  if (/^\d{4}-/.test(text)) return parseDate(text, fail);
  if (/^\d+(\.\d+)?[eE][+-]?\d/.test(text)) fail("no exponents: write the digits (e.g. 1764000000000000000)");
  if (/^\d+(\.\d+)?[a-z\u00b5]+/.test(text) && isDuration(text)) fail(durationForTime(text, name));
  if (text.startsWith("-")) fail("a time cannot be negative (e.g. 2025-11-24T16:01:00Z)");
  if (text.toLowerCase() === "now") fail('write "now" in lower case');
  return fail("expected nanoseconds, a date (e.g. 2025-11-24T16:01:00Z) or now");
}

/** The option that takes a DUR where `name` takes a TIME: --at's is --after, clock --set's is --advance. */
const RELATIVE_OPTION: Readonly<Record<string, string>> = { "--at": "--after", "--set": "--advance" };

/** What to say of a DUR given where a TIME is wanted: the option that takes it, when `name` has one. */
function durationForTime(text: string, name: string): string {
  const relative = RELATIVE_OPTION[name];
  return relative === undefined
    ? "that is a duration, and this is a time: nanoseconds, a date (e.g. 2025-11-24T16:01:00Z) or now"
    : `that is a duration: use ${relative} ${text}, or a date (e.g. 2025-11-24T16:01:00Z)`;
}

/** Whether `text` is a valid DUR. */
function isDuration(text: string): boolean {
  try {
    parseDuration(text, "");
    return true;
  } catch (error) {
    if (error instanceof UsageError) return false;
    throw error;
  }
}

/** The wall clock in epoch nanoseconds (millisecond precision); inside `withOneNow`, the instant it began. */
export function systemNowNs(): bigint {
  return oneNowNs ?? BigInt(Date.now()) * 1_000_000n;
}

/** The one `now` of a run that holds it (`withOneNow`), else undefined. */
let oneNowNs: bigint | undefined;

/**
 * Runs `body` with `now` one instant throughout. A fleet runs an apply script on every file, in its check and again
 * in its write: each line's `--at now` was read anew each time, so one script recorded its event at another time on
 * each node (a millisecond or more apart), and the write at other times than the dry run's plan showed.
 */
export async function withOneNow<T>(body: () => Promise<T>): Promise<T> {
  if (oneNowNs !== undefined) return body();
  oneNowNs = systemNowNs();
  try {
    return await body();
  } finally {
    oneNowNs = undefined;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(.*)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** An RFC 3339 date-time as epoch nanoseconds, each part checked on its own. */
function parseDate(text: string, fail: (why: string) => never): bigint {
  const match = DATE.exec(text);
  if (match === null) return fail("dates are written 2025-11-24T16:01:00Z");
  const [, year = "", month = "", day = "", separator, hour, minute, second, fraction, zone = ""] = match;
  const [y, mo, d] = [Number(year), Number(month), Number(day)];
  if (mo < 1 || mo > 12) fail(`month ${month} is not 01..12 (e.g. 2025-11-24T16:01:00Z)`);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 31);
  if (d < 1 || d > days) fail(`day ${day} is not in ${year}-${month} (01..${days}; e.g. ${year}-${month}-01T00:00:00Z)`);
  if (separator === undefined) fail(`add a time and zone: ${year}-${month}-${day}T00:00:00Z`);
  if (second === undefined) fail(`add seconds: ${year}-${month}-${day}T${hour}:${minute}:00${zone || "Z"}`);
  const [h, mi, s] = [Number(hour), Number(minute), Number(second)];
  const example = `e.g. ${year}-${month}-${day}T16:01:00Z`;
  if (h > 23) fail(`hour ${hour} is not 00..23 (${example})`);
  if (mi > 59) fail(`minute ${minute} is not 00..59 (${example})`);
  if (s > 59) fail(`second ${second} is not 00..59 (no leap seconds; ${example})`);
  if (fraction !== undefined && fraction.length > 9) fail(`fraction .${fraction.slice(0, 12)} has more than 9 digits (e.g. .123456789)`);
  const offsetMinutes = zoneOffset(zone, fail, `${year}-${month}-${day}T${hour}:${minute}:${second}`);
  const epochMs = BigInt(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC maps years 0..99 to 1900..1999; a year before 1970 is refused anyway.
  const ns =
    (y < 100 ? -1n : epochMs * 1_000_000n) + BigInt((fraction ?? "").padEnd(9, "0") || "0") - BigInt(offsetMinutes) * 60_000_000_000n;
  if (ns < 0n) fail("before 1970, where epoch nanoseconds start (e.g. 2025-11-24T16:01:00Z)");
  if (ns > U64_MAX) fail("after the last u64 nanosecond, 2554-07-21T23:34:33.709551615Z");
  return ns;
}

/** Minutes east of UTC for `Z` or `+HH:MM`; anything else names the zone as the wrong part. */
function zoneOffset(zone: string, fail: (why: string) => never, stem: string): number {
  if (zone === "Z" || zone === "z") return 0;
  if (zone === "") return fail(`add a time zone: ${stem}Z or ${stem}+01:00`);
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (match === null) return fail(`zone ${quote(zone)} is not Z or +HH:MM (e.g. ${stem}+01:00)`);
  const [, sign, hours = "", minutes = ""] = match;
  if (Number(hours) > 23 || Number(minutes) > 59) fail(`zone ${zone} is not -23:59..+23:59 (e.g. +01:00)`);
  return (sign === "-" ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

/** `whole.fraction` units in whole nanoseconds, or the reason it is not. */
function amount(wholeDigits: string, fractionDigits: string, unitNs: bigint, fail: (why: string) => never): bigint {
  const whole = wholeDigits.replace(/^0+(?=\d)/, "");
  const fraction = fractionDigits.replace(/0+$/, "");
  if (whole.length > MAX_WHOLE_DIGITS) fail(`above the u64 maximum ${U64_MAX} ns (e.g. 213503d)`);
  if (fraction.length > MAX_FRACTION_DIGITS) fail("finer than a nanosecond (e.g. 1.000000001s)");
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction === "" ? "0" : fraction)) * unitNs;
  if (scaled % scale !== 0n) fail("finer than a nanosecond (e.g. 1.000000001s)");
  return scaled / scale;
}

/** A number as it may be repeated in a hint: long ones cut. */
function shortNumber(digits: string): string {
  return digits.length > 12 ? "2" : digits;
}

/**
 * The input as shown in an error: JSON-quoted, cut after 24 characters, or 36 for a date: the longest one
 * (`2025-11-24T16:01:00.123456789+01:00`) whole, since its zone, at the end, is often what was wrong.
 */
function quote(text: string): string {
  const max = /^\d{4}-/.test(text) ? 36 : 24;
  return text.length > max ? `${JSON.stringify(text.slice(0, max)).slice(0, -1)}..."` : JSON.stringify(text);
}
