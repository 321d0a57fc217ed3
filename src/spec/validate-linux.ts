// Validation of the "linux" section of config.json (resources: validate-resources.ts).

import {
  absPath,
  arr,
  int,
  intOf,
  keySuffix,
  matching,
  nonEmptyStr,
  type Obj,
  obj,
  oneOf,
  optAbsPath,
  optBool,
  optEach,
  optInt,
  optMap,
  optMatching,
  optObj,
  optOneOf,
  optStr,
  optStrArray,
  optStrMap,
  record,
} from "./check.ts";
import {
  MEMORY_POLICY_FLAGS,
  MEMORY_POLICY_MODES,
  NAMESPACE_TYPES,
  type NamespaceType,
  PERSONALITY_DOMAINS,
  ROOTFS_PROPAGATIONS,
  SECCOMP_ACTIONS,
  SECCOMP_ARCHES,
  SECCOMP_FLAGS,
  SECCOMP_OPERATORS,
} from "./enums.ts";
import { describe, fail, mismatch } from "./errors.ts";
import type { IDMapping, Linux } from "./types.ts";
import { validateResources } from "./validate-resources.ts";

/**
 * The linux section, checked. Its fields are checked one statement at a time, not
 * with record() tables yet: the section is returned as Linux on the strength of them.
 */
export function validateLinux(value: unknown, path: string): Linux | undefined {
  const linux = optObj(value, path);
  if (linux) checkLinux(linux);
  return linux as Linux | undefined;
}

function checkLinux(linux: Obj): void {
  const seen = new Set<string>();
  optEach(linux.namespaces, "linux.namespaces", (value, path) => {
    const ns = obj(value, path);
    const type = oneOf(ns.type, `${path}.type`, NAMESPACE_TYPES);
    if (seen.has(type))
      fail(`${path}.type`, "each namespace type once", `a second ${describe(type)}`);
    seen.add(type);
    optAbsPath(ns.path, `${path}.path`);
  });

  optEach(linux.uidMappings, "linux.uidMappings", checkIdMapping);
  optEach(linux.gidMappings, "linux.gidMappings", checkIdMapping);
  checkUserNamespace(linux);
  checkTimeOffsets(linux);

  optStrMap(linux.sysctl, "linux.sysctl");
  checkSysctls(linux);
  if (linux.resources !== undefined) validateResources(linux.resources, "linux.resources");
  optStr(linux.cgroupsPath, "linux.cgroupsPath");
  optEach(linux.devices, "linux.devices", checkDevice);
  optMap(linux.netDevices, "linux.netDevices", (value, path) => {
    optStr(obj(value, path).name, `${path}.name`);
  });
  if (linux.seccomp !== undefined) checkSeccomp(obj(linux.seccomp, "linux.seccomp"));
  optOneOf(linux.rootfsPropagation, "linux.rootfsPropagation", ROOTFS_PROPAGATIONS);
  optEach(linux.maskedPaths, "linux.maskedPaths", absPath);
  optEach(linux.readonlyPaths, "linux.readonlyPaths", absPath);
  checkRestrictedPaths(linux);
  optStr(linux.mountLabel, "linux.mountLabel");

  const rdt = optObj(linux.intelRdt, "linux.intelRdt");
  if (rdt) {
    optStr(rdt.closID, "linux.intelRdt.closID");
    optEach(rdt.schemata, "linux.intelRdt.schemata", (line, path) =>
      matching(line, path, /^[^\n]*$/, "a line without newlines"),
    );
    optStr(rdt.l3CacheSchema, "linux.intelRdt.l3CacheSchema");
    optMatching(
      rdt.memBwSchema,
      "linux.intelRdt.memBwSchema",
      /^MB:[^\n]*$/,
      'one line starting with "MB:"',
    );
    optBool(rdt.enableMonitoring, "linux.intelRdt.enableMonitoring");
  }

  const policy = optObj(linux.memoryPolicy, "linux.memoryPolicy");
  if (policy) {
    oneOf(policy.mode, "linux.memoryPolicy.mode", MEMORY_POLICY_MODES);
    optStr(policy.nodes, "linux.memoryPolicy.nodes");
    optEach(policy.flags, "linux.memoryPolicy.flags", (f, path) =>
      oneOf(f, path, MEMORY_POLICY_FLAGS),
    );
  }

  const personality = optObj(linux.personality, "linux.personality");
  if (personality) {
    oneOf(personality.domain, "linux.personality.domain", PERSONALITY_DOMAINS);
    optStrArray(personality.flags, "linux.personality.flags");
  }
}

/** The namespaces entry of `type` in an already validated linux section. */
export function namespaceOf(linux: Obj | undefined, type: NamespaceType): Obj | undefined {
  const list = linux?.namespaces as Obj[] | undefined;
  return list?.find((ns) => ns.type === type);
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
function checkUserNamespace(linux: Obj): void {
  const userns = namespaceOf(linux, "user");
  for (const field of ["uidMappings", "gidMappings"]) {
    const list = linux[field] as unknown[] | undefined;
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
function checkSysctls(linux: Obj): void {
  const sysctl = linux.sysctl as Record<string, unknown> | undefined;
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
function checkRestrictedPaths(linux: Obj): void {
  if (namespaceOf(linux, "mount")) return;
  for (const field of ["maskedPaths", "readonlyPaths"]) {
    const list = linux[field] as unknown[] | undefined;
    if (list && list.length > 0) {
      const what = list.length === 1 ? "1 path" : `${list.length} paths`;
      fail(`linux.${field}`, 'no paths without a "mount" namespace in linux.namespaces', what);
    }
  }
}

const CLOCKS = ["boottime", "monotonic"];

function checkTimeOffsets(linux: Obj): void {
  const offsets = optObj(linux.timeOffsets, "linux.timeOffsets");
  if (!offsets) return;
  const clocks = Object.keys(offsets);
  for (const clock of clocks) {
    if (!CLOCKS.includes(clock)) {
      fail("linux.timeOffsets", 'only the clocks "boottime" and "monotonic"', describe(clock));
    }
    const path = `linux.timeOffsets.${clock}`;
    const offset = obj(offsets[clock], path);
    optInt(offset.secs, `${path}.secs`, "int64");
    optInt(offset.nanosecs, `${path}.nanosecs`, "uint32");
  }
  const timens = namespaceOf(linux, "time");
  if (clocks.length > 0 && (!timens || timens.path !== undefined)) {
    const got = timens ? "a joined one" : "none";
    fail("linux.timeOffsets", 'a new "time" namespace in linux.namespaces', got);
  }
}

function checkDevice(value: unknown, path: string): void {
  const d = obj(value, path);
  const type = oneOf(d.type, `${path}.type`, ["c", "b", "u", "p"]);
  absPath(d.path, `${path}.path`);
  if (type === "p") {
    optInt(d.major, `${path}.major`, "int64");
    optInt(d.minor, `${path}.minor`, "int64");
  } else {
    int(d.major, `${path}.major`, "int64");
    int(d.minor, `${path}.minor`, "int64");
  }
  optInt(d.fileMode, `${path}.fileMode`, "uint32");
  optInt(d.uid, `${path}.uid`, "uint32");
  optInt(d.gid, `${path}.gid`, "uint32");
}

// Actions that can carry an errno (defaultErrnoRet / errnoRet).
const ERRNO_ACTIONS = ["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"];

function checkErrno(action: string, errno: unknown, path: string): void {
  if (errno === undefined) return;
  int(errno, path, "uint32");
  if (!ERRNO_ACTIONS.includes(action))
    fail(path, `no errno with ${describe(action)}`, describe(errno));
}

function checkSeccomp(s: Obj): void {
  const at = "linux.seccomp";
  const action = oneOf(s.defaultAction, `${at}.defaultAction`, SECCOMP_ACTIONS);
  checkErrno(action, s.defaultErrnoRet, `${at}.defaultErrnoRet`);
  optEach(s.architectures, `${at}.architectures`, (a, path) => oneOf(a, path, SECCOMP_ARCHES));
  optEach(s.flags, `${at}.flags`, (f, path) => oneOf(f, path, SECCOMP_FLAGS));
  optStr(s.listenerPath, `${at}.listenerPath`);
  optStr(s.listenerMetadata, `${at}.listenerMetadata`);
  if (s.listenerMetadata !== undefined && s.listenerPath === undefined) {
    fail(
      `${at}.listenerMetadata`,
      "no listenerMetadata without listenerPath",
      describe(s.listenerMetadata),
    );
  }
  optEach(s.syscalls, `${at}.syscalls`, (value, path) => {
    const rule = obj(value, path);
    const names = arr(rule.names, `${path}.names`);
    if (names.length === 0) fail(`${path}.names`, "at least one syscall name", "an empty array");
    for (const [i, n] of names.entries()) nonEmptyStr(n, `${path}.names[${i}]`);
    const ruleAction = oneOf(rule.action, `${path}.action`, SECCOMP_ACTIONS);
    checkErrno(ruleAction, rule.errnoRet, `${path}.errnoRet`);
    optEach(rule.args, `${path}.args`, (argValue, argPath) => {
      const arg = obj(argValue, argPath);
      int(arg.index, `${argPath}.index`, "uint32");
      int(arg.value, `${argPath}.value`, "uint64");
      optInt(arg.valueTwo, `${argPath}.valueTwo`, "uint64");
      oneOf(arg.op, `${argPath}.op`, SECCOMP_OPERATORS);
    });
  });
}
