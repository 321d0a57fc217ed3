// The container's filesystem view: root propagation, the rootfs bind, the
// configured mounts in order, /dev, pivot_root, then the paths masked or made
// read-only, sysctls and a read-only root.
import { statSync } from "node:fs";
import { posix, resolve } from "node:path";
import { keySuffix } from "../spec/check.ts";
import type { Mount } from "../spec/types.ts";
import { sysctlName } from "../spec/validate-linux.ts";
import { MS, S_IF } from "./constants.ts";
import { mountIdmap } from "./idmap.ts";
import { BIND_REMOUNT_FLAGS, PROPAGATION_OPTIONS, parseMountOptions } from "./mount-options.ts";
import type { CgroupMountSource, CompileInput, MkTarget, PlanOp, Step } from "./plan.ts";
import { withMountLabel } from "./security.ts";

const DEFAULT_DEVICES: [string, number, number][] = [
  ["/dev/null", 1, 3],
  ["/dev/zero", 1, 5],
  ["/dev/full", 1, 7],
  ["/dev/random", 1, 8],
  ["/dev/urandom", 1, 9],
  ["/dev/tty", 5, 0],
];

const DEV_LINKS: [string, string][] = [
  ["/proc/self/fd", "/dev/fd"],
  ["/proc/self/fd/0", "/dev/stdin"],
  ["/proc/self/fd/1", "/dev/stdout"],
  ["/proc/self/fd/2", "/dev/stderr"],
  ["pts/ptmx", "/dev/ptmx"],
];

const mountOp = (
  source: string,
  target: string,
  fstype: string,
  flags: number,
  data = "",
  mk: MkTarget = "none",
  hostTarget = false,
): PlanOp => ({ op: "mount", source, target, fstype, flags, data, mk, hostTarget });

function isBind(m: Mount): boolean {
  return m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
}

/** A tmpfs on /dev with "ro": rootfsOps makes it read-only after everything else. */
function isReadonlyTmpfsDev(m: Mount): boolean {
  return (
    m.type === "tmpfs" &&
    posix.normalize(m.destination).replace(/(.)\/+$/, "$1") === "/dev" &&
    (parseMountOptions(m.options).flags & MS.RDONLY) !== 0
  );
}

export function rootfsOps(input: CompileInput, userns: boolean): Step[] {
  const { spec, rootfs } = input;
  const linux = spec.linux ?? {};
  const steps: Step[] = [];
  const add = (note: string, ...ops: PlanOp[]) => {
    for (const op of ops) steps.push([note, op]);
  };

  // A shared or unbindable root propagation is applied again once the new root is
  // complete (at the end), as runc does after pivot_root: the rootfs bind is private.
  // An unbindable one is applied only then: a bind mount refuses an unbindable source
  // (EINVAL on the rootfs bind below). A shared one is applied first too: the tree
  // stays in the host's peer groups, so a bind of a shared host directory (a
  // kubelet's Bidirectional mount) is the host's peer, and mounts in it reach the host.
  const wanted = PROPAGATION_OPTIONS[linux.rootfsPropagation ?? "rslave"] ?? MS.SLAVE | MS.REC;
  const applyLater = (wanted & (MS.SHARED | MS.UNBINDABLE)) !== 0;
  // chroot(2) keeps the old root's mounts referenced by a namespace that cannot free
  // them once they are private; runc refuses the combination for that reason.
  if (input.noPivot && wanted & MS.PRIVATE) {
    throw new Error(
      `linux.rootfsPropagation: "${linux.rootfsPropagation}" is not safe without pivot_root (--no-pivot); use "rslave", as runc requires`,
    );
  }
  // Without a mount namespace the tree is made in a private one: all of it private,
  // so no mount made there can reach a peer in the host's.
  const first =
    !hasMountNamespace(spec) || (wanted & MS.UNBINDABLE) !== 0 ? MS.PRIVATE | MS.REC : wanted;
  add("linux.rootfsPropagation", mountOp("", "/", "", first, "", "none", true));
  // pivot_root refuses a shared parent, and the rootfs bind must not reach the host:
  // the mount holding the rootfs is made private (a slave for a slave propagation),
  // alone, if it is shared after the step above (which made it shared, or left it
  // as the host has it). Only a new mount namespace is a copy of the runtime's, whose
  // mount table parentMount reads.
  const newMountNs = (linux.namespaces ?? []).some((ns) => ns.type === "mount" && !ns.path);
  const parent = newMountNs ? input.parentMount?.(rootfs) : undefined;
  if (parent) {
    const changed = (first & MS.REC) !== 0 || parent.point === "/";
    if (changed ? (first & MS.SHARED) !== 0 : parent.shared) {
      const flags = first & MS.SLAVE ? MS.SLAVE : MS.PRIVATE;
      add("root.path", mountOp("", parent.point, "", flags, "", "none", true));
    }
  }
  add("root.path", mountOp(rootfs, rootfs, "", MS.BIND | MS.REC, "", "none", true), {
    op: "openRoot",
    path: rootfs,
  });
  // Device nodes and mount targets get exactly the modes asked for.
  add("linux.devices", { op: "umask", mask: 0 });

  const mounts = spec.mounts ?? [];
  mounts.forEach((m, i) => {
    for (const op of mountOps(m, input)) steps.push([`mounts[${i}]`, op]);
  });

  const devBound = mounts.some((m) => m.destination === "/dev" && isBind(m));
  if (!devBound) for (const step of deviceOps(input, userns)) steps.push(step);

  if (spec.process?.cwd) add("process.cwd", { op: "mkdir", path: spec.process.cwd, mode: 0o755 });
  if (!hasMountNamespace(spec)) {
    // The process stays in the runtime's mount namespace, rooted in a detached copy
    // of the tree made here; nothing can be mounted on that copy afterwards, so what
    // follows pivot_root below is done here or not at all (masked and read-only paths
    // are refused without a mount namespace, as runc refuses them; the propagation
    // of a tree no namespace holds means nothing). compilePlan puts the pty, the
    // read-only /dev and root before this step.
    add("linux.namespaces", {
      op: "chrootClone",
      mntns: input.runtimeMountNs ?? `/proc/${process.pid}/ns/mnt`,
    });
    for (const step of sysctlOps(input)) steps.push(step);
    return steps;
  }
  add("root.path", input.noPivot ? { op: "chroot" } : { op: "pivotRoot" });

  for (const step of sysctlOps(input)) steps.push(step);
  (linux.maskedPaths ?? []).forEach((path, i) => {
    add(`linux.maskedPaths[${i}]`, { op: "mask", path });
  });
  (linux.readonlyPaths ?? []).forEach((path, i) => {
    add(`linux.readonlyPaths[${i}]`, { op: "readonly", path });
  });
  if (spec.root?.readonly) add("root.readonly", { op: "readonlyRoot" });
  // Last: the masks and read-only paths above are bind mounts, which an
  // unbindable (runbindable) source would refuse.
  if (applyLater) add("linux.rootfsPropagation", mountOp("", "/", "", wanted, "", "none", true));
  return steps;
}

/** A "mount" entry in linux.namespaces (new or joined). */
export function hasMountNamespace(spec: CompileInput["spec"]): boolean {
  return (spec.linux?.namespaces ?? []).some((ns) => ns.type === "mount");
}

/** The same namespace (device and inode), as runc's isHostNetNS compares them. */
function sameNamespace(a: string, b: string): boolean {
  const x = statSync(a);
  const y = statSync(b);
  return x.dev === y.dev && x.ino === y.ino;
}

function sysctlOps(input: CompileInput): Step[] {
  const sysctl = input.spec.linux?.sysctl ?? {};
  const netns = (input.spec.linux?.namespaces ?? []).find((ns) => ns.type === "network");
  const net = Object.keys(sysctl).find((k) => sysctlName(k).startsWith("net."));
  // Validation saw a "network" namespace; a joined one must not be runt's own.
  if (net !== undefined && netns?.path) {
    let host: boolean;
    try {
      host = sameNamespace(netns.path, "/proc/self/ns/net");
    } catch (e) {
      throw new Error(`linux.sysctl${keySuffix(net)}: invalid netns path: ${(e as Error).message}`);
    }
    if (host) {
      throw new Error(
        `linux.sysctl${keySuffix(net)}: ${netns.path} is the host's network namespace, where a net.* sysctl is not allowed (as in runc)`,
      );
    }
  }
  return Object.entries(sysctl).map(([key, value]) => {
    const path = key.includes("/") ? key : key.replaceAll(".", "/");
    const op: PlanOp = { op: "write", path: `/proc/sys/${path}`, content: value, inRoot: true };
    return [`linux.sysctl.${key}`, op];
  });
}

/**
 * A read-only /dev is made read-only last, as runc does (finalizeRootfs): pts, shm,
 * mqueue, the device nodes and links, the masks and /dev/console are made in it first.
 */
export function readonlyDevOps(input: CompileInput): Step[] {
  const mounts = input.spec.mounts ?? [];
  const dev = mounts.find(isReadonlyTmpfsDev);
  if (!dev) return [];
  const flags = MS.BIND | MS.REMOUNT | (parseMountOptions(dev.options).flags & BIND_REMOUNT_FLAGS);
  return [[`mounts[${mounts.indexOf(dev)}]`, mountOp("", "/dev", "", flags)]];
}

/** The host paths of the configured bind mounts' sources, as mountOps names them. */
export function bindSourcePaths(input: CompileInput): string[] {
  return (input.spec.mounts ?? [])
    .filter((m) => m.type !== "cgroup" && isBind(m) && !mountIdmap(m, input.spec))
    .map((m) => resolve(input.bundle, m.source ?? ""));
}

/** The mount(2) calls for one config mount. */
export function mountOps(m: Mount, input: CompileInput): PlanOp[] {
  const o = parseMountOptions(m.options);
  const dest = m.destination;
  if (m.type === "cgroup") return cgroupOps(dest, o.flags, input);
  const ops: PlanOp[] = [];
  if (isBind(m)) {
    const source = resolve(input.bundle, m.source ?? "");
    const kind = input.statSource(source);
    if (!kind) throw new Error(`bind source ${source} does not exist`);
    const idmap = mountIdmap(m, input.spec);
    const recursive = (o.flags & MS.REC) !== 0;
    if (idmap) ops.push({ op: "idmapMount", source, target: dest, mk: kind, recursive, ...idmap });
    else ops.push(mountOp(source, dest, "", o.flags & (MS.BIND | MS.REC), "", kind));
    // A bind mount ignores the other flags: they take effect on a remount.
    const extra = o.flags & BIND_REMOUNT_FLAGS;
    if (extra) ops.push(mountOp("", dest, "", MS.BIND | MS.REMOUNT | extra));
  } else {
    const fstype = m.type ?? "";
    const data = withMountLabel(
      o.data,
      fstype,
      input.spec.linux?.mountLabel,
      input.selinux ?? false,
    );
    // tmpcopyup (podman's --tmpfs default): the tmpfs starts with the image's files.
    const copyup = fstype === "tmpfs" && (m.options ?? []).includes("tmpcopyup");
    // A read-only tmpfs is mounted writable and made read-only after what runt-init
    // writes into it (the copy, its mode; for /dev, at the very end), as runc does.
    const roLater = fstype === "tmpfs" && (o.flags & MS.RDONLY) !== 0;
    const flags = roLater ? o.flags & ~MS.RDONLY : o.flags;
    ops.push(mountOp(m.source ?? fstype, dest, fstype, flags, data, copyup ? "copyup" : "dir"));
    if (roLater && !isReadonlyTmpfsDev(m)) {
      ops.push(mountOp("", dest, "", MS.BIND | MS.REMOUNT | (o.flags & BIND_REMOUNT_FLAGS)));
    }
  }
  for (const p of o.propagation) ops.push(mountOp("", dest, "", p));
  if (o.attrSet || o.attrClr) {
    ops.push({
      op: "setattr",
      target: dest,
      recursive: true,
      attrSet: o.attrSet,
      attrClr: o.attrClr,
      propagation: 0,
    });
  }
  return ops;
}

/** A `cgroup` mount: cgroup2 directly, or on v1 a tmpfs holding one mount per hierarchy.
 * With a cgroup namespace the kernel shows only the container's subtree; without
 * one, runt binds the container's own directories from the host instead. */
function cgroupOps(dest: string, flags: number, input: CompileInput): PlanOp[] {
  const cgroupns = (input.spec.linux?.namespaces ?? []).some((ns) => ns.type === "cgroup");
  const hier = input.cgroupMounts;
  const base = flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
  const one = (h: CgroupMountSource, target: string): PlanOp[] =>
    cgroupns
      ? [mountOp("cgroup", target, h.fstype, base, h.data, "dir")]
      : [
          mountOp(h.hostPath, target, "", MS.BIND, "", "dir"),
          mountOp("", target, "", MS.BIND | MS.REMOUNT | base),
        ];
  const single = hier.length === 1 && hier[0]?.name === "";
  if (single && hier[0]) return one(hier[0], dest);
  const ops: PlanOp[] = [
    mountOp("tmpfs", dest, "tmpfs", MS.NOSUID | MS.NODEV | MS.NOEXEC, "mode=755", "dir"),
  ];
  for (const h of hier) {
    ops.push(...one(h, `${dest}/${h.name}`));
    for (const alias of h.aliases) {
      ops.push({ op: "symlink", target: h.name, linkpath: `${dest}/${alias}` });
    }
  }
  if (base & MS.RDONLY) {
    const roFlags = MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC;
    ops.push(mountOp("", dest, "", roFlags, "mode=755"));
  }
  return ops;
}

function deviceOps(input: CompileInput, userns: boolean): Step[] {
  const configured = input.spec.linux?.devices ?? [];
  const paths = new Set(configured.map((d) => d.path));
  const steps: Step[] = [];
  const node = (
    note: string,
    path: string,
    type: string,
    major: number,
    minor: number,
    mode: number,
    uid: number,
    gid: number,
  ) => {
    // Inside a user namespace mknod is refused: the host's node is bound instead.
    if (userns) {
      steps.push([note, mountOp(path, path, "", MS.BIND, "", "file")]);
      return;
    }
    const typeBits = type === "b" ? S_IF.BLK : type === "p" ? S_IF.FIFO : S_IF.CHR;
    steps.push([
      note,
      { op: "mknod", path, mode: typeBits | (mode & 0o7777), major, minor, uid, gid },
    ]);
  };
  for (const [path, major, minor] of DEFAULT_DEVICES) {
    if (!paths.has(path)) node("default devices", path, "c", major, minor, 0o666, 0, 0);
  }
  configured.forEach((d, i) => {
    node(
      `linux.devices[${i}]`,
      d.path,
      d.type,
      d.major ?? 0,
      d.minor ?? 0,
      d.fileMode ?? 0o666,
      d.uid ?? 0,
      d.gid ?? 0,
    );
  });
  for (const [target, link] of DEV_LINKS) {
    steps.push(["default devices", { op: "symlink", target, linkpath: link }]);
  }
  return steps;
}
