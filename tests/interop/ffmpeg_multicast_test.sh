#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UDP multicast with FFmpeg: two `ffprobe -rtsp_transport udp_multicast` clients join
# rtsp-serve's group stream at once; each must probe mjpeg at the served size and decode at least
# 80 of the 90 frames of 3 s of stream; the server must report both as multicast sessions of one
# group stream, ended after they leave.
# FFmpeg joins a group on the interface its route to the group goes through (it has no option
# to name one), so the test runs in a network namespace of its own (unshare --net) that has only
# the loopback interface, with 224.0.0.0/4 routed to it: nothing is sent or joined anywhere else,
# and the host's routes are untouched. Where namespaces are not allowed (an unprivileged
# container) the test is skipped (exit 77) saying so.
# usage: ffmpeg_multicast_test.sh RTSP_SERVE FRAME_TOOL
set -euo pipefail
if [[ -z ${RTSP_IN_NETNS:-} ]]; then
    command -v unshare >/dev/null 2>&1 || { echo "FAIL: unshare not found (Debian: util-linux)" >&2; exit 1; }
    if ! unshare --net true 2>/dev/null && ! unshare --map-root-user --net true 2>/dev/null; then
        echo "SKIP: this machine does not allow network namespaces (unshare --net), which the test needs to route multicast to the loopback interface only"
        exit 77
    fi
    flags=(--net)
    unshare --net true 2>/dev/null || flags=(--map-root-user --net)
    RTSP_IN_NETNS=1 exec unshare "${flags[@]}" -- bash "$0" "$@"
fi

SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/lib.sh"
require_tools ffprobe ip
ip link set lo up || fail "cannot bring up the namespace's loopback interface"
ip route add 224.0.0.0/4 dev lo || fail "cannot route 224.0.0.0/4 to the loopback interface"
log "in a network namespace of its own: $(ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')interfaces; $(ip route | tr '\n' ' ')"

W=352 H=288 FPS=30 SECONDS_READ=3 MIN_FRAMES=80
GROUP=239.255.1.1 PORT=5004
start_server --path /cam --size ${W}x$H --fps $FPS --quality 80 --multicast "$GROUP:$PORT" --verbose

CLIENTS=(mcast-1 mcast-2)
PIDS=()
for c in "${CLIENTS[@]}"; do
    timeout -k 5 30 ffprobe -v error -rtsp_transport udp_multicast -timeout 5000000 \
        -count_frames -select_streams v -read_intervals "%+$SECONDS_READ" \
        -show_entries stream=codec_name,width,height,nb_read_frames -of default=noprint_wrappers=1 \
        "$SERVER_URL" >"$WORK/$c.log" 2>&1 &
    PIDS+=($!)
    STARTED_PIDS+=($!)
done

for i in "${!CLIENTS[@]}"; do
    c=${CLIENTS[$i]} out=$WORK/${CLIENTS[$i]}.log status=0
    wait "${PIDS[$i]}" || status=$?
    [[ $status -eq 0 ]] || show "$SERVER_LOG"  # who left, and why
    check_ffprobe_counted "$out" "$status" "$c" $W $H $MIN_FRAMES $SECONDS_READ
    log "ok: ffprobe -rtsp_transport udp_multicast ($c): mjpeg ${W}x$H, $FRAMES frames decoded in ${SECONDS_READ} s of stream"
done

stop_server
members=$(grep -c "(multicast) setup /cam" "$SERVER_LOG" || true)
streams=$(grep -c "multicast stream for /cam on $GROUP:$PORT" "$SERVER_LOG" || true)
ended=$(grep -c "multicast stream for /cam ended" "$SERVER_LOG" || true)
if [[ $members -ne 2 || $streams -lt 1 || $streams -ne $ended ]]; then
    show "$SERVER_LOG"
    fail "rtsp-serve's log: $members multicast setups (expected 2), $streams group streams started and $ended ended"
fi
log "ok: two FFmpeg multicast members; $streams group stream(s) to $GROUP:$PORT"
log "PASS"
