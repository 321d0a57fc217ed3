// Kubernetes through CRI, runt beside runc: what a pod start costs the kubelet
// (RunPodSandbox + CreateContainer + StartContainer, the sandbox's CNI set-up
// included), ExecSync of `true` into a running container, and the pod's removal
// (StopPodSandbox + RemovePodSandbox), through one private containerd with both
// runtime handlers (test/e2e/cri/env.ts), interleaved so that drift on the machine
// hits both runtimes alike.
//
//   bun bench/cri.ts [--runs N]      (RUNT_BIN picks another runt build)
import { Cri, criSkipReason, HANDLERS, type Handler } from "../test/e2e/cri/env.ts";
import { Kubelet } from "../test/e2e/cri/kubelet.ts";

const argv = process.argv.slice(2);
const runsAt = argv.indexOf("--runs");
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 10;
const WARMUP = 2;
const EXECS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const skip = criSkipReason();
if (skip) {
  console.error(`bench/cri.ts: ${skip}`);
  process.exit(1);
}
const cri = new Cri("cri-bench");
const k = new Kubelet(cri);
const cases = ["pod start", "ExecSync true", "pod removal"] as const;
const times = Object.fromEntries(
  cases.map((c) => [c, { runc: [] as number[], runt: [] as number[] }]),
) as Record<(typeof cases)[number], Record<Handler, number[]>>;
try {
  await cri.setup();
  const handlers = Object.keys(HANDLERS) as Handler[];
  for (let i = 0; i < runs + WARMUP; i++) {
    for (const h of handlers) {
      let t0 = performance.now();
      const pod = await k.runPod(h, "bench");
      const id = await k.start(pod, "c");
      const start = performance.now() - t0;
      const execs: number[] = [];
      for (let j = 0; j < EXECS; j++) {
        t0 = performance.now();
        const r = await k.exec(id, ["true"]);
        execs.push(performance.now() - t0);
        if (r.exit !== 0) throw new Error(`${h}: ExecSync true exited ${r.exit}: ${r.stderr}`);
      }
      t0 = performance.now();
      await k.removePod(pod);
      const removal = performance.now() - t0;
      if (i >= WARMUP) {
        times["pod start"][h].push(start);
        times["ExecSync true"][h].push(...execs);
        times["pod removal"][h].push(removal);
      }
    }
  }
  console.log(
    `containerd 1.6 CRI + containerd-shim-runc-v2, median of ${runs} pods each (${EXECS} ExecSync per pod), milliseconds\n`,
  );
  console.log(
    `${"case".padEnd(16)}${"runt".padStart(8)}${"runc".padStart(8)}${"runt/runc".padStart(11)}`,
  );
  for (const c of cases) {
    const t = median(times[c].runt);
    const r = median(times[c].runc);
    console.log(
      `${c.padEnd(16)}${t.toFixed(1).padStart(8)}${r.toFixed(1).padStart(8)}${(t / r).toFixed(2).padStart(11)}`,
    );
  }
} finally {
  await k.cleanup();
  await cri.teardown();
}
