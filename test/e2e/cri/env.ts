// A private containerd with its CRI plugin, as a kubelet's node would have it, for the
// CRI e2e suite and bench/cri.ts: its own config, root, state and socket under /tmp,
// running inside a network namespace of our own (pod bridges and addresses live only
// there), CNI from Debian's containernetworking-plugins, two runtime handlers ("runc"
// and "runt", each options.BinaryName the runtime, each its own --root), a busybox
// image and a pause image built here and imported into the k8s.io namespace. The
// test's gRPC client plays the kubelet's part (api.proto beside this file).
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
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { removeCgroupParent, until } from "../../helpers/harness.ts";
import {
  buildOciArchive,
  ensurePackages,
  killShims,
  RUNC,
  RUNT,
  sh,
  unmountUnder,
} from "../containerd-env.ts";

export { RUNC, RUNT };
export const IMAGE = "docker.io/runt/busybox:cri";
export const PAUSE = "docker.io/runt/pause:cri";
/** containerd's streaming server, on the loopback of containerd's own network namespace. */
export const STREAM_PORT = 10010;
export const HANDLERS = { runc: RUNC, runt: RUNT } as const;
export type Handler = keyof typeof HANDLERS;

// The pause process: PID 1 of a pod's shared PID namespace, it reaps and waits.
const PAUSE_ENTRYPOINT = [
  "/bin/sh",
  "-c",
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];

// biome-ignore lint/suspicious/noExplicitAny: the messages are proto-loader's plain objects
export type Msg = Record<string, any>;

/** A gRPC failure: its status code name and message, as the kubelet would see them. */
export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    readonly details: string,
  ) {
    super(`${method}: ${code}: ${details}`);
  }
}

/** Installs what the suite needs; a reason when this host cannot run it, else undefined. */
export function criSkipReason(): string | undefined {
  try {
    ensurePackages({
      containerd: "/usr/bin/containerd",
      runc: RUNC,
      "containernetworking-plugins": "/usr/lib/cni/bridge",
      iproute2: "/usr/sbin/ip",
    });
  } catch (e) {
    return `packages: ${(e as Error).message}`;
  }
  if (!existsSync(RUNT)) return `${RUNT} is missing: build it first`;
  return undefined;
}

export class Cri {
  readonly dir: string;
  readonly address: string;
  /** The network namespace containerd runs in (/run/netns/NAME). */
  readonly netns: string;
  /** The pods' cgroup parent (a kubelet's kubepods), in every hierarchy. */
  readonly cgroupParent: string;
  private proc: ChildProcess | undefined;
  private runtime: grpc.Client | undefined;
  private images: grpc.Client | undefined;
  private podNetnsBefore = new Set<string>();
  private cniCacheWasThere = true;

  constructor(tag: string) {
    this.dir = mkdtempSync(`/tmp/runt-${tag}-`);
    this.address = join(this.dir, "containerd.sock");
    this.netns = `runt-${tag}-${process.pid}`;
    this.cgroupParent = `runt-${tag}-${process.pid}`;
  }

  get log(): string {
    return join(this.dir, "containerd.log");
  }
  get logDir(): string {
    return join(this.dir, "pod-logs");
  }

  /** The netns, CNI and containerd config, the daemon, the images. */
  async setup(): Promise<void> {
    this.podNetnsBefore = new Set(listNetns());
    this.cniCacheWasThere = existsSync(CNI_CACHE);
    const ip = (args: string[]) => {
      const r = sh("ip", args);
      if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
    };
    ip(["netns", "add", this.netns]);
    ip(["-n", this.netns, "link", "set", "lo", "up"]);
    this.writeConfig();
    await this.start();
    const images: [string, { Entrypoint?: string[]; Cmd?: string[] }][] = [
      [IMAGE, { Cmd: ["sh"] }],
      [PAUSE, { Entrypoint: PAUSE_ENTRYPOINT }],
    ];
    for (const [name, run] of images) {
      const archive = join(this.dir, "image.tar");
      buildOciArchive(archive, name, run);
      const r = this.ctr(["image", "import", archive]);
      rmSync(archive);
      if (r.status !== 0) throw new Error(`ctr image import ${name}: ${r.stderr}`);
    }
    // The CRI plugin learns of imported images from containerd's events.
    const seen = async (image: string) =>
      (await this.call("ImageStatus", { image: { image } })).image;
    if (!(await untilAsync(async () => !!(await seen(IMAGE)) && !!(await seen(PAUSE)), 10_000))) {
      throw new Error("the CRI plugin does not list the imported images");
    }
  }

  private writeConfig(): void {
    const cni = join(this.dir, "cni");
    mkdirSync(cni, { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    writeFileSync(
      join(cni, "10-runt.conflist"),
      JSON.stringify({
        cniVersion: "1.0.0",
        name: "runt-cri",
        plugins: [
          {
            type: "bridge",
            bridge: "runtcri0",
            isGateway: true,
            ipMasq: false,
            ipam: {
              type: "host-local",
              ranges: [[{ subnet: "10.88.0.0/24" }]],
              dataDir: join(this.dir, "ipam"),
            },
          },
          { type: "loopback" },
        ],
      }),
    );
    const cri = '[plugins."io.containerd.grpc.v1.cri"';
    const runtimes = Object.entries(HANDLERS).flatMap(([name, bin]) => [
      `${cri}.containerd.runtimes.${name}]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `${cri}.containerd.runtimes.${name}.options]`,
      `  BinaryName = "${bin}"`,
      `  Root = "${join(this.dir, `${name}-root`)}"`,
    ]);
    writeFileSync(
      join(this.dir, "config.toml"),
      [
        "version = 2",
        `root = "${join(this.dir, "root")}"`,
        `state = "${join(this.dir, "state")}"`,
        "[grpc]",
        `  address = "${this.address}"`,
        "[ttrpc]",
        `  address = "${this.address}.ttrpc"`,
        "[debug]",
        `  address = "${join(this.dir, "debug.sock")}"`,
        '  level = "debug"',
        "[metrics]",
        '  address = ""',
        '[plugins."io.containerd.internal.v1.opt"]',
        `  path = "${join(this.dir, "opt")}"`,
        `${cri}]`,
        `  sandbox_image = "${PAUSE}"`,
        '  stream_server_address = "127.0.0.1"',
        `  stream_server_port = "${STREAM_PORT}"`,
        // The kubelet's pause asks for oom_score_adj -998: CAP_SYS_RESOURCE, which this
        // machine's bounding set lacks (docs/MACHINE.md).
        "  restrict_oom_score_adj = true",
        "  enable_selinux = false",
        `${cri}.containerd]`,
        '  snapshotter = "overlayfs"',
        '  default_runtime_name = "runc"',
        ...runtimes,
        `${cri}.cni]`,
        '  bin_dir = "/usr/lib/cni"',
        `  conf_dir = "${cni}"`,
        "  max_conf_num = 1",
        "",
      ].join("\n"),
    );
  }

  /** Starts containerd inside the netns (nsenter, not `ip netns exec`: that remounts /sys). */
  async start(): Promise<void> {
    const log = openSync(this.log, "a");
    this.proc = spawn(
      "nsenter",
      [`--net=/run/netns/${this.netns}`, "containerd", "--config", join(this.dir, "config.toml")],
      { stdio: ["ignore", log, log], detached: true },
    );
    closeSync(log);
    const p = this.proc;
    const up = async () => {
      if (p.exitCode !== null) return true;
      if (!existsSync(this.address)) return false;
      try {
        await this.call("Version", {});
        return true;
      } catch {
        return false;
      }
    };
    if ((await untilAsync(up, 30_000)) && p.exitCode === null) return;
    throw new Error(`containerd did not start:\n${readFileSync(this.log, "utf8").slice(-3000)}`);
  }

  /** Stops the daemon alone (shims and pods live on) and starts it again. */
  async restart(): Promise<void> {
    this.closeClients();
    await this.kill("SIGTERM");
    await this.start();
  }

  private async kill(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill(sig);
    for (let i = 0; i < 200 && p.exitCode === null && p.signalCode === null; i++) {
      await Bun.sleep(50);
    }
    if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  }

  ctr(args: string[]): { status: number; stdout: string; stderr: string } {
    return sh("ctr", ["--address", this.address, "--namespace", "k8s.io", ...args]);
  }

  private client(service: "RuntimeService" | "ImageService"): grpc.Client {
    if (service === "RuntimeService" && this.runtime) return this.runtime;
    if (service === "ImageService" && this.images) return this.images;
    const Ctor = loadApi()[service];
    const c = new Ctor(`unix://${this.address}`, grpc.credentials.createInsecure());
    if (service === "RuntimeService") this.runtime = c;
    else this.images = c;
    return c;
  }

  private closeClients(): void {
    this.runtime?.close();
    this.images?.close();
    this.runtime = undefined;
    this.images = undefined;
  }

  /** One unary CRI call; a failure is an RpcError with the status code's name. */
  call(method: string, req: Msg, timeoutMs = 60_000): Promise<Msg> {
    const service = IMAGE_RPCS.has(method) ? "ImageService" : "RuntimeService";
    const c = this.client(service) as unknown as Record<
      string,
      (req: Msg, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Msg) => void) => void
    >;
    const fn = c[method];
    if (!fn) throw new Error(`no CRI method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(c, req, { deadline: Date.now() + timeoutMs }, (e, r) => {
        if (e) reject(new RpcError(method, grpc.status[e.code] ?? String(e.code), e.details));
        else resolve(r);
      });
    });
  }

  /** Stops and removes every pod left, the daemon, its shims, mounts, cgroups and netns. */
  async teardown(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      try {
        const { items } = await this.call("ListPodSandbox", {});
        for (const p of items as Msg[]) {
          await this.call("StopPodSandbox", { pod_sandbox_id: p.id }).catch(() => {});
          await this.call("RemovePodSandbox", { pod_sandbox_id: p.id }).catch(() => {});
        }
      } catch {}
    }
    this.closeClients();
    await this.kill("SIGTERM");
    killShims(this.address);
    removeCgroupParent(this.cgroupParent);
    unmountUnder(this.dir);
    // Pod network namespaces the CRI plugin made and did not remove (a failed run).
    for (const ns of listNetns()) {
      if (ns.startsWith("cni-") && !this.podNetnsBefore.has(ns)) {
        spawnSync("umount", [`/run/netns/${ns}`]);
        rmSync(`/run/netns/${ns}`, { force: true });
      }
    }
    spawnSync("ip", ["netns", "delete", this.netns]);
    // libcni keeps its results under /var/lib/cni whatever the config says.
    if (!this.cniCacheWasThere) rmSync(CNI_CACHE, { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const CNI_CACHE = "/var/lib/cni";
const IMAGE_RPCS = new Set([
  "ListImages",
  "ImageStatus",
  "PullImage",
  "RemoveImage",
  "ImageFsInfo",
]);

type Api = Record<"RuntimeService" | "ImageService", grpc.ServiceClientConstructor>;
let api: Api | undefined;
function loadApi(): Api {
  if (api) return api;
  const def = protoLoader.loadSync(join(import.meta.dir, "api.proto"), {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    runtime: { v1: Api };
  };
  api = pkg.runtime.v1;
  return api;
}

function listNetns(): string[] {
  try {
    return readdirSync("/run/netns");
  } catch {
    return [];
  }
}

async function untilAsync(cond: () => Promise<boolean>, ms: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await Bun.sleep(stepMs);
  }
  return cond();
}

export { until };
