// Every rejection in the linux section: exact path and message.
import { describe, test } from "bun:test";
import { expectRejected, I64, type Json, U32, U64 } from "./spec-helpers.ts";

const NS = '"mount", "pid", "network", "uts", "ipc", "user", "cgroup", "time"';

/** [field path, how to break the base config, expected detail]. */
const linuxErrors: [string, (c: Json) => void, string][] = [
  ["linux", (c) => (c.linux = "x"), 'expected an object, got "x"'],
  [
    "linux.namespaces",
    (c) => (c.linux.namespaces = { pid: {} }),
    "expected an array, got an object",
  ],
  [
    "linux.namespaces[0].type",
    (c) => (c.linux.namespaces = [{ type: "net" }]),
    `expected one of ${NS}, got "net"`,
  ],
  [
    "linux.namespaces[2].type",
    (c) => c.linux.namespaces.push({ type: "pid" }),
    'expected each namespace type once, got a second "pid"',
  ],
  [
    "linux.namespaces[0].path",
    (c) => (c.linux.namespaces[0].path = "proc/1/ns/pid"),
    'expected an absolute path, got "proc/1/ns/pid"',
  ],
  [
    "linux.uidMappings",
    (c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 1, size: 1 }]),
    'expected no mappings without a "user" namespace in linux.namespaces, got 1 mapping',
  ],
  [
    "linux.uidMappings",
    (c) => c.linux.namespaces.push({ type: "user" }),
    'expected mappings for the new "user" namespace, got nothing',
  ],
  [
    "linux.gidMappings",
    (c) => {
      c.linux.namespaces.push({ type: "user" });
      c.linux.uidMappings = [{ containerID: 0, hostID: 1, size: 1 }];
      c.linux.gidMappings = [];
    },
    'expected mappings for the new "user" namespace, got an empty array',
  ],
  [
    "linux.uidMappings[0].size",
    (c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 1, size: 0 }]),
    "expected an integer from 1 to 4294967295, got 0",
  ],
  [
    "linux.gidMappings[0].hostID",
    (c) => (c.linux.gidMappings = [{ containerID: 0, size: 1 }]),
    `expected ${U32}, got nothing`,
  ],
  [
    "linux.timeOffsets",
    (c) => (c.linux.timeOffsets = { monotonic: { secs: 1 } }),
    'expected a new "time" namespace in linux.namespaces, got none',
  ],
  [
    "linux.timeOffsets",
    (c) => {
      c.linux.namespaces.push({ type: "time", path: "/proc/1/ns/time" });
      c.linux.timeOffsets = { boottime: { secs: 1 } };
    },
    'expected a new "time" namespace in linux.namespaces, got a joined one',
  ],
  [
    "linux.timeOffsets",
    (c) => (c.linux.timeOffsets = { realtime: {} }),
    'expected only the clocks "boottime" and "monotonic", got "realtime"',
  ],
  [
    "linux.timeOffsets.boottime.nanosecs",
    (c) => (c.linux.timeOffsets = { boottime: { nanosecs: -1 } }),
    `expected ${U32}, got -1`,
  ],
  [
    "linux.devices[0].type",
    (c) => (c.linux.devices = [{ type: "x", path: "/dev/x" }]),
    'expected one of "c", "b", "u", "p", got "x"',
  ],
  [
    "linux.devices[0].path",
    (c) => (c.linux.devices = [{ type: "c", path: "dev/x", major: 1, minor: 3 }]),
    'expected an absolute path, got "dev/x"',
  ],
  [
    "linux.devices[0].major",
    (c) => (c.linux.devices = [{ type: "c", path: "/dev/x" }]),
    `expected ${I64}, got nothing`,
  ],
  [
    "linux.devices[0].fileMode",
    (c) => (c.linux.devices = [{ type: "c", path: "/d", major: 1, minor: 3, fileMode: "0666" }]),
    `expected ${U32}, got "0666"`,
  ],
  [
    "linux.sysctl.kernel",
    (c) => (c.linux.sysctl = { kernel: {} }),
    "expected a string, got an object",
  ],
  ["linux.cgroupsPath", (c) => (c.linux.cgroupsPath = 1), "expected a string, got 1"],
  [
    "linux.rootfsPropagation",
    (c) => (c.linux.rootfsPropagation = "bogus"),
    'expected one of "private", "shared", "slave", "unbindable", "rprivate", "rshared", "rslave", "runbindable", got "bogus"',
  ],
  [
    "linux.maskedPaths[0]",
    (c) => (c.linux.maskedPaths = ["proc/kcore"]),
    'expected an absolute path, got "proc/kcore"',
  ],
  [
    "linux.readonlyPaths",
    (c) => (c.linux.readonlyPaths = "/proc/sys"),
    'expected an array, got "/proc/sys"',
  ],
  ["linux.mountLabel", (c) => (c.linux.mountLabel = false), "expected a string, got false"],
  [
    "linux.netDevices.eth0",
    (c) => (c.linux.netDevices = { eth0: "net1" }),
    'expected an object, got "net1"',
  ],
  [
    "linux.intelRdt.memBwSchema",
    (c) => (c.linux.intelRdt = { memBwSchema: "L3:0=1" }),
    'expected one line starting with "MB:", got "L3:0=1"',
  ],
  [
    "linux.intelRdt.schemata[0]",
    (c) => (c.linux.intelRdt = { schemata: ["a\nb"] }),
    'expected a line without newlines, got "a\\nb"',
  ],
  [
    "linux.memoryPolicy.mode",
    (c) => (c.linux.memoryPolicy = { nodes: "0" }),
    'expected one of "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL", got nothing',
  ],
  [
    "linux.memoryPolicy.flags[0]",
    (c) => (c.linux.memoryPolicy = { mode: "MPOL_BIND", flags: ["X"] }),
    'expected one of "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", got "X"',
  ],
  [
    "linux.personality.domain",
    (c) => (c.linux.personality = { domain: "LINUX64" }),
    'expected one of "LINUX", "LINUX32", got "LINUX64"',
  ],
  // seccomp
  [
    "linux.seccomp.defaultAction",
    (c) => (c.linux.seccomp = {}),
    'expected one of "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", got nothing',
  ],
  [
    "linux.seccomp.defaultErrnoRet",
    (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_KILL", defaultErrnoRet: 1 }),
    'expected no errno with "SCMP_ACT_KILL", got 1',
  ],
  [
    "linux.seccomp.syscalls[0].names",
    (c) =>
      (c.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: [], action: "SCMP_ACT_LOG" }],
      }),
    "expected at least one syscall name, got an empty array",
  ],
  [
    "linux.seccomp.syscalls[0].errnoRet",
    (c) =>
      (c.linux.seccomp = {
        defaultAction: "SCMP_ACT_LOG",
        syscalls: [{ names: ["x"], action: "SCMP_ACT_ALLOW", errnoRet: 1 }],
      }),
    'expected no errno with "SCMP_ACT_ALLOW", got 1',
  ],
  [
    "linux.seccomp.syscalls[0].args[0].op",
    (c) =>
      (c.linux.seccomp = {
        defaultAction: "SCMP_ACT_LOG",
        syscalls: [
          { names: ["x"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "EQ" }] },
        ],
      }),
    'expected one of "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", got "EQ"',
  ],
  [
    "linux.seccomp.architectures[0]",
    (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_LOG", architectures: ["x86_64"] }),
    'expected one of "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", got "x86_64"',
  ],
  [
    "linux.seccomp.listenerMetadata",
    (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_LOG", listenerMetadata: "m" }),
    'expected no listenerMetadata without listenerPath, got "m"',
  ],
];

/** [path under linux.resources, how to fill the empty resources object, expected detail]. */
const resourceErrors: [string, (r: Json) => void, string][] = [
  ["devices[0].allow", (r) => (r.devices = [{ access: "rwm" }]), "expected a boolean, got nothing"],
  [
    "devices[0].access",
    (r) => (r.devices = [{ allow: true }]),
    'expected some of "r", "w" and "m" (runc needs one), got nothing',
  ],
  [
    "devices[1].access",
    (r) =>
      (r.devices = [
        { allow: false, access: "rwm" },
        { allow: true, access: "" },
      ]),
    'expected some of "r", "w" and "m" (runc needs one), got ""',
  ],
  [
    "devices[0].access",
    (r) => (r.devices = [{ allow: true, access: 7 }]),
    'expected some of "r", "w" and "m" (runc needs one), got 7',
  ],
  [
    "devices[0].type",
    (r) => (r.devices = [{ allow: true, type: "p" }]),
    'expected one of "a", "c", "b", got "p"',
  ],
  ["memory.limit", (r) => (r.memory = { limit: "1g" }), `expected ${I64}, got "1g"`],
  [
    "memory.disableOOMKiller",
    (r) => (r.memory = { disableOOMKiller: 1 }),
    "expected a boolean, got 1",
  ],
  ["cpu.shares", (r) => (r.cpu = { shares: -2 }), `expected ${U64}, got -2`],
  ["cpu.cpus", (r) => (r.cpu = { cpus: 3 }), "expected a string, got 3"],
  ["pids.limit", (r) => (r.pids = { limit: 1.5 }), `expected ${I64}, got 1.5`],
  [
    "blockIO.weight",
    (r) => (r.blockIO = { weight: 70000 }),
    "expected an integer from 0 to 65535, got 70000",
  ],
  [
    "blockIO.weightDevice[0]",
    (r) => (r.blockIO = { weightDevice: [{ major: 8, minor: 0 }] }),
    "expected weight or leafWeight, got neither",
  ],
  [
    "blockIO.throttleWriteIOPSDevice[0].rate",
    (r) => (r.blockIO = { throttleWriteIOPSDevice: [{ major: 8, minor: 0 }] }),
    `expected ${U64}, got nothing`,
  ],
  [
    "hugepageLimits[0].pageSize",
    (r) => (r.hugepageLimits = [{ pageSize: "2M", limit: 1 }]),
    'expected a page size such as "2MB", got "2M"',
  ],
  [
    "network.priorities[0].priority",
    (r) => (r.network = { priorities: [{ name: "eth0" }] }),
    `expected ${U32}, got nothing`,
  ],
  [
    "rdma.mlx5_1",
    (r) => (r.rdma = { mlx5_1: {} }),
    "expected hcaHandles or hcaObjects, got neither",
  ],
  ['unified["memory.max"]', (r) => (r.unified = { "memory.max": 1 }), "expected a string, got 1"],
];

describe("validateConfig rejects", () => {
  for (const [path, mutate, detail] of linuxErrors) {
    test(`${path}: ${detail}`, () => expectRejected(path, mutate, detail));
  }
  for (const [path, fill, detail] of resourceErrors) {
    test(`linux.resources.${path}: ${detail}`, () =>
      expectRejected(
        `linux.resources.${path}`,
        (c) => {
          c.linux.resources = {};
          fill(c.linux.resources);
        },
        detail,
      ));
  }
});
