// Drives the built dist/runt against real busybox containers.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultSpec } from "../../src/spec/default.ts";
import type { Spec } from "../../src/spec/types.ts";

export const REPO = resolve(import.meta.dir, "../..");
/** RUNT_BIN lets parallel work test its own build. */
export const RUNT = process.env.RUNT_BIN ?? join(REPO, "dist/runt");
export const ROOTFS = join(REPO, "test/fixtures/bundles/busybox/rootfs");
/** Every test run keeps its containers under its own state root. */
export const STATE_ROOT = `/run/runt-test-${process.pid}`;

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs dist/runt and collects its output through files, not pipes: a container made
 * by `create` or `run -d` inherits runt's stdio, and a pipe it holds open would keep
 * the caller waiting for EOF as long as the container lives.
 */
export function runt(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
  const dir = mkdtempSync("/tmp/runt-out-");
  const out = openSync(join(dir, "out"), "w+");
  const err = openSync(join(dir, "err"), "w+");
  try {
    const r = spawnSync(RUNT, ["--root", STATE_ROOT, ...args], {
      input: opts.input ?? "",
      stdio: ["pipe", out, err],
      timeout: opts.timeoutMs ?? 30_000,
    });
    return {
      status: r.status ?? -1,
      stdout: readFileSync(join(dir, "out"), "utf8"),
      stderr: readFileSync(join(dir, "err"), "utf8"),
    };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
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

/** Polls cond every 10 ms for up to ms; its last answer. */
export async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await Bun.sleep(10);
  }
  return cond();
}

/** A live, non-zombie process. */
export function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
