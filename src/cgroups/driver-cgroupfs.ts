// What the two cgroupfs drivers (driver-v1.ts, driver-v2.ts) share: one
// directory per hierarchy the container uses, the same cgroup path in each,
// made with mkdir and removed with rmdir, and the bookkeeping of which
// directories runt made. What a hierarchy's files mean (resources, devices,
// the freezer, stats, OOM counts, mounts) is each driver's own.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LinuxResources } from "../spec/types.ts";
import {
  type DeviceCgroupInput,
  type DeviceNodeInput,
  type DeviceState,
  deviceRuleString,
  deviceState,
  effectiveDeviceRules,
} from "./devices.ts";
import type { CgroupDir, CgroupManager, CgroupManagerState, CgroupMountSource } from "./driver.ts";
import { killAll } from "./kill-all.ts";
import type { CgroupMode } from "./mode.ts";
import { RUNT_PARENT } from "./path.ts";
import { type CgroupWrite, v1Writes } from "./resources.ts";
import { encodeCgroupfsState } from "./state-codec.ts";
import type { Stats } from "./stats.ts";
import { CgroupError, errnoCode, parsePids, readOptional, sleepMs } from "./util.ts";

const RMDIR_WAIT_MS = 3000;

export abstract class CgroupfsDriver implements CgroupManager {
  readonly driver = "cgroupfs" as const;
  resources: LinuxResources;

  constructor(
    readonly mode: CgroupMode,
    readonly path: string,
    protected readonly dirs: CgroupDir[],
    private readonly created: string[],
    resources: LinuxResources = {},
  ) {
    this.resources = resources;
  }

  get paths(): Readonly<Record<string, string>> {
    const paths: Record<string, string> = {};
    for (const d of this.dirs) for (const k of d.keys) paths[k] = d.dir;
    return paths;
  }

  dropUnwritable(fallback?: (d: CgroupDir) => string | undefined): CgroupDir[] {
    const dropped: CgroupDir[] = [];
    for (const d of this.dirs) {
      if (writableCgroup(d)) continue;
      const alt = fallback?.(d);
      if (alt !== undefined && under(alt, d.mountpoint) && writableCgroup({ ...d, dir: alt })) {
        d.dir = alt;
      } else {
        dropped.push(d);
      }
    }
    for (const d of dropped) this.dirs.splice(this.dirs.indexOf(d), 1);
    return dropped;
  }

  unplaceable(r: LinuxResources): string | null {
    const { devices: _, unified, ...rest } = r;
    const has = (kind: "v1" | "v2", controller?: string) =>
      this.dirs.some((d) => d.kind === kind && (!controller || d.controllers.includes(controller)));
    if (this.mode === "v2") {
      if (has("v2")) return null;
      const key = Object.entries(r).find(([k, v]) => k !== "devices" && v !== undefined)?.[0];
      return key ? `linux.resources.${key}` : null;
    }
    let writes: CgroupWrite[];
    try {
      writes = v1Writes(rest);
    } catch {
      return null; // a bad value: applyResources names it
    }
    const missing = writes.find((w) => !has("v1", w.controller));
    if (missing) return missing.source;
    return unified && Object.keys(unified).length > 0 && !has("v2")
      ? "linux.resources.unified"
      : null;
  }

  // What each driver says about its hierarchies' files.
  /** After mkdir of `d.dir`, before any process joins it (v1: fill cpuset). */
  protected prepareDir(_d: CgroupDir): void {}
  /** The file showing the cgroup (or the ancestor it would be made in) frozen, or null. */
  protected abstract frozenFile(): string | null;
  /** Bring the device allow-list to `state`. */
  protected abstract writeDevices(state: DeviceState): void;
  /** Write linux.resources other than devices. */
  protected abstract writeResources(resources: LinuxResources): void;
  /** For killAll: freeze while signalling (null without a freezer). */
  protected abstract freezeForSignal(): { wasFrozen: boolean; thaw: () => void } | null;
  /** For killAll: SIGKILL the whole subtree at once; false where the kernel cannot. */
  protected abstract killCgroup(): boolean;
  abstract freeze(): void;
  abstract thaw(): void;
  abstract freezerState(): "frozen" | "thawed" | null;
  abstract stats(): Stats;
  abstract oomKills(): number;
  abstract mountSources(): CgroupMountSource[];

  create(): void {
    const before = this.created.length;
    try {
      for (const d of this.dirs) {
        this.mkdirs(d.mountpoint, d.dir);
        this.prepareDir(d);
      }
    } catch (e) {
      // Undo only what this call made (deepest first); a directory that was
      // there before is not ours to remove.
      const made = this.created.splice(before);
      for (const dir of made.sort((a, b) => b.length - a.length)) {
        try {
          rmdirSync(dir);
        } catch {
          // The first error is the one worth reporting.
        }
      }
      throw e;
    }
  }

  /** mkdir each missing component below the mount point, recording the ones made. */
  private mkdirs(mountpoint: string, dir: string): void {
    const parts = dir.slice(mountpoint.length + 1).split("/");
    // A concurrent destroy() of another container can remove a shared parent
    // (/runt) between our mkdirs: start over a few times on ENOENT.
    for (let attempt = 0; ; attempt++) {
      try {
        let d = mountpoint;
        for (const part of parts) {
          d = `${d}/${part}`;
          try {
            mkdirSync(d, 0o755);
            if (!this.created.includes(d)) this.created.push(d);
          } catch (e) {
            if (errnoCode(e) !== "EEXIST") throw e;
          }
        }
        return;
      } catch (e) {
        if (errnoCode(e) === "ENOENT" && attempt < 3) continue;
        throw new CgroupError(
          `cgroups: mkdir ${dir}: ${errnoCode(e) ?? (e instanceof Error ? e.message : e)}`,
          errnoCode(e),
        );
      }
    }
  }

  existing(): { pids: number[]; procsFile: string; frozen: string | null } {
    // Like runc, the processes of one hierarchy: devices on v1, the unified one on v2.
    const main = this.dirs.find((d) => d.controllers.includes("devices")) ?? this.dirs[0];
    const procsFile = main ? `${main.dir}/cgroup.procs` : "";
    const pids = main ? parsePids(readOptional(procsFile) ?? "") : [];
    return { pids, procsFile, frozen: this.frozenFile() };
  }

  procsFiles(): string[] {
    return this.dirs.map((d) => `${d.dir}/cgroup.procs`);
  }

  applyDevices(
    rules: readonly DeviceCgroupInput[] = [],
    devices: readonly DeviceNodeInput[] = [],
  ): void {
    const effective = effectiveDeviceRules(rules, devices);
    const state = deviceState(effective, (i) => {
      const rule = effective[i];
      return i < rules.length || !rule
        ? `linux.resources.devices[${i}]`
        : `runt's default device rule "${deviceRuleString(rule)}"`;
    });
    this.writeDevices(state);
  }

  applyResources(resources: LinuxResources = {}): void {
    this.writeResources(resources);
    const { devices: _, ...rest } = resources;
    this.resources = rest;
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const d of this.dirs)
      for (const dir of subtree(d.dir)) {
        for (const pid of parsePids(readOptional(`${dir}/cgroup.procs`) ?? "")) all.add(pid);
      }
    return [...all].sort((a, b) => a - b);
  }

  killAll(signal: NodeJS.Signals | number = "SIGKILL"): void {
    killAll(
      {
        path: this.path,
        pids: () => this.pids(),
        freezeForSignal: () => this.freezeForSignal(),
        killCgroup: () => this.killCgroup(),
      },
      signal,
    );
  }

  destroy(): void {
    const deadline = Date.now() + RMDIR_WAIT_MS;
    const failures: string[] = [];
    const leaves = new Set(this.dirs.map((d) => d.dir));
    for (const d of this.dirs) {
      // Sub-cgroups the container made, deepest first, then the leaf itself.
      for (const dir of subtree(d.dir).reverse()) {
        const err = rmdirRetrying(dir, deadline);
        if (err) failures.push(`${dir}: ${err}`);
      }
    }
    // Parents runt made, deepest first, only when nothing else uses them. runt's own
    // /runt goes with its last container, whichever container made it: two created
    // at once both find it made by the other, and it stayed after both were gone.
    // (Only where the directory is below it: a rootless one may be elsewhere.)
    const own = this.dirs
      .map((d) => join(d.mountpoint, RUNT_PARENT))
      .filter(
        (p, i) => this.path.startsWith(`${RUNT_PARENT}/`) && this.dirs[i]?.dir.startsWith(`${p}/`),
      );
    const parents = [...new Set([...this.created.filter((c) => !leaves.has(c)), ...own])];
    for (const dir of parents.sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(dir);
      } catch (e) {
        const code = errnoCode(e);
        if (code !== "ENOENT" && code !== "EBUSY" && code !== "ENOTEMPTY") {
          failures.push(`${dir}: ${code ?? e}`);
        }
      }
    }
    if (failures.length > 0) {
      const busy = failures.some((f) => f.endsWith("EBUSY"))
        ? " (EBUSY: processes are still in it)"
        : "";
      throw new CgroupError(`cgroups: cannot remove ${failures.join("; ")}${busy}`);
    }
  }

  toJSON(): CgroupManagerState {
    const { mode, path, dirs, created, resources } = this;
    return encodeCgroupfsState({ mode, path, dirs, created, resources });
  }
}

/**
 * Ask `probe` about d.dir, or, while d.dir does not exist yet (probe says
 * undefined), about its nearest existing ancestor below the mount point: a new
 * cgroup starts frozen under a frozen parent.
 */
export function frozenUpwards(
  d: CgroupDir,
  probe: (dir: string) => string | null | undefined,
): string | null {
  for (let dir = d.dir; dir.length > d.mountpoint.length; dir = dirname(dir)) {
    const found = probe(dir);
    if (found !== undefined) return found;
  }
  return null;
}

/**
 * Whether this process can place a container in d.dir: write its cgroup.procs
 * when it exists, else make it in its nearest existing ancestor.
 */
function writableCgroup(d: CgroupDir): boolean {
  let dir = d.dir;
  while (dir.length > d.mountpoint.length && !existsSync(dir)) dir = dirname(dir);
  try {
    if (dir === d.dir) accessSync(`${dir}/cgroup.procs`, constants.W_OK);
    else accessSync(dir, constants.W_OK | constants.X_OK);
    // cgroup v2 also asks for write access to the cgroup.procs of the closest
    // cgroup holding both the one a process leaves and the one it joins.
    const ancestor = d.kind === "v2" ? commonAncestor(d) : null;
    if (ancestor !== null) accessSync(`${ancestor}/cgroup.procs`, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The directory of the v2 cgroup above both this process's own and d.dir, or null if unknown. */
function commonAncestor(d: CgroupDir): string | null {
  const line = (readOptional("/proc/self/cgroup") ?? "")
    .split("\n")
    .find((l) => l.startsWith("0::"));
  if (line === undefined) return null;
  const own = line.slice(3).split("/").filter(Boolean);
  const target = d.dir.slice(d.mountpoint.length).split("/").filter(Boolean);
  let n = 0;
  while (n < own.length && n < target.length && own[n] === target[n]) n++;
  return [d.mountpoint, ...target.slice(0, n)].join("/");
}

const under = (dir: string, mountpoint: string) => dir.startsWith(`${mountpoint}/`);

/** `dir` and every cgroup below it, parents before children; [] when `dir` is gone. */
function subtree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): boolean => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return false;
      throw new CgroupError(`cgroups: read ${d}: ${errnoCode(e) ?? e}`, errnoCode(e));
    }
    out.push(d);
    for (const ent of entries) if (ent.isDirectory()) walk(`${d}/${ent.name}`);
    return true;
  };
  walk(dir);
  return out;
}

/** rmdir, retrying EBUSY (tasks still exiting) until the deadline; the errno code on failure. */
function rmdirRetrying(dir: string, deadline: number): string | null {
  for (let wait = 1; ; wait = Math.min(wait * 2, 100)) {
    try {
      rmdirSync(dir);
      return null;
    } catch (e) {
      const code = errnoCode(e);
      if (code === "ENOENT") return null;
      if (code !== "EBUSY" || Date.now() > deadline) return code ?? String(e);
      sleepMs(wait);
    }
  }
}

/** pause/resume where the host has no freezer. */
export function noFreezer(): CgroupError {
  return new CgroupError(
    "cgroups: no freezer: neither the v1 freezer controller nor cgroup v2's cgroup.freeze is available",
  );
}
