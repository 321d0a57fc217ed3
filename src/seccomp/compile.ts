// linux.seccomp -> a BPF program. runt compiles it in the parent with libseccomp
// (through the addon); runt-init only loads the bytes. The translation follows runc:
// names libseccomp does not know are skipped, rules whose action is the default
// action are dropped, and conditions on the same argument become separate rules.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntError } from "../errors.ts";
import { native } from "../native.ts";
import type { SeccompAction, SeccompFlag, SeccompOperator } from "../spec/enums.ts";
import type { LinuxSeccomp } from "../spec/types.ts";
import { enosysStub, needsEnosysStub, parseLastSyscalls, withStub } from "./enosys.ts";

const EPERM = 1;

/** The kernel's SECCOMP_RET_* values (with libseccomp's names). */
export const ACTIONS: Record<SeccompAction, number> = {
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
};

/** enum scmp_compare. */
export const OPERATORS: Record<SeccompOperator, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** seccomp(2) SECCOMP_FILTER_FLAG_*. */
export const FILTER_FLAGS: Record<SeccompFlag, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};
export const FLAG_NEW_LISTENER = 8;
export const FLAG_TSYNC_ESRCH = 16;

/** The action as the filter returns it: ERRNO and TRACE carry errnoRet (default EPERM). */
export function actionValue(action: SeccompAction, errnoRet?: number): number {
  const base = ACTIONS[action];
  if (action === "SCMP_ACT_ERRNO" || action === "SCMP_ACT_TRACE") {
    return (base | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
  }
  return base;
}

/** "SCMP_ARCH_X86_64" -> "x86_64", the name seccomp_arch_resolve_name takes. */
export function archName(arch: string): string {
  return arch.replace(/^SCMP_ARCH_/, "").toLowerCase();
}

export function usesNotify(s: LinuxSeccomp): boolean {
  return (
    s.defaultAction === "SCMP_ACT_NOTIFY" ||
    (s.syscalls ?? []).some((r) => r.action === "SCMP_ACT_NOTIFY")
  );
}

/** The flags runt-init passes to seccomp(SECCOMP_SET_MODE_FILTER). */
export function filterFlags(s: LinuxSeccomp): number {
  let flags = 0;
  for (const f of s.flags ?? []) flags |= FILTER_FLAGS[f];
  if (!usesNotify(s)) {
    // Only meaningful for a listener; the kernel refuses it without one (EINVAL).
    flags &= ~FILTER_FLAGS.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  } else {
    flags |= FLAG_NEW_LISTENER;
    // The kernel refuses TSYNC with NEW_LISTENER unless TSYNC_ESRCH says how to fail.
    if (flags & FILTER_FLAGS.SECCOMP_FILTER_FLAG_TSYNC) flags |= FLAG_TSYNC_ESRCH;
  }
  return flags;
}

const u64 = (v: number | undefined): string => {
  if (v === undefined) return "0";
  // JSON numbers past 2^53 lose precision before runt sees them; keep what arrived.
  const n = BigInt(Math.trunc(v));
  return (n > 0xffffffffffffffffn ? 0xffffffffffffffffn : n).toString();
};

/**
 * The profile as the addon's line format:
 *   default ACTION / arch NAME / rule NAME ACTION [INDEX OP VALUE VALUETWO]...
 * A KILL default with no rules cannot start anything; that is the config's business.
 */
export function profileText(s: LinuxSeccomp): string {
  const def = actionValue(s.defaultAction, s.defaultErrnoRet);
  const lines = [`default ${def}`];
  for (const a of s.architectures ?? []) lines.push(`arch ${archName(a)}`);
  for (const rule of s.syscalls ?? []) {
    const action = actionValue(rule.action, rule.errnoRet);
    // libseccomp refuses a rule that repeats the default action; runc drops it too.
    // The names still count for the ENOSYS stub's "newest syscall the profile knows".
    if (action === def) {
      for (const name of rule.names) lines.push(`name ${name}`);
      continue;
    }
    const conds = (rule.args ?? []).map(
      (a) => `${a.index} ${OPERATORS[a.op]} ${u64(a.value)} ${u64(a.valueTwo)}`,
    );
    const indexes = new Set((rule.args ?? []).map((a) => a.index));
    // Two conditions on one argument can never both hold in one rule: like runc,
    // make one rule per condition (they match if any does).
    const groups = indexes.size < conds.length ? conds.map((c) => [c]) : [conds];
    for (const name of rule.names) {
      for (const g of groups) lines.push(["rule", name, action, ...g].join(" "));
    }
  }
  return `${lines.join("\n")}\n`;
}

export interface CompiledSeccomp {
  /** struct sock_filter[] as bytes. */
  program: Uint8Array;
  flags: number;
  /** SCMP_ACT_NOTIFY is used: the init hands the listener fd to runt. */
  notify: boolean;
}

export interface SeccompOptions {
  /** Directory of compiled programs by hash; none: no cache. */
  cacheDir?: string;
  debug?: (msg: string) => void;
}

/** The cache key: the profile as compiled, the architecture and the libseccomp version. */
export function cacheKey(text: string): string {
  // "enosys": programs carry the ENOSYS stub; older cached ones without it must not match.
  return createHash("sha256")
    .update(`enosys\n${native().seccompVersion()}\n${process.arch}\n${text}`)
    .digest("hex");
}

export function compileSeccomp(s: LinuxSeccomp, opts: SeccompOptions = {}): CompiledSeccomp {
  const text = profileText(s);
  const result = { flags: filterFlags(s), notify: usesNotify(s) };
  // runc's words: its seccomp-notify.bats reads the number (40: WAIT_KILLABLE_RECV, NEW_LISTENER).
  opts.debug?.(`seccomp filter flags: ${result.flags}`);
  const file = opts.cacheDir ? join(opts.cacheDir, `${cacheKey(text)}.bpf`) : undefined;
  if (file) {
    try {
      const program = new Uint8Array(readFileSync(file));
      if (program.length > 0 && program.length % 8 === 0) {
        opts.debug?.(`seccomp: program from cache ${file}`);
        return { program, ...result };
      }
    } catch {
      // Not compiled yet.
    }
  }
  let compiled: { bpf: Uint8Array; skipped: string; lastSyscalls: string };
  try {
    compiled = native().seccompCompile(text);
  } catch (e) {
    throw new RuntError(
      `linux.seccomp: libseccomp refused the profile: ${(e as Error).message.replace(/\n/g, ": ")}`,
    );
  }
  for (const name of compiled.skipped.split("\n").filter(Boolean)) {
    opts.debug?.(`seccomp: ${name} is unknown to libseccomp on this architecture, skipped`);
  }
  const stub = needsEnosysStub(s) ? enosysStub(parseLastSyscalls(compiled.lastSyscalls)) : [];
  const program = withStub(stub, new Uint8Array(compiled.bpf));
  if (file && opts.cacheDir) {
    try {
      mkdirSync(opts.cacheDir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, program, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (e) {
      opts.debug?.(`seccomp: cannot cache the program in ${file}: ${(e as Error).message}`);
    }
  }
  return { program, ...result };
}
