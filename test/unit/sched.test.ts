// process.scheduler, process.ioPriority, process.execCPUAffinity, linux.personality and
// linux.memoryPolicy: the validator's rules (each at its JSON path), the CPU and node
// lists, and the ops the plan compilers make of them. What the kernel does with the
// ops: test/integration/process-fields.test.ts.
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execJoin } from "../../src/container/exec.ts";
import { compileExecPlan } from "../../src/plan/exec.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import { execAffinitySteps, schedHint, schedSteps } from "../../src/plan/sched.ts";
import { parseIdList } from "../../src/spec/id-list.ts";
import { validateConfig, validateProcessFile } from "../../src/spec/index.ts";
import type { Process } from "../../src/spec/types.ts";
import { base, expectRejected, type Json, specError } from "./spec-helpers.ts";

describe("CPU and node lists", () => {
  test("runc's reading: ranges, single ids, spaces around elements, empty elements", () => {
    expect(parseIdList("0-3,7", "p", "CPU")).toEqual([
      [0, 3],
      [7, 7],
    ]);
    expect(parseIdList(" 1 ,, 2-2 ,", "p", "CPU")).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(parseIdList("", "p", "CPU")).toEqual([]);
    expect(parseIdList("  ", "p", "CPU")).toEqual([]);
    expect(parseIdList("65536", "p", "CPU")).toEqual([[65536, 65536]]);
  });

  const bad: [string, string][] = [
    ["all", 'expected a CPU list such as "0-3,7", got "all"'],
    ["1-2-3", 'expected a CPU list such as "0-3,7", got "1-2-3"'],
    ["-1", 'expected a CPU list such as "0-3,7", got "-1"'],
    ["1 - 2", 'expected a CPU list such as "0-3,7", got "1 - 2"'],
    ["0x1", 'expected a CPU list such as "0-3,7", got "0x1"'],
    ["3-1", 'expected ranges that go upwards (1-3), got "3-1"'],
    ["65537", "expected CPU numbers up to 65536, got 65537"],
    [",", 'expected at least one CPU, got ","'],
  ];
  for (const [text, detail] of bad) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      const err = specError(() => parseIdList(text, "process.execCPUAffinity.final", "CPU"));
      expect([err.path, err.detail]).toEqual(["process.execCPUAffinity.final", detail]);
    });
  }
});

describe("the validator", () => {
  const cases: [string, (c: Json) => void, string][] = [
    [
      "process.scheduler.policy",
      (c) => (c.process.scheduler = { policy: "SCHED_ISO" }),
      'expected a policy the Linux kernel has (it never had SCHED_ISO), got "SCHED_ISO"',
    ],
    [
      "process.scheduler.nice",
      (c) => (c.process.scheduler = { policy: "SCHED_OTHER", nice: 20 }),
      "expected a nice value from -20 to 19 for SCHED_OTHER, got 20",
    ],
    [
      "process.scheduler.nice",
      (c) => (c.process.scheduler = { policy: "SCHED_BATCH", nice: -21 }),
      "expected a nice value from -20 to 19 for SCHED_BATCH, got -21",
    ],
    [
      "process.scheduler.priority",
      (c) => (c.process.scheduler = { policy: "SCHED_FIFO" }),
      "expected a priority from 1 to 99 for SCHED_FIFO, got 0",
    ],
    [
      "process.scheduler.priority",
      (c) => (c.process.scheduler = { policy: "SCHED_RR", priority: 100 }),
      "expected a priority from 1 to 99 for SCHED_RR, got 100",
    ],
    [
      "process.scheduler.priority",
      (c) => (c.process.scheduler = { policy: "SCHED_OTHER", priority: 1 }),
      "expected no priority but for SCHED_FIFO and SCHED_RR (as runc), got 1",
    ],
    [
      "process.scheduler.period",
      (c) => (c.process.scheduler = { policy: "SCHED_BATCH", period: 1000 }),
      "expected no period but for SCHED_DEADLINE (as runc), got 1000",
    ],
    [
      "process.scheduler.flags[1]",
      (c) =>
        (c.process.scheduler = {
          policy: "SCHED_OTHER",
          flags: ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_NOPE"],
        }),
      'expected one of "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX", got "SCHED_FLAG_NOPE"',
    ],
    [
      "process.ioPriority.priority",
      (c) => (c.process.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 8 }),
      "expected a priority from 0 (highest) to 7 (lowest), got 8",
    ],
    [
      "process.ioPriority.class",
      (c) => (c.process.ioPriority = { class: "IOPRIO_CLASS_NONE", priority: 0 }),
      'expected one of "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", got "IOPRIO_CLASS_NONE"',
    ],
    [
      "process.execCPUAffinity.initial",
      (c) => (c.process.execCPUAffinity = { initial: "2-1" }),
      'expected ranges that go upwards (1-2), got "2-1"',
    ],
    [
      "linux.memoryPolicy.nodes",
      (c) => (c.linux.memoryPolicy = { mode: "MPOL_LOCAL", nodes: "0" }),
      'expected no nodes for MPOL_LOCAL, got "0"',
    ],
    [
      "linux.memoryPolicy.nodes",
      (c) => (c.linux.memoryPolicy = { mode: "MPOL_BIND" }),
      "expected at least one node for MPOL_BIND, got none",
    ],
    [
      "linux.memoryPolicy.nodes",
      (c) => (c.linux.memoryPolicy = { mode: "MPOL_INTERLEAVE", nodes: "x" }),
      'expected a node list such as "0-3,7", got "x"',
    ],
    [
      "linux.memoryPolicy.flags",
      (c) =>
        (c.linux.memoryPolicy = {
          mode: "MPOL_BIND",
          nodes: "0",
          flags: ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"],
        }),
      "expected one of MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES, got both",
    ],
    [
      "linux.memoryPolicy.mode",
      (c) => (c.linux.memoryPolicy = { mode: "MPOL_NOPE" }),
      'expected one of "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL", got "MPOL_NOPE"',
    ],
    [
      "linux.personality.domain",
      (c) => (c.linux.personality = { domain: "LINUX64" }),
      'expected one of "LINUX", "LINUX32", got "LINUX64"',
    ],
  ];
  for (const [path, mutate, detail] of cases) {
    test(`${path}: ${detail}`, () => expectRejected(path, mutate, detail));
  }

  test("valid uses pass: every policy but SCHED_ISO, deadline values, PREFERRED without nodes", () => {
    for (const policy of ["SCHED_OTHER", "SCHED_BATCH", "SCHED_IDLE", "SCHED_DEADLINE"]) {
      const c = base();
      c.process.scheduler = { policy, nice: policy === "SCHED_DEADLINE" ? 0 : -20 };
      expect(() => validateConfig(c)).not.toThrow();
    }
    const c = base();
    c.process.scheduler = {
      policy: "SCHED_DEADLINE",
      runtime: 10_000_000,
      deadline: 20_000_000,
      period: 30_000_000,
    };
    c.linux.memoryPolicy = { mode: "MPOL_PREFERRED" };
    c.process.execCPUAffinity = { initial: "", final: "0-1" };
    expect(() => validateConfig(c)).not.toThrow();
  });

  test("exec's process.json: the same rules, paths of the file's own", () => {
    const err = specError(() =>
      validateProcessFile(
        { args: ["sh"], cwd: "/", user: { uid: 0, gid: 0 }, execCPUAffinity: { final: "z" } },
        "p.json",
      ),
    );
    expect(err.message).toBe(
      'p.json: execCPUAffinity.final: expected a CPU list such as "0-3,7", got "z"',
    );
  });
});

describe("the plan", () => {
  const proc = { args: ["sh"], cwd: "/", user: { uid: 0, gid: 0 } };

  test("the kernel's numbers: policies, flags, classes, modes, personas", () => {
    const { steps, warnings } = schedSteps(
      {
        ...proc,
        scheduler: {
          policy: "SCHED_DEADLINE",
          nice: -5,
          flags: ["SCHED_FLAG_RECLAIM", "SCHED_FLAG_UTIL_CLAMP_MAX"],
          runtime: 1e7,
          deadline: 2e7,
          period: 3e7,
        },
        ioPriority: { class: "IOPRIO_CLASS_RT", priority: 0 },
      },
      {
        personality: { domain: "LINUX32" },
        memoryPolicy: {
          mode: "MPOL_PREFERRED_MANY",
          nodes: "0,2-3",
          flags: ["MPOL_F_RELATIVE_NODES", "MPOL_F_NUMA_BALANCING"],
        },
      },
    );
    expect(warnings).toEqual([]);
    expect(steps).toEqual([
      [
        "process.scheduler",
        {
          op: "sched",
          policy: 6,
          flags: 0x42,
          nice: -5,
          priority: 0,
          runtime: 10_000_000n,
          deadline: 20_000_000n,
          period: 30_000_000n,
        },
      ],
      ["process.ioPriority", { op: "ioprio", class: 1, priority: 0 }],
      ["linux.personality", { op: "personality", persona: 8 }],
      [
        "linux.memoryPolicy",
        {
          op: "memPolicy",
          mode: 5,
          flags: (1 << 14) | (1 << 13),
          nodes: [
            [0, 0],
            [2, 3],
          ],
        },
      ],
    ]);
  });

  test("personality flags are ignored with a warning, as runc", () => {
    const { warnings } = schedSteps(proc, { personality: { domain: "LINUX", flags: ["F"] } });
    expect(warnings).toEqual([
      "linux.personality.flags: ignored (F); the runtime-spec defines no personality flags yet, and runc ignores them too",
    ]);
  });

  test("exec CPU affinity: initial before the cgroup, final after; the reset without either", () => {
    const all: PlanOp = { op: "cpuAffinity", cpus: [[0, 65536]] };
    const only = (s: ReturnType<typeof execAffinitySteps>) => ({
      initial: s.initial.map(([, op]) => op),
      final: s.final.map(([, op]) => op),
    });
    expect(only(execAffinitySteps(undefined))).toEqual({ initial: [], final: [all] });
    expect(only(execAffinitySteps({ initial: "", final: "" }))).toEqual({
      initial: [],
      final: [all],
    });
    expect(only(execAffinitySteps({ initial: "1" }))).toEqual({
      initial: [{ op: "cpuAffinity", cpus: [[1, 1]] }],
      final: [],
    });
    expect(only(execAffinitySteps({ final: "0-1" }))).toEqual({
      initial: [],
      final: [{ op: "cpuAffinity", cpus: [[0, 1]] }],
    });
    const plan = compileExecPlan({
      process: { ...proc, execCPUAffinity: { initial: "1", final: "0" } },
      join: [],
      cgroupProcs: ["/sys/fs/cgroup/x/cgroup.procs"],
      preserveFds: 0,
    });
    expect(plan.ops.slice(0, 3).map((o) => o.op)).toEqual(["cpuAffinity", "write", "cpuAffinity"]);
    expect(plan.notes.slice(0, 3)).toEqual([
      "process.execCPUAffinity.initial",
      "the container's cgroup",
      "process.execCPUAffinity.final",
    ]);
  });
});

describe("what the error says to do", () => {
  test("a hint for each refusal the kernel gives these ops, none for others", () => {
    expect(schedHint("process.scheduler", 1)).toContain("linux.resources.cpu.realtimeRuntime");
    expect(schedHint("process.scheduler", 95)).toContain("CONFIG_UCLAMP_TASK");
    expect(schedHint("linux.memoryPolicy", 22)).toContain("/sys/devices/system/node/online");
    expect(schedHint("process.execCPUAffinity.final", 22)).toContain("cpuset.cpus");
    expect(schedHint("process.execCPUAffinity.initial", 22)).toContain("cpuset.cpus");
    expect(schedHint("process.ioPriority", 1)).toBeUndefined();
    expect(schedHint("mounts[0]", 22)).toBeUndefined();
  });
});

describe("exec's cgroup join with an initial affinity", () => {
  test("not born in the v2 cgroup: it joins by writing, after the initial op", () => {
    const dir = mkdtempSync(join(tmpdir(), "runt-join-"));
    try {
      const hierarchies: [string, string][] = [
        ["v1", "tasks"],
        ["v2", "cgroup.procs"],
      ];
      for (const [d, f] of hierarchies) {
        mkdirSync(join(dir, d, "c"), { recursive: true });
        writeFileSync(join(dir, d, f), "");
      }
      const files = [join(dir, "v1/c/cgroup.procs"), join(dir, "v2/c/cgroup.procs")];
      expect(execJoin(files, { ...proc() })).toEqual({
        files: [join(dir, "v1/c/tasks")],
        spawnIn: join(dir, "v2/c"),
      });
      expect(execJoin(files, { ...proc(), execCPUAffinity: { initial: "1" } })).toEqual({
        files: [join(dir, "v1/c/tasks"), join(dir, "v2/c/cgroup.procs")],
      });
      expect(execJoin(files, { ...proc(), execCPUAffinity: { final: "1" } }).spawnIn).toBe(
        join(dir, "v2/c"),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function proc(): Process {
  return { args: ["sh"], cwd: "/", user: { uid: 0, gid: 0 } };
}
