// Confinement steps of the plan: the seccomp load and the LSM exec labels, and the
// SELinux context= option that linux.mountLabel adds to mounts.
import { existsSync, readFileSync } from "node:fs";
import type { CompiledSeccomp } from "../seccomp/compile.ts";
import type { Process } from "../spec/types.ts";
import type { PlanOp, Step } from "./plan.ts";

export function seccompOp(sec: CompiledSeccomp, late: boolean): PlanOp {
  return {
    op: "seccomp",
    flags: sec.flags,
    notify: sec.notify,
    late,
    program: Buffer.from(sec.program).toString("hex"),
  };
}

/**
 * The exec labels, written as runc writes them: AppArmor's "exec PROFILE" to
 * attr/apparmor/exec (attr/exec on kernels without the per-LSM directory), SELinux's
 * context to attr/exec. On a host without that LSM the kernel refuses the write
 * (EINVAL) and create fails, as runc's does; describeLsmError says why.
 */
export function lsmOps(proc: Process): Step[] {
  const steps: Step[] = [];
  if (proc.apparmorProfile) {
    steps.push([
      "process.apparmorProfile",
      {
        op: "lsmLabel",
        attr: "apparmor/exec",
        fallback: "exec",
        label: `exec ${proc.apparmorProfile}`,
      },
    ]);
  }
  if (proc.selinuxLabel) {
    steps.push([
      "process.selinuxLabel",
      { op: "lsmLabel", attr: "exec", fallback: "", label: proc.selinuxLabel },
    ]);
  }
  return steps;
}

/** What to tell the user when the kernel refused a label: which LSM is missing. */
export function lsmHint(note: string): string | undefined {
  if (note === "process.apparmorProfile") {
    return "AppArmor is not enabled on this host (or the profile is not loaded); remove process.apparmorProfile or load the profile";
  }
  if (note === "process.selinuxLabel") {
    return "SELinux is not enabled on this host (or the label is not valid in its policy); remove process.selinuxLabel";
  }
  return undefined;
}

/** Filesystems runc gives the mount label: every non-bind mount but proc, sysfs, cgroup and mqueue. */
const NO_LABEL = new Set(["proc", "sysfs", "cgroup", "cgroup2", "mqueue", "bind"]);

/** data with context="LABEL" added, only where SELinux is enabled: elsewhere no LSM takes the
 * option and the kernel refuses the mount (EINVAL), so mountLabel is dropped, as crun drops it
 * (runc 1.1's go-selinux adds context= regardless, and its create fails on such hosts). */
export function withMountLabel(
  data: string,
  fstype: string,
  label: string | undefined,
  selinux: boolean,
): string {
  if (!label || !selinux || NO_LABEL.has(fstype) || /(^|,)context=/.test(data)) return data;
  const opt = `context="${label}"`;
  return data ? `${data},${opt}` : opt;
}

/** SELinux is enabled on this host, as go-selinux decides: selinuxfs is mounted and the
 * process has a context other than "kernel". */
export function hostSelinuxEnabled(): boolean {
  try {
    if (!existsSync("/sys/fs/selinux/enforce")) return false;
    const current = readFileSync("/proc/self/attr/current", "utf8").replace(/\0/g, "").trim();
    return current !== "" && current !== "kernel";
  } catch {
    return false;
  }
}
