// The plan's part for the work the privileged helper does (opcodes 70-79):
// linux.netDevices, and whether any mount is idmapped (rootfs.ts makes those ops).
import { keySuffix } from "../spec/check.ts";
import type { Spec } from "../spec/types.ts";
import { mountIdmap } from "./idmap.ts";
import type { CompileInput, Step } from "./plan.ts";

/** One netDevice op per entry, renamed as `name` asks (else the host's name). */
export function netDeviceSteps(spec: Spec): Step[] {
  return Object.entries(spec.linux?.netDevices ?? {}).map(([hostName, d]) => [
    `linux.netDevices${keySuffix(hostName)}`,
    { op: "netDevice", hostName, name: d.name || hostName },
  ]);
}

/** Whether the plan needs the helper for an idmapped mount or a network device. */
export function needsHelper(input: CompileInput): boolean {
  const { spec } = input;
  if (Object.keys(spec.linux?.netDevices ?? {}).length > 0) return true;
  return (spec.mounts ?? []).some((m) => m.type !== "cgroup" && mountIdmap(m, spec) !== undefined);
}
