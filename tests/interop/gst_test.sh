#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GStreamer's rtspsrc against rtsp-serve, over UDP, over TCP and tunnelled through HTTP
# (rtsph://): 30 frames must be depayloaded and decoded (rtpjpegdepay ! jpegdec) at the served
# size, gst-launch must exit 0 and print no ERROR, each within 25 s; the server must have seen
# the tunnel.
# usage: gst_test.sh RTSP_SERVE FRAME_TOOL
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/lib.sh"
require_tools gst-launch-1.0
require_gst_elements rtspsrc rtpjpegdepay jpegdec fakesink

W=320 H=240 N=30
start_server --path /cam --size ${W}x$H --fps 30 --quality 90

for proto in udp tcp http; do
    out=$WORK/gst-$proto.log
    status=0
    url=$SERVER_URL lower=$proto
    # rtsph:// makes rtspsrc open a GET and a POST and speak RTSP through them (TCP inside).
    [[ $proto == http ]] && url=${SERVER_URL/#rtsp:/rtsph:} lower=tcp
    # -v prints each buffer fakesink gets (silent=false) and the negotiated caps.
    timeout -k 5 25 gst-launch-1.0 -v rtspsrc location="$url" protocols=$lower \
        ! rtpjpegdepay ! jpegdec ! fakesink num-buffers=$N silent=false >"$out" 2>&1 || status=$?
    check_gst_decoded "$out" "$status" "$proto" $N $W $H
    if [[ $proto == http ]] && ! grep -q ", HTTP, path /cam" "$SERVER_LOG"; then
        show "$SERVER_LOG"
        fail "gst-launch ($url): rtsp-serve did not report a session through an HTTP tunnel"
    fi
    log "ok: GStreamer rtspsrc $url protocols=$lower decoded $N frames of ${W}x$H, no ERROR"
done

stop_server
log "PASS"
