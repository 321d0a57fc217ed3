// containerd 1.6 + containerd-shim-runc-v2, driven through ctr with --runc-binary:
// every scenario runs with runc and with runt, and a difference in what the user
// sees (output, exit status, task status, metrics) fails naming both answers.
// The daemon is our own (root, state and sockets under /tmp, no CRI plugin) and
// is stopped at the end with its shims, containers, image and namespace.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { until } from "../helpers/harness.ts";
import {
  buildOciArchive,
  Containerd,
  ensurePackages,
  IMAGE,
  type Out,
  RUNC,
  RUNT,
  sh,
} from "./containerd-env.ts";

const RUNTIMES = { runc: RUNC, runt: RUNT } as const;
type Name = keyof typeof RUNTIMES;

let d: Containerd;

beforeAll(async () => {
  ensurePackages({ containerd: "/usr/bin/containerd", runc: RUNC });
  if (!existsSync(RUNT)) throw new Error(`${RUNT} is missing: build it (make) first`);
  d = new Containerd("ctr");
  await d.start();
  const archive = join(d.dir, "busybox-oci.tar");
  buildOciArchive(archive);
  const r = d.ctr(["image", "import", archive]);
  if (r.status !== 0) throw new Error(`ctr image import: ${r.stderr}`);
}, 600_000);

afterAll(async () => {
  await d?.stop();
}, 120_000);

let serial = 0;
const newId = (rt: Name) => `${rt}-${process.pid}-${++serial}`;

const ctr = (args: string[], timeoutMs?: number) => d.ctr(args, { timeoutMs });

/** ctr under a pty (ctr --tty needs its stdin to be a terminal). */
function ctrTty(args: string[]): Out {
  const cmd = ["ctr", "--address", d.address, "--namespace", d.namespace, ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(" ");
  return sh("script", ["-qec", cmd, "/dev/null"]);
}

/** Runs the scenario with each runtime; fails on the first difference, naming both. */
async function compare<T>(
  label: string,
  scenario: (rt: Name, bin: string) => Promise<T> | T,
): Promise<T> {
  const got: Partial<Record<Name, T>> = {};
  for (const rt of Object.keys(RUNTIMES) as Name[]) got[rt] = await scenario(rt, RUNTIMES[rt]);
  const a = JSON.stringify(got.runc);
  const b = JSON.stringify(got.runt);
  if (a !== b) throw new Error(`${label}: runc gave ${a}, runt gave ${b}`);
  return got.runt as T;
}

/** The task's status in `ctr task list` (RUNNING, PAUSED, STOPPED), or "" if none. */
function taskStatus(id: string): string {
  const line = ctr(["task", "list"])
    .stdout.split("\n")
    .find((l) => l.startsWith(`${id} `));
  return line?.trim().split(/\s+/)[2] ?? "";
}

/** Polls the task's status every 50 ms until it is `want` or ms passed; the last seen. */
async function waitStatus(id: string, want: string, ms = 10_000): Promise<string> {
  let s = "";
  await until(
    () => {
      s = taskStatus(id);
      return s === want;
    },
    ms,
    50,
  );
  return s;
}

function containers(): string[] {
  return ctr(["container", "list", "-q"]).stdout.split("\n").filter(Boolean);
}

/** Removes a task and its container whatever state they are in. */
async function remove(id: string): Promise<void> {
  if (taskStatus(id) !== "") {
    ctr(["task", "kill", "-s", "SIGKILL", id]);
    await waitStatus(id, "STOPPED", 5000);
    ctr(["task", "delete", id]);
  }
  if (containers().includes(id)) ctr(["container", "delete", id]);
}

/** ctr's messages without what differs from run to run: times, ids, NULs, CRs. */
function norm(text: string, id: string): string {
  return text
    .replaceAll(/time="[^"]*"/g, "time=T")
    .replaceAll(id || "\u0000", "ID")
    .replaceAll("\0", "")
    .replaceAll("^@", "")
    .replaceAll("\r", "");
}

/** `ctr run -d` of a busybox shell that waits, and exits 7 on SIGTERM; the caller removes it. */
function runDetached(id: string, bin: string, extra: string[] = []): void {
  const script = "trap 'exit 7' TERM; while :; do sleep 1; done";
  const r = ctr(["run", "-d", "--runc-binary", bin, ...extra, IMAGE, id, "sh", "-c", script]);
  if (r.status !== 0) throw new Error(`ctr run -d with ${bin}: ${r.stderr}`);
}

describe("ctr run (foreground)", () => {
  test("output, stderr and exit status pass through", async () => {
    await compare("ctr run", (rt, bin) => {
      const id = newId(rt);
      const r = ctr([
        "run",
        "--rm",
        "--runc-binary",
        bin,
        IMAGE,
        id,
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
      ]);
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    });
  });

  test("a failing create: the runtime's JSON log message reaches ctr, nothing is left", async () => {
    await compare("failing create", (rt, bin) => {
      const id = newId(rt);
      const r = ctr(["run", "--rm", "--runc-binary", bin, IMAGE, id, "nope"]);
      return {
        status: r.status,
        prefix: r.stderr.includes("OCI runtime create failed: "),
        named: r.stderr.includes("nope"),
        left: containers().includes(id),
      };
    });
  });

  test("--rm leaves no container behind; without it the container stays", async () => {
    await compare("ctr run --rm", async (rt, bin) => {
      const gone = newId(rt);
      const kept = newId(rt);
      const a = ctr(["run", "--rm", "--runc-binary", bin, IMAGE, gone, "true"]);
      const b = ctr(["run", "--runc-binary", bin, IMAGE, kept, "true"]);
      const list = containers();
      const seen = {
        rm: list.includes(gone),
        kept: list.includes(kept),
        status: [a.status, b.status],
      };
      ctr(["task", "delete", kept]);
      ctr(["container", "delete", kept]);
      return seen;
    });
  });

  test("the image's env, the rootfs and the pid namespace", async () => {
    const out = await compare("ctr run env", (rt, bin) => {
      const r = ctr([
        "run",
        "--rm",
        "--env",
        "FOO=bar",
        "--runc-binary",
        bin,
        IMAGE,
        newId(rt),
        "sh",
        "-c",
        'echo "$FOO $PATH $$"; ls /bin/busybox; cat /proc/1/cmdline | tr "\\0" " "',
      ]);
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    });
    expect(out.stdout).toContain("bar /usr/local/sbin");
  });

  test("--tty: the process has a terminal and its exit status passes through", async () => {
    await compare("ctr run --tty", (rt, bin) => {
      const r = ctrTty([
        "run",
        "--rm",
        "--tty",
        "--runc-binary",
        bin,
        IMAGE,
        newId(rt),
        "sh",
        "-c",
        "tty; stty size >/dev/null && echo sized; exit 4",
      ]);
      return { status: r.status, stdout: norm(r.stdout, ""), stderr: r.stderr };
    });
  });
});

describe("ctr run: options", () => {
  test("--read-only, --mount, --cwd, --cap-drop, --seccomp, --cpus, --pid-file", async () => {
    const r = await compare("run options", (rt, bin) => {
      const id = newId(rt);
      const pidFile = join(d.dir, `${id}.pid`);
      const out = ctr([
        "run",
        "--rm",
        "--read-only",
        "--mount",
        "type=bind,src=/etc,dst=/hostetc,options=rbind:ro",
        "--cwd",
        "/hostetc",
        "--cap-drop",
        "CAP_NET_RAW",
        "--seccomp",
        "--cpus",
        "0.5",
        "--pid-file",
        pidFile,
        "--runc-binary",
        bin,
        IMAGE,
        id,
        "sh",
        "-c",
        "pwd; test -f hostname && echo bound; touch /x 2>/dev/null || echo ro;" +
          " grep -E '^(CapBnd|Seccomp):' /proc/self/status; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us",
      ]);
      return {
        status: out.status,
        stdout: out.stdout,
        stderr: out.stderr,
        pidFile: existsSync(pidFile),
      };
    });
    // (ctr's default spec mounts no cgroupfs: the quota line stays empty for both.)
    expect(r.stdout).toStartWith("/hostetc\nbound\nro\nCapBnd:\t00000000a80405fb\nSeccomp:\t2\n");
  });

  test("OOM: the shim sees it (/tasks/oom) and the task exits 137", async () => {
    const o = await compare("oom", async (rt, bin) => {
      const ev = spawn("ctr", ["--address", d.address, "--namespace", d.namespace, "events"], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      let events = "";
      ev.stdout?.on("data", (b) => {
        events += b;
      });
      await Bun.sleep(200);
      const id = newId(rt);
      const r = ctr([
        "run",
        "--rm",
        "--memory-limit",
        String(16 * 1024 * 1024),
        "--runc-binary",
        bin,
        IMAGE,
        id,
        "sh",
        "-c",
        "x=a; while :; do x=$x$x; done",
      ]);
      await Bun.sleep(300);
      ev.kill();
      const topics = events
        .split("\n")
        .filter((l) => l.includes(id))
        .map((l) => l.split(" ")[5]);
      return { status: r.status, topics };
    });
    expect(o.status).toBe(137);
    expect(o.topics).toContain("/tasks/oom");
  });
});

describe("ctr run -d and the task verbs", () => {
  test("run -d, task list, exec, exec --tty, kill, delete", async () => {
    await compare("detached task", async (rt, bin) => {
      const id = newId(rt);
      const seen: Record<string, unknown> = {};
      try {
        runDetached(id, bin);
        seen.running = await waitStatus(id, "RUNNING");
        const e = ctr([
          "task",
          "exec",
          "--exec-id",
          "e1",
          id,
          "sh",
          "-c",
          "echo in $(hostname); exit 5",
        ]);
        seen.exec = { status: e.status, stdout: e.stdout, stderr: e.stderr };
        const t = ctrTty([
          "task",
          "exec",
          "--tty",
          "--exec-id",
          "e2",
          id,
          "sh",
          "-c",
          "tty; sleep 0.5; exit 6",
        ]);
        seen.execTty = { status: t.status, stdout: norm(t.stdout, id) };
        const ps = ctr(["task", "ps", id]);
        // (the shell's sleep comes and goes: at least the init, after the header)
        seen.psLines = ps.stdout.trim().split("\n").length >= 2;
        seen.psStatus = ps.status;
        const k = ctr(["task", "kill", id]);
        seen.kill = k.status;
        seen.stopped = await waitStatus(id, "STOPPED");
        const del = ctr(["task", "delete", id]);
        seen.delete = { status: del.status, stderr: norm(del.stderr, id) };
        seen.taskGone = taskStatus(id);
        const cd = ctr(["container", "delete", id]);
        seen.containerDelete = cd.status;
        seen.containerGone = !containers().includes(id);
      } finally {
        await remove(id);
      }
      return seen;
    });
  });

  test("kill --all with SIGKILL, then delete", async () => {
    await compare("kill --all", async (rt, bin) => {
      const id = newId(rt);
      try {
        runDetached(id, bin);
        await waitStatus(id, "RUNNING");
        ctr(["task", "exec", "-d", "--exec-id", "bg", id, "sleep", "500"]);
        const k = ctr(["task", "kill", "--all", "-s", "SIGKILL", id]);
        const stopped = await waitStatus(id, "STOPPED");
        const del = ctr(["task", "delete", id]);
        return { kill: k.status, stopped, delete: del.status, stderr: norm(del.stderr, id) };
      } finally {
        await remove(id);
      }
    });
  });

  test("a task that exited: kill says it already finished, ps lists nothing", async () => {
    await compare("exited task", async (rt, bin) => {
      const id = newId(rt);
      try {
        const r = ctr(["run", "-d", "--runc-binary", bin, IMAGE, id, "sh", "-c", "exit 2"]);
        const stopped = await waitStatus(id, "STOPPED");
        const k = ctr(["task", "kill", id]);
        const ps = ctr(["task", "ps", id]);
        const del = ctr(["task", "delete", id]);
        return {
          run: r.status,
          stopped,
          kill: { status: k.status, stderr: k.stderr },
          ps: { status: ps.status, stdout: ps.stdout, stderr: ps.stderr },
          delete: { status: del.status, stderr: norm(del.stderr, id) },
        };
      } finally {
        await remove(id);
      }
    });
  });

  test("task delete --force of a running task", async () => {
    await compare("task delete --force", async (rt, bin) => {
      const id = newId(rt);
      try {
        runDetached(id, bin);
        await waitStatus(id, "RUNNING");
        const del = ctr(["task", "delete", "--force", id]);
        return { delete: del.status, gone: taskStatus(id) };
      } finally {
        await remove(id);
      }
    });
  });

  test("pause and resume", async () => {
    await compare("pause/resume", async (rt, bin) => {
      const id = newId(rt);
      try {
        runDetached(id, bin);
        await waitStatus(id, "RUNNING");
        const p = ctr(["task", "pause", id]);
        const paused = await waitStatus(id, "PAUSED");
        const r = ctr(["task", "resume", id]);
        const resumed = await waitStatus(id, "RUNNING");
        const e = ctr(["task", "exec", "--exec-id", "after", id, "echo", "alive"]);
        return { pause: p.status, paused, resume: r.status, resumed, exec: e.stdout };
      } finally {
        await remove(id);
      }
    });
  });

  test("containerd restarts: the shim keeps the task, exec and kill still work", async () => {
    await compare("daemon restart", async (rt, bin) => {
      const id = newId(rt);
      try {
        runDetached(id, bin);
        await waitStatus(id, "RUNNING");
        await d.restart();
        const after = await waitStatus(id, "RUNNING");
        const e = ctr(["task", "exec", "--exec-id", "x", id, "echo", "still here"]);
        ctr(["task", "kill", id]);
        const stopped = await waitStatus(id, "STOPPED");
        const del = ctr(["task", "delete", id]);
        return { after, exec: e.stdout, stopped, delete: norm(del.stderr, id) };
      } finally {
        await remove(id);
      }
    });
  });

  test("task metrics: memory and pids of the container's cgroup", async () => {
    const limit = 64 * 1024 * 1024;
    const m = await compare("task metrics", async (rt, bin) => {
      const id = newId(rt);
      try {
        runDetached(id, bin, ["--memory-limit", String(limit)]);
        await waitStatus(id, "RUNNING");
        const r = ctr(["task", "metrics", "--format", "json", id]);
        if (r.status !== 0) return { status: r.status, stderr: r.stderr };
        const j = JSON.parse(r.stdout);
        const mem = j.memory ?? {};
        return {
          status: r.status,
          memoryLimit: mem.usage?.limit,
          memoryUsed: (mem.usage?.usage ?? 0) > 0,
          pids: j.pids?.current,
          cpu: typeof j.cpu?.usage?.total === "number",
        };
      } finally {
        await remove(id);
      }
    });
    expect(m).toMatchObject({ status: 0, memoryLimit: limit, memoryUsed: true, cpu: true });
    expect(m.pids).toBeGreaterThanOrEqual(1);
  });
});
