#!/usr/bin/env bash
# The field's suites (OCI runtime-tools validation, runc's integration suite) against
# dist/runt and this machine's runc, side by side. Arguments go to scripts/conformance.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runc golang-go bats jq gawk criu
exec node_modules/.bin/bun run scripts/conformance.ts "$@"
