// What `create` checks before anything exists when runt runs rootless: that the
// user namespace can be made with the ids asked for (the caller's own id alone,
// or ranges /etc/subuid and /etc/subgid grant through newuidmap/newgidmap), and
// which cgroups the container gets (runc's rule: without linux.cgroupsPath the
// ones the user cannot write are skipped, unless linux.resources needs them).
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { basename, join, posix } from "node:path";
import type { CgroupDir, CgroupManager, CgroupMode, CgroupMountSource } from "../cgroups/index.ts";
import { RuntError } from "../errors.ts";
import type { Spec } from "../spec/types.ts";
import type { IdMapping } from "./init-process.ts";

const uid = () => process.geteuid?.() ?? 0;
const gid = () => process.getegid?.() ?? 0;

/** The caller's own id mapped alone: what an unprivileged process may write itself. */
export function isSelfMapping(maps: readonly IdMapping[], id: number): boolean {
  const m = maps[0];
  return maps.length === 1 && m !== undefined && m.hostID === id && m.size === 1;
}

/** The first executable `name` on $PATH (runc resolves the helpers the same way), or null. */
export function findHelper(name: string, path = process.env.PATH ?? ""): string | null {
  for (const dir of (path || "/usr/local/bin:/usr/bin:/bin").split(":")) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** The user's name in /etc/passwd, for /etc/subuid lines that name it. */
function userName(id: number): string | undefined {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (f[2] === String(id)) return f[0];
    }
  } catch {
    // No passwd: only numeric subid lines can match.
  }
  return undefined;
}

/** The [start, end) ranges /etc/subuid (or subgid) grants the user, by name or number. */
export function subidRanges(text: string, id: number, name?: string): [number, number][] {
  const out: [number, number][] = [];
  for (const line of text.split("\n")) {
    const [who, start, count] = line.trim().split(":");
    if (who === undefined || start === undefined || count === undefined) continue;
    if (who !== String(id) && who !== name) continue;
    const s = Number(start);
    const n = Number(count);
    if (Number.isInteger(s) && Number.isInteger(n) && n > 0) out.push([s, s + n]);
  }
  return out;
}

function checkMappings(
  field: "uidMappings" | "gidMappings",
  maps: readonly IdMapping[],
  own: number,
): void {
  if (isSelfMapping(maps, own)) return;
  const kind = field === "uidMappings" ? "uid" : "gid";
  const helper = field === "uidMappings" ? "newuidmap" : "newgidmap";
  const file = field === "uidMappings" ? "/etc/subuid" : "/etc/subgid";
  const name = userName(uid());
  const who = `${name ?? "user"} (uid ${uid()})`;
  if (!findHelper(helper)) {
    throw new RuntError(
      `linux.${field}: runt runs rootless and may map only its own ${kind} ${own} itself; more needs ${helper} (Debian's uidmap package): install it, or map containerID 0 to hostID ${own} with size 1`,
    );
  }
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    // No file: no ranges.
  }
  const ranges = subidRanges(text, uid(), name);
  maps.forEach((m, i) => {
    if (m.size === 1 && m.hostID === own) return; // newuidmap lets anyone map their own id
    const end = m.hostID + m.size;
    if (ranges.some(([s, e]) => m.hostID >= s && end <= e)) return;
    const granted = ranges.length
      ? `it grants ${ranges.map(([s, e]) => `${s}-${e - 1}`).join(", ")}`
      : `it has no line for ${name ?? uid()}`;
    throw new RuntError(
      `linux.${field}[${i}]: host ${kind}s ${m.hostID}-${end - 1} are not in a range ${file} gives ${who}: ${granted}; ask root to add one (usermod --add-sub${kind}s ${m.hostID}-${end - 1} ${name ?? uid()}), or map only your own ${kind}`,
    );
  });
}

/** A rootless create needs a new user namespace it can map, or one to join (runc's rootlessEUIDCheck). */
export function checkRootlessMappings(spec: Spec): void {
  const linux = spec.linux ?? {};
  const userns = (linux.namespaces ?? []).find((ns) => ns.type === "user");
  if (!userns) {
    throw new RuntError(
      `linux.namespaces: runt runs rootless (uid ${uid()}) and needs a "user" namespace with uidMappings and gidMappings; runt spec --rootless writes such a config`,
    );
  }
  if (userns.path) return;
  checkMappings("uidMappings", linux.uidMappings ?? [], uid());
  checkMappings("gidMappings", linux.gidMappings ?? [], gid());
  const extra = spec.process?.user?.additionalGids ?? [];
  if (extra.length > 0 && isSelfMapping(linux.gidMappings ?? [], gid())) {
    throw new RuntError(
      `process.user.additionalGids: a user namespace that maps only gid ${gid()} has setgroups denied (the kernel's rule for unprivileged maps); remove them, or map a subgid range through newgidmap`,
    );
  }
}

/** Which cgroups a rootless container gets; throws where the config needs one it cannot have.
 * Returns the hierarchies it has none in. */
export function rootlessCgroupCheck(
  spec: Spec,
  cgroups: CgroupManager,
  debug?: (msg: string) => void,
): CgroupDir[] {
  const explicit = Boolean(spec.linux?.cgroupsPath);
  // Without a cgroupsPath, runc's default is beside (v2: the own one holds processes,
  // so no child may get controllers) or below (v1) the caller's own cgroup, which a
  // delegation (systemd's user@.service) makes the user's; runt's /runt/<id> first.
  const id = basename(cgroups.path);
  const dropped = cgroups.dropUnwritable((d) => {
    const own = explicit ? undefined : ownCgroupPath(d);
    if (own === undefined) return undefined;
    return join(d.mountpoint, d.kind === "v2" ? posix.dirname(own) : own, id);
  });
  // runc fails with the permission error here: only the default path is optional,
  // and on hybrid hosts the cgroup2 directory, which runc 1.1 does not make at all.
  const needed = dropped.filter((d) => !(cgroups.mode === "hybrid" && d.kind === "v2"));
  if (needed.length > 0 && explicit) {
    throw new RuntError(
      `linux.cgroupsPath: runt runs rootless (uid ${uid()}) and cannot make or join ${needed.map((d) => d.dir).join(", ")}; have root delegate (chown) that cgroup to you, or leave linux.cgroupsPath unset to run without cgroups`,
    );
  }
  if (dropped.length > 0) {
    debug?.(
      `rootless: no cgroup in ${dropped.map((d) => d.mountpoint).join(", ")} (not writable by uid ${uid()}): the container runs without one there, as runc's does`,
    );
  }
  const field = cgroups.unplaceable(spec.linux?.resources ?? {});
  if (field) {
    throw new RuntError(
      `${field}: cannot be applied: runt runs rootless (uid ${uid()}) and has no cgroup it can write for it; remove the setting, or have root delegate a cgroup to you and set linux.cgroupsPath to it`,
    );
  }
  return dropped;
}

/** This process's cgroup in d's hierarchy (/proc/self/cgroup), or undefined. */
function ownCgroupPath(d: CgroupDir): string | undefined {
  let text = "";
  try {
    text = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return undefined;
  }
  const key = d.kind === "v2" ? "" : d.data.split(",").sort().join(",");
  for (const line of text.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m && (m[1] ?? "").split(",").sort().join(",") === key) return m[2] ?? "/";
  }
  return undefined;
}

/**
 * A `cgroup` mount's sources for the hierarchies the container has no cgroup in:
 * the cgroups it stays in, runt's own (/proc/self/cgroup), as runc binds them.
 */
export function ownCgroupSources(
  mode: CgroupMode,
  dropped: readonly CgroupDir[],
): CgroupMountSource[] {
  const out: CgroupMountSource[] = [];
  const v2 = mode === "v2";
  for (const d of dropped) {
    // On v1 and hybrid the container's cgroup mount shows only the v1 hierarchies.
    if (d.kind === "v2" && !v2) continue;
    const path = ownCgroupPath(d);
    const hostPath = path === undefined ? undefined : join(d.mountpoint, path);
    if (hostPath === undefined || !existsSync(hostPath)) continue;
    const name = d.kind === "v2" ? "" : basename(d.mountpoint);
    const aliases = d.controllers.length > 1 ? d.controllers.filter((c) => c !== name) : [];
    out.push({
      name,
      fstype: d.kind === "v2" ? "cgroup2" : "cgroup",
      data: d.data,
      hostPath,
      aliases,
    });
  }
  return out;
}
