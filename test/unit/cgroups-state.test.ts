// The cgroup record in state.json as runt has written it (version 1, driver
// cgroupfs): the factory reads it back into the driver of its mode, and
// toJSON() writes it back unchanged, so containers made by older runts stay
// deletable. The records are literal copies of what `runt create` wrote on a
// hybrid host and in a private cgroup2 mount (fewer hierarchies).
import { describe, expect, test } from "bun:test";
import { cgroupManagerFromJSON } from "../../src/cgroups/index.ts";

const hybrid = {
  version: 1,
  driver: "cgroupfs",
  mode: "hybrid",
  path: "/runt/cmp",
  dirs: [
    {
      kind: "v1",
      keys: ["memory"],
      controllers: ["memory"],
      data: "memory",
      mountpoint: "/sys/fs/cgroup/memory",
      dir: "/sys/fs/cgroup/memory/runt/cmp",
    },
    {
      kind: "v1",
      keys: ["cpu", "cpuacct"],
      controllers: ["cpu", "cpuacct"],
      data: "cpu,cpuacct",
      mountpoint: "/sys/fs/cgroup/cpu,cpuacct",
      dir: "/sys/fs/cgroup/cpu,cpuacct/runt/cmp",
    },
    {
      kind: "v2",
      keys: ["unified"],
      controllers: [],
      data: "",
      mountpoint: "/sys/fs/cgroup/unified",
      dir: "/sys/fs/cgroup/unified/runt/cmp",
    },
  ],
  created: ["/sys/fs/cgroup/memory/runt/cmp", "/sys/fs/cgroup/unified/runt/cmp"],
  resources: { memory: { limit: 67108864 }, pids: { limit: 50 } },
};

const v2 = {
  version: 1,
  driver: "cgroupfs",
  mode: "v2",
  path: "/runt/cmp",
  dirs: [
    {
      kind: "v2",
      keys: ["unified"],
      controllers: [],
      data: "",
      mountpoint: "/sys/fs/cgroup",
      dir: "/sys/fs/cgroup/runt/cmp",
    },
  ],
  created: ["/sys/fs/cgroup/runt", "/sys/fs/cgroup/runt/cmp"],
  resources: {},
};

describe("the state record of the cgroupfs drivers", () => {
  test("is read back and written again unchanged, key order included", () => {
    for (const rec of [hybrid, v2]) {
      expect(JSON.stringify(cgroupManagerFromJSON(rec).toJSON())).toBe(JSON.stringify(rec));
    }
  });

  test("each mode gets its driver: cgroup mounts, paths, resources", () => {
    const h = cgroupManagerFromJSON(hybrid);
    expect(h.mode).toBe("hybrid");
    expect(h.paths.unified).toBe("/sys/fs/cgroup/unified/runt/cmp");
    expect(h.paths.cpuacct).toBe("/sys/fs/cgroup/cpu,cpuacct/runt/cmp");
    expect(h.mountSources().map((m) => [m.name, m.fstype, m.aliases])).toEqual([
      ["memory", "cgroup", []],
      ["cpu,cpuacct", "cgroup", ["cpu", "cpuacct"]],
    ]);
    expect(h.resources).toEqual(hybrid.resources);
    const u = cgroupManagerFromJSON(v2);
    expect(u.mountSources()).toEqual([
      { name: "", fstype: "cgroup2", data: "", hostPath: "/sys/fs/cgroup/runt/cmp", aliases: [] },
    ]);
    expect(u.procsFiles()).toEqual(["/sys/fs/cgroup/runt/cmp/cgroup.procs"]);
  });

  test("a record of another driver or version is refused by name", () => {
    expect(() => cgroupManagerFromJSON({ ...v2, driver: "systemd" })).toThrow(
      "the container state's cgroup record is invalid: unknown driver systemd",
    );
    expect(() => cgroupManagerFromJSON({ ...v2, version: 2 })).toThrow("unknown version 2");
    expect(() => cgroupManagerFromJSON({ ...v2, created: ["/sys/fs/cgroup/other"] })).toThrow(
      "created entry /sys/fs/cgroup/other is not one of the container's",
    );
  });
});
