#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# An OpenCV client for opencv_test.sh: opens URL with cv2.VideoCapture the way docs/clients.md
# tells users to, reads N frames, checks each is HxWx3, and writes them as raw RGB (W*H*3 bytes a
# frame) to OUT for frame_tool to compare against the test pattern.
#
# usage: opencv_client.py BACKEND URL N W H OUT
#   BACKEND: ffmpeg-udp | ffmpeg-tcp   (cv2.CAP_FFMPEG, rtsp_transport set through
#                                       OPENCV_FFMPEG_CAPTURE_OPTIONS, before the capture opens)
#            gstreamer-udp | gstreamer-tcp   (cv2.CAP_GSTREAMER, rtspsrc ... ! appsink)
# Exit status: 0 all N frames read, 1 the capture failed (message on stderr), 2 usage or no cv2.
# Every wait is bounded: the capture's open and read timeouts here, timeout(1) in the caller.
import os
import sys
import time


def fail(status, message):
    print(f"opencv_client: {message}", file=sys.stderr)
    sys.exit(status)


def main(argv):
    if len(argv) != 7:
        fail(2, "usage: opencv_client.py BACKEND URL N W H OUT")
    backend, url, n, w, h, out = argv[1], argv[2], int(argv[3]), int(argv[4]), int(argv[5]), argv[6]
    library, _, transport = backend.partition("-")
    if library not in ("ffmpeg", "gstreamer") or transport not in ("udp", "tcp") or n < 1:
        fail(2, f"bad arguments: {argv[1:]}")

    if library == "ffmpeg":
        # As docs/clients.md shows; set before cv2 opens anything.
        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = (
            f"rtsp_transport;{transport}|fflags;nobuffer|flags;low_delay")
    try:
        import cv2
    except ImportError as e:
        fail(2, f"cannot import cv2 ({e}): install OpenCV for the system python3 (Debian: python3-opencv)")

    if library == "ffmpeg":
        cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG,
                               [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 10000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 5000])
    else:
        pipeline = (f"rtspsrc location={url} latency=0 protocols={transport} ! rtpjpegdepay ! jpegdec"
                    " ! videoconvert ! appsink drop=true max-buffers=1")
        cap = cv2.VideoCapture(pipeline, cv2.CAP_GSTREAMER)
    if not cap.isOpened():
        fail(1, f"cv2.VideoCapture could not open {url} ({backend})")
    print(f"opened {url} with {cap.getBackendName()} ({transport.upper()})")

    started = time.monotonic()
    with open(out, "wb") as f:
        for i in range(n):
            ok, frame = cap.read()
            if not ok or frame is None:
                fail(1, f"cap.read() failed at frame {i} of {n} ({backend})")
            if frame.shape != (h, w, 3):
                fail(1, f"frame {i} is {frame.shape}, expected {(h, w, 3)} ({backend})")
            f.write(frame[:, :, ::-1].tobytes())  # OpenCV gives BGR; frame_tool reads RGB
    cap.release()
    print(f"read {n} frames of {w}x{h} in {time.monotonic() - started:.2f} s ({backend})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
