// linux.resources on real containers, checked in the kernel's own files. On
// this hybrid host the limits live in the v1 hierarchies; what v1 cannot take
// (or this host lacks) must fail with the file, the value and what to do.
// v2 controllers are not available here: their files are unit-tested.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { detectCgroups } from "../../src/cgroups/index.ts";
import type { LinuxResources } from "../../src/spec/types.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  runContainer,
  runt,
  testSpec,
} from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(cleanupAll);

const isRoot = process.getuid?.() === 0;
const setup = isRoot ? detectCgroups() : undefined;
const mounted = (c: string) => setup?.hierarchies.some((h) => h.controllers.includes(c)) ?? false;
const cg = (controller: string, id: string, file: string) =>
  readFileSync(`/sys/fs/cgroup/${controller}/runt/${id}/${file}`, "utf8").trim();

/** A detached `sleep` container with these resources; its id. */
function sleeper(resources: LinuxResources, args = ["sleep", "1000"]): string {
  const id = newId("res");
  const r = runt([
    "run",
    "-d",
    "--bundle",
    makeBundle(testSpec(args, (s) => (s.linux = { ...s.linux, resources }))),
    id,
  ]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return id;
}

/** runt run of a config with these resources: what it said. */
function refused(resources: LinuxResources): string {
  const r = runContainer(testSpec(["true"], (s) => (s.linux = { ...s.linux, resources })));
  expect(r.status).not.toBe(0);
  return r.stderr;
}

describe.skipIf(!isRoot || setup?.mode === "v2")("v1 limits in the kernel's files", () => {
  test("memory", () => {
    const id = sleeper({
      memory: {
        limit: 64 << 20,
        reservation: 32 << 20,
        swap: 96 << 20,
        kernelTCP: 16 << 20,
        swappiness: 10,
        disableOOMKiller: true,
        useHierarchy: true,
      },
    });
    expect(cg("memory", id, "memory.use_hierarchy")).toBe("1");
    expect(cg("memory", id, "memory.limit_in_bytes")).toBe(String(64 << 20));
    expect(cg("memory", id, "memory.soft_limit_in_bytes")).toBe(String(32 << 20));
    expect(cg("memory", id, "memory.memsw.limit_in_bytes")).toBe(String(96 << 20));
    expect(cg("memory", id, "memory.kmem.tcp.limit_in_bytes")).toBe(String(16 << 20));
    expect(cg("memory", id, "memory.swappiness")).toBe("10");
    expect(cg("memory", id, "memory.oom_control")).toContain("oom_kill_disable 1");
  });

  test("memory -1 is unlimited, memory and swap", () => {
    const id = sleeper({ memory: { limit: -1 } });
    const max = readFileSync("/sys/fs/cgroup/memory/memory.limit_in_bytes", "utf8").trim();
    expect(cg("memory", id, "memory.limit_in_bytes")).toBe(max);
    expect(cg("memory", id, "memory.memsw.limit_in_bytes")).toBe(max);
  });

  test("cpu and cpuset", () => {
    const id = sleeper({
      cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, cpus: "0", mems: "0" },
    });
    expect(cg("cpu", id, "cpu.shares")).toBe("512");
    expect(cg("cpu", id, "cpu.cfs_period_us")).toBe("100000");
    expect(cg("cpu", id, "cpu.cfs_quota_us")).toBe("50000");
    expect(cg("cpu", id, "cpu.cfs_burst_us")).toBe("1000");
    expect(cg("cpuset", id, "cpuset.cpus")).toBe("0");
    expect(cg("cpuset", id, "cpuset.mems")).toBe("0");
    // The process itself runs where the cpuset says.
    const pid = JSON.parse(runt(["state", id]).stdout).pid;
    expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(/Cpus_allowed_list:\s+0\n/);
  });

  test("cpu.idle", () => {
    const id = sleeper({ cpu: { idle: 1 } });
    expect(cg("cpu", id, "cpu.idle")).toBe("1");
  });

  test("a quota below the old period's minimum is written after the period", () => {
    // 1000 us quota with a 2000 us period: fine in this order only if the period goes first.
    const id = sleeper({ cpu: { quota: 1000, period: 2000 } });
    expect(cg("cpu", id, "cpu.cfs_period_us")).toBe("2000");
    expect(cg("cpu", id, "cpu.cfs_quota_us")).toBe("1000");
  });

  test("pids.limit 10: the eleventh process cannot be forked", () => {
    // sh is the first; nine sleeps make ten; the tenth sleep is the eleventh process.
    const r = runContainer(
      testSpec(["sh", "-c", "for i in $(seq 1 15); do sleep 30 & echo $i; done"], (s) => {
        s.linux = { ...s.linux, resources: { pids: { limit: 10 } } };
      }),
    );
    expect(r.stdout.trim().split("\n")).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(r.stderr).toContain("can't fork");
  });

  test("pids.max inside the container, through its own read-only cgroup mount", () => {
    const id = sleeper({ pids: { limit: 42 } });
    expect(cg("pids", id, "pids.max")).toBe("42");
    const r = runContainer(
      testSpec(
        [
          "sh",
          "-c",
          "cat /sys/fs/cgroup/pids/pids.max; echo 7 > /sys/fs/cgroup/pids/pids.max || echo RO",
        ],
        (s) => (s.linux = { ...s.linux, resources: { pids: { limit: 42 } } }),
      ),
    );
    expect(r.stdout).toBe("42\nRO\n");
    expect(r.stderr).toContain("Read-only file system");
  });

  test("a cgroup mount with rw lets the container change its own limit", () => {
    const r = runContainer(
      testSpec(
        ["sh", "-c", "echo 7 > /sys/fs/cgroup/pids/pids.max && cat /sys/fs/cgroup/pids/pids.max"],
        (s) => {
          s.linux = { ...s.linux, resources: { pids: { limit: 42 } } };
          for (const m of s.mounts ?? []) {
            if (m.type === "cgroup") m.options = (m.options ?? []).filter((o) => o !== "ro");
          }
        },
      ),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("7\n");
  });

  test("blkio throttles for a real device", () => {
    const dev = readFileSync("/sys/block/vda/dev", "utf8").trim();
    const [major, minor] = dev.split(":").map(Number) as [number, number];
    const id = sleeper({
      blockIO: {
        throttleReadBpsDevice: [{ major, minor, rate: 1048576 }],
        throttleWriteBpsDevice: [{ major, minor, rate: 2097152 }],
        throttleReadIOPSDevice: [{ major, minor, rate: 100 }],
        throttleWriteIOPSDevice: [{ major, minor, rate: 200 }],
      },
    });
    expect(cg("blkio", id, "blkio.throttle.read_bps_device")).toBe(`${dev} 1048576`);
    expect(cg("blkio", id, "blkio.throttle.write_bps_device")).toBe(`${dev} 2097152`);
    expect(cg("blkio", id, "blkio.throttle.read_iops_device")).toBe(`${dev} 100`);
    expect(cg("blkio", id, "blkio.throttle.write_iops_device")).toBe(`${dev} 200`);
  });

  test("blkio weight goes to bfq's file or cfq's, or says neither exists", () => {
    const probe = sleeper({});
    const dir = `/sys/fs/cgroup/blkio/runt/${probe}`;
    const file = ["blkio.bfq.weight", "blkio.weight"].find((f) => existsSync(`${dir}/${f}`));
    if (file) {
      const id = sleeper({ blockIO: { weight: 300 } });
      expect(cg("blkio", id, file)).toMatch(/^(default )?300$/m);
      // A per-device weight needs that device to use bfq; the kernel says ENOTSUP otherwise.
      const dev = readFileSync("/sys/block/vda/dev", "utf8").trim();
      const [major, minor] = dev.split(":").map(Number) as [number, number];
      const weightDevice = [{ major, minor, weight: 200 }];
      const sched = readFileSync("/sys/block/vda/queue/scheduler", "utf8");
      if (sched.includes("[bfq]") || file === "blkio.weight") {
        const d = sleeper({ blockIO: { weightDevice } });
        expect(cg("blkio", d, `${file}_device`)).toContain(`${dev} 200`);
      } else {
        expect(refused({ blockIO: { weightDevice } })).toMatch(
          new RegExp(
            `writing "${dev} 200" to /sys/fs/cgroup/blkio/runt/[^ ]+/${file}_device failed: ENOTSUP`,
          ),
        );
      }
    } else {
      expect(refused({ blockIO: { weight: 300 } })).toContain("none of");
    }
  });

  test("unified keys go to the container's cgroup2 directory on hybrid", () => {
    if (setup?.mode !== "hybrid") return;
    const id = sleeper({ unified: { "cgroup.max.descendants": "3" } });
    expect(
      readFileSync(`/sys/fs/cgroup/unified/runt/${id}/cgroup.max.descendants`, "utf8").trim(),
    ).toBe("3");
  });

  test("what the kernel refuses names the file and the value, and nothing is left", () => {
    const rt = refused({ cpu: { realtimeRuntime: 1000, realtimePeriod: 1000000 } });
    expect(rt).toMatch(
      /linux\.resources\.cpu\.realtimeRuntime: writing "1000" to \/sys\/fs\/cgroup\/cpu\/runt\/[^ ]+\/cpu\.rt_runtime_us failed: EINVAL/,
    );
    const shares = refused({ cpu: { shares: 1 } });
    expect(shares).toMatch(/cpu\.shares to 2 instead of 1; use a value from 2 to 262144/);
    expect(refused({ memory: { swappiness: 200 } })).toContain("use 0 to 100");
    const swap = refused({ memory: { limit: 64 << 20, swap: 32 << 20 } });
    expect(swap).toMatch(/memory\.memsw\.limit_in_bytes failed: EINVAL/);
    expect(runt(["list", "-q"]).stdout).toBe("");
  });

  test("controllers this host lacks are named", () => {
    if (!mounted("hugetlb")) {
      expect(refused({ hugepageLimits: [{ pageSize: "2MB", limit: 1 << 21 }] })).toContain(
        'linux.resources.hugepageLimits[0] needs the cgroup v1 "hugetlb" controller, which is not mounted',
      );
    }
    if (!mounted("net_cls")) {
      expect(refused({ network: { classID: 0x100001 } })).toContain(
        'linux.resources.network.classID needs the cgroup v1 "net_cls" controller',
      );
    }
    if (!mounted("rdma")) {
      expect(refused({ rdma: { mlx5_0: { hcaHandles: 1 } } })).toContain('"rdma" controller');
    }
    if (setup?.mode === "hybrid") {
      // The unified hierarchy here offers no memory controller.
      expect(refused({ unified: { "memory.high": "1M" } })).toContain(
        'needs the cgroup v2 "memory" controller',
      );
    }
  });
});

describe.skipIf(!isRoot || setup?.mode === "v2")("update", () => {
  test("runc's flags change the kernel's values", () => {
    const id = sleeper({ memory: { limit: 64 << 20 }, pids: { limit: 10 } });
    const r = runt([
      "update",
      "--memory",
      "128M",
      "--memory-reservation",
      "64m",
      "--pids-limit",
      "50",
      "--cpu-quota",
      "50000",
      "--cpu-period",
      "100000",
      "--cpu-share",
      "256",
      "--cpuset-cpus",
      "0",
      id,
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(cg("memory", id, "memory.limit_in_bytes")).toBe(String(128 << 20));
    expect(cg("memory", id, "memory.soft_limit_in_bytes")).toBe(String(64 << 20));
    expect(cg("pids", id, "pids.max")).toBe("50");
    expect(cg("cpu", id, "cpu.cfs_quota_us")).toBe("50000");
    expect(cg("cpu", id, "cpu.shares")).toBe("256");
    expect(cg("cpuset", id, "cpuset.cpus")).toBe("0");
  });

  test("-r FILE and -r - (stdin)", () => {
    const id = sleeper({});
    const file = `${makeBundle(testSpec(["true"]))}/resources.json`;
    writeFileSync(file, JSON.stringify({ pids: { limit: 33 }, memory: { limit: 100 << 20 } }));
    expect(runt(["update", "-r", file, id]).stderr).toBe("");
    expect(cg("pids", id, "pids.max")).toBe("33");
    expect(cg("memory", id, "memory.limit_in_bytes")).toBe(String(100 << 20));
    const r = runt(["update", "-r", "-", id], { input: '{"pids":{"limit":-1}}' });
    expect(r.stderr).toBe("");
    expect(cg("pids", id, "pids.max")).toBe("max");
  });

  test("raising memory above the old memory+swap writes memsw first", () => {
    const id = sleeper({ memory: { limit: 32 << 20, swap: 32 << 20 } });
    const r = runt(["update", "--memory", "64M", "--memory-swap", "96M", id]);
    expect(r.stderr).toBe("");
    expect(cg("memory", id, "memory.limit_in_bytes")).toBe(String(64 << 20));
    expect(cg("memory", id, "memory.memsw.limit_in_bytes")).toBe(String(96 << 20));
    // And back down: memory first.
    expect(runt(["update", "--memory", "16M", "--memory-swap", "24M", id]).stderr).toBe("");
    expect(cg("memory", id, "memory.limit_in_bytes")).toBe(String(16 << 20));
    expect(cg("memory", id, "memory.memsw.limit_in_bytes")).toBe(String(24 << 20));
  });

  test("a value the kernel refuses is reported and the old values stay", () => {
    const id = sleeper({ pids: { limit: 10 }, cpu: { shares: 512 } });
    // pids.max is written, then cpu.rt_runtime_us is refused: pids.max goes back.
    const r = runt(["update", "--pids-limit", "99", "--cpu-rt-runtime", "5000", id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('writing "5000" to /sys/fs/cgroup/cpu/runt/');
    expect(r.stderr).toContain("cpu.rt_runtime_us failed: EINVAL");
    expect(cg("pids", id, "pids.max")).toBe("10");
    const s = runt(["update", "--cpu-share", "1", id]);
    expect(s.status).toBe(1);
    expect(cg("cpu", id, "cpu.shares")).toBe("512");
    // A limit below what the container uses: EBUSY from the kernel.
    const m = runt(["update", "--memory", "4k", id]);
    expect(m.stderr).toContain('writing "4096" to /sys/fs/cgroup/memory/runt/');
    expect(m.stderr).toContain("memory.limit_in_bytes failed: EBUSY");
    expect(runt(["state", id]).stdout).toContain('"running"');
  });

  test("memory.checkBeforeUpdate from the config refuses a limit below the usage", () => {
    const id = sleeper({ memory: { limit: 64 << 20, checkBeforeUpdate: true } });
    const usage = Number(cg("memory", id, "memory.usage_in_bytes"));
    expect(usage).toBeGreaterThan(8192);
    const r = runt(["update", "--memory", "8k", id]);
    expect(r.stderr).toContain(
      `linux.resources.memory.limit 8192 is below the container's current usage`,
    );
    expect(r.stderr).toContain("checkBeforeUpdate");
    expect(cg("memory", id, "memory.limit_in_bytes")).toBe(String(64 << 20));
    expect(runt(["update", "--memory", "32M", id]).stderr).toBe("");
    expect(cg("memory", id, "memory.limit_in_bytes")).toBe(String(32 << 20));
  });

  test("bad flags and a stopped container are errors that say why", () => {
    const id = sleeper({});
    expect(runt(["update", "--memory", "lots", id]).stderr).toContain('--memory "lots"');
    expect(runt(["update", id]).stderr).toContain("nothing to change");
    runt(["kill", id, "KILL"]);
    Bun.sleepSync(200);
    expect(runt(["update", "--pids-limit", "5", id]).stderr).toContain("stopped");
  });
});
