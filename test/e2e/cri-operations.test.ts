// Kubernetes through CRI, what the kubelet does with running containers, runt beside
// runc (cri/kubelet.ts): Exec and Attach streams and PortForward through containerd's
// streaming server (cri/stream.ts), logs in the CRI format and their reopening,
// stats, StopContainer's grace period, exit codes and reasons, an OOM kill, a
// restart in the same pod, removal of everything, and a containerd restart under
// running pods.
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { existsSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { until } from "../helpers/harness.ts";
import { type StreamRequest, streamSession } from "./cri/stream.ts";
import { criSuite, type Msg, type RpcError, scenarioFor } from "./cri/suite.ts";

const suite = criSuite("cri-ops");
const scenario = scenarioFor(suite);
beforeAll(suite.setup, 300_000);
afterAll(suite.teardown, 120_000);

const MiB = 1024 * 1024;
const b64 = (s: string) => Buffer.from(s).toString("base64");
const stream = (req: StreamRequest) => streamSession(suite.k().cri.netns, req);

/** The status a v4 stream's error channel carries: "Success", or the exit code. */
function streamExit(channels: Record<string, string>): string {
  const s = JSON.parse(channels["3"] ?? "{}") as {
    status?: string;
    details?: { causes?: { reason: string; message: string }[] };
  };
  if (s.status === "Success") return "Success";
  return s.details?.causes?.find((c) => c.reason === "ExitCode")?.message ?? JSON.stringify(s);
}

/** A log file's lines with the timestamp replaced: "T stdout F text". */
function logLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.replace(/^\S+ /, "T "));
}

async function waitLog(path: string, text: string): Promise<boolean> {
  return until(() => existsSync(path) && readFileSync(path, "utf8").includes(text), 10_000, 50);
}

describe("CRI: streams", () => {
  scenario(
    "Exec without a tty: stdin, stdout, stderr and the exit code on the error channel",
    async (k, h) => {
      const pod = await k.runPod(h, "exec");
      const id = await k.start(pod, "c");
      const script = "read x; echo got $x; echo err >&2; exit 3";
      const { url } = await k.call("Exec", {
        container_id: id,
        cmd: ["sh", "-c", script],
        stdin: true,
        stdout: true,
        stderr: true,
      });
      const r = stream({ url, send: [[0, b64("hello\n")]] });
      const ok = stream({
        url: (await k.call("Exec", { container_id: id, cmd: ["true"], stdout: true })).url,
        send: [],
      });
      return {
        protocol: r.protocol,
        stdout: r.channels["1"],
        stderr: r.channels["2"],
        exit: streamExit(r.channels),
        ok: streamExit(ok.channels),
        timedOut: r.timedOut || ok.timedOut,
      };
    },
    (v) =>
      expect(v).toEqual({
        protocol: "v4.channel.k8s.io",
        stdout: "got hello\n",
        stderr: "err\n",
        exit: "3",
        ok: "Success",
        timedOut: false,
      }),
  );

  scenario(
    "Exec with a tty: a terminal, its size from the resize channel",
    async (k, h) => {
      const pod = await k.runPod(h, "exectty");
      const id = await k.start(pod, "c");
      // Waits (bounded) for the resize to land: it and stdin travel apart.
      const script =
        "read x; i=0; while [ \"$(stty size 2>/dev/null)\" != '30 100' ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; stty size; tty >/dev/null && echo is-a-tty; exit 2";
      const { url } = await k.call("Exec", {
        container_id: id,
        cmd: ["sh", "-c", script],
        tty: true,
        stdin: true,
        stdout: true,
      });
      const r = stream({
        url,
        send: [
          [4, b64(JSON.stringify({ Width: 100, Height: 30 }))],
          [0, b64("go\r")],
        ],
      });
      return { out: r.channels["1"], stderr: r.channels["2"], exit: streamExit(r.channels) };
    },
    (v) => expect(v).toEqual({ out: "go\r\n30 100\r\nis-a-tty\r\n", stderr: undefined, exit: "2" }),
  );

  scenario(
    "Attach: stdin reaches the container's process, its output comes back, and it exits",
    async (k, h) => {
      const pod = await k.runPod(h, "attach");
      const id = await k.start(pod, "c", (c) => {
        c.command = ["sh", "-c", "read x; echo attached $x; echo to-stderr >&2; exit 4"];
        c.stdin = true;
        c.stdin_once = true;
      });
      const { url } = await k.call("Attach", {
        container_id: id,
        stdin: true,
        stdout: true,
        stderr: true,
      });
      // The server ends the session when the container's output closes (it exits).
      const r = stream({ url, send: [[0, b64("one\n")]] });
      const s = await k.waitExited(id);
      return {
        stdout: r.channels["1"],
        stderr: r.channels["2"],
        exit: s.exit_code,
        log: logLines(s.log_path).sort(),
      };
    },
    (v) =>
      expect(v).toEqual({
        stdout: "attached one\n",
        stderr: "to-stderr\n",
        exit: 4,
        log: ["T stderr F to-stderr", "T stdout F attached one"],
      }),
  );

  scenario(
    "Attach to a tty container: the shell reads the terminal, the exit code is its own",
    async (k, h) => {
      const pod = await k.runPod(h, "attachtty");
      const id = await k.start(pod, "c", (c) => {
        c.command = ["sh", "-c", "read x; tty >/dev/null && echo tty-$x; exit 6"];
        c.stdin = true;
        c.stdin_once = true;
        c.tty = true;
      });
      const { url } = await k.call("Attach", {
        container_id: id,
        stdin: true,
        stdout: true,
        tty: true,
      });
      const r = stream({ url, send: [[0, b64("ok\r")]], until: "tty-ok" });
      const s = await k.waitExited(id);
      return { out: r.channels["1"]?.includes("tty-ok"), exit: s.exit_code };
    },
    (v) => expect(v).toEqual({ out: true, exit: 6 }),
  );

  scenario(
    "PortForward to a port inside the pod",
    async (k, h) => {
      const pod = await k.runPod(h, "pf");
      await k.start(pod, "web", (c) => {
        c.command = ["httpd", "-f", "-p", "8080", "-h", "/etc"];
      });
      const { url } = await k.call("PortForward", { pod_sandbox_id: pod.id, port: [8080] });
      let body = "";
      // httpd may not listen yet when the container has just started.
      for (let i = 0; i < 50 && !body.includes("200 OK"); i++) {
        const r = stream({
          url: `${url}?ports=8080`,
          send: [[0, b64("GET /hostname HTTP/1.0\r\n\r\n")]],
        });
        // Each channel's first two bytes are the port, little-endian.
        body = Buffer.from(r.channels["0"] ?? "", "utf8")
          .toString()
          .slice(2);
        if (!body.includes("200 OK")) await Bun.sleep(100);
      }
      return { status: body.split("\r\n")[0], body: body.split("\r\n\r\n")[1] };
    },
    (v) => expect(v).toEqual({ status: "HTTP/1.1 200 OK", body: "pf\n" }),
  );
});

describe("CRI: logs and stats", () => {
  scenario(
    "logs in the CRI format: streams, full and partial lines, a line split at 16 KiB",
    async (k, h) => {
      const pod = await k.runPod(h, "logs");
      const id = await k.start(pod, "c", (c) => {
        c.command = [
          "sh",
          "-c",
          "echo out; echo err >&2; head -c 20000 /dev/zero | tr '\\0' x; echo; printf partial",
        ];
      });
      const s = await k.waitExited(id);
      const lines = logLines(s.log_path).map((l) => l.replace(/x{100,}/, (m) => `x*${m.length}`));
      return {
        stdout: lines.filter((l) => l.includes(" stdout ")),
        stderr: lines.filter((l) => l.includes(" stderr ")),
        path: s.log_path === join(pod.config.log_directory, "c/0.log"),
      };
    },
    (v) =>
      expect(v).toEqual({
        // The last line has no newline: containerd tags it partial.
        stdout: ["T stdout F out", "T stdout P x*16384", "T stdout F x*3616", "T stdout P partial"],
        stderr: ["T stderr F err"],
        path: true,
      }),
  );

  scenario(
    "ReopenContainerLog: after the kubelet rotates the file, output goes to a new one",
    async (k, h) => {
      const pod = await k.runPod(h, "reopen");
      const id = await k.start(pod, "c", (c) => {
        c.command = [
          "sh",
          "-c",
          "echo before; i=0; while [ ! -e /tmp/go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; echo after; exec sleep 1000",
        ];
      });
      const log = (await k.status(id)).log_path;
      await waitLog(log, "before");
      renameSync(log, `${log}.1`);
      await k.call("ReopenContainerLog", { container_id: id });
      await k.sh(id, "touch /tmp/go");
      await waitLog(log, "after");
      const stopped = await k.waitExited(id, 0);
      let reopenStopped = "";
      await k.call("StopContainer", { container_id: id, timeout: 0 });
      try {
        await k.call("ReopenContainerLog", { container_id: id });
      } catch (e) {
        reopenStopped = (e as RpcError).code;
      }
      return {
        rotated: logLines(`${log}.1`),
        current: logLines(log),
        running: stopped.state,
        reopenStopped,
      };
    },
    (v) =>
      expect(v).toEqual({
        rotated: ["T stdout F before"],
        current: ["T stdout F after"],
        running: "CONTAINER_RUNNING",
        reopenStopped: "UNKNOWN",
      }),
  );

  scenario(
    "ContainerStats, ListContainerStats and PodSandboxStats",
    async (k, h) => {
      const pod = await k.runPod(h, "stats");
      const id = await k.start(pod, "c", (c) => {
        c.command = ["sh", "-c", "x=$(head -c 4000000 /dev/zero | tr '\\0' y); exec sleep 1000"];
        c.linux.resources = { memory_limit_in_bytes: 64 * MiB };
      });
      let st: Msg = {};
      // The first sample may come before the cgroup has any usage in it.
      for (let i = 0; i < 50; i++) {
        st = (await k.call("ContainerStats", { container_id: id })).stats;
        if (
          Number(st.cpu?.usage_core_nano_seconds?.value) > 0 &&
          st.memory?.working_set_bytes?.value > 0
        )
          break;
        await Bun.sleep(100);
      }
      const list = (await k.call("ListContainerStats", { filter: { pod_sandbox_id: pod.id } }))
        .stats as Msg[];
      let podStats: unknown;
      try {
        const ps = (await k.call("PodSandboxStats", { pod_sandbox_id: pod.id })).stats;
        podStats = {
          id: ps.attributes?.id === pod.id,
          cpu: Number(ps.linux?.cpu?.usage_core_nano_seconds?.value) > 0,
          containers: (ps.linux?.containers ?? []).map((c: Msg) => c.attributes?.id === id),
        };
      } catch (e) {
        podStats = (e as RpcError).code;
      }
      return {
        id: st.attributes?.id === id,
        name: st.attributes?.metadata?.name,
        cpu: Number(st.cpu?.usage_core_nano_seconds?.value) > 0,
        memory: Number(st.memory?.working_set_bytes?.value) > 0,
        listed: list.map((s) => s.attributes?.id === id),
        podStats,
      };
    },
    (v) => {
      expect(v.id).toBe(true);
      expect(v.cpu).toBe(true);
      expect(v.memory).toBe(true);
      expect(v.listed).toEqual([true]);
      expect(v.podStats).toEqual({ id: true, cpu: true, containers: [true] });
    },
  );
});

describe("CRI: stop, exit and restart", () => {
  scenario(
    "StopContainer's grace period: TERM handled, then TERM ignored and KILL after the grace",
    async (k, h) => {
      const pod = await k.runPod(h, "grace");
      const polite = await k.start(pod, "polite", (c) => {
        c.command = ["sh", "-c", "trap 'exit 7' TERM; while :; do sleep 1 & wait $!; done"];
      });
      const stubborn = await k.start(pod, "stubborn", (c) => {
        c.command = ["sh", "-c", "trap '' TERM; while :; do sleep 1 & wait $!; done"];
      });
      await k.call("StopContainer", { container_id: polite, timeout: 10 });
      await k.call("StopContainer", { container_id: stubborn, timeout: 1 });
      const a = await k.status(polite);
      const b = await k.status(stubborn);
      return {
        polite: [a.state, a.exit_code, a.reason],
        stubborn: [b.state, b.exit_code, b.reason],
      };
    },
    (v) =>
      expect(v).toEqual({
        polite: ["CONTAINER_EXITED", 7, "Error"],
        stubborn: ["CONTAINER_EXITED", 137, "Error"],
      }),
  );

  scenario(
    "a container that exits: its exit code and reason, 127 for a missing binary",
    async (k, h) => {
      const pod = await k.runPod(h, "exits");
      const ids = [
        await k.start(pod, "e42", (c) => {
          c.command = ["sh", "-c", "exit 42"];
        }),
        await k.start(pod, "missing", (c) => {
          c.command = ["sh", "-c", "exec /no/such/binary"];
        }),
      ];
      const out = [];
      for (const id of ids) {
        const s = await k.waitExited(id);
        out.push([s.metadata.name, s.state, s.exit_code, s.reason]);
      }
      return out;
    },
    (v) =>
      expect(v).toEqual([
        ["e42", "CONTAINER_EXITED", 42, "Error"],
        ["missing", "CONTAINER_EXITED", 127, "Error"],
      ]),
  );

  scenario(
    "a container over its memory limit is OOM-killed: reason OOMKilled, 137",
    async (k, h) => {
      const pod = await k.runPod(h, "oom");
      const id = await k.start(pod, "hog", (c) => {
        c.command = ["sh", "-c", "tail /dev/zero"];
        c.linux.resources = { memory_limit_in_bytes: 32 * MiB };
      });
      const s = await k.waitExited(id, 30_000);
      return [s.state, s.exit_code, s.reason];
    },
    (v) => expect(v).toEqual(["CONTAINER_EXITED", 137, "OOMKilled"]),
  );

  scenario(
    "a restart in the same pod (attempt 1) runs beside its exited attempt 0",
    async (k, h) => {
      const pod = await k.runPod(h, "restart");
      const first = await k.start(pod, "app", (c) => {
        c.command = ["sh", "-c", "echo attempt-0; exit 1"];
      });
      const s0 = await k.waitExited(first);
      const second = await k.start(pod, "app", (c) => {
        c.metadata.attempt = 1;
        c.log_path = "app/1.log";
        c.command = ["sh", "-c", "echo attempt-1; exec sleep 1000"];
      });
      const s1 = await k.status(second);
      await waitLog(s1.log_path, "attempt-1");
      const listed = (
        (await k.call("ListContainers", { filter: { pod_sandbox_id: pod.id } })).containers as Msg[]
      )
        .map((c) => [c.metadata.name, c.metadata.attempt, c.state])
        .sort();
      return {
        s0: [s0.exit_code, s0.reason, s0.metadata.attempt],
        s1: [s1.state, s1.metadata.attempt],
        listed,
        logs: [logLines(s0.log_path), logLines(s1.log_path)],
        exec: await k.sh(second, "echo in-attempt-1"),
      };
    },
    (v) =>
      expect(v).toEqual({
        s0: [1, "Error", 0],
        s1: ["CONTAINER_RUNNING", 1],
        listed: [
          ["app", 0, "CONTAINER_EXITED"],
          ["app", 1, "CONTAINER_RUNNING"],
        ],
        logs: [["T stdout F attempt-0"], ["T stdout F attempt-1"]],
        exec: "in-attempt-1",
      }),
  );

  scenario(
    "removing a pod with running containers leaves no container, runtime state or cgroup",
    async (k, h) => {
      const pod = await k.runPod(h, "rmall");
      const ids = [await k.start(pod, "a"), await k.start(pod, "b")];
      const root = join(suite.k().cri.dir, `${h}-root`, "k8s.io");
      const cgroup = `/sys/fs/cgroup/memory${pod.config.linux.cgroup_parent}`;
      const before = {
        state: ids.every((id) => existsSync(join(root, id))),
        cgroups: ids.every((id) => existsSync(join(cgroup, id))),
      };
      await k.removePod(pod);
      const left = readdirSync(root).filter((d) => ids.includes(d) || d === pod.id);
      const cgLeft = existsSync(cgroup) ? readdirSync(cgroup).filter((d) => ids.includes(d)) : [];
      const containers = (await k.call("ListContainers", { filter: { pod_sandbox_id: pod.id } }))
        .containers;
      return { before, left, cgLeft, containers };
    },
    (v) =>
      expect(v).toEqual({
        before: { state: true, cgroups: true },
        left: [],
        cgLeft: [],
        containers: [],
      }),
  );
});

describe("CRI: a containerd restart", () => {
  scenario(
    "pods and containers under a restarted containerd are found (running or exited) and can be stopped",
    async (k, h) => {
      const pod = await k.runPod(h, "crestart");
      const id = await k.start(pod, "c");
      const done = await k.start(pod, "done", (c) => {
        c.command = ["sh", "-c", "exit 3"];
      });
      await k.waitExited(done);
      await suite.k().cri.restart();
      const ps = (await k.call("PodSandboxStatus", { pod_sandbox_id: pod.id })).status;
      const cs = await k.status(id);
      const exited = await k.status(done);
      const exec = await k.sh(id, "echo still-here");
      await k.call("StopContainer", { container_id: id, timeout: 10 });
      const stopped = await k.status(id);
      await k.removePod(pod);
      return {
        pod: [ps.state, ps.runtime_handler === h],
        container: cs.state,
        exited: [exited.state, exited.exit_code, exited.reason],
        exec,
        stopped: [stopped.state, stopped.exit_code],
      };
    },
    (v) =>
      expect(v).toEqual({
        pod: ["SANDBOX_READY", true],
        container: "CONTAINER_RUNNING",
        exited: ["CONTAINER_EXITED", 3, "Error"],
        exec: "still-here",
        stopped: ["CONTAINER_EXITED", 0],
      }),
  );
});
