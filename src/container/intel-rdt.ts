// linux.intelRdt through the resctrl filesystem, as runc 1.5 does it: the container
// joins a CLOS group (closID, else one named after the container, made by runt),
// l3CacheSchema, memBwSchema and schemata become the lines of the group's schemata
// file, and enableMonitoring adds a monitoring group mon_groups/<id>. A group named
// by closID is never removed (it may be shared); one runt made goes at delete.
//
// The plan (rdtPlan, rdtWrites) is pure, so what would be written where is testable
// on a host without resctrl; applyRdt runs it against a root directory.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntError } from "../errors.ts";
import type { LinuxIntelRdt } from "../spec/types.ts";

export const RESCTRL = "/sys/fs/resctrl";

export interface RdtPlan {
  /** The CLOS group's directory. */
  group: string;
  /** closID without any schema: the group must exist already (runtime-spec, runc). */
  mustExist: boolean;
  /** Whether a group runt made is removed at delete (not one named by closID). */
  removable: boolean;
  /** The schemata file's content (one line each), when there is any. */
  schemata?: string;
  /** enableMonitoring: the container's own monitoring group. */
  monGroup?: string;
}

/** What applyRdt did, kept in the state so that delete undoes exactly that. */
export interface RdtRecord {
  group: string;
  /** runt made the group (and may remove it). */
  made: boolean;
  removable: boolean;
  monGroup?: string;
}

export type RdtWrite =
  | { op: "exists"; path: string }
  | { op: "mkdir"; path: string }
  | { op: "write"; path: string; content: string };

export function rdtPlan(rdt: LinuxIntelRdt, id: string, root = RESCTRL): RdtPlan {
  const clos = rdt.closID ?? "";
  // closID "/" is the root group itself (runc allows it); validation refused the rest.
  const group = clos === "" ? join(root, id) : clos === "/" ? root : join(root, clos);
  const lines = [rdt.l3CacheSchema ?? "", rdt.memBwSchema ?? "", ...(rdt.schemata ?? [])].filter(
    (l) => l !== "",
  );
  return {
    group,
    mustExist: clos !== "" && lines.length === 0,
    removable: clos === "",
    schemata: lines.length ? lines.map((l) => `${l}\n`).join("") : undefined,
    monGroup: rdt.enableMonitoring ? join(group, "mon_groups", id) : undefined,
  };
}

/** Every step applyRdt takes for pid, in order: runc's Apply, then its Set. */
export function rdtWrites(plan: RdtPlan, pid: number): RdtWrite[] {
  const out: RdtWrite[] = [];
  if (plan.mustExist) out.push({ op: "exists", path: plan.group });
  out.push({ op: "mkdir", path: plan.group });
  out.push({ op: "write", path: join(plan.group, "tasks"), content: String(pid) });
  if (plan.monGroup) {
    out.push({ op: "mkdir", path: plan.monGroup });
    out.push({ op: "write", path: join(plan.monGroup, "tasks"), content: String(pid) });
  }
  if (plan.schemata) {
    out.push({ op: "write", path: join(plan.group, "schemata"), content: plan.schemata });
  }
  return out;
}

/** resctrl's own account of a refused write (info/last_cmd_status), when it has one. */
function lastCmdStatus(root: string): string {
  try {
    return `; last_cmd_status: ${readFileSync(join(root, "info", "last_cmd_status"), "utf8").trim()}`;
  } catch {
    return "";
  }
}

/** Runs the plan for pid. A failure undoes what it made and names the file and value. */
export function applyRdt(plan: RdtPlan, pid: number, root = RESCTRL): RdtRecord {
  const record: RdtRecord = { group: plan.group, made: false, removable: plan.removable };
  try {
    for (const w of rdtWrites(plan, pid)) {
      if (w.op === "exists") {
        if (!existsSync(w.path)) {
          throw new RuntError(
            `linux.intelRdt.closID: ${w.path} does not exist; a group named by closID without any schemata must be made beforehand`,
          );
        }
      } else if (w.op === "mkdir") {
        try {
          mkdirSync(w.path, 0o755);
          if (w.path === plan.group) record.made = true;
          else record.monGroup = w.path;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
          if (w.path === plan.monGroup) record.monGroup = w.path;
        }
      } else {
        try {
          writeFileSync(w.path, w.content);
        } catch (e) {
          throw new RuntError(
            `linux.intelRdt: write ${JSON.stringify(w.content)} to ${w.path}: ${(e as Error).message}${lastCmdStatus(root)}`,
          );
        }
      }
    }
  } catch (e) {
    destroyRdt(record);
    throw e;
  }
  return record;
}

/** Removes what applyRdt made: the monitoring group, and a group of runt's own. */
export function destroyRdt(record: RdtRecord | undefined): void {
  if (!record) return;
  const remove = (dir: string) => {
    try {
      rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  };
  // Removing the group removes its monitoring groups with it.
  if (record.made && record.removable) remove(record.group);
  else if (record.monGroup) remove(record.monGroup);
}

/** Whether mountinfo has a resctrl filesystem mounted at root. */
export function resctrlMounted(mountinfo: string, root = RESCTRL): boolean {
  return mountinfo.split("\n").some((line) => {
    const [before, after] = line.split(" - ");
    return before?.split(" ")[4] === root && after?.split(" ")[0] === "resctrl";
  });
}

/**
 * Refuses linux.intelRdt on a host that cannot honour it, before anything is made:
 * no resctrl at root, or a schema for a resource the host's resctrl lacks (runc's
 * checks: Intel RDT, CAT for l3CacheSchema, MBA for memBwSchema, "not enabled").
 */
export function checkIntelRdt(rdt: LinuxIntelRdt, mountinfo: string, root = RESCTRL): void {
  if (!resctrlMounted(mountinfo, root)) {
    throw new RuntError(
      `linux.intelRdt: Intel RDT needs the resctrl filesystem at ${root}, which this host does not have (a CPU with RDT, then mount -t resctrl resctrl ${root}); remove linux.intelRdt from config.json`,
    );
  }
  const need: [keyof LinuxIntelRdt, string, string][] = [
    ["l3CacheSchema", "L3", "Intel RDT/CAT"],
    ["memBwSchema", "MB", "Intel RDT/MBA"],
  ];
  for (const [field, dir, what] of need) {
    if (rdt[field] && !existsSync(join(root, "info", dir))) {
      throw new RuntError(
        `linux.intelRdt.${field}: ${what} is not enabled on this host (no ${join(root, "info", dir)}); remove the field`,
      );
    }
  }
}
