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

export interface CapabilitySets {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}

/**
 * The `caps` op for process.capabilities, and what runt should warn about. The kernel
 * raises an ambient capability only if it is both permitted and inheritable
 * (PR_CAP_AMBIENT_RAISE fails with EPERM otherwise); runc and crun warn and go on,
 * and `runc spec` writes ambient caps without inheritable ones, so the plan carries
 * only the ambient caps that can be raised and the others become warnings.
 * Names the kernel table does not know are skipped with a warning, as runc does.
 */
export function capsOp(caps: CapabilitySets): { op: PlanOp; warnings: string[] } {
  const warnings: string[] = [];
  const unknown = new Set<string>();
  for (const set of ["bounding", "effective", "permitted", "inheritable", "ambient"] as const) {
    for (const name of caps[set] ?? []) if (!CAP_BITS.has(name)) unknown.add(name);
  }
  if (unknown.size > 0) {
    warnings.push(
      `process.capabilities: ignoring unknown or unavailable capabilities: ${[...unknown].sort().join(" ")}`,
    );
  }
  const permitted = capabilityMask(caps.permitted);
  const inheritable = capabilityMask(caps.inheritable);
  const wanted = capabilityMask(caps.ambient);
  const ambient = wanted & permitted & inheritable;
  const dropped = capabilityNames(wanted & ~ambient);
  if (dropped.length > 0) {
    warnings.push(
      `process.capabilities.ambient: cannot raise ${dropped.join(", ")}: an ambient capability must be in both the permitted and the inheritable set; skipped, as runc does`,
    );
  }
  const op: PlanOp = {
    op: "caps",
    effective: capabilityMask(caps.effective),
    permitted,
    inheritable,
    ambient,
  };
  return { op, warnings };
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
