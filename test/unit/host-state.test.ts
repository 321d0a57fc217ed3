// The host-state comparison the test command and the per-test guard rely on.
import { expect, test } from "bun:test";
import { deviceChanges, deviceNodes, hostChanges, hostState } from "../../scripts/host-state.ts";

test("a device node's owner, group or mode change is named; unchanged nodes are not", () => {
  const before = new Map([
    ["/dev/null", "0:0:666"],
    ["/dev/zero", "0:0:666"],
    ["/dev/gone", "0:0:600"],
  ]);
  const after = new Map([
    ["/dev/null", "1000:0:666"],
    ["/dev/zero", "0:0:666"],
    ["/dev/new", "0:0:600"],
  ]);
  expect(deviceChanges(before, after)).toEqual([
    "device node changed: /dev/null uid:gid:mode 0:0:666 -> 1000:0:666",
    "device node removed: /dev/gone (was 0:0:600)",
    "device node added: /dev/new 0:0:600",
  ]);
});

test("mounts, cgroup directories and containers' processes left behind are named", () => {
  const s = hostState();
  const later = {
    ...s,
    mounts: new Set([...s.mounts, "/tmp/x tmpfs"]),
    cgroups: new Set([...s.cgroups, "/sys/fs/cgroup/memory/left"]),
    contained: new Map([...s.contained, [999999, "sh /tmp/rootfs"]]),
  };
  expect(hostChanges(s, later)).toEqual([
    "mount added: /tmp/x tmpfs",
    "cgroup directory added: /sys/fs/cgroup/memory/left",
    "a container's process left running: pid 999999 (sh /tmp/rootfs)",
  ]);
  expect(hostChanges(s, s)).toEqual([]);
});

test("the host's /dev/null is among the nodes read, with its real owner and mode", () => {
  expect(deviceNodes().get("/dev/null")).toMatch(/^\d+:\d+:[0-7]+$/);
});
