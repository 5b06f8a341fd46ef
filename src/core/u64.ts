/**
 * Unsigned integer arithmetic as upstream Rust does it: u64 nanosecond times as
 * bigint (a JS number loses precision above 2^53) and u32 counters as number,
 * both saturating at their maximum instead of wrapping.
 */

import { InvalidArgument } from "./errors.js";

/** Largest u64: 18446744073709551615. */
export const U64_MAX = (1n << 64n) - 1n;

/** Largest u32: 4294967295. */
export const U32_MAX = 0xffff_ffff;

/** True when `value` is a bigint in 0..=U64_MAX. */
export function isU64(value: bigint): boolean {
  return value >= 0n && value <= U64_MAX;
}

/** True when `value` is an integer number in 0..=U32_MAX. */
export function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= U32_MAX;
}

/**
 * `value` when it is a u64 (a bigint in 0..=U64_MAX), else an InvalidArgument
 * naming `what`. Rust's u64 holds no negative, no 2^64 and no JS number; the
 * port would store one as it is, and write it into a snapshot no reader accepts.
 */
export function checkedU64(value: bigint, what: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > U64_MAX) {
    const shown = typeof value === "bigint" ? `${value}n` : `${String(value)} (a ${typeof value}, not a bigint)`;
    throw new InvalidArgument(`invalid ${what} ${shown}: expected a bigint from 0n to ${U64_MAX}n (u64)`);
  }
  return value;
}

/** `value` when it is a u32 (an integer in 0..=U32_MAX), else an InvalidArgument naming `what`: NaN, a fraction or a value out of range would silently change every comparison. */
export function checkedU32(value: number, what: string): number {
  if (!isU32(value)) throw new InvalidArgument(`invalid ${what} ${String(value)}: expected a whole number from 0 to ${U32_MAX}`);
  return value;
}

/** Rust `u64::saturating_add`; an operand that is not a u64 bigint is an InvalidArgument (a string would concatenate, a number throw a TypeError). */
export function saturatingAdd(a: bigint, b: bigint): bigint {
  const sum = checkedU64(a, "saturatingAdd operand") + checkedU64(b, "saturatingAdd operand");
  return sum > U64_MAX ? U64_MAX : sum;
}

/** Rust `u64::saturating_mul`; an operand that is not a u64 bigint is an InvalidArgument. */
export function saturatingMul(a: bigint, b: bigint): bigint {
  const product = checkedU64(a, "saturatingMul operand") * checkedU64(b, "saturatingMul operand");
  return product > U64_MAX ? U64_MAX : product;
}

/** Rust `u32::saturating_add(1)`. */
export function saturatingIncrementU32(n: number): number {
  return n >= U32_MAX ? U32_MAX : n + 1;
}

/** Rust `u64::max(1)`: the clamp upstream applies to thresholds and backoff settings. */
export function atLeastOne(value: bigint): bigint {
  return value < 1n ? 1n : value;
}
