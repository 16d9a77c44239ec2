#!/usr/bin/env bash
# Installs the Debian 12 packages aisle builds and tests with. Idempotent: it
# asks apt only for what is missing, so a second run is a no-op in a second.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libxapian-dev xapian-tools
  libfaiss-dev libopenblas0-openmp
  libboost-dev
  libsimdjson-dev
  libprotobuf-dev protobuf-compiler
  libsqlite3-dev sqlite3
  libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
