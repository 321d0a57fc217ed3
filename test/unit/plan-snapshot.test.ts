// Whole plans of a few representative configs, op for op (create and exec), so a
// refactoring of the compilers shows any op it adds, drops or moves. Regenerate
// plan-snapshot-ops.ts only for a change meant to alter a plan.
import { describe, expect, test } from "bun:test";
import { CASES } from "./plan-snapshot-cases.ts";
import { EXPECTED } from "./plan-snapshot-ops.ts";

describe("plans op for op", () => {
  test("every case has its expected list", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(CASES).sort());
  });
  for (const [name, make] of Object.entries(CASES)) {
    test(name, () => {
      const want = EXPECTED[name];
      const got = make();
      expect(got.ops).toEqual(want?.ops ?? []);
      expect(got.notes).toEqual(want?.notes ?? []);
      expect(got.warnings).toEqual(want?.warnings ?? []);
    });
  }
});
