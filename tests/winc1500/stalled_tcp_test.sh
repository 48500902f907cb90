#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A TCP-interleaved client that stops reading must not cost a UDP client any frame: the stalled
# socket's sends stay capped (traits::tcp_in_flight) below the emulated chip's shared 24-buffer
# TX pool, so the UDP client's datagrams always get a buffer. GStreamer over UDP decodes 5 s of a
# 320x240 stream at 15 fps while the stalled client holds its connection; every frame of the
# first 4 s must arrive (60 of 60, by RTP timestamp) and the server must drop the stalled client
# (send_stall_ms) without stopping.
# usage: stalled_tcp_test.sh WINC_SERVE WINC_SERVE
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/../interop/lib.sh"
require_tools gst-launch-1.0
require_gst_elements rtspsrc rtpjpegdepay jpegdec fakesink

FPS=15 WINDOW=4
EXPECTED=$((FPS * WINDOW))
start_server --path /cam --size 320x240 --fps $FPS --quality 90

timeout -k 5 30 "$SERVE" stalled-tcp "$SERVER_URL" 12 >"$WORK/stalled.log" 2>&1 &
STALLED=$!
STARTED_PIDS+=($STALLED)
for ((t = 0; t < 100; t++)); do
    grep -q "playing session" "$WORK/stalled.log" && break
    kill -0 $STALLED 2>/dev/null || break
    sleep 0.1
done
grep -q "playing session" "$WORK/stalled.log" || { show "$WORK/stalled.log"; fail "the stalled TCP client did not start playing"; }
sleep 1  # let its window close

out=$WORK/gst-udp.log status=0
timeout -k 5 30 gst-launch-1.0 -v rtspsrc location="$SERVER_URL" protocols=udp ! rtpjpegdepay ! jpegdec \
    ! fakesink silent=false num-buffers=$((EXPECTED + 15)) >"$out" 2>&1 || status=$?
! gst_run_failed "$out" "$status" || { show "$out"; fail "gst-launch (udp) printed an ERROR or exited with status $status"; }
frames=$(sed -n 's/.*fakesink0: last-message = chain.* pts: \([0-9]*\):\([0-9]*\):\([0-9]*\)\.\([0-9]*\),.*/\1 \2 \3 \4/p' "$out" |
    awk -v win="$WINDOW" '{ t = (($1 * 60 + $2) * 60 + $3) * 1e9 + $4; if (NR == 1) t0 = t; if (t < t0 + win * 1e9 - 1e6) n++ } END { print n + 0 }')
((frames >= EXPECTED)) || { show "$out"; fail "the UDP client got $frames of the $EXPECTED frames of $WINDOW s while a TCP client stalled"; }
log "ok: the UDP client got $frames of $EXPECTED frames while the TCP client stalled"
kill -0 "$SERVER_PID" || fail "the server died"
stop_server
grep "^emu:\|^adapter:\|stalled\|send stall\|stuck" "$SERVER_LOG" || true
grep -q "in_flight_limited=[1-9]" "$SERVER_LOG" || fail "the stalled client never hit the in-flight cap (it did not stall?)"
log "PASS"
