#!/usr/bin/env bash
# Sets everything up, then runs every test: lint, types, unit, integration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node_modules/.bin/bun run scripts/run-tests.ts "$@"
