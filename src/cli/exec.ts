import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { containerProcess, execProcess } from "../container/exec.ts";
import { ownTerminalSize } from "../container/terminal.ts";
import { RuntError } from "../errors.ts";
import { native } from "../native.ts";
import { isObj } from "../spec/check.ts";
import type { Process } from "../spec/types.ts";
import { parseJson, validateProcessFile } from "../spec/validate.ts";
import { bool, type FlagValues, int, list, str } from "./args.ts";
import { type Context, ExitStatus, type Verb } from "./context.ts";
import { foreground } from "./foreground.ts";

function parseIds(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) {
    throw new RuntError(`${flag}: "${text}" is not a numeric id; runt takes uid[:gid] as numbers`);
  }
  return Number(text);
}

function setEnv(env: string[], entry: string): string[] {
  const key = entry.split("=", 1)[0];
  return [...env.filter((e) => e.split("=", 1)[0] !== key), entry];
}

/** The process to run: --process, or the container's own changed by the flags. */
export function execProcessFromFlags(
  f: FlagValues,
  command: string[],
  base: () => Process,
): Process {
  const file = str(f, "process");
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new RuntError(`--process ${file}: ${(e as Error).message}`);
    }
    const value = parseJson(text, file);
    // What runc's exec fills in when process.json leaves it out.
    if (isObj(value)) {
      value.cwd ||= "/";
      value.user ??= { uid: 0, gid: 0 };
    }
    // Checked as the process of a config.json is; errors name the file first.
    const p = validateProcessFile(value, file);
    if (bool(f, "tty")) p.terminal = true;
    return p;
  }
  if (!command.length)
    throw new RuntError(
      "exec: no command given; usage: runt exec <container-id> <command> [args...]",
    );
  const p = base();
  p.args = command;
  p.terminal = bool(f, "tty");
  delete p.consoleSize;
  const cwd = str(f, "cwd");
  if (cwd !== undefined) p.cwd = cwd;
  for (const e of list(f, "env")) p.env = setEnv(p.env ?? [], e);
  const user = str(f, "user");
  if (user !== undefined) {
    const [uid, gid] = user.split(":");
    p.user = {
      ...p.user,
      uid: parseIds("--user", uid ?? ""),
      gid: gid === undefined ? 0 : parseIds("--user", gid),
    };
  }
  const gids = list(f, "additional-gids");
  if (gids.length) p.user.additionalGids = gids.map((g) => parseIds("--additional-gids", g));
  const caps = list(f, "cap");
  if (caps.length) {
    p.capabilities ??= {};
    const c = p.capabilities;
    for (const set of ["bounding", "effective", "permitted", "inheritable", "ambient"] as const) {
      c[set] = [...new Set([...(c[set] ?? []), ...caps])];
    }
  }
  if (bool(f, "no-new-privs")) p.noNewPrivileges = true;
  const apparmor = str(f, "apparmor");
  if (apparmor !== undefined) p.apparmorProfile = apparmor;
  const label = str(f, "process-label");
  if (label !== undefined) p.selinuxLabel = label;
  return p;
}

export const exec: Verb = {
  name: "exec",
  summary: "run one more process in a running container",
  usage: "<container-id> <command> [args...]",
  stopAtPositional: true,
  flags: [
    {
      name: "process",
      short: "p",
      kind: "string",
      arg: "FILE",
      help: "process.json with the whole process",
    },
    { name: "tty", short: "t", kind: "bool", help: "give the process a terminal" },
    {
      name: "console-socket",
      kind: "string",
      arg: "PATH",
      help: "AF_UNIX socket that receives the pty master",
    },
    { name: "cwd", kind: "string", arg: "DIR", help: "working directory in the container" },
    {
      name: "env",
      short: "e",
      kind: "list",
      arg: "KEY=VALUE",
      help: "set an environment variable (repeatable)",
    },
    { name: "user", short: "u", kind: "string", arg: "UID[:GID]", help: "run as this uid and gid" },
    {
      name: "additional-gids",
      short: "g",
      kind: "list",
      arg: "GID",
      help: "an additional group (repeatable)",
    },
    { name: "cap", short: "c", kind: "list", arg: "CAP", help: "add a capability (repeatable)" },
    { name: "no-new-privs", kind: "bool", help: "set no_new_privs" },
    { name: "apparmor", kind: "string", arg: "PROFILE", help: "AppArmor profile" },
    { name: "process-label", kind: "string", arg: "LABEL", help: "SELinux label" },
    { name: "detach", short: "d", kind: "bool", help: "do not wait for the process" },
    { name: "pid-file", kind: "string", arg: "PATH", help: "write the process's pid to this file" },
    {
      name: "preserve-fds",
      kind: "int",
      arg: "N",
      help: "pass N more fds (from fd 3) to the process",
    },
    {
      name: "cgroup",
      kind: "list",
      arg: "[CTRL[,CTRL]:]PATH",
      help: "run in this sub-cgroup of the container (repeatable)",
    },
    { name: "ignore-paused", kind: "bool", help: "exec into a paused container too" },
  ],
  async run(ctx, f, args) {
    const [id, ...command] = args;
    if (!id) {
      throw new RuntError(
        "exec: a container id is required; usage: runt exec <container-id> <command>",
      );
    }
    // As runc: once the arguments are there, an exec that cannot start fails with 255,
    // so a caller can tell it from the process's own exit status.
    let r: { pid: number; consoleFd?: number };
    try {
      r = startExec(ctx, f, id, command);
    } catch (e) {
      throw new ExitStatus(e, 255);
    }
    if (bool(f, "detach")) return 0;
    const status = await foreground(
      () => r.pid,
      () => native().waitpidAsync(r.pid),
      r.consoleFd,
    );
    ctx.phases.mark(`exec: pid ${r.pid} exited with status ${status}`);
    return status;
  },
};

function startExec(ctx: Context, f: FlagValues, id: string, command: string[]) {
  const detach = bool(f, "detach");
  const socket = str(f, "console-socket");
  const pidFile = str(f, "pid-file");
  if (pidFile !== undefined) checkPidFileDir(pidFile);
  const proc = execProcessFromFlags(f, command, () => containerProcess(ctx.root, id));
  if (proc.terminal && detach && !socket) {
    throw new RuntError(
      "exec -t -d: a detached terminal needs --console-socket to hand the terminal to",
    );
  }
  if (proc.terminal && !socket && !proc.consoleSize) {
    const size = ownTerminalSize();
    if (size) proc.consoleSize = { height: size.rows, width: size.cols };
  }
  const keep = proc.terminal === true && !socket;
  ctx.phases.mark(`exec: container ${id}: process ${JSON.stringify(proc.args)} prepared`);
  const r = execProcess({
    root: ctx.root,
    id,
    process: proc,
    preserveFds: int(f, "preserve-fds") ?? 0,
    pidFile,
    cgroup: list(f, "cgroup"),
    ignorePaused: bool(f, "ignore-paused"),
    console: { socket, keep },
    debug: ctx.log.debugging ? (msg) => ctx.phases.mark(msg) : undefined,
    warn: (msg) => ctx.log.warn(msg),
  });
  // runt-init does what runc's nsexec and setns init do; runc's words name the steps.
  ctx.phases.mark(
    `nsexec container setup: runt-init joined container ${id}'s namespaces and cgroups`,
  );
  ctx.phases.mark(`child process in init(): pid ${r.pid}, in the container's pid namespace`);
  ctx.phases.mark(
    `setns_init: about to exec ${JSON.stringify(proc.args?.[0])}: runt-init's socket closed on execve`,
  );
  return r;
}

/** runc writes the pid file after the process started; runt checks its directory first. */
export function checkPidFileDir(path: string): void {
  const dir = dirname(resolve(path));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new RuntError(`--pid-file ${path}: cannot write it: directory ${dir} does not exist`);
  }
  if (!isDir) throw new RuntError(`--pid-file ${path}: cannot write it: ${dir} is not a directory`);
}
