#!/usr/bin/env bash
# The README's main command: installs and builds what is missing, then runs the whole
# pipeline on the built-in synthetic dataset with the embedded SQLite store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx asc run --out "${ASC_RUN_DIR:-runs/demo}" "$@"
