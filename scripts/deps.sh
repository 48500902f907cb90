# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The one list of Debian 12 packages the project needs, sourced by .ci/run, scripts/test.sh and
# scripts/serve.sh. `rtsp_install_deps` installs whatever is missing (apt-get update at most
# once per run) and does nothing, quickly, when everything is already there.
#
#   cmake ninja-build g++ pkg-config          the build (CMakePresets.json uses Ninja)
#   catch2                                    unit tests (Catch2 v2)
#   libturbojpeg0-dev libjpeg62-turbo-dev     rtsp::turbojpeg (TurboJPEG and libjpeg), test/bench JPEGs
#   libbenchmark-dev                          bench/ (Google Benchmark)
#   gcc-arm-none-eabi
#   libstdc++-arm-none-eabi-newlib            tests/embedded: the Cortex-M7 cross build
#   gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good ffmpeg
#                                             tests/interop: real RTSP clients
#   libjpeg-turbo-progs                       tests/interop: cjpeg makes 4:2:2 and restart JPEGs
#   python3-opencv                            tests/interop: OpenCV's FFmpeg and GStreamer backends
#   iproute2                                  tests/interop: FFmpeg multicast in a network namespace
#   python3-gi gir1.2-gst-rtsp-server-1.0     tests/relay: gst-rtsp-server relaying our stream
#   valgrind                                  tests/hardening: memcheck of a real streaming run
#   clang libclang-rt-14-dev                  tests/fuzz: libFuzzer

RTSP_DEPS=(
  cmake ninja-build g++ pkg-config
  catch2
  libturbojpeg0-dev libjpeg62-turbo-dev
  libbenchmark-dev
  gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good ffmpeg
  libjpeg-turbo-progs python3-opencv iproute2
  python3-gi gir1.2-gst-rtsp-server-1.0
  valgrind
  clang libclang-rt-14-dev
)

# Prints the packages of RTSP_DEPS that are not installed, one per line.
rtsp_missing_deps() {
  local p
  for p in "${RTSP_DEPS[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]]; then
      echo "$p"
    fi
  done
}

# Installs the missing packages with apt-get (as root, or through sudo).
rtsp_install_deps() {
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: not a Debian system; install the equivalents of: ${RTSP_DEPS[*]}" >&2
    return 0
  fi
  local missing
  mapfile -t missing < <(rtsp_missing_deps)
  if ((${#missing[@]} == 0)); then
    echo "deps: all ${#RTSP_DEPS[@]} packages are installed"
    return 0
  fi
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "deps: missing packages and not root (no sudo): ${missing[*]}" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [[ -z "${RTSP_APT_UPDATED:-}" ]]; then
    "${sudo[@]}" apt-get update -q
    export RTSP_APT_UPDATED=1
  fi
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}
