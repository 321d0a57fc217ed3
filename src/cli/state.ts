import { Container } from "../container/container.ts";
import { stdio } from "../stdio.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

export const state: Verb = {
  name: "state",
  summary: "print a container's state as JSON",
  usage: "<container-id>",
  flags: [],
  run(ctx, _f, args) {
    const c = Container.load(ctx.root, needId(args, "state"));
    stdio.out(`${JSON.stringify(c.state(), null, 2)}\n`);
    return 0;
  },
};
