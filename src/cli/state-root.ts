// The state root when --root is not given: /run/runt for root, $XDG_RUNTIME_DIR/runt
// for anyone else (runc: /run/runc and $XDG_RUNTIME_DIR/runc), made 0700 with the
// sticky bit, which the XDG spec asks of files that must not be pruned.
import { accessSync, chmodSync, constants, mkdirSync } from "node:fs";
import { inUserNamespace, rootlessEuid } from "../container/rootless.ts";
import { errnoCode, RuntError } from "../errors.ts";

/** runc's shouldHonorXDGRuntimeDir: not for real root, nor for root in a user namespace whose $USER is root. */
function honorXdg(env: NodeJS.ProcessEnv): boolean {
  if (rootlessEuid()) return true;
  if (!inUserNamespace()) return false;
  return env.USER !== "root";
}

export interface StateRoot {
  root: string;
  /** Make it (XDG only) before a verb that needs it; throws a RuntError that says what to do. */
  ensure(): void;
}

export function stateRoot(
  flag: string | undefined,
  fallback: string,
  env: NodeJS.ProcessEnv = process.env,
): StateRoot {
  if (flag !== undefined) return { root: flag, ensure: () => {} };
  const xdg = env.XDG_RUNTIME_DIR ?? "";
  if (xdg !== "" && honorXdg(env)) {
    const root = `${xdg}/runt`;
    return {
      root,
      ensure: () => {
        try {
          mkdirSync(root, { recursive: true, mode: 0o700 });
          chmodSync(root, 0o1700);
        } catch (e) {
          throw new RuntError(
            `the state directory ${root} cannot be made (${errnoCode(e) ?? (e as Error).message}): XDG_RUNTIME_DIR must be a directory you can write; fix it or pass --root DIR`,
          );
        }
      },
    };
  }
  return {
    root: fallback,
    ensure: () => {
      if (!rootlessEuid()) return;
      const uid = process.geteuid?.() ?? 0;
      try {
        mkdirSync(fallback, { recursive: true, mode: 0o700 });
        accessSync(fallback, constants.W_OK | constants.X_OK);
      } catch (e) {
        if (errnoCode(e) !== "EACCES" && errnoCode(e) !== "EPERM" && errnoCode(e) !== "EROFS") {
          throw e;
        }
        throw new RuntError(
          `runt runs rootless (uid ${uid}) and cannot write ${fallback}: its state goes under $XDG_RUNTIME_DIR/runt, and XDG_RUNTIME_DIR is not set; set it to a directory you own (usually /run/user/${uid}), or pass --root DIR`,
        );
      }
    },
  };
}
