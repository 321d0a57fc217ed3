// JSON numbers are doubles, so a uint64 above 2^53 reaches runt rounded: the usual
// RLIM_INFINITY (18446744073709551615) parses as exactly 2^64. u64() turns a
// validated uint64 field into the bigint the kernel should see.

export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** A validated uint64 field as a bigint; values rounded up to 2^64 become U64_MAX. */
export function u64(value: number): bigint {
  if (value >= 2 ** 64) return U64_MAX;
  return BigInt(value);
}
