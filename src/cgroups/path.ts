// linux.cgroupsPath -> the container's cgroup path, the same in every hierarchy:
//   "/a/b"   absolute: taken from each hierarchy's root        -> /a/b
//   "a/b"    relative: below runt's own parent cgroup           -> /runt/a/b
//   "" or unset                                                  -> /runt/<id>
// The systemd form "slice:prefix:name" needs the systemd driver, which runt does
// not have yet, and ".." could leave the hierarchy (or land in someone else's
// cgroup), so both are refused.
import { CgroupError } from "./util.ts";

/** runt's parent cgroup for relative and default paths. */
export const RUNT_PARENT = "/runt";

const SYSTEMD_FORM = /^[^/:]*:[^/:]*:[^/:]+$/;

function fail(cgroupsPath: string, why: string): never {
  throw new CgroupError(`linux.cgroupsPath: invalid value ${JSON.stringify(cgroupsPath)}: ${why}`);
}

/** Resolve linux.cgroupsPath for container `id` to an absolute cgroup path ("/runt/id"). */
export function resolveCgroupPath(cgroupsPath: string | undefined, id: string): string {
  if (!id || id === "." || id === ".." || id.includes("/") || id.includes("\0")) {
    throw new CgroupError(`cgroups: invalid container id ${JSON.stringify(id)}`);
  }
  if (cgroupsPath === undefined || cgroupsPath === "") return `${RUNT_PARENT}/${id}`;
  if (cgroupsPath.includes("\0")) fail(cgroupsPath, "it contains a NUL byte");
  if (!cgroupsPath.startsWith("/") && SYSTEMD_FORM.test(cgroupsPath)) {
    fail(
      cgroupsPath,
      'this is the systemd form "slice:prefix:name", and runt has no systemd cgroup driver yet ' +
        "(it will be selected with --systemd-cgroup); use a path such as /mygroup/mycontainer",
    );
  }
  const parts: string[] = [];
  for (const part of cgroupsPath.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") fail(cgroupsPath, 'a ".." component is not allowed');
    parts.push(part);
  }
  if (cgroupsPath.startsWith("/")) {
    if (parts.length === 0) fail(cgroupsPath, "the root cgroup cannot hold a container");
    return `/${parts.join("/")}`;
  }
  return `${RUNT_PARENT}/${parts.join("/")}`;
}

/**
 * The directory of cgroup `cgroupPath` in a hierarchy mounted at `mountpoint`,
 * when the mount shows the hierarchy from `mountRoot` (not "/" when the host's
 * cgroups were bind-mounted into a container without a cgroup namespace).
 */
export function hierarchyDir(mountpoint: string, mountRoot: string, cgroupPath: string): string {
  if (mountRoot !== "/" && cgroupPath.startsWith(`${mountRoot}/`)) {
    return mountpoint + cgroupPath.slice(mountRoot.length);
  }
  return mountpoint + cgroupPath;
}
