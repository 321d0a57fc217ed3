// The per-container state directory: <root>/<id>/state.json, written atomically
// (write, rename) under an exclusive flock on the directory, plus the exec fifo.
// The status a user sees is derived from the kernel, never trusted from the file.

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { cgroupManagerFromJSON } from "../cgroups/index.ts";
import { errnoCode, RuntError } from "../errors.ts";
import { native } from "../native.ts";
import type { RdtRecord } from "./intel-rdt.ts";

export type Status = "creating" | "created" | "running" | "stopped" | "paused";

export interface StoredState {
  ociVersion: string;
  id: string;
  bundle: string;
  rootfs: string;
  /** The container's PID 1 on the host; 0 until runt-init has forked it. */
  pid: number;
  /** /proc/<pid>/stat start time, so a recycled pid is never taken for the container. */
  pidStartTime: string;
  /** The last lifecycle step runt completed. */
  phase: "creating" | "created" | "running";
  /** The runt process that is creating the container, while phase is "creating". */
  creator: { pid: number; startTime: string };
  created: string;
  owner: string;
  annotations: Record<string, string>;
  /** The cgroup manager's own record (paths, and which directories runt made). */
  cgroup: unknown;
  /** linux.intelRdt's resctrl groups, and which of them runt made. */
  intelRdt?: RdtRecord;
  /** Created with rootless cgroups: hierarchies it could not write were skipped. */
  rootless?: boolean;
}

const ID_PATTERN = /^[\w+\-.]+$/;

/** state.json is there but is not JSON: only `delete --force` can clear the id. */
export class UnreadableStateError extends RuntError {}

export function checkId(id: string): void {
  if (!id) throw new RuntError("a container id is required");
  if (!ID_PATTERN.test(id) || id === "." || id === "..") {
    throw new RuntError(`invalid container id "${id}": use letters, digits, '_', '+', '-', '.'`);
  }
}

/** Start time of a live, non-zombie process, or null. */
export function processStartTime(pid: number): string | null {
  if (pid <= 0) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return null;
  return fields[19] ?? null;
}

export class StateDir {
  readonly dir: string;
  constructor(
    readonly root: string,
    readonly id: string,
  ) {
    checkId(id);
    this.dir = join(root, id);
  }

  get fifo(): string {
    return join(this.dir, "exec.fifo");
  }

  /** Make the directory; exactly one of two racing creators succeeds. */
  claim(): void {
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o700 });
      mkdirSync(this.dir, { mode: 0o700 });
    } catch (e) {
      const code = errnoCode(e);
      if (code === "EEXIST") throw new RuntError(`container "${this.id}" already exists`);
      if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
        throw new RuntError(
          `state directory ${this.dir} cannot be made (${code}): pass --root a directory you can write`,
        );
      }
      throw e;
    }
  }

  exists(): boolean {
    return existsSync(this.dir);
  }

  /** Run fn under the directory's exclusive lock. */
  locked<T>(fn: () => T): T {
    let fd: number;
    try {
      fd = openSync(this.dir, "r");
    } catch (e) {
      if (errnoCode(e) === "ENOENT") throw new RuntError(`container "${this.id}" does not exist`);
      throw e;
    }
    try {
      native().flock(fd, true, false);
      return fn();
    } finally {
      closeSync(fd);
    }
  }

  read(): StoredState {
    let text: string;
    try {
      text = readFileSync(join(this.dir, "state.json"), "utf8");
    } catch (e) {
      if (errnoCode(e) === "ENOENT") throw new RuntError(`container "${this.id}" does not exist`);
      throw e;
    }
    try {
      return JSON.parse(text) as StoredState;
    } catch {
      throw new UnreadableStateError(
        `state of container "${this.id}" is unreadable; remove it with: runt delete --force ${this.id}`,
      );
    }
  }

  /**
   * Replaces state.json atomically: readers see the old or the new file, never half
   * of one. No fsync: it guards only against a power loss, after which every
   * container is gone and the recorded pid start times no longer match anyway; on a
   * disk-backed /run it cost up to 60 ms per write here.
   */
  write(state: StoredState): void {
    const tmp = join(this.dir, ".state.json.tmp");
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, join(this.dir, "state.json"));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The status as the kernel shows it now. */
  status(s: StoredState): Status {
    if (s.pid === 0 || s.phase === "creating") {
      if (s.pid !== 0 && processStartTime(s.pid) !== s.pidStartTime) return "stopped";
      const alive = processStartTime(s.creator.pid) === s.creator.startTime;
      return alive ? "creating" : "stopped";
    }
    if (processStartTime(s.pid) !== s.pidStartTime) return "stopped";
    // The kernel's freezer says whether `pause` holds it (a created one too, as runc).
    try {
      if (cgroupManagerFromJSON(s.cgroup).freezerState() === "frozen") return "paused";
    } catch {
      // No usable cgroup record: it cannot have been paused either.
    }
    if (s.phase === "created" && existsSync(this.fifo)) return "created";
    return "running";
  }
}

/** Ids of every container under root. */
export function listIds(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && ID_PATTERN.test(d.name))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}
