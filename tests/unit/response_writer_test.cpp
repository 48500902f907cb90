// Tests for rtsp/protocol/response_writer.hpp: exact bytes of the responses the server sends,
// header-injection defence, and overflow at every output size without writing past the span.
#include <catch2/catch.hpp>

#include <rtsp/protocol/request_parser.hpp>
#include <rtsp/protocol/response_writer.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

using rtsp::errc;
namespace proto = rtsp::protocol;

namespace {

const std::string sdp =
    "v=0\r\no=- 1 1 IN IP4 192.168.1.50\r\ns=cam\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 26\r\n"
    "c=IN IP4 0.0.0.0\r\na=control:track1\r\n";

/// Builds a response with `build` into a buffer of `cap` bytes (plus guard bytes after it).
struct built {
    rtsp::result<std::size_t> r;
    std::string text;
    bool guard_intact;
};
built build_into(std::size_t cap, const std::function<rtsp::result<std::size_t>(proto::response_writer&)>& build) {
    std::vector<char> buf(cap + 16, '#');
    proto::response_writer w(std::span<char>(buf.data(), cap));
    auto r = build(w);
    bool guard = true;
    for (std::size_t i = cap; i < buf.size(); ++i) guard = guard && buf[i] == '#';
    std::string text = r ? std::string(buf.data(), *r) : std::string();
    return {r, text, guard};
}

struct response_case {
    const char* name;
    std::function<rtsp::result<std::size_t>(proto::response_writer&)> build;
    std::string expected;
};

std::vector<response_case> cases() {
    return {
        {"OPTIONS",
         [](proto::response_writer& w) {
             w.status(200);
             w.header("CSeq", "2");
             w.header("Public", "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER");
             return w.finish();
         },
         "RTSP/1.0 200 OK\r\nCSeq: 2\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER\r\n\r\n"},
        {"DESCRIBE",
         [](proto::response_writer& w) {
             w.status(200);
             w.header("CSeq", std::uint64_t{3});
             w.header("Content-Base", "rtsp://192.168.1.50:8554/cam/");
             return w.finish(sdp, "application/sdp");
         },
         "RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Base: rtsp://192.168.1.50:8554/cam/\r\n"
         "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp},
        {"SETUP",
         [](proto::response_writer& w) {
             w.status(200);
             w.header("CSeq", "4");
             w.header("Transport", "RTP/AVP;unicast;client_port=56404-56405;server_port=6970-6971;ssrc=1A2B3C4D");
             w.header("Session", "8F3A12C47B9D0E21;timeout=60");
             return w.finish();
         },
         "RTSP/1.0 200 OK\r\nCSeq: 4\r\n"
         "Transport: RTP/AVP;unicast;client_port=56404-56405;server_port=6970-6971;ssrc=1A2B3C4D\r\n"
         "Session: 8F3A12C47B9D0E21;timeout=60\r\n\r\n"},
        {"461",
         [](proto::response_writer& w) {
             w.status(461);
             w.header("CSeq", "4");
             return w.finish();
         },
         "RTSP/1.0 461 Unsupported transport\r\nCSeq: 4\r\n\r\n"},
        {"body without content type",
         [](proto::response_writer& w) {
             w.status(200);
             w.header("CSeq", std::uint64_t{18446744073709551615u});
             return w.finish("x");
         },
         "RTSP/1.0 200 OK\r\nCSeq: 18446744073709551615\r\nContent-Length: 1\r\n\r\nx"},
        {"551 with Unsupported",
         [](proto::response_writer& w) {
             w.status(551);
             w.header("CSeq", std::uint64_t{0});
             w.header("Unsupported", "implicit-play");
             return w.finish({}, "ignored/without-body");
         },
         "RTSP/1.0 551 Option not supported\r\nCSeq: 0\r\nUnsupported: implicit-play\r\n\r\n"},
    };
}

}  // namespace

TEST_CASE("responses are written byte for byte", "[protocol][writer]") {
    for (const auto& c : cases()) {
        INFO(c.name);
        const auto b = build_into(1024 * 4, c.build);
        REQUIRE(b.r);
        CHECK(b.text == c.expected);
        CHECK(*b.r == c.expected.size());
        CHECK(b.guard_intact);
    }
}

TEST_CASE("a response reads back through the request parser's framing rules", "[protocol][writer]") {
    // Responses share the head syntax; reuse the parser on a response rewritten as a request
    // line to check headers and Content-Length framing agree.
    const auto b = build_into(4096, cases()[1].build);
    REQUIRE(b.r);
    std::string as_request = b.text;
    as_request.replace(0, as_request.find("\r\n"), "X * RTSP/1.0");
    const auto r = proto::parse_request(as_request);
    REQUIRE(r);
    CHECK(r->header("Content-Type") == "application/sdp");
    CHECK(r->body == sdp);
    CHECK(r->consumed == as_request.size());
}

TEST_CASE("overflow at every output size is reported and never writes past the span",
          "[protocol][writer]") {
    for (const auto& c : cases()) {
        INFO(c.name);
        for (std::size_t cap = 0; cap <= c.expected.size() + 1; ++cap) {
            INFO("cap " << cap);
            const auto b = build_into(cap, c.build);
            REQUIRE(b.guard_intact);
            if (cap < c.expected.size()) {
                REQUIRE_FALSE(b.r);
                CHECK(b.r.error() == errc::buffer_too_small);
            } else {
                REQUIRE(b.r);
                CHECK(b.text == c.expected);
            }
        }
    }
}

TEST_CASE("overflow is sticky: later small writes do not sneak in", "[protocol][writer]") {
    char buf[24];
    proto::response_writer w(buf);
    w.status(200);  // 17 bytes
    CHECK_FALSE(w.overflow());
    w.header("Content-Base", "rtsp://long.example/cam/");  // does not fit
    CHECK(w.overflow());
    const std::size_t before = w.size();
    w.header("A", "b");  // would fit in the remaining 7 bytes, but must not be written
    CHECK(w.size() == before);
    CHECK(w.written() == "RTSP/1.0 200 OK\r\n");
    CHECK(w.finish().error() == errc::buffer_too_small);
}

TEST_CASE("header values that could split the response are dropped", "[protocol][writer][bad]") {
    using namespace std::string_literals;
    char buf[512];
    proto::response_writer w(buf);
    w.status(400);
    w.header("CSeq", "1\r\nX-Injected: yes");
    w.header("CSeq", "1\nX: y");
    w.header("CSeq", "1\rX: y");
    w.header("CSeq", "1\0"s);
    w.header("CSeq", "\x7F");
    w.header("Bad Name", "v");
    w.header("Bad:Name", "v");
    w.header("", "v");
    w.header("X\r\nY", "v");
    w.header("X\r\nY", std::uint64_t{1});
    w.header("Content-Base", "ok\tvalue");  // HT is allowed inside a value
    CHECK(w.dropped_headers() == 10);
    const auto r = w.finish();
    REQUIRE(r);
    CHECK(std::string(buf, *r) == "RTSP/1.0 400 Bad Request\r\nContent-Base: ok\tvalue\r\n\r\n");
}

TEST_CASE("status lines for every code the server uses", "[protocol][writer]") {
    for (int code : {200, 400, 401, 404, 405, 408, 413, 414, 451, 453, 454, 455, 459, 461, 500, 501, 503, 505, 551}) {
        char buf[128];
        proto::response_writer w(buf);
        w.status(code);
        const auto r = w.finish();
        REQUIRE(r);
        CHECK(std::string(buf, *r) == "RTSP/1.0 " + std::to_string(code) + " " +
                                          std::string(proto::reason_phrase(code)) + "\r\n\r\n");
    }
}
