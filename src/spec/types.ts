// Types for the OCI runtime-spec 1.3 documents runt reads and writes: config.json
// (Spec), the state printed by `runt state` (State) and `runt features` (Features).
//
// Optional fields follow the JSON schemas in the runtime-spec repository. Numbers are
// JS numbers: uint64 values above 2^53 lose precision in JSON.parse, so use u64()
// from ./numbers.ts when one has to reach the kernel exactly (e.g. RLIM_INFINITY).

import type {
  ContainerStatus,
  DeviceCgroupType,
  DeviceType,
  HookName,
  IOPriorityClass,
  MemoryPolicyFlag,
  MemoryPolicyMode,
  NamespaceType,
  PersonalityDomain,
  RlimitType,
  RootfsPropagation,
  SchedulerFlag,
  SchedulerPolicy,
  SeccompAction,
  SeccompArch,
  SeccompFlag,
  SeccompOperator,
} from "./enums.ts";

// ---------------------------------------------------------------- config.json

export interface Spec {
  ociVersion: string;
  /** REQUIRED on Linux. */
  root?: Root;
  mounts?: Mount[];
  /** REQUIRED when the container is started. */
  process?: Process;
  hostname?: string;
  domainname?: string;
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
  // Other platforms' sections; runt ignores them.
  solaris?: unknown;
  windows?: unknown;
  vm?: unknown;
  zos?: unknown;
  freebsd?: unknown;
}

export interface Root {
  /** Relative paths are relative to the bundle. */
  path: string;
  readonly?: boolean;
}

export interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface Mount {
  /** Absolute path in the container (a relative one is deprecated and means relative to "/"). */
  destination: string;
  source?: string;
  options?: string[];
  type?: string;
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
}

export interface Process {
  terminal?: boolean;
  consoleSize?: Box;
  /** Not marked optional by the spec's prose; runt requires it. */
  user: User;
  /** At least one entry (used like execvp's file). */
  args?: string[];
  /** Windows only. */
  commandLine?: string;
  env?: string[];
  /** Absolute path. */
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
  ioPriority?: LinuxIOPriority;
  scheduler?: LinuxScheduler;
  execCPUAffinity?: CPUAffinity;
}

export interface Box {
  height: number;
  width: number;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  /** Windows only. */
  username?: string;
}

export interface LinuxCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface Rlimit {
  type: RlimitType;
  soft: number;
  hard: number;
}

export interface LinuxIOPriority {
  class: IOPriorityClass;
  priority: number;
}

export interface LinuxScheduler {
  policy: SchedulerPolicy;
  nice?: number;
  priority?: number;
  flags?: SchedulerFlag[];
  runtime?: number;
  deadline?: number;
  period?: number;
}

export interface CPUAffinity {
  initial?: string;
  final?: string;
}

export interface Hook {
  /** Absolute path. */
  path: string;
  args?: string[];
  env?: string[];
  /** Seconds, > 0. */
  timeout?: number;
}

export type Hooks = { [name in HookName]?: Hook[] };

export interface Linux {
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  timeOffsets?: { boottime?: TimeOffset; monotonic?: TimeOffset };
  sysctl?: Record<string, string>;
  resources?: LinuxResources;
  cgroupsPath?: string;
  namespaces?: LinuxNamespace[];
  devices?: LinuxDevice[];
  netDevices?: Record<string, LinuxNetDevice>;
  seccomp?: LinuxSeccomp;
  rootfsPropagation?: RootfsPropagation;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: LinuxIntelRdt;
  memoryPolicy?: LinuxMemoryPolicy;
  personality?: LinuxPersonality;
}

export interface TimeOffset {
  secs?: number;
  nanosecs?: number;
}

export interface LinuxNamespace {
  type: NamespaceType;
  /** Absolute path of a namespace file to join; absent: create a new namespace. */
  path?: string;
}

export interface LinuxDevice {
  type: DeviceType;
  /** Absolute path in the container. */
  path: string;
  /** REQUIRED unless type is "p". */
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface LinuxNetDevice {
  name?: string;
}

export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  rdma?: Record<string, LinuxRdma>;
  unified?: Record<string, string>;
}

export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: DeviceCgroupType;
  major?: number;
  minor?: number;
  /** Some of "r", "w", "m". */
  access?: string;
}

export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface LinuxPids {
  /** -1 (or any value <= 0) means no limit. */
  limit?: number;
}

export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

export interface LinuxWeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface LinuxThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface LinuxHugepageLimit {
  /** "<size><K|M|G>B", e.g. "2MB". */
  pageSize: string;
  limit: number;
}

export interface LinuxNetwork {
  classID?: number;
  priorities?: LinuxInterfacePriority[];
}

export interface LinuxInterfacePriority {
  name: string;
  priority: number;
}

export interface LinuxRdma {
  hcaHandles?: number;
  hcaObjects?: number;
}

export interface LinuxSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: SeccompArch[];
  flags?: SeccompFlag[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

export interface LinuxSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

export interface LinuxSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface LinuxIntelRdt {
  closID?: string;
  schemata?: string[];
  l3CacheSchema?: string;
  memBwSchema?: string;
  enableMonitoring?: boolean;
}

export interface LinuxMemoryPolicy {
  mode: MemoryPolicyMode;
  nodes?: string;
  flags?: MemoryPolicyFlag[];
}

export interface LinuxPersonality {
  domain: PersonalityDomain;
  flags?: string[];
}

// ---------------------------------------------------------------- state

/** What `runt state` prints (the runtime-spec's state), not runt's private state file. */
export interface State {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  /** Present when status is "created" or "running". */
  pid?: number;
  /** Absolute path of the bundle. */
  bundle: string;
  annotations?: Record<string, string>;
}

// ---------------------------------------------------------------- features

/** What `runt features` prints. */
export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks?: string[];
  mountOptions?: string[];
  annotations?: Record<string, string>;
  potentiallyUnsafeConfigAnnotations?: string[];
  linux?: LinuxFeatures;
}

export interface LinuxFeatures {
  namespaces?: NamespaceType[];
  capabilities?: string[];
  cgroup?: {
    v1?: boolean;
    v2?: boolean;
    systemd?: boolean;
    systemdUser?: boolean;
    rdma?: boolean;
  };
  seccomp?: {
    enabled?: boolean;
    actions?: SeccompAction[];
    operators?: SeccompOperator[];
    archs?: SeccompArch[];
    knownFlags?: SeccompFlag[];
    supportedFlags?: SeccompFlag[];
  };
  apparmor?: { enabled?: boolean };
  selinux?: { enabled?: boolean };
  intelRdt?: { enabled?: boolean; schemata?: boolean; monitoring?: boolean };
  memoryPolicy?: { modes?: MemoryPolicyMode[]; flags?: MemoryPolicyFlag[] };
  mountExtensions?: { idmap?: { enabled?: boolean } };
  netDevices?: { enabled?: boolean };
}
