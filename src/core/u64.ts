/**
 * Unsigned integer arithmetic as upstream Rust does it: u64 nanosecond times as
 * bigint (a JS number loses precision above 2^53) and u32 counters as number,
 * both saturating at their maximum instead of wrapping.
 */

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

/** Rust `u64::saturating_add`. */
export function saturatingAdd(a: bigint, b: bigint): bigint {
  const sum = a + b;
  return sum > U64_MAX ? U64_MAX : sum;
}

/** Rust `u64::saturating_mul`. */
export function saturatingMul(a: bigint, b: bigint): bigint {
  const product = a * b;
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
