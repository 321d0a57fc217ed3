// containerd end to end, runt beside runc: `ctr run --rm` of /bin/true (shim start,
// runtime create/start, exit, delete, shim exit) and `ctr task exec` into a running
// task, through a private containerd (test/e2e/containerd-env.ts), interleaved so
// that drift on the machine hits both runtimes alike.
//
//   bun bench/containerd.ts [--runs N]      (RUNT_BIN picks another runt build)
import {
  buildOciArchive,
  Containerd,
  ensurePackages,
  IMAGE,
  RUNC,
  RUNT,
} from "../test/e2e/containerd-env.ts";

const argv = process.argv.slice(2);
const runsAt = argv.indexOf("--runs");
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 15;
const WARMUP = 2;

const RUNTIMES = [
  { name: "runt", bin: RUNT },
  { name: "runc", bin: RUNC },
] as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

ensurePackages({ containerd: "/usr/bin/containerd", runc: RUNC });
const d = new Containerd("bench");
await d.start();
try {
  const archive = `${d.dir}/busybox-oci.tar`;
  buildOciArchive(archive);
  const imp = d.ctr(["image", "import", archive]);
  if (imp.status !== 0) throw new Error(`ctr image import: ${imp.stderr}`);

  const ok = (args: string[]) => {
    const r = d.ctr(args);
    if (r.status !== 0) throw new Error(`ctr ${args.join(" ")}: ${r.stderr}`);
  };
  const times: Record<string, Record<string, number[]>> = {
    "ctr run --rm true": {},
    "ctr task exec true": {},
  };
  for (const rt of RUNTIMES) {
    for (const c of Object.values(times)) c[rt.name] = [];
    ok(["run", "-d", "--runc-binary", rt.bin, IMAGE, `bench-${rt.name}`, "sleep", "100000"]);
  }
  let serial = 0;
  for (let i = 0; i < runs + WARMUP; i++) {
    for (const rt of RUNTIMES) {
      let t0 = performance.now();
      ok(["run", "--rm", "--runc-binary", rt.bin, IMAGE, `bench-${rt.name}-${i}`, "true"]);
      const run = performance.now() - t0;
      t0 = performance.now();
      ok(["task", "exec", "--exec-id", `e${++serial}`, `bench-${rt.name}`, "true"]);
      const exec = performance.now() - t0;
      if (i >= WARMUP) {
        times["ctr run --rm true"]?.[rt.name]?.push(run);
        times["ctr task exec true"]?.[rt.name]?.push(exec);
      }
    }
  }
  console.log(
    `containerd 1.6 + containerd-shim-runc-v2, median of ${runs} runs each, milliseconds\n`,
  );
  console.log(
    `${"case".padEnd(22)}${"runt".padStart(8)}${"runc".padStart(8)}${"runt/runc".padStart(11)}`,
  );
  for (const [name, r] of Object.entries(times)) {
    const t = median(r.runt ?? []);
    const c = median(r.runc ?? []);
    console.log(
      `${name.padEnd(22)}${t.toFixed(1).padStart(8)}${c.toFixed(1).padStart(8)}${(t / c).toFixed(2).padStart(11)}`,
    );
  }
} finally {
  await d.stop();
}
