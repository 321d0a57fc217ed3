// The library's face: what runc's libcontainer offers, for the CLI and for programs.
import { closeSync, constants, existsSync, openSync, readSync, rmSync } from "node:fs";
import { type CgroupManager, cgroupManagerFromJSON, type Stats } from "../cgroups/index.ts";
import { killAll } from "../cgroups/kill-all.ts";
import { errnoCode, RuntError } from "../errors.ts";
import { native, type WaitResult } from "../native.ts";
import { sleepMs } from "../sleep.ts";
import type { LinuxResources } from "../spec/types.ts";
import { stdio } from "../stdio.ts";
import { type CreateOptions, createContainer, destroy } from "./create.ts";
import { runHooks } from "./hooks.ts";
import { pidsInPidNamespace } from "./pidns.ts";
import {
  listIds,
  processStartTime,
  StateDir,
  type Status,
  type StoredState,
  UnreadableStateError,
} from "./state.ts";
import { loadConfig } from "./terminal.ts";

export const DEFAULT_ROOT = "/run/runt";

const SIGKILL = 9;

/** The OCI state, plus what `runc state` adds (rootfs, created, owner). */
export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations: Record<string, string>;
}

export class Container {
  private constructor(
    private readonly dir: StateDir,
    private stored: StoredState,
  ) {}

  /** The pty master of a terminal container created with `console: { keep: true }`. */
  consoleFd?: number;

  static create(opts: CreateOptions): Container {
    const { dir, state, consoleFd } = createContainer(opts);
    const c = new Container(dir, state);
    c.consoleFd = consoleFd;
    return c;
  }

  static load(root: string, id: string): Container {
    const dir = new StateDir(root, id);
    return new Container(dir, dir.read());
  }

  static list(root: string): ContainerState[] {
    const out: ContainerState[] = [];
    for (const id of listIds(root)) {
      try {
        out.push(Container.load(root, id).state());
      } catch {
        // A directory being created or removed right now: not a container yet.
      }
    }
    return out;
  }

  get id(): string {
    return this.stored.id;
  }

  get pid(): number {
    return this.stored.pid;
  }

  status(): Status {
    return this.dir.status(this.stored);
  }

  state(): ContainerState {
    const s = this.stored;
    const status = this.status();
    return {
      ociVersion: s.ociVersion,
      id: s.id,
      pid: status === "stopped" ? 0 : s.pid,
      status,
      bundle: s.bundle,
      rootfs: s.rootfs,
      created: s.created,
      owner: s.owner,
      annotations: s.annotations,
    };
  }

  /** Releases the init blocked on the exec fifo: the user's process runs. */
  start(): void {
    this.dir.locked(() => {
      this.stored = this.dir.read();
      const status = this.status();
      if (status !== "created") {
        throw new RuntError(
          `cannot start container "${this.id}": it is ${status}, and only a created container can be started`,
        );
      }
      const spec = loadConfig(this.dir.dir);
      const poststart = Boolean(spec?.hooks?.poststart?.length);
      this.releaseFifo(poststart);
      this.stored.phase = "running";
      this.dir.write(this.stored);
      if (spec && poststart) {
        try {
          runHooks(spec, ["poststart"], this.stored);
        } catch (e) {
          // runtime.md: a failing poststart hook stops the container.
          try {
            process.kill(this.stored.pid, "SIGKILL");
          } catch {
            // Already gone.
          }
          throw e;
        }
      }
    });
  }

  /**
   * Lets the init go on to execve. With untilExec, also waits for the fifo's EOF: the
   * init holds its end (close-on-exec) until the user's process is executed, after the
   * startContainer hooks, so poststart hooks run after it as runtime.md orders.
   */
  private releaseFifo(untilExec: boolean): void {
    const fd = openSync(this.dir.fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(1);
      const read = (): number | null => {
        try {
          return readSync(fd, buf);
        } catch (e) {
          if (errnoCode(e) !== "EAGAIN") throw e;
          return null;
        }
      };
      const released = (): boolean => read() === 1;
      // Opening for reading unblocks the init's open for writing; it then writes one byte.
      for (;;) {
        if (released()) break;
        if (processStartTime(this.stored.pid) !== this.stored.pidStartTime) {
          // The init may have written its byte, run a short command to its end and
          // been reaped between the read and the check (podman run of `ls`): started.
          if (released()) break;
          throw new RuntError(`container "${this.id}" exited before it could be started`);
        }
        sleepMs(1);
      }
      // EOF (0) once the init has exec'd or died; the container's life bounds the wait.
      while (untilExec && read() === null) sleepMs(1);
    } finally {
      closeSync(fd);
      rmSync(this.dir.fifo, { force: true });
    }
  }

  /** Sends a signal to the container's init, or with all to every process in its cgroup. */
  kill(signal: number, all = false): void {
    const status = this.status();
    if (all && !this.hasCgroup()) {
      killAll(
        { path: "", pids: () => this.pids(), freezeForSignal: () => null, killCgroup: () => false },
        signal,
      );
      return;
    }
    if (all) {
      cgroupManagerFromJSON(this.stored.cgroup).killAll(signal);
      return;
    }
    // containerd's shim reads "container not running" (runc's words) as "already
    // exited", not as a failed kill: keep those words in the message.
    const notRunning = `cannot kill container "${this.id}": container not running`;
    if (status === "stopped") throw new RuntError(notRunning);
    try {
      process.kill(this.stored.pid, signal);
    } catch (e) {
      if (errnoCode(e) !== "ESRCH") throw e;
      throw new RuntError(notRunning);
    }
    // A frozen task (v1 freezer) only dies once thawed: SIGKILL of a paused
    // container thaws it, as runc's does; other signals wait for `resume`.
    if (status === "paused" && signal === SIGKILL) this.cgroups().thaw();
  }

  /** Whether the container has a cgroup at all: a rootless one may have none. */
  private hasCgroup(): boolean {
    return Object.keys(this.cgroups().paths).length > 0;
  }

  /** Why a cgroup verb cannot act on a container without a cgroup (rootless). */
  private noCgroup(verb: string, what: string): RuntError {
    return new RuntError(
      `cannot ${verb} container "${this.id}": it has no ${what} cgroup (runt ran it rootless and could write none); give it a cgroup delegated to you with linux.cgroupsPath`,
    );
  }

  /**
   * Every process of the container: its cgroup's, or without one (rootless) its PID
   * namespace's; [] once it has stopped.
   */
  pids(): number[] {
    if (this.hasCgroup()) return this.cgroups().pids();
    if (this.status() === "stopped") return [];
    const pids = pidsInPidNamespace(this.stored.pid);
    if (pids === null) {
      throw new RuntError(
        `container "${this.id}" has no cgroup (rootless) and shares runt's PID namespace, so its processes cannot be told from others; give it a "pid" namespace or a delegated cgroup`,
      );
    }
    return pids;
  }

  /** The container's cgroup manager, from its state. */
  cgroups(): CgroupManager {
    return cgroupManagerFromJSON(this.stored.cgroup);
  }

  /** Freezes every process of a running container (runc pause). */
  pause(): void {
    this.dir.locked(() => {
      this.stored = this.dir.read();
      const status = this.status();
      if (status !== "running" && status !== "created") {
        throw new RuntError(
          `cannot pause container "${this.id}": it is ${status}, and only a running or created container can be paused`,
        );
      }
      if (this.cgroups().freezerState() === null && !this.hasCgroup()) {
        throw this.noCgroup("pause", "freezer");
      }
      this.cgroups().freeze();
    });
  }

  /** Thaws a paused container (runc resume). */
  resume(): void {
    this.dir.locked(() => {
      this.stored = this.dir.read();
      const status = this.status();
      if (status !== "paused") {
        throw new RuntError(`cannot resume container "${this.id}": it is ${status}, not paused`);
      }
      this.cgroups().thaw();
    });
  }

  /** linux.resources as last applied (create, then each update). */
  resources(): LinuxResources {
    return this.cgroups().resources;
  }

  /**
   * Applies `changes` on top of the current resources (runc update). What the
   * kernel refuses is reported and the old values stay.
   */
  update(changes: LinuxResources): void {
    this.dir.locked(() => {
      this.stored = this.dir.read();
      const status = this.status();
      if (status === "stopped" || status === "creating") {
        throw new RuntError(`cannot update container "${this.id}": it is ${status}`);
      }
      const mgr = this.cgroups();
      if (this.stored.rootless) {
        const field = mgr.unplaceable(changes);
        if (field) throw this.noCgroup("update", `writable ${field.split(".")[2] ?? ""}`);
      }
      const merged: LinuxResources = { ...mgr.resources };
      for (const [k, v] of Object.entries(changes) as [keyof LinuxResources, unknown][]) {
        const old = merged[k];
        const both = old && v && typeof old === "object" && typeof v === "object";
        (merged as Record<string, unknown>)[k] =
          both && !Array.isArray(v) ? { ...(old as object), ...(v as object) } : v;
      }
      // Only what changed is written; the merged set is what the state remembers.
      // The config's memory.checkBeforeUpdate guards every later memory change.
      const check = merged.memory?.checkBeforeUpdate;
      mgr.applyResources(
        changes.memory && check
          ? { ...changes, memory: { ...changes.memory, checkBeforeUpdate: check } }
          : changes,
      );
      this.stored.cgroup = { ...mgr.toJSON(), resources: merged };
      this.dir.write(this.stored);
    });
  }

  /** Resource usage in runc's stats shape. */
  stats(): Stats {
    return this.cgroups().stats();
  }

  /** Waits for the init to exit. Only the process that created the container can wait:
   * with CLONE_PARENT the container's PID 1 is its child. */
  wait(): Promise<WaitResult> {
    return native().waitpidAsync(this.stored.pid);
  }

  /**
   * Removes a stopped container. Any other needs force, which kills it first:
   * runtime.md's delete "MUST generate an error" for a container that is not
   * stopped, a created one included (runc and crun kill and remove a created
   * container instead; the engines pass --force, or kill and wait first).
   */
  delete(
    force = false,
    warn: (msg: string) => void = (m) => stdio.err(`runt: warning: ${m}\n`),
  ): void {
    this.dir.locked(() => {
      this.stored = this.dir.read();
      const status = this.status();
      if (!force && status !== "stopped") {
        throw new RuntError(
          `cannot delete container "${this.id}" that is ${status}: stop it first or use --force`,
        );
      }
      const spec = loadConfig(this.dir.dir);
      destroy(this.dir, this.stored, cgroupManagerFromJSON(this.stored.cgroup));
      // runtime.md: poststop hooks run after the container is gone; failures only warn.
      if (spec?.hooks?.poststop?.length) {
        runHooks(spec, ["poststop"], { ...this.stored, pid: 0 }, warn);
      }
    });
  }

  /** delete --force, also for an id whose state is missing (runt killed mid-create) or
   * unreadable: then only the state directory is known, and removed. */
  static forceRemove(root: string, id: string, warn?: (msg: string) => void): void {
    const dir = new StateDir(root, id);
    if (!dir.exists()) return;
    if (existsSync(`${dir.dir}/state.json`)) {
      let c: Container;
      try {
        c = Container.load(root, id);
      } catch (e) {
        if (!(e instanceof UnreadableStateError)) throw e;
        warn?.(
          `state of container "${id}" is unreadable: removed its state directory; its processes and cgroup, if any, are not known and were left alone`,
        );
        dir.remove();
        return;
      }
      c.delete(true, warn);
      return;
    }
    dir.remove();
  }
}
