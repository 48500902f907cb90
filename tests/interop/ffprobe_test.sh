#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# FFmpeg's RTSP client (ffprobe) against rtsp-serve over UDP, over TCP and tunnelled through
# HTTP (-rtsp_transport http: a GET and a POST to the RTSP port, which the server must report):
# the stream must probe as mjpeg at the served size, and -count_frames over 3 s of stream time
# (-read_intervals %+3) must decode at least 80 of the 90 frames served at 30 fps.
# usage: ffprobe_test.sh RTSP_SERVE FRAME_TOOL
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/lib.sh"
require_tools ffprobe

W=352 H=288 FPS=30 SECONDS_READ=3 MIN_FRAMES=80
start_server --path /live/cam --size ${W}x$H --fps $FPS --quality 80

for proto in udp tcp http; do
    out=$WORK/ffprobe-$proto.log
    status=0
    # -timeout: the demuxer's socket timeout (us), so a stalled stream ends with an error.
    timeout -k 5 30 ffprobe -v error -rtsp_transport $proto -timeout 5000000 \
        -count_frames -select_streams v -read_intervals "%+$SECONDS_READ" \
        -show_entries stream=codec_name,width,height,nb_read_frames -of default=noprint_wrappers=1 \
        "$SERVER_URL" >"$out" 2>&1 || status=$?
    check_ffprobe_counted "$out" "$status" "$proto" $W $H $MIN_FRAMES $SECONDS_READ
    if [[ $proto == http ]] && ! grep -q ", HTTP, path /live/cam" "$SERVER_LOG"; then
        show "$SERVER_LOG"
        fail "ffprobe (http): rtsp-serve did not report a session through an HTTP tunnel"
    fi
    log "ok: ffprobe -rtsp_transport $proto: mjpeg ${W}x$H, $FRAMES frames decoded in ${SECONDS_READ} s of stream"
done

stop_server
log "PASS"
