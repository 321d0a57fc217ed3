// Fields runt does not implement yet. The spec requires an error for settings a
// runtime cannot honour, so a validated config that uses any of these is refused
// rather than run half-configured. When a feature lands, delete its line below.
// Today every runtime-spec 1.3 Linux field is implemented; what a host lacks
// (resctrl, a NUMA node, a CPU) is refused where runt finds out, naming the field.

import { SpecError } from "./errors.ts";
import type { Spec } from "./types.ts";

export interface Unsupported {
  /** What runt cannot do, as the subject of "... is not supported by runt yet". */
  what: string;
  /** The path of the first use of the feature in spec, or undefined if unused. */
  find: (spec: Spec) => string | undefined;
}

export const UNSUPPORTED: readonly Unsupported[] = [];

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
