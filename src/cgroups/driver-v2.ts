// The cgroupfs driver for the unified hierarchy (runc's libcontainer/cgroups/fs2):
// one directory, whose controllers are enabled in its parents'
// cgroup.subtree_control as the settings need them; devices by a BPF program,
// the freezer by cgroup.freeze, kill --all by cgroup.kill.
import type { LinuxResources } from "../spec/types.ts";
import type { DeviceState } from "./devices.ts";
import type { CgroupDir, CgroupMountSource } from "./driver.ts";
import { CgroupfsDriver, frozenUpwards, noFreezer } from "./driver-cgroupfs.ts";
import { v2Writes } from "./resources.ts";
import { parseKeyValues, type Stats, v2Stats } from "./stats.ts";
import { CgroupError, readOptional } from "./util.ts";
import {
  planV2,
  v2ApplyDevices,
  v2Freeze,
  v2FreezeChecked,
  v2FreezerState,
  v2FrozenFile,
  v2Kill,
  v2Thaw,
} from "./v2-files.ts";
import { checkBeforeUpdate, execute } from "./write-plan.ts";

export class V2Driver extends CgroupfsDriver {
  private unified(): CgroupDir | undefined {
    return this.dirs.find((d) => d.kind === "v2");
  }

  protected frozenFile(): string | null {
    const d = this.unified();
    return d ? frozenUpwards(d, v2FrozenFile) : null;
  }

  protected writeDevices(state: DeviceState): void {
    const d = this.unified();
    if (d) v2ApplyDevices(d.dir, state);
  }

  protected writeResources(r: LinuxResources): void {
    const d = this.unified();
    if (!d) throw new CgroupError("cgroups: the container has no cgroup v2 directory");
    const plan = planV2(d, v2Writes(r));
    checkBeforeUpdate(r, `${d.dir}/memory.current`);
    execute(plan);
  }

  freeze(): void {
    const d = this.unified();
    if (!d) throw noFreezer();
    v2FreezeChecked(d.dir);
  }

  thaw(): void {
    const d = this.unified();
    if (!d) throw noFreezer();
    v2Thaw(d.dir);
  }

  freezerState(): "frozen" | "thawed" | null {
    const d = this.unified();
    return d ? v2FreezerState(d.dir) : null;
  }

  protected freezeForSignal(): { wasFrozen: boolean; thaw: () => void } | null {
    const d = this.unified();
    const wasFrozen = d ? v2Freeze(d.dir) : null;
    return d && wasFrozen !== null ? { wasFrozen, thaw: () => v2Thaw(d.dir) } : null;
  }

  protected killCgroup(): boolean {
    const d = this.unified();
    return d ? v2Kill(d.dir) : false;
  }

  stats(): Stats {
    return v2Stats(this.dirs[0]?.dir ?? "");
  }

  oomKills(): number {
    const d = this.unified();
    return d ? (parseKeyValues(readOptional(`${d.dir}/memory.events`)).oom_kill ?? 0) : 0;
  }

  mountSources(): CgroupMountSource[] {
    const d = this.dirs[0];
    return d ? [{ name: "", fstype: "cgroup2", data: "", hostPath: d.dir, aliases: [] }] : [];
  }
}
