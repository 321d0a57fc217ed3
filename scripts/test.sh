#!/usr/bin/env bash
# Sets everything up, then runs every test: lint, types, unit, integration, e2e, and the
# field's suites beside runc.
set -euo pipefail
cd "$(dirname "$0")/.."
# The field's suites (scripts/conformance.ts) need runc to compare with and their tools.
bash scripts/setup.sh runc golang-go bats jq gawk criu containerd containernetworking-plugins iproute2 uidmap
exec node_modules/.bin/bun run scripts/run-tests.ts "$@"
