// runc's create/run flags that reach the container: --preserve-fds, --no-new-keyring.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
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

afterEach(cleanup);
afterAll(cleanupAll);

describe("--preserve-fds", () => {
  test("fds 3 .. 3+N-1 reach the container; nothing above them does", () => {
    const bundle = makeBundle(
      testSpec(["sh", "-c", "cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr '\\n' ' '"]),
    );
    writeFileSync(join(bundle, "three"), "fd three\n");
    writeFileSync(join(bundle, "four"), "fd four\n");
    writeFileSync(join(bundle, "five"), "fd five\n");
    const fds = ["three", "four", "five"].map((f) => openSync(join(bundle, f), "r"));
    try {
      const r = spawnSync(
        RUNT,
        ["--root", STATE_ROOT, "run", "--preserve-fds", "2", "-b", bundle, newId("pfd")],
        { stdio: ["ignore", "pipe", "pipe", ...fds], encoding: "utf8" },
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      // ls itself holds one more fd for the directory it reads.
      expect(r.stdout).toMatch(/^fd three\nfd four\n0 1 2 3 4 5 $/);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  });
});

describe("session keyring", () => {
  // The container's own /proc/keys hides keys of other pid namespaces' owners, so
  // the keyring is looked for from the host, while the container runs.
  const hostHas = (name: string) =>
    readFileSync("/proc/keys", "utf8")
      .split("\n")
      .some((l) => l.includes(` ${name}: `));

  test("the container joins a new session keyring named after it", () => {
    const id = newId("key");
    expect(runt(["run", "-d", "-b", makeBundle(testSpec(["sleep", "100"])), id]).status).toBe(0);
    expect(hostHas(`_ses.${id}`)).toBe(true);
  });

  test("--no-new-keyring keeps the caller's", () => {
    const id = newId("nokey");
    const bundle = makeBundle(testSpec(["sleep", "100"]));
    expect(runt(["run", "-d", "--no-new-keyring", "-b", bundle, id]).status).toBe(0);
    expect(runt(["state", id]).stdout).toContain('"running"');
    expect(hostHas(`_ses.${id}`)).toBe(false);
  });
});
