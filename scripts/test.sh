#!/usr/bin/env bash
# The README's test command: installs and builds what is missing, then runs every
# project's lint and tests, and ends with one summary line over all projects.
set -euo pipefail
cd "$(dirname "$0")/.."
# sox, flac, lame and ffmpeg write the audio-format test fixtures (native/test/audio-formats);
# python3-onnx's checker checks the ONNX exports (packages/onnx/test/checker.test.ts);
# python3-torch is the PyTorch reference of the zoo's initialisation test.
ASC_OPTIONAL_APT="chromium postgresql sox flac lame ffmpeg python3-onnx python3-torch ${ASC_OPTIONAL_APT:-}" bash scripts/setup.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# CI always runs the tests for real; locally, Nx's cache skips what has not changed.
skip_cache=()
[[ "${CI:-}" == "true" ]] && skip_cache=(--skip-nx-cache)
npx nx run-many -t lint test --output-style=static --parallel=1 "${skip_cache[@]}" "$@" 2>&1 | tee "$log" || status=$?
# Jest prints "Tests: 3 failed, 2 skipped, 40 passed, 45 total" per project.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^Tests:/ {
    for (i = 2; i <= NF; i++) {
      n = $i + 0
      if ($(i + 1) ~ /^passed/) passed += n
      if ($(i + 1) ~ /^failed/) failed += n
      if ($(i + 1) ~ /^skipped/) skipped += n
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }'
exit "$status"
