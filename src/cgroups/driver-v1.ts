// The cgroupfs driver for v1 and hybrid hosts (runc's libcontainer/cgroups/fs):
// a directory in every mounted controller hierarchy plus name=systemd (see
// mode.ts), and on hybrid also one in the cgroup2 hierarchy, as runc does, so
// the container's processes are not left in their creator's v2 cgroup there.
// Each linux.resources setting goes to its controller's hierarchy;
// linux.resources.unified goes to the cgroup2 one (hybrid only).
import { basename } from "node:path";
import type { LinuxResources } from "../spec/types.ts";
import type { DeviceState } from "./devices.ts";
import type { CgroupDir, CgroupMountSource } from "./driver.ts";
import { CgroupfsDriver, frozenUpwards, noFreezer } from "./driver-cgroupfs.ts";
import { v1Writes, v2Writes } from "./resources.ts";
import { parseKeyValues, type Stats, v1Stats } from "./stats.ts";
import { CgroupError, readOptional } from "./util.ts";
import {
  v1ApplyDevices,
  v1Freeze,
  v1FreezeChecked,
  v1FreezerState,
  v1FrozenFile,
  v1InitCpuset,
  v1Thaw,
} from "./v1-files.ts";
import { planV2, v2FrozenFile, v2Kill } from "./v2-files.ts";
import { checkBeforeUpdate, execute, type Planned } from "./write-plan.ts";

export class V1Driver extends CgroupfsDriver {
  private controller(name: string): CgroupDir | undefined {
    return this.dirs.find((d) => d.controllers.includes(name));
  }

  /** The cgroup2 hierarchy's directory (hybrid only). */
  private unified(): CgroupDir | undefined {
    return this.dirs.find((d) => d.kind === "v2");
  }

  protected override prepareDir(d: CgroupDir): void {
    if (d.controllers.includes("cpuset")) v1InitCpuset(d.mountpoint, d.dir);
  }

  protected frozenFile(): string | null {
    let frozen: string | null = null;
    for (const d of this.dirs) {
      if (d.kind === "v1" && !d.controllers.includes("freezer")) continue;
      frozen = frozenUpwards(d, d.kind === "v1" ? v1FrozenFile : v2FrozenFile);
      if (frozen) break;
    }
    return frozen;
  }

  protected writeDevices(state: DeviceState): void {
    const devicesDir = this.controller("devices");
    if (!devicesDir) {
      // Without it nothing would restrict device access: refuse, as runc does.
      throw new CgroupError(
        "cgroups: the v1 devices controller is not mounted, so the container's device allow-list cannot be applied",
      );
    }
    v1ApplyDevices(devicesDir.dir, state);
  }

  protected writeResources(r: LinuxResources): void {
    const plan = memoryOrder(this.plan(r));
    checkBeforeUpdate(r, `${this.controller("memory")?.dir}/memory.usage_in_bytes`);
    execute(plan);
  }

  private plan(r: LinuxResources): Planned[] {
    const out: Planned[] = [];
    const unifiedKeys = Object.keys(r.unified ?? {});
    for (const group of v1Groups(r)) {
      for (const w of v1Writes(group)) {
        const d = this.dirs.find((x) => x.kind === "v1" && x.controllers.includes(w.controller));
        if (!d) {
          throw new CgroupError(
            `cgroups: ${w.source} needs the cgroup v1 "${w.controller}" controller, which is not mounted on this host; ` +
              "remove the setting or mount the controller",
          );
        }
        out.push({ path: `${d.dir}/${w.file}`, w });
      }
    }
    if (unifiedKeys.length > 0) {
      const d = this.unified();
      // runc says "invalid configuration" for unified keys it cannot set on v1 or hybrid.
      if (this.mode === "v1" || !d) {
        throw new CgroupError(
          `cgroups: invalid configuration: linux.resources.unified["${unifiedKeys[0]}"]: cgroup v2 files cannot be set on a cgroup v1 host; use the v1 fields of linux.resources instead`,
        );
      }
      // Hybrid: the keys go to the container's directory in the v2 hierarchy.
      try {
        out.push(...planV2(d, v2Writes({ unified: r.unified ?? {} })));
      } catch (e) {
        if (!(e instanceof CgroupError)) throw e;
        throw new CgroupError(
          e.message.replace(/^cgroups: /, "cgroups: invalid configuration: "),
          e.code,
        );
      }
    }
    return out;
  }

  freeze(): void {
    const d = this.controller("freezer");
    if (!d) throw noFreezer();
    v1FreezeChecked(d.dir);
  }

  thaw(): void {
    const d = this.controller("freezer");
    if (!d) throw noFreezer();
    v1Thaw(d.dir);
  }

  freezerState(): "frozen" | "thawed" | null {
    const d = this.controller("freezer");
    return d ? v1FreezerState(d.dir) : null;
  }

  protected freezeForSignal(): { wasFrozen: boolean; thaw: () => void } | null {
    const d = this.controller("freezer");
    const wasFrozen = d ? v1Freeze(d.dir) : null;
    return d && wasFrozen !== null ? { wasFrozen, thaw: () => v1Thaw(d.dir) } : null;
  }

  protected killCgroup(): boolean {
    // Hybrid: the cgroup2 directory holds every process of the container too.
    const d = this.unified();
    return d ? v2Kill(d.dir) : false;
  }

  stats(): Stats {
    return v1Stats(this.paths);
  }

  oomKills(): number {
    const d = this.controller("memory");
    return d ? (parseKeyValues(readOptional(`${d.dir}/memory.oom_control`)).oom_kill ?? 0) : 0;
  }

  /** The v1 hierarchies only, on hybrid too, like runc. */
  mountSources(): CgroupMountSource[] {
    return this.dirs
      .filter((d) => d.kind === "v1")
      .map((d) => {
        const name = basename(d.mountpoint);
        const aliases = d.controllers.length > 1 ? d.controllers.filter((c) => c !== name) : [];
        return { name, fstype: "cgroup" as const, data: d.data, hostPath: d.dir, aliases };
      });
  }
}

/** The v1 groups, each needing its controllers mounted. */
function v1Groups(r: LinuxResources): LinuxResources[] {
  const groups: LinuxResources[] = [];
  if (r.cpu) groups.push({ cpu: r.cpu });
  if (r.memory) groups.push({ memory: r.memory });
  if (r.pids) groups.push({ pids: r.pids });
  if (r.blockIO) groups.push({ blockIO: r.blockIO });
  if (r.hugepageLimits) groups.push({ hugepageLimits: r.hugepageLimits });
  if (r.network) groups.push({ network: r.network });
  if (r.rdma) groups.push({ rdma: r.rdma });
  return groups;
}

/**
 * v1: memory.limit_in_bytes can never exceed memory.memsw.limit_in_bytes, so
 * which goes first depends on the current limit (runc's rule: memsw first
 * when it is unlimited or above the current limit).
 */
function memoryOrder(plan: Planned[]): Planned[] {
  const li = plan.findIndex((p) => p.w.file === "memory.limit_in_bytes");
  const si = plan.findIndex((p) => p.w.file === "memory.memsw.limit_in_bytes");
  if (li < 0 || si < 0 || si < li) return plan;
  const limit = plan[li] as Planned;
  const swap = Number((plan[si] as Planned).w.value);
  const current = Number(readOptional(limit.path)?.trim() ?? "0");
  if (swap === -1 || current < swap) {
    const out = [...plan];
    out.splice(si, 1);
    out.splice(li, 0, plan[si] as Planned);
    return out;
  }
  return plan;
}
