// config.json's process object on real busybox containers, checked from inside
// (/proc/self/status, /proc/self/limits, id, ulimit) against what the config asked for:
// capabilities, user, umask, rlimits, noNewPrivileges, oomScoreAdj, env, cwd, args,
// hostname, domainname, sysctls, PID 1.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { capabilityMask } from "../../src/plan/process.ts";
import type { Process, Spec } from "../../src/spec/types.ts";
import { openRootfs, removeOpenRootfs } from "../helpers/open-rootfs.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  type Result,
  runContainer,
  runt,
  STATE_ROOT,
  testSpec,
} from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(() => {
  cleanupAll();
  removeOpenRootfs();
});

function proc(s: Spec): Process {
  if (!s.process) throw new Error("testSpec has no process");
  return s.process;
}

/** The container's stdout, failing the test with its stderr if it did not exit 0. */
function output(r: Result): string {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  return r.stdout;
}

/** "Name:\tvalue" lines of a /proc/<pid>/status text. */
function statusFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined) fields[m[1]] = m[2] ?? "";
  }
  return fields;
}

const statusIn = (edit?: (s: Spec) => void) =>
  statusFields(output(runContainer(testSpec(["cat", "/proc/self/status"], edit))));

type CapSets = Record<"CapInh" | "CapPrm" | "CapEff" | "CapBnd" | "CapAmb", bigint>;

function capSets(status: Record<string, string>): CapSets {
  const hex = (k: string) => BigInt(`0x${status[k] ?? "x"}`);
  return {
    CapInh: hex("CapInh"),
    CapPrm: hex("CapPrm"),
    CapEff: hex("CapEff"),
    CapBnd: hex("CapBnd"),
    CapAmb: hex("CapAmb"),
  };
}

/** The sets the configured ones become when execve(2) runs a file without file
 * capabilities (capabilities(7), "Transformation of capabilities during execve()"):
 * for root the file's sets count as full, so P' = bounding | inheritable, cut back to
 * the old permitted set under no_new_privs; for anyone else P' is the ambient set;
 * the effective set is P' for root, the ambient set otherwise. */
function afterExec(
  caps: NonNullable<Process["capabilities"]>,
  root: boolean,
  noNewPrivs: boolean,
): CapSets {
  const bnd = capabilityMask(caps.bounding);
  const inh = capabilityMask(caps.inheritable);
  const amb = capabilityMask(caps.ambient);
  let prm = root ? bnd | inh : 0n;
  if (noNewPrivs) prm &= capabilityMask(caps.permitted);
  prm |= amb;
  return { CapInh: inh, CapPrm: prm, CapEff: root ? prm : amb, CapBnd: bnd, CapAmb: amb };
}

const CAP_SYS_RESOURCE = 1n << 24n;
/** Whether this session can hold CAP_SYS_RESOURCE at all (docs: MACHINE.md). */
const hostHasSysResource =
  (capSets(statusFields(readFileSync("/proc/self/status", "utf8"))).CapBnd & CAP_SYS_RESOURCE) !==
  0n;

/** runc's and crun's wording differs; runt must name the config part and the errno. */
function expectCleanFailure(r: Result, id: string, ...parts: string[]): void {
  expect(r.status).toBe(1);
  for (const p of parts) expect(r.stderr).toContain(p);
  expect(r.stderr).not.toContain("internal error");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(STATE_ROOT, id))).toBe(false);
}

describe("capabilities", () => {
  test("runt spec's default: 0x20000420 bounding, permitted, effective; nothing inheritable or ambient", () => {
    const caps = capSets(statusIn());
    // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10).
    const want = 0x20000420n;
    expect(capabilityMask(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])).toBe(want);
    expect(caps).toEqual({ CapInh: 0n, CapPrm: want, CapEff: want, CapBnd: want, CapAmb: 0n });
  });

  test("each configured set reaches the kernel (root, noNewPrivileges)", () => {
    const caps = {
      bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
      permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      effective: ["CAP_KILL"],
      // capset(2) refuses an inheritable cap outside the bounding set (runc too).
      inheritable: ["CAP_CHOWN", "CAP_NET_RAW"],
    };
    const got = capSets(
      statusIn((s) => {
        proc(s).capabilities = caps;
      }),
    );
    const want = afterExec(caps, true, true);
    // Spelled out, so that a wrong afterExec cannot hide a wrong runt.
    expect(want).toEqual({
      CapInh: (1n << 0n) | (1n << 13n),
      CapPrm: (1n << 0n) | (1n << 5n) | (1n << 10n),
      CapEff: (1n << 0n) | (1n << 5n) | (1n << 10n),
      CapBnd: (1n << 0n) | (1n << 5n) | (1n << 7n) | (1n << 10n) | (1n << 13n),
      CapAmb: 0n,
    });
    expect(got).toEqual(want);
  });

  test("without noNewPrivileges root's exec gains the whole bounding set, as with runc", () => {
    const caps = {
      bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
      permitted: ["CAP_KILL"],
      effective: ["CAP_KILL"],
    };
    const got = capSets(
      statusIn((s) => {
        proc(s).capabilities = caps;
        proc(s).noNewPrivileges = false;
      }),
    );
    expect(got).toEqual(afterExec(caps, true, false));
    expect(got.CapPrm).toBe((1n << 5n) | (1n << 10n) | (1n << 13n));
  });

  test("inheritable and ambient are empty when the config names none", () => {
    const caps = capSets(
      statusIn((s) => {
        const all = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETUID", "CAP_SETGID"];
        proc(s).capabilities = { bounding: all, permitted: all, effective: all };
      }),
    );
    expect(caps.CapInh).toBe(0n);
    expect(caps.CapAmb).toBe(0n);
    expect(caps.CapPrm).toBe(0xcbn);
  });

  test("CAP_SYS_RESOURCE only in the bounding set is a no-op drop, as with runc", () => {
    const caps = capSets(
      statusIn((s) => {
        proc(s).capabilities?.bounding?.push("CAP_SYS_RESOURCE");
      }),
    );
    const want = hostHasSysResource ? 0x20000420n | CAP_SYS_RESOURCE : 0x20000420n;
    expect(caps.CapBnd).toBe(want);
    expect(caps.CapPrm).toBe(0x20000420n);
  });

  test("a config naming CAP_SYS_RESOURCE in its sets fails clearly with exit 1", () => {
    const id = newId("sysres");
    const spec = testSpec(["true"], (s) => {
      const c = proc(s).capabilities;
      for (const set of [c?.bounding, c?.permitted, c?.effective]) set?.push("CAP_SYS_RESOURCE");
    });
    const r = runt(["run", "-b", makeBundle(spec), id]);
    if (hostHasSysResource) {
      expect(output(r)).toBe("");
    } else {
      // runc: "unable to apply caps: operation not permitted".
      expectCleanFailure(r, id, "process.capabilities", "capset", "EPERM");
    }
  });

  test("ambient and inheritable survive exec for a non-root user", () => {
    const caps = {
      bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
      permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
      effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
      inheritable: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
      ambient: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
    };
    const status = statusIn((s) => {
      s.root = { path: openRootfs(), readonly: true };
      proc(s).user = { uid: 1000, gid: 1000 };
      proc(s).capabilities = caps;
    });
    expect(status.Uid).toBe("1000\t1000\t1000\t1000");
    const got = capSets(status);
    expect(got).toEqual(afterExec(caps, false, true));
    expect(got).toEqual({
      CapInh: 0x420n,
      CapPrm: 0x420n,
      CapEff: 0x420n,
      CapBnd: 0x2420n,
      CapAmb: 0x420n,
    });
  });
});

describe("user", () => {
  test("gid, additionalGids and umask", () => {
    const out = output(
      runContainer(
        testSpec(
          [
            "sh",
            "-c",
            "id -u; id -g; id -G; grep -E '^(Uid|Gid|Groups|Umask):' /proc/self/status;" +
              " touch /dev/shm/f; mkdir /dev/shm/d; stat -c '%a %u %g' /dev/shm/f /dev/shm/d",
          ],
          (s) => {
            proc(s).user = { uid: 0, gid: 1001, additionalGids: [5, 2000], umask: 0o027 };
          },
        ),
      ),
    );
    expect(out.split("\n")).toEqual([
      "0",
      "1001",
      // busybox id -G: the effective gid, then the supplementary groups.
      "1001 5 2000",
      "Umask:\t0027",
      "Uid:\t0\t0\t0\t0",
      "Gid:\t1001\t1001\t1001\t1001",
      "Groups:\t5 2000 ",
      "640 0 1001",
      "750 0 1001",
      "",
    ]);
  });

  test("the umask is 0022 when the config gives none, and no groups without additionalGids", () => {
    const status = statusIn((s) => {
      proc(s).user = { uid: 0, gid: 0 };
    });
    expect(status.Umask).toBe("0022");
    expect(status.Groups).toBe("");
  });

  test("a non-root uid with its gid and groups", () => {
    const out = output(
      runContainer(
        testSpec(
          [
            "sh",
            "-c",
            "id; grep -E '^(Uid|Gid|Groups|NoNewPrivs|CapEff):' /proc/self/status;" +
              " touch /dev/shm/f; stat -c '%u %g %a' /dev/shm/f",
          ],
          (s) => {
            s.root = { path: openRootfs(), readonly: true };
            proc(s).user = { uid: 1000, gid: 1001, additionalGids: [1002], umask: 0o077 };
          },
        ),
      ),
    );
    expect(out.split("\n")).toEqual([
      "uid=1000 gid=1001 groups=1002",
      "Uid:\t1000\t1000\t1000\t1000",
      "Gid:\t1001\t1001\t1001\t1001",
      "Groups:\t1002 ",
      "CapEff:\t0000000000000000",
      "NoNewPrivs:\t1",
      "1000 1001 600",
      "",
    ]);
  });
});

/** soft and hard of one row of a /proc/<pid>/limits text. */
function limitRow(text: string, name: string): [string, string] {
  const line = text.split("\n").find((l) => l.startsWith(name));
  const m = line?.slice(name.length).trim().split(/\s+/);
  return [m?.[0] ?? "?", m?.[1] ?? "?"];
}

describe("rlimits", () => {
  test("NOFILE, NPROC, CORE and MSGQUEUE are set, soft and hard, below the machine's hard limits", () => {
    const out = output(
      runContainer(
        testSpec(
          ["sh", "-c", "ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu; cat /proc/self/limits"],
          (s) => {
            proc(s).rlimits = [
              { type: "RLIMIT_NOFILE", soft: 500, hard: 2000 },
              { type: "RLIMIT_NPROC", soft: 300, hard: 400 },
              { type: "RLIMIT_CORE", soft: 0, hard: 4096 },
              { type: "RLIMIT_MSGQUEUE", soft: 1000, hard: 2000 },
            ];
          },
        ),
      ),
    );
    expect(out.split("\n").slice(0, 4)).toEqual(["500", "2000", "300", "400"]);
    expect(limitRow(out, "Max open files")).toEqual(["500", "2000"]);
    expect(limitRow(out, "Max processes")).toEqual(["300", "400"]);
    expect(limitRow(out, "Max core file size")).toEqual(["0", "4096"]);
    expect(limitRow(out, "Max msgqueue size")).toEqual(["1000", "2000"]);
    // A limit the config does not name is inherited from runt.
    const host = readFileSync("/proc/self/limits", "utf8");
    expect(limitRow(out, "Max locked memory")).toEqual(limitRow(host, "Max locked memory"));
  });

  test("runt spec's default NOFILE is 1024:1024", () => {
    const limits = output(runContainer(testSpec(["cat", "/proc/self/limits"])));
    expect(limitRow(limits, "Max open files")).toEqual(["1024", "1024"]);
  });

  test("a hard limit above the machine's fails clearly, as runc's does", () => {
    const [, hard] = limitRow(readFileSync("/proc/self/limits", "utf8"), "Max open files");
    expect(hard).toMatch(/^\d+$/);
    const id = newId("nofile");
    const spec = testSpec(["true"], (s) => {
      proc(s).rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard: Number(hard) + 1 }];
    });
    const r = runt(["run", "-b", makeBundle(spec), id]);
    expectCleanFailure(r, id, "process.rlimits[0]", "EPERM");
  });
});

describe("noNewPrivileges", () => {
  test("NoNewPrivs is 1 when set and 0 when not", () => {
    const on = statusIn((s) => {
      proc(s).noNewPrivileges = true;
    });
    const off = statusIn((s) => {
      proc(s).noNewPrivileges = false;
    });
    expect([on.NoNewPrivs, off.NoNewPrivs]).toEqual(["1", "0"]);
  });
});

describe("oomScoreAdj", () => {
  const hostAdj = () => readFileSync("/proc/self/oom_score_adj", "utf8").trim();

  test("a positive value is written to the process's oom_score_adj", () => {
    const r = runContainer(
      testSpec(["cat", "/proc/self/oom_score_adj"], (s) => {
        proc(s).oomScoreAdj = 500;
      }),
    );
    expect(output(r)).toBe("500\n");
  });

  test("without oomScoreAdj the value is the one runt inherited", () => {
    expect(output(runContainer(testSpec(["cat", "/proc/self/oom_score_adj"])))).toBe(
      `${hostAdj()}\n`,
    );
  });

  // Lowering oom_score_adj below the inherited minimum needs CAP_SYS_RESOURCE, which
  // this machine's bounding set lacks. runc fails too ("nsexec: failed to update
  // /proc/self/oom_score_adj: Permission denied"); runt must name the config field.
  test("a negative value works with CAP_SYS_RESOURCE and fails clearly without", () => {
    const id = newId("oom");
    const spec = testSpec(["cat", "/proc/self/oom_score_adj"], (s) => {
      proc(s).oomScoreAdj = -500;
    });
    const r = runt(["run", "-b", makeBundle(spec), id]);
    if (hostHasSysResource) {
      expect(output(r)).toBe("-500\n");
    } else {
      expectCleanFailure(r, id, "process.oomScoreAdj", "oom_score_adj", "EACCES");
    }
    expect(hostAdj()).toBe("0");
  });
});

describe("args, env, cwd", () => {
  test("the environment is exactly process.env", () => {
    const env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY=", "MULTI=a=b=c"];
    const withEnv = (args: string[]) =>
      testSpec(args, (s) => {
        proc(s).env = env;
      });
    const vars = output(runContainer(withEnv(["sh", "-c", 'echo "[$FOO][$EMPTY][$MULTI]"'])));
    expect(vars).toBe("[bar baz][][a=b=c]\n");
    // cat is PID 1 itself here: its environment is the one execve was given.
    const environ = output(runContainer(withEnv(["cat", "/proc/self/environ"])));
    expect(environ.split("\0")).toEqual([...env, ""]);
  });

  test("the process is PID 1 and runs args as given", () => {
    // "; true" keeps sh from exec'ing tr in its place, so /proc/1 is still sh.
    const args = ["sh", "-c", 'echo $$; tr "\\0" "|" </proc/1/cmdline; true', "arg0", "a b"];
    expect(output(runContainer(testSpec(args)))).toBe(`1\n${args.join("|")}|`);
  });

  test("cwd is the configured directory", () => {
    const out = output(
      runContainer(
        testSpec(["sh", "-c", "pwd; readlink /proc/self/cwd"], (s) => {
          proc(s).cwd = "/etc";
        }),
      ),
    );
    expect(out).toBe("/etc\n/etc\n");
  });

  test("a missing cwd is created (0755), even under a read-only root", () => {
    const out = output(
      runContainer(
        testSpec(["sh", "-c", "pwd; stat -c '%a %u' /tmp/a /tmp/a/b"], (s) => {
          // Under a tmpfs of its own, so the shared rootfs fixture is left as it was.
          s.mounts?.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs" });
          proc(s).cwd = "/tmp/a/b";
        }),
      ),
    );
    expect(out).toBe("/tmp/a/b\n755 0\n755 0\n");
  });

  test("args[0] is looked up in process.env's PATH, in order", () => {
    const out = output(
      runContainer(
        // /usr/bin/env exists only in /usr/bin; /bin/busybox only in /bin.
        testSpec(["env"], (s) => {
          proc(s).env = ["PATH=/nonexistent:/sbin:/usr/bin:/bin", "X=1"];
        }),
      ),
    );
    expect(out).toBe("PATH=/nonexistent:/sbin:/usr/bin:/bin\nX=1\n");
    const rel = output(
      runContainer(
        testSpec(["./busybox", "echo", "relative"], (s) => {
          proc(s).cwd = "/bin";
          proc(s).env = ["PATH=/nonexistent"];
        }),
      ),
    );
    expect(rel).toBe("relative\n");
  });

  test("args[0] not on PATH fails with exit 1 naming it", () => {
    const id = newId("nopath");
    const spec = testSpec(["env"], (s) => {
      proc(s).env = ["PATH=/bin"];
    });
    const r = runt(["run", "-b", makeBundle(spec), id]);
    expectCleanFailure(r, id, "process.args", "env", "ENOENT");
  });
});

describe("hostname, domainname, sysctl", () => {
  test("hostname and domainname are set in the container's UTS namespace only", () => {
    const before = hostname();
    const hostDomain = readFileSync("/proc/sys/kernel/domainname", "utf8");
    const out = output(
      runContainer(
        testSpec(["sh", "-c", "hostname; uname -n; cat /proc/sys/kernel/domainname"], (s) => {
          s.hostname = "box1";
          s.domainname = "example.org";
        }),
      ),
    );
    expect(out).toBe("box1\nbox1\nexample.org\n");
    expect(hostname()).toBe(before);
    expect(readFileSync("/proc/sys/kernel/domainname", "utf8")).toBe(hostDomain);
  });

  test("sysctls are written in the container's net and ipc namespaces only", () => {
    const files = ["/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shm_rmid_forced"];
    const host = files.map((f) => readFileSync(f, "utf8"));
    const out = output(
      runContainer(
        testSpec(["cat", ...files], (s) => {
          if (!s.linux) throw new Error("testSpec has no linux");
          s.linux.sysctl = {
            "net.ipv4.ip_forward": "1",
            "kernel.shm_rmid_forced": "1",
          };
        }),
      ),
    );
    expect(out).toBe("1\n1\n");
    expect(files.map((f) => readFileSync(f, "utf8"))).toEqual(host);
  });
});
