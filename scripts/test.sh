#!/usr/bin/env bash
# The README's test command: installs and builds what is missing, then runs every
# project's lint and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ASC_OPTIONAL_APT="chromium postgresql ${ASC_OPTIONAL_APT:-}" bash scripts/setup.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
npx nx run-many -t lint test --output-style=static --parallel=1 "$@"
