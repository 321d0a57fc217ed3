// The verbs around a container, on real busybox containers: create/start/state/list,
// kill, delete, foreground run with exit codes and signals, and clean failure.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  alive,
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  ROOTFS,
  RUNT,
  runContainer,
  runt,
  STATE_ROOT,
  testSpec,
  until,
} from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(cleanupAll);

const CGROUP_ROOT = "/sys/fs/cgroup";

/** Every cgroup directory named after the container, in any hierarchy. */
function cgroupDirs(id: string): string[] {
  return readdirSync(CGROUP_ROOT)
    .map((h) => join(CGROUP_ROOT, h, "runt", id))
    .filter((d) => existsSync(d));
}

function stateOf(id: string): { status: string; pid: number } {
  const r = runt(["state", id]);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("foreground run", () => {
  test("runt's exit status is the container's", () => {
    const r = runContainer(testSpec(["sh", "-c", "echo out; echo err >&2; exit 7"]));
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
    expect(r.status).toBe(7);
  });

  test("a signal runt receives is forwarded to the container", async () => {
    const bundle = makeBundle(
      testSpec([
        "sh",
        "-c",
        "trap 'echo got TERM; exit 42' TERM; echo up; while :; do sleep 0.05; done",
      ]),
    );
    const id = newId("fwd");
    const child = spawn(RUNT, ["--root", STATE_ROOT, "run", "-b", bundle, id]);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    expect(await until(() => out.includes("up"))).toBe(true);
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((res) => child.on("exit", res));
    expect(out).toContain("got TERM");
    expect(code).toBe(42);
    // run removes the container once it has exited.
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
  });

  test("a container killed by a signal gives 128+N", async () => {
    const bundle = makeBundle(testSpec(["sleep", "100"]));
    const id = newId("sig");
    const child = spawn(RUNT, ["--root", STATE_ROOT, "run", "-b", bundle, id]);
    expect(await until(() => runt(["state", id]).stdout.includes('"running"'))).toBe(true);
    expect(runt(["kill", id, "KILL"]).status).toBe(0);
    const code = await new Promise<number | null>((res) => child.on("exit", res));
    expect(code).toBe(137);
  });
});

describe("create, start, state, list, kill, delete", () => {
  test("a container walks created -> running -> stopped, and delete removes everything", async () => {
    const bundle = makeBundle(testSpec(["sleep", "100"]));
    const id = newId("life");
    const pidFile = join(bundle, "pid");
    const c = runt(["create", "--bundle", bundle, "--pid-file", pidFile, id]);
    expect(c.stderr).toBe("");
    expect(c.status).toBe(0);
    const created = stateOf(id);
    expect(created.status).toBe("created");
    expect(Number(readFileSync(pidFile, "utf8"))).toBe(created.pid);
    expect(alive(created.pid)).toBe(true);
    // The init waits on the exec fifo: the user's process has not started yet.
    expect(readFileSync(`/proc/${created.pid}/cmdline`, "utf8")).not.toContain("sleep");
    expect(cgroupDirs(id).length).toBeGreaterThan(0);

    expect(runt(["list", "-q"]).stdout.split("\n")).toContain(id);
    const table = runt(["list"]).stdout;
    expect(table).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER/);
    expect(table).toMatch(new RegExp(`${id}\\s+${created.pid}\\s+created\\s+${bundle}`));
    const json = JSON.parse(runt(["list", "--format", "json"]).stdout) as {
      id: string;
      status: string;
    }[];
    expect(json.find((s) => s.id === id)?.status).toBe("created");

    expect(runt(["start", id]).status).toBe(0);
    const running = stateOf(id);
    expect(running.status).toBe("running");
    expect(running.pid).toBe(created.pid);
    expect(
      await until(() => readFileSync(`/proc/${created.pid}/cmdline`, "utf8").startsWith("sleep")),
    ).toBe(true);

    const again = runt(["start", id]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("only a created container can be started");

    const del = runt(["delete", id]);
    expect(del.status).toBe(1);
    expect(del.stderr).toContain("running");

    expect(runt(["kill", id, "KILL"]).status).toBe(0);
    expect(await until(() => stateOf(id).status === "stopped")).toBe(true);
    expect(runt(["delete", id]).status).toBe(0);
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
    expect(cgroupDirs(id)).toEqual([]);
    expect(runt(["state", id]).stderr).toContain("does not exist");
  });

  test("delete --force kills a running container with children and leaves no cgroup", async () => {
    const bundle = makeBundle(testSpec(["sh", "-c", "sleep 100 & sleep 100 & wait"]));
    const id = newId("force");
    expect(runt(["run", "-d", "--bundle", bundle, id]).status).toBe(0);
    const { pid } = stateOf(id);
    expect(
      await until(
        () =>
          readFileSync(join(cgroupDirs(id)[0] ?? "", "cgroup.procs"), "utf8")
            .trim()
            .split("\n").length >= 3,
      ),
    ).toBe(true);
    expect(runt(["delete", "--force", id]).status).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(cgroupDirs(id)).toEqual([]);
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
  });

  test("kill --all signals every process in the container", async () => {
    const bundle = makeBundle(testSpec(["sh", "-c", "sleep 100 & sleep 100 & wait"]));
    const id = newId("all");
    expect(runt(["run", "-d", "--bundle", bundle, id]).status).toBe(0);
    const procs = () => readFileSync(join(cgroupDirs(id)[0] ?? "", "cgroup.procs"), "utf8").trim();
    expect(await until(() => procs().split("\n").length >= 3)).toBe(true);
    expect(runt(["kill", "--all", id, "KILL"]).status).toBe(0);
    expect(await until(() => procs() === "")).toBe(true);
    expect(stateOf(id).status).toBe("stopped");
  });

  test("a created container is not stopped: delete refuses it, delete --force removes it", () => {
    // runtime.md, delete: "MUST generate an error" and have no effect (runc kills it).
    const id = newId("cdel");
    expect(runt(["create", "-b", makeBundle(testSpec(["true"])), id]).status).toBe(0);
    const { pid } = stateOf(id);
    const del = runt(["delete", id]);
    expect(del.status).toBe(1);
    expect(del.stderr).toBe(
      `cannot delete container "${id}" that is created: stop it first or use --force\n`,
    );
    expect(stateOf(id)).toMatchObject({ status: "created", pid });
    expect(alive(pid)).toBe(true);
    expect(runt(["delete", "--force", id]).status).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(cgroupDirs(id)).toEqual([]);
  });

  test("two creates of one id at once: exactly one wins", async () => {
    const bundle = makeBundle(testSpec(["true"]));
    const id = newId("race");
    const one = () =>
      new Promise<{ code: number | null; err: string }>((res) => {
        const p = spawn(RUNT, ["--root", STATE_ROOT, "create", "-b", bundle, id]);
        let err = "";
        p.stderr.on("data", (d) => {
          err += d;
        });
        p.on("exit", (code) => res({ code, err }));
      });
    const results = await Promise.all([one(), one(), one()]);
    expect(results.filter((r) => r.code === 0).length).toBe(1);
    for (const r of results.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(1);
      expect(r.err).toContain("already exists");
    }
    expect(stateOf(id).status).toBe("created");
  });
});

const pick = (r: { status: number; stderr: string }) => ({
  status: r.status,
  stderr: r.stderr,
});

describe("verbs on a missing or wrong-state container answer as runc does", () => {
  test("a missing id: status 1 and one line naming it; delete --force succeeds", () => {
    const id = newId("none");
    for (const verb of ["state", "delete", "kill", "start", "pause", "resume"]) {
      const r = runt([verb, id]);
      expect({ verb, status: r.status, stderr: r.stderr }).toEqual({
        verb,
        status: 1,
        stderr: `container "${id}" does not exist\n`,
      });
    }
    expect(runt(["delete", "--force", id])).toMatchObject({ status: 0, stderr: "" });
  });

  test("an unreadable state.json: every verb says so, and delete --force clears the id", () => {
    const id = newId("bad");
    mkdirSync(join(STATE_ROOT, id), { recursive: true });
    writeFileSync(join(STATE_ROOT, id, "state.json"), "{half");
    const hint = `state of container "${id}" is unreadable; remove it with: runt delete --force ${id}\n`;
    for (const verb of ["state", "delete", "kill", "start"]) {
      expect({ verb, ...pick(runt([verb, id])) }).toEqual({ verb, status: 1, stderr: hint });
    }
    const del = runt(["delete", "--force", id]);
    expect(del.status).toBe(0);
    expect(del.stderr).toContain("removed its state directory");
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
    expect(runt(["state", id]).stderr).toBe(`container "${id}" does not exist\n`);
  });

  test("kill KILL of a paused container stops it (thawed, as runc's); TERM leaves it paused", async () => {
    const id = newId("pk");
    expect(runt(["run", "-d", "-b", makeBundle(testSpec(["sleep", "100"])), id]).status).toBe(0);
    expect(runt(["pause", id]).status).toBe(0);
    expect(runt(["kill", id, "TERM"])).toMatchObject({ status: 0, stderr: "" });
    await Bun.sleep(200);
    expect(stateOf(id).status).toBe("paused");
    expect(runt(["kill", id, "KILL"])).toMatchObject({ status: 0, stderr: "" });
    expect(await until(() => stateOf(id).status === "stopped")).toBe(true);
    expect(runt(["delete", id])).toMatchObject({ status: 0, stderr: "" });
  });

  test("kill with signal 0 checks the init is alive; --all 0 on a stopped one succeeds", async () => {
    const id = newId("sig0");
    expect(runt(["create", "-b", makeBundle(testSpec(["sleep", "100"])), id]).status).toBe(0);
    expect(runt(["kill", id, "0"])).toMatchObject({ status: 0, stderr: "" });
    expect(runt(["start", id]).status).toBe(0);
    expect(runt(["kill", id, "0"])).toMatchObject({ status: 0, stderr: "" });
    expect(stateOf(id).status).toBe("running");
    expect(runt(["kill", id, "KILL"]).status).toBe(0);
    expect(await until(() => stateOf(id).status === "stopped")).toBe(true);
    const k = runt(["kill", id, "0"]);
    expect(k.status).toBe(1);
    expect(k.stderr).toContain("container not running");
    // runc's kill.bats: `kill -a ID 0` after the container stopped works.
    expect(runt(["kill", "--all", id, "0"])).toMatchObject({ status: 0, stderr: "" });
    const s = runt(["start", id]);
    expect(s.status).toBe(1);
    expect(s.stderr).toContain("it is stopped");
    expect(runt(["delete", id]).status).toBe(0);
  });
});

describe("kill -9 of runt while it creates", () => {
  test("delete --force afterwards leaves no state, cgroup, mount or process", async () => {
    const bundle = makeBundle(testSpec(["sleep", "100"]));
    // Only mounts that could be the container's: other software may mount and
    // unmount elsewhere on the host while this runs.
    const ours = () =>
      readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .filter((l) => l.includes(ROOTFS) || l.includes(STATE_ROOT) || l.includes("/runt/"));
    const mountsBefore = ours();
    // Every 4 ms across the whole of a create (about 50 ms here).
    for (let delay = 0; delay <= 72; delay += 4) {
      const id = newId("k9");
      const p = spawn(RUNT, ["--root", STATE_ROOT, "create", "-b", bundle, id], {
        stdio: "ignore",
      });
      // Listen before sleeping: a create that finishes first has exited by then.
      const exited = new Promise((res) => p.on("exit", res));
      await Bun.sleep(delay);
      p.kill("SIGKILL");
      await exited;
      const pid = existsSync(join(STATE_ROOT, id, "state.json"))
        ? (JSON.parse(readFileSync(join(STATE_ROOT, id, "state.json"), "utf8")) as { pid: number })
            .pid
        : 0;
      const del = runt(["delete", "--force", id]);
      expect({ delay, status: del.status, stderr: del.stderr }).toEqual({
        delay,
        status: 0,
        stderr: "",
      });
      expect(existsSync(join(STATE_ROOT, id))).toBe(false);
      expect(cgroupDirs(id)).toEqual([]);
      if (pid) expect(await until(() => !alive(pid))).toBe(true);
    }
    expect(ours()).toEqual(mountsBefore);
  });
});

describe("bad input", () => {
  const leavesNothing = (id: string) => {
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
    expect(cgroupDirs(id)).toEqual([]);
  };

  test("a config.json of the wrong shape names the JSON path, exits 1, leaves nothing", () => {
    const spec = testSpec(["true"]);
    (spec.process as unknown as { args: unknown }).args = "true";
    const id = newId("bad");
    const r = runt(["create", "-b", makeBundle(spec), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("process.args");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    leavesNothing(id);
  });

  test("invalid JSON says where", () => {
    const bundle = makeBundle(testSpec(["true"]));
    writeFileSync(join(bundle, "config.json"), '{"ociVersion": "1.3.0",\n  "root": }');
    const id = newId("json");
    const r = runt(["run", "-b", bundle, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("line 2");
    leavesNothing(id);
  });

  test("a failure inside the init names the config part and leaves nothing", () => {
    const id = newId("mnt");
    const spec = testSpec(["true"], (s) => {
      s.mounts?.push({ destination: "/tmp", type: "nosuchfs", source: "none" });
    });
    const r = runt(["run", "-b", makeBundle(spec), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/mounts\[\d+\]/);
    expect(r.stderr).toContain("nosuchfs");
    leavesNothing(id);
  });

  test("a missing executable fails create, as runc's does", () => {
    const id = newId("noexe");
    const r = runt(["create", "-b", makeBundle(testSpec(["/no/such/thing"])), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("/no/such/thing");
    leavesNothing(id);
  });

  test("no proc mount fails create, as runc's does, not start", () => {
    const id = newId("noproc");
    const spec = testSpec(["true"], (s) => {
      s.mounts = s.mounts?.filter((m) => m.destination !== "/proc");
      if (s.root) s.root.readonly = false;
      if (s.linux) {
        s.linux.maskedPaths = [];
        s.linux.readonlyPaths = [];
      }
    });
    const r = runt(["create", "-b", makeBundle(spec), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("mount proc at /proc");
    leavesNothing(id);
  });

  test("unknown verbs and flags are clear errors", () => {
    const verb = runt(["frobnicate"]);
    expect(verb.status).toBe(1);
    expect(verb.stderr).toContain('unknown command "frobnicate"');
    const flag = runt(["create", "--frob", "x"]);
    expect(flag.status).toBe(1);
    expect(flag.stderr).toContain("unknown flag --frob");
  });

  test("--log-format json writes the error as a JSON line to --log", () => {
    const log = join(makeBundle(testSpec(["true"])), "log.json");
    const r = runt(["--log", log, "--log-format", "json", "state", "nonexistent-id"]);
    expect(r.status).toBe(1);
    const entry = JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1) ?? "{}");
    expect(entry.level).toBe("error");
    expect(entry.msg).toContain("does not exist");
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
  });
});
