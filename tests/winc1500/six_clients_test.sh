#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Six clients at once on the emulated WINC1500 (the listener + 6 connections use all 7 TCP
# sockets): three GStreamer clients over UDP, three over TCP, 160x120 at 15 fps. While they
# stream, a 7th TCP connection must be refused cleanly (closed without a reply, or 503), and all
# six must still decode 60 frames (4 s) each, with no ERROR while playing, within 40 s.
# usage: six_clients_test.sh WINC_SERVE WINC_SERVE
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/../interop/lib.sh"
require_tools gst-launch-1.0
require_gst_elements rtspsrc rtpjpegdepay jpegdec fakesink

N=60
start_server --path /six --size 160x120 --fps 15 --quality 70
port=${SERVER_URL#rtsp://127.0.0.1:}
port=${port%%/*}

PIDS=()
for i in 1 2 3 4 5 6; do
    proto=udp
    ((i > 3)) && proto=tcp
    timeout -k 5 40 gst-launch-1.0 -v rtspsrc location="$SERVER_URL" protocols=$proto \
        ! rtpjpegdepay ! jpegdec ! fakesink num-buffers=$N silent=false >"$WORK/gst-$i-$proto.log" 2>&1 &
    PIDS+=($!)
    STARTED_PIDS+=($!)
done

# Wait (at most 20 s) until all six are playing: each has decoded a frame.
for ((t = 0; t < 200; t++)); do
    playing=0
    for f in "$WORK"/gst-*.log; do
        grep -q "fakesink0: last-message = chain" "$f" 2>/dev/null && playing=$((playing + 1))
    done
    ((playing == 6)) && break
    sleep 0.1
done
((playing == 6)) || { for f in "$WORK"/gst-*.log; do show "$f"; done; fail "only $playing of 6 clients started playing within 20 s"; }
log "ok: six clients playing"

timeout -k 5 15 "$SERVE" refused 127.0.0.1 "$port" >"$WORK/seventh.log" 2>&1 ||
    { show "$WORK/seventh.log"; fail "the seventh connection was not refused cleanly"; }
log "ok: seventh connection: $(cat "$WORK/seventh.log")"

failed=0
for i in "${!PIDS[@]}"; do
    status=0
    wait "${PIDS[$i]}" || status=$?
    f=$(ls "$WORK"/gst-$((i + 1))-*.log)
    frames=$(grep -c "fakesink0: last-message = chain" "$f" || true)
    ok=1
    [[ $frames -eq $N ]] || ok=0
    # lib.sh: rtspsrc's PAUSE can race its own TEARDOWN after EOS (1 run in ~10 here, before and
    # after the adapter changes); the server's TEARDOWNs are counted below instead.
    ! gst_run_failed "$f" "$status" || ok=0
    if ((ok == 0)); then
        show "$f"
        log "FAIL: client $((i + 1)) ($(basename "$f")): status $status, $frames of $N frames"
        failed=1
    else
        log "ok: client $((i + 1)) ($(basename "$f" .log)) decoded $N frames"
    fi
done
stop_server
grep "^emu:\|^adapter:" "$SERVER_LOG"
teardowns=$(grep -c "ended (TEARDOWN)" "$SERVER_LOG" || true)
((teardowns == 6)) || fail "the server saw $teardowns TEARDOWNs, not 6"
grep -q "max_tcp_in_use=7" "$SERVER_LOG" || fail "the emulated chip never had all 7 TCP sockets in use"
grep -q "accept_refused=[1-9]" "$SERVER_LOG" || grep -q "503" "$WORK/seventh.log" ||
    fail "the seventh connection was neither refused by the chip nor answered 503"
((failed == 0)) || fail "not every one of the six clients got its frames"
log "PASS"
