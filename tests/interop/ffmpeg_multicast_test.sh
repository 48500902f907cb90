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
    # As root a plain --net; elsewhere a user namespace may allow one.
    for flags in --net "--map-root-user --net"; do
        # shellcheck disable=SC2086  # two flags in one word on purpose
        unshare $flags true 2>/dev/null && RTSP_IN_NETNS=1 exec unshare $flags -- bash "$0" "$@"
    done
    echo "SKIP: this machine does not allow network namespaces (unshare --net), which the test needs to route multicast to the loopback interface only"
    exit 77
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
for c in "${CLIENTS[@]}"; do
    start_client "$c" timeout -k 5 30 ffprobe -v error -rtsp_transport udp_multicast -timeout 5000000 \
        -count_frames -select_streams v -read_intervals "%+$SECONDS_READ" \
        -show_entries stream=codec_name,width,height,nb_read_frames -of default=noprint_wrappers=1 \
        "$SERVER_URL"
done

for c in "${CLIENTS[@]}"; do
    wait_client "$c"
    out=$WORK/$c.log status=$STATUS
    [[ $status -eq 0 ]] || show "$SERVER_LOG"  # who left, and why
    check_ffprobe_counted "$out" "$status" "$c" $W $H $MIN_FRAMES $SECONDS_READ
    log "ok: ffprobe -rtsp_transport udp_multicast ($c): mjpeg ${W}x$H, $FRAMES frames decoded in ${SECONDS_READ} s of stream"
done

stop_server
check_group_stream /cam "$GROUP:$PORT" 2
log "ok: two FFmpeg multicast members; $STREAMS group stream(s) to $GROUP:$PORT"
log "PASS"
