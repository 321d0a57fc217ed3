// `events`: runc's event stream, one JSON object per line. --stats prints the
// statistics once; otherwise stats every --interval and an "oom" event as soon
// as the OOM killer strikes. OOM is noticed without eventfd (cgroup.event_control
// would need a syscall the addon lacks): the kill counter (v1 memory.oom_control
// oom_kill, v2 memory.events oom_kill) is polled every 100 ms. The stream ends
// (status 0) when the container stops or is deleted.
import { Container } from "../container/container.ts";
import { RuntError } from "../errors.ts";
import { stdio } from "../stdio.ts";
import { bool, str } from "./args.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration ("5s", "100ms", "1m30s") in milliseconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    end = re.lastIndex;
  }
  if (text === "" || end !== text.length || total <= 0) {
    throw new RuntError(`events: --interval "${text}": give a positive duration like 5s or 500ms`);
  }
  return total;
}

const OOM_POLL_MS = 100;

export const events: Verb = {
  name: "events",
  summary: "print a container's stats and OOM events as JSON lines",
  usage: "<container-id>",
  flags: [
    { name: "stats", kind: "bool", help: "print the statistics once and exit" },
    { name: "interval", kind: "string", arg: "DURATION", help: "time between stats (default 5s)" },
  ],
  async run(ctx, f, args) {
    const id = needId(args, "events");
    const interval = parseDuration(str(f, "interval") ?? "5s");
    const c = Container.load(ctx.root, id);
    // false once the reader is gone: then there is no one to tell, and events ends.
    const emit = (type: string, data?: unknown): boolean =>
      stdio.out(`${JSON.stringify(data === undefined ? { type, id } : { type, id, data })}\n`);
    const status = c.status();
    if (status === "stopped") throw new RuntError(`events: container "${id}" is not running`);
    if (bool(f, "stats")) {
      emit("stats", c.stats());
      return 0;
    }
    const mgr = c.cgroups();
    let ooms = mgr.oomKills();
    // As runc: the first stats after one interval (OOM events at once).
    let nextStats = Date.now() + interval;
    for (;;) {
      let alive: boolean;
      try {
        alive = Container.load(ctx.root, id).status() !== "stopped";
      } catch {
        alive = false; // deleted
      }
      const now = Date.now();
      try {
        const n = mgr.oomKills();
        if (n > ooms && !emit("oom")) return 0;
        ooms = n;
        if (alive && now >= nextStats) {
          if (!emit("stats", mgr.stats())) return 0;
          nextStats = now + interval;
        }
      } catch (e) {
        if (alive) throw e;
      }
      if (!alive) return 0;
      await new Promise((r) => setTimeout(r, Math.min(OOM_POLL_MS, interval)));
    }
  },
};
