// linux.intelRdt on this host, which has no resctrl (/sys/fs/resctrl absent): create
// refuses it before anything is made, naming the field and the missing filesystem.
// What runt writes on a host with resctrl is checked in test/unit/intel-rdt.test.ts.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import {
  cleanup,
  cleanupAll,
  makeBundle,
  newId,
  runt,
  STATE_ROOT,
  testSpec,
} from "../helpers/runt.ts";

afterEach(cleanup);
afterAll(cleanupAll);

const hasResctrl = existsSync("/sys/fs/resctrl/info");

test.if(!hasResctrl)(
  "create refuses linux.intelRdt: exit 1, the field, /sys/fs/resctrl, nothing left",
  () => {
    const id = newId("rdt");
    const spec = testSpec(["true"], (s) => {
      s.linux ??= {};
      s.linux.intelRdt = { closID: "gold", l3CacheSchema: "L3:0=f", enableMonitoring: true };
    });
    const r = runt(["create", "--bundle", makeBundle(spec), id]);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: "" });
    expect(r.stderr).toBe(
      "linux.intelRdt: Intel RDT needs the resctrl filesystem at /sys/fs/resctrl, which this host does not have (a CPU with RDT, then mount -t resctrl resctrl /sys/fs/resctrl); remove linux.intelRdt from config.json\n",
    );
    expect(runt(["state", id]).stderr).toContain("does not exist");
    expect(existsSync(STATE_ROOT) ? readdirSync(STATE_ROOT).filter((d) => d === id) : []).toEqual(
      [],
    );
  },
);
