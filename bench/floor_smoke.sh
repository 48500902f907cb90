#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CTest smoke test of the kernel-floor program (label bench, ~13 s): rtsp_floor sends one JPEG's
# RTP packets at 30 fps to 2 loopback receivers in each of its modes, and every packet sent
# must arrive, with no send error, on the path the mode names (a second try is allowed).
# Proves the floors that BENCHMARKS.md compares the servers with still send what they claim to.
#   floor_smoke.sh RTSP_FLOOR CJPEG
set -euo pipefail
floor=$1
cjpeg=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Noise at quality 90: ~70 KB, ~50 packets of 1400 bytes, so GSO needs two datagrams.
{ printf 'P6\n320 240\n255\n'; head -c $((320 * 240 * 3)) /dev/urandom; } >"$work/noise.ppm"
"$cjpeg" -quality 90 "$work/noise.ppm" >"$work/noise.jpg"
status=0
gso_refused=0
for mode in sendto sendmmsg gso gso-all sendfile; do
  if { [ "$mode" = gso-all ] || [ "$mode" = sendfile ]; } && [ "$gso_refused" = 1 ]; then
    echo "$mode: skipped, the kernel refuses UDP_SEGMENT (see gso)"
    continue
  fi
  # Two tries: on a machine busy with other tests, loopback may drop a burst (the receive
  # softirq deferred to ksoftirqd, its backlog full), seen once under ctest -j2; a floor that
  # sends the wrong thing fails both.
  for try in 1 2; do
    rc=0
    line=$(timeout 20 "$floor" --mode "$mode" --jpeg "$work/noise.jpg" --clients 2 --duration 1.5 --warmup 0.3) || rc=$?
    echo "$mode try $try (exit $rc): $line"
    get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    path=$(get path); sent=$(get sent); received=$(get received); errors=$(get errors); packets=$(get packets_per_frame)
    [ "$mode" = gso ] && [ "$path" = sendmmsg ] && gso_refused=1 && path=gso  # its documented fallback
    # 2 clients x 45 frames in 1.5 s; allow for a loaded machine but not for a stall.
    if [ "$rc" != 0 ] || [ "$path" != "$mode" ] || [ "$errors" != 0 ] || [ -z "$sent" ] ||
      [ "$sent" != "$received" ] || [ -z "$packets" ] || [ "$packets" -lt 47 ] ||
      [ "$sent" -lt $((packets * 2 * 30)) ]; then
      echo "FAIL ($mode, try $try): expected exit 0, path $mode, 0 errors, >= 47 packets per frame, sent == received >= 60 frames' worth"
      [ "$try" = 2 ] && status=1
    else
      break
    fi
  done
done
exit $status
