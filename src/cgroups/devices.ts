// The device allow-list: config rules -> the rules runc would apply -> the state
// the cgroup v1 devices controller ends in. Both drivers work from that state: v1
// writes it to devices.allow/deny, v2 compiles it into a BPF program (bpf.ts), so
// a rule list means the same on both.
//
// cgroup v1 semantics, which the state models exactly:
//   - a rule of type "a" (or no type) is a reset, whatever its major, minor and
//     access: allow -> allow everything, deny -> deny everything, and the list
//     of exceptions is emptied;
//   - any other rule whose verdict differs from the default adds an exception
//     (merging access bits into an exception with the same type:major:minor);
//   - a rule whose verdict equals the default removes access bits from the
//     exception with exactly the same type:major:minor. The kernel silently
//     ignores such a rule when a wildcard exception still covers it; runt then
//     refuses the config (as runc does) rather than pretend the rule works.
import { CgroupError } from "./util.ts";

/** A linux.resources.devices entry (structurally the spec's LinuxDeviceCgroup). */
export interface DeviceCgroupInput {
  allow: boolean;
  type?: string;
  major?: number | null;
  minor?: number | null;
  access?: string;
}

/** A linux.devices entry (structurally the spec's LinuxDevice). */
export interface DeviceNodeInput {
  path: string;
}

export type DeviceRuleType = "a" | "c" | "b";

/** A fully resolved rule; major/minor -1 is the wildcard "*". */
export interface DeviceRule {
  allow: boolean;
  type: DeviceRuleType;
  major: number;
  minor: number;
  /** Some of "rwm", in that order. */
  access: string;
}

export const WILDCARD = -1;

/** Access bits, as both the v1 controller and BPF_DEVCG_ACC_* number them. */
export const ACC = { m: 1, r: 2, w: 4 } as const;

export function accessBits(access: string): number {
  let bits = 0;
  for (const ch of access) bits |= ACC[ch as keyof typeof ACC] ?? 0;
  return bits;
}

export function accessString(bits: number): string {
  return (bits & ACC.r ? "r" : "") + (bits & ACC.w ? "w" : "") + (bits & ACC.m ? "m" : "");
}

const rule = (type: "c" | "b", major: number, minor: number, access = "rwm"): DeviceRule => ({
  allow: true,
  type,
  major,
  minor,
  access,
});

/**
 * runc's default rules, appended after the config's rules (so a config cannot
 * deny them). Those with a path are dropped when linux.devices names the same
 * path, exactly as runc does: the config's device then takes the place of the
 * default node, but its access is *not* allowed unless linux.resources.devices
 * allows it (checked against runc 1.1.5 on a hybrid host: with /dev/full in
 * linux.devices, devices.list loses "c 1:7 rwm"). tun/tap (10:200) is in
 * runc's list: 1.2.0 removed it, 1.2.4 restored it.
 */
export const DEFAULT_DEVICE_RULES: readonly { path: string | null; rule: DeviceRule }[] = [
  { path: null, rule: rule("c", WILDCARD, WILDCARD, "m") }, // mknod of any char device
  { path: null, rule: rule("b", WILDCARD, WILDCARD, "m") }, // mknod of any block device
  { path: "/dev/null", rule: rule("c", 1, 3) },
  { path: "/dev/random", rule: rule("c", 1, 8) },
  { path: "/dev/full", rule: rule("c", 1, 7) },
  { path: "/dev/tty", rule: rule("c", 5, 0) },
  { path: "/dev/zero", rule: rule("c", 1, 5) },
  { path: "/dev/urandom", rule: rule("c", 1, 9) },
  { path: null, rule: rule("c", 136, WILDCARD) }, // /dev/pts/*, and /dev/console (a pts)
  { path: null, rule: rule("c", 5, 2) }, // /dev/ptmx
  { path: null, rule: rule("c", 10, 200) }, // /dev/net/tun
];

function number(v: number | null | undefined, where: string): number {
  if (v === undefined || v === null || v === WILDCARD) return WILDCARD;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new CgroupError(`${where}: expected a device number (0..4294967295), got ${v}`);
  }
  return v;
}

/** Validate one linux.resources.devices entry into a DeviceRule. */
export function toDeviceRule(d: DeviceCgroupInput, index: number): DeviceRule {
  const where = `linux.resources.devices[${index}]`;
  const type = d.type === undefined || d.type === "" ? "a" : d.type;
  if (type !== "a" && type !== "c" && type !== "b") {
    throw new CgroupError(`${where}.type: expected "a", "c" or "b", got ${JSON.stringify(d.type)}`);
  }
  // runc refuses an empty access, even on a reset rule where it means nothing.
  // It takes any other string and keeps its letters in its emulator's permission
  // set, where those other than r, w and m match no kernel bit ("rwa" in runc's
  // own tests): as the spec validator, runt takes them and they mean nothing.
  if (!d.access) {
    throw new CgroupError(
      `${where}.access: expected a combination of "r", "w" and "m", got ${JSON.stringify(d.access ?? "")}`,
    );
  }
  return {
    allow: d.allow === true,
    type,
    major: number(d.major, `${where}.major`),
    minor: number(d.minor, `${where}.minor`),
    access: accessString(accessBits(d.access)),
  };
}

/**
 * The ordered rules runc ends up applying: linux.resources.devices in order,
 * then the defaults (minus those whose path linux.devices names).
 */
export function effectiveDeviceRules(
  configRules: readonly DeviceCgroupInput[] = [],
  linuxDevices: readonly DeviceNodeInput[] = [],
): DeviceRule[] {
  const rules = configRules.map(toDeviceRule);
  const paths = new Set(linuxDevices.map((d) => d.path));
  for (const d of DEFAULT_DEVICE_RULES) {
    if (d.path === null || !paths.has(d.path)) rules.push({ ...d.rule });
  }
  return rules;
}

/** "c 1:3 rwm", the devices.allow/deny and devices.list syntax. */
export function deviceRuleString(
  r: Pick<DeviceRule, "type" | "major" | "minor" | "access">,
): string {
  if (r.type === "a") return "a";
  const n = (v: number) => (v === WILDCARD ? "*" : String(v));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/** An exception of the devices controller: a c/b device pattern and its access bits. */
export interface DeviceException {
  type: "c" | "b";
  major: number;
  minor: number;
  /** Some of "rwm". */
  access: string;
}

/**
 * What the devices controller holds after a rule list: a default verdict and the
 * exceptions to it (allowed devices when defaultAllow is false, denied ones when
 * true). Exceptions are sorted by type, major, minor.
 */
export interface DeviceState {
  defaultAllow: boolean;
  exceptions: DeviceException[];
}

const key = (type: string, major: number, minor: number) => `${type} ${major} ${minor}`;

class Emulator {
  // runc starts from "deny all", not from the allow-all a new v1 cgroup inherits:
  // with no linux.resources.devices only the defaults are allowed (checked with
  // runc 1.1.5: devices.list then lists exactly the default rules).
  defaultAllow = false;
  exceptions = new Map<string, DeviceException & { bits: number }>();

  apply(r: DeviceRule, describeRule: () => string): void {
    if (r.type === "a") {
      this.defaultAllow = r.allow;
      this.exceptions.clear();
      return;
    }
    const bits = accessBits(r.access);
    if (bits === 0) return; // only letters that name no access ("a")
    const k = key(r.type, r.major, r.minor);
    if (r.allow !== this.defaultAllow) {
      const old = this.exceptions.get(k);
      const merged = (old?.bits ?? 0) | bits;
      this.exceptions.set(k, {
        type: r.type,
        major: r.major,
        minor: r.minor,
        access: "",
        bits: merged,
      });
      return;
    }
    // Removing access: the kernel only edits the exception with the same
    // type:major:minor; a wildcard exception that also covers it stays.
    for (const [major, minor] of [
      [WILDCARD, r.minor],
      [r.major, WILDCARD],
      [WILDCARD, WILDCARD],
    ] as const) {
      if (major === r.major && minor === r.minor) continue;
      const wide = this.exceptions.get(key(r.type, major, minor));
      if (wide && wide.bits & bits) {
        const w = deviceRuleString({ ...wide, access: accessString(wide.bits) });
        throw new CgroupError(
          `${describeRule()}: cgroup v1 cannot ${r.allow ? "allow" : "deny"} ${deviceRuleString(r)} while the ` +
            `wider rule "${w}" ${r.allow ? "denies" : "allows"} it (a hole cannot be punched in a wildcard rule)`,
        );
      }
    }
    const old = this.exceptions.get(k);
    if (!old) return;
    old.bits &= ~bits;
    if (old.bits === 0) this.exceptions.delete(k);
  }

  state(): DeviceState {
    const exceptions = [...this.exceptions.values()]
      .map((e) => ({ type: e.type, major: e.major, minor: e.minor, access: accessString(e.bits) }))
      .sort(compareExceptions);
    return { defaultAllow: this.defaultAllow, exceptions };
  }
}

function compareExceptions(a: DeviceException, b: DeviceException): number {
  return a.type.localeCompare(b.type) || a.major - b.major || a.minor - b.minor;
}

/**
 * Apply rules in order, the way the v1 devices controller would starting from
 * "deny all", and return where it ends. `describeRule(i)` names rule i in errors.
 */
export function deviceState(
  rules: readonly DeviceRule[],
  describeRule: (i: number) => string = (i) => `device rule ${i}`,
): DeviceState {
  const emu = new Emulator();
  rules.forEach((r, i) => {
    emu.apply(r, () => describeRule(i));
  });
  return emu.state();
}

/**
 * Parse a v1 devices.list. The kernel prints only "a *:* rwm" for a cgroup whose
 * default is allow, hiding its deny exceptions: such a state comes back with
 * defaultAllow true and no exceptions, and `exact` false.
 */
export function parseDevicesList(text: string): DeviceState & { exact: boolean } {
  const exceptions: DeviceException[] = [];
  for (const line of text.split("\n")) {
    const m = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]+)$/.exec(line.trim());
    if (!m) continue;
    const [, type, major, minor, access] = m;
    if (type === "a") return { defaultAllow: true, exceptions: [], exact: false };
    exceptions.push({
      type: type as "c" | "b",
      major: major === "*" ? WILDCARD : Number(major),
      minor: minor === "*" ? WILDCARD : Number(minor),
      access: accessString(accessBits(access ?? "")),
    });
  }
  return { defaultAllow: false, exceptions: exceptions.sort(compareExceptions), exact: true };
}

/** One write to a v1 devices file. */
export interface DeviceWrite {
  file: "devices.allow" | "devices.deny";
  rule: string;
}

/**
 * The writes that take a v1 devices cgroup from `current` (parsed devices.list)
 * to `target`, disturbing running processes as little as possible: the reset
 * ("a" to devices.deny or devices.allow) is only written when the default
 * verdict changes or the current exceptions are unknown, otherwise only the
 * difference is written (dropped access first, then gained access).
 */
export function v1DeviceWrites(
  current: DeviceState & { exact: boolean },
  target: DeviceState,
): DeviceWrite[] {
  const toDefault: DeviceWrite["file"] = target.defaultAllow ? "devices.allow" : "devices.deny";
  const toException: DeviceWrite["file"] = target.defaultAllow ? "devices.deny" : "devices.allow";
  const writes: DeviceWrite[] = [];
  let have = new Map<string, number>();
  if (!current.exact || current.defaultAllow !== target.defaultAllow) {
    writes.push({ file: toDefault, rule: "a" });
  } else {
    have = new Map(
      current.exceptions.map((e) => [key(e.type, e.major, e.minor), accessBits(e.access)]),
    );
  }
  const want = new Map(
    target.exceptions.map((e) => [key(e.type, e.major, e.minor), accessBits(e.access)]),
  );
  const exceptionString = (k: string, bits: number) => {
    const [type, major, minor] = k.split(" ");
    return deviceRuleString({
      type: type as "c" | "b",
      major: Number(major),
      minor: Number(minor),
      access: accessString(bits),
    });
  };
  for (const [k, bits] of have) {
    const dropped = bits & ~(want.get(k) ?? 0);
    if (dropped) writes.push({ file: toDefault, rule: exceptionString(k, dropped) });
  }
  for (const [k, bits] of want) {
    const gained = bits & ~(have.get(k) ?? 0);
    if (gained) writes.push({ file: toException, rule: exceptionString(k, gained) });
  }
  return writes;
}

/** True when the state lets every access through (nothing to enforce). */
export function allowsEverything(s: DeviceState): boolean {
  return s.defaultAllow && s.exceptions.length === 0;
}
