// runt exec on real busybox containers: output and exit status, -d with its pid
// file, every namespace joined, the process changed by the flags, --process, fds,
// and clear refusals.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import {
  alive,
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  RUNT,
  runt,
  STATE_ROOT,
  testSpec,
  until,
} from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(cleanupAll);

/** A running container (sleep) with the namespaces of runt spec, plus edits. */
function started(edit?: (s: Spec) => void): { id: string; pid: number } {
  const id = newId("exec");
  const r = runt(["run", "-d", "-b", makeBundle(testSpec(["sleep", "1000"], edit)), id]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return { id, pid: JSON.parse(runt(["state", id]).stdout).pid };
}

describe("exec", () => {
  test("output and exit status pass through", () => {
    const { id } = started();
    const r = runt(["exec", id, "sh", "-c", "echo in the container; echo to err >&2; exit 3"]);
    expect(r.stdout).toBe("in the container\n");
    expect(r.stderr).toBe("to err\n");
    expect(r.status).toBe(3);
    expect(runt(["exec", id, "true"]).status).toBe(0);
  });

  test("a process killed by a signal gives 128 + the signal", () => {
    const { id } = started();
    expect(runt(["exec", id, "sh", "-c", "kill -9 $$"]).status).toBe(137);
  });

  test("stdin reaches the process", () => {
    const { id } = started();
    expect(runt(["exec", id, "cat"], { input: "piped in\n" }).stdout).toBe("piped in\n");
  });

  test("joins every namespace of the container (inodes as the host sees them)", () => {
    const { id, pid } = started();
    const names = ["ipc", "uts", "net", "pid", "mnt", "cgroup"];
    const r = runt([
      "exec",
      id,
      "sh",
      "-c",
      `for n in ${names.join(" ")}; do readlink /proc/self/ns/$n; done`,
    ]);
    expect(r.stderr).toBe("");
    const inside = r.stdout.trim().split("\n");
    const host = names.map((n) => readlinkSync(`/proc/${pid}/ns/${n}`));
    expect(inside).toEqual(host);
    // And they are the container's, not runt's own.
    for (const [i, n] of names.entries()) {
      expect(inside[i]).not.toBe(readlinkSync(`/proc/self/ns/${n}`));
    }
  });

  test("joins the container's user namespace first", () => {
    const { id, pid } = started((s) => {
      s.linux?.namespaces?.push({ type: "user" });
      s.linux = {
        ...s.linux,
        uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
        gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      };
    });
    const r = runt(["exec", id, "sh", "-c", "readlink /proc/self/ns/user; cat /proc/self/uid_map"]);
    expect(r.stderr).toBe("");
    const [ns, map] = r.stdout.split("\n");
    expect(ns).toBe(readlinkSync(`/proc/${pid}/ns/user`));
    expect(map?.trim().split(/\s+/)).toEqual(["0", "100000", "65536"]);
    // Root in the namespace (host uid 100000), and other users of it.
    expect(runt(["exec", id, "id", "-u"]).stdout).toBe("0\n");
    expect(runt(["exec", "-u", "1000", id, "id", "-u"]).stdout).toBe("1000\n");
  });

  test("the process is in the container's PID namespace", () => {
    const { id } = started();
    const r = runt(["exec", id, "sh", "-c", "echo $$; cat /proc/1/cmdline"]);
    const [mypid, cmdline] = r.stdout.split("\n");
    expect(Number(mypid)).toBeGreaterThan(1);
    expect(cmdline).toBe("sleep\u00001000\u0000");
  });

  test("-d returns at once and writes the pid file; the process runs in the container", async () => {
    const { id, pid } = started();
    const dir = mkdtempSync("/tmp/runt-exec-pid-");
    try {
      const file = join(dir, "exec.pid");
      const r = runt(["exec", "-d", "--pid-file", file, id, "sleep", "100"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const execPid = Number(readFileSync(file, "utf8"));
      expect(alive(execPid)).toBe(true);
      expect(readlinkSync(`/proc/${execPid}/ns/pid`)).toBe(readlinkSync(`/proc/${pid}/ns/pid`));
      expect(readFileSync(`/proc/${execPid}/cmdline`, "utf8")).toBe("sleep\u0000100\u0000");
      // In every cgroup of the container, as the host sees it.
      expect(readFileSync(`/proc/${execPid}/cgroup`, "utf8")).toBe(
        readFileSync(`/proc/${pid}/cgroup`, "utf8"),
      );
      // Killing the container takes the exec'd process with it (same cgroup / pid ns).
      runt(["kill", id, "KILL"]);
      expect(await until(() => !alive(execPid))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--user, --additional-gids, --env, --cwd, --cap and --no-new-privs change the process", () => {
    const { id } = started((s) => {
      if (s.process) s.process.env = ["PATH=/bin", "KEEP=1", "FOO=old"];
    });
    const r = runt([
      "exec",
      "-u",
      "1000:1001",
      "-g",
      "5",
      "-g",
      "6",
      "-e",
      "FOO=bar",
      "--env",
      "NEW=x",
      "--cwd",
      "/tmp",
      "--cap",
      "CAP_SYS_ADMIN",
      "--no-new-privs",
      id,
      "sh",
      "-c",
      "id -u; id -g; id -G; pwd; echo $KEEP $FOO $NEW; grep -E '^(CapBnd|CapEff|NoNewPrivs)' /proc/self/status",
    ]);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 5)).toEqual(["1000", "1001", "1001 5 6", "/tmp", "1 bar x"]);
    const field = (k: string) => lines.find((l) => l.startsWith(k))?.split(/\s+/)[1] ?? "";
    const SYS_ADMIN = 1n << 21n;
    expect(BigInt(`0x${field("CapBnd")}`) & SYS_ADMIN).toBe(SYS_ADMIN);
    expect(BigInt(`0x${field("CapEff")}`) & SYS_ADMIN).toBe(SYS_ADMIN);
    expect(field("NoNewPrivs")).toBe("1");
  });

  test("without --cap the container's own capabilities apply", () => {
    const { id } = started();
    const r = runt(["exec", id, "grep", "CapBnd", "/proc/self/status"]);
    const bnd = BigInt(`0x${r.stdout.split(/\s+/)[1]}`);
    expect(bnd & (1n << 21n)).toBe(0n); // CAP_SYS_ADMIN is not in runt spec's set
  });

  test("--process runs process.json as given", () => {
    const { id } = started();
    const dir = mkdtempSync("/tmp/runt-exec-proc-");
    try {
      const file = join(dir, "process.json");
      writeFileSync(
        file,
        JSON.stringify({
          args: ["sh", "-c", "echo $A; pwd; id -u"],
          env: ["PATH=/bin", "A=from-json"],
          cwd: "/dev",
          user: { uid: 7, gid: 7 },
        }),
      );
      const r = runt(["exec", "--process", file, id]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("from-json\n/dev\n7\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the process sees neither runt's fds nor its cwd; --preserve-fds passes fds 3..", () => {
    const { id } = started();
    const dir = mkdtempSync("/tmp/runt-exec-fds-");
    const three = join(dir, "three");
    writeFileSync(three, "fd three\n");
    writeFileSync(join(dir, "four"), "fd four\n");
    const fds = [openSync(three, "r"), openSync(join(dir, "four"), "r")];
    try {
      const cmd = "cat <&3; ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; pwd";
      const r = spawnSync(
        RUNT,
        ["--root", STATE_ROOT, "exec", "--preserve-fds", "1", id, "sh", "-c", cmd],
        { stdio: ["ignore", "pipe", "pipe", ...fds], encoding: "utf8", cwd: dir },
      );
      expect(r.stderr).toBe("");
      // fd 4 was not asked for; ls holds one more fd for the directory it reads.
      expect(r.stdout).toBe("fd three\n0 1 2 3 4 \n/\n");
      const none = spawnSync(
        RUNT,
        ["--root", STATE_ROOT, "exec", id, "sh", "-c", "ls /proc/self/fd | wc -l"],
        { stdio: ["ignore", "pipe", "pipe", ...fds], encoding: "utf8", cwd: dir },
      );
      expect(none.stdout.trim()).toBe("4"); // 0 1 2 and ls's own
    } finally {
      for (const fd of fds) closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--cgroup puts the process in a sub-cgroup of the container", () => {
    const { id, pid } = started();
    const line = readFileSync(`/proc/${pid}/cgroup`, "utf8")
      .split("\n")
      .find((l) => /:pids:/.test(l));
    expect(line).toBeDefined();
    const sub = `/sys/fs/cgroup/pids${line?.split(":")[2]}/sub`;
    mkdirSync(sub);
    try {
      const r = runt([
        "exec",
        "--cgroup",
        "pids:sub",
        id,
        "sh",
        "-c",
        "grep :pids: /proc/self/cgroup",
      ]);
      expect(r.stderr).toBe("");
      expect(r.stdout.trim()).toMatch(/:pids:.*\/sub$/);
      const missing = runt(["exec", "--cgroup", "nope", id, "true"]);
      expect(missing.status).toBe(255);
      expect(missing.stderr).toContain("create the sub-cgroup first");
    } finally {
      runt(["kill", id, "KILL"]);
      Bun.sleepSync(100);
      try {
        rmdirSync(sub);
      } catch {
        // removed with the container's cgroup
      }
    }
  });

  test("the container's seccomp filter applies to the exec'd process", () => {
    const { id } = started((s) => {
      if (!s.linux) return;
      s.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
      };
    });
    const r = runt(["exec", id, "sh", "-c", "mkdir /dev/shm/x && echo made || echo refused"]);
    expect(r.stdout).toBe("refused\n");
    const nnp = runt([
      "exec",
      "--no-new-privs",
      id,
      "sh",
      "-c",
      "mkdir /dev/shm/y || echo refused",
    ]);
    expect(nnp.stdout).toBe("refused\n");
  });

  test("--apparmor on a host without AppArmor fails clearly", () => {
    const { id } = started();
    const r = runt(["exec", "--apparmor", "some-profile", id, "true"]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("AppArmor");
  });

  test("a missing command fails clearly, and nothing is left running", () => {
    const { id } = started();
    const r = runt(["exec", id, "nosuchcommand"]);
    // runc's status for an exec that could not start: 255, not a status of the process.
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("nosuchcommand");
  });

  test("exec into a stopped container fails clearly", async () => {
    const id = newId("stopped");
    expect(runt(["run", "-d", "-b", makeBundle(testSpec(["true"])), id]).status).toBe(0);
    expect(await until(() => JSON.parse(runt(["state", id]).stdout).status === "stopped")).toBe(
      true,
    );
    const r = runt(["exec", id, "true"]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("it is stopped");
  });

  test("exec into a paused container fails unless --ignore-paused", async () => {
    const { id } = started();
    expect(runt(["pause", id]).status).toBe(0);
    try {
      const r = runt(["exec", id, "true"]);
      expect(r.status).toBe(255);
      expect(r.stderr).toContain("cannot exec in a paused container");
      // With --ignore-paused it joins the frozen cgroup and runs once the container resumes.
      const child = spawn(RUNT, [
        "--root",
        STATE_ROOT,
        "exec",
        "--ignore-paused",
        id,
        "sh",
        "-c",
        "echo ran-after-resume",
      ]);
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      const exited = new Promise<number | null>((res) => child.on("exit", res));
      await Bun.sleep(300);
      expect(out).toBe("");
      expect(runt(["resume", id]).status).toBe(0);
      expect(await exited).toBe(0);
      expect(out).toBe("ran-after-resume\n");
    } finally {
      runt(["resume", id]);
    }
  });

  test("an unknown container is refused", () => {
    const r = runt(["exec", "no-such-container", "true"]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("does not exist");
  });

  test("--pid-file in a missing directory: 255, a clear message, nothing started", () => {
    const { id } = started();
    const r = runt(["exec", "--pid-file", "/non-existent/directory", id, "sleep", "4242"]);
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(
      "--pid-file /non-existent/directory: cannot write it: directory /non-existent does not exist\n",
    );
    const ps = spawnSync("pgrep", ["-f", "sleep 4242"], { encoding: "utf8" });
    expect(ps.stdout).toBe("");
  });

  test("--debug: runc's step names, each with its milliseconds, on stderr or in --log", () => {
    const { id } = started();
    const r = runt(["--debug", "exec", id, "true"]);
    expect(r.status).toBe(0);
    for (const step of [
      "nsexec container setup",
      "child process in init()",
      "setns_init: about to exec",
    ]) {
      const line = r.stderr.split("\n").find((l) => l.includes(step)) ?? "";
      expect(line).toMatch(/^time="[^"]+" level=debug msg=".*\(at [\d.]+ ms, \+[\d.]+ ms\)"$/);
    }
    const logDir = mkdtempSync("/tmp/runt-log-");
    const log = join(logDir, "log.json");
    const q = runt(["--debug", "--log", log, "--log-format", "json", "exec", id, "true"]);
    expect(q.status).toBe(0);
    expect(q.stderr).toBe("");
    const entries = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(entries.every((e) => e.level === "debug" && typeof e.time === "string")).toBe(true);
    expect(entries.some((e) => e.msg.startsWith("setns_init: about to exec"))).toBe(true);
    rmSync(logDir, { recursive: true, force: true });
  });
});
