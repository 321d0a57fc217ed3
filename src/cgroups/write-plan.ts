// Writing linux.resources: each driver plans which file of which directory
// gets which value (resources.ts says which file gets which value), and
// execute() writes them in order. A failed write puts back the old values of
// the files already written, so a refused `update` leaves the container as it was.
import { existsSync } from "node:fs";
import type { LinuxResources } from "../spec/types.ts";
import type { CgroupWrite } from "./resources.ts";
import { CgroupError, errnoCode, readOptional, writeFile } from "./util.ts";

/** One write of a plan: the file's absolute path and what goes there. */
export interface Planned {
  path: string;
  w: CgroupWrite;
}

/**
 * runc's memory.checkBeforeUpdate: refuse a limit below what the container
 * uses now, as `usageFile` (v1 memory.usage_in_bytes, v2 memory.current) shows it.
 */
export function checkBeforeUpdate(r: LinuxResources, usageFile: string): void {
  const limit = r.memory?.limit ?? 0;
  if (!r.memory?.checkBeforeUpdate || limit <= 0) return;
  const usage = Number(readOptional(usageFile)?.trim() ?? "0");
  if (limit < usage) {
    throw new CgroupError(
      `cgroups: linux.resources.memory.limit ${limit} is below the container's current usage ${usage} (${usageFile}) and checkBeforeUpdate is set; ` +
        "raise the limit or free memory first",
    );
  }
}

/** Old contents worth writing back: one line, as the kernel shows it. */
function snapshot(path: string): string | null {
  let old: string | null;
  try {
    old = readOptional(path);
  } catch {
    return null; // unreadable: the write will report it
  }
  if (old === null) return null;
  const t = old.trim();
  return t.includes("\n") || t === "" ? null : t;
}

function writeOne(p: Planned): void {
  try {
    writeFile(p.path, p.w.value);
  } catch (e) {
    const code = e instanceof CgroupError ? e.code : errnoCode(e);
    const hint =
      code === "EINVAL" || code === "EBUSY"
        ? " (the kernel refused the value)"
        : code === "ENOENT"
          ? " (the kernel has no such file: the controller or feature is missing)"
          : code === "ENOTSUP" || code === "EOPNOTSUPP"
            ? " (not supported here: for a device weight, the device must use the bfq scheduler)"
            : "";
    throw new CgroupError(
      `cgroups: ${p.w.source}: writing "${p.w.value}" to ${p.path} failed: ${code ?? e}${hint}`,
      code,
    );
  }
}

/** Run the plan; on failure write back what was there before, newest first. */
export function execute(plan: Planned[]): void {
  const undo: { path: string; value: string }[] = [];
  try {
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i] as Planned;
      if (p.w.optional && !existsSync(p.path)) continue;
      if (p.w.alt) {
        // The first existing file of this run of alternatives.
        const run: Planned[] = [];
        for (let j = i; j < plan.length; j++) {
          const q = plan[j] as Planned;
          if (!q.w.alt || q.w.source !== p.w.source) break;
          run.push(q);
        }
        i += run.length - 1;
        const pick = run.find((q) => existsSync(q.path));
        if (!pick) {
          throw new CgroupError(
            `cgroups: ${p.w.source}: none of ${run.map((q) => q.path).join(", ")} exists; ` +
              "the kernel has no I/O scheduler with weights for this cgroup (bfq or cfq); remove the weight",
            "ENOENT",
          );
        }
        const old = snapshot(pick.path);
        writeOne(pick);
        if (old !== null) undo.push({ path: pick.path, value: old });
        continue;
      }
      const old = snapshot(p.path);
      try {
        writeOne(p);
      } catch (e) {
        // runc: a new period can be refused until the quota fits it; try the quota first.
        const next = plan[i + 1];
        if (p.w.file === "cpu.cfs_period_us" && next?.w.file === "cpu.cfs_quota_us") {
          const oldQuota = snapshot(next.path);
          writeOne(next);
          if (oldQuota !== null) undo.push({ path: next.path, value: oldQuota });
          writeOne(p);
          i++;
        } else {
          throw e;
        }
      }
      if (old !== null) undo.push({ path: p.path, value: old });
      if (p.w.file === "cpu.shares") {
        // The kernel clamps silently: report what it made of the value.
        const got = readOptional(p.path)?.trim();
        if (got !== undefined && got !== p.w.value) {
          throw new CgroupError(
            `cgroups: ${p.w.source}: the kernel set ${p.path} to ${got} instead of ${p.w.value}; use a value from 2 to 262144`,
          );
        }
      }
    }
  } catch (e) {
    for (const u of undo.reverse()) {
      try {
        writeFile(u.path, u.value);
      } catch {
        // Best effort: the first error is the one to report.
      }
    }
    throw e;
  }
}
