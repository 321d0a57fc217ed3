// The id maps of a rootless container's user namespace, written the ways the kernel
// lets an unprivileged process: its own uid and gid alone, written by runt, with
// setgroups denied first (the kernel's condition for an unprivileged gid_map);
// anything more through the setuid newuidmap/newgidmap, which check /etc/subuid
// and /etc/subgid (runc does the same in nsexec).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { RuntError } from "../errors.ts";
import { type IdMapping, mapText } from "./init-process.ts";
import { findHelper, isSelfMapping } from "./rootless-create.ts";

function write(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new RuntError(`user namespace: writing ${file}: ${(e as Error).message}`);
  }
}

function helper(name: string, pid: number, maps: readonly IdMapping[]): void {
  const path = findHelper(name);
  if (!path) throw new RuntError(`user namespace: ${name} not found on PATH; install uidmap`);
  const args = [String(pid), ...maps.flatMap((m) => [m.containerID, m.hostID, m.size].map(String))];
  const r = spawnSync(path, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit status ${r.status}`).trim();
    throw new RuntError(`user namespace: ${path} ${args.join(" ")} failed: ${why}`);
  }
}

export function writeRootlessIdMaps(
  pid: number,
  uids: readonly IdMapping[],
  gids: readonly IdMapping[],
): void {
  const euid = process.geteuid?.() ?? 0;
  const egid = process.getegid?.() ?? 0;
  if (isSelfMapping(uids, euid)) write(`/proc/${pid}/uid_map`, mapText([...uids]));
  else helper("newuidmap", pid, uids);
  if (isSelfMapping(gids, egid)) {
    write(`/proc/${pid}/setgroups`, "deny");
    write(`/proc/${pid}/gid_map`, mapText([...gids]));
  } else {
    helper("newgidmap", pid, gids);
  }
}
