// spec -> InitPlan. All ordering decisions live here: what runs before the user
// namespace exists, what the PID-1 child does, and in which order mounts, devices,
// pivot_root and the credential switch happen.
import { CLONE, MOUNT_ATTR, NAMESPACE_FLAGS } from "./constants.ts";
import { createHookOps, startHookOps, startHookStateOps } from "./hooks.ts";
import { type CompiledPlan, type CompileInput, PLAN_VERSION, PlanBuilder } from "./plan.ts";
import { capabilityMask, capsOp, rlimitOps } from "./process.ts";
import { bindSourcePaths, hasMountNamespace, readonlyDevOps, rootfsOps } from "./rootfs.ts";
import { lsmOps, seccompOp } from "./security.ts";

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
  if (proc.oomScoreAdj !== undefined) {
    b.add("process.oomScoreAdj", {
      op: "write",
      path: "/proc/self/oom_score_adj",
      content: String(proc.oomScoreAdj),
      inRoot: false,
    });
  }

  // The exec fifo is opened (O_PATH) while the init still has the host's mount
  // namespace and credentials: inside a new user namespace its root is an unmapped
  // uid that cannot search runt's 0700 state directory, and a joined mount namespace
  // may not have the path at all. The init reopens the fd for writing at `wait`.
  b.add("exec fifo", { op: "openFifo", path: input.fifoPath });
  // Bind sources, likewise: the user namespace's root may not reach them (runc opens
  // them with the host's credentials too). A helper forked now opens them once the
  // init is in the container's mount namespace (recvSources below).
  const userns = namespaces.some((ns) => ns.type === "user");
  const sources = userns ? bindSourcePaths(input) : [];
  if (sources.length) b.add("mounts", { op: "bindSources", paths: sources });

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
  if (sources.length) b.add("mounts", { op: "recvSources" });
  // The child of this fork is PID 1 of a new PID namespace.
  b.add("process", { op: "fork" }, { op: "setsid" });
  if (input.keyring) b.add("session keyring", { op: "keyring", name: input.keyring });
  // Through the host's /proc, known to be procfs, before the image's can be mounted.
  for (const [note, op] of lsmOps(proc)) b.add(note, op);

  const finishTree = () => {
    if (proc.terminal) {
      b.add("process.terminal", {
        op: "pty",
        rows: proc.consoleSize?.height ?? 0,
        cols: proc.consoleSize?.width ?? 0,
        uid: proc.user?.uid ?? 0,
        console: true,
      });
    }
    for (const [note, op] of readonlyDevOps(input)) b.add(note, op);
  };
  for (const [note, op] of rootfsOps(input, userns)) {
    // Hooks run after the environment is made and before pivot_root (runtime.md).
    if (op.op === "pivotRoot" || op.op === "chroot" || op.op === "chrootClone") {
      for (const [hookNote, hookOp] of createHookOps(spec)) b.add(hookNote, hookOp);
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
  for (const [i, op] of rlimitOps(proc.rlimits ?? []).entries()) {
    b.add(`process.rlimits[${i}]`, op);
  }
  b.add("process.cwd", { op: "chdir", path: proc.cwd });
  const user = proc.user ?? { uid: 0, gid: 0 };
  b.add("process.user.umask", { op: "umask", mask: user.umask ?? 0o022 });

  const caps = proc.capabilities ?? {};
  b.add("process.capabilities.bounding", {
    op: "capBounding",
    mask: capabilityMask(caps.bounding),
  });
  const nnp = proc.noNewPrivileges === true;
  const sec = input.seccomp;
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the switch, as runc.
  if (sec && !nnp) b.add("linux.seccomp", seccompOp(sec, false));
  b.add("process.user", {
    op: "user",
    uid: user.uid,
    gid: user.gid,
    groups: user.additionalGids ?? [],
  });
  const capSet = capsOp(caps);
  b.add("process.capabilities", capSet.op);
  if (proc.noNewPrivileges) b.add("process.noNewPrivileges", { op: "noNewPrivs" });
  for (const [note, op] of startHookStateOps(spec)) b.add(note, op);
  // A listener fd must reach runt while `create` still listens: before `wait`.
  if (sec && nnp && sec.notify) b.add("linux.seccomp", seccompOp(sec, false));
  b.add("process.args", { op: "wait" });
  // Otherwise as late as possible: runt-init loads it right before execve. But
  // startContainer hooks run confined by it (runc loads the filter first): then it
  // is loaded here, and the ops after it (hook, exec) survive a filter that refuses
  // close_range or faccessat2.
  const startHooks = startHookOps(spec);
  if (sec && nnp && !sec.notify) b.add("linux.seccomp", seccompOp(sec, startHooks.length === 0));
  for (const [note, op] of startHooks) b.add(note, op);
  b.add("process.args", {
    op: "exec",
    args: proc.args ?? [],
    env: proc.env ?? [],
    closeFrom: 3 + input.preserveFds,
  });
  return { version: PLAN_VERSION, ops: b.ops, notes: b.notes, warnings: capSet.warnings };
}
