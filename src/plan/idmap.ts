// Idmapped bind mounts as runc 1.2+ reads them: "idmap" / "ridmap" options or
// uidMappings/gidMappings on the mount; without mappings of its own a mount takes the
// container's user namespace (its path when joined, else linux.uidMappings/gidMappings).
// The spec validator has already refused what runc refuses (not a bind, no mappings).
import type { IDMapping, Mount, Spec } from "../spec/types.ts";

export interface MountIdmap {
  /** MOUNT_ATTR_IDMAP on every mount of the tree (ridmap), not only its top. */
  ridmap: boolean;
  /** A user namespace to take the mapping from, or "" to make one from the maps. */
  userns: string;
  /** uid_map / gid_map text: "containerID hostID size" lines. */
  uidMap: string;
  gidMap: string;
}

export const IDMAP_OPTIONS: readonly string[] = ["idmap", "ridmap"];

/** The uid_map text of a mapping list. */
export function mapText(list: readonly IDMapping[] = []): string {
  return list.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

/** The mount's idmapping, or undefined when it is an ordinary mount. */
export function mountIdmap(m: Mount, spec: Spec): MountIdmap | undefined {
  const options = m.options ?? [];
  const ridmap = options.includes("ridmap");
  const explicit = m.uidMappings !== undefined || m.gidMappings !== undefined;
  if (!explicit && !ridmap && !options.includes("idmap")) return undefined;
  if (explicit) {
    return { ridmap, userns: "", uidMap: mapText(m.uidMappings), gidMap: mapText(m.gidMappings) };
  }
  const userns = (spec.linux?.namespaces ?? []).find((ns) => ns.type === "user");
  if (userns?.path) return { ridmap, userns: userns.path, uidMap: "", gidMap: "" };
  return {
    ridmap,
    userns: "",
    uidMap: mapText(spec.linux?.uidMappings),
    gidMap: mapText(spec.linux?.gidMappings),
  };
}
