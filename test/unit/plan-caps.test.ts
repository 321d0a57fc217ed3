import { describe, expect, test } from "bun:test";
import { type CompileInput, compilePlan } from "../../src/plan/compile.ts";
import { compileExecPlan } from "../../src/plan/exec.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import { capabilityMask, capsOp } from "../../src/plan/process.ts";
import type { Spec } from "../../src/spec/types.ts";
import { cgroup2At, compileInput } from "./compile-input.ts";

function input(edit: (s: Spec) => void): CompileInput {
  return compileInput(edit, { cgroupMounts: cgroup2At("/c") });
}

const capsOf = (ops: PlanOp[]) => ops.find((o) => o.op === "caps");
const RUNC_SPEC_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

describe("ambient capabilities", () => {
  test("runc spec's ambient caps without inheritable ones: none raised, one warning", () => {
    // runc 1.1 `runc spec` writes bounding, effective, permitted and ambient.
    const plan = compilePlan(
      input((s) => {
        if (s.process)
          s.process.capabilities = { ...s.process.capabilities, ambient: RUNC_SPEC_CAPS };
      }),
    );
    expect(capsOf(plan.ops)).toMatchObject({
      permitted: capabilityMask(RUNC_SPEC_CAPS),
      inheritable: 0n,
      ambient: 0n,
    });
    expect(plan.warnings).toEqual([
      "process.capabilities.ambient: cannot raise CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE: an ambient capability must be in both the permitted and the inheritable set; skipped, as runc does",
    ]);
  });

  test("only the caps both permitted and inheritable are raised", () => {
    const { op, warnings } = capsOp({
      permitted: ["CAP_KILL", "CAP_CHOWN"],
      inheritable: ["CAP_KILL", "CAP_SETUID"],
      ambient: ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID"],
    });
    expect(op).toMatchObject({ ambient: capabilityMask(["CAP_KILL"]) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("cannot raise CAP_CHOWN, CAP_SETUID:");
  });

  test("ambient caps that can be raised give no warning", () => {
    const all = ["CAP_KILL", "CAP_NET_RAW"];
    const { op, warnings } = capsOp({ permitted: all, inheritable: all, ambient: all });
    expect(op).toMatchObject({ ambient: capabilityMask(all), inheritable: capabilityMask(all) });
    expect(warnings).toEqual([]);
    const plan = compilePlan(input(() => {}));
    expect(plan.warnings).toEqual([]);
  });

  test("unknown capability names are skipped with a warning naming them", () => {
    const { op, warnings } = capsOp({
      bounding: ["CAP_KILL", "CAP_FUTURE"],
      ambient: ["CAP_NOPE"],
    });
    expect(op).toMatchObject({ ambient: 0n });
    expect(warnings).toEqual([
      "process.capabilities: ignoring unknown or unavailable capabilities: CAP_FUTURE CAP_NOPE",
    ]);
  });

  test("exec plans filter ambient caps the same way", () => {
    const plan = compileExecPlan({
      process: {
        args: ["sh"],
        cwd: "/",
        user: { uid: 0, gid: 0 },
        capabilities: { permitted: ["CAP_KILL"], ambient: ["CAP_KILL"] },
      },
      join: [],
      cgroupProcs: [],
      preserveFds: 0,
    });
    expect(capsOf(plan.ops)).toMatchObject({
      permitted: capabilityMask(["CAP_KILL"]),
      ambient: 0n,
    });
    expect(plan.warnings[0]).toContain("cannot raise CAP_KILL");
  });
});
