// A private busybox rootfs whose top directory is 0755, for containers whose process
// is not host root: a non-root uid, or root of a user namespace (host root's files
// then belong to an unmapped uid, seen as nobody). The shared fixture made by
// scripts/busybox-rootfs.sh keeps mktemp's 0700 on its top directory, which such a
// process cannot search. Built on first use, removed by removeOpenRootfs().
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./runt.ts";

let dir: string | undefined;

export function openRootfs(): string {
  if (!dir) {
    const made = mkdtempSync("/tmp/runt-open-rootfs-");
    const rootfs = join(made, "rootfs");
    const r = spawnSync("bash", [join(REPO, "scripts/busybox-rootfs.sh"), rootfs], {
      encoding: "utf8",
    });
    if (r.status !== 0) {
      rmSync(made, { recursive: true, force: true });
      throw new Error(`busybox-rootfs.sh failed: ${r.stderr}`);
    }
    // The init opens the rootfs by its host path inside the user namespace too.
    chmodSync(made, 0o755);
    chmodSync(rootfs, 0o755);
    dir = made;
  }
  return join(dir, "rootfs");
}

export function removeOpenRootfs(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}
