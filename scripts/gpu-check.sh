#!/usr/bin/env bash
# The GPU check of issue 12 (and, later, issue 13), in one command on a Linux x86-64
# machine with an NVIDIA GPU and its driver: every GPU test and the GPU benchmarks, from
# the bundle scripts/gpu-bundle.sh wrote (.gpu-bundle/), so the machine needs neither
# Node.js nor npm packages, FFTW or a network. Progress goes to stderr; the last line of
# stdout is one JSON object:
#   {"gpu": "...", "tests": {"passed": n, "failed": n, ...}, "features": {...}, "train": ...}
# Exit code 0 when a GPU was usable and every test passed. Finishes within 8 minutes.
#
#   bash scripts/gpu-check.sh [--bench-clips N] [--compute-clips N] [--python PATH|none] [--keep]
#
# cuFFT is found through ASC_CUFFT_LIBRARY (a file or directory), else in python3's
# site-packages (PyTorch's nvidia-cufft wheel), else through the dynamic linker.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bundle=${ASC_GPU_BUNDLE:-$root/.gpu-bundle}
limit=${ASC_GPU_CHECK_SECONDS:-470}

fail() {
  echo "gpu-check: $1" >&2
  printf '{"gpu": null, "error": "%s", "tests": null, "features": null, "train": null}\n' "${1//\"/\'}"
  exit 1
}

[[ -f $bundle/gpu-check.js && -f $bundle/node.xz ]] ||
  fail "no bundle at $bundle: run bash scripts/gpu-bundle.sh on a machine with Node.js and nvcc first"
work=$(mktemp -d "${TMPDIR:-/tmp}/asc-gpu-check.XXXXXX") || fail "cannot create a temporary directory"
trap 'rm -rf "$work"' EXIT

node=$work/node
if command -v xz >/dev/null; then
  xz -dc "$bundle/node.xz" >"$node"
else
  python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
    "$bundle/node.xz" "$node"
fi || fail "cannot decompress $bundle/node.xz (no xz, no python3?)"
chmod +x "$node"
"$node" --version >/dev/null 2>&1 || fail "the bundled Node.js does not run here: $("$node" --version 2>&1 | head -1)"

if [[ -z ${ASC_CUFFT_LIBRARY:-} ]] && command -v python3 >/dev/null; then
  cufft=$(python3 - 2>/dev/null <<'PY'
import glob, os, site, sys
roots = site.getsitepackages() + [site.getusersitepackages()] + sys.path
for root in roots:
    for hit in sorted(glob.glob(os.path.join(root, "nvidia", "*", "lib", "libcufft.so.*"))):
        print(hit)
        raise SystemExit
PY
  )
  [[ -n $cufft ]] && export ASC_CUFFT_LIBRARY=$cufft
fi
export ASC_NATIVE_ADDON=$bundle/asc_native.node

args=(--work "$work/run" --scripts "$bundle/bench")
[[ -f $bundle/pipeline_recommended.json ]] && args+=(--reference "$bundle/pipeline_recommended.json")
timeout --kill-after=10 "$limit" "$node" "$bundle/gpu-check.js" "${args[@]}" "$@" >"$work/stdout"
code=$?
last=$(tail -n 1 "$work/stdout")
head -n -1 "$work/stdout"
if [[ $last == \{* ]]; then
  echo "$last"
  exit "$code"
fi
[[ $code == 124 || $code == 137 ]] && fail "the check ran past ${limit} s and was stopped"
fail "gpu-check.js exited with code $code without a result (see stderr above)"
