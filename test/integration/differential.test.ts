// Differential test: a corpus of real configs through Debian's runc 1.1.5 and through
// runt, `run` in the foreground, and for each config the outcome (the container ran,
// or create refused it) and run's exit status must be the same. Every difference is
// reported with the config's name, both outcomes and both error messages; the only
// ones excused are in KNOWN below, each where runc is wrong by the runtime-spec.
//
// The corpus:
//   - the fuzz test's configs (test/helpers/fuzz-configs.ts): its three bases and the
//     sample it sends through `runt create` (same seed, same RUNT_FUZZ_CLI count), plus
//     the first RUNT_DIFF_FUZZ_N (default 500) of its 5000 in-process mutations;
//     those with linux.seccomp.flags also run without them (runc 1.1.5 refuses any);
//   - every fixture in test/fixtures/configs;
//   - what `runc spec` and `runc spec --rootless` write, generated here by the runc
//     under test;
//   - podman 4.3 and containerd 1.6 configs in test/fixtures/differential, captured
//     once from the real engines by test/fixtures/differential/capture.ts (see there);
//     this test runs neither engine.
// The static configs (all but the fuzz ones, which already fit) are fitted to the
// host the same way for both runtimes: the busybox rootfs, terminal false, a short
// process (each runs `true`, `sh -c 'exit 3'`, a read of /proc and /dev, and a
// missing command), rlimits clamped to this session's hard limits, CAP_SYS_RESOURCE
// dropped (docs/MACHINE.md), namespace paths pointed at namespaces a holder process
// of this test owns, bind sources that do not exist here replaced by empty
// directories of the case, hooks that would run a host binary pointed at a missing
// one, sysctls that no new namespace of the config would keep off the host
// dropped, and negative clock offsets cut to fit this host's uptime. With a user
// namespace, the case's rootfs copy is chowned to the container's root, as an engine
// would.
//
// Each runtime gets its own --root under /tmp, each case a unique id, its own copy
// of the rootfs (hard links of a pristine copy) and its own cgroupsPath under
// /runt-diff-<pid>/ in every v1 hierarchy; the container, its state and its cgroups
// are deleted after each case (and anything left is reported), the parents at the end.
import { afterAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join, normalize } from "node:path";
import {
  fillPlaceholders,
  hostHardLimits,
  makeSource,
  numeric,
  type Outcome,
  parseLossless,
  type Runtime,
  runCase,
  stringifyLossless,
} from "../helpers/differential.ts";
import {
  FUZZ_SEED,
  FUZZ_THROUGH_CLI,
  fuzzBases,
  type Json,
  mutations,
} from "../helpers/fuzz-configs.ts";
import { REPO, ROOTFS, RUNT, removeCgroupParent, untilSync } from "../helpers/harness.ts";

const RUNC = "/usr/sbin/runc";
const FUZZ_IN_PROCESS_SAMPLE = Number(process.env.RUNT_DIFF_FUZZ_N ?? 500);

/** Installs runc with apt when missing; why the test cannot run, or undefined. */
function ensureRunc(): string | undefined {
  if (!existsSync(RUNC)) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = ["install", "-y", "-qq", "--no-install-recommends", "runc"];
    let r = spawnSync("apt-get", install, { env, encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) {
      spawnSync("apt-get", ["update", "-qq"], { env, stdio: "ignore", timeout: 300_000 });
      r = spawnSync("apt-get", install, { env, encoding: "utf8", timeout: 300_000 });
    }
    if (!existsSync(RUNC)) {
      return `runc is not installed and apt-get install runc failed: ${(r.stderr ?? r.error?.message ?? "").trim().slice(-300)}`;
    }
  }
  if (!existsSync(RUNT)) return `no runt binary at ${RUNT} (build it, or set RUNT_BIN)`;
  if (!existsSync(join(ROOTFS, "bin/busybox"))) {
    return `no busybox rootfs at ${ROOTFS}: run scripts/busybox-rootfs.sh`;
  }
  if (process.getuid?.() !== 0) return "the differential test runs containers as root";
  return undefined;
}

const skipWhy = ensureRunc();
if (skipWhy) console.warn(`differential test skipped: ${skipWhy}`);

// ---------------------------------------------------------------------------------
// Known differences: only where runc is wrong by the runtime-spec. An entry excuses a
// case only when the name, both outcomes and the messages it names all match, so a
// new way of differing on the same config still fails; the reason quotes the spec.
// The second kind: runc 1.1.5 refuses a valid value it does not support (the spec lets
// a runtime choose which subset of valid values it supports) and runt honours it as the
// spec describes it, as runc 1.2+ does. Those are excused only with runc's own words
// saying it lacks the feature.

interface Known {
  /** Case names it covers. */
  name: RegExp;
  runc: Outcome["outcome"];
  runt: Outcome["outcome"];
  /** What each runtime must have said, when the outcome alone does not pin it. */
  runcMessage?: RegExp;
  runtMessage?: RegExp;
  reason: string;
}

const VALID_VALUES =
  'config.md "Valid values": "Runtimes MUST generate an error when invalid or unsupported values are encountered"';

const SUBSET =
  "config.md: runtimes MAY choose which subset of the valid values they support; runt supports this one";

const KNOWN: Known[] = [
  {
    name: /seccomp|^fuzz /,
    runc: "refused",
    runt: "runs",
    runcMessage: /seccomp flags are not yet supported by runc/,
    reason: `linux.seccomp.flags (config-linux.md: SECCOMP_FILTER_FLAG_*) are passed to seccomp(2) by runt, as by runc 1.2+; runc 1.1.5 refuses any: ${SUBSET}`,
  },
  {
    name: /joined-namespaces/,
    runc: "refused",
    runt: "runs",
    runcMessage: /namespace \{"time" ""\} does not exist/,
    reason: `a "time" namespace (config-linux.md, runtime-spec 1.1+) is made by runt, as by runc 1.2+; runc 1.1.5 does not know the type: ${SUBSET}`,
  },
  {
    name: /^fuzz .*process\.user\.(uid|gid) = /,
    runc: "refused",
    runt: "runs",
    runcMessage: /uids and gids must be in range 0-2147483647/,
    reason: `process.user.uid/gid are uint32 (config.md); the kernel takes any but (uid_t)-1, and runc 1.1.5 limits them to int32: ${SUBSET}`,
  },
  {
    name: /^fuzz /,
    runc: "runs",
    runt: "refused",
    runtMessage:
      /: expected (an absolute path|a string without NUL bytes|at least one syscall name|an array, got null|a string, got null|an integer from 0 to \d+, got (null|nothing))/,
    reason: `runc runs a config with an invalid value (a relative maskedPaths/readonlyPaths entry, which "MUST be absolute paths"; a syscall name with a NUL byte; an empty names, which "MUST contain at least one entry"; a REQUIRED uid/gid/index left out; null where an array or a string must be): ${VALID_VALUES}`,
  },
  {
    name: /^fuzz .*remove linux\.seccomp\.syscalls\[\d+\]\.names\[\d+\]/,
    runc: "refused",
    runt: "runs",
    runcMessage: /cannot start an already running container/,
    reason:
      'the filter takes `write` out of the allow list; runc 1.1.5 loads it before its init is done with the exec fifo, so the init fails and runc cannot start a container the config allows (runtime.md "start": the runtime MUST run the user-specified program)',
  },
];

// ---------------------------------------------------------------------------------
// The sandbox: state roots, the pristine rootfs, the cases' directories.

const sandbox = skipWhy ? "" : mkdtempSync("/tmp/runt-diff-");
const CG_PARENT = `runt-diff-${process.pid}`;
const RUNTIMES: Runtime[] = [
  { name: "runc", bin: RUNC, root: join(sandbox, "root-runc") },
  { name: "runt", bin: RUNT, root: join(sandbox, "root-runt") },
];
const pristine = join(sandbox, "rootfs");
if (!skipWhy) {
  // A user namespace's root is an unmapped "other" here: it must get to the rootfs.
  chmodSync(sandbox, 0o755);
  spawnSync("cp", ["-a", `${ROOTFS}/.`, pristine]);
}

/** A process that owns a user, network, ipc, uts, mount and cgroup namespace of ours. */
let holder: ChildProcess | undefined;
function holderPid(): number {
  if (!holder) {
    holder = spawn(
      "unshare",
      [
        "--user",
        "--map-root-user",
        "--net",
        "--ipc",
        "--uts",
        "--mount",
        "--cgroup",
        "sleep",
        "600",
      ],
      { stdio: "ignore" },
    );
    const pid = holder.pid as number;
    // Until unshare has made the namespaces and exec'd sleep.
    untilSync(
      () => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep");
        } catch {
          return false;
        }
      },
      5000,
      5,
    );
  }
  return holder.pid as number;
}

const NS_FILE: Record<string, string> = {
  network: "net",
  mount: "mnt",
  ipc: "ipc",
  uts: "uts",
  user: "user",
  cgroup: "cgroup",
  pid: "pid",
  time: "time",
};

// ---------------------------------------------------------------------------------
// Fitting a static config to this host (the same for both runtimes).

const HARD = skipWhy ? {} : hostHardLimits();

/** The short processes every static config runs. */
const VARIANTS: Record<string, string[]> = {
  true: ["true"],
  "exit 3": ["sh", "-c", "exit 3"],
  read: [
    "sh",
    "-c",
    "cat /proc/self/status /proc/self/mountinfo >/dev/null && ls -l /dev >/dev/null",
  ],
  missing: ["/no/such/command"],
};

type Obj = Record<string, Json>;
const isObj = (v: Json | undefined): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

function isBind(m: Obj): boolean {
  const opts = Array.isArray(m.options) ? m.options : [];
  return m.type === "bind" || opts.includes("bind") || opts.includes("rbind");
}

function fit(config: Json, args: string[]): Json {
  const c = structuredClone(config) as Obj;
  const root = isObj(c.root) ? c.root : {};
  c.root = { ...root, path: "@ROOTFS@" };
  const proc = isObj(c.process) ? c.process : {};
  c.process = proc;
  proc.terminal = false;
  proc.args = args;
  if (Array.isArray(proc.rlimits)) {
    for (const r of proc.rlimits) {
      if (!isObj(r) || typeof r.type !== "string") continue;
      const max = HARD[r.type];
      const hard = numeric(r.hard);
      const soft = numeric(r.soft);
      if (max === undefined || hard === undefined || hard <= max) continue;
      r.hard = max;
      if (soft !== undefined && soft > max) r.soft = max;
    }
  }
  if (isObj(proc.capabilities)) {
    for (const [k, v] of Object.entries(proc.capabilities)) {
      if (Array.isArray(v)) proc.capabilities[k] = v.filter((x) => x !== "CAP_SYS_RESOURCE");
    }
  }
  if (isObj(c.hooks)) {
    for (const list of Object.values(c.hooks)) {
      if (!Array.isArray(list)) continue;
      for (const h of list) {
        if (isObj(h) && typeof h.path === "string" && existsSync(h.path)) {
          h.path = `@ENGINE@/absent-hooks/${basename(h.path)}`;
        }
      }
    }
  }
  const linux = isObj(c.linux) ? c.linux : {};
  c.linux = linux;
  const fresh = new Set<string>();
  if (Array.isArray(linux.namespaces)) {
    for (const ns of linux.namespaces) {
      if (!isObj(ns) || typeof ns.type !== "string") continue;
      if (typeof ns.path === "string") {
        ns.path = `/proc/${holderPid()}/ns/${NS_FILE[ns.type] ?? ns.type}`;
      } else fresh.add(ns.type);
    }
  }
  if (isObj(linux.timeOffsets)) {
    // A clock can't be moved back past its zero (ERANGE): fit to this host's uptime.
    const uptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    for (const o of Object.values(linux.timeOffsets)) {
      if (isObj(o) && typeof o.secs === "number" && o.secs < 0 && -o.secs >= uptime / 2) {
        o.secs = -Math.floor(uptime / 4);
      }
    }
  }
  if (isObj(linux.sysctl)) {
    for (const k of Object.keys(linux.sysctl)) {
      const ns = k.startsWith("net.")
        ? "network"
        : /^(kernel\.(shm|msg|sem)|fs\.mqueue\.)/.test(k)
          ? "ipc"
          : /^kernel\.(hostname|domainname)$/.test(k)
            ? "uts"
            : "";
      if (!fresh.has(ns)) delete linux.sysctl[k];
    }
  }
  if (Array.isArray(c.mounts)) {
    for (const m of c.mounts) {
      if (!isObj(m) || typeof m.source !== "string") continue;
      if (isBind(m) && m.source.startsWith("/") && !existsSync(m.source)) {
        m.source = `@DIRS@/absent${m.source}`;
      }
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------
// The corpus.

interface Case {
  name: string;
  config: Json;
  /** Fit to the host and run with this process; fuzz configs run as generated. */
  args?: string[];
}

function staticCases(name: string, config: Json): Case[] {
  return Object.entries(VARIANTS).map(([v, args]) => ({ name: `${name} [${v}]`, config, args }));
}

function fixtureCases(): Case[] {
  const dir = join(REPO, "test/fixtures/configs");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((f) => staticCases(`configs/${f}`, parseLossless(readFileSync(join(dir, f), "utf8"))));
}

function engineCases(): Case[] {
  const dir = join(REPO, "test/fixtures/differential");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((f) =>
      staticCases(`differential/${f}`, parseLossless(readFileSync(join(dir, f), "utf8"))),
    );
}

function runcSpecCases(): Case[] {
  const out: Case[] = [];
  for (const [name, flags] of [
    ["runc spec", []],
    ["runc spec --rootless", ["--rootless"]],
  ] as const) {
    const dir = mkdtempSync(join(sandbox, "spec-"));
    const r = spawnSync(RUNC, ["spec", ...flags, "--bundle", dir], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    out.push(...staticCases(name, parseLossless(readFileSync(join(dir, "config.json"), "utf8"))));
  }
  return out;
}

const fuzzBase = () => fuzzBases("@ROOTFS@", "@DIRS@/share");

/**
 * runc 1.1.5 refuses every config with linux.seccomp.flags ("seccomp flags are not yet
 * supported by runc"), which is all of the rich base's: each such config also runs as
 * a twin without the flags, so that the rest of it is compared too.
 */
function withoutSeccompFlags(c: Case): Case[] {
  const cfg = c.config;
  const seccomp = isObj(cfg) && isObj(cfg.linux) ? cfg.linux.seccomp : undefined;
  if (!isObj(seccomp) || !Array.isArray(seccomp.flags) || seccomp.flags.length === 0) return [c];
  const twin = structuredClone(cfg) as Obj;
  delete ((twin.linux as Obj).seccomp as Obj).flags;
  return [c, { name: `${c.name} [without seccomp flags]`, config: twin }];
}

function fuzzCases(): Case[] {
  const names = ["plain", "rich", "podman"];
  const out: Case[] = fuzzBase().map((config, i) => ({ name: `fuzz base ${names[i]}`, config }));
  let i = 0;
  for (const m of mutations(FUZZ_SEED + 1, FUZZ_THROUGH_CLI, fuzzBase())) {
    out.push({ name: `fuzz cli #${i++}: ${m.did.join("; ")}`, config: m.config });
  }
  i = 0;
  for (const m of mutations(FUZZ_SEED, FUZZ_IN_PROCESS_SAMPLE, fuzzBase())) {
    out.push({ name: `fuzz #${i++}: ${m.did.join("; ")}`, config: m.config });
  }
  return out.flatMap(withoutSeccompFlags);
}

// ---------------------------------------------------------------------------------
// Running a case through both runtimes.

let serial = 0;

interface Pair {
  name: string;
  runc: Outcome;
  runt: Outcome;
}

/** "uid:gid" on the host of the container's root, when a user namespace maps it elsewhere. */
function mappedRoot(config: Json): string | undefined {
  const linux = isObj(config) && isObj(config.linux) ? config.linux : undefined;
  const ns = Array.isArray(linux?.namespaces) ? linux.namespaces : [];
  if (!ns.some((n) => isObj(n) && n.type === "user" && n.path === undefined)) return undefined;
  const host = (maps: Json | undefined) => {
    const m = Array.isArray(maps)
      ? maps.find((x) => isObj(x) && x.containerID === 0 && typeof x.hostID === "number")
      : undefined;
    return isObj(m) ? (m.hostID as number) : 0;
  };
  const uid = host(linux?.uidMappings);
  const gid = host(linux?.gidMappings);
  return uid === 0 && gid === 0 ? undefined : `${uid}:${gid}`;
}

function prepare(
  c: Case,
  rt: Runtime,
  n: number,
): { bundle: string; cgroupsPath?: string; dir: string } {
  const dir = join(sandbox, "cases", `${n}-${rt.name}`);
  const bundle = join(dir, "bundle");
  const rootfs = join(dir, "rootfs");
  mkdirSync(bundle, { recursive: true });
  const fitted = c.args ? fit(c.config, c.args) : c.config;
  const owner = c.args ? mappedRoot(fitted) : undefined;
  // Hard links of the pristine copy; a real copy when it gets chowned (below).
  spawnSync("cp", [owner ? "-a" : "-al", pristine, rootfs]);
  const placeholders = {
    "@ROOTFS@": rootfs,
    "@FILES@": join(dir, "files"),
    "@DIRS@": join(dir, "dirs"),
    "@ENGINE@": join(dir, "engine"),
  };
  const config = fillPlaceholders(fitted, placeholders);
  const obj = isObj(config) ? config : undefined;
  if (obj && Array.isArray(obj.mounts)) {
    for (const m of obj.mounts) {
      if (!isObj(m) || typeof m.source !== "string") continue;
      const src = m.source;
      if (src.startsWith(`${placeholders["@FILES@"]}/`)) makeSource(src, false);
      else if (src.startsWith(`${placeholders["@DIRS@"]}/`)) makeSource(src, true);
      else if (c.args && !src.startsWith("/") && isBind(m)) {
        // A bundle-relative bind source of a fixture: an empty directory in the bundle.
        const p = normalize(join(bundle, src));
        if (p.startsWith(`${bundle}/`)) makeSource(p, true);
      }
    }
  }
  let cgroupsPath: string | undefined;
  if (obj && isObj(obj.linux)) {
    cgroupsPath = `/${CG_PARENT}/${n}-${rt.name}`;
    obj.linux.cgroupsPath = cgroupsPath;
  }
  if (owner) {
    // As an engine does for a user namespace: the rootfs and the mount sources it
    // made belong to the container's root.
    for (const d of [rootfs, placeholders["@FILES@"], placeholders["@DIRS@"]]) {
      if (existsSync(d)) spawnSync("chown", ["-R", owner, d]);
    }
  }
  writeFileSync(join(bundle, "config.json"), stringifyLossless(config));
  return { bundle, cgroupsPath, dir };
}

function runPair(c: Case): Pair {
  const n = ++serial;
  const got: Record<string, Outcome> = {};
  for (const rt of RUNTIMES) {
    const { bundle, cgroupsPath, dir } = prepare(c, rt, n);
    const id = `diff-${process.pid}-${n}-${rt.name}`;
    got[rt.name] = runCase({ rt, bundle, id, cgroupsPath, within: dir });
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: c.name, runc: got.runc as Outcome, runt: got.runt as Outcome };
}

const same = (p: Pair) => p.runc.outcome === p.runt.outcome && p.runc.status === p.runt.status;

function show(o: Outcome): string {
  const why = (o.message || o.stderr.trim()).replace(/\n/g, " ");
  return `${o.outcome}, status ${o.status}${why ? `: ${why.slice(0, 400)}` : ""}`;
}

const brief = (o: Outcome) =>
  o.outcome === "runs" ? `runs (${o.status})` : `${o.outcome} (${o.message.slice(0, 160)})`;

/** Runs the cases; fails on every difference not in KNOWN and on anything left behind. */
function compare(cases: Case[], opts: { summary?: boolean } = {}): void {
  const diffs: string[] = [];
  const excused: string[] = [];
  const flaky: string[] = [];
  const left: string[] = [];
  const runcLeft: string[] = [];
  const summary: string[] | undefined = opts.summary ? [] : undefined;
  const leftovers = (p: Pair) => {
    for (const rt of RUNTIMES) {
      const o = p[rt.name as "runc" | "runt"];
      if (!o.leftovers.length) continue;
      (rt.name === "runt" ? left : runcLeft).push(`${p.name}: ${o.leftovers.join(", ")}`);
    }
  };
  for (const c of cases) {
    let p = runPair(c);
    leftovers(p);
    if (!same(p)) {
      // Once more: runc 1.1.5 now and then fails a short `run` with "cannot start an
      // already running container". A difference must show twice to count.
      const again = runPair(c);
      if (same(again))
        flaky.push(`${p.name}\n    runc: ${show(p.runc)}\n    runt: ${show(p.runt)}`);
      p = again;
      leftovers(p);
    }
    const known = KNOWN.find(
      (k) =>
        k.name.test(p.name) &&
        k.runc === p.runc.outcome &&
        k.runt === p.runt.outcome &&
        (!k.runcMessage || k.runcMessage.test(p.runc.message)) &&
        (!k.runtMessage || k.runtMessage.test(p.runt.message)),
    );
    const line = `${p.name}\n    runc: ${show(p.runc)}\n    runt: ${show(p.runt)}`;
    if (summary) summary.push(`  ${p.name}: runc ${brief(p.runc)}, runt ${brief(p.runt)}`);
    if (same(p)) continue;
    if (known) {
      excused.push(`${line}\n    known: ${known.reason}`);
    } else diffs.push(line);
  }
  if (excused.length)
    console.log(`known differences (runc wrong by the spec):\n${excused.join("\n")}`);
  if (flaky.length) console.log(`differed once, agreed when run again:\n${flaky.join("\n")}`);
  if (summary) console.log(`outcomes:\n${summary.join("\n")}`);
  if (runcLeft.length) console.log(`runc left behind (removed):\n  ${runcLeft.join("\n  ")}`);
  // What runt leaves behind fails the case; runc's leftovers are runc's to fix.
  expect(left).toEqual([]);
  if (diffs.length) {
    throw new Error(
      `${diffs.length} of ${cases.length} cases differ between runc and runt:\n${diffs.join("\n")}`,
    );
  }
}

afterAll(() => {
  if (skipWhy) return;
  holder?.kill("SIGKILL");
  // The parent the runtimes made for the cases' cgroups (each case's own is gone).
  removeCgroupParent(CG_PARENT);
  for (const rt of RUNTIMES) rmSync(rt.root, { recursive: true, force: true });
  rmSync(sandbox, { recursive: true, force: true });
});

describe.skipIf(!!skipWhy)("differential: runt against runc 1.1.5", () => {
  test("test/fixtures/configs", () => compare(fixtureCases(), { summary: true }), 120_000);
  test(
    "runc spec and runc spec --rootless",
    () => compare(runcSpecCases(), { summary: true }),
    120_000,
  );
  test(
    "podman and containerd configs (test/fixtures/differential)",
    () => compare(engineCases(), { summary: true }),
    120_000,
  );
  test(
    `fuzz configs (seed ${FUZZ_SEED}): bases, the create sample, in-process sample`,
    () => compare(fuzzCases()),
    300_000,
  );
});
