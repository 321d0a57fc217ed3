// What `runt features` reports (runtime-spec features.md): plain data built from
// the same tables the validator, the plan compiler and the seccomp compiler use,
// so the list cannot claim more than runt does. Pure: the host facts it depends
// on (libseccomp and kernel versions) come in as arguments.

import { CAPABILITIES } from "../plan/constants.ts";
import { KNOWN_MOUNT_OPTIONS } from "../plan/mount-options.ts";
import { MPOL_FLAGS, MPOL_MODES } from "../plan/sched.ts";
import {
  HOOK_NAMES,
  NAMESPACE_TYPES,
  SECCOMP_ACTIONS,
  SECCOMP_ARCHES,
  SECCOMP_FLAGS,
  SECCOMP_OPERATORS,
  type SeccompArch,
  type SeccompFlag,
} from "../spec/enums.ts";

export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  mountOptions: string[];
  annotations: Record<string, string>;
  potentiallyUnsafeConfigAnnotations: string[];
  linux: {
    namespaces: string[];
    capabilities: string[];
    cgroup: { v1: boolean; v2: boolean; systemd: boolean; systemdUser: boolean; rdma: boolean };
    seccomp: {
      enabled: boolean;
      actions: string[];
      operators: string[];
      archs: string[];
      knownFlags: string[];
      supportedFlags: string[];
    };
    apparmor: { enabled: boolean };
    selinux: { enabled: boolean };
    intelRdt: { enabled: boolean; schemata: boolean; monitoring: boolean };
    memoryPolicy: { modes: string[]; flags: string[] };
    mountExtensions: { idmap: { enabled: boolean } };
    netDevices: { enabled: boolean };
  };
}

export interface FeaturesHost {
  runtVersion: string;
  specVersion: string;
  /** "2.5.4", or undefined when the addon cannot say. */
  libseccompVersion: string | undefined;
  /** uname -r, "6.1.0-18-amd64". */
  kernelRelease: string;
}

/** Architectures libseccomp learnt in 2.6.0; older versions refuse their names. */
const ARCHES_SINCE_2_6: readonly SeccompArch[] = [
  "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",
  "SCMP_ARCH_SH",
  "SCMP_ARCH_SHEB",
];

/** The kernel release (major, minor) that added each seccomp filter flag. */
const FLAG_SINCE: Record<SeccompFlag, [number, number]> = {
  SECCOMP_FILTER_FLAG_TSYNC: [3, 17],
  SECCOMP_FILTER_FLAG_LOG: [4, 14],
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: [4, 17],
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: [5, 19],
};

function version(text: string | undefined): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(text ?? "");
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function atLeast(have: [number, number], want: [number, number]): boolean {
  return have[0] !== want[0] ? have[0] > want[0] : have[1] >= want[1];
}

const sorted = (list: readonly string[]): string[] => [...new Set(list)].sort();

export function features(host: FeaturesHost): Features {
  const seccompVersion = version(host.libseccompVersion);
  const kernel = version(host.kernelRelease);
  const archs = SECCOMP_ARCHES.filter(
    (a) => atLeast(seccompVersion, [2, 6]) || !ARCHES_SINCE_2_6.includes(a),
  );
  const annotations: Record<string, string> = {
    "io.github.runt.version": host.runtVersion,
    "io.github.runt.checkpoint.enabled": "false",
  };
  if (host.libseccompVersion) {
    annotations["io.github.seccomp.libseccomp.version"] = host.libseccompVersion;
  }
  return {
    ociVersionMin: "1.0.0",
    ociVersionMax: host.specVersion,
    hooks: [...HOOK_NAMES],
    mountOptions: sorted(KNOWN_MOUNT_OPTIONS),
    annotations,
    // runt reads no annotation of config.json.
    potentiallyUnsafeConfigAnnotations: [],
    linux: {
      namespaces: sorted(NAMESPACE_TYPES),
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: host.libseccompVersion !== undefined,
        actions: sorted(SECCOMP_ACTIONS),
        operators: sorted(SECCOMP_OPERATORS),
        archs: sorted(archs),
        knownFlags: [...SECCOMP_FLAGS],
        supportedFlags: SECCOMP_FLAGS.filter((f) => atLeast(kernel, FLAG_SINCE[f])),
      },
      // runt writes exec labels for both (and refuses them on a host without the LSM).
      apparmor: { enabled: true },
      selinux: { enabled: true },
      // resctrl groups, schemata and monitoring groups (intel-rdt.ts), as runc says
      // whatever the host: a host without resctrl refuses the field at create.
      intelRdt: { enabled: true, schemata: true, monitoring: true },
      // What set_mempolicy is handed (src/plan/sched.ts), known here or not.
      memoryPolicy: { modes: Object.keys(MPOL_MODES), flags: Object.keys(MPOL_FLAGS) },
      // open_tree + MOUNT_ATTR_IDMAP (native/init/idmap.c), RTM_NEWLINK (netdev.c).
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
    },
  };
}
