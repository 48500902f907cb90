#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# rtsp-serve's test pattern at quality 90, as FFmpeg decodes it (TCP), against the pattern
# itself rendered by the same code (examples/rtsp_serve/test_pattern.hpp, through frame_tool):
#  - each frame is matched to its pattern frame number (they must increase), and its luma PSNR
#    against the pattern must be >= 40 dB outside the drawn clock (the server's wall time at
#    encode, which no client can know; the frame counter is compared);
#  - outside the clock it must be byte-identical to FFmpeg's decoding of the same pattern frame
#    encoded locally by the library's TurboJPEG encoder at quality 90, 4:2:0: nothing is lost
#    or altered between the encoder and the client.
# RGB PSNR is printed too; it is not the criterion because 4:2:0 chroma subsampling alone holds
# it near 38 dB on the pattern's saturated colour-bar edges with any encoder (cjpeg -quality 90
# and FFmpeg's decoder give the same figure for frame 0 as the stream does).
# usage: pattern_test.sh RTSP_SERVE FRAME_TOOL
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/lib.sh"
require_tools ffmpeg

W=640 H=480 Q=90 K=12 MIN_DB=40
start_server --path /pattern --size ${W}x$H --fps 30 --quality $Q

out=$WORK/ffmpeg.log
status=0
timeout -k 5 30 ffmpeg -nostdin -hide_banner -v error -rtsp_transport tcp -timeout 5000000 -i "$SERVER_URL" \
    -frames:v $K -fps_mode passthrough -f rawvideo -pix_fmt rgb24 -y "$WORK/stream.rgb" >"$out" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
    show "$out"
    fail "ffmpeg exited with status $status"
fi
stop_server

# The pattern's frame counter starts at 0 when the first client plays; frames drawn before
# FFmpeg's first decoded one are few, so 0..300 (10 s at 30 fps) is ample.
mkdir -p "$WORK/ref"
if ! timeout -k 5 120 "$FRAME_TOOL" pattern $W $H "$WORK/stream.rgb" $MIN_DB 300 $Q "$WORK/ref" >"$WORK/psnr.log" 2>&1; then
    show "$WORK/psnr.log"
    fail "the streamed test pattern is not within $MIN_DB dB (luma) of the pattern, or out of order"
fi
cat "$WORK/psnr.log"
REFS=()
for j in "$WORK"/ref/ref_*.jpg; do
    timeout -k 5 30 ffmpeg -nostdin -v error -i "$j" -f rawvideo -pix_fmt rgb24 -y "${j%.jpg}.rgb" ||
        fail "ffmpeg could not decode the local reference $j"
    REFS+=("${j%.jpg}.rgb")
done
if ! timeout -k 5 60 "$FRAME_TOOL" masked-equal $W $H "$WORK/stream.rgb" "${REFS[@]}" >"$WORK/equal.log" 2>&1; then
    show "$WORK/equal.log"
    fail "the streamed frames differ from FFmpeg's decoding of a local encode of the same pattern frames"
fi
log "ok: $K frames: luma PSNR >= $MIN_DB dB, and identical outside the clock to a local quality-$Q encode"
log "PASS"
