import { Container } from "../container/container.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

export const start: Verb = {
  name: "start",
  summary: "run the user's process in a created container",
  usage: "<container-id>",
  flags: [],
  run(ctx, _f, args) {
    Container.load(ctx.root, needId(args, "start")).start();
    return 0;
  },
};
