# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Shared pieces of the interop test scripts (sourced, not run): a scratch folder, a trap that
# always stops what the test started, tool checks, and starting rtsp-serve on a free loopback
# port. Every wait is bounded in count and time; every external command runs under timeout(1).
#
# The sourcing script sets SERVE (the rtsp-serve binary) and FRAME_TOOL (frame_tool) first.

set -euo pipefail

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rtsp-interop.XXXXXX")
STARTED_PIDS=()   # everything started in the background, stopped by the EXIT trap

log() { printf '%s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# Stops pid $1: SIGTERM, up to 5 s for it to go, then SIGKILL. Never waits unboundedly.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
    for pid in "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $rc -ne 0 && -n ${KEEP_INTEROP_WORK:-} ]]; then
        log "kept the scratch folder $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Fails naming the package when a tool is missing.
require_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 && continue
        case $t in
            gst-launch-1.0 | gst-inspect-1.0) fail "$t not found: install GStreamer (Debian: gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-base)" ;;
            ffmpeg | ffprobe) fail "$t not found: install FFmpeg (Debian: ffmpeg)" ;;
            cjpeg) fail "cjpeg not found: install libjpeg-turbo's tools (Debian: libjpeg-turbo-progs)" ;;
            *) fail "$t not found" ;;
        esac
    done
}

# Fails naming the plugin package when a GStreamer element is missing.
require_gst_elements() {
    local e
    require_tools gst-inspect-1.0
    for e in "$@"; do
        timeout 20 gst-inspect-1.0 --exists "$e" ||
            fail "GStreamer element '$e' not found (Debian: gstreamer1.0-plugins-good for rtspsrc, rtpjpegdepay, jpegdec; gstreamer1.0-plugins-base for videoconvert)"
    done
}

[[ -x ${SERVE:-} ]] || fail "rtsp-serve not found at '${SERVE:-}' (build the rtsp-serve target)"
[[ -x ${FRAME_TOOL:-} ]] || fail "frame_tool not found at '${FRAME_TOOL:-}'"
require_tools timeout

# start_server ARGS...: runs rtsp-serve --bind 127.0.0.1 --port <free> ARGS, waits (at most 10 s)
# for it to print its URL, and sets SERVER_URL, SERVER_PID and SERVER_LOG. A port taken between
# choosing and binding (exit status 1, "already in use") is retried with another, 3 times.
start_server() {
    local attempt port i status
    for ((attempt = 1; attempt <= 3; attempt++)); do
        port=$(timeout 10 "$FRAME_TOOL" free-port) || fail "frame_tool free-port failed"
        SERVER_LOG=$WORK/server.$attempt.log
        # Under ASan, no exit-time leak scan here: on the loaded CI machine it took over 45 s after
        # the server's last line (with clients and other ASan processes running beside it). Leaks
        # stay covered by LSan in the unit, hardening and fuzz tests and by the valgrind run of the
        # hardening server under real clients.
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
            timeout -k 45 300 "$SERVE" --bind 127.0.0.1 --port "$port" "$@" >"$SERVER_LOG" 2>&1 &
        SERVER_PID=$!
        STARTED_PIDS+=("$SERVER_PID")
        SERVER_URL=
        for ((i = 0; i < 100; i++)); do
            SERVER_URL=$(grep -o -m1 "rtsp://127\.0\.0\.1:${port}[^ ]*" "$SERVER_LOG" || true)
            [[ -n $SERVER_URL ]] && break
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if [[ -n $SERVER_URL ]]; then
            log "server: $SERVE --bind 127.0.0.1 --port $port $* -> $SERVER_URL"
            return 0
        fi
        status=0
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            stop_pid "$SERVER_PID"
            cat "$SERVER_LOG" >&2
            fail "rtsp-serve printed no rtsp://127.0.0.1:$port URL within 10 s"
        fi
        wait "$SERVER_PID" || status=$?
        if [[ $status -eq 1 ]] && grep -q "already in use" "$SERVER_LOG"; then
            log "port $port was taken meanwhile; trying another"
            continue
        fi
        cat "$SERVER_LOG" >&2
        fail "rtsp-serve exited with status $status before printing its URL"
    done
    fail "no free port found in 3 attempts"
}

# start_client NAME CMD...: runs CMD (a command or a function of the script, bounded by its own
# timeout(1)) in the background with its output in $WORK/NAME.log; the EXIT trap stops it.
declare -A CLIENT_PIDS=()
start_client() {
    local name=$1
    shift
    "$@" >"$WORK/$name.log" 2>&1 &
    CLIENT_PIDS[$name]=$!
    STARTED_PIDS+=($!)
}

# wait_client NAME: waits for the client start_client started as NAME and sets STATUS to its
# exit status.
wait_client() {
    STATUS=0
    wait "${CLIENT_PIDS[$1]}" || STATUS=$?
}

# Stops the server with SIGTERM, like a service manager would: it must exit 0 within 45 s. A
# normal build exits at once; an ASan build on a loaded machine spent over 20 s in its exit-time
# leak scan twice in CI, after printing its last line. (timeout -k 45 above starts its own kill
# timer when it forwards our SIGTERM, so the two bounds must agree.)
stop_server() {
    local i status=0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for ((i = 0; i < 450; i++)); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        stop_pid "$SERVER_PID"
        fail "rtsp-serve did not exit within 45 s of SIGTERM"
    fi
    wait "$SERVER_PID" || status=$?
    [[ $status -eq 0 ]] || {
        cat "$SERVER_LOG" >&2
        fail "rtsp-serve exited with status $status after SIGTERM (expected 0)"
    }
}

# Prints a client's output file (on failure, so that the CTest log shows what the client said).
show() {
    log "----- $1 -----"
    cat "$1" || true
    log "-----"
}

# gst_error_while_playing FILE: true if gst-launch printed an ERROR before it reached EOS. An
# ERROR after "Got EOS" comes from tearing the pipeline down (rtspsrc sometimes reports the
# server's end of the TCP stream then), after every frame was already decoded and counted.
gst_error_while_playing() {
    awk '/Got EOS from element/ { exit 1 } /ERROR/ { found = 1; exit 0 } END { exit !found }' "$1"
}

# gst_run_failed FILE STATUS: true if a gst-launch run failed. Not a failure: rtspsrc's own race
# while the pipeline shuts down after its last buffer, where its PAUSE follows its TEARDOWN on a
# connection it has already closed: gst-launch then exits 1 with only "Could not send message.
# (Received end-of-file)" errors (seen about once in 20 runs under load, with the server's log
# showing the TEARDOWN answered). The callers check the frames themselves.
gst_run_failed() {
    local file=$1 status=$2 errors races
    ((status == 124)) && return 0
    errors=$(grep -c "^ERROR" "$file" || true)
    races=$(grep -c "Could not send message. (Received end-of-file)" "$file" || true)
    if ((errors == 0)); then
        ((status != 0))
        return
    fi
    # Every error is the shutdown race, and none came while playing (when -v shows EOS).
    ((errors == races)) || return 0
    if grep -q "Got EOS from element" "$file" && gst_error_while_playing "$file"; then return 0; fi
    return 1
}

# check_gst_decoded FILE STATUS LABEL N W H: a `gst-launch-1.0 -v ... ! fakesink silent=false
# num-buffers=N` run (output in FILE, exit status STATUS) must have decoded N frames of WxH
# without an ERROR; fails the test naming LABEL and showing FILE otherwise.
check_gst_decoded() {
    local out=$1 status=$2 label=$3 n=$4 w=$5 h=$6 frames
    if gst_run_failed "$out" "$status"; then  # an ERROR, or a bad exit (the shutdown race aside)
        show "$out"
        [[ $status -eq 124 ]] && fail "gst-launch ($label) did not receive $n frames in time"
        fail "gst-launch ($label) printed an ERROR or exited with status $status"
    fi
    frames=$(grep -c "fakesink0: last-message = chain" "$out" || true)
    if [[ $frames -ne $n ]]; then
        show "$out"
        fail "gst-launch ($label): fakesink got $frames decoded frames, expected $n"
    fi
    # The size is in the sink pad's notify::caps line, or (that notification is asynchronous and
    # can be missed on a slow machine) in fakesink's caps event, printed with escaped characters.
    if ! tr -d '\\' <"$out" | grep -qE "fakesink0.*caps.*video/x-raw.*width=\(int\)$w, height=\(int\)$h"; then
        show "$out"
        fail "gst-launch ($label): the decoded frames are not ${w}x$h"
    fi
}

# check_ffprobe_counted FILE STATUS LABEL W H MIN_FRAMES SECONDS: an `ffprobe -count_frames
# -read_intervals %+SECONDS -show_entries stream=codec_name,width,height,nb_read_frames
# -of default=noprint_wrappers=1` run (output in FILE, exit status STATUS) must have exited 0 and
# probed mjpeg at WxH with at least MIN_FRAMES frames decoded; fails naming LABEL and showing
# FILE otherwise. Sets FRAMES to the count.
check_ffprobe_counted() {
    local out=$1 status=$2 label=$3 w=$4 h=$5 min=$6 secs=$7 codec width height
    if [[ $status -ne 0 ]]; then
        show "$out"
        [[ $status -eq 124 ]] && fail "ffprobe ($label) did not finish in time"
        fail "ffprobe ($label) exited with status $status"
    fi
    codec=$(sed -n 's/^codec_name=//p' "$out")
    width=$(sed -n 's/^width=//p' "$out")
    height=$(sed -n 's/^height=//p' "$out")
    FRAMES=$(sed -n 's/^nb_read_frames=//p' "$out")
    if [[ $codec != mjpeg || $width != "$w" || $height != "$h" || ! $FRAMES =~ ^[0-9]+$ ]]; then
        show "$out"
        fail "ffprobe ($label): expected codec_name=mjpeg width=$w height=$h and a frame count"
    fi
    if ((FRAMES < min)); then
        show "$out"
        fail "ffprobe ($label): decoded $FRAMES frames in $secs s of stream, expected >= $min"
    fi
}

# check_group_stream PATH GROUP:PORT MEMBERS: after stop_server, rtsp-serve's --verbose log must
# show MEMBERS multicast setups on PATH and at least one group stream for PATH to GROUP:PORT,
# every one of them ended. Sets STREAMS to the number of group streams.
check_group_stream() {
    local path=$1 group=$2 expected=$3 members ended
    members=$(grep -c "(multicast) setup $path session" "$SERVER_LOG" || true)
    STREAMS=$(grep -c "multicast stream for $path on $group" "$SERVER_LOG" || true)
    ended=$(grep -c "multicast stream for $path ended" "$SERVER_LOG" || true)
    if [[ $members -ne $expected || $STREAMS -lt 1 || $STREAMS -ne $ended ]]; then
        show "$SERVER_LOG"
        fail "rtsp-serve's log: $members multicast setups on $path (expected $expected), $STREAMS group streams to $group started and $ended ended"
    fi
}
