// linux.netDevices: interface names the kernel can take (runc's devValidName, with
// the kernel's own length limit), a network namespace to move them into (runc: "unable
// to move network devices without a NET namespace"), and no two moved to one name.
import { optMap, optStr, record } from "./check.ts";
import { describe, fail } from "./errors.ts";
import type { Linux, LinuxNetDevice } from "./types.ts";

/** IFNAMSIZ less the NUL. */
const IFNAME_MAX = 15;

function checkName(name: string, path: string): void {
  if (name.length > IFNAME_MAX || name === "." || name === ".." || /[/:\s]/.test(name)) {
    fail(
      path,
      `an interface name of 1 to ${IFNAME_MAX} characters without "/", ":" or spaces, not "." or ".."`,
      describe(name),
    );
  }
}

export function checkNetDevices(
  value: unknown,
  path: string,
  linux: Linux,
): Record<string, LinuxNetDevice> | undefined {
  const targets = new Map<string, string>();
  const devices = optMap(value, path, (d, at, key) => {
    checkName(key, at);
    const dev = record<LinuxNetDevice>(d, at, { name: optStr });
    if (dev.name !== undefined && dev.name !== "") checkName(dev.name, `${at}.name`);
    const target = dev.name || key;
    const other = targets.get(target);
    // A "%d" template is numbered by the kernel, so it never clashes.
    if (other !== undefined && !target.includes("%d")) {
      fail(
        dev.name ? `${at}.name` : at,
        `a name no other device takes (${other} does)`,
        describe(target),
      );
    }
    targets.set(target, at);
    return dev;
  });
  if (devices && Object.keys(devices).length > 0) {
    const netns = (linux.namespaces ?? []).some((ns) => ns.type === "network");
    if (!netns) {
      fail(path, 'no devices to move without a "network" namespace in linux.namespaces', "some");
    }
  }
  return devices;
}
