// Idmapped mounts and linux.netDevices without root: what the validator refuses (runc
// 1.2+'s rules, with the JSON path), and the ops the plan gets for them.
import { describe, expect, test } from "bun:test";
import { compilePlan } from "../../src/plan/compile.ts";
import { parseMountOptions } from "../../src/plan/mount-options.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import type { Spec } from "../../src/spec/types.ts";
import { compileInput } from "./compile-input.ts";
import { base, expectRejected, type Json } from "./spec-helpers.ts";

const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
const userns = (c: Json) => {
  c.linux.namespaces.push({ type: "user" });
  c.linux.uidMappings = MAP;
  c.linux.gidMappings = MAP;
};
const bind = (options: string[], extra: Json = {}) => ({
  destination: "/data",
  source: "/srv/data",
  type: "bind",
  options,
  ...extra,
});

describe("idmapped mounts: what the validator refuses", () => {
  const cases: [string, (c: Json) => void, string][] = [
    [
      "mounts[0].options[0]",
      (c) => {
        userns(c);
        c.mounts = [{ destination: "/t", type: "tmpfs", source: "tmpfs", options: ["idmap"] }];
      },
      'expected a bind mount (type "bind", or a "bind"/"rbind" option): runc idmaps only bind mounts, got type "tmpfs"',
    ],
    [
      "mounts[0].uidMappings",
      (c) => {
        c.mounts = [
          { destination: "/t", type: "tmpfs", source: "tmpfs", uidMappings: MAP, gidMappings: MAP },
        ];
      },
      'expected a bind mount (type "bind", or a "bind"/"rbind" option): runc idmaps only bind mounts, got type "tmpfs"',
    ],
    [
      "mounts[0].options[1]",
      (c) => (c.mounts = [bind(["rbind", "ridmap"])]),
      'expected uidMappings and gidMappings on the mount or a "user" namespace for "ridmap", got neither',
    ],
    [
      "mounts[0].uidMappings",
      (c) => (c.mounts = [bind(["bind"], { uidMappings: [], gidMappings: MAP })]),
      "expected at least one mapping, got an empty array",
    ],
    [
      "mounts[0].uidMappings",
      (c) => (c.mounts = [bind(["bind"], { gidMappings: MAP })]),
      "expected uidMappings alongside gidMappings, got nothing",
    ],
  ];
  for (const [path, mutate, detail] of cases)
    test(`${path}: ${detail}`, () => expectRejected(path, mutate, detail));

  test("allowed: explicit mappings without a user namespace (runc 1.2+), or the container's", async () => {
    const { validateConfig } = await import("../../src/spec/index.ts");
    const c = base();
    c.mounts = [bind(["bind"], { uidMappings: MAP, gidMappings: MAP })];
    expect(() => validateConfig(c)).not.toThrow();
    const d = base();
    userns(d);
    d.mounts = [bind(["rbind", "idmap"])];
    expect(() => validateConfig(d)).not.toThrow();
  });
});

describe("linux.netDevices: what the validator refuses", () => {
  const net = (c: Json) => c.linux.namespaces.push({ type: "network" });
  const cases: [string, (c: Json) => void, string][] = [
    [
      "linux.netDevices",
      (c) => (c.linux.netDevices = { eth0: {} }),
      'expected no devices to move without a "network" namespace in linux.namespaces, got some',
    ],
    [
      'linux.netDevices["a/b"]',
      (c) => {
        net(c);
        c.linux.netDevices = { "a/b": {} };
      },
      'expected an interface name of 1 to 15 characters without "/", ":" or spaces, not "." or "..", got "a/b"',
    ],
    [
      "linux.netDevices.eth0.name",
      (c) => {
        net(c);
        c.linux.netDevices = { eth0: { name: "a-name-of-16-chr" } };
      },
      'expected an interface name of 1 to 15 characters without "/", ":" or spaces, not "." or "..", got "a-name-of-16-chr"',
    ],
    [
      "linux.netDevices.eth1.name",
      (c) => {
        net(c);
        c.linux.netDevices = { eth0: {}, eth1: { name: "eth0" } };
      },
      'expected a name no other device takes (linux.netDevices.eth0 does), got "eth0"',
    ],
    [
      "linux.netDevices.eth0.name",
      (c) => {
        net(c);
        c.linux.netDevices = { eth0: { name: 5 } };
      },
      "expected a string, got 5",
    ],
  ];
  for (const [path, mutate, detail] of cases)
    test(`${path}: ${detail}`, () => expectRejected(path, mutate, detail));
});

function plan(edit: (s: Spec) => void) {
  return compilePlan(compileInput(edit));
}
const ofKind = <K extends PlanOp["op"]>(ops: PlanOp[], k: K) =>
  ops.filter((o): o is Extract<PlanOp, { op: K }> => o.op === k);
const linux = (s: Spec) => {
  s.linux ??= {};
  return s.linux;
};

describe("idmapped mounts in the plan", () => {
  test("idmap without mappings takes the container's; the helper runs; nothing goes to mount data", () => {
    const p = plan((s) => {
      linux(s).namespaces?.push({ type: "user" });
      linux(s).uidMappings = MAP;
      linux(s).gidMappings = [{ containerID: 0, hostID: 200000, size: 10 }];
      s.mounts = [bind(["rbind", "idmap", "ro"]), { ...bind(["bind"]), destination: "/plain" }];
    });
    const [m] = ofKind(p.ops, "idmapMount");
    expect(m).toEqual({
      op: "idmapMount",
      source: "/srv/data",
      target: "/data",
      mk: "dir",
      recursive: true,
      ridmap: false,
      userns: "",
      uidMap: "0 100000 65536\n",
      gidMap: "0 200000 10\n",
    });
    // Its read-only remount follows it, as for any bind.
    const i = p.ops.indexOf(m as PlanOp);
    expect(p.ops[i + 1]).toMatchObject({ op: "mount", target: "/data", flags: 0x1000 | 0x20 | 1 });
    expect(p.notes[i]).toBe("mounts[0]");
    // The idmapped source is not opened as a plain bind source; the other one is.
    expect(ofKind(p.ops, "bindSources")[0]?.paths).toEqual(["/srv/data"]);
    expect(ofKind(p.ops, "recvSources")).toHaveLength(1);
    expect(parseMountOptions(["idmap", "ridmap", "ro"]).data).toBe("");
  });

  test("a joined user namespace is used by its path; explicit mappings as given; ridmap", () => {
    const joined = plan((s) => {
      linux(s).namespaces?.push({ type: "user", path: "/proc/42/ns/user" });
      s.mounts = [bind(["bind", "ridmap"])];
    });
    expect(ofKind(joined.ops, "idmapMount")[0]).toMatchObject({
      userns: "/proc/42/ns/user",
      uidMap: "",
      ridmap: true,
      recursive: false,
    });
    const explicit = plan((s) => {
      s.mounts = [
        bind(["bind"], {
          uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
          gidMappings: [
            { containerID: 0, hostID: 1000, size: 1 },
            { containerID: 5, hostID: 2000, size: 3 },
          ],
        }),
      ];
    });
    expect(ofKind(explicit.ops, "idmapMount")[0]).toMatchObject({
      userns: "",
      uidMap: "0 1000 1\n",
      gidMap: "0 1000 1\n5 2000 3\n",
    });
    // No user namespace: the helper still comes, with no plain sources to open.
    expect(ofKind(explicit.ops, "bindSources")[0]?.paths).toEqual([]);
  });

  test("no idmapped mount, no user namespace: no helper", () => {
    const p = plan((s) => {
      s.mounts = [bind(["bind"])];
    });
    expect(ofKind(p.ops, "bindSources")).toEqual([]);
    expect(ofKind(p.ops, "idmapMount")).toEqual([]);
  });
});

describe("network devices in the plan", () => {
  test("one netDevice op each, after recvSources and before fork, named as asked", () => {
    const p = plan((s) => {
      linux(s).namespaces?.push({ type: "network" });
      linux(s).netDevices = { "veth-a": { name: "eth1" }, dummy0: {} };
    });
    const ops = p.ops.map((o) => o.op);
    const devs = ofKind(p.ops, "netDevice");
    expect(devs).toEqual([
      { op: "netDevice", hostName: "veth-a", name: "eth1" },
      { op: "netDevice", hostName: "dummy0", name: "dummy0" },
    ]);
    const at = p.ops.indexOf(devs[0] as PlanOp);
    expect(ops.indexOf("recvSources")).toBeLessThan(at);
    expect(ops.lastIndexOf("unshare")).toBeLessThan(at);
    expect(ops.indexOf("fork")).toBeGreaterThan(at + 1);
    expect(p.notes[at]).toBe('linux.netDevices["veth-a"]');
    expect(p.notes[at + 1]).toBe("linux.netDevices.dummy0");
    expect(ofKind(p.ops, "bindSources")[0]?.paths).toEqual([]);
  });
});
