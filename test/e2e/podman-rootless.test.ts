// Rootless podman: an ordinary user the test makes runs podman (conmon, its own user
// namespace from /etc/subuid and /etc/subgid, vfs storage in its home, no network)
// with runt as the runtime, beside the same steps with runc. runt then runs as root
// of podman's user namespace: rootless cgroups (auto), devices bound, not made.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Result } from "../helpers/harness.ts";
import { canMakeUsers, TestUser } from "../helpers/test-user.ts";
import { ensurePodman, ROOTFS, RUNT } from "./helpers/podman.ts";

const RUNC = "/usr/sbin/runc";
const skip = !canMakeUsers ? "needs root, setpriv and useradd" : ensurePodman();
if (skip) console.warn(`rootless podman e2e skipped: ${skip}`);

const IMAGE = "localhost/runt-rootless-busybox:latest";
const RUNTIMES = { runt: RUNT, runc: RUNC } as const;
type Runtime = keyof typeof RUNTIMES;

let user: TestUser;

/** podman as the user, with the runtime's path; fails the test on an unexpected status. */
function podman(rt: Runtime | undefined, args: string[], want: number | null = 0): Result {
  const r = user.run("podman", [...(rt ? ["--runtime", RUNTIMES[rt]] : []), ...args], {
    timeoutMs: 60_000,
  });
  if (want !== null && r.status !== want) {
    throw new Error(`${rt ?? "-"}: podman ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  }
  return r;
}

beforeAll(() => {
  if (skip) return;
  user = new TestUser(`rlp${process.pid}`);
  // useradd gives new users a range where /etc/login.defs says so; make sure of one.
  user.addSubids(300_000 + (process.pid % 1000) * 65_536, 65_536);
  const conf = join(user.home, ".config/containers");
  mkdirSync(conf, { recursive: true });
  writeFileSync(
    join(conf, "containers.conf"),
    `[containers]
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime_supports_json = ["runc", "runt"]
`,
  );
  writeFileSync(join(conf, "storage.conf"), '[storage]\ndriver = "vfs"\n');
  writeFileSync(join(conf, "registries.conf"), "unqualified-search-registries = []\n");
  spawnSync("chown", ["-R", `${user.uid}:${user.gid}`, join(user.home, ".config")]);
  const tar = join(user.base, "busybox.tar");
  spawnSync("tar", ["-C", ROOTFS, "-cf", tar, "."]);
  user.own(tar);
  podman(undefined, ["import", tar, IMAGE]);
});

afterAll(() => {
  if (skip || !user) return;
  podman(undefined, ["rm", "--all", "--force"], null);
  user.remove();
});

describe.skipIf(skip !== undefined)("rootless podman, runt beside runc", () => {
  test("run: the user namespace podman made, the output and exit status", () => {
    const out: Partial<Record<Runtime, string>> = {};
    for (const rt of ["runt", "runc"] as const) {
      const r = podman(
        rt,
        ["run", "--rm", IMAGE, "sh", "-c", "id; cat /proc/self/uid_map; ls -ln /dev/null; exit 3"],
        3,
      );
      out[rt] = r.stdout.replace(/\s+/g, " ").replace(/ \w{3} +\d+ +[\d:]+ /g, " DATE ");
    }
    expect(out.runt).toBe(out.runc as string);
    // The user's own uid is 0, its subuid range from 1.
    expect(out.runt).toMatch(new RegExp(`uid=0\\(root\\) .* 0 ${user.uid} 1 1 \\d+ 65536 `));
  });

  test("run -d, exec, exec -t, stop, rm", () => {
    for (const rt of ["runt", "runc"] as const) {
      const name = `rl-${rt}-${process.pid}`;
      podman(rt, ["run", "-d", "--name", name, IMAGE, "sleep", "1000"]);
      const ps = podman(rt, ["ps", "--format", "{{.Names}} {{.Status}}"]);
      expect(ps.stdout).toMatch(new RegExp(`${name} Up`));
      const e = podman(rt, ["exec", name, "sh", "-c", "echo in-$((6*7)); cat /proc/1/cmdline"]);
      expect(e.stdout).toBe("in-42\nsleep\u00001000\u0000");
      const t = user.run("script", [
        "-qec",
        `podman --runtime ${RUNTIMES[rt]} exec -t ${name} sh -c 'tty; echo t-ok'`,
        "/dev/null",
      ]);
      expect(t.status).toBe(0);
      expect(t.stdout.replace(/\r/g, "")).toMatch(/\/dev\/pts\/\d+\n/);
      expect(t.stdout).toContain("t-ok");
      podman(rt, ["stop", "--time", "1", name]);
      expect(podman(rt, ["inspect", "--format", "{{.State.Status}}", name]).stdout.trim()).toBe(
        "exited",
      );
      podman(rt, ["rm", name]);
      expect(podman(rt, ["ps", "-a", "--format", "{{.Names}}"]).stdout).not.toContain(name);
    }
    // runt kept its state under the user's XDG_RUNTIME_DIR, and no container is left there.
    const root = join(user.xdg, "runt");
    expect(existsSync(root)).toBe(true);
    const left = readdirSync(root).filter((n) => n !== "@seccomp"); // the BPF cache stays
    expect(left).toEqual([]);
  });
});
