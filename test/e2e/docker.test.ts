// docker 20.10 (Debian's docker.io) with runt added as a runtime: a dockerd of our
// own (data, exec root, socket and pid file under /tmp, no iptables, no bridge: the
// machine has only loopback), which starts its own containerd under its exec root.
// Every scenario runs with --runtime runc and --runtime runt and a difference in
// what the user sees fails naming both answers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { until } from "../helpers/harness.ts";
import {
  ensurePackages,
  killShims,
  type Out,
  ROOTFS,
  RUNC,
  RUNT,
  removeCgroupParent,
  sh,
  unmountUnder,
} from "./containerd-env.ts";

const DOCKER = "/usr/bin/docker";
const IMAGE = "runt-busybox:e2e";
const RUNTIMES = ["runc", "runt"] as const;
type Name = (typeof RUNTIMES)[number];

let dir = "";
let sock = "";
/** dockerd's containers go below a cgroup of the test's own (its default is /docker). */
const CGROUP_PARENT = `runt-docker-${process.pid}`;
let daemon: ChildProcess | undefined;

const logOf = () => readFileSync(join(dir, "dockerd.log"), "utf8");

function docker(args: string[], timeoutMs = 60_000): Out {
  return sh(DOCKER, ["-H", `unix://${sock}`, ...args], { timeoutMs });
}

/** docker under a pty (-t needs its stdin to be a terminal). */
function dockerTty(args: string[]): Out {
  const cmd = [DOCKER, "-H", `unix://${sock}`, ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(" ");
  return sh("script", ["-qec", cmd, "/dev/null"]);
}

beforeAll(async () => {
  ensurePackages({
    "docker.io": "/usr/sbin/dockerd",
    containerd: "/usr/bin/containerd",
    runc: RUNC,
  });
  ensurePackages({ "docker.io": DOCKER });
  if (!existsSync(RUNT)) throw new Error(`${RUNT} is missing: build it (make) first`);
  dir = mkdtempSync("/tmp/runt-docker-");
  sock = join(dir, "docker.sock");
  const log = openSync(join(dir, "dockerd.log"), "w");
  daemon = spawn(
    "dockerd",
    [
      "--iptables=false",
      "--ip6tables=false",
      "--bridge=none",
      "--ip-forward=false",
      "--ip-masq=false",
      "--data-root",
      join(dir, "data"),
      "--exec-root",
      join(dir, "exec"),
      "-H",
      `unix://${sock}`,
      "--pidfile",
      join(dir, "docker.pid"),
      "--add-runtime",
      `runt=${RUNT}`,
      "--cgroup-parent",
      `/${CGROUP_PARENT}`,
    ],
    { stdio: ["ignore", log, log], detached: true },
  );
  closeSync(log);
  const d = daemon;
  const up = () => existsSync(sock) && docker(["version"]).status === 0;
  if (!(await until(() => d.exitCode !== null || up(), 60_000, 100)) || d.exitCode !== null) {
    throw new Error(`dockerd did not start:\n${logOf().slice(-4000)}`);
  }
  const tar = join(dir, "rootfs.tar");
  const t = sh("tar", ["--numeric-owner", "-C", ROOTFS, "-cf", tar, "."]);
  if (t.status !== 0) throw new Error(`tar: ${t.stderr}`);
  const i = docker(["import", "-c", 'CMD ["sh"]', tar, IMAGE]);
  if (i.status !== 0) throw new Error(`docker import: ${i.stderr}`);
}, 600_000);

afterAll(async () => {
  if (sock && daemon && daemon.exitCode === null) {
    const ids = docker(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
    if (ids.length) docker(["rm", "-f", ...ids]);
    docker(["rmi", "-f", IMAGE]);
    daemon.kill("SIGTERM");
    for (let i = 0; i < 200 && daemon.exitCode === null && daemon.signalCode === null; i++) {
      await Bun.sleep(50);
    }
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill("SIGKILL");
  }
  if (dir) {
    killShims(dir);
    const pid = join(dir, "exec/containerd/containerd.pid");
    try {
      process.kill(Number(readFileSync(pid, "utf8")), "SIGKILL");
    } catch {}
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  removeCgroupParent(CGROUP_PARENT);
}, 120_000);

let serial = 0;
const newName = (rt: Name) => `${rt}-${process.pid}-${++serial}`;

/** Runs the scenario with each runtime; fails on the first difference, naming both. */
async function compare<T>(label: string, scenario: (rt: Name) => Promise<T> | T): Promise<T> {
  const got: Partial<Record<Name, T>> = {};
  for (const rt of RUNTIMES) got[rt] = await scenario(rt);
  const a = JSON.stringify(got.runc);
  const b = JSON.stringify(got.runt);
  if (a !== b) throw new Error(`${label}: runc gave ${a}, runt gave ${b}`);
  return got.runt as T;
}

/** docker run --rm in the foreground: what the user sees. */
function run(
  rt: Name,
  flags: string[],
  cmd: string,
): { status: number; stdout: string; stderr: string } {
  const r = docker([
    "run",
    "--rm",
    "--runtime",
    rt,
    "--network",
    "none",
    ...flags,
    IMAGE,
    "sh",
    "-c",
    cmd,
  ]);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A detached container that exits 7 on SIGTERM. */
function runDetached(rt: Name, name: string, flags: string[] = []): void {
  const script = "trap 'exit 7' TERM; while :; do sleep 1; done";
  const r = docker([
    "run",
    "-d",
    "--name",
    name,
    "--runtime",
    rt,
    "--network",
    "none",
    ...flags,
    IMAGE,
    "sh",
    "-c",
    script,
  ]);
  if (r.status !== 0) throw new Error(`docker run -d --runtime ${rt}: ${r.stderr}`);
}

const inspect = (name: string, fmt: string) => docker(["inspect", "-f", fmt, name]).stdout.trim();

describe("docker run in the foreground", () => {
  test("output, stderr and exit status", async () => {
    await compare("docker run", (rt) => run(rt, [], "echo out; echo err >&2; exit 3"));
  });

  test("a command that does not exist: 127 and the runtime's message", async () => {
    await compare("missing command", (rt) => {
      const r = docker(["run", "--rm", "--runtime", rt, "--network", "none", IMAGE, "nope"]);
      return {
        status: r.status,
        prefix: r.stderr.includes("OCI runtime create failed"),
        named: r.stderr.includes("nope"),
      };
    });
  });

  test("-e, --user, --workdir", async () => {
    const r = await compare("env/user/workdir", (rt) =>
      run(
        rt,
        ["-e", "FOO=bar", "--user", "1000:1000", "--workdir", "/tmp"],
        'echo "$FOO"; id; pwd',
      ),
    );
    expect(r.stdout).toBe("bar\nuid=1000 gid=1000 groups=1000\n/tmp\n");
  });

  test("--read-only and a -v bind mount", async () => {
    const host = mkdtempSync("/tmp/runt-docker-vol-");
    try {
      writeFileSync(join(host, "in"), "from the host\n");
      await compare("read-only + volume", (rt) => {
        const r = run(
          rt,
          ["--read-only", "-v", `${host}:/data`],
          `cat /data/in; echo ${rt} > /data/out; touch /x; echo $?`,
        );
        return {
          ...r,
          stderr: r.stderr.includes("Read-only file system"),
          out: readFileSync(join(host, "out"), "utf8").trim() === rt,
        };
      });
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  test("--cap-drop", async () => {
    const r = await compare("cap-drop", (rt) =>
      run(
        rt,
        ["--cap-drop", "ALL", "--cap-add", "CHOWN"],
        "grep -E '^Cap(Eff|Bnd)' /proc/self/status",
      ),
    );
    expect(r.stdout).toBe("CapEff:\t0000000000000001\nCapBnd:\t0000000000000001\n");
  });

  test("--memory and --pids-limit reach the cgroup", async () => {
    const r = await compare("memory", (rt) =>
      run(
        rt,
        ["--memory", "64m", "--pids-limit", "50"],
        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max",
      ),
    );
    expect(r.stdout).toBe(`${64 * 1024 * 1024}\n50\n`);
  });

  test("-t: a terminal", async () => {
    await compare("run -t", (rt) => {
      const r = dockerTty([
        "run",
        "--rm",
        "-t",
        "--runtime",
        rt,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "tty; exit 4",
      ]);
      return { status: r.status, stdout: r.stdout.replaceAll("\r", "").replaceAll("^@", "") };
    });
  });
});

describe("docker run: more of what people pass", () => {
  test("--init, host namespaces, the default seccomp profile", async () => {
    const r = await compare("init/host/seccomp", (rt) => {
      const init = run(rt, ["--init"], 'tr "\\0" " " < /proc/1/cmdline');
      const host = docker([
        "run",
        "--rm",
        "--runtime",
        rt,
        "--network",
        "host",
        "--pid",
        "host",
        "--ipc",
        "host",
        "--uts",
        "host",
        IMAGE,
        "sh",
        "-c",
        "test -d /proc/1 && readlink /proc/1/ns/pid; hostname",
      ]);
      const sec = run(rt, [], "grep Seccomp: /proc/self/status");
      return { init, host: host.stdout, sec: sec.stdout };
    });
    expect(r.init.stdout).toStartWith("/sbin/docker-init -- sh -c");
    expect(r.sec).toBe("Seccomp:\t2\n");
  });

  test("cpu limits, a device, a sysctl, a named volume, a tmpfs mount, --ulimit", async () => {
    const r = await compare("resources and mounts", (rt) =>
      run(
        rt,
        [
          "--cpus",
          "0.5",
          "--cpu-shares",
          "512",
          "--cpuset-cpus",
          "0",
          "--device",
          "/dev/null:/dev/mynull",
          "--sysctl",
          "kernel.msgmax=4096",
          "-v",
          `runt-e2e-vol-${process.pid}:/vol`,
          "--mount",
          "type=tmpfs,dst=/tm",
          "--ulimit",
          "nofile=1000:1000",
          "--hostname",
          "hh",
          "--add-host",
          "foo:1.2.3.4",
        ],
        "cd /sys/fs/cgroup; cat cpu/cpu.cfs_quota_us cpu/cpu.shares cpuset/cpuset.cpus /proc/sys/kernel/msgmax;" +
          " echo x > /dev/mynull && touch /vol/f /tm/f && ulimit -n && hostname && grep foo /etc/hosts",
      ),
    );
    docker(["volume", "rm", `runt-e2e-vol-${process.pid}`]);
    expect(r.stdout).toBe("50000\n512\n0\n4096\n1000\nhh\n1.2.3.4\tfoo\n");
  });

  test("-i: stdin reaches the process", async () => {
    await compare("run -i", (rt) => {
      const r = sh(
        DOCKER,
        [
          "-H",
          `unix://${sock}`,
          "run",
          "--rm",
          "-i",
          "--runtime",
          rt,
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          "cat; echo done",
        ],
        {
          input: "piped\n",
        },
      );
      return { status: r.status, stdout: r.stdout };
    });
  });

  test("OOM kill: State.OOMKilled and 137", async () => {
    await compare("oom", (rt) => {
      const name = newName(rt);
      try {
        docker([
          "run",
          "--name",
          name,
          "--runtime",
          rt,
          "--network",
          "none",
          "--memory",
          "16m",
          "--memory-swap",
          "16m",
          IMAGE,
          "sh",
          "-c",
          "x=a; while :; do x=$x$x; done",
        ]);
        return inspect(name, "{{.State.OOMKilled}} {{.State.ExitCode}}");
      } finally {
        docker(["rm", "-f", name]);
      }
    });
  });

  test("restart, logs, exec -u -w -i, --restart on-failure", async () => {
    await compare("restart", async (rt) => {
      const name = newName(rt);
      const again = newName(rt);
      try {
        runDetached(rt, name);
        const ex = docker(["exec", "-u", "1000:1000", "-w", "/tmp", name, "sh", "-c", "id; pwd"]);
        const exi = sh(
          DOCKER,
          ["-H", `unix://${sock}`, "exec", "-i", name, "sh", "-c", "read x; echo got $x"],
          { input: "line\n" },
        );
        const rs = docker(["restart", "-t", "2", name]);
        const state = inspect(name, "{{.State.Status}} {{.RestartCount}}");
        const logs = docker(["logs", name]);
        docker([
          "run",
          "-d",
          "--name",
          again,
          "--restart",
          "on-failure:2",
          "--runtime",
          rt,
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          "echo try; exit 3",
        ]);
        await until(
          () => inspect(again, "{{.RestartCount}} {{.State.Status}}") === "2 exited",
          15_000,
          100,
        );
        return {
          exec: ex.stdout,
          execI: exi.stdout,
          restart: rs.status,
          state,
          logs: logs.stdout,
          onFailure: inspect(again, "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}"),
          tries: docker(["logs", again]).stdout,
        };
      } finally {
        docker(["rm", "-f", name, again]);
      }
    });
  });
});

describe("docker run -d and friends", () => {
  test("exec, exec -t, top, stats, pause/unpause, stop, rm", async () => {
    await compare("detached", async (rt) => {
      const name = newName(rt);
      const seen: Record<string, unknown> = {};
      try {
        runDetached(rt, name, ["--memory", "64m"]);
        seen.running = inspect(name, "{{.State.Status}}");
        const e = docker(["exec", "-e", "X=1", name, "sh", "-c", 'echo "x=$X"; exit 5']);
        seen.exec = { status: e.status, stdout: e.stdout, stderr: e.stderr };
        const t = dockerTty(["exec", "-t", name, "sh", "-c", "tty; sleep 0.5; exit 6"]);
        seen.execTty = {
          status: t.status,
          stdout: t.stdout.replaceAll("\r", "").replaceAll("^@", ""),
        };
        const top = docker(["top", name]);
        // (the shell's sleep comes and goes: look for the init only)
        seen.top = { status: top.status, init: top.stdout.includes("while :") };
        const st = docker(["stats", "--no-stream", "--format", "{{.MemUsage}}|{{.PIDs}}", name]);
        const [mem = "", pids = ""] = st.stdout.trim().split("|");
        seen.stats = { status: st.status, limit: mem.split(" / ")[1], pids: Number(pids) > 0 };
        const u = docker([
          "update",
          "--memory",
          "96m",
          "--memory-swap",
          "128m",
          "--pids-limit",
          "40",
          name,
        ]);
        seen.update = { status: u.status, stderr: u.stderr };
        const lim = docker([
          "exec",
          name,
          "cat",
          "/sys/fs/cgroup/memory/memory.limit_in_bytes",
          "/sys/fs/cgroup/pids/pids.max",
        ]);
        seen.limits = lim.stdout;
        seen.pause = docker(["pause", name]).status;
        seen.paused = inspect(name, "{{.State.Status}}");
        seen.unpause = docker(["unpause", name]).status;
        seen.unpaused = inspect(name, "{{.State.Status}}");
        seen.stop = docker(["stop", "-t", "5", name]).status;
        seen.exit = inspect(name, "{{.State.Status}} {{.State.ExitCode}}");
        seen.rm = docker(["rm", name]).status;
      } finally {
        docker(["rm", "-f", name]);
      }
      return seen;
    });
  });

  test("kill, then rm; rm -f of a running container", async () => {
    await compare("kill", async (rt) => {
      const a = newName(rt);
      const b = newName(rt);
      try {
        runDetached(rt, a);
        runDetached(rt, b);
        const k = docker(["kill", a]);
        const w = docker(["wait", a]);
        const rm = docker(["rm", a]);
        const rmf = docker(["rm", "-f", b]);
        return {
          kill: k.status,
          exit: w.stdout.trim(),
          rm: rm.status,
          rmf: rmf.status,
          left: docker(["ps", "-aq", "-f", `name=${b}`]).stdout,
        };
      } finally {
        docker(["rm", "-f", a, b]);
      }
    });
  });
});
