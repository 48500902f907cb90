#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, as the README and CI run it: installs the Debian packages it needs
# (scripts/deps.sh), then configures, builds and tests twice with the CMake workflow presets:
#   default  RelWithDebInfo: unit, header, package, cross (Cortex-M7), interop, bench smoke
#   asan     Debug with AddressSanitizer + UndefinedBehaviorSanitizer (no benchmarks)
# Build trees: build/default and build/asan. Exits non-zero on the first failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/deps.sh
source scripts/deps.sh

section() { printf '\n==================== %s ====================\n' "$*"; }
started=$SECONDS

section "dependencies"
rtsp_install_deps

section "default: configure, build, test (cmake --workflow --preset default)"
cmake --workflow --preset default

section "asan: configure, build, test (cmake --workflow --preset asan)"
cmake --workflow --preset asan

section "all tests passed in $((SECONDS - started)) s"
