// Small checkers the validators are built from. Each takes the value and its path,
// throws SpecError on a mismatch and returns the value typed. The `opt*` forms
// accept undefined (a missing field) and return it unchanged. `record` checks an
// object field by field and returns it as its interface: the compiler holds its
// table of checkers to one per field of that interface, each returning that field's
// type, so a validator's result is typed by what it checked.

import { fail, mismatch, quoteList } from "./errors.ts";

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function obj(value: unknown, path: string): Obj {
  if (!isObj(value)) mismatch(path, "an object", value);
  return value;
}

export function optObj(value: unknown, path: string): Obj | undefined {
  return value === undefined ? undefined : obj(value, path);
}

export function arr(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) mismatch(path, "an array", value);
  return value;
}

export function optArr(value: unknown, path: string): unknown[] | undefined {
  return value === undefined ? undefined : arr(value, path);
}

/** Any string that can become a C string (no NUL byte). */
export function str(value: unknown, path: string): string {
  if (typeof value !== "string") mismatch(path, "a string", value);
  if (value.includes("\0")) mismatch(path, "a string without NUL bytes", value);
  return value;
}

export function optStr(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : str(value, path);
}

export function nonEmptyStr(value: unknown, path: string): string {
  const text = str(value, path);
  if (text === "") mismatch(path, "a non-empty string", value);
  return text;
}

export function absPath(value: unknown, path: string): string {
  if (typeof value !== "string" || !value.startsWith("/")) {
    mismatch(path, "an absolute path", value);
  }
  return str(value, path);
}

export function optAbsPath(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : absPath(value, path);
}

/** A string matching `re`; anything else is reported as "expected <what>". */
export function matching(value: unknown, path: string, re: RegExp, what: string): string {
  if (typeof value !== "string" || !re.test(value)) mismatch(path, what, value);
  return str(value, path);
}

export function optMatching(
  value: unknown,
  path: string,
  re: RegExp,
  what: string,
): string | undefined {
  return value === undefined ? undefined : matching(value, path, re, what);
}

export function bool(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") mismatch(path, "a boolean", value);
  return value;
}

export function optBool(value: unknown, path: string): boolean | undefined {
  return value === undefined ? undefined : bool(value, path);
}

export type IntKind = "int32" | "int64" | "uint16" | "uint32" | "uint64";

// Bounds as doubles; int64/uint64 limits round up to 2^63 / 2^64 exactly as
// JSON.parse rounds the largest literals, so those literals pass.
const INT_BOUNDS: Record<IntKind, [number, number, string]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1, "-2147483648 to 2147483647"],
  int64: [-(2 ** 63), 2 ** 63, "-9223372036854775808 to 9223372036854775807"],
  uint16: [0, 65535, "0 to 65535"],
  uint32: [0, 2 ** 32 - 1, "0 to 4294967295"],
  uint64: [0, 2 ** 64, "0 to 18446744073709551615"],
};

export function int(value: unknown, path: string, kind: IntKind): number {
  const [min, max, text] = INT_BOUNDS[kind];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    mismatch(path, `an integer from ${text}`, value);
  }
  return value;
}

export function optInt(value: unknown, path: string, kind: IntKind): number | undefined {
  return value === undefined ? undefined : int(value, path, kind);
}

/** int() and optInt() of one kind, as Checks for record() tables. */
export const intOf =
  (kind: IntKind): Check<number> =>
  (value, path) =>
    int(value, path, kind);
export const optIntOf =
  (kind: IntKind): Check<number | undefined> =>
  (value, path) =>
    optInt(value, path, kind);

export function oneOf<T extends string>(value: unknown, path: string, values: readonly T[]): T {
  const isOne = (v: unknown): v is T =>
    typeof v === "string" && (values as readonly string[]).includes(v);
  if (!isOne(value)) mismatch(path, `one of ${quoteList(values)}`, value);
  return value;
}

export function optOneOf<T extends string>(
  value: unknown,
  path: string,
  values: readonly T[],
): T | undefined {
  return value === undefined ? undefined : oneOf(value, path, values);
}

/** A checker of the value at a path, returning it as T. */
export type Check<T> = (value: unknown, path: string) => T;

/** One checker per field of T, required or not (the checker of an optional one takes undefined). */
export type Fields<T> = { [K in keyof T]-?: Check<T[K]> };

/** "a.b", or "b" at the document itself. */
export function fieldPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * The object at `path` with each field checked by its entry of `fields`, in the
 * table's order; returned as T, the same object (unknown fields are left as they are).
 */
export function record<T>(value: unknown, path: string, fields: Fields<T>): T {
  const o = obj(value, path);
  for (const key in fields) fields[key](o[key], fieldPath(path, key));
  // Sound by construction: Fields<T> has a checker of T[K] for every K of T.
  return o as T;
}

/** record() of an optional field. */
export function optRecord<T>(value: unknown, path: string, fields: Fields<T>): T | undefined {
  return value === undefined ? undefined : record(value, path, fields);
}

/** A checker that first runs `check`, then `then` on its result (rules across fields). */
export function also<T>(check: Check<T>, then: (value: T, path: string) => void): Check<T> {
  return (value, path) => {
    const typed = check(value, path);
    then(typed, path);
    return typed;
  };
}

/** Checks every element of an optional array with `each(element, elementPath, index)`. */
export function optEach<T>(
  value: unknown,
  path: string,
  each: (element: unknown, elementPath: string, index: number) => T,
): T[] | undefined {
  if (value === undefined) return undefined;
  const list = arr(value, path);
  for (let i = 0; i < list.length; i++) each(list[i], `${path}[${i}]`, i);
  return list as T[];
}

/** optEach as a Check, for record() tables. */
export function optList<T>(each: Check<T>): Check<T[] | undefined> {
  return (value, path) => optEach(value, path, each);
}

export function optStrArray(value: unknown, path: string): string[] | undefined {
  return optEach(value, path, str);
}

/** A JSON object used as a map with non-empty keys; `each` checks each value. */
export function optMap<T>(
  value: unknown,
  path: string,
  each: (element: unknown, elementPath: string, key: string) => T,
): Record<string, T> | undefined {
  if (value === undefined) return undefined;
  const map = obj(value, path);
  for (const key in map) {
    if (key === "") fail(path, "non-empty keys", '""');
    each(map[key], `${path}${keySuffix(key)}`, key);
  }
  return map as Record<string, T>;
}

/** A map of string to string (annotations, sysctl, unified). */
export function optStrMap(value: unknown, path: string): Record<string, string> | undefined {
  return optMap(value, path, str);
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** ".name" for plain keys, `["net.ipv4.ip_forward"]` for the rest. */
export function keySuffix(key: string): string {
  return IDENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
