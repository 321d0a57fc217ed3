// Validation of the "linux" section of config.json (resources: validate-resources.ts).

import {
  absPath,
  arr,
  type Check,
  int,
  intOf,
  keySuffix,
  matching,
  nonEmptyStr,
  obj,
  oneOf,
  optAbsPath,
  optBool,
  optEach,
  optInt,
  optIntOf,
  optList,
  optMatching,
  optOneOf,
  optRecord,
  optStr,
  optStrMap,
  record,
} from "./check.ts";
import {
  type DeviceType,
  NAMESPACE_TYPES,
  type NamespaceType,
  ROOTFS_PROPAGATIONS,
  SECCOMP_ACTIONS,
  SECCOMP_ARCHES,
  SECCOMP_FLAGS,
  SECCOMP_OPERATORS,
  type SeccompAction,
} from "./enums.ts";
import { describe, fail, mismatch } from "./errors.ts";
import type {
  IDMapping,
  Linux,
  LinuxDevice,
  LinuxIntelRdt,
  LinuxNamespace,
  LinuxSeccomp,
  LinuxSeccompArg,
  LinuxSyscall,
  TimeOffset,
} from "./types.ts";
import { checkNetDevices } from "./validate-netdev.ts";
import { validateResources } from "./validate-resources.ts";
import { checkMemoryPolicy, checkPersonality } from "./validate-sched.ts";

/**
 * The linux section at `path` ("linux"), checked and typed. Rules across its fields
 * run right after the last field they read, on what has been checked so far.
 */
export function validateLinux(value: unknown, path: string): Linux | undefined {
  if (value === undefined) return undefined;
  const got: Linux = {};
  /** The checker of field `key`, keeping what it returns for the rules after it. */
  const keep =
    <K extends keyof Linux>(key: K, check: Check<Linux[K]>): Check<Linux[K]> =>
    (v, p) => {
      const typed = check(v, p);
      got[key] = typed;
      return typed;
    };
  const then =
    <T>(check: Check<T>, rule: () => void): Check<T> =>
    (v, p) => {
      const typed = check(v, p);
      rule();
      return typed;
    };
  return record<Linux>(value, path, {
    namespaces: keep("namespaces", checkNamespaces),
    uidMappings: keep("uidMappings", optList(checkIdMapping)),
    gidMappings: then(keep("gidMappings", optList(checkIdMapping)), () => checkUserNamespace(got)),
    timeOffsets: (v, p) => checkTimeOffsets(v, p, got),
    sysctl: then(keep("sysctl", optStrMap), () => checkSysctls(got)),
    resources: (v, p) => (v === undefined ? undefined : validateResources(v, p)),
    cgroupsPath: optStr,
    devices: optList(checkDevice),
    netDevices: (v, p) => checkNetDevices(v, p, got),
    seccomp: (v, p) => (v === undefined ? undefined : checkSeccomp(v, p)),
    rootfsPropagation: (v, p) => optOneOf(v, p, ROOTFS_PROPAGATIONS),
    maskedPaths: keep("maskedPaths", optList(absPath)),
    readonlyPaths: then(keep("readonlyPaths", optList(absPath)), () => checkRestrictedPaths(got)),
    mountLabel: optStr,
    intelRdt: (v, p) =>
      optRecord<LinuxIntelRdt>(v, p, {
        // runc: not "." or "..", no "/" except "/" itself (the root group).
        closID: (c, at) =>
          optMatching(
            c,
            at,
            /^(?!\.\.?$)(\/|[^/]*)$/,
            'a resctrl group name without "/", not "." or ".."',
          ),
        schemata: optList((line, at) => matching(line, at, /^[^\n]*$/, "a line without newlines")),
        l3CacheSchema: optStr,
        memBwSchema: (m, at) => optMatching(m, at, /^MB:[^\n]*$/, 'one line starting with "MB:"'),
        enableMonitoring: optBool,
      }),
    memoryPolicy: checkMemoryPolicy,
    personality: checkPersonality,
  });
}

function checkNamespaces(value: unknown, path: string): LinuxNamespace[] | undefined {
  const seen = new Set<string>();
  return optEach(value, path, (element, at) =>
    record<LinuxNamespace>(element, at, {
      type: (t, typePath) => {
        const type = oneOf(t, typePath, NAMESPACE_TYPES);
        if (seen.has(type))
          fail(typePath, "each namespace type once", `a second ${describe(type)}`);
        seen.add(type);
        return type;
      },
      path: optAbsPath,
    }),
  );
}

/** The namespaces entry of `type` in a checked linux section. */
export function namespaceOf(
  linux: Linux | undefined,
  type: NamespaceType,
): LinuxNamespace | undefined {
  return linux?.namespaces?.find((ns) => ns.type === type);
}

export function checkIdMapping(value: unknown, path: string): IDMapping {
  const m = record<IDMapping>(value, path, {
    containerID: intOf("uint32"),
    hostID: intOf("uint32"),
    size: intOf("uint32"),
  });
  if (m.size === 0) mismatch(`${path}.size`, "an integer from 1 to 4294967295", m.size);
  return m;
}

function count(list: unknown[]): string {
  return list.length === 1 ? "1 mapping" : `${list.length} mappings`;
}

// Mappings only make sense with a user namespace, and a new one is useless without
// them (runt writes them into /proc/<pid>/[ug]id_map). A joined one brings its own.
function checkUserNamespace(linux: Linux): void {
  const userns = namespaceOf(linux, "user");
  for (const field of ["uidMappings", "gidMappings"] as const) {
    const list = linux[field];
    if (!userns && list && list.length > 0) {
      fail(
        `linux.${field}`,
        'no mappings without a "user" namespace in linux.namespaces',
        count(list),
      );
    }
    if (userns && userns.path === undefined && (!list || list.length === 0)) {
      fail(`linux.${field}`, 'mappings for the new "user" namespace', describe(list));
    }
  }
}

// The kernel's IPC sysctls outside fs.mqueue.* (ipc_namespace), as runc lists them.
const IPC_SYSCTLS = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced",
]);

/** "net/ipv4/ip_forward" -> "net.ipv4.ip_forward", as runc reads a key with slashes. */
export function sysctlName(key: string): string {
  const sep = key.search(/[./]/);
  if (sep === -1 || key[sep] === ".") return key;
  return key.replace(/[./]/g, (c) => (c === "." ? "/" : "."));
}

// A sysctl is written in the container's /proc/sys: only the namespaced ones, and
// only with a namespace of that kind in the config, or it is the host's (runc's
// validator refuses the same). A joined "network" namespace that is the host's own
// is refused when the plan is made (it needs the host).
function checkSysctls(linux: Linux): void {
  const sysctl = linux.sysctl;
  if (!sysctl) return;
  for (const key of Object.keys(sysctl)) {
    const name = sysctlName(key);
    const path = `linux.sysctl${keySuffix(key)}`;
    if (IPC_SYSCTLS.has(name) || name.startsWith("fs.mqueue.")) {
      if (!namespaceOf(linux, "ipc"))
        fail(path, 'an "ipc" namespace in linux.namespaces for an IPC sysctl', "none");
      continue;
    }
    if (name.startsWith("net.")) {
      if (!namespaceOf(linux, "network"))
        fail(path, 'a "network" namespace in linux.namespaces for a net.* sysctl', "none");
      continue;
    }
    if (namespaceOf(linux, "uts") && name === "kernel.domainname") continue;
    if (namespaceOf(linux, "uts") && name === "kernel.hostname")
      fail(path, 'the hostname in "hostname", not as a sysctl', describe(key));
    fail(
      path,
      'a sysctl of a namespace the container has (net.*, IPC ones, fs.mqueue.*, kernel.domainname with "uts")',
      "one that is not in a separate kernel namespace",
    );
  }
}

// Masks and read-only binds are mounts over the container's own view: without a
// mount namespace they would be the host's. runc refuses them ("unable to restrict
// sys entries without a private MNT namespace").
function checkRestrictedPaths(linux: Linux): void {
  if (namespaceOf(linux, "mount")) return;
  for (const field of ["maskedPaths", "readonlyPaths"] as const) {
    const list = linux[field];
    if (list && list.length > 0) {
      const what = list.length === 1 ? "1 path" : `${list.length} paths`;
      fail(`linux.${field}`, 'no paths without a "mount" namespace in linux.namespaces', what);
    }
  }
}

const CLOCKS = ["boottime", "monotonic"];

const timeOffset: Check<TimeOffset> = (v, p) =>
  record<TimeOffset>(v, p, { secs: optIntOf("int64"), nanosecs: optIntOf("uint32") });
const optTimeOffset: Check<TimeOffset | undefined> = (v, p) =>
  v === undefined ? undefined : timeOffset(v, p);

function checkTimeOffsets(value: unknown, at: string, linux: Linux): Linux["timeOffsets"] {
  if (value === undefined) return undefined;
  const offsets = obj(value, at);
  const clocks = Object.keys(offsets);
  // Clock by clock in the document's order, so the first problem is the one reported.
  for (const clock of clocks) {
    if (!CLOCKS.includes(clock)) {
      fail(at, 'only the clocks "boottime" and "monotonic"', describe(clock));
    }
    timeOffset(offsets[clock], `${at}.${clock}`);
  }
  const timens = namespaceOf(linux, "time");
  if (clocks.length > 0 && (!timens || timens.path !== undefined)) {
    const got = timens ? "a joined one" : "none";
    fail(at, 'a new "time" namespace in linux.namespaces', got);
  }
  return record<NonNullable<Linux["timeOffsets"]>>(value, at, {
    boottime: optTimeOffset,
    monotonic: optTimeOffset,
  });
}

function checkDevice(value: unknown, path: string): LinuxDevice {
  let type: DeviceType | undefined;
  // major and minor are required unless the device is a fifo ("p").
  const number: Check<number | undefined> = (v, p) =>
    type === "p" ? optInt(v, p, "int64") : int(v, p, "int64");
  const u32 = optIntOf("uint32");
  return record<LinuxDevice>(value, path, {
    type: (t, at) => {
      type = oneOf(t, at, ["c", "b", "u", "p"] as const);
      return type;
    },
    path: absPath,
    major: number,
    minor: number,
    fileMode: u32,
    uid: u32,
    gid: u32,
  });
}

// Actions that can carry an errno (defaultErrnoRet / errnoRet).
const ERRNO_ACTIONS = ["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"];

/** An errno field checked against the action beside it (checked first). */
function errnoFor(action: () => SeccompAction | undefined): Check<number | undefined> {
  return (errno, path) => {
    if (errno === undefined) return undefined;
    const n = int(errno, path, "uint32");
    const a = action() ?? "";
    if (!ERRNO_ACTIONS.includes(a)) fail(path, `no errno with ${describe(a)}`, describe(errno));
    return n;
  };
}

const seccompArg: Check<LinuxSeccompArg> = (value, path) =>
  record<LinuxSeccompArg>(value, path, {
    index: intOf("uint32"),
    value: intOf("uint64"),
    valueTwo: optIntOf("uint64"),
    op: (o, at) => oneOf(o, at, SECCOMP_OPERATORS),
  });

const syscallRule: Check<LinuxSyscall> = (value, path) => {
  let action: SeccompAction | undefined;
  return record<LinuxSyscall>(value, path, {
    names: (v, at) => {
      const names = arr(v, at);
      if (names.length === 0) fail(at, "at least one syscall name", "an empty array");
      return names.map((n, i) => nonEmptyStr(n, `${at}[${i}]`));
    },
    action: (v, at) => {
      action = oneOf(v, at, SECCOMP_ACTIONS);
      return action;
    },
    errnoRet: errnoFor(() => action),
    args: optList(seccompArg),
  });
};

function checkSeccomp(value: unknown, path: string): LinuxSeccomp {
  let action: SeccompAction | undefined;
  let listenerPath: string | undefined;
  return record<LinuxSeccomp>(value, path, {
    defaultAction: (v, at) => {
      action = oneOf(v, at, SECCOMP_ACTIONS);
      return action;
    },
    defaultErrnoRet: errnoFor(() => action),
    architectures: optList((a, at) => oneOf(a, at, SECCOMP_ARCHES)),
    flags: optList((f, at) => oneOf(f, at, SECCOMP_FLAGS)),
    listenerPath: (v, at) => {
      listenerPath = optStr(v, at);
      return listenerPath;
    },
    listenerMetadata: (v, at) => {
      const metadata = optStr(v, at);
      if (metadata !== undefined && listenerPath === undefined) {
        fail(at, "no listenerMetadata without listenerPath", describe(metadata));
      }
      return metadata;
    },
    syscalls: optList(syscallRule),
  });
}
