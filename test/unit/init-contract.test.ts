// The contract between encode.ts and runt-init, kept in step by hand on both sides:
// opcode names and numbers (init.h's enum, main.c's opdefs, OPCODES), the argument
// list of every op (main.c's signature letters, opArgs), the header (init.h, plan.ts)
// and the op tables of docs/plan-format.md. Parses the C sources; needs no build.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OPCODES, opArgs } from "../../src/plan/encode.ts";
import { PLAN_VERSION } from "../../src/plan/plan.ts";
import { ALL_SAMPLES, MK_TARGETS, SAMPLES } from "./init-op-samples.ts";

const ROOT = join(import.meta.dir, "../..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const noComments = (c: string) => c.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");

const initH = noComments(read("native/init/init.h"));
const mainC = noComments(read("native/init/main.c"));
const planC = noComments(read("native/init/plan.c"));

/** init.h's op enum: OP_NAME -> number, with C's implicit numbering. */
function opEnum(): Map<string, number> {
  const body = /enum\s*\{([^}]*\bOP_SETNS\b[^}]*)\}/.exec(initH)?.[1];
  if (!body) throw new Error("no op enum in init.h");
  const out = new Map<string, number>();
  let next = 0;
  for (const entry of body.split(",")) {
    const m = /^\s*(OP_\w+)\s*(?:=\s*(\d+))?\s*$/.exec(entry);
    if (!m) {
      if (entry.trim()) throw new Error(`cannot read enum entry ${entry}`);
      continue;
    }
    const value = m[2] === undefined ? next : Number(m[2]);
    out.set(m[1] as string, value);
    next = value + 1;
  }
  return out;
}

/** main.c's opdefs: OP_NAME -> name and signature. */
function opDefs(): Map<string, { name: string; sig: string }> {
  const table = /opdefs\[OP_MAX \+ 1\]\s*=\s*\{([\s\S]*?)\n\};/.exec(mainC)?.[1];
  if (!table) throw new Error("no opdefs table in main.c");
  const out = new Map<string, { name: string; sig: string }>();
  const row = /\[(OP_\w+)\]\s*=\s*\{\s*"(\w+)"\s*,\s*"([^"]*)"\s*,\s*\w+\s*\}/g;
  for (const m of table.matchAll(row)) {
    expect(out.has(m[1] as string)).toBe(false);
    out.set(m[1] as string, { name: m[2] as string, sig: m[3] as string });
  }
  // Every row was understood.
  expect(out.size).toBe((table.match(/\[OP_/g) ?? []).length);
  return out;
}

const enumOps = opEnum();
const defs = opDefs();
const opMax = enumOps.get("OP_MAX");
enumOps.delete("OP_MAX");

/** The letters check_arg in plan.c knows. */
const knownLetters = [...planC.matchAll(/case '(\w)':/g)].map((m) => m[1]);

const U32 = 2 ** 32;
type Arg = ReturnType<typeof opArgs>[number];
function fits(letter: string, a: Arg): boolean {
  switch (letter) {
    case "s":
      return typeof a === "string";
    case "b":
      return typeof a === "boolean";
    case "k":
      return typeof a === "string" && (MK_TARGETS as string[]).includes(a);
    case "i":
      return typeof a === "number" && Number.isInteger(a) && a >= 0 && a < U32;
    case "n":
      return typeof a === "bigint"
        ? a >= 0n && a < 1n << 64n
        : typeof a === "number" && Number.isSafeInteger(a) && a >= 0;
  }
  return false;
}

/** The signature letter of each argument, or why the count does not fit. */
function lettersFor(sig: string, argc: number): string[] | string {
  const star = sig.indexOf("*");
  const fixed = star < 0 ? sig : sig.slice(0, star);
  if (star < 0 ? argc !== fixed.length : argc < fixed.length) {
    return `takes ${star < 0 ? "" : "at least "}${fixed.length} arguments, opArgs gives ${argc}`;
  }
  return Array.from({ length: argc }, (_, j) => fixed[j] ?? sig[star + 1] ?? "?");
}

describe("runt-init's contract", () => {
  test("init.h's op enum, main.c's opdefs and OPCODES name the same ops with the same numbers", () => {
    const fromC: Record<string, number> = {};
    for (const [cName, value] of enumOps) {
      const def = defs.get(cName);
      expect({ cName, def: def !== undefined }).toEqual({ cName, def: true });
      if (def) {
        expect(cName).toBe(`OP_${def.name.toUpperCase()}`);
        fromC[def.name] = value;
      }
    }
    for (const cName of defs.keys()) expect(enumOps.has(cName)).toBe(true);
    expect(fromC).toEqual({ ...OPCODES });
  });

  test("opcodes are unique, at least 1 and at most OP_MAX", () => {
    const values = Object.values(OPCODES);
    expect(new Set(values).size).toBe(values.length);
    expect(opMax).toBeNumber();
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(opMax as number);
    }
  });

  test("every signature letter is one plan.c's decoder checks", () => {
    const letters = new Set([...defs.values()].flatMap((d) => [...d.sig.replace("*", "")]));
    for (const l of letters) expect(knownLetters).toContain(l);
    for (const d of defs.values()) expect(d.sig).toMatch(/^[a-z]*(\*[a-z])?$/);
    // plan.c's mount-target words are MkTarget's, in the order of its MK_* enum.
    const mk = /mk\[\]\s*=\s*\{([^}]*)\}/.exec(planC)?.[1] ?? "";
    expect([...mk.matchAll(/"(\w+)"/g)].map((m) => m[1])).toEqual(MK_TARGETS);
    expect(initH).toMatch(/enum\s*\{\s*MK_NONE,\s*MK_DIR,\s*MK_FILE,\s*MK_COPYUP\s*\}/);
  });

  test("every op has samples (tsc checks their types), and they cover the variadic tails", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(OPCODES).sort());
    for (const [name, samples] of Object.entries(SAMPLES))
      expect([name, samples.length > 0]).toEqual([name, true]);
  });

  for (const sample of ALL_SAMPLES) {
    test(`${sample.op}: opArgs writes what main.c's signature reads`, () => {
      const def = [...defs.values()].find((d) => d.name === sample.op);
      expect(def).toBeDefined();
      const args = opArgs(sample);
      const letters = lettersFor(def?.sig ?? "", args.length);
      expect(typeof letters === "string" ? letters : "fits").toBe("fits");
      if (typeof letters === "string") return;
      const wrong = args
        .map((a, j) => ({ j, letter: letters[j] as string, value: String(a), type: typeof a }))
        .filter((x, j) => !fits(x.letter, args[j] as Arg));
      expect(wrong).toEqual([]);
    });
  }

  test("exec and hook: the argc argument counts the argv that follows it", () => {
    for (const s of SAMPLES.exec) expect(opArgs(s).slice(1, 2)).toEqual([s.args.length]);
    for (const s of SAMPLES.hook) expect(opArgs(s).slice(1, 3)).toEqual([s.args.length, s.path]);
  });

  test("the header: magic and version as init.h has them", () => {
    expect(initH).toMatch(/#define PLAN_MAGIC "RUNTPLAN"/);
    expect(read("src/plan/encode.ts")).toContain('const MAGIC = "RUNTPLAN"');
    expect(/#define PLAN_VERSION (\d+)/.exec(initH)?.[1]).toBe(String(PLAN_VERSION));
    expect(planC).toContain("PLAN_MAGIC");
    expect(planC).toContain("PLAN_VERSION");
  });

  test("docs/plan-format.md has a row for every op, with its number where it gives one", () => {
    const doc = read("docs/plan-format.md");
    const rows = new Map<string, number | undefined>();
    for (const m of doc.matchAll(/^\| ([a-zA-Z][a-zA-Z /]*?(?: \(\d+\))?) +\|/gm)) {
      const cell = m[1] as string;
      const num = /\((\d+)\)$/.exec(cell)?.[1];
      for (const name of cell.replace(/ \(\d+\)$/, "").split(" / ")) {
        rows.set(name.trim(), num === undefined ? undefined : Number(num));
      }
    }
    for (const [name, code] of Object.entries(OPCODES)) {
      expect([name, rows.has(name)]).toEqual([name, true]);
      const given = rows.get(name);
      if (given !== undefined) expect([name, given]).toEqual([name, code]);
    }
  });
});
