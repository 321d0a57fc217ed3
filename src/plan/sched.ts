// How and where the process runs, as plan ops: process.scheduler (sched_setattr),
// process.ioPriority (ioprio_set), linux.personality, linux.memoryPolicy
// (set_mempolicy) and the CPU affinity of exec'd processes (execCPUAffinity). The
// numbers are the kernel's uapi values, as runc's configs and specconv have them.

import type {
  IOPriorityClass,
  MemoryPolicyFlag,
  MemoryPolicyMode,
  PersonalityDomain,
  SchedulerFlag,
  SchedulerPolicy,
} from "../spec/enums.ts";
import { MAX_ID, parseIdList } from "../spec/id-list.ts";
import type { CPUAffinity, Linux, Process } from "../spec/types.ts";
import type { Step } from "./plan.ts";

/** A sync that only waits for runt to have written linux.resources (it runs no hook). */
export const RESOURCES_SYNC = "resources";

export const SCHED_POLICIES: Record<SchedulerPolicy, number> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

export const SCHED_FLAGS: Record<SchedulerFlag, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

export const IOPRIO_CLASS: Record<IOPriorityClass, number> = {
  IOPRIO_CLASS_RT: 1,
  IOPRIO_CLASS_BE: 2,
  IOPRIO_CLASS_IDLE: 3,
};

export const MPOL_MODES: Record<MemoryPolicyMode, number> = {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
};

export const MPOL_FLAGS: Record<MemoryPolicyFlag, number> = {
  MPOL_F_NUMA_BALANCING: 1 << 13,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_STATIC_NODES: 1 << 15,
};

export const PERSONAS: Record<PersonalityDomain, number> = { LINUX: 0, LINUX32: 0x0008 };

/** JSON numbers past 2^53 arrive rounded; keep what arrived, as a u64. */
const ns = (v: number | undefined): bigint => BigInt(Math.trunc(v ?? 0));

/**
 * The scheduler, I/O priority, personality and memory policy of a process, in runc's
 * order (its inits set them after no_new_privs, before the credential switch, while
 * the process still has the privileges a real-time policy or IOPRIO_CLASS_RT needs).
 */
export function schedSteps(
  proc: Process,
  linux: Pick<Linux, "personality" | "memoryPolicy"> = {},
): { steps: Step[]; warnings: string[] } {
  const steps: Step[] = [];
  const warnings: string[] = [];
  const s = proc.scheduler;
  if (s) {
    const flags = (s.flags ?? []).reduce((f, name) => f | SCHED_FLAGS[name], 0);
    steps.push([
      "process.scheduler",
      {
        op: "sched",
        policy: SCHED_POLICIES[s.policy],
        flags,
        nice: s.nice ?? 0,
        priority: s.priority ?? 0,
        runtime: ns(s.runtime),
        deadline: ns(s.deadline),
        period: ns(s.period),
      },
    ]);
  }
  const io = proc.ioPriority;
  if (io) {
    const op = { op: "ioprio", class: IOPRIO_CLASS[io.class], priority: io.priority } as const;
    steps.push(["process.ioPriority", op]);
  }
  const p = linux.personality;
  if (p) {
    if (p.flags?.length) {
      warnings.push(
        `linux.personality.flags: ignored (${p.flags.join(", ")}); the runtime-spec defines no personality flags yet, and runc ignores them too`,
      );
    }
    steps.push(["linux.personality", { op: "personality", persona: PERSONAS[p.domain] }]);
  }
  const m = linux.memoryPolicy;
  if (m) {
    const flags = (m.flags ?? []).reduce((f, name) => f | MPOL_FLAGS[name], 0);
    const nodes = parseIdList(m.nodes ?? "", "linux.memoryPolicy.nodes", "node");
    steps.push(["linux.memoryPolicy", { op: "memPolicy", mode: MPOL_MODES[m.mode], flags, nodes }]);
  }
  return { steps, warnings };
}

/**
 * Every CPU: runt's own affinity (a taskset or a systemd CPUAffinity= on the engine)
 * must not reach the container; the kernel narrows it to the cgroup's cpuset, now and
 * when the cpuset changes (runc 1.4 resets it the same way).
 */
export const ALL_CPUS_STEP: Step = [
  "CPU affinity (reset to the cgroup's cpuset)",
  { op: "cpuAffinity", cpus: [[0, MAX_ID]] },
];

/**
 * process.execCPUAffinity of an exec'd process (the container's first process has
 * none, runtime-spec): `initial` before the cgroup is joined, then `final` right
 * after it; with neither, the reset; with only `initial`, nothing after the join.
 */
export function execAffinitySteps(aff: CPUAffinity | undefined): {
  initial: Step[];
  final: Step[];
} {
  const path = "process.execCPUAffinity";
  const initial = parseIdList(aff?.initial ?? "", `${path}.initial`, "CPU");
  const final = parseIdList(aff?.final ?? "", `${path}.final`, "CPU");
  const step = (at: string, cpus: typeof initial): Step => [
    `${path}.${at}`,
    { op: "cpuAffinity", cpus },
  ];
  return {
    initial: initial.length ? [step("initial", initial)] : [],
    final: final.length ? [step("final", final)] : initial.length ? [] : [ALL_CPUS_STEP],
  };
}

/** What to do when the kernel refuses one of these ops, for the error message. */
export function schedHint(note: string, errno: number): string | undefined {
  const EPERM = 1;
  const EINVAL = 22;
  const EOPNOTSUPP = 95;
  if (note === "process.scheduler" && errno === EPERM) {
    return "a negative nice or a real-time policy needs CAP_SYS_NICE, a real-time policy RT time in the container's cgroup (linux.resources.cpu.realtimeRuntime, which its parent must have to give), SCHED_DEADLINE every CPU of its root domain";
  }
  if (note === "process.scheduler" && errno === EOPNOTSUPP) {
    return "this kernel has no utilization clamping (CONFIG_UCLAMP_TASK): leave out SCHED_FLAG_UTIL_CLAMP_MIN and SCHED_FLAG_UTIL_CLAMP_MAX";
  }
  if (note === "linux.memoryPolicy" && errno === EINVAL) {
    return "name nodes that are online (/sys/devices/system/node/online) and in the cgroup's cpuset.mems; MPOL_F_NUMA_BALANCING goes with MPOL_BIND only";
  }
  if (note.startsWith("process.execCPUAffinity") && errno === EINVAL) {
    return "name CPUs that are online (/sys/devices/system/cpu/online) and in the container's cpuset.cpus";
  }
  return undefined;
}
