#!/usr/bin/env bash
# Prepares what scripts/gpu-check.sh runs on a GPU machine that may have no Node.js, no npm
# packages, no FFTW and no network: writes .gpu-bundle/ (ignored by git, about 30 MiB):
#   node.xz                 this machine's Node.js binary, xz-compressed
#   gpu-check.js            tools/src/gpu/check.ts and everything it imports, one file
#   asc_native.node         the addon, built with CUDA (sm_75, sm_80, sm_90) for any
#                           x86-64-v3 CPU and glibc 2.36+, libstdc++ linked in, finding
#                           its libraries beside itself ($ORIGIN)
#   lib*.so.*               the shared libraries the addon needs beyond glibc (from ldd)
#   bench/                  the PyTorch reference (features_torch.py, features_numpy.py)
#   pipeline_recommended.json   the numpy reference of shared/reference
#   MANIFEST                what was built from which commit
# Run it from a built checkout (scripts/setup.sh) on Linux x86-64 with nvcc; then carry
# .gpu-bundle to the GPU machine with the checkout and run: bash scripts/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bundle=${ASC_GPU_BUNDLE:-$root/.gpu-bundle}
build=$root/native/build-gpu-bundle

die() {
  echo "gpu-bundle: $*" >&2
  exit 1
}
[[ $(uname -m) == x86_64 ]] || die "build on Linux x86-64 (this is $(uname -m)); the GPU machine runs x86-64 code"
command -v nvcc >/dev/null || die "nvcc is not on the PATH: the bundle's addon must be built with CUDA"
command -v xz >/dev/null || die "xz is missing (apt-get install -y xz-utils)"
[[ -d node_modules/esbuild ]] || die "node_modules/esbuild is missing: npm install first"

echo "gpu-bundle: building the addon with CUDA into $build" >&2
# configure every time (cmake-js compile would keep an existing cache's flags), then an
# incremental build.
cmake_js=(node node_modules/cmake-js/bin/cmake-js)
"${cmake_js[@]}" configure --directory native --out "$build" \
  --CDASC_MARCH_NATIVE=OFF --CDASC_MARCH=x86-64-v3 \
  "--CDCMAKE_SHARED_LINKER_FLAGS=-static-libstdc++ -static-libgcc -Wl,--disable-new-dtags" \
  '--CDCMAKE_BUILD_RPATH=$ORIGIN' >&2
"${cmake_js[@]}" build --directory native --out "$build" >&2
addon=$build/Release/asc_native.node
[[ -f $addon ]] || die "the build left no $addon"
ASC_NATIVE_ADDON=$addon node -e 'if (!require(process.env.ASC_NATIVE_ADDON).buildInfo().cudaCompiled) process.exit(1)' ||
  die "the addon was built without CUDA (see the CMake output above)"
readelf -d "$addon" | grep -q 'RPATH.*\$ORIGIN' || die "the addon has no RPATH \$ORIGIN (readelf -d $addon)"

rm -rf "$bundle.tmp"
mkdir -p "$bundle.tmp/bench"
cp "$addon" "$bundle.tmp/"
# The addon's libraries beyond glibc, the loader and the GCC runtime (FFTW, libsndfile and
# its codecs, libsoxr), found beside it at run time: its RPATH (not RUNPATH, hence
# --disable-new-dtags) is $ORIGIN, which also serves its libraries' own dependencies.
ldd "$addon" | awk '/=>/ { print $3 }' | while read -r lib; do
  case $(basename "$lib") in
    libc.so.* | libm.so.* | libdl.so.* | librt.so.* | libpthread.so.* | ld-linux* | libgcc_s.so.* | libstdc++.so.*) ;;
    *) cp -L "$lib" "$bundle.tmp/" ;;
  esac
done

echo "gpu-bundle: bundling tools/src/gpu/check.ts" >&2
node_modules/.bin/esbuild tools/src/gpu/check.ts --bundle --platform=node --target=node20 \
  --alias:@asc/native=./native/lib/index.ts --alias:@asc/datasets=./datasets/src/index.ts \
  --outfile="$bundle.tmp/gpu-check.js" --log-level=warning
cp tools/bench/features_torch.py tools/bench/features_numpy.py "$bundle.tmp/bench/"
reference=${ASC_REFERENCE_DIR:-$root/../shared/reference}/pipeline_recommended.json
if [[ -f $reference ]]; then
  cp "$reference" "$bundle.tmp/"
else
  echo "gpu-bundle: no $reference; the check will skip the numpy reference test" >&2
fi

echo "gpu-bundle: compressing $(command -v node) ($(node --version))" >&2
xz -T0 -3 -c "$(command -v node)" >"$bundle.tmp/node.xz"
{
  echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!.gpu-bundle' || echo ' (with uncommitted changes)')"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
  echo "node $(node --version)"
  echo "nvcc $(nvcc --version | tail -1)"
  (cd "$bundle.tmp" && ls -l)
} >"$bundle.tmp/MANIFEST"
rm -rf "$bundle"
mv "$bundle.tmp" "$bundle"
echo "gpu-bundle: wrote $bundle ($(du -sh "$bundle" | cut -f1)); on the GPU machine: bash scripts/gpu-check.sh" >&2
