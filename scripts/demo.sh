#!/usr/bin/env bash
# Sets everything up, then runs a busybox container that looks at its own namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bundle=$(mktemp -d /tmp/runt-demo.XXXXXX)
trap 'dist/runt delete --force runt-demo >/dev/null 2>&1 || true; rm -rf "$bundle"' EXIT
ln -s "$PWD/test/fixtures/bundles/busybox/rootfs" "$bundle/rootfs"
dist/runt spec --bundle "$bundle"
# runt spec, like runc spec, asks for an interactive shell; the demo runs a script instead.
node_modules/.bin/bun -e '
  const fs = require("node:fs");
  const file = process.argv[1];
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  c.process.terminal = false;
  c.process.args = ["sh", "-c", `echo "hello from $(hostname): I am PID $$, user $(id -un)"
echo "my namespaces:"; for ns in /proc/self/ns/*; do echo "  $(basename $ns): $(readlink $ns)"; done`];
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
' "$bundle/config.json"
echo "the host's namespaces:"
for ns in /proc/self/ns/*; do echo "  $(basename "$ns"): $(readlink "$ns")"; done
dist/runt run --bundle "$bundle" runt-demo
