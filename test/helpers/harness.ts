// The one helper layer under integration tests, e2e tests and the benchmarks: where
// things are (the checkout, the runt under test, the busybox rootfs), running a
// command with its output in files, and polling with a bound. It imports nothing of
// src/, so the e2e helpers and bench/ can use it without the library.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
} from "node:fs";
import { join, resolve } from "node:path";

/** The checkout. */
export const REPO = resolve(import.meta.dir, "../..");
/** The runt under test: RUNT_BIN (parallel work tests its own build), else dist/runt. */
export const RUNT = resolve(process.env.RUNT_BIN ?? join(REPO, "dist/runt"));
/** The busybox rootfs made by scripts/busybox-rootfs.sh. */
export const ROOTFS = join(REPO, "test/fixtures/bundles/busybox/rootfs");
/** The config.json fixtures (test/fixtures/configs). */
export const CONFIG_FIXTURES = join(REPO, "test/fixtures/configs");
/** The engines' captured configs (test/fixtures/differential). */
export const DIFFERENTIAL_FIXTURES = join(REPO, "test/fixtures/differential");

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** A Result with how the command ended when it did not exit by itself. */
export interface Ran extends Result {
  /** The signal that ended it (the timeout's kill among them), or null. */
  signal: NodeJS.Signals | null;
  /** Why it could not be started or waited for, if so. */
  error?: Error;
}

export interface SpawnOpts {
  /** stdin (default: empty). */
  input?: string;
  /** Killed after this (default 60 s). */
  timeoutMs?: number;
  /** The timeout's signal (default SIGTERM). */
  killSignal?: NodeJS.Signals;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep stdout and stderr in these files; else in a temporary directory, removed after. */
  files?: { out: string; err: string };
}

/**
 * Runs cmd with stdout and stderr in files, not pipes: a container made by `create`
 * or `run -d` (or an engine's shim) inherits the caller's stdio, and a pipe it holds
 * open would keep the caller waiting for EOF as long as the container lives.
 */
export function spawnToFiles(cmd: string, args: string[], opts: SpawnOpts = {}): Ran {
  const tmp = opts.files ? undefined : mkdtempSync("/tmp/runt-out-");
  const outPath = opts.files?.out ?? join(tmp as string, "out");
  const errPath = opts.files?.err ?? join(tmp as string, "err");
  const out = openSync(outPath, "w+");
  const err = openSync(errPath, "w+");
  try {
    const r = spawnSync(cmd, args, {
      input: opts.input ?? "",
      stdio: ["pipe", out, err],
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: opts.killSignal,
      env: opts.env,
      cwd: opts.cwd,
    });
    return {
      status: r.status ?? -1,
      stdout: readFileSync(outPath, "utf8"),
      stderr: readFileSync(errPath, "utf8"),
      signal: r.signal,
      error: r.error,
    };
  } finally {
    closeSync(out);
    closeSync(err);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/** Polls cond every stepMs for up to ms; its last answer. */
export async function until(cond: () => boolean, ms = 5000, stepMs = 10): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await Bun.sleep(stepMs);
  }
  return cond();
}

/** until, blocking: for code that cannot await (a benchmark's timed loop, a child script). */
export function untilSync(cond: () => boolean, ms = 5000, stepMs = 10): boolean {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    Bun.sleepSync(stepMs);
  }
  return cond();
}

/** untilSync that throws "timed out waiting for WHAT" when cond never held. */
export function waitForSync(what: string, cond: () => boolean, ms = 5000, stepMs = 10): void {
  if (!untilSync(cond, ms, stepMs)) throw new Error(`timed out waiting for ${what}`);
}

/**
 * Removes a cgroup a test had its containers made under (containerd: /<namespace>,
 * dockerd: its --cgroup-parent, the differential test's own) in every hierarchy,
 * deepest first; a container's last process may still be leaving it (EBUSY), hence
 * the bounded retry. Only names the test chose.
 */
export function removeCgroupParent(name: string): void {
  const root = "/sys/fs/cgroup";
  const rm = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) rm(join(dir, e.name));
    }
    for (let i = 0; i < 100; i++) {
      try {
        rmdirSync(dir);
        return;
      } catch {
        Bun.sleepSync(20);
      }
    }
  };
  for (const h of readdirSync(root)) {
    const dir = join(root, h, name);
    if (existsSync(dir)) rm(dir);
  }
}
