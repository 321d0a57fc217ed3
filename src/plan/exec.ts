// `exec` -> InitPlan: the same runt-init joins a running container and starts one more
// process there. No mounts: the container's filesystem is already set up; the plan
// enters its cgroups and namespaces, forks into its PID namespace and applies the
// process's confinement, as the create plan does for the container's first process.
import type { CompiledSeccomp } from "../seccomp/compile.ts";
import type { Process } from "../spec/types.ts";
import { CLONE } from "./constants.ts";
import { type CompiledPlan, PLAN_VERSION, type PlanOp } from "./plan.ts";
import { capabilityMask, capsOp, rlimitOps } from "./process.ts";
import { lsmOps, seccompOp } from "./security.ts";

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
}

export function compileExecPlan(input: ExecPlanInput): CompiledPlan {
  const ops: PlanOp[] = [];
  const notes: string[] = [];
  const add = (note: string, ...more: PlanOp[]) => {
    for (const op of more) {
      ops.push(op);
      notes.push(note);
    }
  };
  const proc = input.process;
  for (const file of input.cgroupProcs) {
    add("the container's cgroup", { op: "write", path: file, content: "0", inRoot: false });
  }
  if (proc.oomScoreAdj !== undefined) {
    add("process.oomScoreAdj", {
      op: "write",
      path: "/proc/self/oom_score_adj",
      content: String(proc.oomScoreAdj),
      inRoot: false,
    });
  }
  for (const [name, flag] of EXEC_NAMESPACES) {
    const ns = input.join.find((j) => j.name === name);
    if (!ns) continue;
    add(`the container's ${name} namespace`, { op: "setns", path: ns.path, nstype: flag });
    // Be root in the joined user namespace (as the create plan after unshare): runt's
    // own uid is unmapped there, and files it makes (the pty) could not be chowned.
    if (flag === CLONE.NEWUSER)
      add("the container's user namespace", { op: "user", uid: 0, gid: 0, groups: [] });
  }
  // setns(CLONE_NEWNS) put the init at the container's root (and cwd): "/" is its root now.
  add("exec", { op: "fork" }, { op: "setsid" }, { op: "openRoot", path: "/" });
  if (input.keyring) add("session keyring", { op: "keyring", name: input.keyring });
  for (const [note, op] of lsmOps(proc)) add(note, op);
  const user = proc.user ?? { uid: 0, gid: 0 };
  if (proc.terminal) {
    add("process.terminal", {
      op: "pty",
      rows: proc.consoleSize?.height ?? 0,
      cols: proc.consoleSize?.width ?? 0,
      uid: user.uid,
      console: false,
    });
  }
  for (const [i, op] of rlimitOps(proc.rlimits ?? []).entries()) add(`process.rlimits[${i}]`, op);
  add("process.cwd", { op: "chdir", path: proc.cwd || "/" });
  add("process.user.umask", { op: "umask", mask: user.umask ?? 0o022 });
  const caps = proc.capabilities ?? {};
  add("process.capabilities.bounding", { op: "capBounding", mask: capabilityMask(caps.bounding) });
  const nnp = proc.noNewPrivileges === true;
  const sec = input.seccomp;
  // As in the create plan: without no_new_privs the filter needs CAP_SYS_ADMIN, so it
  // goes before the credential switch; with it, as late as possible.
  if (sec && !nnp) add("linux.seccomp", seccompOp(sec, false));
  add("process.user", {
    op: "user",
    uid: user.uid,
    gid: user.gid,
    groups: user.additionalGids ?? [],
  });
  const capSet = capsOp(caps);
  add("process.capabilities", capSet.op);
  if (proc.noNewPrivileges) add("process.noNewPrivileges", { op: "noNewPrivs" });
  if (sec && nnp) add("linux.seccomp", seccompOp(sec, !sec.notify));
  add("process.args", {
    op: "exec",
    args: proc.args ?? [],
    env: proc.env ?? [],
    closeFrom: 3 + input.preserveFds,
  });
  return { version: PLAN_VERSION, ops, notes, warnings: capSet.warnings };
}
