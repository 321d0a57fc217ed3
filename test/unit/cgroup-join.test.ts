import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupJoin } from "../../src/cgroups/join.ts";

// Hierarchies laid out as the kernel shows them: v1 cgroups have a tasks file, v2
// ones only cgroup.procs; the container's own directories are not made yet.
const root = mkdtempSync("/tmp/runt-cgroup-join-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const [h, files] of [
  ["cpu", ["tasks", "cgroup.procs"]],
  ["memory", ["tasks", "cgroup.procs"]],
  ["unified", ["cgroup.procs"]],
] as const) {
  mkdirSync(join(root, h, "runt"), { recursive: true });
  for (const f of files) {
    writeFileSync(join(root, h, f), "");
    writeFileSync(join(root, h, "runt", f), "");
  }
}
const procs = (h: string) => join(root, h, "runt", "c1", "cgroup.procs");

describe("cgroupJoin", () => {
  test("v1 hierarchies are joined through tasks, the v2 one by spawning into it", () => {
    expect(cgroupJoin([procs("cpu"), procs("memory"), procs("unified")])).toEqual({
      files: [join(root, "cpu/runt/c1/tasks"), join(root, "memory/runt/c1/tasks")],
      spawnIn: join(root, "unified/runt/c1"),
    });
  });
  test("pure v2: nothing to write", () => {
    expect(cgroupJoin([procs("unified")])).toEqual({
      files: [],
      spawnIn: join(root, "unified/runt/c1"),
    });
  });
  test("no cgroups: nothing at all", () => {
    expect(cgroupJoin([])).toEqual({ files: [] });
  });
});
