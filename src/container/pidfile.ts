// --pid-file is written atomically: an engine polling for it never reads half a number.
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { errnoCode, RuntError } from "../errors.ts";

export function writePidFile(path: string, pid: number): void {
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, String(pid), { mode: 0o644 });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = errnoCode(e);
    const why =
      code === "ENOENT"
        ? `directory ${dirname(target)} does not exist`
        : code === "ENOTDIR"
          ? `${dirname(target)} is not a directory`
          : code === "EACCES" || code === "EPERM"
            ? `permission denied in ${dirname(target)}`
            : (e as Error).message;
    throw new RuntError(`--pid-file ${path}: cannot write it: ${why}`, { cause: e });
  }
}
