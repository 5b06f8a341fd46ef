/**
 * TIME and DUR arguments: a non-negative integer of nanoseconds, or a decimal
 * number with a unit (`250ms`, `1.5s`), converted exactly to whole
 * nanoseconds with bigint arithmetic. Anything else is refused.
 */
import { U64_MAX } from "../../core/u64.js";
import { UsageError } from "../errors.js";

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};


// u64 max has 20 digits; a unit is at most 8.64e13 ns, so a fraction with more
// significant digits than that can never come to whole nanoseconds.
const MAX_WHOLE_DIGITS = 20;
const MAX_FRACTION_DIGITS = 14;

const TIME_PATTERN = /^(\d+)(?:\.(\d+))?(ns|us|ms|s|m|h|d)?$/;

/** What the TIME / DUR syntax accepts, for error messages and help. */
export const TIME_SYNTAX = "nanoseconds (e.g. 1732000000000000000) or a number with a unit ns, us, ms, s, m, h, d (e.g. 250ms, 1.5s)";

/** Parses a TIME or DUR into u64 nanoseconds; `name` is the argument, for the error. */
export function parseNanoseconds(text: string, name: string): bigint {
  const match = TIME_PATTERN.exec(text);
  if (match === null) {
    throw new UsageError(`invalid time ${quote(text)}: expected ${TIME_SYNTAX}`, name);
  }
  const [, wholeDigits = "", fractionDigits = "", unit] = match;
  if (unit === undefined && fractionDigits !== "") {
    throw new UsageError(`invalid time ${quote(text)}: a fraction needs a unit (e.g. 1.5s)`, name);
  }
  // Leading and trailing zeros change nothing; without them, any spelling longer
  // than these bounds is out of range or not whole, so BigInt work stays small.
  const whole = wholeDigits.replace(/^0+(?=\d)/, "");
  const fraction = fractionDigits.replace(/0+$/, "");
  if (whole.length > MAX_WHOLE_DIGITS) {
    throw new UsageError(`invalid time ${quote(text)}: above the u64 maximum ${U64_MAX} ns`, name);
  }
  if (fraction.length > MAX_FRACTION_DIGITS) {
    throw new UsageError(`invalid time ${quote(text)}: not a whole number of nanoseconds`, name);
  }
  const unitNs = UNIT_NS[unit ?? "ns"] ?? 1n;
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction === "" ? "0" : fraction)) * unitNs;
  if (scaled % scale !== 0n) {
    throw new UsageError(`invalid time ${quote(text)}: not a whole number of nanoseconds`, name);
  }
  const ns = scaled / scale;
  if (ns > U64_MAX) {
    throw new UsageError(`invalid time ${quote(text)}: above the u64 maximum ${U64_MAX} ns`, name);
  }
  return ns;
}

/** The input as shown in an error: JSON-quoted, cut after 24 characters. */
function quote(text: string): string {
  return text.length > 24 ? `${JSON.stringify(text.slice(0, 24)).slice(0, -1)}..."` : JSON.stringify(text);
}
