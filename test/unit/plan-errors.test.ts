import { describe, expect, test } from "bun:test";
import { constants } from "node:os";
import { errnoName, errnoText } from "../../src/container/errno.ts";
import { describeError } from "../../src/container/init-process.ts";
import type { CompiledPlan } from "../../src/plan/compile.ts";

describe("errno names", () => {
  test("every errno Node knows has the same name here (aliases aside)", () => {
    const aliases: Record<string, string> = {
      EWOULDBLOCK: "EAGAIN",
      EDEADLOCK: "EDEADLK",
      ENOTSUP: "EOPNOTSUPP",
    };
    const entries = Object.entries(constants.errno);
    expect(entries.length).toBeGreaterThan(70);
    for (const [name, n] of entries) expect(errnoName(n)).toBe(aliases[name] ?? name);
  });

  test("every number from 1 to 133 that Linux defines has a name and a text", () => {
    for (let n = 1; n <= 133; n++) {
      if (n === 41 || n === 58) {
        expect(errnoText(n)).toBe(`errno ${n}`);
        continue;
      }
      expect(errnoText(n)).toMatch(/^[^()]+ \(E[A-Z0-9]+\)$/);
    }
  });

  test("texts as runc prints them", () => {
    expect(errnoText(11)).toBe("resource temporarily unavailable (EAGAIN)");
    expect(errnoText(1)).toBe("operation not permitted (EPERM)");
    expect(errnoText(5)).toBe("input/output error (EIO)");
    expect(errnoText(75)).toBe("value too large for defined data type (EOVERFLOW)");
    expect(errnoText(4242)).toBe("errno 4242");
  });
});

describe("describeError", () => {
  const plan: CompiledPlan = {
    version: 1,
    ops: [{ op: "fork" }, { op: "setsid" }],
    notes: ["process", "process.capabilities"],
    warnings: [],
  };

  test("names the config.json part, the call and the errno by name", () => {
    expect(describeError(plan, "error 0 11 clone")).toBe(
      "process: clone: resource temporarily unavailable (EAGAIN)",
    );
    expect(describeError(plan, "error 1 12 capset")).toBe(
      "process.capabilities: capset: cannot allocate memory (ENOMEM)",
    );
  });

  test("an op outside the plan is the set-up in general", () => {
    expect(describeError(plan, "error -1 22 bad plan")).toBe(
      "the container set-up: bad plan: invalid argument (EINVAL)",
    );
  });
});
