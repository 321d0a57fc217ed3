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
import { cleanupAll, ROOTFS, runt, STATE_ROOT, testSpec } from "../helpers/runt.ts";
import { podmanProfile } from "../helpers/seccomp.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const SEED = Number(process.env.RUNT_FUZZ_SEED ?? 0x5eed);
const IN_PROCESS = Number(process.env.RUNT_FUZZ_N ?? 5000);
const THROUGH_CLI = Number(process.env.RUNT_FUZZ_CLI ?? 300);

/** mulberry32: small, seedable, good enough to spread mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FORBIDDEN = [/^root\.path$/, /^linux\.cgroupsPath/, /^linux\.sysctl/, /^hooks/];

const ODD: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  2 ** 64,
  -(2 ** 63),
  "",
  "x",
  "/",
  "../../../../..",
  "/proc/self/fd/3",
  "a".repeat(5000),
  "nul\u0000byte",
  "ünïcødé",
  [],
  {},
  [1, "a", null],
  { a: 1 },
];

function paths(v: Json, at = ""): string[] {
  const out: string[] = [];
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push(`${at}[${i}]`, ...paths(x, `${at}[${i}]`));
    });
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      const p = at ? `${at}.${k}` : k;
      out.push(p, ...paths(x, p));
    }
  }
  return out;
}

function parentOf(root: Json, path: string): { parent: Json; key: string | number } {
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let cur: Json = root;
  for (const part of parts.slice(0, -1)) {
    const key = part.startsWith("[") ? Number(part.slice(1, -1)) : part;
    cur = (cur as Record<string, Json>)[key as string] as Json;
  }
  const last = parts[parts.length - 1] ?? "";
  return { parent: cur, key: last.startsWith("[") ? Number(last.slice(1, -1)) : last };
}

function retype(v: Json): Json {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return Number.isNaN(Number(v)) ? v.length : Number(v);
  if (typeof v === "boolean") return v ? "true" : 1;
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (v && typeof v === "object") return Object.values(v);
  return "null";
}

/** One to three mutations of a copy of base; returns the config and what was done. */
function mutate(base: Json, rand: () => number): { config: Json; did: string[] } {
  const config = structuredClone(base);
  const did: string[] = [];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const all = paths(config).filter((p) => !FORBIDDEN.some((f) => f.test(p)));
    const path = all[Math.floor(rand() * all.length)];
    if (!path) break;
    const { parent, key } = parentOf(config, path);
    if (parent === null || typeof parent !== "object") continue;
    const p = parent as Record<string | number, Json>;
    const kind = Math.floor(rand() * 6);
    if (kind === 0) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete p[key];
      did.push(`remove ${path}`);
    } else if (kind === 1) {
      p[key] = retype(p[key] as Json);
      did.push(`retype ${path}`);
    } else if (kind === 2 || kind === 3) {
      const v = ODD[Math.floor(rand() * ODD.length)] as Json;
      p[key] = structuredClone(v);
      did.push(`set ${path} = ${JSON.stringify(v)?.slice(0, 30)}`);
    } else if (kind === 4 && Array.isArray(parent)) {
      parent.push(structuredClone(parent[key as number] as Json));
      did.push(`duplicate ${path}`);
    } else {
      const obj = p[key];
      if (obj && typeof obj === "object" && !Array.isArray(obj)) {
        (obj as Record<string, Json>)["x-fuzz"] = 1;
        did.push(`add ${path}.x-fuzz`);
      } else {
        p[key] = retype(p[key] as Json);
        did.push(`retype ${path}`);
      }
    }
  }
  return { config, did };
}

const sandbox = mkdtempSync("/tmp/runt-fuzz-");
const rootfs = join(sandbox, "rootfs");
spawnSync("cp", ["-a", `${ROOTFS}/.`, rootfs]);

function bases(): Json[] {
  const plain = testSpec(["true"], (s) => {
    s.root = { path: rootfs, readonly: true };
  });
  const rich = testSpec(["true"], (s) => {
    s.root = { path: rootfs, readonly: true };
    s.hostname = "fuzz";
    if (s.process) s.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 1024 }];
    if (s.process) s.process.oomScoreAdj = 10;
    s.mounts?.push({
      destination: "/mnt/t",
      type: "tmpfs",
      source: "tmpfs",
      options: ["ro", "size=1m"],
    });
    s.mounts?.push({
      destination: "/mnt/b",
      type: "bind",
      source: sandbox,
      options: ["rbind", "ro"],
    });
    s.linux?.devices?.push({ path: "/dev/fuzz", type: "c", major: 1, minor: 3, fileMode: 0o600 });
    if (s.linux)
      s.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        architectures: ["SCMP_ARCH_X86_64"],
        flags: ["SECCOMP_FILTER_FLAG_LOG"],
        syscalls: [
          {
            names: ["kill", "rmdir"],
            action: "SCMP_ACT_ERRNO",
            errnoRet: 1,
            args: [{ index: 1, value: 9, valueTwo: 0, op: "SCMP_CMP_EQ" }],
          },
          { names: ["sync"], action: "SCMP_ACT_KILL_PROCESS" },
        ],
      };
  });
  const podman = testSpec(["true"], (s) => {
    s.root = { path: rootfs, readonly: true };
    if (s.linux) s.linux.seccomp = podmanProfile(["CAP_KILL"]);
  });
  return [plain, rich, podman] as unknown as Json[];
}

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
    const rand = rng(SEED);
    const all = bases();
    const bugs: string[] = [];
    let ok = 0;
    for (let i = 0; i < IN_PROCESS; i++) {
      const { config, did } = mutate(all[i % all.length] as Json, rand);
      try {
        if (throughLibrary(JSON.stringify(config)) === "ok") ok++;
      } catch (e) {
        if (!(e instanceof RuntError)) bugs.push(`${did.join("; ")}: ${(e as Error).stack}`);
      }
    }
    expect(bugs.slice(0, 5)).toEqual([]);
    // The mutations are not all fatal: a good share still reaches the plan.
    expect(ok).toBeGreaterThan(IN_PROCESS / 10);
  });

  test(`${THROUGH_CLI} of them through runt create: a container or exit 1 with a message; nothing left behind`, () => {
    const rand = rng(SEED + 1);
    const all = bases();
    const mountsBefore = readFileSync("/proc/self/mountinfo", "utf8").split("\n").length;
    const problems: string[] = [];
    const ids: string[] = [];
    let created = 0;
    for (let i = 0; i < THROUGH_CLI; i++) {
      const { config, did } = mutate(all[i % all.length] as Json, rand);
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
