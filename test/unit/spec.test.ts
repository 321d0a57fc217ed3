import { describe, expect, test } from "bun:test";
import { parseConfig, SpecError, U64_MAX, u64, validateConfig } from "../../src/spec/index.ts";
import { base, fixture, fixtureTexts, type Json, specError } from "./spec-helpers.ts";

describe("validateConfig: valid configs", () => {
  for (const [name, text] of fixtureTexts()) {
    test(`fixture ${name}`, () => {
      const value = JSON.parse(text);
      expect(validateConfig(value)).toBe(value);
    });
  }

  const accepted: [string, (c: Json) => void][] = [
    ["the base config", () => {}],
    ["a pre-release ociVersion", (c) => (c.ociVersion = "1.0.2-dev")],
    ["a build-metadata ociVersion", (c) => (c.ociVersion = "1.1.0+dev")],
    ["a relative mount destination", (c) => (c.mounts = [{ destination: "tmp", type: "tmpfs" }])],
    ["unknown fields", (c) => Object.assign(c, { extra: 1, process: { ...c.process, x: [] } })],
    ["other platforms' sections", (c) => Object.assign(c, { windows: 1, solaris: "x", vm: [] })],
    ["a fifo device without numbers", (c) => (c.linux.devices = [{ type: "p", path: "/dev/f" }])],
    [
      "a joined user namespace without mappings",
      (c) => c.linux.namespaces.push({ type: "user", path: "/proc/1/ns/user" }),
    ],
    [
      "an idmap mount in a user namespace",
      (c) => {
        c.linux.namespaces.push({ type: "user" });
        c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
        c.mounts = [{ destination: "/d", source: "/s", options: ["bind", "idmap"] }];
      },
    ],
    ["an empty hostname without a uts namespace", (c) => (c.hostname = "")],
    ["empty mapping lists without a user namespace", (c) => (c.linux.uidMappings = [])],
    ["an empty timeOffsets without a time namespace", (c) => (c.linux.timeOffsets = {})],
    ["a recursive rootfsPropagation (Docker)", (c) => (c.linux.rootfsPropagation = "rslave")],
    ["no linux section", (c) => delete c.linux],
    ["an unknown capability name", (c) => (c.process.capabilities = { bounding: ["CAP_NEW"] })],
    [
      "any capability string (runc ignores the ones it does not know, with a warning)",
      (c) => (c.process.capabilities = { effective: ["NET_ADMIN", "/proc/self/fd/3", ""] }),
    ],
    ["the largest uid runc takes", (c) => (c.process.user = { uid: 2 ** 31 - 1, gid: 0 })],
    [
      "ambient capabilities without inheritable ones (runc spec 1.1)",
      (c) => (c.process.capabilities = { permitted: ["CAP_KILL"], ambient: ["CAP_KILL"] }),
    ],
    [
      'a device access with letters runc ignores ("rwa", runc\'s update.bats)',
      (c) =>
        (c.linux.resources = {
          devices: [
            { allow: false, access: "rwm" },
            { allow: false, type: "c", major: 1, minor: 11, access: "rwa" },
            { allow: true, type: "c", major: 1, minor: 3, access: "rwmx" },
          ],
        }),
    ],
    [
      "RLIM_INFINITY",
      (c) =>
        (c.process.rlimits = [
          { type: "RLIMIT_CORE", soft: 2 ** 64, hard: JSON.parse("18446744073709551615") },
        ]),
    ],
    [
      "an int64 at its maximum",
      (c) =>
        (c.linux.devices = [
          { type: "c", path: "/d", major: JSON.parse("9223372036854775807"), minor: 0 },
        ]),
    ],
  ];
  for (const [what, mutate] of accepted) {
    test(what, () => {
      const c = base();
      mutate(c);
      expect(validateConfig(c)).toBe(c);
    });
  }

  test("u64 keeps uint64 values and caps rounded ones at U64_MAX", () => {
    expect(u64(1024)).toBe(1024n);
    expect(u64(JSON.parse("18446744073709551615"))).toBe(U64_MAX);
    expect(u64(2 ** 64)).toBe(U64_MAX);
    expect(U64_MAX).toBe(18446744073709551615n);
  });
});

describe("validateConfig: error messages", () => {
  test("a document that is not an object", () => {
    const err = specError(() => validateConfig([]));
    expect(err.path).toBe("");
    expect(err.message).toBe("config.json: expected an object, got an empty array");
  });

  test("long strings are shortened", () => {
    const err = specError(() => validateConfig({ ...base(), ociVersion: "9".repeat(100) }));
    expect(err.detail).toBe(
      `expected a 1.x SemVer version such as "1.3.0", got "${"9".repeat(55)}..."`,
    );
  });

  test("the file name given prefixes the message", () => {
    const err = specError(() => validateConfig({ ...base(), root: 1 }, "/b/config.json"));
    expect(err.file).toBe("/b/config.json");
    expect(err.message).toBe("/b/config.json: root: expected an object, got 1");
  });
});

describe("parseConfig", () => {
  test("parses and validates", () => {
    const spec = parseConfig(JSON.stringify(fixture("full.json")), "/b/config.json");
    expect(spec.process.args).toEqual(["/usr/sbin/nginx", "-g", "daemon off;"]);
    expect(spec.root.path).toBe("/var/lib/containers/web/rootfs");
  });

  test("validation errors name the file", () => {
    const err = specError(() => parseConfig('{"ociVersion": "1.3.0"}', "/b/config.json"));
    expect(err.message).toBe("/b/config.json: root: expected an object, got nothing");
    expect(err).toBeInstanceOf(SpecError);
  });

  const invalid: [string, string][] = [
    ['{\n  "ociVersion": "1.3.0",\n  "root": }', 'line 3, column 11: unexpected "}"'],
    ['{"a": [1, 2,]}', 'line 1, column 13: unexpected "]"'],
    ['{"a": 1,\n}', 'line 2, column 1: unexpected "}"'],
    ["", "line 1, column 1: unexpected end of input"],
    ['{"a": "b', "line 1, column 9: unexpected end of input"],
    ["{'a': 1}", `line 1, column 2: unexpected "'"`],
    ['{"a": 01}', 'line 1, column 8: unexpected "1"'],
    ['{"a": "\t"}', "line 1, column 8: unexpected character U+0009"],
    ['{"a": "\\x"}', 'line 1, column 9: unexpected "x"'],
    ["{} {}", 'line 1, column 4: unexpected "{"'],
    ['\n\n  {"a": tru}', 'line 3, column 12: unexpected "}"'],
  ];
  for (const [text, where] of invalid) {
    test(`invalid JSON ${JSON.stringify(text)}`, () => {
      const err = specError(() => parseConfig(text, "config.json"));
      expect(err.path).toBe("");
      expect(err.message).toBe(`config.json: invalid JSON at ${where}`);
    });
  }

  test("every truncation of a fixture is located exactly when JSON.parse fails", () => {
    const text = JSON.stringify(fixture("joined-namespaces.json"), null, 1);
    for (let n = 0; n < text.length; n++) {
      const prefix = text.slice(0, n);
      let parses = true;
      try {
        JSON.parse(prefix);
      } catch {
        parses = false;
      }
      if (parses) continue;
      const err = specError(() => parseConfig(prefix, "c.json"));
      expect(err.message).toMatch(/^c\.json: invalid JSON at line \d+, column \d+: unexpected /);
    }
  });
});
