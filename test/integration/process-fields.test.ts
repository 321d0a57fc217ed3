// The runtime-spec 1.3 process fields runc 1.5 honours, seen from inside real
// containers: process.scheduler, process.ioPriority, process.execCPUAffinity,
// linux.personality and linux.memoryPolicy, for the container's process and for exec.
// A static probe (test/helpers/sched-probe.c, built here with gcc -static) prints
// what the kernel holds: sched_getattr, ioprio_get, get_mempolicy, personality and
// the affinity; busybox's uname, ionice and /proc files say it too.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Process, Spec } from "../../src/spec/types.ts";
import { spawnToFiles } from "../helpers/harness.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  REPO,
  type Result,
  RUNT,
  runt,
  STATE_ROOT,
  testSpec,
} from "../helpers/runt.ts";

const PROBE = "/run/sched-probe";
let probeDir = "";
const temps: string[] = [];

beforeAll(() => {
  probeDir = mkdtempSync("/tmp/runt-probe-");
  const r = spawnSync(
    "gcc",
    [
      "-static",
      "-O2",
      "-o",
      join(probeDir, "sched-probe"),
      join(REPO, "test/helpers/sched-probe.c"),
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`gcc -static sched-probe.c: ${r.stderr}`);
});
afterEach(() => {
  cleanup();
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});
afterAll(() => {
  cleanupAll();
  rmSync(probeDir, { recursive: true, force: true });
});

/** A busybox container with the probe bound (read-only) onto /run. */
function spec(args: string[], edit?: (s: Spec) => void): Spec {
  return testSpec(args, (s) => {
    s.mounts = [
      ...(s.mounts ?? []),
      { destination: "/run", type: "bind", source: probeDir, options: ["bind", "ro"] },
    ];
    edit?.(s);
  });
}

const proc = (s: Spec): Process => s.process as Process;

/** The probe's "key value" lines. */
function probed(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+) (.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

function run(s: Spec, id = newId("pf")): Result {
  return runt(["run", "--bundle", makeBundle(s), id]);
}

/** runt under `taskset -c CPUS`: an engine with a narrow affinity of its own. */
function runtPinned(cpus: string, args: string[]): Result {
  const r = spawnToFiles("taskset", ["-c", cpus, RUNT, "--root", STATE_ROOT, ...args]);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A refusal: exit 1, the JSON path, no stack trace, no state dir or cgroup left. */
function expectRefused(r: Result, id: string, ...words: string[]): void {
  expect(r.status).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const w of words) expect(r.stderr).toContain(w);
  expect(existsSync(join(STATE_ROOT, id))).toBe(false);
  for (const ctrl of ["cpu", "memory", "pids", "cpuset"]) {
    expect(existsSync(`/sys/fs/cgroup/${ctrl}/runt/${id}`)).toBe(false);
  }
}

const hostCpus = (): string => {
  const m = /Cpus_allowed_list:\s*(\S+)/.exec(
    spawnSync("cat", ["/proc/self/status"], { encoding: "utf8" }).stdout,
  );
  return m?.[1] ?? "";
};

describe("the container's process", () => {
  test("SCHED_BATCH nice 7, best-effort I/O 5, LINUX32, MPOL_BIND node 0 static", () => {
    const s = spec(
      ["sh", "-c", `uname -m; grep -E '^policy' /proc/self/sched; ionice -p $$; exec ${PROBE}`],
      (c) => {
        proc(c).scheduler = { policy: "SCHED_BATCH", nice: 7 };
        proc(c).ioPriority = { class: "IOPRIO_CLASS_BE", priority: 5 };
        c.linux = {
          ...c.linux,
          personality: { domain: "LINUX32" },
          memoryPolicy: { mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_STATIC_NODES"] },
        };
      },
    );
    const r = run(s);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("i686");
    expect(lines[1]).toMatch(/^policy\s+:\s+3$/);
    expect(lines[2]).toBe("best-effort: prio 5");
    const p = probed(r.stdout);
    expect([p.policy, p.nice, p.priority]).toEqual(["3", "7", "0"]);
    expect([p.ioprio_class, p.ioprio_level]).toEqual(["2", "5"]);
    expect([p.mempolicy_mode, p.mempolicy_flags, p.mempolicy_nodes]).toEqual([
      "2",
      String(1 << 15),
      "0",
    ]);
    expect(p.personality).toBe("8");
  });

  test("SCHED_RR 10 with RESET_ON_FORK: PID 1 keeps it, its children start as SCHED_OTHER", () => {
    // A real-time policy needs RT time in the cgroup: one of its own under the root
    // (runt's /runt parent has none to hand out).
    const cg = `/runt-pf-rt-${process.pid}`;
    const s = spec(
      ["sh", "-c", `grep -E '^(policy|prio) ' /proc/1/sched; ${PROBE}; echo forked`],
      (c) => {
        proc(c).scheduler = {
          policy: "SCHED_RR",
          priority: 10,
          flags: ["SCHED_FLAG_RESET_ON_FORK"],
        };
        c.linux = {
          ...c.linux,
          cgroupsPath: cg,
          resources: { cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } },
        };
      },
    );
    const r = run(s);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^policy\s+:\s+2\nprio\s+:\s+89\n/);
    const child = probed(r.stdout);
    expect([child.policy, child.priority, child.sched_flags]).toEqual(["0", "0", "0"]);
    expect(existsSync(`/sys/fs/cgroup/cpu${cg}`)).toBe(false);
  });

  test("SCHED_DEADLINE runtime/deadline/period, IOPRIO_CLASS_RT 0, MPOL_LOCAL", () => {
    const s = spec([PROBE], (c) => {
      proc(c).scheduler = {
        policy: "SCHED_DEADLINE",
        runtime: 1_000_000,
        deadline: 5_000_000,
        period: 10_000_000,
      };
      proc(c).ioPriority = { class: "IOPRIO_CLASS_RT", priority: 0 };
      c.linux = { ...c.linux, memoryPolicy: { mode: "MPOL_LOCAL" } };
    });
    const r = run(s);
    expect(r.stderr).toBe("");
    const p = probed(r.stdout);
    expect([p.policy, p.runtime, p.deadline, p.period]).toEqual([
      "6",
      "1000000",
      "5000000",
      "10000000",
    ]);
    expect([p.ioprio_class, p.ioprio_level]).toEqual(["1", "0"]);
    expect([p.mempolicy_mode, p.mempolicy_nodes]).toEqual(["4", "none"]);
  });

  test("MPOL_PREFERRED with RELATIVE_NODES, MPOL_BIND with NUMA_BALANCING, PREFERRED_MANY, WEIGHTED_INTERLEAVE", () => {
    const cases: [NonNullable<Spec["linux"]>["memoryPolicy"], string[]][] = [
      [
        { mode: "MPOL_PREFERRED", nodes: "0", flags: ["MPOL_F_RELATIVE_NODES"] },
        ["1", String(1 << 14), "0"],
      ],
      [
        { mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_NUMA_BALANCING"] },
        ["2", String(1 << 13), "0"],
      ],
      [{ mode: "MPOL_PREFERRED_MANY", nodes: "0" }, ["5", "0", "0"]],
      [{ mode: "MPOL_WEIGHTED_INTERLEAVE", nodes: "0" }, ["6", "0", "0"]],
      [{ mode: "MPOL_INTERLEAVE", nodes: "0" }, ["3", "0", "0"]],
    ];
    for (const [memoryPolicy, want] of cases) {
      const r = run(spec([PROBE], (c) => (c.linux = { ...c.linux, memoryPolicy })));
      expect(r.stderr).toBe("");
      const p = probed(r.stdout);
      expect([memoryPolicy?.mode, p.mempolicy_mode, p.mempolicy_flags, p.mempolicy_nodes]).toEqual([
        memoryPolicy?.mode,
        ...want,
      ]);
    }
  });

  test("LINUX is the default domain; nothing set leaves the kernel's defaults", () => {
    const r = run(
      spec(["sh", "-c", `uname -m; exec ${PROBE}`], (c) => {
        c.linux = { ...c.linux, personality: { domain: "LINUX" } };
      }),
    );
    expect(r.stdout.split("\n")[0]).toBe("x86_64");
    const p = probed(r.stdout);
    expect([p.personality, p.policy, p.ioprio_class, p.mempolicy_mode]).toEqual([
      "0",
      "0",
      "0",
      "0",
    ]);
  });

  test("runt's own CPU affinity does not reach it; execCPUAffinity is not for it", () => {
    const all = hostCpus();
    if (all === "0") return; // a one-CPU host has no narrower affinity to leak
    const id = newId("pin");
    const s = spec(["grep", "Cpus_allowed_list", "/proc/self/status"], (c) => {
      proc(c).execCPUAffinity = { initial: "0", final: "0" };
    });
    const r = runtPinned("1", ["run", "--bundle", makeBundle(s), id]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`Cpus_allowed_list:\t${all}\n`);
  });
});

describe("exec", () => {
  /** A running container (sleep) with `edit`, and a process.json writer. */
  function started(edit?: (s: Spec) => void): { id: string; processFile: (p: object) => string } {
    const id = newId("pfx");
    const s = spec(["sleep", "300"], edit);
    const bundle = makeBundle(s);
    const r = runt(["run", "-d", "--bundle", bundle, id]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return {
      id,
      processFile: (p) => {
        const dir = mkdtempSync("/tmp/runt-pf-");
        temps.push(dir);
        const file = join(dir, "process.json");
        writeFileSync(file, JSON.stringify({ ...proc(s), ...p }));
        return file;
      },
    };
  }

  test("process.json's scheduler, ioPriority and execCPUAffinity; the container's personality and memory policy", () => {
    const c = started((s) => {
      s.linux = {
        ...s.linux,
        personality: { domain: "LINUX32" },
        memoryPolicy: { mode: "MPOL_PREFERRED", nodes: "0" },
      };
    });
    const cpus = hostCpus() === "0" ? "0" : "1";
    const file = c.processFile({
      args: ["sh", "-c", `uname -m; ionice -p $$; exec ${PROBE}`],
      scheduler: { policy: "SCHED_IDLE" },
      ioPriority: { class: "IOPRIO_CLASS_IDLE", priority: 7 },
      execCPUAffinity: { initial: "0", final: cpus },
    });
    const r = runt(["exec", "--process", file, c.id]);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 2)).toEqual(["i686", "idle"]);
    const p = probed(r.stdout);
    expect([p.policy, p.ioprio_class, p.ioprio_level, p.cpus]).toEqual(["5", "3", "7", cpus]);
    expect([p.personality, p.mempolicy_mode, p.mempolicy_nodes]).toEqual(["8", "1", "0"]);
  });

  test("without them in process.json, exec takes config.json's scheduler, ioPriority and execCPUAffinity", () => {
    if (hostCpus() === "0") return;
    const c = started((s) => {
      proc(s).scheduler = { policy: "SCHED_BATCH", nice: 3 };
      proc(s).ioPriority = { class: "IOPRIO_CLASS_BE", priority: 1 };
      proc(s).execCPUAffinity = { final: "1" };
    });
    // The container's own process is not pinned by execCPUAffinity.
    const init = runt(["exec", c.id, "grep", "Cpus_allowed_list", "/proc/1/status"]);
    expect(init.stdout).toBe(`Cpus_allowed_list:\t${hostCpus()}\n`);
    for (const r of [
      runt(["exec", c.id, PROBE]),
      runt(["exec", "--process", c.processFile({ args: [PROBE] }), c.id]),
    ]) {
      expect(r.stderr).toBe("");
      const p = probed(r.stdout);
      expect([p.policy, p.nice, p.ioprio_class, p.ioprio_level, p.cpus]).toEqual([
        "3",
        "3",
        "2",
        "1",
        "1",
      ]);
    }
  });

  test("initial alone: set before the cgroup is joined, and kept (no final, no reset)", () => {
    if (hostCpus() === "0") return;
    const c = started();
    const file = c.processFile({
      args: ["sh", "-c", `cat /proc/self/cgroup; echo; cat /proc/1/cgroup; echo; exec ${PROBE}`],
      execCPUAffinity: { initial: "1" },
    });
    // Kernels since 6.2 keep a requested affinity across the move into the cpuset.
    const r = runt(["exec", "--process", file, c.id]);
    expect(r.stderr).toBe("");
    expect(probed(r.stdout).cpus).toBe("1");
    // Joined by writes then, not born in the v2 cgroup: in every cgroup of the container.
    const [mine, theirs] = r.stdout.split("\n\n");
    expect(mine).toContain("0::");
    expect(mine).toBe(theirs);
  });

  test("without any, runt's own affinity is reset to the container's CPUs", () => {
    const all = hostCpus();
    if (all === "0") return;
    const c = started();
    const r = runtPinned("1", ["exec", c.id, "grep", "Cpus_allowed_list", "/proc/self/status"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`Cpus_allowed_list:\t${all}\n`);
  });

  // runc's exec exits 255 when the process cannot be started; runt's too.
  test("a CPU the host lacks, a bad scheduler in process.json: exit 255 with the path, no process left", () => {
    const c = started();
    const far = c.processFile({ args: ["true"], execCPUAffinity: { final: "4000" } });
    const r = runt(["exec", "--process", far, c.id]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(
      "process.execCPUAffinity.final: sched_setaffinity to CPUs 4000: invalid argument (EINVAL); name CPUs that are online",
    );
    const bad = c.processFile({ args: ["true"], scheduler: { policy: "SCHED_NOPE" } });
    const r2 = runt(["exec", "--process", bad, c.id]);
    expect(r2.status).toBe(255);
    expect(r2.stderr).toContain(`${bad}: scheduler.policy: expected one of "SCHED_OTHER"`);
    expect(r2.stderr).not.toMatch(/\n\s+at /);
    // Only the container's sleep is in it.
    const ps = runt(["ps", c.id]);
    expect(ps.stdout.trim().split("\n")).toHaveLength(2);
  });
});

describe("bad values: exit 1 with the JSON path, nothing left behind", () => {
  const cases: [string, (s: Spec) => void, string[]][] = [
    [
      "an unknown policy",
      (s) => (proc(s).scheduler = { policy: "SCHED_NOPE" as never }),
      ["config.json: process.scheduler.policy: expected one of"],
    ],
    [
      "an unknown I/O class",
      (s) => (proc(s).ioPriority = { class: "IOPRIO_CLASS_NONE" as never, priority: 0 }),
      ["config.json: process.ioPriority.class: expected one of"],
    ],
    [
      "an I/O priority past 7",
      (s) => (proc(s).ioPriority = { class: "IOPRIO_CLASS_BE", priority: 8 }),
      ["config.json: process.ioPriority.priority: expected a priority from 0 (highest) to 7"],
    ],
    [
      "a node the host lacks",
      (s) => (s.linux = { ...s.linux, memoryPolicy: { mode: "MPOL_BIND", nodes: "1" } }),
      [
        "linux.memoryPolicy: set_mempolicy mode 2 flags 0x0 nodes 1: invalid argument (EINVAL); name nodes that are online",
      ],
    ],
    [
      "NUMA_BALANCING with MPOL_INTERLEAVE (the kernel refuses it)",
      (s) =>
        (s.linux = {
          ...s.linux,
          memoryPolicy: { mode: "MPOL_INTERLEAVE", nodes: "0", flags: ["MPOL_F_NUMA_BALANCING"] },
        }),
      ["linux.memoryPolicy: set_mempolicy mode 3 flags 0x2000 nodes 0: invalid argument"],
    ],
    [
      "STATIC and RELATIVE nodes together",
      (s) =>
        (s.linux = {
          ...s.linux,
          memoryPolicy: {
            mode: "MPOL_BIND",
            nodes: "0",
            flags: ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"],
          },
        }),
      ["config.json: linux.memoryPolicy.flags: expected one of MPOL_F_STATIC_NODES and"],
    ],
    [
      "a real-time policy without RT time in the cgroup",
      (s) => (proc(s).scheduler = { policy: "SCHED_FIFO", priority: 1 }),
      [
        "process.scheduler: sched_setattr policy 1",
        "operation not permitted (EPERM); a negative nice or a real-time policy needs CAP_SYS_NICE",
      ],
    ],
    [
      "SCHED_ISO, which Linux never had",
      (s) => (proc(s).scheduler = { policy: "SCHED_ISO" }),
      ["config.json: process.scheduler.policy: expected a policy the Linux kernel has"],
    ],
    [
      "a bad CPU list",
      (s) => (proc(s).execCPUAffinity = { initial: "0-" }),
      ['config.json: process.execCPUAffinity.initial: expected a CPU list such as "0-3,7"'],
    ],
    [
      "an unknown personality domain",
      (s) => (s.linux = { ...s.linux, personality: { domain: "LINUX64" as never } }),
      ['config.json: linux.personality.domain: expected one of "LINUX", "LINUX32"'],
    ],
  ];
  for (const [name, edit, words] of cases) {
    test(name, () => {
      const id = newId("bad");
      expectRefused(run(spec(["true"], edit), id), id, ...words);
    });
  }
});
