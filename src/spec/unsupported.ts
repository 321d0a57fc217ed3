// Fields runt does not implement yet. The spec requires an error for settings a
// runtime cannot honour, so a validated config that uses any of these is refused
// rather than run half-configured. When a feature lands, delete its line below.

import { SpecError } from "./errors.ts";
import type { Spec } from "./types.ts";

export interface Unsupported {
  /** What runt cannot do, as the subject of "... is not supported by runt yet". */
  what: string;
  /** The path of the first use of the feature in spec, or undefined if unused. */
  find: (spec: Spec) => string | undefined;
}

/** A field counts as used when it holds anything but nothing, "", [] or {}. */
function used(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.values(value).some((v) => v !== undefined);
  return true;
}

function field(path: string, what: string, get: (spec: Spec) => unknown): Unsupported {
  return { what, find: (spec) => (used(get(spec)) ? path : undefined) };
}

export const UNSUPPORTED: readonly Unsupported[] = [
  field("linux.personality", "setting the personality", (s) => s.linux?.personality),
  field("process.ioPriority", "setting the I/O priority", (s) => s.process?.ioPriority),
  field("process.scheduler", "setting the scheduler", (s) => s.process?.scheduler),
  field("process.execCPUAffinity", "setting exec CPU affinity", (s) => s.process?.execCPUAffinity),
  field("linux.memoryPolicy", "setting the NUMA memory policy", (s) => s.linux?.memoryPolicy),
];

/**
 * Throws SpecError for the first feature of UNSUPPORTED that `spec` uses:
 * "<file>: <path>: <what> is not supported by runt yet; remove it from config.json".
 */
export function refuseUnsupported(spec: Spec, file = "config.json"): void {
  for (const entry of UNSUPPORTED) {
    const path = entry.find(spec);
    if (path !== undefined) {
      const detail = `${entry.what} is not supported by runt yet; remove it from config.json`;
      throw new SpecError(path, detail, file);
    }
  }
}
