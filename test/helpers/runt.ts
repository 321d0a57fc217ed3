// Drives the built dist/runt against real busybox containers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultSpec } from "../../src/spec/default.ts";
import type { Spec } from "../../src/spec/types.ts";
import { type Result, ROOTFS, RUNT, spawnToFiles } from "./harness.ts";

// Many tests import these from here.
export { REPO, type Result, ROOTFS, RUNT, until } from "./harness.ts";

/** Every test run keeps its containers under its own state root. */
export const STATE_ROOT = `/run/runt-test-${process.pid}`;

/** Runs dist/runt under STATE_ROOT, its output through files (harness.ts: spawnToFiles). */
export function runt(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
  const r = spawnToFiles(RUNT, ["--root", STATE_ROOT, ...args], {
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let serial = 0;
const made: string[] = [];

/** A container id unique to this test run, deleted by cleanup(). */
export function newId(prefix = "t"): string {
  const id = `${prefix}-${process.pid}-${++serial}`;
  made.push(id);
  return id;
}

/** A config for the busybox rootfs: runt spec's defaults, no terminal, then edits. */
export function testSpec(args: string[], edit?: (s: Spec) => void): Spec {
  const spec = defaultSpec({});
  spec.root = { path: ROOTFS, readonly: true };
  const proc = spec.process;
  if (!proc) throw new Error("defaultSpec has no process");
  proc.terminal = false;
  proc.args = args;
  edit?.(spec);
  return spec;
}

const bundles: string[] = [];

export function makeBundle(spec: Spec): string {
  const dir = mkdtempSync("/tmp/runt-bundle-");
  bundles.push(dir);
  writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
  return dir;
}

/** runt run in the foreground: the container's output and exit status. */
export function runContainer(spec: Spec, extra: string[] = []): Result {
  return runt(["run", "--bundle", makeBundle(spec), ...extra, newId("run")]);
}

export function cleanup(): void {
  for (const id of made.splice(0)) runt(["delete", "--force", id]);
  for (const b of bundles.splice(0)) rmSync(b, { recursive: true, force: true });
}

export function cleanupAll(): void {
  cleanup();
  rmSync(STATE_ROOT, { recursive: true, force: true });
}

/** A live, non-zombie process. */
export function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
