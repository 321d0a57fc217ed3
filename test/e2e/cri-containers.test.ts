// Kubernetes through CRI, a container's security context and resources, runt beside
// runc (cri/kubelet.ts): what the container sees from inside (its ids, capabilities,
// seccomp mode, mounts and their propagation, its cgroup files) must be the same.
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  criSuite,
  type Handler,
  type Kubelet,
  type Msg,
  type Pod,
  scenarioFor,
} from "./cri/suite.ts";

const suite = criSuite("cri-ctr");
const scenario = scenarioFor(suite);
beforeAll(suite.setup, 300_000);
afterAll(suite.teardown, 120_000);

const MiB = 1024 * 1024;
const STATUS_LINES = "grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status";

/** A pod with one long-running container edited by `edit`; the container's id. */
async function one(
  k: Kubelet,
  h: Handler,
  name: string,
  edit?: (c: Msg, pod: Pod) => void,
  podEdit?: (c: Msg) => void,
): Promise<string> {
  const pod = await k.runPod(h, name, podEdit);
  return k.start(pod, "c", (c) => edit?.(c, pod));
}

/** Each command's stdout and exit, as `cmd => [exit, out+err]`, run in the container. */
async function probe(k: Kubelet, id: string, cmds: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const cmd of cmds) {
    const r = await k.exec(id, ["sh", "-c", cmd]);
    out[cmd] = [r.exit, (r.stdout + r.stderr).trim()];
  }
  return out;
}

describe("CRI: mounts and the root filesystem", () => {
  scenario(
    "bind mounts: read-write, read-only, and host-to-container and bidirectional propagation",
    async (k, h) => {
      const base = join(suite.k().cri.dir, `mounts-${h}`);
      const [rw, ro, shared] = ["rw", "ro", "shared"].map((d) => join(base, d)) as [
        string,
        string,
        string,
      ];
      for (const d of [rw, ro, shared]) mkdirSync(d, { recursive: true });
      writeFileSync(join(ro, "file"), "ro-content\n");
      // Propagation needs the source on a shared mount, as a node's /var/lib/kubelet is.
      spawnSync("mount", ["--bind", shared, shared]);
      spawnSync("mount", ["--make-shared", shared]);
      try {
        const id = await one(
          k,
          h,
          "mounts",
          (c) => {
            c.mounts = [
              { container_path: "/rw", host_path: rw },
              { container_path: "/ro", host_path: ro, readonly: true },
              {
                container_path: "/h2c",
                host_path: shared,
                propagation: "PROPAGATION_HOST_TO_CONTAINER",
              },
              {
                container_path: "/bidi",
                host_path: shared,
                propagation: "PROPAGATION_BIDIRECTIONAL",
              },
            ];
            c.linux.security_context.privileged = true;
          },
          (p) => {
            p.linux.security_context.privileged = true;
          },
        );
        const seen = await probe(k, id, [
          "echo from-container > /rw/out && cat /rw/out",
          "cat /ro/file; echo x > /ro/new",
        ]);
        // Each mount's options and propagation tags, and the host's peer group of `shared`.
        const tags = (info: string, point: string) => {
          const f =
            info
              .split("\n")
              .find((l) => l.split(" ")[4] === point)
              ?.split(" ") ?? [];
          return { opts: f[5]?.split(",")[0], tags: f.slice(6, f.indexOf("-")) };
        };
        const inside = await k.sh(id, "cat /proc/self/mountinfo");
        const group = tags(readFileSync("/proc/self/mountinfo", "utf8"), shared).tags[0];
        const m = Object.fromEntries(
          ["/rw", "/ro", "/h2c", "/bidi"].map((p) => [p, tags(inside, p)]),
        );
        const props = {
          opts: Object.values(m).map((t) => t.opts),
          // Host-to-container: a slave of the host's peer group; bidirectional: in it.
          h2cSlave: m["/h2c"]?.tags.includes(group?.replace("shared", "master") ?? "-"),
          bidiPeer: m["/bidi"]?.tags.includes(group ?? "-"),
        };
        // The host mounts under the shared source: the container sees it through /h2c.
        mkdirSync(join(shared, "from-host"));
        spawnSync("mount", ["-t", "tmpfs", "tmpfs", join(shared, "from-host")]);
        writeFileSync(join(shared, "from-host", "f"), "host\n");
        const h2c = await probe(k, id, ["cat /h2c/from-host/f"]);
        // The container mounts under /bidi: the host sees it.
        await k.sh(id, "mkdir -p /bidi/from-ctr && mount -t tmpfs -o size=1m ctr /bidi/from-ctr");
        const onHost = readFileSync("/proc/self/mountinfo", "utf8").includes(`${shared}/from-ctr `);
        return {
          seen,
          props,
          h2c,
          onHost,
          hostFile: readFileSync(join(rw, "out"), "utf8"),
        };
      } finally {
        for (const m of ["from-ctr", "from-host"]) spawnSync("umount", ["-l", join(shared, m)]);
        spawnSync("umount", ["-l", shared]);
        rmSync(base, { recursive: true, force: true });
      }
    },
    (v) => {
      expect(v.onHost).toBe(true);
      expect(v.hostFile).toBe("from-container\n");
      expect(v.h2c).toEqual({ "cat /h2c/from-host/f": [0, "host"] });
      expect(v.props).toEqual({
        opts: ["rw", "ro", "rw", "rw"],
        h2cSlave: true,
        bidiPeer: true,
      });
    },
  );

  scenario(
    "readOnlyRootFilesystem: / is read-only, mounts under it are not",
    async (k, h) => {
      const id = await one(k, h, "rootro", (c) => {
        c.linux.security_context.readonly_rootfs = true;
      });
      return probe(k, id, [
        "touch /x",
        "touch /dev/shm/x && echo shm-ok",
        "awk '$5==\"/\" {print $6}' /proc/self/mountinfo | cut -d, -f1",
      ]);
    },
    (v) =>
      expect(v).toEqual({
        "touch /x": [1, "touch: /x: Read-only file system"],
        "touch /dev/shm/x && echo shm-ok": [0, "shm-ok"],
        "awk '$5==\"/\" {print $6}' /proc/self/mountinfo | cut -d, -f1": [0, "ro"],
      }),
  );
});

describe("CRI: identity and privileges", () => {
  scenario(
    "runAsUser, runAsGroup and supplemental groups",
    async (k, h) => {
      const id = await one(k, h, "ids", (c) => {
        c.linux.security_context.run_as_user = { value: 1000 };
        c.linux.security_context.run_as_group = { value: 2000 };
        c.linux.security_context.supplemental_groups = [3000, 4000];
      });
      const byUid = await one(k, h, "uid", (c) => {
        c.linux.security_context.run_as_user = { value: 65534 };
      });
      return {
        ids: await k.sh(id, "id -u; id -g; id -G; grep -E '^(Uid|Gid|Groups)' /proc/self/status"),
        // With no group asked for, /etc/passwd gives nobody's 65534.
        byUid: await k.sh(byUid, "id"),
        exec: await k.sh(id, "id -u"),
      };
    },
    (v) => {
      expect(v.ids.split("\n").slice(0, 3)).toEqual(["1000", "2000", "2000 3000 4000"]);
      expect(v.exec).toBe("1000");
    },
  );

  scenario(
    "capabilities: the default set, add and drop, drop ALL",
    async (k, h) => {
      const def = await one(k, h, "capdef");
      const addDrop = await one(k, h, "capadd", (c) => {
        c.linux.security_context.capabilities = {
          add_capabilities: ["NET_ADMIN", "SYS_TIME"],
          drop_capabilities: ["CHOWN", "NET_RAW"],
        };
      });
      const none = await one(k, h, "capnone", (c) => {
        c.linux.security_context.capabilities = {
          add_capabilities: ["NET_BIND_SERVICE"],
          drop_capabilities: ["ALL"],
        };
      });
      return {
        def: await k.sh(def, STATUS_LINES),
        addDrop: await k.sh(addDrop, STATUS_LINES),
        none: await k.sh(none, STATUS_LINES),
        chown: (await k.exec(addDrop, ["chown", "1:1", "/tmp"])).exit,
      };
    },
    (v) => {
      expect(v.def).toContain("CapEff:\t00000000a80425fb");
      expect(v.none).toContain("CapEff:\t0000000000000400");
      expect(v.chown).toBe(1);
    },
  );

  scenario(
    "privileged: every capability, no seccomp, unmasked /proc, writable /sys, host devices",
    async (k, h) => {
      const id = await one(
        k,
        h,
        "priv",
        (c) => {
          c.linux.security_context.privileged = true;
        },
        (p) => {
          p.linux.security_context.privileged = true;
        },
      );
      const dev = readdirCount("/dev");
      return {
        status: await k.sh(id, STATUS_LINES),
        sys: await k.sh(id, "awk '$5==\"/sys\" {print $6}' /proc/self/mountinfo | cut -d, -f1"),
        // Neither masked (a /dev/null bind) nor made read-only (a bind of itself).
        masks: await k.sh(
          id,
          "grep -cE ' /proc/(keys|timer_list|sysrq-trigger|sys) ' /proc/self/mountinfo || true",
        ),
        devices: Number(await k.sh(id, "ls /dev | wc -l")) >= dev - 5,
      };
    },
    (v) =>
      expect(v).toEqual({
        status: [
          "CapInh:\t0000000000000000",
          "CapPrm:\t000001fffeffffff",
          "CapEff:\t000001fffeffffff",
          "CapBnd:\t000001fffeffffff",
          "CapAmb:\t0000000000000000",
          "NoNewPrivs:\t0",
          "Seccomp:\t0",
        ].join("\n"),
        sys: "rw",
        masks: "0",
        devices: true,
      }),
  );

  scenario(
    "devices: a host device node appears at the path asked for, with the access asked for",
    async (k, h) => {
      const id = await one(k, h, "dev", (c) => {
        c.devices = [
          { container_path: "/dev/xnull", host_path: "/dev/null", permissions: "rwm" },
          // Not a default device: only the cgroup rule asked for lets it be opened.
          { container_path: "/dev/xkmsg", host_path: "/dev/kmsg", permissions: "r" },
        ];
      });
      return probe(k, id, [
        "stat -c '%F %t:%T' /dev/xnull /dev/xkmsg",
        "echo x > /dev/xnull && echo wrote",
        "echo x > /dev/xkmsg",
        "grep -E '^c 1:(3|11) ' /sys/fs/cgroup/devices/devices.list",
      ]);
    },
    (v) => {
      expect(v["stat -c '%F %t:%T' /dev/xnull /dev/xkmsg"]).toEqual([
        0,
        "character special file 1:3\ncharacter special file 1:b",
      ]);
      expect(v["echo x > /dev/xnull && echo wrote"]).toEqual([0, "wrote"]);
      expect(v["echo x > /dev/xkmsg"]).toEqual([
        1,
        "sh: can't create /dev/xkmsg: Operation not permitted",
      ]);
      expect(v["grep -E '^c 1:(3|11) ' /sys/fs/cgroup/devices/devices.list"]).toEqual([
        0,
        "c 1:3 rwm\nc 1:11 r",
      ]);
    },
  );

  scenario(
    "noNewPrivs on and off",
    async (k, h) => {
      const on = await one(k, h, "nnp", (c) => {
        c.linux.security_context.no_new_privs = true;
      });
      const off = await one(k, h, "nnpoff");
      const q = "grep NoNewPrivs /proc/self/status";
      return { on: await k.sh(on, q), off: await k.sh(off, q) };
    },
    (v) => expect(v).toEqual({ on: "NoNewPrivs:\t1", off: "NoNewPrivs:\t0" }),
  );

  scenario(
    "seccomp: RuntimeDefault, Unconfined, and a Localhost profile that denies mkdir",
    async (k, h) => {
      const profile = join(suite.k().cri.dir, `seccomp-${h}.json`);
      writeFileSync(
        profile,
        JSON.stringify({
          defaultAction: "SCMP_ACT_ALLOW",
          syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }],
        }),
      );
      const def = await one(k, h, "scdef");
      const unconf = await one(k, h, "scunc", (c) => {
        c.linux.security_context.seccomp = { profile_type: "Unconfined" };
      });
      const local = await one(k, h, "scloc", (c) => {
        c.linux.security_context.seccomp = { profile_type: "Localhost", localhost_ref: profile };
      });
      const q = ["grep -E '^Seccomp' /proc/self/status", "mkdir /tmp/d && echo made"];
      return {
        def: await probe(k, def, [...q, "unshare -r true"]),
        unconf: await probe(k, unconf, q),
        local: await probe(k, local, q),
      };
    },
    (v) =>
      expect(v).toEqual({
        def: {
          "grep -E '^Seccomp' /proc/self/status": [0, "Seccomp:\t2\nSeccomp_filters:\t1"],
          "mkdir /tmp/d && echo made": [0, "made"],
          "unshare -r true": [1, "unshare: unshare(0x10000000): Operation not permitted"],
        },
        unconf: {
          "grep -E '^Seccomp' /proc/self/status": [0, "Seccomp:\t0\nSeccomp_filters:\t0"],
          "mkdir /tmp/d && echo made": [0, "made"],
        },
        local: {
          "grep -E '^Seccomp' /proc/self/status": [0, "Seccomp:\t2\nSeccomp_filters:\t1"],
          "mkdir /tmp/d && echo made": [
            1,
            "mkdir: can't create directory '/tmp/d': Operation not permitted",
          ],
        },
      }),
  );

  scenario(
    "masked and read-only paths: the kubelet's defaults and a list of the pod's own",
    async (k, h) => {
      const def = await one(k, h, "mask");
      const own = await one(k, h, "maskown", (c) => {
        c.linux.security_context.masked_paths = ["/proc/cpuinfo", "/etc/hostname-nope"];
        c.linux.security_context.readonly_paths = ["/proc/sys/kernel"];
      });
      return {
        def: await probe(k, def, [
          "wc -c < /proc/timer_list",
          "grep -c ' /proc/keys ' /proc/self/mountinfo",
          "ls /sys/firmware | wc -l",
          "echo 1 > /proc/sys/kernel/shm_rmid_forced",
          "echo t > /proc/sysrq-trigger",
          "test -s /proc/cpuinfo && echo cpuinfo",
        ]),
        own: await probe(k, own, [
          "wc -c < /proc/cpuinfo",
          "grep -c ' /proc/keys ' /proc/self/mountinfo",
          "echo 1 > /proc/sys/kernel/shm_rmid_forced",
          "echo 1 > /proc/sys/net/ipv4/ip_forward && echo net-writable",
        ]),
      };
    },
    (v) => {
      expect(v.def["wc -c < /proc/timer_list"]).toEqual([0, "0"]);
      expect(v.def["grep -c ' /proc/keys ' /proc/self/mountinfo"]).toEqual([0, "1"]);
      expect(v.own["grep -c ' /proc/keys ' /proc/self/mountinfo"]).toEqual([1, "0"]);
      expect(v.own["wc -c < /proc/cpuinfo"]).toEqual([0, "0"]);
      expect((v.def["echo 1 > /proc/sys/kernel/shm_rmid_forced"] as number[])[0]).toBe(1);
    },
  );
});

const HUGETLB = "/sys/fs/cgroup/hugetlb";

describe("CRI: resources", () => {
  scenario(
    "CPU shares, quota and period, cpuset, memory and oom_score_adj in the container's cgroup",
    async (k, h) => {
      const id = await one(k, h, "res", (c) => {
        c.linux.resources = {
          cpu_shares: 512,
          cpu_quota: 50_000,
          cpu_period: 100_000,
          cpuset_cpus: "0",
          memory_limit_in_bytes: 64 * MiB,
          oom_score_adj: 500,
        };
      });
      return k.sh(
        id,
        "cd /sys/fs/cgroup; cat cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpuset/cpuset.cpus memory/memory.limit_in_bytes /proc/self/oom_score_adj",
      );
    },
    (v) => expect(v).toBe(["512", "50000", "100000", "0", String(64 * MiB), "500"].join("\n")),
  );

  scenario(
    "UpdateContainerResources: the new limits reach the running container's cgroup",
    async (k, h) => {
      const id = await one(k, h, "upd", (c) => {
        c.linux.resources = { cpu_shares: 512, cpu_quota: 50_000, memory_limit_in_bytes: 64 * MiB };
      });
      const q =
        "cd /sys/fs/cgroup; cat cpu/cpu.shares cpu/cpu.cfs_quota_us memory/memory.limit_in_bytes";
      const before = await k.sh(id, q);
      await k.call("UpdateContainerResources", {
        container_id: id,
        linux: {
          cpu_shares: 256,
          cpu_quota: 20_000,
          cpu_period: 100_000,
          memory_limit_in_bytes: 128 * MiB,
        },
      });
      return { before, after: await k.sh(id, q) };
    },
    (v) =>
      expect(v).toEqual({
        before: `512\n50000\n${64 * MiB}`,
        after: `256\n20000\n${128 * MiB}`,
      }),
  );

  scenario(
    "a pod's pids limit (set by the kubelet on the pod cgroup) holds its containers",
    async (k, h) => {
      const pod = await k.runPod(h, "pids");
      const cg = `/sys/fs/cgroup/pids${pod.config.linux.cgroup_parent}`;
      writeFileSync(join(cg, "pids.max"), "16");
      const id = await k.start(pod, "c");
      // The sleeps hold no pipe of the exec's, so it returns; they go with the pod.
      const r = await k.exec(id, [
        "sh",
        "-c",
        "for i in $(seq 30); do sleep 1000 </dev/null >/dev/null 2>&1 & done; echo started",
      ]);
      return {
        forkFailed: /can't fork|Resource temporarily unavailable/.test(r.stderr),
        podMax: readFileSync(join(cg, "pids.max"), "utf8").trim(),
        underPod: readFileSync(join(cg, "pids.current"), "utf8").trim() !== "0",
      };
    },
    (v) => expect(v).toEqual({ forkFailed: true, podMax: "16", underPod: true }),
  );

  scenario(
    "hugepage limits",
    async (k, h) => {
      const id = await one(k, h, "huge", (c) => {
        c.linux.resources = { hugepage_limits: [{ page_size: "2MB", limit: 4 * MiB }] };
      });
      return k.sh(id, "cat /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes");
    },
    (v) => expect(v).toBe(String(4 * MiB)),
    existsSync(HUGETLB)
      ? {}
      : {
          skip: "no hugetlb controller in this host's cgroup v1 hierarchies (it is bound to the unified v2 mount): containerd drops hugepage limits (tolerate_missing_hugetlb_controller), for runc and runt alike",
        },
  );
});

function readdirCount(dir: string): number {
  return spawnSync("ls", [dir], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).length;
}
