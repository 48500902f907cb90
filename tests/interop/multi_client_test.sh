#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Four clients at once on one rtsp-serve stream (the test pattern, 640x480, 30 fps): ffprobe
# over UDP, ffprobe over TCP, GStreamer over UDP, GStreamer over TCP, all started together.
# Each must receive and decode >= 95% of the frames of 5 s of stream, i.e. >= 143 of 150:
#  - ffprobe: -count_frames with -read_intervals %+5 counts the decoded frames whose timestamps
#    lie in the first 5 s of the stream it read (frames lost leave gaps: fewer counted);
#  - GStreamer: fakesink silent=false under -v prints every decoded buffer's PTS (from the RTP
#    timestamps); it runs for 165 buffers and we count those with PTS < first PTS + 5 s.
# usage: multi_client_test.sh RTSP_SERVE FRAME_TOOL
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/lib.sh"
require_tools ffprobe gst-launch-1.0
require_gst_elements rtspsrc rtpjpegdepay jpegdec fakesink

W=640 H=480 FPS=30 WINDOW=5
EXPECTED=$((FPS * WINDOW))
MIN=$(((EXPECTED * 95 + 99) / 100))
# --verbose: the log names who closed a connection and why, shown if a client comes up short.
start_server --path /many --size ${W}x$H --fps $FPS --quality 80 --verbose

ffprobe_client() {  # ffprobe_client PROTO
    timeout -k 5 40 ffprobe -v error -rtsp_transport "$1" -timeout 5000000 -count_frames -select_streams v \
        -read_intervals "%+$WINDOW" -show_entries stream=codec_name,nb_read_frames \
        -of default=noprint_wrappers=1 "$SERVER_URL"
}
gst_client() {  # gst_client PROTO
    timeout -k 5 40 gst-launch-1.0 -v rtspsrc location="$SERVER_URL" protocols="$1" ! rtpjpegdepay ! jpegdec \
        ! fakesink silent=false num-buffers=$((EXPECTED + 15))
}

CLIENTS=(ffprobe-udp ffprobe-tcp gst-udp gst-tcp)
for c in "${CLIENTS[@]}"; do
    case $c in
        ffprobe-*) start_client "$c" ffprobe_client "${c#ffprobe-}" ;;
        gst-*) start_client "$c" gst_client "${c#gst-}" ;;
    esac
done

# Every client is bounded by its own timeout(1); collect the statuses.
failed=0
for c in "${CLIENTS[@]}"; do
    wait_client "$c"
    status=$STATUS
    log_file=$WORK/$c.log
    run_failed=0
    case $c in
        gst-*) ! gst_run_failed "$log_file" "$status" || run_failed=1 ;;  # lib.sh: shutdown race
        *) [[ $status -eq 0 ]] || run_failed=1 ;;
    esac
    if ((run_failed)); then
        show "$log_file"
        log "FAIL: $c exited with status $status$([[ $status -eq 124 ]] && echo " (timed out after 40 s)")"
        failed=1
        continue
    fi
    case $c in
        ffprobe-*)
            frames=$(sed -n 's/^nb_read_frames=//p' "$log_file")
            codec=$(sed -n 's/^codec_name=//p' "$log_file")
            [[ $codec == mjpeg ]] || { show "$log_file"; log "FAIL: $c: codec '$codec', expected mjpeg"; failed=1; }
            ;;
        gst-*)
            # "... pts: 0:00:01.233333333, ..." -> nanoseconds; count within the first WINDOW s.
            frames=$(sed -n 's/.*fakesink0: last-message = chain.* pts: \([0-9]*\):\([0-9]*\):\([0-9]*\)\.\([0-9]*\),.*/\1 \2 \3 \4/p' "$log_file" |
                awk -v win="$WINDOW" '{ t = (($1 * 60 + $2) * 60 + $3) * 1e9 + $4; if (NR == 1) t0 = t; if (t < t0 + win * 1e9) n++ } END { print n + 0 }')
            ;;
    esac
    if [[ ! ${frames:-} =~ ^[0-9]+$ ]]; then
        show "$log_file"
        log "FAIL: $c: no frame count in its output"
        failed=1
    elif ((frames < MIN)); then
        show "$log_file"
        log "FAIL: $c received $frames of the $EXPECTED frames of ${WINDOW} s at $FPS fps (need >= $MIN, 95%)"
        failed=1
    else
        log "ok: $c received $frames of the $EXPECTED frames of ${WINDOW} s at $FPS fps (>= $MIN)"
    fi
done
grep "disconnected" "$SERVER_LOG" || true   # the server's own per-client frame counts
stop_server
if ((failed)); then  # what the server said about the connections, to tell who ended a stream
    log "----- last 80 lines of $SERVER_LOG -----"
    tail -n 80 "$SERVER_LOG" || true
    log "-----"
fi
((failed == 0)) || fail "not every client got 95% of the frames"
log "PASS"
