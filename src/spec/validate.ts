// Hand-written validation of config.json (runs on every `create`, so no schema
// engine). It checks types, required fields, enumerations and the rules the spec
// states in prose, and stops at the first problem with a SpecError naming the field.
// Unknown fields are ignored, as the spec asks; the platform sections of other
// operating systems are not looked at.

import {
  absPath,
  arr,
  type Check,
  int,
  intOf,
  matching,
  nonEmptyStr,
  optBool,
  optEach,
  optIntOf,
  optList,
  optRecord,
  optStr,
  optStrArray,
  optStrMap,
  record,
  str,
} from "./check.ts";
import { type NamespaceType, RLIMIT_TYPES, type RlimitType } from "./enums.ts";
import { describe, fail, mismatch, SpecError } from "./errors.ts";
import { locateJsonError } from "./json-error.ts";
import type {
  Box,
  Hook,
  Hooks,
  LinuxCapabilities,
  LinuxResources,
  Mount,
  Process,
  Rlimit,
  Root,
  Spec,
  User,
} from "./types.ts";
import { checkIdmappedMounts } from "./validate-idmap.ts";
import { checkIdMapping, validateLinux } from "./validate-linux.ts";
import { validateResources } from "./validate-resources.ts";
import { checkCpuAffinity, checkIoPriority, checkScheduler } from "./validate-sched.ts";

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

const ignored: Check<unknown> = (value) => value;
const hookList: Check<Hook[] | undefined> = (v, p) => optEach(v, p, checkHook);

function checkSpec(value: unknown): ValidSpec {
  const spec = record<ValidSpec>(value, "", {
    ociVersion: (v, p) => matching(v, p, SEMVER_1, 'a 1.x SemVer version such as "1.3.0"'),
    root: (v, p) => record<Root>(v, p, { path: nonEmptyStr, readonly: optBool }),
    mounts: optList(checkMount),
    process: checkProcess,
    hostname: optStr,
    domainname: optStr,
    hooks: (v, p) =>
      optRecord<Hooks>(v, p, {
        prestart: hookList,
        createRuntime: hookList,
        createContainer: hookList,
        startContainer: hookList,
        poststart: hookList,
        poststop: hookList,
      }),
    annotations: optStrMap,
    linux: validateLinux,
    // Other platforms' sections are not looked at.
    solaris: ignored,
    windows: ignored,
    vm: ignored,
    zos: ignored,
    freebsd: ignored,
  });
  crossCheck(spec);
  return spec;
}

function checkMount(value: unknown, path: string): Mount {
  const m = record<Mount>(value, path, {
    // Linux accepts a relative destination (deprecated; it means relative to "/").
    destination: nonEmptyStr,
    source: optStr,
    type: optStr,
    options: optStrArray,
    uidMappings: optList(checkIdMapping),
    gidMappings: optList(checkIdMapping),
  });
  if (m.uidMappings !== undefined && m.gidMappings === undefined) {
    fail(`${path}.gidMappings`, "gidMappings alongside uidMappings", "nothing");
  }
  if (m.gidMappings !== undefined && m.uidMappings === undefined) {
    fail(`${path}.uidMappings`, "uidMappings alongside gidMappings", "nothing");
  }
  return m;
}

const ENV_ENTRY = /^[^=]+=/;

/**
 * A uid or gid the container's process gets: a uint32 in JSON, and at most 2^31-1 as
 * runc has it ("uids and gids must be in range 0-2147483647"); 4294967295 would be
 * -1 to setresuid, which changes nothing and leaves the process root.
 */
function userId(value: unknown, path: string): number {
  const id = int(value, path, "uint32");
  if (id > 2 ** 31 - 1) fail(path, "an id from 0 to 2147483647 (as runc)", String(id));
  return id;
}

const uint64 = intOf("uint64");
const _int32 = intOf("int32");
const _optInt32 = optIntOf("int32");
const _optUint64 = optIntOf("uint64");

function checkArgs(value: unknown, path: string): string[] {
  const args = arr(value, path);
  if (args.length === 0) fail(path, "at least one argument", "an empty array");
  return args.map((a, i) => str(a, `${path}[${i}]`));
}

const isRlimitType = (type: unknown): type is RlimitType =>
  typeof type === "string" && (RLIMIT_TYPES as readonly string[]).includes(type);

function checkRlimit(value: unknown, path: string): Rlimit {
  const r = record<Rlimit>(value, path, {
    type: (type, at) => {
      if (!isRlimitType(type)) mismatch(at, 'a Linux rlimit such as "RLIMIT_NOFILE"', type);
      return type;
    },
    soft: uint64,
    hard: uint64,
  });
  if (r.soft > r.hard) fail(`${path}.soft`, `at most hard (${r.hard})`, String(r.soft));
  return r;
}

function checkRlimits(value: unknown, path: string): Rlimit[] | undefined {
  const seen = new Set<string>();
  return optEach(value, path, (element, at) => {
    const r = checkRlimit(element, at);
    if (seen.has(r.type)) {
      fail(`${at}.type`, "each rlimit type once", `a second ${describe(r.type)}`);
    }
    seen.add(r.type);
    return r;
  });
}

function checkOomScoreAdj(oom: unknown, path: string): number | undefined {
  if (oom === undefined) return undefined;
  if (typeof oom !== "number" || !Number.isInteger(oom) || oom < -1000 || oom > 1000) {
    mismatch(path, "an integer from -1000 to 1000", oom);
  }
  return oom;
}

const capList = optList(str);

/** process, checked and typed (also `runt exec --process FILE`, at "process"). */
function checkProcess(value: unknown): Process {
  return record<Process>(value, "process", {
    terminal: optBool,
    consoleSize: (v, p) => optRecord<Box>(v, p, { height: uint64, width: uint64 }),
    user: (v, p) =>
      record<User>(v, p, {
        uid: userId,
        gid: userId,
        umask: optIntOf("uint32"),
        additionalGids: optList(userId),
        username: optStr,
      }),
    args: checkArgs,
    commandLine: optStr,
    env: optList((e, at) => matching(e, at, ENV_ENTRY, '"NAME=value"')),
    cwd: absPath,
    // Any name: one this kernel does not know is left out with a warning when the plan
    // is made (src/plan/process.ts), as runc ignores it.
    capabilities: (v, p) =>
      optRecord<LinuxCapabilities>(v, p, {
        bounding: capList,
        effective: capList,
        inheritable: capList,
        permitted: capList,
        ambient: capList,
      }),
    rlimits: checkRlimits,
    noNewPrivileges: optBool,
    apparmorProfile: optStr,
    selinuxLabel: optStr,
    oomScoreAdj: checkOomScoreAdj,
    ioPriority: checkIoPriority,
    scheduler: checkScheduler,
    execCPUAffinity: checkCpuAffinity,
  });
}

function checkHook(value: unknown, path: string): Hook {
  return record<Hook>(value, path, {
    path: absPath,
    args: optStrArray,
    env: optStrArray,
    timeout: (t, at) => {
      if (t === undefined) return undefined;
      if (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > 2 ** 31 - 1) {
        mismatch(at, "a whole number of seconds greater than 0", t);
      }
      return t;
    },
  });
}

/** Rules that tie top-level fields to linux ones. */
function crossCheck(spec: ValidSpec): void {
  const has = (type: NamespaceType) =>
    (spec.linux?.namespaces ?? []).some((ns) => ns.type === type);
  for (const field of ["hostname", "domainname"] as const) {
    const name = spec[field];
    if (name !== undefined && name !== "" && !has("uts")) {
      fail(field, `no ${field} without a "uts" namespace in linux.namespaces`, describe(name));
    }
  }
  checkIdmappedMounts(spec);
}
