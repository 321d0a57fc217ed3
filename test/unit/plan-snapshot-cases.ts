// The configs whose whole plans plan-snapshot.test.ts pins op for op (the expected
// lists are in plan-snapshot-ops.ts). Shared so the lists can be regenerated from
// these inputs when a plan is meant to change.
import { type CompileInput, compilePlan } from "../../src/plan/compile.ts";
import { compileExecPlan, type ExecPlanInput } from "../../src/plan/exec.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import type { CompiledSeccomp } from "../../src/seccomp/compile.ts";
import { defaultSpec } from "../../src/spec/default.ts";
import type { Process, Spec } from "../../src/spec/types.ts";

export interface PlanSnapshot {
  ops: PlanOp[];
  notes: string[];
  warnings: string[];
}

const SECCOMP: CompiledSeccomp = {
  program: new Uint8Array([6, 0, 0, 0, 0, 0, 0xff, 0x7f]),
  flags: 1,
  notify: false,
};

/** A small config: few mounts, so each plan shows its process part plainly. */
function small(edit?: (s: Spec) => void): Spec {
  const spec: Spec = {
    ociVersion: "1.3.0",
    root: { path: "rootfs" },
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ["sh", "-c", "true"],
      env: ["PATH=/bin"],
      cwd: "/",
      capabilities: { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"] },
    },
    mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "ipc" }] },
  };
  edit?.(spec);
  return spec;
}

const nnp = (on: boolean) => (s: Spec) => {
  if (s.process) s.process.noNewPrivileges = on;
};

function create(spec: Spec, over: Partial<CompileInput> = {}): PlanSnapshot {
  const { ops, notes, warnings } = compilePlan({
    spec,
    rootfs: "/b/rootfs",
    bundle: "/b",
    fifoPath: "/run/runt/x/exec.fifo",
    noPivot: false,
    preserveFds: 0,
    cgroupProcs: ["/sys/fs/cgroup/runt/x/cgroup.procs"],
    cgroupMounts: [
      { name: "", fstype: "cgroup2", data: "", hostPath: "/sys/fs/cgroup/runt/x", aliases: [] },
    ],
    statSource: (p) => (p.endsWith(".txt") ? "file" : "dir"),
    runtimeMountNs: "/proc/1/ns/mnt",
    ...over,
  });
  return { ops, notes, warnings };
}

function exec(process: Process, over: Partial<ExecPlanInput> = {}): PlanSnapshot {
  const { ops, notes, warnings } = compileExecPlan({
    process,
    join: ["mnt", "pid", "user", "ipc"].map((name) => ({ path: `/proc/9/ns/${name}`, name })),
    cgroupProcs: ["/sys/fs/cgroup/runt/x/cgroup.procs"],
    preserveFds: 0,
    keyring: "_ses.x",
    ...over,
  });
  return { ops, notes, warnings };
}

const proc = (over: Partial<Process> = {}): Process => ({
  ...(small().process as Process),
  ...over,
});

export const CASES: Record<string, () => PlanSnapshot> = {
  "create: runt spec's config, no terminal": () =>
    create(
      (() => {
        const s = defaultSpec({});
        if (s.process) s.process.terminal = false;
        return s;
      })(),
      { keyring: "_ses.x" },
    ),
  "create: user namespace with a bind mount": () =>
    create(
      small((s) => {
        s.linux?.namespaces?.push({ type: "user" });
        s.linux = {
          ...s.linux,
          uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
          gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
        };
        s.mounts?.push({ destination: "/data", type: "bind", source: "data", options: ["rbind"] });
        if (s.process) s.process.user = { uid: 1000, gid: 1000, additionalGids: [5] };
      }),
    ),
  "create: seccomp without no_new_privs": () => create(small(nnp(false)), { seccomp: SECCOMP }),
  "create: seccomp with no_new_privs": () => create(small(nnp(true)), { seccomp: SECCOMP }),
  "create: seccomp listener with no_new_privs": () =>
    create(small(nnp(true)), {
      seccomp: { ...SECCOMP, notify: true },
    }),
  "create: terminal": () =>
    create(
      small((s) => {
        if (!s.process) return;
        s.process.terminal = true;
        s.process.consoleSize = { height: 24, width: 80 };
        s.process.user = { uid: 7, gid: 7 };
      }),
    ),
  "create: startContainer and createContainer hooks, seccomp with no_new_privs": () =>
    create(
      small((s) => {
        if (s.process) s.process.noNewPrivileges = true;
        s.hooks = {
          prestart: [{ path: "/bin/pre" }],
          createContainer: [{ path: "/bin/cc", args: ["cc", "-x"], env: ["A=1"], timeout: 3 }],
          startContainer: [{ path: "/bin/sc" }, { path: "/bin/sc2", args: ["sc2"] }],
        };
      }),
      { seccomp: SECCOMP },
    ),
  "create: every process field": () =>
    create(
      small((s) => {
        s.process = {
          ...proc(),
          user: { uid: 1000, gid: 100, umask: 0o077, additionalGids: [10, 20] },
          cwd: "/home",
          rlimits: [
            { type: "RLIMIT_NOFILE", soft: 1024, hard: 4096 },
            { type: "RLIMIT_CORE", soft: 2 ** 64, hard: 2 ** 64 },
          ],
          capabilities: {
            bounding: ["CAP_KILL", "CAP_CHOWN", "CAP_NOPE"],
            effective: ["CAP_KILL"],
            permitted: ["CAP_KILL", "CAP_CHOWN"],
            inheritable: ["CAP_CHOWN"],
            ambient: ["CAP_CHOWN", "CAP_KILL"],
          },
          noNewPrivileges: true,
          oomScoreAdj: 100,
          apparmorProfile: "runt-default",
          selinuxLabel: "system_u:system_r:container_t:s0",
          scheduler: { policy: "SCHED_FIFO", priority: 10, flags: ["SCHED_FLAG_RESET_ON_FORK"] },
          ioPriority: { class: "IOPRIO_CLASS_BE", priority: 3 },
          execCPUAffinity: { initial: "0", final: "1" },
        };
        s.linux = {
          ...s.linux,
          personality: { domain: "LINUX32" },
          memoryPolicy: { mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_STATIC_NODES"] },
        };
        s.hostname = "box";
        s.linux?.namespaces?.push({ type: "uts" });
      }),
      { preserveFds: 2 },
    ),
  "exec: a user and capabilities": () =>
    exec(
      proc({
        user: { uid: 1000, gid: 1000, additionalGids: [4, 24] },
        cwd: "/tmp",
        capabilities: {
          bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
          effective: ["CAP_NET_BIND_SERVICE"],
          permitted: ["CAP_NET_BIND_SERVICE"],
          inheritable: ["CAP_NET_BIND_SERVICE"],
          ambient: ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
        },
      }),
      { preserveFds: 1 },
    ),
  "exec: terminal, rlimits, labels, seccomp without no_new_privs": () =>
    exec(
      proc({
        terminal: true,
        consoleSize: { height: 50, width: 132 },
        user: { uid: 33, gid: 33, umask: 0o002 },
        rlimits: [{ type: "RLIMIT_NPROC", soft: 10, hard: 20 }],
        oomScoreAdj: -5,
        apparmorProfile: "p",
        noNewPrivileges: false,
      }),
      { seccomp: SECCOMP },
    ),
  "exec: seccomp with no_new_privs, no user namespace joined": () =>
    exec(proc({ noNewPrivileges: true, cwd: "" }), {
      seccomp: SECCOMP,
      join: [{ path: "/proc/9/ns/mnt", name: "mnt" }],
      keyring: undefined,
    }),
  "exec: seccomp listener with no_new_privs": () =>
    exec(proc({ noNewPrivileges: true }), { seccomp: { ...SECCOMP, notify: true } }),
  "exec: scheduler, I/O priority, CPU affinity, the container's personality and memory policy":
    () =>
      exec(
        proc({
          scheduler: { policy: "SCHED_IDLE" },
          ioPriority: { class: "IOPRIO_CLASS_IDLE", priority: 7 },
          execCPUAffinity: { initial: "1", final: "0-1" },
        }),
        {
          linux: {
            personality: { domain: "LINUX", flags: ["X"] },
            memoryPolicy: { mode: "MPOL_LOCAL" },
          },
        },
      ),
  "exec: only an initial CPU affinity": () => exec(proc({ execCPUAffinity: { initial: "1" } })),
};
