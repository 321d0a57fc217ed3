// Real seccomp profiles for the tests: podman's default (containers-common's
// /usr/share/containers/seccomp.json, installed by scripts/setup.sh) turned into
// linux.seccomp as podman does it for a container with a given capability set.
import { existsSync, readFileSync } from "node:fs";
import type { SeccompAction, SeccompArch } from "../../src/spec/enums.ts";
import type { LinuxSeccomp, LinuxSyscall } from "../../src/spec/types.ts";

export const PODMAN_PROFILE = "/usr/share/containers/seccomp.json";

interface EngineSyscall extends LinuxSyscall {
  includes?: { caps?: string[]; arches?: string[] };
  excludes?: { caps?: string[]; arches?: string[] };
}

interface EngineProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  archMap?: { architecture: SeccompArch; subArchitectures?: SeccompArch[] }[];
  syscalls: EngineSyscall[];
}

/** Go's GOARCH names, as the profile's includes/excludes use them. */
const GOARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386" };
const NATIVE: Record<string, SeccompArch> = {
  x64: "SCMP_ARCH_X86_64",
  arm64: "SCMP_ARCH_AARCH64",
  ia32: "SCMP_ARCH_X86",
};

/** The profile for a container with these capabilities on this machine's architecture. */
export function podmanProfile(caps: string[]): LinuxSeccomp {
  if (!existsSync(PODMAN_PROFILE)) {
    throw new Error(
      `${PODMAN_PROFILE} is missing: apt-get install golang-github-containers-common`,
    );
  }
  const p = JSON.parse(readFileSync(PODMAN_PROFILE, "utf8")) as EngineProfile;
  const arch = GOARCH[process.arch] ?? process.arch;
  const native = NATIVE[process.arch];
  const archs = p.archMap?.find((a) => a.architecture === native);
  const has = (c: string) => caps.includes(c);
  const syscalls: LinuxSyscall[] = [];
  for (const s of p.syscalls) {
    const inc = s.includes ?? {};
    const exc = s.excludes ?? {};
    if (inc.arches?.length && !inc.arches.includes(arch)) continue;
    if (exc.arches?.includes(arch)) continue;
    if (inc.caps?.length && !inc.caps.every(has)) continue;
    if (exc.caps?.some(has)) continue;
    const rule: LinuxSyscall = { names: s.names, action: s.action };
    if (s.errnoRet !== undefined) rule.errnoRet = s.errnoRet;
    if (s.args?.length) rule.args = s.args;
    syscalls.push(rule);
  }
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    architectures: archs ? [archs.architecture, ...(archs.subArchitectures ?? [])] : [],
    syscalls,
  };
}
