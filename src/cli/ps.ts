// `ps`: the container's processes as ps(1) shows them (default `ps -ef`, or the
// options after the container id, as runc: `ps ID -e -x`; a leading -- is dropped), keeping the header and the lines whose PID is in the
// container's cgroups; --format json prints the pids alone.
import { spawnSync } from "node:child_process";
import { Container } from "../container/container.ts";
import { RuntError } from "../errors.ts";
import { stdio } from "../stdio.ts";
import { str } from "./args.ts";
import type { Verb } from "./context.ts";

/** Keep ps's header and the lines of `pids`; the PID column is found from the header. */
export function filterPs(output: string, pids: readonly number[]): string {
  const lines = output.split("\n");
  const header = lines[0] ?? "";
  const col = header.trim().split(/\s+/).indexOf("PID");
  if (col < 0) throw new RuntError(`ps: no PID column in ps's output; add pid to its -o fields`);
  const want = new Set(pids);
  const out = [header];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const pid = Number(line.trim().split(/\s+/)[col]);
    if (want.has(pid)) out.push(line);
  }
  return `${out.join("\n")}\n`;
}

export const ps: Verb = {
  name: "ps",
  summary: "list the processes of a container",
  usage: "<container-id> [ps options]",
  // As runc: runt's flags come before the id; what follows it is ps's.
  stopAtPositional: true,
  flags: [
    {
      name: "format",
      short: "f",
      kind: "string",
      arg: "table|json",
      help: "output format (default table)",
    },
  ],
  run(ctx, f, args) {
    const [id, ...rest] = args;
    const psArgs = rest[0] === "--" ? rest.slice(1) : rest;
    if (!id) throw new RuntError("ps: a container id is required; usage: runt ps <container-id>");
    const format = str(f, "format") ?? "table";
    if (format !== "table" && format !== "json") {
      throw new RuntError(`ps: --format must be table or json, got "${format}"`);
    }
    const c = Container.load(ctx.root, id);
    // A stopped container has no processes, which is not an error: runc answers
    // an empty list, and containerd's shim (`ctr task ps`, `docker top`) reads it.
    let pids: number[] = [];
    try {
      pids = c.pids();
    } catch (e) {
      if (c.status() !== "stopped") throw e;
    }
    if (format === "json") {
      stdio.out(`${JSON.stringify(pids)}\n`);
      return 0;
    }
    const r = spawnSync("ps", psArgs.length ? psArgs : ["-ef"], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      throw new RuntError(
        `ps: running ps ${psArgs.join(" ")} failed: ${r.error?.message ?? r.stderr.trim()}`,
      );
    }
    stdio.out(filterPs(r.stdout, pids));
    return 0;
  },
};
