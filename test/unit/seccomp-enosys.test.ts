// The ENOSYS stub, run by a small classic-BPF interpreter over seccomp_data.
import { describe, expect, test } from "bun:test";
import {
  type BpfInsn,
  enosysStub,
  needsEnosysStub,
  parseLastSyscalls,
  withStub,
} from "../../src/seccomp/enosys.ts";

const X86_64 = 0xc000003e;
const I386 = 0x40000003;
const X32_TOKEN = 0x4000003e;
const AARCH64 = 0xc00000b7;
const ENOSYS = 0x00050026;
/** What the interpreter answers when the stub falls through into libseccomp's program. */
const MAIN = -1;

function run(prog: BpfInsn[], arch: number, nr: number): number {
  let a = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const i = prog[pc] as BpfInsn;
    switch (i.code) {
      case 0x20:
        a = i.k === 0 ? nr >>> 0 : i.k === 4 ? arch >>> 0 : Number.NaN;
        break;
      case 0x05:
        pc += i.k;
        break;
      case 0x15:
        pc += a === i.k ? i.jt : i.jf;
        break;
      case 0x25:
        pc += a > i.k ? i.jt : i.jf;
        break;
      case 0x45:
        pc += (a & i.k) !== 0 ? i.jt : i.jf;
        break;
      case 0x06:
        return i.k;
      default:
        throw new Error(`unexpected opcode ${i.code}`);
    }
  }
  return MAIN;
}

describe("enosysStub", () => {
  const stub = enosysStub(new Map([[X86_64, 434]]));

  test("a syscall newer than every one the profile names gets ENOSYS", () => {
    expect(run(stub, X86_64, 439)).toBe(ENOSYS); // faccessat2
    expect(run(stub, X86_64, 435)).toBe(ENOSYS); // clone3
  });

  test("the profile's own syscalls and older ones go to libseccomp's program", () => {
    expect(run(stub, X86_64, 434)).toBe(MAIN);
    expect(run(stub, X86_64, 0)).toBe(MAIN);
  });

  test("x32 numbers and other architectures are left to the program", () => {
    expect(run(stub, X86_64, 0x40000000 + 500)).toBe(MAIN);
    expect(run(stub, I386, 500)).toBe(MAIN);
  });

  test("each architecture has its own maximum; x32 shares x86_64's audit arch", () => {
    const multi = enosysStub(
      new Map([
        [X86_64, 300],
        [I386, 200],
        [X32_TOKEN, 0x40000000 + 100],
        [AARCH64, 50],
      ]),
    );
    expect(run(multi, X86_64, 301)).toBe(ENOSYS);
    expect(run(multi, X86_64, 300)).toBe(MAIN);
    expect(run(multi, I386, 201)).toBe(ENOSYS);
    expect(run(multi, I386, 200)).toBe(MAIN);
    expect(run(multi, X86_64, 0x40000000 + 101)).toBe(ENOSYS);
    expect(run(multi, X86_64, 0x40000000 + 100)).toBe(MAIN);
    expect(run(multi, AARCH64, 51)).toBe(ENOSYS);
    expect(run(multi, 0x12345, 9999)).toBe(MAIN);
  });

  test("no syscall named anywhere: no stub", () => {
    expect(enosysStub(new Map())).toEqual([]);
    expect(parseLastSyscalls("3221225534 0\n1073741827 446\n")).toEqual(new Map([[I386, 446]]));
  });
});

describe("needsEnosysStub", () => {
  test("only defaults that would refuse an unknown syscall get the stub", () => {
    expect(needsEnosysStub({ defaultAction: "SCMP_ACT_ERRNO" })).toBe(true);
    expect(needsEnosysStub({ defaultAction: "SCMP_ACT_KILL_PROCESS" })).toBe(true);
    expect(needsEnosysStub({ defaultAction: "SCMP_ACT_ALLOW" })).toBe(false);
    expect(needsEnosysStub({ defaultAction: "SCMP_ACT_LOG" })).toBe(false);
    expect(needsEnosysStub({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38 })).toBe(false);
  });
});

test("withStub puts the stub's struct sock_filter bytes before the program", () => {
  const prog = new Uint8Array([6, 0, 0, 0, 0, 0, 0xff, 0x7f]);
  const out = withStub([{ code: 0x06, jt: 1, jf: 2, k: ENOSYS }], prog);
  expect([...out]).toEqual([6, 0, 1, 2, 0x26, 0, 5, 0, ...prog]);
  expect(withStub([], prog)).toBe(prog);
});
