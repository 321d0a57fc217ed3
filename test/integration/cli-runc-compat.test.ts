// The CLI as runc's own tests read it, with real containers: the name runt is invoked
// as, --debug lines of run/create/start, kill -a ID 0, ps options after the id, and
// checkpoint's checks before its refusal.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
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

const tmp = mkdtempSync("/tmp/runt-cli-compat-");
afterEach(cleanup);
afterAll(() => {
  cleanupAll();
  rmSync(tmp, { recursive: true, force: true });
});

const state = (id: string) => JSON.parse(runt(["state", id]).stdout).status as string;

function detached(args = ["sleep", "1000"]): string {
  const id = newId("compat");
  const r = runt(["run", "-d", "-b", makeBundle(testSpec(args)), id]);
  expect(r).toMatchObject({ status: 0, stderr: "" });
  return id;
}

describe("the name it is invoked as", () => {
  test("a symlink named runc says runc in its help and version", () => {
    const runc = join(tmp, "runc");
    symlinkSync(RUNT, runc);
    const v = spawnSync(runc, ["--version"], { encoding: "utf8" });
    expect(v.status).toBe(0);
    expect(v.stdout.split("\n")[0]).toMatch(/^runc version \d+\.\d+\.\d+$/);
    const h = spawnSync(runc, ["delete", "--help"], { encoding: "utf8" });
    expect(h.stdout.split("\n").slice(0, 2)).toEqual([
      "NAME:",
      "   runc delete - remove a container and everything it made",
    ]);
    const own = spawnSync(RUNT, ["--version"], { encoding: "utf8" });
    expect(own.stdout).toStartWith(`${RUNT.split("/").pop()} version `);
  });
});

describe("--debug on run, create and start", () => {
  const steps = [
    "nsexec container setup",
    "child process in init()",
    "init: closing the pipe to signal completion",
  ];

  test("run: runc's step names as text entries on stderr, with milliseconds", () => {
    const r = runt([
      "--debug",
      "run",
      "-b",
      makeBundle(testSpec(["echo", "Hello World"])),
      newId("dbg"),
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("Hello World\n");
    const debug = r.stderr.split("\n").filter((l) => l.includes("level=debug"));
    for (const step of [...steps, "start: exec fifo released", "exited with status 0"]) {
      const line = debug.find((l) => l.includes(step));
      expect(line).toMatch(/^time="[^"]+" level=debug msg=".*\(at [\d.]+ ms, \+[\d.]+ ms\)"$/);
    }
    // Nothing but debug entries: the container's output went to stdout alone.
    expect(r.stderr.trim().split("\n").length).toBe(debug.length);
  });

  test("--log FILE: the debug lines go there, none to stderr; json as runc's", () => {
    const log = join(tmp, "run.log");
    const r = runt([
      "--log",
      log,
      "--log-format",
      "json",
      "--debug",
      "run",
      "-b",
      makeBundle(testSpec(["true"])),
      newId("dbg"),
    ]);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    const entries = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
    for (const step of steps) {
      expect(entries.some((e) => e.level === "debug" && e.msg.startsWith(step))).toBe(true);
    }
  });

  test("create and start each say what they did", () => {
    const id = newId("dbg");
    const c = runt(["--debug", "create", "-b", makeBundle(testSpec(["sleep", "1000"])), id]);
    expect(c.status).toBe(0);
    for (const step of steps) expect(c.stderr).toContain(step);
    const s = runt(["--debug", "start", id]);
    expect(s.status).toBe(0);
    expect(s.stderr).toMatch(/level=debug msg="start: exec fifo released: pid \d+/);
  });

  test("a reader that goes away (| head -1) does not stop the run halfway", () => {
    const id = newId("pipe");
    const bundle = makeBundle(testSpec(["sh", "-c", `sleep 0.2; touch /tmp/done`]));
    // The container writes its mark into a bind mount of the test's own directory.
    const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    spec.mounts.push({ destination: "/tmp", type: "bind", source: tmp, options: ["rbind"] });
    writeFileSync(join(bundle, "config.json"), JSON.stringify(spec));
    const r = spawnSync(
      "bash",
      [
        "-c",
        `"$0" --root "$1" --debug run -b "$2" "$3" 2>&1 | head -1; echo "status \${PIPESTATUS[0]}"`,
        RUNT,
        STATE_ROOT,
        bundle,
        id,
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.stdout).toMatch(/^time="[^"]+" level=debug msg="\S+ [\d.]+ \(\S+\) run: /);
    // The container ran to its end, runt exited with its status and left no state.
    expect(r.stdout.trim().split("\n").pop()).toBe("status 0");
    expect(existsSync(join(tmp, "done"))).toBe(true);
    expect(runt(["state", id]).status).toBe(1);
    rmSync(join(tmp, "done"));
  });

  test("--log without --debug: the file is created, and stays empty on success", () => {
    const log = join(tmp, "quiet.log");
    expect(runt(["--log", log, "list"]).status).toBe(0);
    expect(existsSync(log)).toBe(true);
    expect(readFileSync(log, "utf8")).toBe("");
  });
});

describe("kill", () => {
  test("signal 0 with --all works on a stopped container; without --all it is not running", async () => {
    const id = detached();
    expect(runt(["kill", id, "0"]).status).toBe(0);
    expect(runt(["kill", id, "KILL"]).status).toBe(0);
    expect(await until(() => state(id) === "stopped")).toBe(true);
    expect(runt(["kill", "-a", id, "0"])).toMatchObject({ status: 0, stderr: "" });
    const r = runt(["kill", id, "0"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("container not running");
    expect(runt(["delete", id]).status).toBe(0);
  });
});

describe("ps", () => {
  test("options after the id are ps's (runc ps ID -e -x)", () => {
    const id = detached();
    const r = runt(["ps", id, "-e", "-x"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\s+PID\s+TTY\s+STAT\s+TIME\s+COMMAND/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("sleep 1000");
  });
});

describe("checkpoint", () => {
  test("runc's checks of --parent-path, then a refusal that leaves the container running", () => {
    const id = detached();
    const abs = runt(["checkpoint", "--parent-path", "/abs/parent", id]);
    expect(abs.status).toBe(1);
    expect(abs.stderr).toContain("--parent-path must be relative");
    const missing = runt([
      "checkpoint",
      "--parent-path",
      "./parent-dir",
      "--image-path",
      join(tmp, "image-dir"),
      id,
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("invalid --parent-path");
    const r = runt(["checkpoint", "--image-path", join(tmp, "image-dir"), id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("not supported by runt");
    expect(existsSync(join(tmp, "image-dir"))).toBe(false);
    expect(state(id)).toBe("running");
  });

  test("a created container cannot be checkpointed, as runc says", () => {
    const id = newId("cr");
    expect(runt(["create", "-b", makeBundle(testSpec(["sleep", "1000"])), id]).status).toBe(0);
    const r = runt(["checkpoint", id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot be checkpointed in created state");
  });
});
