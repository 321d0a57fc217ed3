// The cgroupfs driver against the real kernel (root). On this hybrid host a
// container gets a directory in every v1 hierarchy and in the unified one; the
// v2-only behaviour (device program) runs in a private mount namespace with
// cgroup2 mounted at /sys/fs/cgroup. Every test works below its own
// /runt-test-* prefix and removes it, even when it fails.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import {
  type CgroupManager,
  cgroupManager,
  cgroupManagerFromJSON,
  detectCgroups,
  deviceRuleString,
  deviceState,
  effectiveDeviceRules,
  parseDevicesList,
} from "../../src/cgroups/index.ts";
import { waitForSync } from "../helpers/harness.ts";
import { forceCleanup, leftovers, testPrefix } from "./cgroups-cleanup.ts";

const isRoot = process.getuid?.() === 0;
const setup = isRoot ? detectCgroups() : undefined;
const ADDON = `${import.meta.dir}/../../native/build/runt.node`;

const prefixes: string[] = [];
function prefix(tag: string): string {
  const p = testPrefix(tag);
  prefixes.push(p);
  return p;
}

afterEach(() => {
  for (const p of prefixes.splice(0)) forceCleanup(p);
});

/** Put a process into the container's cgroups the way runt-init joins them. */
function join(mgr: CgroupManager, pid: number): void {
  for (const f of mgr.procsFiles()) writeFileSync(f, String(pid));
}

/** /proc/<pid>/cgroup as hierarchy ("cpu", "name=systemd", "" for v2) -> path. */
function procCgroups(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const [, ctrls = "", ...path] = line.split(":");
    out.set(ctrls, path.join(":"));
  }
  return out;
}

const waitFor = (cond: () => boolean, ms = 3000) => waitForSync("the cgroup", cond, ms);

describe.skipIf(!isRoot)("cgroupfs driver on this host", () => {
  test("placement in every hierarchy, devices, killAll, destroy", async () => {
    const p = prefix("place");
    const mgr = cgroupManager({ id: "c1", path: `${p}/c1` });
    expect(mgr.mode).toBe(setup?.mode ?? "hybrid");
    const child = Bun.spawn(["sleep", "1000"]);
    try {
      mgr.create();
      const dirs = [...new Set(Object.values(mgr.paths))];
      expect(dirs).toHaveLength(setup?.hierarchies.length ?? 0);
      for (const d of dirs) expect(existsSync(d)).toBe(true);

      join(mgr, child.pid);
      // Every hierarchy the process is in shows the container's path: all v1
      // ones (cpu ... name=systemd) and, on hybrid, the unified one ("0::").
      const seen = procCgroups(child.pid);
      for (const h of setup?.hierarchies ?? []) {
        const key = h.kind === "v2" ? "" : h.data;
        expect(`${key} ${seen.get(key)}`).toBe(`${key} ${p}/c1`);
      }
      expect(mgr.pids()).toEqual([child.pid]);

      const rules = [
        { allow: false, access: "rwm" },
        { allow: true, type: "c", major: 10, minor: 229, access: "rw" },
      ];
      mgr.applyDevices(rules, [{ path: "/dev/full" }]);
      const list = readFileSync(`${mgr.paths.devices}/devices.list`, "utf8");
      expect(list.trim().split("\n").sort()).toEqual(
        [
          "b *:* m",
          "c *:* m",
          "c 1:3 rwm",
          "c 1:5 rwm",
          "c 1:8 rwm",
          "c 1:9 rwm",
          "c 5:0 rwm",
          "c 5:2 rwm",
          "c 10:200 rwm",
          "c 10:229 rw",
          "c 136:* rwm",
        ].sort(),
      );
      const expected = deviceState(effectiveDeviceRules(rules, [{ path: "/dev/full" }]));
      expect(parseDevicesList(list).exceptions.map(deviceRuleString)).toEqual(
        expected.exceptions.map(deviceRuleString),
      );
      // Applying the same rules again writes nothing (no reset on a live cgroup).
      mgr.applyDevices(rules, [{ path: "/dev/full" }]);
      expect(readFileSync(`${mgr.paths.devices}/devices.list`, "utf8")).toBe(list);

      mgr.killAll();
      await child.exited;
      expect(child.signalCode).toBe("SIGKILL");
      expect(mgr.pids()).toEqual([]);

      mgr.destroy();
      expect(leftovers(p)).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("the kernel enforces the v1 allow-list", () => {
    const p = prefix("v1dev");
    const mgr = cgroupManager({ id: "c1", path: `${p}/c1` });
    mgr.create();
    mgr.applyDevices([{ allow: false, access: "rwm" }], [{ path: "/dev/full" }]);
    const script = [
      `for f in ${mgr.procsFiles().join(" ")}; do echo 0 > $f; done`,
      "if cat /dev/null; then echo NULL_OK; fi",
      "if head -c 1 /dev/zero >/dev/null; then echo ZERO_OK; fi",
      "if head -c 1 /dev/full >/dev/null; then echo FULL_OK; else echo FULL_DENIED; fi",
    ].join("\n");
    const r = Bun.spawnSync(["sh", "-c", script]);
    expect(r.stdout.toString().trim().split("\n")).toEqual(["NULL_OK", "ZERO_OK", "FULL_DENIED"]);
    expect(r.stderr.toString()).toContain("Operation not permitted");
    mgr.destroy();
    expect(leftovers(p)).toEqual([]);
  });

  test("killAll: a signal to a process tree with a sub-cgroup, then SIGKILL of a fork loop", async () => {
    const p = prefix("kill");
    const mgr = cgroupManager({ id: "c1", path: `${p}/c1` });
    mgr.create();
    // The shell forks its children only once it has been moved in (the line on stdin).
    const tree = Bun.spawn(["sh", "-c", "read go; sleep 1000 & sleep 1000 & wait"], {
      stdin: "pipe",
    });
    try {
      join(mgr, tree.pid);
      tree.stdin.write("go\n");
      tree.stdin.end();
      waitFor(() => mgr.pids().length === 3);
      const sub = `${mgr.paths.pids}/nested`;
      mkdirSync(sub);
      // A sub-cgroup the "container" made, in one hierarchy, holding one process.
      const helper = Bun.spawn(["sleep", "1000"]);
      join(mgr, helper.pid);
      writeFileSync(`${sub}/cgroup.procs`, String(helper.pid));
      waitFor(() => mgr.pids().length === 4);
      expect(mgr.pids()).toContain(helper.pid);
      // pids() sees every hierarchy, the sub-cgroup included; the process left the leaf.
      expect(readFileSync(`${mgr.paths.pids}/cgroup.procs`, "utf8")).not.toContain(
        `${helper.pid}\n`,
      );

      mgr.killAll("SIGTERM");
      await tree.exited;
      await helper.exited;
      expect(tree.signalCode).toBe("SIGTERM");
      expect(helper.signalCode).toBe("SIGTERM");
      waitFor(() => mgr.pids().length === 0);
      // The freezer was thawed again.
      expect(readFileSync(`${mgr.paths.freezer}/freezer.state`, "utf8").trim()).toBe("THAWED");

      // A fork loop, bounded by pids.max: killAll must not lose the race.
      writeFileSync(`${mgr.paths.pids}/pids.max`, "64");
      const loop = Bun.spawn(["sh", "-c", "read go; while :; do sleep 1000 & done"], {
        stdin: "pipe",
        stderr: "ignore",
      });
      join(mgr, loop.pid);
      loop.stdin.write("go\n");
      loop.stdin.end();
      waitFor(() => mgr.pids().length > 20);
      mgr.killAll();
      expect(mgr.pids()).toEqual([]);
      await loop.exited;

      mgr.destroy(); // removes pids/.../c1/nested too
      expect(leftovers(p)).toEqual([]);
    } finally {
      tree.kill("SIGKILL");
    }
  });

  test("killAll on a paused (frozen) container: a signal keeps it frozen, SIGKILL still kills", async () => {
    const p = prefix("paused");
    const mgr = cgroupManager({ id: "c1", path: `${p}/c1` });
    mgr.create();
    const child = Bun.spawn(["sleep", "1000"]);
    try {
      join(mgr, child.pid);
      const state = `${mgr.paths.freezer}/freezer.state`;
      writeFileSync(state, "FROZEN");
      waitFor(() => readFileSync(state, "utf8").trim() === "FROZEN");
      mgr.killAll("SIGTERM");
      expect(readFileSync(state, "utf8").trim()).toBe("FROZEN");
      expect(mgr.pids()).toEqual([child.pid]);
      mgr.killAll();
      expect(mgr.pids()).toEqual([]);
      await child.exited;
      // The pending SIGTERM or the SIGKILL, whichever the thaw delivered first.
      expect(["SIGTERM", "SIGKILL"]).toContain(String(child.signalCode));
      mgr.destroy();
      expect(leftovers(p)).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("destroy from saved state removes only what runt made; a shared parent stays while used", () => {
    const p = prefix("state");
    const a = cgroupManager({ id: "a", path: `${p}/a` });
    const b = cgroupManager({ id: "b", path: `${p}/b` });
    a.create();
    b.create();
    const aState = JSON.parse(JSON.stringify(a));
    expect(aState.created).toContain(`${setup?.hierarchies[0]?.mountpoint}${p}`);
    expect(b.toJSON().created.every((d) => d.endsWith(`${p}/b`))).toBe(true);

    // a was the one that made the parent, but b still lives below it.
    cgroupManagerFromJSON(aState).destroy();
    for (const d of Object.values(a.paths)) expect(existsSync(d)).toBe(false);
    expect(leftovers(p)).toHaveLength(setup?.hierarchies.length ?? -1);

    // b did not make the parent: it leaves it alone.
    cgroupManagerFromJSON(JSON.parse(JSON.stringify(b))).destroy();
    for (const d of Object.values(b.paths)) expect(existsSync(d)).toBe(false);
    expect(leftovers(p)).toHaveLength(setup?.hierarchies.length ?? -1);

    // Made by a container that is gone and now empty: a new owner cleans it up.
    const c = cgroupManager({ id: "c", path: `${p}/c` });
    c.create();
    const parentsOfC = c.toJSON().created.filter((d) => !d.endsWith("/c"));
    expect(parentsOfC).toEqual([]);
    c.destroy();
    cgroupManagerFromJSON(aState).destroy(); // idempotent: everything is ENOENT or removable
    expect(leftovers(p)).toEqual([]);
  });

  test("create rolls back what it made when a hierarchy fails", () => {
    const p = prefix("rollback");
    // A hierarchy whose mount point does not exist, listed after the real ones.
    const mountinfo = `${readFileSync("/proc/self/mountinfo", "utf8")}99 30 0:99 / /sys/fs/cgroup/zz-missing rw - cgroup cgroup rw,zzctl\n`;
    const mgr = cgroupManager({ id: "c1", path: `${p}/c1`, mountinfo });
    expect(mgr.paths.zzctl).toBe(`/sys/fs/cgroup/zz-missing${p}/c1`);
    expect(() => mgr.create()).toThrow(/mkdir \/sys\/fs\/cgroup\/zz-missing.*ENOENT/);
    expect(leftovers(p)).toEqual([]);
  });

  test("create twice and destroy twice are fine", () => {
    const p = prefix("idem");
    const mgr = cgroupManager({ id: "c1", path: `${p}/c1` });
    mgr.create();
    mgr.create(); // existing directories are fine, nothing recorded twice
    expect(mgr.toJSON().created).toHaveLength(2 * (setup?.hierarchies.length ?? 0));
    mgr.destroy();
    mgr.destroy();
    expect(leftovers(p)).toEqual([]);
  });
});

describe.skipIf(!isRoot || !existsSync(ADDON))("cgroup v2 in a private mount namespace", () => {
  test("device program: /dev/null opens, /dev/full is EPERM; cgroup.kill; destroy", () => {
    const p = prefix("v2");
    const child = `${import.meta.dir}/cgroups-v2-child.ts`;
    const sh = [
      "mount --make-rprivate /",
      "umount -R /sys/fs/cgroup",
      "mount -t cgroup2 none /sys/fs/cgroup",
      `exec ${process.execPath} ${child} ${p}`,
    ].join(" && ");
    const r = Bun.spawnSync(["unshare", "-m", "sh", "-c", sh], { timeout: 30000 });
    const stderr = r.stderr.toString();
    expect({ exit: r.exitCode, stderr: r.exitCode === 0 ? "" : stderr }).toEqual({
      exit: 0,
      stderr: "",
    });
    const out = JSON.parse(r.stdout.toString());
    expect(out.error).toBeUndefined();
    expect(out.mode).toBe("v2");
    expect(out.paths).toEqual({ unified: `/sys/fs/cgroup${p}/c1` });
    expect(out.attachedPrograms).toBe(1);
    expect(out.devices).toEqual(["NULL_OK", "ZERO_OK", "FULL_DENIED"]);
    expect(out.devicesStderr).toContain("Operation not permitted");
    expect(out.killedBy).toBe("SIGKILL");
    expect(out.termedBy).toBe("SIGTERM");
    expect(out.frozenAfterTerm).toBe("0");
    expect(out.pidsAfter).toEqual([]);
    expect(out.leftover).toBe(false);
    // The same hierarchy is the host's /sys/fs/cgroup/unified: nothing left there either.
    expect(leftovers(p)).toEqual([]);
  });
});
