// A failing hook that prints more than the limit: runt's own hooks (prestart,
// createRuntime) and the init's (createContainer, startContainer) carry the same
// last HOOK_OUTPUT_MAX bytes, trimmed, led by "..." (docs/plan-format.md "Hook output").
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { HOOK_OUTPUT_MAX } from "../../src/container/hooks.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  runContainer,
  runt,
  testSpec,
} from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(cleanupAll);

const SCRIPT = "echo FIRST; yes 0123456789 | head -n 300; echo LAST >&2; exit 3";
const ALL = `FIRST\n${"0123456789\n".repeat(300)}LAST\n`;
const TAIL = `; output: ...${ALL.slice(-HOOK_OUTPUT_MAX).trim()}`;
const hook = { path: "/bin/sh", args: ["sh", "-c", SCRIPT] };

describe("hook output beyond the limit", () => {
  for (const kind of ["prestart", "createRuntime", "createContainer"] as const) {
    test(`${kind}: the error ends with the output's last ${HOOK_OUTPUT_MAX} bytes`, () => {
      const id = newId("out");
      const spec = testSpec(["true"], (s) => {
        s.hooks = { [kind]: [hook] };
      });
      const r = runt(["create", "-b", makeBundle(spec), id]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`hooks.${kind}[0]: hook /bin/sh exited with status 3${TAIL}`);
      expect(r.stderr).not.toContain("FIRST");
    });
  }

  test("startContainer (after ready: on the container's stderr)", () => {
    const r = runContainer(
      testSpec(["echo", "main-ran"], (s) => {
        s.hooks = { startContainer: [hook] };
      }),
    );
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("main-ran");
    expect(r.stderr).toContain(`hook /bin/sh exited with status 3${TAIL}`);
    expect(r.stderr).not.toContain("FIRST");
  });

  test("a hook killed at its timeout: what it printed before", () => {
    const slow = { path: "/bin/sh", args: ["sh", "-c", "echo early; exec sleep 30"], timeout: 1 };
    for (const kind of ["createRuntime", "createContainer"] as const) {
      const id = newId("slow");
      const spec = testSpec(["true"], (s) => {
        s.hooks = { [kind]: [slow] };
      });
      const r = runt(["create", "-b", makeBundle(spec), id]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /hook \/bin\/sh did not finish within 1s and was killed.*; output: early/,
      );
    }
  });
});
