import { Container } from "../container/container.ts";
import { RuntError } from "../errors.ts";
import { stdio } from "../stdio.ts";
import { bool, str } from "./args.ts";
import type { Verb } from "./context.ts";

/** Columns padded as runc's tabwriter pads them (min width 12, padding 3). */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(12, ...rows.map((r) => (r[c] ?? "").length + 3)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths?.[c] ?? 12))).join(""),
    )
    .join("\n");
}

export const list: Verb = {
  name: "list",
  summary: "list containers",
  usage: "",
  flags: [
    { name: "format", short: "f", kind: "string", arg: "table|json", help: "output format" },
    { name: "quiet", short: "q", kind: "bool", help: "print only the ids" },
  ],
  run(ctx, f, args) {
    if (args.length) throw new RuntError(`list: unexpected argument "${args[0]}"`);
    const format = str(f, "format") ?? "table";
    if (format !== "table" && format !== "json") {
      throw new RuntError(`list: --format must be table or json, got "${format}"`);
    }
    const all = Container.list(ctx.root);
    if (bool(f, "quiet")) {
      if (all.length) stdio.out(`${all.map((s) => s.id).join("\n")}\n`);
    } else if (format === "json") {
      stdio.out(`${JSON.stringify(all)}\n`);
    } else {
      const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]];
      for (const s of all) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
      stdio.out(`${table(rows)}\n`);
    }
    return 0;
  },
};
