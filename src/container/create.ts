// `create`: everything that can fail on bad input fails before anything exists on
// the host; after the state directory is claimed, every failure undoes what was made.
import { chmodSync, closeSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { type CgroupManager, cgroupManager } from "../cgroups/index.ts";
import { cgroupJoin } from "../cgroups/join.ts";
import { errnoCode, RuntError } from "../errors.ts";
import { native } from "../native.ts";
import { compilePlan } from "../plan/compile.ts";
import { RUNTIME_HOOKS_SYNC } from "../plan/hooks.ts";
import { hostSelinuxEnabled } from "../plan/security.ts";
import { type CompiledSeccomp, compileSeccomp } from "../seccomp/compile.ts";
import type { Spec } from "../spec/types.ts";
import { parseConfig, refuseUnsupported, validateConfig } from "../spec/validate.ts";
import { stdio } from "../stdio.ts";
import { hookStateJson, runHooks } from "./hooks.ts";
import { runInit } from "./init-process.ts";
import { applyRdt, checkIntelRdt, destroyRdt, rdtPlan } from "./intel-rdt.ts";
import { writePidFile } from "./pidfile.ts";
import { inUserNamespace, rootlessEuid } from "./rootless.ts";
import { checkRootlessMappings, ownCgroupSources, rootlessCgroupCheck } from "./rootless-create.ts";
import { parentMount } from "./shared-mount.ts";
import { processStartTime, StateDir, type StoredState } from "./state.ts";
import { type ConsoleOptions, checkTerminal, onConsole, saveConfig } from "./terminal.ts";

export interface CreateOptions {
  /** State root (runc's --root); default /run/runt. */
  root: string;
  id: string;
  /** Bundle directory; config.json is read from it unless `spec` is given. */
  bundle: string;
  /** An in-memory config instead of <bundle>/config.json. */
  spec?: Spec;
  pidFile?: string;
  preserveFds?: number;
  noPivot?: boolean;
  /** Keep the caller's session keyring instead of joining a new one, as runc's flag. */
  noNewKeyring?: boolean;
  /** Where --debug messages go (seccomp names skipped, the program cache). */
  debug?: (msg: string) => void;
  /** Where warnings go (ambient caps the kernel cannot raise); default stderr. */
  warn?: (msg: string) => void;
  /** With process.terminal: where the pty master goes (console socket, or kept). */
  console?: ConsoleOptions;
  /**
   * runc's --rootless: cgroups this user cannot write are skipped when
   * linux.cgroupsPath is not set, and device rules are best effort.
   */
  rootlessCgroups?: boolean;
}

export function loadSpec(bundle: string): Spec {
  const file = resolve(bundle, "config.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const why = errnoCode(e) === "ENOENT" ? "not found" : (e as Error).message;
    throw new RuntError(`${file}: ${why}; pass the bundle directory with --bundle`);
  }
  return parseConfig(text, file);
}

function statSource(path: string): "dir" | "file" | null {
  try {
    return statSync(path).isDirectory() ? "dir" : "file";
  } catch {
    return null;
  }
}

/** The name of a uid as /etc/passwd gives it, as runc shows the owner; else the number. */
function ownerName(uid: number): string {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (f[2] === String(uid) && f[0]) return f[0];
    }
  } catch {
    // No passwd file: the number is all there is.
  }
  return String(uid);
}

/** linux.seccomp compiled (or taken from the cache under the state root). */
function linuxSeccomp(spec: Spec, opts: CreateOptions): CompiledSeccomp | undefined {
  const s = spec.linux?.seccomp;
  if (!s) return undefined;
  return compileSeccomp(s, { cacheDir: join(resolve(opts.root), "@seccomp"), debug: opts.debug });
}

/** SCMP_ACT_NOTIFY: the listener fd and the container process state go to listenerPath. */
function sendSeccompFd(spec: Spec, state: StoredState, fd: number, pid: number): void {
  const s = spec.linux?.seccomp;
  if (!s?.listenerPath) return; // the spec: ignored without a listener
  const msg = {
    ociVersion: spec.ociVersion,
    fds: ["seccompFd"],
    pid,
    ...(s.listenerMetadata !== undefined ? { metadata: s.listenerMetadata } : {}),
    state: {
      ociVersion: spec.ociVersion,
      id: state.id,
      status: "creating",
      pid,
      bundle: state.bundle,
      annotations: state.annotations,
    },
  };
  try {
    native().sendFdToSocket(s.listenerPath, fd, JSON.stringify(msg));
  } catch (e) {
    throw new RuntError(
      `linux.seccomp.listenerPath: sending the seccomp fd to ${s.listenerPath}: ${(e as Error).message}; start the seccomp agent first`,
    );
  }
}

/** Creates the container and leaves its init blocked on the exec fifo. Returns its state. */
export function createContainer(opts: CreateOptions): {
  dir: StateDir;
  state: StoredState;
  consoleFd?: number;
} {
  const dir = new StateDir(opts.root, opts.id);
  const bundle = resolve(opts.bundle);
  // An in-memory spec is checked as a config.json is; its errors name CreateOptions.spec.
  const spec = opts.spec ? validateConfig(opts.spec, "CreateOptions.spec") : loadSpec(bundle);
  refuseUnsupported(spec);
  checkTerminal(spec, opts.console);
  if (!spec.root) throw new RuntError("config.json: root: required on Linux");
  const rootfs = isAbsolute(spec.root.path) ? spec.root.path : resolve(bundle, spec.root.path);
  if (statSource(rootfs) !== "dir") {
    throw new RuntError(`root.path: ${rootfs} is not a directory; create the rootfs first`);
  }
  const cgroups = cgroupManager({ path: spec.linux?.cgroupsPath ?? "", id: opts.id });
  const uncgrouped = opts.rootlessCgroups ? rootlessCgroupCheck(spec, cgroups, opts.debug) : [];
  if (rootlessEuid()) checkRootlessMappings(spec);
  const selinux = hostSelinuxEnabled();
  const preserveFds = opts.preserveFds ?? 0;
  const join = cgroupJoin(cgroups.procsFiles());
  const plan = (() => {
    try {
      return compilePlan({
        spec,
        rootfs,
        bundle,
        fifoPath: dir.fifo,
        noPivot: opts.noPivot ?? false,
        keyring: opts.noNewKeyring ? undefined : `_ses.${opts.id}`,
        preserveFds,
        cgroupProcs: join.files,
        cgroupMounts: [...cgroups.mountSources(), ...ownCgroupSources(cgroups.mode, uncgrouped)],
        statSource,
        parentMount,
        seccomp: linuxSeccomp(spec, opts),
        selinux,
        runtimeInUserns: inUserNamespace(),
      });
    } catch (e) {
      throw e instanceof RuntError ? e : new RuntError(`config.json: ${(e as Error).message}`);
    }
  })();

  const warn = opts.warn ?? ((m: string) => stdio.err(`runt: warning: ${m}\n`));
  for (const w of plan.warnings) warn(w);
  if (spec.linux?.mountLabel && !selinux) {
    opts.debug?.(
      "linux.mountLabel: SELinux is not enabled on this host; ignored, as crun does (the kernel would refuse context=)",
    );
  }
  checkExistingCgroup(cgroups, warn);
  const rdt = spec.linux?.intelRdt;
  if (rdt) checkIntelRdt(rdt, readFileSync("/proc/self/mountinfo", "utf8"));
  dir.claim();
  let consoleFd: number | undefined;
  const state: StoredState = {
    ociVersion: spec.ociVersion,
    id: opts.id,
    bundle,
    rootfs,
    pid: 0,
    pidStartTime: "",
    phase: "creating",
    creator: { pid: process.pid, startTime: processStartTime(process.pid) ?? "" },
    created: new Date().toISOString(),
    owner: ownerName(process.getuid?.() ?? 0),
    annotations: spec.annotations ?? {},
    cgroup: cgroups.toJSON(),
    ...(opts.rootlessCgroups ? { rootless: true } : {}),
  };
  try {
    dir.write(state);
    saveConfig(dir.dir, spec);
    // Writable by the container's user, whoever that is; only runt can read it.
    native().mkfifo(dir.fifo, 0o622);
    chmodSync(dir.fifo, 0o622);
    cgroups.create();
    state.cgroup = cgroups.toJSON();
    dir.write(state);
    try {
      cgroups.applyDevices(spec.linux?.resources?.devices ?? [], spec.linux?.devices ?? []);
    } catch (e) {
      // runc: "errors from the device subsystem are ignored" when rootless; the
      // user namespace keeps the container from making device nodes anyway.
      if (!opts.rootlessCgroups) throw e;
      opts.debug?.(`rootless: device cgroup rules not applied: ${(e as Error).message}`);
    }
    const linux = spec.linux ?? {};
    state.pid = runInit(plan, preserveFds, {
      uidMappings: linux.uidMappings ?? [],
      gidMappings: linux.gidMappings ?? [],
      spawnInCgroup: join.spawnIn,
      rootless: rootlessEuid(),
      onSeccompFd: (fd, pid) => sendSeccompFd(spec, state, fd, pid),
      onPid: (pid) => {
        state.pid = pid;
        state.pidStartTime = processStartTime(pid) ?? "";
        // The other limits once the init's setup process has forked PID 1 and
        // exited (runInit reaps it first), as runc sets them once its init is in
        // place: pids.max = 1 leaves room for the container's one process then.
        // It is still before the prestart hooks. A refused limit is undone by
        // destroy() from this in-memory state, which has the pid already.
        cgroups.applyResources(spec.linux?.resources);
        state.cgroup = cgroups.toJSON();
        if (rdt) state.intelRdt = applyRdt(rdtPlan(rdt, opts.id), pid);
        dir.write(state);
      },
      // The other sync (RESOURCES_SYNC) only waits for onPid's limits, already written.
      onSync: (tag) => {
        if (tag === RUNTIME_HOOKS_SYNC) runHooks(spec, ["prestart", "createRuntime"], state);
      },
      stateJson: (status) => hookStateJson({ ...state, status }),
      onPty: (fd) => {
        consoleFd = onConsole(fd, opts.console);
      },
      // The one way the init stops for good without a word: its cgroup frozen under
      // it after the check before create (by a pause of a container sharing it).
      onSilence: (seconds) => {
        const frozen = cgroups.existing().frozen;
        if (frozen) {
          throw new RuntError(
            `container's cgroup unexpectedly frozen while runt-init set it up (silent for ${seconds} s): ${frozen}; thaw it and run again`,
          );
        }
      },
    });
    state.phase = "created";
    dir.write(state);
    if (opts.pidFile) writePidFile(opts.pidFile, state.pid);
    return { dir, state, consoleFd };
  } catch (e) {
    if (consoleFd !== undefined) closeSync(consoleFd);
    destroy(dir, state, cgroups);
    throw e;
  }
}

/**
 * runc's checks of a cgroup that exists already: an init joining a frozen one
 * would stop there, so refuse; processes in it only earn a warning (runc 1.1).
 */
function checkExistingCgroup(cgroups: CgroupManager, warn: (msg: string) => void): void {
  const { pids, procsFile, frozen } = cgroups.existing();
  if (frozen) {
    throw new RuntError(
      `container's cgroup unexpectedly frozen: ${frozen}; thaw it (or choose another linux.cgroupsPath) and create the container again`,
    );
  }
  if (pids.length > 0) {
    warn(
      `container's cgroup is not empty: ${pids.length} process(es) found in ${procsFile}; running a container in a non-empty cgroup is deprecated (runc 1.2 refuses it)`,
    );
  }
}

/** Kills whatever the container still runs, then removes its cgroup and state. */
export function destroy(dir: StateDir, state: StoredState, cgroups: CgroupManager): void {
  if (state.pid && processStartTime(state.pid) === state.pidStartTime) {
    try {
      process.kill(state.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  try {
    cgroups.killAll(9);
    cgroups.destroy();
    destroyRdt(state.intelRdt);
  } finally {
    dir.remove();
  }
}
