// Cross-checks the hand-written validator against the runtime-spec's own JSON
// schemas (draft-04, so ajv-draft-04): the default configs and every fixture must
// pass both, and configs the schema rejects must not pass validateConfig either.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Ajv, { type ValidateFunction } from "ajv-draft-04";
import { CONTAINER_STATUSES, defaultSpec, validateConfig } from "../../src/spec/index.ts";
import { base, fixtureTexts, type Json } from "./spec-helpers.ts";

// shared/ lies beside the repository (also in CI's fresh clone); RUNT_OCI_SPEC_DIR
// names another copy when it does not.
const CANDIDATES = [
  resolve(import.meta.dir, "../../../shared/oci-runtime-spec"),
  process.env.RUNT_OCI_SPEC_DIR,
].filter((dir): dir is string => dir !== undefined && dir !== "");
const SPEC_DIR = CANDIDATES.find((dir) => existsSync(join(dir, "schema", "config-schema.json")));
const SCHEMA_DIR = join(SPEC_DIR ?? "", "schema");

// config-schema.json refers to the sections of other platforms; the spec copy in
// shared/ carries only the Linux ones. Stand-ins accept any object.
const OTHER_PLATFORMS = ["solaris", "windows", "vm", "zos", "freebsd"];

function loadAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".json"))) {
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMA_DIR, file), "utf8")), file);
  }
  for (const platform of OTHER_PLATFORMS) {
    const file = `config-${platform}.json`;
    if (!existsSync(join(SCHEMA_DIR, file)))
      ajv.addSchema({ [platform]: { type: "object" } }, file);
  }
  return ajv;
}

function compiled(ajv: Ajv, id: string): ValidateFunction {
  const validate = ajv.getSchema(id);
  if (!validate) throw new Error(`schema ${id} did not compile`);
  return validate;
}

function expectValid(validate: ValidateFunction, value: unknown): void {
  const ok = validate(value);
  // Show ajv's findings on failure rather than a bare "false".
  expect(ok ? [] : validate.errors).toEqual([]);
}

test("the runtime-spec schemas are found", () => {
  if (!SPEC_DIR) throw new Error(`no schema/config-schema.json in ${CANDIDATES.join(" or ")}`);
});

describe.if(SPEC_DIR !== undefined)("runtime-spec schemas", () => {
  const ajv = loadAjv();
  const config = compiled(ajv, "config-schema.json");

  test("defaultSpec() matches config-schema.json", () => {
    expectValid(config, defaultSpec());
  });

  test("defaultSpec({ rootless: true }) matches config-schema.json", () => {
    expectValid(config, defaultSpec({ rootless: true }));
  });

  test("defaultSpec({ args }) matches config-schema.json", () => {
    expectValid(config, defaultSpec({ args: ["/bin/echo", "a b"] }));
  });

  const fixtures = fixtureTexts();
  test("there are fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(5);
  });
  for (const [name, text] of fixtures) {
    test(`fixture ${name} matches config-schema.json and validateConfig`, () => {
      const value = JSON.parse(text);
      expectValid(config, value);
      expect(validateConfig(value)).toBe(value);
    });
  }

  // The hand-written validator is stricter than the schema in places (prose rules),
  // never looser: whatever the schema rejects, validateConfig rejects too.
  const schemaRejects: [string, (c: Json) => void][] = [
    ["no ociVersion", (c) => delete c.ociVersion],
    ["a numeric root.path", (c) => (c.root.path = 1)],
    ["no process.cwd", (c) => delete c.process.cwd],
    ["a negative uid", (c) => (c.process.user.uid = -1)],
    [
      "a lowercase rlimit",
      (c) => (c.process.rlimits = [{ type: "rlimit_nofile", soft: 1, hard: 1 }]),
    ],
    ["an rlimit without hard", (c) => (c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1 }])],
    ["an unknown namespace", (c) => c.linux.namespaces.push({ type: "net" })],
    ["a mount without destination", (c) => (c.mounts = [{ source: "/a" }])],
    ["a device of type x", (c) => (c.linux.devices = [{ type: "x", path: "/dev/x" }])],
    ["a hook without path", (c) => (c.hooks = { poststop: [{ args: [] }] })],
    ["a hook timeout of 0", (c) => (c.hooks = { poststop: [{ path: "/h", timeout: 0 }] })],
    [
      "a bad hugepage size",
      (c) => (c.linux.resources = { hugepageLimits: [{ pageSize: "2M", limit: 1 }] }),
    ],
    ["a bad seccomp action", (c) => (c.linux.seccomp = { defaultAction: "ALLOW" })],
    [
      "an empty syscall name list",
      (c) =>
        (c.linux.seccomp = {
          defaultAction: "SCMP_ACT_ALLOW",
          syscalls: [{ names: [], action: "SCMP_ACT_LOG" }],
        }),
    ],
    ["a non-string annotation", (c) => (c.annotations = { a: 1 })],
    ["a non-string sysctl", (c) => (c.linux.sysctl = { "net.ipv4.ip_forward": 1 })],
    ["an oversized blkio weight", (c) => (c.linux.resources = { blockIO: { weight: 65536 } })],
    ["a bad memBwSchema", (c) => (c.linux.intelRdt = { memBwSchema: "L3:1" })],
    ["a bad scheduler flag", (c) => (c.process.scheduler = { policy: "SCHED_RR", flags: ["X"] })],
  ];
  for (const [what, mutate] of schemaRejects) {
    test(`schema and validateConfig both reject ${what}`, () => {
      const c = base();
      expectValid(config, c);
      mutate(c);
      expect(config(c)).toBe(false);
      expect(() => validateConfig(c)).toThrow();
    });
  }

  test("state-schema.json agrees with the State statuses", () => {
    const state = compiled(ajv, "state-schema.json");
    for (const status of CONTAINER_STATUSES) {
      expectValid(state, { ociVersion: "1.3.0", id: "c1", status, pid: 1, bundle: "/b" });
    }
    expect(state({ ociVersion: "1.3.0", id: "c1", status: "paused", bundle: "/b" })).toBe(false);
  });
});
