// tmpfs mounts as runc makes them (podman's --tmpfs asks for tmpcopyup by default):
// with tmpcopyup the tmpfs starts with a copy of the directory it covers, and a tmpfs
// over an existing directory takes that directory's mode.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { cleanup, cleanupAll, runContainer, testSpec } from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(cleanupAll);

function run(script: string, mounts: { destination: string; options: string[] }[] = []) {
  const r = runContainer(
    testSpec(["sh", "-c", script], (s) => {
      s.mounts = [
        ...(s.mounts ?? []),
        ...mounts.map((m) => ({ ...m, type: "tmpfs", source: "tmpfs" })),
      ];
    }),
  );
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  return r.stdout;
}

const TREE =
  "find /etc /bin | sort | xargs stat -c '%n %a %u %g %F %N'; find /etc /bin -type f | sort | xargs md5sum";

describe("tmpfs", () => {
  test("tmpcopyup copies files, directories and symlinks with modes and owners", () => {
    const image = run(TREE);
    const copied = run(`${TREE}; grep -c ' /etc tmpfs\\| /bin tmpfs' /proc/mounts`, [
      { destination: "/etc", options: ["nosuid", "nodev", "tmpcopyup"] },
      { destination: "/bin", options: ["tmpcopyup"] },
    ]);
    expect(image.length).toBeGreaterThan(100);
    expect(copied).toBe(`${image}2\n`);
  });

  test("the copy is the container's own: a write does not reach the image", () => {
    const out = run("echo x >> /etc/group && tail -1 /etc/group", [
      { destination: "/etc", options: ["tmpcopyup"] },
    ]);
    expect(out).toBe("x\n");
  });

  test("a tmpfs over an existing directory takes its mode unless mode= says otherwise", () => {
    // New targets under the /dev tmpfs: a mkdir in the shared rootfs would outlive the test.
    const out = run("stat -c '%n %a' /etc /root /dev/new /dev/other", [
      { destination: "/etc", options: [] },
      { destination: "/root", options: ["mode=0711"] },
      { destination: "/dev/new", options: [] },
      { destination: "/dev/other", options: ["mode=0700"] },
    ]);
    expect(out).toBe("/etc 755\n/root 711\n/dev/new 1777\n/dev/other 700\n");
  });
});
