import { describe, expect, test } from "bun:test";
import { type CompileInput, compilePlan } from "../../src/plan/compile.ts";
import { CLONE, MOUNT_ATTR, MS } from "../../src/plan/constants.ts";
import { encodePlan, OPCODES } from "../../src/plan/encode.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import type { Spec } from "../../src/spec/types.ts";
import { validateConfig } from "../../src/spec/validate.ts";
import { cgroup2At, compileInput } from "./compile-input.ts";

/** runt spec's config without the "mount" namespace, masked and read-only paths. */
function noMountNs(edit?: (s: Spec) => void): CompileInput {
  const dropMountNs = (spec: Spec) => {
    if (spec.linux) {
      spec.linux.namespaces = (spec.linux.namespaces ?? []).filter((ns) => ns.type !== "mount");
      delete spec.linux.maskedPaths;
      delete spec.linux.readonlyPaths;
    }
    edit?.(spec);
  };
  return compileInput(dropMountNs, {
    cgroupMounts: cgroup2At("/c"),
    runtimeMountNs: "/proc/4242/ns/mnt",
  });
}

const names = (ops: PlanOp[]) => ops.map((o) => o.op);
const at = (ops: PlanOp[], name: string) => ops.findIndex((o) => o.op === name);

describe("no mount namespace", () => {
  test("the tree is made in a private namespace and the process goes back to the runtime's", () => {
    const { ops, notes } = compilePlan(noMountNs());
    const unshare = ops.find((o) => o.op === "unshare");
    expect((unshare as { flags: number }).flags & CLONE.NEWNS).toBe(CLONE.NEWNS);
    // Everything in that namespace is private first, so nothing reaches the host's peers.
    expect(ops.find((o) => o.op === "mount")).toEqual({
      op: "mount",
      source: "",
      target: "/",
      fstype: "",
      flags: MS.PRIVATE | MS.REC,
      data: "",
      mk: "none",
      hostTarget: true,
    });
    const clone = at(ops, "chrootClone");
    expect(ops[clone]).toEqual({ op: "chrootClone", mntns: "/proc/4242/ns/mnt" });
    expect(notes[clone]).toBe("linux.namespaces");
    expect(names(ops)).not.toContain("pivotRoot");
    expect(names(ops)).not.toContain("chroot");
    // Nothing is mounted after the copy is made: it cannot be changed any more.
    expect(ops.slice(clone + 1).some((o) => o.op === "mount" || o.op === "setattr")).toBe(false);
    expect(at(ops, "fork")).toBeLessThan(at(ops, "openRoot"));
  });

  test("root.readonly, the pty and a read-only /dev are done before the copy", () => {
    const { ops } = compilePlan(
      noMountNs((s) => {
        if (s.process) s.process.terminal = true;
        const dev = (s.mounts ?? []).find((m) => m.destination === "/dev");
        dev?.options?.push("ro");
      }),
    );
    const clone = at(ops, "chrootClone");
    const ro = ops.findIndex((o) => o.op === "setattr" && o.target === "/");
    expect(ops[ro]).toEqual({
      op: "setattr",
      target: "/",
      recursive: false,
      attrSet: MOUNT_ATTR.RDONLY,
      attrClr: 0,
      propagation: 0,
    });
    const devRo = ops.findIndex(
      (o) => o.op === "mount" && o.target === "/dev" && (o.flags & MS.REMOUNT) !== 0,
    );
    expect(at(ops, "pty")).toBeLessThan(devRo);
    expect(devRo).toBeLessThan(ro);
    expect(ro).toBeLessThan(clone);
    expect(names(ops)).not.toContain("readonlyRoot");
  });

  test("sysctls are written in the container's /proc after the copy; hooks come before it", () => {
    const { ops } = compilePlan(
      noMountNs((s) => {
        if (s.linux) s.linux.sysctl = { "net.ipv4.ip_forward": "1" };
        s.hooks = { createContainer: [{ path: "/bin/true" }] };
      }),
    );
    const clone = at(ops, "chrootClone");
    const sysctl = ops.findIndex((o) => o.op === "write" && o.path.startsWith("/proc/sys/"));
    expect(sysctl).toBeGreaterThan(clone);
    expect(at(ops, "hook")).toBeLessThan(clone);
  });

  test("--no-pivot changes nothing: there is no root of a namespace to move onto", () => {
    const a = compilePlan({ ...noMountNs(), noPivot: true }).ops;
    expect(names(a)).toEqual(names(compilePlan(noMountNs()).ops));
  });

  test("a new or joined mount namespace still pivots", () => {
    const joined = compilePlan(
      noMountNs((s) => s.linux?.namespaces?.push({ type: "mount", path: "/proc/1/ns/mnt" })),
    ).ops;
    expect(names(joined)).toContain("pivotRoot");
    expect(names(joined)).not.toContain("chrootClone");
  });

  test("chrootClone is opcode 34 with the namespace path", () => {
    expect(OPCODES.chrootClone).toBe(34);
    const bytes = encodePlan({ version: 1, ops: [{ op: "chrootClone", mntns: "/proc/1/ns/mnt" }] });
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(16, true)).toBe(34);
    expect(view.getUint32(20, true)).toBe(1);
    expect(new TextDecoder().decode(bytes.slice(28, 28 + 14))).toBe("/proc/1/ns/mnt");
  });
});

describe("validation without a mount namespace", () => {
  const config = (linux: Record<string, unknown>) => ({
    ociVersion: "1.3.0",
    root: { path: "rootfs" },
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" },
    linux: { namespaces: [{ type: "pid" }], ...linux },
  });

  test("masked and read-only paths are refused, as runc refuses them", () => {
    expect(() => validateConfig(config({ maskedPaths: ["/proc/kcore"] }))).toThrow(
      'linux.maskedPaths: expected no paths without a "mount" namespace in linux.namespaces, got 1 path',
    );
    expect(() => validateConfig(config({ readonlyPaths: ["/proc/sys", "/proc/bus"] }))).toThrow(
      'linux.readonlyPaths: expected no paths without a "mount" namespace in linux.namespaces, got 2 paths',
    );
  });

  test("no namespaces at all, and empty path lists, are fine", () => {
    expect(() => validateConfig(config({ maskedPaths: [], readonlyPaths: [] }))).not.toThrow();
    expect(() => validateConfig({ ...config({}), linux: {} })).not.toThrow();
  });
});
