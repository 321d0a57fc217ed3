// Small helpers shared by the cgroup drivers: one error class, file access that
// names the file and the data in its errors, and a synchronous sleep for the
// bounded retry loops (freezing, waiting for a cgroup to empty, rmdir on EBUSY).
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { errnoCode, RuntError } from "../errors.ts";

export { errnoCode };

/** An error a user can act on (bad cgroupsPath, unsupported setup, kernel refusal). */
export class CgroupError extends RuntError {
  override name = "CgroupError";
  /** errno code of the failed call ("EPERM", ...), when one failed. */
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

function describe(e: unknown): string {
  const code = errnoCode(e);
  if (code) return code;
  return e instanceof Error ? e.message : String(e);
}

/** Read a cgroup file; null when it does not exist. */
export function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return null;
    throw new CgroupError(`cgroups: read ${path}: ${describe(e)}`, errnoCode(e));
  }
}

/**
 * Write each chunk with its own write(2) on one open file: cgroup files parse
 * one value per write (devices.allow takes one rule per write).
 */
export function writeFile(path: string, ...chunks: string[]): void {
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (e) {
    throw new CgroupError(`cgroups: open ${path}: ${describe(e)}`, errnoCode(e));
  }
  try {
    for (const chunk of chunks) {
      try {
        writeSync(fd, chunk);
      } catch (e) {
        throw new CgroupError(`cgroups: write "${chunk}" to ${path}: ${describe(e)}`, errnoCode(e));
      }
    }
  } finally {
    closeSync(fd);
  }
}

export { sleepMs } from "../sleep.ts";

/** Parse a cgroup.procs file: one pid per line. */
export function parsePids(text: string): number[] {
  const pids: number[] = [];
  for (const line of text.split("\n")) {
    const n = Number.parseInt(line, 10);
    if (n > 0) pids.push(n);
  }
  return pids;
}
