// The cgroup driver interface: what create, exec, kill, pause, update, events,
// ps and delete ask of a container's cgroups, whatever puts them there. The
// cgroupfs drivers (driver-v1.ts for v1 and hybrid hosts, driver-v2.ts for the
// unified hierarchy) write the cgroup filesystems themselves; factory.ts picks
// one. A systemd driver would be a third implementation of CgroupManager (see
// factory.ts for where it plugs in).
import type { CgroupMountSource } from "../plan/compile.ts";
import type { LinuxResources } from "../spec/types.ts";
import type { DeviceCgroupInput, DeviceNodeInput } from "./devices.ts";
import type { CgroupMode } from "./mode.ts";
import type { Stats } from "./stats.ts";

/** One hierarchy's directory of the container. */
export interface CgroupDir {
  kind: "v1" | "v2";
  /** Keys of this directory in CgroupManager.paths. */
  keys: string[];
  controllers: string[];
  /** mount(2) data for the hierarchy ("cpu,cpuacct", "name=systemd", "" for v2). */
  data: string;
  mountpoint: string;
  dir: string;
}

/** The cgroupfs drivers' record in state.json (state-codec.ts writes and checks it). */
export interface CgroupManagerState {
  version: 1;
  driver: "cgroupfs";
  mode: CgroupMode;
  /** The cgroup path ("/runt/<id>"), the same in every hierarchy. */
  path: string;
  dirs: CgroupDir[];
  /** Directories runt's mkdir made, parents first: destroy() removes only these and the leaves. */
  created: string[];
  /** linux.resources as last applied (create, then each `update`). */
  resources?: LinuxResources;
}

export type { CgroupMountSource };

/** A container's cgroups, as one driver keeps them. */
export interface CgroupManager {
  /** "cgroupfs" now; a systemd driver would add "systemd". */
  readonly driver: "cgroupfs";
  readonly mode: CgroupMode;
  /** The cgroup path, the same in every hierarchy ("/runt/<id>"). */
  readonly path: string;
  /** Controller ("memory", "cpu", "name=systemd") or "unified" -> absolute directory. */
  readonly paths: Readonly<Record<string, string>>;
  /** mkdir -p in every hierarchy, recording which directories runt made. */
  create(): void;
  /**
   * Rootless, before create(): forget the hierarchies whose directory this
   * process can neither make nor join (runc skips them for a rootless
   * container without a cgroupsPath). A hierarchy whose directory is not
   * writable moves to fallback's directory first, if that one is (runc's
   * default: the caller's own cgroup). Returns the ones dropped.
   */
  dropUnwritable(fallback?: (d: CgroupDir) => string | undefined): CgroupDir[];
  /** The first linux.resources field (not devices) none of the remaining hierarchies can take, or null. */
  unplaceable(resources: LinuxResources): string | null;
  /**
   * What is already there before create(), as runc checks it: the processes in
   * the container's cgroup (one hierarchy, as runc reads it), and the file that
   * shows it (or the ancestor it would be made in) frozen, if one does. An init
   * joining a frozen cgroup would stop there, so create must refuse.
   */
  existing(): { pids: number[]; procsFile: string; frozen: string | null };
  /** The cgroup.procs files the init writes "0" into to join the container's cgroups. */
  procsFiles(): string[];
  /**
   * Apply linux.resources.devices on top of runc's defaults (effectiveDeviceRules).
   * The other linux.resources go through applyResources.
   */
  applyDevices(rules?: readonly DeviceCgroupInput[], devices?: readonly DeviceNodeInput[]): void;
  /**
   * Apply linux.resources other than devices (memory, cpu, pids, blockIO,
   * hugepageLimits, network, rdma, unified). When a write fails the files
   * already written get their old values back and the error names the file and
   * the value the kernel refused.
   */
  applyResources(resources?: LinuxResources): void;
  /** linux.resources as last applied. */
  readonly resources: LinuxResources;
  /** Freeze every process (v1 freezer, or v2 cgroup.freeze); errors if it does not get there. */
  freeze(): void;
  thaw(): void;
  /** "frozen", "thawed", or null without a freezer. */
  freezerState(): "frozen" | "thawed" | null;
  /** Resource usage in runc's stats shape. */
  stats(): Stats;
  /** How many processes the OOM killer has killed in the container (v1 memory.oom_control, v2 memory.events). */
  oomKills(): number;
  /** Every process in the container's cgroups, their sub-cgroups included. */
  pids(): number[];
  /** Signal every process (default SIGKILL, then wait, bounded, until none is left). */
  killAll(signal?: NodeJS.Signals | number): void;
  /** rmdir the container's directories (and their sub-cgroups) and the parents runt made. */
  destroy(): void;
  /** The hierarchies for the container's `cgroup` mounts (v1 ones only on hybrid, like runc). */
  mountSources(): CgroupMountSource[];
  /** The record for the container's state.json (state-codec.ts). */
  toJSON(): CgroupManagerState;
}

export interface CgroupManagerOptions {
  /** linux.cgroupsPath; "" or undefined for the default /runt/<id>. */
  path?: string;
  id: string;
  /** Where the cgroup filesystems are mounted (/sys/fs/cgroup); tests point it elsewhere. */
  root?: string;
  /** /proc/self/mountinfo text, read when not given. */
  mountinfo?: string;
  /** --systemd-cgroup. */
  systemd?: boolean;
}
