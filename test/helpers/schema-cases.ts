// Configs the runtime-spec's config-schema.json rejects, each a small valid config
// broken in one field. The validator is stricter than the schema in places (prose
// rules), never looser: the unit tests check that validateConfig rejects every one
// (test/unit/spec-fixtures.test.ts), the conformance run that the schema does too
// (scripts/conformance.ts --suite schema).

// biome-ignore lint/suspicious/noExplicitAny: the cases poke at arbitrary JSON.
type Json = any;

/** A small valid config to break one field at a time (as test/unit/spec-helpers.ts's base). */
export function schemaBase(): Json {
  return {
    ociVersion: "1.3.0",
    root: { path: "rootfs" },
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" },
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }] },
  };
}

/** [what, how schemaBase() is broken]. */
export const SCHEMA_REJECTS: [string, (c: Json) => void][] = [
  ["no ociVersion", (c) => delete c.ociVersion],
  ["a numeric root.path", (c) => (c.root.path = 1)],
  ["no process.cwd", (c) => delete c.process.cwd],
  ["a negative uid", (c) => (c.process.user.uid = -1)],
  [
    "a lowercase rlimit",
    (c) => (c.process.rlimits = [{ type: "rlimit_nofile", soft: 1, hard: 1 }]),
  ],
  ["an rlimit without hard", (c) => (c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1 }])],
  ["an unknown namespace", (c) => c.linux.namespaces.push({ type: "net" })],
  ["a mount without destination", (c) => (c.mounts = [{ source: "/a" }])],
  ["a device of type x", (c) => (c.linux.devices = [{ type: "x", path: "/dev/x" }])],
  ["a hook without path", (c) => (c.hooks = { poststop: [{ args: [] }] })],
  ["a hook timeout of 0", (c) => (c.hooks = { poststop: [{ path: "/h", timeout: 0 }] })],
  [
    "a bad hugepage size",
    (c) => (c.linux.resources = { hugepageLimits: [{ pageSize: "2M", limit: 1 }] }),
  ],
  ["a bad seccomp action", (c) => (c.linux.seccomp = { defaultAction: "ALLOW" })],
  [
    "an empty syscall name list",
    (c) =>
      (c.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: [], action: "SCMP_ACT_LOG" }],
      }),
  ],
  ["a non-string annotation", (c) => (c.annotations = { a: 1 })],
  ["a non-string sysctl", (c) => (c.linux.sysctl = { "net.ipv4.ip_forward": 1 })],
  ["an oversized blkio weight", (c) => (c.linux.resources = { blockIO: { weight: 65536 } })],
  ["a bad memBwSchema", (c) => (c.linux.intelRdt = { memBwSchema: "L3:1" })],
  ["a bad scheduler flag", (c) => (c.process.scheduler = { policy: "SCHED_RR", flags: ["X"] })],
];

/** schemaBase() broken by one case. */
export function brokenConfig(mutate: (c: Json) => void): Json {
  const c = schemaBase();
  mutate(c);
  return c;
}
