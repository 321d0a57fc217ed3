// A foreground container process: runt passes the signals it gets on to it, relays a
// terminal if the process has one, and exits with the process's status.
import { constants } from "node:os";
import { relayTerminal } from "../container/terminal.ts";
import type { WaitResult } from "../native.ts";

/** Signals a foreground run/exec passes on instead of dying of them. */
const FORWARDED = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGTERM",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
  "SIGCONT",
  "SIGALRM",
  "SIGPIPE",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
] as const;

/** How long the relay may still drain output once the process has exited. */
const DRAIN_MS = 2000;

export async function foreground(
  pid: () => number,
  wait: () => Promise<WaitResult>,
  consoleFd?: number,
): Promise<number> {
  const relay = consoleFd === undefined ? undefined : relayTerminal(consoleFd);
  // With a terminal, window changes resize the pty (the relay does it) instead.
  const signals = FORWARDED.filter((s) => !(relay && s === "SIGWINCH"));
  const forward = (sig: NodeJS.Signals) => () => {
    try {
      process.kill(pid(), constants.signals[sig]);
    } catch {
      // It has just exited; the wait will tell.
    }
  };
  const handlers = signals.map((sig) => [sig, forward(sig)] as const);
  for (const [sig, fn] of handlers) process.on(sig, fn);
  try {
    const r = await wait();
    if (relay) {
      await Promise.race([relay.done, Bun.sleep(DRAIN_MS)]);
    }
    return r.exitCode ?? 128 + (r.signal ?? 0);
  } finally {
    relay?.restore();
    // Only these: main's own SIGPIPE handler stays (src/cli/main.ts).
    for (const [sig, fn] of handlers) process.off(sig, fn);
  }
}
