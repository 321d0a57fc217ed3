// OCI hooks that run in the runtime namespace (prestart, createRuntime, poststart,
// poststop): run from runt itself, in order, each with the container's state on stdin,
// its own args and env (nothing inherited), and its timeout. The hooks that run in the
// container's namespaces (createContainer, startContainer) are plan ops run by
// runt-init (src/plan/compile.ts, native/init/tty.c).
import { spawnSync } from "node:child_process";
import { closeSync, fstatSync, readSync } from "node:fs";
import { RuntError } from "../errors.ts";
import { native } from "../native.ts";
import type { Hook, Spec } from "../spec/types.ts";

/** The state a hook reads on stdin (runtime.md, "State"). */
export interface HookState {
  ociVersion: string;
  id: string;
  status: string;
  pid: number;
  bundle: string;
  annotations: Record<string, string>;
}

export type RuntimeHookName = "prestart" | "createRuntime" | "poststart" | "poststop";

/**
 * The status each hook kind reads on stdin. runtime.md's lifecycle creates the
 * environment in step 2 ("creating") and runs prestart, createRuntime and
 * createContainer after it (steps 3-5), and startContainer before the user's program
 * (step 7): the container is "created" for all four (crun, and the runtime-tools
 * hooks_stdin test, agree; runc 1.1 passes "creating" to the first three). poststart
 * runs after the program started, poststop after the container is gone.
 */
export const HOOK_STATUS = {
  prestart: "created",
  createRuntime: "created",
  createContainer: "created",
  startContainer: "created",
  poststart: "running",
  poststop: "stopped",
} as const;

export function hookStateJson(s: HookState): string {
  const out: Record<string, unknown> = {
    ociVersion: s.ociVersion,
    id: s.id,
    status: s.status,
    bundle: s.bundle,
    annotations: s.annotations,
  };
  if (s.pid > 0) out.pid = s.pid;
  return JSON.stringify(out);
}

/**
 * How much of a hook's output a failure carries: its last bytes. runc puts all of
 * stdout and stderr in the error; runt-init sends its errors in one message, so both
 * halves keep the end, where a failing program says why (native/init/tty.c has the
 * same HOOK_OUTPUT_MAX).
 */
export const HOOK_OUTPUT_MAX = 2048;

/**
 * "; output: TEXT" for a failure: the last HOOK_OUTPUT_MAX bytes of everything the
 * hook wrote to stdout and stderr (total bytes), without surrounding whitespace, led
 * by "..." when earlier bytes were dropped; "" when there is nothing to show.
 */
export function hookOutputTail(last: Uint8Array, total: number): string {
  const text = Buffer.from(last.subarray(-HOOK_OUTPUT_MAX)).toString().trim();
  return text ? `; output: ${total > HOOK_OUTPUT_MAX ? "..." : ""}${text}` : "";
}

/** The last HOOK_OUTPUT_MAX bytes of fd (a file) and its size. */
function lastBytes(fd: number): { last: Uint8Array; total: number } {
  const total = fstatSync(fd).size;
  const last = Buffer.alloc(Math.min(total, HOOK_OUTPUT_MAX));
  readSync(fd, last, 0, last.length, total - last.length);
  return { last, total };
}

/** Runs one hook; returns null when it succeeded, else why it failed. */
export function runHook(hook: Hook, state: string): string | null {
  const args = hook.args?.length ? hook.args : [hook.path];
  // stdout and stderr share one memfd, as they share one pipe in runt-init: the output
  // is in the order written, and there is no buffer limit to kill a talkative hook.
  const out = native().memfdFromBytes("runt-hook-output", new Uint8Array(0), false);
  try {
    return runHookInto(hook, args, state, out);
  } finally {
    closeSync(out);
  }
}

function runHookInto(hook: Hook, args: string[], state: string, out: number): string | null {
  const r = spawnSync(hook.path, args.slice(1), {
    argv0: args[0],
    input: state,
    env: Object.fromEntries(
      (hook.env ?? []).map((e) => {
        const eq = e.indexOf("=");
        return eq < 0 ? [e, ""] : [e.slice(0, eq), e.slice(eq + 1)];
      }),
    ),
    cwd: "/",
    timeout: hook.timeout ? hook.timeout * 1000 : undefined,
    killSignal: "SIGKILL",
    stdio: ["pipe", out, out],
  });
  const { last, total } = lastBytes(out);
  const tail = hookOutputTail(last, total);
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === "ETIMEDOUT" || (hook.timeout && r.signal === "SIGKILL" && !err)) {
    return `hook ${hook.path} did not finish within ${hook.timeout}s and was killed${tail}`;
  }
  if (err) return `hook ${hook.path} could not be run: ${err.message}`;
  if (r.signal) return `hook ${hook.path} was killed by ${r.signal}${tail}`;
  if (r.status !== 0) return `hook ${hook.path} exited with status ${r.status}${tail}`;
  return null;
}

/**
 * Runs every hook of the named kinds in order, each with the state and its kind's
 * status (HOOK_STATUS). The first failure throws a RuntError naming the hook kind,
 * its index, path and output, unless warn is given: then each failure is passed to
 * warn and the rest still run (poststop).
 */
export function runHooks(
  spec: Spec,
  kinds: RuntimeHookName[],
  state: Omit<HookState, "status">,
  warn?: (msg: string) => void,
): void {
  for (const kind of kinds) {
    const json = hookStateJson({ ...state, status: HOOK_STATUS[kind] });
    for (const [i, hook] of (spec.hooks?.[kind] ?? []).entries()) {
      const why = runHook(hook, json);
      if (why === null) continue;
      const msg = `hooks.${kind}[${i}]: ${why}`;
      if (!warn) throw new RuntError(msg);
      warn(msg);
    }
  }
}
