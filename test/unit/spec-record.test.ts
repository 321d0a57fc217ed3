// record(): the checker the validators are built from returns the object it checked,
// typed, and the compiler holds its table to one checker per field.
import { describe, expect, test } from "bun:test";
import { type Check, intOf, optIntOf, optList, record, str } from "../../src/spec/check.ts";
import type { Hook, Rlimit } from "../../src/spec/types.ts";
import { specError } from "./spec-helpers.ts";

describe("record", () => {
  test("the same object, unknown fields kept, fields checked in the table's order", () => {
    const value = { path: "/bin/x", args: ["x"], extra: 1 };
    const seen: string[] = [];
    const spy =
      <T>(check: Check<T>): Check<T> =>
      (v, p) => {
        seen.push(p);
        return check(v, p);
      };
    const hook: Hook = record<Hook>(value, "hooks.prestart[0]", {
      timeout: spy(optIntOf("int32")),
      path: spy(str),
      args: spy(optList(str)),
      env: spy(optList(str)),
    });
    expect(hook).toBe(value as unknown as Hook);
    expect(seen).toEqual([
      "hooks.prestart[0].timeout",
      "hooks.prestart[0].path",
      "hooks.prestart[0].args",
      "hooks.prestart[0].env",
    ]);
  });

  test("the document itself has the path of its fields alone", () => {
    const err = specError(() =>
      record<Rlimit>({ type: "RLIMIT_NOFILE", soft: "1", hard: 1 }, "", {
        type: (v, p) => str(v, p) as Rlimit["type"],
        soft: intOf("uint64"),
        hard: intOf("uint64"),
      }),
    );
    expect(err.message).toBe(
      'config.json: soft: expected an integer from 0 to 18446744073709551615, got "1"',
    );
  });

  test("a table that leaves a field out does not compile", () => {
    const incomplete = () =>
      // @ts-expect-error Rlimit's "hard" has no checker
      record<Rlimit>({}, "r", {
        type: (v, p) => str(v, p) as Rlimit["type"],
        soft: intOf("uint64"),
      });
    const wrongType = () =>
      record<Rlimit>({}, "r", {
        type: (v, p) => str(v, p) as Rlimit["type"],
        soft: intOf("uint64"),
        // @ts-expect-error a string checker for a number field
        hard: str,
      });
    expect(typeof incomplete).toBe("function");
    expect(typeof wrongType).toBe("function");
  });
});
