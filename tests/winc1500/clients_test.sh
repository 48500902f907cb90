#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GStreamer rtspsrc and ffprobe against the seed's WINC1500 rtsp_server running on the driver
# emulation (events only in m2m_wifi_handle_events, 1400-byte sends, one pending receive,
# 7 + 4 sockets, a 24-buffer chip TX pool), over UDP and over TCP: GStreamer must decode 30
# frames at the served size with no ERROR, ffprobe must count >= 45 mjpeg frames in 3 s of a
# 30 fps stream; each within 25 s.
# usage: clients_test.sh WINC_SERVE WINC_SERVE (the second is lib.sh's FRAME_TOOL)
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/../interop/lib.sh"
require_tools gst-launch-1.0 ffprobe
require_gst_elements rtspsrc rtpjpegdepay jpegdec fakesink

W=320 H=240 N=30
start_server --path /cam --size ${W}x$H --fps 30 --quality 80

for proto in udp tcp; do
    out=$WORK/gst-$proto.log status=0
    timeout -k 5 25 gst-launch-1.0 -v rtspsrc location="$SERVER_URL" protocols=$proto \
        ! rtpjpegdepay ! jpegdec ! fakesink num-buffers=$N silent=false >"$out" 2>&1 || status=$?
    ! gst_run_failed "$out" "$status" || { show "$out"; fail "gst-launch ($proto) printed an ERROR or exited with status $status"; }
    frames=$(grep -c "fakesink0: last-message = chain" "$out" || true)
    [[ $frames -eq $N ]] || { show "$out"; fail "gst-launch ($proto): $frames frames, expected $N"; }
    # The pad's notify::caps line can be missed on a slow machine; the caps event carries it too.
    tr -d '\\' <"$out" | grep -qE "fakesink0.*caps.*video/x-raw.*width=\(int\)$W, height=\(int\)$H" ||
        { show "$out"; fail "gst-launch ($proto): the decoded frames are not ${W}x$H"; }
    log "ok: GStreamer rtspsrc protocols=$proto decoded $N frames of ${W}x$H"

    out=$WORK/ffprobe-$proto.log status=0
    timeout -k 5 25 ffprobe -v error -rtsp_transport $proto -timeout 5000000 -count_frames -select_streams v \
        -read_intervals %+3 -show_entries stream=codec_name,width,height,nb_read_frames \
        -of default=noprint_wrappers=1 "$SERVER_URL" >"$out" 2>&1 || status=$?
    [[ $status -eq 0 ]] || { show "$out"; fail "ffprobe ($proto) exited with status $status"; }
    grep -qx "codec_name=mjpeg" "$out" && grep -qx "width=$W" "$out" && grep -qx "height=$H" "$out" ||
        { show "$out"; fail "ffprobe ($proto): not a ${W}x$H mjpeg stream"; }
    frames=$(sed -n 's/^nb_read_frames=//p' "$out")
    ((frames >= 45)) || { show "$out"; fail "ffprobe ($proto) counted $frames frames in 3 s at 30 fps (need >= 45)"; }
    log "ok: ffprobe -rtsp_transport $proto counted $frames mjpeg frames of ${W}x$H in 3 s"
done

stop_server
grep "^emu:\|^adapter:" "$SERVER_LOG"
log "PASS"
