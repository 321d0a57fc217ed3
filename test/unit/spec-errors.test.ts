// Every rejection of the top-level, process, mounts and hooks fields: exact path and message.
import { describe, test } from "bun:test";
import { expectRejected, type Json, U32, U64 } from "./spec-helpers.ts";

/** [field path, how to break the base config, expected detail]. */
const errors: [string, (c: Json) => void, string][] = [
  // top level
  [
    "ociVersion",
    (c) => delete c.ociVersion,
    'expected a 1.x SemVer version such as "1.3.0", got nothing',
  ],
  [
    "ociVersion",
    (c) => (c.ociVersion = "2.0.0"),
    'expected a 1.x SemVer version such as "1.3.0", got "2.0.0"',
  ],
  [
    "ociVersion",
    (c) => (c.ociVersion = "1.0"),
    'expected a 1.x SemVer version such as "1.3.0", got "1.0"',
  ],
  ["ociVersion", (c) => (c.ociVersion = 1), 'expected a 1.x SemVer version such as "1.3.0", got 1'],
  ["root", (c) => delete c.root, "expected an object, got nothing"],
  ["root", (c) => (c.root = null), "expected an object, got null"],
  ["root.path", (c) => (c.root.path = ""), 'expected a non-empty string, got ""'],
  ["root.readonly", (c) => (c.root.readonly = "yes"), 'expected a boolean, got "yes"'],
  ["hostname", (c) => (c.hostname = 5), "expected a string, got 5"],
  [
    "hostname",
    (c) => (c.hostname = "box"),
    'expected no hostname without a "uts" namespace in linux.namespaces, got "box"',
  ],
  [
    "domainname",
    (c) => (c.domainname = "x.test"),
    'expected no domainname without a "uts" namespace in linux.namespaces, got "x.test"',
  ],
  ["annotations", (c) => (c.annotations = []), "expected an object, got an empty array"],
  ["annotations.owner", (c) => (c.annotations = { owner: 1 }), "expected a string, got 1"],
  [
    'annotations["org.example.k"]',
    (c) => (c.annotations = { "org.example.k": true }),
    "expected a string, got true",
  ],
  ["annotations", (c) => (c.annotations = { "": "x" }), 'expected non-empty keys, got ""'],
  // process
  ["process", (c) => delete c.process, "expected an object, got nothing"],
  ["process.args", (c) => delete c.process.args, "expected an array, got nothing"],
  [
    "process.args",
    (c) => (c.process.args = []),
    "expected at least one argument, got an empty array",
  ],
  ["process.args[0]", (c) => (c.process.args = [5]), "expected a string, got 5"],
  [
    "process.args[1]",
    (c) => (c.process.args = ["a", "b\0c"]),
    'expected a string without NUL bytes, got "b\\u0000c"',
  ],
  ["process.cwd", (c) => delete c.process.cwd, "expected an absolute path, got nothing"],
  ["process.cwd", (c) => (c.process.cwd = "tmp"), 'expected an absolute path, got "tmp"'],
  ["process.env[1]", (c) => (c.process.env = ["A=1", "FOO"]), 'expected "NAME=value", got "FOO"'],
  ["process.env[0]", (c) => (c.process.env = ["=x"]), 'expected "NAME=value", got "=x"'],
  ["process.terminal", (c) => (c.process.terminal = "true"), 'expected a boolean, got "true"'],
  [
    "process.consoleSize.width",
    (c) => (c.process.consoleSize = { height: 1 }),
    `expected ${U64}, got nothing`,
  ],
  ["process.user", (c) => delete c.process.user, "expected an object, got nothing"],
  ["process.user.uid", (c) => (c.process.user.uid = -1), `expected ${U32}, got -1`],
  ["process.user.gid", (c) => (c.process.user.gid = 1.5), `expected ${U32}, got 1.5`],
  ["process.user.gid", (c) => (c.process.user.gid = 2 ** 32), `expected ${U32}, got 4294967296`],
  [
    "process.user.additionalGids[1]",
    (c) => (c.process.user.additionalGids = [1, "10"]),
    `expected ${U32}, got "10"`,
  ],
  [
    "process.capabilities.bounding[0]",
    (c) => (c.process.capabilities = { bounding: [7] }),
    "expected a string, got 7",
  ],
  [
    "process.user.uid",
    (c) => (c.process.user.uid = 4294967295),
    "expected an id from 0 to 2147483647 (as runc), got 4294967295",
  ],
  [
    "process.user.gid",
    (c) => (c.process.user.gid = 2 ** 31),
    "expected an id from 0 to 2147483647 (as runc), got 2147483648",
  ],
  [
    "process.user.additionalGids[0]",
    (c) => (c.process.user.additionalGids = [2 ** 31 + 5]),
    "expected an id from 0 to 2147483647 (as runc), got 2147483653",
  ],
  [
    "process.capabilities.ambient",
    (c) => (c.process.capabilities = { ambient: "CAP_KILL" }),
    'expected an array, got "CAP_KILL"',
  ],
  [
    "process.rlimits[0].type",
    (c) => (c.process.rlimits = [{ type: "RLIMIT_FOO", soft: 1, hard: 1 }]),
    'expected a Linux rlimit such as "RLIMIT_NOFILE", got "RLIMIT_FOO"',
  ],
  [
    "process.rlimits[1].type",
    (c) =>
      (c.process.rlimits = [
        { type: "RLIMIT_NOFILE", soft: 1, hard: 1 },
        { type: "RLIMIT_NOFILE", soft: 2, hard: 2 },
      ]),
    'expected each rlimit type once, got a second "RLIMIT_NOFILE"',
  ],
  [
    "process.rlimits[0].soft",
    (c) => (c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 20, hard: 10 }]),
    "expected at most hard (10), got 20",
  ],
  [
    "process.rlimits[0].hard",
    (c) => (c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 0, hard: -1 }]),
    `expected ${U64}, got -1`,
  ],
  [
    "process.oomScoreAdj",
    (c) => (c.process.oomScoreAdj = 1001),
    "expected an integer from -1000 to 1000, got 1001",
  ],
  [
    "process.ioPriority.class",
    (c) => (c.process.ioPriority = { class: "RT", priority: 0 }),
    'expected one of "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", got "RT"',
  ],
  [
    "process.ioPriority.priority",
    (c) => (c.process.ioPriority = { class: "IOPRIO_CLASS_BE" }),
    "expected an integer from -2147483648 to 2147483647, got nothing",
  ],
  [
    "process.scheduler.policy",
    (c) => (c.process.scheduler = {}),
    'expected one of "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", got nothing',
  ],
  [
    "process.execCPUAffinity.final",
    (c) => (c.process.execCPUAffinity = { final: "all" }),
    'expected a CPU list such as "0-3,7", got "all"',
  ],
  // mounts
  ["mounts", (c) => (c.mounts = {}), "expected an array, got an object"],
  [
    "mounts[1].destination",
    (c) => (c.mounts = [{ destination: "/a" }, {}]),
    "expected a string, got nothing",
  ],
  [
    "mounts[0].destination",
    (c) => (c.mounts = [{ destination: "" }]),
    'expected a non-empty string, got ""',
  ],
  [
    "mounts[0].options[1]",
    (c) => (c.mounts = [{ destination: "/a", options: ["ro", 7] }]),
    "expected a string, got 7",
  ],
  [
    "mounts[0].source",
    (c) => (c.mounts = [{ destination: "/a", source: null }]),
    "expected a string, got null",
  ],
  [
    "mounts[0].gidMappings",
    (c) =>
      (c.mounts = [{ destination: "/a", uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }]),
    "expected gidMappings alongside uidMappings, got nothing",
  ],
  [
    "mounts[0].options[1]",
    (c) => (c.mounts = [{ destination: "/a", source: "/b", options: ["bind", "idmap"] }]),
    'expected uidMappings and gidMappings on the mount or a "user" namespace for "idmap", got neither',
  ],
  // hooks
  [
    "hooks.prestart[0].path",
    (c) => (c.hooks = { prestart: [{ path: "hook" }] }),
    'expected an absolute path, got "hook"',
  ],
  [
    "hooks.poststop[0].timeout",
    (c) => (c.hooks = { poststop: [{ path: "/h", timeout: 0 }] }),
    "expected a whole number of seconds greater than 0, got 0",
  ],
  [
    "hooks.createRuntime",
    (c) => (c.hooks = { createRuntime: {} }),
    "expected an array, got an object",
  ],
];

describe("validateConfig rejects", () => {
  for (const [path, mutate, detail] of errors) {
    test(`${path}: ${detail}`, () => expectRejected(path, mutate, detail));
  }
});
