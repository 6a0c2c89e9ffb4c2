#!/usr/bin/env bash
# Installs what asc-nas needs on a Debian/Ubuntu machine, then builds it. Idempotent:
# each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Required to build and run; optional ones (e.g. chromium for the report's browser test)
# are installed when possible, and the code that needs them says so when they are absent.
REQUIRED_APT=(cmake g++ make pkg-config python3 python3-numpy libfftw3-dev libopenblas-dev libsndfile1-dev libsoxr-dev clang-format)
read -r -a OPTIONAL_APT <<<"${ASC_OPTIONAL_APT:-}"

missing_of() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [[ ! -f /tmp/.asc-apt-updated ]]; then
    apt-get -o DPkg::Lock::Timeout=600 update -q && touch /tmp/.asc-apt-updated
  fi
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$@"
}

mapfile -t missing < <(missing_of "${REQUIRED_APT[@]}")
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}" >&2
    apt_install "${missing[@]}"
  else
    echo "setup: missing system packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
if ((${#OPTIONAL_APT[@]})); then
  mapfile -t missing < <(missing_of "${OPTIONAL_APT[@]}")
  if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
      echo "setup: installing optional ${missing[*]}" >&2
      apt_install "${missing[@]}" || echo "setup: could not install ${missing[*]}; the parts that need them will be skipped" >&2
    else
      echo "setup: optional system packages missing (sudo apt-get install -y ${missing[*]}); the parts that need them will be skipped" >&2
    fi
  fi
fi

# npm install only when the lockfile changed since the last one.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json || package.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm install" >&2
  # onnxruntime-node's install script fetches CUDA files and fails offline; its package
  # already holds the CPU build. npm 11 skips it anyway (allowScripts in package.json says
  # no); older npm runs install scripts, and this tells that one to do nothing.
  ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund
fi

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-false}
npx nx run-many -t build --output-style=static
