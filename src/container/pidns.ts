// The processes of a container that has no cgroup (rootless, nothing writable):
// those in its PID namespace, found through /proc/<pid>/ns/pid. Only a private PID
// namespace answers this; a container sharing runt's has no such boundary.
import { readdirSync, readFileSync, statSync } from "node:fs";

function nsId(path: string): string | null {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** Exited, not reaped yet: no longer a process of the container (cgroup.procs omits it too). */
function zombie(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return true;
  }
}

/** Every pid in init's PID namespace (not in namespaces below it), or null when it is runt's own. */
export function pidsInPidNamespace(init: number): number[] | null {
  const ns = nsId(`/proc/${init}/ns/pid`);
  if (ns === null) return [];
  if (ns === nsId("/proc/self/ns/pid")) return null;
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    if (nsId(`/proc/${name}/ns/pid`) === ns && !zombie(name)) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}
