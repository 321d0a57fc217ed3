// What every verb receives: the global flags, already checked.
import type { FlagDef, FlagValues } from "./args.ts";
import type { Logger } from "./log.ts";

export interface Context {
  root: string;
  log: Logger;
  debug: boolean;
}

export interface Verb {
  name: string;
  summary: string;
  /** Positional arguments, for help: "<container-id>". */
  usage: string;
  flags: FlagDef[];
  /** Flags end at the first positional argument (exec: the command's own flags follow). */
  stopAtPositional?: boolean;
  /** Returns the exit status. */
  run(ctx: Context, flags: FlagValues, args: string[]): number | Promise<number>;
}
