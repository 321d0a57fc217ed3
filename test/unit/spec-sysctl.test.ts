import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CompileInput, compilePlan } from "../../src/plan/compile.ts";
import { defaultSpec } from "../../src/spec/default.ts";
import { validateConfig } from "../../src/spec/index.ts";
import { sysctlName } from "../../src/spec/validate-linux.ts";
import { base, expectRejected, type Json } from "./spec-helpers.ts";

const withNs = (c: Json, ...types: string[]) => {
  for (const type of types) c.linux.namespaces.push({ type });
};

// runc 1.1.5's answers, observed: `sysctl "vm.swappiness" is not in a separate kernel
// namespace`, `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`,
// `sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace`, ...
describe("linux.sysctl needs the namespace the sysctl belongs to, as in runc", () => {
  const ANY =
    'expected a sysctl of a namespace the container has (net.*, IPC ones, fs.mqueue.*, kernel.domainname with "uts"), got one that is not in a separate kernel namespace';
  const rejected: [string, (c: Json) => void, string][] = [
    ['linux.sysctl["vm.swappiness"]', (c) => (c.linux.sysctl = { "vm.swappiness": "60" }), ANY],
    [
      'linux.sysctl["net.ipv4.ip_forward"]',
      (c) => (c.linux.sysctl = { "net.ipv4.ip_forward": "1" }),
      'expected a "network" namespace in linux.namespaces for a net.* sysctl, got none',
    ],
    [
      'linux.sysctl["net/ipv4/ip_forward"]',
      (c) => (c.linux.sysctl = { "net/ipv4/ip_forward": "1" }),
      'expected a "network" namespace in linux.namespaces for a net.* sysctl, got none',
    ],
    [
      'linux.sysctl["kernel/shmmax"]',
      (c) => (c.linux.sysctl = { "kernel/shmmax": "1" }),
      'expected an "ipc" namespace in linux.namespaces for an IPC sysctl, got none',
    ],
    [
      'linux.sysctl["fs.mqueue.msg_max"]',
      (c) => (c.linux.sysctl = { "fs.mqueue.msg_max": "10" }),
      'expected an "ipc" namespace in linux.namespaces for an IPC sysctl, got none',
    ],
    [
      'linux.sysctl["kernel.domainname"]',
      (c) => (c.linux.sysctl = { "kernel.domainname": "x" }),
      ANY,
    ],
    [
      'linux.sysctl["kernel.hostname"]',
      (c) => {
        withNs(c, "uts");
        c.linux.sysctl = { "kernel.hostname": "x" };
      },
      'expected the hostname in "hostname", not as a sysctl, got "kernel.hostname"',
    ],
    [
      'linux.sysctl["vm.swappiness"]',
      (c) => {
        withNs(c, "network", "ipc", "uts", "cgroup");
        c.linux.sysctl = { "net.core.somaxconn": "1024", "vm.swappiness": "60" };
      },
      ANY,
    ],
  ];
  for (const [path, mutate, detail] of rejected) {
    test(`${path}: ${detail.slice(0, 60)}`, () => expectRejected(path, mutate, detail));
  }

  test("namespaced sysctls with their namespaces (new or joined) are accepted", () => {
    const c = base();
    withNs(c, "ipc", "uts");
    c.linux.namespaces.push({ type: "network", path: "/var/run/netns/x" });
    c.linux.sysctl = {
      "net.ipv4.ip_forward": "1",
      "net/ipv4/ip_unprivileged_port_start": "0",
      "kernel.shm_rmid_forced": "1",
      "fs.mqueue.msg_max": "10",
      "kernel.domainname": "example.org",
    };
    expect(validateConfig(c)).toBe(c);
  });

  test("key spelling as runc reads it", () => {
    expect(sysctlName("net/ipv4/conf/eth0.100/forwarding")).toBe(
      "net.ipv4.conf.eth0/100.forwarding",
    );
    expect(sysctlName("net.ipv4.conf.eth0/100.forwarding")).toBe(
      "net.ipv4.conf.eth0/100.forwarding",
    );
    expect(sysctlName("kernel")).toBe("kernel");
  });
});

describe("a joined network namespace that is the host's", () => {
  function input(path: string): CompileInput {
    const spec = defaultSpec({});
    if (spec.linux) {
      spec.linux.namespaces = (spec.linux.namespaces ?? []).map((ns) =>
        ns.type === "network" ? { type: "network", path } : ns,
      );
      spec.linux.sysctl = { "net.ipv4.ip_forward": "1" };
    }
    return {
      spec,
      rootfs: "/b/rootfs",
      bundle: "/b",
      fifoPath: "/f",
      noPivot: false,
      preserveFds: 0,
      cgroupProcs: [],
      cgroupMounts: [{ name: "", fstype: "cgroup2", data: "", hostPath: "/c", aliases: [] }],
      statSource: () => "dir",
    };
  }

  test("refuses net.* sysctls there, and names a path it cannot stat", () => {
    expect(() => compilePlan(input("/proc/self/ns/net"))).toThrow(
      'linux.sysctl["net.ipv4.ip_forward"]: /proc/self/ns/net is the host\'s network namespace, where a net.* sysctl is not allowed (as in runc)',
    );
    expect(() => compilePlan(input("/nonexistent/netns"))).toThrow(
      'linux.sysctl["net.ipv4.ip_forward"]: invalid netns path: ENOENT',
    );
  });

  test("another namespace file is fine", () => {
    const dir = mkdtempSync("/tmp/runt-netns-");
    try {
      writeFileSync(join(dir, "ns"), "");
      const ops = compilePlan(input(join(dir, "ns"))).ops;
      expect(ops.some((o) => o.op === "write" && o.path === "/proc/sys/net/ipv4/ip_forward")).toBe(
        true,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
