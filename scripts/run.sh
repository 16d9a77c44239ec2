#!/usr/bin/env bash
# Installs what is missing, builds aisle (Release) and serves a generated demo
# catalog of 100,000 products on http://127.0.0.1:7700 (data in ./data).
# Extra arguments go to `aisle serve` (e.g. --port 8080 --demo 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release aisle
exec build/release/aisle serve --data ./data --address 127.0.0.1 --port 7700 --demo 100000 "$@"
