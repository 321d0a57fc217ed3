#!/usr/bin/env bash
# Builds a busybox rootfs from Debian's busybox-static at $1 (default
# test/fixtures/bundles/busybox/rootfs). Idempotent: an existing rootfs is kept.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rootfs=${1:-$here/test/fixtures/bundles/busybox/rootfs}
[ -x "$rootfs/bin/busybox" ] && exit 0
if [ ! -x /bin/busybox ]; then
  echo "installing busybox-static" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
fi
mkdir -p "$(dirname "$rootfs")"
tmp=$(mktemp -d "$(dirname "$rootfs")/.rootfs.XXXXXX")
chmod 755 "$tmp"
mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,run,var}
chmod 1777 "$tmp/tmp"
cp /bin/busybox "$tmp/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$tmp/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$tmp/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
rm -rf "$rootfs"
mv "$tmp" "$rootfs"
