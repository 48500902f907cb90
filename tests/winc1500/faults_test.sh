#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faults on the emulated WINC1500: for the first 12 s the chip is busy 30 ms out of every 150 ms
# (every send returns SOCK_ERR_BUFFER_FULL, -14, after a 2 ms hif_send-like stall) and 5% of UDP
# datagrams are lost.
# During the faults GStreamer clients over UDP and TCP must still decode frames (no wedge) and
# the server must not crash; after them, new clients over UDP and TCP must decode 30 frames
# each within 25 s, and the server must exit 0 on SIGTERM.
# usage: faults_test.sh WINC_SERVE WINC_SERVE
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/../interop/lib.sh"
require_tools gst-launch-1.0
require_gst_elements rtspsrc rtpjpegdepay jpegdec fakesink

start_server --path /cam --size 320x240 --fps 20 --quality 80 --loss 0.05 --bursts 150:30 --stall-us 2000 --faults-for 12
t0=$SECONDS

gst() {  # gst PROTO FRAMES SECONDS OUT
    timeout -k 5 "$3" gst-launch-1.0 -v rtspsrc location="$SERVER_URL" protocols="$1" ! rtpjpegdepay ! jpegdec \
        ! fakesink silent=false num-buffers="$2" >"$4" 2>&1
}
# During the faults: 5 s of each (the first 2 s are GStreamer's jitter-buffer latency); frames
# must keep coming (>= 10 of the 100 sent), whatever the faults cost.
for proto in udp tcp; do
    out=$WORK/during-$proto.log
    gst $proto 1000 5 "$out" || true   # ended by timeout(1) after 5 s
    frames=$(grep -c "fakesink0: last-message = chain" "$out" || true)
    ((frames >= 10)) || { show "$out"; fail "during the faults the $proto client decoded only $frames frames in 5 s"; }
    log "ok: during the faults the $proto client decoded $frames frames in 5 s"
done
kill -0 "$SERVER_PID" || fail "the server died during the faults"
while ((SECONDS - t0 < 13)); do sleep 0.2; done
grep -q "faults stopped" "$SERVER_LOG" || fail "the server did not report the end of the faults"

for proto in udp tcp; do
    out=$WORK/after-$proto.log status=0
    gst $proto 30 25 "$out" || status=$?
    ! gst_run_failed "$out" "$status" ||
        { show "$out"; fail "after the faults gst-launch ($proto) printed an ERROR or exited with status $status"; }
    log "ok: after the faults the $proto client decoded 30 frames"
done
stop_server
grep "^emu:\|^adapter:" "$SERVER_LOG"
grep -q "buffer_full=[1-9]" "$SERVER_LOG" || fail "no -14 was injected"
grep -q "udp_lost=[1-9]" "$SERVER_LOG" || fail "no UDP datagram was lost"
log "PASS"
