// The Node-API addon against the real kernel: no mocks. The BPF tests need root
// and a cgroup v2 hierarchy and are skipped without them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { native, type WaitResult } from "../../src/native.ts";
import { until } from "../helpers/harness.ts";

const addon = native();
const { O_RDONLY, O_RDWR, O_WRONLY, O_NONBLOCK, O_DIRECTORY } = fs.constants;

let dir = "";
const opened: number[] = [];

/** Opens a file and remembers it for afterAll. */
function open(p: string, flags: number): number {
  const fd = fs.openSync(p, flags);
  opened.push(fd);
  return fd;
}

function track<T extends number | number[]>(fds: T): T {
  opened.push(...(Array.isArray(fds) ? fds : [fds]));
  return fds;
}

/** A fifo with a non-blocking read end and a write end to hand to a child. */
function fifo(name: string): { r: number; w: number } {
  const p = path.join(dir, name);
  addon.mkfifo(p, 0o600);
  const r = open(p, O_RDONLY | O_NONBLOCK);
  return { r, w: open(p, O_WRONLY) };
}

/** Everything currently buffered in a non-blocking fd. */
function drain(fd: number): string {
  const buf = Buffer.alloc(65536);
  let out = "";
  for (;;) {
    try {
      const n = fs.readSync(fd, buf);
      if (n === 0) return out;
      out += buf.toString("utf8", 0, n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") return out;
      throw e;
    }
  }
}

/** Polls a non-blocking fd until `want` has arrived (never blocks the test runner). */
async function readUntil(fd: number, want: string, ms = 5000): Promise<string> {
  let out = "";
  const arrived = () => {
    out += drain(fd);
    return out.includes(want);
  };
  if (await until(arrived, ms, 5)) return out;
  throw new Error(`timed out waiting for ${JSON.stringify(want)}, got ${JSON.stringify(out)}`);
}

function errorOf(fn: () => unknown): Error & { code?: string; errno?: number; syscall?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an exception");
}

let sh = -1;
let devNull = -1;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "runt-native-"));
  sh = open("/bin/sh", O_RDONLY);
  devNull = open("/dev/null", O_RDWR);
});

afterAll(() => {
  for (const fd of opened) {
    try {
      fs.closeSync(fd);
    } catch {}
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(script: string, fds: number[], execFd = sh): number {
  return addon.spawn({ execFd, argv: ["sh", "-c", script], env: ["PATH=/usr/bin:/bin"], fds });
}

describe("memfdFromBytes", () => {
  test("holds the bytes, and a sealed one refuses writes and resizes", () => {
    const data = new TextEncoder().encode("#!/bin/true\nhello\n");
    const fd = track(addon.memfdFromBytes("runt-test", data, true));
    expect(fs.readFileSync(`/proc/self/fd/${fd}`, "utf8")).toBe("#!/bin/true\nhello\n");
    expect(fs.readlinkSync(`/proc/self/fd/${fd}`)).toStartWith("/memfd:runt-test");
    // Writes go through a fresh open of /proc/self/fd/N, the way an attacker would.
    const rw = open(`/proc/self/fd/${fd}`, O_RDWR);
    expect(errorOf(() => fs.writeSync(rw, "x")).code).toBe("EPERM");
    expect(errorOf(() => fs.ftruncateSync(rw, 0)).code).toBe("EPERM");
    expect(errorOf(() => fs.ftruncateSync(rw, 4096)).code).toBe("EPERM");
  });

  test("an unsealed one stays writable; empty data is fine", () => {
    const fd = track(addon.memfdFromBytes("runt-open", new Uint8Array(0), false));
    const rw = open(`/proc/self/fd/${fd}`, O_RDWR);
    fs.writeSync(rw, "abc");
    expect(fs.readFileSync(`/proc/self/fd/${fd}`, "utf8")).toBe("abc");
  });

  test("bad arguments are TypeErrors", () => {
    const e = errorOf(() => addon.memfdFromBytes("x", "abc" as unknown as Uint8Array, true));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("memfdFromBytes: data must be a Uint8Array");
    expect(errorOf(() => addon.memfdFromBytes("a\0b", new Uint8Array(1), true))).toBeInstanceOf(
      TypeError,
    );
  });
});

describe("seqpacket", () => {
  test("keeps message boundaries and reads EOF as an empty string", () => {
    const [a, b] = track(addon.seqpacketPair());
    addon.send(a, "one");
    addon.send(a, '{"two":"ü€"}');
    addon.send(b, "back");
    expect(addon.recv(b)).toBe("one");
    expect(addon.recv(b)).toBe('{"two":"ü€"}');
    expect(addon.recv(a)).toBe("back");
    fs.closeSync(a);
    opened.splice(opened.indexOf(a), 1);
    expect(addon.recv(b)).toBe("");
    expect(addon.recv(b)).toBe("");
    // The peer is gone: EPIPE as an error, not a SIGPIPE.
    expect(errorOf(() => addon.send(b, "x")).code).toBe("EPIPE");
  });

  test("a message longer than the 64 KiB buffer is an error, not a cut message", () => {
    const [a, b] = track(addon.seqpacketPair());
    addon.send(a, "x".repeat(65536));
    expect(addon.recv(b)).toHaveLength(65536);
    addon.send(a, "y".repeat(65537));
    const e = errorOf(() => addon.recv(b));
    expect(e.code).toBe("EMSGSIZE");
    expect(e.message).toBe("recv: Message too long");
  });

  test("the fds are close-on-exec", () => {
    const [a] = track(addon.seqpacketPair());
    expect(fs.readFileSync(`/proc/self/fdinfo/${a}`, "utf8")).toMatch(/^flags:\s+0?2\d{4}/m);
  });
});

describe("spawn and waitpid", () => {
  test("maps fds, and nothing unlisted reaches the child", async () => {
    const input = path.join(dir, "in");
    addon.mkfifo(input, 0o600);
    const stdin = open(input, O_RDWR); // O_RDWR: the child's read blocks instead of seeing EOF
    const out = fifo("out");
    open("/dev/null", O_RDONLY); // an unlisted fd; the parent's own fd 2 is unlisted too
    const pid = run("echo ready; read x; exit 4", [stdin, out.w]);
    await readUntil(out.r, "ready\n");
    // The shell now waits in `read`: its fd table is exactly the map.
    expect(fs.readdirSync(`/proc/${pid}/fd`).sort()).toEqual(["0", "1"]);
    fs.writeSync(stdin, "go\n");
    expect(await addon.waitpidAsync(pid)).toEqual({ pid, exitCode: 4, signal: null });
  });

  test("handles overlapping maps (a swap) and -1 holes", async () => {
    const x = fifo("x");
    const y = fifo("y");
    const input = path.join(dir, "swap-in");
    addon.mkfifo(input, 0o600);
    const stdin = open(input, O_RDWR);
    // child fd x.w = parent y.w and child fd y.w = parent x.w: each source is
    // also a target, which a naive dup2 loop gets wrong. Fd 2 and the others
    // in between are holes.
    const fds: number[] = Array(Math.max(x.w, y.w) + 1).fill(-1);
    fds[0] = stdin;
    fds[1] = devNull;
    fds[x.w] = y.w;
    fds[y.w] = x.w;
    const pid = run(
      `echo to-y >/proc/self/fd/${x.w}; echo to-x >/proc/self/fd/${y.w}; read x`,
      fds,
    );
    expect(await readUntil(x.r, "\n")).toBe("to-x\n");
    expect(await readUntil(y.r, "\n")).toBe("to-y\n");
    const listing = fs.readdirSync(`/proc/${pid}/fd`).map(Number);
    expect(listing.sort((a, b) => a - b)).toEqual([0, 1, x.w, y.w].sort((a, b) => a - b));
    fs.writeSync(stdin, "go\n");
    expect(addon.waitpid(pid, false)).toEqual({ pid, exitCode: 0, signal: null });
  });

  test("runs a sealed memfd copy of the shell; exit codes and signals", async () => {
    const memfd = track(addon.memfdFromBytes("sh", fs.readFileSync("/bin/sh"), true));
    const fds = [devNull, devNull, devNull];
    const ok = run("exit 0", fds, memfd);
    expect(addon.waitpid(ok, false)).toEqual({ pid: ok, exitCode: 0, signal: null });
    const code = run("exit 213", fds, memfd);
    expect(await addon.waitpidAsync(code)).toEqual({ pid: code, exitCode: 213, signal: null });
    const term = run("kill -TERM $$", fds, memfd);
    expect(addon.waitpid(term, false)).toEqual({ pid: term, exitCode: null, signal: 15 });

    const sleeper = run("exec sleep 30", fds);
    expect(addon.waitpid(sleeper, true)).toBeNull();
    const waiting: Promise<WaitResult> = addon.waitpidAsync(sleeper);
    process.kill(sleeper, "SIGKILL");
    expect(await waiting).toEqual({ pid: sleeper, exitCode: null, signal: 9 });
  });

  test("the child starts with default signal dispositions and an empty mask", async () => {
    const cat = open("/bin/cat", O_RDONLY);
    const out = fifo("status");
    const pid = addon.spawn({
      execFd: cat,
      argv: ["cat", "/proc/self/status"],
      env: [],
      fds: [devNull, out.w],
    });
    expect((await addon.waitpidAsync(pid)).exitCode).toBe(0);
    const status = drain(out.r);
    // Bun ignores SIGPIPE and SIGXFSZ; none of that may reach a container.
    expect(status).toMatch(/^SigIgn:\s+0+$/m);
    expect(status).toMatch(/^SigBlk:\s+0+$/m);
  });

  test("argv and env reach the child", async () => {
    const out = fifo("env");
    const env = ["A=1", "B=two words"];
    const pid = addon.spawn({
      execFd: sh,
      argv: ["sh", "-c", 'printf "%s|%s|%s|%s" "$0" "$1" "$A" "$B"', "zero", "arg one"],
      env,
      fds: [devNull, out.w],
    });
    expect((await addon.waitpidAsync(pid)).exitCode).toBe(0);
    expect(drain(out.r)).toBe("zero|arg one|1|two words");
  });

  test("failures before and at exec throw from spawn and leave no zombie", () => {
    const junk = track(
      addon.memfdFromBytes("junk", new TextEncoder().encode("not a program"), true),
    );
    const e = errorOf(() => addon.spawn({ execFd: junk, argv: ["junk"], env: [], fds: [] }));
    expect(e.message).toBe("execveat: Exec format error");
    expect(e.code).toBe("ENOEXEC");
    expect(e.errno).toBe(os.constants.errno.ENOEXEC);
    expect(e.syscall).toBe("execveat");

    const bad = errorOf(() => run("exit 0", [devNull, 100000]));
    expect(bad.code).toBe("EBADF");
    expect(bad.message).toStartWith("fcntl(F_DUPFD_CLOEXEC): ");
    // Both children were reaped by spawn itself.
    expect(errorOf(() => addon.waitpid(-1, true)).code).toBe("ECHILD");
  });

  test("bad options are TypeErrors", () => {
    const base = { execFd: sh, argv: ["sh"], env: [], fds: [] };
    for (const [opts, msg] of [
      [null, "spawn: opts must be an object"],
      [{ ...base, execFd: "3" }, "spawn: opts.execFd must be an integer"],
      [{ ...base, argv: [] }, "spawn: opts.argv must be a non-empty array of strings"],
      [{ ...base, env: [1] }, "spawn: opts.env must be a string"],
      [{ ...base, fds: [-2] }, "spawn: opts.fds must be an array of fds (integers >= -1)"],
      [{ ...base, fds: [1.5] }, "spawn: opts.fds must be an integer"],
    ] as const) {
      const e = errorOf(() => addon.spawn(opts as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe(msg);
    }
  });

  test("waitpid errors carry errno and code", async () => {
    const e = errorOf(() => addon.waitpid(1, false));
    expect(e.message).toBe("waitpid: No child processes");
    expect(e.code).toBe("ECHILD");
    expect(e.errno).toBe(os.constants.errno.ECHILD);
    const rejected = await addon.waitpidAsync(1).catch((err: Error & { code?: string }) => err);
    expect((rejected as Error & { code?: string }).code).toBe("ECHILD");
  });
});

describe("mkfifo and flock", () => {
  test("mkfifo creates a fifo with the mode and reports EEXIST", () => {
    const p = path.join(dir, "exec.fifo");
    addon.mkfifo(p, 0o600);
    const st = fs.statSync(p);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    const e = errorOf(() => addon.mkfifo(p, 0o600));
    expect(e.code).toBe("EEXIST");
    expect(e.message).toBe("mkfifo: File exists");
  });

  test("exclusive non-blocking locks contend across open file descriptions", () => {
    const p = path.join(dir, "lock");
    fs.writeFileSync(p, "");
    const a = open(p, O_RDONLY);
    const b = open(p, O_RDONLY);
    expect(addon.flock(a, true, true)).toBe(true);
    expect(addon.flock(b, true, true)).toBe(false);
    expect(addon.flock(b, false, true)).toBe(false);
    fs.closeSync(a); // closing the last fd of a description releases its lock
    opened.splice(opened.indexOf(a), 1);
    expect(addon.flock(b, true, true)).toBe(true);
    expect(addon.flock(b, false, false)).toBe(true); // converts in place
    expect(errorOf(() => addon.flock(-1, true, true)).code).toBe("EBADF");
  });

  test("setChildSubreaper succeeds", () => {
    addon.setChildSubreaper();
  });
});

// ---- BPF ----------------------------------------------------------------------

const unified = "/sys/fs/cgroup/unified";
const cgroupRoot = fs.existsSync(`${unified}/cgroup.procs`) ? unified : "/sys/fs/cgroup";
const canBpf =
  process.getuid?.() === 0 &&
  fs.existsSync(`${cgroupRoot}/cgroup.procs`) &&
  !fs.existsSync(`${cgroupRoot}/tasks`); // tasks only exists in cgroup v1

// struct bpf_insn: code, dst/src regs, 16-bit off, 32-bit imm, little endian.
function insn(code: number, imm = 0): number[] {
  return [code, 0, 0, 0, imm & 0xff, (imm >> 8) & 0xff, (imm >> 16) & 0xff, (imm >>> 24) & 0xff];
}
const MOV64_IMM_R0 = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K, dst r0
const EXIT = 0x95; // BPF_JMP | BPF_EXIT
const program = (verdict: number) =>
  new Uint8Array([...insn(MOV64_IMM_R0, verdict), ...insn(EXIT)]);

describe.skipIf(!canBpf)("bpf device programs", () => {
  const made: string[] = [];
  function cgroup(name: string): { path: string; fd: number } {
    const p = path.join(cgroupRoot, `runt-test-${process.pid}-${name}`);
    fs.mkdirSync(p);
    made.push(p);
    return { path: p, fd: open(p, O_RDONLY | O_DIRECTORY) };
  }

  afterAll(async () => {
    for (const p of made) {
      // A reaped child may take a moment to leave the cgroup; rmdir says EBUSY until then.
      for (let i = 0; ; i++) {
        try {
          fs.rmdirSync(p);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EBUSY" || i > 100) throw e;
          await Bun.sleep(10);
        }
      }
    }
  });

  test("load, attach and query an allow-all program", () => {
    const cg = cgroup("allow");
    expect(addon.bpfQueryDevice(cg.fd)).toEqual([]);
    const prog = track(addon.bpfLoadDeviceProgram(program(1), "Apache-2.0"));
    addon.bpfAttachDevice(cg.fd, prog);
    const ids = addon.bpfQueryDevice(cg.fd);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toBeGreaterThan(0);
    // ALLOW_MULTI: a second program is added, not substituted.
    addon.bpfAttachDevice(cg.fd, track(addon.bpfLoadDeviceProgram(program(1), "GPL")));
    expect(addon.bpfQueryDevice(cg.fd)).toHaveLength(2);
  });

  test("a deny-all program stops device access inside the cgroup", async () => {
    const cg = cgroup("deny");
    addon.bpfAttachDevice(cg.fd, track(addon.bpfLoadDeviceProgram(program(0), "Apache-2.0")));
    const input = path.join(dir, "deny-in");
    addon.mkfifo(input, 0o600);
    const stdin = open(input, O_RDWR);
    const err = fifo("deny-err");
    const pid = run("read x; cat /dev/null", [stdin, devNull, err.w]);
    fs.writeFileSync(`${cg.path}/cgroup.procs`, String(pid));
    fs.writeSync(stdin, "go\n");
    expect((await addon.waitpidAsync(pid)).exitCode).toBe(1);
    expect(drain(err.r)).toContain("Operation not permitted");
  });

  test("a rejected program's error carries the verifier log", () => {
    const e = errorOf(() => addon.bpfLoadDeviceProgram(new Uint8Array(insn(EXIT)), "GPL"));
    expect(e.code).toBe("EACCES");
    expect(e.message).toStartWith("bpf(BPF_PROG_LOAD): Permission denied\n");
    expect(e.message).toContain("R0 !read_ok");
    expect(errorOf(() => addon.bpfLoadDeviceProgram(new Uint8Array(12), "GPL"))).toBeInstanceOf(
      TypeError,
    );
  });

  test("attach and query errors carry codes", () => {
    expect(errorOf(() => addon.bpfQueryDevice(devNull)).code).toBe("EBADF");
    expect(errorOf(() => addon.bpfAttachDevice(-1, -1)).code).toBe("EBADF");
  });
});
