import { describe, expect, test } from "bun:test";
import { stateRoot } from "../../src/cli/state-root.ts";
import { parseRootlessFlag } from "../../src/container/rootless.ts";
import { isSelfMapping, subidRanges } from "../../src/container/rootless-create.ts";

describe("--rootless", () => {
  test("runc's words: true, false, auto (and ParseBool's spellings)", () => {
    expect(parseRootlessFlag(undefined)).toBe("auto");
    expect(parseRootlessFlag("auto")).toBe("auto");
    for (const t of ["1", "t", "true", "TRUE", "True"]) expect(parseRootlessFlag(t)).toBe(true);
    for (const f of ["0", "f", "false", "FALSE"]) expect(parseRootlessFlag(f)).toBe(false);
    expect(() => parseRootlessFlag("yes")).toThrow('--rootless: invalid value "yes"');
  });
});

describe("subid ranges", () => {
  const text = "alice:100000:65536\n1001:300000:10\nbob:200000:65536\nbad line\nalice:x:1\n";
  test("by name and by uid, [start, end)", () => {
    expect(subidRanges(text, 1001, "alice")).toEqual([
      [100000, 165536],
      [300000, 300010],
    ]);
    expect(subidRanges(text, 1002, "carol")).toEqual([]);
  });
  test("a self mapping is one range of size 1 at the caller's id", () => {
    expect(isSelfMapping([{ containerID: 0, hostID: 7, size: 1 }], 7)).toBe(true);
    expect(isSelfMapping([{ containerID: 0, hostID: 7, size: 2 }], 7)).toBe(false);
    expect(isSelfMapping([{ containerID: 0, hostID: 8, size: 1 }], 7)).toBe(false);
    expect(isSelfMapping([], 7)).toBe(false);
  });
});

describe("state root", () => {
  test("--root wins over XDG_RUNTIME_DIR, and needs nothing made", () => {
    const r = stateRoot("/x", "/run/runt", { XDG_RUNTIME_DIR: "/y" });
    expect(r.root).toBe("/x");
    expect(() => r.ensure()).not.toThrow();
  });
});
