// `checkpoint` and `restore`: runc's flags, checked as runc checks them, and then a
// plain refusal. runt has no CRIU integration: it never claims to have saved or
// restored anything.
import { statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { Container } from "../container/container.ts";
import { RuntError } from "../errors.ts";
import { type FlagDef, type FlagValues, list, str } from "./args.ts";
import { needId } from "./common.ts";
import type { Verb } from "./context.ts";

const unsupported = (verb: string, after: string) =>
  new RuntError(`${verb}: checkpoint/restore (CRIU) is not supported by runt; ${after}`);

const CRIU_FLAGS: FlagDef[] = [
  { name: "image-path", kind: "string", arg: "DIR", help: "path for criu image files" },
  { name: "work-path", kind: "string", arg: "DIR", help: "path for saving work files and logs" },
  { name: "tcp-established", kind: "bool", help: "allow open tcp connections" },
  { name: "ext-unix-sk", kind: "bool", help: "allow external unix sockets" },
  { name: "shell-job", kind: "bool", help: "allow shell jobs" },
  { name: "file-locks", kind: "bool", help: "handle file locks, for safety" },
  {
    name: "manage-cgroups-mode",
    kind: "string",
    arg: "MODE",
    help: "cgroups mode: 'soft' (default), 'full' and 'strict'",
  },
  {
    name: "empty-ns",
    kind: "list",
    arg: "NS",
    help: "create a namespace, but don't restore its properties (repeatable)",
  },
  { name: "auto-dedup", kind: "bool", help: "enable auto deduplication of memory images" },
  { name: "lazy-pages", kind: "bool", help: "use userfaultfd to lazily restore memory pages" },
];

/** The shared flags by name, in the order given (runc's order in its help). */
const criu = (...names: string[]): FlagDef[] =>
  names.map((n) => {
    const d = CRIU_FLAGS.find((x) => x.name === n);
    if (!d) throw new Error(`no criu flag ${n}`);
    return d;
  });

/** runc's prepareImagePaths, without creating the image directory. */
export function checkParentPath(f: FlagValues, cwd = process.cwd()): void {
  const parent = str(f, "parent-path");
  if (!parent) return;
  if (isAbsolute(parent)) throw new RuntError("--parent-path must be relative");
  const image = resolve(cwd, str(f, "image-path") || "checkpoint");
  const real = join(image, parent);
  let isDir: boolean;
  try {
    isDir = statSync(real).isDirectory();
  } catch (e) {
    throw new RuntError(`invalid --parent-path: stat ${real}: no such file or directory`, {
      cause: e,
    });
  }
  if (!isDir) throw new RuntError(`invalid --parent-path: stat ${real}: not a directory`);
}

/** runc's checks of --page-server, --manage-cgroups-mode and --empty-ns. */
export function checkCriuFlags(f: FlagValues): void {
  const ps = str(f, "page-server");
  if (ps) {
    const m = /^(.*):([^:]*)$/.exec(ps);
    if (!m?.[1] || !m[2]) {
      throw new RuntError("Use --page-server ADDRESS:PORT to specify page server");
    }
    if (!/^\d+$/.test(m[2])) throw new RuntError("--page-server: invalid port number");
  }
  const mode = str(f, "manage-cgroups-mode");
  if (mode && !["soft", "full", "strict"].includes(mode)) {
    throw new RuntError(
      `--manage-cgroups-mode: invalid manage cgroups mode "${mode}"; soft, full or strict`,
    );
  }
  const statusFd = str(f, "status-fd");
  if (statusFd !== undefined && !/^-?\d+$/.test(statusFd)) {
    throw new RuntError(`--status-fd takes a number, got "${statusFd}"`);
  }
  for (const ns of list(f, "empty-ns")) {
    if (ns !== "network") throw new RuntError(`--empty-ns: namespace "${ns}" is not supported`);
  }
}

export const checkpoint: Verb = {
  name: "checkpoint",
  summary: "checkpoint a running container (not supported by runt)",
  usage: "<container-id>",
  description:
    "runc saves the state of the container instance with CRIU; runt checks the flags as runc does and then refuses: it has no CRIU support.",
  flags: [
    ...criu("image-path", "work-path"),
    {
      name: "parent-path",
      kind: "string",
      arg: "DIR",
      help: "path for previous criu image files in pre-dump",
    },
    { name: "leave-running", kind: "bool", help: "leave the process running after checkpointing" },
    ...criu("tcp-established", "ext-unix-sk", "shell-job", "lazy-pages"),
    {
      name: "status-fd",
      kind: "string",
      arg: "FD",
      help: "criu writes \\0 to this FD once lazy-pages is ready (default: -1)",
    },
    { name: "page-server", kind: "string", arg: "ADDRESS:PORT", help: "the page server" },
    ...criu("file-locks"),
    {
      name: "pre-dump",
      kind: "bool",
      help: "dump container's memory information only, leave the container running after this",
    },
    ...criu("manage-cgroups-mode", "empty-ns", "auto-dedup"),
  ],
  run(ctx, f, args) {
    const id = needId(args, "checkpoint");
    const status = Container.load(ctx.root, id).status();
    if (status === "created" || status === "stopped") {
      throw new RuntError(
        `checkpoint: container "${id}" cannot be checkpointed in ${status} state`,
      );
    }
    checkParentPath(f);
    checkCriuFlags(f);
    throw unsupported("checkpoint", `container "${id}" was left as it was`);
  },
};

export const restore: Verb = {
  name: "restore",
  summary: "restore a container from a previous checkpoint (not supported by runt)",
  usage: "<container-id>",
  description:
    "runc restores a container instance saved by its checkpoint command with CRIU; runt checks the flags as runc does and then refuses: it has no CRIU support.",
  flags: [
    {
      name: "console-socket",
      kind: "string",
      arg: "PATH",
      help: "AF_UNIX socket that receives the pty master",
    },
    ...criu("image-path", "work-path", "tcp-established", "ext-unix-sk", "shell-job"),
    ...criu("file-locks", "manage-cgroups-mode"),
    { name: "bundle", short: "b", kind: "string", arg: "DIR", help: "bundle directory" },
    { name: "detach", short: "d", kind: "bool", help: "detach from the container's process" },
    {
      name: "pid-file",
      kind: "string",
      arg: "PATH",
      help: "write the container's pid to this file",
    },
    { name: "no-subreaper", kind: "bool", help: "do not become a subreaper" },
    { name: "no-pivot", kind: "bool", help: "use MS_MOVE and chroot instead of pivot_root" },
    ...criu("empty-ns", "auto-dedup", "lazy-pages"),
    {
      name: "lsm-profile",
      kind: "string",
      arg: "TYPE:NAME",
      help: "LSM profile to be used during restore",
    },
    {
      name: "lsm-mount-context",
      kind: "string",
      arg: "CONTEXT",
      help: "LSM mount context to be used during restore",
    },
  ],
  run(_ctx, f, args) {
    needId(args, "restore");
    checkParentPath(f);
    checkCriuFlags(f);
    throw unsupported("restore", "nothing was restored");
  },
};
