#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# JPEG files pass through rtsp-serve unchanged, or re-coded losslessly when only their coding is
# what RFC 2435 cannot carry: a client's decoded frames must be PIXEL-IDENTICAL to the same
# client's decoding of the files themselves, in serving order (from any start).
#
# The folder holds (all 320x240):
#   a_*  4:2:0, written by ffmpeg with -huffman default (standard tables): sent as they are
#   b_*  4:2:2 (Y 2x1, chroma 1x1), written by cjpeg -sample 2x1
#   c_*  4:2:0 with a restart interval of one MCU row (cjpeg -restart 1): RTP/JPEG types 65
#   d_*  4:2:2 with a restart interval of 5 MCUs (cjpeg -sample 2x1 -restart 5B): type 64
#   e_*  progressive (cjpeg -progressive): re-coded as baseline by rtsp-serve, same picture
#   f_*  ffmpeg's default "optimal" Huffman tables: re-coded with the standard ones, same picture
#   x_*  a JPEG cut short inside its headers: nothing can mend it, so rtsp-serve must skip it
#        and name it in its output.
# (Files that must be re-encoded, 4:4:4 or grayscale, are not pixel-identical by nature; the
# unit tests check those, tests/unit/jpeg_converter_test.cpp.)
# Checked with FFmpeg (TCP) on --source jpeg-dir:DIR and on --source mjpeg-file:FILE (the good
# files concatenated), and with GStreamer (rtpjpegdepay ! jpegdec, TCP) on jpeg-dir.
# usage: jpeg_files_test.sh RTSP_SERVE FRAME_TOOL
set -euo pipefail
SERVE=$1 FRAME_TOOL=$2
source "$(dirname "$0")/lib.sh"
require_tools ffmpeg cjpeg gst-launch-1.0
require_gst_elements rtspsrc rtpjpegdepay jpegdec videoconvert identity filesink filesrc

W=320 H=240
DIR=$WORK/frames
mkdir -p "$DIR" "$WORK/ppm"
ff() { timeout -k 5 30 ffmpeg -nostdin -hide_banner -v error "$@"; }

# --- the files ------------------------------------------------------------------------------
ff -f lavfi -i "testsrc2=size=${W}x$H:rate=5" -frames:v 4 -q:v 3 -huffman default -pix_fmt yuvj420p "$DIR/a_%03d.jpg"
ff -f lavfi -i "testsrc2=size=${W}x$H:rate=5" -ss 1 -frames:v 3 -f image2 -c:v ppm "$WORK/ppm/p_%03d.ppm"
for p in "$WORK"/ppm/p_*.ppm; do
    n=$(basename "$p" .ppm)
    n=${n#p_}
    timeout 10 cjpeg -quality 85 -sample 2x1 -outfile "$DIR/b_$n.jpg" "$p"
    timeout 10 cjpeg -quality 75 -restart 1 -outfile "$DIR/c_$n.jpg" "$p"
    timeout 10 cjpeg -quality 95 -sample 2x1 -restart 5B -outfile "$DIR/d_$n.jpg" "$p"
    timeout 10 cjpeg -quality 80 -progressive -outfile "$DIR/e_$n.jpg" "$p"
done
ff -f lavfi -i "testsrc2=size=${W}x$H:rate=5" -ss 2 -frames:v 2 -q:v 4 -pix_fmt yuvj420p "$DIR/f_%03d.jpg"
head -c 300 "$DIR/a_001.jpg" >"$DIR/x_001.jpg"

GOOD=()   # serving order: file names sorted, the unusable one left out
for f in "$DIR"/*.jpg; do
    [[ $(basename "$f") == x_* ]] || GOOD+=("$f")
done
NGOOD=${#GOOD[@]}
K=$((2 * NGOOD + 3))   # more than two laps: every file, and the wrap-around, at least twice
log "files: $NGOOD sendable + 1 unusable; reading $K frames per client"

# Each file decoded by FFmpeg and by GStreamer, the references for the clients of each.
REF_FF=() REF_GST=()
for f in "${GOOD[@]}"; do
    ff -i "$f" -f rawvideo -pix_fmt rgb24 -y "$f.ff.rgb"
    timeout -k 5 20 gst-launch-1.0 -q filesrc location="$f" ! jpegdec ! videoconvert \
        ! video/x-raw,format=RGB ! filesink location="$f.gst.rgb" >/dev/null 2>&1 ||
        fail "GStreamer could not decode $f"
    REF_FF+=("$f.ff.rgb")
    REF_GST+=("$f.gst.rgb")
done

# ffmpeg_pull NAME: K frames over TCP into $WORK/NAME.rgb, compared with the FFmpeg references.
ffmpeg_pull() {
    local name=$1 out=$WORK/$1.log status=0
    timeout -k 5 40 ffmpeg -nostdin -hide_banner -v error -rtsp_transport tcp -timeout 5000000 -i "$SERVER_URL" \
        -frames:v $K -fps_mode passthrough -f rawvideo -pix_fmt rgb24 -y "$WORK/$name.rgb" >"$out" 2>&1 || status=$?
    if [[ $status -ne 0 ]]; then
        show "$out"
        fail "$name: ffmpeg exited with status $status"
    fi
    if ! timeout 60 "$FRAME_TOOL" match $W $H "$WORK/$name.rgb" "${REF_FF[@]}" >"$WORK/$name.match" 2>&1; then
        show "$WORK/$name.match"
        fail "$name: FFmpeg's frames from the stream are not the files' own decodings, in order"
    fi
    log "ok: $name: $K frames pixel-identical to the files, in serving order ($(tail -1 "$WORK/$name.match"))"
}

# --- jpeg-dir: FFmpeg, then GStreamer -------------------------------------------------------
start_server --path /files --fps 30 --source "jpeg-dir:$DIR"
ffmpeg_pull jpeg-dir-ffmpeg
# The files are read one at a time as they are served, so by now (two laps) it met x_001.jpg.
grep -q "x_001.jpg" "$SERVER_LOG" || {
    show "$SERVER_LOG"
    fail "rtsp-serve did not name the unusable file x_001.jpg (4:2:2 with 2x2 luma) in its output"
}
log "ok: rtsp-serve reported the unusable file: $(grep -m1 "x_001.jpg" "$SERVER_LOG")"
for converted in e_001.jpg f_001.jpg; do
    grep -q "$converted: .*re-coded losslessly" "$SERVER_LOG" || {
        show "$SERVER_LOG"
        fail "rtsp-serve did not report converting $converted"
    }
done
log "ok: rtsp-serve reported its conversions: $(grep -m1 "e_001.jpg" "$SERVER_LOG")"

out=$WORK/gst.log
status=0
timeout -k 5 40 gst-launch-1.0 -q rtspsrc location="$SERVER_URL" protocols=tcp ! rtpjpegdepay ! jpegdec \
    ! videoconvert ! video/x-raw,format=RGB ! identity eos-after=$K ! filesink location="$WORK/gst.rgb" \
    >"$out" 2>&1 || status=$?
if gst_run_failed "$out" "$status"; then  # lib.sh: tolerates only rtspsrc's shutdown race
    show "$out"
    fail "GStreamer exited with status $status"
fi
if ! timeout 60 "$FRAME_TOOL" match $W $H "$WORK/gst.rgb" "${REF_GST[@]}" >"$WORK/gst.match" 2>&1; then
    show "$WORK/gst.match"
    fail "jpeg-dir-gstreamer: GStreamer's frames from the stream are not the files' own decodings, in order"
fi
log "ok: jpeg-dir-gstreamer: $K frames pixel-identical to the files, in serving order"
stop_server

# --- mjpeg-file: the same frames from one concatenated file ---------------------------------
cat "${GOOD[@]}" >"$WORK/all.mjpeg"
start_server --path /clip --fps 30 --source "mjpeg-file:$WORK/all.mjpeg"
ffmpeg_pull mjpeg-file-ffmpeg
stop_server
log "PASS"
