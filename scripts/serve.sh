#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs the command-line RTSP server: installs the Debian packages (scripts/deps.sh),
# configures the `default` preset (build/default) if needed, builds the rtsp-serve target and
# execs it with this script's arguments (try --help). Build output goes to stderr so that
# stdout is the server's alone.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/deps.sh
source scripts/deps.sh

{
  rtsp_install_deps
  # Ninja re-runs CMake by itself when a CMakeLists.txt changes, so configure only once.
  if [[ ! -f build/default/build.ninja ]]; then
    cmake --preset default
  fi
  cmake --build --preset default --target rtsp-serve
} >&2

exec "$root/build/default/examples/rtsp-serve" "$@"
