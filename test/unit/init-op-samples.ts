// One or more sample ops of every PlanOp type, for the tests of the contract between
// encode.ts and runt-init (init-contract.test.ts, test/integration/init-plan.test.ts).
// The type makes tsc refuse a new op without a sample here.
import type { MkTarget, PlanOp } from "../../src/plan/plan.ts";

type Samples = { [K in PlanOp["op"]]: Extract<PlanOp, { op: K }>[] };

/** Every mount-target kind: tsc fails here when MkTarget gains one. */
export const MK_TARGETS = Object.keys({
  none: 1,
  dir: 1,
  file: 1,
  copyup: 1,
} satisfies Record<MkTarget, 1>) as MkTarget[];

const U64_MAX = (1n << 64n) - 1n;

export const SAMPLES: Samples = {
  setns: [{ op: "setns", path: "/proc/1/ns/net", nstype: 0x40000000 }],
  unshare: [{ op: "unshare", flags: 0x20000 }],
  sync: [{ op: "sync", tag: "userns" }],
  write: [
    { op: "write", path: "/proc/sys/x", content: "1", inRoot: true },
    { op: "write", path: "/sys/fs/cgroup/x/cgroup.procs", content: "0", inRoot: false },
  ],
  fork: [{ op: "fork" }],
  setsid: [{ op: "setsid" }],
  keyring: [{ op: "keyring", name: "_ses.x" }],
  openRoot: [{ op: "openRoot", path: "/tmp/rootfs" }],
  mount: MK_TARGETS.map((mk, i) => ({
    op: "mount",
    source: "tmpfs",
    target: "/tmp",
    fstype: "tmpfs",
    flags: 0x1000 | 0x4000,
    data: "mode=755",
    mk,
    hostTarget: i % 2 === 1,
  })),
  setattr: [
    { op: "setattr", target: "/", recursive: true, attrSet: 1, attrClr: 0, propagation: 0x40000 },
  ],
  mkdir: [{ op: "mkdir", path: "/dev/pts", mode: 0o755 }],
  mknod: [{ op: "mknod", path: "/dev/null", mode: 0o20666, major: 1, minor: 3, uid: 0, gid: 0 }],
  symlink: [{ op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" }],
  pivotRoot: [{ op: "pivotRoot" }],
  chroot: [{ op: "chroot" }],
  chrootClone: [{ op: "chrootClone", mntns: "/proc/1/ns/mnt" }],
  mask: [{ op: "mask", path: "/proc/kcore" }],
  readonly: [{ op: "readonly", path: "/proc/sys" }],
  readonlyRoot: [{ op: "readonlyRoot" }],
  hostname: [{ op: "hostname", name: "box" }],
  domainname: [{ op: "domainname", name: "example" }],
  rlimit: [{ op: "rlimit", resource: 7, soft: 1024n, hard: U64_MAX }],
  chdir: [{ op: "chdir", path: "/" }],
  umask: [{ op: "umask", mask: 0o022 }],
  capBounding: [{ op: "capBounding", mask: (1n << 41n) - 1n }],
  user: [
    { op: "user", uid: 0, gid: 0, groups: [] },
    { op: "user", uid: 1000, gid: 1000, groups: [10, 4294967295] },
  ],
  caps: [{ op: "caps", effective: 1n, permitted: 3n, inheritable: 0n, ambient: U64_MAX }],
  noNewPrivs: [{ op: "noNewPrivs" }],
  openFifo: [{ op: "openFifo", path: "/run/runt/x/exec.fifo" }],
  wait: [{ op: "wait" }],
  exec: [
    { op: "exec", args: ["sh"], env: [], closeFrom: 3 },
    { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin", "A=b"], closeFrom: 5 },
  ],
  pty: [
    { op: "pty", rows: 24, cols: 80, uid: 0, console: true },
    { op: "pty", rows: 0, cols: 0, uid: 1000, console: false },
  ],
  hookState: [{ op: "hookState", status: "created" }],
  hook: [
    { op: "hook", path: "/bin/true", args: ["true"], env: [], timeout: 0 },
    { op: "hook", path: "/bin/sh", args: ["sh", "-c", "exit 0"], env: ["A=b"], timeout: 5 },
  ],
  bindSources: [
    { op: "bindSources", paths: [] },
    { op: "bindSources", paths: ["/a", "/b"] },
  ],
  recvSources: [{ op: "recvSources" }],
  seccomp: [
    { op: "seccomp", flags: 0, notify: false, late: true, program: "0600000000000000" },
    { op: "seccomp", flags: 4, notify: true, late: false, program: "0600000000000000" },
  ],
  sched: [
    {
      op: "sched",
      policy: 6,
      flags: 0x7f,
      nice: -20,
      priority: 0,
      runtime: 10_000_000n,
      deadline: 30_000_000n,
      period: U64_MAX,
    },
  ],
  ioprio: [{ op: "ioprio", class: 3, priority: 7 }],
  cpuAffinity: [
    { op: "cpuAffinity", cpus: [[0, 65536]] },
    {
      op: "cpuAffinity",
      cpus: [
        [0, 3],
        [7, 7],
      ],
    },
  ],
  memPolicy: [
    { op: "memPolicy", mode: 4, flags: 0, nodes: [] },
    {
      op: "memPolicy",
      mode: 2,
      flags: 1 << 15,
      nodes: [
        [0, 0],
        [2, 3],
      ],
    },
  ],
  personality: [{ op: "personality", persona: 8 }],
  lsmLabel: [{ op: "lsmLabel", attr: "exec", fallback: "apparmor/exec", label: "unconfined" }],
  idmapMount: [
    {
      op: "idmapMount",
      source: "/srv/data",
      target: "/data",
      mk: "dir",
      recursive: true,
      ridmap: true,
      userns: "",
      uidMap: "0 100000 65536\n",
      gidMap: "0 100000 65536\n",
    },
    {
      op: "idmapMount",
      source: "/srv/file",
      target: "/file",
      mk: "file",
      recursive: false,
      ridmap: false,
      userns: "/proc/1/ns/user",
      uidMap: "",
      gidMap: "",
    },
  ],
  netDevice: [{ op: "netDevice", hostName: "veth0", name: "eth0" }],
  loopbackUp: [{ op: "loopbackUp" }],
};

/** Every sample, in the order of SAMPLES. */
export const ALL_SAMPLES: PlanOp[] = Object.values(SAMPLES).flat();
