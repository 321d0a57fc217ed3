// Validation of linux.resources (cgroup settings), also of `runt update -r FILE`.

import {
  bool,
  type Check,
  intOf,
  matching,
  optBool,
  optIntOf,
  optList,
  optMap,
  optOneOf,
  optRecord,
  optStr,
  optStrMap,
  record,
  str,
} from "./check.ts";
import { fail } from "./errors.ts";
import type {
  LinuxBlockIO,
  LinuxCPU,
  LinuxDeviceCgroup,
  LinuxHugepageLimit,
  LinuxInterfacePriority,
  LinuxMemory,
  LinuxNetwork,
  LinuxPids,
  LinuxRdma,
  LinuxResources,
  LinuxThrottleDevice,
  LinuxWeightDevice,
} from "./types.ts";

const i64 = optIntOf("int64");
const u64 = optIntOf("uint64");
const u16 = optIntOf("uint16");
const u32 = optIntOf("uint32");

const deviceRule: Check<LinuxDeviceCgroup> = (value, path) =>
  record<LinuxDeviceCgroup>(value, path, {
    allow: bool,
    type: (v, p) => optOneOf(v, p, ["a", "c", "b"] as const),
    major: i64,
    minor: i64,
    // runc requires an access string ("device access at N field cannot be empty") and
    // takes any other: "r", "w" and "m" grant, every other letter means nothing ("rwa"
    // in runc's own update.bats is "rw").
    access: (v, p) => matching(v, p, /./, 'some of "r", "w" and "m" (runc needs one)'),
  });

const weightDevice: Check<LinuxWeightDevice> = (value, path) => {
  const d = record<LinuxWeightDevice>(value, path, {
    major: intOf("int64"),
    minor: intOf("int64"),
    weight: u16,
    leafWeight: u16,
  });
  if (d.weight === undefined && d.leafWeight === undefined) {
    fail(path, "weight or leafWeight", "neither");
  }
  return d;
};

const throttleDevice: Check<LinuxThrottleDevice> = (value, path) =>
  record<LinuxThrottleDevice>(value, path, {
    major: intOf("int64"),
    minor: intOf("int64"),
    rate: intOf("uint64"),
  });

const throttles = optList(throttleDevice);

const blockIO: Check<LinuxBlockIO | undefined> = (value, path) =>
  optRecord<LinuxBlockIO>(value, path, {
    weight: u16,
    leafWeight: u16,
    weightDevice: optList(weightDevice),
    throttleReadBpsDevice: throttles,
    throttleWriteBpsDevice: throttles,
    throttleReadIOPSDevice: throttles,
    throttleWriteIOPSDevice: throttles,
  });

const hugepageLimit: Check<LinuxHugepageLimit> = (value, path) =>
  record<LinuxHugepageLimit>(value, path, {
    pageSize: (v, p) => matching(v, p, /^[1-9][0-9]*[KMG]B$/, 'a page size such as "2MB"'),
    limit: intOf("uint64"),
  });

const priority: Check<LinuxInterfacePriority> = (value, path) =>
  record<LinuxInterfacePriority>(value, path, { name: str, priority: intOf("uint32") });

const rdma: Check<LinuxRdma> = (value, path) => {
  const d = record<LinuxRdma>(value, path, { hcaHandles: u32, hcaObjects: u32 });
  if (d.hcaHandles === undefined && d.hcaObjects === undefined) {
    fail(path, "hcaHandles or hcaObjects", "neither");
  }
  return d;
};

/** linux.resources at `at` ("linux.resources"), checked and typed. */
export function validateResources(value: unknown, at: string): LinuxResources {
  return record<LinuxResources>(value, at, {
    devices: optList(deviceRule),
    memory: (v, p) =>
      optRecord<LinuxMemory>(v, p, {
        limit: i64,
        reservation: i64,
        swap: i64,
        kernel: i64,
        kernelTCP: i64,
        swappiness: u64,
        disableOOMKiller: optBool,
        useHierarchy: optBool,
        checkBeforeUpdate: optBool,
      }),
    cpu: (v, p) =>
      optRecord<LinuxCPU>(v, p, {
        shares: u64,
        burst: u64,
        period: u64,
        realtimePeriod: u64,
        quota: i64,
        realtimeRuntime: i64,
        idle: i64,
        cpus: optStr,
        mems: optStr,
      }),
    pids: (v, p) => optRecord<LinuxPids>(v, p, { limit: i64 }),
    blockIO,
    hugepageLimits: optList(hugepageLimit),
    network: (v, p) =>
      optRecord<LinuxNetwork>(v, p, { classID: u32, priorities: optList(priority) }),
    rdma: (v, p) => optMap(v, p, rdma),
    unified: optStrMap,
  });
}
