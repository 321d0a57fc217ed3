// applyResources against a fake cgroup tree of plain files (a v2 directory and
// v1 controller directories under a temp dir): which files get which values,
// controllers enabled in the parents, the undo of a failed update, freezer
// state, OOM counters and the stats shape. Plus the CLI's parsers.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CgroupManagerState, cgroupManagerFromJSON } from "../../src/cgroups/index.ts";
import { parseBlkio, parseIoStat, v1Stats, v2Stats } from "../../src/cgroups/stats.ts";
import { parseDuration } from "../../src/cli/events.ts";
import { filterPs } from "../../src/cli/ps.ts";
import { parseBytes, resourcesFromFlags } from "../../src/cli/update.ts";

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

function files(dir: string, content: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(content)) writeFileSync(join(dir, k), v);
}
const rd = (p: string) => readFileSync(p, "utf8");

function fakeV2(controllers = "cpu memory pids io hugetlb") {
  const root = mkdtempSync("/tmp/runt-cgfake-");
  temps.push(root);
  const leaf = `${root}/runt/c1`;
  files(root, { "cgroup.controllers": controllers, "cgroup.subtree_control": "" });
  files(`${root}/runt`, { "cgroup.controllers": controllers, "cgroup.subtree_control": "" });
  files(leaf, {
    "cgroup.freeze": "0",
    "cgroup.events": "populated 1\nfrozen 0\n",
    "memory.max": "max",
    "memory.swap.max": "max",
    "memory.events": "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n",
    "pids.max": "max",
    "cpu.max": "max 100000",
  });
  const state: CgroupManagerState = {
    version: 1,
    driver: "cgroupfs",
    mode: "v2",
    path: "/runt/c1",
    dirs: [
      { kind: "v2", keys: ["unified"], controllers: [], data: "", mountpoint: root, dir: leaf },
    ],
    created: [],
  };
  return { root, leaf, mgr: cgroupManagerFromJSON(state) };
}

describe("applyResources on a v2 tree", () => {
  test("writes the files and enables controllers in every parent", () => {
    const { root, leaf, mgr } = fakeV2();
    mgr.applyResources({
      memory: { limit: 100, swap: 300 },
      pids: { limit: 10 },
      cpu: { quota: 5000, period: 10000 },
    });
    expect(rd(`${leaf}/memory.max`)).toBe("100");
    expect(rd(`${leaf}/memory.swap.max`)).toBe("200");
    expect(rd(`${leaf}/pids.max`)).toBe("10");
    expect(rd(`${leaf}/cpu.max`)).toBe("5000 10000");
    // Each "+controller" is its own write; a plain file keeps the last.
    expect(rd(`${root}/cgroup.subtree_control`)).toMatch(/^\+\w+$/);
    expect(mgr.resources).toEqual({
      memory: { limit: 100, swap: 300 },
      pids: { limit: 10 },
      cpu: { quota: 5000, period: 10000 },
    });
    expect(mgr.toJSON().resources?.pids?.limit).toBe(10);
  });

  test("a controller the parents do not offer is named with the file", () => {
    const { root, mgr } = fakeV2("cpu");
    expect(() => mgr.applyResources({ pids: { limit: 5 } })).toThrow(
      `cgroups: linux.resources.pids.limit needs the cgroup v2 "pids" controller, which ${root}/cgroup.controllers does not offer ("cpu")`,
    );
  });

  test("a failed write puts the old values back and names file and value", () => {
    const { leaf, mgr } = fakeV2();
    // memory.max written, then io.max cannot be opened (a directory in its place).
    mkdirSync(`${leaf}/io.max`);
    expect(() =>
      mgr.applyResources({
        memory: { limit: 4096 },
        blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] },
      }),
    ).toThrow(
      `linux.resources.blockIO.throttleReadBpsDevice[0]: writing "8:0 rbps=1" to ${leaf}/io.max failed`,
    );
    expect(rd(`${leaf}/memory.max`)).toBe("max");
  });

  test("unified keys are written last, as given", () => {
    const { leaf, mgr } = fakeV2();
    mgr.applyResources({ pids: { limit: 3 }, unified: { "pids.max": "7" } });
    expect(rd(`${leaf}/pids.max`)).toBe("7");
  });

  test("freeze state and OOM kills from the v2 files", () => {
    const { leaf, mgr } = fakeV2();
    expect(mgr.freezerState()).toBe("thawed");
    writeFileSync(`${leaf}/cgroup.events`, "populated 1\nfrozen 1\n");
    mgr.freeze();
    expect(rd(`${leaf}/cgroup.freeze`)).toBe("1");
    expect(mgr.freezerState()).toBe("frozen");
    mgr.thaw();
    expect(mgr.freezerState()).toBe("thawed");
    expect(mgr.oomKills()).toBe(1);
  });
});

describe("applyResources on v1 directories", () => {
  function fakeV1() {
    const root = mkdtempSync("/tmp/runt-cgfake-");
    temps.push(root);
    const dirs = ["memory", "pids", "cpu", "freezer"].map((c) => ({
      kind: "v1" as const,
      keys: [c],
      controllers: [c],
      data: c,
      mountpoint: `${root}/${c}`,
      dir: `${root}/${c}/runt/c1`,
    }));
    files(`${root}/memory/runt/c1`, {
      "memory.limit_in_bytes": "9223372036854771712",
      "memory.memsw.limit_in_bytes": "9223372036854771712",
      "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n",
      "memory.usage_in_bytes": "5000",
    });
    files(`${root}/pids/runt/c1`, { "pids.max": "max" });
    files(`${root}/cpu/runt/c1`, {});
    files(`${root}/freezer/runt/c1`, { "freezer.state": "THAWED" });
    const mgr = cgroupManagerFromJSON({
      version: 1,
      driver: "cgroupfs",
      mode: "v1",
      path: "/runt/c1",
      dirs,
      created: [],
    });
    return { root, mgr };
  }

  test("each value in its controller's file; unified refused on v1", () => {
    const { root, mgr } = fakeV1();
    mgr.applyResources({ memory: { limit: 1 << 20, swap: 2 << 20 }, pids: { limit: 10 } });
    expect(rd(`${root}/memory/runt/c1/memory.limit_in_bytes`)).toBe(String(1 << 20));
    expect(rd(`${root}/memory/runt/c1/memory.memsw.limit_in_bytes`)).toBe(String(2 << 20));
    expect(rd(`${root}/pids/runt/c1/pids.max`)).toBe("10");
    expect(() => mgr.applyResources({ unified: { "pids.max": "1" } })).toThrow(
      /cgroup v2 files cannot be set on a cgroup v1 host/,
    );
    expect(() => mgr.applyResources({ network: { classID: 1 } })).toThrow(
      'linux.resources.network.classID needs the cgroup v1 "net_cls" controller, which is not mounted',
    );
    expect(mgr.oomKills()).toBe(4);
  });

  test("checkBeforeUpdate refuses a limit below the usage", () => {
    const { mgr } = fakeV1();
    expect(() => mgr.applyResources({ memory: { limit: 4096, checkBeforeUpdate: true } })).toThrow(
      /4096 is below the container's current usage 5000/,
    );
  });
});

describe("stats", () => {
  test("v1 files in runc's shape", () => {
    const root = mkdtempSync("/tmp/runt-cgfake-");
    temps.push(root);
    files(`${root}/cpuacct`, {
      "cpuacct.usage": "3000",
      "cpuacct.usage_percpu": "1000 2000 \n",
      "cpuacct.stat": "user 2\nsystem 1\n",
    });
    files(`${root}/cpu`, { "cpu.stat": "nr_periods 5\nnr_throttled 2\nthrottled_time 77\n" });
    files(`${root}/memory`, {
      "memory.usage_in_bytes": "100",
      "memory.max_usage_in_bytes": "200",
      "memory.limit_in_bytes": "300",
      "memory.failcnt": "0",
      "memory.stat": "cache 10\ntotal_cache 11\nrss 5\n",
    });
    files(`${root}/pids`, { "pids.current": "3", "pids.max": "10" });
    files(`${root}/blkio`, {
      "blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n",
    });
    files(`${root}/hugetlb`, { "hugetlb.2MB.usage_in_bytes": "0", "hugetlb.2MB.failcnt": "1" });
    const s = v1Stats(
      {
        cpu: `${root}/cpu`,
        cpuacct: `${root}/cpuacct`,
        memory: `${root}/memory`,
        pids: `${root}/pids`,
        blkio: `${root}/blkio`,
        hugetlb: `${root}/hugetlb`,
      },
      ["2MB"],
    );
    expect(s.cpu).toEqual({
      usage: { total: 3000, percpu: [1000, 2000], kernel: 1e7, user: 2e7 },
      throttling: { periods: 5, throttled_periods: 2, throttled_time: 77 },
    });
    expect(s.memory.cache).toBe(11);
    expect(s.memory.usage).toEqual({ limit: 300, usage: 100, max: 200, failcnt: 0 });
    expect(s.memory.raw).toEqual({ cache: 10, total_cache: 11, rss: 5 });
    expect(s.pids).toEqual({ current: 3, limit: 10 });
    // As runc: no limit ("max") is 0 and omitted; 2^64 would not fit a Go uint64.
    files(`${root}/pids`, { "pids.current": "3", "pids.max": "max" });
    expect(v1Stats({ pids: `${root}/pids` }, []).pids).toEqual({ current: 3 });
    expect(s.blkio.ioServiceBytesRecursive).toEqual([
      { major: 8, op: "Read", value: 4096 },
      { major: 8, op: "Write" },
    ]);
    expect(s.hugetlb).toEqual({ "2MB": { failcnt: 1 } });
  });

  test("v2 files converted to runc's units", () => {
    const root = mkdtempSync("/tmp/runt-cgfake-");
    temps.push(root);
    files(root, {
      "cpu.stat":
        "usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 1\nnr_throttled 0\nthrottled_usec 0\n",
      "memory.current": "4096",
      "memory.max": "max",
      "memory.events": "max 2\noom_kill 1\n",
      "memory.stat": "file 7\nanon 9\n",
      "pids.current": "2",
      "pids.max": "50",
      "io.stat": "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n",
    });
    const s = v2Stats(root, []);
    expect(s.cpu.usage).toEqual({ total: 5000, kernel: 2000, user: 3000 });
    expect(s.memory.cache).toBe(7);
    expect(s.memory.usage).toEqual({ limit: 2 ** 64, usage: 4096, failcnt: 2 });
    expect(s.pids).toEqual({ current: 2, limit: 50 });
    expect(s.blkio.ioServicedRecursive).toEqual([
      { major: 8, op: "Read", value: 1 },
      { major: 8, op: "Write", value: 2 },
    ]);
  });

  test("parsers skip what is not an entry", () => {
    expect(parseBlkio("Total 5\n\n")).toEqual([]);
    expect(parseIoStat("")).toEqual({});
  });
});

describe("CLI parsers", () => {
  test("update's byte sizes, as runc's RAMInBytes", () => {
    expect(parseBytes("memory", "64M")).toBe(64 << 20);
    expect(parseBytes("memory", "64m")).toBe(64 << 20);
    expect(parseBytes("memory", "1g")).toBe(1 << 30);
    expect(parseBytes("memory", "512KB")).toBe(512 << 10);
    expect(parseBytes("memory", "1000")).toBe(1000);
    expect(parseBytes("memory", "-1")).toBe(-1);
    expect(() => parseBytes("memory", "lots")).toThrow(/--memory "lots"/);
  });
  test("update's flags become linux.resources", () => {
    const r = resourcesFromFlags(
      {
        memory: "64M",
        "memory-swap": "-1",
        "pids-limit": "50",
        "cpu-quota": "50000",
        "cpu-period": "100000",
        "cpuset-cpus": "0",
        "blkio-weight": "300",
      },
      () => "",
    );
    expect(r).toEqual({
      memory: { limit: 64 << 20, swap: -1 },
      cpu: { quota: 50000, period: 100000, cpus: "0" },
      pids: { limit: 50 },
      blockIO: { weight: 300 },
    });
    expect(resourcesFromFlags({ resources: "-" }, () => '{"pids":{"limit":5}}')).toEqual({
      pids: { limit: 5 },
    });
    expect(() => resourcesFromFlags({ "l3-cache-schema": "x" }, () => "")).toThrow(/Intel RDT/);
  });
  test("events' Go durations", () => {
    expect(parseDuration("5s")).toBe(5000);
    expect(parseDuration("100ms")).toBe(100);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(() => parseDuration("5")).toThrow(/--interval "5"/);
  });
  test("ps keeps the header and the container's lines", () => {
    const out = "UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sleep\nroot 420 1 other\n";
    expect(filterPs(out, [42])).toBe("UID PID PPID CMD\nroot 42 1 sleep\n");
    expect(() => filterPs("USER CMD\n", [1])).toThrow(/no PID column/);
  });
});
