// The JSON that enters runt besides config.json is checked as config.json is, on real
// commands: update -r FILE, exec --process FILE and the library's create with a spec
// object each name the file (or CreateOptions.spec) and the field, fail, and leave the
// container (or the host) as it was.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  REPO,
  runt,
  STATE_ROOT,
  testSpec,
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

/** The pids in the container's cgroup (the first hierarchy that has it). */
function cgroupPids(id: string): string[] {
  const dir = cgroupDirs(id)[0];
  if (!dir) throw new Error(`no cgroup for ${id}`);
  const text = readFileSync(join(dir, "cgroup.procs"), "utf8").trim();
  return text === "" ? [] : text.split("\n");
}

/** A detached `sleep` container with a pids limit of 20; its id and bundle. */
function sleeper(): { id: string; bundle: string } {
  const id = newId("doc");
  const spec = testSpec(["sleep", "1000"], (s) => {
    s.linux = { ...s.linux, resources: { pids: { limit: 20 } } };
  });
  const bundle = makeBundle(spec);
  const r = runt(["run", "-d", "--bundle", bundle, id]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return { id, bundle };
}

const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

describe("JSON documents other than config.json", () => {
  test("update -r FILE with a bad field: the file and the field, exit 1, limits unchanged", () => {
    const { id, bundle } = sleeper();
    // The pids and memory limits, v1 or v2: the file's valid memory limit is not applied either.
    const limits = () =>
      cgroupDirs(id).flatMap((d) =>
        ["pids.max", "memory.limit_in_bytes", "memory.max"]
          .filter((f) => existsSync(join(d, f)))
          .map((f) => `${f}=${readFileSync(join(d, f), "utf8").trim()}`),
      );
    const before = limits();
    expect(before).toContain("pids.max=20");
    const file = join(bundle, "resources.json");
    writeFileSync(file, JSON.stringify({ pids: { limit: "33" }, memory: { limit: 64 << 20 } }));
    const r = runt(["update", "-r", file, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `${file}: pids.limit: expected an integer from -9223372036854775808 to 9223372036854775807, got "33"`,
    );
    noStack(r.stderr);
    expect(limits()).toEqual(before);
  });

  test("exec --process FILE with a bad field: the file and the field, 255 as runc, nothing started", () => {
    const { id, bundle } = sleeper();
    const before = cgroupPids(id);
    expect(before.length).toBe(1);
    const file = join(bundle, "process.json");
    writeFileSync(file, JSON.stringify({ args: ["sleep", "500"], env: ["NOEQUALS"] }));
    const r = runt(["exec", "--process", file, id]);
    // runc's exec exits 255 when it cannot start the process, so the caller can tell
    // it from the process's own status; runt does the same.
    expect(r.status).toBe(255);
    expect(r.stderr).toContain(`${file}: env[0]: expected "NAME=value", got "NOEQUALS"`);
    noStack(r.stderr);
    expect(cgroupPids(id)).toEqual(before);
  });

  test("the library's create with a bad spec object: CreateOptions.spec and the field, exit 1, nothing made", () => {
    const id = newId("obj");
    const spec: Spec = testSpec(["true"]);
    (spec.process as unknown as { user: unknown }).user = { uid: "root", gid: 0 };
    const bundle = makeBundle(testSpec(["true"]));
    const r = spawnSync(
      process.execPath,
      [
        join(REPO, "test/integration/create-spec-object.ts"),
        STATE_ROOT,
        id,
        bundle,
        JSON.stringify(spec),
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'CreateOptions.spec: process.user.uid: expected an integer from 0 to 4294967295, got "root"\n',
    );
    expect(existsSync(join(STATE_ROOT, id))).toBe(false);
    expect(cgroupDirs(id)).toEqual([]);
  });
});
