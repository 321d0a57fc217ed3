// The hand-written validator on the fixtures and on configs the runtime-spec's schema
// rejects. The cross-check against the schemas themselves is the conformance run's
// (scripts/conformance.ts --suite schema): unit tests read nothing outside the checkout.
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../src/spec/index.ts";
import { brokenConfig, SCHEMA_REJECTS, schemaBase } from "../helpers/schema-cases.ts";
import { fixtureTexts } from "./spec-helpers.ts";

describe("fixtures and schema rejects", () => {
  const fixtures = fixtureTexts();
  test("there are fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(5);
  });
  for (const [name, text] of fixtures) {
    test(`fixture ${name} passes validateConfig`, () => {
      const value = JSON.parse(text);
      expect(validateConfig(value)).toBe(value);
    });
  }

  // The hand-written validator is stricter than the schema in places (prose rules),
  // never looser: whatever the schema rejects, validateConfig rejects too.
  test("the base of the schema rejects passes validateConfig", () => {
    const c = schemaBase();
    expect(validateConfig(c)).toBe(c);
  });
  for (const [what, mutate] of SCHEMA_REJECTS) {
    test(`validateConfig rejects ${what}`, () => {
      expect(() => validateConfig(brokenConfig(mutate))).toThrow();
    });
  }
});
