// Hand-written validation of config.json (runs on every `create`, so no schema
// engine). It checks types, required fields, enumerations and the rules the spec
// states in prose, and stops at the first problem with a SpecError naming the field.
// Unknown fields are ignored, as the spec asks; the platform sections of other
// operating systems are not looked at.

import {
  absPath,
  arr,
  int,
  matching,
  nonEmptyStr,
  type Obj,
  obj,
  oneOf,
  optBool,
  optEach,
  optInt,
  optMatching,
  optObj,
  optStr,
  optStrArray,
  optStrMap,
  str,
} from "./check.ts";
import {
  HOOK_NAMES,
  IOPRIO_CLASSES,
  RLIMIT_TYPES,
  SCHEDULER_FLAGS,
  SCHEDULER_POLICIES,
} from "./enums.ts";
import { describe, fail, mismatch, SpecError } from "./errors.ts";
import { locateJsonError } from "./json-error.ts";
import type { LinuxResources, Process, Root, Spec } from "./types.ts";
import { checkIdMapping, namespaceOf, validateLinux } from "./validate-linux.ts";
import { validateResources } from "./validate-resources.ts";

// Also importable from here: the error class and the refusal of unsupported fields.
export { SpecError } from "./errors.ts";
export { refuseUnsupported } from "./unsupported.ts";

/** A Spec that passed validateConfig: root and process are present. */
export type ValidSpec = Spec & { root: Root; process: Process };

/**
 * JSON.parse of a file runt reads (config.json, update -r, exec --process); text that
 * is not JSON is a SpecError naming `file` and the line and column.
 */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text);
    const detail = at
      ? `invalid JSON at line ${at.line}, column ${at.column}: unexpected ${at.found}`
      : `invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
    throw new SpecError("", detail, file);
  }
}

/** Parses and validates the text of a config.json; `file` prefixes error messages. */
export function parseConfig(text: string, file: string): ValidSpec {
  return validateConfig(parseJson(text, file), file);
}

/**
 * Checks a parsed config.json and returns it typed (the same object, not a copy).
 * Throws SpecError on the first problem; `file` prefixes its message.
 */
export function validateConfig(value: unknown, file = "config.json"): ValidSpec {
  try {
    return checkSpec(value);
  } catch (e) {
    throw e instanceof SpecError ? e.inFile(file) : e;
  }
}

/**
 * A linux.resources object on its own (`runt update -r FILE`), checked as in a
 * config.json; paths are the file's own ("memory.limit"), after `file`.
 */
export function validateResourcesFile(value: unknown, file: string): LinuxResources {
  return asDocument("linux.resources", file, () => validateResources(value, "linux.resources"));
}

/**
 * A process object on its own (`runt exec --process FILE`), checked as the process of
 * a config.json; paths are the file's own ("args", "user.uid"), after `file`.
 */
export function validateProcessFile(value: unknown, file: string): Process {
  return asDocument("process", file, () => checkProcess(value));
}

/** Runs a check written for the field at `prefix` of a config.json on a document of its
 * own: a SpecError's path loses the prefix and names `file`. */
function asDocument<T>(prefix: string, file: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    let path = e.path;
    if (path === prefix) path = "";
    else if (path.startsWith(`${prefix}.`)) path = path.slice(prefix.length + 1);
    else if (path.startsWith(`${prefix}[`)) path = path.slice(prefix.length);
    throw new SpecError(path, e.detail, file);
  }
}

// SemVer 2.0.0 with major version 1 (pre-release and build parts allowed).
const IDENT = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const SEMVER_1 = new RegExp(
  `^1\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)(?:-${IDENT}(?:\\.${IDENT})*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`,
);

function checkSpec(value: unknown): ValidSpec {
  const spec = obj(value, "");
  matching(spec.ociVersion, "ociVersion", SEMVER_1, 'a 1.x SemVer version such as "1.3.0"');

  const root = obj(spec.root, "root");
  nonEmptyStr(root.path, "root.path");
  optBool(root.readonly, "root.readonly");

  optEach(spec.mounts, "mounts", checkMount);
  checkProcess(spec.process);
  optStr(spec.hostname, "hostname");
  optStr(spec.domainname, "domainname");

  const hooks = optObj(spec.hooks, "hooks");
  if (hooks) for (const name of HOOK_NAMES) optEach(hooks[name], `hooks.${name}`, checkHook);
  optStrMap(spec.annotations, "annotations");

  const linux = optObj(spec.linux, "linux");
  if (linux) validateLinux(linux);
  crossCheck(spec, linux);
  return spec as unknown as ValidSpec;
}

function checkMount(value: unknown, path: string): void {
  const m = obj(value, path);
  // Linux accepts a relative destination (deprecated; it means relative to "/").
  nonEmptyStr(m.destination, `${path}.destination`);
  optStr(m.source, `${path}.source`);
  optStr(m.type, `${path}.type`);
  optStrArray(m.options, `${path}.options`);
  optEach(m.uidMappings, `${path}.uidMappings`, checkIdMapping);
  optEach(m.gidMappings, `${path}.gidMappings`, checkIdMapping);
  if (m.uidMappings !== undefined && m.gidMappings === undefined) {
    fail(`${path}.gidMappings`, "gidMappings alongside uidMappings", "nothing");
  }
  if (m.gidMappings !== undefined && m.uidMappings === undefined) {
    fail(`${path}.uidMappings`, "uidMappings alongside gidMappings", "nothing");
  }
}

const ENV_ENTRY = /^[^=]+=/;
const CPU_LIST = /^[0-9, -]*$/;
const CAPABILITY_SETS = ["bounding", "effective", "inheritable", "permitted", "ambient"] as const;

/**
 * A uid or gid the container's process gets: a uint32 in JSON, and at most 2^31-1 as
 * runc has it ("uids and gids must be in range 0-2147483647"); 4294967295 would be
 * -1 to setresuid, which changes nothing and leaves the process root.
 */
function userId(value: unknown, path: string): void {
  const id = int(value, path, "uint32");
  if (id > 2 ** 31 - 1) fail(path, "an id from 0 to 2147483647 (as runc)", String(id));
}

function checkProcess(value: unknown): Process {
  const p = obj(value, "process");
  optBool(p.terminal, "process.terminal");
  const box = optObj(p.consoleSize, "process.consoleSize");
  if (box) {
    int(box.height, "process.consoleSize.height", "uint64");
    int(box.width, "process.consoleSize.width", "uint64");
  }

  const user = obj(p.user, "process.user");
  userId(user.uid, "process.user.uid");
  userId(user.gid, "process.user.gid");
  optInt(user.umask, "process.user.umask", "uint32");
  optEach(user.additionalGids, "process.user.additionalGids", userId);
  optStr(user.username, "process.user.username");

  const args = arr(p.args, "process.args");
  if (args.length === 0) fail("process.args", "at least one argument", "an empty array");
  for (const [i, a] of args.entries()) str(a, `process.args[${i}]`);
  optStr(p.commandLine, "process.commandLine");
  optEach(p.env, "process.env", (e, at) => matching(e, at, ENV_ENTRY, '"NAME=value"'));
  absPath(p.cwd, "process.cwd");

  // Any name: one this kernel does not know is left out with a warning when the plan
  // is made (src/plan/process.ts), as runc ignores it.
  const caps = optObj(p.capabilities, "process.capabilities");
  if (caps) {
    for (const set of CAPABILITY_SETS) optEach(caps[set], `process.capabilities.${set}`, str);
  }

  const seen = new Set<string>();
  optEach(p.rlimits, "process.rlimits", (value, path) => {
    const r = obj(value, path);
    const type = r.type;
    if (typeof type !== "string" || !(RLIMIT_TYPES as readonly string[]).includes(type)) {
      mismatch(`${path}.type`, 'a Linux rlimit such as "RLIMIT_NOFILE"', type);
    }
    if (seen.has(type)) fail(`${path}.type`, "each rlimit type once", `a second ${describe(type)}`);
    seen.add(type);
    const soft = int(r.soft, `${path}.soft`, "uint64");
    const hard = int(r.hard, `${path}.hard`, "uint64");
    if (soft > hard) fail(`${path}.soft`, `at most hard (${hard})`, String(soft));
  });

  optBool(p.noNewPrivileges, "process.noNewPrivileges");
  optStr(p.apparmorProfile, "process.apparmorProfile");
  optStr(p.selinuxLabel, "process.selinuxLabel");
  const oom = p.oomScoreAdj;
  if (
    oom !== undefined &&
    (!Number.isInteger(oom) || (oom as number) < -1000 || (oom as number) > 1000)
  ) {
    mismatch("process.oomScoreAdj", "an integer from -1000 to 1000", oom);
  }

  const io = optObj(p.ioPriority, "process.ioPriority");
  if (io) {
    oneOf(io.class, "process.ioPriority.class", IOPRIO_CLASSES);
    int(io.priority, "process.ioPriority.priority", "int32");
  }

  const sched = optObj(p.scheduler, "process.scheduler");
  if (sched) {
    const at = "process.scheduler";
    oneOf(sched.policy, `${at}.policy`, SCHEDULER_POLICIES);
    optInt(sched.nice, `${at}.nice`, "int32");
    optInt(sched.priority, `${at}.priority`, "int32");
    optEach(sched.flags, `${at}.flags`, (f, path) => oneOf(f, path, SCHEDULER_FLAGS));
    for (const key of ["runtime", "deadline", "period"])
      optInt(sched[key], `${at}.${key}`, "uint64");
  }

  const affinity = optObj(p.execCPUAffinity, "process.execCPUAffinity");
  if (affinity) {
    const what = 'a CPU list such as "0-3,7"';
    optMatching(affinity.initial, "process.execCPUAffinity.initial", CPU_LIST, what);
    optMatching(affinity.final, "process.execCPUAffinity.final", CPU_LIST, what);
  }
  return p as unknown as Process;
}

function checkHook(value: unknown, path: string): void {
  const h = obj(value, path);
  absPath(h.path, `${path}.path`);
  optStrArray(h.args, `${path}.args`);
  optStrArray(h.env, `${path}.env`);
  const t = h.timeout;
  if (
    t !== undefined &&
    (!Number.isInteger(t) || (t as number) < 1 || (t as number) > 2 ** 31 - 1)
  ) {
    mismatch(`${path}.timeout`, "a whole number of seconds greater than 0", t);
  }
}

const IDMAP_OPTIONS = ["idmap", "ridmap"];

/** Rules that tie top-level fields to linux ones. */
function crossCheck(spec: Obj, linux: Obj | undefined): void {
  for (const field of ["hostname", "domainname"]) {
    const name = spec[field];
    if (typeof name === "string" && name !== "" && !namespaceOf(linux, "uts")) {
      fail(field, `no ${field} without a "uts" namespace in linux.namespaces`, describe(name));
    }
  }
  const mounts = spec.mounts as unknown[] | undefined;
  if (!mounts || namespaceOf(linux, "user")) return;
  mounts.forEach((value, i) => {
    const m = value as Obj;
    if (m.uidMappings !== undefined) return;
    const options = (m.options ?? []) as string[];
    const k = options.findIndex((o) => IDMAP_OPTIONS.includes(o));
    if (k >= 0) {
      fail(
        `mounts[${i}].options[${k}]`,
        `uidMappings and gidMappings on the mount or a "user" namespace for ${describe(options[k])}`,
        "neither",
      );
    }
  });
}
