#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# OpenCV's cv2.VideoCapture, both of its RTSP backends, as docs/clients.md tells users to open
# the stream: FFmpeg (CAP_FFMPEG, rtsp_transport through OPENCV_FFMPEG_CAPTURE_OPTIONS) and
# GStreamer (CAP_GSTREAMER, rtspsrc ... ! appsink), each over UDP and TCP. For each, a fresh
# rtsp-serve test pattern (so its frame counter starts at 0), and:
#  - the client reads K frames of WxH (opencv_client.py);
#  - the server's log shows that client's session on the transport asked for;
#  - every frame is within MIN_DB dB (luma) of the pattern, with increasing frame numbers
#    (frame_tool pattern, as in pattern_test.sh; the decoders differ, so no byte comparison).
# Needs the Debian python3 with python3-opencv (a pyenv/venv python3 earlier on PATH has no cv2).
# usage: opencv_test.sh RTSP_SERVE FRAME_TOOL [PYTHON3]
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2 PYTHON3=${3:-/usr/bin/python3}
source "$(dirname "$0")/lib.sh"
CLIENT=$(dirname "$0")/opencv_client.py

[[ -x $PYTHON3 ]] || fail "no python3 at $PYTHON3 (Debian: python3 python3-opencv)"
timeout 30 "$PYTHON3" -c "import cv2" 2>/dev/null ||
    fail "$PYTHON3 cannot import cv2: install OpenCV (Debian: python3-opencv)"
log "OpenCV $(timeout 30 "$PYTHON3" -c 'import cv2; print(cv2.__version__)') with $PYTHON3"

W=640 H=480 Q=90 K=12 MIN_DB=40
for backend in ffmpeg-udp ffmpeg-tcp gstreamer-udp gstreamer-tcp; do
    start_server --path /pattern --size ${W}x$H --fps 30 --quality $Q
    out=$WORK/$backend.log
    status=0
    timeout -k 5 60 "$PYTHON3" "$CLIENT" "$backend" "$SERVER_URL" $K $W $H "$WORK/$backend.rgb" >"$out" 2>&1 ||
        status=$?
    stop_server
    if [[ $status -ne 0 ]]; then
        show "$out"
        show "$SERVER_LOG"
        [[ $status -eq 124 ]] && fail "OpenCV ($backend) did not read $K frames within 60 s"
        fail "OpenCV ($backend) exited with status $status"
    fi
    grep -v "GStreamer warning" "$out" || true  # OpenCV warns that a live stream has no duration
    transport=${backend#*-}
    if ! grep -q "connected: session [0-9A-F]*, ${transport^^}, path /pattern" "$SERVER_LOG"; then
        show "$SERVER_LOG"
        fail "OpenCV ($backend): the server's log shows no ${transport^^} session"
    fi
    mkdir -p "$WORK/ref-$backend"
    if ! timeout -k 5 120 "$FRAME_TOOL" pattern $W $H "$WORK/$backend.rgb" $MIN_DB 300 $Q "$WORK/ref-$backend" \
        >"$WORK/$backend.psnr" 2>&1; then
        show "$WORK/$backend.psnr"
        fail "OpenCV ($backend): the frames are not within $MIN_DB dB (luma) of the test pattern, or out of order"
    fi
    log "ok: OpenCV $backend: $(tail -n1 "$WORK/$backend.psnr")"
done
log "PASS"
