// runc-compatible flag parsing: --flag value, --flag=value, -f value, single-dash
// long flags (-bundle), boolean flags with an optional =true/=false, and "--".
import { RuntError } from "../errors.ts";

export interface FlagDef {
  name: string;
  short?: string;
  /** list: a string flag that may repeat; its values collect in order. */
  kind: "bool" | "string" | "int" | "list";
  help: string;
  /** Value shown in help, e.g. "PATH". */
  arg?: string;
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export interface Parsed {
  flags: FlagValues;
  positional: string[];
}

/**
 * Parses flags up to the first positional argument when stopAtPositional is set
 * (global flags before the verb), otherwise anywhere until "--".
 */
export function parseFlags(
  argv: string[],
  defs: FlagDef[],
  where: string,
  stopAtPositional = false,
): Parsed {
  const flags: FlagValues = {};
  const positional: string[] = [];
  const byName = new Map<string, FlagDef>();
  for (const d of defs) {
    byName.set(d.name, d);
    if (d.short) byName.set(d.short, d);
  }
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (stopAtPositional) break;
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const def = byName.get(name);
    if (!def) throw new RuntError(`${where}: unknown flag ${arg}; see --help`);
    let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (def.kind === "bool") {
      if (value === undefined) flags[def.name] = true;
      else if (value === "true" || value === "false") flags[def.name] = value === "true";
      else throw new RuntError(`${where}: flag --${def.name} takes true or false, got "${value}"`);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new RuntError(`${where}: flag --${def.name} needs a value`);
    }
    if (def.kind === "int") {
      if (!/^\d+$/.test(value)) {
        throw new RuntError(`${where}: flag --${def.name} takes a whole number, got "${value}"`);
      }
      flags[def.name] = Number(value);
    } else if (def.kind === "list") {
      const prev = flags[def.name];
      flags[def.name] = [...(Array.isArray(prev) ? prev : []), value];
    } else {
      flags[def.name] = value;
    }
  }
  positional.push(...argv.slice(i));
  return { flags, positional };
}

export function flagHelp(defs: FlagDef[]): string {
  return defs
    .map((d) => {
      const names = `--${d.name}${d.short ? `, -${d.short}` : ""}${d.arg ? ` ${d.arg}` : ""}`;
      return `   ${names.padEnd(30)} ${d.help}`;
    })
    .join("\n");
}

export const str = (f: FlagValues, name: string): string | undefined => {
  const v = f[name];
  return typeof v === "string" ? v : undefined;
};
export const bool = (f: FlagValues, name: string): boolean => f[name] === true;
export const int = (f: FlagValues, name: string): number | undefined => {
  const v = f[name];
  return typeof v === "number" ? v : undefined;
};
export const list = (f: FlagValues, name: string): string[] => {
  const v = f[name];
  return Array.isArray(v) ? v : [];
};
