// The process part of a plan, one for create and exec: what the container's first
// process (create) and one more process (exec) get from process.* and linux.seccomp,
// in the order runt-init must apply it. The two plans differ only in what comes
// before (the namespaces, the rootfs) and in create's wait for `start`.
import type { CompiledSeccomp } from "../seccomp/compile.ts";
import type { Linux, Process } from "../spec/types.ts";
import type { PlanOp, Step } from "./plan.ts";
import { capabilityMask, capsOp, rlimitOps } from "./process.ts";
import { schedSteps } from "./sched.ts";
import { seccompOp } from "./security.ts";

/** Raising oom_score_adj needs the host's privileges: before any namespace is entered. */
export function oomScoreAdjSteps(proc: Process): Step[] {
  if (proc.oomScoreAdj === undefined) return [];
  const op: PlanOp = {
    op: "write",
    path: "/proc/self/oom_score_adj",
    content: String(proc.oomScoreAdj),
    inRoot: false,
  };
  return [["process.oomScoreAdj", op]];
}

/**
 * process.terminal: the pty, owned by the process's uid. console: also bound onto
 * /dev/console (create, while the rootfs is made; exec has the container's).
 */
export function terminalSteps(proc: Process, console: boolean): Step[] {
  if (!proc.terminal) return [];
  const op: PlanOp = {
    op: "pty",
    rows: proc.consoleSize?.height ?? 0,
    cols: proc.consoleSize?.width ?? 0,
    uid: proc.user?.uid ?? 0,
    console,
  };
  return [["process.terminal", op]];
}

export interface ProcessOpsInput {
  process: Process;
  /** The container's linux.personality and linux.memoryPolicy: exec'd processes get them too. */
  linux?: Pick<Linux, "personality" | "memoryPolicy">;
  /** linux.seccomp compiled; the same filter for create and exec. */
  seccomp?: CompiledSeccomp;
  /** Number of fds after stdio that reach the process. */
  preserveFds: number;
  /**
   * create: the process waits for `runt start` once its credentials are set. before:
   * ops that need runt still listening (the startContainer hooks' state); after: ops
   * run once started (the startContainer hooks, confined by the filter as runc's).
   */
  start?: { before: Step[]; after: Step[] };
}

/**
 * rlimits, the scheduler, I/O priority, personality and memory policy, cwd, umask, the bounding set, the credential switch, capabilities,
 * no_new_privs, seccomp and the exec, with the warnings about capabilities.
 *
 * Seccomp: without no_new_privs loading a filter needs CAP_SYS_ADMIN, so it goes
 * before the switch, as runc; a listener fd must reach runt while it listens, so
 * before `wait`; otherwise as late as possible: runt-init keeps it and loads it right
 * before execve (late), unless startContainer hooks run after `wait`: then it is
 * loaded there, and the ops after it (hook, exec) survive a filter that refuses
 * close_range or faccessat2.
 */
export function processSteps(input: ProcessOpsInput): { steps: Step[]; warnings: string[] } {
  const proc = input.process;
  const steps: Step[] = [];
  const add = (note: string, op: PlanOp) => steps.push([note, op]);
  for (const [i, op] of rlimitOps(proc.rlimits ?? []).entries()) add(`process.rlimits[${i}]`, op);
  const sched = schedSteps(proc, input.linux);
  steps.push(...sched.steps);
  add("process.cwd", { op: "chdir", path: proc.cwd || "/" });
  const user = proc.user ?? { uid: 0, gid: 0 };
  add("process.user.umask", { op: "umask", mask: user.umask ?? 0o022 });
  const caps = proc.capabilities ?? {};
  add("process.capabilities.bounding", { op: "capBounding", mask: capabilityMask(caps.bounding) });
  const nnp = proc.noNewPrivileges === true;
  const sec = input.seccomp;
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
  const start = input.start;
  if (start) steps.push(...start.before);
  if (sec && nnp && sec.notify) add("linux.seccomp", seccompOp(sec, false));
  if (start) add("process.args", { op: "wait" });
  const after = start?.after ?? [];
  if (sec && nnp && !sec.notify) add("linux.seccomp", seccompOp(sec, after.length === 0));
  steps.push(...after);
  add("process.args", {
    op: "exec",
    args: proc.args ?? [],
    env: proc.env ?? [],
    closeFrom: 3 + input.preserveFds,
  });
  return { steps, warnings: [...sched.warnings, ...capSet.warnings] };
}
