/** Human formatting of u64 nanosecond values: durations, relative times, wall-clock dates. */

const NS_PER_US = 1_000n;
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const NS_PER_M = 60n * NS_PER_S;
const NS_PER_H = 60n * NS_PER_M;
const NS_PER_D = 24n * NS_PER_H;

// Clocks between 2000-01-01 and 2200-01-01 are taken for epoch nanoseconds.
const EPOCH_FROM_NS = 946_684_800n * NS_PER_S;
const EPOCH_TO_NS = 7_258_118_400n * NS_PER_S;

/** A duration for people: "850 ns", "40 ms", "1.5 s", "2 m 30 s", "3 h 5 m", "12 d 4 h". */
export function formatDuration(ns: bigint): string {
  if (ns < 0n) ns = -ns;
  if (ns < NS_PER_US) return `${ns} ns`;
  if (ns < NS_PER_MS) return `${decimal(ns, NS_PER_US)} µs`;
  if (ns < NS_PER_S) return `${decimal(ns, NS_PER_MS)} ms`;
  if (ns < NS_PER_M) return `${decimal(ns, NS_PER_S)} s`;
  if (ns < NS_PER_H) return pair(ns, NS_PER_M, "m", NS_PER_S, "s");
  if (ns < NS_PER_D) return pair(ns, NS_PER_H, "h", NS_PER_M, "m");
  return pair(ns, NS_PER_D, "d", NS_PER_H, "h");
}

/** `targetNs` relative to `clockNs`: "in 40 ms", "3 s ago" or "now". */
export function formatRelative(targetNs: bigint, clockNs: bigint): string {
  if (targetNs === clockNs) return "now";
  return targetNs > clockNs ? `in ${formatDuration(targetNs - clockNs)}` : `${formatDuration(clockNs - targetNs)} ago`;
}

/** True when `ns` looks like nanoseconds since the Unix epoch (years 2000 to 2200). */
export function looksLikeEpoch(ns: bigint): boolean {
  return ns >= EPOCH_FROM_NS && ns < EPOCH_TO_NS;
}

/** An epoch-nanosecond instant as UTC with milliseconds: "2026-11-25 10:00:00.000 UTC". */
export function formatDate(ns: bigint): string {
  // The calendar by arithmetic, as Date.prototype.toISOString has it: the first Date a process makes sets up
  // its time zone data (~0.2 ms of a small run), which a UTC date does not need.
  const ms = Number(ns / NS_PER_MS);
  const days = Math.floor(ms / MS_PER_DAY);
  return `${dateOfDay(days)} ${timeOfDay(ms - days * MS_PER_DAY)} UTC`;
}

const MS_PER_DAY = 86_400_000;

// The last date dateOfDay made: a table's times mostly fall on a few days, and 10k rows made 10k calendars.
let lastDays = Number.NaN;
let lastDate = "";

/** The date of a count of days since 1970-01-01: "2026-11-25". */
function dateOfDay(days: number): string {
  if (days !== lastDays) {
    const { year, month, day } = civilFromDays(days);
    lastDate = `${year}-${two(month)}-${two(day)}`;
    lastDays = days;
  }
  return lastDate;
}

/** A time of day in milliseconds as "16:00:00.123". */
function timeOfDay(msOfDay: number): string {
  const hours = Math.floor(msOfDay / 3_600_000);
  const minutes = Math.floor(msOfDay / 60_000) % 60;
  const seconds = Math.floor(msOfDay / 1000) % 60;
  const ms = msOfDay % 1000;
  return `${two(hours)}:${two(minutes)}:${two(seconds)}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}`;
}

/** Year, month (1-12) and day of the month of a count of days since 1970-01-01 (Howard Hinnant's civil_from_days). */
function civilFromDays(daysSinceEpoch: number): { year: number; month: number; day: number } {
  const z = daysSinceEpoch + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** An instant for people: the raw nanoseconds, plus the date when it looks like epoch time. */
export function formatInstant(ns: bigint): string {
  return looksLikeEpoch(ns) ? `${ns} (${formatDate(ns)})` : `${ns}`;
}

/** An instant in a table cell: relative to the clock, with the UTC time of day when epoch-like. */
export function formatWhen(ns: bigint, clockNs: bigint): string {
  const relative = formatRelative(ns, clockNs);
  return looksLikeEpoch(ns) ? `${relative} (${formatTimeOfDay(ns)})` : relative;
}

/** The UTC time of day of an epoch-nanosecond instant: "16:00:00.123". */
export function formatTimeOfDay(ns: bigint): string {
  const ms = Number(ns / NS_PER_MS);
  return timeOfDay(ms - Math.floor(ms / MS_PER_DAY) * MS_PER_DAY);
}

function decimal(ns: bigint, unit: bigint): string {
  const whole = ns / unit;
  if (whole >= 100n) return `${whole}`;
  const tenths = ((ns % unit) * 10n) / unit;
  return tenths === 0n ? `${whole}` : `${whole}.${tenths}`;
}

function pair(ns: bigint, big: bigint, bigName: string, small: bigint, smallName: string): string {
  const rest = (ns % big) / small;
  return rest === 0n ? `${ns / big} ${bigName}` : `${ns / big} ${bigName} ${rest} ${smallName}`;
}

/** A size in bytes for people: `196 B`, `7.3 KB`, `979 KB`, `1.2 MB` (powers of 1000, as file sizes are usually told). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
