import { constants } from "node:os";
import { bool } from "./args.ts";
import { CREATE_FLAGS, needId } from "./common.ts";
import type { Verb } from "./context.ts";
import { createContainerFromFlags } from "./create.ts";

/** Signals a foreground `run` passes on to the container instead of dying of them. */
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

export const run: Verb = {
  name: "run",
  summary: "create and start a container; in the foreground, exit with its status",
  usage: "<container-id>",
  flags: [
    ...CREATE_FLAGS,
    { name: "detach", short: "d", kind: "bool", help: "do not wait for the container" },
    { name: "keep", kind: "bool", help: "do not delete the container after it exits" },
  ],
  async run(ctx, f, args) {
    const id = needId(args, "run");
    const c = createContainerFromFlags(ctx, f, id);
    if (bool(f, "detach")) {
      try {
        c.start();
      } catch (e) {
        c.delete(true);
        throw e;
      }
      return 0;
    }
    const forward = (sig: NodeJS.Signals) => () => {
      try {
        process.kill(c.pid, constants.signals[sig]);
      } catch {
        // It has just exited; the wait below will tell.
      }
    };
    for (const sig of FORWARDED) process.on(sig, forward(sig));
    let status: number;
    try {
      c.start();
      const r = await c.wait();
      status = r.exitCode ?? 128 + (r.signal ?? 0);
    } finally {
      for (const sig of FORWARDED) process.removeAllListeners(sig);
      if (!bool(f, "keep")) c.delete(true);
    }
    return status;
  },
};
