import { describe, expect, test } from "bun:test";
import { parentMount } from "../../src/container/shared-mount.ts";

const INFO = [
  "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "40 27 0:30 / /var/lib rw,relatime - ext4 /dev/vdb rw",
  "41 40 0:31 / /var/lib/kubelet rw,relatime shared:7 master:2 - ext4 /dev/vdc rw",
  "42 27 0:32 / /srv/with\\040space rw,relatime shared:9 - tmpfs tmpfs rw",
  "",
].join("\n");

describe("parentMount", () => {
  const at = (p: string) => parentMount(p, INFO);
  test("the nearest mount at or above the path, and whether it is shared", () => {
    expect(at("/var/lib/kubelet/pods/x/rootfs")).toEqual({
      point: "/var/lib/kubelet",
      shared: true,
    });
    expect(at("/var/lib/kubelet")).toEqual({ point: "/var/lib/kubelet", shared: true });
    expect(at("/run/containerd/x/rootfs")).toEqual({ point: "/", shared: true });
    expect(at("/srv/with space/rootfs")).toEqual({ point: "/srv/with space", shared: true });
    expect(at("/var/lib/containerd/rootfs")).toEqual({ point: "/var/lib", shared: false });
  });
  test("a name that only shares a prefix is not under the mount", () => {
    expect(at("/var/library")).toEqual({ point: "/", shared: true });
  });
});
