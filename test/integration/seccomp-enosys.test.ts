// A profile older than the programs it confines (it names nothing past pidfd_open, as
// profiles written before Linux 5.8 do): runt answers the newer syscalls with ENOSYS,
// as runc does, so runt-init's own steps and the container's libc fall back.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LinuxSeccomp } from "../../src/spec/types.ts";
import { cleanup, cleanupAll, runContainer, testSpec } from "../helpers/runt.ts";
import { podmanProfile } from "../helpers/seccomp.ts";

/** Syscalls numbered past pidfd_open (434) on x86_64, newest last. */
const NEWER = new Set([
  "clone3",
  "close_range",
  "openat2",
  "pidfd_getfd",
  "faccessat2",
  "process_madvise",
  "epoll_pwait2",
  "mount_setattr",
  "quotactl_fd",
  "landlock_create_ruleset",
  "landlock_add_rule",
  "landlock_restrict_self",
  "memfd_secret",
  "process_mrelease",
  "futex_waitv",
  "set_mempolicy_home_node",
  "cachestat",
  "fchmodat2",
  "map_shadow_stack",
  "futex_wake",
  "futex_wait",
  "futex_requeue",
  "statmount",
  "listmount",
  "lsm_get_self_attr",
  "lsm_set_self_attr",
  "lsm_list_modules",
  "mseal",
]);

function oldProfile(): LinuxSeccomp {
  const p = podmanProfile(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
  p.syscalls = (p.syscalls ?? [])
    .map((r) => ({ ...r, names: r.names.filter((n) => !NEWER.has(n)) }))
    .filter((r) => r.names.length > 0);
  return p;
}

let dir = "";
beforeAll(() => {
  // A static probe: the errno of one raw syscall, and of one the profile allows.
  dir = mkdtempSync("/tmp/runt-enosys-");
  writeFileSync(
    join(dir, "probe.c"),
    `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  (void)argc;
  long r = syscall(atol(argv[1]), -1, "", 0, 0);
  printf("%ld %d\\n", r, r < 0 ? errno : 0);
  return 0;
}
`,
  );
  const cc = spawnSync("cc", ["-static", "-O2", "-o", join(dir, "probe"), join(dir, "probe.c")]);
  if (cc.status !== 0) throw new Error(`cc: ${cc.stderr}`);
});
afterEach(cleanup);
afterAll(() => {
  cleanupAll();
  rmSync(dir, { recursive: true, force: true });
});

const probeMount = () => ({
  destination: "/probe",
  type: "bind",
  source: join(dir, "probe"),
  options: ["bind", "ro"],
});

test("without no_new_privs (the filter loads before runt-init's last steps) the container starts", () => {
  const r = runContainer(
    testSpec(["sh", "-c", "echo started"], (s) => {
      if (s.linux) s.linux.seccomp = oldProfile();
      if (s.process) s.process.noNewPrivileges = false;
    }),
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toBe("started\n");
});

test("a syscall newer than the profile gets ENOSYS; a named one keeps the profile's answer", () => {
  const r = runContainer(
    testSpec(["sh", "-c", "/probe 439; /probe 437; /probe 1"], (s) => {
      if (s.linux) s.linux.seccomp = oldProfile();
      s.mounts = [...(s.mounts ?? []), probeMount()];
    }),
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  // faccessat2 and openat2: ENOSYS (38) from the stub; write(-1): EBADF (9) from the kernel.
  expect(r.stdout).toBe("-1 38\n-1 38\n-1 9\n");
});

test("the same syscalls under the full profile reach the kernel (the control)", () => {
  const r = runContainer(
    testSpec(["sh", "-c", "/probe 439"], (s) => {
      if (s.linux)
        s.linux.seccomp = podmanProfile(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
      s.mounts = [...(s.mounts ?? []), probeMount()];
    }),
  );
  expect(r.status).toBe(0);
  // faccessat2(-1, "", ...) from the kernel: ENOENT for the empty path, not ENOSYS.
  expect(r.stdout).toBe("-1 2\n");
});
