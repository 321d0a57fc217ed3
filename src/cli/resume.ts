import { Container } from "../container/container.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

export const resume: Verb = {
  name: "resume",
  summary: "thaw a paused container",
  usage: "<container-id>",
  flags: [],
  run(ctx, _f, args) {
    Container.load(ctx.root, needId(args, "resume")).resume();
    return 0;
  },
};
