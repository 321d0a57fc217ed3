// The plan files import each other one way only: shared types live in plan.ts, so
// no file of src/plan imports one that imports it back (type-only imports count).
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const DIR = resolve(import.meta.dir, "../../src/plan");

function importGraph(): Map<string, string[]> {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".ts"));
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(DIR, f), "utf8");
    const deps = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)]
      .map((m) => resolve(dirname(join(DIR, f)), m[1] as string))
      .filter((p) => dirname(p) === DIR)
      .map((p) => p.slice(DIR.length + 1));
    graph.set(f, deps);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === "open") found.push([...stack.slice(stack.indexOf(d)), d].join(" -> "));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

test("src/plan has no import cycle", () => {
  const graph = importGraph();
  expect(graph.get("compile.ts")).toContain("rootfs.ts");
  expect(cycles(graph)).toEqual([]);
});

test("the cycle finder sees one", () => {
  const graph = new Map([
    ["compile.ts", ["rootfs.ts", "plan.ts"]],
    ["rootfs.ts", ["compile.ts"]],
    ["plan.ts", []],
  ]);
  expect(cycles(graph)).toEqual(["compile.ts -> rootfs.ts -> compile.ts"]);
});
