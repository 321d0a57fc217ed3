import { RuntError } from "../errors.ts";

/**
 * A config.json that runt cannot use. `path` names the offending field the way a
 * person would write it ("process.args[0]", "linux.namespaces[2].type"; "" for the
 * document itself); the message is "<file>: <path>: <detail>".
 */
export class SpecError extends RuntError {
  override name = "SpecError";
  readonly file: string;
  readonly path: string;
  readonly detail: string;

  constructor(path: string, detail: string, file = "config.json") {
    super(path === "" ? `${file}: ${detail}` : `${file}: ${path}: ${detail}`);
    this.file = file;
    this.path = path;
    this.detail = detail;
  }

  /** The same error reported against another file name. */
  inFile(file: string): SpecError {
    return file === this.file ? this : new SpecError(this.path, this.detail, file);
  }
}

/** Throws SpecError with the detail "expected <expected>, got <got>". */
export function fail(path: string, expected: string, got: string): never {
  throw new SpecError(path, `expected ${expected}, got ${got}`);
}

/** Throws the usual type error for a value: "expected <expected>, got <describe(value)>". */
export function mismatch(path: string, expected: string, value: unknown): never {
  return fail(path, expected, describe(value));
}

const MAX_SHOWN = 60;

/** How a value appears after "got" in messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  switch (typeof value) {
    case "string": {
      const shown = JSON.stringify(value);
      return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN - 4)}..."` : shown;
    }
    case "object":
      return "an object";
    default:
      return String(value);
  }
}

/** `"a", "b", "c"` for "one of" messages. */
export function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}
