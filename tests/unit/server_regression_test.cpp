// SPDX-License-Identifier: MIT
// server_regression_test.cpp - inputs the whole-server fuzzer (tests/fuzz/server_fuzz.cpp)
// found to break a server promise, replayed through the fake network as plain tests.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <rtsp/server.hpp>

#include "fake_network.hpp"
#include "jpeg_codec.hpp"

using namespace rtsp;

namespace {

using server_t = basic_server<test::fake_network, test::manual_clock, test::counter_random>;

struct harness {
    test::fake_world world;
    std::uint64_t now = 1'000'000;
    std::vector<std::string> events;  // "setup <id>", "play <id>", ... in callback order
    std::vector<std::byte> jpeg = test::encode_jpeg(test::make_test_image(64, 48));
    server_t server;

    harness() : server(options(), test::fake_network(&world), test::manual_clock{&now}) {
        server.register_setup_cb([this](std::string_view, std::uint64_t id) { note("setup", id); });
        server.register_play_cb([this](std::string_view, std::uint64_t id) { note("play", id); });
        server.register_pause_cb([this](std::string_view, std::uint64_t id) { note("pause", id); });
        server.register_teardown_cb([this](std::string_view, std::uint64_t id) { note("teardown", id); });
        server.set_source([this](std::string_view) { return jpeg_view{std::span<const std::byte>(jpeg)}; });
    }
    static server_options options() {
        server_options o;
        o.port = 8554;
        return o;
    }
    void note(const char* what, std::uint64_t id) { events.push_back(std::string(what) + " " + std::to_string(id)); }
    void step(int n) {
        for (int i = 0; i < n; ++i) REQUIRE(server.poll(0));
    }
    /// The Session id of the last response on connection c.
    std::string session_id(int c) {
        const std::string out = world.read(c);
        const auto at = out.rfind("Session: ");
        REQUIRE(at != std::string::npos);
        return out.substr(at + 9, 16);
    }
};

std::string setup_tcp(int cseq) {
    return "SETUP rtsp://127.0.0.1:8554/cam/track1 RTSP/1.0\r\nCSeq: " + std::to_string(cseq) +
           "\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n";
}

}  // namespace

// Found by fuzz_server: the client sends SETUP and resets the connection before the reply goes
// out. Sending the reply fails, which closes the connection and tears the new session down;
// the setup callback then fired AFTER its teardown, for a session that no longer existed, so
// an application counting sessions (setup +1, teardown -1) leaked one for ever.
TEST_CASE("regression: a SETUP whose reply cannot be sent fires setup before teardown") {
    harness h;
    const int c = h.world.connect();
    h.world.write(c, setup_tcp(1));
    h.world.conns[c].peer_closed = true;  // receive still returns the request; send fails
    h.step(3);
    REQUIRE(h.events.size() == 2);
    CHECK(h.events[0].rfind("setup ", 0) == 0);
    CHECK(h.events[1].rfind("teardown ", 0) == 0);
    CHECK(h.events[0].substr(6) == h.events[1].substr(9));  // the same session
    CHECK(h.server.session_count() == 0);
}

// The same for PLAY and PAUSE: their callbacks must not name a session already torn down.
TEST_CASE("regression: PLAY or PAUSE whose reply cannot be sent never calls back after teardown") {
    const bool pause = GENERATE(false, true);
    harness h;
    const int c = h.world.connect();
    h.world.write(c, setup_tcp(1));
    h.step(2);
    const std::string id = h.session_id(c);
    if (pause) {
        h.world.write(c, "PLAY rtsp://127.0.0.1:8554/cam/ RTSP/1.0\r\nCSeq: 2\r\nSession: " + id + "\r\n\r\n");
        h.step(2);
        (void)h.world.read(c);
    }
    const std::string method = pause ? "PAUSE" : "PLAY";
    h.world.write(c, method + " rtsp://127.0.0.1:8554/cam/ RTSP/1.0\r\nCSeq: 3\r\nSession: " + id + "\r\n\r\n");
    h.world.conns[c].peer_closed = true;
    h.step(3);
    REQUIRE(!h.events.empty());
    CHECK(h.events.back().rfind("teardown ", 0) == 0);  // nothing after the teardown
    CHECK(h.server.session_count() == 0);
}

// Found by fuzz_server: an unframeable request gets its answer with "Connection: close"; while
// that answer waited behind a client reading slowly, the client sent more bytes, and after
// request_deadline_ms the reaper answered those with a 408: a second response after the one
// that said the connection closes. Same for the HTTP 400 a browser's GET gets.
TEST_CASE("regression: a connection closing after an error answer gets no 408 for later bytes") {
    const std::string first = GENERATE(std::string("BAD\r\n\r\n"), std::string("GET /cam HTTP/1.0\r\n\r\n"));
    harness h;
    const int c = h.world.connect();
    h.world.conns[c].send_budget = 0;  // the client does not read yet
    h.world.write(c, first);
    h.step(1);
    h.world.write(c, "OPTIONS * RTSP/1.0\r\n");  // more bytes meanwhile
    h.step(1);
    for (int second = 0; second < 12; ++second) {  // past request_deadline_ms, reading a byte a
        h.now += 1'000'000;                         // second: slow, never stalled
        h.world.conns[c].send_budget = 1;
        h.step(1);
    }
    h.world.conns[c].send_budget = static_cast<std::size_t>(-1);
    h.step(2);
    const std::string out = h.world.read(c);
    CHECK(out.find(" 400 Bad Request\r\n") != std::string::npos);
    CHECK(out.find("408") == std::string::npos);
    CHECK_FALSE(h.world.conns[c].open);
}

// Found by fuzz_server: with tunnels on, any request starting "POST " was parsed head-only (a
// tunnel's POST has no real body), so an RTSP POST's body was then run as the next request.
TEST_CASE("regression: an RTSP POST's body is skipped with it, not run as a request") {
    harness h;
    const std::string body = "OPTIONS * RTSP/1.0\r\nCSeq: 99\r\n\r\n";
    const int c = h.world.connect();
    h.world.write(c, "POST rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nCSeq: 1\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body);
    h.step(3);
    const std::string out = h.world.read(c);
    CHECK(out.rfind("RTSP/1.0 501 Not Implemented\r\nCSeq: 1\r\n", 0) == 0);
    CHECK(out.find("CSeq: 99") == std::string::npos);
}
