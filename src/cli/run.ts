import { bool, str } from "./args.ts";
import { CREATE_FLAGS, needId } from "./common.ts";
import type { Verb } from "./context.ts";
import { createContainerFromFlags } from "./create.ts";
import { foreground } from "./foreground.ts";

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
    const detach = bool(f, "detach");
    // A foreground terminal with no console socket: runt itself relays it.
    const keepConsole = !detach && str(f, "console-socket") === undefined;
    const c = createContainerFromFlags(ctx, f, id, keepConsole);
    if (detach) {
      try {
        c.start();
      } catch (e) {
        c.delete(true, (msg) => ctx.log.warn(msg));
        throw e;
      }
      ctx.phases.mark(`start: exec fifo released: pid ${c.pid} runs, detached`);
      return 0;
    }
    try {
      const waiting = foreground(
        () => c.pid,
        () => c.wait(),
        c.consoleFd,
      );
      c.start();
      ctx.phases.mark(`start: exec fifo released: pid ${c.pid} runs in the foreground`);
      const status = await waiting;
      ctx.phases.mark(`run: container ${id} exited with status ${status}`);
      return status;
    } finally {
      if (!bool(f, "keep")) c.delete(true, (msg) => ctx.log.warn(msg));
    }
  },
};
