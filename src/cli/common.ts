// Pieces several verbs share.
import { RuntError } from "../errors.ts";
import type { FlagDef } from "./args.ts";

export function needId(args: string[], verb: string, extra = 0): string {
  const id = args[0];
  if (!id)
    throw new RuntError(`${verb}: a container id is required; usage: runt ${verb} <container-id>`);
  if (args.length > 1 + extra) {
    throw new RuntError(`${verb}: unexpected argument "${args[1 + extra]}"`);
  }
  return id;
}

export const CREATE_FLAGS: FlagDef[] = [
  {
    name: "bundle",
    short: "b",
    kind: "string",
    arg: "DIR",
    help: "bundle directory (default: current directory)",
  },
  {
    name: "console-socket",
    kind: "string",
    arg: "PATH",
    help: "AF_UNIX socket that receives the pty master",
  },
  { name: "pid-file", kind: "string", arg: "PATH", help: "write the container's pid to this file" },
  { name: "no-pivot", kind: "bool", help: "use MS_MOVE and chroot instead of pivot_root" },
  { name: "no-new-keyring", kind: "bool", help: "do not create a new session keyring" },
  {
    name: "preserve-fds",
    kind: "int",
    arg: "N",
    help: "pass N more fds (from fd 3) to the container",
  },
];
