// Shorthand for device cgroup rules in the cgroup unit tests.
import type { DeviceRule } from "../../src/cgroups/index.ts";

export const r = (
  allow: boolean,
  type: "a" | "c" | "b",
  major: number,
  minor: number,
  access: string,
): DeviceRule => ({ allow, type, major, minor, access });
