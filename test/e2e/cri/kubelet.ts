// The kubelet's part, as far as the suite needs it: pod and container configs the way
// the kubelet fills them in (namespace modes, masked and read-only paths, log paths,
// the pod cgroup under the node's parent), and the calls it makes. Every pod made
// through it is stopped and removed by cleanup(), whatever the scenario did.
import { join } from "node:path";
import type { Cri } from "./env.ts";
import { type Handler, IMAGE, type Msg, RpcError } from "./env.ts";

export { type Handler, IMAGE, type Msg, RpcError };

// The kubelet's defaults for a container that is not privileged (k8s.io/kubernetes
// pkg/securitycontext: the default proc mount).
export const MASKED_PATHS = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
];
export const READONLY_PATHS = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

export interface Pod {
  id: string;
  handler: Handler;
  config: Msg;
}

export interface Exec {
  exit: number;
  stdout: string;
  stderr: string;
}

let serial = 0;

export class Kubelet {
  private pods: Pod[] = [];
  constructor(readonly cri: Cri) {}

  call(method: string, req: Msg, timeoutMs?: number): Promise<Msg> {
    return this.cri.call(method, req, timeoutMs);
  }

  /** A pod config as the kubelet sends it; `linux` and the rest merged over the defaults. */
  podConfig(h: Handler, name: string, edit: (c: Msg) => void = () => {}): Msg {
    const n = ++serial;
    const uid = `${h}-${process.pid}-${n}`;
    const c: Msg = {
      metadata: { name: `${name}-${h}`.slice(0, 60), uid, namespace: "default", attempt: 0 },
      hostname: name.slice(0, 60),
      log_directory: join(this.cri.logDir, uid),
      labels: { app: name },
      linux: {
        cgroup_parent: `/${this.cri.cgroupParent}/pod${uid}`,
        security_context: {
          namespace_options: { network: "POD", pid: "CONTAINER", ipc: "POD" },
          seccomp: { profile_type: "RuntimeDefault" },
        },
        sysctls: {},
      },
    };
    edit(c);
    return c;
  }

  async runPod(h: Handler, name: string, edit?: (c: Msg) => void): Promise<Pod> {
    const config = this.podConfig(h, name, edit);
    const { pod_sandbox_id } = await this.call("RunPodSandbox", { config, runtime_handler: h });
    const pod = { id: pod_sandbox_id as string, handler: h, config };
    this.pods.push(pod);
    return pod;
  }

  /** A container config as the kubelet sends it, with `edit` applied. */
  containerConfig(pod: Pod, name: string, edit: (c: Msg) => void = () => {}): Msg {
    const c: Msg = {
      metadata: { name, attempt: 0 },
      image: { image: IMAGE },
      command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"],
      log_path: `${name}/0.log`,
      linux: {
        resources: {},
        security_context: {
          namespace_options: pod.config.linux.security_context.namespace_options,
          seccomp: { profile_type: "RuntimeDefault" },
          masked_paths: MASKED_PATHS,
          readonly_paths: READONLY_PATHS,
        },
      },
    };
    edit(c);
    return c;
  }

  async create(pod: Pod, name: string, edit?: (c: Msg) => void): Promise<string> {
    const config = this.containerConfig(pod, name, edit);
    const r = await this.call("CreateContainer", {
      pod_sandbox_id: pod.id,
      config,
      sandbox_config: pod.config,
    });
    return r.container_id;
  }

  /** CreateContainer + StartContainer. */
  async start(pod: Pod, name: string, edit?: (c: Msg) => void): Promise<string> {
    const id = await this.create(pod, name, edit);
    await this.call("StartContainer", { container_id: id });
    return id;
  }

  async exec(id: string, cmd: string[], timeout = 20): Promise<Exec> {
    const r = await this.call(
      "ExecSync",
      { container_id: id, cmd, timeout },
      (timeout + 10) * 1000,
    );
    return {
      exit: r.exit_code,
      stdout: Buffer.from(r.stdout).toString(),
      stderr: Buffer.from(r.stderr).toString(),
    };
  }

  /** `sh -c script` in the container: its stdout, trimmed; throws on a non-zero exit. */
  async sh(id: string, script: string): Promise<string> {
    const r = await this.exec(id, ["sh", "-c", script]);
    if (r.exit !== 0) throw new Error(`exec ${script}: exit ${r.exit}: ${r.stderr}`);
    return r.stdout.trim();
  }

  async status(id: string): Promise<Msg> {
    return (await this.call("ContainerStatus", { container_id: id })).status;
  }

  /** Polls ContainerStatus until the container has exited; its status. */
  async waitExited(id: string, ms = 20_000): Promise<Msg> {
    const end = Date.now() + ms;
    for (;;) {
      const s = await this.status(id);
      if (s.state === "CONTAINER_EXITED" || Date.now() > end) return s;
      await Bun.sleep(50);
    }
  }

  async removePod(pod: Pod): Promise<void> {
    await this.call("StopPodSandbox", { pod_sandbox_id: pod.id });
    await this.call("RemovePodSandbox", { pod_sandbox_id: pod.id });
    this.pods = this.pods.filter((p) => p !== pod);
  }

  /** Stops and removes every pod this kubelet made and still holds. */
  async cleanup(): Promise<void> {
    for (const p of [...this.pods].reverse()) {
      await this.removePod(p).catch(() => {});
    }
    this.pods = [];
  }
}
