// The cgroup v2 device allow-list: a BPF_PROG_TYPE_CGROUP_DEVICE program,
// assembled here as 8-byte eBPF instructions. It is compiled from the same
// DeviceState the v1 driver writes, so both versions decide alike:
//
//   r2 = ctx->access_type; w3 = w2 & 0xffff (device type); w2 >>= 16 (access)
//   r4 = ctx->major; r5 = ctx->minor
//   for each exception:    (all exceptions share one verdict: !default)
//     if type, access, major or minor do not match: go to the next one
//     return !default
//   return default
//
// Matching follows the v1 controller: with default deny an access is allowed
// when one exception grants all of the requested bits; with default allow it is
// denied when one exception names any of them.
import {
  ACC,
  accessBits,
  type DeviceRule,
  type DeviceState,
  deviceState,
  WILDCARD,
} from "./devices.ts";

/** struct bpf_cgroup_dev_ctx: u32 access_type, major, minor. */
const CTX_ACCESS_TYPE = 0;
const CTX_MAJOR = 4;
const CTX_MINOR = 8;
/** BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR. */
const DEV_TYPE = { b: 1, c: 2 } as const;
const ALL_ACCESS = ACC.r | ACC.w | ACC.m;

/** Opcodes used (class | op | source). */
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W
  MOV32_IMM: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  MOV32_REG: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  AND32_IMM: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32_IMM: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  JNE32_IMM: 0x56, // BPF_JMP32 | BPF_JNE | BPF_K
  JEQ32_IMM: 0x16, // BPF_JMP32 | BPF_JEQ | BPF_K
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({
  code,
  dst,
  src,
  off,
  imm: imm | 0,
});

/** A jump whose offset is "to the end of the current block", fixed up later. */
const SKIP = Number.NaN;

function exceptionBlock(e: DeviceState["exceptions"][number], defaultAllow: boolean): Insn[] {
  const block: Insn[] = [insn(OP.JNE32_IMM, 3, 0, SKIP, DEV_TYPE[e.type])];
  const bits = accessBits(e.access);
  if (bits !== ALL_ACCESS) {
    block.push(insn(OP.MOV32_REG, 0, 2, 0, 0));
    if (defaultAllow) {
      // A deny exception hits when the request shares a bit with it.
      block.push(insn(OP.AND32_IMM, 0, 0, 0, bits), insn(OP.JEQ32_IMM, 0, 0, SKIP, 0));
    } else {
      // An allow exception hits when it grants every requested bit.
      block.push(
        insn(OP.AND32_IMM, 0, 0, 0, ALL_ACCESS & ~bits),
        insn(OP.JNE32_IMM, 0, 0, SKIP, 0),
      );
    }
  }
  if (e.major !== WILDCARD) block.push(insn(OP.JNE32_IMM, 4, 0, SKIP, e.major));
  if (e.minor !== WILDCARD) block.push(insn(OP.JNE32_IMM, 5, 0, SKIP, e.minor));
  block.push(insn(OP.MOV32_IMM, 0, 0, 0, defaultAllow ? 0 : 1), insn(OP.EXIT, 0, 0, 0, 0));
  return block.map((ins, i) =>
    Number.isNaN(ins.off) ? { ...ins, off: block.length - i - 1 } : ins,
  );
}

/** The program's instructions for a device state. */
export function deviceProgramInsns(state: DeviceState): Insn[] {
  const prog: Insn[] = [
    insn(OP.LDXW, 2, 1, CTX_ACCESS_TYPE, 0),
    insn(OP.MOV32_REG, 3, 2, 0, 0),
    insn(OP.AND32_IMM, 3, 0, 0, 0xffff),
    insn(OP.RSH32_IMM, 2, 0, 0, 16),
    insn(OP.LDXW, 4, 1, CTX_MAJOR, 0),
    insn(OP.LDXW, 5, 1, CTX_MINOR, 0),
  ];
  for (const e of state.exceptions) prog.push(...exceptionBlock(e, state.defaultAllow));
  prog.push(insn(OP.MOV32_IMM, 0, 0, 0, state.defaultAllow ? 1 : 0), insn(OP.EXIT, 0, 0, 0, 0));
  return prog;
}

/** struct bpf_insn as bytes: code, dst_reg:4 | src_reg:4, s16 off, s32 imm (little endian). */
export function encodeInsns(insns: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * 8);
  const view = new DataView(bytes.buffer);
  insns.forEach((ins, i) => {
    if (ins.off < -0x8000 || ins.off > 0x7fff) throw new Error("bpf: jump offset out of range");
    view.setUint8(i * 8, ins.code);
    view.setUint8(i * 8 + 1, (ins.src << 4) | ins.dst);
    view.setInt16(i * 8 + 2, ins.off, true);
    view.setInt32(i * 8 + 4, ins.imm, true);
  });
  return bytes;
}

/** The device program for an ordered rule list (see effectiveDeviceRules) or a state. */
export function deviceProgram(rules: readonly DeviceRule[] | DeviceState): Uint8Array {
  const state = Array.isArray(rules) ? deviceState(rules) : (rules as DeviceState);
  return encodeInsns(deviceProgramInsns(state));
}

/** The license the program is loaded with (it calls no GPL-only helpers). */
export const DEVICE_PROGRAM_LICENSE = "Apache";
