// runt's command line: runc's global flags, then a verb and its flags.
//
// The start path is kept lean: every call of runt pays for what is loaded before the
// verb runs. Only the flag parser and the help text are loaded here; each verb's
// module (and with it the container, cgroup, plan and spec code) is imported when
// that verb runs, the logger when a verb runs or an error is reported, and the addon
// (src/native.ts) by the code that needs it. `--version` and `--help` need none of
// them (`bun build --compile` bundles the dynamic imports into the binary).
import { RuntError } from "../errors.ts";
import { bool, type FlagDef, parseFlags, str } from "./args.ts";
import { gitCommit } from "./build-info.ts" with { type: "macro" };
import { type Context, ExitStatus, type Verb } from "./context.ts";
import { programName, rootHelp, type VersionInfo, verbHelp, versionText } from "./help.ts";
import type { Logger } from "./log.ts";

export const VERSION = "0.1.0";
export const SPEC_VERSION = "1.3.0";
/** The commit runt was built from (a macro: inlined by the bundler). */
export const COMMIT: string = gitCommit();
/** DEFAULT_ROOT of src/container/container.ts (a unit test checks they agree). */
export const DEFAULT_ROOT = "/run/runt";

/** A verb as the root help lists it; its module is imported only by load(). */
export interface VerbEntry {
  name: string;
  /** Verb.summary of the module (a unit test checks they agree). */
  summary: string;
  load(): Promise<Verb>;
}

/** In runc's order of its help. */
export const VERBS: VerbEntry[] = [
  {
    name: "checkpoint",
    summary: "checkpoint a running container (not supported by runt)",
    load: async () => (await import("./checkpoint.ts")).checkpoint,
  },
  {
    name: "create",
    summary: "create a container, ready to start",
    load: async () => (await import("./create.ts")).create,
  },
  {
    name: "delete",
    summary: "remove a container and everything it made",
    load: async () => (await import("./delete.ts")).del,
  },
  {
    name: "events",
    summary: "print a container's stats and OOM events as JSON lines",
    load: async () => (await import("./events.ts")).events,
  },
  {
    name: "exec",
    summary: "run one more process in a running container",
    load: async () => (await import("./exec.ts")).exec,
  },
  {
    name: "kill",
    summary: "send a signal (default SIGTERM) to a container",
    load: async () => (await import("./kill.ts")).kill,
  },
  { name: "list", summary: "list containers", load: async () => (await import("./list.ts")).list },
  {
    name: "pause",
    summary: "freeze every process of a container",
    load: async () => (await import("./pause.ts")).pause,
  },
  {
    name: "ps",
    summary: "list the processes of a container",
    load: async () => (await import("./ps.ts")).ps,
  },
  {
    name: "restore",
    summary: "restore a container from a previous checkpoint (not supported by runt)",
    load: async () => (await import("./checkpoint.ts")).restore,
  },
  {
    name: "resume",
    summary: "thaw a paused container",
    load: async () => (await import("./resume.ts")).resume,
  },
  {
    name: "run",
    summary: "create and start a container; in the foreground, exit with its status",
    load: async () => (await import("./run.ts")).run,
  },
  {
    name: "spec",
    summary: "write a default config.json",
    load: async () => (await import("./spec.ts")).spec,
  },
  {
    name: "start",
    summary: "run the user's process in a created container",
    load: async () => (await import("./start.ts")).start,
  },
  {
    name: "state",
    summary: "print a container's state as JSON",
    load: async () => (await import("./state.ts")).state,
  },
  {
    name: "update",
    summary: "change a container's resource limits",
    load: async () => (await import("./update.ts")).update,
  },
  {
    name: "features",
    summary: "print the features this runtime supports, as JSON",
    load: async () => (await import("./features.ts")).featuresVerb(VERSION, SPEC_VERSION),
  },
];

const GLOBAL_FLAGS: FlagDef[] = [
  { name: "debug", kind: "bool", help: "log debug messages (with --log, to that file)" },
  { name: "log", kind: "string", arg: "FILE", help: "write log entries to FILE (default stderr)" },
  {
    name: "log-format",
    kind: "string",
    arg: "text|json",
    help: 'log entry format (default: "text")',
  },
  {
    name: "root",
    kind: "string",
    arg: "DIR",
    help: `state directory (default: "${DEFAULT_ROOT}", rootless: "$XDG_RUNTIME_DIR/runt")`,
  },
  {
    name: "criu",
    kind: "string",
    arg: "PATH",
    help: "criu binary (checkpoint/restore: unsupported)",
  },
  { name: "systemd-cgroup", kind: "bool", help: "use the systemd cgroup driver (unsupported)" },
  {
    name: "rootless",
    kind: "string",
    arg: "true|false|auto",
    help: 'skip cgroups the user cannot write (default "auto": when not root or in a user namespace)',
  },
  { name: "help", short: "h", kind: "bool", help: "show help" },
  { name: "version", short: "v", kind: "bool", help: "print the version" },
];

/** Verbs that never read or write the state root. */
const STATELESS_VERBS = new Set(["spec", "features", "checkpoint", "restore"]);

const HELP_FLAG: FlagDef = { name: "help", short: "h", kind: "bool", help: "show help" };

async function versionInfo(withSeccomp: boolean): Promise<VersionInfo> {
  const v: VersionInfo = { version: VERSION, commit: COMMIT, spec: SPEC_VERSION };
  if (withSeccomp) {
    try {
      // Only --version (and features) load the addon without a container to act on.
      const { native } = await import("../native.ts");
      v.libseccomp = native().seccompVersion();
    } catch {
      // No addon, no line, as runc without libseccomp.
    }
  }
  return v;
}

const noTopic = (name: string, topic: string) =>
  new RuntError(`No help topic for '${topic}'; run ${name} --help for the list of commands`);

async function makeLog(
  file: string | undefined,
  format: "text" | "json",
  debug: boolean,
  name: string,
): Promise<Logger> {
  return (await import("./log.ts")).makeLogger(file, format, debug, name);
}

function ignore(): void {}

/**
 * Where help and version text go: Bun.write to fd 1. Not src/stdio.ts, whose
 * node:fs costs --version most of a millisecond more (the verbs load node:fs anyway);
 * a unit test replaces it to capture the text.
 */
export const helpOutput = { out: (text: string): unknown => Bun.write(Bun.stdout, text) };

export async function main(argv: string[], argv0 = process.argv0): Promise<number> {
  const name = programName(argv0);
  // Made when a verb runs, an error is to be reported, or --log names a file (runc
  // creates it at start); --version and --help without --log need no logger.
  let log: Logger | undefined;
  // The logger's settings once the global flags are known; an error before that is
  // reported as plain text.
  let logFile: string | undefined;
  let format: "text" | "json" = "text";
  let debug = false;
  try {
    const g = parseFlags(argv, GLOBAL_FLAGS, name, true);
    const f = str(g.flags, "log-format") ?? "text";
    if (f !== "text" && f !== "json") {
      throw new RuntError(`--log-format must be text or json, got "${f}"`);
    }
    format = f;
    logFile = str(g.flags, "log");
    debug = bool(g.flags, "debug");
    if (logFile !== undefined) log = await makeLog(logFile, format, debug, name);
    if (bool(g.flags, "version")) {
      await helpOutput.out(versionText(name, await versionInfo(true)));
      return 0;
    }
    const [verbName, ...rest] = g.positional;
    if (verbName === "help" || verbName === "h") {
      const topic = rest[0];
      if (topic === undefined) {
        await helpOutput.out(rootHelp(name, VERBS, GLOBAL_FLAGS, await versionInfo(false)));
        return 0;
      }
      const v = VERBS.find((x) => x.name === topic);
      if (!v) throw noTopic(name, topic);
      await helpOutput.out(verbHelp(name, await v.load()));
      return 0;
    }
    if (bool(g.flags, "help") || !verbName) {
      await helpOutput.out(rootHelp(name, VERBS, GLOBAL_FLAGS, await versionInfo(false)));
      return 0;
    }
    const entry = VERBS.find((v) => v.name === verbName);
    if (!entry) {
      // `runc foo -h` answers urfave's "No help topic for 'foo'".
      if (rest.includes("-h") || rest.includes("--help")) throw noTopic(name, verbName);
      throw new RuntError(`unknown command "${verbName}"; run ${name} --help for the list`);
    }
    const [verb, logMod] = await Promise.all([entry.load(), import("./log.ts")]);
    log ??= logMod.makeLogger(logFile, format, debug, name);
    // -h/--help among the verb's flags (for exec and ps: before the container id;
    // what follows it belongs to the command or to ps).
    const parsed = parseFlags(
      rest,
      [...verb.flags, HELP_FLAG],
      `${name} ${verb.name}`,
      verb.stopAtPositional,
    );
    if (bool(parsed.flags, "help")) {
      await helpOutput.out(verbHelp(name, verb));
      return 0;
    }
    if (bool(g.flags, "systemd-cgroup")) {
      throw new RuntError(
        "--systemd-cgroup: the systemd cgroup driver is not supported by runt yet",
      );
    }
    // A write to a reader that is gone (runt ... | head -1) must fail with EPIPE, which
    // stdio.ts ignores as runc does, instead of killing runt halfway through a verb.
    process.on("SIGPIPE", ignore);
    const [{ stateRoot }, rootless] = await Promise.all([
      import("./state-root.ts"),
      import("../container/rootless.ts"),
    ]);
    const rootlessFlag = rootless.parseRootlessFlag(str(g.flags, "rootless"));
    const root = stateRoot(str(g.flags, "root"), DEFAULT_ROOT);
    if (!STATELESS_VERBS.has(verb.name)) root.ensure();
    const ctx: Context = {
      root: root.root,
      rootlessCgroups: rootless.rootlessCgroups(rootlessFlag),
      log,
      debug,
      phases: new logMod.Phases(log),
      name,
    };
    if (ctx.debug) {
      ctx.phases.mark(
        `${name} ${VERSION} (${COMMIT}) ${verb.name}: root ${ctx.root}, pid ${process.pid}`,
      );
    }
    return await verb.run(ctx, parsed.flags, parsed.positional);
  } catch (e) {
    const status = e instanceof ExitStatus ? e.status : 1;
    const err = e instanceof ExitStatus ? e.error : e;
    try {
      log ??= await makeLog(logFile, format, debug, name);
    } catch {
      // The logger cannot be loaded: the message alone, on stderr.
      await Bun.write(Bun.stderr, `${(err as Error)?.message ?? String(err)}\n`);
      return status;
    }
    if (err instanceof RuntError) {
      log.error(err.message);
    } else {
      const x = err as Error;
      log.error(`internal error: ${x?.message ?? String(err)}`);
      log.debug(x?.stack ?? "");
    }
    return status;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2), process.argv0).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
