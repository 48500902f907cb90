#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UDP multicast with GStreamer: rtsp-serve --bind 127.0.0.1 --multicast GROUP:PORT sends the
# group stream out of the loopback interface (IP_MULTICAST_IF 127.0.0.1, TTL 1, so nothing
# leaves the host); two rtspsrc protocols=udp-mcast multicast-iface=lo clients join it while a
# unicast UDP client watches the same path. Each must decode 30 frames at the served size, exit
# 0 and print no ERROR within 25 s; the server must report both multicast sessions and one group
# stream, ended after they leave.
# FFmpeg is in ffmpeg_multicast_test.sh: it joins a group on the interface of its route to the
# group (no option names one), so it needs a network namespace of its own.
# usage: multicast_test.sh RTSP_SERVE FRAME_TOOL
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/lib.sh"
require_tools gst-launch-1.0
require_gst_elements rtspsrc rtpjpegdepay jpegdec fakesink

W=320 H=240 N=30
# A group and port of its own, so that runs side by side do not receive each other's streams.
GROUP=239.255.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
PORT=$((20000 + 2 * (RANDOM % 10000)))
start_server --path /cam --size ${W}x$H --fps 30 --quality 90 --multicast "$GROUP:$PORT" --verbose

CLIENTS=(mcast-1 mcast-2 unicast)
for c in "${CLIENTS[@]}"; do
    args=(protocols=udp-mcast multicast-iface=lo)
    [[ $c == unicast ]] && args=(protocols=udp)
    start_client "$c" timeout -k 5 25 gst-launch-1.0 -v rtspsrc location="$SERVER_URL" "${args[@]}" \
        ! rtpjpegdepay ! jpegdec ! fakesink num-buffers=$N silent=false
done

for c in "${CLIENTS[@]}"; do
    wait_client "$c"
    out=$WORK/$c.log status=$STATUS
    if gst_run_failed "$out" "$status"; then show "$SERVER_LOG"; fi  # who left, and why
    check_gst_decoded "$out" "$status" "$c" $N $W $H
    log "ok: GStreamer rtspsrc ($c) decoded $N frames of ${W}x$H, no ERROR"
done

stop_server
# What the server saw: two multicast sessions, one unicast, and one group stream for them.
check_group_stream /cam "$GROUP:$PORT" 2
unicast=$(grep -c "(UDP) setup /cam" "$SERVER_LOG" || true)
if [[ $unicast -ne 1 ]]; then
    show "$SERVER_LOG"
    fail "rtsp-serve's log: $unicast unicast setups on /cam, expected 1"
fi
log "ok: two multicast members and a unicast client on one path; $STREAMS group stream(s) to $GROUP:$PORT"
log "PASS"
