// The conformance harness's reading of the suites' output and of the known differences.
import { expect, test } from "bun:test";
import {
  compare,
  parseExpectations,
  parseOciSummary,
  parseTap,
  totals,
} from "../../scripts/conformance.ts";

test("bats TAP through script(1): CRLF lines, skips, failures, repeated names", () => {
  const tap = [
    "1..5",
    "ok 1 runc run\r",
    "not ok 2 runc exec\r",
    "# (in test file exec.bats, line 3)\r",
    "ok 3 runc pause # skip requires cgroups_freezer\r",
    "ok 4 runc run\r",
    "ok 5 name with # inside\r",
  ].join("\n");
  expect([...parseTap(tap)]).toEqual([
    ["runc run", "pass"],
    ["runc exec", "fail"],
    ["runc pause", "skip"],
    ["runc run #2", "pass"],
    ["name with # inside", "pass"],
  ]);
});

test("the validation summary's PASS/FAIL/SKIP lines", () => {
  const s = parseOciSummary(
    "PASS default ok=309\nFAIL hooks ok=0 notok=0 rc=0\nSKIP x\nfiles: 1\n",
  );
  expect([...s]).toEqual([
    ["default", "pass"],
    ["hooks", "fail"],
    ["x", "skip"],
  ]);
});

test("known differences and required files", () => {
  const e = parseExpectations(
    "# a comment\noci linux_seccomp -- runc is wrong here\nrequire oci hooks_stdin -- crun passes it\n",
  );
  expect(e.known.get("oci linux_seccomp")).toBe("runc is wrong here");
  expect(e.required.get("oci hooks_stdin")).toBe("crun passes it");
  expect(() => parseExpectations("oci no reason\n")).toThrow(/expected/);
});

test("a test runc passes and runt fails is a regression unless known; required files count too", () => {
  const ref = new Map([
    ["a", "pass"],
    ["b", "pass"],
    ["c", "fail"],
    ["d", "fail"],
    ["e", "pass"],
  ] as const);
  const runt = new Map([
    ["a", "pass"],
    ["b", "fail"],
    ["c", "fail"],
    ["d", "fail"],
  ] as const);
  const e = parseExpectations(
    "bats e -- the test reads runc's go.mod\nrequire bats d -- crun passes it\n",
  );
  const rows = compare("bats", new Map(ref), new Map(runt), e);
  expect(rows.map((r) => [r.name, r.verdict])).toEqual([
    ["a", "ok"],
    ["b", "regression"],
    ["c", "not required"],
    ["d", "regression"],
    ["e", "known"],
  ]);
  expect(totals(rows, "bats", "runc")).toBe(
    "bats: runc 3 passed, 2 failed, 0 skipped | runt 1 passed, 3 failed, 0 skipped | 2 regressions",
  );
});
