// Signal names and numbers as `runc kill` accepts them: 9, KILL, SIGKILL, sigkill.
import { constants } from "node:os";
import { RuntError } from "../errors.ts";

const SIGNALS = constants.signals as Record<string, number>;

export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const upper = text.toUpperCase();
    const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
    const n = SIGNALS[name];
    if (n !== undefined) return n;
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
    if (rt) return 34 + Number(rt[1] ?? 0);
  }
  throw new RuntError(`invalid signal "${text}": give a name like TERM or a number like 15`);
}

export function signalName(n: number): string {
  return Object.keys(SIGNALS).find((k) => SIGNALS[k] === n) ?? String(n);
}
