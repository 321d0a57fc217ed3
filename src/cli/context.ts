// What every verb receives: the global flags, already checked.
import type { FlagDef, FlagValues } from "./args.ts";
import type { Logger, Phases } from "./log.ts";

export interface Context {
  root: string;
  /** --rootless (auto resolved): cgroups the user cannot write are skipped, as runc does. */
  rootlessCgroups: boolean;
  log: Logger;
  debug: boolean;
  /** --debug lines with the milliseconds of each phase. */
  phases: Phases;
  /** The name runt was invoked as ("runt", or "runc" through a link of that name). */
  name: string;
}

export interface Verb {
  name: string;
  summary: string;
  /** Positional arguments, for help: "<container-id>". */
  usage: string;
  /** More text for `<verb> --help`. */
  description?: string;
  flags: FlagDef[];
  /** Flags end at the first positional argument (exec: the command's own flags follow). */
  stopAtPositional?: boolean;
  /** Returns the exit status. */
  run(ctx: Context, flags: FlagValues, args: string[]): number | Promise<number>;
}

/** A verb's failure with an exit status other than 1 (runc's exec fails with 255). */
export class ExitStatus extends Error {
  constructor(
    readonly error: unknown,
    readonly status: number,
  ) {
    super((error as Error)?.message ?? String(error));
  }
}
