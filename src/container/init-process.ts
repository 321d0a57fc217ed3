// Starts runt-init from a sealed memfd with the plan, and speaks the sync protocol
// (docs/plan-format.md) until the container is ready or has failed.
import { closeSync, readFileSync, writeFileSync } from "node:fs";
import initPath from "../../native/build/runt-init" with { type: "file" };
import { RuntError } from "../errors.ts";
import { native } from "../native.ts";
import type { CompiledPlan } from "../plan/compile.ts";
import { encodePlan } from "../plan/encode.ts";
import { schedHint } from "../plan/sched.ts";
import { lsmHint } from "../plan/security.ts";
import { sleepMs } from "../sleep.ts";
import { errnoText } from "./errno.ts";
import { writeRootlessIdMaps } from "./idmap.ts";

let initFd: number | undefined;

/** The init runs from a sealed memfd, so no container can reopen it for writing
 * through /proc/<pid>/exe (CVE-2019-5736). */
function initExecFd(): number {
  initFd ??= native().memfdFromBytes("runt-init", readFileSync(initPath), true);
  return initFd;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface InitCallbacks {
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** Called as soon as the container's PID 1 is known. */
  onPid: (pid: number) => void;
  /** The seccomp listener fd (SCMP_ACT_NOTIFY) and the container's pid; closed afterwards. */
  onSeccompFd?: (fd: number, pid: number) => void;
  /** runt is not root: the maps go as an unprivileged process may write them (idmap.ts). */
  rootless?: boolean;
  /** `sync <tag>` other than "userns" (hooks-prestart): runs before the ack; a throw aborts. */
  onSync?: (tag: string) => void;
  /** `state <status>`: the state JSON the hooks after a hookState op read on stdin. */
  stateJson?: (status: string) => string;
  /** `pty` with the master fd attached: the callback owns the fd. */
  onPty?: (fd: number) => void;
  /** An exec plan has no `wait`: success is the init's socket closing on execve. */
  untilExec?: boolean;
  /**
   * Called for every second runt-init says nothing and for every second a process of
   * it is not reaped yet; a throw ends the wait (create: a cgroup frozen under it).
   */
  onSilence?: (seconds: number) => void;
  /** The cgroup v2 directory the init is spawned in (src/cgroups/join.ts). */
  spawnInCgroup?: string;
}

/** Checks between waits on runt-init, so that none of them can block forever. */
const SILENCE_MS = 1000;

export const mapText = (maps: IdMapping[]) =>
  maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join("\n");

/** Spawns the init, runs the plan up to `ready`, returns the container's pid. */
export function runInit(plan: CompiledPlan, preserveFds: number, cb: InitCallbacks): number {
  const n = native();
  const planFd = n.memfdFromBytes("runt-plan", encodePlan(plan), true);
  const [ours, theirs] = n.seqpacketPair();
  const fds = [0, 1, 2];
  for (let i = 0; i < preserveFds; i++) fds.push(3 + i);
  const syncAt = fds.length;
  fds.push(theirs, planFd);
  let setupPid: number;
  try {
    setupPid = n.spawn({
      execFd: initExecFd(),
      argv: ["runt-init", String(syncAt), String(syncAt + 1)],
      env: [],
      fds,
      ...(cb.spawnInCgroup ? { cgroup: cb.spawnInCgroup } : {}),
    });
  } catch (e) {
    if (!cb.spawnInCgroup) throw e;
    throw new RuntError(
      `linux.cgroupsPath: starting runt-init in ${cb.spawnInCgroup}: ${(e as Error).message}`,
    );
  } finally {
    closeSync(theirs);
    closeSync(planFd);
  }
  let pid = 0;
  let setupReaped = false;
  let failure: string | undefined;
  const receive = () => {
    for (let s = 1; !n.pollIn(ours, SILENCE_MS); s++) cb.onSilence?.(s);
    return n.recvWithFd(ours);
  };
  const reap = (p: number) => {
    const start = Date.now();
    let said = 0;
    // The setup process exits right after its last message: first look again soon.
    let nap = 0.05;
    for (;;) {
      const r = n.waitpid(p, true);
      if (r) return r;
      const s = Math.floor((Date.now() - start) / SILENCE_MS);
      if (s > said) {
        said = s;
        cb.onSilence?.(s);
      }
      sleepMs(nap);
      nap = Math.min(nap * 2, 5);
    }
  };
  try {
    for (;;) {
      const { data: msg, fd: passed } = receive();
      if (passed >= 0) {
        if (msg === "pty" && cb.onPty && !failure) cb.onPty(passed);
        else closeSync(passed);
      }
      if (msg === "" || msg === "pty") {
        if (msg === "") break;
        continue;
      }
      const [kind, ...rest] = msg.split(" ");
      if (kind === "sync" && rest[0] === "userns") {
        writeIdMaps(setupPid, cb);
        n.send(ours, "ack");
      } else if (kind === "sync") {
        cb.onSync?.(rest.join(" "));
        n.send(ours, "ack");
      } else if (kind === "state") {
        n.send(ours, cb.stateJson?.(rest[0] ?? "") ?? "{}");
      } else if (kind === "seccomp") {
        // The fd comes in the next message; a throw closes the socket and the init exits.
        const { fd } = receive();
        if (fd < 0) throw new RuntError("runt-init announced a seccomp fd but sent none");
        try {
          cb.onSeccompFd?.(fd, pid);
        } finally {
          closeSync(fd);
        }
        n.send(ours, "ack");
      } else if (kind === "pid") {
        pid = Number(rest[0]);
        reap(setupPid);
        setupReaped = true;
        cb.onPid(pid);
      } else if (kind === "ready") {
        if (pid === 0) throw new RuntError("runt-init reported ready before its pid");
        return pid;
      } else if (kind === "error") {
        failure ??= describeError(plan, msg);
      } else {
        failure ??= `unexpected message from runt-init: ${msg}`;
      }
    }
  } finally {
    closeSync(ours);
  }
  // EOF: every holder of the socket has gone, so both processes are exiting; reap
  // them (the container's PID 1 is our child too, through CLONE_PARENT).
  const setup = setupReaped ? null : reap(setupPid);
  if (cb.untilExec && pid && !failure) return pid;
  if (pid) reap(pid);
  if (failure) throw new RuntError(failure);
  const how = setup?.signal ? `was killed by signal ${setup.signal}` : "exited";
  throw new RuntError(`runt-init ${how} before the container was ready`);
}

function writeIdMaps(pid: number, cb: InitCallbacks): void {
  if (cb.rootless) {
    writeRootlessIdMaps(pid, cb.uidMappings, cb.gidMappings);
    return;
  }
  try {
    writeFileSync(`/proc/${pid}/uid_map`, mapText(cb.uidMappings));
    writeFileSync(`/proc/${pid}/gid_map`, mapText(cb.gidMappings));
  } catch (e) {
    throw new RuntError(`writing the user namespace id maps: ${(e as Error).message}`);
  }
}

/** "error <op> <errno> <text>" -> a sentence naming the config.json part. */
export function describeError(plan: CompiledPlan, msg: string): string {
  const m = /^error (-?\d+) (\d+) ?(.*)$/s.exec(msg);
  if (!m) return `runt-init failed: ${msg}`;
  const index = Number(m[1]);
  const errno = Number(m[2]);
  const note = plan.notes[index] ?? "the container set-up";
  // A hook's failure ends with the tail of its output (native/init/tty.c): the errno
  // goes before it, so that it is not read as the hook's last words.
  const text = m[3] ?? "";
  const at =
    text.startsWith("hook ") || text.startsWith("error running hook ")
      ? text.indexOf("; output: ")
      : -1;
  const [what, output] = at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at)];
  // A hook's own failure (exit status, signal) has no errno worth showing.
  const hookExit = / (exited with status|was killed by signal) /.test(what);
  const reason = errno && !hookExit ? `: ${errnoText(errno)}` : "";
  // The kernel refuses an exec label when the LSM is off: say so, as runc's error does not.
  const hint = (errno === 22 || errno === 2 ? lsmHint(note) : undefined) ?? schedHint(note, errno);
  return `${note}: ${what}${reason}${output}${hint ? `; ${hint}` : ""}`;
}
