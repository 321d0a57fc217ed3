// Idmapped bind mounts (mounts[].uidMappings/gidMappings, "idmap", "ridmap") on real
// containers, on the filesystem the tests' files live on (ext4 here): what owner the
// container sees through the mount, with and without the idmapping, what a write
// through it leaves on the host, a nested mount with and without ridmap, and the
// configs runc refuses (exit 1, the JSON path, nothing left behind).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Mount, Spec } from "../../src/spec/types.ts";
import { untilSync } from "../helpers/harness.ts";
import { openRootfs, removeOpenRootfs } from "../helpers/open-rootfs.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  type Result,
  runContainer,
  runt,
  testSpec,
} from "../helpers/runt.ts";

const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
const TARGETS = ["/idm", "/plain", "/ridm"];
let host = ""; // the test's own directory on the host
let data = ""; // host root's file f
let tree = ""; // the same, and sub/ with a host mount on it holding g

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

beforeAll(() => {
  host = mkdtempSync("/tmp/runt-idmap-");
  data = join(host, "data");
  tree = join(host, "tree");
  mkdirSync(data);
  mkdirSync(join(tree, "sub"), { recursive: true });
  mkdirSync(join(host, "other"));
  writeFileSync(join(data, "f"), "f\n");
  writeFileSync(join(tree, "f"), "f\n");
  writeFileSync(join(host, "other", "g"), "g\n");
  // The mapped root (host uid 100000) must be able to search the plain bind's root.
  for (const d of [host, data, tree, join(host, "other")]) chmodSync(d, 0o755);
  // A mount below the source: what rbind takes along, idmapped only with ridmap. (A
  // bind without "r" of it is refused in a user namespace: the kernel locks the
  // submounts of a mount namespace it copied, and will not clone a tree without them.)
  sh("mount", ["--bind", join(host, "other"), join(tree, "sub")]);
  // Mount targets the container's root (unmapped on the host) could not make.
  for (const t of TARGETS) mkdirSync(join(openRootfs(), t), { recursive: true });
});
afterEach(cleanup);
afterAll(() => {
  cleanupAll();
  if (tree) spawnSync("umount", [join(tree, "sub")]);
  if (host) rmSync(host, { recursive: true, force: true });
  removeOpenRootfs();
});

function linux(s: Spec): NonNullable<Spec["linux"]> {
  s.linux ??= {};
  return s.linux;
}

function output(r: Result): string {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  return r.stdout;
}

/** A user-namespace container (root is host uid 100000) with these mounts added. */
function usernsSpec(args: string[], mounts: Mount[]): Spec {
  return testSpec(args, (s) => {
    s.root = { path: openRootfs(), readonly: true };
    linux(s).namespaces?.push({ type: "user" });
    linux(s).uidMappings = MAP;
    linux(s).gidMappings = MAP;
    s.mounts?.push(...mounts);
  });
}

const bind = (destination: string, options: string[], extra: Partial<Mount> = {}): Mount => ({
  destination,
  type: "bind",
  source: data,
  options,
  ...extra,
});

const STAT = (paths: string[]) => `stat -c '%u %g %n' ${paths.join(" ")}`;

describe("idmapped bind mounts", () => {
  test("host root's file is root's through an idmapped bind, nobody's through a plain one", () => {
    const out = output(
      runContainer(
        usernsSpec(
          [
            "sh",
            "-c",
            `${STAT(["/idm/f", "/plain/f"])}; touch /idm/made-inside;` +
              " awk '$5 == \"/idm\" { print $6 }' /proc/self/mountinfo",
          ],
          [bind("/idm", ["bind", "idmap"]), bind("/plain", ["bind"])],
        ),
      ),
    );
    expect(out.split("\n").slice(0, 2)).toEqual(["0 0 /idm/f", "65534 65534 /plain/f"]);
    // The kernel marks the mount idmapped.
    expect(out.split("\n")[2]).toContain("idmapped");
    // Written by the container's root through the mount: host root's on the disk.
    const made = statSync(join(data, "made-inside"));
    expect([made.uid, made.gid]).toEqual([0, 0]);
    rmSync(join(data, "made-inside"));
  });

  test("a mount's own mappings are used as given (disk uid 0 shown as host 100005: uid 5 inside)", () => {
    const own = [{ containerID: 0, hostID: 100005, size: 1 }];
    const out = output(
      runContainer(
        usernsSpec(
          ["sh", "-c", STAT(["/idm/f"])],
          [bind("/idm", ["bind"], { uidMappings: own, gidMappings: own })],
        ),
      ),
    );
    expect(out).toBe("5 5 /idm/f\n");
  });

  test("without a user namespace, explicit mappings idmap the mount too (runc 1.2+)", () => {
    const to1000 = [{ containerID: 0, hostID: 1000, size: 1 }];
    const spec = testSpec(["sh", "-c", STAT(["/mnt/f", "/bin/busybox"])], (s) => {
      s.mounts?.push(bind("/mnt", ["bind"], { uidMappings: to1000, gidMappings: to1000 }));
    });
    expect(output(runContainer(spec))).toBe("1000 1000 /mnt/f\n0 0 /bin/busybox\n");
  });

  test("rbind with idmap maps only the top mount; ridmap maps the nested one too", () => {
    const out = output(
      runContainer(
        usernsSpec(
          ["sh", "-c", STAT(["/idm/f", "/idm/sub/g", "/ridm/f", "/ridm/sub/g", "/plain/sub/g"])],
          [
            bind("/idm", ["rbind", "idmap"], { source: tree }),
            bind("/ridm", ["rbind", "ridmap"], { source: tree }),
            bind("/plain", ["rbind"], { source: tree }),
          ],
        ),
      ),
    );
    expect(out.trimEnd().split("\n")).toEqual([
      "0 0 /idm/f",
      "65534 65534 /idm/sub/g",
      "0 0 /ridm/f",
      "0 0 /ridm/sub/g",
      "65534 65534 /plain/sub/g",
    ]);
  });
});

describe("a joined user namespace", () => {
  let holder: ChildProcess | undefined;
  afterEach(async () => {
    if (holder && holder.exitCode === null) {
      const gone = new Promise((res) => holder?.once("exit", res));
      holder.kill("SIGKILL");
      await gone;
    }
    holder = undefined;
  });

  test("idmap without mappings takes the joined namespace's (by its path, as runc)", () => {
    // A user namespace of the test's own, mapped as the other tests' containers are.
    holder = spawn("unshare", ["--user", "sleep", "600"], { stdio: "ignore" });
    const pid = holder.pid as number;
    const own = readlinkSync("/proc/self/ns/user");
    expect(untilSync(() => readlinkSync(`/proc/${pid}/ns/user`) !== own)).toBe(true);
    writeFileSync(`/proc/${pid}/uid_map`, "0 100000 65536\n");
    writeFileSync(`/proc/${pid}/gid_map`, "0 100000 65536\n");
    const spec = testSpec(["sh", "-c", STAT(["/idm/f", "/plain/f"])], (s) => {
      s.root = { path: openRootfs(), readonly: true };
      linux(s).namespaces?.push({ type: "user", path: `/proc/${pid}/ns/user` });
      s.mounts?.push(bind("/idm", ["bind", "idmap"]), bind("/plain", ["bind"]));
    });
    expect(output(runContainer(spec))).toBe("0 0 /idm/f\n65534 65534 /plain/f\n");
  });
});

describe("idmapped mounts runt refuses", () => {
  /** runt create with spec: exit 1, the message, and no state, mount or process left. */
  function refused(spec: Spec, message: RegExp): void {
    const id = newId("idmap-bad");
    const before = readFileSync("/proc/self/mountinfo", "utf8").split("\n").length;
    const r = runt(["create", "--bundle", makeBundle(spec), id]);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: "" });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("    at ");
    expect(runt(["state", id]).stderr).toContain("does not exist");
    expect(readFileSync("/proc/self/mountinfo", "utf8").split("\n").length).toBe(before);
  }

  test("an idmap option without a user namespace or mappings of its own", () => {
    const spec = testSpec(["true"], (s) => s.mounts?.push(bind("/mnt", ["bind", "idmap"])));
    refused(
      spec,
      /config\.json: mounts\[\d+\]\.options\[1\]: expected uidMappings and gidMappings on the mount or a "user" namespace for "idmap", got neither\n$/,
    );
  });

  test("mappings on a mount that is not a bind", () => {
    const spec = usernsSpec(
      ["true"],
      [{ destination: "/idm", type: "tmpfs", source: "tmpfs", uidMappings: MAP, gidMappings: MAP }],
    );
    refused(
      spec,
      /config\.json: mounts\[\d+\]\.uidMappings: expected a bind mount \(type "bind", or a "bind"\/"rbind" option\): runc idmaps only bind mounts, got type "tmpfs"\n$/,
    );
  });

  test("a filesystem that cannot be idmapped (procfs): the kernel's EINVAL, with a hint", () => {
    const spec = usernsSpec(["true"], [bind("/idm", ["rbind", "idmap"], { source: "/proc" })]);
    refused(
      spec,
      /^mounts\[\d+\]: mount_setattr MOUNT_ATTR_IDMAP on \/proc \(does its filesystem support idmapped mounts on this kernel\?\): invalid argument \(EINVAL\)\n$/,
    );
  });
});
