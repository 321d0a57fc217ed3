import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { hostHasUnifiedCgroups } from "../../src/spec/default.ts";
import { defaultSpec, OCI_VERSION, parseConfig, validateConfig } from "../../src/spec/index.ts";

const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

describe("defaultSpec", () => {
  test("is a valid config", () => {
    const spec = defaultSpec();
    expect(validateConfig(spec)).toBe(spec);
    expect(parseConfig(JSON.stringify(spec, null, "\t"), "config.json")).toEqual(spec);
  });

  test("describes a shell in ./rootfs like `runc spec`", () => {
    const spec = defaultSpec();
    expect(spec.ociVersion).toBe(OCI_VERSION);
    expect(OCI_VERSION).toBe("1.3.0");
    expect(spec.root).toEqual({ path: "rootfs", readonly: true });
    expect(spec.hostname).toBe("runt");
    expect(spec.process).toEqual({
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ["sh"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    });
  });

  test("grants no inheritable or ambient capabilities (CVE-2022-29162)", () => {
    const caps = defaultSpec().process.capabilities ?? {};
    expect(caps.inheritable).toBeUndefined();
    expect(caps.ambient).toBeUndefined();
  });

  test("mounts, namespaces, device rules, masked and read-only paths", () => {
    const spec = defaultSpec();
    expect(spec.mounts?.map((m) => [m.destination, m.type, m.source])).toEqual([
      ["/proc", "proc", "proc"],
      ["/dev", "tmpfs", "tmpfs"],
      ["/dev/pts", "devpts", "devpts"],
      ["/dev/shm", "tmpfs", "shm"],
      ["/dev/mqueue", "mqueue", "mqueue"],
      ["/sys", "sysfs", "sysfs"],
      ["/sys/fs/cgroup", "cgroup", "cgroup"],
    ]);
    expect(spec.mounts?.[2]?.options).toContain("gid=5");
    expect(spec.mounts?.[5]?.options).toEqual(["nosuid", "noexec", "nodev", "ro"]);
    expect(spec.linux?.namespaces?.map((n) => n.type)).toEqual([
      "pid",
      "network",
      "ipc",
      "uts",
      "mount",
      "cgroup",
    ]);
    expect(spec.linux?.resources).toEqual({ devices: [{ allow: false, access: "rwm" }] });
    expect(spec.linux?.maskedPaths).toContain("/proc/kcore");
    expect(spec.linux?.maskedPaths).toContain("/sys/firmware");
    expect(spec.linux?.readonlyPaths).toEqual([
      "/proc/bus",
      "/proc/fs",
      "/proc/irq",
      "/proc/sys",
      "/proc/sysrq-trigger",
    ]);
    expect(spec.linux?.uidMappings).toBeUndefined();
  });

  test("args replace the shell and are copied", () => {
    const args = ["/bin/echo", "hi"];
    const spec = defaultSpec({ args });
    expect(spec.process.args).toEqual(args);
    expect(spec.process.args).not.toBe(args);
  });

  test("each call returns a fresh object", () => {
    const a = defaultSpec();
    a.process.capabilities?.bounding?.push("CAP_SYS_ADMIN");
    a.mounts?.[1]?.options?.push("ro");
    a.linux?.maskedPaths?.pop();
    expect(defaultSpec()).toEqual(defaultSpec());
    expect(defaultSpec().process.capabilities?.bounding).toEqual(CAPS);
    expect(defaultSpec().process.capabilities?.effective).toEqual(CAPS);
    expect(defaultSpec().mounts?.[1]?.options).not.toContain("ro");
  });
});

describe("defaultSpec({ rootless: true })", () => {
  const spec = defaultSpec({ rootless: true });

  test("is a valid config", () => {
    expect(validateConfig(spec)).toBe(spec);
  });

  test("adds a user namespace mapping the caller to root, drops the network namespace", () => {
    expect(spec.linux?.namespaces?.map((n) => n.type)).toEqual([
      "pid",
      "ipc",
      "uts",
      "mount",
      "cgroup",
      "user",
    ]);
    expect(spec.linux?.uidMappings).toEqual([
      { containerID: 0, hostID: process.geteuid?.() ?? 0, size: 1 },
    ]);
    expect(spec.linux?.gidMappings).toEqual([
      { containerID: 0, hostID: process.getegid?.() ?? 0, size: 1 },
    ]);
  });

  test("binds /sys instead of mounting sysfs and drops uid=/gid= options", () => {
    const sys = spec.mounts?.find((m) => m.destination === "/sys");
    expect(sys).toEqual({
      destination: "/sys",
      type: "none",
      source: "/sys",
      options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
    });
    const options = spec.mounts?.flatMap((m) => m.options ?? []) ?? [];
    expect(options.filter((o) => o.startsWith("gid=") || o.startsWith("uid="))).toEqual([]);
    expect(spec.mounts?.find((m) => m.destination === "/proc")).toEqual({
      destination: "/proc",
      type: "proc",
      source: "proc",
    });
  });

  test("has no cgroup resources", () => {
    expect(spec.linux?.resources).toBeUndefined();
  });

  test("keeps everything else", () => {
    const plain = defaultSpec();
    expect(spec.process).toEqual(plain.process);
    expect(spec.root).toEqual(plain.root);
    expect(spec.linux?.maskedPaths).toEqual(plain.linux?.maskedPaths);
    expect(spec.mounts?.length).toBe(plain.mounts?.length);
  });
});

describe("defaultSpec cgroupns", () => {
  test("cgroupns: false leaves the cgroup namespace out, as runc spec on a cgroup v1 host", () => {
    const types = defaultSpec({ cgroupns: false }).linux?.namespaces?.map((n) => n.type);
    expect(types).toEqual(["pid", "network", "ipc", "uts", "mount"]);
    // runc's bats then add their own, and that config is valid (no duplicate).
    const spec = defaultSpec({ cgroupns: false });
    spec.linux?.namespaces?.push({ type: "cgroup" });
    expect(() => validateConfig(spec)).not.toThrow();
    const twice = defaultSpec({});
    twice.linux?.namespaces?.push({ type: "cgroup" });
    expect(() => validateConfig(twice)).toThrow(
      'linux.namespaces[6].type: expected each namespace type once, got a second "cgroup"',
    );
  });

  test("hostHasUnifiedCgroups says whether /sys/fs/cgroup is cgroup2", () => {
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n");
    const root = mounts.find((l) => l.split(" ")[4] === "/sys/fs/cgroup");
    const fstype = root?.split(" - ")[1]?.split(" ")[0];
    expect(hostHasUnifiedCgroups()).toBe(fstype === "cgroup2");
  });
});
