// `exec`: one more process in a running container, started by the same runt-init
// from an exec plan (src/plan/exec.ts): it joins the container's cgroups and every
// namespace runt is not already in, forks into its PID namespace, and execs there
// with the process's confinement.
import { closeSync, existsSync, statSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import { type CgroupDir, cgroupManagerFromJSON } from "../cgroups/index.ts";
import { type CgroupJoin, cgroupJoin } from "../cgroups/join.ts";
import { RuntError } from "../errors.ts";
import { native } from "../native.ts";
import { compileExecPlan, EXEC_NAMESPACES } from "../plan/exec.ts";
import { compileSeccomp } from "../seccomp/compile.ts";
import type { Process } from "../spec/types.ts";
import { stdio } from "../stdio.ts";
import { runInit } from "./init-process.ts";
import { writePidFile } from "./pidfile.ts";
import { rootlessEuid } from "./rootless.ts";
import { isSelfMapping } from "./rootless-create.ts";
import { StateDir } from "./state.ts";
import { type ConsoleOptions, loadConfig, onConsole } from "./terminal.ts";

export interface ExecOptions {
  root: string;
  id: string;
  /** The complete process: args, env, cwd, user, capabilities, terminal, ... */
  process: Process;
  /** Number of fds after stdio that reach the process. */
  preserveFds?: number;
  pidFile?: string;
  /** Sub-cgroups of the container's cgroup to put the process in, as runc's --cgroup:
   * "path" for every hierarchy, or "ctrl[,ctrl]:path" for those controllers only. */
  cgroup?: string[];
  /** Exec into a paused container too. */
  ignorePaused?: boolean;
  console?: ConsoleOptions;
  /** Where --debug lines about the phases go. */
  debug?: (msg: string) => void;
  /** Where warnings go (ambient caps the kernel cannot raise); default stderr. */
  warn?: (msg: string) => void;
}

export interface ExecResult {
  /** The process's pid on the host; it is this process's child. */
  pid: number;
  /** The pty master, when the process has a terminal and console.keep was asked. */
  consoleFd?: number;
}

function nsInode(path: string): string | null {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** The container's namespaces that differ from runt's own. */
function namespacesToJoin(pid: number): { path: string; name: string }[] {
  const out: { path: string; name: string }[] = [];
  for (const [name] of EXEC_NAMESPACES) {
    const path = `/proc/${pid}/ns/${name}`;
    const theirs = nsInode(path);
    if (theirs !== null && theirs !== nsInode(`/proc/self/ns/${name}`)) out.push({ path, name });
  }
  return out;
}

/**
 * A process.json that leaves out the scheduler, the I/O priority or the exec CPU
 * affinity gets the container's, as runc's exec (config.json's execCPUAffinity is
 * there for exactly that).
 */
function withContainerDefaults(proc: Process, theirs: Process | undefined): Process {
  return {
    ...proc,
    scheduler: proc.scheduler ?? theirs?.scheduler,
    ioPriority: proc.ioPriority ?? theirs?.ioPriority,
    execCPUAffinity: proc.execCPUAffinity ?? theirs?.execCPUAffinity,
  };
}

/**
 * execCPUAffinity.initial is the affinity before the move into the container's
 * cgroup (runtime-spec): an init born in the v2 cgroup (CLONE_INTO_CGROUP) has no
 * such time, so then it joins that one by writing too, after the initial op.
 */
export function execJoin(procsFiles: string[], proc: Process): CgroupJoin {
  const j = cgroupJoin(procsFiles);
  if (!proc.execCPUAffinity?.initial?.trim() || j.spawnIn === undefined) return j;
  return { files: [...j.files, `${j.spawnIn}/cgroup.procs`] };
}

/** The container's configured process: what `exec` starts from before its flags change it. */
export function containerProcess(root: string, id: string): Process {
  const dir = new StateDir(root, id);
  dir.read(); // says clearly when there is no such container
  const spec = loadConfig(dir.dir);
  if (!spec?.process) {
    throw new RuntError(
      `container "${id}": its saved config is missing; pass the whole process with --process`,
    );
  }
  return structuredClone(spec.process);
}

/**
 * The cgroup.procs files the process joins: the container's, or the sub-cgroups
 * asked for with runc's --cgroup: "path" (alone) for every hierarchy, or
 * "ctrl[,ctrl]:path" for those controllers; "/" is the container's cgroup itself.
 */
function cgroupProcs(state: unknown, subs: string[]): string[] {
  const dirs = cgroupManagerFromJSON(state).toJSON().dirs;
  const target = new Map(dirs.map((d) => [d, d.dir]));
  for (const arg of subs) {
    const parts = arg.split(":");
    if (parts.length > 2) throw new RuntError(`exec: invalid --cgroup argument: ${arg}`);
    if (parts.length === 1 && subs.length !== 1) {
      throw new RuntError(`exec: invalid --cgroup argument: ${arg} (missing <controller>: prefix)`);
    }
    const ctrls = parts.length === 2 ? (parts[0] ?? "").split(",") : undefined;
    const sub = parts[parts.length - 1] ?? "";
    // As runc: the path is cleaned below the container's cgroup and must stay there.
    const rel = posix.normalize(sub.replace(/^\/+/, "") || ".").replace(/(.)\/+$/, "$1");
    if (rel === ".." || rel.startsWith("../")) {
      throw new RuntError(`exec: invalid --cgroup argument: ${sub} is not a sub cgroup path`);
    }
    const chosen: CgroupDir[] = [];
    for (const c of ctrls ?? []) {
      const d = dirs.find((x) => x.keys.includes(c) || x.controllers.includes(c));
      if (!d) {
        throw new RuntError(
          `exec --cgroup ${arg}: unknown controller ${c}: the container's cgroups are in ${dirs.flatMap((x) => x.keys).join(", ")}`,
        );
      }
      chosen.push(d);
    }
    for (const d of ctrls ? chosen : dirs) {
      target.set(d, rel === "." ? d.dir : `${d.dir}/${rel}`);
    }
  }
  const files = [...target.values()].map((dir) => `${dir}/cgroup.procs`);
  for (const f of subs.length > 0 ? files : []) {
    if (!existsSync(f)) {
      throw new RuntError(
        `exec --cgroup: adding pid to cgroups: ${f}: no such file or directory; create the sub-cgroup first`,
      );
    }
  }
  return files;
}

export function execProcess(opts: ExecOptions): ExecResult {
  const dir = new StateDir(opts.root, opts.id);
  const stored = dir.read();
  const status = dir.status(stored);
  if (status === "paused" && !opts.ignorePaused) {
    // runc's words, which its tests read: "cannot exec in a paused container".
    throw new RuntError(
      `cannot exec in a paused container ("${opts.id}"): resume it first, or pass --ignore-paused`,
    );
  }
  if (status !== "running" && status !== "created" && status !== "paused") {
    throw new RuntError(
      `cannot exec in container "${opts.id}": it is ${status}, and only a created or running container can run more processes`,
    );
  }
  const config = loadConfig(dir.dir);
  const proc = withContainerDefaults(opts.process, config?.process);
  if (!proc.args?.length) throw new RuntError("exec: no command given; say what to run");
  if (proc.terminal && !opts.console?.socket && !opts.console?.keep) {
    throw new RuntError("exec --tty: pass --console-socket, or run it in the foreground");
  }
  if (!proc.terminal && opts.console?.socket) {
    throw new RuntError("exec --console-socket: only used with --tty");
  }
  const egid = process.getegid?.() ?? 0;
  if (
    rootlessEuid() &&
    (proc.user?.additionalGids ?? []).length > 0 &&
    isSelfMapping(config?.linux?.gidMappings ?? [], egid)
  ) {
    // The kernel's rule for a user namespace an unprivileged process mapped itself.
    throw new RuntError(
      `exec: process.user.additionalGids: the container's user namespace maps only gid ${egid} and has setgroups denied; run it without additional groups`,
    );
  }
  const cgJoin = execJoin(cgroupProcs(stored.cgroup, opts.cgroup ?? []), proc);
  const preserveFds = opts.preserveFds ?? 0;
  const sec = config?.linux?.seccomp;
  const seccomp = sec
    ? compileSeccomp(sec, { cacheDir: join(resolve(opts.root), "@seccomp") })
    : undefined;
  const joins = namespacesToJoin(stored.pid);
  const plan = compileExecPlan({
    process: proc,
    join: joins,
    cgroupProcs: cgJoin.files,
    preserveFds,
    keyring: `_ses.${opts.id}`,
    seccomp,
    linux: config?.linux,
  });
  const warn = opts.warn ?? ((m: string) => stdio.err(`runt: warning: ${m}\n`));
  for (const w of plan.warnings) warn(w);
  opts.debug?.(
    `exec: plan of ${plan.ops.length} steps: joining ${joins.map((n) => n.name).join(", ") || "no namespace"}; cgroups ${[...cgJoin.files.map((f) => posix.dirname(f)), ...(cgJoin.spawnIn ? [cgJoin.spawnIn] : [])].join(", ")}`,
  );
  let consoleFd: number | undefined;
  let pid: number;
  try {
    pid = runInit(plan, preserveFds, {
      uidMappings: [],
      gidMappings: [],
      spawnInCgroup: cgJoin.spawnIn,
      onPid: () => {},
      onPty: (fd) => {
        consoleFd = onConsole(fd, opts.console);
      },
      untilExec: true,
      onSeccompFd: (fd, pid) => {
        if (!sec?.listenerPath) return;
        const state = { ociVersion: stored.ociVersion, id: stored.id, status: "running" };
        const msg = { ociVersion: stored.ociVersion, fds: ["seccompFd"], pid, state };
        native().sendFdToSocket(sec.listenerPath, fd, JSON.stringify(msg));
      },
    });
  } catch (e) {
    if (consoleFd !== undefined) closeSync(consoleFd);
    throw e;
  }
  if (opts.pidFile) {
    try {
      writePidFile(opts.pidFile, pid);
    } catch (e) {
      // As runc: a process whose pid cannot be handed over is not left running.
      try {
        process.kill(pid, "SIGKILL");
        native().waitpid(pid, false);
      } catch {
        // Already gone.
      }
      if (consoleFd !== undefined) closeSync(consoleFd);
      throw e;
    }
  }
  return { pid, consoleFd };
}
