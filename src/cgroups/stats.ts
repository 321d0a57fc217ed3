// The container's cgroup statistics in the shape runc's `events --stats` prints
// (its types.Stats: cpu, memory, pids, blkio, hugetlb), read from the v1
// controllers' files or the v2 directory. A controller that is not there reads
// as zeroes, as in runc. Fields runc marks omitempty are left out when zero.
import { readdirSync } from "node:fs";
import { readOptional } from "./util.ts";

/** runc's BlkioStatEntry: every field omitempty. */
export interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

export interface MemoryEntry {
  limit: number;
  usage?: number;
  max?: number;
  failcnt: number;
}

export interface Stats {
  cpu: {
    usage: {
      total?: number;
      percpu?: number[];
      percpu_kernel?: number[];
      percpu_user?: number[];
      kernel: number;
      user: number;
    };
    throttling: { periods?: number; throttled_periods?: number; throttled_time?: number };
  };
  memory: {
    cache?: number;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw?: Record<string, number>;
  };
  pids: { current?: number; limit?: number };
  blkio: { ioServiceBytesRecursive?: BlkioEntry[]; ioServicedRecursive?: BlkioEntry[] };
  hugetlb: Record<string, { usage?: number; max?: number; failcnt: number }>;
}

/** 2^64-1, what runc reports for "max" (unlimited). */
const UNLIMITED = 2 ** 64; // JS numbers print it as 18446744073709552000
/** USER_HZ: cpuacct.stat counts in these ticks. */
const NS_PER_TICK = 1e9 / 100;

const read = (dir: string | undefined, file: string): string | null =>
  dir ? readOptional(`${dir}/${file}`) : null;

function num(text: string | null | undefined): number {
  const t = text?.trim();
  if (!t) return 0;
  if (t === "max") return UNLIMITED;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events) -> a map. */
export function parseKeyValues(text: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? "").split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = num(v);
  }
  return out;
}

const nums = (text: string | null): number[] =>
  (text ?? "").trim().split(/\s+/).filter(Boolean).map(Number);

/** Keys runc's types do not mark omitempty: always printed. */
const KEEP = new Set(["kernel", "user", "limit", "failcnt"]);

/** Drop the keys whose value is 0 or undefined (Go's omitempty), except KEEP's. */
function omit0<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (!KEEP.has(k) && (v === 0 || (Array.isArray(v) && v.length === 0))) continue;
    out[k] = v;
  }
  return out as T;
}

/**
 * pids as runc reports them: "max" (no limit) is 0 and, like every zero here,
 * omitted. 2^64 would not fit the uint64 a Go reader of `events --stats` decodes.
 */
function pidsStats(current: string | null, max: string | null): Stats["pids"] {
  const limit = max?.trim() === "max" ? 0 : num(max);
  const out: Stats["pids"] = {};
  if (num(current)) out.current = num(current);
  if (limit) out.limit = limit;
  return out;
}

/** Page sizes the kernel offers: hugepages-2048kB -> "2MB". */
export function hugePageSizes(): string[] {
  let names: string[];
  try {
    names = readdirSync("/sys/kernel/mm/hugepages");
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const m = /^hugepages-(\d+)kB$/.exec(n);
    if (!m) continue;
    let size = Number(m[1]);
    let unit = "KB";
    for (const next of ["MB", "GB"]) {
      if (size % 1024 !== 0) break;
      size /= 1024;
      unit = next;
    }
    out.push(`${size}${unit}`);
  }
  return out;
}

function memEntry(dir: string | undefined, prefix: string): MemoryEntry {
  return omit0({
    limit: num(read(dir, `${prefix}.limit_in_bytes`)),
    usage: num(read(dir, `${prefix}.usage_in_bytes`)),
    max: num(read(dir, `${prefix}.max_usage_in_bytes`)),
    failcnt: num(read(dir, `${prefix}.failcnt`)),
  });
}

/** blkio.throttle.io_service* lines "8:0 Read 4096" (the Total line per device is kept). */
export function parseBlkio(text: string | null): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (!m) continue;
    out.push(
      omit0({ major: Number(m[1]), minor: Number(m[2]), op: m[3] ?? "", value: Number(m[4]) }),
    );
  }
  return out;
}

/** Statistics from the v1 controllers' directories (controller -> directory). */
export function v1Stats(paths: Readonly<Record<string, string>>, sizes = hugePageSizes()): Stats {
  const acct = paths.cpuacct;
  const cpuDir = paths.cpu;
  const ticks = parseKeyValues(read(acct, "cpuacct.stat"));
  const thr = parseKeyValues(read(cpuDir, "cpu.stat"));
  const memDir = paths.memory;
  const raw = parseKeyValues(read(memDir, "memory.stat"));
  const hugetlb: Stats["hugetlb"] = {};
  if (paths.hugetlb) {
    for (const s of sizes) {
      hugetlb[s] = omit0({
        usage: num(read(paths.hugetlb, `hugetlb.${s}.usage_in_bytes`)),
        max: num(read(paths.hugetlb, `hugetlb.${s}.max_usage_in_bytes`)),
        failcnt: num(read(paths.hugetlb, `hugetlb.${s}.failcnt`)),
      });
    }
  }
  return {
    cpu: {
      usage: omit0({
        total: num(read(acct, "cpuacct.usage")),
        percpu: nums(read(acct, "cpuacct.usage_percpu")),
        percpu_kernel: nums(read(acct, "cpuacct.usage_percpu_sys")),
        percpu_user: nums(read(acct, "cpuacct.usage_percpu_user")),
        kernel: (ticks.system ?? 0) * NS_PER_TICK,
        user: (ticks.user ?? 0) * NS_PER_TICK,
      }),
      throttling: omit0({
        periods: thr.nr_periods,
        throttled_periods: thr.nr_throttled,
        throttled_time: thr.throttled_time,
      }),
    },
    memory: omit0({
      cache: raw.total_cache ?? raw.cache,
      usage: memEntry(memDir, "memory"),
      swap: memEntry(memDir, "memory.memsw"),
      kernel: memEntry(memDir, "memory.kmem"),
      kernelTCP: memEntry(memDir, "memory.kmem.tcp"),
      raw: Object.keys(raw).length ? raw : undefined,
    }),
    pids: pidsStats(read(paths.pids, "pids.current"), read(paths.pids, "pids.max")),
    blkio: omit0({
      ioServiceBytesRecursive: parseBlkio(
        read(paths.blkio, "blkio.throttle.io_service_bytes_recursive"),
      ),
      ioServicedRecursive: parseBlkio(read(paths.blkio, "blkio.throttle.io_serviced_recursive")),
    }),
    hugetlb,
  };
}

/** io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4" -> runc's Read/Write entries. */
export function parseIoStat(
  text: string | null,
): Pick<Stats["blkio"], "ioServiceBytesRecursive" | "ioServicedRecursive"> {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? "");
    if (!m) continue;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    for (const kv of kvs) {
      const [k, v] = kv.split("=");
      const value = Number(v);
      const entry = (op: string) => omit0({ major, minor, op, value });
      if (k === "rbytes") bytes.push(entry("Read"));
      else if (k === "wbytes") bytes.push(entry("Write"));
      else if (k === "rios") ios.push(entry("Read"));
      else if (k === "wios") ios.push(entry("Write"));
    }
  }
  return omit0({ ioServiceBytesRecursive: bytes, ioServicedRecursive: ios });
}

/** Statistics from the container's v2 directory. */
export function v2Stats(dir: string, sizes = hugePageSizes()): Stats {
  const cpu = parseKeyValues(read(dir, "cpu.stat"));
  const raw = parseKeyValues(read(dir, "memory.stat"));
  const events = parseKeyValues(read(dir, "memory.events"));
  const memCurrent = num(read(dir, "memory.current"));
  const swapCurrent = num(read(dir, "memory.swap.current"));
  const hugetlb: Stats["hugetlb"] = {};
  for (const s of sizes) {
    const cur = read(dir, `hugetlb.${s}.current`);
    if (cur === null) continue;
    hugetlb[s] = omit0({
      usage: num(cur),
      max: num(read(dir, `hugetlb.${s}.max`)),
      failcnt: parseKeyValues(read(dir, `hugetlb.${s}.events`)).max ?? 0,
    });
  }
  const memLimit = read(dir, "memory.max");
  const swapLimit = read(dir, "memory.swap.max");
  return {
    cpu: {
      usage: omit0({
        total: (cpu.usage_usec ?? 0) * 1000,
        kernel: (cpu.system_usec ?? 0) * 1000,
        user: (cpu.user_usec ?? 0) * 1000,
      }),
      throttling: omit0({
        periods: cpu.nr_periods,
        throttled_periods: cpu.nr_throttled,
        throttled_time: (cpu.throttled_usec ?? 0) * 1000,
      }),
    },
    memory: omit0({
      cache: raw.file,
      usage: omit0({
        limit: memLimit === null ? UNLIMITED : num(memLimit),
        usage: memCurrent,
        max: num(read(dir, "memory.peak")),
        failcnt: events.max ?? 0,
      }),
      // As runc: v1's memsw semantics, memory plus swap.
      swap: omit0({
        limit: swapLimit === null || num(swapLimit) === UNLIMITED ? UNLIMITED : num(swapLimit),
        usage: memCurrent + swapCurrent,
        failcnt: 0,
      }),
      kernel: { limit: 0, failcnt: 0 },
      kernelTCP: { limit: 0, failcnt: 0 },
      raw: Object.keys(raw).length ? raw : undefined,
    }),
    pids: pidsStats(read(dir, "pids.current"), read(dir, "pids.max")),
    blkio: parseIoStat(read(dir, "io.stat")),
    hugetlb,
  };
}
