// LSM labels on a host without AppArmor and with SELinux off (this machine): runt
// writes the labels as runc does, the kernel refuses them, and the error says why.
// mountLabel is dropped there, as crun drops it (runc 1.1 passes context= and its
// create fails). What the init writes where is in test/unit/seccomp.test.ts ("LSM
// labels") and docs/plan-format.md (lsmLabel).
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { hostSelinuxEnabled } from "../../src/plan/security.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  runContainer,
  runt,
  STATE_ROOT,
  testSpec,
} from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(cleanupAll);

const apparmor = (() => {
  try {
    return readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").startsWith("Y");
  } catch {
    return false;
  }
})();

describe.if(!apparmor && !hostSelinuxEnabled())("on a host without AppArmor or SELinux", () => {
  test("process.apparmorProfile: create fails, naming the field and that AppArmor is off", () => {
    const id = newId("aa");
    const spec = testSpec(["true"], (s) => {
      if (s.process) s.process.apparmorProfile = "runt-default";
    });
    const r = runt(["create", "--bundle", makeBundle(spec), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("process.apparmorProfile: write /proc/");
    expect(r.stderr).toContain("AppArmor is not enabled on this host");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
  });

  test("process.selinuxLabel: the kernel refuses the write to attr/exec (EINVAL); said clearly", () => {
    const r = runContainer(
      testSpec(["true"], (s) => {
        if (s.process) s.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2";
      }),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/process\.selinuxLabel: write \/proc\/\d+\/task\/\d+\/attr\/exec/);
    expect(r.stderr).toContain("invalid argument (EINVAL)");
    expect(r.stderr).toContain("SELinux is not enabled on this host");
  });

  test("linux.mountLabel is dropped (no context= option), as crun does without SELinux", () => {
    const spec = testSpec(["cat", "/proc/self/mounts"], (s) => {
      if (s.linux) s.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2";
    });
    const r = runt([
      "--debug",
      "--log-format",
      "json",
      "run",
      "--bundle",
      makeBundle(spec),
      newId("ml"),
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("linux.mountLabel: SELinux is not enabled on this host; ignored");
    // Every mount the label would go on (tmpfs /dev, devpts, /dev/shm) is there, unlabelled.
    expect(r.stdout).toContain("tmpfs /dev tmpfs");
    expect(r.stdout).toContain("devpts /dev/pts devpts");
    expect(r.stdout).toContain(" /dev/shm tmpfs");
    expect(r.stdout).not.toContain("context=");
  });

  test("runt exec --apparmor / --process-label are refused the same way", () => {
    const id = newId("lsmx");
    expect(runt(["run", "-d", "--bundle", makeBundle(testSpec(["sleep", "30"])), id]).status).toBe(
      0,
    );
    const a = runt(["exec", "--apparmor", "runt-default", id, "true"]);
    expect(a.status).not.toBe(0);
    expect(a.stderr).toContain("AppArmor is not enabled on this host");
    const s = runt(["exec", "--process-label", "system_u:system_r:container_t:s0", id, "true"]);
    expect(s.status).not.toBe(0);
    expect(s.stderr).toContain("SELinux is not enabled on this host");
  });
});
