// spec -> InitPlan. The ordering decisions of a create plan live here: what runs
// before the user namespace exists, what the PID-1 child does, and in which order
// mounts, devices and pivot_root happen; the process part, up to the credential
// switch and the exec, is the one exec plans have too (process-ops.ts).
import { CLONE, MOUNT_ATTR, NAMESPACE_FLAGS } from "./constants.ts";
import { needsHelper, netDeviceSteps } from "./helper-ops.ts";
import { createHookOps, startHookOps, startHookStateOps } from "./hooks.ts";
import { type CompiledPlan, type CompileInput, PlanBuilder } from "./plan.ts";
import { oomScoreAdjSteps, processSteps, terminalSteps } from "./process-ops.ts";
import { bindSourcePaths, hasMountNamespace, readonlyDevOps, rootfsOps } from "./rootfs.ts";
import { ALL_CPUS_STEP, RESOURCES_SYNC } from "./sched.ts";
import { lsmOps } from "./security.ts";

// The compiler's types, importable from here as before.
export type { CgroupMountSource, CompiledPlan, CompileInput } from "./plan.ts";

export function compilePlan(input: CompileInput): CompiledPlan {
  const { spec } = input;
  const linux = spec.linux ?? {};
  const proc = spec.process;
  if (!proc) throw new Error("process: required to start a container");
  const b = new PlanBuilder();
  const namespaces = linux.namespaces ?? [];
  const newFlags = namespaces
    .filter((ns) => !ns.path)
    .reduce((f, ns) => f | (NAMESPACE_FLAGS[ns.type] ?? 0), 0);
  // Without a "mount" namespace the container inherits the runtime's. runc then makes
  // its mounts in it, and they stay in the host's mount table after the container has
  // gone; runt makes them in a private namespace and the process returns to the
  // runtime's one rooted in a detached copy of that tree (chrootClone).
  const hostMounts = !hasMountNamespace(spec);
  const unshareFlags = newFlags | (hostMounts ? CLONE.NEWNS : 0);

  // Joining cgroups and raising oom_score_adj need the host's privileges, so they
  // come before any namespace is entered.
  for (const file of input.cgroupProcs) {
    b.add("linux.cgroupsPath", { op: "write", path: file, content: "0", inRoot: false });
  }
  // process.execCPUAffinity is for exec'd processes only (runtime-spec); this one gets
  // every CPU of its cpuset, not runt's own affinity.
  b.addSteps([ALL_CPUS_STEP]);
  b.addSteps(oomScoreAdjSteps(proc));

  // The exec fifo is opened (O_PATH) while the init still has the host's mount
  // namespace and credentials: inside a new user namespace its root is an unmapped
  // uid that cannot search runt's 0700 state directory, and a joined mount namespace
  // may not have the path at all. The init reopens the fd for writing at `wait`.
  b.add("exec fifo", { op: "openFifo", path: input.fifoPath });
  // Bind sources, likewise: the user namespace's root may not reach them (runc opens
  // them with the host's credentials too). A helper forked now opens them once the
  // init is in the container's mount namespace (recvSources below).
  // The same helper makes idmapped mounts and moves network devices (helperOps).
  const userns = namespaces.some((ns) => ns.type === "user");
  const sources = userns ? bindSourcePaths(input) : [];
  const helper = sources.length > 0 || needsHelper(input);
  if (helper) b.add("mounts", { op: "bindSources", paths: sources });

  // The user namespace goes first, so that the others are owned by it.
  const joined = namespaces
    .map((ns, i) => ({ ns, i }))
    .filter(({ ns }) => ns.path)
    .sort((a, b2) => Number(b2.ns.type === "user") - Number(a.ns.type === "user"));
  for (const { ns, i } of joined) {
    b.add(`linux.namespaces[${i}]`, {
      op: "setns",
      path: ns.path as string,
      nstype: NAMESPACE_FLAGS[ns.type] ?? 0,
    });
    // Root of the joined namespace, as after unshare below (and as runc's nsexec does):
    // else the init stays an unmapped uid, and what it creates fails with EOVERFLOW.
    if (ns.type === "user")
      b.add(`linux.namespaces[${i}]`, { op: "user", uid: 0, gid: 0, groups: [] });
  }
  if (newFlags & CLONE.NEWUSER) {
    b.add(
      "linux.namespaces (user)",
      { op: "unshare", flags: CLONE.NEWUSER },
      { op: "sync", tag: "userns" },
      { op: "user", uid: 0, gid: 0, groups: [] },
    );
  }
  const rest = unshareFlags & ~CLONE.NEWUSER;
  if (rest) b.add("linux.namespaces", { op: "unshare", flags: rest });
  const offsets = linux.timeOffsets;
  if (offsets && newFlags & CLONE.NEWTIME) {
    const lines = Object.entries(offsets).map(
      ([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}`,
    );
    b.add("linux.timeOffsets", {
      op: "write",
      path: "/proc/self/timens_offsets",
      content: lines.join("\n"),
      inRoot: false,
    });
  }
  if (helper) b.add("mounts", { op: "recvSources" });
  // Once the container's network namespace exists and before its mounts, as runc does.
  b.addSteps(netDeviceSteps(spec));
  // The child of this fork is PID 1 of a new PID namespace.
  b.add("process", { op: "fork" }, { op: "setsid" });
  if (input.keyring) b.add("session keyring", { op: "keyring", name: input.keyring });
  // A new network namespace gets its lo up, as runc's init does next (its "loopback").
  if (newFlags & CLONE.NEWNET) b.add("linux.namespaces (network)", { op: "loopbackUp" });
  // Through the host's /proc, known to be procfs, before the image's can be mounted.
  b.addSteps(lsmOps(proc));

  const finishTree = () => {
    b.addSteps(terminalSteps(proc, true));
    b.addSteps(readonlyDevOps(input));
  };
  // Devices are bound from the host in a user namespace, the container's or the one
  // runt itself runs in (rootless podman's), where mknod is refused (runc does the same).
  for (const [note, op] of rootfsOps(input, userns || input.runtimeInUserns === true)) {
    // Hooks run after the environment is made and before pivot_root (runtime.md).
    if (op.op === "pivotRoot" || op.op === "chroot" || op.op === "chrootClone") {
      b.addSteps(createHookOps(spec));
    }
    if (op.op === "chrootClone") {
      // The copy cannot be changed once made: /dev/console, the read-only /dev and
      // the read-only root (flags of the root fd's mount, "/" in root) come first.
      finishTree();
      if (spec.root?.readonly) {
        b.add("root.readonly", {
          op: "setattr",
          target: "/",
          recursive: false,
          attrSet: MOUNT_ATTR.RDONLY,
          attrClr: 0,
          propagation: 0,
        });
      }
    }
    b.add(note, op);
  }
  if (!hostMounts) finishTree();

  if (spec.hostname !== undefined && newFlags & CLONE.NEWUTS) {
    b.add("hostname", { op: "hostname", name: spec.hostname });
  }
  if (spec.domainname !== undefined && newFlags & CLONE.NEWUTS) {
    b.add("domainname", { op: "domainname", name: spec.domainname });
  }
  // A real-time policy needs the cgroup's cpu.rt_runtime_us, a memory policy its
  // cpuset.mems: runt writes linux.resources once it has the pid; wait for that.
  if (proc.scheduler || linux.memoryPolicy) {
    b.add("linux.resources", { op: "sync", tag: RESOURCES_SYNC });
  }
  // Hooks: startContainer's state while runt create still listens, the hooks after
  // `start`, in the container.
  const { steps, warnings } = processSteps({
    process: proc,
    linux,
    seccomp: input.seccomp,
    preserveFds: input.preserveFds,
    start: { before: startHookStateOps(spec), after: startHookOps(spec) },
  });
  b.addSteps(steps);
  return b.done(warnings);
}
