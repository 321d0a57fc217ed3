// The config.json `runt spec` writes: the same container runc's `spec` describes
// (a shell in ./rootfs, few capabilities, the usual /proc, /dev and /sys mounts,
// a deny-all device cgroup), and its rootless variant.

import { statfsSync } from "node:fs";
import type { Mount, Spec } from "./types.ts";
import type { ValidSpec } from "./validate.ts";

export const OCI_VERSION = "1.3.0";

export interface DefaultSpecOptions {
  /** A user namespace mapping the caller's euid/egid to root, no network namespace. */
  rootless?: boolean;
  /** process.args; defaults to ["sh"]. */
  args?: string[];
  /**
   * A "cgroup" namespace; default true. `runc spec` writes one only on a cgroup v2
   * host (hostHasUnifiedCgroups), and runc's tests add their own on v1 ones, which
   * would then be a duplicate that runc and runt refuse.
   */
  cgroupns?: boolean;
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** /sys/fs/cgroup is a cgroup2 filesystem (runc's cgroups.IsCgroup2UnifiedMode). */
export function hostHasUnifiedCgroups(): boolean {
  try {
    return statfsSync("/sys/fs/cgroup").type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

// Only bounding, effective and permitted: nothing inheritable or ambient, so an
// exec'd file cannot pick them up (CVE-2022-29162).
const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

const MASKED_PATHS = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
  "/proc/scsi",
];

const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

function mounts(): Mount[] {
  const hardened = ["nosuid", "noexec", "nodev"];
  return [
    { destination: "/proc", type: "proc", source: "proc" },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: [...hardened, "mode=1777", "size=65536k"],
    },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: [...hardened] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: [...hardened, "ro"] },
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup",
      source: "cgroup",
      options: [...hardened, "relatime", "ro"],
    },
  ];
}

/** A fresh default config (the caller may modify it). */
export function defaultSpec(opts: DefaultSpecOptions = {}): ValidSpec {
  const spec: ValidSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: opts.args ? [...opts.args] : ["sh"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS] },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "runt",
    mounts: mounts(),
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      namespaces: [
        { type: "pid" },
        { type: "network" },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
        ...(opts.cgroupns === false ? [] : [{ type: "cgroup" as const }]),
      ],
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
  if (opts.rootless) makeRootless(spec);
  return spec;
}

/** What `spec --rootless` changes: see DefaultSpecOptions.rootless. */
function makeRootless(spec: Spec): void {
  const linux = spec.linux ?? {};
  spec.linux = linux;
  linux.namespaces = (linux.namespaces ?? []).filter(
    (ns) => ns.type !== "network" && ns.type !== "user",
  );
  linux.namespaces.push({ type: "user" });
  linux.uidMappings = [{ containerID: 0, hostID: process.geteuid?.() ?? 0, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: process.getegid?.() ?? 0, size: 1 }];
  // An unprivileged user cannot mount a new sysfs (it needs its own network
  // namespace anyway) and owns no ids but its own: bind /sys, drop uid=/gid=.
  spec.mounts = (spec.mounts ?? []).map((m) =>
    m.destination === "/sys"
      ? {
          destination: "/sys",
          type: "none",
          source: "/sys",
          options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
        }
      : withoutIdOptions(m),
  );
  // Without delegated cgroups there is nothing to configure.
  delete linux.resources;
}

function withoutIdOptions(m: Mount): Mount {
  if (!m.options) return { ...m };
  return { ...m, options: m.options.filter((o) => !o.startsWith("uid=") && !o.startsWith("gid=")) };
}
