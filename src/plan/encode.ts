// Serialises an InitPlan for runt-init. The format is documented in
// docs/plan-format.md; native/init/plan.c is the only other place that knows it.
import { type InitPlan, PLAN_VERSION, type PlanOp } from "./plan.ts";

/** Opcode numbers on the wire. Append only: never renumber. */
export const OPCODES: Record<PlanOp["op"], number> = {
  setns: 1,
  unshare: 2,
  sync: 3,
  write: 4,
  fork: 5,
  setsid: 6,
  openRoot: 7,
  mount: 8,
  setattr: 9,
  mkdir: 10,
  mknod: 11,
  symlink: 12,
  pivotRoot: 13,
  chroot: 14,
  mask: 15,
  readonly: 16,
  readonlyRoot: 17,
  hostname: 18,
  domainname: 19,
  rlimit: 20,
  chdir: 21,
  umask: 22,
  capBounding: 23,
  user: 24,
  caps: 25,
  noNewPrivs: 26,
  openFifo: 27,
  wait: 28,
  exec: 29,
  keyring: 30,
  seccomp: 40,
  lsmLabel: 41,
  pty: 31,
  hookState: 32,
  hook: 33,
  chrootClone: 34,
  bindSources: 50,
  recvSources: 51,
  idmapMount: 70,
  netDevice: 71,
  sched: 60,
  ioprio: 61,
  cpuAffinity: 62,
  memPolicy: 63,
  personality: 64,
  loopbackUp: 72,
};

const MAGIC = "RUNTPLAN";

type Arg = string | number | bigint | boolean;

/** The argument list of one op, in wire order. */
export function opArgs(op: PlanOp): Arg[] {
  switch (op.op) {
    case "setns":
      return [op.path, op.nstype];
    case "unshare":
      return [op.flags];
    case "sync":
      return [op.tag];
    case "write":
      return [op.path, op.content, op.inRoot];
    case "fork":
    case "setsid":
    case "pivotRoot":
    case "chroot":
    case "readonlyRoot":
    case "noNewPrivs":
    case "loopbackUp":
    case "wait":
      return [];
    case "openRoot":
      return [op.path];
    case "chrootClone":
      return [op.mntns];
    case "keyring":
      return [op.name];
    case "mount":
      return [op.source, op.target, op.fstype, op.flags, op.data, op.mk, op.hostTarget];
    case "setattr":
      return [op.target, op.recursive, op.attrSet, op.attrClr, op.propagation];
    case "mkdir":
      return [op.path, op.mode];
    case "mknod":
      return [op.path, op.mode, op.major, op.minor, op.uid, op.gid];
    case "symlink":
      return [op.target, op.linkpath];
    case "mask":
    case "readonly":
      return [op.path];
    case "hostname":
    case "domainname":
      return [op.name];
    case "rlimit":
      return [op.resource, op.soft, op.hard];
    case "chdir":
      return [op.path];
    case "umask":
      return [op.mask];
    case "capBounding":
      return [op.mask];
    case "user":
      return [op.uid, op.gid, ...op.groups];
    case "caps":
      return [op.effective, op.permitted, op.inheritable, op.ambient];
    case "openFifo":
      return [op.path];
    case "exec":
      return [op.closeFrom, op.args.length, ...op.args, ...op.env];
    case "seccomp":
      return [op.flags, op.notify, op.late, op.program];
    case "lsmLabel":
      return [op.attr, op.fallback, op.label];
    case "pty":
      return [op.rows, op.cols, op.uid, op.console];
    case "hookState":
      return [op.status];
    case "hook":
      return [op.timeout, op.args.length, op.path, ...op.args, ...op.env];
    case "bindSources":
      return [...op.paths];
    case "recvSources":
      return [];
    case "idmapMount":
      return [
        op.source,
        op.target,
        op.mk,
        op.recursive,
        op.ridmap,
        op.userns,
        op.uidMap,
        op.gidMap,
      ];
    case "netDevice":
      return [op.hostName, op.name];
    case "sched":
      return [op.policy, op.flags, op.nice >>> 0, op.priority, op.runtime, op.deadline, op.period];
    case "ioprio":
      return [op.class, op.priority];
    case "cpuAffinity":
      return op.cpus.flat();
    case "memPolicy":
      return [op.mode, op.flags, ...op.nodes.flat()];
    case "personality":
      return [op.persona];
  }
}

function argText(a: Arg): string {
  if (typeof a === "boolean") return a ? "1" : "0";
  return String(a);
}

/** Encode the plan: header, then per op: u32 opcode, u32 argc, argc x (u32 len, bytes, NUL). */
export function encodePlan(plan: InitPlan): Uint8Array {
  const enc = new TextEncoder();
  let size = 16;
  const ops = plan.ops.map((op) => {
    const args = opArgs(op).map((a) => enc.encode(argText(a)));
    size += 8 + args.reduce((n, a) => n + 5 + a.length, 0);
    return { code: OPCODES[op.op], args };
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(enc.encode(MAGIC), 0);
  view.setUint32(8, PLAN_VERSION, true);
  view.setUint32(12, ops.length, true);
  let at = 16;
  for (const { code, args } of ops) {
    view.setUint32(at, code, true);
    view.setUint32(at + 4, args.length, true);
    at += 8;
    for (const a of args) {
      view.setUint32(at, a.length, true);
      out.set(a, at + 4);
      out[at + 4 + a.length] = 0;
      at += 5 + a.length;
    }
  }
  return out;
}
