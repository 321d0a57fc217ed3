// Configs written by real tools, run by runt and (where it is installed and safe) by
// runc beside it: `runc spec` (ambient caps without inheritable ones), `runc spec
// --rootless`, a device rule with runc's "rwa", and a config without a "mount"
// namespace, where the host's mount table must be the same before and after.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  ROOTFS,
  RUNT,
  runContainer,
  runt,
  testSpec,
} from "../helpers/runt.ts";

const RUNC = "/usr/sbin/runc";
const hasRunc = existsSync(RUNC);
const RUNC_ROOT = `/run/runt-test-runc-${process.pid}`;
const dirs: string[] = [];

afterEach(() => {
  cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(() => {
  cleanupAll();
  rmSync(RUNC_ROOT, { recursive: true, force: true });
});

/** `runc spec [--rootless]` as runc writes it here, on the busybox rootfs, no terminal. */
function runcSpec(rootless: boolean, args: string[]): Spec {
  const dir = mkdtempSync("/tmp/runt-runc-spec-");
  dirs.push(dir);
  const r = spawnSync(RUNC, ["spec", "--bundle", dir, ...(rootless ? ["--rootless"] : [])]);
  expect(r.status).toBe(0);
  const spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Spec;
  spec.root = { path: ROOTFS, readonly: true };
  if (spec.process) {
    spec.process.terminal = false;
    spec.process.args = args;
  }
  return spec;
}

/** runc run in the foreground: exit status, stdout, stderr. */
function runcRun(spec: Spec): { status: number; stdout: string; stderr: string } {
  const bundle = makeBundle(spec);
  const id = `runc-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const r = spawnSync(RUNC, ["--root", RUNC_ROOT, "run", "--bundle", bundle, id], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30_000,
  });
  spawnSync(RUNC, ["--root", RUNC_ROOT, "delete", "--force", id]);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const CAP_AMB = "grep CapAmb /proc/self/status";

describe.skipIf(!hasRunc)("runc spec's config", () => {
  test("ambient caps without inheritable ones: runt runs it as runc does, raising none, and warns", () => {
    const spec = runcSpec(false, ["sh", "-c", CAP_AMB]);
    // What this machine's runc writes: ambient, but no inheritable set.
    expect(spec.process?.capabilities?.ambient?.length).toBeGreaterThan(0);
    expect(spec.process?.capabilities?.inheritable ?? []).toEqual([]);
    const ours = runContainer(spec);
    expect({ status: ours.status, stdout: ours.stdout }).toEqual({
      status: 0,
      stdout: "CapAmb:\t0000000000000000\n",
    });
    expect(ours.stderr).toContain(
      "process.capabilities.ambient: cannot raise CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE",
    );
    const theirs = runcRun(spec);
    expect({ status: theirs.status, stdout: theirs.stdout }).toEqual({
      status: ours.status,
      stdout: ours.stdout,
    });
  });

  test("runc spec --rootless, run by root: accepted by both", () => {
    const spec = runcSpec(true, ["sh", "-c", "cat /proc/self/uid_map"]);
    expect(spec.linux?.namespaces?.some((ns) => ns.type === "user")).toBe(true);
    const ours = runContainer(spec);
    const theirs = runcRun(spec);
    expect(ours.status).toBe(0);
    expect({ status: theirs.status, stdout: theirs.stdout.trim().split(/\s+/) }).toEqual({
      status: ours.status,
      stdout: ours.stdout.trim().split(/\s+/),
    });
  });

  test('a device rule with runc\'s "rwa" means "rw", as in runc', () => {
    const spec = runcSpec(false, [
      "sh",
      "-c",
      "grep '^c 99:99 ' /sys/fs/cgroup/devices/devices.list",
    ]);
    if (spec.linux) {
      spec.linux.resources = {
        devices: [
          { allow: false, access: "rwm" },
          { allow: true, type: "c", major: 99, minor: 99, access: "rwa" },
        ],
      };
    }
    // On a cgroup v2 host there is no devices.list to show the rule; v1 here.
    if (!existsSync("/sys/fs/cgroup/devices/devices.list")) return;
    const ours = runContainer(spec);
    expect({ status: ours.status, stdout: ours.stdout }).toEqual({
      status: 0,
      stdout: "c 99:99 rw\n",
    });
    const theirs = runcRun(spec);
    expect({ status: theirs.status, stdout: theirs.stdout }).toEqual({
      status: 0,
      stdout: ours.stdout,
    });
  });
});

describe("ambient capabilities the kernel can raise", () => {
  test("permitted and inheritable: raised, no warning", () => {
    const caps = ["CAP_KILL", "CAP_NET_BIND_SERVICE"];
    const r = runContainer(
      testSpec(["sh", "-c", CAP_AMB], (s) => {
        if (s.process) {
          s.process.capabilities = {
            bounding: caps,
            effective: caps,
            permitted: caps,
            inheritable: caps,
            ambient: caps,
          };
        }
      }),
    );
    // CAP_KILL (5) and CAP_NET_BIND_SERVICE (10).
    expect(r).toEqual({ status: 0, stdout: "CapAmb:\t0000000000000420\n", stderr: "" });
  });
});

describe("sysctls outside the container's namespaces", () => {
  test("a host-wide sysctl is refused before anything is made, as runc refuses it", () => {
    // The host's own value: were it written, nothing would change.
    const value = readFileSync("/proc/sys/vm/swappiness", "utf8").trim();
    const spec = testSpec(["true"], (s) => {
      if (s.linux) s.linux.sysctl = { "vm.swappiness": value };
    });
    const id = newId("sysctl");
    const r = runt(["run", "--bundle", makeBundle(spec), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'linux.sysctl["vm.swappiness"]: expected a sysctl of a namespace the container has',
    );
    expect(runt(["state", id]).status).not.toBe(0);
    if (hasRunc) expect(runcRun(spec).stderr).toContain("is not in a separate kernel namespace");
  });
});

describe("process.user ids runc refuses", () => {
  test("uid 4294967295 (-1 to setresuid, which would leave the process root) is refused", () => {
    const spec = testSpec(["id", "-u"], (s) => {
      if (s.process) s.process.user = { uid: 4294967295, gid: 4294967295 };
    });
    const r = runContainer(spec);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: "" });
    expect(r.stderr).toContain(
      "process.user.uid: expected an id from 0 to 2147483647 (as runc), got 4294967295",
    );
    if (hasRunc) expect(runcRun(spec).stderr).toContain("uids and gids must be in range");
  });
});

/** The built runt's init knows chrootClone (the C half of a mount-namespace-less container). */
function initHasChrootClone(): boolean {
  try {
    return readFileSync(RUNT).includes("fchdir clone of");
  } catch {
    return false;
  }
}

/** Mount points of this process's namespace (what a leak would add to). */
const mountTable = () =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ").slice(3, 5).join(" "))
    .sort();

describe.skipIf(!initHasChrootClone())("no mount namespace", () => {
  function noMountNs(args: string[], edit?: (s: Spec) => void): Spec {
    return testSpec(args, (s) => {
      if (s.linux) {
        s.linux.namespaces = (s.linux.namespaces ?? []).filter((ns) => ns.type !== "mount");
        delete s.linux.maskedPaths;
        delete s.linux.readonlyPaths;
      }
      edit?.(s);
    });
  }

  test("the process is in runt's mount namespace, with its /proc and /dev; the host's table is unchanged", () => {
    const before = mountTable();
    const r = runContainer(
      noMountNs([
        "sh",
        "-c",
        "readlink /proc/self/ns/mnt; ls /dev/null /dev/pts/ptmx; cat /proc/self/cgroup >/dev/null && echo proc; touch /ro 2>&1 || true",
      ]),
    );
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe(readlinkSync("/proc/self/ns/mnt"));
    expect(lines.slice(1, 4)).toEqual(["/dev/null", "/dev/pts/ptmx", "proc"]);
    // root.readonly still holds (runc ignores it without a mount namespace).
    expect(lines[4]).toContain("Read-only file system");
    expect(mountTable()).toEqual(before);
  });

  test("a detached container: nothing shows in the host's table while it runs or after", () => {
    const before = mountTable();
    const id = newId("nomnt");
    const spec = noMountNs(["sleep", "30"]);
    expect(runt(["run", "-d", "-b", makeBundle(spec), id]).status).toBe(0);
    const state = JSON.parse(runt(["state", id]).stdout) as { pid: number };
    expect(readlinkSync(`/proc/${state.pid}/ns/mnt`)).toBe(readlinkSync("/proc/self/ns/mnt"));
    // The container's root is its own tree: its /bin/sleep is busybox, not the host's.
    expect(readlinkSync(`/proc/${state.pid}/root/bin/sleep`)).toBe("/bin/busybox");
    expect(mountTable()).toEqual(before);
    expect(runt(["delete", "--force", id]).status).toBe(0);
    expect(mountTable()).toEqual(before);
  });

  test("masked paths without a mount namespace: one clear error, as runc refuses them", () => {
    const spec = testSpec(["true"], (s) => {
      if (s.linux)
        s.linux.namespaces = (s.linux.namespaces ?? []).filter((n) => n.type !== "mount");
    });
    const r = runContainer(spec);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'linux.maskedPaths: expected no paths without a "mount" namespace in linux.namespaces',
    );
  });
});
