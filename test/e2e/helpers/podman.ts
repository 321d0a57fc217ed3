// podman + conmon driving a runtime, with storage, config and state of their own
// under one temporary directory: nothing of the host's podman is read or touched.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type Result, ROOTFS, RUNT, spawnToFiles } from "../../helpers/harness.ts";

// The paths and the runt under test are test/helpers/harness.ts's.
export { REPO, type Result, ROOTFS, RUNT } from "../../helpers/harness.ts";

const CGROUP_ROOT = "/sys/fs/cgroup";
export const IMAGE = "localhost/runt-e2e-busybox:latest";

function installed(bin: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
}

/**
 * Installs podman, conmon and catatonit (for --init) with apt when one is missing.
 * Returns why the e2e cannot run (apt unreachable, no runc), or undefined.
 */
export function ensurePodman(): string | undefined {
  const need = ["podman", "conmon", "catatonit", "runc", "script"].filter((b) => !installed(b));
  if (need.length > 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const pkgs = need.map((b) => (b === "script" ? "util-linux" : b));
    let r = spawnSync("apt-get", ["install", "-y", "-qq", ...pkgs], { env, encoding: "utf8" });
    if (r.status !== 0) {
      spawnSync("apt-get", ["update", "-qq"], { env, stdio: "ignore" });
      r = spawnSync("apt-get", ["install", "-y", "-qq", ...pkgs], { env, encoding: "utf8" });
    }
    if (r.status !== 0) {
      return `apt-get install ${pkgs.join(" ")} failed: ${(r.stderr ?? "").trim().slice(-300)}`;
    }
  }
  if (!existsSync(join(ROOTFS, "bin/busybox"))) {
    return `no busybox rootfs at ${ROOTFS}: run scripts/busybox-rootfs.sh`;
  }
  if (!existsSync(RUNT)) return `no runt binary at ${RUNT}: run npm run build`;
  return undefined;
}

export interface RunOpts {
  input?: string;
  timeoutMs?: number;
  /** Run under script(1), so podman sees a terminal on stdin and stdout. */
  tty?: boolean;
}

/** One isolated podman: its own root, runroot, tmpdir, containers.conf and runtime state. */
export class Podman {
  readonly dir: string;
  readonly env: Record<string, string>;
  /** Hierarchies where podman's cgroupfs parent did not exist before: removed at the end. */
  private readonly newParents: string[];

  constructor() {
    this.newParents = readdirSync(CGROUP_ROOT)
      .map((h) => join(CGROUP_ROOT, h, "libpod_parent"))
      .filter((d) => !existsSync(d));
    this.dir = mkdtempSync("/tmp/runt-podman-e2e-");
    for (const d of ["root", "runroot", "tmp"]) mkdirSync(join(this.dir, d));
    writeFileSync(
      join(this.dir, "containers.conf"),
      `[containers]
# The session's hard limits are lower than podman's defaults (docs/MACHINE.md).
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
log_driver = "k8s-file"
init_path = "/usr/bin/catatonit"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${join(this.dir, "events.log")}"
runtime = "runc"
# As runc: podman passes --log FILE --log-format=json and reads errors from FILE.
runtime_supports_json = ["runc", "runt"]

[engine.runtimes]
runt = ["${RUNT}"]
runc = ["/usr/sbin/runc", "/usr/bin/runc"]
`,
    );
    writeFileSync(
      join(this.dir, "storage.conf"),
      `[storage]
driver = "overlay"
runroot = "${join(this.dir, "runroot")}"
graphroot = "${join(this.dir, "root")}"
`,
    );
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.CONTAINERS_CONF = join(this.dir, "containers.conf");
    env.CONTAINERS_STORAGE_CONF = join(this.dir, "storage.conf");
    env.CONTAINERS_REGISTRIES_CONF = join(this.dir, "registries.conf");
    writeFileSync(env.CONTAINERS_REGISTRIES_CONF, "unqualified-search-registries = []\n");
    this.env = env;
  }

  /**
   * The global flags every call gets. The runtime keeps its state under its default
   * root: podman 4.3 passes --runtime-flag to create and start but not to delete.
   */
  private globals(runtime?: string): string[] {
    const g = [
      "--root",
      join(this.dir, "root"),
      "--runroot",
      join(this.dir, "runroot"),
      "--tmpdir",
      join(this.dir, "tmp"),
      "--cgroup-manager",
      "cgroupfs",
      "--events-backend",
      "file",
    ];
    if (runtime) g.push("--runtime", runtime);
    return g;
  }

  /** podman [globals] args, with --runtime RUNTIME ("runt" or "runc") when given. */
  run(runtime: string | undefined, args: string[], opts: RunOpts = {}): Result {
    const argv = ["podman", ...this.globals(runtime), ...args];
    const [cmd, cmdArgs] = opts.tty
      ? ["script", ["-qefc", argv.map(shellQuote).join(" "), "/dev/null"]]
      : [argv[0] as string, argv.slice(1)];
    const r = spawnToFiles(cmd, cmdArgs, {
      env: this.env,
      // conmon writes an "oom" marker into its working directory: keep it in ours.
      cwd: this.dir,
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 60_000,
      files: { out: join(this.dir, "out"), err: join(this.dir, "err") },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** podman import of the project's busybox rootfs as IMAGE. */
  importBusybox(): void {
    const tar = join(this.dir, "rootfs.tar");
    const t = spawnSync("tar", ["-C", ROOTFS, "-cf", tar, "."], { encoding: "utf8" });
    if (t.status !== 0) throw new Error(`tar of ${ROOTFS}: ${t.stderr}`);
    const r = this.run(undefined, ["import", "--quiet", tar, IMAGE]);
    if (r.status !== 0) throw new Error(`podman import: ${r.stderr}`);
    rmSync(tar);
  }

  /** Removes every container and image, unmounts what is left, deletes the directory. */
  destroy(): void {
    for (const runtime of ["runt", "runc"]) {
      this.run(runtime, ["rm", "--all", "--force", "--time", "0"]);
    }
    this.run(undefined, ["rmi", "--all", "--force"]);
    const mounts = readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[4] ?? "")
      .filter((m) => m.startsWith(this.dir))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync("umount", ["-l", m], { stdio: "ignore" });
    rmSync(this.dir, { recursive: true, force: true });
    // conmon's cgroup, the pods' (podman leaves them in the named systemd and unified
    // hierarchies) and podman's parent, when this run made it (rmdir: only if empty).
    for (const parent of this.newParents) {
      const children = existsSync(parent)
        ? readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory())
        : [];
      for (const d of [...children.map((e) => join(parent, e.name)), parent]) {
        try {
          rmdirSync(d);
        } catch {}
      }
    }
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
