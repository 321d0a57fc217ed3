// The JSON that enters runt other than config.json goes through the same checkers:
// update -r FILE (linux.resources), exec --process FILE (process) and the library's
// create with a spec object. Errors name the file (or CreateOptions.spec) first, then
// the field's path in that document, as config.json errors do.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseFlags } from "../../src/cli/args.ts";
import { exec, execProcessFromFlags } from "../../src/cli/exec.ts";
import { resourcesFromFlags } from "../../src/cli/update.ts";
import { createContainer } from "../../src/container/create.ts";
import { validateProcessFile, validateResourcesFile } from "../../src/spec/index.ts";
import type { Process } from "../../src/spec/types.ts";
import { base, I64, specError, U32 } from "./spec-helpers.ts";

const tmp = mkdtempSync("/tmp/runt-spec-documents-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe("update -r FILE: a linux.resources document", () => {
  test("a bad field: the file, then its path in the file", () => {
    const path = file("r1.json", '{"memory": {"limit": "64M"}}');
    const err = specError(() => resourcesFromFlags({ resources: path }, () => ""));
    expect(err.file).toBe(path);
    expect(err.path).toBe("memory.limit");
    expect(err.message).toBe(`${path}: memory.limit: expected ${I64}, got "64M"`);
  });

  test("array elements and the document itself", () => {
    const e1 = specError(() => validateResourcesFile({ devices: [{ allow: "yes" }] }, "r.json"));
    expect(e1.message).toBe('r.json: devices[0].allow: expected a boolean, got "yes"');
    const e2 = specError(() => validateResourcesFile([], "r.json"));
    expect(e2.message).toBe("r.json: expected an object, got an empty array");
    const e3 = specError(() => validateResourcesFile({ pids: { limit: 1.5 } }, "r.json"));
    expect(e3.message).toBe(`r.json: pids.limit: expected ${I64}, got 1.5`);
  });

  test("not JSON: line and column, as for config.json", () => {
    const path = file("r2.json", '{"pids": {"limit": 5,}}');
    expect(() => resourcesFromFlags({ resources: path }, () => "")).toThrow(
      `${path}: invalid JSON at line 1, column 22: unexpected "}"`,
    );
  });

  test("stdin is named as such", () => {
    expect(() => resourcesFromFlags({ resources: "-" }, () => '{"cpu": {"shares": -1}}')).toThrow(
      "stdin: cpu.shares: expected an integer from 0 to 18446744073709551615, got -1",
    );
  });

  test("a valid document is returned as given, the flags on top", () => {
    const path = file("r3.json", '{"pids": {"limit": 5}, "memory": {"limit": 1024}}');
    expect(resourcesFromFlags({ resources: path, "cpu-quota": "500" }, () => "")).toEqual({
      pids: { limit: 5 },
      memory: { limit: 1024 },
      cpu: { quota: 500 },
    });
  });
});

describe("exec --process FILE: a process document", () => {
  const parse = (argv: string[]) => parseFlags(argv, exec.flags, "runt exec", true);
  const noBase = (): Process => {
    throw new Error("the container's process is not read with --process");
  };
  const run = (path: string) => execProcessFromFlags(parse(["-p", path]).flags, [], noBase);

  test("a bad field: the file, then its path in the file", () => {
    const path = file("p1.json", '{"args": ["sh"], "user": {"uid": "root", "gid": 0}}');
    const err = specError(() => run(path));
    expect(err.file).toBe(path);
    expect(err.path).toBe("user.uid");
    expect(err.message).toBe(`${path}: user.uid: expected ${U32}, got "root"`);
  });

  test("args, env and rlimits are checked as in config.json", () => {
    const check = (p: unknown) => specError(() => validateProcessFile(p, "p.json")).message;
    const ok = { args: ["sh"], cwd: "/", user: { uid: 0, gid: 0 } };
    expect(check({ ...ok, args: [] })).toBe(
      "p.json: args: expected at least one argument, got an empty array",
    );
    expect(check({ ...ok, env: ["NOEQUALS"] })).toBe(
      'p.json: env[0]: expected "NAME=value", got "NOEQUALS"',
    );
    expect(check({ ...ok, rlimits: [{ type: "RLIMIT_NOFILE", soft: 9, hard: 1 }] })).toBe(
      "p.json: rlimits[0].soft: expected at most hard (1), got 9",
    );
    expect(check({ ...ok, cwd: "tmp" })).toBe('p.json: cwd: expected an absolute path, got "tmp"');
    expect(check("sh")).toBe('p.json: expected an object, got "sh"');
  });

  test("not JSON: line and column", () => {
    const path = file("p2.json", "{\n  args: []\n}");
    expect(() => run(path)).toThrow(`${path}: invalid JSON at line 2, column 3: unexpected "a"`);
  });

  test("cwd and user may be left out, as runc's exec fills them in", () => {
    const path = file("p3.json", '{"args": ["true"]}');
    const p = run(path);
    expect(p).toEqual({ args: ["true"], cwd: "/", user: { uid: 0, gid: 0 } });
  });
});

describe("create with a spec object", () => {
  test("a bad field: CreateOptions.spec, then the path; nothing is made", () => {
    const root = join(tmp, "state");
    const spec = base();
    spec.process.user.gid = -1;
    const err = specError(() => createContainer({ root, id: "bad-spec", bundle: tmp, spec }));
    expect(err.file).toBe("CreateOptions.spec");
    expect(err.message).toBe(`CreateOptions.spec: process.user.gid: expected ${U32}, got -1`);
    expect(existsSync(root)).toBe(false);
  });
});
