// Runs one config through a runtime (runc or runt) as `run` in the foreground and
// says what became of it: "runs" with the container's exit status, or "refused" at
// create with the runtime's error; then deletes everything the case made (container,
// state directory, cgroups, mounts) and says what was left behind.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { Json } from "./fuzz-configs.ts";
import { spawnToFiles } from "./harness.ts";

export interface Runtime {
  name: string;
  bin: string;
  /** --root: the runtime's own state directory. */
  root: string;
}

export interface Outcome {
  /** "hung": killed at the timeout (or the binary could not be started at all). */
  outcome: "runs" | "refused" | "hung";
  /** The exit status of `run` (the container's when it ran). */
  status: number;
  /** The runtime's error (from its JSON log), or "". */
  message: string;
  stdout: string;
  stderr: string;
  /** What the case left behind and the cleanup had to remove. */
  leftovers: string[];
}

export const CGROUP_ROOT = "/sys/fs/cgroup";

/** The v1 hierarchies (and the named/unified ones) mounted on this host. */
export function cgroupHierarchies(): string[] {
  const out: string[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const f = line.split(" ");
    const sep = f.indexOf("-");
    const fstype = f[sep + 1];
    const at = f[4] ?? "";
    if ((fstype === "cgroup" || fstype === "cgroup2") && dirname(at) === CGROUP_ROOT) out.push(at);
  }
  return out;
}

function mountPoints(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ")[4] ?? "");
}

/** Kills what is left in a cgroup made by the case and removes it, children first. */
function removeCgroup(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) removeCgroup(join(dir, e.name));
  }
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch {
      try {
        for (const pid of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
          if (pid) process.kill(Number(pid), "SIGKILL");
        }
      } catch {}
      Bun.sleepSync(20);
    }
  }
}

export interface CaseOpts {
  rt: Runtime;
  bundle: string;
  id: string;
  /** linux.cgroupsPath the config names (absolute), to check and clean up. */
  cgroupsPath?: string;
  /** The case's own directory: mounts left under it are removed (never others'). */
  within: string;
  timeoutMs?: number;
}

/**
 * `<bin> --root R --log L --log-format json run --bundle B ID`, stdin empty, output
 * in files. A run is "refused" when the runtime logged an error (both runtimes log
 * create's failure at level "error"), else the container ran and its status is run's.
 */
export function runCase(o: CaseOpts): Outcome {
  const log = join(o.bundle, `${o.rt.name}.log`);
  const outPath = join(o.bundle, `${o.rt.name}.out`);
  const errPath = join(o.bundle, `${o.rt.name}.err`);
  const mountsBefore = new Set(mountPoints());
  const r = spawnToFiles(
    o.rt.bin,
    ["--root", o.rt.root, "--log", log, "--log-format", "json", "run", "--bundle", o.bundle, o.id],
    {
      cwd: o.bundle,
      timeoutMs: o.timeoutMs ?? 15_000,
      killSignal: "SIGKILL",
      files: { out: outPath, err: errPath },
    },
  );
  const { stdout, stderr } = r;
  const errors: string[] = [];
  if (existsSync(log)) {
    for (const line of readFileSync(log, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        const j = JSON.parse(line) as { level?: string; msg?: string };
        if (j.level === "error" || j.level === "fatal") errors.push(j.msg ?? line);
      } catch {
        errors.push(line);
      }
    }
  }
  const hung = r.signal !== null || r.status === -1;
  const why = r.error
    ? `${o.rt.bin} did not run to the end: ${r.error.message}`
    : `killed by ${r.signal}`;
  const result: Outcome = {
    outcome: hung ? "hung" : errors.length > 0 ? "refused" : "runs",
    status: r.status,
    message: hung ? why : errors.join(" | "),
    stdout,
    stderr,
    leftovers: [],
  };
  result.leftovers = cleanCase(o, mountsBefore);
  return result;
}

/** delete --force, then whatever is still there: state, cgroups, mounts. */
function cleanCase(o: CaseOpts, mountsBefore: Set<string>): string[] {
  const left: string[] = [];
  spawnSync(o.rt.bin, ["--root", o.rt.root, "delete", "--force", o.id], {
    stdio: "ignore",
    timeout: 15_000,
    killSignal: "SIGKILL",
  });
  const state = join(o.rt.root, o.id);
  if (existsSync(state)) {
    left.push(`state ${state}`);
    rmSync(state, { recursive: true, force: true });
  }
  if (o.cgroupsPath) {
    for (const h of cgroupHierarchies()) {
      const dir = join(h, o.cgroupsPath);
      if (existsSync(dir)) {
        left.push(`cgroup ${dir}`);
        removeCgroup(dir);
      }
    }
  }
  const fresh = mountPoints().filter((m) => !mountsBefore.has(m) && m.startsWith(`${o.within}/`));
  for (const m of fresh.sort((a, b) => b.length - a.length)) {
    left.push(`mount ${m}`);
    spawnSync("umount", ["-l", m], { stdio: "ignore" });
  }
  return left;
}

/** Integers too long for a double (rlimits of 2^64-1) survive a parse/stringify as text. */
const BIG = /([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g;
const BIG_MARK = "\u0000big:";

export function parseLossless(text: string): Json {
  // The mark goes in escaped: a raw NUL is not allowed in a JSON string.
  return JSON.parse(text.replace(BIG, (_, pre, n) => `${pre}"\\u0000big:${n}"`)) as Json;
}

export function stringifyLossless(v: Json): string {
  return JSON.stringify(v, null, 2).replace(/"\\u0000big:(-?\d+)"/g, "$1");
}

/** A number that may be a lossless big integer. */
export function numeric(v: Json | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.startsWith(BIG_MARK)) return Number(v.slice(BIG_MARK.length));
  return undefined;
}

/** Replaces every occurrence of the placeholders in every string of v. */
export function fillPlaceholders(v: Json, values: Record<string, string>): Json {
  if (typeof v === "string") {
    let s = v;
    for (const [k, x] of Object.entries(values)) s = s.split(k).join(x);
    return s;
  }
  if (Array.isArray(v)) return v.map((x) => fillPlaceholders(x, values));
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillPlaceholders(x, values)]));
  }
  return v;
}

/** Creates the file or directory a "@FILES@/x" or "@DIRS@/x" mount source names. */
export function makeSource(path: string, dir: boolean): void {
  mkdirSync(dirname(path), { recursive: true });
  if (dir) mkdirSync(path, { recursive: true });
  else if (!existsSync(path)) writeFileSync(path, "");
}

const LIMIT_NAMES: Record<string, string> = {
  RLIMIT_CPU: "Max cpu time",
  RLIMIT_FSIZE: "Max file size",
  RLIMIT_DATA: "Max data size",
  RLIMIT_STACK: "Max stack size",
  RLIMIT_CORE: "Max core file size",
  RLIMIT_RSS: "Max resident set",
  RLIMIT_NPROC: "Max processes",
  RLIMIT_NOFILE: "Max open files",
  RLIMIT_MEMLOCK: "Max locked memory",
  RLIMIT_AS: "Max address space",
  RLIMIT_LOCKS: "Max file locks",
  RLIMIT_SIGPENDING: "Max pending signals",
  RLIMIT_MSGQUEUE: "Max msgqueue size",
  RLIMIT_NICE: "Max nice priority",
  RLIMIT_RTPRIO: "Max realtime priority",
  RLIMIT_RTTIME: "Max realtime timeout",
};

/** This session's hard limits (docs/MACHINE.md: they cannot be raised here), by RLIMIT_ name. */
export function hostHardLimits(): Record<string, number> {
  const text = readFileSync("/proc/self/limits", "utf8");
  const out: Record<string, number> = {};
  for (const [type, label] of Object.entries(LIMIT_NAMES)) {
    const line = text.split("\n").find((l) => l.startsWith(label));
    const hard = line?.slice(label.length).trim().split(/\s+/)[1];
    if (hard !== undefined)
      out[type] = hard === "unlimited" ? Number.POSITIVE_INFINITY : Number(hard);
  }
  return out;
}
