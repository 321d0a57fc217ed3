// Which mount holds a host path, and whether it is shared: the rootfs's parent mount
// must be made private before pivot_root when it is shared then.
import { readFileSync } from "node:fs";

const unescapeField = (f: string) =>
  f.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));

/** The nearest mount point at or above `path` in this mount namespace, and if it is shared. */
export function parentMount(
  path: string,
  mountinfo?: string,
): { point: string; shared: boolean } | undefined {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/mountinfo", "utf8");
    } catch {
      return undefined;
    }
  }
  let best: { point: string; shared: boolean } | undefined;
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const dash = f.indexOf("-", 6);
    if (dash < 0) continue;
    const point = unescapeField(f[4] ?? "");
    const under = point === "/" || path === point || path.startsWith(`${point}/`);
    // A later line for the same point is a mount on top: it is the one that counts.
    if (under && (!best || point.length >= best.point.length)) {
      best = { point, shared: f.slice(6, dash).some((o) => o.startsWith("shared:")) };
    }
  }
  return best;
}
