// `exec` -> InitPlan: the same runt-init joins a running container and starts one more
// process there. No mounts: the container's filesystem is already set up; the plan
// enters its cgroups and namespaces, forks into its PID namespace and applies the
// process's confinement, as the create plan does for the container's first process.
import type { CompiledSeccomp } from "../seccomp/compile.ts";
import type { Linux, Process } from "../spec/types.ts";
import { CLONE } from "./constants.ts";
import { type CompiledPlan, PlanBuilder } from "./plan.ts";
import { oomScoreAdjSteps, processSteps, terminalSteps } from "./process-ops.ts";
import { execAffinitySteps } from "./sched.ts";
import { lsmOps } from "./security.ts";

/** /proc/<pid>/ns entry -> clone flag, in the order they are joined. User goes first (so
 * the others are entered with its privileges) and mnt last (so every /proc path before it
 * is the host's). */
export const EXEC_NAMESPACES: readonly [string, number][] = [
  ["user", CLONE.NEWUSER],
  ["ipc", CLONE.NEWIPC],
  ["uts", CLONE.NEWUTS],
  ["net", CLONE.NEWNET],
  ["pid", CLONE.NEWPID],
  ["cgroup", CLONE.NEWCGROUP],
  ["time", CLONE.NEWTIME],
  ["mnt", CLONE.NEWNS],
];

export interface ExecPlanInput {
  /** The process to start, with every default already resolved. */
  process: Process;
  /** The /proc/<pid>/ns entries to join (names of EXEC_NAMESPACES); runt's own are left out. */
  join: { path: string; name: string }[];
  /** cgroup.procs files written "0" before any namespace is entered. */
  cgroupProcs: string[];
  preserveFds: number;
  /** Session keyring to join (the container's, "_ses.<id>", as runc), so the process
   * cannot reach the caller's keys. */
  keyring?: string;
  /** The container's linux.seccomp, compiled: an exec'd process gets the same filter. */
  seccomp?: CompiledSeccomp;
  /** The container's linux.personality and linux.memoryPolicy, which apply to it too. */
  linux?: Pick<Linux, "personality" | "memoryPolicy">;
}

export function compileExecPlan(input: ExecPlanInput): CompiledPlan {
  const b = new PlanBuilder();
  const proc = input.process;
  const affinity = execAffinitySteps(proc.execCPUAffinity);
  b.addSteps(affinity.initial);
  for (const file of input.cgroupProcs) {
    b.add("the container's cgroup", { op: "write", path: file, content: "0", inRoot: false });
  }
  b.addSteps(affinity.final);
  b.addSteps(oomScoreAdjSteps(proc));
  for (const [name, flag] of EXEC_NAMESPACES) {
    const ns = input.join.find((j) => j.name === name);
    if (!ns) continue;
    b.add(`the container's ${name} namespace`, { op: "setns", path: ns.path, nstype: flag });
    // Be root in the joined user namespace (as the create plan after unshare): runt's
    // own uid is unmapped there, and files it makes (the pty) could not be chowned.
    if (flag === CLONE.NEWUSER)
      b.add("the container's user namespace", { op: "user", uid: 0, gid: 0, groups: [] });
  }
  // setns(CLONE_NEWNS) put the init at the container's root (and cwd): "/" is its root now.
  b.add("exec", { op: "fork" }, { op: "setsid" }, { op: "openRoot", path: "/" });
  if (input.keyring) b.add("session keyring", { op: "keyring", name: input.keyring });
  b.addSteps(lsmOps(proc));
  // The container has its /dev/console already.
  b.addSteps(terminalSteps(proc, false));
  // As in the create plan, without the wait for `start`.
  const { steps, warnings } = processSteps({
    process: proc,
    linux: input.linux,
    seccomp: input.seccomp,
    preserveFds: input.preserveFds,
  });
  b.addSteps(steps);
  return b.done(warnings);
}
