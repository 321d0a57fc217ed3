// cgroup v2 files of one directory: controllers enabled in the parents' subtree_control,
// the device program (BPF), cgroup.kill and cgroup.freeze. Used by the v2 driver
// and, for the unified hierarchy of a hybrid host, by the v1 one.
import { closeSync, constants, existsSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { native } from "../native.ts";
import { DEVICE_PROGRAM_LICENSE, deviceProgram } from "./bpf.ts";
import type { DeviceState } from "./devices.ts";
import type { CgroupDir } from "./driver.ts";
import { type CgroupWrite, controllerOf } from "./resources.ts";
import { CgroupError, errnoCode, readOptional, sleepMs, writeFile } from "./util.ts";
import type { Planned } from "./write-plan.ts";

/**
 * Enable `controllers` in cgroup.subtree_control of each ancestor of the
 * container's v2 directory that lacks them (as runc does), or say which one
 * cannot offer a controller.
 */
function enableControllers(d: CgroupDir, controllers: Set<string>, why: string): void {
  const chain: string[] = [];
  for (let p = dirname(d.dir); p.length >= d.mountpoint.length; p = dirname(p)) {
    chain.unshift(p);
    if (p === d.mountpoint) break;
  }
  for (const c of controllers) {
    for (const anc of chain) {
      const enabled = (readOptional(`${anc}/cgroup.subtree_control`) ?? "").split(/\s+/);
      if (enabled.includes(c)) continue;
      const available = (readOptional(`${anc}/cgroup.controllers`) ?? "").trim();
      if (!available.split(/\s+/).includes(c)) {
        throw new CgroupError(
          `cgroups: ${why} needs the cgroup v2 "${c}" controller, which ${anc}/cgroup.controllers does not offer ("${available}"); ` +
            "it is bound to a v1 hierarchy or disabled on this host",
        );
      }
      writeFile(`${anc}/cgroup.subtree_control`, `+${c}`);
    }
  }
}

/** The writes for the v2 directory `d`, once the controllers they need are enabled above it. */
export function planV2(d: CgroupDir, writes: CgroupWrite[]): Planned[] {
  const needed = new Map<string, string>();
  for (const w of writes) {
    const c = controllerOf(w.file);
    if (c !== "cgroup" && !w.optional && !needed.has(c)) needed.set(c, w.source);
  }
  for (const [c, source] of needed) enableControllers(d, new Set([c]), source);
  return writes.map((w) => ({ path: `${d.dir}/${w.file}`, w }));
}

/**
 * Load the device program for `state` and attach it to the cgroup at `dir`
 * (BPF_F_ALLOW_MULTI: every program on the cgroup and its ancestors must allow
 * an access). For a new cgroup this is the whole job; replacing a program on a
 * running container (`update`) also needs a detach, which the addon lacks yet.
 */
export function v2ApplyDevices(dir: string, state: DeviceState): void {
  const addon = native();
  let progFd: number;
  try {
    progFd = addon.bpfLoadDeviceProgram(deviceProgram(state), DEVICE_PROGRAM_LICENSE);
  } catch (e) {
    throw new CgroupError(
      `cgroups: loading the device program for ${dir}: ${e instanceof Error ? e.message : e}`,
      errnoCode(e),
    );
  }
  try {
    const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      addon.bpfAttachDevice(dirFd, progFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (e) {
    throw new CgroupError(
      `cgroups: attaching the device program to ${dir}: ${e instanceof Error ? e.message : e}`,
      errnoCode(e),
    );
  } finally {
    // The attachment holds its own reference to the program.
    closeSync(progFd);
  }
}

/** SIGKILL everything in the cgroup's subtree via cgroup.kill (5.14+); false when absent. */
export function v2Kill(dir: string): boolean {
  const file = `${dir}/cgroup.kill`;
  if (!existsSync(file)) return false;
  writeFile(file, "1");
  return true;
}

const FREEZE_WAIT_MS = 1000;

/**
 * Freeze the cgroup with cgroup.freeze (5.2+). Returns whether it was frozen
 * already, or null when there is no cgroup.freeze. Waits, bounded, for
 * cgroup.events to report "frozen 1".
 */
export function v2Freeze(dir: string): boolean | null {
  const file = `${dir}/cgroup.freeze`;
  const before = readOptional(file)?.trim();
  if (before === undefined) return null;
  if (before === "1") return true;
  writeFile(file, "1");
  const deadline = Date.now() + FREEZE_WAIT_MS;
  for (let wait = 1; Date.now() < deadline; wait = Math.min(wait * 2, 50)) {
    if (/^frozen 1$/m.test(readOptional(`${dir}/cgroup.events`) ?? "")) break;
    sleepMs(wait);
  }
  return false;
}

export function v2Thaw(dir: string): void {
  writeFile(`${dir}/cgroup.freeze`, "0");
}

/** Freeze and check that cgroup.events reports "frozen 1"; if not, thaw again and say so. */
export function v2FreezeChecked(dir: string): void {
  v2Freeze(dir);
  if (!/^frozen 1$/m.test(readOptional(`${dir}/cgroup.events`) ?? "")) {
    v2Thaw(dir);
    throw new CgroupError(
      `cgroups: ${dir}/cgroup.events did not report "frozen 1"; the container was thawed again, try pausing later`,
    );
  }
}

/** "frozen", "thawed", or null without cgroup.freeze. */
export function v2FreezerState(dir: string): "frozen" | "thawed" | null {
  const s = readOptional(`${dir}/cgroup.freeze`)?.trim();
  if (s === undefined) return null;
  return s === "1" ? "frozen" : "thawed";
}

/**
 * Whether the v2 cgroup `dir` is frozen: the file that says so, null when it
 * is not, undefined when `dir` does not exist (then ask its parent).
 */
export function v2FrozenFile(dir: string): string | null | undefined {
  const events = readOptional(`${dir}/cgroup.events`);
  if (events === null) return undefined;
  if (readOptional(`${dir}/cgroup.freeze`)?.trim() === "1") return `${dir}/cgroup.freeze is 1`;
  return /^frozen 1$/m.test(events) ? `${dir}/cgroup.events says "frozen 1"` : null;
}
