#!/usr/bin/env bash
# Configures and builds one flavour of aisle. Usage: scripts/build.sh release|asan [targets...]
#   release: -O2 Release build in build/release (running, benchmarks)
#   asan:    Debug build with AddressSanitizer + UBSan in build/asan (the test suite)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour="${1:-release}"
shift || true
case "$flavour" in
  release) dir=build/release; args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan)    dir=build/asan;    args=(-DCMAKE_BUILD_TYPE=Debug -DAISLE_SANITIZE=ON) ;;
  *) echo "usage: scripts/build.sh release|asan [targets...]" >&2; exit 2 ;;
esac
jobs="${AISLE_JOBS:-$(nproc)}"
cmake -S . -B "$dir" "${args[@]}" >/dev/null
if [ "$#" -gt 0 ]; then
  cmake --build "$dir" -j "$jobs" --target "$@"
else
  cmake --build "$dir" -j "$jobs"
fi
