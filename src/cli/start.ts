import { Container } from "../container/container.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

export const start: Verb = {
  name: "start",
  summary: "run the user's process in a created container",
  usage: "<container-id>",
  flags: [],
  run(ctx, _f, args) {
    const c = Container.load(ctx.root, needId(args, "start"));
    ctx.phases.mark(`start: container ${c.id} loaded, pid ${c.pid}`);
    c.start();
    ctx.phases.mark(`start: exec fifo released: pid ${c.pid} runs the container's process`);
    return 0;
  },
};
