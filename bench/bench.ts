// runt beside runc and crun, in one run, on the same busybox bundle:
//   `run` of /bin/true, and the create / start / delete cycle.
// crun refuses hybrid cgroups, so it runs inside a private mount namespace with
// cgroup2 mounted at /sys/fs/cgroup and --cgroup-manager=disabled (MACHINE.md).
//
//   bun bench/bench.ts [--runs N]
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { defaultSpec } from "../src/spec/default.ts";

const REPO = resolve(import.meta.dir, "..");
const RUNT = process.env.RUNT_BIN ?? join(REPO, "dist/runt");
const ROOTFS = join(REPO, "test/fixtures/bundles/busybox/rootfs");

interface Runtime {
  name: string;
  /** argv prefix, global flags included. */
  cmd: string[];
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}

// stderr goes to a file, not a pipe: a created container inherits the stdio of
// `create`, and a pipe it holds open would keep spawnSync waiting for EOF.
const ERR_FILE = `/tmp/runt-bench-${process.pid}.err`;

function ok(cmd: string[]): void {
  const err = openSync(ERR_FILE, "w");
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { stdio: ["ignore", "ignore", err] });
  closeSync(err);
  if (r.status !== 0) throw new Error(`${cmd.join(" ")}: ${readFileSync(ERR_FILE, "utf8")}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Times each case for every runtime; returns case -> runtime -> median ms. */
function measure(runtimes: Runtime[], bundle: string, runs: number) {
  const cases: Record<string, (rt: Runtime, id: string) => void> = {
    "run /bin/true": (rt, id) => ok([...rt.cmd, "run", "--bundle", bundle, id]),
    "create+start+delete": (rt, id) => {
      ok([...rt.cmd, "create", "--bundle", bundle, id]);
      ok([...rt.cmd, "start", id]);
      // /bin/true exits at once; delete of a stopped container needs no force.
      for (let i = 0; i < 200; i++) {
        const s = spawnSync(rt.cmd[0] as string, [...rt.cmd.slice(1), "state", id], {
          encoding: "utf8",
        });
        if (s.stdout.includes('"stopped"')) break;
      }
      ok([...rt.cmd, "delete", id]);
    },
  };
  const out: Record<string, Record<string, number>> = {};
  for (const [name, fn] of Object.entries(cases)) {
    out[name] = {};
    for (const rt of runtimes) {
      const times: number[] = [];
      for (let i = 0; i < runs + 3; i++) {
        const id = `bench-${rt.name}-${process.pid}-${i}`;
        const t0 = performance.now();
        fn(rt, id);
        if (i >= 3) times.push(performance.now() - t0);
      }
      (out[name] as Record<string, number>)[rt.name] = median(times);
    }
  }
  return out;
}

function makeBundle(): string {
  const dir = mkdtempSync("/tmp/runt-bench-");
  const spec = defaultSpec({});
  // runc refuses a symlinked rootfs: point at the shared one directly.
  spec.root = { path: ROOTFS, readonly: true };
  // crun 1.8 knows spec versions up to 1.0.x only; every field used here is 1.0.
  spec.ociVersion = "1.0.2";
  spec.process.terminal = false;
  spec.process.args = ["/bin/true"];
  writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
  return dir;
}

const argv = process.argv.slice(2);
const runsAt = argv.indexOf("--runs");
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 20;

if (argv[0] === "--inner-crun") {
  // Inside the private cgroup2 mount namespace: time crun alone, print JSON.
  const bundle = argv[1] as string;
  const crun: Runtime = {
    name: "crun",
    cmd: ["crun", "--root", "/run/runt-bench-crun", "--cgroup-manager=disabled"],
  };
  process.stdout.write(JSON.stringify(measure([crun], bundle, runs)));
  process.exit(0);
}

const missing = ["runc", "crun"].filter(
  (b) => !existsSync(`/usr/bin/${b}`) && !existsSync(`/usr/sbin/${b}`),
);
if (missing.length) {
  sh("apt-get", ["install", "-y", "-qq", ...missing]);
}
if (!existsSync(RUNT)) sh("npm", ["run", "-s", "build"]);
sh("bash", [join(REPO, "scripts/busybox-rootfs.sh")]);
const bundle = makeBundle();
try {
  const results = measure(
    [
      { name: "runt", cmd: [RUNT, "--root", "/run/runt-bench"] },
      { name: "runc", cmd: ["runc", "--root", "/run/runc-bench"] },
    ],
    bundle,
    runs,
  );
  const inner = spawnSync(
    "unshare",
    [
      "-m",
      "sh",
      "-c",
      'mount --make-rprivate / && umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$0" "$@"',
      process.execPath,
      import.meta.path,
      "--inner-crun",
      bundle,
      "--runs",
      String(runs),
    ],
    { encoding: "utf8" },
  );
  if (inner.status !== 0) throw new Error(`crun run failed: ${inner.stderr}`);
  const crun = JSON.parse(inner.stdout) as typeof results;
  console.log(`median of ${runs} runs each, milliseconds\n`);
  console.log(
    `${"case".padEnd(22)}${"runt".padStart(8)}${"runc".padStart(8)}${"crun".padStart(8)}${"runt/runc".padStart(11)}${"runt/crun".padStart(11)}`,
  );
  for (const [name, r] of Object.entries(results)) {
    const t = r.runt ?? 0;
    const c = r.runc ?? 0;
    const cr = crun[name]?.crun ?? 0;
    console.log(
      `${name.padEnd(22)}${t.toFixed(1).padStart(8)}${c.toFixed(1).padStart(8)}${cr.toFixed(1).padStart(8)}${(t / c).toFixed(2).padStart(11)}${(t / cr).toFixed(2).padStart(11)}`,
    );
  }
} finally {
  rmSync(bundle, { recursive: true, force: true });
  rmSync(ERR_FILE, { force: true });
}
