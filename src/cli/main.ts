// runt's command line: runc's global flags, then a verb and its flags.
import { DEFAULT_ROOT } from "../container/container.ts";
import { RuntError } from "../errors.ts";
import { bool, type FlagDef, flagHelp, parseFlags, str } from "./args.ts";
import type { Context, Verb } from "./context.ts";
import { create } from "./create.ts";
import { del } from "./delete.ts";
import { events } from "./events.ts";
import { exec } from "./exec.ts";
import { featuresVerb } from "./features.ts";
import { kill } from "./kill.ts";
import { list } from "./list.ts";
import { makeLogger } from "./log.ts";
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

const VERBS: Verb[] = [
  create,
  start,
  run,
  exec,
  state,
  list,
  kill,
  del,
  pause,
  resume,
  update,
  events,
  ps,
  spec,
  featuresVerb(VERSION, SPEC_VERSION),
];

const GLOBAL_FLAGS: FlagDef[] = [
  { name: "root", kind: "string", arg: "DIR", help: `state directory (default ${DEFAULT_ROOT})` },
  { name: "log", kind: "string", arg: "FILE", help: "write log entries to FILE" },
  { name: "log-format", kind: "string", arg: "text|json", help: "log entry format (default text)" },
  { name: "debug", kind: "bool", help: "log debug messages" },
  { name: "systemd-cgroup", kind: "bool", help: "use the systemd cgroup driver" },
  { name: "rootless", kind: "string", arg: "true|false|auto", help: "rootless mode" },
  { name: "criu", kind: "string", arg: "PATH", help: "criu binary (for checkpoint/restore)" },
  { name: "version", short: "v", kind: "bool", help: "print the version" },
  { name: "help", short: "h", kind: "bool", help: "show help" },
];

function usage(): string {
  const verbs = VERBS.map((v) => `   ${v.name.padEnd(10)} ${v.summary}`).join("\n");
  return `runt: an OCI container runtime

usage: runt [global flags] <command> [flags] [arguments]

commands:
${verbs}

global flags:
${flagHelp(GLOBAL_FLAGS)}
`;
}

function verbUsage(v: Verb): string {
  const flags = v.flags.length ? `\nflags:\n${flagHelp(v.flags)}\n` : "";
  return `runt ${v.name}: ${v.summary}\n\nusage: runt ${v.name} [flags] ${v.usage}\n${flags}`;
}

export async function main(argv: string[]): Promise<number> {
  let log = makeLogger(undefined, "text", false);
  try {
    const g = parseFlags(argv, GLOBAL_FLAGS, "runt", true);
    const format = str(g.flags, "log-format") ?? "text";
    if (format !== "text" && format !== "json") {
      throw new RuntError(`--log-format must be text or json, got "${format}"`);
    }
    log = makeLogger(str(g.flags, "log"), format, bool(g.flags, "debug"));
    if (bool(g.flags, "version")) {
      process.stdout.write(`runt version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
      return 0;
    }
    const [name, ...rest] = g.positional;
    if (bool(g.flags, "help") || !name || name === "help") {
      process.stdout.write(usage());
      return name || bool(g.flags, "help") ? 0 : 1;
    }
    const verb = VERBS.find((v) => v.name === name);
    if (!verb) throw new RuntError(`unknown command "${name}"; run runt --help for the list`);
    if (bool(g.flags, "systemd-cgroup")) {
      throw new RuntError(
        "--systemd-cgroup: the systemd cgroup driver is not supported by runt yet",
      );
    }
    const rootless = str(g.flags, "rootless");
    if (rootless !== undefined && rootless !== "false" && rootless !== "auto") {
      throw new RuntError("--rootless: rootless containers are not supported by runt yet");
    }
    // exec's command has flags of its own: there only a leading --help is runt's.
    const helpArgs = verb.stopAtPositional ? rest.slice(0, 1) : rest;
    if (helpArgs.includes("--help") || helpArgs.includes("-h")) {
      process.stdout.write(verbUsage(verb));
      return 0;
    }
    const parsed = parseFlags(rest, verb.flags, `runt ${verb.name}`, verb.stopAtPositional);
    const ctx: Context = {
      root: str(g.flags, "root") ?? DEFAULT_ROOT,
      log,
      debug: bool(g.flags, "debug"),
    };
    return await verb.run(ctx, parsed.flags, parsed.positional);
  } catch (e) {
    if (e instanceof RuntError) {
      log.error(e.message);
    } else {
      const err = e as Error;
      log.error(`internal error: ${err?.message ?? String(e)}`);
      log.debug(err?.stack ?? "");
    }
    return 1;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
