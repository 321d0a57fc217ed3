// An ordinary user a test makes (useradd) to run runtimes and engines rootless, and
// removes with everything it made: its processes, home, subuid/subgid lines and the
// scratch directory (its XDG_RUNTIME_DIR among it) the test gave it.
import { spawnSync } from "node:child_process";
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type Result, spawnToFiles } from "./harness.ts";

export interface AsUserOpts {
  /** More environment; an empty value removes the variable. */
  env?: Record<string, string>;
  /** stdin from the host's /dev/null instead of an empty pipe. */
  devNull?: boolean;
  timeoutMs?: number;
  cwd?: string;
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/** Whether this process can make users and switch to them. */
export const canMakeUsers =
  process.getuid?.() === 0 && existsSync("/usr/bin/setpriv") && existsSync("/usr/sbin/useradd");

export class TestUser {
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** A scratch directory owned by the user (bundles, images). */
  readonly base: string;
  /** Its XDG_RUNTIME_DIR, 0700, inside base. */
  readonly xdg: string;
  private readonly hadSubid = ["/etc/subuid", "/etc/subgid"].map((f) => existsSync(f));

  constructor(readonly name: string) {
    sh("useradd", ["--create-home", "--user-group", "--shell", "/bin/sh", name]);
    this.uid = Number(spawnSync("id", ["-u", name], { encoding: "utf8" }).stdout.trim());
    this.gid = Number(spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim());
    this.home = `/home/${name}`;
    this.base = mkdtempSync("/tmp/runt-user-");
    this.own(this.base);
    this.xdg = join(this.base, "xdg");
    mkdirSync(this.xdg, { mode: 0o700 });
    this.own(this.xdg);
  }

  own(path: string): void {
    chownSync(path, this.uid, this.gid);
  }

  /** Gives the user a subuid and subgid range (start..start+count-1) unless it has one there. */
  addSubids(start: number, count: number): void {
    const range = `${start}-${start + count - 1}`;
    sh("usermod", ["--add-subuids", range, "--add-subgids", range, this.name]);
  }

  /** Runs cmd as the user, with only PATH, HOME, USER and XDG_RUNTIME_DIR set (and opts.env). */
  run(cmd: string, args: string[], opts: AsUserOpts = {}): Result {
    const env: Record<string, string> = {
      PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
      HOME: this.home,
      USER: this.name,
      XDG_RUNTIME_DIR: this.xdg,
      ...opts.env,
    };
    for (const [k, v] of Object.entries(env)) if (v === "") delete env[k];
    const argv = [
      "--reuid",
      String(this.uid),
      "--regid",
      String(this.gid),
      "--init-groups",
      cmd,
      ...args,
    ];
    const timeoutMs = opts.timeoutMs ?? 30_000;
    if (!opts.devNull) {
      return spawnToFiles("setpriv", argv, { env, timeoutMs, cwd: opts.cwd ?? this.base });
    }
    const dir = mkdtempSync("/tmp/runt-out-");
    const fds = [
      openSync(join(dir, "o"), "w+"),
      openSync(join(dir, "e"), "w+"),
      openSync("/dev/null", "r"),
    ];
    try {
      const r = spawnSync("setpriv", argv, {
        env,
        stdio: [fds[2], fds[0], fds[1]],
        timeout: timeoutMs,
        cwd: opts.cwd ?? this.base,
      });
      return {
        status: r.status ?? -1,
        stdout: readFileSync(join(dir, "o"), "utf8"),
        stderr: readFileSync(join(dir, "e"), "utf8"),
      };
    } finally {
      for (const fd of fds) closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Kills what the user still runs, removes it, its home, its subid lines and base. */
  remove(): void {
    // Only this user's processes: a failed test's leftovers, an engine's pause process.
    for (let i = 0; i < 50; i++) {
      if (spawnSync("pkill", ["-KILL", "-u", this.name]).status !== 0) break;
      Bun.sleepSync(20);
    }
    spawnSync("userdel", ["--remove", this.name], { stdio: "ignore" });
    // The files and shadow's backups of them ("/etc/subuid-"), which keep the old lines.
    for (const backup of ["/etc/subuid-", "/etc/subgid-"]) {
      if (!existsSync(backup)) continue;
      const lines = readFileSync(backup, "utf8").split("\n");
      const kept = lines.filter((l) => !l.startsWith(`${this.name}:`));
      if (kept.length !== lines.length) writeFileSync(backup, kept.join("\n"));
    }
    ["/etc/subuid", "/etc/subgid"].forEach((file, i) => {
      if (!existsSync(file)) return;
      const lines = readFileSync(file, "utf8").split("\n");
      const kept = lines.filter((l) => !l.startsWith(`${this.name}:`));
      if (kept.length !== lines.length) writeFileSync(file, kept.join("\n"));
      // useradd made the file for this user: leave none behind.
      if (!this.hadSubid[i] && kept.join("").trim() === "") {
        rmSync(file, { force: true });
        rmSync(`${file}-`, { force: true });
      }
    });
    rmSync(this.base, { recursive: true, force: true });
    rmSync(this.home, { recursive: true, force: true });
  }
}
