// Which cgroup hierarchies are mounted, and so which mode the host runs in:
//   v2      a cgroup2 filesystem is mounted at the root (/sys/fs/cgroup)
//   v1      only cgroup (v1) hierarchies are mounted below the root
//   hybrid  v1 hierarchies plus a cgroup2 one below the root (".../unified")
// One read of /proc/self/mountinfo answers all of it, which is cheap enough to
// do on every `create`.
import { readFileSync } from "node:fs";
import { CgroupError } from "./util.ts";

export type CgroupMode = "v1" | "v2" | "hybrid";

export const DEFAULT_CGROUP_ROOT = "/sys/fs/cgroup";

/** One line of /proc/self/mountinfo, the fields runt needs. */
export interface MountEntry {
  /** Path inside the mounted filesystem that appears at the mount point. */
  root: string;
  mountpoint: string;
  fstype: string;
  superOptions: string[];
}

/** One cgroup hierarchy the container gets a directory in. */
export interface Hierarchy {
  kind: "v1" | "v2";
  /** Absolute mount point ("/sys/fs/cgroup/memory"). */
  mountpoint: string;
  /** Path inside the hierarchy that is mounted there; "/" unless in a nested setup. */
  mountRoot: string;
  /** v1 controllers of the hierarchy ("cpu", "cpuacct"); [] for v2 and named ones. */
  controllers: string[];
  /** Keys of this hierarchy in CgroupManager.paths: its controllers, "name=systemd", "unified". */
  keys: string[];
  /** mount(2) data that mounts this hierarchy again: "cpu,cpuacct", "name=systemd", "". */
  data: string;
}

export interface CgroupSetup {
  root: string;
  mode: CgroupMode;
  hierarchies: Hierarchy[];
}

/** Undo the octal escapes mountinfo uses for space, tab, newline and backslash. */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) =>
    String.fromCharCode(Number.parseInt(oct, 8)),
  );
}

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-", 6);
    if (dash < 0 || fields.length < dash + 4) continue;
    entries.push({
      root: unescapeField(fields[3] ?? ""),
      mountpoint: unescapeField(fields[4] ?? ""),
      fstype: fields[dash + 1] ?? "",
      superOptions: (fields[dash + 3] ?? "").split(","),
    });
  }
  return entries;
}

/** v1 super options that are not controllers (name= and release_agent= have an "="). */
const V1_NON_CONTROLLER = new Set([
  "rw",
  "ro",
  "none",
  "noprefix",
  "clone_children",
  "xattr",
  "cpuset_v2_mode",
  "favordynmods",
]);

function v1Hierarchy(m: MountEntry): Hierarchy | null {
  const controllers = m.superOptions.filter((o) => !V1_NON_CONTROLLER.has(o) && !o.includes("="));
  const name = m.superOptions.find((o) => o.startsWith("name="));
  if (controllers.length > 0) {
    return {
      kind: "v1",
      mountpoint: m.mountpoint,
      mountRoot: m.root,
      controllers,
      keys: controllers,
      data: name ? [...controllers, name].join(",") : controllers.join(","),
    };
  }
  // Of the named (controller-less) hierarchies only systemd's is joined, as runc
  // does: systemd tracks processes by it, so a container left in its caller's
  // name=systemd cgroup would be accounted to, and killed with, the caller's unit.
  // Other named hierarchies belong to tools runt knows nothing about.
  if (name === "name=systemd") {
    return {
      kind: "v1",
      mountpoint: m.mountpoint,
      mountRoot: m.root,
      controllers: [],
      keys: [name],
      data: name,
    };
  }
  return null;
}

function v2Hierarchy(m: MountEntry): Hierarchy {
  return {
    kind: "v2",
    mountpoint: m.mountpoint,
    mountRoot: m.root,
    controllers: [],
    keys: ["unified"],
    data: "",
  };
}

/**
 * The cgroup setup below `root`, from mountinfo text (read from
 * /proc/self/mountinfo when not given).
 */
export function detectCgroups(root = DEFAULT_CGROUP_ROOT, mountinfo?: string): CgroupSetup {
  const text = mountinfo ?? readFileSync("/proc/self/mountinfo", "utf8");
  const base = root.length > 1 ? root.replace(/\/+$/, "") : root;
  let atRoot: MountEntry | undefined;
  // Mounts below the root, by mount point; a later mount on the same point hides
  // an earlier one, and a later mount on the root hides everything below it.
  let below = new Map<string, MountEntry>();
  for (const m of parseMountinfo(text)) {
    if (m.mountpoint === base) {
      atRoot = m;
      below = new Map();
    } else if (
      m.mountpoint.startsWith(`${base}/`) &&
      !m.mountpoint.slice(base.length + 1).includes("/")
    ) {
      below.set(m.mountpoint, m);
    }
  }
  if (atRoot?.fstype === "cgroup2") {
    return { root: base, mode: "v2", hierarchies: [v2Hierarchy(atRoot)] };
  }
  const v1: Hierarchy[] = [];
  const seen = new Set<string>();
  let v2: Hierarchy | undefined;
  for (const m of below.values()) {
    if (m.fstype === "cgroup") {
      const h = v1Hierarchy(m);
      // The same hierarchy can be mounted twice (a bind mount); join it once.
      if (h && !seen.has(h.data)) {
        seen.add(h.data);
        v1.push(h);
      }
    } else if (m.fstype === "cgroup2" && !v2) {
      v2 = v2Hierarchy(m);
    }
  }
  if (v1.length === 0) {
    throw new CgroupError(
      `cgroups: no cgroup filesystem is mounted at ${base} (neither cgroup2 there nor cgroup v1 hierarchies below it)`,
    );
  }
  return v2
    ? { root: base, mode: "hybrid", hierarchies: [...v1, v2] }
    : { root: base, mode: "v1", hierarchies: v1 };
}
