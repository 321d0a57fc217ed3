import { describe, expect, test } from "bun:test";
import {
  defaultSpec,
  refuseUnsupported,
  UNSUPPORTED,
  validateConfig,
} from "../../src/spec/index.ts";
import { refuseUnsupported as fromValidate } from "../../src/spec/validate.ts";
import { base, fixture, type Json, specError } from "./spec-helpers.ts";

const SUFFIX = "is not supported by runt yet; remove it from config.json";

/** [path reported, what, how to use the feature in the base config]. */
const refused: [string, string, (c: Json) => void][] = [];

describe("refuseUnsupported", () => {
  for (const [path, what, use] of refused) {
    test(path, () => {
      const c = base();
      use(c);
      validateConfig(c); // a valid use of the field, refused only for being unsupported
      const err = specError(() => refuseUnsupported(c));
      expect(err.path).toBe(path);
      expect(err.message).toBe(`config.json: ${path}: ${what} ${SUFFIX}`);
    });
  }

  test("every UNSUPPORTED entry is covered above", () => {
    const whats = new Set(refused.map(([, what]) => what));
    expect(UNSUPPORTED.map((u) => u.what).filter((w) => !whats.has(w))).toEqual([]);
  });

  // Once every field is implemented there is nothing left to refuse.
  test.if(refused.length > 0)("the file name given prefixes the message", () => {
    const [path, what, use] = refused[0] as (typeof refused)[number];
    const c = base();
    use(c);
    expect(specError(() => refuseUnsupported(c, "/b/config.json")).message).toBe(
      `/b/config.json: ${path}: ${what} ${SUFFIX}`,
    );
  });

  test("is also exported by validate.ts", () => {
    expect(fromValidate).toBe(refuseUnsupported);
  });

  const allowed: [string, (c: Json) => void][] = [
    ["the base config", () => {}],
    ["a terminal (the CLI decides)", (c) => (c.process.terminal = true)],
    ["empty hook lists", (c) => (c.hooks = { prestart: [], poststop: [] })],
    ["an empty AppArmor profile", (c) => (c.process.apparmorProfile = "")],
    [
      "seccomp and LSM labels",
      (c) => {
        c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW" };
        c.process.apparmorProfile = "p";
        c.process.selinuxLabel = "l";
        c.linux.mountLabel = "l";
      },
    ],
    ["empty resource sections", (c) => (c.linux.resources = { memory: {}, cpu: {}, unified: {} })],
    [
      "device cgroup rules",
      (c) => (c.linux.resources = { devices: [{ allow: false, access: "rwm" }] }),
    ],
    [
      "every resource limit",
      (c) =>
        (c.linux.resources = {
          memory: { limit: 1 << 26 },
          cpu: { shares: 512 },
          pids: { limit: 10 },
          blockIO: { weight: 10 },
          hugepageLimits: [{ pageSize: "2MB", limit: 0 }],
          network: { classID: 1 },
          rdma: { mlx: { hcaHandles: 1 } },
          unified: { "pids.max": "5" },
        }),
    ],
    ["annotations", (c) => (c.annotations = { a: "b" })],
    [
      "sysctl, oomScoreAdj, rootfsPropagation",
      (c) => {
        c.linux.namespaces.push({ type: "ipc" });
        c.linux.sysctl = { "kernel.msgmax": "8192" };
        c.linux.rootfsPropagation = "private";
        c.process.oomScoreAdj = 100;
      },
    ],
    [
      "time namespace offsets",
      (c) => {
        c.linux.namespaces.push({ type: "time" });
        c.linux.timeOffsets = { monotonic: { secs: 10 } };
      },
    ],
    [
      "other platforms' sections",
      (c) => Object.assign(c, { vm: { x: 1 }, windows: {}, solaris: {} }),
    ],
  ];
  for (const [what, use] of allowed) {
    test(`allows ${what}`, () => {
      const c = base();
      use(c);
      expect(() => refuseUnsupported(validateConfig(c))).not.toThrow();
    });
  }

  for (const name of [
    "minimal.json",
    "full.json",
    "rootless-userns.json",
    "joined-namespaces.json",
  ]) {
    test(`allows fixture ${name}`, () => {
      expect(() => refuseUnsupported(validateConfig(fixture(name)))).not.toThrow();
    });
  }

  test("fixture everything.json, every field the spec has, is refused nowhere", () => {
    expect(() => refuseUnsupported(validateConfig(fixture("everything.json")))).not.toThrow();
  });

  test("allows both default configs", () => {
    expect(() => refuseUnsupported(defaultSpec())).not.toThrow();
    expect(() => refuseUnsupported(defaultSpec({ rootless: true }))).not.toThrow();
  });
});
