// Malformed plans fed to the real runt-init (native/build/runt-init), started as
// docs/plan-format.md's start-up contract says: a SOCK_SEQPACKET socketpair and a
// sealed memfd with the plan. Each kind of malformation gets its documented `error`
// (opindex -1, EINVAL) and exit status 1, before any op runs. Needs no root.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { native, type WaitResult } from "../../src/native.ts";
import { encodePlan } from "../../src/plan/encode.ts";
import type { PlanOp } from "../../src/plan/plan.ts";
import { ALL_SAMPLES } from "../unit/init-op-samples.ts";

const INIT = join(import.meta.dir, "../../native/build/runt-init");
const n = native();
const initFd = n.memfdFromBytes("runt-init", readFileSync(INIT), true);
afterAll(() => closeSync(initFd));

/** Runs runt-init on these plan bytes; returns every message it sent and how it ended. */
function runInitOn(plan: Uint8Array): { messages: string[]; status: WaitResult } {
  const planFd = n.memfdFromBytes("runt-plan", plan, true);
  const [ours, theirs] = n.seqpacketPair();
  const devNull = openSync("/dev/null", "r+");
  let pid: number;
  try {
    pid = n.spawn({
      execFd: initFd,
      argv: ["runt-init", "3", "4"],
      env: [],
      fds: [devNull, devNull, devNull, theirs, planFd],
    });
  } finally {
    for (const fd of [theirs, planFd, devNull]) closeSync(fd);
  }
  const messages: string[] = [];
  try {
    for (;;) {
      if (!n.pollIn(ours, 10_000)) throw new Error(`runt-init said nothing for 10 s: ${messages}`);
      const m = n.recv(ours);
      if (m === "") break;
      messages.push(m);
    }
  } finally {
    closeSync(ours);
  }
  return { messages, status: n.waitpid(pid, false) as WaitResult };
}

/** A plan of raw ops (opcode and argument strings as given), with header overrides. */
function rawPlan(
  ops: { code: number; args: string[] }[],
  header: { magic?: string; version?: number; count?: number } = {},
): Uint8Array {
  const parts: number[] = [];
  const u32 = (v: number) => parts.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24);
  parts.push(...new TextEncoder().encode((header.magic ?? "RUNTPLAN").slice(0, 8)));
  u32(header.version ?? 1);
  u32(header.count ?? ops.length);
  for (const op of ops) {
    u32(op.code);
    u32(op.args.length);
    for (const a of op.args) {
      const b = new TextEncoder().encode(a);
      u32(b.length);
      parts.push(...b, 0);
    }
  }
  return Uint8Array.from(parts);
}

const encode = (ops: PlanOp[]) => encodePlan({ version: 1, ops });
const EXEC: PlanOp = { op: "exec", args: ["true"], env: [], closeFrom: 3 };

/** The one message and status of a plan the decoder refuses. */
function refused(plan: Uint8Array): string {
  const { messages, status } = runInitOn(plan);
  expect(status.exitCode).toBe(1);
  expect(messages).toHaveLength(1);
  const m = messages[0] as string;
  expect(m).toStartWith("error -1 22 plan: ");
  return m.slice("error -1 22 ".length);
}

describe("runt-init refuses a malformed plan before its first op", () => {
  test("bad magic, another version, too short", () => {
    expect(refused(rawPlan([], { magic: "RUNTPLAX" }))).toBe("plan: not a version 1 plan");
    expect(refused(rawPlan([], { version: 2 }))).toBe("plan: not a version 1 plan");
    expect(refused(rawPlan([], { version: 0 }))).toBe("plan: not a version 1 plan");
    expect(refused(new TextEncoder().encode("RUNTPLAN"))).toBe("plan: size 8 out of range");
  });

  test("an unknown opcode, by number", () => {
    for (const code of [0, 35, 42, 69, 99, 128, 2 ** 32 - 1]) {
      expect(refused(rawPlan([{ code, args: [] }]))).toBe(`plan: op 0: unknown opcode ${code}`);
    }
    // The op's index is counted from 0.
    expect(
      refused(
        rawPlan([
          { code: 6, args: [] },
          { code: 39, args: [] },
        ]),
      ),
    ).toBe("plan: op 1: unknown opcode 39");
  });

  test("a wrong argument count", () => {
    expect(refused(rawPlan([{ code: 1, args: ["/proc/1/ns/net"] }]))).toBe(
      "plan: op 0: setns takes 2 arguments, not 1",
    );
    expect(refused(rawPlan([{ code: 5, args: ["x"] }]))).toBe(
      "plan: op 0: fork takes 0 arguments, not 1",
    );
    expect(refused(rawPlan([{ code: 29, args: ["3"] }]))).toBe(
      "plan: op 0: exec takes at least 2 arguments, not 1",
    );
    expect(refused(rawPlan([{ code: 29, args: ["3", "2", "sh"] }]))).toBe(
      "plan: op 0: exec argc 2 does not fit",
    );
    expect(refused(rawPlan([{ code: 33, args: ["0", "1", "/bin/true"] }]))).toBe(
      "plan: op 0: hook argc 1 does not fit",
    );
  });

  test("CPU and node sets: [first, last] pairs, ordered, at most 65536", () => {
    const pairs = "takes [first, last] pairs";
    expect(refused(rawPlan([{ code: 62, args: [] }]))).toBe(`plan: op 0: cpuAffinity ${pairs}`);
    expect(refused(rawPlan([{ code: 62, args: ["0", "1", "2"] }]))).toBe(
      `plan: op 0: cpuAffinity ${pairs}`,
    );
    expect(refused(rawPlan([{ code: 63, args: ["2", "0", "1"] }]))).toBe(
      `plan: op 0: memPolicy ${pairs}`,
    );
    expect(refused(rawPlan([{ code: 62, args: ["3", "1"] }]))).toBe(
      "plan: op 0: cpuAffinity range 3-1 out of order or past 65536",
    );
    expect(refused(rawPlan([{ code: 63, args: ["2", "0", "0", "65537"] }]))).toBe(
      "plan: op 0: memPolicy range 0-65537 out of order or past 65536",
    );
  });

  test("an argument of the wrong kind", () => {
    expect(refused(rawPlan([{ code: 1, args: ["/x", "-1"] }]))).toBe(
      "plan: op 0: setns argument 1 is not a u32: -1",
    );
    expect(refused(rawPlan([{ code: 1, args: ["/x", "4294967296"] }]))).toBe(
      "plan: op 0: setns argument 1 is not a u32: 4294967296",
    );
    expect(refused(rawPlan([{ code: 20, args: ["7", "1", "18446744073709551616"] }]))).toBe(
      "plan: op 0: rlimit argument 2 is not a u64: 18446744073709551616",
    );
    expect(refused(rawPlan([{ code: 4, args: ["/x", "1", "true"] }]))).toBe(
      "plan: op 0: write argument 2 is not 0 or 1: true",
    );
    const mount = ["tmpfs", "/tmp", "tmpfs", "0", "", "maybe", "0"];
    expect(refused(rawPlan([{ code: 8, args: mount }]))).toBe(
      "plan: op 0: mount argument 5 is not none, dir, file or copyup: maybe",
    );
  });

  test("a string without its NUL, or with one inside", () => {
    const plan = rawPlan([{ code: 3, args: ["tag"] }]);
    plan[plan.length - 1] = 0x78;
    expect(refused(plan)).toBe("plan: op 0: bad string");
    expect(refused(rawPlan([{ code: 3, args: ["t\0g"] }]))).toBe("plan: op 0: bad string");
  });

  test("truncated data: every cut of a valid plan", () => {
    const whole = encode([{ op: "sync", tag: "userns" }, EXEC]);
    for (let cut = 0; cut < whole.length; cut++) {
      const why = refused(whole.slice(0, cut));
      if (cut < 16) expect([cut, why]).toEqual([cut, `plan: size ${cut} out of range`]);
      else if (cut < 32) expect([cut, why]).toEqual([cut, "plan: op count 2 does not fit"]);
      else expect([cut, why]).toEqual([cut, expect.stringMatching(/^plan: op [01]: truncated$/)]);
    }
    expect(refused(rawPlan([], { count: 1000 }))).toBe("plan: op count 1000 does not fit");
    // A length that runs past the end.
    const long = rawPlan([{ code: 3, args: ["tag"] }]);
    long[24] = 200;
    expect(refused(long)).toBe("plan: op 0: truncated");
  });

  test("bytes after the last op", () => {
    const whole = encode([EXEC]);
    const plus = new Uint8Array(whole.length + 3);
    plus.set(whole);
    expect(refused(plus)).toBe("plan: 3 trailing bytes (op count 1)");
  });

  test("a plan that ends without exec fails at opindex = op count", () => {
    expect(runInitOn(encode([]))).toEqual({
      messages: ["error 0 22 plan ended without exec"],
      status: expect.objectContaining({ exitCode: 1 }),
    });
  });

  test("the decoder accepts what encodePlan writes for a sample of every op", () => {
    // The samples are never run: an unknown opcode after them stops the plan in the
    // decoder, which has then checked every sample's count and arguments.
    const plan = encode(ALL_SAMPLES);
    const tail = rawPlan([{ code: 99, args: [] }]).slice(16);
    const all = new Uint8Array(plan.length + tail.length);
    all.set(plan);
    all.set(tail, plan.length);
    new DataView(all.buffer).setUint32(12, ALL_SAMPLES.length + 1, true);
    expect(refused(all)).toBe(`plan: op ${ALL_SAMPLES.length}: unknown opcode 99`);
  });
});
