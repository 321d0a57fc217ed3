// The ENOSYS stub, runc's rule for profiles older than the programs they confine: a
// syscall newer than every syscall the profile names (per architecture) gets ENOSYS
// instead of the default action, so a libc tries its older fallback (faccessat2 ->
// faccessat, clone3 -> clone) instead of failing with EPERM. The stub runs before
// libseccomp's program and jumps into it for everything else.
import type { LinuxSeccomp } from "../spec/types.ts";

const ENOSYS = 38;
const RET_ERRNO_ENOSYS = 0x00050000 | ENOSYS;
/** x32 syscalls arrive under AUDIT_ARCH_X86_64 with this bit set in the number. */
const X32_SYSCALL_BIT = 0x40000000;
const AUDIT_ARCH_X86_64 = 0xc000003e;
/** libseccomp's SCMP_ARCH_X32 token (not an audit arch of its own). */
const SCMP_ARCH_X32 = 0x4000003e;

// Classic BPF opcodes, and struct seccomp_data's offsets.
const LD_W_ABS = 0x20;
const JA = 0x05;
const JEQ_K = 0x15;
const JGT_K = 0x25;
const JSET_K = 0x45;
const RET_K = 0x06;
const OFF_NR = 0;
const OFF_ARCH = 4;

export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Defaults that already let an unknown syscall through (or answer ENOSYS) need no stub. */
export function needsEnosysStub(s: LinuxSeccomp): boolean {
  const allowing = ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"];
  if (allowing.includes(s.defaultAction)) return false;
  return !(s.defaultAction === "SCMP_ACT_ERRNO" && s.defaultErrnoRet === ENOSYS);
}

/** The addon's "TOKEN NR" lines -> a map; 0 (the profile names nothing there) is dropped. */
export function parseLastSyscalls(text: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const line of text.split("\n")) {
    const [token, nr] = line.split(" ").map(Number);
    if (token && nr && nr > 0) m.set(token >>> 0, nr);
  }
  return m;
}

type Target = string | number;
interface Pending {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
}

/** Instructions with labelled jumps -> relative offsets. */
function assemble(items: (Pending | string)[]): BpfInsn[] {
  const labels = new Map<string, number>();
  const insns: Pending[] = [];
  for (const it of items) {
    if (typeof it === "string") labels.set(it, insns.length);
    else insns.push(it);
  }
  const rel = (from: number, t: Target | undefined): number => {
    if (t === undefined || typeof t === "number") return t ?? 0;
    const at = labels.get(t);
    if (at === undefined) throw new Error(`seccomp stub: no label ${t}`);
    const d = at - from - 1;
    if (d < 0 || d > 255) throw new Error(`seccomp stub: jump to ${t} out of range`);
    return d;
  };
  return insns.map((p, i) => {
    // An unconditional jump carries its distance in k.
    if (p.code === JA) return { code: JA, jt: 0, jf: 0, k: rel(i, p.jt) };
    return { code: p.code, jt: rel(i, p.jt), jf: rel(i, p.jf), k: p.k >>> 0 };
  });
}

/** The stub for these "last syscall per libseccomp arch token" values; [] when none. */
export function enosysStub(last: Map<number, number>): BpfInsn[] {
  const sections = new Map<number, { native?: number; x32?: number }>();
  for (const [token, nr] of last) {
    if (token === SCMP_ARCH_X32) {
      sections.set(AUDIT_ARCH_X86_64, { ...sections.get(AUDIT_ARCH_X86_64), x32: nr });
    } else sections.set(token, { ...sections.get(token), native: nr });
  }
  if (sections.size === 0) return [];
  const items: (Pending | string)[] = [{ code: LD_W_ABS, k: OFF_ARCH }];
  let i = 0;
  for (const [arch, { native, x32 }] of sections) {
    const next = `arch${++i}`;
    items.push({ code: JEQ_K, k: arch, jf: next }, { code: LD_W_ABS, k: OFF_NR });
    if (arch === AUDIT_ARCH_X86_64) {
      // One audit arch, two syscall tables: the x32 bit says which maximum applies.
      items.push({ code: JSET_K, k: X32_SYSCALL_BIT, jt: x32 ? "x32" : "main", jf: 0 });
      if (native) items.push({ code: JGT_K, k: native, jt: "enosys", jf: "main" });
      else items.push({ code: JA, k: 0, jt: "main" });
      if (x32) items.push("x32", { code: JGT_K, k: x32, jt: "enosys", jf: "main" });
    } else if (native) {
      items.push({ code: JGT_K, k: native, jt: "enosys", jf: "main" });
    }
    items.push(next);
  }
  items.push(
    { code: JA, k: 0, jt: "main" },
    "enosys",
    { code: RET_K, k: RET_ERRNO_ENOSYS },
    "main",
  );
  return assemble(items);
}

/** stub ++ program, as struct sock_filter[] bytes (host byte order: little endian here). */
export function withStub(stub: BpfInsn[], program: Uint8Array): Uint8Array {
  if (stub.length === 0) return program;
  const out = new Uint8Array(stub.length * 8 + program.length);
  const view = new DataView(out.buffer);
  stub.forEach((insn, i) => {
    view.setUint16(i * 8, insn.code, true);
    view.setUint8(i * 8 + 2, insn.jt);
    view.setUint8(i * 8 + 3, insn.jf);
    view.setUint32(i * 8 + 4, insn.k, true);
  });
  out.set(program, stub.length * 8);
  return out;
}
