// The device allow-list: which rules runc would apply, the v1 controller state
// they lead to, and the writes that get a devices cgroup there. Pure.
import { describe, expect, test } from "bun:test";
import {
  CgroupError,
  type DeviceRule,
  deviceRuleString,
  deviceState,
  effectiveDeviceRules,
  parseDevicesList,
  v1DeviceWrites,
} from "../../src/cgroups/index.ts";
import { r } from "./device-rule.ts";

const DENY_ALL = { allow: false, access: "rwm" };

/** devices.list as runc 1.1.5 leaves it on this host for a config that denies everything
 * and adds nothing (read back from /sys/fs/cgroup/devices/<container>/devices.list). */
const RUNC_DEVICES_LIST = `b *:* m
c *:* m
c 1:3 rwm
c 1:5 rwm
c 1:7 rwm
c 1:8 rwm
c 1:9 rwm
c 5:0 rwm
c 5:2 rwm
c 10:200 rwm
c 136:* rwm
`;

const listOf = (rules: DeviceRule[]) =>
  deviceState(rules)
    .exceptions.map((e) => deviceRuleString(e))
    .sort();

describe("effectiveDeviceRules", () => {
  test("config rules first, then runc's defaults", () => {
    const rules = effectiveDeviceRules([
      DENY_ALL,
      { allow: true, type: "c", major: 10, minor: 229, access: "rw" },
    ]);
    expect(rules.slice(0, 2).map(deviceRuleString)).toEqual(["a", "c 10:229 rw"]);
    expect(rules.slice(2).map(deviceRuleString)).toEqual([
      "c *:* m",
      "b *:* m",
      "c 1:3 rwm",
      "c 1:8 rwm",
      "c 1:7 rwm",
      "c 5:0 rwm",
      "c 1:5 rwm",
      "c 1:9 rwm",
      "c 136:* rwm",
      "c 5:2 rwm",
      "c 10:200 rwm",
    ]);
  });

  test("the allowed set equals what runc 1.1.5 leaves in devices.list", () => {
    expect(listOf(effectiveDeviceRules([DENY_ALL]))).toEqual(
      parseDevicesList(RUNC_DEVICES_LIST).exceptions.map(deviceRuleString).sort(),
    );
    // runc starts from deny-all too: no config rules at all gives the same list.
    expect(listOf(effectiveDeviceRules())).toEqual(listOf(effectiveDeviceRules([DENY_ALL])));
  });

  test("linux.devices only removes the default with the same path (runc's dedupe)", () => {
    // runc 1.1.5 with /dev/full in linux.devices: "c 1:7 rwm" disappears from devices.list,
    // and /dev/fuse (10:229) in linux.devices is not allowed by it being there.
    const rules = effectiveDeviceRules([DENY_ALL], [{ path: "/dev/full" }, { path: "/dev/fuse" }]);
    const list = listOf(rules);
    expect(list).not.toContain("c 1:7 rwm");
    expect(list).not.toContain("c 10:229 rwm");
    expect(list).toContain("c 1:3 rwm");
    expect(list).toHaveLength(10);
  });

  test("validation names the JSON path", () => {
    expect(() => effectiveDeviceRules([{ allow: true, type: "x", access: "r" }])).toThrow(
      /linux\.resources\.devices\[0\]\.type/,
    );
    expect(() => effectiveDeviceRules([DENY_ALL, { allow: true, type: "c", access: "" }])).toThrow(
      /linux\.resources\.devices\[1\]\.access/,
    );
    expect(() => effectiveDeviceRules([{ allow: true, type: "c" }])).toThrow(CgroupError);
    expect(() =>
      effectiveDeviceRules([{ allow: true, type: "c", major: 1.5, access: "r" }]),
    ).toThrow(/devices\[0\]\.major/);
  });

  test("letters other than r, w and m mean nothing, as in runc (update.bats uses rwa)", () => {
    // runc's "minimal transition rules" config: the kmsg deny changes nothing.
    const rules = effectiveDeviceRules(
      [DENY_ALL, { allow: false, type: "c", major: 1, minor: 11, access: "rwa" }],
      [{ path: "/dev/kmsg" }],
    );
    expect(listOf(rules)).toEqual(RUNC_DEVICES_LIST.trim().split("\n").sort());
    const [x] = effectiveDeviceRules([
      { allow: true, type: "c", major: 1, minor: 11, access: "xa" },
    ]);
    expect(x?.access).toBe("");
    expect(
      listOf(effectiveDeviceRules([DENY_ALL, { allow: true, type: "c", access: "a" }])),
    ).toEqual(listOf(effectiveDeviceRules([DENY_ALL])));
  });

  test("access is canonicalised, -1 and null are wildcards", () => {
    const [r] = effectiveDeviceRules([
      { allow: true, type: "b", major: 8, minor: -1, access: "mwr" },
    ]);
    expect(deviceRuleString(r as DeviceRule)).toBe("b 8:* rwm");
    const [n] = effectiveDeviceRules([
      { allow: true, type: "c", major: null, minor: 3, access: "w" },
    ]);
    expect(deviceRuleString(n as DeviceRule)).toBe("c *:3 w");
  });
});

describe("deviceState (v1 controller semantics)", () => {
  test("a type-'a' rule resets, whatever its other fields", () => {
    const s = deviceState([r(true, "c", 1, 3, "rwm"), r(false, "a", 5, 5, "r")]);
    expect(s).toEqual({ defaultAllow: false, exceptions: [] });
    expect(deviceState([r(true, "a", -1, -1, "rwm")])).toEqual({
      defaultAllow: true,
      exceptions: [],
    });
  });

  test("allows merge; a deny with the same major:minor removes bits", () => {
    const s = deviceState([
      r(false, "a", -1, -1, "rwm"),
      r(true, "c", 1, 3, "r"),
      r(true, "c", 1, 3, "w"),
      r(true, "c", 1, 5, "rwm"),
      r(false, "c", 1, 5, "m"),
      r(true, "b", 8, 0, "r"),
      r(false, "b", 8, 0, "r"),
    ]);
    expect(s.defaultAllow).toBe(false);
    expect(s.exceptions.map(deviceRuleString)).toEqual(["c 1:3 rw", "c 1:5 rw"]);
  });

  test("default allow: denies become exceptions, allows remove them", () => {
    const s = deviceState([
      r(true, "a", -1, -1, "rwm"),
      r(false, "c", 1, 7, "rw"),
      r(false, "b", -1, -1, "m"),
      r(true, "c", 1, 7, "w"),
    ]);
    expect(s.defaultAllow).toBe(true);
    expect(s.exceptions.map(deviceRuleString)).toEqual(["b *:* m", "c 1:7 r"]);
  });

  test("punching a hole in a wildcard rule is refused, naming the rule", () => {
    expect(() =>
      deviceState(
        [r(false, "a", -1, -1, "rwm"), r(true, "c", -1, -1, "rwm"), r(false, "c", 1, 3, "w")],
        (i) => `linux.resources.devices[${i}]`,
      ),
    ).toThrow(
      /linux\.resources\.devices\[2\]: cgroup v1 cannot deny c 1:3 w while the wider rule "c \*:\* rwm"/,
    );
    expect(() =>
      deviceState([
        r(false, "a", -1, -1, "rwm"),
        r(true, "c", 4, -1, "r"),
        r(false, "c", 4, 1, "r"),
      ]),
    ).toThrow(CgroupError);
    // No overlap in access bits: fine (the default "c *:* m" and a deny of "r").
    expect(() =>
      deviceState([
        r(false, "a", -1, -1, "rwm"),
        r(true, "c", -1, -1, "m"),
        r(false, "c", 1, 3, "r"),
      ]),
    ).not.toThrow();
  });

  test("runc's defaults come last, so a config cannot deny /dev/null", () => {
    const rules = effectiveDeviceRules([
      DENY_ALL,
      { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
      { allow: false, type: "c", major: 1, minor: 3, access: "rwm" },
    ]);
    expect(listOf(rules)).toContain("c 1:3 rwm");
  });
});

describe("v1DeviceWrites", () => {
  const fresh = parseDevicesList("a *:* rwm\n");

  test("a new cgroup (allow all): deny all, then each allowed rule", () => {
    const target = deviceState([
      r(false, "a", -1, -1, "rwm"),
      r(true, "c", 1, 3, "rwm"),
      r(true, "c", 136, -1, "rw"),
    ]);
    expect(v1DeviceWrites(fresh, target)).toEqual([
      { file: "devices.deny", rule: "a" },
      { file: "devices.allow", rule: "c 1:3 rwm" },
      { file: "devices.allow", rule: "c 136:* rw" },
    ]);
  });

  test("allow all writes 'a' to devices.allow", () => {
    expect(v1DeviceWrites(fresh, deviceState([r(true, "a", -1, -1, "rwm")]))).toEqual([
      { file: "devices.allow", rule: "a" },
    ]);
  });

  test("default allow with deny exceptions", () => {
    const target = deviceState([r(true, "a", -1, -1, "rwm"), r(false, "c", 1, 7, "rw")]);
    expect(v1DeviceWrites(fresh, target)).toEqual([
      { file: "devices.allow", rule: "a" },
      { file: "devices.deny", rule: "c 1:7 rw" },
    ]);
  });

  test("from an allow-list to another: only the difference, no reset", () => {
    const current = parseDevicesList("c 1:3 rwm\nc 1:5 rwm\nc 10:200 rwm\n");
    const target = deviceState([
      r(false, "a", -1, -1, "rwm"),
      r(true, "c", 1, 3, "rwm"),
      r(true, "c", 1, 5, "r"),
      r(true, "c", 1, 9, "rw"),
    ]);
    expect(v1DeviceWrites(current, target)).toEqual([
      { file: "devices.deny", rule: "c 1:5 wm" },
      { file: "devices.deny", rule: "c 10:200 rwm" },
      { file: "devices.allow", rule: "c 1:9 rw" },
    ]);
    expect(
      v1DeviceWrites(
        parseDevicesList(RUNC_DEVICES_LIST),
        deviceState(effectiveDeviceRules([DENY_ALL])),
      ),
    ).toEqual([]);
  });

  test("parseDevicesList", () => {
    expect(parseDevicesList("a *:* rwm\n")).toEqual({
      defaultAllow: true,
      exceptions: [],
      exact: false,
    });
    expect(parseDevicesList("c 1:3 rwm\nb *:* m\n").exceptions.map(deviceRuleString)).toEqual([
      "b *:* m",
      "c 1:3 rwm",
    ]);
    expect(parseDevicesList("")).toEqual({ defaultAllow: false, exceptions: [], exact: true });
  });
});
