// Terminals on real containers: a session driven under tmux (runt relays its own
// terminal to the container's pty: raw mode, window size, restored at the end), exec -t,
// and --console-socket handing the pty master to a receiver like runc's recvtty.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  RUNT,
  runt,
  STATE_ROOT,
  testSpec,
  until,
} from "../helpers/runt.ts";

const TMUX = `runt-test-${process.pid}`;
const tmux = (...args: string[]) =>
  spawnSync("tmux", ["-L", TMUX, ...args], { encoding: "utf8" }).stdout ?? "";

afterEach(() => {
  tmux("kill-server");
  cleanup();
});
afterAll(cleanupAll);

const terminalSpec = (args: string[], edit?: (s: Spec) => void) =>
  testSpec(args, (s) => {
    if (s.process) s.process.terminal = true;
    edit?.(s);
  });

const screen = () => tmux("capture-pane", "-p", "-J", "-t", "s");

async function shown(text: string | RegExp, ms = 10_000): Promise<boolean> {
  return until(() => {
    const s = screen();
    return typeof text === "string" ? s.includes(text) : text.test(s);
  }, ms);
}

/** Starts `command` in a detached tmux session 100x30; its last line holds the exit status. */
function inTmux(command: string): void {
  const sh = `${command}; echo EXIT=$?; stty -a | tr '\\n' ' '; echo; sleep 600`;
  spawnSync("tmux", ["-L", TMUX, "new-session", "-d", "-s", "s", "-x", "100", "-y", "30", sh]);
}

describe("a terminal session under tmux", () => {
  test("run with process.terminal: a shell in this terminal, resized, exit status passed", async () => {
    const id = newId("tty");
    const bundle = makeBundle(terminalSpec(["sh"]));
    inTmux(`${RUNT} --root ${STATE_ROOT} run -b ${bundle} ${id}`);
    expect(await shown("/ #")).toBe(true);
    tmux("send-keys", "-t", "s", "tty; stty size; echo sum=$((6*7))", "Enter");
    expect(await shown("sum=42")).toBe(true);
    expect(screen()).toMatch(/\/dev\/pts\/0\n30 100\n/);
    // Raw mode: a ^C reaches the shell as a character, not as a signal to runt.
    tmux("send-keys", "-t", "s", "sleep 30", "Enter");
    await Bun.sleep(200);
    tmux("send-keys", "-t", "s", "C-c");
    tmux("send-keys", "-t", "s", "echo still-here", "Enter");
    expect(await shown(/^still-here$/m)).toBe(true);
    // A window change reaches the pty.
    tmux("resize-window", "-t", "s", "-x", "120", "-y", "40");
    await Bun.sleep(300);
    tmux("send-keys", "-t", "s", "stty size", "Enter");
    expect(await shown("40 120")).toBe(true);
    tmux("send-keys", "-t", "s", "exit 5", "Enter");
    expect(await shown("EXIT=5")).toBe(true);
    // runt restored its terminal: canonical mode and echo are back.
    expect(await shown(/ (-?)icanon /)).toBe(true);
    const after = screen();
    expect(after).toMatch(/ icanon /);
    expect(after).toMatch(/ echo /);
    expect(after).not.toMatch(/-icanon/);
  });

  test("exec -t: an interactive shell with its own pty and controlling terminal", async () => {
    const id = newId("exect");
    expect(runt(["run", "-d", "-b", makeBundle(testSpec(["sleep", "1000"])), id]).status).toBe(0);
    inTmux(`${RUNT} --root ${STATE_ROOT} exec -t ${id} sh`);
    expect(await shown("/ #")).toBe(true);
    tmux(
      "send-keys",
      "-t",
      "s",
      "tty; stty size; cut -d' ' -f7 /proc/self/stat; echo done=1",
      "Enter",
    );
    expect(await shown("done=1")).toBe(true);
    const s = screen();
    expect(s).toMatch(/\/dev\/pts\/\d+\n30 100\n/);
    const ttyNr = /30 100\n(\d+)\n/.exec(s)?.[1];
    expect(Number(ttyNr)).toBeGreaterThan(0); // a controlling terminal
    tmux("send-keys", "-t", "s", "exit 3", "Enter");
    expect(await shown("EXIT=3")).toBe(true);
    expect(await shown(/ (-?)icanon /)).toBe(true);
    expect(screen()).toMatch(/ icanon /);
  });
});

/** A receiver like runc's recvtty: takes the master, types `input`, prints all output. */
const RECVTTY = `
import os, socket, sys
path, inp = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path); srv.listen(1)
print("listening", flush=True)
conn, _ = srv.accept()
name, fds, _, _ = socket.recv_fds(conn, 4096, 1)
sys.stderr.write("name=%s fds=%d\\n" % (name.decode(), len(fds)))
m = fds[0]
os.write(m, inp.encode())
out = b""
while True:
    try:
        b = os.read(m, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace"))
`;

function receiver(
  dir: string,
  input: string,
): { path: string; done: Promise<{ out: string; err: string }> } {
  const path = join(dir, "console.sock");
  writeFileSync(join(dir, "recvtty.py"), RECVTTY);
  const child = spawn("/usr/bin/python3", [join(dir, "recvtty.py"), path, input]);
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const done = new Promise<{ out: string; err: string }>((res) =>
    child.on("exit", () => res({ out, err })),
  );
  return { path, done };
}

describe("--console-socket", () => {
  test("create sends a working pty master; consoleSize and /dev/console are set", async () => {
    const dir = mkdtempSync("/tmp/runt-console-");
    try {
      const rx = receiver(dir, "typed\n");
      await until(() => {
        try {
          return readFileSync(rx.path) !== undefined;
        } catch (e) {
          return (e as NodeJS.ErrnoException).code === "ENXIO";
        }
      });
      const id = newId("csock");
      const bundle = makeBundle(
        terminalSpec(
          [
            "sh",
            "-c",
            "tty; stty size; [ -c /dev/console ] && echo console-ok; read l; echo got:$l; exit 0",
          ],
          (s) => {
            if (s.process) s.process.consoleSize = { height: 24, width: 77 };
          },
        ),
      );
      const c = runt(["create", "--console-socket", rx.path, "-b", bundle, id]);
      expect(c.stderr).toBe("");
      expect(c.status).toBe(0);
      expect(runt(["start", id]).status).toBe(0);
      const { out, err } = await rx.done;
      expect(err).toContain("fds=1");
      expect(out).toContain("/dev/pts/0");
      expect(out).toContain("24 77");
      expect(out).toContain("console-ok");
      expect(out).toContain("got:typed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("exec -t -d --console-socket hands the exec'd process's master over", async () => {
    const id = newId("csexec");
    expect(runt(["run", "-d", "-b", makeBundle(testSpec(["sleep", "1000"])), id]).status).toBe(0);
    const dir = mkdtempSync("/tmp/runt-console-");
    try {
      const rx = receiver(dir, "echo from-exec-$((2+3)); exit\n");
      await Bun.sleep(300);
      const r = runt(["exec", "-t", "-d", "--console-socket", rx.path, id, "sh"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const { out } = await rx.done;
      expect(out).toContain("from-exec-5");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a terminal without a receiver, and a socket without a terminal, are refused", () => {
    const t = runt(["create", "-b", makeBundle(terminalSpec(["sh"])), newId("notty")]);
    expect(t.status).toBe(1);
    expect(t.stderr).toContain("--console-socket");
    const d = runt(["run", "-d", "-b", makeBundle(terminalSpec(["sh"])), newId("notty")]);
    expect(d.status).toBe(1);
    const s = runt([
      "create",
      "--console-socket",
      "/tmp/nowhere.sock",
      "-b",
      makeBundle(testSpec(["true"])),
      newId("nosock"),
    ]);
    expect(s.status).toBe(1);
    expect(s.stderr).toContain("process.terminal");
    expect(runt(["list", "-q"]).stdout).toBe("");
  });

  test("an unreachable console socket fails create and leaves nothing", () => {
    const id = newId("badsock");
    const r = runt([
      "create",
      "--console-socket",
      "/tmp/runt-no-such.sock",
      "-b",
      makeBundle(terminalSpec(["sh"])),
      id,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("/tmp/runt-no-such.sock");
    expect(runt(["state", id]).status).toBe(1);
  });
});
