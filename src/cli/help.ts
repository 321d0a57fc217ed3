// Help and version text in the layout of runc's (urfave/cli): engines and runc's own
// tests read `NAME:` and then `   <name> - ...` or `   <name> <verb> - ...`.
import type { FlagDef } from "./args.ts";
import type { Verb } from "./context.ts";

/**
 * The name runt answers to: how it was invoked, as busybox does, so a runt installed
 * as /usr/bin/runc says "runc". Run from source (argv0 is bun or node), "runt".
 */
export function programName(argv0: string | undefined): string {
  const base = (argv0 ?? "").split("/").pop() ?? "";
  if (!base || /^(bun|node)([-.\d].*)?$/.test(base)) return "runt";
  return base;
}

/** urfave's flag column: `--name ARG, -s ARG`. */
function flagNames(d: FlagDef): string {
  const arg = d.kind === "bool" ? "" : ` ${d.arg ?? "value"}`;
  return `--${d.name}${arg}${d.short ? `, -${d.short}${arg}` : ""}`;
}

/** Two columns, the first padded to its widest entry, as urfave's tabwriter does. */
function columns(rows: [string, string][]): string {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `   ${a.padEnd(width)}  ${b}`.trimEnd()).join("\n");
}

export function flagsHelp(defs: FlagDef[]): string {
  return columns(defs.map((d) => [flagNames(d), d.help]));
}

export interface VersionInfo {
  version: string;
  commit: string;
  spec: string;
  /** Unknown when the addon cannot be loaded. */
  libseccomp?: string;
}

/** runc's --version lines, with runt's version: `<name> version X.Y.Z`, commit, spec, ... */
export function versionText(name: string, v: VersionInfo, runtime = `bun: ${Bun.version}`): string {
  return `${[
    `${name} version ${v.version}`,
    `commit: ${v.commit}`,
    `spec: ${v.spec}`,
    runtime,
    ...(v.libseccomp ? [`libseccomp: ${v.libseccomp}`] : []),
  ].join("\n")}\n`;
}

export function rootHelp(
  name: string,
  verbs: readonly Pick<Verb, "name" | "summary">[],
  globalFlags: FlagDef[],
  v: VersionInfo,
): string {
  const commands = columns([
    ...verbs.map((x): [string, string] => [x.name, x.summary]),
    ["help, h", "Shows a list of commands or help for one command"],
  ]);
  const self = name === "runt" ? "runt" : `${name} (runt)`;
  return `NAME:
   ${name} - Open Container Initiative runtime

${self} is an OCI container runtime (runtime-spec ${v.spec}) written in TypeScript,
with a small C init. It takes runc's command line, so an engine that calls runc
can call it instead.

Containers are configured using bundles: a directory with a "config.json" and a
root filesystem. To start a new instance of a container:

    # ${name} run [ -b bundle ] <container-id>

USAGE:
   ${name} [global options] command [command options] [arguments...]

VERSION:
   ${v.version}
commit: ${v.commit}
spec: ${v.spec}

COMMANDS:
${commands}

GLOBAL OPTIONS:
${flagsHelp(globalFlags)}
`;
}

export function verbHelp(name: string, v: Verb): string {
  const options = v.flags.length ? `\nOPTIONS:\n${flagsHelp(v.flags)}\n` : "";
  const description = v.description ? `\nDESCRIPTION:\n   ${v.description}\n` : "";
  const usage = `${name} ${v.name}${v.flags.length ? " [command options]" : ""}${v.usage ? ` ${v.usage}` : ""}`;
  return `NAME:
   ${name} ${v.name} - ${v.summary}

USAGE:
   ${usage}
${description}${options}`;
}
