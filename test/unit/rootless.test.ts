import { describe, expect, test } from "bun:test";
import { cgroupManager, cgroupManagerFromJSON } from "../../src/cgroups/index.ts";
import { stateRoot } from "../../src/cli/state-root.ts";
import { parseRootlessFlag } from "../../src/container/rootless.ts";
import { isSelfMapping, subidRanges } from "../../src/container/rootless-create.ts";

describe("--rootless", () => {
  test("runc's words: true, false, auto (and ParseBool's spellings)", () => {
    expect(parseRootlessFlag(undefined)).toBe("auto");
    expect(parseRootlessFlag("auto")).toBe("auto");
    for (const t of ["1", "t", "true", "TRUE", "True"]) expect(parseRootlessFlag(t)).toBe(true);
    for (const f of ["0", "f", "false", "FALSE"]) expect(parseRootlessFlag(f)).toBe(false);
    expect(() => parseRootlessFlag("yes")).toThrow('--rootless: invalid value "yes"');
  });
});

describe("subid ranges", () => {
  const text = "alice:100000:65536\n1001:300000:10\nbob:200000:65536\nbad line\nalice:x:1\n";
  test("by name and by uid, [start, end)", () => {
    expect(subidRanges(text, 1001, "alice")).toEqual([
      [100000, 165536],
      [300000, 300010],
    ]);
    expect(subidRanges(text, 1002, "carol")).toEqual([]);
  });
  test("a self mapping is one range of size 1 at the caller's id", () => {
    expect(isSelfMapping([{ containerID: 0, hostID: 7, size: 1 }], 7)).toBe(true);
    expect(isSelfMapping([{ containerID: 0, hostID: 7, size: 2 }], 7)).toBe(false);
    expect(isSelfMapping([{ containerID: 0, hostID: 8, size: 1 }], 7)).toBe(false);
    expect(isSelfMapping([], 7)).toBe(false);
  });
});

describe("state root", () => {
  test("--root wins over XDG_RUNTIME_DIR, and needs nothing made", () => {
    const r = stateRoot("/x", "/run/runt", { XDG_RUNTIME_DIR: "/y" });
    expect(r.root).toBe("/x");
    expect(() => r.ensure()).not.toThrow();
  });
});

// This machine's hierarchies (hybrid), as test/unit/cgroups-path.test.ts has them.
const HYBRID = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"]
  .map((c, i) => `${31 + i} 30 0:${28 + i} / /sys/fs/cgroup/${c} rw - cgroup cgroup rw,${c}`)
  .concat([
    "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd",
    "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
  ])
  .join("\n");

/** A manager left with only the hierarchies `keep` names, as dropUnwritable leaves one. */
function onlyIn(keep: string[]) {
  const json = cgroupManager({ id: "c", mountinfo: HYBRID }).toJSON();
  return cgroupManagerFromJSON({
    ...json,
    dirs: json.dirs.filter((d) => d.keys.some((k) => keep.includes(k))),
  });
}

describe("linux.resources without the cgroups for them (rootless)", () => {
  test("the first field whose controller is missing, devices never", () => {
    const m = onlyIn(["freezer", "memory"]);
    expect(Object.keys(m.paths).sort()).toEqual(["freezer", "memory"]);
    expect(m.unplaceable({ memory: { limit: 1 << 24 } })).toBeNull();
    expect(m.unplaceable({ memory: { limit: 1 << 24 }, pids: { limit: 5 } })).toBe(
      "linux.resources.pids.limit",
    );
    expect(m.unplaceable({ devices: [{ allow: false, access: "rwm" }] })).toBeNull();
    expect(m.unplaceable({ unified: { "pids.max": "5" } })).toBe("linux.resources.unified");
  });
  test("no cgroup at all: anything but devices is refused; nothing asked is fine", () => {
    const m = onlyIn([]);
    expect(m.paths).toEqual({});
    expect(m.unplaceable({})).toBeNull();
    expect(m.unplaceable({ cpu: { shares: 512 } })).toBe("linux.resources.cpu.shares");
  });
});
