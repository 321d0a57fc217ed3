// linux.resources -> the cgroup files and values to write, for v1 (one
// controller per hierarchy) and v2 (one unified directory). Pure functions, so
// the exact file and value for every resource is unit-tested even where this
// machine cannot show a controller at work. The conversions follow runc's:
//   cpu.shares (2..262144)  -> cpu.weight 1 + (shares-2)*9999/262142
//   blkio weight (10..1000) -> io.weight 1 + (weight-10)*9999/990
//   v1 memory.swap is memory+swap -> v2 memory.swap.max = swap - limit
// The order of writes matters and is the order of the returned list, except for
// v1 memory+memsw, whose order depends on the current limit (see memoryOrder).
import type { LinuxResources } from "../spec/types.ts";
import { CgroupError } from "./util.ts";

export interface CgroupWrite {
  /** v1 controller ("memory", "cpu", ...) or "unified" for v2. */
  controller: string;
  file: string;
  value: string;
  /** Only written when the file exists (hugetlb's rsvd files). */
  optional?: boolean;
  /**
   * One of a run of alternatives with the same source (bfq's file or cfq's):
   * the first whose file exists is written; none existing is an error.
   */
  alt?: boolean;
  /** Where it came from, for errors: "linux.resources.memory.limit". */
  source: string;
}

const R = "linux.resources";

/** spec -1 = unlimited; v1 takes "-1", v2 "max". */
const v2Num = (n: number): string => (n < 0 ? "max" : String(n));

/** runc's ConvertCPUSharesToCgroupV2Value. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** runc's ConvertBlkIOToIOWeightValue. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * runc's ConvertMemorySwapToCgroupV2Value: v1's swap is memory+swap, v2's
 * memory.swap.max is the swap alone. 0 = leave unset; -1 = unlimited.
 */
export function swapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0) {
    throw new CgroupError(
      `${R}.memory.swap: a swap limit needs a memory limit on cgroup v2; set ${R}.memory.limit too`,
    );
  }
  if (limit < 0) throw new CgroupError(`${R}.memory.limit: invalid value ${limit}`);
  if (swap < limit) {
    throw new CgroupError(
      `${R}.memory.swap (${swap}) is memory+swap and must be >= ${R}.memory.limit (${limit})`,
    );
  }
  return swap - limit;
}

/** "2MB" -> "2MB" after checking the format the kernel's file names use. */
function pageSize(size: string, i: number): string {
  if (!/^\d+[KMG]B$/.test(size)) {
    throw new CgroupError(
      `${R}.hugepageLimits[${i}].pageSize "${size}": use <size><K|M|G>B, like "2MB" or "1GB"`,
    );
  }
  return size;
}

function rdmaLine(dev: string, r: { hcaHandles?: number; hcaObjects?: number }): string {
  const parts = [dev];
  if (r.hcaHandles !== undefined) parts.push(`hca_handle=${r.hcaHandles}`);
  if (r.hcaObjects !== undefined) parts.push(`hca_object=${r.hcaObjects}`);
  return parts.join(" ");
}

/** The v1 writes for `r`, in order (memory.limit/memsw: see memoryOrder). */
export function v1Writes(r: LinuxResources): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const add = (controller: string, file: string, value: string | number, source: string) =>
    w.push({ controller, file, value: String(value), source: `${R}.${source}` });

  const cpu = r.cpu;
  if (cpu) {
    if (cpu.cpus) add("cpuset", "cpuset.cpus", cpu.cpus, "cpu.cpus");
    if (cpu.mems) add("cpuset", "cpuset.mems", cpu.mems, "cpu.mems");
    if (cpu.shares) add("cpu", "cpu.shares", cpu.shares, "cpu.shares");
    // runc: the period before the quota (a quota above the old period is fine then).
    if (cpu.period) add("cpu", "cpu.cfs_period_us", cpu.period, "cpu.period");
    if (cpu.quota) add("cpu", "cpu.cfs_quota_us", cpu.quota, "cpu.quota");
    if (cpu.burst !== undefined) add("cpu", "cpu.cfs_burst_us", cpu.burst, "cpu.burst");
    if (cpu.realtimePeriod)
      add("cpu", "cpu.rt_period_us", cpu.realtimePeriod, "cpu.realtimePeriod");
    if (cpu.realtimeRuntime)
      add("cpu", "cpu.rt_runtime_us", cpu.realtimeRuntime, "cpu.realtimeRuntime");
    if (cpu.idle !== undefined) add("cpu", "cpu.idle", cpu.idle, "cpu.idle");
  }

  const mem = r.memory;
  if (mem) {
    // memory.limit_in_bytes and memory.memsw.limit_in_bytes: runc treats a
    // limit of -1 without a swap as "both unlimited".
    const swap = mem.limit === -1 && !mem.swap ? -1 : mem.swap;
    if (mem.limit) add("memory", "memory.limit_in_bytes", mem.limit, "memory.limit");
    if (swap) add("memory", "memory.memsw.limit_in_bytes", swap, "memory.swap");
    if (mem.reservation)
      add("memory", "memory.soft_limit_in_bytes", mem.reservation, "memory.reservation");
    if (mem.kernelTCP)
      add("memory", "memory.kmem.tcp.limit_in_bytes", mem.kernelTCP, "memory.kernelTCP");
    if (mem.swappiness !== undefined) {
      if (mem.swappiness > 100) {
        throw new CgroupError(
          `${R}.memory.swappiness ${mem.swappiness} is out of range; use 0 to 100`,
        );
      }
      add("memory", "memory.swappiness", mem.swappiness, "memory.swappiness");
    }
    if (mem.useHierarchy !== undefined)
      add("memory", "memory.use_hierarchy", mem.useHierarchy ? 1 : 0, "memory.useHierarchy");
    if (mem.disableOOMKiller) add("memory", "memory.oom_control", 1, "memory.disableOOMKiller");
  }

  const pids = r.pids;
  if (pids?.limit) add("pids", "pids.max", pids.limit > 0 ? pids.limit : "max", "pids.limit");

  const bio = r.blockIO;
  if (bio) {
    // bfq's files when the kernel has them (blkio.bfq.weight), cfq's otherwise.
    if (bio.weight) {
      w.push(
        {
          controller: "blkio",
          file: "blkio.bfq.weight",
          value: String(bio.weight),
          alt: true,
          source: `${R}.blockIO.weight`,
        },
        {
          controller: "blkio",
          file: "blkio.weight",
          value: String(bio.weight),
          alt: true,
          source: `${R}.blockIO.weight`,
        },
      );
    }
    if (bio.leafWeight) add("blkio", "blkio.leaf_weight", bio.leafWeight, "blockIO.leafWeight");
    for (const [i, d] of (bio.weightDevice ?? []).entries()) {
      const dev = `${d.major}:${d.minor}`;
      if (d.weight) {
        w.push(
          {
            controller: "blkio",
            file: "blkio.bfq.weight_device",
            value: `${dev} ${d.weight}`,
            alt: true,
            source: `${R}.blockIO.weightDevice[${i}]`,
          },
          {
            controller: "blkio",
            file: "blkio.weight_device",
            value: `${dev} ${d.weight}`,
            alt: true,
            source: `${R}.blockIO.weightDevice[${i}]`,
          },
        );
      }
      if (d.leafWeight)
        add(
          "blkio",
          "blkio.leaf_weight_device",
          `${dev} ${d.leafWeight}`,
          `blockIO.weightDevice[${i}]`,
        );
    }
    const throttles = [
      ["throttleReadBpsDevice", "blkio.throttle.read_bps_device"],
      ["throttleWriteBpsDevice", "blkio.throttle.write_bps_device"],
      ["throttleReadIOPSDevice", "blkio.throttle.read_iops_device"],
      ["throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"],
    ] as const;
    for (const [key, file] of throttles) {
      for (const [i, d] of (bio[key] ?? []).entries()) {
        add("blkio", file, `${d.major}:${d.minor} ${d.rate}`, `blockIO.${key}[${i}]`);
      }
    }
  }

  for (const [i, h] of (r.hugepageLimits ?? []).entries()) {
    const size = pageSize(h.pageSize, i);
    add("hugetlb", `hugetlb.${size}.limit_in_bytes`, h.limit, `hugepageLimits[${i}]`);
    w.push({
      controller: "hugetlb",
      file: `hugetlb.${size}.rsvd.limit_in_bytes`,
      value: String(h.limit),
      optional: true,
      source: `${R}.hugepageLimits[${i}]`,
    });
  }

  const net = r.network;
  if (net?.classID) add("net_cls", "net_cls.classid", net.classID, "network.classID");
  for (const [i, p] of (net?.priorities ?? []).entries()) {
    add("net_prio", "net_prio.ifpriomap", `${p.name} ${p.priority}`, `network.priorities[${i}]`);
  }

  for (const [dev, lim] of Object.entries(r.rdma ?? {})) {
    add("rdma", "rdma.max", rdmaLine(dev, lim), `rdma.${dev}`);
  }
  return w;
}

/** Keys of `unified` must name a file of a controller, never escape the directory. */
function checkUnifiedKey(key: string): void {
  if (!/^[a-z_]+\.[\w.]+$/.test(key) || key.includes("..")) {
    throw new CgroupError(
      `${R}.unified: "${key}" is not a cgroup v2 file name (like "memory.high" or "pids.max")`,
    );
  }
  if (key.startsWith("cgroup.")) {
    // runc refuses these too: they move processes or change the tree's shape.
    const allowed = ["cgroup.max.depth", "cgroup.max.descendants", "cgroup.freeze"];
    if (!allowed.includes(key)) {
      throw new CgroupError(`${R}.unified: "${key}" cannot be set through unified`);
    }
  }
}

/** The v2 writes for `r`, in order; unified keys last so they override. */
export function v2Writes(r: LinuxResources): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const add = (file: string, value: string | number, source: string, how?: "optional" | "alt") =>
    w.push({
      controller: "unified",
      file,
      value: String(value),
      source: `${R}.${source}`,
      ...(how === "optional" ? { optional: true } : how === "alt" ? { alt: true } : {}),
    });

  const cpu = r.cpu;
  if (cpu) {
    if (cpu.realtimePeriod || cpu.realtimeRuntime) {
      throw new CgroupError(
        `${R}.cpu.realtimeRuntime/realtimePeriod: real-time scheduling limits do not exist on cgroup v2; remove them`,
      );
    }
    if (cpu.shares) {
      if (cpu.shares < 2 || cpu.shares > 262144) {
        throw new CgroupError(
          `${R}.cpu.shares ${cpu.shares} is out of range; use 2 to 262144 (cpu.weight is derived from it on cgroup v2)`,
        );
      }
      add("cpu.weight", sharesToWeight(cpu.shares), "cpu.shares");
    }
    if (cpu.idle !== undefined) add("cpu.idle", cpu.idle, "cpu.idle");
    if (cpu.quota || cpu.period) {
      let v = cpu.quota && cpu.quota > 0 ? String(cpu.quota) : "max";
      if (cpu.period) v += ` ${cpu.period}`;
      add("cpu.max", v, "cpu.quota");
    }
    if (cpu.burst !== undefined) add("cpu.max.burst", cpu.burst, "cpu.burst");
    if (cpu.cpus) add("cpuset.cpus", cpu.cpus, "cpu.cpus");
    if (cpu.mems) add("cpuset.mems", cpu.mems, "cpu.mems");
  }

  const mem = r.memory;
  if (mem) {
    if (mem.disableOOMKiller) {
      throw new CgroupError(
        `${R}.memory.disableOOMKiller: cgroup v2 has no switch to disable the OOM killer; remove it`,
      );
    }
    const limit = mem.limit ?? 0;
    const swap = swapToV2(mem.swap ?? 0, limit);
    // runc: the swap first, so that memory.max never leaves memory+swap short.
    if (swap !== 0) add("memory.swap.max", v2Num(swap), "memory.swap");
    if (limit !== 0) add("memory.max", v2Num(limit), "memory.limit");
    if (mem.reservation) add("memory.low", v2Num(mem.reservation), "memory.reservation");
    // swappiness, kernelTCP and useHierarchy have no v2 file: runc ignores them too.
  }

  const pids = r.pids;
  if (pids?.limit) add("pids.max", v2Num(pids.limit > 0 ? pids.limit : -1), "pids.limit");

  const bio = r.blockIO;
  if (bio) {
    if (bio.weight) {
      // io.bfq.weight takes blkio's scale; io.weight its own.
      add("io.bfq.weight", bio.weight, "blockIO.weight", "alt");
      add("io.weight", `default ${blkioWeightToIoWeight(bio.weight)}`, "blockIO.weight", "alt");
    }
    for (const [i, d] of (bio.weightDevice ?? []).entries()) {
      if (!d.weight) continue;
      const dev = `${d.major}:${d.minor}`;
      add("io.bfq.weight", `${dev} ${d.weight}`, `blockIO.weightDevice[${i}]`, "alt");
      add(
        "io.weight",
        `${dev} ${blkioWeightToIoWeight(d.weight)}`,
        `blockIO.weightDevice[${i}]`,
        "alt",
      );
    }
    const throttles = [
      ["throttleReadBpsDevice", "rbps"],
      ["throttleWriteBpsDevice", "wbps"],
      ["throttleReadIOPSDevice", "riops"],
      ["throttleWriteIOPSDevice", "wiops"],
    ] as const;
    for (const [key, name] of throttles) {
      for (const [i, d] of (bio[key] ?? []).entries()) {
        add("io.max", `${d.major}:${d.minor} ${name}=${d.rate}`, `blockIO.${key}[${i}]`);
      }
    }
  }

  for (const [i, h] of (r.hugepageLimits ?? []).entries()) {
    const size = pageSize(h.pageSize, i);
    add(`hugetlb.${size}.max`, h.limit, `hugepageLimits[${i}]`);
    add(`hugetlb.${size}.rsvd.max`, h.limit, `hugepageLimits[${i}]`, "optional");
  }

  if (r.network?.classID || (r.network?.priorities?.length ?? 0) > 0) {
    throw new CgroupError(
      `${R}.network: net_cls and net_prio do not exist on cgroup v2; remove linux.resources.network`,
    );
  }

  for (const [dev, lim] of Object.entries(r.rdma ?? {})) {
    add("rdma.max", rdmaLine(dev, lim), `rdma.${dev}`);
  }

  for (const [key, value] of Object.entries(r.unified ?? {})) {
    checkUnifiedKey(key);
    add(key, value, `unified["${key}"]`);
  }
  return w;
}

/** Which v2 controllers a unified key or write needs enabled in the parents ("memory"). */
export function controllerOf(file: string): string {
  return file.slice(0, file.indexOf("."));
}
