// The cgroupfs driver: one directory per hierarchy the container uses, the same
// cgroup path in each. On v1 that is every mounted controller hierarchy plus
// name=systemd (see mode.ts); on hybrid also the cgroup2 one, as runc does, so
// the container's processes are not left in their creator's v2 cgroup; on v2 the
// one unified hierarchy.

import { mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { LinuxResources } from "../spec/types.ts";
import { applyResources, freezeState, oomKillCount, setFrozen } from "./apply.ts";
import {
  type DeviceCgroupInput,
  type DeviceNodeInput,
  deviceRuleString,
  deviceState,
  effectiveDeviceRules,
} from "./devices.ts";
import type {
  CgroupDir,
  CgroupManager,
  CgroupManagerOptions,
  CgroupMountSource,
} from "./driver.ts";
import { killAll } from "./kill-all.ts";
import { type CgroupMode, DEFAULT_CGROUP_ROOT, detectCgroups, type Hierarchy } from "./mode.ts";
import { hierarchyDir, resolveCgroupPath } from "./path.ts";
import {
  type CgroupManagerState,
  decodeCgroupfsState,
  encodeCgroupfsState,
} from "./state-codec.ts";
import { type Stats, v1Stats, v2Stats } from "./stats.ts";
import { CgroupError, errnoCode, parsePids, readOptional, sleepMs } from "./util.ts";
import { v1ApplyDevices, v1Freeze, v1InitCpuset, v1Thaw } from "./v1.ts";
import { v2ApplyDevices, v2Freeze, v2Kill, v2Thaw } from "./v2.ts";

export type {
  CgroupDir,
  CgroupManager,
  CgroupManagerOptions,
  CgroupMountSource,
} from "./driver.ts";
export type { CgroupManagerState } from "./state-codec.ts";

const RMDIR_WAIT_MS = 3000;

class FsManager implements CgroupManager {
  readonly driver = "cgroupfs" as const;
  readonly paths: Readonly<Record<string, string>>;
  resources: LinuxResources = {};

  constructor(
    readonly mode: CgroupMode,
    readonly path: string,
    private readonly dirs: CgroupDir[],
    private readonly created: string[],
  ) {
    const paths: Record<string, string> = {};
    for (const d of dirs) for (const k of d.keys) paths[k] = d.dir;
    this.paths = paths;
  }

  create(): void {
    const before = this.created.length;
    try {
      for (const d of this.dirs) {
        this.mkdirs(d.mountpoint, d.dir);
        if (d.controllers.includes("cpuset")) v1InitCpuset(d.mountpoint, d.dir);
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
    let frozen: string | null = null;
    for (const d of this.dirs) {
      if (d.kind === "v1" && !d.controllers.includes("freezer")) continue;
      frozen = frozenFile(d);
      if (frozen) break;
    }
    return { pids, procsFile, frozen };
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
    if (this.mode === "v2") {
      const unified = this.dirs.find((d) => d.kind === "v2");
      if (unified) v2ApplyDevices(unified.dir, state);
      return;
    }
    const devicesDir = this.dirs.find((d) => d.controllers.includes("devices"));
    if (!devicesDir) {
      // Without it nothing would restrict device access: refuse, as runc does.
      throw new CgroupError(
        "cgroups: the v1 devices controller is not mounted, so the container's device allow-list cannot be applied",
      );
    }
    v1ApplyDevices(devicesDir.dir, state);
  }

  applyResources(resources: LinuxResources = {}): void {
    applyResources(this.mode, this.dirs, resources);
    const { devices: _, ...rest } = resources;
    this.resources = rest;
  }

  freeze(): void {
    setFrozen(this.mode, this.dirs, true);
  }

  thaw(): void {
    setFrozen(this.mode, this.dirs, false);
  }

  freezerState(): "frozen" | "thawed" | null {
    return freezeState(this.mode, this.dirs);
  }

  stats(): Stats {
    if (this.mode === "v2") return v2Stats(this.dirs[0]?.dir ?? "");
    return v1Stats(this.paths);
  }

  oomKills(): number {
    return oomKillCount(this.mode, this.dirs);
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
    const freezer = this.dirs.find((d) => d.controllers.includes("freezer"));
    const unified = this.dirs.find((d) => d.kind === "v2");
    const v2Freezer = this.mode === "v2" ? unified : undefined;
    killAll(
      {
        path: this.path,
        pids: () => this.pids(),
        freezeForSignal: () => {
          const v1 = freezer ? v1Freeze(freezer.dir) : null;
          if (freezer && v1 !== null) return { wasFrozen: v1, thaw: () => v1Thaw(freezer.dir) };
          const v2 = v2Freezer ? v2Freeze(v2Freezer.dir) : null;
          if (v2Freezer && v2 !== null) return { wasFrozen: v2, thaw: () => v2Thaw(v2Freezer.dir) };
          return null;
        },
        killCgroup: () => (unified ? v2Kill(unified.dir) : false),
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
    // Parents runt made (/runt), deepest first, only when nothing else uses them.
    const parents = this.created.filter((c) => !leaves.has(c));
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

  mountSources(): CgroupMountSource[] {
    if (this.mode === "v2") {
      const d = this.dirs[0];
      return d ? [{ name: "", fstype: "cgroup2", data: "", hostPath: d.dir, aliases: [] }] : [];
    }
    return this.dirs
      .filter((d) => d.kind === "v1")
      .map((d) => {
        const name = basename(d.mountpoint);
        const aliases = d.controllers.length > 1 ? d.controllers.filter((c) => c !== name) : [];
        return { name, fstype: "cgroup" as const, data: d.data, hostPath: d.dir, aliases };
      });
  }

  toJSON(): CgroupManagerState {
    const { mode, path, dirs, created, resources } = this;
    return encodeCgroupfsState({ mode, path, dirs, created, resources });
  }
}

/**
 * The freezer file that shows the cgroup at d.dir frozen ("freezer.state" not
 * THAWED on v1, "frozen 1" in cgroup.events on v2), or, while d.dir does not
 * exist yet, its nearest existing ancestor (a new cgroup starts frozen under a
 * frozen parent); null when it is not frozen.
 */
function frozenFile(d: CgroupDir): string | null {
  for (let dir = d.dir; dir.length > d.mountpoint.length; dir = dirname(dir)) {
    if (d.kind === "v1") {
      const file = `${dir}/freezer.state`;
      const s = readOptional(file)?.trim();
      if (s === undefined) continue;
      return s === "THAWED" ? null : `${file} is ${s}`;
    }
    const events = readOptional(`${dir}/cgroup.events`);
    if (events === null) continue;
    if (readOptional(`${dir}/cgroup.freeze`)?.trim() === "1") return `${dir}/cgroup.freeze is 1`;
    return /^frozen 1$/m.test(events) ? `${dir}/cgroup.events says "frozen 1"` : null;
  }
  return null;
}

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

function dirFor(h: Hierarchy, path: string): CgroupDir {
  return {
    kind: h.kind,
    keys: h.keys,
    controllers: h.controllers,
    data: h.data,
    mountpoint: h.mountpoint,
    dir: hierarchyDir(h.mountpoint, h.mountRoot, path),
  };
}

/** The manager for a container: detects the cgroup mode and resolves linux.cgroupsPath. */
export function cgroupManager(opts: CgroupManagerOptions): CgroupManager {
  if (opts.systemd) {
    throw new CgroupError(
      "cgroups: the systemd cgroup driver is not supported yet; run without --systemd-cgroup",
    );
  }
  const path = resolveCgroupPath(opts.path, opts.id);
  const setup = detectCgroups(opts.root ?? DEFAULT_CGROUP_ROOT, opts.mountinfo);
  return new FsManager(
    setup.mode,
    path,
    setup.hierarchies.map((h) => dirFor(h, path)),
    [],
  );
}

/** The manager recorded in a container's state (toJSON()), for `delete`, `kill`, `exec`. */
export function cgroupManagerFromJSON(json: unknown): CgroupManager {
  const s = decodeCgroupfsState(json);
  const mgr = new FsManager(s.mode, s.path, [...s.dirs], [...s.created]);
  if (s.resources) mgr.resources = s.resources;
  return mgr;
}
