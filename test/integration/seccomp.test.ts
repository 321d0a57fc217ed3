// Containers under seccomp profiles, and what the kernel then did: podman's default
// profile, and a hand-written one for each action, each operator and each flag.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { LinuxSeccomp, LinuxSeccompArg, Spec } from "../../src/spec/types.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  REPO,
  runContainer,
  runt,
  STATE_ROOT,
  testSpec,
} from "../helpers/runt.ts";
import { podmanProfile } from "../helpers/seccomp.ts";

const temps: string[] = [];
afterEach(() => {
  cleanup();
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});
afterAll(cleanupAll);

const SIGSYS_STATUS = 128 + 31;
const EDOM_TEXT = "Numerical argument out of domain";

function withSeccomp(args: string[], seccomp: LinuxSeccomp, edit?: (s: Spec) => void): Spec {
  return testSpec(args, (s) => {
    if (s.linux) s.linux.seccomp = seccomp;
    edit?.(s);
  });
}

function status(pid: number): string {
  return readFileSync(`/proc/${pid}/status`, "utf8");
}

describe("podman's default profile", () => {
  const caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

  test("an ordinary container runs under it, filtered (Seccomp: 2)", () => {
    const r = runContainer(
      withSeccomp(
        [
          "sh",
          "-c",
          "echo hi; ls / >/dev/null; id -u; grep -E '^Seccomp(_filters)?:' /proc/self/status",
        ],
        podmanProfile(caps),
      ),
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("hi\n0\n");
    expect(r.stdout).toMatch(/Seccomp:\s+2\nSeccomp_filters:\s+1/);
  });

  test("what it leaves out fails with EPERM even with the capability for it", () => {
    // sethostname is allowed by the profile only with CAP_SYS_ADMIN; the container has
    // the capability, the profile was made for one without it.
    const grant = (s: Spec) => {
      const c = s.process?.capabilities;
      if (!c) return;
      for (const set of [c.bounding, c.effective, c.permitted]) set?.push("CAP_SYS_ADMIN");
    };
    const cmd = ["sh", "-c", "hostname seccomp-test && hostname"];
    const control = runContainer(testSpec(cmd, grant));
    expect(control.stdout).toBe("seccomp-test\n");
    const r = runContainer(withSeccomp(cmd, podmanProfile(caps), grant));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Operation not permitted");
  });

  test("the compiled program is cached under the state root and reused", () => {
    const spec = withSeccomp(["true"], podmanProfile(caps));
    const a = runt([
      "--debug",
      "--log-format",
      "json",
      "run",
      "--bundle",
      makeBundle(spec),
      newId("cache"),
    ]);
    expect(a.status).toBe(0);
    const b = runt([
      "--debug",
      "--log-format",
      "json",
      "run",
      "--bundle",
      makeBundle(spec),
      newId("cache"),
    ]);
    expect(b.status).toBe(0);
    expect(b.stderr).toContain("seccomp: program from cache");
    expect(readdirSync(join(STATE_ROOT, "@seccomp")).length).toBeGreaterThan(0);
    expect(runt(["list", "-q"]).stdout).not.toContain("@seccomp");
  });
});

describe("each action", () => {
  // sync(2), clock_nanosleep (usleep), statfs (stat -f), ioprio_get (ionice) and
  // mkdir are made by one applet each, never by the shell itself.
  const profile: LinuxSeccomp = {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [
      { names: ["sync"], action: "SCMP_ACT_KILL_PROCESS" },
      { names: ["statfs"], action: "SCMP_ACT_KILL_THREAD" },
      { names: ["ioprio_get"], action: "SCMP_ACT_KILL" },
      { names: ["nanosleep", "clock_nanosleep"], action: "SCMP_ACT_TRAP" },
      { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_TRACE", errnoRet: 5 },
      { names: ["chmod", "fchmodat"], action: "SCMP_ACT_LOG" },
      { names: ["rmdir"], action: "SCMP_ACT_ERRNO", errnoRet: 33 },
    ],
  };
  const script = [
    "sync; echo sync=$?",
    "stat -f / >/dev/null; echo statfs=$?",
    "ionice -p 1 >/dev/null; echo ionice=$?",
    "usleep 1; echo usleep=$?",
    "mkdir /dev/shm/x 2>&1; echo mkdir=$?",
    "chmod 1777 /dev/shm; echo chmod=$?; stat -c %a /dev/shm",
    "rmdir /dev/mqueue 2>&1; echo rmdir=$?",
    "echo done",
  ].join("; ");

  test("KILL_PROCESS, KILL_THREAD, KILL and TRAP end the caller with SIGSYS; TRACE without a tracer is ENOSYS; LOG allows; ERRNO returns errnoRet", () => {
    const r = runContainer(withSeccomp(["sh", "-c", script], profile));
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`sync=${SIGSYS_STATUS}`);
    expect(out).toContain(`statfs=${SIGSYS_STATUS}`);
    expect(out).toContain(`ionice=${SIGSYS_STATUS}`);
    expect(out).toContain(`usleep=${SIGSYS_STATUS}`);
    expect(out).toContain("Function not implemented");
    expect(out).toMatch(/mkdir=1/);
    expect(out).toContain("chmod=0\n1777\n");
    expect(out).toContain(EDOM_TEXT);
    expect(out).toContain("rmdir=1");
    expect(out).toContain("done");
  });

  test("without the profile the same script succeeds (the control)", () => {
    const r = runContainer(testSpec(["sh", "-c", script]));
    expect(r.stdout).toContain("sync=0");
    expect(r.stdout).toContain("usleep=0");
    expect(r.stdout).toContain("mkdir=0");
  });

  test("a KILL default with no rules kills the container's first syscall", () => {
    const r = runContainer(withSeccomp(["true"], { defaultAction: "SCMP_ACT_KILL" }));
    expect(r.status).toBe(SIGSYS_STATUS);
  });

  test("an ERRNO default with defaultErrnoRet applies to everything not allowed", () => {
    // podman's profile with rmdir taken out of its allow-list: rmdir meets the default.
    const base = podmanProfile(["CAP_KILL"]);
    const syscalls = (base.syscalls ?? []).map((r) => ({
      ...r,
      names: r.names.filter((n) => n !== "rmdir"),
    }));
    const cmd = ["sh", "-c", "rmdir /dev/mqueue"];
    const r = runContainer(withSeccomp(cmd, { ...base, defaultErrnoRet: 33, syscalls }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(EDOM_TEXT);
    const plain = runContainer(withSeccomp(cmd, { ...base, defaultErrnoRet: 33 }));
    expect(plain.stderr).toContain("busy");
  });
});

describe("each operator (on kill's signal argument)", () => {
  const SIGS = Array.from({ length: 13 }, (_, i) => i);
  const script = SIGS.map((s) => `echo "${s} $(kill -${s} 999999 2>&1)"`).join("; ");

  function denied(args: LinuxSeccompArg[]): number[] {
    const r = runContainer(
      withSeccomp(["sh", "-c", script], {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 33, args }],
      }),
    );
    expect(r.status).toBe(0);
    return r.stdout
      .split("\n")
      .filter((l) => l.includes(EDOM_TEXT))
      .map((l) => Number(l.split(" ")[0]));
  }
  const range = (a: number, b: number) => SIGS.filter((s) => s >= a && s <= b);

  const cases: [string, LinuxSeccompArg[], number[]][] = [
    ["EQ", [{ index: 1, value: 5, op: "SCMP_CMP_EQ" }], [5]],
    ["NE", [{ index: 1, value: 5, op: "SCMP_CMP_NE" }], SIGS.filter((s) => s !== 5)],
    ["LT", [{ index: 1, value: 5, op: "SCMP_CMP_LT" }], range(0, 4)],
    ["LE", [{ index: 1, value: 5, op: "SCMP_CMP_LE" }], range(0, 5)],
    ["GE", [{ index: 1, value: 5, op: "SCMP_CMP_GE" }], range(5, 12)],
    ["GT", [{ index: 1, value: 5, op: "SCMP_CMP_GT" }], range(6, 12)],
    ["MASKED_EQ", [{ index: 1, value: 3, valueTwo: 1, op: "SCMP_CMP_MASKED_EQ" }], [1, 5, 9]],
    [
      "two arguments (AND)",
      [
        { index: 0, value: 999999, op: "SCMP_CMP_EQ" },
        { index: 1, value: 7, op: "SCMP_CMP_EQ" },
      ],
      [7],
    ],
    [
      "one argument twice (either)",
      [
        { index: 1, value: 3, op: "SCMP_CMP_EQ" },
        { index: 1, value: 8, op: "SCMP_CMP_EQ" },
      ],
      [3, 8],
    ],
    ["a pid that does not match (AND fails)", [{ index: 0, value: 4242, op: "SCMP_CMP_EQ" }], []],
  ];
  for (const [name, args, want] of cases) {
    test(name, () => {
      expect(denied(args)).toEqual(want);
    });
  }
});

describe("flags and architectures", () => {
  test("TSYNC, LOG and SPEC_ALLOW are accepted by the kernel; extra architectures too", () => {
    const r = runContainer(
      withSeccomp(["sh", "-c", "rmdir /dev/mqueue 2>&1; true"], {
        defaultAction: "SCMP_ACT_ALLOW",
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        flags: [
          "SECCOMP_FILTER_FLAG_TSYNC",
          "SECCOMP_FILTER_FLAG_LOG",
          "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
          "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
        ],
        syscalls: [{ names: ["rmdir"], action: "SCMP_ACT_ERRNO", errnoRet: 33 }],
      }),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(EDOM_TEXT);
  });

  test("a syscall name unknown on this architecture is skipped with a debug log", () => {
    const spec = withSeccomp(["sh", "-c", "rmdir /dev/mqueue 2>&1; true"], {
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["no_such_syscall_xyz", "rmdir"], action: "SCMP_ACT_ERRNO", errnoRet: 33 },
      ],
    });
    const r = runt([
      "--debug",
      "--log-format",
      "json",
      "run",
      "--bundle",
      makeBundle(spec),
      newId("skip"),
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(EDOM_TEXT);
    expect(r.stderr).toContain("no_such_syscall_xyz is unknown to libseccomp");
  });

  test("without noNewPrivileges the filter is loaded before the credential switch", () => {
    const r = runContainer(
      withSeccomp(
        ["sh", "-c", "rmdir /dev/mqueue 2>&1; grep NoNewPrivs /proc/self/status"],
        {
          defaultAction: "SCMP_ACT_ALLOW",
          syscalls: [{ names: ["rmdir"], action: "SCMP_ACT_ERRNO", errnoRet: 33 }],
        },
        (s) => {
          if (s.process) {
            s.process.noNewPrivileges = false;
            s.process.user = { uid: 1000, gid: 1000 };
          }
        },
      ),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(EDOM_TEXT);
    expect(r.stdout).toMatch(/NoNewPrivs:\s+0/);
  });
});

describe("SCMP_ACT_NOTIFY and listenerPath", () => {
  function agent(): { sock: string; out: string; done: Promise<void> } {
    const dir = mkdtempSync("/tmp/runt-agent-");
    temps.push(dir);
    const sock = join(dir, "agent.sock");
    const out = join(dir, "state.json");
    const p = spawn("python3", [join(REPO, "test/helpers/seccomp-agent.py"), sock, out], {
      stdio: "inherit",
    });
    const done = new Promise<void>((res) => p.on("exit", () => res()));
    for (let i = 0; i < 200 && !existsSync(sock); i++) Bun.sleepSync(10);
    return { sock, out, done };
  }

  test("the notify fd and the container process state reach the agent, which answers", async () => {
    const a = agent();
    const spec = withSeccomp(["sh", "-c", "mkdir /dev/shm/n 2>&1; echo rc=$?"], {
      defaultAction: "SCMP_ACT_ALLOW",
      listenerPath: a.sock,
      listenerMetadata: "hello agent",
      flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
      syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }],
    });
    spec.annotations = { k: "v" };
    const bundle = makeBundle(spec);
    const id = newId("notify");
    const r = runt(["--debug", "run", "--bundle", bundle, id]);
    await a.done;
    // The kernel took WAIT_KILLABLE_RECV (32) with NEW_LISTENER (8): it refuses flags it lacks.
    expect(r.stderr).toContain("seccomp filter flags: 40");
    expect(r.stdout).toContain(EDOM_TEXT);
    expect(r.stdout).toContain("rc=1");
    const state = JSON.parse(readFileSync(a.out, "utf8"));
    expect(state.fds).toEqual(["seccompFd"]);
    expect(state.metadata).toBe("hello agent");
    expect(state.ociVersion).toBe(spec.ociVersion);
    expect(state.pid).toBeGreaterThan(1);
    expect(state.state).toEqual({
      ociVersion: spec.ociVersion,
      id,
      status: "creating",
      pid: state.pid,
      bundle,
      annotations: { k: "v" },
    });
    const nrs = readFileSync(`${a.out}.nrs`, "utf8");
    expect(nrs).toContain("fds 1");
    expect(nrs).toMatch(/nr (83|258)/); // mkdir or mkdirat on x86_64
  });

  test("no agent listening: create fails with a clear error and leaves nothing", () => {
    const spec = withSeccomp(["true"], {
      defaultAction: "SCMP_ACT_ALLOW",
      listenerPath: "/tmp/runt-no-such-agent.sock",
      syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }],
    });
    const id = newId("noagent");
    const r = runt(["create", "--bundle", makeBundle(spec), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("linux.seccomp.listenerPath");
    expect(r.stderr).toContain("start the seccomp agent first");
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
    expect(
      spawnSync("sh", ["-c", `ls /sys/fs/cgroup/memory/runt 2>/dev/null | grep -c ${id}`])
        .stdout.toString()
        .trim(),
    ).toBe("0");
  });
});

test("a process under a filter shows it in /proc (runt create, then the pid)", () => {
  const spec = withSeccomp(["sleep", "30"], {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ names: ["rmdir"], action: "SCMP_ACT_ERRNO" }],
  });
  const id = newId("proc");
  expect(runt(["create", "--bundle", makeBundle(spec), id]).status).toBe(0);
  const pid = JSON.parse(runt(["state", id]).stdout).pid as number;
  // Loaded late (noNewPrivileges): while waiting for start the init is not filtered yet.
  expect(status(pid)).toMatch(/Seccomp:\s+0/);
  expect(runt(["start", id]).status).toBe(0);
  for (let i = 0; i < 100 && /Seccomp:\s+0/.test(status(pid)); i++) Bun.sleepSync(10);
  expect(status(pid)).toMatch(/Seccomp:\s+2/);
});

describe("startContainer hooks run under the filter (runc loads it first)", () => {
  const profile: LinuxSeccomp = {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL" }],
  };
  const hooked = (script: string, nnp: boolean) =>
    withSeccomp(
      ["sh", "-c", "echo main-ran; ls /dev/shm; cat /dev/shm/hook-status 2>/dev/null"],
      profile,
      (s) => {
        if (s.process) s.process.noNewPrivileges = nnp;
        s.hooks = { startContainer: [{ path: "/bin/sh", args: ["sh", "-c", script] }] };
      },
    );

  test.each([true, false])(
    "noNewPrivileges %p: a hook making a killed syscall dies of SIGSYS and fails the start",
    (nnp) => {
      const r = runContainer(hooked("mkdir /dev/shm/hook-dir", nnp));
      expect(r.status).toBe(1);
      expect(r.stdout).not.toContain("main-ran");
      expect(r.stderr).toContain(
        "error running hook /bin/sh: it was killed by signal 31 (bad system call)",
      );
    },
  );

  test.each([true, false])(
    "noNewPrivileges %p: a hook the profile allows runs, then the process, both filtered",
    (nnp) => {
      const r = runContainer(
        hooked(
          "touch /dev/shm/hook-ran; grep Seccomp: /proc/self/status > /dev/shm/hook-status",
          nnp,
        ),
      );
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
      expect(r.stdout).toBe("main-ran\nhook-ran\nhook-status\nSeccomp:\t2\n");
    },
  );
});
