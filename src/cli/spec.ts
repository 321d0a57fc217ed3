import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errnoCode, RuntError } from "../errors.ts";
import { defaultSpec, hostHasUnifiedCgroups } from "../spec/default.ts";
import { bool, str } from "./args.ts";
import type { Verb } from "./context.ts";

export const spec: Verb = {
  name: "spec",
  summary: "write a default config.json",
  usage: "",
  flags: [
    { name: "bundle", short: "b", kind: "string", arg: "DIR", help: "where to write config.json" },
    { name: "rootless", kind: "bool", help: "a config for a container run by a non-root user" },
  ],
  run(_ctx, f, args) {
    if (args.length) throw new RuntError(`spec: unexpected argument "${args[0]}"`);
    const file = join(str(f, "bundle") ?? ".", "config.json");
    if (existsSync(file)) throw new RuntError(`${file} exists; remove it first`);
    // As runc spec: a cgroup namespace only where /sys/fs/cgroup is cgroup v2.
    const config = defaultSpec({
      rootless: bool(f, "rootless"),
      cgroupns: hostHasUnifiedCgroups(),
    });
    try {
      writeFileSync(file, `${JSON.stringify(config, null, "\t")}\n`);
    } catch (e) {
      const code = errnoCode(e);
      const why = code === "ENOENT" ? "the bundle directory does not exist" : (code ?? String(e));
      throw new RuntError(`spec: cannot write ${file}: ${why}; create it or pass --bundle DIR`);
    }
    return 0;
  },
};
