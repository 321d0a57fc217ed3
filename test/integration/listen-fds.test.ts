// Socket activation (LISTEN_FDS/LISTEN_PID, as runc) and pid files of run -d.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
} from "../helpers/runt.ts";

const dirs: string[] = [];
afterEach(() => {
  cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(cleanupAll);

/** runt run with fd 3 open on a file, started through sh so LISTEN_PID can name runt. */
function runWithListenFd(listenPid: string): string {
  const dir = mkdtempSync("/tmp/runt-listen-");
  dirs.push(dir);
  writeFileSync(join(dir, "sock"), "the listening socket\n");
  const fd = openSync(join(dir, "sock"), "r");
  const bundle = makeBundle(
    testSpec(["sh", "-c", 'echo "fds=$LISTEN_FDS pid=$LISTEN_PID"; cat <&3 || echo no-fd-3']),
  );
  try {
    const r = spawnSync(
      "/bin/sh",
      [
        "-c",
        `LISTEN_PID=${listenPid} LISTEN_FDS=1 exec ${RUNT} --root ${STATE_ROOT} run -b ${bundle} ${newId("listen")}`,
      ],
      { stdio: ["ignore", "pipe", "pipe", fd], encoding: "utf8" },
    );
    return r.stdout;
  } finally {
    closeSync(fd);
  }
}

describe("socket activation", () => {
  test("LISTEN_FDS fds reach the container, which is told LISTEN_FDS and LISTEN_PID=1", () => {
    expect(runWithListenFd("$$")).toBe("fds=1 pid=1\nthe listening socket\n");
  });

  test("LISTEN_PID naming another process is ignored", () => {
    const out = runWithListenFd("1");
    expect(out).toStartWith("fds= pid=\n");
    expect(out).toContain("no-fd-3");
  });
});

describe("pid files", () => {
  test("run -d writes the container's pid to --pid-file", () => {
    const dir = mkdtempSync("/tmp/runt-pidfile-");
    dirs.push(dir);
    const id = newId("pidf");
    const file = join(dir, "c.pid");
    const r = runt([
      "run",
      "-d",
      "--pid-file",
      file,
      "-b",
      makeBundle(testSpec(["sleep", "100"])),
      id,
    ]);
    expect(r.status).toBe(0);
    expect(Number(readFileSync(file, "utf8"))).toBe(JSON.parse(runt(["state", id]).stdout).pid);
  });
});
