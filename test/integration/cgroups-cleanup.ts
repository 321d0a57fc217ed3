// Test-only cleanup for the cgroup integration tests: whatever a failed test
// left below its own prefix, in every hierarchy, is killed and removed. Never
// touches anything outside `${mountpoint}${prefix}`.
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { detectCgroups } from "../../src/cgroups/index.ts";

/** The test's prefix directories that still exist (one per hierarchy at most). */
export function leftovers(prefix: string, root = "/sys/fs/cgroup"): string[] {
  return detectCgroups(root)
    .hierarchies.map((h) => `${h.mountpoint}${prefix}`)
    .filter((d) => existsSync(d));
}

function tree(dir: string): string[] {
  const out = [dir];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...tree(`${dir}/${e.name}`));
  }
  return out;
}

export function forceCleanup(prefix: string, root = "/sys/fs/cgroup"): void {
  if (!prefix.startsWith("/runt-test-")) throw new Error(`refusing to clean ${prefix}`);
  for (const top of leftovers(prefix, root)) {
    const dirs = tree(top);
    for (const d of dirs) {
      if (existsSync(`${d}/freezer.state`)) writeFileSync(`${d}/freezer.state`, "THAWED");
      if (existsSync(`${d}/cgroup.freeze`)) writeFileSync(`${d}/cgroup.freeze`, "0");
      for (const pid of readFileSync(`${d}/cgroup.procs`, "utf8").split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    for (const d of dirs.reverse()) {
      for (let i = 0; i < 100; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          Bun.sleepSync(20);
        }
      }
    }
  }
}

/** A prefix no other test or process uses. */
export function testPrefix(tag: string): string {
  return `/runt-test-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
