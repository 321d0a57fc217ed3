import { Container } from "../container/container.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

export const pause: Verb = {
  name: "pause",
  summary: "freeze every process of a container",
  usage: "<container-id>",
  flags: [],
  run(ctx, _f, args) {
    Container.load(ctx.root, needId(args, "pause")).pause();
    return 0;
  },
};
