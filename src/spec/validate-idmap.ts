// Idmapped mounts, with runc 1.2+'s rules: only bind mounts; both lists or none;
// a mount without mappings of its own takes the container's user namespace, so it
// needs one. (Runt run without root is refused when the helper cannot join: runc
// refuses idmapped mounts for rootless containers.)
import { describe, fail } from "./errors.ts";
import type { Mount, Spec } from "./types.ts";

const IDMAP_OPTIONS = ["idmap", "ridmap"];

function isBind(m: Mount): boolean {
  return m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
}

/** The first sign in `m` that it is idmapped, as a JSON path below mounts[i], or undefined. */
function idmapField(m: Mount): string | undefined {
  if (m.uidMappings !== undefined) return "uidMappings";
  if (m.gidMappings !== undefined) return "gidMappings";
  const k = (m.options ?? []).findIndex((o) => IDMAP_OPTIONS.includes(o));
  return k >= 0 ? `options[${k}]` : undefined;
}

export function checkIdmappedMounts(spec: Spec): void {
  const userns = (spec.linux?.namespaces ?? []).some((ns) => ns.type === "user");
  (spec.mounts ?? []).forEach((m, i) => {
    const field = idmapField(m);
    if (field === undefined) return;
    const at = `mounts[${i}]`;
    if (!isBind(m)) {
      fail(
        `${at}.${field}`,
        'a bind mount (type "bind", or a "bind"/"rbind" option): runc idmaps only bind mounts',
        `type ${describe(m.type)}`,
      );
    }
    for (const list of ["uidMappings", "gidMappings"] as const) {
      if (m[list]?.length === 0) fail(`${at}.${list}`, "at least one mapping", "an empty array");
    }
    if (m.uidMappings === undefined && !userns) {
      fail(
        `${at}.${field}`,
        `uidMappings and gidMappings on the mount or a "user" namespace for ${describe(m.options?.find((o) => IDMAP_OPTIONS.includes(o)))}`,
        "neither",
      );
    }
  });
}
