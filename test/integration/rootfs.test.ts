// The container's filesystem as the kernel shows it from inside: the configured
// mounts and their flags, bind mounts, ro/rro, propagation, tmpfs options, a
// read-only root, masked and read-only paths, /dev, symlinks in the image that
// point at the host, --no-pivot and rootfsPropagation. Real busybox containers.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Spec } from "../../src/spec/types.ts";
import { openRootfs } from "../helpers/open-rootfs.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  REPO,
  type Result,
  ROOTFS,
  RUNT,
  runContainer,
  runt,
  STATE_ROOT,
  testSpec,
} from "../helpers/runt.ts";

const temps: string[] = [];

afterEach(() => {
  cleanup();
  for (const dir of temps.splice(0)) removeTemp(dir);
});
afterAll(cleanupAll);

// ---------------------------------------------------------------- helpers

interface MountEntry {
  id: number;
  parent: number;
  /** The path inside the filesystem that is mounted ("/" or a bind's subdirectory). */
  root: string;
  point: string;
  /** Per-mount options: rw/ro, nosuid, nodev, noexec, relatime... */
  opts: string[];
  /** shared:N, master:N, propagate_from:N, unbindable. */
  optional: string[];
  fstype: string;
  source: string;
  superOpts: string[];
}

const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8)));

function parseMountinfo(text: string): MountEntry[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const f = line.split(" ");
      const dash = f.indexOf("-");
      return {
        id: Number(f[0]),
        parent: Number(f[1]),
        root: unescapeOctal(f[3] ?? ""),
        point: unescapeOctal(f[4] ?? ""),
        opts: (f[5] ?? "").split(","),
        optional: f.slice(6, dash),
        fstype: f[dash + 1] ?? "",
        source: f[dash + 2] ?? "",
        superOpts: (f[dash + 3] ?? "").split(","),
      };
    });
}

/** The last mount at a mount point: the one a path lookup lands on. */
function at(mounts: MountEntry[], point: string): MountEntry {
  const m = mounts.findLast((e) => e.point === point);
  if (!m) throw new Error(`no mount at ${point} in\n${mounts.map((e) => e.point).join("\n")}`);
  return m;
}

const SEP = "=====";
/** Prints the container's mountinfo, then the rest of the script's output after SEP. */
const withMountinfo = (script: string) => `cat /proc/self/mountinfo; echo ${SEP}; ${script}`;

function splitOutput(r: Result): { mounts: MountEntry[]; out: string } {
  const i = r.stdout.indexOf(`${SEP}\n`);
  if (i < 0) throw new Error(`no mountinfo in output: ${JSON.stringify(r)}`);
  return {
    mounts: parseMountinfo(r.stdout.slice(0, i)),
    out: r.stdout.slice(i + SEP.length + 1),
  };
}

/**
 * Shell functions for the container's scripts: `w PATH` tries to create or touch
 * PATH and prints "w PATH ok" or "w PATH <strerror>".
 */
const PRELUDE = `w() { if e=$(touch "$1" 2>&1); then echo "w $1 ok"; else echo "w $1 \${e##*: }"; fi; }\n`;

/** The `w` results of a script's output: path -> "ok" or the error text. */
function writes(out: string): Record<string, string> {
  const res: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^w (\S+) (.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) res[m[1]] = m[2];
  }
  return res;
}

const EROFS = "Read-only file system";

/** A temp directory removed after the test (after unmounting anything left on it). */
function tempDir(tag: string): string {
  const dir = mkdtempSync(`/tmp/runt-rootfs-test-${tag}-`);
  temps.push(dir);
  return dir;
}

/** Host mount points at or below dir, deepest first. */
function hostMountsUnder(dir: string): string[] {
  return parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
    .map((m) => m.point)
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function removeTemp(dir: string): void {
  // A bug could leave a mount on a directory this test made; rm -r must not
  // descend into it (it could be a bind of something the test does not own).
  for (const p of hostMountsUnder(dir)) spawnSync("umount", ["-l", p]);
  if (hostMountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
}

/** `cp -a` of the busybox rootfs, for tests that write to it or create mount targets. */
function copyRootfs(): string {
  const dir = tempDir("rootfs");
  const r = spawnSync("cp", ["-a", `${ROOTFS}/.`, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cp -a: ${r.stderr}`);
  return dir;
}

/** Every path under dir (relative), sorted: a snapshot to compare. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

/** Host mountinfo lines naming any of these paths. */
function hostMountLines(...paths: string[]): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => paths.some((p) => l.includes(p)));
}

interface RunOptions {
  extra?: string[];
  input?: string;
  /** Run runt in its own mount namespace (unshare -m) with this propagation for
   * "/", after running `setup` there: host mounts stay untouched. */
  unshare?: { propagation: "private" | "shared"; setup?: string };
}

function runBundle(bundle: string, opts: RunOptions = {}): Result {
  const args = ["run", ...(opts.extra ?? []), "--bundle", bundle, newId("fs")];
  if (!opts.unshare) return runt(args, { input: opts.input });
  const r = spawnSync(
    "unshare",
    [
      "--mount",
      "--propagation",
      opts.unshare.propagation,
      "sh",
      "-ec",
      `${opts.unshare.setup ?? ":"}\nexec "$@"`,
      "sh",
      RUNT,
      "--root",
      STATE_ROOT,
      ...args,
    ],
    { encoding: "utf8", input: opts.input ?? "", timeout: 30_000 },
  );
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** A busybox `sh -c` container on the shared fixture (nothing is created in it). */
function sh(script: string, edit?: (s: Spec) => void, extra: string[] = []): Result {
  return runContainer(testSpec(["sh", "-c", PRELUDE + script], edit), extra);
}

const ok = (r: Result) =>
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });

// ---------------------------------------------------------------- tests

describe("configured mounts", () => {
  test("the default spec's mounts appear with their type, flags and data, in order", () => {
    const r = sh(withMountinfo("true"));
    ok(r);
    const { mounts } = splitOutput(r);
    const root = at(mounts, "/");
    expect(root.root).toBe(ROOTFS);
    expect(root.opts).toContain("ro");
    const expectMount = (
      point: string,
      fstype: string,
      opts: string[],
      superOpts: string[],
      parent: string,
    ) => {
      const m = at(mounts, point);
      expect({ point, fstype: m.fstype, opts: [...m.opts].sort() }).toEqual({
        point,
        fstype,
        opts: [...opts].sort(),
      });
      for (const o of superOpts)
        expect({ point, superOpts: m.superOpts }).toEqual({
          point,
          superOpts: expect.arrayContaining([o]),
        });
      expect({ point, parent: m.parent }).toEqual({ point, parent: at(mounts, parent).id });
    };
    expectMount("/proc", "proc", ["rw", "relatime"], [], "/");
    // strictatime: no relatime.
    expectMount("/dev", "tmpfs", ["rw", "nosuid"], ["size=65536k", "mode=755"], "/");
    expectMount(
      "/dev/pts",
      "devpts",
      ["rw", "nosuid", "noexec", "relatime"],
      ["gid=5", "mode=620", "ptmxmode=666"],
      "/dev",
    );
    expectMount(
      "/dev/shm",
      "tmpfs",
      ["rw", "nosuid", "nodev", "noexec", "relatime"],
      ["size=65536k"],
      "/dev",
    );
    expect(at(mounts, "/dev/shm").source).toBe("shm");
    expectMount(
      "/dev/mqueue",
      "mqueue",
      ["rw", "nosuid", "nodev", "noexec", "relatime"],
      [],
      "/dev",
    );
    expectMount("/sys", "sysfs", ["ro", "nosuid", "nodev", "noexec", "relatime"], [], "/");

    // cgroup: cgroup2 itself, or (v1 host) a tmpfs holding one ro mount per hierarchy.
    const cg = at(mounts, "/sys/fs/cgroup");
    expect(cg.parent).toBe(at(mounts, "/sys").id);
    const hostCg = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8")).findLast(
      (m) => m.point === "/sys/fs/cgroup",
    );
    const hard = ["ro", "nosuid", "nodev", "noexec", "relatime"];
    if (hostCg?.fstype === "cgroup2") {
      expect(cg.fstype).toBe("cgroup2");
      expect([...cg.opts].sort()).toEqual([...hard].sort());
    } else {
      expect(cg.fstype).toBe("tmpfs");
      expect(cg.opts).toEqual(expect.arrayContaining(["ro", "nosuid", "nodev", "noexec"]));
      const hier = mounts.filter((m) => m.parent === cg.id);
      expect(hier.length).toBeGreaterThan(0);
      for (const h of hier) {
        expect({ point: h.point, fstype: h.fstype }).toEqual({
          point: h.point,
          fstype: expect.stringMatching(/^cgroup2?$/),
        });
        expect({ point: h.point, opts: [...h.opts].sort() }).toEqual({
          point: h.point,
          opts: [...hard].sort(),
        });
      }
    }
    // Configured order: every mount comes after its parent.
    const order = [
      "/proc",
      "/dev",
      "/dev/pts",
      "/dev/shm",
      "/dev/mqueue",
      "/sys",
      "/sys/fs/cgroup",
    ];
    const pos = order.map((p) => mounts.indexOf(at(mounts, p)));
    expect(pos).toEqual([...pos].sort((a, b) => a - b));
  });

  test("without a cgroup namespace, each cgroup mount is the container's own cgroup, read-only", () => {
    const r = sh(withMountinfo("cat /proc/self/cgroup"), (s) => {
      s.linux = { ...s.linux, namespaces: s.linux?.namespaces?.filter((n) => n.type !== "cgroup") };
    });
    ok(r);
    const { mounts, out } = splitOutput(r);
    // "N:controllers:/path": the host's path, as there is no namespace to hide it.
    const paths = new Set(
      out
        .trim()
        .split("\n")
        .map((l) => l.split(":").slice(2).join(":")),
    );
    expect(paths.size).toBe(1);
    const own = [...paths][0] ?? "";
    expect(own).not.toBe("/");
    const cg = mounts.filter(
      (m) => /^cgroup2?$/.test(m.fstype) && m.point.startsWith("/sys/fs/cgroup"),
    );
    expect(cg.length).toBeGreaterThan(0);
    for (const m of cg) {
      expect({ point: m.point, root: m.root, ro: m.opts.includes("ro") }).toEqual({
        point: m.point,
        root: own,
        ro: true,
      });
    }
  });

  test("a directory and a file bound from the bundle show their content", () => {
    const rootfs = copyRootfs();
    const bundle = makeBundle(
      testSpec(
        ["sh", "-c", withMountinfo("cat /data/a.txt /data/nested/b.txt /etc/greeting")],
        (s) => {
          s.root = { path: rootfs, readonly: true };
          s.mounts?.push(
            // Relative sources are relative to the bundle.
            { destination: "/data", type: "bind", source: "data", options: ["bind"] },
            {
              destination: "/etc/greeting",
              type: "none",
              source: "greeting.txt",
              options: ["rbind"],
            },
          );
        },
      ),
    );
    mkdirSync(join(bundle, "data/nested"), { recursive: true });
    writeFileSync(join(bundle, "data/a.txt"), "dir content\n");
    writeFileSync(join(bundle, "data/nested/b.txt"), "nested content\n");
    writeFileSync(join(bundle, "greeting.txt"), "file content\n");
    const r = runBundle(bundle);
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(out).toBe("dir content\nnested content\nfile content\n");
    // A bind of the bundle's directory: the same filesystem, rooted at the source.
    expect(at(mounts, "/data").root).toBe(join(bundle, "data"));
    expect(at(mounts, "/data").opts).toContain("rw");
    expect(at(mounts, "/etc/greeting").root).toBe(join(bundle, "greeting.txt"));
    // The missing targets were made in the rootfs: a directory and an empty file.
    expect(readdirSync(join(rootfs, "data"))).toEqual([]);
    expect(readFileSync(join(rootfs, "etc/greeting"), "utf8")).toBe("");
  });

  test('"ro" on a bind makes writes fail with EROFS; the source stays writable', () => {
    const rootfs = copyRootfs();
    const src = tempDir("src");
    writeFileSync(join(src, "kept.txt"), "kept\n");
    const spec = testSpec(
      [
        "sh",
        "-c",
        PRELUDE + withMountinfo("cat /data/kept.txt; w /data/new; w /data/kept.txt; w /rw/new"),
      ],
      (s) => {
        s.root = { path: rootfs, readonly: true };
        s.mounts?.push(
          {
            destination: "/data",
            type: "bind",
            source: src,
            options: ["bind", "ro", "nosuid", "nodev"],
          },
          { destination: "/rw", type: "bind", source: src, options: ["bind"] },
        );
      },
    );
    const r = runBundle(makeBundle(spec));
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(out.split("\n")[0]).toBe("kept");
    expect(writes(out)).toEqual({ "/data/new": EROFS, "/data/kept.txt": EROFS, "/rw/new": "ok" });
    expect([...at(mounts, "/data").opts].sort()).toEqual(["nodev", "nosuid", "relatime", "ro"]);
    expect(at(mounts, "/rw").opts).toContain("rw");
    // The write through the rw bind reached the source; nothing through the ro one.
    expect(readdirSync(src).sort()).toEqual(["kept.txt", "new"]);
    expect(hostMountLines(src)).toEqual([]);
  });

  test('"rro" on an rbind makes a submount read-only too; "ro" does not', () => {
    const rootfs = copyRootfs();
    const src = tempDir("rro");
    mkdirSync(join(src, "sub"));
    writeFileSync(join(src, "top.txt"), "top\n");
    const spec = testSpec(
      [
        "sh",
        "-c",
        PRELUDE +
          withMountinfo(
            "cat /rro/sub/inner.txt; w /rro/x; w /rro/sub/x; w /ro/x; w /ro/sub/y; ls /rro/sub | tr '\\n' ' '",
          ),
      ],
      (s) => {
        s.root = { path: rootfs, readonly: true };
        s.mounts?.push(
          { destination: "/rro", type: "bind", source: src, options: ["rbind", "rro"] },
          { destination: "/ro", type: "bind", source: src, options: ["rbind", "ro"] },
        );
      },
    );
    // The tmpfs below the source exists only in runt's own mount namespace.
    const r = runBundle(makeBundle(spec), {
      unshare: {
        propagation: "private",
        setup: `mount -t tmpfs -o size=1m sub ${src}/sub; echo inner > ${src}/sub/inner.txt`,
      },
    });
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(out.split("\n")[0]).toBe("inner");
    expect(writes(out)).toEqual({
      "/rro/x": EROFS,
      "/rro/sub/x": EROFS,
      "/ro/x": EROFS,
      // "ro" is the top mount's flag only: the submount stays writable.
      "/ro/sub/y": "ok",
    });
    // Both binds share the submount's tmpfs: y, written through /ro, shows in /rro.
    expect(out).toContain("inner.txt y ");
    expect(at(mounts, "/rro").opts).toContain("ro");
    expect(at(mounts, "/rro/sub").opts).toContain("ro");
    expect(at(mounts, "/rro/sub").fstype).toBe("tmpfs");
    expect(at(mounts, "/ro").opts).toContain("ro");
    expect(at(mounts, "/ro/sub").opts).toContain("rw");
    expect(readdirSync(src)).toEqual(expect.arrayContaining(["sub", "top.txt"]));
    expect(hostMountLines(src)).toEqual([]);
  });

  test("propagation options show in mountinfo's optional fields", () => {
    const rootfs = copyRootfs();
    const src = tempDir("prop");
    const spec = testSpec(["sh", "-c", withMountinfo("true")], (s) => {
      s.root = { path: rootfs, readonly: true };
      s.mounts?.push(
        { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["rshared"] },
        // Applied in order: the last one wins.
        { destination: "/run", type: "tmpfs", source: "tmpfs", options: ["shared", "rprivate"] },
        { destination: "/var", type: "tmpfs", source: "tmpfs", options: ["runbindable"] },
        { destination: "/b-default", type: "bind", source: src, options: ["rbind"] },
        { destination: "/b-private", type: "bind", source: src, options: ["rbind", "rprivate"] },
        { destination: "/b-shared", type: "bind", source: src, options: ["rbind", "rshared"] },
      );
    });
    // runt's "/" is shared with its parent namespace: the container's (rslave by
    // default) root and the binds from it are slaves of that peer group.
    const r = runBundle(makeBundle(spec), { unshare: { propagation: "shared" } });
    ok(r);
    const { mounts } = splitOutput(r);
    const master = at(mounts, "/").optional;
    expect(master).toEqual([expect.stringMatching(/^master:\d+$/)]);
    expect(at(mounts, "/tmp").optional).toEqual([expect.stringMatching(/^shared:\d+$/)]);
    expect(at(mounts, "/run").optional).toEqual([]);
    expect(at(mounts, "/var").optional).toEqual(["unbindable"]);
    // A bind of a slave is a slave of the same master, unless told otherwise.
    expect(at(mounts, "/b-default").optional).toEqual(master);
    expect(at(mounts, "/b-private").optional).toEqual([]);
    const shared = at(mounts, "/b-shared").optional;
    expect(shared).toEqual([expect.stringMatching(/^shared:\d+$/), ...master]);
    expect(hostMountLines(src)).toEqual([]);
  });

  test("tmpfs size= and mode= take effect", () => {
    const spec = testSpec(
      [
        "sh",
        "-c",
        withMountinfo(
          "stat -c '%a %U' /tmp; df -k /tmp | tail -1 | awk '{print $2}'; dd if=/dev/zero of=/tmp/big bs=1024 count=2048 2>&1 | grep -o 'No space left on device'; stat -c %s /tmp/big",
        ),
      ],
      (s) => {
        s.mounts?.push({
          destination: "/tmp",
          type: "tmpfs",
          source: "tmpfs",
          options: ["nosuid", "nodev", "size=1m", "mode=1733"],
        });
      },
    );
    const r = runContainer(spec);
    ok(r);
    const { mounts, out } = splitOutput(r);
    const m = at(mounts, "/tmp");
    expect(m.fstype).toBe("tmpfs");
    expect(m.superOpts).toEqual(expect.arrayContaining(["size=1024k", "mode=1733"]));
    expect([...m.opts].sort()).toEqual(["nodev", "nosuid", "relatime", "rw"]);
    expect(out.trim().split("\n")).toEqual([
      "1733 root",
      "1024",
      "No space left on device",
      // All that fits: 1 MiB.
      String(1024 * 1024),
    ]);
  });
});

describe("read-only tmpfs mounts", () => {
  test('"ro" on the /dev tmpfs: read-only, with its nodes, links, pts, shm and mqueue made first', () => {
    const r = sh(
      withMountinfo(
        "w /dev/new; echo x > /dev/null && echo null-ok; test -c /dev/pts/ptmx && echo pts-ok; readlink /dev/fd; w /dev/shm/f",
      ),
      (s) => {
        const dev = s.mounts?.find((m) => m.destination === "/dev");
        dev?.options?.push("ro");
      },
    );
    ok(r);
    const { mounts, out } = splitOutput(r);
    const dev = at(mounts, "/dev");
    expect(dev.fstype).toBe("tmpfs");
    expect(dev.opts).toContain("ro");
    expect(at(mounts, "/dev/pts").fstype).toBe("devpts");
    expect(at(mounts, "/dev/mqueue").fstype).toBe("mqueue");
    expect(at(mounts, "/dev/shm").opts).toContain("rw");
    expect(out).toContain("null-ok\npts-ok\n/proc/self/fd\n");
    expect(writes(out)).toEqual({ "/dev/new": EROFS, "/dev/shm/f": "ok" });
  });

  test('"ro" on a tmpfs over an image directory: read-only, with the mode and files of the directory', () => {
    const rootfs = copyRootfs();
    mkdirSync(join(rootfs, "data"), { mode: 0o711 });
    writeFileSync(join(rootfs, "data", "f"), "image\n");
    const r = runContainer(
      testSpec(
        ["sh", "-c", withMountinfo(`${PRELUDE}stat -c %a /data; cat /data/f; w /data/g`)],
        (s) => {
          s.root = { path: rootfs, readonly: true };
          s.mounts?.push({
            destination: "/data",
            type: "tmpfs",
            source: "tmpfs",
            options: ["ro", "nosuid", "tmpcopyup"],
          });
        },
      ),
    );
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(at(mounts, "/data").fstype).toBe("tmpfs");
    expect(at(mounts, "/data").opts).toContain("ro");
    expect(out.trim().split("\n")).toEqual(["711", "image", `w /data/g ${EROFS}`]);
  });
});

describe("bind sources in a user namespace", () => {
  test("sources its root cannot reach (under a 0700 host directory) are bound, opened as the host's root", () => {
    // A 0755 base holding a rootfs the mapped root can search, and a 0700 directory
    // (host root's) with the sources in it, as runc's userns.bats makes.
    const base = tempDir("userns");
    chmodSync(base, 0o755);
    const rootfs = join(base, "rootfs");
    const cp = spawnSync("cp", ["-a", `${openRootfs()}/.`, rootfs], { encoding: "utf8" });
    if (cp.status !== 0) throw new Error(`cp -a: ${cp.stderr}`);
    const hidden = join(base, "hidden");
    mkdirSync(join(hidden, "a"), { recursive: true, mode: 0o755 });
    mkdirSync(join(hidden, "b"), { mode: 0o755 });
    chmodSync(hidden, 0o700);
    writeFileSync(join(hidden, "a", "foo.txt"), "one\n");
    writeFileSync(join(hidden, "b", "bar.txt"), "two\n");
    const before = hostMountLines(base);
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const r = runContainer(
      testSpec(
        ["sh", "-c", "cat /tmp/a/foo.txt /tmp/b/bar.txt; stat -c '%u %a' /tmp/a; ls /tmp/a"],
        (s) => {
          s.root = { path: rootfs, readonly: false };
          s.linux?.namespaces?.push({ type: "user" });
          if (s.linux) {
            s.linux.uidMappings = map;
            s.linux.gidMappings = map;
          }
          s.mounts?.push(
            { destination: "/tmp/a", type: "bind", source: join(hidden, "a"), options: ["bind"] },
            { destination: "/tmp/b", source: join(hidden, "b"), options: ["rbind", "ro"] },
          );
        },
      ),
    );
    ok(r);
    // Host root's directory, seen from the namespace as the overflow uid.
    expect(r.stdout).toBe("one\ntwo\n65534 755\nfoo.txt\n");
    // The mapped root still cannot reach the sources by path (the control).
    const probe = spawnSync(
      "setpriv",
      ["--reuid=100000", "--regid=100000", "--clear-groups", "cat", join(hidden, "a", "foo.txt")],
      { encoding: "utf8" },
    );
    expect(probe.status).not.toBe(0);
    expect(hostMountLines(base)).toEqual(before);
  });
});

describe("root.readonly", () => {
  test("true: writing anywhere on / fails with EROFS", () => {
    // Unique names in the shared fixture: if a write got through, only this test's file is removed.
    const name = `runt-ro-${process.pid}`;
    const made = [join(ROOTFS, name), join(ROOTFS, "tmp", name)];
    try {
      const r = sh(withMountinfo(`w /${name}; w /etc/passwd; w /tmp/${name}; w /dev/${name}`));
      ok(r);
      const { mounts, out } = splitOutput(r);
      expect(at(mounts, "/").opts).toContain("ro");
      // /dev is its own tmpfs: writable.
      expect(writes(out)).toEqual({
        [`/${name}`]: EROFS,
        "/etc/passwd": EROFS,
        [`/tmp/${name}`]: EROFS,
        [`/dev/${name}`]: "ok",
      });
      for (const p of made) expect(existsSync(p)).toBe(false);
    } finally {
      for (const p of made) rmSync(p, { force: true });
    }
  });

  test("false: a copied rootfs takes writes, and they land in the copy", () => {
    const rootfs = copyRootfs();
    const spec = testSpec(
      ["sh", "-c", PRELUDE + withMountinfo("w /newfile; echo hello > /tmp/msg; cat /tmp/msg")],
      (s) => {
        s.root = { path: rootfs, readonly: false };
      },
    );
    const r = runBundle(makeBundle(spec));
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(at(mounts, "/").opts).toContain("rw");
    expect(writes(out)).toEqual({ "/newfile": "ok" });
    expect(out).toContain("hello\n");
    expect(existsSync(join(rootfs, "newfile"))).toBe(true);
    expect(readFileSync(join(rootfs, "tmp/msg"), "utf8")).toBe("hello\n");
  });
});

describe("maskedPaths and readonlyPaths", () => {
  test("a masked file reads empty and keeps no write; a masked dir lists empty and refuses writes", () => {
    const rootfs = copyRootfs();
    const script = [
      'echo "passwd=[$(cat /etc/passwd)]"',
      'echo "cpuinfo=[$(cat /proc/cpuinfo)]"',
      'echo "kernel=[$(ls -A /sys/kernel)]"',
      'echo "secret=[$(ls -A /secret)]"',
      'echo overwritten > /etc/passwd; echo "after=[$(cat /etc/passwd)]"',
      "w /secret/new",
      "w /sys/kernel/new",
      "test -e /nonexistent || echo nonexistent-absent",
    ].join("; ");
    const spec = testSpec(["sh", "-c", PRELUDE + withMountinfo(script)], (s) => {
      s.root = { path: rootfs, readonly: false };
      s.linux = {
        ...s.linux,
        maskedPaths: ["/etc/passwd", "/proc/cpuinfo", "/sys/kernel", "/secret", "/nonexistent"],
      };
    });
    mkdirSync(join(rootfs, "secret"));
    writeFileSync(join(rootfs, "secret/key"), "s3cret\n");
    const passwd = readFileSync(join(rootfs, "etc/passwd"), "utf8");
    const r = runBundle(makeBundle(spec));
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(out).toContain("passwd=[]\n");
    expect(out).toContain("cpuinfo=[]\n");
    expect(out).toContain("kernel=[]\n");
    expect(out).toContain("secret=[]\n");
    // The file is /dev/null: a write succeeds and goes nowhere.
    expect(out).toContain("after=[]\n");
    expect(writes(out)).toEqual({ "/secret/new": EROFS, "/sys/kernel/new": EROFS });
    expect(out).toContain("nonexistent-absent\n");
    // Directories get an empty read-only tmpfs, files a bind of /dev/null.
    expect(at(mounts, "/secret")).toMatchObject({
      fstype: "tmpfs",
      opts: expect.arrayContaining(["ro"]),
    });
    expect(at(mounts, "/etc/passwd")).toMatchObject({ root: "/null", fstype: "tmpfs" });
    expect(at(mounts, "/etc/passwd").parent).toBe(at(mounts, "/").id);
    // Nothing was written through, nothing created for the missing path.
    expect(readFileSync(join(rootfs, "etc/passwd"), "utf8")).toBe(passwd);
    expect(readdirSync(join(rootfs, "secret"))).toEqual(["key"]);
    expect(existsSync(join(rootfs, "nonexistent"))).toBe(false);
  });

  test("readonlyPaths refuse writes with EROFS and stay readable", () => {
    const rootfs = copyRootfs();
    const script = [
      "cat /proc/sys/kernel/hostname",
      "echo other 2>&1 > /proc/sys/kernel/hostname | sed 's/.*: //'",
      "hostname",
      "w /etc/new",
      "w /newfile",
      "head -1 /etc/passwd",
    ].join("; ");
    const spec = (readonlyPaths: string[]) =>
      testSpec(["sh", "-c", PRELUDE + withMountinfo(script)], (s) => {
        s.root = { path: rootfs, readonly: false };
        s.linux = { ...s.linux, readonlyPaths };
      });
    const r = runBundle(makeBundle(spec(["/proc/sys", "/etc", "/nonexistent"])));
    ok(r);
    const { mounts, out } = splitOutput(r);
    const lines = out.trim().split("\n");
    expect(lines.slice(0, 3)).toEqual(["runt", EROFS, "runt"]);
    expect(writes(out)).toEqual({ "/etc/new": EROFS, "/newfile": "ok" });
    expect(lines.at(-1)).toBe("root:x:0:0:root:/root:/bin/sh");
    expect(at(mounts, "/proc/sys")).toMatchObject({ root: "/sys", fstype: "proc" });
    expect(at(mounts, "/proc/sys").opts).toContain("ro");
    expect(at(mounts, "/etc").opts).toContain("ro");
    expect(existsSync(join(rootfs, "nonexistent"))).toBe(false);

    // The control: without readonlyPaths the same sysctl write goes through
    // (to the container's own UTS namespace).
    const c = runBundle(makeBundle(spec([])));
    ok(c);
    const ctl = splitOutput(c).out.trim().split("\n");
    expect(ctl.slice(0, 2)).toEqual(["runt", "other"]);
  });
});

describe("/dev", () => {
  test("the default devices are char devices with the right numbers; /dev/null works", () => {
    const script = [
      "stat -c '%n %F %t:%T %a %u:%g' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty",
      "echo gone > /dev/null && echo null-ok",
      'echo "null-reads=[$(cat /dev/null)]"',
      "head -c 3 /dev/zero | od -An -tx1",
      "echo x 2>&1 > /dev/full | sed 's/.*: //'",
    ].join("; ");
    const r = sh(script);
    ok(r);
    expect(r.stdout.split("\n")).toEqual([
      "/dev/null character special file 1:3 666 0:0",
      "/dev/zero character special file 1:5 666 0:0",
      "/dev/full character special file 1:7 666 0:0",
      "/dev/random character special file 1:8 666 0:0",
      "/dev/urandom character special file 1:9 666 0:0",
      "/dev/tty character special file 5:0 666 0:0",
      "null-ok",
      "null-reads=[]",
      " 00 00 00",
      "No space left on device",
      "",
    ]);
  });

  test("/dev/fd, stdin, stdout, stderr and ptmx are the usual symlinks, and work", () => {
    const script = [
      'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done',
      "stat -L -c '%F %t:%T' /dev/ptmx",
      // Through pipes: /proc/self/fd/N of a socket (the test harness's stdio) is ENXIO.
      "echo via-stdin | cat /dev/stdin",
      "{ echo via-stdout > /dev/stdout; } | cat",
      "{ echo via-stderr > /dev/stderr; } 2>&1 | cat",
      "ls /dev/fd/ | tr '\\n' ' '",
    ].join("; ");
    const r = sh(script);
    ok(r);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 9)).toEqual([
      "fd -> /proc/self/fd",
      "stdin -> /proc/self/fd/0",
      "stdout -> /proc/self/fd/1",
      "stderr -> /proc/self/fd/2",
      "ptmx -> pts/ptmx",
      // /dev/pts/ptmx of the container's own devpts instance (5:2).
      "character special file 5:2",
      "via-stdin",
      "via-stdout",
      "via-stderr",
    ]);
    // ls's own fds: stdio plus the directory it reads.
    expect(lines[9]).toBe("0 1 2 3 ");
  });

  test("linux.devices adds nodes with the configured type, numbers, mode and owner", () => {
    const spec = testSpec(
      [
        "sh",
        "-c",
        "stat -c '%n|%F|%t:%T|%a|%u:%g' /dev/net/tun /dev/loop-test /dev/fifo-test /dev/zero",
      ],
      (s) => {
        s.linux = {
          ...s.linux,
          devices: [
            {
              path: "/dev/net/tun",
              type: "c",
              major: 10,
              minor: 200,
              fileMode: 0o640,
              uid: 1234,
              gid: 5678,
            },
            {
              path: "/dev/loop-test",
              type: "b",
              major: 7,
              minor: 33,
              fileMode: 0o600,
              uid: 0,
              gid: 6,
            },
            { path: "/dev/fifo-test", type: "p", fileMode: 0o620, uid: 42, gid: 43 },
            // A configured path replaces the default device of that name.
            { path: "/dev/zero", type: "c", major: 1, minor: 3, fileMode: 0o604 },
          ],
        };
      },
    );
    const r = runContainer(spec);
    ok(r);
    expect(r.stdout.trim().split("\n")).toEqual([
      "/dev/net/tun|character special file|a:c8|640|1234:5678",
      "/dev/loop-test|block special file|7:21|600|0:6",
      "/dev/fifo-test|fifo|0:0|620|42:43",
      "/dev/zero|character special file|1:3|604|0:0",
    ]);
  });
});

describe("symlinks and .. in mount destinations stay inside the rootfs", () => {
  /** A host directory with known content, and a rootfs copy with the same path inside. */
  function hostTarget() {
    const host = tempDir("host-target");
    writeFileSync(join(host, "host.txt"), "host\n");
    const rootfs = copyRootfs();
    const inside = join(rootfs, host);
    mkdirSync(inside, { recursive: true });
    writeFileSync(join(inside, "inside.txt"), "inside\n");
    symlinkSync(host, join(rootfs, "evil"));
    return { host, rootfs, inside, before: tree(host) };
  }

  test("a tmpfs on /evil/sub, evil -> a host directory, lands in the rootfs's copy of it", () => {
    const { host, rootfs, inside, before } = hostTarget();
    const spec = testSpec(
      ["sh", "-c", withMountinfo("ls /evil/; echo in-tmpfs > /evil/sub/f; cat /evil/sub/f")],
      (s) => {
        s.root = { path: rootfs, readonly: true };
        s.mounts?.push({
          destination: "/evil/sub",
          type: "tmpfs",
          source: "tmpfs",
          options: ["size=1m"],
        });
      },
    );
    const r = runBundle(makeBundle(spec));
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(out).toBe("inside.txt\nsub\nin-tmpfs\n");
    expect(at(mounts, `${host}/sub`).fstype).toBe("tmpfs");
    // Made in the rootfs, not on the host; and no mount on the host.
    expect(readdirSync(inside).sort()).toEqual(["inside.txt", "sub"]);
    expect(tree(host)).toEqual(before);
    expect(hostMountLines(host)).toEqual([]);
  });

  test("a bind onto /evil and onto a symlinked file lands in the rootfs", () => {
    const { host, rootfs, before } = hostTarget();
    // A second host directory for the file, so that the bind on /evil does not cover it.
    const hostDir2 = tempDir("host-file");
    writeFileSync(join(hostDir2, "file.txt"), "host file\n");
    mkdirSync(join(rootfs, hostDir2), { recursive: true });
    writeFileSync(join(rootfs, hostDir2, "file.txt"), "inside file\n");
    symlinkSync(join(hostDir2, "file.txt"), join(rootfs, "evil-file"));
    const spec = testSpec(["sh", "-c", withMountinfo("ls /evil/; cat /evil-file")], (s) => {
      s.root = { path: rootfs, readonly: true };
      s.mounts?.push(
        { destination: "/evil", type: "bind", source: "vol", options: ["rbind"] },
        { destination: "/evil-file", type: "bind", source: "vol.txt", options: ["bind"] },
      );
    });
    const bundle = makeBundle(spec);
    mkdirSync(join(bundle, "vol"));
    writeFileSync(join(bundle, "vol/from-bundle"), "");
    writeFileSync(join(bundle, "vol.txt"), "bound file\n");
    const r = runBundle(bundle);
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(out).toBe("from-bundle\nbound file\n");
    expect(at(mounts, host).root).toBe(join(bundle, "vol"));
    expect(at(mounts, `${hostDir2}/file.txt`).root).toBe(join(bundle, "vol.txt"));
    expect(tree(host)).toEqual(before);
    expect(readFileSync(join(hostDir2, "file.txt"), "utf8")).toBe("host file\n");
    expect(readdirSync(hostDir2)).toEqual(["file.txt"]);
    expect(hostMountLines(host, hostDir2, bundle)).toEqual([]);
    expect(readdirSync(join(bundle, "vol"))).toEqual(["from-bundle"]);
  });

  test("a symlink to a host directory missing from the rootfs creates and mounts nothing on the host", () => {
    const host = tempDir("host-only");
    writeFileSync(join(host, "host.txt"), "host\n");
    const before = tree(host);
    const rootfs = copyRootfs();
    symlinkSync(host, join(rootfs, "dangling"));
    const spec = testSpec(["sh", "-c", withMountinfo("ls /dangling/sub")], (s) => {
      s.root = { path: rootfs, readonly: true };
      s.mounts?.push({ destination: "/dangling/sub", type: "tmpfs", source: "tmpfs" });
    });
    const r = runBundle(makeBundle(spec));
    expect(tree(host)).toEqual(before);
    expect(hostMountLines(host)).toEqual([]);
    if (r.status === 0) {
      // Followed inside the rootfs: the directories were made in the copy.
      const { mounts } = splitOutput(r);
      expect(at(mounts, `${host}/sub`).fstype).toBe("tmpfs");
      expect(existsSync(join(rootfs, host, "sub"))).toBe(true);
    } else {
      // Or refused, naming the mount.
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/mounts\[\d+\]/);
      expect(r.stderr).toContain("/dangling/sub");
    }
  });

  test("maskedPaths and readonlyPaths through a symlink to the host act inside the rootfs", () => {
    const { host, rootfs, inside, before } = hostTarget();
    const host2 = tempDir("host-ro");
    writeFileSync(join(host2, "host.txt"), "host\n");
    const before2 = tree(host2);
    mkdirSync(join(rootfs, host2), { recursive: true });
    writeFileSync(join(rootfs, host2, "inside.txt"), "inside\n");
    symlinkSync(host2, join(rootfs, "evil-ro"));
    const script =
      'echo "masked=[$(ls -A /evil)]"; ls /evil-ro; w /evil-ro/new; w /evil-ro/inside.txt';
    const spec = testSpec(["sh", "-c", PRELUDE + withMountinfo(script)], (s) => {
      s.root = { path: rootfs, readonly: false };
      s.linux = { ...s.linux, maskedPaths: ["/evil"], readonlyPaths: ["/evil-ro"] };
    });
    const r = runBundle(makeBundle(spec));
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(out.split("\n").slice(0, 2)).toEqual(["masked=[]", "inside.txt"]);
    expect(writes(out)).toEqual({ "/evil-ro/new": EROFS, "/evil-ro/inside.txt": EROFS });
    expect(at(mounts, host).fstype).toBe("tmpfs");
    expect(at(mounts, host2).root).toBe(join(rootfs, host2));
    expect(readdirSync(inside)).toEqual(["inside.txt"]);
    expect(tree(host)).toEqual(before);
    expect(tree(host2)).toEqual(before2);
    expect(hostMountLines(host, host2)).toEqual([]);
  });

  test("a relative ../../.. destination is relative to the container's /", () => {
    const rootfs = copyRootfs();
    const name = `runt-escape-${process.pid}-${Date.now()}`;
    const spec = testSpec(["sh", "-c", withMountinfo(`ls /${name}-bind/`)], (s) => {
      s.root = { path: rootfs, readonly: true };
      s.mounts?.push(
        {
          destination: `../../../../${name}`,
          type: "tmpfs",
          source: "tmpfs",
          options: ["size=1m"],
        },
        { destination: `../../../${name}-bind`, type: "bind", source: "vol", options: ["bind"] },
      );
    });
    const bundle = makeBundle(spec);
    mkdirSync(join(bundle, "vol"));
    writeFileSync(join(bundle, "vol/marker"), "");
    try {
      const r = runBundle(bundle);
      ok(r);
      const { mounts, out } = splitOutput(r);
      expect(out).toBe("marker\n");
      expect(at(mounts, `/${name}`).fstype).toBe("tmpfs");
      expect(at(mounts, `/${name}-bind`).root).toBe(join(bundle, "vol"));
      expect(existsSync(join(rootfs, name))).toBe(true);
      expect(existsSync(`/${name}`)).toBe(false);
      expect(existsSync(`/${name}-bind`)).toBe(false);
      expect(existsSync(join("/tmp", name))).toBe(false);
      expect(hostMountLines(name)).toEqual([]);
    } finally {
      // Only what this test would have made by escaping.
      for (const p of [`/${name}`, `/${name}-bind`, `/tmp/${name}`]) {
        if (existsSync(p) && hostMountsUnder(p).length === 0) rmSync(p, { recursive: true });
      }
    }
  });
});

describe("--no-pivot", () => {
  test("the container sees its rootfs as / (MS_MOVE + chroot)", () => {
    const name = `runt-nopivot-${process.pid}`;
    const r = sh(
      withMountinfo(
        `pwd; ls / | tr '\\n' ' '; echo; test -e ${REPO}/package.json && echo host-visible; w /${name}`,
      ),
      undefined,
      ["--no-pivot"],
    );
    rmSync(join(ROOTFS, name), { force: true });
    ok(r);
    const { mounts, out } = splitOutput(r);
    const root = at(mounts, "/");
    expect(root.root).toBe(ROOTFS);
    expect(root.opts).toContain("ro");
    const lines = out.split("\n");
    expect(lines[0]).toBe("/");
    expect(lines[1]?.trim().split(" ").sort()).toEqual(readdirSync(ROOTFS).sort());
    expect(out).not.toContain("host-visible");
    expect(writes(out)).toEqual({ [`/${name}`]: EROFS });
    // The old root is still below, but out of the chroot's reach: mountinfo hides
    // it and every host mount, so "/" is the rootfs alone.
    expect(mounts.filter((m) => m.point === "/")).toEqual([root]);
    const hostPoints = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
      .map((m) => m.point)
      .filter(
        (p) =>
          p !== "/" && !p.startsWith("/proc") && !p.startsWith("/sys") && !p.startsWith("/dev"),
      );
    for (const p of hostPoints) expect(mounts.map((m) => m.point)).not.toContain(p);
  });
});

type RootfsPropagation = NonNullable<NonNullable<Spec["linux"]>["rootfsPropagation"]>;

describe("--no-pivot hides the host's proc and sysfs", () => {
  test("no full procfs is left in the namespace: proc cannot be mounted from a user namespace inside", () => {
    const hostPseudo = () =>
      parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
        .filter((m) => m.fstype === "proc" || m.fstype === "sysfs")
        .map((m) => `${m.point} ${m.optional.join(",")}`);
    const before = hostPseudo();
    // runc's no_pivot.bats: without the detach, the host's /proc, still in the mount
    // namespace under the moved rootfs, lets the kernel allow a fresh procfs mount.
    const r = sh(
      "unshare -mrpf sh -c 'mount -t proc none /proc && echo mounted' 2>&1; echo status=$?",
      (s) => {
        const caps = s.process?.capabilities;
        caps?.bounding?.push("CAP_SETFCAP");
        caps?.permitted?.push("CAP_SETFCAP");
        caps?.effective?.push("CAP_SETFCAP");
      },
      ["--no-pivot"],
    );
    ok(r);
    expect(r.stdout).toContain("mount: permission denied");
    expect(r.stdout).not.toContain("mounted");
    expect(r.stdout).toContain("status=1");
    // The detach happened in the container's namespace only.
    expect(hostPseudo()).toEqual(before);
  });
});

describe("rootfsPropagation", () => {
  // runt runs in a mount namespace whose "/" is shared (so slave has a master
  // to show); the host's own mounts are not touched.
  const cases: [RootfsPropagation, RegExp][] = [
    ["private", /^$/],
    ["rprivate", /^$/],
    ["slave", /^master:\d+$/],
    ["rslave", /^master:\d+$/],
    ["shared", /^shared:\d+$/],
    ["rshared", /^shared:\d+$/],
    ["unbindable", /^unbindable$/],
    ["runbindable", /^unbindable$/],
  ];
  test.each(cases)("%s", (value, want) => {
    const spec = testSpec(["sh", "-c", withMountinfo("echo started")], (s) => {
      s.linux = { ...s.linux, rootfsPropagation: value };
    });
    const r = runBundle(makeBundle(spec), { unshare: { propagation: "shared" } });
    ok(r);
    const { mounts, out } = splitOutput(r);
    expect(out).toContain("started\n");
    expect(at(mounts, "/").optional.join(" ")).toMatch(want);
    // Every mount of the container is in place, whatever the propagation
    // (runbindable must not have stopped the masks' and readonly paths' binds).
    expect(at(mounts, "/proc/sys").opts).toContain("ro");
    expect(at(mounts, "/proc/keys").root).toBe("/null");
    if (value === "runbindable") {
      for (const m of mounts)
        expect({ point: m.point, optional: m.optional }).toEqual({
          point: m.point,
          optional: ["unbindable"],
        });
    }
  });

  // With a non-recursive value the old root's submounts stay shared with runt's
  // namespace; detaching the old root must not unmount them there (runt's own
  // /sys/fs/cgroup went missing, and with it the container's cgroup cleanup).
  test.each(["private", "slave"] as RootfsPropagation[])(
    "%s: the caller's mounts survive the old root's detach",
    (value) => {
      const id = newId("fs");
      const spec = testSpec(["true"], (s) => {
        s.linux = { ...s.linux, rootfsPropagation: value };
      });
      const r = spawnSync(
        "unshare",
        [
          "--mount",
          "--propagation",
          "shared",
          "sh",
          "-c",
          '"$@"; echo "status $?"; grep -c " /sys/fs/cgroup/memory " /proc/self/mountinfo',
          "sh",
          RUNT,
          "--root",
          STATE_ROOT,
          "run",
          "--bundle",
          makeBundle(spec),
          id,
        ],
        { encoding: "utf8", timeout: 30_000 },
      );
      expect(r.stdout).toBe("status 0\n1\n");
      expect(existsSync(`/sys/fs/cgroup/memory/runt/${id}`)).toBe(false);
    },
  );
});
