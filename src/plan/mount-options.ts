// Turns an OCI mount's option strings into mount(2) flags, propagation changes,
// recursive mount_setattr attributes and the filesystem's data string, the way
// runc reads them.
import { MOUNT_ATTR, MS } from "./constants.ts";
import { IDMAP_OPTIONS } from "./idmap.ts";

export interface MountOptions {
  /** Flags for mount(2) (bind/rbind included). */
  flags: number;
  /** Propagation changes, applied one by one after the mount. */
  propagation: number[];
  /** mount_setattr(AT_RECURSIVE) attributes to set and clear ("rro", "rnosuid", ...). */
  attrSet: number;
  attrClr: number;
  /** Options the filesystem itself reads ("mode=755,size=65536k"). */
  data: string;
}

/** option -> [flag to set (true) or clear (false), flag]. */
const FLAG_OPTIONS: Record<string, [boolean, number]> = {
  defaults: [true, 0],
  ro: [true, MS.RDONLY],
  rw: [false, MS.RDONLY],
  nosuid: [true, MS.NOSUID],
  suid: [false, MS.NOSUID],
  nodev: [true, MS.NODEV],
  dev: [false, MS.NODEV],
  noexec: [true, MS.NOEXEC],
  exec: [false, MS.NOEXEC],
  sync: [true, MS.SYNCHRONOUS],
  async: [false, MS.SYNCHRONOUS],
  dirsync: [true, MS.DIRSYNC],
  remount: [true, MS.REMOUNT],
  mand: [true, MS.MANDLOCK],
  nomand: [false, MS.MANDLOCK],
  atime: [false, MS.NOATIME],
  noatime: [true, MS.NOATIME],
  diratime: [false, MS.NODIRATIME],
  nodiratime: [true, MS.NODIRATIME],
  relatime: [true, MS.RELATIME],
  norelatime: [false, MS.RELATIME],
  strictatime: [true, MS.STRICTATIME],
  nostrictatime: [false, MS.STRICTATIME],
  lazytime: [true, MS.LAZYTIME],
  nolazytime: [false, MS.LAZYTIME],
  nosymfollow: [true, MS.NOSYMFOLLOW],
  symfollow: [false, MS.NOSYMFOLLOW],
  bind: [true, MS.BIND],
  rbind: [true, MS.BIND | MS.REC],
};

/** Propagation option (and linux.rootfsPropagation value) -> mount(2) flags. */
export const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** Recursive attributes: option -> [set (true) or clear (false), attribute]. */
const RECURSIVE_OPTIONS: Record<string, [boolean, number]> = {
  rro: [true, MOUNT_ATTR.RDONLY],
  rrw: [false, MOUNT_ATTR.RDONLY],
  rnosuid: [true, MOUNT_ATTR.NOSUID],
  rsuid: [false, MOUNT_ATTR.NOSUID],
  rnodev: [true, MOUNT_ATTR.NODEV],
  rdev: [false, MOUNT_ATTR.NODEV],
  rnoexec: [true, MOUNT_ATTR.NOEXEC],
  rexec: [false, MOUNT_ATTR.NOEXEC],
  rnodiratime: [true, MOUNT_ATTR.NODIRATIME],
  rdiratime: [false, MOUNT_ATTR.NODIRATIME],
  rnosymfollow: [true, MOUNT_ATTR.NOSYMFOLLOW],
  rsymfollow: [false, MOUNT_ATTR.NOSYMFOLLOW],
};

/** The atime family replaces the whole MOUNT_ATTR__ATIME field. */
const RECURSIVE_ATIME: Record<string, number> = {
  rrelatime: MOUNT_ATTR.RELATIME,
  rnoatime: MOUNT_ATTR.NOATIME,
  rstrictatime: MOUNT_ATTR.STRICTATIME,
};

/** Every option name parseMountOptions reads itself (the rest go to the filesystem). */
export const KNOWN_MOUNT_OPTIONS: readonly string[] = [
  ...Object.keys(FLAG_OPTIONS),
  ...Object.keys(PROPAGATION_OPTIONS),
  ...Object.keys(RECURSIVE_OPTIONS),
  ...Object.keys(RECURSIVE_ATIME),
  "ratime",
  "tmpcopyup",
  ...IDMAP_OPTIONS,
];

export function parseMountOptions(options: readonly string[] = []): MountOptions {
  const out: MountOptions = { flags: 0, propagation: [], attrSet: 0, attrClr: 0, data: "" };
  const data: string[] = [];
  for (const opt of options) {
    const flag = FLAG_OPTIONS[opt];
    const prop = PROPAGATION_OPTIONS[opt];
    const rec = RECURSIVE_OPTIONS[opt];
    const atime = RECURSIVE_ATIME[opt];
    if (flag) {
      out.flags = flag[0] ? out.flags | flag[1] : out.flags & ~flag[1];
    } else if (prop !== undefined) {
      out.propagation.push(prop);
    } else if (rec) {
      if (rec[0]) out.attrSet |= rec[1];
      else {
        out.attrClr |= rec[1];
        out.attrSet &= ~rec[1];
      }
    } else if (atime !== undefined) {
      out.attrClr |= MOUNT_ATTR.ATIME_MASK;
      out.attrSet = (out.attrSet & ~MOUNT_ATTR.ATIME_MASK) | atime;
    } else if (opt === "ratime") {
      out.attrClr |= MOUNT_ATTR.ATIME_MASK;
    } else if (opt !== "tmpcopyup" && !IDMAP_OPTIONS.includes(opt)) {
      data.push(opt);
    }
  }
  out.data = data.join(",");
  return out;
}

/** Flags a bind mount must be remounted with to take effect (bind ignores them). */
export const BIND_REMOUNT_FLAGS =
  MS.RDONLY |
  MS.NOSUID |
  MS.NODEV |
  MS.NOEXEC |
  MS.SYNCHRONOUS |
  MS.DIRSYNC |
  MS.NOATIME |
  MS.NODIRATIME |
  MS.RELATIME |
  MS.STRICTATIME |
  MS.NOSYMFOLLOW;
