// Writing linux.resources into the container's cgroup directories (the writes
// come from resources.ts), freezing and thawing, and the OOM-kill counter.
// A failed write puts back the old values of the files already written, so a
// refused `update` leaves the container as it was.
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { LinuxResources } from "../spec/types.ts";
import type { CgroupDir } from "./manager.ts";
import type { CgroupMode } from "./mode.ts";
import { type CgroupWrite, controllerOf, v1Writes, v2Writes } from "./resources.ts";
import { parseKeyValues } from "./stats.ts";
import { CgroupError, errnoCode, readOptional, writeFile } from "./util.ts";
import { v1Freeze, v1Thaw } from "./v1.ts";
import { v2Freeze, v2Thaw } from "./v2.ts";

interface Planned {
  path: string;
  w: CgroupWrite;
}

const v2Dir = (dirs: readonly CgroupDir[]) => dirs.find((d) => d.kind === "v2");

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

function planV2(d: CgroupDir, writes: CgroupWrite[]): Planned[] {
  const needed = new Map<string, string>();
  for (const w of writes) {
    const c = controllerOf(w.file);
    if (c !== "cgroup" && !w.optional && !needed.has(c)) needed.set(c, w.source);
  }
  for (const [c, source] of needed) enableControllers(d, new Set([c]), source);
  return writes.map((w) => ({ path: `${d.dir}/${w.file}`, w }));
}

/** The v1 groups, each needing its controllers mounted. */
function v1Groups(r: LinuxResources): LinuxResources[] {
  const groups: LinuxResources[] = [];
  if (r.cpu) groups.push({ cpu: r.cpu });
  if (r.memory) groups.push({ memory: r.memory });
  if (r.pids) groups.push({ pids: r.pids });
  if (r.blockIO) groups.push({ blockIO: r.blockIO });
  if (r.hugepageLimits) groups.push({ hugepageLimits: r.hugepageLimits });
  if (r.network) groups.push({ network: r.network });
  if (r.rdma) groups.push({ rdma: r.rdma });
  return groups;
}

function planV1(mode: CgroupMode, dirs: readonly CgroupDir[], r: LinuxResources): Planned[] {
  const out: Planned[] = [];
  const unifiedKeys = Object.keys(r.unified ?? {});
  for (const group of v1Groups(r)) {
    for (const w of v1Writes(group)) {
      const d = dirs.find((x) => x.kind === "v1" && x.controllers.includes(w.controller));
      if (!d) {
        throw new CgroupError(
          `cgroups: ${w.source} needs the cgroup v1 "${w.controller}" controller, which is not mounted on this host; ` +
            "remove the setting or mount the controller",
        );
      }
      out.push({ path: `${d.dir}/${w.file}`, w });
    }
  }
  if (unifiedKeys.length > 0) {
    const d = v2Dir(dirs);
    // runc says "invalid configuration" for unified keys it cannot set on v1 or hybrid.
    if (mode === "v1" || !d) {
      throw new CgroupError(
        `cgroups: invalid configuration: linux.resources.unified["${unifiedKeys[0]}"]: cgroup v2 files cannot be set on a cgroup v1 host; use the v1 fields of linux.resources instead`,
      );
    }
    // Hybrid: the keys go to the container's directory in the v2 hierarchy.
    try {
      out.push(...planV2(d, v2Writes({ unified: r.unified ?? {} })));
    } catch (e) {
      if (!(e instanceof CgroupError)) throw e;
      throw new CgroupError(
        e.message.replace(/^cgroups: /, "cgroups: invalid configuration: "),
        e.code,
      );
    }
  }
  return out;
}

/** runc's memory.checkBeforeUpdate: refuse a limit below what the container uses now. */
function checkBeforeUpdate(mode: CgroupMode, dirs: readonly CgroupDir[], r: LinuxResources): void {
  const limit = r.memory?.limit ?? 0;
  if (!r.memory?.checkBeforeUpdate || limit <= 0) return;
  const file =
    mode === "v2"
      ? `${v2Dir(dirs)?.dir}/memory.current`
      : `${dirs.find((d) => d.controllers.includes("memory"))?.dir}/memory.usage_in_bytes`;
  const usage = Number(readOptional(file)?.trim() ?? "0");
  if (limit < usage) {
    throw new CgroupError(
      `cgroups: linux.resources.memory.limit ${limit} is below the container's current usage ${usage} (${file}) and checkBeforeUpdate is set; ` +
        "raise the limit or free memory first",
    );
  }
}

/**
 * v1: memory.limit_in_bytes can never exceed memory.memsw.limit_in_bytes, so
 * which goes first depends on the current limit (runc's rule: memsw first
 * when it is unlimited or above the current limit).
 */
function memoryOrder(plan: Planned[]): Planned[] {
  const li = plan.findIndex((p) => p.w.file === "memory.limit_in_bytes");
  const si = plan.findIndex((p) => p.w.file === "memory.memsw.limit_in_bytes");
  if (li < 0 || si < 0 || si < li) return plan;
  const limit = plan[li] as Planned;
  const swap = Number((plan[si] as Planned).w.value);
  const current = Number(readOptional(limit.path)?.trim() ?? "0");
  if (swap === -1 || current < swap) {
    const out = [...plan];
    out.splice(si, 1);
    out.splice(li, 0, plan[si] as Planned);
    return out;
  }
  return plan;
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
function execute(plan: Planned[]): void {
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

export function applyResources(
  mode: CgroupMode,
  dirs: readonly CgroupDir[],
  r: LinuxResources,
): void {
  let plan: Planned[];
  if (mode === "v2") {
    const d = v2Dir(dirs);
    if (!d) throw new CgroupError("cgroups: the container has no cgroup v2 directory");
    plan = planV2(d, v2Writes(r));
  } else {
    plan = memoryOrder(planV1(mode, dirs, r));
  }
  checkBeforeUpdate(mode, dirs, r);
  execute(plan);
}

function freezerDir(mode: CgroupMode, dirs: readonly CgroupDir[]): CgroupDir | undefined {
  const v1 = dirs.find((d) => d.controllers.includes("freezer"));
  if (v1) return v1;
  return mode === "v2" ? v2Dir(dirs) : undefined;
}

export function freezeState(
  mode: CgroupMode,
  dirs: readonly CgroupDir[],
): "frozen" | "thawed" | null {
  const d = freezerDir(mode, dirs);
  if (!d) return null;
  if (d.kind === "v1") {
    const s = readOptional(`${d.dir}/freezer.state`)?.trim();
    if (s === undefined) return null;
    return s === "THAWED" ? "thawed" : "frozen";
  }
  const s = readOptional(`${d.dir}/cgroup.freeze`)?.trim();
  if (s === undefined) return null;
  return s === "1" ? "frozen" : "thawed";
}

export function setFrozen(mode: CgroupMode, dirs: readonly CgroupDir[], frozen: boolean): void {
  const d = freezerDir(mode, dirs);
  if (!d) {
    throw new CgroupError(
      "cgroups: no freezer: neither the v1 freezer controller nor cgroup v2's cgroup.freeze is available",
    );
  }
  if (!frozen) {
    if (d.kind === "v1") v1Thaw(d.dir);
    else v2Thaw(d.dir);
    return;
  }
  if (d.kind === "v1") {
    v1Freeze(d.dir);
    const s = readOptional(`${d.dir}/freezer.state`)?.trim();
    if (s !== "FROZEN") {
      v1Thaw(d.dir);
      throw new CgroupError(
        `cgroups: ${d.dir}/freezer.state stayed ${s} (a process in uninterruptible sleep?); the container was thawed again, try pausing later`,
      );
    }
    return;
  }
  v2Freeze(d.dir);
  if (!/^frozen 1$/m.test(readOptional(`${d.dir}/cgroup.events`) ?? "")) {
    v2Thaw(d.dir);
    throw new CgroupError(
      `cgroups: ${d.dir}/cgroup.events did not report "frozen 1"; the container was thawed again, try pausing later`,
    );
  }
}

/** The OOM-kill counter: v1 memory.oom_control's oom_kill, v2 memory.events' oom_kill. */
export function oomKillCount(mode: CgroupMode, dirs: readonly CgroupDir[]): number {
  if (mode === "v2") {
    const d = v2Dir(dirs);
    return d ? (parseKeyValues(readOptional(`${d.dir}/memory.events`)).oom_kill ?? 0) : 0;
  }
  const d = dirs.find((x) => x.controllers.includes("memory"));
  return d ? (parseKeyValues(readOptional(`${d.dir}/memory.oom_control`)).oom_kill ?? 0) : 0;
}
