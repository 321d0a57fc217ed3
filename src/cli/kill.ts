import { Container } from "../container/container.ts";
import { parseSignal } from "../container/signals.ts";
import { bool } from "./args.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

export const kill: Verb = {
  name: "kill",
  summary: "send a signal (default SIGTERM) to a container",
  usage: "<container-id> [signal]",
  flags: [{ name: "all", short: "a", kind: "bool", help: "signal every process in the container" }],
  run(ctx, f, args) {
    const id = needId(args, "kill", 1);
    const signal = parseSignal(args[1] ?? "SIGTERM");
    Container.load(ctx.root, id).kill(signal, bool(f, "all"));
    return 0;
  },
};
