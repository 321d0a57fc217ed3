// No wait on runt-init is unbounded: a container's cgroup frozen while the init sets
// it up (here by a prestart hook, which runs while the init waits for runt) ends
// `runt run` with a message naming the frozen file, instead of a hang.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { detectCgroups } from "../../src/cgroups/index.ts";
import { cleanup, cleanupAll, runContainer, testSpec } from "../helpers/runt.ts";
import { forceCleanup, testPrefix } from "./cgroups-cleanup.ts";

const freezer = detectCgroups().hierarchies.find(
  (h) => h.kind === "v1" && h.controllers.includes("freezer"),
)?.mountpoint;
const prefixes: string[] = [];
afterEach(() => {
  cleanup();
  for (const p of prefixes.splice(0)) {
    // Thaw first: a frozen cgroup keeps its killed processes, and then itself.
    const state = `${freezer}${p}/c/freezer.state`;
    if (existsSync(state)) writeFileSync(state, "THAWED");
    forceCleanup(p);
  }
});
afterAll(cleanupAll);

test.skipIf(!freezer)("a cgroup frozen during create: run fails naming it, within seconds", () => {
  const p = testPrefix("frozen-late");
  prefixes.push(p);
  const state = `${freezer}${p}/c/freezer.state`;
  const spec = testSpec(["true"], (s) => {
    s.linux = {
      ...s.linux,
      cgroupsPath: `${p}/c`,
      namespaces: (s.linux?.namespaces ?? []).filter((n) => n.type !== "cgroup"),
    };
    s.hooks = { prestart: [{ path: "/bin/sh", args: ["sh", "-c", `echo FROZEN > ${state}`] }] };
  });
  const started = Date.now();
  const r = runContainer(spec);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("container's cgroup unexpectedly frozen while runt-init set it up");
  expect(r.stderr).toContain(state);
  expect(Date.now() - started).toBeLessThan(10_000);
});
