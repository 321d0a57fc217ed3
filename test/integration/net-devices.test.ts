// linux.netDevices on real containers: a veth end the test makes on the host is moved
// into the container's network namespace, renamed, up, with its permanent global
// address; it is gone from the host while the container runs, and at delete the
// kernel destroys it with the namespace (its peer too), as config-linux.md says (the
// runtime does not move it back). Bad values: exit 1, the JSON path, nothing left.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import type { Spec } from "../../src/spec/types.ts";
import { untilSync } from "../helpers/harness.ts";
import { cleanup, cleanupAll, makeBundle, newId, runt, testSpec } from "../helpers/runt.ts";

/** Link names this run owns (15 characters at most), removed at the end if still there. */
const tag = `rt${process.pid % 100000}`;
const made: string[] = [];

function ip(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
const onHost = (name: string) => ip("link", "show", "dev", name).status === 0;

/** A veth pair on the host: `${tag}<n>a` with 10.213.<n>.1/24, up, and its peer `${tag}<n>b`. */
function vethPair(n: number): [string, string] {
  const a = `${tag}${n}a`;
  const b = `${tag}${n}b`;
  made.push(a, b);
  for (const args of [
    ["link", "add", a, "type", "veth", "peer", "name", b],
    ["addr", "add", `10.213.${n}.1/24`, "dev", a],
    ["link", "set", a, "up"],
  ]) {
    const r = ip(...args);
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.out}`);
  }
  return [a, b];
}

afterEach(cleanup);
afterAll(() => {
  cleanupAll();
  for (const name of made) if (onHost(name)) ip("link", "del", name);
});

function netSpec(args: string[], devices: NonNullable<Spec["linux"]>["netDevices"]): Spec {
  return testSpec(args, (s) => {
    s.linux ??= {};
    // runt spec's defaults have a new "network" namespace.
    s.linux.netDevices = devices;
  });
}

describe("linux.netDevices", () => {
  test("a host veth end moves in renamed, up, with its address; at delete it is destroyed", () => {
    const [a, b] = vethPair(1);
    // Permanent and global in both families: both move (a link-local fe80:: one does not).
    expect(ip("-6", "addr", "add", "fd00:213::1/64", "dev", a, "nodad").status).toBe(0);
    const id = newId("netdev");
    const spec = netSpec(["sh", "-c", "ip -o link show; ip -o -4 addr show; sleep 60"], {
      [a]: { name: "eth7" },
    });
    const bundle = makeBundle(spec);
    const created = runt(["create", "--bundle", bundle, id]);
    expect({ status: created.status, stderr: created.stderr }).toEqual({ status: 0, stderr: "" });
    // Moved: no longer the host's; the peer still is, its other end now in another namespace.
    expect(onHost(a)).toBe(false);
    expect(ip("-o", "link", "show", "dev", b).out).toContain("link-netnsid");
    const inside = runt(["exec", id, "sh", "-c", "ip -o link show; ip -o addr show dev eth7"]);
    expect(inside.status).toBe(0);
    const links = inside.stdout.split("\n").filter((l) => /^\d+: \S+: </.test(l));
    const names = links.map((l) => l.split(": ")[1]?.split("@")[0]);
    expect(names.sort()).toEqual(["eth7", "lo"]);
    expect(links.find((l) => l.includes("eth7"))).toMatch(/<[^>]*\bUP\b[^>]*>/);
    expect(inside.stdout).toMatch(
      /eth7\s+inet 10\.213\.1\.1\/24 brd 10\.213\.1\.255 scope global eth7/,
    );
    expect(inside.stdout).toMatch(/eth7\s+inet6 fd00:213::1\/64 scope global/);
    expect(inside.stdout).not.toMatch(/inet6 fe80:/);
    expect(runt(["delete", "--force", id]).status).toBe(0);
    // The namespace is freed asynchronously by the kernel: wait for the veth to go.
    expect(untilSync(() => !onHost(b), 10_000)).toBe(true);
    expect(onHost(a)).toBe(false);
  });

  test('a "%d" template is numbered by the kernel', () => {
    const [a] = vethPair(2);
    const id = newId("netdev");
    const r = runt([
      "run",
      "--bundle",
      makeBundle(netSpec(["ip", "-o", "link", "show"], { [a]: { name: "net%d" } })),
      id,
    ]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^\d+: net0@/m);
  });
});

describe("a new network namespace", () => {
  test("has its lo up, as runc's init sets it (its loopback network)", () => {
    const r = runt([
      "run",
      "--bundle",
      makeBundle(netSpec(["ip", "-o", "link", "show", "lo"], {})),
      newId("lo"),
    ]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  });
});

describe("linux.netDevices runt refuses", () => {
  function refused(spec: Spec, message: RegExp): void {
    const id = newId("netdev-bad");
    const r = runt(["create", "--bundle", makeBundle(spec), id]);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: "" });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("    at ");
    expect(runt(["state", id]).stderr).toContain("does not exist");
  }

  test("an interface the host does not have", () => {
    refused(
      netSpec(["true"], { [`${tag}none`]: {} }),
      new RegExp(
        `^linux\\.netDevices\\.${tag}none: find network interface ${tag}none on the host: no such device \\(ENODEV\\)\\n$`,
      ),
    );
  });

  test("a name the container already has (lo): the host's link is left as it was", () => {
    const [a] = vethPair(3);
    refused(
      netSpec(["true"], { [a]: { name: "lo" } }),
      /^linux\.netDevices\.rt\d+3a: move network interface rt\d+3a into the container as lo: the container already has an interface of that name .*\(EEXIST\)\n$/,
    );
    const still = ip("-o", "addr", "show", "dev", a);
    expect(still.status).toBe(0);
    expect(still.out).toContain("inet 10.213.3.1/24");
    expect(ip("-o", "link", "show", "dev", a).out).toMatch(/<[^>]*\bUP\b[^>]*>/);
  });

  test("no network namespace to move into", () => {
    const spec = testSpec(["true"], (s) => {
      s.linux ??= {};
      s.linux.namespaces = s.linux.namespaces?.filter((ns) => ns.type !== "network");
      s.linux.netDevices = { eth0: {} };
    });
    refused(
      spec,
      /config\.json: linux\.netDevices: expected no devices to move without a "network" namespace in linux\.namespaces, got some\n$/,
    );
  });
});
