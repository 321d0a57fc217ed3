import { describe, expect, test } from "bun:test";
import { type FlagDef, parseFlags } from "../../src/cli/args.ts";
import { parseSignal } from "../../src/container/signals.ts";

const defs: FlagDef[] = [
  { name: "bundle", short: "b", kind: "string", help: "" },
  { name: "detach", short: "d", kind: "bool", help: "" },
  { name: "preserve-fds", kind: "int", help: "" },
];

describe("parseFlags", () => {
  test("--flag value, --flag=value, -f value and single-dash long flags", () => {
    for (const argv of [
      ["--bundle", "/b", "id"],
      ["--bundle=/b", "id"],
      ["-b", "/b", "id"],
      ["-bundle", "/b", "id"],
      ["id", "--bundle", "/b"],
    ]) {
      expect(parseFlags(argv, defs, "t")).toEqual({ flags: { bundle: "/b" }, positional: ["id"] });
    }
  });
  test("booleans take an optional =true/=false", () => {
    expect(parseFlags(["-d"], defs, "t").flags).toEqual({ detach: true });
    expect(parseFlags(["--detach=false"], defs, "t").flags).toEqual({ detach: false });
    expect(() => parseFlags(["--detach=maybe"], defs, "t")).toThrow("takes true or false");
  });
  test("ints are checked", () => {
    expect(parseFlags(["--preserve-fds", "2"], defs, "t").flags).toEqual({ "preserve-fds": 2 });
    expect(() => parseFlags(["--preserve-fds", "x"], defs, "t")).toThrow(
      'flag --preserve-fds takes a whole number, got "x"',
    );
  });
  test("unknown flags and missing values are clear errors", () => {
    expect(() => parseFlags(["--nope"], defs, "runt run")).toThrow("runt run: unknown flag --nope");
    expect(() => parseFlags(["--bundle"], defs, "t")).toThrow("flag --bundle needs a value");
  });
  test("global flags stop at the verb; -- ends flags", () => {
    expect(parseFlags(["--bundle", "x", "run", "-d"], defs, "g", true)).toEqual({
      flags: { bundle: "x" },
      positional: ["run", "-d"],
    });
    expect(parseFlags(["--", "-d"], defs, "t").positional).toEqual(["-d"]);
  });
});

describe("parseSignal", () => {
  test("names, SIG-prefixed names, lower case and numbers", () => {
    expect(parseSignal("KILL")).toBe(9);
    expect(parseSignal("SIGTERM")).toBe(15);
    expect(parseSignal("sigusr1")).toBe(10);
    expect(parseSignal("2")).toBe(2);
    expect(parseSignal("RTMIN+2")).toBe(36);
    expect(parseSignal("0")).toBe(0); // kill(2)'s existence check, as runc takes it
  });
  test("garbage is refused", () => {
    expect(() => parseSignal("NOPE")).toThrow('invalid signal "NOPE"');
    expect(() => parseSignal("65")).toThrow();
  });
});
