import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFlags } from "../../src/cli/args.ts";
import { checkCriuFlags, checkParentPath, checkpoint, restore } from "../../src/cli/checkpoint.ts";
import { checkPidFileDir } from "../../src/cli/exec.ts";
import { programName, rootHelp, verbHelp, versionText } from "../../src/cli/help.ts";
import { formatEntry, makeLogger, Phases } from "../../src/cli/log.ts";
import { helpOutput, main, VERBS } from "../../src/cli/main.ts";
import { writePidFile } from "../../src/container/pidfile.ts";
import { stdio } from "../../src/stdio.ts";

/** main() with stdout and stderr captured. */
async function capture(
  argv: string[],
  argv0 = "/usr/bin/runc",
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...stdio };
  const help = helpOutput.out;
  stdio.out = (s) => out.push(s) > 0;
  stdio.err = (s) => err.push(s) > 0;
  helpOutput.out = (s) => out.push(s);
  try {
    const code = await main(argv, argv0);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    Object.assign(stdio, saved);
    helpOutput.out = help;
  }
}

const lines = (s: string) => s.split("\n").filter((l) => l.trim() !== "");

describe("programName", () => {
  test("the basename of how runt was invoked, as busybox", () => {
    expect(programName("/usr/bin/runc")).toBe("runc");
    expect(programName("./runc")).toBe("runc");
    expect(programName("runt")).toBe("runt");
    expect(programName("/tmp/h/my-runtime")).toBe("my-runtime");
  });
  test("run from source (bun, node) or unknown: runt", () => {
    expect(programName("bun")).toBe("runt");
    expect(programName("/root/.bun/bin/bun")).toBe("runt");
    expect(programName("node")).toBe("runt");
    expect(programName("")).toBe("runt");
    expect(programName(undefined)).toBe("runt");
  });
});

describe("help, in urfave/cli's layout", () => {
  test("-h and --help: NAME:, then `<name> - Open Container Initiative runtime`", async () => {
    for (const flag of ["-h", "--help"]) {
      const r = await capture([flag]);
      expect(r.code).toBe(0);
      const l = lines(r.out);
      expect(l[0]).toBe("NAME:");
      expect(l[1]).toBe("   runc - Open Container Initiative runtime");
      expect(r.out).toContain("USAGE:\n   runc [global options] command");
      expect(r.out).toMatch(/\n {3}checkpoint +checkpoint a running container/);
      expect(r.out).toMatch(/\n {3}--root DIR +state directory/);
    }
    const runt = await capture(["--help"], "runt");
    expect(lines(runt.out)[1]).toBe("   runt - Open Container Initiative runtime");
  });

  test("no command and `help` print the same help, and exit 0", async () => {
    const none = await capture([]);
    expect(none.code).toBe(0);
    expect((await capture(["help"])).out).toBe(none.out);
    expect(lines(none.out)[0]).toBe("NAME:");
  });

  test("every verb: -h or --help anywhere among its flags prints `<name> <verb> - ...`", async () => {
    for (const v of VERBS) {
      for (const argv of [
        [v.name, "-h"],
        [v.name, "--help"],
        ["help", v.name],
      ]) {
        const r = await capture(argv);
        expect(r.code).toBe(0);
        const l = lines(r.out);
        expect(l[0]).toBe("NAME:");
        expect(l[1]).toBe(`   runc ${v.name} - ${v.summary}`);
        expect(r.out).toContain(`USAGE:\n   runc ${v.name}`);
      }
    }
    const r = await capture(["kill", "-a", "--help", "ID"]);
    expect(lines(r.out)[1]).toStartWith("   runc kill - ");
    expect(r.out).toMatch(/--all, -a +signal every process/);
  });

  test("exec and ps: after the container id, -h belongs to the command", async () => {
    // The id does not exist: the -h was not taken for help.
    const r = await capture(["--root", "/nonexistent-runt-root", "exec", "nosuch", "sh", "-h"]);
    expect(r.code).toBe(255);
    expect(r.out).toBe("");
    const p = await capture(["--root", "/nonexistent-runt-root", "ps", "nosuch", "-h"]);
    expect(p.code).toBe(1);
    expect(p.out).toBe("");
  });

  test("an unknown command: No help topic for 'foo'", async () => {
    for (const argv of [
      ["foo", "-h"],
      ["foo", "--help"],
      ["help", "foo"],
    ]) {
      const r = await capture(argv);
      expect(r.code).toBe(1);
      expect(r.err).toContain("No help topic for 'foo'");
      expect(r.out).toBe("");
    }
    const plain = await capture(["foo"]);
    expect(plain.code).toBe(1);
    expect(plain.err).toBe('unknown command "foo"; run runc --help for the list\n');
  });

  test("verbHelp lays out flags as urfave: names padded to the widest, then usage", () => {
    const text = verbHelp("runc", {
      name: "x",
      summary: "does x",
      usage: "<id>",
      description: "More about x.",
      flags: [
        { name: "all", short: "a", kind: "bool", help: "all of them" },
        { name: "bundle", short: "b", kind: "string", arg: "DIR", help: "the bundle" },
      ],
      run: () => 0,
    });
    expect(text).toBe(
      "NAME:\n   runc x - does x\n\nUSAGE:\n   runc x [command options] <id>\n\n" +
        "DESCRIPTION:\n   More about x.\n\nOPTIONS:\n" +
        "   --all, -a             all of them\n" +
        "   --bundle DIR, -b DIR  the bundle\n",
    );
  });

  test("rootHelp lists the help command as urfave does", () => {
    const text = rootHelp("runc", [], [], { version: "1.2.3", commit: "abc", spec: "1.3.0" });
    expect(text).toContain("VERSION:\n   1.2.3\ncommit: abc\nspec: 1.3.0\n");
    expect(text).toContain("   help, h  Shows a list of commands or help for one command");
  });
});

describe("version", () => {
  test("`<name> version X.Y.Z`, then commit:, spec:, the runtime and libseccomp", async () => {
    for (const flag of ["-v", "--version"]) {
      const r = await capture([flag]);
      expect(r.code).toBe(0);
      const l = lines(r.out);
      expect(l[0]).toMatch(/^runc version \d+\.\d+\.\d+$/);
      expect(l[1]).toMatch(/^commit: \S+$/);
      expect(l[2]).toMatch(/^spec: \d+\.\d+\.\d+$/);
      expect(l[3]).toMatch(/^bun: /);
    }
  });
  test("versionText leaves libseccomp out when unknown", () => {
    const v = { version: "0.1.0", commit: "c", spec: "1.3.0" };
    expect(versionText("runt", v, "bun: 1")).toBe(
      "runt version 0.1.0\ncommit: c\nspec: 1.3.0\nbun: 1\n",
    );
    expect(versionText("runc", { ...v, libseccomp: "2.5.4" }, "bun: 1")).toEndWith(
      "bun: 1\nlibseccomp: 2.5.4\n",
    );
  });
});

describe("log entries and --debug", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "runt-log-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("runc's text and JSON layouts", () => {
    const t = new Date("2026-01-02T03:04:05.678Z");
    expect(formatEntry("text", "debug", 'say "hi"', t)).toBe(
      'time="2026-01-02T03:04:05.678Z" level=debug msg="say \\"hi\\""\n',
    );
    expect(JSON.parse(formatEntry("json", "debug", "m", t))).toEqual({
      level: "debug",
      msg: "m",
      time: "2026-01-02T03:04:05.678Z",
    });
  });

  test("--log FILE is created at start, and gets the debug lines", () => {
    const file = join(dir, "log.out");
    const quiet = makeLogger(file, "text", false);
    expect(statSync(file).size).toBe(0);
    quiet.debug("not shown");
    expect(readFileSync(file, "utf8")).toBe("");
    const log = makeLogger(file, "json", true);
    log.debug("a debug line");
    const entry = JSON.parse(readFileSync(file, "utf8"));
    expect(entry).toMatchObject({ level: "debug", msg: "a debug line" });
  });

  test("warnings: to the log file alone when given, else `<name>: warning: ...` on stderr", () => {
    const err: string[] = [];
    const w = stdio.err;
    stdio.err = (s) => err.push(s) > 0;
    const file = join(dir, "warn.log");
    try {
      makeLogger(undefined, "text", false, "runc").warn("careful");
      makeLogger(file, "json", false, "runc").warn("in the file");
    } finally {
      stdio.err = w;
    }
    expect(err).toEqual(["runc: warning: careful\n"]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({
      level: "warning",
      msg: "in the file",
    });
  });

  test("without --log, debug lines go to stderr as text entries", async () => {
    const r = await capture(["--debug", "--root", "/nonexistent-runt-root", "state", "nosuch"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^time="[^"]+" level=debug msg="runc \S+ \(\S+\) state: root /m);
  });

  test("Phases: each line says when, in ms since start and since the last one", () => {
    const got: string[] = [];
    let now = 10;
    const log = { error() {}, warn() {}, debug: (m: string) => got.push(m), debugging: true };
    const p = new Phases(log, () => now);
    now = 12.5;
    p.mark("one");
    now = 20;
    p.mark("two");
    expect(got).toEqual(["one (at 12.5 ms, +2.5 ms)", "two (at 20.0 ms, +7.5 ms)"]);
    const off = new Phases({ ...log, debugging: false }, () => now);
    off.mark("three");
    expect(got).toHaveLength(2);
  });
});

describe("checkpoint and restore: runc's flags, checked, then refused", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "runt-cr-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const flags = (argv: string[]) => parseFlags(argv, checkpoint.flags, "t").flags;

  test("runc's flag names are all there", () => {
    const names = (v: typeof checkpoint) => v.flags.map((f) => f.name);
    expect(names(checkpoint)).toEqual([
      "image-path",
      "work-path",
      "parent-path",
      "leave-running",
      "tcp-established",
      "ext-unix-sk",
      "shell-job",
      "lazy-pages",
      "status-fd",
      "page-server",
      "file-locks",
      "pre-dump",
      "manage-cgroups-mode",
      "empty-ns",
      "auto-dedup",
    ]);
    expect(names(restore)).toContain("lsm-mount-context");
    expect(names(restore)).toContain("bundle");
  });

  test("--parent-path: relative, and an existing directory below the image path", () => {
    expect(() => checkParentPath(flags(["--parent-path", "/abs"]), dir)).toThrow(
      "--parent-path must be relative",
    );
    expect(() =>
      checkParentPath(flags(["--parent-path", "./p", "--image-path", "./img"]), dir),
    ).toThrow(`invalid --parent-path: stat ${dir}/img/p: no such file or directory`);
    writeFileSync(join(dir, "checkpoint-file"), "");
    expect(() => checkParentPath(flags(["--parent-path", "../checkpoint-file"]), dir)).toThrow(
      "not a directory",
    );
    expect(() => checkParentPath(flags(["--parent-path", ".."]), dir)).not.toThrow();
    expect(() => checkParentPath(flags([]), dir)).not.toThrow();
  });

  test("--page-server, --manage-cgroups-mode, --empty-ns as runc checks them", () => {
    expect(() => checkCriuFlags(flags(["--page-server", "nohost"]))).toThrow("ADDRESS:PORT");
    expect(() => checkCriuFlags(flags(["--page-server", "h:x"]))).toThrow("port");
    expect(() => checkCriuFlags(flags(["--page-server", "h:27"]))).not.toThrow();
    expect(() => checkCriuFlags(flags(["--manage-cgroups-mode", "x"]))).toThrow("cgroups mode");
    expect(() => checkCriuFlags(flags(["--empty-ns", "pid"]))).toThrow('"pid" is not supported');
    expect(() => checkCriuFlags(flags(["--empty-ns", "network"]))).not.toThrow();
  });

  test("restore says it is not supported, and restores nothing", async () => {
    const r = await capture(["--root", dir, "restore", "--image-path", dir, "x"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("checkpoint/restore (CRIU) is not supported by runt");
  });
});

describe("--pid-file in a directory that is not there", () => {
  test("checked before exec, with a clear message", () => {
    expect(() => checkPidFileDir("/non-existent/directory")).toThrow(
      "--pid-file /non-existent/directory: cannot write it: directory /non-existent does not exist",
    );
    expect(() => checkPidFileDir("/etc/passwd/x")).toThrow("/etc/passwd is not a directory");
    expect(() => checkPidFileDir(join(tmpdir(), "pid"))).not.toThrow();
  });
  test("writePidFile says the same, not ENOENT", () => {
    expect(() => writePidFile("/non-existent/directory", 1)).toThrow(
      "--pid-file /non-existent/directory: cannot write it: directory /non-existent does not exist",
    );
  });
});
