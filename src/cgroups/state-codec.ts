// The cgroupfs drivers' record in a container's state.json (the "cgroup" key):
// what toJSON() writes and cgroupManagerFromJSON() reads back for `delete`,
// `kill`, `exec` and the rest. The format is version 1 as runt has always
// written it; containers made by older runts must stay deletable, so a change
// here needs a new version and a reader for the old one.
import type { LinuxResources } from "../spec/types.ts";
import type { CgroupDir, CgroupManagerState } from "./driver.ts";
import type { CgroupMode } from "./mode.ts";
import { CgroupError } from "./util.ts";

/** The fields of a cgroupfs driver, as the record holds them. */
export interface CgroupfsFields {
  mode: CgroupMode;
  path: string;
  dirs: readonly CgroupDir[];
  created: readonly string[];
  resources?: LinuxResources;
}

/** A copy of the driver's fields as the state record (nothing shared with the driver). */
export function encodeCgroupfsState(f: CgroupfsFields): CgroupManagerState {
  return {
    version: 1,
    driver: "cgroupfs",
    mode: f.mode,
    path: f.path,
    dirs: f.dirs.map((d) => ({ ...d, keys: [...d.keys], controllers: [...d.controllers] })),
    created: [...f.created],
    resources: f.resources,
  };
}

const MODES: readonly string[] = ["v1", "v2", "hybrid"];

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

const under = (dir: string, base: string) =>
  dir.startsWith(`${base}/`) && !dir.split("/").includes("..");

/**
 * Check a recorded cgroupfs state and return its fields; the error names what
 * is wrong. Every directory must lie below its hierarchy's mount point, and
 * only directories on the way to one of the container's own may be listed as
 * made by runt (destroy() removes those).
 */
export function decodeCgroupfsState(json: unknown): CgroupfsFields {
  const bad = (why: string): never => {
    throw new CgroupError(`cgroups: the container state's cgroup record is invalid: ${why}`);
  };
  if (typeof json !== "object" || json === null) return bad("not an object");
  const s = json as Partial<CgroupManagerState>;
  if (s.version !== 1) bad(`unknown version ${String(s.version)}`);
  if (s.driver !== "cgroupfs") bad(`unknown driver ${String(s.driver)}`);
  if (typeof s.mode !== "string" || !MODES.includes(s.mode)) bad(`unknown mode ${String(s.mode)}`);
  if (typeof s.path !== "string" || !s.path.startsWith("/")) bad("path");
  if (!Array.isArray(s.dirs) || !isStrings(s.created)) bad("dirs or created");
  const dirs: CgroupDir[] = [];
  for (const d of s.dirs as unknown[]) {
    const c = d as Partial<CgroupDir>;
    if (
      typeof d !== "object" ||
      d === null ||
      (c.kind !== "v1" && c.kind !== "v2") ||
      !isStrings(c.keys) ||
      !isStrings(c.controllers) ||
      typeof c.data !== "string" ||
      typeof c.mountpoint !== "string" ||
      typeof c.dir !== "string" ||
      !under(c.dir, c.mountpoint)
    ) {
      return bad(`dirs entry ${JSON.stringify(d)}`);
    }
    dirs.push({
      kind: c.kind,
      keys: c.keys,
      controllers: c.controllers,
      data: c.data,
      mountpoint: c.mountpoint,
      dir: c.dir,
    });
  }
  const created = s.created as string[];
  for (const c of created) {
    if (!dirs.some((d) => under(c, d.mountpoint) && (d.dir === c || d.dir.startsWith(`${c}/`)))) {
      bad(`created entry ${c} is not one of the container's cgroup directories or their parents`);
    }
  }
  const fields: CgroupfsFields = {
    mode: s.mode as CgroupMode,
    path: s.path as string,
    dirs,
    created: [...created],
  };
  if (typeof s.resources === "object" && s.resources !== null) fields.resources = s.resources;
  return fields;
}
