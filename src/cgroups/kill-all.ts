// Signalling every process of a container's cgroups (`kill --all`, `delete
// --force`, a failed create), for any driver: it needs only the pids, a way to
// freeze and thaw, and the kernel's cgroup.kill where there is one.
import { constants } from "node:os";
import { CgroupError, errnoCode, sleepMs } from "./util.ts";

/** What killAll needs from a driver. */
export interface KillTarget {
  /** The cgroup path, for the error message. */
  readonly path: string;
  /** Every process in the container's cgroups, their sub-cgroups included. */
  pids(): number[];
  /**
   * Freeze so nothing forks while the pids are signalled: null without a
   * freezer, else whether the cgroup was frozen already and how to thaw it.
   */
  freezeForSignal(): { wasFrozen: boolean; thaw: () => void } | null;
  /** SIGKILL the whole subtree at once (v2 cgroup.kill); false where there is none. */
  killCgroup(): boolean;
}

const KILL_WAIT_MS = 5000;

/** Signal every process (default SIGKILL, then wait, bounded, until none is left). */
export function killAll(t: KillTarget, signal: NodeJS.Signals | number = "SIGKILL"): void {
  const sig = typeof signal === "number" ? signal : constants.signals[signal];
  if (sig === undefined) throw new CgroupError(`cgroups: unknown signal ${signal}`);
  if (sig !== constants.signals.SIGKILL) {
    signalFrozen(t, sig);
    return;
  }
  const deadline = Date.now() + KILL_WAIT_MS;
  for (let round = 0, wait = 1; ; round++, wait = Math.min(wait * 2, 100)) {
    const left = t.pids();
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new CgroupError(`cgroups: processes ${left.join(", ")} of ${t.path} survived SIGKILL`);
    }
    // cgroup.kill first: it reaches every process without racing forks. Later
    // rounds (and hosts without it) signal each pid of the frozen cgroup.
    if (!(round === 0 && t.killCgroup())) signalFrozen(t, sig);
    sleepMs(wait);
  }
}

/**
 * Freeze so nothing forks behind our back, signal every pid, and thaw. A
 * cgroup that was frozen before (`pause`) stays frozen, unless the signal is
 * SIGKILL: v1 tasks only die once thawed.
 */
function signalFrozen(t: KillTarget, sig: number): void {
  const frozen = t.freezeForSignal();
  const thaw =
    frozen && !(frozen.wasFrozen && sig !== constants.signals.SIGKILL) ? frozen.thaw : undefined;
  try {
    for (const pid of t.pids()) {
      try {
        process.kill(pid, sig);
      } catch (e) {
        if (errnoCode(e) !== "ESRCH") throw e;
      }
    }
  } finally {
    thaw?.();
  }
}
