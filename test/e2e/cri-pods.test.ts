// Kubernetes through CRI, pods and the basic path: containerd's CRI plugin runs each
// pod on runc and then on runt (runtime handlers of one private containerd, see
// cri/env.ts), the test playing the kubelet (cri/kubelet.ts), and what the kubelet
// would see must be the same. Sandbox lifecycle, a container's command, args, env and
// working dir, ExecSync, stop and remove, and the pod's shared namespaces.
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { criSuite, type Kubelet, RpcError, scenarioFor } from "./cri/suite.ts";

const suite = criSuite("cri-pods");
const scenario = scenarioFor(suite);
beforeAll(suite.setup, 300_000);
afterAll(suite.teardown, 120_000);

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof RpcError) return e.code;
    throw e;
  }
};

/** The inode of a namespace link inside the container, e.g. `net`. */
const nsIno = (k: Kubelet, id: string, ns: string) => k.sh(id, `stat -L -c %i /proc/self/ns/${ns}`);

describe("CRI: the basic path", () => {
  scenario(
    "sandbox lifecycle: ready with a CNI address, not ready after stop, gone after remove",
    async (k, h) => {
      const pod = await k.runPod(h, "life");
      const ready = (await k.call("PodSandboxStatus", { pod_sandbox_id: pod.id })).status;
      const listed = (await k.call("ListPodSandbox", {})).items.some(
        (p: { id: string }) => p.id === pod.id,
      );
      await k.call("StopPodSandbox", { pod_sandbox_id: pod.id });
      const stopped = (await k.call("PodSandboxStatus", { pod_sandbox_id: pod.id })).status;
      await k.call("RemovePodSandbox", { pod_sandbox_id: pod.id });
      const after = (await k.call("ListPodSandbox", {})).items.some(
        (p: { id: string }) => p.id === pod.id,
      );
      return {
        ready: ready.state,
        ip: /^10\.88\.0\.\d+$/.test(ready.network?.ip ?? ""),
        handler: ready.runtime_handler === h,
        listed,
        stopped: stopped.state,
        listedAfterRemove: after,
        status: await code(k.call("PodSandboxStatus", { pod_sandbox_id: pod.id })),
      };
    },
    (v) =>
      expect(v).toEqual({
        ready: "SANDBOX_READY",
        ip: true,
        handler: true,
        listed: true,
        stopped: "SANDBOX_NOTREADY",
        listedAfterRemove: false,
        status: "NOT_FOUND",
      }),
  );

  scenario(
    "a container's command, args, env and working dir; exit 0 is Completed",
    async (k, h) => {
      const pod = await k.runPod(h, "cmd");
      const id = await k.start(pod, "c", (c) => {
        c.command = ["/bin/sh", "-c"];
        c.args = ['echo "$FOO|$BAR|$(pwd)|$(id -u)|$0"', "zero"];
        c.envs = [
          { key: "FOO", value: "foo value" },
          { key: "BAR", value: "b=r" },
        ];
        c.working_dir = "/tmp/wd";
      });
      const s = await k.waitExited(id);
      const log = readFileSync(s.log_path, "utf8");
      return {
        state: s.state,
        exit: s.exit_code,
        reason: s.reason,
        log: log.replace(/^\S+ /gm, "T "),
      };
    },
    (v) =>
      expect(v).toEqual({
        state: "CONTAINER_EXITED",
        exit: 0,
        reason: "Completed",
        log: "T stdout F foo value|b=r|/tmp/wd|0|zero\n",
      }),
  );

  scenario(
    "the image's Cmd runs when the config names none; the image's PATH is set",
    async (k, h) => {
      const pod = await k.runPod(h, "imgcmd");
      const id = await k.start(pod, "c", (c) => {
        c.command = [];
        c.args = [];
      });
      const s = await k.waitExited(id);
      const env = await (async () => {
        const run = await k.start(pod, "env", (c) => {
          c.command = ["env"];
        });
        const e = await k.waitExited(run);
        return readFileSync(e.log_path, "utf8")
          .split("\n")
          .map((l) => l.replace(/^\S+ stdout F /, ""))
          .filter((l) => l.startsWith("PATH="));
      })();
      return { exit: s.exit_code, reason: s.reason, env };
    },
    (v) =>
      expect(v).toEqual({
        exit: 0,
        reason: "Completed",
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      }),
  );

  scenario(
    "ExecSync: output, exit codes, a missing command, a timeout",
    async (k, h) => {
      const pod = await k.runPod(h, "exec");
      const id = await k.start(pod, "c");
      const ok = await k.exec(id, ["sh", "-c", "echo out; echo err >&2"]);
      const three = await k.exec(id, ["sh", "-c", "exit 3"]);
      const signal = await k.exec(id, ["sh", "-c", "kill -9 $$"]);
      let missing: unknown;
      try {
        missing = await k.exec(id, ["/no/such/cmd"]);
      } catch (e) {
        const r = e as RpcError;
        missing = { code: r.code, named: r.details.includes("/no/such/cmd") };
      }
      let timeout: unknown;
      try {
        timeout = await k.exec(id, ["sleep", "30"], 1);
      } catch (e) {
        const r = e as RpcError;
        timeout = { code: r.code, deadline: /timeout|deadline/i.test(r.details) };
      }
      return { ok, three: three.exit, signal: signal.exit, missing, timeout };
    },
    (v) =>
      expect(v).toEqual({
        ok: { exit: 0, stdout: "out\n", stderr: "err\n" },
        three: 3,
        signal: 137,
        missing: { code: "UNKNOWN", named: true },
        timeout: { code: "DEADLINE_EXCEEDED", deadline: true },
      }),
  );

  scenario(
    "StopContainer and RemoveContainer: exited, then not found, and the pod goes",
    async (k, h) => {
      const pod = await k.runPod(h, "stop");
      const id = await k.start(pod, "c");
      const running = (await k.status(id)).state;
      await k.call("StopContainer", { container_id: id, timeout: 10 });
      const s = await k.status(id);
      await k.call("RemoveContainer", { container_id: id });
      const listed = (await k.call("ListContainers", {})).containers.some(
        (c: { id: string }) => c.id === id,
      );
      const gone = await code(k.status(id));
      await k.removePod(pod);
      return { running, state: s.state, exit: s.exit_code, reason: s.reason, listed, gone };
    },
    (v) =>
      expect(v).toEqual({
        running: "CONTAINER_RUNNING",
        state: "CONTAINER_EXITED",
        exit: 0,
        reason: "Completed",
        listed: false,
        gone: "NOT_FOUND",
      }),
  );
});

describe("CRI: pods", () => {
  scenario(
    "two containers of one pod share IPC, network and hostname, not PID",
    async (k, h) => {
      const pod = await k.runPod(h, "share");
      const a = await k.start(pod, "a", (c) => {
        c.command = [
          "sh",
          "-c",
          "echo from-a > /dev/shm/x; exec httpd -f -p 127.0.0.1:8080 -h /etc",
        ];
      });
      const b = await k.start(pod, "b");
      const same = async (ns: string) => (await nsIno(k, a, ns)) === (await nsIno(k, b, ns));
      let web = "";
      for (let i = 0; i < 50 && !web; i++) {
        web = (await k.exec(b, ["wget", "-qO-", "http://127.0.0.1:8080/hostname"])).stdout;
        if (!web) await Bun.sleep(100);
      }
      return {
        shm: await k.sh(b, "cat /dev/shm/x"),
        ipc: await same("ipc"),
        net: await same("net"),
        uts: await same("uts"),
        pid: await same("pid"),
        web,
        hostname: await k.sh(b, "hostname"),
      };
    },
    (v) =>
      expect(v).toEqual({
        shm: "from-a",
        ipc: true,
        net: true,
        uts: true,
        pid: false,
        web: "share\n",
        hostname: "share",
      }),
  );

  scenario(
    "a shared PID namespace (pid: POD): PID 1 is the pause, the other container is seen",
    async (k, h) => {
      const pod = await k.runPod(h, "pidpod", (c) => {
        c.linux.security_context.namespace_options.pid = "POD";
      });
      await k.start(pod, "a", (c) => {
        c.command = ["sleep", "4242"];
      });
      const b = await k.start(pod, "b");
      return {
        pid1: await k.sh(b, "tr '\\0' ' ' < /proc/1/cmdline"),
        sees: (await k.sh(b, "ps -o args")).includes("sleep 4242"),
      };
    },
    (v) =>
      expect(v).toEqual({
        pid1: "/bin/sh -c trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
        sees: true,
      }),
  );

  scenario(
    "hostNetwork and hostPID: the node's (containerd's) network and PID namespaces",
    async (k, h) => {
      const pod = await k.runPod(h, "hostns", (c) => {
        // The kubelet names no hostname for a hostNetwork pod: it has the node's.
        c.hostname = "";
        c.linux.security_context.namespace_options.network = "NODE";
        c.linux.security_context.namespace_options.pid = "NODE";
      });
      const id = await k.start(pod, "c");
      const netns = statSync(`/run/netns/${suite.k().cri.netns}`).ino;
      const pidns = statSync("/proc/self/ns/pid").ino;
      const ready = (await k.call("PodSandboxStatus", { pod_sandbox_id: pod.id })).status;
      return {
        net: (await nsIno(k, id, "net")) === String(netns),
        pid: (await nsIno(k, id, "pid")) === String(pidns),
        hostname: (await k.sh(id, "hostname")) === hostname(),
        podIp: ready.network?.ip ?? "",
      };
    },
    (v) => expect(v).toEqual({ net: true, pid: true, hostname: true, podIp: "" }),
  );

  scenario(
    "DNS config and hostname",
    async (k, h) => {
      const pod = await k.runPod(h, "dns", (c) => {
        c.hostname = "web-0";
        c.dns_config = {
          servers: ["127.0.0.53"],
          searches: ["default.svc.cluster.local", "svc.cluster.local"],
          options: ["ndots:5"],
        };
      });
      const id = await k.start(pod, "c");
      return {
        resolv: await k.sh(id, "cat /etc/resolv.conf"),
        hostname: await k.sh(id, "hostname; cat /etc/hostname"),
      };
    },
    (v) =>
      expect(v).toEqual({
        resolv:
          "search default.svc.cluster.local svc.cluster.local\nnameserver 127.0.0.53\noptions ndots:5",
        hostname: "web-0\nweb-0",
      }),
  );

  scenario(
    "pod sysctls reach the pod's namespaces",
    async (k, h) => {
      const pod = await k.runPod(h, "sysctl", (c) => {
        c.linux.sysctls = {
          "kernel.shm_rmid_forced": "1",
          "net.ipv4.ping_group_range": "0 2147483647",
        };
      });
      const id = await k.start(pod, "c");
      return await k.sh(
        id,
        "cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ping_group_range",
      );
    },
    (v) => expect(v).toBe("1\n0\t2147483647"),
  );
});
