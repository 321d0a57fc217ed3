// podman (with conmon) end to end, runt beside runc, on the project's busybox image
// in a private podman storage (test/e2e/helpers/podman.ts):
//   `podman run --rm busybox true`, and `podman exec` into a running container.
// The runtimes alternate run by run, so drift of the machine hits both alike.
//
//   bun bench/podman.ts [--runs N]
import { ensurePodman, IMAGE, Podman } from "../test/e2e/helpers/podman.ts";

const argv = process.argv.slice(2);
const runsAt = argv.indexOf("--runs");
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const skip = ensurePodman();
if (skip) {
  console.error(`bench/podman: ${skip}`);
  process.exit(1);
}

const pm = new Podman();
// The names the helper's containers.conf gives the runtimes (runt: RUNT_BIN or dist/runt).
const runtimes = [
  { name: "runt", path: "runt" },
  { name: "runc", path: "runc" },
];

function ok(runtime: string, args: string[]): void {
  const r = pm.run(runtime, args);
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} (${runtime}): ${r.stderr}`);
}

try {
  pm.importBusybox();
  const cases: Record<string, (runtime: string, name: string) => void> = {
    "podman run --rm true": (runtime) => ok(runtime, ["run", "--rm", IMAGE, "true"]),
    "podman exec true": (runtime, name) => ok(runtime, ["exec", name, "true"]),
  };
  for (const { name, path } of runtimes) {
    ok(path, ["run", "-d", "--name", `bench-${name}`, IMAGE, "sleep", "3600"]);
  }
  const times: Record<string, Record<string, number[]>> = {};
  for (const [label, fn] of Object.entries(cases)) {
    times[label] = { runt: [], runc: [] };
    for (let i = 0; i < runs + 2; i++) {
      for (const { name, path } of runtimes) {
        const t0 = performance.now();
        fn(path, `bench-${name}`);
        if (i >= 2) times[label]?.[name]?.push(performance.now() - t0);
      }
    }
  }
  for (const { name, path } of runtimes) ok(path, ["rm", "-f", "-t", "0", `bench-${name}`]);
  console.log(`podman ${runs} runs each, median milliseconds\n`);
  console.log(
    `${"case".padEnd(24)}${"runt".padStart(8)}${"runc".padStart(8)}${"runt/runc".padStart(11)}`,
  );
  for (const [label, r] of Object.entries(times)) {
    const t = median(r.runt ?? []);
    const c = median(r.runc ?? []);
    console.log(
      `${label.padEnd(24)}${t.toFixed(0).padStart(8)}${c.toFixed(0).padStart(8)}${(t / c).toFixed(2).padStart(11)}`,
    );
  }
} finally {
  pm.destroy();
}
