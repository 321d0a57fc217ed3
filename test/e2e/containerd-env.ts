// A private containerd for tests and benches: its own root, state and sockets under
// /tmp, no CRI plugin, a namespace of its own, and the busybox rootfs imported as an
// OCI image built here by hand (layer tar, config, manifest, index.json).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
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
import {
  type Result,
  ROOTFS,
  removeCgroupParent,
  spawnToFiles,
  until,
} from "../helpers/harness.ts";

// The paths and the runt under test (RUNT_BIN, else dist/runt) are test/helpers/harness.ts's.
export { REPO, ROOTFS, RUNT, removeCgroupParent } from "../helpers/harness.ts";
export const RUNC = "/usr/sbin/runc";
export const IMAGE = "docker.io/library/runt-busybox:e2e";

export type Out = Result;

/** Runs a command with its output in files (a detached container may hold a pipe). */
export function sh(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Out {
  const r = spawnToFiles(cmd, args, {
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 60_000,
    // ctr forwards SIGTERM to the container, which may ignore it: a hung ctr must die.
    killSignal: "SIGKILL",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** apt-get install, once, for the packages whose binaries are missing. */
export function ensurePackages(pkgs: Record<string, string>): void {
  const missing = Object.entries(pkgs)
    .filter(([, bin]) => !existsSync(bin))
    .map(([p]) => p);
  if (!missing.length) return;
  const apt = (args: string[]) =>
    spawnSync("apt-get", args, {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      encoding: "utf8",
      timeout: 600_000,
    });
  const install = ["install", "-y", "-qq", "--no-install-recommends", ...missing];
  let r = apt(install);
  if (r.status !== 0) {
    // A fresh machine's package lists may be stale or missing.
    apt(["update", "-qq"]);
    r = apt(install);
  }
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(" ")}: ${r.stderr}`);
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/**
 * An OCI image layout of the busybox rootfs, as a tar archive at `out`: one
 * uncompressed layer, the image config, the manifest and index.json, each blob
 * under blobs/sha256/<its digest>. `run` is the image's Entrypoint and Cmd.
 */
export function buildOciArchive(
  out: string,
  name = IMAGE,
  run: { Entrypoint?: string[]; Cmd?: string[] } = { Cmd: ["sh"] },
): void {
  const dir = mkdtempSync("/tmp/runt-oci-");
  try {
    const blobs = join(dir, "blobs/sha256");
    mkdirSync(blobs, { recursive: true });
    const layerTmp = join(dir, "layer.tar");
    const t = sh("tar", [
      "--numeric-owner",
      "--owner=0",
      "--group=0",
      "-C",
      ROOTFS,
      "-cf",
      layerTmp,
      ".",
    ]);
    if (t.status !== 0) throw new Error(`tar of the rootfs: ${t.stderr}`);
    const layer = readFileSync(layerTmp);
    rmSync(layerTmp);
    const put = (b: Buffer | string) => {
      const d = sha256(b);
      writeFileSync(join(blobs, d), b);
      return { digest: `sha256:${d}`, size: Buffer.byteLength(b) };
    };
    const layerDesc = put(layer);
    const config = JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        ...run,
      },
      rootfs: { type: "layers", diff_ids: [layerDesc.digest] },
      history: [{ created_by: "runt e2e: test/fixtures/bundles/busybox/rootfs" }],
    });
    const configDesc = put(config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configDesc },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layerDesc }],
    });
    const manifestDesc = put(manifest);
    writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    writeFileSync(
      join(dir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            ...manifestDesc,
            platform: { architecture: "amd64", os: "linux" },
            annotations: {
              "io.containerd.image.name": name,
              "org.opencontainers.image.ref.name": name.split(":").pop() ?? "latest",
            },
          },
        ],
      }),
    );
    const a = sh("tar", ["-C", dir, "-cf", out, "oci-layout", "index.json", "blobs"]);
    if (a.status !== 0) throw new Error(`tar of the layout: ${a.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A containerd daemon of our own. */
export class Containerd {
  readonly dir: string;
  readonly address: string;
  readonly namespace: string;
  private proc: ChildProcess | undefined;

  constructor(tag: string) {
    this.dir = mkdtempSync(`/tmp/runt-${tag}-`);
    this.address = join(this.dir, "containerd.sock");
    this.namespace = `runt-${tag}-${process.pid}`;
  }

  get log(): string {
    return join(this.dir, "containerd.log");
  }

  async start(): Promise<void> {
    const config = join(this.dir, "config.toml");
    writeFileSync(
      config,
      [
        "version = 2",
        `root = "${join(this.dir, "root")}"`,
        `state = "${join(this.dir, "state")}"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        "[grpc]",
        `  address = "${this.address}"`,
        "[ttrpc]",
        `  address = "${this.address}.ttrpc"`,
        "[debug]",
        `  address = "${join(this.dir, "debug.sock")}"`,
        '  level = "debug"',
        "[metrics]",
        '  address = ""',
        "",
      ].join("\n"),
    );
    const log = openSync(this.log, "a");
    this.proc = spawn("containerd", ["--config", config], {
      stdio: ["ignore", log, log],
      detached: true,
    });
    closeSync(log);
    const p = this.proc;
    const up = () => existsSync(this.address) && this.ctr(["version"]).status === 0;
    if (await until(() => p.exitCode !== null || up(), 20_000, 50)) {
      if (p.exitCode === null) return;
    }
    throw new Error(`containerd did not start:\n${readFileSync(this.log, "utf8").slice(-3000)}`);
  }

  ctr(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Out {
    return sh("ctr", ["--address", this.address, "--namespace", this.namespace, ...args], opts);
  }

  /** Stops the daemon alone (its shims and tasks live on) and starts it again. */
  async restart(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      p.kill("SIGTERM");
      for (let i = 0; i < 200 && p.exitCode === null && p.signalCode === null; i++) {
        await Bun.sleep(50);
      }
    }
    await this.start();
  }

  /** Kills every task and removes containers, images and the namespace, then the daemon. */
  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      for (const id of this.ctr(["task", "list", "-q"]).stdout.split("\n").filter(Boolean)) {
        this.ctr(["task", "kill", "--all", "-s", "SIGKILL", id]);
        for (let i = 0; i < 50; i++) {
          if (this.ctr(["task", "delete", id]).status === 0) break;
          await Bun.sleep(100);
        }
        this.ctr(["task", "delete", "--force", id]);
      }
      for (const id of this.ctr(["container", "list", "-q"]).stdout.split("\n").filter(Boolean)) {
        this.ctr(["container", "delete", id]);
      }
      for (const img of this.ctr(["image", "list", "-q"]).stdout.split("\n").filter(Boolean)) {
        this.ctr(["image", "remove", "--sync", img]);
      }
      sh("ctr", ["--address", this.address, "namespace", "remove", this.namespace]);
      const p = this.proc;
      p.kill("SIGTERM");
      for (let i = 0; i < 100 && p.exitCode === null && p.signalCode === null; i++)
        await Bun.sleep(50);
      if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    }
    killShims(this.address);
    // containerd's default cgroup parent for a namespace's tasks is /<namespace>.
    removeCgroupParent(this.namespace);
    // The shim keeps runc's (here: runt's) --root under /run/containerd/runc/<namespace>.
    rmSync(join("/run/containerd/runc", this.namespace), { recursive: true, force: true });
    // Snapshots are overlay mounts under root: unmount whatever is left before removal.
    unmountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** containerd-shim-runc-v2 processes started for this daemon's address. */
export function killShims(address: string): void {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (cmd.startsWith("/usr/bin/containerd-shim") && cmd.includes(address)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {}
    }
  }
}

export function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync("umount", ["-l", m]);
}
