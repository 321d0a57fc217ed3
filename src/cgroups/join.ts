// How runt-init's first process enters the container's cgroups with the least
// kernel work. A write to cgroup.procs takes the kernel's cgroup threadgroup lock
// for writing, and that waits for an RCU grace period: 5-14 ms measured on this
// kind of host on every start, whatever else runt does. So:
// - v1 hierarchies: "0" into `tasks` moves just the writing thread, which the
//   kernel does without that lock (runt-init is single-threaded: the thread is the
//   process);
// - the v2 hierarchy (unified, on hybrid hosts too): the process is born there,
//   spawned with clone3(CLONE_INTO_CGROUP), so it never migrates at all.
import { existsSync } from "node:fs";
import { dirname } from "node:path";

export interface CgroupJoin {
  /** Files the init writes "0" into, in order. */
  files: string[];
  /** The cgroup v2 directory the init is spawned in, if any. */
  spawnIn?: string;
}

/** The join for a driver's cgroup.procs files (CgroupManager.procsFiles()). */
export function cgroupJoin(procsFiles: readonly string[]): CgroupJoin {
  const join: CgroupJoin = { files: [] };
  for (const file of procsFiles) {
    const dir = dirname(file);
    if (isV1(dir)) join.files.push(`${dir}/tasks`);
    else if (join.spawnIn === undefined) join.spawnIn = dir;
    else join.files.push(file);
  }
  return join;
}

/**
 * Whether dir (made or still to be made) is in a v1 hierarchy: only those have a
 * tasks file, in every cgroup up to the root, so the nearest one that exists says.
 */
function isV1(dir: string): boolean {
  for (let d = dir; d !== "/" && d !== "."; d = dirname(d)) {
    if (existsSync(`${d}/tasks`)) return true;
    if (existsSync(`${d}/cgroup.procs`)) return false;
  }
  return false;
}
