// runt's cgroup support: placement (cgroupsPath, every hierarchy of a v1, v2 or
// hybrid host), the device allow-list, every other linux.resources limit
// (resources.ts says which file gets which value, apply.ts writes them), stats,
// the freezer and the OOM counter. A systemd driver goes behind the same
// CgroupManager interface later.
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
} from "./manager.ts";
export { cgroupManager, cgroupManagerFromJSON } from "./manager.ts";
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
