#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# make_seeds.py - writes the seed corpora of tests/fuzz/corpus/<target>/ (committed; rerun
# after changing a target's input format). Seeds are what real clients send (FFmpeg,
# GStreamer and VLC requests and RTCP as transcribed in tests/unit/request_parser_test.cpp and
# rtcp_test.cpp), small JPEGs made with cjpeg (libjpeg-turbo's tool: baseline 4:2:0/4:2:2,
# restart intervals, and the kinds RFC 2435 refuses), and for the server whole client sessions
# written in server_fuzz.cpp's operation format. Each seed is named after its content's hash.
#   python3 tests/fuzz/make_seeds.py            (needs cjpeg on PATH for the JPEG seeds)
import base64
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

BASE = "rtsp://192.168.1.50:8554/cam"
SID = "8F3A12C47B9D0E21"
FFMPEG = "User-Agent: Lavf60.16.100\r\n"
GST = "User-Agent: GStreamer/1.22.0\r\n"
VLC = "User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)\r\n"


def write(target, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def requests():
    return [
        f"OPTIONS {BASE} RTSP/1.0\r\nCSeq: 1\r\n{FFMPEG}\r\n",
        f"DESCRIBE {BASE} RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\n{FFMPEG}\r\n",
        f"SETUP {BASE}/track1 RTSP/1.0\r\nTransport: RTP/AVP/UDP;unicast;client_port=21014-21015\r\nCSeq: 3\r\n{FFMPEG}\r\n",
        f"PLAY {BASE}/ RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 4\r\n{FFMPEG}Session: {SID}\r\n\r\n",
        f"GET_PARAMETER {BASE}/ RTSP/1.0\r\nCSeq: 5\r\n{FFMPEG}Session: {SID}\r\n\r\n",
        f"PAUSE {BASE}/ RTSP/1.0\r\nCSeq: 6\r\n{FFMPEG}Session: {SID}\r\n\r\n",
        f"SETUP {BASE}/track1 RTSP/1.0\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nCSeq: 7\r\n{FFMPEG}\r\n",
        f"TEARDOWN {BASE}/ RTSP/1.0\r\nCSeq: 8\r\n{FFMPEG}Session: {SID}\r\n\r\n",
        f"OPTIONS {BASE} RTSP/1.0\r\nCSeq: 1\r\n{GST}\r\n",
        f"DESCRIBE {BASE} RTSP/1.0\r\nCSeq: 2\r\n{GST}Accept: application/sdp\r\n\r\n",
        f"SETUP {BASE}/track1 RTSP/1.0\r\nCSeq: 3\r\n{GST}Transport: RTP/AVP;unicast;client_port=40950-40951;mode=play,RTP/AVP/TCP;unicast;interleaved=0-1;mode=play\r\n\r\n",
        f"PLAY {BASE}/ RTSP/1.0\r\nCSeq: 4\r\n{GST}Range: npt=0-\r\nSession: {SID}\r\n\r\n",
        f"OPTIONS {BASE} RTSP/1.0\r\nCSeq: 2\r\n{VLC}\r\n",
        f"SETUP {BASE}/track1 RTSP/1.0\r\nCSeq: 4\r\n{VLC}Transport: RTP/AVP;unicast;client_port=56404-56405\r\n\r\n",
        f"PLAY {BASE}/ RTSP/1.0\r\nCSeq: 6\r\n{VLC}Session: {SID}\r\nRange: npt=0.000-\r\n\r\n",
        f"SET_PARAMETER {BASE}/ RTSP/1.0\r\nCSeq: 9\r\nSession: {SID}\r\nContent-Type: text/parameters\r\nContent-Length: 12\r\n\r\nvolume: 50\r\n",
        f'DESCRIBE {BASE} RTSP/1.0\r\nCSeq: 3\r\nAuthorization: Digest username="u", realm="rtsp", nonce="0a1b2c", uri="{BASE}", response="00112233445566778899aabbccddeeff"\r\n\r\n',
    ]


def rtcp_rr(ssrc, sources=()):
    b = struct.pack(">BBHI", 0x80 | len(sources), 201, 1 + 6 * len(sources), ssrc)
    for s in sources:
        b += struct.pack(">IIIIII", s, 0x01000002, 0x00011234, 17, 0x7F001234, 0x8000)
    return b


def rtcp_sdes(ssrc, items):
    chunk = struct.pack(">I", ssrc)
    n = 0
    for t, text in items:
        chunk += bytes([t, len(text)]) + text
        n += 2 + len(text)
    chunk += b"\0"
    n += 1
    while n % 4:
        chunk += b"\0"
        n += 1
    return struct.pack(">BBH", 0x81, 202, len(chunk) // 4) + chunk


def rtcp_bye(ssrc, reason=b""):
    body = struct.pack(">I", ssrc)
    if reason:
        body += bytes([len(reason)]) + reason
        while len(body) % 4:
            body += b"\0"
    return struct.pack(">BBH", 0x81, 203, len(body) // 4) + body


def rtcp_seeds():
    yield rtcp_rr(0)  # FFmpeg's punch packet
    yield rtcp_rr(0x11223345, [0x11223344]) + rtcp_sdes(0x11223345, [(1, b"ffmpeg-host")])
    yield rtcp_rr(7, [9]) + rtcp_sdes(7, [(1, b"user1000@host-3e1a7c2b"), (6, b"GStreamer")])
    yield rtcp_rr(7, [9]) + rtcp_sdes(7, [(1, b"user1000@host-3e1a7c2b")]) + rtcp_bye(7)
    yield rtcp_rr(5, [9]) + rtcp_bye(5, b"bye now")
    sr = struct.pack(">BBHIIIIII", 0x80, 200, 6, 0xDEADBEEF, 1, 2, 3, 4, 5)
    yield sr + rtcp_sdes(0xDEADBEEF, [(1, b"rtsp")])
    yield bytes([0xA0, 201, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4])  # RR with 4 octets of padding (P)


def ppm(w, h, seed):
    px = bytearray()
    for y in range(h):
        for x in range(w):
            px += bytes([(x * 7 + seed) & 255, (y * 5 + x * seed) & 255, (x * y + seed * 3) & 255])
    return b"P6\n%d %d\n255\n" % (w, h) + bytes(px)


def jpeg_seeds():
    cjpeg = shutil.which("cjpeg")
    if not cjpeg:
        print("make_seeds.py: cjpeg not found, JPEG seeds skipped", file=sys.stderr)
        return
    variants = [
        (16, 16, ["-sample", "2x2", "-baseline", "-quality", "75"]),
        (24, 8, ["-sample", "2x1", "-baseline", "-quality", "90"]),
        (32, 16, ["-sample", "2x2", "-restart", "1B", "-quality", "50"]),
        (16, 16, ["-sample", "2x1", "-restart", "2", "-quality", "95"]),
        (8, 8, ["-sample", "1x1"]),                 # 4:4:4: refused (luma sampling)
        (16, 16, ["-progressive"]),                 # refused: progressive
        (16, 16, ["-optimize"]),                    # refused: non-standard Huffman
        (16, 16, ["-grayscale"]),                   # refused: one component
        (16, 16, ["-arithmetic"]),                  # refused: arithmetic coding
        (16, 8, ["-quality", "100"]),               # 8-bit tables at their largest values
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for i, (w, h, args) in enumerate(variants):
            src = os.path.join(tmp, "in.ppm")
            with open(src, "wb") as f:
                f.write(ppm(w, h, i + 1))
            r = subprocess.run([cjpeg, *args, src], capture_output=True)
            if r.returncode == 0:
                write("jpeg", r.stdout)
                write("jpeg_converter", b"\x5a" + r.stdout)  # quality byte (90), then the JPEG


def b64(text):
    return base64.b64encode(text.encode("latin-1")).decode("ascii")


def tunnel_seeds():
    # http_tunnel_fuzz.cpp: a schedule byte, a shape byte (low nibble: largest piece, high:
    # largest output buffer), then the text.
    reqs = requests()
    get = ("GET /cam HTTP/1.0\r\nUser-Agent: VLC media player (LIVE555 Streaming Media v2016.11.28)\r\n"
           "x-sessioncookie: 9d0b5f3a2c1e4d68\r\nAccept: application/x-rtsp-tunnelled\r\n"
           "Pragma: no-cache\r\nCache-Control: no-cache\r\n\r\n")
    post = ("POST /cam HTTP/1.0\r\nUser-Agent: VLC media player (LIVE555 Streaming Media v2016.11.28)\r\n"
            "x-sessioncookie: 9d0b5f3a2c1e4d68\r\nContent-Type: application/x-rtsp-tunnelled\r\n"
            "Pragma: no-cache\r\nCache-Control: no-cache\r\nContent-Length: 32767\r\n"
            "Expires: Sun, 9 Jan 1972 00:00:00 GMT\r\n\r\n")
    gst_get = "GET /cam HTTP/1.1\r\nx-sessioncookie: ZkmVZeQpGxoOsxfWcyNbqhw\r\nAccept: application/x-rtsp-tunnelled\r\n\r\n"
    ffmpeg_post = ("POST /cam HTTP/1.0\r\nx-sessioncookie: 1a2b3c4d5e6f7a8b\r\n"
                   "Content-Type: application/x-rtsp-tunnelled\r\nPragma: no-cache\r\n"
                   "Cache-Control: no-cache\r\nContent-Length: 32767\r\n\r\n")
    body = "".join(b64(r) for r in reqs[:4])  # FFmpeg's first requests, each its own block
    yield b"\x00\x00" + body.encode()
    yield b"\x37\xA9" + body.encode()
    yield b"\x05\x3F" + (ffmpeg_post + body).encode()
    yield b"\x11\x00" + (post + b64(reqs[8]) + b64(reqs[9])).encode()
    yield b"\x00\x00" + get.encode()
    yield b"\x00\x00" + gst_get.encode()
    wrapped = b64(reqs[2] + reqs[3])
    yield b"\x2A\x52" + "\r\n".join(wrapped[i:i + 76] for i in range(0, len(wrapped), 76)).encode()
    for edge in ["QQ==", "QUI=", "QUJD", "QQ", "QQ=", "QQ= =", "Q Q\t=\r\n=", "QQ=Q", "Q=", "=", "QUJD=",
                 "QQ===", "QUJDRA==\r\nRQ==", "QUJ!", "QUJD-_"]:
        yield b"\x09\x0F" + edge.encode()


def server_seeds():
    # server_fuzz.cpp operations: 0 connect(peer) 1 raw(conn, str8) 2 request(conn, m, u, s, t,
    # extra) 3 poll(n) 4 advance(k) 5 close(conn, how) 6 budget(conn, b) 7 rtcp(who, kind)
    # 8 interleaved(conn, ch, kind) 9 dgram budget(b) 10 source(mode..) 11 shutdown
    # 12 tunnel GET(conn, form, ck) 13 tunnel POST(conn, form, ck [, request])
    # 14 tunnelled request(conn, how, cut, m, u, s, t, extra) 15 base64 of raw(conn, form, str8)
    OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER = range(7)
    URL_BASE, URL_TRACK = 0, 1
    # Transport byte t picks transports[t % 11]; 0 means no Transport header, so 11 is FFmpeg's.
    FF_UDP, GST_BOTH, VLC_UDP, TCP01 = 11, 1, 2, 3

    def req(conn, m, u, s=0, t=0, extra=0):
        return bytes([2, conn, m, u, s, t, extra])

    def session(conn, transport, flags=0):  # a whole client session: describe .. teardown
        return (bytes([0, conn]) + req(conn, OPTIONS, URL_BASE) + req(conn, DESCRIBE, URL_BASE)
                + req(conn, SETUP, URL_TRACK, 0, transport)
                + req(conn, PLAY, URL_BASE, 1) + bytes([3, 4, 4, 1, 3, 4])
                + req(conn, GET_PARAMETER, URL_BASE, 1) + req(conn, PAUSE, URL_BASE, 1)
                + req(conn, PLAY, URL_BASE, 1) + bytes([4, 2, 3, 2])
                + req(conn, TEARDOWN, URL_BASE, 1))

    yield bytes([0x00]) + session(0, FF_UDP)                             # FFmpeg over UDP
    yield bytes([0x00]) + session(0, TCP01)                              # TCP interleaved
    yield bytes([0x01]) + session(0, TCP01)                              # WINC1500 network
    yield bytes([0x08]) + session(0, GST_BOTH) + bytes([7, 0x80, 2])     # 25 fps, RTCP RR
    yield bytes([0x02]) + session(0, GST_BOTH)                           # UDP off: TCP fallback
    # Two clients, one slow reader, a vanished one, then time passes (stall, session timeout).
    yield (bytes([0x10, 0, 0, 0, 1]) + req(0, SETUP, URL_TRACK, 0, TCP01)
           + req(1, SETUP, URL_TRACK, 0, VLC_UDP) + req(0, PLAY, URL_BASE, 2)
           + req(1, PLAY, URL_BASE, 1) + bytes([6, 0, 1, 3, 7, 4, 3, 4, 3, 5, 1, 0, 4, 5, 3, 2]))
    # A damaged frame, then no frame, then pixels the encoder-less server refuses.
    yield (bytes([0x00]) + session(0, TCP01)[:-7] + bytes([10, 3, 2, 0, 40, 0x55, 0x01, 0x99, 0]) +
           bytes([3, 3, 10, 4, 3, 3, 10, 5, 3, 3, 10, 6, 3, 3, 10, 7, 3, 3, 11]))
    # Raw bytes split across writes and an interleaved RTCP frame from the client.
    raw = b"OPTIONS rtsp://127.0.0.1/cam RTSP/1.0\r\nCS"
    yield (bytes([0x00, 0, 0, 1, 0, len(raw)]) + raw + bytes([3, 0, 1, 0, 8]) + b"eq: 1\r\n\r\n"
           + bytes([3, 0, 8, 0, 1, 0, 3, 0]))
    # Authentication on (0x40, Basic allowed 0x80): DESCRIBE gets 401, then Digest answers as
    # VLC (no qop) and FFmpeg (qop=auth) send them, Basic, and a wrong password.
    def authed(conn, m, u, s=0, t=0, form=0):
        return req(conn, m | (form << 4), u, s, t, 0x40)
    yield (bytes([0xC0, 0, 0]) + req(0, OPTIONS, URL_BASE) + req(0, DESCRIBE, URL_BASE)
           + authed(0, DESCRIBE, URL_BASE) + authed(0, SETUP, URL_TRACK, 0, TCP01, 1)
           + authed(0, PLAY, URL_BASE, 1, 0, 0) + bytes([3, 3]) + authed(0, SETUP, 3, 0, 5, 2)
           + authed(0, PAUSE, URL_BASE, 1, 0, 3) + authed(0, TEARDOWN, URL_BASE, 1, 0, 0)
           + bytes([4, 0xF0, 0x80, 0x00]) + authed(0, DESCRIBE, URL_BASE))  # then the nonce is stale
    # The connection table fills (503), sessions per connection run out (453).
    yield (bytes([0x01]) + bytes([0, 0] * 6) + req(0, SETUP, URL_TRACK, 0, TCP01)
           + req(0, SETUP, 3, 0, 5) + req(0, SETUP, 4, 0, 5) + bytes([3, 2]))

    # RTSP over HTTP. form: 0 HTTP/1.0, 1 HTTP/1.1, 4 QuickTime/VLC headers, 0x40 the POST's
    # first request in its write; ck: cookie index (0 FFmpeg, 1 GStreamer, 2 QuickTime, 3 "x").
    def get(conn, form=0, ck=0):
        return bytes([12, conn, form, ck])

    def post(conn, form=0, ck=0):
        return bytes([13, conn, form, ck])

    def treq(conn, m, u, s=0, t=0, extra=0, how=0, cut=0):  # how: 0 one block, 1 wrapped,
        return bytes([14, conn, how, cut, m, u, s, t, extra])  # 2 block per line, 3 split

    def tunnelled(post_conn, transport, how=0):  # a whole session through the POST
        return (treq(post_conn, OPTIONS, URL_BASE, how=how) + treq(post_conn, DESCRIBE, URL_BASE, how=how)
                + treq(post_conn, SETUP, URL_TRACK, 0, transport, how=how)
                + treq(post_conn, PLAY, URL_BASE, 1, how=how) + bytes([4, 1, 3, 2, 4, 1, 4, 2])
                + treq(post_conn, GET_PARAMETER, URL_BASE, 1, how=how)
                + treq(post_conn, TEARDOWN, URL_BASE, 1, how=how))
    # VLC: GET, then POST, then the session's requests; RTP comes back '$'-framed on the GET.
    yield bytes([0x00, 0, 0, 0, 0]) + get(0, 4) + post(1, 4) + tunnelled(1, TCP01)
    # GStreamer (HTTP/1.1), requests line-wrapped; FFmpeg, its OPTIONS in the POST's write,
    # the rest split across writes.
    yield bytes([0x00, 0, 1, 0, 1]) + get(0, 1, 1) + post(1, 1, 1) + tunnelled(1, GST_BOTH, 1)
    yield (bytes([0x00, 0, 0, 0, 0]) + get(0, 0, 0) + post(1, 0x40, 0) + bytes([OPTIONS, URL_BASE, 0, 0, 0])
           + tunnelled(1, TCP01, 3))
    # QuickTime: a new POST for each request, closed after it; one GET all along.
    qt = bytes([0x00, 0, 2]) + get(0, 4, 2)
    for k, (m, u, s, t) in enumerate([(DESCRIBE, URL_BASE, 0, 0), (SETUP, URL_TRACK, 0, TCP01),
                                      (PLAY, URL_BASE, 1, 0)]):
        qt += bytes([0, 2]) + post(k + 1, 4 | 0x40, 2) + bytes([m, u, s, t, 0, 3, 2, 5, k + 1, 0, 3, 1])
    yield qt + bytes([4, 1, 4, 1, 5, 0, 0, 3, 2])  # then the GET goes: its session ends
    # Refusals: POST without a GET (404), a GET whose cookie is taken, a GET on an RTSP
    # connection, no cookie, two cookies; then a second POST replaces the first; invalid
    # base64 closes both halves; a new tunnel; data on its GET closes it.
    yield (bytes([0x00]) + bytes([0, 0, 0, 1] * 4) + post(0) + get(1) + get(2)
           + req(3, OPTIONS, URL_BASE) + get(3, 0, 1) + get(4, 0, 3 | 4) + get(5, 1, 2 | 8)
           + post(6) + post(7) + treq(7, OPTIONS, URL_BASE) + bytes([15, 7, 3, 4]) + b"RTSP" + bytes([3, 2])
           + bytes([0, 0, 0, 0]) + get(8, 0, 3) + post(9, 0x40, 3) + bytes([DESCRIBE, URL_BASE, 0, 0, 0])
           + bytes([1, 8, 2]) + b"\r\n" + bytes([3, 2]))
    # Tunnels refused (0x80 without authentication): HTTP is answered in RTSP.
    yield bytes([0x80, 0, 0, 0, 0]) + get(0, 0, 0) + post(1, 0, 0) + treq(1, OPTIONS, URL_BASE)
    # WINC1500-like network with authentication (and tunnels) on: the tunnel asks for Digest.
    yield (bytes([0xC1, 0, 0, 0, 0]) + get(0, 0, 3) + post(1, 0, 3) + treq(1, DESCRIBE, URL_BASE)
           + treq(1, DESCRIBE, URL_BASE, extra=0x40) + treq(1, SETUP | (1 << 4), URL_TRACK, 0, TCP01, 0x40)
           + treq(1, PLAY, URL_BASE, 1, extra=0x40) + bytes([4, 1, 3, 2]))


def main():
    for sub in ("request_parser", "transport", "url", "session_header", "rtcp", "jpeg", "jpeg_converter", "sdp",
                "http_tunnel", "server", "auth"):
        shutil.rmtree(os.path.join(CORPUS, sub), ignore_errors=True)
    for r in requests():
        write("request_parser", r)
        write("request_parser", r + r)  # pipelined
    write("request_parser", b"$\x01\x00\x08" + rtcp_rr(0))
    for t in ["RTP/AVP/UDP;unicast;client_port=21014-21015",
              "RTP/AVP;unicast;client_port=40950-40951;mode=play,RTP/AVP/TCP;unicast;interleaved=0-1;mode=play",
              "RTP/AVP;unicast;client_port=56404-56405", "RTP/AVP/TCP;unicast;interleaved=0-1",
              "RTP/AVP/TCP;unicast", 'RTP/AVP;unicast;client_port=5000-5001;destination="10.0.0.1";ssrc=1234ABCD',
              "RTP/AVP;multicast;ttl=16", "RTP/SAVP;unicast;client_port=5000-5001"]:
        write("transport", b"\x03" + t.encode())
    for u in [BASE, BASE + "/track1", BASE + "/", "rtsp://[::1]:8554/cam/track1", "rtsp://u:p@host/cam?x=1#f",
              "/cam/track1", "*", "rtsp://host/a/%2e%2E/b", "RTSPS://Host:0/x"]:
        write("url", u)
    for s in [SID, SID + ";timeout=60", "abc-123_X.y+z$ ; timeout = 5 ; other=1"]:
        write("session_header", s)
    for b in rtcp_seeds():
        write("rtcp", b)
    jpeg_seeds()
    # sdp: FuzzedDataProvider layout (integers are taken from the END of the input).
    write("sdp", b"origin\x00name\x00track1" + bytes(range(40)))
    write("sdp", b"\x0c192.168.1.50\x04rtsp" + b"track1" + b"\x00" * 8 + b"\x10\x00\x0b\xb8" * 4)
    for a in ['Digest username="admin", realm="rtsp", nonce="00000000000f4240a1b2c3d4e5f60718293a4b5c6d7e8f90", '
              'uri="rtsp://127.0.0.1:8554/cam", response="6629fae49393a05397450978507c4ef1"',  # VLC (no qop)
              'Digest username="admin", realm="rtsp", nonce="abc", uri="rtsp://h/cam/track1", '
              'response="6629fae49393a05397450978507c4ef1", algorithm="MD5", qop=auth, nc=00000001, '
              'cnonce="0a4f113b", opaque="5ccc069c"',  # FFmpeg/GStreamer with qop=auth
              'Digest username="a\\\"b", realm="r", nonce="n", uri="/", response="x"',  # quoted-pair
              "Basic YWRtaW46c2VjcmV0", "Basic dTpw", "Negotiate abc"]:
        write("auth", a)
    for t in tunnel_seeds():
        write("http_tunnel", t)
    for i, s in enumerate(server_seeds()):
        write("server", s)


if __name__ == "__main__":
    main()
