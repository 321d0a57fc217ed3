// Run by cgroups.test.ts inside `unshare -m` with cgroup2 mounted at
// /sys/fs/cgroup: exercises the v2 driver and prints what the kernel did as one
// JSON line. Argument: the test's /runt-test-* prefix.
import { closeSync, constants, existsSync, openSync, readFileSync } from "node:fs";
import { cgroupManager } from "../../src/cgroups/index.ts";
import { native } from "../../src/native.ts";
import { waitForSync } from "../helpers/harness.ts";

const prefix = process.argv[2] ?? "";
if (!prefix.startsWith("/runt-test-")) throw new Error("usage: cgroups-v2-child.ts /runt-test-...");

const out: Record<string, unknown> = {};
const mgr = cgroupManager({ id: "c1", path: `${prefix}/c1`, root: "/sys/fs/cgroup" });
out.mode = mgr.mode;
out.paths = mgr.paths;
const dir = mgr.paths.unified ?? "";
const joinScript = mgr
  .procsFiles()
  .map((f) => `echo 0 > ${f}`)
  .join("; ");

const waitFor = (cond: () => boolean) => waitForSync("the cgroup", cond, 3000);

try {
  mgr.create();
  // Deny all, runc's defaults; /dev/full named in linux.devices drops its default rule.
  mgr.applyDevices([{ allow: false, access: "rwm" }], [{ path: "/dev/full" }]);
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  out.attachedPrograms = native().bpfQueryDevice(fd).length;
  closeSync(fd);

  const probe = Bun.spawnSync([
    "sh",
    "-c",
    [
      joinScript,
      "if cat /dev/null; then echo NULL_OK; fi",
      "if head -c 1 /dev/zero >/dev/null; then echo ZERO_OK; fi",
      "if head -c 1 /dev/full >/dev/null; then echo FULL_OK; else echo FULL_DENIED; fi",
    ].join("\n"),
  ]);
  out.devices = probe.stdout.toString().trim().split("\n");
  out.devicesStderr = probe.stderr.toString();

  // SIGKILL goes through cgroup.kill.
  const sleeper = Bun.spawn(["sh", "-c", `${joinScript}; exec sleep 1000`]);
  waitFor(() => mgr.pids().length === 1);
  mgr.killAll();
  await sleeper.exited;
  out.killedBy = sleeper.signalCode;

  // Another signal goes through cgroup.freeze, and the cgroup is thawed after.
  const termed = Bun.spawn(["sh", "-c", `${joinScript}; exec sleep 1000`]);
  waitFor(() => mgr.pids().length === 1);
  mgr.killAll("SIGTERM");
  await termed.exited;
  out.termedBy = termed.signalCode;
  out.frozenAfterTerm = readFileSync(`${dir}/cgroup.freeze`, "utf8").trim();
  out.pidsAfter = mgr.pids();
} catch (e) {
  out.error = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
} finally {
  try {
    mgr.killAll();
    mgr.destroy();
  } catch (e) {
    out.destroyError = String(e);
  }
  out.leftover = existsSync(`/sys/fs/cgroup${prefix}`);
  console.log(JSON.stringify(out));
}
