// Shared by the spec*.test.ts files.
import { expect } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SpecError, validateConfig } from "../../src/spec/index.ts";

export const FIXTURES = resolve(import.meta.dir, "../fixtures/configs");

/** [file name, text] of every fixture config. */
export function fixtureTexts(): [string, string][] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => [f, readFileSync(join(FIXTURES, f), "utf8")]);
}

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
}

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary JSON.
export type Json = any;

/** A small valid config to break one field at a time. */
export function base(): Json {
  return {
    ociVersion: "1.3.0",
    root: { path: "rootfs" },
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" },
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }] },
  };
}

export const U32 = "an integer from 0 to 4294967295";
export const U64 = "an integer from 0 to 18446744073709551615";
export const I64 = "an integer from -9223372036854775808 to 9223372036854775807";

/** Breaks base() with mutate and expects validateConfig to name `path` with `detail`. */
export function expectRejected(path: string, mutate: (c: Json) => void, detail: string): void {
  const c = base();
  mutate(c);
  const err = specError(() => validateConfig(c));
  expect(err.path).toBe(path);
  expect(err.detail).toBe(detail);
  expect(err.message).toBe(`config.json: ${path}: ${detail}`);
}

/** Runs fn, expects a SpecError, and returns it. */
export function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error("expected a SpecError, nothing was thrown");
}
