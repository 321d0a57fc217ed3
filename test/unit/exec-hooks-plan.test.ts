// Plans for exec, terminals and hooks, and the exec CLI's flag handling: no root needed.
import { describe, expect, test } from "bun:test";
import { parseFlags } from "../../src/cli/args.ts";
import { exec, execProcessFromFlags } from "../../src/cli/exec.ts";
import { type CompileInput, compilePlan } from "../../src/plan/compile.ts";
import { CLONE } from "../../src/plan/constants.ts";
import { encodePlan, OPCODES, opArgs } from "../../src/plan/encode.ts";
import { compileExecPlan } from "../../src/plan/exec.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import { capabilityMask } from "../../src/plan/process.ts";
import { defaultSpec } from "../../src/spec/default.ts";
import type { Process, Spec } from "../../src/spec/types.ts";
import { compileInput } from "./compile-input.ts";

const names = (ops: PlanOp[]) => ops.map((o) => o.op);

function createInput(edit?: (s: Spec) => void): CompileInput {
  return compileInput((spec) => {
    if (spec.process) spec.process.terminal = false; // runt spec's default is true
    edit?.(spec);
  });
}

function proc(over: Partial<Process> = {}): Process {
  const p = defaultSpec({}).process as Process;
  return { ...p, args: ["sh"], terminal: false, ...over };
}

describe("exec plan", () => {
  const join = ["mnt", "pid", "user", "net"].map((name) => ({ path: `/proc/9/ns/${name}`, name }));
  const plan = compileExecPlan({
    process: proc({ cwd: "/work", env: ["A=1"] }),
    join,
    cgroupProcs: ["/sys/fs/cgroup/pids/runt/x/cgroup.procs"],
    preserveFds: 2,
  });
  const ops = plan.ops;

  test("joins the cgroup, then user first and mnt last, then forks into the PID namespace", () => {
    expect(ops[0]).toEqual({
      op: "write",
      path: "/sys/fs/cgroup/pids/runt/x/cgroup.procs",
      content: "0",
      inRoot: false,
    });
    const setns = ops.filter((o) => o.op === "setns");
    expect(setns).toEqual([
      { op: "setns", path: "/proc/9/ns/user", nstype: CLONE.NEWUSER },
      { op: "setns", path: "/proc/9/ns/net", nstype: CLONE.NEWNET },
      { op: "setns", path: "/proc/9/ns/pid", nstype: CLONE.NEWPID },
      { op: "setns", path: "/proc/9/ns/mnt", nstype: CLONE.NEWNS },
    ]);
    // Root in the joined user namespace right after entering it.
    const userns = ops.findIndex((o) => o.op === "setns" && o.nstype === CLONE.NEWUSER);
    expect(ops[userns + 1]).toEqual({ op: "user", uid: 0, gid: 0, groups: [] });
    const fork = names(ops).indexOf("fork");
    expect(fork).toBeGreaterThan(names(ops).lastIndexOf("setns"));
    expect(ops.slice(fork, fork + 3)).toEqual([
      { op: "fork" },
      { op: "setsid" },
      { op: "openRoot", path: "/" },
    ]);
  });

  test("no mounts, no wait; the process's confinement, then exec with the preserved fds", () => {
    for (const n of ["mount", "pivotRoot", "wait", "openFifo", "unshare"]) {
      expect(names(ops)).not.toContain(n);
    }
    expect(ops.find((o) => o.op === "chdir")).toEqual({ op: "chdir", path: "/work" });
    const tail = names(ops).slice(-5);
    expect(tail).toEqual(["capBounding", "user", "caps", "noNewPrivs", "exec"]);
    expect(ops.at(-1)).toEqual({ op: "exec", args: ["sh"], env: ["A=1"], closeFrom: 5 });
  });

  test("a terminal gets a pty op with the console size, after setsid; no /dev/console", () => {
    const t = compileExecPlan({
      process: proc({ terminal: true, consoleSize: { height: 24, width: 80 } }),
      join: [],
      cgroupProcs: [],
      preserveFds: 0,
    }).ops;
    const pty = t.findIndex((o) => o.op === "pty");
    expect(t[pty]).toEqual({ op: "pty", rows: 24, cols: 80, uid: 0, console: false });
    expect(pty).toBeGreaterThan(names(t).indexOf("setsid"));
  });
});

describe("create plan: terminal and hooks", () => {
  const hook = (path: string) => ({ path, args: ["h", "x"], env: ["E=1"], timeout: 5 });
  const ops = compilePlan(
    createInput((s) => {
      if (s.process) s.process.terminal = true;
      s.hooks = {
        prestart: [hook("/pre")],
        createContainer: [hook("/cc")],
        startContainer: [hook("/sc1"), hook("/sc2")],
      };
    }),
  ).ops;
  const at = (pred: (o: PlanOp) => boolean) => ops.findIndex(pred);

  test("runtime hooks sync, then createContainer hooks, all before pivot_root", () => {
    const sync = at((o) => o.op === "sync" && o.tag === "hooks-createRuntime");
    const state = at((o) => o.op === "hookState" && o.status === "created");
    const cc = at((o) => o.op === "hook" && o.path === "/cc");
    const pivot = names(ops).indexOf("pivotRoot");
    expect(sync).toBeGreaterThan(names(ops).indexOf("fork"));
    expect(sync).toBeLessThan(state);
    expect(state).toBeLessThan(cc);
    expect(cc).toBeLessThan(pivot);
    expect(ops[cc]).toEqual({
      op: "hook",
      path: "/cc",
      args: ["h", "x"],
      env: ["E=1"],
      timeout: 5,
    });
  });

  test("startContainer: state fetched before wait, hooks in order after it, before exec", () => {
    const state = at((o) => o.op === "hookState" && o.status === "created");
    const wait = names(ops).indexOf("wait");
    const sc1 = at((o) => o.op === "hook" && o.path === "/sc1");
    const sc2 = at((o) => o.op === "hook" && o.path === "/sc2");
    expect(state).toBeLessThan(wait);
    expect(wait).toBeLessThan(sc1);
    expect(sc1).toBeLessThan(sc2);
    expect(sc2).toBeLessThan(names(ops).indexOf("exec"));
  });

  test("the pty is made after pivot_root with /dev/console, before the credential switch", () => {
    const pty = at((o) => o.op === "pty");
    expect(ops[pty]).toEqual({ op: "pty", rows: 0, cols: 0, uid: 0, console: true });
    expect(pty).toBeGreaterThan(names(ops).indexOf("pivotRoot"));
    expect(pty).toBeLessThan(names(ops).indexOf("user"));
  });

  test("no hooks and no terminal: none of the new ops", () => {
    const plain = names(compilePlan(createInput()).ops);
    for (const n of ["hook", "hookState", "pty"]) expect(plain).not.toContain(n);
    expect(plain.filter((n) => n === "sync")).toEqual([]);
  });
});

describe("encoding of ops 31-33", () => {
  test("opcodes and argument order", () => {
    expect([OPCODES.pty, OPCODES.hookState, OPCODES.hook]).toEqual([31, 32, 33]);
    expect(opArgs({ op: "pty", rows: 24, cols: 80, uid: 1000, console: true })).toEqual([
      24,
      80,
      1000,
      true,
    ]);
    expect(opArgs({ op: "hook", path: "/h", args: ["h", "a"], env: ["E=1"], timeout: 3 })).toEqual([
      3,
      2,
      "/h",
      "h",
      "a",
      "E=1",
    ]);
  });

  test("a hook op on the wire", () => {
    const bytes = encodePlan({
      version: 1,
      ops: [{ op: "hook", path: "/h", args: ["h"], env: [], timeout: 0 }],
    });
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(16, true)).toBe(33);
    expect(view.getUint32(20, true)).toBe(4); // timeout, argc, path, argv[0]
  });
});

describe("exec flags", () => {
  const parse = (argv: string[]) => parseFlags(argv, exec.flags, "runt exec", true);
  const base = () => proc({ env: ["PATH=/bin", "A=1"], cwd: "/", user: { uid: 0, gid: 0 } });

  test("flags stop at the container id: the command keeps its own flags", () => {
    const p = parse(["-e", "A=2", "--tty", "c1", "sh", "-c", "ls -l"]);
    expect(p.positional).toEqual(["c1", "sh", "-c", "ls -l"]);
    expect(p.flags.tty).toBe(true);
  });

  test("env, user, groups, cwd, caps and no-new-privs change the container's process", () => {
    const p = parse([
      "-e",
      "A=2",
      "-e",
      "B=3",
      "-u",
      "1000:1001",
      "-g",
      "5",
      "--cwd",
      "/tmp",
      "--cap",
      "CAP_SYS_ADMIN",
      "--no-new-privs",
      "c1",
    ]);
    const out = execProcessFromFlags(p.flags, ["id"], base);
    expect(out.args).toEqual(["id"]);
    expect(out.env).toEqual(["PATH=/bin", "A=2", "B=3"]);
    expect(out.user).toEqual({ uid: 1000, gid: 1001, additionalGids: [5] });
    expect(out.cwd).toBe("/tmp");
    expect(out.noNewPrivileges).toBe(true);
    const bit = capabilityMask(["CAP_SYS_ADMIN"]);
    for (const set of ["bounding", "effective", "permitted", "ambient"] as const) {
      expect(capabilityMask(out.capabilities?.[set]) & bit).toBe(bit);
    }
  });

  test("a user that is not numeric, and a missing command, are refused clearly", () => {
    expect(() => execProcessFromFlags(parse(["-u", "bob"]).flags, ["id"], base)).toThrow(
      "not a numeric id",
    );
    expect(() => execProcessFromFlags(parse([]).flags, [], base)).toThrow("no command given");
  });
});
