#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Relaying through an existing media server (docs/relay.md), tested on loopback:
#
#   rtsp-serve (the test pattern, 320x240, 30 fps)
#     -> ONE client: a gst-rtsp-server relay, media factory
#        "rtspsrc ! rtpjpegdepay ! rtpjpegpay", shared by all its viewers
#     -> 20 GStreamer clients of the relay (10 over UDP, 10 over TCP interleaved)
#
# Passes when every client gets >= 95% of the frames of 5 s of stream (>= 143 of 150: frames
# counted at rtpjpegdepay's output, whose timestamps come from the RTP timestamps, within
# 5 s of the client's first frame; one client also decodes every frame with jpegdec) and
# rtsp-serve saw exactly one client start playing (the relay: viewers never reach the camera).
#
# Why Python: gst-rtsp-server has no command-line tool; its GObject-introspection binding
# (Debian: python3-gi gir1.2-gst-rtsp-server-1.0) is the shortest way to run a real one. The
# relay runs in its own process (this script with --relay), like a real media server; the 20
# clients share one process so 20 pipelines cost threads, not 20 interpreters.
#
# Bounds: every wait has a deadline (the whole test fails after 60 s at most), children are
# always terminated then killed, only 127.0.0.1 is used.
#
# usage: relay_test.py RTSP_SERVE          (the test)
#        relay_test.py --relay UPSTREAM_URL (internal: the relay process; prints "PORT n")
import os
import re
import signal
import socket
import subprocess
import sys
import time

CLIENTS = 20
FPS = 30
WINDOW_S = 5
EXPECTED = FPS * WINDOW_S
MIN_FRAMES = (EXPECTED * 95 + 99) // 100
DEADLINE_S = 60


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def import_gst(rtsp_server=False):
    try:
        import gi
        gi.require_version("Gst", "1.0")
        if rtsp_server:
            gi.require_version("GstRtspServer", "1.0")
    except (ImportError, ValueError) as e:
        fail("GStreamer's Python binding is missing (%s): install python3-gi and "
             "gir1.2-gst-rtsp-server-1.0 (Debian)" % e)
    from gi.repository import Gst
    Gst.init(None)
    for element in ("rtspsrc", "rtpjpegdepay", "rtpjpegpay", "jpegdec", "fakesink"):
        if Gst.ElementFactory.find(element) is None:
            fail("GStreamer element '%s' not found (Debian: gstreamer1.0-plugins-good, "
                 "gstreamer1.0-plugins-base)" % element)
    return Gst


def run_relay(upstream):
    """The relay: a gst-rtsp-server serving the upstream stream at /relay to anyone."""
    Gst = import_gst(rtsp_server=True)
    from gi.repository import GLib, GstRtspServer
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")  # any free port; reported below
    factory = GstRtspServer.RTSPMediaFactory()
    # The pipeline docs/relay.md shows. latency=100: the relay's jitter buffer, in ms.
    factory.set_launch("( rtspsrc location=%s latency=100 protocols=tcp ! rtpjpegdepay ! rtpjpegpay name=pay0 pt=26 )" % upstream)
    factory.set_shared(True)  # one upstream connection for every viewer
    server.get_mount_points().add_factory("/relay", factory)
    if server.attach(None) == 0:
        fail("relay: cannot attach the RTSP server")
    print("PORT %d" % server.get_bound_port(), flush=True)
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    GLib.timeout_add_seconds(DEADLINE_S + 30, loop.quit)  # never outlive a lost parent
    loop.run()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def read_line_matching(proc, pattern, deadline, what):
    """Reads proc's stdout until a line matches; the match, or a failure at the deadline."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = ""
    seen = []
    while time.monotonic() < deadline:
        if not sel.select(timeout=0.2):
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(proc.stdout.fileno(), 4096).decode(errors="replace")
        if not chunk:
            break
        buf += chunk
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            seen.append(line)
            m = re.search(pattern, line)
            if m:
                return m, seen
    fail("%s did not print /%s/ in time; it printed:\n%s" % (what, pattern, "\n".join(seen[-20:])))


class Client:
    def __init__(self, Gst, index, url):
        self.index = index
        self.tcp = index % 2 == 1
        self.decode = index == 0
        self.pts = []
        self.bad = 0
        chain = "rtpjpegdepay name=depay ! " + ("jpegdec ! fakesink sync=false" if self.decode else "fakesink sync=false")
        self.pipeline = Gst.parse_launch(
            "rtspsrc location=%s latency=200 protocols=%s timeout=10000000 ! %s"
            % (url, "tcp" if self.tcp else "udp", chain))
        pad = self.pipeline.get_by_name("depay").get_static_pad("src")
        pad.add_probe(Gst.PadProbeType.BUFFER, self._on_frame, None)
        self.Gst = Gst

    def _on_frame(self, pad, info, _):
        buf = info.get_buffer()
        ok, m = buf.map(self.Gst.MapFlags.READ)
        if ok:
            if m.size < 4 or bytes(m.data[:2]) != b"\xff\xd8":  # every frame a JPEG
                self.bad += 1
            buf.unmap(m)
        if buf.pts != self.Gst.CLOCK_TIME_NONE:
            self.pts.append(buf.pts)
        return self.Gst.PadProbeReturn.OK

    def frames_in_window(self):
        if not self.pts:
            return 0
        t0 = self.pts[0]
        return sum(1 for t in self.pts if t0 <= t < t0 + WINDOW_S * 1_000_000_000)

    def window_complete(self):
        return bool(self.pts) and self.pts[-1] >= self.pts[0] + (WINDOW_S + 0.2) * 1_000_000_000

    def name(self):
        return "client %d (%s%s)" % (self.index, "TCP" if self.tcp else "UDP", ", decoding" if self.decode else "")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--relay":
        run_relay(sys.argv[2])
        return
    if len(sys.argv) != 2:
        fail("usage: relay_test.py RTSP_SERVE")
    serve_bin = sys.argv[1]
    if not os.access(serve_bin, os.X_OK):
        fail("rtsp-serve not found at '%s' (build the rtsp-serve target)" % serve_bin)
    Gst = import_gst(rtsp_server=True)
    started = time.monotonic()
    deadline = started + DEADLINE_S
    serve = relay = None
    clients = []
    try:
        # 1. rtsp-serve on a free loopback port (a port taken meanwhile: retry, 3 times).
        for attempt in range(3):
            port = free_port()
            serve = subprocess.Popen(
                [serve_bin, "--bind", "127.0.0.1", "--port", str(port), "--path", "/cam",
                 "--size", "320x240", "--fps", str(FPS), "--quality", "70"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                m, _ = read_line_matching(serve, r"open\s+(rtsp://\S+)", min(deadline, time.monotonic() + 10), "rtsp-serve")
                break
            except SystemExit:
                if serve.poll() == 1 and attempt < 2:
                    continue
                raise
        upstream = m.group(1)
        print("rtsp-serve at %s" % upstream, flush=True)

        # 2. The relay, its one client.
        relay = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--relay", upstream],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        m, _ = read_line_matching(relay, r"^PORT (\d+)$", min(deadline, time.monotonic() + 15), "the relay")
        relay_url = "rtsp://127.0.0.1:%s/relay" % m.group(1)
        print("relay at %s" % relay_url, flush=True)

        # 3. 20 clients of the relay, started together.
        clients = [Client(Gst, i, relay_url) for i in range(CLIENTS)]
        for c in clients:
            if c.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
                fail("%s: cannot start its pipeline" % c.name())
        while time.monotonic() < deadline and not all(c.window_complete() for c in clients):
            for c in clients:
                msg = c.pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
                if msg is not None:
                    err, dbg = msg.parse_error()
                    fail("%s: %s (%s)" % (c.name(), err.message, dbg))
            time.sleep(0.1)
        for c in clients:
            c.pipeline.set_state(Gst.State.NULL)

        failed = False
        counts = []
        for c in clients:
            n = c.frames_in_window()
            counts.append(n)
            if not c.window_complete():
                print("FAIL: %s: stream shorter than %d s within the %d s deadline (%d frames)"
                      % (c.name(), WINDOW_S, DEADLINE_S, len(c.pts)), file=sys.stderr)
                failed = True
            elif n < MIN_FRAMES:
                print("FAIL: %s received %d of the %d frames of %d s (need >= %d, 95%%)"
                      % (c.name(), n, EXPECTED, WINDOW_S, MIN_FRAMES), file=sys.stderr)
                failed = True
            if c.bad:
                print("FAIL: %s: %d frames were not JPEGs" % (c.name(), c.bad), file=sys.stderr)
                failed = True

        # 4. rtsp-serve served exactly one client: the relay.
        stop(relay)
        relay = None
        stop(serve)
        out = serve.stdout.read().decode(errors="replace") if serve.stdout else ""
        plays = len(re.findall(r"^client \S+ .*\bplay\b", out, re.M))
        if plays != 1:
            print("FAIL: rtsp-serve saw %d clients start playing, expected 1 (the relay):\n%s"
                  % (plays, out[-3000:]), file=sys.stderr)
            failed = True
        print("frames per client in %d s (need >= %d of %d): %s" % (WINDOW_S, MIN_FRAMES, EXPECTED, " ".join(map(str, counts))))
        print("rtsp-serve clients: %d; took %.1f s" % (plays, time.monotonic() - started), flush=True)
        if failed:
            sys.exit(1)
        print("PASS", flush=True)
    finally:
        for c in clients:
            c.pipeline.set_state(Gst.State.NULL)
        stop(relay)
        stop(serve)


if __name__ == "__main__":
    main()
