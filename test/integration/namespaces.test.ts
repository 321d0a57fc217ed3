// linux.namespaces on real busybox containers: which namespaces are new (their inode
// differs from the host's), which are shared, joining by path (another container's
// and a host process's), user namespace id mappings, time namespace offsets, and
// what a cgroup namespace shows.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import type { LinuxNamespace, Spec } from "../../src/spec/types.ts";
import { openRootfs, removeOpenRootfs } from "../helpers/open-rootfs.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  type Result,
  runContainer,
  runt,
  testSpec,
  until,
} from "../helpers/runt.ts";

/** Helper processes a test started: runt in the foreground, `unshare ... sleep`. */
const helpers: ChildProcess[] = [];

afterEach(async () => {
  // delete --force (in cleanup) kills the containers, so their foreground runt exits.
  cleanup();
  for (const child of helpers.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((res) => child.once("exit", res));
      child.kill("SIGKILL");
      await gone;
    }
  }
});
afterAll(() => {
  cleanupAll();
  removeOpenRootfs();
});

/** /proc/<pid>/ns/<name> entries, as namespace type -> file name. */
const NS_FILES = {
  pid: "pid",
  mount: "mnt",
  uts: "uts",
  ipc: "ipc",
  network: "net",
  cgroup: "cgroup",
  user: "user",
  time: "time",
} as const;
type NsType = keyof typeof NS_FILES;
const ALL = Object.keys(NS_FILES) as NsType[];

function hostNs(type: NsType, pid: number | "self" = "self"): string {
  return readlinkSync(`/proc/${pid}/ns/${NS_FILES[type]}`);
}

const READ_NS = ALL.map((t) => `readlink /proc/self/ns/${NS_FILES[t]}`).join("; ");

function output(r: Result): string {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  return r.stdout;
}

/** Each namespace's link as the container's process sees it. */
function nsInside(edit?: (s: Spec) => void): Record<NsType, string> {
  const lines = output(runContainer(testSpec(["sh", "-c", READ_NS], edit))).split("\n");
  return Object.fromEntries(ALL.map((t, i) => [t, lines[i] ?? ""])) as Record<NsType, string>;
}

function linux(s: Spec): NonNullable<Spec["linux"]> {
  s.linux ??= {};
  return s.linux;
}

function setNamespaces(s: Spec, namespaces: LinuxNamespace[]): void {
  linux(s).namespaces = namespaces;
}

/** A long-running container started with `run -d`; its id and pid once it runs. */
async function startLong(spec: Spec): Promise<{ id: string; pid: number }> {
  const id = newId("long");
  expect(runt(["run", "-d", "-b", makeBundle(spec), id]).status).toBe(0);
  let pid = 0;
  const up = await until(() => {
    const r = runt(["state", id]);
    if (!r.stdout.includes('"running"')) return false;
    pid = (JSON.parse(r.stdout) as { pid: number }).pid;
    // Running once the init has exec'd the configured command.
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep");
    } catch {
      return false;
    }
  });
  expect(up).toBe(true);
  return { id, pid };
}

describe("new and shared namespaces", () => {
  test("runt spec's namespaces are new; user and time, not listed, are the host's", () => {
    const inside = nsInside();
    for (const t of ["pid", "mount", "uts", "ipc", "network", "cgroup"] as const) {
      expect({ t, ns: inside[t] }).toEqual({ t, ns: expect.stringMatching(/^\w+:\[\d+\]$/) });
      expect({ t, ns: inside[t] }).not.toEqual({ t, ns: hostNs(t) });
    }
    expect(inside.user).toBe(hostNs("user"));
    expect(inside.time).toBe(hostNs("time"));
  });

  test("with only a mount namespace listed, every other namespace is the host's", () => {
    const inside = nsInside((s) => {
      // No UTS namespace of its own: a hostname would be refused (as runc does).
      s.hostname = undefined;
      setNamespaces(s, [{ type: "mount" }]);
    });
    expect(inside.mount).not.toBe(hostNs("mount"));
    for (const t of ["pid", "uts", "ipc", "network", "cgroup", "user", "time"] as const) {
      expect({ t, ns: inside[t] }).toEqual({ t, ns: hostNs(t) });
    }
  });

  test("a time namespace is new and applies timeOffsets", () => {
    const boottime = 10 * 86400;
    const monotonic = 86400;
    const uptime = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    const before = uptime();
    const r = runContainer(
      testSpec(
        ["sh", "-c", "readlink /proc/self/ns/time; cat /proc/uptime /proc/self/timens_offsets"],
        (s) => {
          linux(s).namespaces?.push({ type: "time" });
          linux(s).timeOffsets = {
            monotonic: { secs: monotonic },
            boottime: { secs: boottime, nanosecs: 5 },
          };
        },
      ),
    );
    const after = uptime();
    const [ns = "", up = "", ...offsets] = output(r).trimEnd().split("\n");
    expect(ns).toMatch(/^time:\[\d+\]$/);
    expect(ns).not.toBe(hostNs("time"));
    // /proc/uptime is CLOCK_BOOTTIME as the reader's time namespace sees it.
    const inside = Number(up.split(" ")[0]) - boottime;
    expect(inside).toBeGreaterThanOrEqual(before - 0.1);
    expect(inside).toBeLessThanOrEqual(after + 0.1);
    expect(offsets.map((l) => l.trim().split(/\s+/))).toEqual([
      ["monotonic", String(monotonic), "0"],
      ["boottime", String(boottime), "5"],
    ]);
  });

  test("a cgroup namespace shows the container's cgroups as /", () => {
    const lines = output(runContainer(testSpec(["cat", "/proc/self/cgroup"])))
      .trimEnd()
      .split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\d+:[^:]*:\/$/);
  });

  test("without a cgroup namespace the host's cgroup paths show", () => {
    const id = newId("nocgns");
    const spec = testSpec(["cat", "/proc/self/cgroup"], (s) => {
      setNamespaces(
        s,
        (linux(s).namespaces ?? []).filter((ns) => ns.type !== "cgroup"),
      );
    });
    const lines = output(runt(["run", "-b", makeBundle(spec), id]))
      .trimEnd()
      .split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(new RegExp(`^\\d+:[^:]*:/.*\\b${id}$`));
  });
});

describe("joining namespaces by path", () => {
  test("a second container joins the first's network, uts and ipc namespaces", async () => {
    const first = await startLong(
      testSpec(["sleep", "100"], (s) => {
        s.hostname = "first";
      }),
    );
    const joined = ["network", "uts", "ipc"] as const;
    const theirs = {
      network: hostNs("network", first.pid),
      uts: hostNs("uts", first.pid),
      ipc: hostNs("ipc", first.pid),
    };
    for (const t of joined) expect(theirs[t]).not.toBe(hostNs(t));

    const inside = nsInside((s) => {
      // The joining container names no hostname: its UTS namespace is not its own.
      s.hostname = undefined;
      setNamespaces(s, [
        { type: "pid" },
        { type: "mount" },
        { type: "cgroup" },
        ...joined.map((t) => ({ type: t, path: `/proc/${first.pid}/ns/${NS_FILES[t]}` })),
      ]);
    });
    for (const t of joined) expect({ t, ns: inside[t] }).toEqual({ t, ns: theirs[t] });
    // The namespaces it did not join are its own, not the first container's.
    for (const t of ["pid", "mount", "cgroup"] as const) {
      expect({ t, ns: inside[t] }).not.toEqual({ t, ns: hostNs(t, first.pid) });
      expect({ t, ns: inside[t] }).not.toEqual({ t, ns: hostNs(t) });
    }
    const hostname = output(
      runContainer(
        testSpec(["hostname"], (s) => {
          s.hostname = undefined;
          setNamespaces(s, [
            { type: "pid" },
            { type: "mount" },
            { type: "uts", path: `/proc/${first.pid}/ns/uts` },
          ]);
        }),
      ),
    );
    expect(hostname).toBe("first\n");
  });

  test("a container joins a network namespace held by a host process", async () => {
    const holder = spawn("unshare", ["--net", "sleep", "100"], { stdio: "ignore" });
    helpers.push(holder);
    const pid = holder.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    const net = () => {
      try {
        return hostNs("network", pid);
      } catch {
        return "";
      }
    };
    // unshare(2) has run once sleep has been exec'd in its place.
    expect(
      await until(
        () =>
          readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep") &&
          net() !== hostNs("network"),
      ),
    ).toBe(true);
    const theirs = net();
    const inside = output(
      runContainer(
        testSpec(["sh", "-c", "readlink /proc/self/ns/net; cat /proc/net/dev"], (s) => {
          setNamespaces(
            s,
            (linux(s).namespaces ?? []).map((ns) =>
              ns.type === "network" ? { type: "network", path: `/proc/${pid}/ns/net` } : ns,
            ),
          );
        }),
      ),
    );
    const [ns, ...dev] = inside.trimEnd().split("\n");
    expect(ns).toBe(theirs);
    // unshare's fresh namespace: only a loopback device.
    expect(dev.slice(2).map((l) => l.trim().split(":")[0])).toEqual(["lo"]);
  });

  test("a path that is not a namespace of that type fails clearly, exit 1", () => {
    const id = newId("badns");
    const spec = testSpec(["true"], (s) => {
      setNamespaces(
        s,
        (linux(s).namespaces ?? []).map((ns) =>
          ns.type === "network" ? { type: "network", path: "/proc/self/ns/uts" } : ns,
        ),
      );
    });
    const r = runt(["run", "-b", makeBundle(spec), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^linux\.namespaces\[\d+\]: setns \/proc\/self\/ns\/uts: .*EINVAL/);
    expect(runt(["state", id]).stderr).toContain("does not exist");
  });
});

describe("user namespace", () => {
  const mapping = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const userns = (args: string[]) =>
    testSpec(args, (s) => {
      // A rootfs whose top directory the mapped root (host uid 100000) can search.
      s.root = { path: openRootfs(), readonly: true };
      linux(s).namespaces?.push({ type: "user" });
      linux(s).uidMappings = mapping;
      linux(s).gidMappings = mapping;
    });

  test("ids are mapped: root inside, uid 100000 on the host", async () => {
    const inside = output(
      runContainer(
        userns([
          "sh",
          "-c",
          `${READ_NS}; cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g;` +
            " stat -c '%u %g' /bin/busybox;" +
            ' awk \'$5 == "/" { split($6, o, ","); print o[1] }\' /proc/self/mountinfo',
        ]),
      ),
    )
      .trimEnd()
      .split("\n");
    const ns = inside.slice(0, ALL.length);
    for (const [i, t] of ALL.entries()) {
      if (t === "time") expect(ns[i]).toBe(hostNs(t));
      else expect({ t, ns: ns[i] }).not.toEqual({ t, ns: hostNs(t) });
    }
    expect(inside.slice(ALL.length).map((l) => l.trim().split(/\s+/).join(" "))).toEqual([
      "0 100000 65536",
      "0 100000 65536",
      "0",
      "0",
      // Host root's files, seen through the mapping, belong to the overflow ids.
      "65534 65534",
      // root.readonly still holds.
      "ro",
    ]);

    const { pid } = await startLong(userns(["sleep", "100"]));
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(status).toMatch(/^Uid:\t100000\t100000\t100000\t100000$/m);
    expect(status).toMatch(/^Gid:\t100000\t100000\t100000\t100000$/m);
    expect(readFileSync(`/proc/${pid}/uid_map`, "utf8").trim().split(/\s+/)).toEqual([
      "0",
      "100000",
      "65536",
    ]);
  });
});
