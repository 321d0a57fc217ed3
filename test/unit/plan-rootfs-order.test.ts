// Where the rootfs, bind-source and seccomp steps land in a compiled plan: the read-only
// tmpfs split, the bind-source helper around the user namespace, the seccomp load
// before startContainer hooks, and the createContainer hooks' working directory.
import { describe, expect, test } from "bun:test";
import { type CompileInput, compilePlan } from "../../src/plan/compile.ts";
import { CLONE, MS } from "../../src/plan/constants.ts";
import { encodePlan } from "../../src/plan/encode.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import type { CompiledSeccomp } from "../../src/seccomp/compile.ts";
import type { Spec } from "../../src/spec/types.ts";
import { cgroup2At, compileInput } from "./compile-input.ts";

function input(edit?: (s: Spec) => void): CompileInput {
  return compileInput(edit, { cgroupMounts: cgroup2At("/sys/fs/cgroup/runt/x") });
}

const find = (ops: PlanOp[], pred: (o: PlanOp) => boolean) => ops.findIndex(pred);
const mountsAt = (ops: PlanOp[], target: string) =>
  ops.filter((o): o is Extract<PlanOp, { op: "mount" }> => o.op === "mount" && o.target === target);

describe("read-only tmpfs", () => {
  test("mounted writable, then bind-remounted read-only right after", () => {
    const { ops } = compilePlan(
      input((s) => {
        s.mounts?.push({
          destination: "/data",
          type: "tmpfs",
          source: "tmpfs",
          options: ["ro", "nosuid"],
        });
      }),
    );
    const [mount, remount] = mountsAt(ops, "/data");
    expect(mount?.flags).toBe(MS.NOSUID);
    expect(remount?.flags).toBe(MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID);
    expect(ops.indexOf(remount as PlanOp)).toBe(ops.indexOf(mount as PlanOp) + 1);
  });

  test("a read-only /dev only after the masks and the pty", () => {
    const { ops } = compilePlan(
      input((s) => {
        s.mounts?.find((m) => m.destination === "/dev")?.options?.push("ro");
        if (s.process) s.process.terminal = true;
      }),
    );
    const dev = mountsAt(ops, "/dev");
    expect(dev.map((o) => o.flags & MS.RDONLY)).toEqual([0, MS.RDONLY]);
    const last = ops.indexOf(dev[1] as PlanOp);
    expect(last).toBeGreaterThan(find(ops, (o) => o.op === "pty"));
    expect(last).toBeGreaterThan(ops.findLastIndex((o) => o.op === "mask"));
    expect(last).toBeLessThan(find(ops, (o) => o.op === "wait"));
  });
});

describe("bind sources in a user namespace", () => {
  const userns = (s: Spec) => {
    s.linux?.namespaces?.push({ type: "user" });
    s.mounts?.push({ destination: "/m", source: "src", options: ["bind"] });
  };

  test("bindSources before the user namespace, recvSources once in the mount namespace", () => {
    const { ops } = compilePlan(input(userns));
    const open = find(ops, (o) => o.op === "bindSources");
    const userUnshare = find(ops, (o) => o.op === "unshare" && o.flags === CLONE.NEWUSER);
    const mntUnshare = find(ops, (o) => o.op === "unshare" && (o.flags & CLONE.NEWNS) !== 0);
    const recv = find(ops, (o) => o.op === "recvSources");
    expect(ops[open]).toEqual({ op: "bindSources", paths: ["/b/src"] });
    expect(open).toBeLessThan(userUnshare);
    expect(recv).toBeGreaterThan(mntUnshare);
    expect(recv).toBeLessThan(find(ops, (o) => o.op === "fork"));
    // The bind names the same path, so the init finds its fd.
    expect(mountsAt(ops, "/m")[0]?.source).toBe("/b/src");
    expect(encodePlan(compilePlan(input(userns))).length).toBeGreaterThan(0);
  });

  test("without a user namespace there is no helper", () => {
    const { ops } = compilePlan(
      input((s) => s.mounts?.push({ destination: "/m", source: "src", options: ["bind"] })),
    );
    expect(ops.some((o) => o.op === "bindSources" || o.op === "recvSources")).toBe(false);
  });
});

describe("seccomp and startContainer hooks", () => {
  const seccomp: CompiledSeccomp = { program: new Uint8Array(8), flags: 0, notify: false };

  test("with startContainer hooks the filter is loaded after wait, before the hooks", () => {
    const i = input((s) => {
      s.hooks = { startContainer: [{ path: "/bin/true" }] };
    });
    const { ops } = compilePlan({ ...i, seccomp });
    const sec = find(ops, (o) => o.op === "seccomp");
    expect(ops[sec]).toMatchObject({ late: false });
    expect(sec).toBeGreaterThan(find(ops, (o) => o.op === "wait"));
    expect(sec).toBeLessThan(find(ops, (o) => o.op === "hook"));
  });

  test("without them it stays late", () => {
    const { ops } = compilePlan({ ...input(), seccomp });
    expect(ops.find((o) => o.op === "seccomp")).toMatchObject({ late: true });
  });
});

test("createContainer hooks run with the rootfs as working directory", () => {
  const { ops } = compilePlan(
    input((s) => (s.hooks = { createContainer: [{ path: "/bin/true" }] })),
  );
  const hook = find(ops, (o) => o.op === "hook");
  expect(ops.slice(hook - 2, hook)).toEqual([
    { op: "chdir", path: "/" },
    { op: "hookState", status: "created" },
  ]);
});
