import { resolve } from "node:path";
import { Container } from "../container/container.ts";
import { loadSpec } from "../container/create.ts";
import type { Spec } from "../spec/types.ts";
import { bool, type FlagValues, int, str } from "./args.ts";
import { CREATE_FLAGS, needId } from "./common.ts";
import type { Context, Verb } from "./context.ts";

/** create's flags -> the library's options; shared with run. */
export function createContainerFromFlags(
  ctx: Context,
  f: FlagValues,
  id: string,
  keepConsole = false,
): Container {
  const bundle = str(f, "bundle") ?? ".";
  let preserveFds = int(f, "preserve-fds") ?? 0;
  // Socket activation, as runc does: fds 3.. that systemd passed to runt go first,
  // and the container's process is told about them (it is PID 1 in its namespace).
  const listen = listenFds();
  let spec: Spec | undefined;
  if (listen > 0) {
    spec = loadSpec(resolve(bundle));
    if (spec.process) {
      spec.process.env = [
        ...(spec.process.env ?? []).filter((e) => !/^LISTEN_(FDS|PID)=/.test(e)),
        `LISTEN_FDS=${listen}`,
        "LISTEN_PID=1",
      ];
    }
    preserveFds += listen;
  }
  ctx.phases.mark(`create: container ${id}, bundle ${resolve(bundle)}`);
  const c = Container.create({
    root: ctx.root,
    id,
    bundle,
    spec,
    pidFile: str(f, "pid-file"),
    preserveFds,
    noPivot: bool(f, "no-pivot"),
    noNewKeyring: bool(f, "no-new-keyring"),
    debug: (msg) => ctx.phases.mark(msg),
    warn: (msg) => ctx.log.warn(msg),
    console: { socket: str(f, "console-socket"), keep: keepConsole },
    rootlessCgroups: ctx.rootlessCgroups,
  });
  // runt-init does what runc's nsexec and Go init do; runc's words name the steps.
  ctx.phases.mark(
    `nsexec container setup: runt-init set up container ${id} from its plan (namespaces, mounts, pivot_root, confinement)`,
  );
  ctx.phases.mark(`child process in init(): the container's process is pid ${c.pid}`);
  ctx.phases.mark(
    `init: closing the pipe to signal completion: runt-init reported ready; pid ${c.pid} waits on the exec fifo`,
  );
  return c;
}

/** LISTEN_FDS when LISTEN_PID names this process (sd_listen_fds), else 0. */
function listenFds(): number {
  const n = Number(process.env.LISTEN_FDS ?? "");
  if (process.env.LISTEN_PID !== String(process.pid) || !Number.isInteger(n) || n <= 0) return 0;
  return n;
}

export const create: Verb = {
  name: "create",
  summary: "create a container, ready to start",
  usage: "<container-id>",
  flags: CREATE_FLAGS,
  run(ctx, f, args) {
    const id = needId(args, "create");
    createContainerFromFlags(ctx, f, id);
    return 0;
  },
};
