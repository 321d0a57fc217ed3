// Signal names and numbers as `runc kill` accepts them: 9, KILL, SIGKILL, sigkill, and 0
// (kill(2)'s existence check: `runc kill ID 0` succeeds while the init lives, and
// `kill --all ID 0` on a stopped container succeeds as runc's does).
import { constants } from "node:os";
import { RuntError } from "../errors.ts";

const SIGNALS = constants.signals as Record<string, number>;

export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 0 && n <= 64) return n;
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
