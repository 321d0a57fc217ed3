// Process credentials and limits: capability names to masks, rlimits to ops.
import { CAPABILITIES, RLIM_INFINITY, RLIMITS } from "./constants.ts";
import type { PlanOp } from "./plan.ts";

const CAP_BITS = new Map<string, number>(CAPABILITIES.map((name, bit) => [name, bit]));

/** Mask of the named capabilities. Names this kernel table does not know are skipped,
 * as runc skips them, so that a profile written for a newer kernel still runs. */
export function capabilityMask(names: readonly string[] = []): bigint {
  let mask = 0n;
  for (const name of names) {
    const bit = CAP_BITS.get(name);
    if (bit !== undefined) mask |= 1n << BigInt(bit);
  }
  return mask;
}

export function capabilityNames(mask: bigint): string[] {
  return CAPABILITIES.filter((_, bit) => mask & (1n << BigInt(bit)));
}

export interface RlimitSpec {
  type: string;
  soft: number;
  hard: number;
}

function limit(v: number): bigint {
  // JSON cannot carry 2^64-1 exactly; anything at or past 2^63 means "unlimited".
  return v >= 2 ** 63 || v < 0 ? RLIM_INFINITY : BigInt(v);
}

export function rlimitOps(rlimits: readonly RlimitSpec[]): PlanOp[] {
  return rlimits.map((r) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new Error(`unknown rlimit type ${r.type}`);
    return { op: "rlimit", resource, soft: limit(r.soft), hard: limit(r.hard) };
  });
}
