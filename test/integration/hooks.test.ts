// OCI hooks on real containers: every kind in order, in the namespace the spec names,
// with the state on stdin, their args and env; timeouts; and a failing hook at each
// stage aborting what the spec says it aborts (poststop only warns).
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Hook, Spec } from "../../src/spec/types.ts";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  ROOTFS,
  runContainer,
  runt,
  testSpec,
  until,
} from "../helpers/runt.ts";

const dirs: string[] = [];
afterEach(() => {
  cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(cleanupAll);

/** A host directory with a hook script that logs its name, mount ns, env and stdin. */
function hookDir(): { dir: string; log: string; script: string } {
  const dir = mkdtempSync("/tmp/runt-hooks-");
  dirs.push(dir);
  const log = join(dir, "log");
  const script = join(dir, "hook.sh");
  writeFileSync(
    script,
    `#!/bin/sh\nprintf '%s %s %s %s ' "$1" "$(readlink /proc/self/ns/mnt)" "$HOOKVAR" "\${HOME:-nohome}" >> ${log}\ncat >> ${log}\necho >> ${log}\n`,
  );
  chmodSync(script, 0o755);
  return { dir, log, script };
}

const failing = (dir: string, body: string): string => {
  const p = join(dir, `fail-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
};

interface LogLine {
  name: string;
  mntns: string;
  hookvar: string;
  home: string;
  state: { id: string; status: string; pid?: number; bundle: string };
}

function readLog(log: string): LogLine[] {
  return readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [name, mntns, hookvar, home, ...rest] = line.split(" ");
      return {
        name: name ?? "",
        mntns: mntns ?? "",
        hookvar: hookvar ?? "",
        home: home ?? "",
        state: JSON.parse(rest.join(" ")),
      };
    });
}

const hook = (script: string, name: string): Hook => ({
  path: script,
  args: ["hook.sh", name],
  env: ["HOOKVAR=v"],
});

describe("hooks", () => {
  test("poststart waits for a slow startContainer hook and the user's process (runtime.md order)", async () => {
    const { dir } = hookDir();
    const id = newId("hooks-order");
    const spec = testSpec(["sh", "-c", "echo process >> /hooks/order"], (s) => {
      s.mounts?.push({ destination: "/hooks", type: "bind", source: dir, options: ["rbind"] });
      s.hooks = {
        startContainer: [
          { path: "/bin/sh", args: ["sh", "-c", "sleep 0.3; echo startContainer >> /hooks/order"] },
        ],
        // The process may or may not have written its line: it runs, which is the point.
        poststart: [
          { path: "/bin/sh", args: ["sh", "-c", `sleep 0.2; echo poststart >> ${dir}/order`] },
        ],
      };
    });
    expect(runt(["create", "-b", makeBundle(spec), id]).stderr).toBe("");
    expect(runt(["start", id]).status).toBe(0);
    await until(() => JSON.parse(runt(["state", id]).stdout).status === "stopped");
    const order = readFileSync(join(dir, "order"), "utf8").trim().split("\n");
    expect(order).toEqual(["startContainer", "process", "poststart"]);
  });

  test("every kind runs in order, in its namespace, with the state on stdin", async () => {
    const { dir, log, script } = hookDir();
    const id = newId("hooks");
    const spec = testSpec(["true"], (s) => {
      s.mounts?.push({ destination: "/hooks", type: "bind", source: dir, options: ["rbind"] });
      // startContainer resolves and runs in the container: busybox's sh writes the log.
      const inContainer: Hook = {
        path: "/bin/sh",
        args: [
          "sh",
          "-c",
          `printf '%s %s %s %s ' startContainer "$(readlink /proc/self/ns/mnt)" "$HOOKVAR" "\${HOME:-nohome}" >> /hooks/log; cat >> /hooks/log; echo >> /hooks/log`,
        ],
        env: ["HOOKVAR=v"],
      };
      s.hooks = {
        prestart: [hook(script, "prestart")],
        createRuntime: [hook(script, "createRuntime")],
        createContainer: [hook(script, "createContainer")],
        startContainer: [inContainer],
        poststart: [hook(script, "poststart")],
        poststop: [hook(script, "poststop")],
      };
    });
    const bundle = makeBundle(spec);
    const c = runt(["create", "-b", bundle, id]);
    expect(c.stderr).toBe("");
    const pid = JSON.parse(runt(["state", id]).stdout).pid as number;
    const containerMnt = readlinkSync(`/proc/${pid}/ns/mnt`);
    expect(runt(["start", id]).status).toBe(0);
    await until(() => JSON.parse(runt(["state", id]).stdout).status === "stopped");
    expect(runt(["delete", id]).stderr).toBe("");
    const lines = readLog(log);
    expect(lines.map((l) => l.name)).toEqual([
      "prestart",
      "createRuntime",
      "createContainer",
      "startContainer",
      "poststart",
      "poststop",
    ]);
    const hostMnt = readlinkSync("/proc/self/ns/mnt");
    const ns = Object.fromEntries(lines.map((l) => [l.name, l.mntns]));
    expect(ns).toEqual({
      prestart: hostMnt,
      createRuntime: hostMnt,
      createContainer: containerMnt,
      startContainer: containerMnt,
      poststart: hostMnt,
      poststop: hostMnt,
    });
    const status = Object.fromEntries(lines.map((l) => [l.name, l.state.status]));
    expect(status).toEqual({
      // runtime.md: the environment exists (step 2) before these run (steps 3-5).
      prestart: "created",
      createRuntime: "created",
      createContainer: "created",
      startContainer: "created",
      poststart: "running",
      poststop: "stopped",
    });
    for (const l of lines) {
      expect(l.state.id).toBe(id);
      expect(l.state.bundle).toBe(bundle);
      expect(l.hookvar).toBe("v"); // the hook's env, and nothing inherited:
      expect(l.home).toBe("nohome");
      if (l.name !== "poststop") expect(l.state.pid).toBe(pid);
    }
  });

  test("a hook that runs past its timeout is killed and fails create", () => {
    const { dir } = hookDir();
    const slow = failing(dir, "sleep 30");
    for (const kind of ["createRuntime", "createContainer"] as const) {
      const id = newId("slow");
      const start = Date.now();
      const r = runt([
        "create",
        "-b",
        makeBundle(
          testSpec(["true"], (s) => {
            s.hooks = { [kind]: [{ path: slow, timeout: 1 }] };
          }),
        ),
        id,
      ]);
      expect(Date.now() - start).toBeLessThan(10_000);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`hook ${slow} did not finish within 1s`);
      expect(r.stderr).toContain(`hooks.${kind}`);
      expect(runt(["state", id]).status).toBe(1); // nothing left
    }
  });

  for (const kind of ["prestart", "createRuntime", "createContainer"] as const) {
    test(`a failing ${kind} hook fails create with its path and output; nothing is left`, () => {
      const { dir } = hookDir();
      const bad = failing(dir, "echo oops-from-hook >&2; exit 3");
      const id = newId("fail");
      const spec: Spec = testSpec(["true"], (s) => {
        s.hooks = { [kind]: [{ path: bad }] };
      });
      const r = runt(["create", "-b", makeBundle(spec), id]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`hooks.${kind}`);
      expect(r.stderr).toContain(`hook ${bad} exited with status 3`);
      expect(r.stderr).toContain("oops-from-hook");
      expect(runt(["state", id]).status).toBe(1);
    });
  }

  test("createContainer hooks run in the rootfs: a bind onto ./lib/... lands in the container (runc's hooks.bats)", () => {
    const { dir } = hookDir();
    const rootfs = join(dir, "rootfs");
    cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(rootfs, "lib"), { recursive: true });
    writeFileSync(join(dir, "lib.so"), "from-the-hook\n");
    const r = runContainer(
      testSpec(["cat", "/lib/lib.so"], (s) => {
        s.root = { path: rootfs, readonly: false };
        s.hooks = {
          createContainer: [
            {
              path: "/bin/sh",
              args: ["sh", "-c", `touch ./lib/lib.so && mount --bind ${dir}/lib.so ./lib/lib.so`],
            },
          ],
        };
      }),
    );
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toBe("from-the-hook\n");
    // In the container's mount namespace only.
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(rootfs);
    expect(readFileSync(join(rootfs, "lib", "lib.so"), "utf8")).toBe("");
  });

  test("a failing startContainer hook stops the container before its process runs", () => {
    const r = runContainer(
      testSpec(["echo", "main-ran"], (s) => {
        s.hooks = {
          startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "echo bad >&2; exit 4"] }],
        };
      }),
    );
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("main-ran");
    expect(r.stderr).toContain("hook /bin/sh exited with status 4");
    expect(r.stderr).toContain("bad");
  });

  test("a failing poststart hook fails start and stops the container", async () => {
    const { dir } = hookDir();
    const bad = failing(dir, "echo poststart-broke >&2; exit 2");
    const id = newId("pstart");
    const spec = testSpec(["sleep", "100"], (s) => {
      s.hooks = { poststart: [{ path: bad }] };
    });
    expect(runt(["create", "-b", makeBundle(spec), id]).status).toBe(0);
    const r = runt(["start", id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("hooks.poststart[0]");
    expect(r.stderr).toContain("poststart-broke");
    expect(await until(() => JSON.parse(runt(["state", id]).stdout).status === "stopped")).toBe(
      true,
    );
  });

  test("a failing poststop hook only warns; the next one still runs and delete succeeds", () => {
    const { dir, log, script } = hookDir();
    const bad = failing(dir, "echo poststop-broke >&2; exit 1");
    const id = newId("pstop");
    const spec = testSpec(["true"], (s) => {
      s.hooks = { poststop: [{ path: bad }, hook(script, "poststop")] };
    });
    expect(runt(["run", "--keep", "-b", makeBundle(spec), id]).status).toBe(0);
    const r = runt(["delete", id]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("hooks.poststop[0]");
    expect(r.stderr).toContain("poststop-broke");
    expect(readLog(log).map((l) => l.name)).toEqual(["poststop"]);
    expect(runt(["state", id]).status).toBe(1);
  });
});
