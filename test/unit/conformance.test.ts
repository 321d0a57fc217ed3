// The conformance harness's reading of the suites' output and of the known differences.
import { expect, test } from "bun:test";
import {
  compare,
  parseExpectations,
  parseOciSummary,
  parseTap,
  schemaAjv,
  schemaOutcome,
  schemaRow,
  table,
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

// A draft-04 schema of its own, in the layout of the runtime-spec's: config-schema.json
// refers to another file and to a platform section the copy may lack.
const SCHEMAS: [string, object][] = [
  [
    "config-schema.json",
    {
      type: "object",
      required: ["ociVersion"],
      properties: {
        ociVersion: { $ref: "defs.json#/definitions/Version" },
        solaris: { $ref: "config-solaris.json#/solaris" },
      },
    },
  ],
  ["defs.json", { definitions: { Version: { type: "string", pattern: "^1\\." } } }],
];

test("schemaAjv: the schemas by file name, other platforms' sections stood in for", () => {
  const ajv = schemaAjv(SCHEMAS);
  const doc = (value: unknown) => ({ schema: "config-schema.json", document: { value } });
  expect(schemaOutcome(ajv, doc({ ociVersion: "1.3.0" }))).toEqual({ outcome: "pass" });
  expect(schemaOutcome(ajv, doc({ ociVersion: "1.3.0", solaris: {} }))).toEqual({
    outcome: "pass",
  });
  const bad = schemaOutcome(ajv, doc({ ociVersion: "2.0" }));
  expect(bad.outcome).toBe("fail");
  expect(bad.why).toContain("/ociVersion");
  expect(schemaOutcome(ajv, doc({})).outcome).toBe("fail");
});

test("schemaOutcome: a missing schema or document is missing, findings cut at three", () => {
  const ajv = schemaAjv([["list.json", { type: "array", items: { type: "string" } }], ...SCHEMAS]);
  expect(schemaOutcome(ajv, { schema: "no-such.json", document: { value: {} } })).toEqual({
    outcome: "missing",
    why: "no schema no-such.json",
  });
  expect(
    schemaOutcome(ajv, { schema: "config-schema.json", document: { error: "runt spec: 1" } }),
  ).toEqual({ outcome: "missing", why: "runt spec: 1" });
  const many = schemaOutcome(ajv, { schema: "list.json", document: { value: [1, 2, 3, 4, 5] } });
  expect(many.outcome).toBe("fail");
  expect(many.why?.split("; ")).toHaveLength(4);
  expect(many.why).toEndWith("; 2 more");
});

test("schema rows: ok only when the schema and runt both say what is wanted", () => {
  const e = parseExpectations("schema podman.json -- the engine writes it so\n");
  expect(e.known.get("schema podman.json")).toBe("the engine writes it so");
  const rows = [
    schemaRow({ name: "runt spec", want: "pass", runt: "pass" }, "pass", e),
    schemaRow({ name: "runt features", want: "pass", runt: "pass" }, "fail", e),
    schemaRow({ name: "fixture.json", want: "pass", runt: "fail" }, "pass", e),
    schemaRow({ name: "rejects x", want: "fail", runt: "fail" }, "fail", e),
    schemaRow({ name: "rejects y", want: "fail", runt: "pass" }, "fail", e),
    schemaRow({ name: "rejects z", want: "fail", runt: "fail" }, "pass", e),
    schemaRow({ name: "podman.json", want: "pass", runt: "pass" }, "fail", e),
    schemaRow({ name: "gone.json", want: "pass", runt: "pass" }, "missing", e),
  ];
  expect(rows.map((r) => [r.name, r.reference, r.runt, r.verdict])).toEqual([
    ["runt spec", "pass", "pass", "ok"],
    ["runt features", "fail", "pass", "regression"],
    ["fixture.json", "pass", "fail", "regression"],
    ["rejects x", "fail", "fail", "ok"],
    ["rejects y", "fail", "pass", "regression"],
    ["rejects z", "pass", "fail", "regression"],
    ["podman.json", "fail", "pass", "known"],
    ["gone.json", "missing", "pass", "regression"],
  ]);
  expect(rows.every((r) => r.suite === "schema")).toBe(true);
  expect(totals(rows, "schema", "schema")).toBe(
    "schema: schema 3 passed, 4 failed, 0 skipped | runt 5 passed, 3 failed, 0 skipped | 5 regressions",
  );
  expect(table(rows.slice(0, 2), "schema").split("\n")).toEqual([
    "test                  schema  runt   verdict",
    "runt spec             pass    pass   ok",
    "runt features         FAIL    pass   regression",
  ]);
});
