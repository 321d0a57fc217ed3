// Validation of linux.resources (cgroup settings).

import {
  bool,
  type IntKind,
  int,
  matching,
  type Obj,
  obj,
  optBool,
  optEach,
  optInt,
  optMap,
  optObj,
  optOneOf,
  optStr,
  optStrMap,
  str,
} from "./check.ts";
import { fail } from "./errors.ts";

import type { LinuxResources } from "./types.ts";

export function validateResources(value: unknown, at: string): LinuxResources {
  const r = obj(value, at);

  optEach(r.devices, `${at}.devices`, (rule, path) => {
    const d = obj(rule, path);
    bool(d.allow, `${path}.allow`);
    optOneOf(d.type, `${path}.type`, ["a", "c", "b"]);
    optInt(d.major, `${path}.major`, "int64");
    optInt(d.minor, `${path}.minor`, "int64");
    // runc requires an access string ("device access at N field cannot be empty") and
    // takes any other: "r", "w" and "m" grant, every other letter means nothing ("rwa"
    // in runc's own update.bats is "rw").
    matching(d.access, `${path}.access`, /./, 'some of "r", "w" and "m" (runc needs one)');
  });

  const memory = optObj(r.memory, `${at}.memory`);
  if (memory) {
    ints(memory, `${at}.memory`, "int64", ["limit", "reservation", "swap", "kernel", "kernelTCP"]);
    optInt(memory.swappiness, `${at}.memory.swappiness`, "uint64");
    for (const key of ["disableOOMKiller", "useHierarchy", "checkBeforeUpdate"]) {
      optBool(memory[key], `${at}.memory.${key}`);
    }
  }

  const cpu = optObj(r.cpu, `${at}.cpu`);
  if (cpu) {
    ints(cpu, `${at}.cpu`, "uint64", ["shares", "burst", "period", "realtimePeriod"]);
    ints(cpu, `${at}.cpu`, "int64", ["quota", "realtimeRuntime", "idle"]);
    optStr(cpu.cpus, `${at}.cpu.cpus`);
    optStr(cpu.mems, `${at}.cpu.mems`);
  }

  const pids = optObj(r.pids, `${at}.pids`);
  if (pids) optInt(pids.limit, `${at}.pids.limit`, "int64");

  const blkio = optObj(r.blockIO, `${at}.blockIO`);
  if (blkio) checkBlockIO(blkio, `${at}.blockIO`);

  optEach(r.hugepageLimits, `${at}.hugepageLimits`, (value, path) => {
    const h = obj(value, path);
    matching(h.pageSize, `${path}.pageSize`, /^[1-9][0-9]*[KMG]B$/, 'a page size such as "2MB"');
    int(h.limit, `${path}.limit`, "uint64");
  });

  const net = optObj(r.network, `${at}.network`);
  if (net) {
    optInt(net.classID, `${at}.network.classID`, "uint32");
    optEach(net.priorities, `${at}.network.priorities`, (value, path) => {
      const p = obj(value, path);
      str(p.name, `${path}.name`);
      int(p.priority, `${path}.priority`, "uint32");
    });
  }

  optMap(r.rdma, `${at}.rdma`, (value, path) => {
    const d = obj(value, path);
    optInt(d.hcaHandles, `${path}.hcaHandles`, "uint32");
    optInt(d.hcaObjects, `${path}.hcaObjects`, "uint32");
    if (d.hcaHandles === undefined && d.hcaObjects === undefined) {
      fail(path, "hcaHandles or hcaObjects", "neither");
    }
  });

  optStrMap(r.unified, `${at}.unified`);
  return r as LinuxResources;
}

function ints(o: Obj, at: string, kind: IntKind, keys: string[]): void {
  for (const key of keys) optInt(o[key], `${at}.${key}`, kind);
}

const THROTTLES = [
  "throttleReadBpsDevice",
  "throttleWriteBpsDevice",
  "throttleReadIOPSDevice",
  "throttleWriteIOPSDevice",
];

function checkBlockIO(b: Obj, at: string): void {
  optInt(b.weight, `${at}.weight`, "uint16");
  optInt(b.leafWeight, `${at}.leafWeight`, "uint16");
  optEach(b.weightDevice, `${at}.weightDevice`, (value, path) => {
    const d = obj(value, path);
    int(d.major, `${path}.major`, "int64");
    int(d.minor, `${path}.minor`, "int64");
    optInt(d.weight, `${path}.weight`, "uint16");
    optInt(d.leafWeight, `${path}.leafWeight`, "uint16");
    if (d.weight === undefined && d.leafWeight === undefined) {
      fail(path, "weight or leafWeight", "neither");
    }
  });
  for (const key of THROTTLES) {
    optEach(b[key], `${at}.${key}`, (value, path) => {
      const d = obj(value, path);
      int(d.major, `${path}.major`, "int64");
      int(d.minor, `${path}.minor`, "int64");
      int(d.rate, `${path}.rate`, "uint64");
    });
  }
}
