// linux.seccomp -> the text libseccomp compiles, the BPF program, the cache, and where
// the plan loads it. The kernel's side is in test/integration/seccomp.test.ts.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type CompileInput, compilePlan } from "../../src/plan/compile.ts";
import { encodePlan, OPCODES } from "../../src/plan/encode.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import { lsmHint, lsmOps, withMountLabel } from "../../src/plan/security.ts";
import {
  actionValue,
  archName,
  compileSeccomp,
  FILTER_FLAGS,
  FLAG_NEW_LISTENER,
  FLAG_TSYNC_ESRCH,
  filterFlags,
  profileText,
} from "../../src/seccomp/compile.ts";
import type { LinuxSeccomp, Spec } from "../../src/spec/types.ts";
import { podmanProfile } from "../helpers/seccomp.ts";
import { cgroup2At, compileInput } from "./compile-input.ts";

const tmp = mkdtempSync("/tmp/runt-seccomp-unit-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("actions and flags", () => {
  test("every action has the kernel's SECCOMP_RET value", () => {
    expect(actionValue("SCMP_ACT_KILL")).toBe(0);
    expect(actionValue("SCMP_ACT_KILL_THREAD")).toBe(0);
    expect(actionValue("SCMP_ACT_KILL_PROCESS")).toBe(0x80000000);
    expect(actionValue("SCMP_ACT_TRAP")).toBe(0x00030000);
    expect(actionValue("SCMP_ACT_LOG")).toBe(0x7ffc0000);
    expect(actionValue("SCMP_ACT_ALLOW")).toBe(0x7fff0000);
    expect(actionValue("SCMP_ACT_NOTIFY")).toBe(0x7fc00000);
  });

  test("ERRNO and TRACE carry errnoRet, EPERM by default", () => {
    expect(actionValue("SCMP_ACT_ERRNO")).toBe(0x00050001);
    expect(actionValue("SCMP_ACT_ERRNO", 38)).toBe(0x00050026);
    expect(actionValue("SCMP_ACT_TRACE", 7)).toBe(0x7ff00007);
  });

  test("architecture names as libseccomp takes them", () => {
    expect(archName("SCMP_ARCH_X86_64")).toBe("x86_64");
    expect(archName("SCMP_ARCH_MIPSEL64N32")).toBe("mipsel64n32");
  });

  test("flags: each spec flag, NEW_LISTENER with NOTIFY, TSYNC_ESRCH with both", () => {
    const s: LinuxSeccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    };
    expect(filterFlags(s)).toBe(2 | 4);
    s.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"];
    // WAIT_KILLABLE_RECV means nothing without a listener, and the kernel refuses it.
    expect(filterFlags(s)).toBe(FILTER_FLAGS.SECCOMP_FILTER_FLAG_TSYNC);
    s.syscalls = [{ names: ["mkdirat"], action: "SCMP_ACT_NOTIFY" }];
    expect(filterFlags(s)).toBe(1 | 32 | FLAG_NEW_LISTENER | FLAG_TSYNC_ESRCH);
  });
});

describe("profileText", () => {
  test("default, arches, one rule per name; conditions on different arguments AND", () => {
    const text = profileText({
      defaultAction: "SCMP_ACT_ERRNO",
      defaultErrnoRet: 38,
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      syscalls: [
        { names: ["read", "write"], action: "SCMP_ACT_ALLOW" },
        {
          names: ["kill"],
          action: "SCMP_ACT_ERRNO",
          errnoRet: 33,
          args: [
            { index: 0, value: 5, op: "SCMP_CMP_EQ" },
            { index: 1, value: 12, valueTwo: 4, op: "SCMP_CMP_MASKED_EQ" },
          ],
        },
      ],
    });
    expect(text.split("\n")).toEqual([
      `default ${0x00050026}`,
      "arch x86_64",
      "arch x86",
      `rule read ${0x7fff0000}`,
      `rule write ${0x7fff0000}`,
      `rule kill ${0x00050021} 0 4 5 0 1 7 12 4`,
      "",
    ]);
  });

  test("two conditions on one argument become two rules (either matches), as runc", () => {
    const text = profileText({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        {
          names: ["kill"],
          action: "SCMP_ACT_ERRNO",
          args: [
            { index: 1, value: 3, op: "SCMP_CMP_EQ" },
            { index: 1, value: 7, op: "SCMP_CMP_EQ" },
          ],
        },
      ],
    });
    expect(text).toContain(`rule kill ${0x50001} 1 4 3 0\n`);
    expect(text).toContain(`rule kill ${0x50001} 1 4 7 0\n`);
  });

  test("a rule with the default action is dropped (libseccomp refuses it)", () => {
    const text = profileText({
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [
        { names: ["a"], action: "SCMP_ACT_ERRNO" },
        { names: ["b"], action: "SCMP_ACT_ERRNO", errnoRet: 2 },
      ],
    });
    expect(text).not.toContain("rule a ");
    expect(text).toContain("rule b ");
  });

  test("u64 values past 2^53 are clamped to the u64 range, not wrapped", () => {
    const text = profileText({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        {
          names: ["personality"],
          action: "SCMP_ACT_ERRNO",
          args: [{ index: 0, value: 2 ** 64, op: "SCMP_CMP_NE" }],
        },
      ],
    });
    expect(text).toContain(" 0 1 18446744073709551615 0");
  });
});

describe("compileSeccomp", () => {
  test("compiles podman's default profile to a BPF program", () => {
    const c = compileSeccomp(podmanProfile(["CAP_KILL"]));
    expect(c.program.length % 8).toBe(0);
    expect(c.program.length).toBeGreaterThan(8 * 50);
    expect(c.notify).toBe(false);
  });

  test("names libseccomp does not know are skipped with a debug message", () => {
    const logs: string[] = [];
    const c = compileSeccomp(
      {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["no_such_syscall", "getcwd"], action: "SCMP_ACT_ERRNO" }],
      },
      { debug: (m) => logs.push(m) },
    );
    expect(c.program.length).toBeGreaterThan(0);
    expect(logs).toEqual([
      "seccomp filter flags: 0",
      "seccomp: no_such_syscall is unknown to libseccomp on this architecture, skipped",
    ]);
  });

  test("the same profile is compiled once: the second time it comes from the cache", () => {
    const dir = join(tmp, "cache");
    const s: LinuxSeccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["getcwd"], action: "SCMP_ACT_ERRNO" }],
    };
    const logs: string[] = [];
    const a = compileSeccomp(s, { cacheDir: dir, debug: (m) => logs.push(m) });
    expect(readdirSync(dir)).toHaveLength(1);
    const b = compileSeccomp(s, { cacheDir: dir, debug: (m) => logs.push(m) });
    expect(b.program).toEqual(a.program);
    expect(logs.filter((l) => l.includes("from cache"))).toHaveLength(1);
    // A different profile is a different entry.
    compileSeccomp(
      { ...s, defaultErrnoRet: undefined, defaultAction: "SCMP_ACT_LOG" },
      { cacheDir: dir },
    );
    expect(readdirSync(dir)).toHaveLength(2);
  });

  test("a profile libseccomp refuses is a RuntError naming linux.seccomp", () => {
    expect(() =>
      compileSeccomp({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [
          {
            names: ["read"],
            action: "SCMP_ACT_ERRNO",
            args: [{ index: 9, value: 1, op: "SCMP_CMP_EQ" }],
          },
        ],
      }),
    ).toThrow(/^linux\.seccomp: libseccomp refused the profile: .*rule read/);
  });
});

function input(edit: (s: Spec) => void, over: Partial<CompileInput> = {}): CompileInput {
  return compileInput(edit, { cgroupMounts: cgroup2At("/x"), ...over });
}

const at = (ops: PlanOp[], name: string) => ops.findIndex((o) => o.op === name);
const sec = (notify: boolean) => ({ program: new Uint8Array(16).fill(0xab), flags: 2, notify });

describe("the seccomp step in the plan", () => {
  test("with no_new_privs: loaded late, by exec, right before execve", () => {
    const ops = compilePlan(input(() => void 0, { seccomp: sec(false) })).ops;
    const i = at(ops, "seccomp");
    expect(ops[i]).toEqual({
      op: "seccomp",
      flags: 2,
      notify: false,
      late: true,
      program: "ab".repeat(16),
    });
    expect(i).toBe(ops.length - 2);
    expect(at(ops, "wait")).toBe(i - 1);
  });

  test("without no_new_privs: before the credentials change (needs CAP_SYS_ADMIN), as runc", () => {
    const ops = compilePlan(
      input(
        (s) => {
          if (s.process) s.process.noNewPrivileges = false;
        },
        { seccomp: sec(false) },
      ),
    ).ops;
    const i = at(ops, "seccomp");
    expect((ops[i] as { late: boolean }).late).toBe(false);
    expect(at(ops, "user")).toBeGreaterThan(i);
    expect(at(ops, "capBounding")).toBeLessThan(i);
  });

  test("with a listener: before `wait`, while runt create can still pass the fd on", () => {
    const ops = compilePlan(input(() => void 0, { seccomp: sec(true) })).ops;
    const i = at(ops, "seccomp");
    expect((ops[i] as { notify: boolean }).notify).toBe(true);
    expect(at(ops, "wait")).toBe(i + 1);
  });

  test("no profile, no step", () => {
    expect(at(compilePlan(input(() => void 0)).ops, "seccomp")).toBe(-1);
  });

  test("encoded as opcode 40: flags, notify, late, program", () => {
    expect(OPCODES.seccomp).toBe(40);
    expect(OPCODES.lsmLabel).toBe(41);
    const bytes = encodePlan({
      version: 1,
      ops: [{ op: "seccomp", flags: 5, notify: true, late: false, program: "00" }],
    });
    const text = new TextDecoder().decode(bytes.slice(24));
    expect(new DataView(bytes.buffer).getUint32(16, true)).toBe(40);
    expect(text).toContain("5\0");
    expect(text).toContain("1\0");
  });
});

describe("LSM labels", () => {
  test("AppArmor: `exec PROFILE` to attr/apparmor/exec, falling back to attr/exec", () => {
    expect(lsmOps({ cwd: "/", user: { uid: 0, gid: 0 }, apparmorProfile: "runt-default" })).toEqual(
      [
        [
          "process.apparmorProfile",
          { op: "lsmLabel", attr: "apparmor/exec", fallback: "exec", label: "exec runt-default" },
        ],
      ],
    );
  });

  test("SELinux: the context to attr/exec", () => {
    expect(
      lsmOps({
        cwd: "/",
        user: { uid: 0, gid: 0 },
        selinuxLabel: "system_u:system_r:container_t:s0:c1,c2",
      }),
    ).toEqual([
      [
        "process.selinuxLabel",
        {
          op: "lsmLabel",
          attr: "exec",
          fallback: "",
          label: "system_u:system_r:container_t:s0:c1,c2",
        },
      ],
    ]);
  });

  test("written after fork, before any of the image's mounts (through the host's /proc)", () => {
    const ops = compilePlan(
      input((s) => {
        if (s.process) s.process.selinuxLabel = "u:r:t:s0";
      }),
    ).ops;
    const i = at(ops, "lsmLabel");
    expect(i).toBeGreaterThan(at(ops, "fork"));
    expect(i).toBeLessThan(at(ops, "openRoot"));
  });

  test("the error names the missing LSM", () => {
    expect(lsmHint("process.selinuxLabel")).toMatch(/SELinux is not enabled/);
    expect(lsmHint("process.apparmorProfile")).toMatch(/AppArmor is not enabled/);
    expect(lsmHint("mounts[0]")).toBeUndefined();
  });

  test("mountLabel: context= on tmpfs/devpts/..., never on proc, sysfs, cgroup, mqueue", () => {
    expect(withMountLabel("mode=755", "tmpfs", "s0:c1", true)).toBe('mode=755,context="s0:c1"');
    expect(withMountLabel("", "devpts", "s0:c1", true)).toBe('context="s0:c1"');
    for (const fs of ["proc", "sysfs", "cgroup", "cgroup2", "mqueue"]) {
      expect(withMountLabel("", fs, "s0:c1", true)).toBe("");
    }
    expect(withMountLabel('context="x"', "tmpfs", "s0:c1", true)).toBe('context="x"');
  });

  test("mountLabel with SELinux off is ignored, as runc does", () => {
    expect(withMountLabel("mode=755", "tmpfs", "s0:c1", false)).toBe("mode=755");
    const ops = compilePlan(
      input((s) => {
        if (s.linux) s.linux.mountLabel = "s0:c1";
      }),
    ).ops;
    expect(ops.some((o) => o.op === "mount" && o.data.includes("context="))).toBe(false);
    const labelled = compilePlan(
      input(
        (s) => {
          if (s.linux) s.linux.mountLabel = "s0:c1";
        },
        { selinux: true },
      ),
    ).ops;
    const dev = labelled.find((o) => o.op === "mount" && o.target === "/dev");
    expect(dev && dev.op === "mount" ? dev.data : "").toContain('context="s0:c1"');
  });
});

test("the cache directory is not mistaken for a container", () => {
  expect(existsSync(tmp)).toBe(true);
  expect(/^[\w+\-.]+$/.test("@seccomp")).toBe(false);
});
