// Every known runtime escape, attempted against runt: each test attacks and must fail.
// The CVE each one covers is in its name. Real busybox containers, as root.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { defaultSpec } from "../../src/spec/default.ts";
import type { Spec } from "../../src/spec/types.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  type Result,
  ROOTFS,
  RUNT,
  runContainer,
  runt,
  STATE_ROOT,
  testSpec,
} from "../helpers/runt.ts";

const temps: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  cleanup();
  for (const dir of temps.splice(0)) removeTemp(dir);
});
afterAll(cleanupAll);

function hostMountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function removeTemp(dir: string): void {
  for (const p of hostMountsUnder(dir)) spawnSync("umount", ["-l", p]);
  if (hostMountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
}

function tempDir(tag: string): string {
  const dir = mkdtempSync(`/tmp/runt-sec-${tag}-`);
  temps.push(dir);
  return dir;
}

function copyRootfs(): string {
  const dir = tempDir("rootfs");
  const r = spawnSync("cp", ["-a", `${ROOTFS}/.`, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cp -a: ${r.stderr}`);
  return dir;
}

/** A failure runt reports itself: exit 1, one line or so, no JavaScript stack. */
function expectCleanFailure(r: Result, ...words: string[]): void {
  expect(r.status).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const w of words) expect(r.stderr).toContain(w);
}

function py(script: string, ...args: string[]): { status: number; out: string; err: string } {
  const r = spawnSync("python3", ["-c", script, ...args], { encoding: "utf8" });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function pidOf(id: string): number {
  return JSON.parse(runt(["state", id]).stdout).pid as number;
}

// ------------------------------------------------------------------ CVE-2019-5736

describe("CVE-2019-5736: the init binary cannot be overwritten through /proc/PID/exe", () => {
  const SEALS = `
import fcntl, os, sys
exe = sys.argv[1]
try:
    os.open(exe, os.O_WRONLY)
    print("opened-for-write")
except OSError as e:
    print("write-open", e.errno)
fd = os.open(exe, os.O_RDONLY)
print("seals", fcntl.fcntl(fd, 1034))  # F_GET_SEALS
`;

  test("during create: the init runs from a sealed memfd; even host root cannot open it for writing", () => {
    const id = newId("exe");
    expect(runt(["create", "--bundle", makeBundle(testSpec(["true"])), id]).status).toBe(0);
    const pid = pidOf(id);
    const exe = `/proc/${pid}/exe`;
    const { readlinkSync } = require("node:fs") as typeof import("node:fs");
    expect(readlinkSync(exe)).toMatch(/^\/memfd:runt-init/);
    const r = py(SEALS, exe);
    expect(r.err).toBe("");
    expect(r.out).not.toContain("opened-for-write");
    // ETXTBSY (26) while it runs, EPERM (1) from the write seal otherwise.
    expect(r.out).toMatch(/write-open (26|1)\n/);
    // F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE = 1|2|4|8
    expect(Number(/seals (\d+)/.exec(r.out)?.[1]) & 15).toBe(15);
    // And nothing of runt's own (its binary, the bundle, the state dir) is open in it.
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = "";
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      expect(target).not.toContain(RUNT);
      expect(target).not.toContain("runt-bundle");
    }
  });

  test("during start: a container whose entrypoint is /proc/self/exe cannot run (or reach) runt", () => {
    const before = readFileSync(RUNT);
    // The init's exe is the memfd, which does not resolve inside the container.
    const r = runContainer(testSpec(["/proc/self/exe"]));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("execve /proc/self/exe");
    expect(r.stderr).not.toContain("usage: runt");
    expect(readFileSync(RUNT).equals(before)).toBe(true);
  });

  test("between create and start: a process exec'd into the container cannot write PID 1's exe (runt-init)", () => {
    const id = newId("exe");
    expect(runt(["create", "--bundle", makeBundle(testSpec(["true"])), id]).status).toBe(0);
    const r = runt([
      "exec",
      id,
      "sh",
      "-c",
      [
        "readlink /proc/1/exe",
        "(echo pwned >> /proc/1/exe) 2>&1",
        "(exec 3<>/proc/1/exe) 2>&1",
        "(: > /proc/1/exe) 2>&1",
        "head -c 4 /proc/1/exe | od -An -c",
      ].join("; "),
    ]);
    expect(r.stdout).toMatch(/^\/memfd:runt-init/);
    // Text file busy (it runs) for every way of opening it for writing.
    expect(r.stdout.match(/Text file busy|Operation not permitted/g)?.length).toBe(3);
    expect(r.stdout).toMatch(/177\s+E\s+L\s+F/);
    // The container still starts: nothing was changed.
    expect(runt(["start", id]).status).toBe(0);
  });

  test("during exec: a process in the container racing to write every runt-init it sees never succeeds", () => {
    const before = readFileSync(RUNT);
    const attack = [
      "n=0; w=0",
      "while [ ! -e /dev/shm/stop ]; do",
      "  for p in /proc/[0-9]*; do",
      '    case "$(readlink $p/exe 2>/dev/null)" in',
      "      *runt-init*) n=$((n+1)); if (echo pwned >> $p/exe) 2>/dev/null; then w=$((w+1)); fi;;",
      "    esac",
      "  done",
      "done",
      'echo "seen=$n written=$w" > /dev/shm/result',
      "sleep 30",
    ].join("\n");
    const id = newId("exe");
    const bundle = makeBundle(testSpec(["sh", "-c", attack]));
    expect(runt(["run", "-d", "--bundle", bundle, id]).status).toBe(0);
    for (let i = 0; i < 40; i++) runt(["exec", id, "true"]);
    expect(runt(["exec", id, "touch", "/dev/shm/stop"]).status).toBe(0);
    let out = "";
    for (let i = 0; i < 100 && !out.includes("written="); i++) {
      out = runt(["exec", id, "cat", "/dev/shm/result"]).stdout;
      if (!out) Bun.sleepSync(20);
    }
    expect(out).toMatch(/written=0/);
    expect(readFileSync(RUNT).equals(before)).toBe(true);
  });
});

// ------------------------------------------------------------------ CVE-2024-21626

describe("CVE-2024-21626: no fd leaks into the container; cwd cannot reach the host", () => {
  /** The fds of the container's PID 1 (sleep, after start), as the host sees them. */
  function fdsAfterStart(preserve: number, extra: number[]): Record<string, string> {
    const { readlinkSync } = require("node:fs") as typeof import("node:fs");
    const id = newId("fds");
    const bundle = makeBundle(testSpec(["sleep", "30"]));
    const dir = tempDir("fdout");
    const out = openSync(join(dir, "out"), "w+");
    try {
      const r = spawnSync(
        RUNT,
        [
          "--root",
          STATE_ROOT,
          "create",
          "--preserve-fds",
          String(preserve),
          "--bundle",
          bundle,
          id,
        ],
        { stdio: ["ignore", out, out, ...extra], timeout: 30_000 },
      );
      expect(r.status).toBe(0);
    } finally {
      closeSync(out);
    }
    expect(runt(["start", id]).status).toBe(0);
    const pid = pidOf(id);
    for (let i = 0; i < 100 && !readlinkSync(`/proc/${pid}/exe`).endsWith("busybox"); i++) {
      Bun.sleepSync(10);
    }
    const fds: Record<string, string> = {};
    for (const fd of readdirSync(`/proc/${pid}/fd`))
      fds[fd] = readlinkSync(`/proc/${pid}/fd/${fd}`);
    return fds;
  }

  test("PID 1 has exactly stdio, and none of them is a host path of runt's", () => {
    const fds = fdsAfterStart(0, []);
    expect(Object.keys(fds).sort()).toEqual(["0", "1", "2"]);
    expect(Object.values(fds).join(" ")).not.toMatch(
      /\/run\/runt|cgroup|runt-bundle|exec\.fifo|memfd/,
    );
  });

  test("--preserve-fds N passes exactly fds 3..2+N, and nothing else", () => {
    const dir = tempDir("fds");
    const files = [0, 1, 2].map((i) => {
      writeFileSync(join(dir, `f${i}`), `${i}`);
      return openSync(join(dir, `f${i}`), "r");
    });
    try {
      // Three fds reach runt; two are asked for.
      const fds = fdsAfterStart(2, files);
      expect(Object.keys(fds).sort()).toEqual(["0", "1", "2", "3", "4"]);
      expect(fds["3"]).toBe(join(dir, "f0"));
      expect(fds["4"]).toBe(join(dir, "f1"));
    } finally {
      for (const f of files) closeSync(f);
    }
  });

  test("an exec'd process has exactly stdio too", () => {
    const { readlinkSync } = require("node:fs") as typeof import("node:fs");
    const id = newId("fdx");
    expect(runt(["run", "-d", "--bundle", makeBundle(testSpec(["sleep", "30"])), id]).status).toBe(
      0,
    );
    const pidFile = join(tempDir("pidfile"), "pid");
    expect(runt(["exec", "-d", "--pid-file", pidFile, id, "sleep", "30"]).status).toBe(0);
    const pid = Number(readFileSync(pidFile, "utf8"));
    for (let i = 0; i < 100 && !readlinkSync(`/proc/${pid}/exe`).endsWith("busybox"); i++) {
      Bun.sleepSync(10);
    }
    const fds = readdirSync(`/proc/${pid}/fd`);
    expect(fds.sort()).toEqual(["0", "1", "2"]);
    const targets = fds.map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`)).join(" ");
    expect(targets).not.toMatch(/\/run\/runt|cgroup|runt-bundle|exec\.fifo|memfd/);
  });

  test("process.cwd /proc/self/fd/N is refused for every N, nothing is left behind", () => {
    for (let n = 3; n <= 12; n++) {
      const id = newId("cwd");
      const r = runt([
        "run",
        "--bundle",
        makeBundle(
          testSpec(["pwd"], (s) => {
            if (s.process) s.process.cwd = `/proc/self/fd/${n}`;
          }),
        ),
        id,
      ]);
      if (r.status === 0) {
        // If it ever ran, it must be somewhere inside the container.
        expect(r.stdout.trim()).toMatch(/^\/proc\//);
      } else {
        expectCleanFailure(r, "process.cwd");
      }
      expect(existsSync(join(STATE_ROOT, id))).toBe(false);
    }
  });

  test("runt exec --cwd /proc/self/fd/N cannot reach the host either", () => {
    const id = newId("cwdx");
    expect(runt(["run", "-d", "--bundle", makeBundle(testSpec(["sleep", "30"])), id]).status).toBe(
      0,
    );
    for (let n = 3; n <= 10; n++) {
      const r = runt([
        "exec",
        "--cwd",
        `/proc/self/fd/${n}`,
        id,
        "sh",
        "-c",
        "pwd; ls .. | head -3",
      ]);
      if (r.status === 0) expect(r.stdout).not.toMatch(/runt-bundle|sys\/fs\/cgroup|\/run\/runt/);
      else expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

// ------------------------------------------------- CVE-2021-30465, CVE-2024-45310

describe("CVE-2021-30465, CVE-2024-45310: swapping mount targets for symlinks to the host", () => {
  const SWAPPER = `
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
RENAME_EXCHANGE = 2
root, links = sys.argv[1], sys.argv[2:]
race = os.path.join(root, "race").encode()
end = time.time() + 60
i = 0
while time.time() < end:
    link = os.path.join(root, links[i % len(links)]).encode()
    libc.renameat2(-100, race, -100, link, RENAME_EXCHANGE)
    libc.renameat2(-100, race, -100, link, RENAME_EXCHANGE)
    i += 1
`;

  test("mounts, mkdirs and device nodes made while /race flips to a host symlink all stay in the rootfs", () => {
    const rootfs = copyRootfs();
    const victim = tempDir("victim");
    mkdirSync(join(rootfs, "race"));
    symlinkSync(victim, join(rootfs, "link-abs"));
    symlinkSync(`../../../../../../../..${victim}`, join(rootfs, "link-rel"));
    const source = tempDir("src");
    writeFileSync(join(source, "data"), "bind source");
    const swapper = spawn("python3", ["-c", SWAPPER, rootfs, "link-abs", "link-rel"], {
      stdio: "ignore",
    });
    children.push(swapper);
    const spec = (s: Spec) => {
      s.root = { path: rootfs, readonly: false };
      for (let i = 0; i < 12; i++) {
        s.mounts?.push({ destination: `/race/t${i}/x`, type: "tmpfs", source: "tmpfs" });
      }
      s.mounts?.push({ destination: "/race/bind", type: "bind", source, options: ["bind"] });
      s.mounts?.push({
        destination: "/race/file",
        type: "bind",
        source: join(source, "data"),
        options: ["bind"],
      });
      s.linux?.devices?.push({ path: "/race/dev/null2", type: "c", major: 1, minor: 3 });
      s.linux?.maskedPaths?.push("/race/bind");
      s.linux?.readonlyPaths?.push("/race/t0");
    };
    let ok = 0;
    for (let i = 0; i < 15; i++) {
      const r = runContainer(testSpec(["true"], spec));
      if (r.status === 0) ok++;
      else expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(victim)).toEqual([]);
      expect(hostMountsUnder(victim)).toEqual([]);
    }
    swapper.kill("SIGKILL");
    // The race did not stop every container either: the runs were real.
    expect(ok).toBeGreaterThan(0);
    expect(readdirSync(victim)).toEqual([]);
  });
});

// ---------------------- CVE-2019-16884, CVE-2019-19921, CVE-2023-27561, CVE-2023-28642, CVE-2025-52881

describe("/proc must be a real procfs on a real directory before runt writes into it", () => {
  test("CVE-2023-28642: /proc a symlink in the image: refused", () => {
    const rootfs = copyRootfs();
    mkdirSync(join(rootfs, "evil"));
    rmSync(join(rootfs, "proc"), { recursive: true, force: true });
    symlinkSync("/evil", join(rootfs, "proc"));
    const r = runContainer(testSpec(["true"], (s) => (s.root = { path: rootfs, readonly: true })));
    expectCleanFailure(r, "must be mounted on ordinary directory");
  });

  test("CVE-2023-28642: /proc a dangling symlink: refused before anything is made through it", () => {
    const rootfs = copyRootfs();
    rmSync(join(rootfs, "proc"), { recursive: true, force: true });
    symlinkSync("/symlink", join(rootfs, "proc"));
    const r = runContainer(testSpec(["true"], (s) => (s.root = { path: rootfs, readonly: true })));
    expectCleanFailure(r, 'filesystem "proc" must be mounted on ordinary directory');
    expect(existsSync(join(rootfs, "symlink"))).toBe(false);
    expect(existsSync("/symlink")).toBe(false);
  });

  test("CVE-2019-19921, CVE-2023-27561: sysfs on a symlink to /proc: refused", () => {
    const rootfs = copyRootfs();
    rmSync(join(rootfs, "sys"), { recursive: true, force: true });
    symlinkSync("/proc", join(rootfs, "sys"));
    const r = runContainer(testSpec(["true"], (s) => (s.root = { path: rootfs, readonly: true })));
    expectCleanFailure(r, "must be mounted on ordinary directory");
  });

  test("CVE-2019-16884: a plain file bound over a sysctl does not take the write", () => {
    const dir = tempDir("fakeproc");
    writeFileSync(join(dir, "fake"), "untouched");
    const r = runContainer(
      testSpec(["true"], (s) => {
        s.mounts?.push({
          destination: "/proc/sys/kernel/shm_rmid_forced",
          type: "bind",
          source: join(dir, "fake"),
          options: ["bind"],
        });
        if (s.linux) s.linux.sysctl = { "kernel.shm_rmid_forced": "1" };
      }),
    );
    expectCleanFailure(r, "linux.sysctl.kernel.shm_rmid_forced");
    expect(readFileSync(join(dir, "fake"), "utf8")).toBe("untouched");
  });

  test("CVE-2019-16884: a tmpfs over /proc: the sysctl write is refused, not made into it", () => {
    const r = runContainer(
      testSpec(["true"], (s) => {
        s.mounts?.push({ destination: "/proc/sys", type: "tmpfs", source: "tmpfs" });
        if (s.linux) s.linux.sysctl = { "kernel.shm_rmid_forced": "1" };
      }),
    );
    expectCleanFailure(r, "linux.sysctl.kernel.shm_rmid_forced");
  });

  test("CVE-2025-52881: another procfs file bound over a sysctl does not take the write", () => {
    const r = runContainer(
      testSpec(["true"], (s) => {
        s.mounts?.push({
          destination: "/proc/sys/kernel/shm_rmid_forced",
          type: "bind",
          source: "/proc/self/attr/current",
          options: ["bind"],
        });
        if (s.linux) s.linux.sysctl = { "kernel.shm_rmid_forced": "1" };
      }),
    );
    expectCleanFailure(r, "something is mounted or linked over it");
  });

  test("a sysctl without tricks is still written (the control)", () => {
    const r = runContainer(
      testSpec(["cat", "/proc/sys/kernel/shm_rmid_forced"], (s) => {
        if (s.linux) s.linux.sysctl = { "kernel.shm_rmid_forced": "1" };
      }),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("1\n");
  });

  test("CVE-2019-16884: LSM labels go through the host's procfs, never a /proc the image mounts", () => {
    const dir = tempDir("fakeattr");
    const r = runContainer(
      testSpec(["true"], (s) => {
        s.mounts?.push({ destination: "/proc", type: "bind", source: dir, options: ["rbind"] });
        if (s.process) s.process.selinuxLabel = "system_u:system_r:container_t:s0";
      }),
    );
    // The kernel's answer (no SELinux here), not a write into the fake /proc.
    expectCleanFailure(r, "process.selinuxLabel", "SELinux is not enabled");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("oom_score_adj is written through the host's /proc before any namespace", () => {
    const id = newId("oom");
    const dir = tempDir("fakeoom");
    const spec = testSpec(["sleep", "30"], (s) => {
      s.mounts?.push({ destination: "/proc/sys", type: "bind", source: dir, options: ["rbind"] });
      if (s.process) s.process.oomScoreAdj = 123;
      if (s.linux) s.linux.readonlyPaths = [];
    });
    expect(runt(["create", "--bundle", makeBundle(spec), id]).status).toBe(0);
    expect(readFileSync(`/proc/${pidOf(id)}/oom_score_adj`, "utf8").trim()).toBe("123");
    expect(readdirSync(dir)).toEqual([]);
  });
});

// ------------------------------------------------------------------ CVE-2025-31133

describe("CVE-2025-31133: masked paths are covered with the real null device only", () => {
  function devBundle(entry: (dev: string) => void): Result {
    const dev = tempDir("dev");
    entry(dev);
    return runContainer(
      testSpec(["true"], (s) => {
        s.mounts = (s.mounts ?? []).filter((m) => m.destination !== "/dev");
        s.mounts.splice(1, 0, {
          destination: "/dev",
          type: "bind",
          source: dev,
          options: ["rbind"],
        });
        if (s.linux) s.linux.maskedPaths = ["/proc/keys"];
      }),
    );
  }

  test("an image /dev/null that is a plain file is not bound over /proc/keys", () => {
    const r = devBundle((dev) => writeFileSync(join(dev, "null"), ""));
    expectCleanFailure(r, "linux.maskedPaths[0]", "not the null device");
  });

  test("an image /dev/null that is a symlink to a procfs file is not followed into a mask", () => {
    const r = devBundle((dev) => symlinkSync("/proc/sys/kernel/core_pattern", join(dev, "null")));
    expectCleanFailure(r, "linux.maskedPaths[0]", "not the null device");
  });

  test("masked files are the null device 1:3, masked directories an empty read-only tmpfs", () => {
    const r = runContainer(
      testSpec(
        [
          "sh",
          "-c",
          "stat -c '%t:%T' /proc/keys; ls -A /proc/acpi | wc -l; touch /proc/acpi/x 2>&1 | grep -c Read-only",
        ],
        (s) => {
          if (s.linux) s.linux.maskedPaths = ["/proc/keys", "/proc/acpi"];
        },
      ),
    );
    expect(r.stdout).toBe("1:3\n0\n1\n");
  });
});

// ------------------------------------------------------------------ CVE-2025-52565

describe("CVE-2025-52565: /dev/console is bound from the pty fd onto a target inside the rootfs", () => {
  /** runt run with a terminal (script(1) gives runt one) and /dev bound from `dev`. */
  function runWithDev(dev: string): { status: number | null; stdout: string } {
    const spec = testSpec(["sh", "-c", "echo inside"], (s) => {
      if (s.process) s.process.terminal = true;
      s.mounts = (s.mounts ?? []).filter((m) => m.destination !== "/dev");
      s.mounts.splice(1, 0, { destination: "/dev", type: "bind", source: dev, options: ["rbind"] });
      if (s.linux) s.linux.maskedPaths = [];
    });
    const cmd = `${RUNT} --root ${STATE_ROOT} run --bundle ${makeBundle(spec)} ${newId("console")}`;
    return spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", timeout: 30_000 });
  }

  test("an image /dev/console that is a symlink to a file inside the rootfs: refused", () => {
    const dev = tempDir("cdev2");
    symlinkSync("pts/ptmx", join(dev, "ptmx"));
    symlinkSync("/etc/passwd", join(dev, "console"));
    const r = runWithDev(dev);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("/dev/console in root is neither a file nor a device");
    expect(r.stdout).not.toContain("inside");
  });

  test("an image /dev/console that is a symlink to a host file: refused, the host file untouched", () => {
    const dev = tempDir("cdev");
    const victim = tempDir("cvictim");
    writeFileSync(join(victim, "file"), "secret");
    symlinkSync("pts/ptmx", join(dev, "ptmx"));
    symlinkSync(join(victim, "file"), join(dev, "console"));
    const r = runWithDev(dev);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("/dev/console in root is neither a file nor a device");
    expect(r.stdout).not.toContain("inside");
    expect(readFileSync(join(victim, "file"), "utf8")).toBe("secret");
    expect(hostMountsUnder(victim)).toEqual([]);
  });
});

// ------------------------------------------------------------------ CVE-2022-29162

describe("CVE-2022-29162: the inheritable set is empty unless the config names it", () => {
  test("`runt spec` puts nothing in inheritable (nor ambient)", () => {
    for (const spec of [defaultSpec({}), defaultSpec({ rootless: true })]) {
      expect(spec.process?.capabilities?.inheritable ?? []).toEqual([]);
      expect(spec.process?.capabilities?.ambient ?? []).toEqual([]);
    }
  });

  test("a default container's process has CapInh 0 and CapAmb 0", () => {
    const r = runContainer(testSpec(["grep", "-E", "^Cap(Inh|Amb)", "/proc/self/status"]));
    expect(r.stdout).toBe("CapInh:\t0000000000000000\nCapAmb:\t0000000000000000\n");
  });

  test("a non-root user gets no capability back through a file's inheritable bits", () => {
    const r = runContainer(
      testSpec(["grep", "-E", "^Cap(Inh|Prm|Eff)", "/proc/self/status"], (s) => {
        if (s.process) s.process.user = { uid: 1000, gid: 1000 };
      }),
    );
    expect(r.stdout).toBe(
      "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n",
    );
  });
});
