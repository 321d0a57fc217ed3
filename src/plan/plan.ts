// The InitPlan is the seam between policy (TypeScript) and mechanism (runt-init, C).
// It is an ordered program of small steps; runt-init runs them top to bottom and
// knows nothing about config.json. Every field of config.json that reaches the
// kernel arrives here first, so a unit test can assert the plan without root.
//
// Paths named "in root" are resolved by runt-init with openat2(RESOLVE_IN_ROOT)
// against its current root fd: the rootfs before pivot_root, "/" after it. A
// symlink in the image therefore can never send a step outside the rootfs.
//
// The types the plan compilers share (their inputs and outputs, a step with its
// note) live here too, so that no plan file imports another for a type.

import type { CompiledSeccomp } from "../seccomp/compile.ts";
import type { IdRanges } from "../spec/id-list.ts";
import type { Spec } from "../spec/types.ts";

export const PLAN_VERSION = 1;

/**
 * What to create at a mount target that does not exist yet. "copyup" is "dir", and
 * then copies what the mount covers into it (tmpfs with tmpcopyup).
 */
export type MkTarget = "none" | "dir" | "file" | "copyup";

type BasePlanOp =
  /** setns(open(path), nstype). Host path, resolved before anything else. */
  | { op: "setns"; path: string; nstype: number }
  /** unshare(flags). */
  | { op: "unshare"; flags: number }
  /** Tell runt `sync <tag>` and wait for its ack (runt writes id maps on "userns"). */
  | { op: "sync"; tag: string }
  /** write(content) to a host path (inRoot=false) or a path in root (inRoot=true). */
  | { op: "write"; path: string; content: string; inRoot: boolean }
  /** clone(CLONE_PARENT): the child runs the rest; the parent reports `pid <n>` and exits. */
  | { op: "fork" }
  | { op: "setsid" }
  /** Join a new session keyring with this name (skipped with --no-new-keyring). */
  | { op: "keyring"; name: string }
  /** Open the rootfs directory (host path) as the root fd for later in-root paths. */
  | { op: "openRoot"; path: string }
  /**
   * One mount(2). source is a host path for binds ("" for none); target is in root
   * unless hostTarget. With mk, missing targets (and parents) are created.
   */
  | {
      op: "mount";
      source: string;
      target: string;
      fstype: string;
      flags: number;
      data: string;
      mk: MkTarget;
      hostTarget: boolean;
    }
  /** mount_setattr(target, AT_RECURSIVE?, attrSet, attrClr, propagation). */
  | {
      op: "setattr";
      target: string;
      recursive: boolean;
      attrSet: number;
      attrClr: number;
      propagation: number;
    }
  | { op: "mkdir"; path: string; mode: number }
  /** mknod in root; mode carries the file type bits. */
  | {
      op: "mknod";
      path: string;
      mode: number;
      major: number;
      minor: number;
      uid: number;
      gid: number;
    }
  /** symlink(target, linkpath in root); an existing link is left alone. */
  | { op: "symlink"; target: string; linkpath: string }
  /** pivot_root into the root fd, detach the old root. */
  | { op: "pivotRoot" }
  /** --no-pivot: MS_MOVE the rootfs onto / and chroot. */
  | { op: "chroot" }
  /**
   * No "mount" namespace: the rootfs was made in a private one (unshared for it);
   * clone the root fd's mount tree (open_tree, detached), setns back into mntns (the
   * runtime's), chroot into the clone. The host's mount table never sees the mounts,
   * and the clone goes away with the container's last process.
   */
  | { op: "chrootClone"; mntns: string }
  /** Cover a path with /dev/null (files) or a read-only tmpfs (dirs); missing is fine. */
  | { op: "mask"; path: string }
  /** Bind a path onto itself read-only; missing is fine. */
  | { op: "readonly"; path: string }
  /** Remount the root read-only (after pivot). */
  | { op: "readonlyRoot" }
  | { op: "hostname"; name: string }
  | { op: "domainname"; name: string }
  | { op: "rlimit"; resource: number; soft: bigint; hard: bigint }
  | { op: "chdir"; path: string }
  | { op: "umask"; mask: number }
  /** Drop every capability not in the mask from the bounding set. */
  | { op: "capBounding"; mask: bigint }
  /** setgroups, setresgid, setresuid with keep-caps around the switch. */
  | { op: "user"; uid: number; gid: number; groups: number[] }
  /** capset(effective, permitted, inheritable) then raise ambient. */
  | { op: "caps"; effective: bigint; permitted: bigint; inheritable: bigint; ambient: bigint }
  | { op: "noNewPrivs" }
  /** Open the exec fifo (host path) with O_PATH, to be opened for writing at "wait". */
  | { op: "openFifo"; path: string }
  /** Send `ready`, then block opening the exec fifo until `runt start` reads it. */
  | { op: "wait" }
  /** Close fds >= closeFrom, look args[0] up in env's PATH and execve. */
  | { op: "exec"; args: string[]; env: string[]; closeFrom: number }
  /**
   * Open the container's /dev/ptmx (in root), make the slave stdio and the controlling
   * terminal (after setsid), chown it to uid, bind it onto /dev/console if console, and
   * send the master to runt (`pty` with SCM_RIGHTS). rows/cols 0: size left alone.
   */
  | { op: "pty"; rows: number; cols: number; uid: number; console: boolean }
  /** Ask runt for the container's state (`state <status>`), the stdin of the hooks after it. */
  | { op: "hookState"; status: string }
  /** Run one hook in the current namespaces with the state on stdin; timeout in s, 0 = none. */
  | { op: "hook"; path: string; args: string[]; env: string[]; timeout: number }
  /**
   * Before the user namespace: fork a helper that keeps the host's credentials, to open
   * these bind sources (host paths) at recvSources. A bind of one of them uses its fd.
   */
  | { op: "bindSources"; paths: string[] }
  /** In the final mount namespace: the helper joins it, opens the sources, sends the fds. */
  | { op: "recvSources" };

export type PlanOp = BasePlanOp | SecurityPlanOp | HelperPlanOp | SchedPlanOp;

/**
 * Work the bind-source helper does with the host's credentials (opcodes 70-79); each
 * op takes its result at its place in the plan. Needs bindSources/recvSources before.
 */
export type HelperPlanOp =
  /**
   * An idmapped bind: open_tree(OPEN_TREE_CLONE, AT_RECURSIVE if recursive) of source
   * (host path), MOUNT_ATTR_IDMAP (AT_RECURSIVE if ridmap) with the user namespace at
   * userns, or one made with uidMap/gidMap (uid_map lines); moved onto target in root.
   */
  | {
      op: "idmapMount";
      source: string;
      target: string;
      mk: MkTarget;
      recursive: boolean;
      ridmap: boolean;
      userns: string;
      uidMap: string;
      gidMap: string;
    }
  /** Move the host's interface into the container's network namespace as name, up. */
  | { op: "netDevice"; hostName: string; name: string }
  /** Set a new network namespace's lo up (runc's "loopback" network; not a helper op). */
  | { op: "loopbackUp" };

/** Scheduling, CPU and memory placement, the execution domain (opcodes 60-69). */
export type SchedPlanOp =
  /** sched_setattr(0): SCHED_* number, SCHED_FLAG_* bits; nice as an int32 (sent as its u32 bits). */
  | {
      op: "sched";
      policy: number;
      flags: number;
      nice: number;
      priority: number;
      runtime: bigint;
      deadline: bigint;
      period: bigint;
    }
  /** ioprio_set(IOPRIO_WHO_PROCESS, 0): class 1-3 (RT, BE, IDLE), priority 0-7. */
  | { op: "ioprio"; class: number; priority: number }
  /** sched_setaffinity(0) to these CPUs ([first, last] ranges, ordered, ids at most 65536). */
  | { op: "cpuAffinity"; cpus: IdRanges }
  /** set_mempolicy(mode | flags, nodes); no nodes: a NULL mask. */
  | { op: "memPolicy"; mode: number; flags: number; nodes: IdRanges }
  /** personality(persona). */
  | { op: "personality"; persona: number };

/** Confinement (opcodes 40-49): loading seccomp, LSM exec labels. */
export type SecurityPlanOp =
  /**
   * Load a seccomp program (hex of struct sock_filter[]) with these SECCOMP_FILTER_FLAG_*;
   * notify: add NEW_LISTENER and hand the listener fd to runt; late: keep it and load it
   * in `exec`, right before execve.
   */
  | { op: "seccomp"; flags: number; notify: boolean; late: boolean; program: string }
  /** Write label to /proc/thread-self/attr/<attr> (or <fallback> when attr is missing). */
  | { op: "lsmLabel"; attr: string; fallback: string; label: string };

export type OpName = PlanOp["op"];

export interface InitPlan {
  version: typeof PLAN_VERSION;
  ops: PlanOp[];
}

/** An op with the note that names the part of config.json it came from. */
export type Step = [note: string, op: PlanOp];

export interface CompiledPlan extends InitPlan {
  /** notes[i] says, for error messages, which part of config.json ops[i] came from. */
  notes: string[];
  /** What runt leaves out and should warn about (ambient caps the kernel cannot raise). */
  warnings: string[];
}

/** Collects ops and their notes in order. */
export class PlanBuilder {
  ops: PlanOp[] = [];
  notes: string[] = [];
  add(note: string, ...ops: PlanOp[]): void {
    for (const op of ops) {
      this.ops.push(op);
      this.notes.push(note);
    }
  }
  addSteps(steps: readonly Step[]): void {
    for (const [note, op] of steps) this.add(note, op);
  }
  done(warnings: string[]): CompiledPlan {
    return { version: PLAN_VERSION, ops: this.ops, notes: this.notes, warnings };
  }
}

/** One cgroup hierarchy as the container should see it under a `cgroup` mount. */
export interface CgroupMountSource {
  /** Directory name under the mount point ("cpu,cpuacct", "memory", "unified"). */
  name: string;
  /** "cgroup" (v1) or "cgroup2". */
  fstype: "cgroup" | "cgroup2";
  /** mount data for v1 ("cpu,cpuacct", "name=systemd"); "" for v2. */
  data: string;
  /** The container's cgroup directory on the host (bound when there is no cgroupns). */
  hostPath: string;
  /** Other names that point at this hierarchy ("cpu" -> "cpu,cpuacct"). */
  aliases: string[];
}

/** What compilePlan (src/plan/compile.ts) makes a create plan from. */
export interface CompileInput {
  spec: Spec;
  /** Absolute rootfs path on the host. */
  rootfs: string;
  /** Absolute bundle path: relative bind sources are resolved against it. */
  bundle: string;
  /** The exec fifo on the host; the init blocks on it until `start`. */
  fifoPath: string;
  noPivot: boolean;
  /** Name of the session keyring the container joins; none with --no-new-keyring. */
  keyring?: string;
  /** Number of fds after stdio that reach the container (--preserve-fds). */
  preserveFds: number;
  /** cgroup.procs files the init writes "0" into, joining its cgroups. */
  cgroupProcs: string[];
  /** Hierarchies shown under `cgroup` mounts. */
  cgroupMounts: CgroupMountSource[];
  /** stat of a bind source on the host: "dir", "file", or null when missing. */
  statSource: (path: string) => "dir" | "file" | null;
  /**
   * The mount point holding `path` (the nearest at or above it) in the runtime's
   * mount namespace, and whether that mount is shared.
   */
  parentMount?: (path: string) => { point: string; shared: boolean } | undefined;
  /** linux.seccomp compiled to BPF (src/seccomp); the plan only carries the bytes. */
  seccomp?: CompiledSeccomp;
  /** SELinux is enabled: linux.mountLabel becomes a context= mount option. */
  selinux?: boolean;
  /** runt itself runs in a user namespace (not the host's): device nodes cannot be made. */
  runtimeInUserns?: boolean;
  /**
   * The runtime's mount namespace, which a container without a "mount" namespace
   * inherits (runtime-spec); default /proc/<this process>/ns/mnt.
   */
  runtimeMountNs?: string;
}
