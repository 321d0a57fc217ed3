import { describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeAll } from "../../src/stdio.ts";

describe("writeAll", () => {
  test("writes the whole text, multi-byte characters included", () => {
    const dir = mkdtempSync("/tmp/runt-stdio-");
    try {
      const file = join(dir, "out");
      const fd = openSync(file, "w");
      const text = `${"é".repeat(70000)}\nend\n`;
      expect(writeAll(fd, text)).toBe(true);
      closeSync(fd);
      expect(readFileSync(file, "utf8")).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test("a descriptor that cannot be written gives false, not a throw", () => {
    const dir = mkdtempSync("/tmp/runt-stdio-");
    try {
      const fd = openSync(join(dir, "ro"), "w");
      closeSync(fd);
      const ro = openSync(join(dir, "ro"), "r");
      expect(writeAll(ro, "x")).toBe(false);
      closeSync(ro);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
