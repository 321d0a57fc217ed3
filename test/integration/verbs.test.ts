// pause/resume, ps, events, kill --all and delete --force on real containers:
// the v1 freezer and hierarchies of this hybrid host, and cgroup v2 (freeze,
// kill, nesting, the device program) with runt itself run in a private mount
// namespace where cgroup2 is mounted at /sys/fs/cgroup.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { detectCgroups } from "../../src/cgroups/index.ts";
import type { LinuxResources } from "../../src/spec/types.ts";
import {
  alive,
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  RUNT,
  runt,
  STATE_ROOT,
  testSpec,
  until,
} from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(cleanupAll);

const isRoot = process.getuid?.() === 0;
const setup = isRoot ? detectCgroups() : undefined;
const v1 = setup !== undefined && setup.mode !== "v2";

function detached(args: string[], resources?: LinuxResources): { id: string; pid: number } {
  const id = newId("verb");
  const spec = testSpec(args, (s) => {
    if (resources) s.linux = { ...s.linux, resources };
  });
  const r = runt(["run", "-d", "--bundle", makeBundle(spec), id]);
  expect(r.stderr).toBe("");
  return { id, pid: JSON.parse(runt(["state", id]).stdout).pid };
}

const statusOf = (id: string) => JSON.parse(runt(["state", id]).stdout).status as string;
const procState = (pid: number) =>
  /State:\s+(\S)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "?";
const jsonPids = (id: string) =>
  JSON.parse(runt(["ps", "--format", "json", id]).stdout) as number[];

/** Every cgroup directory of the container, in any hierarchy (v1 ones and unified). */
function cgroupDirs(id: string): string[] {
  return readdirSync("/sys/fs/cgroup")
    .map((h) => join("/sys/fs/cgroup", h, "runt", id))
    .filter((d) => existsSync(d));
}

describe.skipIf(!v1)("pause and resume (v1 freezer)", () => {
  test("every process is frozen, the state says paused, and resume thaws them", async () => {
    // A busy loop, a child of it, and a sleeper.
    const { id } = detached(["sh", "-c", "sleep 1000 & while :; do :; done"]);
    expect(await until(() => jsonPids(id).length === 2)).toBe(true);
    const pids = jsonPids(id);
    const freezer = `/sys/fs/cgroup/freezer/runt/${id}/freezer.state`;
    const usage = `/sys/fs/cgroup/cpuacct/runt/${id}/cpuacct.usage`;

    expect(runt(["pause", id]).stderr).toBe("");
    expect(readFileSync(freezer, "utf8").trim()).toBe("FROZEN");
    expect(statusOf(id)).toBe("paused");
    expect(runt(["list"]).stdout).toMatch(new RegExp(`${id}\\s+\\d+\\s+paused`));
    // Frozen tasks: D on a v1 freezer (T with a v2-style freezer); none runs.
    for (const p of pids) expect(procState(p)).toMatch(/^[DT]$/);
    const before = readFileSync(usage, "utf8");
    Bun.sleepSync(300);
    expect(readFileSync(usage, "utf8")).toBe(before);
    // Pausing twice, or resuming a running container, is refused.
    expect(runt(["pause", id]).stderr).toContain("it is paused");

    expect(runt(["resume", id]).stderr).toBe("");
    expect(readFileSync(freezer, "utf8").trim()).toBe("THAWED");
    expect(statusOf(id)).toBe("running");
    for (const p of pids) expect(procState(p)).toMatch(/^[RS]$/);
    Bun.sleepSync(100);
    expect(readFileSync(usage, "utf8")).not.toBe(before);
    expect(runt(["resume", id]).stderr).toContain("not paused");
  });

  test("a paused container can be killed and deleted", () => {
    const { id, pid } = detached(["sleep", "1000"]);
    expect(runt(["pause", id]).status).toBe(0);
    expect(runt(["delete", id]).stderr).toContain("paused");
    expect(runt(["delete", "--force", id]).stderr).toBe("");
    expect(alive(pid)).toBe(false);
    expect(cgroupDirs(id)).toEqual([]);
  });

  test("a created container can be paused too, and is then paused, not created", () => {
    const id = newId("verb");
    const r = runt(["create", "--bundle", makeBundle(testSpec(["true"])), id]);
    expect(r.stderr).toBe("");
    expect(statusOf(id)).toBe("created");
    expect(runt(["pause", id]).stderr).toBe("");
    expect(statusOf(id)).toBe("paused");
    expect(runt(["start", id]).stderr).toContain("it is paused");
    expect(runt(["resume", id]).stderr).toBe("");
    expect(statusOf(id)).toBe("created");
  });

  test("pause of a stopped container says so", () => {
    const { id } = detached(["true"]);
    Bun.sleepSync(200);
    const r = runt(["pause", id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("it is stopped");
  });
});

describe.skipIf(!v1)("ps", () => {
  test("ps -ef lines of the container's processes, and their pids as JSON", async () => {
    const { id, pid } = detached(["sh", "-c", "sleep 1000 & sleep 2000 & wait"]);
    expect(await until(() => jsonPids(id).length === 3)).toBe(true);
    const procs = readFileSync(`/sys/fs/cgroup/pids/runt/${id}/cgroup.procs`, "utf8")
      .trim()
      .split("\n")
      .map(Number)
      .sort((a, b) => a - b);
    expect(jsonPids(id)).toEqual(procs);
    expect(procs).toContain(pid);

    const table = runt(["ps", id]).stdout.trim().split("\n");
    expect(table[0]).toMatch(/^UID\s+PID\s+PPID/);
    expect(table).toHaveLength(4);
    expect(table.some((l) => l.includes("sleep 1000"))).toBe(true);
    expect(table.some((l) => l.includes("sleep 2000"))).toBe(true);
    // Nothing of the host's.
    expect(table.some((l) => l.includes("bun"))).toBe(false);

    const custom = runt(["ps", id, "--", "-eo", "pid,comm"]).stdout.trim().split("\n");
    expect(custom[0]?.trim()).toBe("PID COMMAND");
    expect(custom.slice(1).map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(procs);
    expect(runt(["ps", id, "--", "-eo", "comm"]).stderr).toContain("no PID column");
    expect(runt(["ps", "--format", "yaml", id]).stderr).toContain("table or json");
  });
});

describe.skipIf(!v1)("events", () => {
  test("--stats: one JSON object in runc's shape", async () => {
    const { id } = detached(["sh", "-c", "sleep 1000 & sleep 1000"], {
      memory: { limit: 64 << 20 },
      pids: { limit: 20 },
    });
    expect(await until(() => jsonPids(id).length === 2)).toBe(true);
    const r = runt(["events", "--stats", id]);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const ev = JSON.parse(lines[0] ?? "");
    expect(ev.type).toBe("stats");
    expect(ev.id).toBe(id);
    const d = ev.data;
    expect(Object.keys(d).sort()).toEqual(["blkio", "cpu", "hugetlb", "memory", "pids"]);
    expect(d.cpu.usage.total).toBeGreaterThan(0);
    expect(d.cpu.usage.percpu.length).toBeGreaterThan(0);
    expect(typeof d.cpu.usage.kernel).toBe("number");
    expect(d.memory.usage.limit).toBe(64 << 20);
    expect(d.memory.usage.usage).toBeGreaterThan(0);
    expect(typeof d.memory.usage.failcnt).toBe("number");
    expect(d.memory.raw.total_rss).toBeGreaterThanOrEqual(0);
    expect(d.pids).toEqual({ current: 2, limit: 20 });
  });

  test("an OOM kill is an event; stats every interval; the stream ends with the container", async () => {
    const { id } = detached(["sh", "-c", "sleep 1; tail /dev/zero; sleep 3"], {
      memory: { limit: 16 << 20, swap: 16 << 20 },
    });
    const child = spawn(RUNT, ["--root", STATE_ROOT, "events", "--interval", "500ms", id]);
    let out = "";
    child.stdout.on("data", (b) => {
      out += b;
    });
    const exited = new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
    try {
      expect(await until(() => out.includes('"type":"oom"'), 10_000)).toBe(true);
      // The container's shell goes on to sleep 3 and exits: so does the stream.
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    const events = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === "oom")).toEqual([{ type: "oom", id }]);
    expect(events.filter((e) => e.type === "stats").length).toBeGreaterThanOrEqual(3);
    const oomControl = readFileSync(`/sys/fs/cgroup/memory/runt/${id}/memory.oom_control`, "utf8");
    expect(oomControl).toMatch(/oom_kill [1-9]/);
  });

  test("a bad interval and a stopped container are refused", () => {
    const { id } = detached(["sleep", "1000"]);
    expect(runt(["events", "--interval", "5", id]).stderr).toContain('--interval "5"');
    runt(["kill", id, "KILL"]);
    Bun.sleepSync(200);
    expect(runt(["events", "--stats", id]).stderr).toContain("is not running");
  });
});

describe.skipIf(!v1)("kill --all and delete --force", () => {
  test("kill --all signals every process, not just the init", async () => {
    // The init has no TERM handler, so the kernel keeps TERM from it (PID 1 of
    // its namespace); its children die of it.
    const { id, pid } = detached(["sh", "-c", "sleep 1000 & sleep 1001 & wait; exec sleep 1002"]);
    expect(await until(() => jsonPids(id).length === 3)).toBe(true);
    const children = jsonPids(id).filter((p) => p !== pid);
    expect(runt(["kill", "--all", id, "TERM"]).stderr).toBe("");
    expect(await until(() => children.every((p) => !alive(p)))).toBe(true);
    expect(alive(pid)).toBe(true);
    expect(runt(["kill", "--all", id, "KILL"]).stderr).toBe("");
    expect(await until(() => statusOf(id) === "stopped")).toBe(true);
    expect(readFileSync(`/sys/fs/cgroup/pids/runt/${id}/cgroup.procs`, "utf8")).toBe("");
    // As runc: a stopped container lists no processes (containerd's shim reads this).
    expect(runt(["ps", "--format", "json", id])).toMatchObject({ status: 0, stdout: "[]\n" });
  });

  test("delete --force on a running container with children leaves no cgroup behind", async () => {
    const { id } = detached(["sh", "-c", "sleep 1000 & (sleep 1001 & sleep 1002) & wait"], {
      pids: { limit: 20 },
      memory: { limit: 64 << 20 },
    });
    expect(await until(() => jsonPids(id).length >= 4)).toBe(true);
    const pids = jsonPids(id);
    const dirs = cgroupDirs(id);
    expect(dirs.length).toBe(setup?.hierarchies.length ?? -1);
    expect(runt(["delete", "--force", id]).stderr).toBe("");
    for (const p of pids) expect(alive(p)).toBe(false);
    expect(cgroupDirs(id)).toEqual([]);
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
  });
});

describe.skipIf(!isRoot)("cgroup v2 (runt in a private mount namespace)", () => {
  test("nesting, cgroup.procs, pause via cgroup.freeze, ps, stats, kill --all, delete --force", () => {
    const id = newId("v2");
    const bundle = makeBundle(testSpec(["sh", "-c", "sleep 1000 & sleep 1001"]));
    const inside = makeBundle(
      testSpec([
        "sh",
        "-c",
        "m=$(grep ' /sys/fs/cgroup ' /proc/self/mountinfo); " +
          "echo $(echo \"$m\" | cut -d' ' -f6) $(echo \"$m\" | sed 's/.* - //' | cut -d' ' -f1); " +
          "grep '^0::' /proc/self/cgroup; " +
          "grep -qx 1 /sys/fs/cgroup/cgroup.procs && echo self; (echo 1 > /sys/fs/cgroup/cgroup.freeze) 2>/dev/null || echo RO",
      ]),
    );
    const r = (args: string) => `${RUNT} --root ${STATE_ROOT} ${args}`;
    const dir = `/sys/fs/cgroup/runt/${id}`;
    const script = [
      "set -e",
      "mount --make-rprivate /",
      "umount -R /sys/fs/cgroup",
      "mount -t cgroup2 none /sys/fs/cgroup",
      r(`run -d --bundle ${bundle} ${id}`),
      "sleep 0.3",
      `echo procs=$(sort -n ${dir}/cgroup.procs | tr '\\n' ,)`,
      `echo ps=$(${r(`ps --format json ${id}`)})`,
      `echo progs=$(${process.execPath} ${import.meta.dir}/verbs-v2-progs.ts ${dir})`,
      `echo populated=$(grep populated ${dir}/cgroup.events)`,
      // A second container: its cgroup namespace and read-only cgroup2 mount.
      `${r(`run --bundle ${inside} ${newId("v2in")}`)} | sed 's/^/inside /'`,
      r(`pause ${id}`),
      `echo freeze=$(cat ${dir}/cgroup.freeze) $(grep frozen ${dir}/cgroup.events)`,
      `echo status=$(${r(`state ${id}`)} | grep -o '"status": "[a-z]*"')`,
      `for p in $(cat ${dir}/cgroup.procs); do grep State /proc/$p/status; done | sort -u | sed 's/^/task /'`,
      r(`resume ${id}`),
      `echo thawed=$(cat ${dir}/cgroup.freeze) $(grep frozen ${dir}/cgroup.events)`,
      `echo stats=$(${r(`events --stats ${id}`)})`,
      `${r(`update --pids-limit 5 ${id}`)} 2>&1 | sed "s/^/update: /" || true`,
      r(`kill --all ${id} KILL`),
      "sleep 0.2",
      `echo afterkill=$(cat ${dir}/cgroup.procs | wc -l)`,
      r(`delete --force ${id}`),
      `echo left=$(test -e ${dir} && echo yes || echo no)`,
    ].join("\n");
    const p = Bun.spawnSync(["unshare", "-m", "sh", "-c", script], { timeout: 30_000 });
    const out = p.stdout.toString();
    if (process.env.CG_DEBUG) console.log(out);
    const stderr = p.stderr.toString();
    expect({ exit: p.exitCode, stderr }).toEqual({ exit: 0, stderr: "" });
    const line = (k: string) =>
      out
        .split("\n")
        .find((l) => l.startsWith(`${k}=`))
        ?.slice(k.length + 1);
    const procs = (line("procs") ?? "").split(",").filter(Boolean).map(Number);
    expect(procs).toHaveLength(2);
    expect(JSON.parse(line("ps") ?? "null")).toEqual(procs);
    // Nested below /runt, with runt's device program attached, and populated.
    expect(Number(line("progs"))).toBe(1);
    expect(line("populated")).toBe("populated 1");
    // Inside: cgroup2, read-only; the cgroup namespace makes its own cgroup "/".
    const inner = out
      .split("\n")
      .filter((l) => l.startsWith("inside "))
      .map((l) => l.slice(7).trim());
    expect(inner).toEqual(["ro,nosuid,nodev,noexec,relatime cgroup2", "0::/", "self", "RO"]);
    expect(line("freeze")).toBe("1 frozen 1");
    expect(line("status")).toBe('"status": "paused"');
    expect(out).toMatch(/^task State:\s+[ST]/m);
    expect(line("thawed")).toBe("0 frozen 0");
    const stats = JSON.parse(line("stats") ?? "{}");
    expect(stats.type).toBe("stats");
    expect(stats.data.cpu.usage.total).toBeGreaterThan(0);
    // No pids controller for v2 on this host: a clear error naming it.
    expect(out).toContain(
      'update: cgroups: linux.resources.pids.limit needs the cgroup v2 "pids" controller',
    );
    expect(line("afterkill")).toBe("0");
    expect(line("left")).toBe("no");
    expect(existsSync(`/sys/fs/cgroup/unified/runt/${id}`)).toBe(false);
  });
});
