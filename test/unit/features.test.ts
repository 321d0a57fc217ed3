// Every list of `runt features` against the tables runt acts on. Its check against the
// runtime-spec's features schema is the conformance run's (scripts/conformance.ts
// --suite schema).
import { describe, expect, test } from "bun:test";
import { main } from "../../src/cli/main.ts";
import { features } from "../../src/container/features.ts";
import { parseMountOptions } from "../../src/plan/mount-options.ts";
import { validateConfig } from "../../src/spec/index.ts";
import { stdio } from "../../src/stdio.ts";
import { base } from "./spec-helpers.ts";

const HOST = {
  runtVersion: "0.1.0",
  specVersion: "1.3.0",
  libseccompVersion: "2.5.4",
  kernelRelease: "6.1.0-18-amd64",
};

describe("features", () => {
  test("every mount option is one parseMountOptions acts on, not filesystem data", () => {
    const { mountOptions } = features(HOST);
    expect(mountOptions.length).toBeGreaterThan(40);
    for (const opt of mountOptions) {
      expect({ opt, data: parseMountOptions([opt]).data }).toEqual({ opt, data: "" });
    }
    // Idmapped bind mounts (native/init/idmap.c).
    for (const opt of ["idmap", "ridmap"]) expect(mountOptions).toContain(opt);
  });

  test("every namespace and capability it lists is accepted by the validator", () => {
    const f = features(HOST);
    const spec = base();
    const ids = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.linux = {
      namespaces: f.linux.namespaces.map((type) => ({ type })),
      uidMappings: ids,
      gidMappings: ids,
    };
    spec.process = {
      ...(spec.process as object),
      capabilities: { bounding: f.linux.capabilities },
    };
    expect(() => validateConfig(spec as never)).not.toThrow();
  });

  test("archs and flags follow libseccomp and the kernel", () => {
    const old = features(HOST).linux.seccomp;
    expect(old.archs).toContain("SCMP_ARCH_X86_64");
    expect(old.archs).not.toContain("SCMP_ARCH_LOONGARCH64");
    const newer = features({ ...HOST, libseccompVersion: "2.6.0" }).linux.seccomp;
    expect(newer.archs).toContain("SCMP_ARCH_LOONGARCH64");
    expect(old.supportedFlags).toEqual(old.knownFlags);
    const k = features({ ...HOST, kernelRelease: "5.4.0" }).linux.seccomp;
    expect(k.supportedFlags).not.toContain("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    expect(k.supportedFlags).toContain("SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    const none = features({ ...HOST, libseccompVersion: undefined });
    expect(none.linux.seccomp.enabled).toBe(false);
    expect(none.annotations["io.github.seccomp.libseccomp.version"]).toBeUndefined();
  });

  test("memory policy modes and flags: every one the validator takes", () => {
    const { memoryPolicy } = features(HOST).linux;
    expect(memoryPolicy.modes).toContain("MPOL_WEIGHTED_INTERLEAVE");
    for (const mode of memoryPolicy.modes) {
      const nodes = mode === "MPOL_DEFAULT" || mode === "MPOL_LOCAL" ? undefined : "0";
      const spec = base();
      spec.linux = { memoryPolicy: { mode, nodes, flags: [memoryPolicy.flags[0]] } };
      expect(() => validateConfig(spec as never)).not.toThrow();
    }
    expect(memoryPolicy.flags.sort()).toEqual([
      "MPOL_F_NUMA_BALANCING",
      "MPOL_F_RELATIVE_NODES",
      "MPOL_F_STATIC_NODES",
    ]);
  });

  test("says what runt does not do", () => {
    const { linux, annotations } = features(HOST);
    expect(linux.cgroup.systemd).toBe(false);
    expect(linux.cgroup.systemdUser).toBe(false);
    expect(annotations["io.github.runt.checkpoint.enabled"]).toBe("false");
  });

  test("says what runt does since runtime-spec 1.3: idmapped mounts, network devices, Intel RDT", () => {
    const { linux } = features(HOST);
    expect(linux.mountExtensions.idmap.enabled).toBe(true);
    expect(linux.netDevices.enabled).toBe(true);
    expect(linux.intelRdt).toEqual({ enabled: true, schemata: true, monitoring: true });
  });

  test("runt features prints it as JSON, and refuses arguments", async () => {
    const chunks: string[] = [];
    const write = stdio.out;
    stdio.out = (s) => chunks.push(s) > 0;
    let code: number;
    try {
      code = await main(["features"]);
    } finally {
      stdio.out = write;
    }
    expect(code).toBe(0);
    const printed = JSON.parse(chunks.join(""));
    expect(printed.ociVersionMax).toBe("1.3.0");
    // Its check against features-schema.json is the conformance run's ("runt features").
    expect(await main(["features", "extra"])).toBe(1);
  });
});
