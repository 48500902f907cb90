#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CTest smoke test of the benchmark load client (label bench, ~5 s): rtsp-serve streams its
# 320x240 test pattern on a loopback port, and rtsp_load_client must set up 2 sessions over
# UDP and then 2 over TCP, receive complete frames at about the served rate with no incomplete
# frame and no lost packet, and see a first frame. Proves the client still speaks RTSP and
# reassembles RFC 2435 correctly, so the full benchmark (bench/run_servers.sh) can trust it.
#   load_client_smoke.sh RTSP_SERVE LOAD_CLIENT
set -euo pipefail
serve=$1
client=$2
port=$((30000 + RANDOM % 20000))
"$serve" --port "$port" --bind 127.0.0.1 --quiet --fps 30 --size 320x240 --source pattern &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; sleep 0.2; kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
status=0
for transport in --udp --tcp; do
  line=$(timeout 10 "$client" --url "rtsp://127.0.0.1:$port/" --clients 2 "$transport" --duration 2 --warmup 0.5 2>/dev/null) || true
  echo "$transport: $line"
  get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  complete=$(get complete); incomplete=$(get incomplete); lost=$(get lost); fps=$(get min_client_fps)
  ttff=$(get ttff_median_ms); failed=$(get failed)
  # 2 clients x 1.5 s x 30 fps = 90 frames; allow for a loaded machine but not for a stall.
  if [ -z "$complete" ] || [ "$complete" -lt 60 ] || [ "$incomplete" != 0 ] || [ "$lost" != 0 ] ||
    [ "$failed" != 0 ] || awk -v f="$fps" 'BEGIN{exit !(f < 20 || f > 40)}' ||
    awk -v t="$ttff" 'BEGIN{exit !(t < 0 || t > 1000)}'; then
    echo "FAIL ($transport): expected >= 60 complete frames, 0 incomplete, 0 lost, 20..40 fps per client"
    status=1
  fi
done
exit $status
