// What a test run must leave as it found it: the host's device nodes (owner, group,
// mode), its mount table, its cgroup directories and its processes rooted elsewhere
// (a container's). scripts/run-tests.ts compares the whole run; test/preload's guard
// compares the device nodes around every single test, so a chown names its test.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

export interface HostState {
  /** /dev/NAME -> "uid:gid:mode" for every device node directly under /dev and /dev/pts/ptmx. */
  devices: Map<string, string>;
  /** "mountpoint fstype" of every mount of this mount namespace. */
  mounts: Set<string>;
  /** Every directory under /sys/fs/cgroup, five levels deep. */
  cgroups: Set<string>;
  /** pid -> "comm root" of processes whose root is not "/" (containers' processes). */
  contained: Map<number, string>;
}

/** The names in dir; none when it cannot be read (gone, or not a directory). */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function deviceNodes(): Map<string, string> {
  const out = new Map<string, string>();
  for (const path of [...listDir("/dev").map((n) => join("/dev", n)), "/dev/pts/ptmx"]) {
    try {
      const st = lstatSync(path);
      if (st.isCharacterDevice() || st.isBlockDevice()) {
        out.set(path, `${st.uid}:${st.gid}:${(st.mode & 0o7777).toString(8)}`);
      }
    } catch {
      // Gone between the listing and the stat: not a node of the host's then.
    }
  }
  return out;
}

function mounts(): Set<string> {
  const lines = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter(Boolean);
  // Fields: id parent major:minor root mountpoint options ... - fstype source super.
  return new Set(
    lines.map((l) => {
      const f = l.split(" ");
      return `${f[4]} ${f[f.indexOf("-") + 1]}`;
    }),
  );
}

/** Every directory under /sys/fs/cgroup, five levels deep. */
export function cgroupDirs(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string, depth: number) => {
    out.add(dir);
    if (depth === 0) return;
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name), depth - 1);
      }
    } catch {
      // Removed while we looked.
    }
  };
  walk("/sys/fs/cgroup", 5);
  return out;
}

function contained(): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of listDir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const root = readlinkSync(`/proc/${name}/root`);
      if (root === "/") continue;
      const comm = readFileSync(`/proc/${name}/comm`, "utf8").trim();
      out.set(Number(name), `${comm} ${root}`);
    } catch {
      // Exited, or a kernel thread.
    }
  }
  return out;
}

export function hostState(): HostState {
  return {
    devices: deviceNodes(),
    mounts: mounts(),
    cgroups: cgroupDirs(),
    contained: contained(),
  };
}

function setDiff(what: string, before: Set<string>, after: Set<string>): string[] {
  const out: string[] = [];
  for (const x of after) if (!before.has(x)) out.push(`${what} added: ${x}`);
  for (const x of before) if (!after.has(x)) out.push(`${what} removed: ${x}`);
  return out;
}

/** Device nodes whose owner, group or mode changed, or that appeared or went. */
export function deviceChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, was] of before) {
    const now = after.get(path);
    if (now === undefined) out.push(`device node removed: ${path} (was ${was})`);
    else if (now !== was) out.push(`device node changed: ${path} uid:gid:mode ${was} -> ${now}`);
  }
  for (const [path, now] of after)
    if (!before.has(path)) out.push(`device node added: ${path} ${now}`);
  return out;
}

/** Every difference between two states, one sentence each; [] when the host is as it was. */
export function hostChanges(before: HostState, after: HostState): string[] {
  const left = [...after.contained].filter(([pid]) => !before.contained.has(pid));
  return [
    ...deviceChanges(before.devices, after.devices),
    ...setDiff("mount", before.mounts, after.mounts),
    ...setDiff("cgroup directory", before.cgroups, after.cgroups),
    ...left.map(([pid, what]) => `a container's process left running: pid ${pid} (${what})`),
  ];
}
