// runt's command line: runc's global flags, then a verb and its flags.
import { DEFAULT_ROOT } from "../container/container.ts";
import { RuntError } from "../errors.ts";
import { native } from "../native.ts";
import { bool, type FlagDef, parseFlags, str } from "./args.ts";
import { gitCommit } from "./build-info.ts" with { type: "macro" };
import { checkpoint, restore } from "./checkpoint.ts";
import { type Context, ExitStatus, type Verb } from "./context.ts";
import { create } from "./create.ts";
import { del } from "./delete.ts";
import { events } from "./events.ts";
import { exec } from "./exec.ts";
import { featuresVerb } from "./features.ts";
import { programName, rootHelp, type VersionInfo, verbHelp, versionText } from "./help.ts";
import { kill } from "./kill.ts";
import { list } from "./list.ts";
import { makeLogger, Phases } from "./log.ts";
import { pause } from "./pause.ts";
import { ps } from "./ps.ts";
import { resume } from "./resume.ts";
import { run } from "./run.ts";
import { spec } from "./spec.ts";
import { start } from "./start.ts";
import { state } from "./state.ts";
import { update } from "./update.ts";

export const VERSION = "0.1.0";
export const SPEC_VERSION = "1.3.0";
/** The commit runt was built from (a macro: inlined by the bundler). */
export const COMMIT: string = gitCommit();

/** In runc's order of its help. */
export const VERBS: Verb[] = [
  checkpoint,
  create,
  del,
  events,
  exec,
  kill,
  list,
  pause,
  ps,
  restore,
  resume,
  run,
  spec,
  start,
  state,
  update,
  featuresVerb(VERSION, SPEC_VERSION),
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
    help: `state directory (default: "${DEFAULT_ROOT}")`,
  },
  {
    name: "criu",
    kind: "string",
    arg: "PATH",
    help: "criu binary (checkpoint/restore: unsupported)",
  },
  { name: "systemd-cgroup", kind: "bool", help: "use the systemd cgroup driver (unsupported)" },
  { name: "rootless", kind: "string", arg: "true|false|auto", help: "rootless mode" },
  { name: "help", short: "h", kind: "bool", help: "show help" },
  { name: "version", short: "v", kind: "bool", help: "print the version" },
];

const HELP_FLAG: FlagDef = { name: "help", short: "h", kind: "bool", help: "show help" };

function versionInfo(withSeccomp: boolean): VersionInfo {
  const v: VersionInfo = { version: VERSION, commit: COMMIT, spec: SPEC_VERSION };
  if (withSeccomp) {
    try {
      // Loaded only here: the addon costs about a millisecond.
      v.libseccomp = native().seccompVersion();
    } catch {
      // No addon, no line, as runc without libseccomp.
    }
  }
  return v;
}

const noTopic = (name: string, topic: string) =>
  new RuntError(`No help topic for '${topic}'; run ${name} --help for the list of commands`);

export async function main(argv: string[], argv0 = process.argv0): Promise<number> {
  const name = programName(argv0);
  let log = makeLogger(undefined, "text", false, name);
  try {
    const g = parseFlags(argv, GLOBAL_FLAGS, name, true);
    const format = str(g.flags, "log-format") ?? "text";
    if (format !== "text" && format !== "json") {
      throw new RuntError(`--log-format must be text or json, got "${format}"`);
    }
    log = makeLogger(str(g.flags, "log"), format, bool(g.flags, "debug"), name);
    if (bool(g.flags, "version")) {
      process.stdout.write(versionText(name, versionInfo(true)));
      return 0;
    }
    const [verbName, ...rest] = g.positional;
    if (verbName === "help" || verbName === "h") {
      const topic = rest[0];
      if (topic === undefined) {
        process.stdout.write(rootHelp(name, VERBS, GLOBAL_FLAGS, versionInfo(false)));
        return 0;
      }
      const v = VERBS.find((x) => x.name === topic);
      if (!v) throw noTopic(name, topic);
      process.stdout.write(verbHelp(name, v));
      return 0;
    }
    if (bool(g.flags, "help") || !verbName) {
      process.stdout.write(rootHelp(name, VERBS, GLOBAL_FLAGS, versionInfo(false)));
      return 0;
    }
    const verb = VERBS.find((v) => v.name === verbName);
    if (!verb) {
      // `runc foo -h` answers urfave's "No help topic for 'foo'".
      if (rest.includes("-h") || rest.includes("--help")) throw noTopic(name, verbName);
      throw new RuntError(`unknown command "${verbName}"; run ${name} --help for the list`);
    }
    // -h/--help among the verb's flags (for exec and ps: before the container id;
    // what follows it belongs to the command or to ps).
    const parsed = parseFlags(
      rest,
      [...verb.flags, HELP_FLAG],
      `${name} ${verb.name}`,
      verb.stopAtPositional,
    );
    if (bool(parsed.flags, "help")) {
      process.stdout.write(verbHelp(name, verb));
      return 0;
    }
    if (bool(g.flags, "systemd-cgroup")) {
      throw new RuntError(
        "--systemd-cgroup: the systemd cgroup driver is not supported by runt yet",
      );
    }
    const rootless = str(g.flags, "rootless");
    if (rootless !== undefined && rootless !== "false" && rootless !== "auto") {
      throw new RuntError("--rootless: rootless containers are not supported by runt yet");
    }
    const ctx: Context = {
      root: str(g.flags, "root") ?? DEFAULT_ROOT,
      log,
      debug: bool(g.flags, "debug"),
      phases: new Phases(log),
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
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
