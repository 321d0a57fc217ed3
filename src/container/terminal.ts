// Terminals: where the pty master that runt-init sends goes (an engine's console
// socket, as runc does, or runt itself for a foreground session), and the relay
// between runt's own terminal and the container's pty.
import { closeSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntError } from "../errors.ts";
import { native } from "../native.ts";
import type { Spec } from "../spec/types.ts";

export interface ConsoleOptions {
  /** AF_UNIX socket that receives the master (runc's --console-socket). */
  socket?: string;
  /** Keep the master in this process (foreground run/exec relays it). */
  keep?: boolean;
}

/** A terminal needs somewhere for the master to go; a console socket needs a terminal. */
export function checkTerminal(spec: Spec, console: ConsoleOptions | undefined): void {
  const terminal = spec.process?.terminal === true;
  if (terminal && !console?.socket && !console?.keep) {
    throw new RuntError(
      "process.terminal is true, so the terminal's master needs a receiver: pass --console-socket, or run in the foreground",
    );
  }
  if (!terminal && console?.socket) {
    throw new RuntError(
      "--console-socket is only used with a terminal: set process.terminal to true (or use -t with exec)",
    );
  }
}

/** Handles the master runt-init sent: hands it on to the console socket, or keeps it. */
export function onConsole(fd: number, console: ConsoleOptions | undefined): number | undefined {
  if (console?.socket) {
    try {
      native().sendFdToSocket(console.socket, fd, "/dev/ptmx");
    } catch (e) {
      throw new RuntError(`--console-socket ${console.socket}: ${(e as Error).message}`);
    } finally {
      closeSync(fd);
    }
    return undefined;
  }
  if (console?.keep) return fd;
  closeSync(fd);
  return undefined;
}

/** The config the container was created with, kept for start, exec and delete (hooks). */
export function saveConfig(stateDir: string, spec: Spec): void {
  writeFileSync(join(stateDir, "config.json"), JSON.stringify(spec), { mode: 0o600 });
}

export function loadConfig(stateDir: string): Spec | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, "config.json"), "utf8")) as Spec;
  } catch {
    return undefined;
  }
}

/** Size of runt's own terminal (stdin, else stdout), if it has one. */
export function ownTerminalSize(): { rows: number; cols: number } | undefined {
  const n = native();
  return n.getWinsize(0) ?? n.getWinsize(1) ?? undefined;
}

/**
 * Relays between runt's stdio and the pty master: runt's terminal goes raw, window
 * size changes are passed on, and everything is restored when the session ends (the
 * returned promise resolves once the container side has closed the pty).
 */
export function relayTerminal(master: number): { done: Promise<void>; restore: () => void } {
  const n = native();
  const saved = n.makeRaw(0);
  const resize = () => {
    const size = ownTerminalSize();
    if (size) n.setWinsize(master, size.rows, size.cols);
  };
  resize();
  process.on("SIGWINCH", resize);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.removeListener("SIGWINCH", resize);
    if (saved) n.restoreTerminal(0, saved);
  };
  const done = n.ptyRelay(master, 0, 1).finally(() => {
    restore();
    closeSync(master);
  });
  return { done, restore };
}
