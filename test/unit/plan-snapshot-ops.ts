// Generated from plan-snapshot-cases.ts, then reviewed: every op of each plan, with
// the note that names its config field. A change here is a change of what runt-init runs.
import type { PlanSnapshot } from "./plan-snapshot-cases.ts";

export const EXPECTED: Record<string, PlanSnapshot> = {
  "create: runt spec's config, no terminal": {
    ops: [
      // linux.cgroupsPath
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // exec fifo
      { op: "openFifo", path: "/run/runt/x/exec.fifo" },
      // linux.namespaces
      { op: "unshare", flags: 1845624832 },
      // process
      { op: "fork" },
      // process
      { op: "setsid" },
      // session keyring
      { op: "keyring", name: "_ses.x" },
      // linux.namespaces (network)
      { op: "loopbackUp" },
      // linux.rootfsPropagation
      {
        op: "mount",
        source: "",
        target: "/",
        fstype: "",
        flags: 540672,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      {
        op: "mount",
        source: "/b/rootfs",
        target: "/b/rootfs",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      { op: "openRoot", path: "/b/rootfs" },
      // linux.devices
      { op: "umask", mask: 0 },
      // mounts[0]
      {
        op: "mount",
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: 0,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // mounts[1]
      {
        op: "mount",
        source: "tmpfs",
        target: "/dev",
        fstype: "tmpfs",
        flags: 16777218,
        data: "mode=755,size=65536k",
        mk: "dir",
        hostTarget: false,
      },
      // mounts[2]
      {
        op: "mount",
        source: "devpts",
        target: "/dev/pts",
        fstype: "devpts",
        flags: 10,
        data: "newinstance,ptmxmode=0666,mode=0620,gid=5",
        mk: "dir",
        hostTarget: false,
      },
      // mounts[3]
      {
        op: "mount",
        source: "shm",
        target: "/dev/shm",
        fstype: "tmpfs",
        flags: 14,
        data: "mode=1777,size=65536k",
        mk: "dir",
        hostTarget: false,
      },
      // mounts[4]
      {
        op: "mount",
        source: "mqueue",
        target: "/dev/mqueue",
        fstype: "mqueue",
        flags: 14,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // mounts[5]
      {
        op: "mount",
        source: "sysfs",
        target: "/sys",
        fstype: "sysfs",
        flags: 15,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // mounts[6]
      {
        op: "mount",
        source: "cgroup",
        target: "/sys/fs/cgroup",
        fstype: "cgroup2",
        flags: 15,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // default devices
      { op: "mknod", path: "/dev/null", mode: 8630, major: 1, minor: 3, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/zero", mode: 8630, major: 1, minor: 5, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/full", mode: 8630, major: 1, minor: 7, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/random", mode: 8630, major: 1, minor: 8, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/urandom", mode: 8630, major: 1, minor: 9, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/tty", mode: 8630, major: 5, minor: 0, uid: 0, gid: 0 },
      // default devices
      { op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/0", linkpath: "/dev/stdin" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/1", linkpath: "/dev/stdout" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/2", linkpath: "/dev/stderr" },
      // default devices
      { op: "symlink", target: "pts/ptmx", linkpath: "/dev/ptmx" },
      // process.cwd
      { op: "mkdir", path: "/", mode: 493 },
      // root.path
      { op: "pivotRoot" },
      // linux.maskedPaths[0]
      { op: "mask", path: "/proc/acpi" },
      // linux.maskedPaths[1]
      { op: "mask", path: "/proc/asound" },
      // linux.maskedPaths[2]
      { op: "mask", path: "/proc/kcore" },
      // linux.maskedPaths[3]
      { op: "mask", path: "/proc/keys" },
      // linux.maskedPaths[4]
      { op: "mask", path: "/proc/latency_stats" },
      // linux.maskedPaths[5]
      { op: "mask", path: "/proc/timer_list" },
      // linux.maskedPaths[6]
      { op: "mask", path: "/proc/timer_stats" },
      // linux.maskedPaths[7]
      { op: "mask", path: "/proc/sched_debug" },
      // linux.maskedPaths[8]
      { op: "mask", path: "/sys/firmware" },
      // linux.maskedPaths[9]
      { op: "mask", path: "/sys/devices/virtual/powercap" },
      // linux.maskedPaths[10]
      { op: "mask", path: "/proc/scsi" },
      // linux.readonlyPaths[0]
      { op: "readonly", path: "/proc/bus" },
      // linux.readonlyPaths[1]
      { op: "readonly", path: "/proc/fs" },
      // linux.readonlyPaths[2]
      { op: "readonly", path: "/proc/irq" },
      // linux.readonlyPaths[3]
      { op: "readonly", path: "/proc/sys" },
      // linux.readonlyPaths[4]
      { op: "readonly", path: "/proc/sysrq-trigger" },
      // root.readonly
      { op: "readonlyRoot" },
      // hostname
      { op: "hostname", name: "runt" },
      // process.rlimits[0]
      { op: "rlimit", resource: 7, soft: 1024n, hard: 1024n },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 536871968n },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 536871968n, permitted: 536871968n, inheritable: 0n, ambient: 0n },
      // process.noNewPrivileges
      { op: "noNewPrivs" },
      // process.args
      { op: "wait" },
      // process.args
      {
        op: "exec",
        args: ["sh"],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
        closeFrom: 3,
      },
    ],
    notes: [
      "linux.cgroupsPath",
      "CPU affinity (reset to the cgroup's cpuset)",
      "exec fifo",
      "linux.namespaces",
      "process",
      "process",
      "session keyring",
      "linux.namespaces (network)",
      "linux.rootfsPropagation",
      "root.path",
      "root.path",
      "linux.devices",
      "mounts[0]",
      "mounts[1]",
      "mounts[2]",
      "mounts[3]",
      "mounts[4]",
      "mounts[5]",
      "mounts[6]",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "process.cwd",
      "root.path",
      "linux.maskedPaths[0]",
      "linux.maskedPaths[1]",
      "linux.maskedPaths[2]",
      "linux.maskedPaths[3]",
      "linux.maskedPaths[4]",
      "linux.maskedPaths[5]",
      "linux.maskedPaths[6]",
      "linux.maskedPaths[7]",
      "linux.maskedPaths[8]",
      "linux.maskedPaths[9]",
      "linux.maskedPaths[10]",
      "linux.readonlyPaths[0]",
      "linux.readonlyPaths[1]",
      "linux.readonlyPaths[2]",
      "linux.readonlyPaths[3]",
      "linux.readonlyPaths[4]",
      "root.readonly",
      "hostname",
      "process.rlimits[0]",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.noNewPrivileges",
      "process.args",
      "process.args",
    ],
    warnings: [],
  },
  "create: user namespace with a bind mount": {
    ops: [
      // linux.cgroupsPath
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // exec fifo
      { op: "openFifo", path: "/run/runt/x/exec.fifo" },
      // mounts
      { op: "bindSources", paths: ["/b/data"] },
      // linux.namespaces (user)
      { op: "unshare", flags: 268435456 },
      // linux.namespaces (user)
      { op: "sync", tag: "userns" },
      // linux.namespaces (user)
      { op: "user", uid: 0, gid: 0, groups: [] },
      // linux.namespaces
      { op: "unshare", flags: 671219712 },
      // mounts
      { op: "recvSources" },
      // process
      { op: "fork" },
      // process
      { op: "setsid" },
      // linux.rootfsPropagation
      {
        op: "mount",
        source: "",
        target: "/",
        fstype: "",
        flags: 540672,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      {
        op: "mount",
        source: "/b/rootfs",
        target: "/b/rootfs",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      { op: "openRoot", path: "/b/rootfs" },
      // linux.devices
      { op: "umask", mask: 0 },
      // mounts[0]
      {
        op: "mount",
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: 0,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // mounts[1]
      {
        op: "mount",
        source: "/b/data",
        target: "/data",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // default devices
      {
        op: "mount",
        source: "/dev/null",
        target: "/dev/null",
        fstype: "",
        flags: 4096,
        data: "",
        mk: "file",
        hostTarget: false,
      },
      // default devices
      {
        op: "mount",
        source: "/dev/zero",
        target: "/dev/zero",
        fstype: "",
        flags: 4096,
        data: "",
        mk: "file",
        hostTarget: false,
      },
      // default devices
      {
        op: "mount",
        source: "/dev/full",
        target: "/dev/full",
        fstype: "",
        flags: 4096,
        data: "",
        mk: "file",
        hostTarget: false,
      },
      // default devices
      {
        op: "mount",
        source: "/dev/random",
        target: "/dev/random",
        fstype: "",
        flags: 4096,
        data: "",
        mk: "file",
        hostTarget: false,
      },
      // default devices
      {
        op: "mount",
        source: "/dev/urandom",
        target: "/dev/urandom",
        fstype: "",
        flags: 4096,
        data: "",
        mk: "file",
        hostTarget: false,
      },
      // default devices
      {
        op: "mount",
        source: "/dev/tty",
        target: "/dev/tty",
        fstype: "",
        flags: 4096,
        data: "",
        mk: "file",
        hostTarget: false,
      },
      // default devices
      { op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/0", linkpath: "/dev/stdin" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/1", linkpath: "/dev/stdout" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/2", linkpath: "/dev/stderr" },
      // default devices
      { op: "symlink", target: "pts/ptmx", linkpath: "/dev/ptmx" },
      // process.cwd
      { op: "mkdir", path: "/", mode: 493 },
      // root.path
      { op: "pivotRoot" },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 1000, gid: 1000, groups: [5] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.args
      { op: "wait" },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "linux.cgroupsPath",
      "CPU affinity (reset to the cgroup's cpuset)",
      "exec fifo",
      "mounts",
      "linux.namespaces (user)",
      "linux.namespaces (user)",
      "linux.namespaces (user)",
      "linux.namespaces",
      "mounts",
      "process",
      "process",
      "linux.rootfsPropagation",
      "root.path",
      "root.path",
      "linux.devices",
      "mounts[0]",
      "mounts[1]",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "process.cwd",
      "root.path",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.args",
      "process.args",
    ],
    warnings: [],
  },
  "create: seccomp without no_new_privs": {
    ops: [
      // linux.cgroupsPath
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // exec fifo
      { op: "openFifo", path: "/run/runt/x/exec.fifo" },
      // linux.namespaces
      { op: "unshare", flags: 671219712 },
      // process
      { op: "fork" },
      // process
      { op: "setsid" },
      // linux.rootfsPropagation
      {
        op: "mount",
        source: "",
        target: "/",
        fstype: "",
        flags: 540672,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      {
        op: "mount",
        source: "/b/rootfs",
        target: "/b/rootfs",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      { op: "openRoot", path: "/b/rootfs" },
      // linux.devices
      { op: "umask", mask: 0 },
      // mounts[0]
      {
        op: "mount",
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: 0,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // default devices
      { op: "mknod", path: "/dev/null", mode: 8630, major: 1, minor: 3, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/zero", mode: 8630, major: 1, minor: 5, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/full", mode: 8630, major: 1, minor: 7, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/random", mode: 8630, major: 1, minor: 8, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/urandom", mode: 8630, major: 1, minor: 9, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/tty", mode: 8630, major: 5, minor: 0, uid: 0, gid: 0 },
      // default devices
      { op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/0", linkpath: "/dev/stdin" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/1", linkpath: "/dev/stdout" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/2", linkpath: "/dev/stderr" },
      // default devices
      { op: "symlink", target: "pts/ptmx", linkpath: "/dev/ptmx" },
      // process.cwd
      { op: "mkdir", path: "/", mode: 493 },
      // root.path
      { op: "pivotRoot" },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // linux.seccomp
      { op: "seccomp", flags: 1, notify: false, late: false, program: "060000000000ff7f" },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.args
      { op: "wait" },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "linux.cgroupsPath",
      "CPU affinity (reset to the cgroup's cpuset)",
      "exec fifo",
      "linux.namespaces",
      "process",
      "process",
      "linux.rootfsPropagation",
      "root.path",
      "root.path",
      "linux.devices",
      "mounts[0]",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "process.cwd",
      "root.path",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "linux.seccomp",
      "process.user",
      "process.capabilities",
      "process.args",
      "process.args",
    ],
    warnings: [],
  },
  "create: seccomp with no_new_privs": {
    ops: [
      // linux.cgroupsPath
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // exec fifo
      { op: "openFifo", path: "/run/runt/x/exec.fifo" },
      // linux.namespaces
      { op: "unshare", flags: 671219712 },
      // process
      { op: "fork" },
      // process
      { op: "setsid" },
      // linux.rootfsPropagation
      {
        op: "mount",
        source: "",
        target: "/",
        fstype: "",
        flags: 540672,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      {
        op: "mount",
        source: "/b/rootfs",
        target: "/b/rootfs",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      { op: "openRoot", path: "/b/rootfs" },
      // linux.devices
      { op: "umask", mask: 0 },
      // mounts[0]
      {
        op: "mount",
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: 0,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // default devices
      { op: "mknod", path: "/dev/null", mode: 8630, major: 1, minor: 3, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/zero", mode: 8630, major: 1, minor: 5, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/full", mode: 8630, major: 1, minor: 7, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/random", mode: 8630, major: 1, minor: 8, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/urandom", mode: 8630, major: 1, minor: 9, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/tty", mode: 8630, major: 5, minor: 0, uid: 0, gid: 0 },
      // default devices
      { op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/0", linkpath: "/dev/stdin" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/1", linkpath: "/dev/stdout" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/2", linkpath: "/dev/stderr" },
      // default devices
      { op: "symlink", target: "pts/ptmx", linkpath: "/dev/ptmx" },
      // process.cwd
      { op: "mkdir", path: "/", mode: 493 },
      // root.path
      { op: "pivotRoot" },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.noNewPrivileges
      { op: "noNewPrivs" },
      // process.args
      { op: "wait" },
      // linux.seccomp
      { op: "seccomp", flags: 1, notify: false, late: true, program: "060000000000ff7f" },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "linux.cgroupsPath",
      "CPU affinity (reset to the cgroup's cpuset)",
      "exec fifo",
      "linux.namespaces",
      "process",
      "process",
      "linux.rootfsPropagation",
      "root.path",
      "root.path",
      "linux.devices",
      "mounts[0]",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "process.cwd",
      "root.path",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.noNewPrivileges",
      "process.args",
      "linux.seccomp",
      "process.args",
    ],
    warnings: [],
  },
  "create: seccomp listener with no_new_privs": {
    ops: [
      // linux.cgroupsPath
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // exec fifo
      { op: "openFifo", path: "/run/runt/x/exec.fifo" },
      // linux.namespaces
      { op: "unshare", flags: 671219712 },
      // process
      { op: "fork" },
      // process
      { op: "setsid" },
      // linux.rootfsPropagation
      {
        op: "mount",
        source: "",
        target: "/",
        fstype: "",
        flags: 540672,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      {
        op: "mount",
        source: "/b/rootfs",
        target: "/b/rootfs",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      { op: "openRoot", path: "/b/rootfs" },
      // linux.devices
      { op: "umask", mask: 0 },
      // mounts[0]
      {
        op: "mount",
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: 0,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // default devices
      { op: "mknod", path: "/dev/null", mode: 8630, major: 1, minor: 3, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/zero", mode: 8630, major: 1, minor: 5, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/full", mode: 8630, major: 1, minor: 7, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/random", mode: 8630, major: 1, minor: 8, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/urandom", mode: 8630, major: 1, minor: 9, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/tty", mode: 8630, major: 5, minor: 0, uid: 0, gid: 0 },
      // default devices
      { op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/0", linkpath: "/dev/stdin" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/1", linkpath: "/dev/stdout" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/2", linkpath: "/dev/stderr" },
      // default devices
      { op: "symlink", target: "pts/ptmx", linkpath: "/dev/ptmx" },
      // process.cwd
      { op: "mkdir", path: "/", mode: 493 },
      // root.path
      { op: "pivotRoot" },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.noNewPrivileges
      { op: "noNewPrivs" },
      // linux.seccomp
      { op: "seccomp", flags: 1, notify: true, late: false, program: "060000000000ff7f" },
      // process.args
      { op: "wait" },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "linux.cgroupsPath",
      "CPU affinity (reset to the cgroup's cpuset)",
      "exec fifo",
      "linux.namespaces",
      "process",
      "process",
      "linux.rootfsPropagation",
      "root.path",
      "root.path",
      "linux.devices",
      "mounts[0]",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "process.cwd",
      "root.path",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.noNewPrivileges",
      "linux.seccomp",
      "process.args",
      "process.args",
    ],
    warnings: [],
  },
  "create: terminal": {
    ops: [
      // linux.cgroupsPath
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // exec fifo
      { op: "openFifo", path: "/run/runt/x/exec.fifo" },
      // linux.namespaces
      { op: "unshare", flags: 671219712 },
      // process
      { op: "fork" },
      // process
      { op: "setsid" },
      // linux.rootfsPropagation
      {
        op: "mount",
        source: "",
        target: "/",
        fstype: "",
        flags: 540672,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      {
        op: "mount",
        source: "/b/rootfs",
        target: "/b/rootfs",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      { op: "openRoot", path: "/b/rootfs" },
      // linux.devices
      { op: "umask", mask: 0 },
      // mounts[0]
      {
        op: "mount",
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: 0,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // default devices
      { op: "mknod", path: "/dev/null", mode: 8630, major: 1, minor: 3, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/zero", mode: 8630, major: 1, minor: 5, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/full", mode: 8630, major: 1, minor: 7, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/random", mode: 8630, major: 1, minor: 8, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/urandom", mode: 8630, major: 1, minor: 9, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/tty", mode: 8630, major: 5, minor: 0, uid: 0, gid: 0 },
      // default devices
      { op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/0", linkpath: "/dev/stdin" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/1", linkpath: "/dev/stdout" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/2", linkpath: "/dev/stderr" },
      // default devices
      { op: "symlink", target: "pts/ptmx", linkpath: "/dev/ptmx" },
      // process.cwd
      { op: "mkdir", path: "/", mode: 493 },
      // root.path
      { op: "pivotRoot" },
      // process.terminal
      { op: "pty", rows: 24, cols: 80, uid: 7, console: true },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 7, gid: 7, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.args
      { op: "wait" },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "linux.cgroupsPath",
      "CPU affinity (reset to the cgroup's cpuset)",
      "exec fifo",
      "linux.namespaces",
      "process",
      "process",
      "linux.rootfsPropagation",
      "root.path",
      "root.path",
      "linux.devices",
      "mounts[0]",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "process.cwd",
      "root.path",
      "process.terminal",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.args",
      "process.args",
    ],
    warnings: [],
  },
  "create: startContainer and createContainer hooks, seccomp with no_new_privs": {
    ops: [
      // linux.cgroupsPath
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // exec fifo
      { op: "openFifo", path: "/run/runt/x/exec.fifo" },
      // linux.namespaces
      { op: "unshare", flags: 671219712 },
      // process
      { op: "fork" },
      // process
      { op: "setsid" },
      // linux.rootfsPropagation
      {
        op: "mount",
        source: "",
        target: "/",
        fstype: "",
        flags: 540672,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      {
        op: "mount",
        source: "/b/rootfs",
        target: "/b/rootfs",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      { op: "openRoot", path: "/b/rootfs" },
      // linux.devices
      { op: "umask", mask: 0 },
      // mounts[0]
      {
        op: "mount",
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: 0,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // default devices
      { op: "mknod", path: "/dev/null", mode: 8630, major: 1, minor: 3, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/zero", mode: 8630, major: 1, minor: 5, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/full", mode: 8630, major: 1, minor: 7, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/random", mode: 8630, major: 1, minor: 8, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/urandom", mode: 8630, major: 1, minor: 9, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/tty", mode: 8630, major: 5, minor: 0, uid: 0, gid: 0 },
      // default devices
      { op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/0", linkpath: "/dev/stdin" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/1", linkpath: "/dev/stdout" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/2", linkpath: "/dev/stderr" },
      // default devices
      { op: "symlink", target: "pts/ptmx", linkpath: "/dev/ptmx" },
      // process.cwd
      { op: "mkdir", path: "/", mode: 493 },
      // hooks.createRuntime
      { op: "sync", tag: "hooks-createRuntime" },
      // hooks.createContainer
      { op: "chdir", path: "/" },
      // hooks.createContainer
      { op: "hookState", status: "created" },
      // hooks.createContainer[0]
      { op: "hook", path: "/bin/cc", args: ["cc", "-x"], env: ["A=1"], timeout: 3 },
      // root.path
      { op: "pivotRoot" },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.noNewPrivileges
      { op: "noNewPrivs" },
      // hooks.startContainer
      { op: "hookState", status: "created" },
      // process.args
      { op: "wait" },
      // linux.seccomp
      { op: "seccomp", flags: 1, notify: false, late: false, program: "060000000000ff7f" },
      // hooks.startContainer[0]
      { op: "hook", path: "/bin/sc", args: ["/bin/sc"], env: [], timeout: 0 },
      // hooks.startContainer[1]
      { op: "hook", path: "/bin/sc2", args: ["sc2"], env: [], timeout: 0 },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "linux.cgroupsPath",
      "CPU affinity (reset to the cgroup's cpuset)",
      "exec fifo",
      "linux.namespaces",
      "process",
      "process",
      "linux.rootfsPropagation",
      "root.path",
      "root.path",
      "linux.devices",
      "mounts[0]",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "process.cwd",
      "hooks.createRuntime",
      "hooks.createContainer",
      "hooks.createContainer",
      "hooks.createContainer[0]",
      "root.path",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.noNewPrivileges",
      "hooks.startContainer",
      "process.args",
      "linux.seccomp",
      "hooks.startContainer[0]",
      "hooks.startContainer[1]",
      "process.args",
    ],
    warnings: [],
  },
  "create: every process field": {
    ops: [
      // linux.cgroupsPath
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // process.oomScoreAdj
      { op: "write", path: "/proc/self/oom_score_adj", content: "100", inRoot: false },
      // exec fifo
      { op: "openFifo", path: "/run/runt/x/exec.fifo" },
      // linux.namespaces
      { op: "unshare", flags: 738328576 },
      // process
      { op: "fork" },
      // process
      { op: "setsid" },
      // process.apparmorProfile
      { op: "lsmLabel", attr: "apparmor/exec", fallback: "exec", label: "exec runt-default" },
      // process.selinuxLabel
      { op: "lsmLabel", attr: "exec", fallback: "", label: "system_u:system_r:container_t:s0" },
      // linux.rootfsPropagation
      {
        op: "mount",
        source: "",
        target: "/",
        fstype: "",
        flags: 540672,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      {
        op: "mount",
        source: "/b/rootfs",
        target: "/b/rootfs",
        fstype: "",
        flags: 20480,
        data: "",
        mk: "none",
        hostTarget: true,
      },
      // root.path
      { op: "openRoot", path: "/b/rootfs" },
      // linux.devices
      { op: "umask", mask: 0 },
      // mounts[0]
      {
        op: "mount",
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: 0,
        data: "",
        mk: "dir",
        hostTarget: false,
      },
      // default devices
      { op: "mknod", path: "/dev/null", mode: 8630, major: 1, minor: 3, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/zero", mode: 8630, major: 1, minor: 5, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/full", mode: 8630, major: 1, minor: 7, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/random", mode: 8630, major: 1, minor: 8, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/urandom", mode: 8630, major: 1, minor: 9, uid: 0, gid: 0 },
      // default devices
      { op: "mknod", path: "/dev/tty", mode: 8630, major: 5, minor: 0, uid: 0, gid: 0 },
      // default devices
      { op: "symlink", target: "/proc/self/fd", linkpath: "/dev/fd" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/0", linkpath: "/dev/stdin" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/1", linkpath: "/dev/stdout" },
      // default devices
      { op: "symlink", target: "/proc/self/fd/2", linkpath: "/dev/stderr" },
      // default devices
      { op: "symlink", target: "pts/ptmx", linkpath: "/dev/ptmx" },
      // process.cwd
      { op: "mkdir", path: "/home", mode: 493 },
      // root.path
      { op: "pivotRoot" },
      // hostname
      { op: "hostname", name: "box" },
      // linux.resources
      { op: "sync", tag: "resources" },
      // process.rlimits[0]
      { op: "rlimit", resource: 7, soft: 1024n, hard: 4096n },
      // process.rlimits[1]
      { op: "rlimit", resource: 4, soft: 18446744073709551615n, hard: 18446744073709551615n },
      // process.scheduler
      {
        op: "sched",
        policy: 1,
        flags: 1,
        nice: 0,
        priority: 10,
        runtime: 0n,
        deadline: 0n,
        period: 0n,
      },
      // process.ioPriority
      { op: "ioprio", class: 2, priority: 3 },
      // linux.personality
      { op: "personality", persona: 8 },
      // linux.memoryPolicy
      { op: "memPolicy", mode: 2, flags: 32768, nodes: [[0, 0]] },
      // process.cwd
      { op: "chdir", path: "/home" },
      // process.user.umask
      { op: "umask", mask: 63 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 33n },
      // process.user
      { op: "user", uid: 1000, gid: 100, groups: [10, 20] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 33n, inheritable: 1n, ambient: 1n },
      // process.noNewPrivileges
      { op: "noNewPrivs" },
      // process.args
      { op: "wait" },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 5 },
    ],
    notes: [
      "linux.cgroupsPath",
      "CPU affinity (reset to the cgroup's cpuset)",
      "process.oomScoreAdj",
      "exec fifo",
      "linux.namespaces",
      "process",
      "process",
      "process.apparmorProfile",
      "process.selinuxLabel",
      "linux.rootfsPropagation",
      "root.path",
      "root.path",
      "linux.devices",
      "mounts[0]",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "default devices",
      "process.cwd",
      "root.path",
      "hostname",
      "linux.resources",
      "process.rlimits[0]",
      "process.rlimits[1]",
      "process.scheduler",
      "process.ioPriority",
      "linux.personality",
      "linux.memoryPolicy",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.noNewPrivileges",
      "process.args",
      "process.args",
    ],
    warnings: [
      "process.capabilities: ignoring unknown or unavailable capabilities: CAP_NOPE",
      "process.capabilities.ambient: cannot raise CAP_KILL: an ambient capability must be in both the permitted and the inheritable set; skipped, as runc does",
    ],
  },
  "exec: a user and capabilities": {
    ops: [
      // the container's cgroup
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // the container's user namespace
      { op: "setns", path: "/proc/9/ns/user", nstype: 268435456 },
      // the container's user namespace
      { op: "user", uid: 0, gid: 0, groups: [] },
      // the container's ipc namespace
      { op: "setns", path: "/proc/9/ns/ipc", nstype: 134217728 },
      // the container's pid namespace
      { op: "setns", path: "/proc/9/ns/pid", nstype: 536870912 },
      // the container's mnt namespace
      { op: "setns", path: "/proc/9/ns/mnt", nstype: 131072 },
      // exec
      { op: "fork" },
      // exec
      { op: "setsid" },
      // exec
      { op: "openRoot", path: "/" },
      // session keyring
      { op: "keyring", name: "_ses.x" },
      // process.cwd
      { op: "chdir", path: "/tmp" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 1056n },
      // process.user
      { op: "user", uid: 1000, gid: 1000, groups: [4, 24] },
      // process.capabilities
      { op: "caps", effective: 1024n, permitted: 1024n, inheritable: 1024n, ambient: 1024n },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 4 },
    ],
    notes: [
      "the container's cgroup",
      "CPU affinity (reset to the cgroup's cpuset)",
      "the container's user namespace",
      "the container's user namespace",
      "the container's ipc namespace",
      "the container's pid namespace",
      "the container's mnt namespace",
      "exec",
      "exec",
      "exec",
      "session keyring",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.args",
    ],
    warnings: [
      "process.capabilities.ambient: cannot raise CAP_KILL: an ambient capability must be in both the permitted and the inheritable set; skipped, as runc does",
    ],
  },
  "exec: terminal, rlimits, labels, seccomp without no_new_privs": {
    ops: [
      // the container's cgroup
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // process.oomScoreAdj
      { op: "write", path: "/proc/self/oom_score_adj", content: "-5", inRoot: false },
      // the container's user namespace
      { op: "setns", path: "/proc/9/ns/user", nstype: 268435456 },
      // the container's user namespace
      { op: "user", uid: 0, gid: 0, groups: [] },
      // the container's ipc namespace
      { op: "setns", path: "/proc/9/ns/ipc", nstype: 134217728 },
      // the container's pid namespace
      { op: "setns", path: "/proc/9/ns/pid", nstype: 536870912 },
      // the container's mnt namespace
      { op: "setns", path: "/proc/9/ns/mnt", nstype: 131072 },
      // exec
      { op: "fork" },
      // exec
      { op: "setsid" },
      // exec
      { op: "openRoot", path: "/" },
      // session keyring
      { op: "keyring", name: "_ses.x" },
      // process.apparmorProfile
      { op: "lsmLabel", attr: "apparmor/exec", fallback: "exec", label: "exec p" },
      // process.terminal
      { op: "pty", rows: 50, cols: 132, uid: 33, console: false },
      // process.rlimits[0]
      { op: "rlimit", resource: 6, soft: 10n, hard: 20n },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 2 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // linux.seccomp
      { op: "seccomp", flags: 1, notify: false, late: false, program: "060000000000ff7f" },
      // process.user
      { op: "user", uid: 33, gid: 33, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "the container's cgroup",
      "CPU affinity (reset to the cgroup's cpuset)",
      "process.oomScoreAdj",
      "the container's user namespace",
      "the container's user namespace",
      "the container's ipc namespace",
      "the container's pid namespace",
      "the container's mnt namespace",
      "exec",
      "exec",
      "exec",
      "session keyring",
      "process.apparmorProfile",
      "process.terminal",
      "process.rlimits[0]",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "linux.seccomp",
      "process.user",
      "process.capabilities",
      "process.args",
    ],
    warnings: [],
  },
  "exec: seccomp with no_new_privs, no user namespace joined": {
    ops: [
      // the container's cgroup
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // the container's mnt namespace
      { op: "setns", path: "/proc/9/ns/mnt", nstype: 131072 },
      // exec
      { op: "fork" },
      // exec
      { op: "setsid" },
      // exec
      { op: "openRoot", path: "/" },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.noNewPrivileges
      { op: "noNewPrivs" },
      // linux.seccomp
      { op: "seccomp", flags: 1, notify: false, late: true, program: "060000000000ff7f" },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "the container's cgroup",
      "CPU affinity (reset to the cgroup's cpuset)",
      "the container's mnt namespace",
      "exec",
      "exec",
      "exec",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.noNewPrivileges",
      "linux.seccomp",
      "process.args",
    ],
    warnings: [],
  },
  "exec: seccomp listener with no_new_privs": {
    ops: [
      // the container's cgroup
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // CPU affinity (reset to the cgroup's cpuset)
      { op: "cpuAffinity", cpus: [[0, 65536]] },
      // the container's user namespace
      { op: "setns", path: "/proc/9/ns/user", nstype: 268435456 },
      // the container's user namespace
      { op: "user", uid: 0, gid: 0, groups: [] },
      // the container's ipc namespace
      { op: "setns", path: "/proc/9/ns/ipc", nstype: 134217728 },
      // the container's pid namespace
      { op: "setns", path: "/proc/9/ns/pid", nstype: 536870912 },
      // the container's mnt namespace
      { op: "setns", path: "/proc/9/ns/mnt", nstype: 131072 },
      // exec
      { op: "fork" },
      // exec
      { op: "setsid" },
      // exec
      { op: "openRoot", path: "/" },
      // session keyring
      { op: "keyring", name: "_ses.x" },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.noNewPrivileges
      { op: "noNewPrivs" },
      // linux.seccomp
      { op: "seccomp", flags: 1, notify: true, late: false, program: "060000000000ff7f" },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "the container's cgroup",
      "CPU affinity (reset to the cgroup's cpuset)",
      "the container's user namespace",
      "the container's user namespace",
      "the container's ipc namespace",
      "the container's pid namespace",
      "the container's mnt namespace",
      "exec",
      "exec",
      "exec",
      "session keyring",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.noNewPrivileges",
      "linux.seccomp",
      "process.args",
    ],
    warnings: [],
  },
  "exec: scheduler, I/O priority, CPU affinity, the container's personality and memory policy": {
    ops: [
      // process.execCPUAffinity.initial
      { op: "cpuAffinity", cpus: [[1, 1]] },
      // the container's cgroup
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // process.execCPUAffinity.final
      { op: "cpuAffinity", cpus: [[0, 1]] },
      // the container's user namespace
      { op: "setns", path: "/proc/9/ns/user", nstype: 268435456 },
      // the container's user namespace
      { op: "user", uid: 0, gid: 0, groups: [] },
      // the container's ipc namespace
      { op: "setns", path: "/proc/9/ns/ipc", nstype: 134217728 },
      // the container's pid namespace
      { op: "setns", path: "/proc/9/ns/pid", nstype: 536870912 },
      // the container's mnt namespace
      { op: "setns", path: "/proc/9/ns/mnt", nstype: 131072 },
      // exec
      { op: "fork" },
      // exec
      { op: "setsid" },
      // exec
      { op: "openRoot", path: "/" },
      // session keyring
      { op: "keyring", name: "_ses.x" },
      // process.scheduler
      {
        op: "sched",
        policy: 5,
        flags: 0,
        nice: 0,
        priority: 0,
        runtime: 0n,
        deadline: 0n,
        period: 0n,
      },
      // process.ioPriority
      { op: "ioprio", class: 3, priority: 7 },
      // linux.personality
      { op: "personality", persona: 0 },
      // linux.memoryPolicy
      { op: "memPolicy", mode: 4, flags: 0, nodes: [] },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "process.execCPUAffinity.initial",
      "the container's cgroup",
      "process.execCPUAffinity.final",
      "the container's user namespace",
      "the container's user namespace",
      "the container's ipc namespace",
      "the container's pid namespace",
      "the container's mnt namespace",
      "exec",
      "exec",
      "exec",
      "session keyring",
      "process.scheduler",
      "process.ioPriority",
      "linux.personality",
      "linux.memoryPolicy",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.args",
    ],
    warnings: [
      "linux.personality.flags: ignored (X); the runtime-spec defines no personality flags yet, and runc ignores them too",
    ],
  },
  "exec: only an initial CPU affinity": {
    ops: [
      // process.execCPUAffinity.initial
      { op: "cpuAffinity", cpus: [[1, 1]] },
      // the container's cgroup
      { op: "write", path: "/sys/fs/cgroup/runt/x/cgroup.procs", content: "0", inRoot: false },
      // the container's user namespace
      { op: "setns", path: "/proc/9/ns/user", nstype: 268435456 },
      // the container's user namespace
      { op: "user", uid: 0, gid: 0, groups: [] },
      // the container's ipc namespace
      { op: "setns", path: "/proc/9/ns/ipc", nstype: 134217728 },
      // the container's pid namespace
      { op: "setns", path: "/proc/9/ns/pid", nstype: 536870912 },
      // the container's mnt namespace
      { op: "setns", path: "/proc/9/ns/mnt", nstype: 131072 },
      // exec
      { op: "fork" },
      // exec
      { op: "setsid" },
      // exec
      { op: "openRoot", path: "/" },
      // session keyring
      { op: "keyring", name: "_ses.x" },
      // process.cwd
      { op: "chdir", path: "/" },
      // process.user.umask
      { op: "umask", mask: 18 },
      // process.capabilities.bounding
      { op: "capBounding", mask: 32n },
      // process.user
      { op: "user", uid: 0, gid: 0, groups: [] },
      // process.capabilities
      { op: "caps", effective: 32n, permitted: 32n, inheritable: 0n, ambient: 0n },
      // process.args
      { op: "exec", args: ["sh", "-c", "true"], env: ["PATH=/bin"], closeFrom: 3 },
    ],
    notes: [
      "process.execCPUAffinity.initial",
      "the container's cgroup",
      "the container's user namespace",
      "the container's user namespace",
      "the container's ipc namespace",
      "the container's pid namespace",
      "the container's mnt namespace",
      "exec",
      "exec",
      "exec",
      "session keyring",
      "process.cwd",
      "process.user.umask",
      "process.capabilities.bounding",
      "process.user",
      "process.capabilities",
      "process.args",
    ],
    warnings: [],
  },
};
