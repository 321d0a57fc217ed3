import { describe, expect, test } from "bun:test";
import { type CompileInput, compilePlan } from "../../src/plan/compile.ts";
import { CLONE, MS } from "../../src/plan/constants.ts";
import { encodePlan, OPCODES } from "../../src/plan/encode.ts";
import { parseMountOptions } from "../../src/plan/mount-options.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import { defaultSpec } from "../../src/spec/default.ts";
import type { Spec } from "../../src/spec/types.ts";
import { cgroup2At, compileInput } from "./compile-input.ts";

function input(edit?: (s: Spec) => void, over: Partial<CompileInput> = {}): CompileInput {
  return compileInput(edit, {
    cgroupProcs: ["/sys/fs/cgroup/memory/runt/x/cgroup.procs"],
    cgroupMounts: cgroup2At("/sys/fs/cgroup/runt/x"),
    statSource: (p) => (p.endsWith(".txt") ? "file" : p.includes("missing") ? null : "dir"),
    ...over,
  });
}

const names = (ops: PlanOp[]) => ops.map((o) => o.op);
const index = (ops: PlanOp[], pred: (o: PlanOp) => boolean) => ops.findIndex(pred);

describe("compilePlan ordering", () => {
  const plan = compilePlan(input());
  const ops = plan.ops;

  test("joins the cgroup before entering any namespace, and forks PID 1 after", () => {
    expect(ops[0]).toEqual({
      op: "write",
      path: "/sys/fs/cgroup/memory/runt/x/cgroup.procs",
      content: "0",
      inRoot: false,
    });
    const unshare = index(ops, (o) => o.op === "unshare");
    expect(unshare).toBeGreaterThan(0);
    expect(index(ops, (o) => o.op === "fork")).toBeGreaterThan(unshare);
  });

  test("unshares every new namespace of the default config", () => {
    const u = ops.find((o) => o.op === "unshare");
    const want =
      CLONE.NEWPID | CLONE.NEWNET | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWNS | CLONE.NEWCGROUP;
    expect(u).toEqual({ op: "unshare", flags: want });
  });

  test("mounts in config order, pivots, then masks, and execs last", () => {
    const mounts = ops
      .filter((o) => o.op === "mount" && !o.hostTarget)
      .map((o) => (o as { target: string }).target);
    const configured = (defaultSpec({}).mounts ?? []).map((m) => m.destination);
    const firsts = configured.map((d) => mounts.indexOf(d));
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    const pivot = index(ops, (o) => o.op === "pivotRoot");
    expect(index(ops, (o) => o.op === "mask")).toBeGreaterThan(pivot);
    expect(index(ops, (o) => o.op === "readonlyRoot")).toBeGreaterThan(pivot);
    expect(names(ops).slice(-2)).toEqual(["wait", "exec"]);
  });

  test("drops the bounding set before switching user, sets caps after", () => {
    const bounding = index(ops, (o) => o.op === "capBounding");
    const user = ops.findLastIndex((o) => o.op === "user");
    const caps = index(ops, (o) => o.op === "caps");
    expect(bounding).toBeLessThan(user);
    expect(user).toBeLessThan(caps);
  });

  test("inheritable and ambient stay empty for runt spec's config", () => {
    const caps = ops.find((o) => o.op === "caps");
    expect(caps).toMatchObject({ inheritable: 0n, ambient: 0n });
    // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10).
    expect(caps).toMatchObject({ effective: (1n << 29n) | (1n << 5n) | (1n << 10n) });
  });

  test("every op has a note saying where in config.json it came from", () => {
    expect(plan.notes.length).toBe(ops.length);
    expect(plan.notes.every((n) => n.length > 0)).toBe(true);
  });
});

describe("compilePlan details", () => {
  test("a user namespace is entered first and synced for id maps", () => {
    const ops = compilePlan(
      input((s) => {
        s.linux?.namespaces?.push({ type: "user" });
      }),
    ).ops;
    const i = index(ops, (o) => o.op === "unshare" && o.flags === CLONE.NEWUSER);
    expect(ops[i + 1]).toEqual({ op: "sync", tag: "userns" });
    // In a user namespace device nodes are bound from the host, never mknod'ed.
    expect(ops.some((o) => o.op === "mknod")).toBe(false);
    expect(ops).toContainEqual(
      expect.objectContaining({
        op: "mount",
        source: "/dev/null",
        target: "/dev/null",
        mk: "file",
      }),
    );
  });

  test("joined namespaces: setns with the user namespace first", () => {
    const ops = compilePlan(
      input((s) => {
        s.linux = s.linux ?? {};
        s.linux.namespaces = [
          { type: "mount" },
          { type: "network", path: "/proc/1/ns/net" },
          { type: "user", path: "/proc/1/ns/user" },
        ];
      }),
    ).ops;
    const setns = ops.filter((o) => o.op === "setns");
    expect(setns).toEqual([
      { op: "setns", path: "/proc/1/ns/user", nstype: CLONE.NEWUSER },
      { op: "setns", path: "/proc/1/ns/net", nstype: CLONE.NEWNET },
    ]);
  });

  test("bind mounts: source from the bundle, flags applied by a remount", () => {
    const ops = compilePlan(
      input((s) => {
        s.mounts = [
          {
            destination: "/data",
            source: "data.txt",
            type: "bind",
            options: ["rbind", "ro", "nosuid", "rprivate"],
          },
        ];
      }),
    ).ops;
    const m = ops.filter((o) => o.op === "mount" && o.target === "/data");
    expect(m).toEqual([
      {
        op: "mount",
        source: "/b/data.txt",
        target: "/data",
        fstype: "",
        flags: MS.BIND | MS.REC,
        data: "",
        mk: "file",
        hostTarget: false,
      },
      {
        op: "mount",
        source: "",
        target: "/data",
        fstype: "",
        flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID,
        data: "",
        mk: "none",
        hostTarget: false,
      },
      {
        op: "mount",
        source: "",
        target: "/data",
        fstype: "",
        flags: MS.PRIVATE | MS.REC,
        data: "",
        mk: "none",
        hostTarget: false,
      },
    ]);
  });

  test("a missing bind source is an error naming it", () => {
    expect(() =>
      compilePlan(
        input((s) => {
          s.mounts = [{ destination: "/x", source: "/missing", type: "bind" }];
        }),
      ),
    ).toThrow("bind source /missing does not exist");
  });

  test("--no-pivot with a private rootfsPropagation is refused, as runc refuses it", () => {
    for (const prop of ["private", "rprivate"] as const) {
      const i = input((s) => {
        if (s.linux) s.linux.rootfsPropagation = prop;
      });
      expect(() => compilePlan({ ...i, noPivot: true })).toThrow(
        `linux.rootfsPropagation: "${prop}" is not safe without pivot_root (--no-pivot); use "rslave", as runc requires`,
      );
      expect(() => compilePlan(i)).not.toThrow();
    }
    const shared = input((s) => {
      if (s.linux) s.linux.rootfsPropagation = "rshared";
    });
    expect(() => compilePlan({ ...shared, noPivot: true })).not.toThrow();
  });

  test("--no-pivot chroots instead of pivot_root", () => {
    const ops = compilePlan(input(undefined, { noPivot: true })).ops;
    expect(names(ops)).toContain("chroot");
    expect(names(ops)).not.toContain("pivotRoot");
  });

  test("shared root propagation: first and last, the rootfs's parent mount made private", () => {
    const hostProp = (ops: PlanOp[]) =>
      ops
        .filter((o) => o.op === "mount" && o.hostTarget && !o.source)
        .map((o) => [(o as { target: string }).target, (o as { flags: number }).flags]);
    type Prop = "rshared" | "rslave" | "slave" | "shared";
    const plan = (prop: Prop, point: string, shared: boolean) =>
      compilePlan({
        ...input((s) => {
          s.linux = { ...s.linux, rootfsPropagation: prop };
        }),
        parentMount: () => ({ point, shared }),
      }).ops;
    // As runc: the host's shared mounts stay peers, so a Bidirectional bind reaches the
    // host; rshared makes the rootfs's parent shared whatever it was; after the masks,
    // the new root is made shared too.
    for (const shared of [true, false]) {
      expect(hostProp(plan("rshared", "/var/lib", shared))).toEqual([
        ["/", MS.SHARED | MS.REC],
        ["/var/lib", MS.PRIVATE],
        ["/", MS.SHARED | MS.REC],
      ]);
    }
    // rslave leaves nothing shared; a non-recursive slave leaves mounts under / as they were.
    expect(hostProp(plan("rslave", "/var/lib", true))).toEqual([["/", MS.SLAVE | MS.REC]]);
    expect(hostProp(plan("slave", "/var/lib", true))).toEqual([
      ["/", MS.SLAVE],
      ["/var/lib", MS.SLAVE],
    ]);
    expect(hostProp(plan("slave", "/var/lib", false))).toEqual([["/", MS.SLAVE]]);
    expect(hostProp(plan("shared", "/", false))).toEqual([
      ["/", MS.SHARED],
      ["/", MS.PRIVATE],
      ["/", MS.SHARED],
    ]);
    const ops = plan("rshared", "/var/lib", false);
    const priv = ops.findIndex((o) => o.op === "mount" && o.target === "/var/lib");
    expect(priv).toBeLessThan(ops.findIndex((o) => o.op === "openRoot"));
    // A joined mount namespace is not a copy of the runtime's: its mounts are not known.
    const joined = compilePlan({
      ...input((s) => {
        s.linux = {
          ...s.linux,
          rootfsPropagation: "rshared",
          namespaces: (s.linux?.namespaces ?? []).map((ns) =>
            ns.type === "mount" ? { type: "mount", path: "/proc/1/ns/mnt" } : ns,
          ),
        };
      }),
      parentMount: () => ({ point: "/var/lib", shared: true }),
    }).ops;
    expect(hostProp(joined)).toEqual([
      ["/", MS.SHARED | MS.REC],
      ["/", MS.SHARED | MS.REC],
    ]);
  });

  test("shared and unbindable root propagation: applied after the last bind", () => {
    const rootProp = (ops: PlanOp[]) =>
      ops.filter((o) => o.op === "mount" && o.hostTarget && o.target === "/" && !o.source);
    for (const [value, first, flags] of [
      ["rshared", MS.SHARED | MS.REC, MS.SHARED | MS.REC],
      ["unbindable", MS.PRIVATE | MS.REC, MS.UNBINDABLE],
      ["runbindable", MS.PRIVATE | MS.REC, MS.UNBINDABLE | MS.REC],
    ] as const) {
      const ops = compilePlan(
        input((s) => {
          s.linux = { ...s.linux, rootfsPropagation: value };
        }),
      ).ops;
      // The rootfs bind would be EINVAL from an unbindable mount: private until then.
      expect(rootProp(ops).map((o) => (o as { flags: number }).flags)).toEqual([first, flags]);
      const later = ops.lastIndexOf(rootProp(ops)[1] as PlanOp);
      expect(later).toBeGreaterThan(ops.findLastIndex((o) => o.op === "mask"));
      expect(later).toBeGreaterThan(ops.findLastIndex((o) => o.op === "readonly"));
    }
    const slave = compilePlan(
      input((s) => (s.linux = { ...s.linux, rootfsPropagation: "rslave" })),
    );
    expect(rootProp(slave.ops).map((o) => (o as { flags: number }).flags)).toEqual([
      MS.SLAVE | MS.REC,
    ]);
  });

  test("preserved fds move closeFrom", () => {
    const ops = compilePlan(input(undefined, { preserveFds: 2 })).ops;
    expect(ops.at(-1)).toMatchObject({ op: "exec", closeFrom: 5 });
  });

  test("sysctl, hostname, rlimits and time offsets", () => {
    const ops = compilePlan(
      input((s) => {
        s.hostname = "box";
        s.linux = s.linux ?? {};
        s.linux.sysctl = { "net.ipv4.ip_forward": "1" };
        s.linux.namespaces?.push({ type: "time" });
        s.linux.timeOffsets = { monotonic: { secs: 100, nanosecs: 5 } };
        if (s.process) s.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 10, hard: 20 }];
      }),
    ).ops;
    expect(ops).toContainEqual({ op: "hostname", name: "box" });
    expect(ops).toContainEqual({
      op: "write",
      path: "/proc/sys/net/ipv4/ip_forward",
      content: "1",
      inRoot: true,
    });
    expect(ops).toContainEqual({ op: "rlimit", resource: 7, soft: 10n, hard: 20n });
    const offsets = index(ops, (o) => o.op === "write" && o.path === "/proc/self/timens_offsets");
    expect(offsets).toBeGreaterThan(index(ops, (o) => o.op === "unshare"));
    expect(offsets).toBeLessThan(index(ops, (o) => o.op === "fork"));
  });

  test("cgroup mounts on v1 get a tmpfs with one mount per hierarchy", () => {
    const ops = compilePlan(
      input(undefined, {
        cgroupMounts: [
          {
            name: "cpu,cpuacct",
            fstype: "cgroup",
            data: "cpu,cpuacct",
            hostPath: "/h/cpu",
            aliases: ["cpu", "cpuacct"],
          },
          { name: "memory", fstype: "cgroup", data: "memory", hostPath: "/h/mem", aliases: [] },
        ],
      }),
    ).ops;
    const at = index(ops, (o) => o.op === "mount" && o.target === "/sys/fs/cgroup");
    expect(ops[at]).toMatchObject({ fstype: "tmpfs" });
    expect(ops[at + 1]).toMatchObject({
      op: "mount",
      target: "/sys/fs/cgroup/cpu,cpuacct",
      fstype: "cgroup",
      data: "cpu,cpuacct",
    });
    expect(ops[at + 2]).toEqual({
      op: "symlink",
      target: "cpu,cpuacct",
      linkpath: "/sys/fs/cgroup/cpu",
    });
  });
});

describe("mount options", () => {
  test("flags, propagation, recursive attributes and data", () => {
    const o = parseMountOptions([
      "nosuid",
      "rw",
      "rslave",
      "rro",
      "rnoexec",
      "mode=755",
      "size=1m",
    ]);
    expect(o.flags).toBe(MS.NOSUID);
    expect(o.propagation).toEqual([MS.SLAVE | MS.REC]);
    expect(o.attrSet).toBe(0x1 | 0x8);
    expect(o.data).toBe("mode=755,size=1m");
  });
  test("a later option undoes an earlier one", () => {
    expect(parseMountOptions(["ro", "rw"]).flags).toBe(0);
    expect(parseMountOptions(["rro", "rrw"])).toMatchObject({ attrSet: 0, attrClr: 1 });
  });
});

describe("encodePlan", () => {
  test("header, opcode and NUL-terminated length-prefixed args", () => {
    const bytes = encodePlan({ version: 1, ops: [{ op: "hostname", name: "ab" }, { op: "fork" }] });
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.slice(0, 8))).toBe("RUNTPLAN");
    expect(view.getUint32(8, true)).toBe(1);
    expect(view.getUint32(12, true)).toBe(2);
    expect(view.getUint32(16, true)).toBe(OPCODES.hostname);
    expect(view.getUint32(20, true)).toBe(1);
    expect(view.getUint32(24, true)).toBe(2);
    expect([...bytes.slice(28, 31)]).toEqual([97, 98, 0]);
    expect(view.getUint32(31, true)).toBe(OPCODES.fork);
    expect(view.getUint32(35, true)).toBe(0);
    expect(bytes.length).toBe(39);
  });
  test("exec carries argc so args and env split", () => {
    const bytes = encodePlan({
      version: 1,
      ops: [{ op: "exec", args: ["a", "b"], env: ["X=1"], closeFrom: 3 }],
    });
    // Walk the args the way runt-init does: u32 length, bytes, NUL.
    const view = new DataView(bytes.buffer);
    const argc = view.getUint32(20, true);
    const args: string[] = [];
    let at = 24;
    for (let i = 0; i < argc; i++) {
      const len = view.getUint32(at, true);
      args.push(new TextDecoder().decode(bytes.slice(at + 4, at + 4 + len)));
      expect(bytes[at + 4 + len]).toBe(0);
      at += 5 + len;
    }
    expect(args).toEqual(["3", "2", "a", "b", "X=1"]);
    expect(at).toBe(bytes.length);
  });
});
