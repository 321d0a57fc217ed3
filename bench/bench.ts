// runt beside runc and crun, in one run, on the same busybox bundle: every row of
// issue 11's table. Samples of the runtimes are interleaved (runt, runc, runc, runt,
// ...) so that the machine's noise hits them alike; each figure is a median.
//
// crun refuses hybrid cgroups, so its rows run inside a private mount namespace
// with cgroup2 mounted at /sys/fs/cgroup and --cgroup-manager=disabled (MACHINE.md),
// and runt runs in the same mount for its comparison row ("cgroup2 mount" rows).
//
//   bun bench/bench.ts [--runt PATH] [--runs N] [--live N] [--live-runs N]
//
//   --runt PATH   the runt binary (default: $RUNT_BIN, else dist/runt)
//   --runs N      samples per runtime and case (default 20)
//   --live N      also time `run` with N live containers beside it against none
//                 (slow: N containers per runtime are started and deleted)
//   --live-runs N repetitions of that row (default 1)
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { defaultSpec } from "../src/spec/default.ts";

// Paths as the tests see them (test/helpers/harness.ts): one place names the checkout,
// the busybox rootfs and the default runt.
import { RUNT as DEFAULT_RUNT, REPO, ROOTFS, untilSync } from "../test/helpers/harness.ts";

const argv = process.argv.slice(2);
function opt(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
const RUNT = resolve(opt("--runt") ?? DEFAULT_RUNT);
const runs = Number(opt("--runs") ?? 20);
const live = Number(opt("--live") ?? 0);
const liveRuns = Number(opt("--live-runs") ?? 1);
const WARMUP = 2;

interface Runtime {
  name: string;
  /** The executable alone (for --version). */
  bin: string;
  /** argv prefix, global flags included. */
  cmd: string[];
}

// stderr goes to a file, not a pipe: a created container inherits the stdio of
// `create`, and a pipe it holds open would keep the spawn waiting for EOF. One fixed
// file and Bun.spawnSync rather than harness.ts's spawnToFiles (a temporary directory
// a call): what is timed is the runtime, with as little of ours around it as may be.
const ERR_FILE = `/tmp/runt-bench-${process.pid}.err`;

/** Runs cmd, throws with its stderr when it fails; returns the milliseconds it took. */
function timed(cmd: string[]): number {
  const err = openSync(ERR_FILE, "w");
  const t0 = performance.now();
  const r = Bun.spawnSync({ cmd, stdin: "ignore", stdout: "ignore", stderr: err });
  const ms = performance.now() - t0;
  closeSync(err);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${readFileSync(ERR_FILE, "utf8")}`);
  return ms;
}

/** Runs cmd for its stdout (not timed). */
function output(cmd: string[]): string {
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Runs cmd, ignoring its failure (clean-up). */
function quiet(cmd: string[]): void {
  spawnSync(cmd[0] as string, cmd.slice(1), { stdio: "ignore" });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

let seq = 0;
const newId = (rt: Runtime) => `bench-${rt.name}-${process.pid}-${seq++}`;

function statePid(rt: Runtime, id: string): number {
  return (JSON.parse(output([...rt.cmd, "state", id])) as { pid: number }).pid;
}

/** Until the process is gone or a zombie (nobody here reaps it), then until state says so. */
function waitStopped(rt: Runtime, id: string, pid: number): void {
  untilSync(
    () => {
      let st: string;
      try {
        st = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        return true;
      }
      return st.slice(st.lastIndexOf(")") + 2).startsWith("Z");
    },
    5000,
    1,
  );
  untilSync(() => output([...rt.cmd, "state", id]).includes('"stopped"'), 5000, 2);
}

interface Bundles {
  /** process: /bin/true */
  trueB: string;
  /** process: sleep, for exec and the waiting init */
  sleepB: string;
}

function makeBundles(): Bundles {
  const mk = (args: string[]) => {
    const dir = mkdtempSync("/tmp/runt-bench-");
    const spec = defaultSpec({});
    // runc refuses a symlinked rootfs: point at the shared one directly.
    spec.root = { path: ROOTFS, readonly: true };
    // crun 1.8 knows spec versions up to 1.0.x only; every field used here is 1.0.
    spec.ociVersion = "1.0.2";
    spec.process.terminal = false;
    spec.process.args = args;
    writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
    return dir;
  };
  return { trueB: mk(["/bin/true"]), sleepB: mk(["/bin/sleep", "3600"]) };
}

type Result = Record<string, Record<string, number>>;

/**
 * For each case: WARMUP + runs samples per runtime, the runtimes' order rotating
 * sample by sample. Returns case -> runtime -> median ms (or a value for rss rows).
 */
function suite(runtimes: Runtime[], b: Bundles, versionOf: Runtime[] = []): Result {
  const out: Result = {};
  const put = (row: string, rt: Runtime, v: number) => {
    out[row] ??= {};
    (out[row] as Record<string, number>)[rt.name] = v;
  };
  const interleave = (row: string, sample: (rt: Runtime) => number, rts = runtimes) => {
    const times = new Map<string, number[]>(rts.map((r) => [r.name, []]));
    for (let i = 0; i < WARMUP + runs; i++) {
      for (let k = 0; k < rts.length; k++) {
        const rt = rts[(i + k) % rts.length] as Runtime;
        const ms = sample(rt);
        if (i >= WARMUP) times.get(rt.name)?.push(ms);
      }
    }
    for (const rt of rts) put(row, rt, median(times.get(rt.name) ?? []));
  };

  if (versionOf.length) {
    // More samples: a few milliseconds each.
    interleave("--version", (rt) => timed([rt.bin, "--version"]), versionOf);
  }
  interleave("run /bin/true", (rt) => timed([...rt.cmd, "run", "--bundle", b.trueB, newId(rt)]));
  interleave("create+start+delete", (rt) => {
    const id = newId(rt);
    let ms = timed([...rt.cmd, "create", "--bundle", b.trueB, id]);
    const pid = statePid(rt, id);
    ms += timed([...rt.cmd, "start", id]);
    waitStopped(rt, id, pid); // not timed
    return ms + timed([...rt.cmd, "delete", id]);
  });

  // exec into one running container per runtime.
  const execIds = new Map<string, string>();
  try {
    for (const rt of runtimes) {
      const id = newId(rt);
      execIds.set(rt.name, id);
      timed([...rt.cmd, "run", "-d", "--bundle", b.sleepB, id]);
    }
    interleave("exec ID true", (rt) =>
      timed([...rt.cmd, "exec", execIds.get(rt.name) as string, "/bin/true"]),
    );
  } finally {
    for (const rt of runtimes) quiet([...rt.cmd, "delete", "--force", execIds.get(rt.name) ?? ""]);
  }

  // The init waiting on the exec fifo after create: RSS and threads (medians of 3).
  for (const rt of runtimes) {
    const rss: number[] = [];
    const threads: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = newId(rt);
      try {
        timed([...rt.cmd, "create", "--bundle", b.sleepB, id]);
        const status = readFileSync(`/proc/${statePid(rt, id)}/status`, "utf8");
        rss.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024);
        threads.push(Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN));
      } finally {
        quiet([...rt.cmd, "delete", "--force", id]);
      }
    }
    put("waiting init RSS (MB)", rt, median(rss));
    put("waiting init threads", rt, median(threads));
  }
  return out;
}

/**
 * `run` latency with N live containers against none, for each runtime in turn:
 * samples with none, then with N live, then with none again (the two "none" blocks
 * show the drift of the machine meanwhile). Returns runtime -> ratio live/none.
 */
function liveRow(runtimes: Runtime[], b: Bundles, n: number): Result {
  const out: Result = { [`run, ${n} live / none`]: {}, "  (none before / after)": {} };
  for (const rt of runtimes) {
    const ratios: number[] = [];
    const drift: number[] = [];
    for (let r = 0; r < liveRuns; r++) {
      const sample = () => {
        const xs: number[] = [];
        for (let i = 0; i < WARMUP + runs; i++) {
          const ms = timed([...rt.cmd, "run", "--bundle", b.trueB, newId(rt)]);
          if (i >= WARMUP) xs.push(ms);
        }
        return xs;
      };
      const before = sample();
      const ids: string[] = [];
      let during: number[] = [];
      try {
        for (let i = 0; i < n; i++) {
          const id = newId(rt);
          timed([...rt.cmd, "run", "-d", "--bundle", b.sleepB, id]);
          ids.push(id);
        }
        during = sample();
      } finally {
        for (const id of ids) quiet([...rt.cmd, "delete", "--force", id]);
      }
      const after = sample();
      ratios.push(median(during) / median([...before, ...after]));
      drift.push(median(before) / median(after));
    }
    (out[`run, ${n} live / none`] as Record<string, number>)[rt.name] = median(ratios);
    (out["  (none before / after)"] as Record<string, number>)[rt.name] = median(drift);
  }
  return out;
}

if (argv[0] === "--inner") {
  // Inside the private cgroup2 mount namespace: crun (no cgroup manager) and runt.
  const b = JSON.parse(argv[1] as string) as Bundles;
  const runtimes: Runtime[] = [
    { name: "runt", bin: RUNT, cmd: [RUNT, "--root", "/run/runt-bench-v2"] },
    {
      name: "crun",
      bin: "crun",
      cmd: ["crun", "--root", "/run/runt-bench-crun", "--cgroup-manager=disabled"],
    },
  ];
  process.stdout.write(JSON.stringify(suite(runtimes, b)));
  process.exit(0);
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}

const missing = ["runc", "crun", "hyperfine"].filter(
  (x) => !existsSync(`/usr/bin/${x}`) && !existsSync(`/usr/sbin/${x}`),
);
if (missing.length) sh("apt-get", ["install", "-y", "-qq", ...missing]);
if (!existsSync(RUNT)) {
  console.error(`bench: no runt binary at ${RUNT} (npm run build, or --runt PATH)`);
  process.exit(1);
}
sh("bash", [join(REPO, "scripts/busybox-rootfs.sh")]);
for (const d of ["/run/runt-bench", "/run/runc-bench"]) mkdirSync(d, { recursive: true });
const bundles = makeBundles();
try {
  const host: Runtime[] = [
    { name: "runt", bin: RUNT, cmd: [RUNT, "--root", "/run/runt-bench"] },
    { name: "runc", bin: "runc", cmd: ["runc", "--root", "/run/runc-bench"] },
  ];
  const crunVersion: Runtime = { name: "crun", bin: "crun", cmd: ["crun"] };
  // crun's --version needs no cgroups: it runs on the host, beside runt and runc.
  const results = suite(host, bundles, [...host, crunVersion]);

  const inner = spawnSync(
    "unshare",
    [
      "-m",
      "sh",
      "-c",
      'mount --make-rprivate / && umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$0" "$@"',
      process.execPath,
      import.meta.path,
      "--inner",
      JSON.stringify(bundles),
      "--runt",
      RUNT,
      "--runs",
      String(runs),
    ],
    { encoding: "utf8" },
  );
  if (inner.status !== 0) throw new Error(`the cgroup2 mount's run failed: ${inner.stderr}`);
  const v2 = JSON.parse(inner.stdout) as Result;
  const liveResults = live > 0 ? liveRow(host, bundles, live) : undefined;

  const fmt = (x: number | undefined, d = 1) =>
    x === undefined || Number.isNaN(x) ? "-" : x.toFixed(d);
  const W = 44;
  const line = (c: string, t?: number, r?: number, cr?: number, d = 1, ratios = true) =>
    console.log(
      `${c.padEnd(W)}${fmt(t, d).padStart(8)}${fmt(r, d).padStart(8)}${fmt(cr, d).padStart(8)}${(ratios ? fmt(t !== undefined && r !== undefined ? t / r : undefined, 2) : "").padStart(11)}${(ratios ? fmt(t !== undefined && cr !== undefined ? t / cr : undefined, 2) : "").padStart(11)}`,
    );
  console.log(
    `${new Date().toISOString()} ${output(["uname", "-r"]).trim()}, ${navigator.hardwareConcurrency} cpus; runt ${RUNT}`,
  );
  console.log(
    `medians of ${runs} interleaved samples per runtime (after ${WARMUP} warm-up), milliseconds`,
  );
  console.log(
    "create+start+delete: the three calls' times summed (the wait for /bin/true to exit is left out)",
  );
  console.log('"cgroup2 mount": a private cgroup2 mount; crun with --cgroup-manager=disabled\n');
  console.log(
    `${"case".padEnd(W)}${"runt".padStart(8)}${"runc".padStart(8)}${"crun".padStart(8)}${"runt/runc".padStart(11)}${"runt/crun".padStart(11)}`,
  );
  const row = (name: string) => results[name] ?? {};
  line("--version", row("--version").runt, row("--version").runc, row("--version").crun);
  for (const name of ["run /bin/true", "create+start+delete", "exec ID true"]) {
    line(name, row(name).runt, row(name).runc, undefined);
    line(`${name} (cgroup2 mount)`, v2[name]?.runt, undefined, v2[name]?.crun);
  }
  if (liveResults) {
    // Each runtime against itself: ratios between the runtimes would mean nothing here.
    for (const [name, r] of Object.entries(liveResults)) {
      line(name, r.runt, r.runc, undefined, 2, false);
    }
  } else {
    console.log(`${"run, 500 live / none".padEnd(W)}  (not run: --live 500 runs it, slowly)`);
  }
  for (const name of ["waiting init RSS (MB)", "waiting init threads"]) {
    const d = name.includes("RSS") ? 2 : 0;
    line(name, row(name).runt, row(name).runc, v2[name]?.crun, d);
  }
} finally {
  for (const d of Object.values(bundles)) rmSync(d, { recursive: true, force: true });
  rmSync(ERR_FILE, { force: true });
  // The state roots of the runs (every container is deleted by then), runt's seccomp cache too.
  for (const d of [
    "/run/runt-bench",
    "/run/runc-bench",
    "/run/runt-bench-v2",
    "/run/runt-bench-crun",
  ]) {
    rmSync(d, { recursive: true, force: true });
  }
}
