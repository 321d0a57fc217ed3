// cgroup v1 files of one directory: the devices controller's files, cpuset's
// empty-by-default cpus/mems, and the freezer. Used by the v1 driver.
import { dirname } from "node:path";
import { type DeviceState, parseDevicesList, v1DeviceWrites } from "./devices.ts";
import { CgroupError, readOptional, sleepMs, writeFile } from "./util.ts";

/**
 * Bring the devices cgroup at `dir` to `target`. Only the leaf is written: the
 * kernel refuses a reset ("a") on a cgroup with children, and a child can never
 * allow what its parent denies, which is what makes the leaf the right place.
 */
export function v1ApplyDevices(dir: string, target: DeviceState): void {
  const list = readOptional(`${dir}/devices.list`);
  if (list === null) throw new CgroupError(`cgroups: ${dir}/devices.list does not exist`);
  for (const w of v1DeviceWrites(parseDevicesList(list), target)) {
    writeFile(`${dir}/${w.file}`, w.rule);
  }
}

/**
 * A new v1 cpuset cgroup has empty cpuset.cpus and cpuset.mems (unless the
 * parent sets clone_children), and no process can join it then (ENOSPC). Fill
 * each empty one on the way from the hierarchy's root down to `dir` with its
 * parent's values.
 */
export function v1InitCpuset(mountpoint: string, dir: string): void {
  const chain: string[] = [];
  for (let d = dir; d.length > mountpoint.length && d.startsWith(mountpoint); d = dirname(d)) {
    chain.unshift(d);
  }
  for (const d of chain) {
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      const own = readOptional(`${d}/${file}`);
      if (own === null || own.trim() !== "") continue;
      const parent = readOptional(`${dirname(d)}/${file}`)?.trim() ?? "";
      if (parent !== "") writeFile(`${d}/${file}`, parent);
    }
  }
}

const FREEZE_WAIT_MS = 1000;

/**
 * Freeze the cgroup (and its descendants) with the v1 freezer. Returns whether
 * it was frozen already, or null when `dir` has no freezer.state. Waits, bounded,
 * for FREEZING to become FROZEN; a cgroup that does not get there (a task in an
 * uninterruptible sleep) is left FREEZING, which still stops new forks from running.
 */
export function v1Freeze(dir: string): boolean | null {
  const file = `${dir}/freezer.state`;
  const before = readOptional(file)?.trim();
  if (before === undefined) return null;
  if (before === "FROZEN") return true;
  writeFile(file, "FROZEN");
  const deadline = Date.now() + FREEZE_WAIT_MS;
  for (let wait = 1; Date.now() < deadline; wait = Math.min(wait * 2, 50)) {
    if (readOptional(file)?.trim() === "FROZEN") break;
    sleepMs(wait);
  }
  return false;
}

export function v1Thaw(dir: string): void {
  writeFile(`${dir}/freezer.state`, "THAWED");
}

/** Freeze and check that freezer.state says FROZEN; if not, thaw again and say so. */
export function v1FreezeChecked(dir: string): void {
  v1Freeze(dir);
  const s = readOptional(`${dir}/freezer.state`)?.trim();
  if (s !== "FROZEN") {
    v1Thaw(dir);
    throw new CgroupError(
      `cgroups: ${dir}/freezer.state stayed ${s} (a process in uninterruptible sleep?); the container was thawed again, try pausing later`,
    );
  }
}

/** "frozen", "thawed", or null without freezer.state. */
export function v1FreezerState(dir: string): "frozen" | "thawed" | null {
  const s = readOptional(`${dir}/freezer.state`)?.trim();
  if (s === undefined) return null;
  return s === "THAWED" ? "thawed" : "frozen";
}

/**
 * Whether the v1 freezer cgroup `dir` is frozen: the file that says so, null
 * when it is not, undefined when `dir` does not exist (then ask its parent).
 */
export function v1FrozenFile(dir: string): string | null | undefined {
  const file = `${dir}/freezer.state`;
  const s = readOptional(file)?.trim();
  if (s === undefined) return undefined;
  return s === "THAWED" ? null : `${file} is ${s}`;
}
