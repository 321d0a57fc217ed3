// The device cgroup of a real container: a node that exists in the container but is
// not on the allow-list cannot be opened; allowing it in linux.resources.devices can.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Spec } from "../../src/spec/types.ts";
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

// /dev/loop-control: harmless to open, and not among runc's default allowed devices.
const LOOP_CONTROL = { path: "/dev/loop-control", type: "c" as const, major: 10, minor: 237 };
const OPEN = "sh -c ': < /dev/loop-control && echo opened'";

function withNode(args: string[], allow: boolean): Spec {
  return testSpec(args, (s) => {
    s.linux = s.linux ?? {};
    s.linux.devices = [{ ...LOOP_CONTROL, fileMode: 0o600 }];
    if (allow) {
      s.linux.resources = s.linux.resources ?? {};
      s.linux.resources.devices = [
        { allow: false, access: "rwm" },
        { allow: true, type: "c", major: 10, minor: 237, access: "rw" },
      ];
    }
  });
}

describe("device allow-list", () => {
  test("a node outside the allow-list cannot be opened, even by root", () => {
    const r = runContainer(withNode(["sh", "-c", OPEN], false));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Operation not permitted");
    expect(r.stdout).toBe("");
  });

  test("allowing it in linux.resources.devices lets it open", () => {
    const r = runContainer(withNode(["sh", "-c", OPEN], true));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("opened\n");
  });

  test("the kernel's list shows the rule and runc's defaults, not allow-all", () => {
    const id = newId("devlist");
    const spec = withNode(["sleep", "100"], true);
    expect(runt(["run", "-d", "-b", makeBundle(spec), id]).status).toBe(0);
    const list = readFileSync(`/sys/fs/cgroup/devices/runt/${id}/devices.list`, "utf8").split("\n");
    expect(list).toContain("c 10:237 rw");
    expect(list).toContain("c 1:3 rwm");
    expect(list).not.toContain("a *:* rwm");
  });
});
