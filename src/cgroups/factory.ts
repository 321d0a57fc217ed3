// Which driver a container's cgroups get (runc's cgroups/manager.New, youki's
// create_cgroup_manager): on create from the host's cgroup mode, later from the
// record in state.json.
//
// A systemd driver plugs in here and nowhere else: a driver-systemd.ts class
// implementing CgroupManager (driver.ts), chosen below when opts.systemd is set
// (where the refusal is now), writing its own record with driver: "systemd"
// (CgroupManager.driver and toJSON() widen to name it), which
// cgroupManagerFromJSON sends to its own decoder before the cgroupfs one, as
// that refuses any other driver. driver-v1.ts and driver-v2.ts stay as they are.
import type { CgroupDir, CgroupManager, CgroupManagerOptions } from "./driver.ts";
import type { CgroupfsDriver } from "./driver-cgroupfs.ts";
import { V1Driver } from "./driver-v1.ts";
import { V2Driver } from "./driver-v2.ts";
import { DEFAULT_CGROUP_ROOT, detectCgroups, type Hierarchy } from "./mode.ts";
import { hierarchyDir, resolveCgroupPath } from "./path.ts";
import { type CgroupfsFields, decodeCgroupfsState } from "./state-codec.ts";
import { CgroupError } from "./util.ts";

function cgroupfsDriver(f: CgroupfsFields): CgroupfsDriver {
  const Driver = f.mode === "v2" ? V2Driver : V1Driver;
  return new Driver(f.mode, f.path, [...f.dirs], [...f.created], f.resources);
}

function dirFor(h: Hierarchy, path: string): CgroupDir {
  return {
    kind: h.kind,
    keys: h.keys,
    controllers: h.controllers,
    data: h.data,
    mountpoint: h.mountpoint,
    dir: hierarchyDir(h.mountpoint, h.mountRoot, path),
  };
}

/** The manager for a new container: detects the cgroup mode and resolves linux.cgroupsPath. */
export function cgroupManager(opts: CgroupManagerOptions): CgroupManager {
  if (opts.systemd) {
    throw new CgroupError(
      "cgroups: the systemd cgroup driver is not supported yet; run without --systemd-cgroup",
    );
  }
  const path = resolveCgroupPath(opts.path, opts.id);
  const setup = detectCgroups(opts.root ?? DEFAULT_CGROUP_ROOT, opts.mountinfo);
  return cgroupfsDriver({
    mode: setup.mode,
    path,
    dirs: setup.hierarchies.map((h) => dirFor(h, path)),
    created: [],
  });
}

/** The manager recorded in a container's state (toJSON()), for `delete`, `kill`, `exec`. */
export function cgroupManagerFromJSON(json: unknown): CgroupManager {
  return cgroupfsDriver(decodeCgroupfsState(json));
}
