import { Container } from "../container/container.ts";
import { RuntError } from "../errors.ts";
import { bool, type FlagValues, int, str } from "./args.ts";
import { CREATE_FLAGS, needId } from "./common.ts";
import type { Context, Verb } from "./context.ts";

/** create's flags -> the library's options; shared with run. */
export function createContainerFromFlags(ctx: Context, f: FlagValues, id: string): Container {
  if (str(f, "console-socket") !== undefined) {
    throw new RuntError(
      "--console-socket: only valid with process.terminal, which runt does not support yet",
    );
  }
  return Container.create({
    root: ctx.root,
    id,
    bundle: str(f, "bundle") ?? ".",
    pidFile: str(f, "pid-file"),
    preserveFds: int(f, "preserve-fds") ?? 0,
    noPivot: bool(f, "no-pivot"),
    noNewKeyring: bool(f, "no-new-keyring"),
    debug: (msg) => ctx.log.debug(msg),
  });
}

export const create: Verb = {
  name: "create",
  summary: "create a container, ready to start",
  usage: "<container-id>",
  flags: CREATE_FLAGS,
  run(ctx, f, args) {
    const id = needId(args, "create");
    const c = createContainerFromFlags(ctx, f, id);
    ctx.log.debug(`created container ${id} with pid ${c.pid}`);
    return 0;
  },
};
