#!/usr/bin/env bash
# Installs what is missing, builds everything with AddressSanitizer + UBSan and
# runs the whole test suite with ctest. Tests that need ../shared/data skip
# with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh asan
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd build/asan
ctest --output-on-failure -j "${AISLE_TEST_JOBS:-2}" --timeout 600
