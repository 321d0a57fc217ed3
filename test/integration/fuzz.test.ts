// Mutated config.json files: valid configs with fields changed, removed and retyped.
// In-process, thousands go through validation, the plan compiler, the seccomp compiler
// and the plan encoder: each ends in a result or a RuntError, never in a TypeError or
// the like. Through the real CLI, a sample goes to `runt create`: each ends with a
// container (deleted again) or exit 1 and a clear message, never a stack trace or a
// hang, and nothing is left behind: no state, no cgroup, no mount.
//
// Mutations never touch what could reach the host outside a test's own sandbox:
// root.path, linux.cgroupsPath, linux.sysctl and hooks (and no key but "x-fuzz" is
// ever added, so no namespace path or propagation can appear).
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntError } from "../../src/errors.ts";
import { compilePlan } from "../../src/plan/compile.ts";
import { encodePlan } from "../../src/plan/encode.ts";
import { compileSeccomp } from "../../src/seccomp/compile.ts";
import type { Spec } from "../../src/spec/types.ts";
import { parseConfig, refuseUnsupported } from "../../src/spec/validate.ts";
import {
  FUZZ_IN_PROCESS,
  FUZZ_SEED,
  FUZZ_THROUGH_CLI,
  fuzzBases,
  mutations,
} from "../helpers/fuzz-configs.ts";
import { cleanupAll, ROOTFS, runt, STATE_ROOT } from "../helpers/runt.ts";

const SEED = FUZZ_SEED;
const IN_PROCESS = FUZZ_IN_PROCESS;
const THROUGH_CLI = FUZZ_THROUGH_CLI;

const sandbox = mkdtempSync("/tmp/runt-fuzz-");
const rootfs = join(sandbox, "rootfs");
spawnSync("cp", ["-a", `${ROOTFS}/.`, rootfs]);

const bases = () => fuzzBases(rootfs, sandbox);

/** validate -> refuse -> compile seccomp -> compile plan -> encode, as `create` does. */
function throughLibrary(text: string): "ok" | "refused" {
  const spec: Spec = parseConfig(text, "config.json");
  refuseUnsupported(spec);
  const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : undefined;
  let plan: ReturnType<typeof compilePlan>;
  try {
    plan = compilePlan({
      spec,
      rootfs,
      bundle: sandbox,
      fifoPath: "/run/runt/fuzz/exec.fifo",
      noPivot: false,
      preserveFds: 0,
      cgroupProcs: [],
      cgroupMounts: [{ name: "", fstype: "cgroup2", data: "", hostPath: "/x", aliases: [] }],
      statSource: (p) => (existsSync(p) ? "dir" : null),
      seccomp,
    });
  } catch (e) {
    // create wraps what the compiler throws in a RuntError; it must be a deliberate Error.
    if ((e as Error).constructor !== Error) throw e;
    return "refused";
  }
  encodePlan(plan);
  return "ok";
}

afterAll(() => {
  cleanupAll();
  rmSync(sandbox, { recursive: true, force: true });
});

describe(`fuzz (seed ${SEED})`, () => {
  test(`${IN_PROCESS} mutated configs through validate + compile: a result or a RuntError`, () => {
    const bugs: string[] = [];
    let ok = 0;
    for (const { config, did } of mutations(SEED, IN_PROCESS, bases())) {
      try {
        if (throughLibrary(JSON.stringify(config)) === "ok") ok++;
      } catch (e) {
        if (!(e instanceof RuntError)) bugs.push(`${did.join("; ")}: ${(e as Error).stack}`);
      }
    }
    expect(bugs.slice(0, 5)).toEqual([]);
    // The mutations are not all fatal: a good share still reaches the plan.
    expect(ok).toBeGreaterThan(IN_PROCESS / 10);
    // About 6 s here, most of it libseccomp compiling the profiles: more than bun's 5 s default.
  }, 60_000);

  test(`${THROUGH_CLI} of them through runt create: a container or exit 1 with a message; nothing left behind`, () => {
    const sample = [...mutations(SEED + 1, THROUGH_CLI, bases())];
    const mountsBefore = readFileSync("/proc/self/mountinfo", "utf8").split("\n").length;
    const problems: string[] = [];
    const ids: string[] = [];
    let created = 0;
    for (const [i, { config, did }] of sample.entries()) {
      const bundle = join(sandbox, `b${i}`);
      spawnSync("mkdir", ["-p", bundle]);
      writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
      const id = `fuzz-${process.pid}-${i}`;
      ids.push(id);
      // Output through files: a created container holds runt's stdio open.
      const r = runt(["create", "--bundle", bundle, id], { timeoutMs: 20_000 });
      const what = `${did.join("; ")} -> status ${r.status}: ${r.stderr.slice(0, 300)}`;
      if (r.status === 0) {
        created++;
        const d = runt(["delete", "--force", id], { timeoutMs: 20_000 });
        if (d.status !== 0) problems.push(`delete failed after ${what}: ${d.stderr}`);
      } else if (
        r.status !== 1 ||
        r.stderr.trim() === "" ||
        /internal error|\n\s+at |TypeError|ReferenceError|RangeError|undefined is not|panic/.test(
          r.stderr,
        )
      ) {
        problems.push(what);
      }
      rmSync(bundle, { recursive: true, force: true });
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(created).toBeGreaterThan(0);
    // Nothing left: no state directory, no cgroup, no mount.
    const left = existsSync(STATE_ROOT)
      ? readdirSync(STATE_ROOT).filter((n) => n.startsWith("fuzz-"))
      : [];
    expect(left).toEqual([]);
    const cgroups: string[] = [];
    for (const h of readdirSync("/sys/fs/cgroup")) {
      const dir = join("/sys/fs/cgroup", h, "runt");
      if (!existsSync(dir)) continue;
      for (const n of readdirSync(dir)) if (ids.includes(n)) cgroups.push(join(dir, n));
    }
    expect(cgroups).toEqual([]);
    const mountsAfter = readFileSync("/proc/self/mountinfo", "utf8").split("\n").length;
    expect(mountsAfter).toBe(mountsBefore);
  });
});
