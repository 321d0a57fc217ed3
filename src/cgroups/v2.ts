// cgroup v2 specifics: the device program (BPF), cgroup.kill and cgroup.freeze.
import { closeSync, constants, existsSync, openSync } from "node:fs";
import { native } from "../native.ts";
import { DEVICE_PROGRAM_LICENSE, deviceProgram } from "./bpf.ts";
import type { DeviceState } from "./devices.ts";
import { CgroupError, errnoCode, readOptional, sleepMs, writeFile } from "./util.ts";

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
