// cgroupsPath resolution, mode detection from mountinfo, and the manager's
// directory layout and saved state. Pure: no cgroup is touched.
import { describe, expect, test } from "bun:test";
import {
  CgroupError,
  cgroupManager,
  cgroupManagerFromJSON,
  detectCgroups,
  parseMountinfo,
  resolveCgroupPath,
} from "../../src/cgroups/index.ts";

// This machine's cgroup mounts (hybrid: separate cpu and cpuacct, name=systemd, unified).
const HYBRID = `22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// A systemd-era v1 host: co-mounted controllers, options around them, a foreign named hierarchy.
const V1 = `30 22 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
31 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid shared:10 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
33 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:14 - cgroup cgroup rw,cpu,cpuacct
34 30 0:31 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:15 - cgroup cgroup rw,net_cls,net_prio
35 30 0:32 / /sys/fs/cgroup/devices rw,nosuid shared:16 - cgroup cgroup rw,devices
36 30 0:33 / /sys/fs/cgroup/cpuset rw,nosuid shared:17 - cgroup cgroup rw,cpuset,clone_children
37 30 0:34 / /sys/fs/cgroup/mytool rw,nosuid shared:18 - cgroup cgroup rw,name=mytool
`;

const V2 = `25 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

describe("resolveCgroupPath", () => {
  test("empty or unset: /runt/<id>", () => {
    expect(resolveCgroupPath(undefined, "abc")).toBe("/runt/abc");
    expect(resolveCgroupPath("", "abc")).toBe("/runt/abc");
  });

  test("absolute: from each hierarchy's root, normalised", () => {
    expect(resolveCgroupPath("/a/b", "id")).toBe("/a/b");
    expect(resolveCgroupPath("//a///b/", "id")).toBe("/a/b");
    expect(resolveCgroupPath("/a/./b", "id")).toBe("/a/b");
    expect(resolveCgroupPath("/x:y:z", "id")).toBe("/x:y:z"); // colons in an absolute path are literal
  });

  test("relative: below /runt", () => {
    expect(resolveCgroupPath("a/b", "id")).toBe("/runt/a/b");
    expect(resolveCgroupPath("c1", "id")).toBe("/runt/c1");
    expect(resolveCgroupPath("a/b:c:d", "id")).toBe("/runt/a/b:c:d");
  });

  test('".." is refused', () => {
    expect(() => resolveCgroupPath("/a/../b", "id")).toThrow(/"\.\." component/);
    expect(() => resolveCgroupPath("..", "id")).toThrow(CgroupError);
    expect(() => resolveCgroupPath("a/..", "id")).toThrow(/linux\.cgroupsPath/);
  });

  test("the systemd form is refused with a pointer to --systemd-cgroup", () => {
    expect(() => resolveCgroupPath("system.slice:docker:abc", "id")).toThrow(/systemd form/);
    expect(() => resolveCgroupPath(":runt:abc", "id")).toThrow(/--systemd-cgroup/);
  });

  test("the root cgroup and bad ids are refused", () => {
    expect(() => resolveCgroupPath("/", "id")).toThrow(/root cgroup/);
    expect(() => resolveCgroupPath("///", "id")).toThrow(/root cgroup/);
    expect(() => resolveCgroupPath("", "a/b")).toThrow(/invalid container id/);
    expect(() => resolveCgroupPath("", "..")).toThrow(/invalid container id/);
    expect(() => resolveCgroupPath("/a\0b", "id")).toThrow(/NUL/);
  });
});

describe("detectCgroups", () => {
  test("hybrid: every v1 hierarchy plus unified", () => {
    const s = detectCgroups("/sys/fs/cgroup", HYBRID);
    expect(s.mode).toBe("hybrid");
    expect(s.hierarchies.map((h) => h.keys.join("+"))).toEqual([
      "cpu",
      "cpuacct",
      "cpuset",
      "memory",
      "devices",
      "freezer",
      "blkio",
      "pids",
      "name=systemd",
      "unified",
    ]);
    expect(s.hierarchies.at(-1)).toMatchObject({
      kind: "v2",
      mountpoint: "/sys/fs/cgroup/unified",
    });
  });

  test("v1: co-mounted controllers, options skipped, foreign named hierarchies left out", () => {
    const s = detectCgroups("/sys/fs/cgroup", V1);
    expect(s.mode).toBe("v1");
    const byMount = Object.fromEntries(s.hierarchies.map((h) => [h.mountpoint, h]));
    expect(byMount["/sys/fs/cgroup/cpu,cpuacct"]).toMatchObject({
      controllers: ["cpu", "cpuacct"],
      keys: ["cpu", "cpuacct"],
      data: "cpu,cpuacct",
    });
    expect(byMount["/sys/fs/cgroup/cpuset"]?.controllers).toEqual(["cpuset"]);
    expect(byMount["/sys/fs/cgroup/systemd"]).toMatchObject({
      controllers: [],
      keys: ["name=systemd"],
      data: "name=systemd",
    });
    expect(byMount["/sys/fs/cgroup/mytool"]).toBeUndefined();
  });

  test("v2: cgroup2 at the root", () => {
    const s = detectCgroups("/sys/fs/cgroup", V2);
    expect(s.mode).toBe("v2");
    expect(s.hierarchies).toEqual([
      {
        kind: "v2",
        mountpoint: "/sys/fs/cgroup",
        mountRoot: "/",
        controllers: [],
        keys: ["unified"],
        data: "",
      },
    ]);
  });

  test("a later mount on the root hides the hierarchies mounted below it before", () => {
    const s = detectCgroups("/sys/fs/cgroup", `${HYBRID}${V2.replace("25 22", "90 30")}`);
    expect(s.mode).toBe("v2");
  });

  test("the root is a parameter; a trailing slash does not matter", () => {
    const moved = HYBRID.replaceAll("/sys/fs/cgroup", "/tmp/cg root");
    // mountinfo escapes the space as \\040
    const s = detectCgroups("/tmp/cg root/", moved.replaceAll("cg root", "cg\\040root"));
    expect(s.root).toBe("/tmp/cg root");
    expect(s.hierarchies[0]?.mountpoint).toBe("/tmp/cg root/cpu");
  });

  test("nothing mounted: a clear error", () => {
    expect(() => detectCgroups("/nowhere", HYBRID)).toThrow(
      /no cgroup filesystem is mounted at \/nowhere/,
    );
  });

  test("parseMountinfo reads optional fields and escapes", () => {
    const [m] = parseMountinfo(
      "36 35 98:0 /mnt\\0401 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue",
    );
    expect(m).toEqual({
      root: "/mnt 1",
      mountpoint: "/mnt2",
      fstype: "ext3",
      superOptions: ["rw", "errors=continue"],
    });
  });
});

describe("cgroupManager layout", () => {
  test("hybrid: a directory per hierarchy, unified included", () => {
    const m = cgroupManager({ id: "c1", mountinfo: HYBRID });
    expect(m.mode).toBe("hybrid");
    expect(m.path).toBe("/runt/c1");
    expect(m.paths).toEqual({
      cpu: "/sys/fs/cgroup/cpu/runt/c1",
      cpuacct: "/sys/fs/cgroup/cpuacct/runt/c1",
      cpuset: "/sys/fs/cgroup/cpuset/runt/c1",
      memory: "/sys/fs/cgroup/memory/runt/c1",
      devices: "/sys/fs/cgroup/devices/runt/c1",
      freezer: "/sys/fs/cgroup/freezer/runt/c1",
      blkio: "/sys/fs/cgroup/blkio/runt/c1",
      pids: "/sys/fs/cgroup/pids/runt/c1",
      "name=systemd": "/sys/fs/cgroup/systemd/runt/c1",
      unified: "/sys/fs/cgroup/unified/runt/c1",
    });
    expect(m.procsFiles()).toContain("/sys/fs/cgroup/unified/runt/c1/cgroup.procs");
    expect(m.procsFiles()).toHaveLength(10);
    // Like runc, the container's cgroup mounts show the v1 hierarchies only.
    expect(m.mountSources().map((s) => s.name)).toEqual([
      "cpu",
      "cpuacct",
      "cpuset",
      "memory",
      "devices",
      "freezer",
      "blkio",
      "pids",
      "systemd",
    ]);
  });

  test("v1: co-mounted controllers share one directory and one cgroup.procs", () => {
    const m = cgroupManager({ id: "c1", path: "/x/y", mountinfo: V1 });
    expect(m.paths.cpu).toBe("/sys/fs/cgroup/cpu,cpuacct/x/y");
    expect(m.paths.cpuacct).toBe("/sys/fs/cgroup/cpu,cpuacct/x/y");
    expect(m.procsFiles().filter((f) => f.includes("cpu,cpuacct"))).toHaveLength(1);
    const cpu = m.mountSources().find((s) => s.name === "cpu,cpuacct");
    expect(cpu).toEqual({
      name: "cpu,cpuacct",
      fstype: "cgroup",
      data: "cpu,cpuacct",
      hostPath: "/sys/fs/cgroup/cpu,cpuacct/x/y",
      aliases: ["cpu", "cpuacct"],
    });
  });

  test("v2: one unified directory", () => {
    const m = cgroupManager({ id: "c1", path: "pod/c1", mountinfo: V2 });
    expect(m.paths).toEqual({ unified: "/sys/fs/cgroup/runt/pod/c1" });
    expect(m.mountSources()).toEqual([
      {
        name: "",
        fstype: "cgroup2",
        data: "",
        hostPath: "/sys/fs/cgroup/runt/pod/c1",
        aliases: [],
      },
    ]);
  });

  test("a hierarchy mounted from a sub-path (nested, no cgroupns)", () => {
    const nested = "40 30 0:37 /outer /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
    expect(cgroupManager({ id: "c", path: "/outer/c", mountinfo: nested }).paths.unified).toBe(
      "/sys/fs/cgroup/c",
    );
    expect(cgroupManager({ id: "c", path: "/other/c", mountinfo: nested }).paths.unified).toBe(
      "/sys/fs/cgroup/other/c",
    );
  });

  test("the systemd driver is refused", () => {
    expect(() => cgroupManager({ id: "c", systemd: true, mountinfo: V2 })).toThrow(
      /systemd cgroup driver/,
    );
  });
});

describe("saved state", () => {
  test("toJSON / fromJSON round trip", () => {
    const m = cgroupManager({ id: "c1", mountinfo: HYBRID });
    const again = cgroupManagerFromJSON(JSON.parse(JSON.stringify(m)));
    expect(again.toJSON()).toEqual(m.toJSON());
    expect(again.paths).toEqual(m.paths);
    expect(again.mode).toBe("hybrid");
  });

  test("a record that would let destroy() remove other cgroups is refused", () => {
    const good = cgroupManager({ id: "c1", mountinfo: HYBRID }).toJSON();
    const withCreated = (created: string[]) => ({ ...good, created });
    expect(() =>
      cgroupManagerFromJSON(
        withCreated(["/sys/fs/cgroup/memory/runt", "/sys/fs/cgroup/memory/runt/c1"]),
      ),
    ).not.toThrow();
    expect(() =>
      cgroupManagerFromJSON(withCreated(["/sys/fs/cgroup/memory/system.slice"])),
    ).toThrow(/not one of the container's/);
    expect(() => cgroupManagerFromJSON(withCreated(["/sys/fs/cgroup/memory"]))).toThrow(
      CgroupError,
    );
    const dirs = good.dirs.map((d) => ({ ...d, dir: "/etc" }));
    expect(() => cgroupManagerFromJSON({ ...good, dirs })).toThrow(/dirs entry/);
    expect(() => cgroupManagerFromJSON({ ...good, version: 2 })).toThrow(/version/);
    expect(() => cgroupManagerFromJSON(null)).toThrow(/not an object/);
  });
});
