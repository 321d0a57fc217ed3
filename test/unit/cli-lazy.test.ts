// main.ts imports each verb's module only when that verb runs: its table of verbs
// repeats their names and summaries for the root help, and these must agree.
import { describe, expect, test } from "bun:test";
import { DEFAULT_ROOT, helpOutput, main, VERBS } from "../../src/cli/main.ts";
import { DEFAULT_ROOT as CONTAINER_DEFAULT_ROOT } from "../../src/container/container.ts";

describe("the lazily loaded verbs", () => {
  test("each entry's name and summary are its module's", async () => {
    for (const entry of VERBS) {
      const verb = await entry.load();
      expect(verb.name).toBe(entry.name);
      expect(verb.summary).toBe(entry.summary);
    }
  });
  test("every verb appears once", () => {
    const names = VERBS.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
  });
  test("main's default root is the library's", () => {
    expect(DEFAULT_ROOT).toBe(CONTAINER_DEFAULT_ROOT);
  });
  test("help goes through helpOutput, which a caller may replace", async () => {
    const got: string[] = [];
    const saved = helpOutput.out;
    helpOutput.out = (t) => got.push(t);
    try {
      expect(await main(["--help"], "runt")).toBe(0);
    } finally {
      helpOutput.out = saved;
    }
    expect(got.join("")).toContain("   runt - Open Container Initiative runtime");
  });
});
