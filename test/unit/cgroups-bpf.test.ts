// The cgroup v2 device program: its exact encoding for a small rule set, its
// decisions (run in a tiny eBPF interpreter) against the v1 controller's
// matching rules, and, when the addon is built and we are root, the kernel
// verifier's acceptance.
import { describe, expect, test } from "bun:test";
import { closeSync, existsSync } from "node:fs";
import { ACC, accessBits, WILDCARD } from "../../src/cgroups/devices.ts";
import {
  type DeviceRule,
  type DeviceState,
  deviceProgram,
  deviceProgramInsns,
  deviceState,
  effectiveDeviceRules,
  encodeInsns,
} from "../../src/cgroups/index.ts";
import { r } from "./device-rule.ts";

/** Decode 8-byte instructions back to fields. */
function decode(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { code: number; dst: number; src: number; off: number; imm: number }[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    const regs = view.getUint8(i + 1);
    out.push({
      code: view.getUint8(i),
      dst: regs & 0xf,
      src: regs >> 4,
      off: view.getInt16(i + 2, true),
      imm: view.getInt32(i + 4, true),
    });
  }
  return out;
}

/** Run a device program on (type, access, major, minor): an interpreter for the opcodes it uses. */
function run(
  bytes: Uint8Array,
  type: number,
  access: number,
  major: number,
  minor: number,
): number {
  const ctx = [(access << 16) | type, major, minor];
  const reg = new Array<number>(11).fill(0);
  const insns = decode(bytes);
  for (let pc = 0, steps = 0; steps < 10000; steps++) {
    const i = insns[pc];
    if (!i) throw new Error(`fell off the program at ${pc}`);
    pc++;
    const imm = i.imm >>> 0;
    switch (i.code) {
      case 0x61: // ldxw dst, [src+off]
        if (i.src !== 1 || i.off % 4 !== 0) throw new Error("bad ctx load");
        reg[i.dst] = (ctx[i.off / 4] ?? 0) >>> 0;
        break;
      case 0xb4:
        reg[i.dst] = imm;
        break;
      case 0xbc:
        reg[i.dst] = (reg[i.src] ?? 0) >>> 0;
        break;
      case 0x54:
        reg[i.dst] = ((reg[i.dst] ?? 0) & imm) >>> 0;
        break;
      case 0x74:
        reg[i.dst] = (reg[i.dst] ?? 0) >>> imm;
        break;
      case 0x56:
        if ((reg[i.dst] ?? 0) >>> 0 !== imm) pc += i.off;
        break;
      case 0x16:
        if ((reg[i.dst] ?? 0) >>> 0 === imm) pc += i.off;
        break;
      case 0x95:
        return reg[0] ?? -1;
      default:
        throw new Error(`unexpected opcode 0x${i.code.toString(16)}`);
    }
  }
  throw new Error("no exit");
}

/** The v1 devices controller's decision (security/device_cgroup.c), for comparison. */
function v1Allows(
  s: DeviceState,
  type: "c" | "b",
  access: number,
  major: number,
  minor: number,
): boolean {
  const matches = (e: DeviceState["exceptions"][number]) =>
    e.type === type &&
    (e.major === WILDCARD || e.major === major) &&
    (e.minor === WILDCARD || e.minor === minor);
  if (s.defaultAllow) {
    // denied when an exception overlaps any requested bit
    return !s.exceptions.some((e) => matches(e) && (accessBits(e.access) & access) !== 0);
  }
  // allowed when one exception grants every requested bit
  return s.exceptions.some((e) => matches(e) && (access & ~accessBits(e.access)) === 0);
}

const RULE_SETS: Record<string, DeviceRule[]> = {
  "runc defaults": effectiveDeviceRules([{ allow: false, access: "rwm" }]),
  "allow all": [r(true, "a", -1, -1, "rwm")],
  "deny all": [r(false, "a", -1, -1, "rwm")],
  blacklist: [
    r(true, "a", -1, -1, "rwm"),
    r(false, "c", 1, 7, "rw"),
    r(false, "b", 8, -1, "m"),
    r(false, "c", -1, 9, "w"),
  ],
  "partial access": [
    r(false, "a", -1, -1, "rwm"),
    r(true, "c", 1, 3, "r"),
    r(true, "c", 1, 3, "m"),
    r(true, "b", 7, -1, "w"),
    r(true, "c", -1, 5, "rw"),
  ],
};

describe("deviceProgram encoding", () => {
  test("allow only c 1:3 rwm: the exact instructions", () => {
    const bytes = deviceProgram([r(false, "a", -1, -1, "rwm"), r(true, "c", 1, 3, "rwm")]);
    expect(bytes.length % 8).toBe(0);
    expect(decode(bytes)).toEqual([
      { code: 0x61, dst: 2, src: 1, off: 0, imm: 0 }, // r2 = ctx->access_type
      { code: 0xbc, dst: 3, src: 2, off: 0, imm: 0 }, // w3 = w2
      { code: 0x54, dst: 3, src: 0, off: 0, imm: 0xffff }, // w3 &= 0xffff  (type)
      { code: 0x74, dst: 2, src: 0, off: 0, imm: 16 }, // w2 >>= 16  (access)
      { code: 0x61, dst: 4, src: 1, off: 4, imm: 0 }, // r4 = ctx->major
      { code: 0x61, dst: 5, src: 1, off: 8, imm: 0 }, // r5 = ctx->minor
      { code: 0x56, dst: 3, src: 0, off: 4, imm: 2 }, // if w3 != CHAR goto next
      { code: 0x56, dst: 4, src: 0, off: 3, imm: 1 }, // if w4 != 1 goto next
      { code: 0x56, dst: 5, src: 0, off: 2, imm: 3 }, // if w5 != 3 goto next
      { code: 0xb4, dst: 0, src: 0, off: 0, imm: 1 }, // return 1
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
      { code: 0xb4, dst: 0, src: 0, off: 0, imm: 0 }, // next: return 0 (default deny)
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
  });

  test("partial access and wildcards: access check, no major/minor compare", () => {
    const insns = deviceProgramInsns({
      defaultAllow: false,
      exceptions: [{ type: "b", major: WILDCARD, minor: WILDCARD, access: "m" }],
    });
    expect(insns.slice(6, 12).map((i) => [i.code, i.dst, i.src, i.off, i.imm])).toEqual([
      [0x56, 3, 0, 5, 1], // if type != BLOCK goto next
      [0xbc, 0, 2, 0, 0], // w0 = access
      [0x54, 0, 0, 0, ACC.r | ACC.w], // w0 &= bits not granted
      [0x56, 0, 0, 2, 0], // if w0 != 0 goto next
      [0xb4, 0, 0, 0, 1],
      [0x95, 0, 0, 0, 0],
    ]);
  });

  test("little-endian layout, negative immediates for large numbers", () => {
    const bytes = encodeInsns([{ code: 0x56, dst: 4, src: 0, off: -2, imm: 0xfffffffe }]);
    expect([...bytes]).toEqual([0x56, 0x04, 0xfe, 0xff, 0xfe, 0xff, 0xff, 0xff]);
  });

  test("the program decides like the v1 controller, for every rule set", () => {
    const majors = [0, 1, 4, 5, 7, 8, 10, 136, 4095];
    const minors = [0, 1, 2, 3, 5, 7, 9, 200, 1048575];
    for (const [name, rules] of Object.entries(RULE_SETS)) {
      const state = deviceState(rules);
      const prog = deviceProgram(rules);
      for (const type of ["c", "b"] as const)
        for (const major of majors)
          for (const minor of minors)
            for (let access = 1; access <= 7; access++) {
              const want = v1Allows(state, type, access, major, minor) ? 1 : 0;
              const got = run(prog, type === "b" ? 1 : 2, access, major, minor);
              if (got !== want) {
                throw new Error(
                  `${name}: ${type} ${major}:${minor} access ${access}: program ${got}, v1 ${want}`,
                );
              }
            }
    }
  });

  test("spot checks of the runc defaults", () => {
    const prog = deviceProgram(RULE_SETS["runc defaults"] ?? []);
    const rw = ACC.r | ACC.w;
    expect(run(prog, 2, rw, 1, 3)).toBe(1); // /dev/null
    expect(run(prog, 2, rw, 136, 42)).toBe(1); // a pts
    expect(run(prog, 2, rw, 10, 229)).toBe(0); // /dev/fuse
    expect(run(prog, 1, ACC.m, 8, 0)).toBe(1); // mknod of a block device
    expect(run(prog, 1, ACC.r, 8, 0)).toBe(0); // but not reading it
  });
});

// Loading needs the addon (make -C native) and CAP_BPF/CAP_SYS_ADMIN.
const ADDON = `${import.meta.dir}/../../native/build/runt.node`;
const canLoad = existsSync(ADDON) && process.getuid?.() === 0;

describe.skipIf(!canLoad)("the kernel's verifier", () => {
  test("accepts the program for every rule set", async () => {
    const { native } = await import("../../src/native.ts");
    for (const [name, rules] of Object.entries(RULE_SETS)) {
      let fd = -1;
      try {
        fd = native().bpfLoadDeviceProgram(deviceProgram(rules), "Apache");
      } catch (e) {
        throw new Error(`${name}: ${e instanceof Error ? e.message : e}`);
      }
      expect(fd).toBeGreaterThan(2);
      closeSync(fd);
    }
  });

  test("accepts a large allow-list (jump offsets, many blocks)", async () => {
    const { native } = await import("../../src/native.ts");
    const rules = [r(false, "a", -1, -1, "rwm")];
    for (let i = 0; i < 500; i++)
      rules.push(r(true, i % 2 ? "c" : "b", i, i % 7 ? i : -1, i % 3 ? "rw" : "rwm"));
    const fd = native().bpfLoadDeviceProgram(deviceProgram(rules), "Apache");
    closeSync(fd);
  });
});
