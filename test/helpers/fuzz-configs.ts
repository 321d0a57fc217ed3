// The fuzz test's config generator (test/integration/fuzz.test.ts), shared with the
// differential test (test/integration/differential.test.ts): three valid base configs
// for the busybox rootfs and seeded mutations of them (fields changed, removed and
// retyped).
//
// Mutations never touch what could reach the host outside a test's own sandbox:
// root.path, linux.cgroupsPath, linux.sysctl and hooks (and no key but "x-fuzz" is
// ever added, so no namespace path or propagation can appear).

import { testSpec } from "./runt.ts";
import { podmanProfile } from "./seccomp.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The fuzz test's seed and sample sizes, shared with the differential test. */
export const FUZZ_SEED = Number(process.env.RUNT_FUZZ_SEED ?? 0x5eed);
export const FUZZ_IN_PROCESS = Number(process.env.RUNT_FUZZ_N ?? 5000);
export const FUZZ_THROUGH_CLI = Number(process.env.RUNT_FUZZ_CLI ?? 300);

/** mulberry32: small, seedable, good enough to spread mutations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FORBIDDEN = [/^root\.path$/, /^linux\.cgroupsPath/, /^linux\.sysctl/, /^hooks/];

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
export function mutate(base: Json, rand: () => number): { config: Json; did: string[] } {
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

/**
 * The three bases: plain `runt spec` defaults, a rich one (hostname, rlimit, oom score,
 * a tmpfs and a read-only bind of `share`, a device, a seccomp filter with argument
 * rules) and one with podman's default seccomp profile; all run `true` from `rootfs`.
 */
export function fuzzBases(rootfs: string, share: string): Json[] {
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
      source: share,
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

export interface Mutation {
  config: Json;
  /** What was done to the base, e.g. "remove linux.namespaces[2]". */
  did: string[];
}

/** n mutations from the seed, the i-th of bases[i % bases.length], as the fuzz test makes them. */
export function* mutations(seed: number, n: number, bases: Json[]): Generator<Mutation> {
  const rand = rng(seed);
  for (let i = 0; i < n; i++) yield mutate(bases[i % bases.length] as Json, rand);
}
