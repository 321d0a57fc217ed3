// What a failing hook's error carries of its output: the last HOOK_OUTPUT_MAX bytes,
// trimmed, "..." when cut (docs/plan-format.md "Hook output"). runt's own hooks here;
// the init's in test/integration/hook-output.test.ts.
import { describe, expect, test } from "bun:test";
import { HOOK_OUTPUT_MAX, hookOutputTail, runHook } from "../../src/container/hooks.ts";
import { describeError } from "../../src/container/init-process.ts";
import type { CompiledPlan } from "../../src/plan/compile.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("hook output in an error", () => {
  test("the last 2048 bytes, trimmed, led by ... when cut", () => {
    expect(HOOK_OUTPUT_MAX).toBe(2048);
    expect(hookOutputTail(bytes(""), 0)).toBe("");
    expect(hookOutputTail(bytes(" \n\t"), 3)).toBe("");
    expect(hookOutputTail(bytes("oops\n"), 5)).toBe("; output: oops");
    const exact = "a".repeat(2048);
    expect(hookOutputTail(bytes(exact), 2048)).toBe(`; output: ${exact}`);
    const more = `b${exact}`;
    expect(hookOutputTail(bytes(more), more.length)).toBe(`; output: ...${exact}`);
  });

  test("runHook: a hook printing more than the limit on stdout and stderr", () => {
    const script = "echo FIRST; yes 0123456789 | head -n 300; echo LAST >&2; exit 3";
    const why = runHook({ path: "/bin/sh", args: ["sh", "-c", script] }, "{}");
    const all = `FIRST\n${"0123456789\n".repeat(300)}LAST\n`;
    expect(why).toBe(
      `hook /bin/sh exited with status 3; output: ...${all.slice(-HOOK_OUTPUT_MAX).trim()}`,
    );
    expect(why).not.toContain("FIRST");
  });

  test("runHook: a hook that prints megabytes and succeeds is not killed for it", () => {
    const script = "head -c 3000000 /dev/zero; exit 0";
    expect(runHook({ path: "/bin/sh", args: ["sh", "-c", script] }, "{}")).toBeNull();
  });

  test("runHook: the output of a hook killed at its timeout", () => {
    const hook = { path: "/bin/sh", args: ["sh", "-c", "echo early; exec sleep 30"], timeout: 1 };
    expect(runHook(hook, "{}")).toBe(
      "hook /bin/sh did not finish within 1s and was killed; output: early",
    );
  });

  test("describeError puts the errno before a hook's output", () => {
    const plan: CompiledPlan = {
      version: 1,
      ops: [{ op: "hook", path: "/x", args: ["x"], env: [], timeout: 1 }],
      notes: ["hooks.createContainer[0]"],
      warnings: [],
    };
    expect(
      describeError(
        plan,
        "error 0 110 hook /x did not finish within 1s and was killed; output: a: b",
      ),
    ).toBe(
      "hooks.createContainer[0]: hook /x did not finish within 1s and was killed: timed out (ETIMEDOUT); output: a: b",
    );
    expect(describeError(plan, "error 0 125 hook /x exited with status 3; output: no: way")).toBe(
      "hooks.createContainer[0]: hook /x exited with status 3; output: no: way",
    );
  });
});
