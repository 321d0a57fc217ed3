// linux.intelRdt without resctrl (this host has none): every write the plan makes,
// where, in which order, run against a directory standing in for /sys/fs/resctrl,
// what delete removes, and the refusals (no resctrl, no CAT/MBA, a bad closID).
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  applyRdt,
  checkIntelRdt,
  destroyRdt,
  rdtPlan,
  rdtWrites,
} from "../../src/container/intel-rdt.ts";
import { expectRejected } from "./spec-helpers.ts";

const FULL = {
  l3CacheSchema: "L3:0=ff;1=c0",
  memBwSchema: "MB:0=20;1=70",
  schemata: ["L2:0=f"],
  enableMonitoring: true,
};

describe("the resctrl plan", () => {
  test("no closID: a group named after the container, removable, every write in runc's order", () => {
    const plan = rdtPlan(FULL, "c1");
    expect(plan).toEqual({
      group: "/sys/fs/resctrl/c1",
      mustExist: false,
      removable: true,
      schemata: "L3:0=ff;1=c0\nMB:0=20;1=70\nL2:0=f\n",
      monGroup: "/sys/fs/resctrl/c1/mon_groups/c1",
    });
    expect(rdtWrites(plan, 4242)).toEqual([
      { op: "mkdir", path: "/sys/fs/resctrl/c1" },
      { op: "write", path: "/sys/fs/resctrl/c1/tasks", content: "4242" },
      { op: "mkdir", path: "/sys/fs/resctrl/c1/mon_groups/c1" },
      { op: "write", path: "/sys/fs/resctrl/c1/mon_groups/c1/tasks", content: "4242" },
      {
        op: "write",
        path: "/sys/fs/resctrl/c1/schemata",
        content: "L3:0=ff;1=c0\nMB:0=20;1=70\nL2:0=f\n",
      },
    ]);
  });

  test("closID alone: the group must exist, is joined, and is never removed", () => {
    const plan = rdtPlan({ closID: "gold" }, "c1");
    expect(plan).toEqual({
      group: "/sys/fs/resctrl/gold",
      mustExist: true,
      removable: false,
      schemata: undefined,
      monGroup: undefined,
    });
    expect(rdtWrites(plan, 7)).toEqual([
      { op: "exists", path: "/sys/fs/resctrl/gold" },
      { op: "mkdir", path: "/sys/fs/resctrl/gold" },
      { op: "write", path: "/sys/fs/resctrl/gold/tasks", content: "7" },
    ]);
  });

  test('closID with a schema may be made; closID "/" is the root group', () => {
    expect(rdtPlan({ closID: "g", memBwSchema: "MB:0=50" }, "c").mustExist).toBe(false);
    expect(rdtPlan({ closID: "/" }, "c").group).toBe("/sys/fs/resctrl");
  });
});

describe("applyRdt and destroyRdt on a stand-in resctrl root", () => {
  let root = "";
  beforeEach(() => {
    root = mkdtempSync("/tmp/runt-resctrl-");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("makes the groups, writes the pid and the schemata; delete removes its own group", () => {
    const plan = rdtPlan(FULL, "c1", root);
    // resctrl makes mon_groups in every group itself; a plain directory does not.
    mkdirSync(join(root, "c1", "mon_groups"), { recursive: true });
    const record = applyRdt(plan, 4242, root);
    expect(record).toEqual({
      group: join(root, "c1"),
      made: false, // made above, standing in for the kernel's mon_groups
      removable: true,
      monGroup: join(root, "c1/mon_groups/c1"),
    });
    expect(readFileSync(join(root, "c1/tasks"), "utf8")).toBe("4242");
    expect(readFileSync(join(root, "c1/mon_groups/c1/tasks"), "utf8")).toBe("4242");
    expect(readFileSync(join(root, "c1/schemata"), "utf8")).toBe(
      "L3:0=ff;1=c0\nMB:0=20;1=70\nL2:0=f\n",
    );
    // The group was there already, so only the monitoring group goes.
    rmSync(join(root, "c1/mon_groups/c1/tasks"));
    destroyRdt(record);
    expect(existsSync(join(root, "c1/mon_groups/c1"))).toBe(false);
    expect(existsSync(join(root, "c1"))).toBe(true);
  });

  test("a group runt made is removed at delete", () => {
    const record = applyRdt(rdtPlan({ memBwSchema: "MB:0=10" }, "c2", root), 9, root);
    expect(record.made).toBe(true);
    for (const f of ["tasks", "schemata"]) rmSync(join(root, "c2", f));
    destroyRdt(record);
    expect(existsSync(join(root, "c2"))).toBe(false);
  });

  test("closID without schemata and no such group: refused, nothing made", () => {
    expect(() => applyRdt(rdtPlan({ closID: "gold" }, "c", root), 1, root)).toThrow(
      `linux.intelRdt.closID: ${root}/gold does not exist; a group named by closID without any schemata must be made beforehand`,
    );
    expect(existsSync(join(root, "gold"))).toBe(false);
  });

  test("a refused write names the file, the value and resctrl's last_cmd_status", () => {
    mkdirSync(join(root, "info"));
    writeFileSync(join(root, "info/last_cmd_status"), "Unknown or unsupported resource name 'X'\n");
    const plan = rdtPlan({ schemata: ["X:0=1"] }, "c3", root);
    // A directory where the file should be: the write fails as resctrl's would.
    mkdirSync(join(root, "c3/schemata"), { recursive: true });
    expect(() => applyRdt(plan, 5, root)).toThrow(
      new RegExp(
        `^linux\\.intelRdt: write "X:0=1\\\\n" to ${root}/c3/schemata: .*; last_cmd_status: Unknown or unsupported resource name 'X'$`,
      ),
    );
  });
});

describe("checkIntelRdt", () => {
  const mountinfo = (root: string) =>
    `22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n40 22 0:35 / ${root} rw shared:20 - resctrl resctrl rw\n`;

  test("no resctrl mounted (this host): refused, naming the field and /sys/fs/resctrl", () => {
    expect(() =>
      checkIntelRdt({ closID: "g" }, readFileSync("/proc/self/mountinfo", "utf8")),
    ).toThrow(
      "linux.intelRdt: Intel RDT needs the resctrl filesystem at /sys/fs/resctrl, which this host does not have (a CPU with RDT, then mount -t resctrl resctrl /sys/fs/resctrl); remove linux.intelRdt from config.json",
    );
  });

  test("resctrl without CAT or MBA refuses the schema for it (runc: not enabled)", () => {
    const root = mkdtempSync("/tmp/runt-resctrl-");
    try {
      expect(() => checkIntelRdt({ closID: "g" }, mountinfo(root), root)).not.toThrow();
      expect(() => checkIntelRdt({ l3CacheSchema: "L3:0=f" }, mountinfo(root), root)).toThrow(
        `linux.intelRdt.l3CacheSchema: Intel RDT/CAT is not enabled on this host (no ${root}/info/L3); remove the field`,
      );
      mkdirSync(join(root, "info/L3"), { recursive: true });
      expect(() => checkIntelRdt({ l3CacheSchema: "L3:0=f" }, mountinfo(root), root)).not.toThrow();
      expect(() => checkIntelRdt({ memBwSchema: "MB:0=5" }, mountinfo(root), root)).toThrow(
        "Intel RDT/MBA is not enabled",
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("linux.intelRdt.closID validation (runc's rule)", () => {
  const detail = 'expected a resctrl group name without "/", not "." or "..", got';
  for (const bad of [".", "..", "a/b", "../x"]) {
    test(JSON.stringify(bad), () =>
      expectRejected(
        "linux.intelRdt.closID",
        (c) => (c.linux.intelRdt = { closID: bad }),
        `${detail} ${JSON.stringify(bad)}`,
      ),
    );
  }
});
