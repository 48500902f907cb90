#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The interop flow under valgrind memcheck: rtsp_hardening_server (the real server, ready JPEGs
# and TurboJPEG-encoded images) runs under `valgrind --error-exitcode=1 --leak-check=full`
# while ffprobe plays it over UDP, over TCP and through an HTTP tunnel, and a few raw clients
# send bad requests and vanish. The test passes when every client got its frames, and valgrind reports no error and
# no leak after a clean SIGTERM shutdown. Bounded: about 40 s on 2 cores.
# usage: valgrind_test.sh HARDENING_SERVER
set -euo pipefail
SERVER=$1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rtsp-valgrind.XXXXXX")
VG_PID=

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}
cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    if [[ -n $VG_PID ]] && kill -0 "$VG_PID" 2>/dev/null; then
        kill -TERM "$VG_PID" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do kill -0 "$VG_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$VG_PID" 2>/dev/null || true
        wait "$VG_PID" 2>/dev/null || true
    fi
    if [[ $rc -ne 0 ]]; then
        for f in "$WORK"/*.log; do [[ -f $f ]] && { echo "--- $f"; tail -n 60 "$f"; }; done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v valgrind >/dev/null || fail "valgrind not found (Debian: valgrind)"
command -v ffprobe >/dev/null || fail "ffprobe not found (Debian: ffmpeg)"
command -v timeout >/dev/null || fail "timeout not found (Debian: coreutils)"
[[ -x $SERVER ]] || fail "server binary not found at '$SERVER'"

valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --track-fds=no --log-file="$WORK/valgrind.log" \
    "$SERVER" 0 >"$WORK/server.log" 2>&1 &
VG_PID=$!

port=
for ((i = 0; i < 300; i++)); do  # valgrind starts slowly: up to 30 s
    port=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$WORK/server.log")
    [[ -n $port ]] && break
    kill -0 "$VG_PID" 2>/dev/null || fail "the server exited before listening"
    sleep 0.1
done
[[ -n $port ]] || fail "the server did not print its port within 30 s"
URL="rtsp://127.0.0.1:$port/cam"
echo "server under valgrind on $URL"

for proto in udp tcp http; do
    out=$WORK/ffprobe-$proto.log
    status=0
    timeout -k 5 60 ffprobe -v error -rtsp_transport $proto -timeout 10000000 \
        -count_frames -select_streams v -read_intervals "%+2" \
        -show_entries stream=codec_name,width,height,nb_read_frames -of default=noprint_wrappers=1 \
        "$URL" >"$out" 2>&1 || status=$?
    [[ $status -eq 0 ]] || fail "ffprobe ($proto) exited with status $status"
    frames=$(sed -n 's/^nb_read_frames=//p' "$out")
    codec=$(sed -n 's/^codec_name=//p' "$out")
    [[ $codec == mjpeg && $frames =~ ^[0-9]+$ ]] || fail "ffprobe ($proto): no mjpeg frame count"
    # Valgrind slows the server down a lot; the point here is memory errors, not the rate.
    ((frames >= 5)) || fail "ffprobe ($proto) decoded only $frames frames"
    echo "ok: ffprobe $proto decoded $frames frames"
done

# Raw clients: a bad request that closes the connection, a client that vanishes mid-PLAY over
# TCP, one reset mid-request. Bash's /dev/tcp is enough; each is bounded by timeout(1).
timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'OPTIONS * RTSP/1.0\r\nContent-Length: -1\r\n\r\n' >&3; head -c 200 <&3" \
    >"$WORK/raw1.log" 2>&1 || true
grep -q '^RTSP/1.0 400' "$WORK/raw1.log" || fail "bad Content-Length did not get 400"
timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port
printf 'SETUP $URL/track1 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n' >&3
IFS= read -r -t 8 line <&3; echo \"\$line\"
sess=
while IFS= read -r -t 8 l <&3; do l=\${l%\$'\r'}; [[ -z \$l ]] && break; [[ \$l == Session:* ]] && sess=\${l#Session: }; done
sess=\${sess%%;*}
printf 'PLAY $URL RTSP/1.0\r\nCSeq: 2\r\nSession: %s\r\n\r\n' \"\$sess\" >&3
head -c 20000 <&3 >/dev/null" >"$WORK/raw2.log" 2>&1 || true
grep -q '^RTSP/1.0 200' "$WORK/raw2.log" || fail "raw TCP SETUP did not get 200"
timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'DESCRIBE $URL RTSP/1.0\r\nCSe' >&3" || true
sleep 1

kill -TERM "$VG_PID"
status=0
for ((i = 0; i < 300; i++)); do kill -0 "$VG_PID" 2>/dev/null || break; sleep 0.1; done
wait "$VG_PID" || status=$?
VG_PID=
cat "$WORK/server.log"
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|in use at exit' "$WORK/valgrind.log" || true
[[ $status -eq 0 ]] || fail "server under valgrind exited with status $status (1: memcheck errors or leaks, or a setup without teardown)"
grep -q 'ERROR SUMMARY: 0 errors' "$WORK/valgrind.log" || fail "valgrind reported errors"
echo "PASS"
