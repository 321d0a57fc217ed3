// Rootless mode, as runc decides it: runt run by a user other than root, or by root
// inside a user namespace. Two things follow from it: where the state lives
// (state-root.ts in the CLI) and whether cgroups the user cannot write are skipped
// (create.ts, the cgroup drivers' dropUnwritable).
import { readFileSync } from "node:fs";
import { RuntError } from "../errors.ts";

/** runt's effective uid is not 0: the container needs a user namespace it can make. */
export function rootlessEuid(): boolean {
  return (process.geteuid?.() ?? 0) !== 0;
}

/** Not in the initial user namespace: /proc/self/uid_map is not the identity of 2^32-1 ids. */
export function inUserNamespace(): boolean {
  try {
    const fields = readFileSync("/proc/self/uid_map", "utf8").trim().split(/\s+/);
    return !(
      fields.length === 3 &&
      fields[0] === "0" &&
      fields[1] === "0" &&
      fields[2] === "4294967295"
    );
  } catch {
    return false;
  }
}

/** --rootless's value: runc's strconv.ParseBool words, or "auto". */
export function parseRootlessFlag(value: string | undefined): boolean | "auto" {
  if (value === undefined || value === "auto") return "auto";
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw new RuntError(`--rootless: invalid value "${value}": use true, false or auto`);
}

/**
 * Whether cgroups the user may not write are skipped (runc's RootlessCgroups):
 * --rootless true or false says so; auto means yes for a non-root user and for
 * root in a user namespace, where runt cannot know whether it owns its cgroups.
 */
export function rootlessCgroups(flag: boolean | "auto"): boolean {
  if (flag !== "auto") return flag;
  return rootlessEuid() || inUserNamespace();
}
