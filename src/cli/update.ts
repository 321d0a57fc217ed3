// `update`: runc's flags, or -r FILE with a linux.resources object ("-" reads stdin).
import { readFileSync } from "node:fs";
import { Container } from "../container/container.ts";
import { RuntError } from "../errors.ts";
import type { LinuxResources } from "../spec/types.ts";
import { parseJson, validateResourcesFile } from "../spec/validate.ts";
import { type FlagDef, type FlagValues, str } from "./args.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

const UNITS: Record<string, number> = {
  "": 1,
  k: 1 << 10,
  m: 1 << 20,
  g: 1 << 30,
  t: 2 ** 40,
  p: 2 ** 50,
};

/** runc's RAMInBytes: "64M", "64m", "1g", "512kb", "1048576", "-1". */
export function parseBytes(flag: string, text: string): number {
  if (text.trim() === "-1") return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) {
    throw new RuntError(
      `update: --${flag} "${text}": give bytes, like 67108864, 64M or 1G (-1 for no limit)`,
    );
  }
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? "").toLowerCase()] ?? 1));
}

function parseInt64(flag: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new RuntError(`update: --${flag} takes a whole number, got "${text}"`);
  }
  return Number(text);
}

const FLAGS: FlagDef[] = [
  {
    name: "resources",
    short: "r",
    kind: "string",
    arg: "FILE",
    help: 'linux.resources JSON to apply ("-" for stdin)',
  },
  { name: "blkio-weight", kind: "string", arg: "N", help: "block I/O weight, 10 to 1000" },
  { name: "cpu-period", kind: "string", arg: "US", help: "CPU CFS period" },
  { name: "cpu-quota", kind: "string", arg: "US", help: "CPU CFS quota per period (-1: none)" },
  { name: "cpu-burst", kind: "string", arg: "US", help: "CPU CFS burst" },
  { name: "cpu-share", kind: "string", arg: "N", help: "CPU shares (relative weight)" },
  { name: "cpu-rt-period", kind: "string", arg: "US", help: "real-time period" },
  { name: "cpu-rt-runtime", kind: "string", arg: "US", help: "real-time runtime per period" },
  { name: "cpu-idle", kind: "string", arg: "0|1", help: "SCHED_IDLE for the cgroup" },
  { name: "cpuset-cpus", kind: "string", arg: "LIST", help: "CPUs to run on (0-3,5)" },
  { name: "cpuset-mems", kind: "string", arg: "LIST", help: "memory nodes to use" },
  {
    name: "kernel-memory",
    kind: "string",
    arg: "BYTES",
    help: "kernel memory limit (deprecated; ignored, as by runc)",
  },
  { name: "kernel-memory-tcp", kind: "string", arg: "BYTES", help: "kernel TCP buffer limit" },
  { name: "memory", kind: "string", arg: "BYTES", help: "memory limit (64M, 1G, -1)" },
  { name: "memory-reservation", kind: "string", arg: "BYTES", help: "memory soft limit" },
  {
    name: "memory-swap",
    kind: "string",
    arg: "BYTES",
    help: "memory plus swap limit (-1: unlimited)",
  },
  { name: "pids-limit", kind: "string", arg: "N", help: "maximum number of processes (-1: none)" },
  {
    name: "l3-cache-schema",
    kind: "string",
    arg: "S",
    help: "Intel RDT L3 schema (not supported)",
  },
  {
    name: "mem-bw-schema",
    kind: "string",
    arg: "S",
    help: "Intel RDT memory bandwidth schema (not supported)",
  },
];

/** The linux.resources that the flags (and -r) ask for. */
export function resourcesFromFlags(f: FlagValues, stdin: () => string): LinuxResources {
  let r: LinuxResources = {};
  const file = str(f, "resources");
  if (file !== undefined) {
    const text = file === "-" ? stdin() : readFileSync(file, "utf8");
    // Checked as linux.resources is in a config.json; errors name the file first.
    const name = file === "-" ? "stdin" : file;
    r = validateResourcesFile(parseJson(text, name), name);
  }
  for (const f2 of ["l3-cache-schema", "mem-bw-schema"]) {
    if (str(f, f2) !== undefined) {
      throw new RuntError(`update: --${f2}: Intel RDT is not supported by runt yet`);
    }
  }
  const get = (name: string) => str(f, name);
  const cpu = { ...(r.cpu ?? {}) };
  const mem = { ...(r.memory ?? {}) };
  const ints: [string, (n: number) => void][] = [
    ["cpu-period", (n) => (cpu.period = n)],
    ["cpu-quota", (n) => (cpu.quota = n)],
    ["cpu-burst", (n) => (cpu.burst = n)],
    ["cpu-share", (n) => (cpu.shares = n)],
    ["cpu-rt-period", (n) => (cpu.realtimePeriod = n)],
    ["cpu-rt-runtime", (n) => (cpu.realtimeRuntime = n)],
    ["cpu-idle", (n) => (cpu.idle = n)],
  ];
  for (const [name, set] of ints) {
    const v = get(name);
    if (v !== undefined) set(parseInt64(name, v));
  }
  const cpus = get("cpuset-cpus");
  if (cpus !== undefined) cpu.cpus = cpus;
  const mems = get("cpuset-mems");
  if (mems !== undefined) cpu.mems = mems;
  const bytes: [string, (n: number) => void][] = [
    ["memory", (n) => (mem.limit = n)],
    ["memory-reservation", (n) => (mem.reservation = n)],
    ["memory-swap", (n) => (mem.swap = n)],
    ["kernel-memory-tcp", (n) => (mem.kernelTCP = n)],
  ];
  for (const [name, set] of bytes) {
    const v = get(name);
    if (v !== undefined) set(parseBytes(name, v));
  }
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (Object.keys(mem).length) r.memory = mem;
  const pids = get("pids-limit");
  if (pids !== undefined) r.pids = { limit: parseInt64("pids-limit", pids) };
  const weight = get("blkio-weight");
  if (weight !== undefined)
    r.blockIO = { ...(r.blockIO ?? {}), weight: parseInt64("blkio-weight", weight) };
  return r;
}

export const update: Verb = {
  name: "update",
  summary: "change a container's resource limits",
  usage: "<container-id>",
  flags: FLAGS,
  run(ctx, f, args) {
    const id = needId(args, "update");
    if (str(f, "kernel-memory") !== undefined) {
      ctx.log.warn("update: --kernel-memory is deprecated and ignored, as by runc");
    }
    const r = resourcesFromFlags(f, () => readFileSync(0, "utf8"));
    if (Object.keys(r).length === 0) {
      throw new RuntError(
        "update: nothing to change; pass flags like --memory 64M or -r resources.json",
      );
    }
    Container.load(ctx.root, id).update(r);
    return 0;
  },
};
