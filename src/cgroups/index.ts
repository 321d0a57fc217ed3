// runt's cgroup support: placement (cgroupsPath, every hierarchy of a v1, v2 or
// hybrid host), the device allow-list, every other linux.resources limit
// (resources.ts says which file gets which value, write-plan.ts writes them),
// stats, the freezer and the OOM counter.
//
// The drivers: driver.ts is the interface (CgroupManager); driver-v1.ts (v1 and
// hybrid hosts) and driver-v2.ts (the unified hierarchy) implement it on the
// cgroup filesystems, sharing driver-cgroupfs.ts; factory.ts picks one, on
// create from the host, later from the record state-codec.ts reads. A systemd
// driver would be a third implementation (factory.ts says where it plugs in).
export { DEVICE_PROGRAM_LICENSE, deviceProgram, deviceProgramInsns, encodeInsns } from "./bpf.ts";
export type { DeviceCgroupInput, DeviceNodeInput, DeviceRule, DeviceState } from "./devices.ts";
export {
  DEFAULT_DEVICE_RULES,
  deviceRuleString,
  deviceState,
  effectiveDeviceRules,
  parseDevicesList,
  v1DeviceWrites,
} from "./devices.ts";
export type {
  CgroupDir,
  CgroupManager,
  CgroupManagerOptions,
  CgroupManagerState,
  CgroupMountSource,
} from "./driver.ts";
export { cgroupManager, cgroupManagerFromJSON } from "./factory.ts";
export type { CgroupMode, CgroupSetup, Hierarchy } from "./mode.ts";
export { DEFAULT_CGROUP_ROOT, detectCgroups, parseMountinfo } from "./mode.ts";
export { RUNT_PARENT, resolveCgroupPath } from "./path.ts";
export type { CgroupWrite } from "./resources.ts";
export {
  blkioWeightToIoWeight,
  sharesToWeight,
  swapToV2,
  v1Writes,
  v2Writes,
} from "./resources.ts";
export type { Stats } from "./stats.ts";
export { CgroupError } from "./util.ts";
