// SPDX-License-Identifier: MIT
// The pure parts of RTSP over HTTP (rtsp/protocol/http_tunnel.hpp): the base64 stream decoder
// on a POST body as FFmpeg and GStreamer write it (each request its own padded block), whole,
// split at every byte boundary, one byte at a time and into output buffers of every small
// size; its refusals; and the GET/POST classification on the clients' real request heads.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <rtsp/protocol/http_tunnel.hpp>
#include <rtsp/protocol/request_parser.hpp>

#include "base64.hpp"

using namespace rtsp;
using namespace rtsp::protocol;

namespace {

using test::base64;

struct decoded {
    std::string bytes;
    errc error{};
};

/// Feeds `pieces` in order through one decoder with an output window of `out_size` bytes,
/// re-feeding what it did not consume, as the server does with a TCP stream.
decoded decode_pieces(const std::vector<std::string>& pieces, std::size_t out_size = 4096) {
    base64_stream_decoder d;
    decoded r;
    std::string pending;
    for (const auto& p : pieces) {
        pending += p;
        for (int guard = 0; guard < 100000 && !pending.empty(); ++guard) {
            std::vector<char> out(out_size);
            const auto s = d.decode(pending, out);
            REQUIRE(s.consumed <= pending.size());
            REQUIRE(s.produced <= out_size);
            r.bytes.append(out.data(), s.produced);
            pending.erase(0, s.consumed);
            if (s.error != errc{}) {
                r.error = s.error;
                return r;
            }
            // It stops early only when the output is full.
            if (!pending.empty()) REQUIRE(s.produced == out_size);
            if (s.consumed == 0 && s.produced == 0) break;  // out_size 0
        }
    }
    return r;
}

decoded decode_all(std::string_view text) { return decode_pieces({std::string(text)}); }

// Three requests as FFmpeg sends them through the POST: each base64-encoded on its own, so
// padding appears mid-stream. Their lengths differ mod 3, so every padding form is here.
const std::string options = "OPTIONS rtsp://127.0.0.1:8554/ RTSP/1.0\r\nCSeq: 1\r\n\r\n";
const std::string describe = "DESCRIBE rtsp://127.0.0.1:8554/ RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n";
const std::string play = "PLAY rtsp://127.0.0.1:8554/ RTSP/1.0\r\nSession: 0123ABCD\r\nCSeq: 44\r\n\r\n";

}  // namespace

TEST_CASE("tunnel base64: concatenated padded blocks decode to the requests", "[protocol][tunnel]") {
    REQUIRE(options.size() % 3 != describe.size() % 3);
    const std::string body = base64(options) + base64(describe) + base64(play);
    REQUIRE(body.find('=') < body.size() - 2);  // padding really is mid-stream
    const auto r = decode_all(body);
    CHECK(r.error == errc{});
    CHECK(r.bytes == options + describe + play);

    // Every length 0..40 of every byte value, against the whole-string decoder of auth.hpp.
    for (std::size_t n = 0; n <= 40; ++n) {
        std::string raw;
        for (std::size_t i = 0; i < n; ++i) raw += static_cast<char>((i * 37 + n * 11) & 0xFF);
        const auto enc = base64(raw);
        const auto mine = decode_all(enc);
        std::array<char, 64> buf{};
        bool too_big = false;
        const auto ref = rtsp::protocol::detail::base64_decode(enc, buf, too_big);
        REQUIRE(ref);
        CHECK(mine.error == errc{});
        CHECK(mine.bytes == std::string(buf.data(), *ref));
        CHECK(mine.bytes == raw);
    }
}

TEST_CASE("tunnel base64: split at every byte boundary, byte by byte, any output size",
          "[protocol][tunnel]") {
    const std::string body = base64(options) + base64(play) + base64(describe);
    const std::string want = options + play + describe;
    for (std::size_t cut = 0; cut <= body.size(); ++cut) {
        const auto r = decode_pieces({body.substr(0, cut), body.substr(cut)});
        REQUIRE(r.error == errc{});
        REQUIRE(r.bytes == want);
    }
    std::vector<std::string> bytes;
    for (char c : body) bytes.emplace_back(1, c);
    CHECK(decode_pieces(bytes).bytes == want);
    // An output window smaller than a quantum: decoding resumes exactly where it stopped.
    for (std::size_t out = 1; out <= 7; ++out) CHECK(decode_pieces({body}, out).bytes == want);
}

TEST_CASE("tunnel base64: line breaks and spaces between characters are skipped",
          "[protocol][tunnel]") {
    const std::string enc = base64(options);
    std::string wrapped;
    for (std::size_t i = 0; i < enc.size(); ++i) {
        wrapped += enc[i];
        if (i % 19 == 18) wrapped += "\r\n";
        if (i % 7 == 3) wrapped += ' ';
    }
    CHECK(decode_all(wrapped + "\n\t").bytes == options);
}

TEST_CASE("tunnel base64: what is not base64 is refused where it stands", "[protocol][tunnel]") {
    struct bad_case {
        std::string text;
        std::size_t good_bytes;  // decoded before the error
    };
    const std::vector<bad_case> cases = {
        {"T1BU*", 3},        // outside the alphabet
        {"T1BU-_", 3},       // the URL-safe alphabet is not what clients send
        {"=", 0},            // padding with nothing before it
        {"QQ==QQ=A", 2},     // "QQ=" owes a second '=', not data
        {"Q=", 0},           // one character carries no byte
        {"QUJD=", 3},        // padding after a complete quantum
        {"QQ===", 1},        // a third '='
        {std::string("T1\0BU", 5), 1},  // NUL
        {"T1BU\x80", 3},     // a byte above ASCII
    };
    for (const auto& c : cases) {
        INFO(c.text);
        const auto r = decode_all(c.text);
        CHECK(r.error == errc::bad_base64);
        CHECK(r.bytes.size() == c.good_bytes);
    }
    // A complete quantum ends cleanly; a partial one is held for the next piece.
    base64_stream_decoder d;
    std::array<char, 8> out{};
    CHECK(d.decode("QUJD", out).produced == 3);
    CHECK(d.idle());
    CHECK(d.decode("QU", out).produced == 1);
    CHECK_FALSE(d.idle());
    d.reset();
    CHECK(d.idle());
}

TEST_CASE("tunnel requests: the GET and POST heads of FFmpeg and GStreamer", "[protocol][tunnel]") {
    limits lim;
    lim.max_body_bytes = 1024;
    // FFmpeg 5.1 (libavformat/rtsp.c ff_rtsp_connect, through its http protocol).
    const std::string ffmpeg_get =
        "GET / HTTP/1.1\r\nUser-Agent: Lavf59.27.100\r\nAccept: application/x-rtsp-tunnelled\r\n"
        "Range: bytes=0-\r\nConnection: close\r\nHost: 127.0.0.1:8554\r\nIcy-MetaData: 1\r\n"
        "x-sessioncookie: 6b8b4567327b23c6\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\r\n";
    auto g = parse_request<24>(ffmpeg_get, lim);
    REQUIRE(g);
    auto t = parse_tunnel_request(*g);
    REQUIRE(t);
    CHECK(t->half == tunnel_half::get);
    CHECK(t->cookie == "6b8b4567327b23c6");

    // GStreamer 1.22 (gstrtspconnection.c): the POST declares 32767 bytes that never come;
    // the base64 that follows is the request stream. Parsed head-only, its body is not awaited.
    const std::string gst_post =
        "POST /cam HTTP/1.0\r\nUser-Agent: GStreamer/1.22.0\r\nx-sessioncookie: qvnimhbdsrkygxuzwfpaeol\r\n"
        "Content-Type: application/x-rtsp-tunnelled\r\nCache-Control: no-cache\r\nPragma: no-cache\r\n"
        "Expires: Mon, 22 Jul 1963 00:00:00 GMT\r\nAccept: application/x-rtsp-tunnelled\r\n"
        "Content-Length: 32767\r\n\r\n";
    const std::string stream = gst_post + base64(options);
    CHECK(parse_request<24>(stream, lim).error() == errc::body_too_large);
    auto p = parse_request_head<24>(stream, lim);
    REQUIRE(p);
    CHECK(p->consumed == gst_post.size());
    CHECK(p->body.empty());
    t = parse_tunnel_request(*p);
    REQUIRE(t);
    CHECK(t->half == tunnel_half::post);
    CHECK(t->cookie == "qvnimhbdsrkygxuzwfpaeol");
    // Head-only still checks the length's digits.
    CHECK(parse_request_head<24>(std::string("POST / HTTP/1.0\r\nContent-Length: 3x\r\n\r\n"), lim).error() ==
          errc::bad_content_length);
}

TEST_CASE("tunnel requests: what is not half of a tunnel", "[protocol][tunnel]") {
    auto classify = [](const std::string& head) {
        auto r = parse_request<24>(head);
        REQUIRE(r);
        return parse_tunnel_request(*r);
    };
    const std::string cookie = "x-sessioncookie: abc\r\n";
    CHECK(classify("GET / HTTP/1.0\r\n" + cookie + "\r\n"));
    CHECK(classify("GET / HTTP/1.0\r\n\r\n").error() == errc::not_a_tunnel);          // no cookie
    CHECK(classify("GET / HTTP/1.0\r\n" + cookie + cookie + "\r\n").error() == errc::not_a_tunnel);  // two
    CHECK(classify("GET / HTTP/1.0\r\nx-sessioncookie:\r\n\r\n").error() == errc::not_a_tunnel);     // empty
    CHECK(classify("GET / HTTP/1.0\r\nx-sessioncookie: a b\r\n\r\n").error() == errc::not_a_tunnel); // space
    CHECK(classify("GET / HTTP/1.0\r\nx-sessioncookie: " + std::string(64, 'c') + "\r\n\r\n"));
    CHECK(classify("GET / HTTP/1.0\r\nx-sessioncookie: " + std::string(65, 'c') + "\r\n\r\n").error() ==
          errc::not_a_tunnel);
    CHECK(classify("PUT / HTTP/1.0\r\n" + cookie + "\r\n").error() == errc::not_a_tunnel);
    CHECK(classify("get / HTTP/1.0\r\n" + cookie + "\r\n").error() == errc::not_a_tunnel);
    CHECK(classify("GET / RTSP/1.0\r\n" + cookie + "\r\n").error() == errc::not_a_tunnel);
    CHECK(classify("GET / HTTP/2.0\r\n" + cookie + "\r\n").error() == errc::not_a_tunnel);
    CHECK(classify("GET / HTTP/1.1\r\nX-SessionCookie: abc\r\n\r\n")->cookie == "abc");  // any case
}
