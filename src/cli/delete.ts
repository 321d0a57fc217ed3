import { Container } from "../container/container.ts";
import { bool } from "./args.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

export const del: Verb = {
  name: "delete",
  summary: "remove a container and everything it made",
  usage: "<container-id>",
  flags: [{ name: "force", short: "f", kind: "bool", help: "kill a running container first" }],
  run(ctx, f, args) {
    const id = needId(args, "delete");
    // A failing poststop hook is only a warning (runtime.md).
    const warn = (msg: string) => ctx.log.warn(msg);
    if (bool(f, "force")) Container.forceRemove(ctx.root, id, warn);
    else Container.load(ctx.root, id).delete(false, warn);
    return 0;
  },
};
