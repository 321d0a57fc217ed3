// process.scheduler, process.ioPriority, process.execCPUAffinity and
// linux.memoryPolicy / linux.personality: their shapes, and the rules across their
// fields that runc's validator has (or that the kernel would otherwise refuse with a
// bare EINVAL), each reported at its JSON path.

import {
  type Check,
  int,
  oneOf,
  optIntOf,
  optList,
  optRecord,
  optStr,
  optStrArray,
} from "./check.ts";
import {
  IOPRIO_CLASSES,
  MEMORY_POLICY_FLAGS,
  MEMORY_POLICY_MODES,
  type MemoryPolicyMode,
  PERSONALITY_DOMAINS,
  SCHEDULER_FLAGS,
  SCHEDULER_POLICIES,
} from "./enums.ts";
import { fail } from "./errors.ts";
import { parseIdList } from "./id-list.ts";
import type {
  CPUAffinity,
  LinuxIOPriority,
  LinuxMemoryPolicy,
  LinuxPersonality,
  LinuxScheduler,
} from "./types.ts";

const optUint64 = optIntOf("uint64");
const optInt32 = optIntOf("int32");

export function checkScheduler(value: unknown, path: string): LinuxScheduler | undefined {
  const s = optRecord<LinuxScheduler>(value, path, {
    policy: (x, at) => oneOf(x, at, SCHEDULER_POLICIES),
    nice: optInt32,
    priority: optInt32,
    flags: optList((f, at) => oneOf(f, at, SCHEDULER_FLAGS)),
    runtime: optUint64,
    deadline: optUint64,
    period: optUint64,
  });
  if (!s) return s;
  const policy = s.policy;
  if (policy === "SCHED_ISO") {
    fail(`${path}.policy`, "a policy the Linux kernel has (it never had SCHED_ISO)", '"SCHED_ISO"');
  }
  const nice = s.nice ?? 0;
  if ((policy === "SCHED_OTHER" || policy === "SCHED_BATCH") && (nice < -20 || nice > 19)) {
    fail(`${path}.nice`, `a nice value from -20 to 19 for ${policy}`, String(nice));
  }
  const rt = policy === "SCHED_FIFO" || policy === "SCHED_RR";
  const priority = s.priority ?? 0;
  if (rt && (priority < 1 || priority > 99)) {
    fail(`${path}.priority`, `a priority from 1 to 99 for ${policy}`, String(priority));
  }
  if (!rt && priority !== 0) {
    fail(
      `${path}.priority`,
      "no priority but for SCHED_FIFO and SCHED_RR (as runc)",
      String(priority),
    );
  }
  if (policy !== "SCHED_DEADLINE") {
    for (const key of ["runtime", "deadline", "period"] as const) {
      const v = s[key] ?? 0;
      if (v !== 0) fail(`${path}.${key}`, `no ${key} but for SCHED_DEADLINE (as runc)`, String(v));
    }
  }
  return s;
}

export function checkIoPriority(value: unknown, path: string): LinuxIOPriority | undefined {
  return optRecord<LinuxIOPriority>(value, path, {
    class: (c, at) => oneOf(c, at, IOPRIO_CLASSES),
    priority: (p, at) => {
      const n = int(p, at, "int32");
      if (n < 0 || n > 7) fail(at, "a priority from 0 (highest) to 7 (lowest)", String(n));
      return n;
    },
  });
}

const cpuList: Check<string | undefined> = (v, p) => {
  const text = optStr(v, p);
  if (text !== undefined) parseIdList(text, p, "CPU");
  return text;
};

export function checkCpuAffinity(value: unknown, path: string): CPUAffinity | undefined {
  return optRecord<CPUAffinity>(value, path, { initial: cpuList, final: cpuList });
}

/** Modes that take no nodes, and those that need at least one (runc's validator). */
const NO_NODES: readonly MemoryPolicyMode[] = ["MPOL_DEFAULT", "MPOL_LOCAL"];
const SOME_NODES: readonly MemoryPolicyMode[] = [
  "MPOL_BIND",
  "MPOL_INTERLEAVE",
  "MPOL_PREFERRED_MANY",
  "MPOL_WEIGHTED_INTERLEAVE",
];

export function checkMemoryPolicy(value: unknown, path: string): LinuxMemoryPolicy | undefined {
  const m = optRecord<LinuxMemoryPolicy>(value, path, {
    mode: (x, at) => oneOf(x, at, MEMORY_POLICY_MODES),
    nodes: (n, at) => {
      const text = optStr(n, at);
      if (text !== undefined) parseIdList(text, at, "node");
      return text;
    },
    flags: optList((f, at) => oneOf(f, at, MEMORY_POLICY_FLAGS)),
  });
  if (!m) return m;
  const count = parseIdList(m.nodes ?? "", `${path}.nodes`, "node").length;
  if (NO_NODES.includes(m.mode) && count > 0) {
    fail(`${path}.nodes`, `no nodes for ${m.mode}`, JSON.stringify(m.nodes));
  }
  if (SOME_NODES.includes(m.mode) && count === 0) {
    fail(`${path}.nodes`, `at least one node for ${m.mode}`, "none");
  }
  const flags = m.flags ?? [];
  if (flags.includes("MPOL_F_STATIC_NODES") && flags.includes("MPOL_F_RELATIVE_NODES")) {
    fail(`${path}.flags`, "one of MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES", "both");
  }
  return m;
}

export function checkPersonality(value: unknown, path: string): LinuxPersonality | undefined {
  return optRecord<LinuxPersonality>(value, path, {
    domain: (d, at) => oneOf(d, at, PERSONALITY_DOMAINS),
    flags: optStrArray,
  });
}
