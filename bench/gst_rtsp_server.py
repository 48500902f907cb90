#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# bench/gst_rtsp_server.py - the reference server of the benchmarks: gst-rtsp-server (Debian
# gir1.2-gst-rtsp-server-1.0 + python3-gi) serving the same JPEG files as rtsp-serve.
#
# One shared media (every client gets the same pipeline, like our fan-out): appsrc ! rtpjpegpay.
# appsrc is fed one file per need-data in name order, looping, with PTS/duration set to n/fps,
# and is live, so the sinks pace it at --fps. (A `multifilesrc ! jpegparse` launch line stamps
# only its first buffer and then pushes thousands of frames per second: not a fair source.)
#   /usr/bin/python3 gst_rtsp_server.py --port 8554 --fps 30 DIR
import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def jpeg_size(data):
    """(width, height) from the SOF0/SOF1 segment; rtpjpegpay wants them in the caps."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            break
        marker, length = data[i + 1], (data[i + 2] << 8) | data[i + 3]
        if marker in (0xC0, 0xC1):
            return (data[i + 7] << 8) | data[i + 8], (data[i + 5] << 8) | data[i + 6]
        i += 2 + length
    sys.exit("no SOF0 segment in the first JPEG")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8554)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--mtu", type=int, default=1400)
    ap.add_argument("dir")
    a = ap.parse_args()
    names = sorted(n for n in os.listdir(a.dir) if n.lower().endswith((".jpg", ".jpeg")))
    if not names:
        sys.exit("no JPEG in " + a.dir)
    Gst.init(None)
    # Read once: the files are small and the point is the server's send path, not disk reads.
    data = [open(os.path.join(a.dir, n), "rb").read() for n in names]
    width, height = jpeg_size(data[0])
    frames = [Gst.Buffer.new_wrapped(d) for d in data]
    frame_ns = Gst.SECOND // a.fps
    state = {"n": 0}

    def need_data(src, _length):
        n = state["n"]
        buf = frames[n % len(frames)].copy()  # shallow: shares the memory, own timestamps
        buf.pts = n * frame_ns
        buf.dts = buf.pts
        buf.duration = frame_ns
        state["n"] = n + 1
        src.emit("push-buffer", buf)

    def media_configure(_factory, media):
        src = media.get_element().get_by_name("src")
        src.set_property("caps", Gst.Caps.from_string(
            "image/jpeg,width=%d,height=%d,framerate=%d/1" % (width, height, a.fps)))
        src.set_property("format", Gst.Format.TIME)
        src.set_property("is-live", True)
        src.set_property("do-timestamp", False)
        state["n"] = 0  # a new pipeline (the last client left): its clock starts again at 0
        src.connect("need-data", need_data)

    server = GstRtspServer.RTSPServer()
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch("( appsrc name=src ! rtpjpegpay name=pay0 pt=26 mtu=%d )" % a.mtu)
    factory.set_shared(True)
    factory.connect("media-configure", media_configure)
    server.get_mount_points().add_factory("/", factory)
    if server.attach(None) == 0:
        sys.exit("cannot listen on port %d" % a.port)
    loop = GLib.MainLoop()
    # SIGTERM's default action ends the process: nothing to clean up.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    print("gst-rtsp-server on rtsp://127.0.0.1:%d/ (%d files)" % (a.port, len(names)), flush=True)
    loop.run()


if __name__ == "__main__":
    main()
