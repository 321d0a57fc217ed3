// Rootless: an ordinary user that this file makes (useradd) runs containers with runt
// and with runc 1.1.5 side by side, each from a bundle it owns on the busybox rootfs,
// with its state under an XDG_RUNTIME_DIR made for it. Every verb is run by both and
// the outcomes compared; where they differ on purpose the test says so.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import { type Result, ROOTFS, RUNT } from "../helpers/harness.ts";
import { type AsUserOpts, canMakeUsers, TestUser } from "../helpers/test-user.ts";

const RUNC = "/usr/sbin/runc";
const usable = canMakeUsers && existsSync(RUNC) && existsSync(ROOTFS);

let user: TestUser;
let uid = 0;
let gid = 0;
/** The user's scratch directory and XDG_RUNTIME_DIR (TestUser). */
let base = "";
let xdg = "";
let serial = 0;
/** [runtime, id] of every container made, removed in afterAll. */
const made: [Runtime, string][] = [];
/** Cgroup directories the test made for the user (delegation), removed in afterAll. */
const cgroupDirs: string[] = [];

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

const asUser = (cmd: string, args: string[], opts: AsUserOpts = {}): Result =>
  user.run(cmd, args, opts);

const RUNTIMES = [
  ["runt", RUNT],
  ["runc", RUNC],
] as const;
type Runtime = (typeof RUNTIMES)[number][0];
const binOf = (rt: Runtime) => (rt === "runt" ? RUNT : RUNC);

/** A runtime verb as the user; the runtime's warnings about ambient caps are dropped. */
function rt(runtime: Runtime, args: string[], opts: AsUserOpts = {}): Result {
  const r = asUser(binOf(runtime), args, opts);
  const stderr = r.stderr
    .split("\n")
    .filter(
      (l) =>
        !l.includes("process.capabilities.ambient") &&
        !l.includes("may fail if you don't have the full access to cgroups"),
    )
    .join("\n")
    .trim();
  return { ...r, stderr };
}

function newId(runtime: Runtime): string {
  const id = `rl-${process.pid}-${++serial}`;
  made.push([runtime, id]);
  return id;
}

/** `runt spec --rootless` as the user, edited: a bundle the user owns on the busybox rootfs. */
function userSpec(args: string[], edit?: (s: Spec) => void): Spec {
  const dir = mkdtempSync(join(base, "spec-"));
  chownSync(dir, uid, gid);
  const r = asUser(RUNT, ["spec", "--rootless", "--bundle", dir]);
  if (r.status !== 0) throw new Error(`runt spec --rootless: ${r.stderr}`);
  const spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Spec;
  rmSync(dir, { recursive: true, force: true });
  spec.root = { path: ROOTFS, readonly: true };
  if (spec.process) {
    spec.process.terminal = false;
    spec.process.args = args;
  }
  edit?.(spec);
  return spec;
}

function userBundle(spec: Spec): string {
  const dir = mkdtempSync(join(base, "bundle-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
  chownSync(dir, uid, gid);
  chownSync(join(dir, "config.json"), uid, gid);
  return dir;
}

function stateOf(runtime: Runtime, id: string): { status: string; pid: number } | null {
  const r = rt(runtime, ["state", id]);
  return r.status === 0 ? (JSON.parse(r.stdout) as { status: string; pid: number }) : null;
}

/** The user's own (v1 memory) cgroup, where a container without one of its own stays. */
function ownLine(text: string): string | undefined {
  return text.split("\n").find((l) => /^\d+:memory:/.test(l));
}

beforeAll(() => {
  if (!usable) return;
  user = new TestUser(`rlt${process.pid}`);
  ({ uid, gid, base, xdg } = user);
});

afterAll(() => {
  if (!usable || uid === 0) return;
  for (const [runtime, id] of made) rt(runtime, ["delete", "--force", id]);
  for (const dir of cgroupDirs.reverse()) {
    for (let i = 0; i < 50 && existsSync(dir); i++) {
      spawnSync("rmdir", [dir]);
      if (existsSync(dir)) Bun.sleepSync(20);
    }
  }
  user.remove();
});

describe.skipIf(!usable)("rootless, as an unprivileged user, runt beside runc", () => {
  test("spec --rootless: what runc spec --rootless writes, the user's own ids mapped to 0", () => {
    const dirs = RUNTIMES.map(([name, bin]) => {
      const dir = mkdtempSync(join(base, `spec-${name}-`));
      chownSync(dir, uid, gid);
      const r = asUser(bin, ["spec", "--rootless", "--bundle", dir]);
      expect(r.status).toBe(0);
      return JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Spec;
    });
    const [ours, runc] = dirs as [Spec, Spec];
    expect(ours.linux?.uidMappings).toEqual([{ containerID: 0, hostID: uid, size: 1 }]);
    expect(ours.linux?.gidMappings).toEqual([{ containerID: 0, hostID: gid, size: 1 }]);
    expect(ours.linux?.uidMappings).toEqual(runc.linux?.uidMappings ?? []);
    expect(ours.linux?.gidMappings).toEqual(runc.linux?.gidMappings ?? []);
    expect(ours.linux?.namespaces).toEqual(runc.linux?.namespaces ?? []);
    expect(ours.mounts).toEqual(runc.mounts ?? []);
    expect(ours.linux?.resources).toBeUndefined();
    expect(runc.linux?.resources).toBeUndefined();
    const missing = asUser(RUNT, ["spec", "--rootless", "--bundle", join(base, "no-such-dir")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("the bundle directory does not exist");
  });

  test("run: the same user namespace (own ids, setgroups deny) and no cgroup of its own", () => {
    const script =
      "id; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; cat /proc/self/cgroup; ls -ln /dev/null /dev/zero";
    const before = statSync("/dev/null");
    const out: Partial<Record<Runtime, string>> = {};
    for (const [name] of RUNTIMES) {
      const r = rt(
        name,
        ["run", "--bundle", userBundle(userSpec(["sh", "-c", script])), newId(name)],
        {
          devNull: true,
        },
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      out[name] = r.stdout.replace(/[ \t]+/g, " ").replace(/ \w{3} +\d+ +[\d:]+ /g, " DATE ");
    }
    expect(out.runt).toBe(out.runc as string);
    expect(out.runt).toContain(`0 ${uid} 1\n 0 ${gid} 1\ndeny`);
    // Its cgroups are runt's own: nothing writable, so none was made.
    const own = ownLine(readFileSync("/proc/self/cgroup", "utf8"));
    expect(ownLine(out.runt ?? "")).toBe(own as string);
    // stdin was the host's /dev/null: its owner and mode did not change.
    const after = statSync("/dev/null");
    expect([after.uid, after.gid, after.mode]).toEqual([before.uid, before.gid, before.mode]);
    expect([after.uid, after.mode & 0o777]).toEqual([0, 0o666]);
  });

  test("the state root is $XDG_RUNTIME_DIR/runt, 0700 and sticky, as runc's $XDG_RUNTIME_DIR/runc", () => {
    for (const [name] of RUNTIMES) {
      const id = newId(name);
      expect(rt(name, ["create", "--bundle", userBundle(userSpec(["true"])), id]).status).toBe(0);
      const root = join(xdg, name);
      const st = statSync(root);
      expect([st.uid, st.mode & 0o7777]).toEqual([uid, 0o1700]);
      expect(existsSync(join(root, id))).toBe(true);
      expect(rt(name, ["delete", "--force", id]).status).toBe(0);
      expect(existsSync(join(root, id))).toBe(false);
    }
  });

  test("neither --root nor XDG_RUNTIME_DIR: a clear error, nothing made", () => {
    const spec = userSpec(["true"]);
    const r = rt("runt", ["run", "--bundle", userBundle(spec), "nowhere"], {
      env: { XDG_RUNTIME_DIR: "" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("XDG_RUNTIME_DIR is not set");
    expect(r.stderr).toContain("--root");
    // runc fails too, with its mkdir's permission error.
    const c = rt("runc", ["run", "--bundle", userBundle(spec), "nowhere"], {
      env: { XDG_RUNTIME_DIR: "" },
    });
    expect(c.status).not.toBe(0);
    expect(c.stderr).toContain("permission denied");
  });

  test("create, state, list, start, exec, exec -t, ps, kill, delete: as runc, ps better", () => {
    for (const [name] of RUNTIMES) {
      const id = newId(name);
      // Two processes, the second a child of PID 1, which the kernel reaps when it goes.
      const bundle = userBundle(userSpec(["sh", "-c", "sleep 999 & exec sleep 1000"]));
      const c = rt(name, ["create", "--bundle", bundle, id], { devNull: true });
      expect(c.stderr).toBe("");
      expect(c.status).toBe(0);
      expect(stateOf(name, id)?.status).toBe("created");
      const list = rt(name, ["list"]);
      expect(list.status).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`${id}\\s+\\d+\\s+created\\s+${bundle}\\s`));
      expect(list.stdout).toContain(user.name);
      expect(rt(name, ["start", id]).status).toBe(0);
      const st = stateOf(name, id);
      expect(st?.status).toBe("running");
      const e = rt(name, ["exec", id, "sh", "-c", "id -u; cat /proc/self/uid_map"]);
      expect(e.stderr).toBe("");
      expect(e.stdout.replace(/\s+/g, " ").trim()).toBe(`0 0 ${uid} 1`);
      // setgroups is denied in a namespace the user mapped itself: both refuse, 255.
      const g = rt(name, ["exec", "--additional-gids", "5", id, "id"]);
      expect(g.status).toBe(255);
      expect(g.stderr).toMatch(/additional groups|additionalGids/);
      // exec -t in a terminal that script(1) makes for the user.
      const t = asUser("script", [
        "-qec",
        `${binOf(name)} exec -t ${id} sh -c 'tty; id -u'`,
        "/dev/null",
      ]);
      expect(t.status).toBe(0);
      // script(1) echoes the end of its empty stdin into the pty as "^@"; a line may
      // pass its own pty's onlcr before the runtime makes it raw (runc's too): \r\r\n.
      expect(t.stdout.replace(/\^@|\r/g, "")).toMatch(/\/dev\/pts\/\d+\n0\n/);
      const ps = rt(name, ["ps", "--format", "json", id]);
      if (name === "runt") {
        // No cgroup: runt finds the processes in the container's PID namespace.
        expect(ps.status).toBe(0);
        const pids = JSON.parse(ps.stdout) as number[];
        expect(pids).toContain(st?.pid as number);
        expect(pids.length).toBe(2);
      } else {
        // runc 1.1.5 reads them from the cgroup it does not have.
        expect(ps.status).toBe(1);
        expect(ps.stderr).toContain("unable to get all container pids");
      }
      expect(rt(name, ["kill", id, "KILL"]).status).toBe(0);
      for (let i = 0; i < 200 && stateOf(name, id)?.status !== "stopped"; i++) Bun.sleepSync(10);
      expect(stateOf(name, id)?.status).toBe("stopped");
      expect(rt(name, ["delete", id]).status).toBe(0);
      expect(stateOf(name, id)).toBeNull();
      expect(existsSync(join(xdg, name, id))).toBe(false);
    }
  });

  test("no cgroup: pause and update fail saying why (runc fails too); kill --all reaches every process", () => {
    for (const [name] of RUNTIMES) {
      const id = newId(name);
      const bundle = userBundle(userSpec(["sh", "-c", "sleep 998 & exec sleep 1000"]));
      expect(rt(name, ["run", "-d", "--bundle", bundle, id], { devNull: true }).status).toBe(0);
      const pause = rt(name, ["pause", id]);
      expect(pause.status).toBe(1);
      const update = rt(name, ["update", "--pids-limit", "10", id]);
      expect(update.status).toBe(1);
      if (name === "runt") {
        expect(pause.stderr).toContain("no freezer cgroup");
        expect(update.stderr).toContain("no writable pids cgroup");
      } else {
        expect(pause.stderr).toContain("cgroups not configured for container");
        expect(update.stderr).toContain("cannot set pids limit");
      }
      expect(stateOf(name, id)?.status).toBe("running");
      // SIGTERM: PID 1 of the namespace ignores it (no handler), its child dies.
      const all = rt(name, ["kill", "--all", id, "TERM"]);
      if (name === "runt") {
        expect(all.status).toBe(0);
        const init = stateOf(name, id)?.pid as number;
        const left = () => JSON.parse(rt(name, ["ps", "--format", "json", id]).stdout) as number[];
        for (let i = 0; i < 200 && left().length > 1; i++) Bun.sleepSync(10);
        expect(left()).toEqual([init]);
        expect(stateOf(name, id)?.status).toBe("running");
      } else {
        // runc 1.1.5's kill --all needs the cgroup's pid list.
        expect(all.status).toBe(1);
      }
      expect(rt(name, ["delete", "--force", id]).status).toBe(0);
    }
  });

  test("linux.resources without a writable cgroup: refused naming the field, nothing left", () => {
    for (const [name] of RUNTIMES) {
      const id = newId(name);
      const spec = userSpec(["true"], (s) => {
        if (s.linux) s.linux.resources = { pids: { limit: 10 } };
      });
      const r = rt(name, ["run", "--bundle", userBundle(spec), id]);
      expect(r.status).toBe(1);
      if (name === "runt")
        expect(r.stderr).toContain("linux.resources.pids.limit: cannot be applied");
      else expect(r.stderr).toContain("cannot set pids limit");
      expect(existsSync(join(xdg, name, id))).toBe(false);
    }
  });

  test("linux.cgroupsPath the user cannot write: refused (runc too)", () => {
    for (const [name] of RUNTIMES) {
      const id = newId(name);
      const spec = userSpec(["true"], (s) => {
        if (s.linux) s.linux.cgroupsPath = `/rl-nowrite-${process.pid}/${id}`;
      });
      const r = rt(name, ["run", "--bundle", userBundle(spec), id]);
      expect(r.status).toBe(1);
      if (name === "runt") expect(r.stderr).toContain("linux.cgroupsPath: runt runs rootless");
      else expect(r.stderr).toContain("permission denied");
      expect(existsSync(join(xdg, name, id))).toBe(false);
    }
    expect(existsSync(`/sys/fs/cgroup/pids/rl-nowrite-${process.pid}`)).toBe(false);
  });

  test("several id ranges: newuidmap/newgidmap with /etc/subuid and /etc/subgid, as runc", () => {
    const start = 200_000 + (process.pid % 1000) * 65_536;
    user.addSubids(start, 65_536);
    const maps = (own: number) => [
      { containerID: 0, hostID: own, size: 1 },
      { containerID: 1, hostID: start, size: 65_536 },
    ];
    const script =
      "id; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; touch /tmp/x; stat -c %u:%g /tmp/x";
    const out: Partial<Record<Runtime, string>> = {};
    for (const [name] of RUNTIMES) {
      const spec = userSpec(["sh", "-c", script], (s) => {
        if (!s.linux || !s.process) return;
        s.linux.uidMappings = maps(uid);
        s.linux.gidMappings = maps(gid);
        s.process.user = { uid: 1000, gid: 1000 };
        s.mounts?.push({
          destination: "/tmp",
          type: "tmpfs",
          source: "tmpfs",
          options: ["mode=1777"],
        });
      });
      const r = rt(name, ["run", "--bundle", userBundle(spec), newId(name)]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      out[name] = r.stdout.replace(/[ \t]+/g, " ");
    }
    // One difference, on purpose: runc leaves a rootless process the supplementary
    // groups of its caller (the user's own group, mapped to 0); runt clears them.
    expect(out.runc).toContain("uid=1000 gid=1000 groups=0(root)\n");
    expect(out.runt).toBe((out.runc as string).replace(" groups=0(root)\n", "\n"));
    expect(out.runt).toContain("uid=1000 gid=1000");
    expect(out.runt).toContain(` 1 ${start} 65536`);
    expect(out.runt).toContain("allow");
    expect(out.runt).toContain("1000:1000");
  });

  test("ids outside the user's subid ranges: an error naming /etc/subuid and the fix", () => {
    const spec = userSpec(["true"], (s) => {
      if (!s.linux) return;
      s.linux.uidMappings = [
        { containerID: 0, hostID: uid, size: 1 },
        { containerID: 1, hostID: 90_000, size: 10 },
      ];
    });
    const id = newId("runt");
    const r = rt("runt", ["run", "--bundle", userBundle(spec), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "linux.uidMappings[1]: host uids 90000-90009 are not in a range /etc/subuid gives",
    );
    expect(r.stderr).toContain("usermod --add-subuids");
    expect(existsSync(join(xdg, "runt", id))).toBe(false);
    const c = rt("runc", ["run", "--bundle", userBundle(spec), newId("runc")]);
    expect(c.status).not.toBe(0);
  });

  test("a cgroup root delegated to the user: limits, pause/resume, update, ps, events, kill --all", () => {
    // Root makes one cgroup per v1 hierarchy and hands it to the user (chown), as a
    // delegation would; the containers go below it through linux.cgroupsPath.
    const parent = `rl-${process.pid}`;
    const hierarchies = [
      "cpu",
      "cpuacct",
      "cpuset",
      "memory",
      "devices",
      "freezer",
      "blkio",
      "pids",
      "systemd",
    ];
    for (const h of hierarchies) {
      const dir = `/sys/fs/cgroup/${h}/${parent}`;
      if (!existsSync(`/sys/fs/cgroup/${h}`)) continue;
      mkdirSync(dir);
      cgroupDirs.push(dir);
      sh("chown", ["-R", `${uid}:${gid}`, dir]);
      if (h === "cpuset") {
        for (const f of ["cpuset.cpus", "cpuset.mems"]) {
          writeFileSync(`${dir}/${f}`, readFileSync(`/sys/fs/cgroup/cpuset/${f}`));
        }
      }
    }
    for (const [name] of RUNTIMES) {
      const id = newId(name);
      const cg = `/${parent}/${id}`;
      const spec = userSpec(["sh", "-c", "sleep 997 & exec sleep 1000"], (s) => {
        if (!s.linux) return;
        s.linux.cgroupsPath = cg;
        s.linux.resources = { pids: { limit: 20 } };
      });
      const r = rt(name, ["run", "-d", "--bundle", userBundle(spec), id], { devNull: true });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const pids = `/sys/fs/cgroup/pids${cg}`;
      expect(readFileSync(`${pids}/pids.max`, "utf8").trim()).toBe("20");
      const pid = stateOf(name, id)?.pid as number;
      expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toContain(`:pids:${cg}\n`);
      expect(rt(name, ["pause", id]).status).toBe(0);
      expect(stateOf(name, id)?.status).toBe("paused");
      expect(readFileSync(`/sys/fs/cgroup/freezer${cg}/freezer.state`, "utf8").trim()).toBe(
        "FROZEN",
      );
      expect(rt(name, ["resume", id]).status).toBe(0);
      expect(stateOf(name, id)?.status).toBe("running");
      expect(rt(name, ["update", "--pids-limit", "30", id]).status).toBe(0);
      expect(readFileSync(`${pids}/pids.max`, "utf8").trim()).toBe("30");
      const ps = rt(name, ["ps", "--format", "json", id]);
      expect(ps.status).toBe(0);
      expect((JSON.parse(ps.stdout) as number[]).length).toBe(2);
      const ev = rt(name, ["events", "--stats", id]);
      expect(ev.status).toBe(0);
      expect(
        (JSON.parse(ev.stdout) as { data: { pids: { current: number } } }).data.pids.current,
      ).toBe(2);
      expect(rt(name, ["kill", "--all", id, "KILL"]).status).toBe(0);
      for (let i = 0; i < 200 && stateOf(name, id)?.status !== "stopped"; i++) Bun.sleepSync(10);
      expect(stateOf(name, id)?.status).toBe("stopped");
      expect(rt(name, ["delete", id]).status).toBe(0);
      expect(existsSync(pids)).toBe(false);
    }
  });

  test("a cgroup v2 subtree delegated to the user: its cgroup, freeze, ps, events, kill --all, delete, the default path", () => {
    // This host is hybrid: cgroup v2 is exercised in a private mount namespace with
    // the cgroup2 hierarchy mounted at /sys/fs/cgroup, a subtree chowned to the user
    // and the user's shell moved into it, as systemd's delegation leaves a session
    // (v2 asks for write access to the common ancestor's cgroup.procs to move in).
    // Only hugetlb is free for v2 here, and enabling it means writing the root's
    // subtree_control, so v2 limits are left to the v1 test above.
    const parent = `rl2-${process.pid}`;
    const script = join(base, "v2.sh");
    writeFileSync(
      script,
      `R=$1; B=$2; G=/sys/fs/cgroup/${parent}/c1
$R run -d --bundle $B c1 </dev/null >/dev/null 2>&1; echo "run=$?"
for i in $(seq 100); do [ "$(wc -l < $G/cgroup.procs)" = 2 ] && break; sleep 0.02; done
echo "procs=$(wc -l < $G/cgroup.procs)"
$R pause c1; echo "pause=$? freeze=$(cat $G/cgroup.freeze) $($R state c1 | grep -o '"status": "[a-z]*"')"
$R resume c1; echo "resume=$? freeze=$(cat $G/cgroup.freeze)"
echo "ps=$($R ps --format json c1 2>/dev/null | tr -d '0-9' )"
$R events --stats c1 >/dev/null 2>&1; echo "events=$?"
$R kill --all c1 KILL; echo "killall=$?"
for i in $(seq 100); do $R state c1 | grep -q '"stopped"' && break; sleep 0.02; done
echo "$($R state c1 | grep -o '"status": "[a-z]*"')"
$R delete c1; echo "delete=$? $(test -d $G && echo left || echo gone)"
$R run -d --bundle $3 c2 </dev/null >/dev/null 2>&1; echo "default=$?"
P=$($R state c2 | grep '"pid"' | tr -dc 0-9)
echo "in=$(grep ^0:: /proc/$P/cgroup)"
$R delete --force c2; echo "delete=$? $(test -d /sys/fs/cgroup/${parent}/c2 && echo left || echo gone)"
`,
    );
    const cg = "/sys/fs/cgroup/unified";
    cgroupDirs.push(`${cg}/${parent}`, `${cg}/${parent}/sess`);
    const out: Partial<Record<Runtime, string>> = {};
    for (const [name] of RUNTIMES) {
      const bundle = userBundle(
        userSpec(["sh", "-c", "sleep 999 & exec sleep 1000"], (s) => {
          if (s.linux) s.linux.cgroupsPath = `/${parent}/c1`;
        }),
      );
      // No cgroupsPath: beside the caller's own cgroup, in the delegated subtree (runc's rule).
      const byDefault = userBundle(userSpec(["sleep", "1000"]));
      const setup = [
        "mount --make-rprivate /",
        "umount -R /sys/fs/cgroup",
        "mount -t cgroup2 none /sys/fs/cgroup",
        `mkdir -p /sys/fs/cgroup/${parent}/sess`,
        `chown -R ${uid}:${gid} /sys/fs/cgroup/${parent}`,
        `echo $$ > /sys/fs/cgroup/${parent}/sess/cgroup.procs`,
        `exec setpriv --reuid ${uid} --regid ${gid} --init-groups env XDG_RUNTIME_DIR=${xdg} PATH=/usr/bin:/bin:/usr/sbin sh ${script} ${binOf(name)} ${bundle} ${byDefault}`,
      ].join(" && ");
      const r = spawnSync("unshare", ["-m", "sh", "-c", setup], {
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(r.status).toBe(0);
      out[name] = r.stdout;
    }
    expect(out.runt).toBe(out.runc as string);
    expect(out.runt).toBe(
      [
        "run=0",
        "procs=2",
        'pause=0 freeze=1 "status": "paused"',
        "resume=0 freeze=0",
        "ps=[,]",
        "events=0",
        "killall=0",
        '"status": "stopped"',
        "delete=0 gone",
        "default=0",
        `in=0::/${parent}/c2`,
        "delete=0 gone",
        "",
      ].join("\n"),
    );
  });

  test("confinement holds rootless: masked and read-only paths, seccomp, capabilities", () => {
    const script = [
      "grep -E '^Cap(Eff|Bnd|Inh|Amb)' /proc/self/status",
      "stat -c 'keys %t:%T' /proc/keys",
      "ls /sys/firmware | wc -l",
      "(echo x > /proc/sys/kernel/domainname) 2>/dev/null && echo sys-writable || echo sys-ro",
      "mkdir /tmp/d 2>/dev/null && echo mkdir-ok || echo mkdir-denied",
      "mknod /tmp/n c 1 3 2>/dev/null && echo mknod-ok || echo mknod-denied",
      "touch /etc/x 2>/dev/null && echo rootfs-writable || echo rootfs-ro",
    ].join("; ");
    const out: Partial<Record<Runtime, string>> = {};
    for (const [name] of RUNTIMES) {
      const spec = userSpec(["sh", "-c", script], (s) => {
        if (!s.linux || !s.process?.capabilities) return;
        s.mounts?.push({
          destination: "/tmp",
          type: "tmpfs",
          source: "tmpfs",
          options: ["mode=1777"],
        });
        s.linux.seccomp = {
          defaultAction: "SCMP_ACT_ALLOW",
          syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
        };
        // runc spec --rootless raises ambient caps; runt spec does not (CVE-2022-29162).
        delete s.process.capabilities.ambient;
      });
      const r = rt(name, ["run", "--bundle", userBundle(spec), newId(name)]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      out[name] = r.stdout;
    }
    expect(out.runt).toBe(out.runc as string);
    // CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE: bits 29, 5, 10.
    expect(out.runt).toContain("CapEff:\t0000000020000420\nCapBnd:\t0000000020000420\n");
    expect(out.runt).toContain("keys 1:3\n0\nsys-ro\nmkdir-denied\nmknod-denied\nrootfs-ro\n");
  });
});
