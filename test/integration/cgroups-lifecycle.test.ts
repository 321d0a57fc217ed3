// The cgroup side of create, exec and delete on real containers, checked in the
// kernel's files (freezer.state, cgroup.freeze, pids.max, /proc/PID/cgroup): the
// checks runc makes of a cgroup that exists already, limits set once PID 1
// exists (pids.limit 1), exec joining every hierarchy and runc's --cgroup, and
// delete --force removing sub-cgroups. Every test works below its own
// /runt-test-* prefix and removes it, even when it fails.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { detectCgroups } from "../../src/cgroups/index.ts";
import type { LinuxResources, Spec } from "../../src/spec/types.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  RUNT,
  runt,
  STATE_ROOT,
  testSpec,
} from "../helpers/runt.ts";
import { forceCleanup, leftovers, testPrefix } from "./cgroups-cleanup.ts";

const isRoot = process.getuid?.() === 0;
const setup = isRoot ? detectCgroups() : undefined;
const v1 = (c: string) =>
  setup?.hierarchies.find((h) => h.kind === "v1" && h.controllers.includes(c))?.mountpoint;
const unified = setup?.hierarchies.find((h) => h.kind === "v2")?.mountpoint;

const prefixes: string[] = [];
function prefix(tag: string): string {
  const p = testPrefix(tag);
  prefixes.push(p);
  return p;
}

afterEach(() => {
  cleanup();
  for (const p of prefixes.splice(0)) forceCleanup(p);
});
afterAll(cleanupAll);

/** A config in cgroup `path`, without a cgroup namespace (so /proc/self/cgroup shows host paths). */
function specIn(path: string, args: string[], edit?: (s: Spec) => void): Spec {
  return testSpec(args, (s) => {
    s.linux = {
      ...s.linux,
      cgroupsPath: path,
      namespaces: (s.linux?.namespaces ?? []).filter((n) => n.type !== "cgroup"),
    };
    edit?.(s);
  });
}

const withResources = (resources: LinuxResources) => (s: Spec) => {
  s.linux = { ...s.linux, resources };
};

/** /proc/<pid>/cgroup lines, as the kernel shows them from the host. */
const procCgroup = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");

function containerPid(id: string): number {
  return JSON.parse(runt(["state", id]).stdout).pid as number;
}

describe.skipIf(!isRoot || setup?.mode === "v2")(
  "cgroups of a container's life (v1, hybrid)",
  () => {
    test("pids.limit 1: the container's one process runs, and pids.max is 1", () => {
      const p = prefix("pids1");
      const pids = v1("pids");
      if (!pids) return;
      const fg = runt([
        "run",
        "--bundle",
        makeBundle(specIn(`${p}/c`, ["echo", "one"], withResources({ pids: { limit: 1 } }))),
        newId("pids1"),
      ]);
      expect(fg.stderr).toBe("");
      expect(fg.stdout).toBe("one\n");
      expect(fg.status).toBe(0);

      const id = newId("pids1d");
      const r = runt([
        "run",
        "-d",
        "--bundle",
        makeBundle(specIn(`${p}/d`, ["sleep", "1000"], withResources({ pids: { limit: 1 } }))),
        id,
      ]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(readFileSync(`${pids}${p}/d/pids.max`, "utf8").trim()).toBe("1");
      expect(readFileSync(`${pids}${p}/d/pids.current`, "utf8").trim()).toBe("1");
      // The limit holds: a second process cannot be made.
      expect(runt(["exec", id, "true"]).status).not.toBe(0);
    });

    test("a frozen v1 cgroup is refused by run and create, and left as it was", () => {
      const p = prefix("frozen");
      const freezer = v1("freezer");
      if (!freezer) return;
      mkdirSync(`${freezer}${p}/c`, { recursive: true });
      writeFileSync(`${freezer}${p}/c/freezer.state`, "FROZEN");
      const bundle = makeBundle(specIn(`${p}/c`, ["true"]));
      for (const verb of [["run", "-d"], ["create"]]) {
        const id = newId("frozen");
        const r = runt([...verb, "--bundle", bundle, id], { timeoutMs: 10_000 });
        expect(r.stderr).toContain("container's cgroup unexpectedly frozen");
        expect(r.stderr).toContain(`${freezer}${p}/c/freezer.state is FROZEN`);
        expect(r.status).toBe(1);
        expect(runt(["state", id]).status).not.toBe(0);
      }
      // Nothing made in the other hierarchies; the frozen cgroup is still there.
      expect(leftovers(p)).toEqual([`${freezer}${p}`]);
      expect(readFileSync(`${freezer}${p}/c/freezer.state`, "utf8").trim()).toBe("FROZEN");
    });

    test("a new cgroup under a frozen v1 parent is refused", () => {
      const p = prefix("frozenp");
      const freezer = v1("freezer");
      if (!freezer) return;
      mkdirSync(`${freezer}${p}`, { recursive: true });
      writeFileSync(`${freezer}${p}/freezer.state`, "FROZEN");
      const r = runt(
        ["run", "-d", "--bundle", makeBundle(specIn(`${p}/c`, ["true"])), newId("fp")],
        {
          timeoutMs: 10_000,
        },
      );
      expect(r.stderr).toContain(
        `container's cgroup unexpectedly frozen: ${freezer}${p}/freezer.state`,
      );
      expect(r.status).toBe(1);
      expect(existsSync(`${freezer}${p}/c`)).toBe(false);
    });

    test.skipIf(!unified)("a frozen unified (v2) cgroup is refused on hybrid", () => {
      const p = prefix("frozen2");
      mkdirSync(`${unified}${p}/c`, { recursive: true });
      writeFileSync(`${unified}${p}/c/cgroup.freeze`, "1");
      const r = runt(
        ["run", "-d", "--bundle", makeBundle(specIn(`${p}/c`, ["true"])), newId("f2")],
        {
          timeoutMs: 10_000,
        },
      );
      expect(r.stderr).toContain(
        `container's cgroup unexpectedly frozen: ${unified}${p}/c/cgroup.freeze is 1`,
      );
      expect(r.status).toBe(1);
    });

    test("a second container in a cgroup that has processes gets a warning, and runs", () => {
      const p = prefix("shared");
      const bundle = makeBundle(specIn(`${p}/c`, ["sleep", "1000"]));
      const first = runt(["run", "-d", "--bundle", bundle, newId("sh1")]);
      expect(first.stderr).toBe("");
      expect(first.status).toBe(0);
      for (const verb of [["run", "-d"], ["create"]]) {
        const r = runt([...verb, "--bundle", bundle, newId("sh")]);
        expect(r.stderr).toMatch(/container's cgroup is not empty: [12] process\(es\) found/);
        expect(r.status).toBe(0);
      }
    });

    test("cgroup v1 + linux.resources.unified: invalid configuration", () => {
      const p = prefix("unified");
      const r = runt([
        "run",
        "--bundle",
        makeBundle(
          specIn(`${p}/c`, ["true"], withResources({ unified: { "memory.min": "131072" } })),
        ),
        newId("uni"),
      ]);
      expect(r.stderr).toContain("invalid configuration");
      expect(r.stderr).toContain('linux.resources.unified["memory.min"]');
      expect(r.status).toBe(1);
      expect(leftovers(p)).toEqual([]);
    });

    test("exec joins every hierarchy the container is in, v1 and unified", () => {
      const p = prefix("exec");
      const id = newId("exec");
      expect(
        runt(["run", "-d", "--bundle", makeBundle(specIn(`${p}/c`, ["sleep", "1000"])), id]).status,
      ).toBe(0);
      const init = procCgroup(containerPid(id));
      expect(init.every((l) => l.endsWith(`:${p}/c`))).toBe(true);
      const r = runt(["exec", id, "cat", "/proc/self/cgroup"]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim().split("\n")).toEqual(init);
      if (unified) expect(init).toContain(`0::${p}/c`);
    });

    test("exec --cgroup: runc's forms and refusals", () => {
      const p = prefix("execcg");
      const id = newId("execcg");
      const memory = v1("memory");
      const cpu = v1("cpu");
      if (!memory || !cpu) return;
      expect(
        runt(["run", "-d", "--bundle", makeBundle(specIn(`${p}/c`, ["sleep", "1000"])), id]).status,
      ).toBe(0);
      const fails = (args: string[], text: string) => {
        const r = runt(["exec", ...args, id, "cat", "/proc/self/cgroup"]);
        expect(r.stderr).toContain(text);
        expect(r.status).not.toBe(0);
      };
      fails(["--cgroup", ".."], " .. is not a sub cgroup path");
      fails(["--cgroup", "a/../../x"], "is not a sub cgroup path");
      fails(["--cgroup", "nonexistent"], `/nonexistent/cgroup.procs: no such file `);
      fails(
        ["--cgroup", "cpu:nonexistent"],
        ` adding pid to cgroups: ${cpu}${p}/c/nonexistent/cgroup.procs: no such file `,
      );
      fails(["--cgroup", "whaaat:/"], "unknown controller whaaat");
      fails(["--cgroup", "a", "--cgroup", "b"], "missing <controller>: prefix");

      const top = runt(["exec", "--cgroup", "/", id, "cat", "/proc/self/cgroup"]);
      expect(top.status).toBe(0);
      expect(
        top.stdout
          .trim()
          .split("\n")
          .every((l) => l.endsWith(`:${p}/c`)),
      ).toBe(true);

      mkdirSync(`${memory}${p}/c/submem`);
      mkdirSync(`${cpu}${p}/c/subcpu`, { recursive: true });
      const sub = runt([
        "exec",
        "--cgroup",
        "memory:submem",
        "--cgroup",
        "cpu:subcpu",
        id,
        "cat",
        "/proc/self/cgroup",
      ]);
      expect(sub.stderr).toBe("");
      const lines = sub.stdout.trim().split("\n");
      expect(lines.filter((l) => l.endsWith(`:${p}/c/submem`)).map((l) => l.split(":")[1])).toEqual(
        ["memory"],
      );
      expect(lines.filter((l) => l.endsWith(`:${p}/c/subcpu`)).length).toBe(1);
      expect(lines.filter((l) => l.endsWith(`:${p}/c`)).length).toBe(lines.length - 2);
    });

    test("delete --force removes sub-cgroups made inside the container, bottom up", () => {
      const p = prefix("subdel");
      const id = newId("subdel");
      const withMounts = (s: Spec) => {
        // Writable cgroup mounts, as runc's test has them.
        s.mounts = (s.mounts ?? []).map((m) =>
          m.type === "cgroup" ? { ...m, options: (m.options ?? []).filter((o) => o !== "ro") } : m,
        );
      };
      expect(
        runt([
          "run",
          "-d",
          "--bundle",
          makeBundle(specIn(`${p}/c`, ["sleep", "1000"], withMounts)),
          id,
        ]).status,
      ).toBe(0);
      const r = runt([
        "exec",
        id,
        "sh",
        "-euc",
        "sleep 1000 & for s in memory freezer; do mkdir -p /sys/fs/cgroup/$s/foo/bar; echo $! > /sys/fs/cgroup/$s/foo/bar/tasks; done",
      ]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      for (const c of ["memory", "freezer"]) {
        const base = v1(c);
        if (base)
          expect(readFileSync(`${base}${p}/c/foo/bar/tasks`, "utf8").trim()).toMatch(/^\d+$/);
      }
      const del = runt(["delete", "--force", id]);
      expect(del.stderr).toBe("");
      expect(del.status).toBe(0);
      expect(leftovers(p)).toEqual([]);
    });
  },
);

describe.skipIf(!isRoot || !unified)(
  "cgroups of a container's life (v2, private cgroup2 mount)",
  () => {
    test("a frozen v2 cgroup is refused; a new one under a frozen parent too", () => {
      const p = prefix("v2frozen");
      const r = (args: string) => `${RUNT} --root ${STATE_ROOT} ${args}`;
      const script = [
        "set -e",
        "mount --make-rprivate /",
        "umount -R /sys/fs/cgroup",
        "mount -t cgroup2 none /sys/fs/cgroup",
        `mkdir -p /sys/fs/cgroup${p}/a/c /sys/fs/cgroup${p}/b`,
        `echo 1 > /sys/fs/cgroup${p}/a/c/cgroup.freeze`,
        `echo 1 > /sys/fs/cgroup${p}/b/cgroup.freeze`,
        `${r(`run -d --bundle ${makeBundle(specIn(`${p}/a/c`, ["true"]))} ${newId("v2f")}`)} 2>&1 || echo "status=$?"`,
        `${r(`run -d --bundle ${makeBundle(specIn(`${p}/b/c`, ["true"]))} ${newId("v2f")}`)} 2>&1 || echo "status=$?"`,
        `echo b-children=$(ls -d /sys/fs/cgroup${p}/b/*/ 2>/dev/null | wc -l)`,
      ].join("\n");
      const out = Bun.spawnSync(["unshare", "-m", "sh", "-c", script], { timeout: 30_000 });
      expect(out.stderr.toString()).toBe("");
      expect(out.stdout.toString().split("\n")).toEqual([
        `container's cgroup unexpectedly frozen: /sys/fs/cgroup${p}/a/c/cgroup.freeze is 1; thaw it (or choose another linux.cgroupsPath) and create the container again`,
        "status=1",
        `container's cgroup unexpectedly frozen: /sys/fs/cgroup${p}/b/cgroup.freeze is 1; thaw it (or choose another linux.cgroupsPath) and create the container again`,
        "status=1",
        "b-children=0",
        "",
      ]);
    });
  },
);

describe.skipIf(!isRoot)("runt's own parent cgroup", () => {
  const mem = v1("memory") ?? unified;
  const parent = `${mem}/runt`;
  // Only where no other container of this host uses /runt: the test wants it gone.
  test.skipIf(!mem || existsSync(parent))(
    "goes with the last container, whichever container made it",
    () => {
      const noPath = (s: Spec) => {
        if (s.linux) s.linux.cgroupsPath = undefined;
      };
      const a = newId("parent-a");
      const b = newId("parent-b");
      const spec = testSpec(["sleep", "100"], noPath);
      expect(runt(["run", "-d", "-b", makeBundle(spec), a]).stderr).toBe("");
      expect(runt(["run", "-d", "-b", makeBundle(spec), b]).stderr).toBe("");
      expect(existsSync(`${parent}/${a}`) && existsSync(`${parent}/${b}`)).toBe(true);
      // a made /runt; b found it. a goes first, so b is the last one in it.
      expect(runt(["delete", "--force", a]).status).toBe(0);
      expect(existsSync(parent)).toBe(true);
      expect(runt(["delete", "--force", b]).status).toBe(0);
      expect(existsSync(parent)).toBe(false);
    },
  );
});
