// The CompileInput the plan unit tests compile: runt spec's defaults (after edit) in a
// made-up bundle, no cgroups, every bind source a directory; over replaces fields.
import type { CgroupMountSource, CompileInput } from "../../src/plan/compile.ts";
import { defaultSpec } from "../../src/spec/default.ts";
import type { Spec } from "../../src/spec/types.ts";

export function compileInput(
  edit?: (s: Spec) => void,
  over: Partial<CompileInput> = {},
): CompileInput {
  const spec = defaultSpec({});
  edit?.(spec);
  return {
    spec,
    rootfs: "/b/rootfs",
    bundle: "/b",
    fifoPath: "/run/runt/x/exec.fifo",
    noPivot: false,
    preserveFds: 0,
    cgroupProcs: [],
    cgroupMounts: [],
    statSource: () => "dir",
    ...over,
  };
}

/** One cgroup2 hierarchy, the container's cgroup at hostPath. */
export const cgroup2At = (hostPath: string): CgroupMountSource[] => [
  { name: "", fstype: "cgroup2", data: "", hostPath, aliases: [] },
];
