// The exact cgroup files and values runt writes for each linux.resources field,
// v1 and v2, and runc's conversions. v2 controllers cannot be shown at work on
// this hybrid machine, so these are the proof for them; the v1 ones are also
// checked against the kernel in test/integration/cgroups-resources.test.ts.
import { describe, expect, test } from "bun:test";
import {
  blkioWeightToIoWeight,
  type CgroupWrite,
  sharesToWeight,
  swapToV2,
  v1Writes,
  v2Writes,
} from "../../src/cgroups/index.ts";
import type { LinuxResources } from "../../src/spec/types.ts";

const fv = (ws: CgroupWrite[]) => ws.map((w) => `${w.controller}/${w.file}=${w.value}`);

describe("runc's conversions", () => {
  test("cpu.shares -> cpu.weight", () => {
    expect(sharesToWeight(0)).toBe(0);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
  });
  test("blkio weight -> io.weight", () => {
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
  });
  test("memory+swap -> memory.swap.max", () => {
    expect(swapToV2(0, 0)).toBe(0);
    expect(swapToV2(0, -1)).toBe(-1);
    expect(swapToV2(-1, 100)).toBe(-1);
    expect(swapToV2(300, 100)).toBe(200);
    expect(swapToV2(100, 100)).toBe(0);
    expect(() => swapToV2(50, 100)).toThrow(/must be >= linux.resources.memory.limit/);
    expect(() => swapToV2(50, 0)).toThrow(/needs a memory limit/);
  });
});

const ALL: LinuxResources = {
  memory: {
    limit: 64 << 20,
    reservation: 32 << 20,
    swap: 128 << 20,
    kernelTCP: 1 << 20,
    swappiness: 10,
    disableOOMKiller: true,
    useHierarchy: true,
  },
  cpu: {
    shares: 1024,
    quota: 50000,
    period: 100000,
    burst: 1000,
    realtimeRuntime: 950,
    realtimePeriod: 1000,
    cpus: "0-1",
    mems: "0",
    idle: 1,
  },
  pids: { limit: 50 },
  blockIO: {
    weight: 500,
    leafWeight: 300,
    weightDevice: [{ major: 8, minor: 0, weight: 200, leafWeight: 100 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }],
    throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2000 }],
    throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 30 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 40 }],
  },
  hugepageLimits: [{ pageSize: "2MB", limit: 4 << 20 }],
  network: { classID: 0x100001, priorities: [{ name: "eth0", priority: 5 }] },
  rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
};

describe("v1 writes", () => {
  test("every resource, in runc's order", () => {
    expect(fv(v1Writes(ALL))).toEqual([
      "cpuset/cpuset.cpus=0-1",
      "cpuset/cpuset.mems=0",
      "cpu/cpu.shares=1024",
      "cpu/cpu.cfs_period_us=100000",
      "cpu/cpu.cfs_quota_us=50000",
      "cpu/cpu.cfs_burst_us=1000",
      "cpu/cpu.rt_period_us=1000",
      "cpu/cpu.rt_runtime_us=950",
      "cpu/cpu.idle=1",
      `memory/memory.limit_in_bytes=${64 << 20}`,
      `memory/memory.memsw.limit_in_bytes=${128 << 20}`,
      `memory/memory.soft_limit_in_bytes=${32 << 20}`,
      `memory/memory.kmem.tcp.limit_in_bytes=${1 << 20}`,
      "memory/memory.swappiness=10",
      "memory/memory.use_hierarchy=1",
      "memory/memory.oom_control=1",
      "pids/pids.max=50",
      "blkio/blkio.bfq.weight=500",
      "blkio/blkio.weight=500",
      "blkio/blkio.leaf_weight=300",
      "blkio/blkio.bfq.weight_device=8:0 200",
      "blkio/blkio.weight_device=8:0 200",
      "blkio/blkio.leaf_weight_device=8:0 100",
      "blkio/blkio.throttle.read_bps_device=8:0 1000",
      "blkio/blkio.throttle.write_bps_device=8:0 2000",
      "blkio/blkio.throttle.read_iops_device=8:0 30",
      "blkio/blkio.throttle.write_iops_device=8:0 40",
      `hugetlb/hugetlb.2MB.limit_in_bytes=${4 << 20}`,
      `hugetlb/hugetlb.2MB.rsvd.limit_in_bytes=${4 << 20}`,
      "net_cls/net_cls.classid=1048577",
      "net_prio/net_prio.ifpriomap=eth0 5",
      "rdma/rdma.max=mlx5_1 hca_handle=3 hca_object=10000",
    ]);
  });
  test("bfq and cfq files are alternatives, rsvd hugetlb optional", () => {
    const ws = v1Writes(ALL);
    expect(ws.filter((w) => w.alt).map((w) => w.file)).toEqual([
      "blkio.bfq.weight",
      "blkio.weight",
      "blkio.bfq.weight_device",
      "blkio.weight_device",
    ]);
    expect(ws.filter((w) => w.optional).map((w) => w.file)).toEqual([
      "hugetlb.2MB.rsvd.limit_in_bytes",
    ]);
  });
  test("unlimited and unset values", () => {
    expect(fv(v1Writes({ memory: { limit: -1 }, pids: { limit: -1 } }))).toEqual([
      "memory/memory.limit_in_bytes=-1",
      "memory/memory.memsw.limit_in_bytes=-1",
      "pids/pids.max=max",
    ]);
    expect(fv(v1Writes({ memory: {}, cpu: {}, pids: { limit: 0 } }))).toEqual([]);
    expect(fv(v1Writes({ cpu: { quota: -1 } }))).toEqual(["cpu/cpu.cfs_quota_us=-1"]);
  });
  test("sources name the config field", () => {
    const w = v1Writes({ blockIO: { throttleWriteIOPSDevice: [{ major: 1, minor: 2, rate: 3 }] } });
    expect(w[0]?.source).toBe("linux.resources.blockIO.throttleWriteIOPSDevice[0]");
  });
  test("bad values are refused before any write", () => {
    expect(() => v1Writes({ memory: { swappiness: 101 } })).toThrow(/swappiness 101.*0 to 100/);
    expect(() => v1Writes({ hugepageLimits: [{ pageSize: "2M", limit: 1 }] })).toThrow(
      /pageSize "2M".*"2MB"/,
    );
  });
});

describe("v2 writes", () => {
  test("every resource v2 has, converted as runc does", () => {
    const { network: _n, ...r } = ALL;
    const cpu = { ...r.cpu };
    delete cpu.realtimePeriod;
    delete cpu.realtimeRuntime;
    const memory = { ...r.memory };
    delete memory.disableOOMKiller;
    expect(fv(v2Writes({ ...r, cpu, memory, unified: { "memory.high": "50M" } }))).toEqual([
      "unified/cpu.weight=39",
      "unified/cpu.idle=1",
      "unified/cpu.max=50000 100000",
      "unified/cpu.max.burst=1000",
      "unified/cpuset.cpus=0-1",
      "unified/cpuset.mems=0",
      `unified/memory.swap.max=${64 << 20}`,
      `unified/memory.max=${64 << 20}`,
      `unified/memory.low=${32 << 20}`,
      "unified/pids.max=50",
      "unified/io.bfq.weight=500",
      "unified/io.weight=default 4950",
      "unified/io.bfq.weight=8:0 200",
      "unified/io.weight=8:0 1920",
      "unified/io.max=8:0 rbps=1000",
      "unified/io.max=8:0 wbps=2000",
      "unified/io.max=8:0 riops=30",
      "unified/io.max=8:0 wiops=40",
      `unified/hugetlb.2MB.max=${4 << 20}`,
      `unified/hugetlb.2MB.rsvd.max=${4 << 20}`,
      "unified/rdma.max=mlx5_1 hca_handle=3 hca_object=10000",
      "unified/memory.high=50M",
    ]);
  });
  test("unlimited values are max", () => {
    expect(
      fv(v2Writes({ memory: { limit: -1 }, pids: { limit: -1 }, cpu: { quota: -1 } })),
    ).toEqual([
      "unified/cpu.max=max",
      "unified/memory.swap.max=max",
      "unified/memory.max=max",
      "unified/pids.max=max",
    ]);
    expect(fv(v2Writes({ cpu: { period: 20000 } }))).toEqual(["unified/cpu.max=max 20000"]);
    expect(fv(v2Writes({ memory: { limit: 1000, swap: -1 } }))).toEqual([
      "unified/memory.swap.max=max",
      "unified/memory.max=1000",
    ]);
  });
  test("what v2 lacks is an error that says so", () => {
    expect(() => v2Writes({ cpu: { realtimeRuntime: 5 } })).toThrow(/do not exist on cgroup v2/);
    expect(() => v2Writes({ memory: { disableOOMKiller: true } })).toThrow(/OOM killer/);
    expect(() => v2Writes({ network: { classID: 1 } })).toThrow(/net_cls and net_prio/);
    expect(() => v2Writes({ cpu: { shares: 1 } })).toThrow(/2 to 262144/);
  });
  test("unified keys must be files of the directory", () => {
    expect(() => v2Writes({ unified: { "../x.max": "1" } })).toThrow(/not a cgroup v2 file/);
    expect(() => v2Writes({ unified: { "cgroup.procs": "1" } })).toThrow(/cannot be set/);
    expect(fv(v2Writes({ unified: { "cgroup.max.descendants": "3" } }))).toEqual([
      "unified/cgroup.max.descendants=3",
    ]);
  });
});
