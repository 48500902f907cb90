#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Digest authentication (rtsp-serve --user U --password P) with real clients: ffprobe and
# GStreamer's rtspsrc with user:password in the URL must play the stream (ffprobe answers
# qop=auth, rtspsrc the RFC 2069 form), rtspsrc with user-id/user-pw properties too; with a
# wrong password or none, ffprobe must fail reporting 401 and rtspsrc must fail with an error.
# usage: auth_test.sh RTSP_SERVE FRAME_TOOL
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/lib.sh"
require_tools ffprobe gst-launch-1.0
require_gst_elements rtspsrc rtpjpegdepay jpegdec fakesink

W=320 H=240 N=10 USER_NAME=alice PASSWORD='s3cr3t-pw'
start_server --path /cam --size ${W}x$H --fps 30 --quality 80 --user "$USER_NAME" --password "$PASSWORD"
# SERVER_URL is rtsp://127.0.0.1:PORT/cam; put the credentials after the scheme.
hostpart=${SERVER_URL#rtsp://}
url_with() { printf 'rtsp://%s@%s' "$1" "$hostpart"; }

# ffprobe_run NAME URL: runs ffprobe over TCP for 1 s of stream; sets status and out.
ffprobe_run() {
    out=$WORK/ffprobe-$1.log
    status=0
    timeout -k 5 30 ffprobe -v error -rtsp_transport tcp -timeout 5000000 \
        -count_frames -select_streams v -read_intervals "%+1" \
        -show_entries stream=codec_name,width,height,nb_read_frames -of default=noprint_wrappers=1 \
        "$2" >"$out" 2>&1 || status=$?
    [[ $status -ne 124 ]] || { show "$out"; fail "ffprobe ($1) did not finish within 30 s"; }
}

ffprobe_run good "$(url_with "$USER_NAME:$PASSWORD")"
frames=$(sed -n 's/^nb_read_frames=//p' "$out")
if [[ $status -ne 0 ]] || ! grep -q "^codec_name=mjpeg" "$out" || ! grep -q "^width=$W" "$out" ||
    [[ ! $frames =~ ^[0-9]+$ ]] || ((frames < 10)); then
    show "$out"
    fail "ffprobe with the right password: status $status, expected mjpeg ${W}x$H and >= 10 frames"
fi
log "ok: ffprobe rtsp://$USER_NAME:***@...: mjpeg ${W}x$H, $frames frames"

for case in wrong none; do
    if [[ $case == wrong ]]; then u=$(url_with "$USER_NAME:not-the-password"); else u=$SERVER_URL; fi
    ffprobe_run "$case" "$u"
    if [[ $status -eq 0 ]] || ! grep -q "401" "$out"; then
        show "$out"
        fail "ffprobe with $case password: expected failure reporting 401 (status $status)"
    fi
    log "ok: ffprobe with $case password refused: $(grep -m1 401 "$out")"
done

# gst_run NAME ARGS...: rtspsrc ARGS ! ... ! fakesink num-buffers=N; sets status and out.
gst_run() {
    local name=$1
    shift
    out=$WORK/gst-$name.log
    status=0
    timeout -k 5 25 gst-launch-1.0 -v rtspsrc "$@" protocols=tcp \
        ! rtpjpegdepay ! jpegdec ! fakesink num-buffers=$N silent=false >"$out" 2>&1 || status=$?
    [[ $status -ne 124 ]] || { show "$out"; fail "gst-launch ($name) did not finish within 25 s"; }
}

gst_run url location="$(url_with "$USER_NAME:$PASSWORD")"
got=$(grep -c "fakesink0: last-message = chain" "$out" || true)
if [[ $status -ne 0 || $got -ne $N ]]; then
    show "$out"
    fail "gst-launch with user:password in the URL: status $status, $got of $N frames"
fi
log "ok: GStreamer rtspsrc with user:password in the URL decoded $N frames"

gst_run props location="$SERVER_URL" user-id="$USER_NAME" user-pw="$PASSWORD"
got=$(grep -c "fakesink0: last-message = chain" "$out" || true)
if [[ $status -ne 0 || $got -ne $N ]]; then
    show "$out"
    fail "gst-launch with user-id/user-pw: status $status, $got of $N frames"
fi
log "ok: GStreamer rtspsrc with user-id/user-pw decoded $N frames"

gst_run wrong location="$(url_with "$USER_NAME:wrong")"
if [[ $status -eq 0 ]] || grep -q "fakesink0: last-message = chain" "$out" || ! grep -qi "unauthorized\|401\|not authorized" "$out"; then
    show "$out"
    fail "gst-launch with a wrong password: expected an Unauthorized error and no frames (status $status)"
fi
log "ok: GStreamer rtspsrc with a wrong password refused: $(grep -i -m1 'unauthorized\|401\|not authorized' "$out")"

stop_server
log "PASS"
