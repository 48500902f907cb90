// SPDX-License-Identifier: MIT
// RTSP over HTTP through the server (rtsp/server.hpp with rtsp/protocol/http_tunnel.hpp),
// driven through the in-memory fake network: a client's GET and POST pair by cookie, its
// base64 requests are answered in the clear on the GET with the RTP, in whatever pieces they
// arrive; QuickTime's POST per request; and PROTOCOL.md §4 row 19's bad tunnels, each refused
// with a status that says why, without disturbing a tunnel that is playing.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <rtsp/rtp/header.hpp>
#include <rtsp/server.hpp>

#include "base64.hpp"
#include "fake_network.hpp"
#include "jpeg_codec.hpp"
#include "rtsp_output.hpp"

using namespace rtsp;
using test::fake_network;
using test::fake_world;

namespace {

using server_t = basic_server<fake_network, test::manual_clock, test::counter_random>;
using test::parse_rtsp_output;

using test::base64;

std::string get_head(const std::string& cookie) {
    return "GET /cam HTTP/1.1\r\nAccept: application/x-rtsp-tunnelled\r\nx-sessioncookie: " + cookie +
           "\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\r\n";
}
std::string post_head(const std::string& cookie) {
    return "POST /cam HTTP/1.1\r\nx-sessioncookie: " + cookie +
           "\r\nContent-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\n";
}
std::string req(const std::string& method, int cseq, const std::string& extra = "",
                const std::string& url = "rtsp://127.0.0.1:8554/cam") {
    return method + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(cseq) + "\r\n" + extra + "\r\n";
}

/// An HTTP answer at the start of `out`: its status, headers (raw) and body; `rest` after it.
struct http_answer {
    int status = 0;
    std::string head, body, rest;
};
http_answer split_http(const std::string& out) {
    http_answer a;
    REQUIRE(out.rfind("HTTP/1.0 ", 0) == 0);
    const auto end = out.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    a.status = std::stoi(out.substr(9, 3));
    a.head = out.substr(0, end + 4);
    std::size_t len = 0;
    if (auto p = a.head.find("Content-Length: "); p != std::string::npos) len = std::stoul(a.head.substr(p + 16));
    REQUIRE(end + 4 + len <= out.size());
    a.body = out.substr(end + 4, len);
    a.rest = out.substr(end + 4 + len);
    return a;
}

struct harness {
    fake_world world;
    std::uint64_t now = 1'000'000;
    std::vector<std::string> events;
    std::vector<std::byte> jpeg = test::encode_jpeg(test::make_test_image(64, 48), {});
    server_t server;

    explicit harness(server_options o = {}) : server(with_port(o), fake_network(&world), test::manual_clock{&now}) {
        server.register_play_cb([this](std::string_view, std::uint64_t s) { events.push_back("play " + std::to_string(s)); });
        server.register_teardown_cb([this](std::string_view, std::uint64_t s) { events.push_back("teardown " + std::to_string(s)); });
        server.set_source([this](std::string_view) { return jpeg_view{std::span<const std::byte>(jpeg)}; });
    }
    static server_options with_port(server_options o) {
        o.port = 8554;
        return o;
    }
    void step(int n = 2) {
        for (int i = 0; i < n; ++i) REQUIRE(server.poll(0));
    }
    /// Connects and sends a tunnel GET; returns the connection after checking the 200.
    int open_get(const std::string& cookie) {
        const int g = world.connect();
        world.write(g, get_head(cookie));
        step();
        const auto a = split_http(world.read(g));
        REQUIRE(a.status == 200);
        CHECK(a.head.find("Content-Type: application/x-rtsp-tunnelled\r\n") != std::string::npos);
        CHECK(a.head.find("Cache-Control: no-cache\r\n") != std::string::npos);
        CHECK(a.rest.empty());
        return g;
    }
    int open_post(const std::string& cookie, const std::string& first = "") {
        const int p = world.connect();
        world.write(p, post_head(cookie) + first);
        step();
        return p;
    }
    /// One request through the POST, its answer from the GET.
    test::rtsp_response ask(int g, int p, const std::string& text) {
        world.write(p, base64(text));
        step();
        auto v = parse_rtsp_output(world.read(g));
        REQUIRE(v.responses.size() == 1);
        return v.responses[0];
    }
    bool open(int c) const { return world.conns[c].open; }
};

std::string session_of(const test::rtsp_response& r) {
    const auto s = r.get("session");
    return s.substr(0, s.find(';'));
}

/// SETUP (TCP interleaved) and PLAY through the tunnel; returns the session id.
std::string play_through(harness& h, int g, int p) {
    auto s = h.ask(g, p, req("SETUP", 3, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
                             "rtsp://127.0.0.1:8554/cam/track1"));
    REQUIRE(s.status == 200);
    CHECK(s.get("transport").find("interleaved=0-1") != std::string::npos);
    const auto id = session_of(s);
    REQUIRE(h.ask(g, p, req("PLAY", 4, "Session: " + id + "\r\n")).status == 200);
    return id;
}

/// Complete RTP/JPEG frames (marker bit seen) among the '$' frames on channel 0.
int frames_on(const std::string& out) {
    auto v = parse_rtsp_output(out);
    int frames = 0;
    for (const auto& pkt : v.interleaved[0]) {
        auto hdr = rtp::read(std::span<const std::byte>(pkt));
        REQUIRE(hdr);
        CHECK(hdr->hdr.payload_type == 26);
        frames += hdr->hdr.marker ? 1 : 0;
    }
    return frames;
}

}  // namespace

TEST_CASE("tunnel: GET and POST pair by cookie; answers and RTP flow in the clear on the GET",
          "[server][tunnel]") {
    harness h;
    const int g = h.open_get("6b8b4567327b23c6");
    // The first request arrives with the POST's head, in the same segment.
    const int p = h.open_post("6b8b4567327b23c6", base64(req("OPTIONS", 1)));
    auto v = parse_rtsp_output(h.world.read(g));
    REQUIRE(v.responses.size() == 1);
    CHECK(v.responses[0].status == 200);
    CHECK(v.responses[0].get("cseq") == "1");
    const auto d = h.ask(g, p, req("DESCRIBE", 2, "Accept: application/sdp\r\n"));
    CHECK(d.status == 200);
    CHECK(d.body.find("m=video 0 RTP/AVP 26") != std::string::npos);

    const auto id = play_through(h, g, p);
    for (int i = 0; i < 5; ++i) {
        h.now += 40'000;
        h.step(1);
    }
    CHECK(frames_on(h.world.read(g)) >= 5);
    CHECK(h.world.read(p).empty());  // nothing is ever sent on the POST
    bool seen = false;
    h.server.for_each_session([&](const session_info& s) {
        seen = true;
        CHECK(s.tcp);
        CHECK(s.http_tunnel);
        CHECK(s.playing);
    });
    CHECK(seen);
    // TEARDOWN through the tunnel, then the client closes both halves.
    CHECK(h.ask(g, p, req("TEARDOWN", 5, "Session: " + id + "\r\n")).status == 200);
    CHECK(h.server.session_count() == 0);
}

TEST_CASE("tunnel: base64 requests split at every byte boundary reach the GET whole",
          "[server][tunnel]") {
    const std::string two = base64(req("OPTIONS", 1)) + base64(req("DESCRIBE", 2));
    for (std::size_t cut = 0; cut <= two.size(); cut += 1) {
        harness h;
        const int g = h.open_get("c");
        const int p = h.open_post("c", two.substr(0, cut));
        h.world.write(p, two.substr(cut));
        h.step();
        auto v = parse_rtsp_output(h.world.read(g));
        REQUIRE(v.responses.size() == 2);
        CHECK(v.responses[0].get("cseq") == "1");
        CHECK(v.responses[1].get("cseq") == "2");
        CHECK(v.responses[1].status == 200);
    }
}

TEST_CASE("tunnel: QuickTime's POST per request keeps the GET's session", "[server][tunnel]") {
    harness h;
    const int g = h.open_get("qt");
    int p = h.open_post("qt");
    const auto id = play_through(h, g, p);
    // The POST closes after its request; the GET and its session stay.
    h.world.conns[p].peer_closed = true;
    h.step();
    CHECK_FALSE(h.open(p));
    CHECK(h.open(g));
    CHECK(h.server.session_count() == 1);
    // A new POST with the same cookie carries the next request.
    p = h.open_post("qt");
    (void)h.world.read(g);
    CHECK(h.ask(g, p, req("GET_PARAMETER", 6, "Session: " + id + "\r\n")).status == 200);
    // A second POST while one is paired replaces it.
    const int p2 = h.open_post("qt");
    CHECK_FALSE(h.open(p));
    (void)h.world.read(g);
    CHECK(h.ask(g, p2, req("GET_PARAMETER", 7, "Session: " + id + "\r\n")).status == 200);
    // Closing the GET ends the session and takes the POST with it.
    h.world.conns[g].peer_closed = true;
    h.step();
    CHECK_FALSE(h.open(g));
    CHECK_FALSE(h.open(p2));
    CHECK(h.server.session_count() == 0);
    CHECK(h.events.back() == "teardown " + std::to_string(std::stoull(id, nullptr, 16)));
}

TEST_CASE("tunnel: row 19, bad tunnels are refused and a playing tunnel is untouched",
          "[server][tunnel][row19]") {
    harness h;
    const int g = h.open_get("live");
    const int p = h.open_post("live");
    play_through(h, g, p);
    (void)h.world.read(g);

    auto refused = [&](int c, int status, const std::string& why) {
        h.step();
        const auto a = split_http(h.world.read(c));
        CHECK(a.status == status);
        CHECK(a.head.find("Connection: close\r\n") != std::string::npos);
        CHECK(a.body.find(why) != std::string::npos);
        CHECK_FALSE(h.open(c));
    };
    SECTION("a POST with an unknown cookie") {
        const int c = h.world.connect();
        h.world.write(c, post_head("nobody") + base64(req("OPTIONS", 1)));
        refused(c, 404, "no tunnel GET with this x-sessioncookie");
    }
    SECTION("a second GET with a cookie in use") {
        const int c = h.world.connect();
        h.world.write(c, get_head("live"));
        refused(c, 400, "already in use");
    }
    SECTION("GET, then POST with the same cookie on the same connection") {
        const int c = h.world.connect();
        h.world.write(c, get_head("same") + post_head("same"));
        refused(c, 400, "data after a tunnel's GET");
    }
    SECTION("GET, then POST on the same connection in a later segment") {
        const int c = h.open_get("later");
        h.world.write(c, post_head("later"));
        h.step();
        CHECK(h.world.read(c).empty());
        CHECK_FALSE(h.open(c));  // nothing may come in on a GET
    }
    SECTION("an HTTP request without a cookie, as a browser sends") {
        const int c = h.world.connect();
        h.world.write(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8554\r\nAccept: text/html\r\n\r\n");
        refused(c, 400, "this is an RTSP server");
    }
    SECTION("a tunnel GET on a connection that already spoke RTSP") {
        const int c = h.world.connect();
        h.world.write(c, req("OPTIONS", 1));
        h.step();
        CHECK(parse_rtsp_output(h.world.read(c)).responses.at(0).status == 200);
        h.world.write(c, get_head("late"));
        refused(c, 400, "a tunnel half needs a connection of its own");
    }
    SECTION("invalid base64 closes both halves of that tunnel only") {
        const int g2 = h.open_get("other");
        const int p2 = h.open_post("other", base64(req("OPTIONS", 1)));
        CHECK(parse_rtsp_output(h.world.read(g2)).responses.size() == 1);
        h.world.write(p2, "T1BUSU9OUyAq*");
        h.step();
        CHECK_FALSE(h.open(g2));
        CHECK_FALSE(h.open(p2));
    }
    SECTION("a tunnel request inside a tunnel") {
        const int g2 = h.open_get("outer");
        const int p2 = h.open_post("outer", base64(get_head("inner")));
        h.step();
        CHECK(split_http(h.world.read(g2)).status == 400);
        CHECK_FALSE(h.open(g2));
        CHECK_FALSE(h.open(p2));
    }
    // Whatever was refused, the playing tunnel still plays.
    for (int i = 0; i < 5; ++i) {
        h.now += 40'000;
        h.step(1);
    }
    CHECK(h.open(g));
    CHECK(h.open(p));
    CHECK(frames_on(h.world.read(g)) >= 5);
    CHECK(h.server.session_count() == 1);
}

TEST_CASE("tunnel: a quiet POST lives while its GET has sessions; an unpaired GET idles out",
          "[server][tunnel]") {
    harness h;
    const int g = h.open_get("udp");
    const int p = h.open_post("udp");
    // Media over UDP, control through the tunnel: RTCP receiver reports keep the session, and
    // nothing more comes through the POST.
    auto s = h.ask(g, p, req("SETUP", 1, "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n",
                             "rtsp://127.0.0.1:8554/cam/track1"));
    REQUIRE(s.status == 200);
    REQUIRE(h.ask(g, p, req("PLAY", 2, "Session: " + session_of(s) + "\r\n")).status == 200);
    const int lonely = h.open_get("lonely");
    const std::vector<std::byte> rr = {std::byte{0x80}, std::byte{201}, std::byte{0}, std::byte{1},
                                       std::byte{0},    std::byte{0},   std::byte{0}, std::byte{1}};
    for (int second = 0; second < 90; ++second) {
        h.now += 1'000'000;
        h.world.rtcp_in.emplace_back(net::address::v4(127, 0, 0, 1, 5001), rr);
        h.step(1);
    }
    CHECK(h.server.session_count() == 1);
    CHECK(h.open(g));
    CHECK(h.open(p));
    CHECK_FALSE(h.open(lonely));  // no POST, no session: closed after idle_connection_ms
}

TEST_CASE("tunnel: off by option, an HTTP request gets 501 like any unknown method",
          "[server][tunnel]") {
    server_options o;
    o.allow_http_tunnel = false;
    harness h(o);
    const int c = h.world.connect();
    h.world.write(c, get_head("x"));
    h.step();
    auto v = parse_rtsp_output(h.world.read(c));
    REQUIRE(v.responses.size() == 1);
    CHECK(v.responses[0].status == 501);
}

TEST_CASE("tunnel: a POST after the blank lines a client may send first is still a tunnel POST",
          "[server][tunnel]") {
    harness h;
    const int g = h.open_get("blank");
    const int p = h.open_post("blank");
    (void)p;
    const int p2 = h.world.connect();
    h.world.write(p2, "\r\n\r\n" + post_head("blank") + base64(req("OPTIONS", 8)));
    h.step();
    auto v = parse_rtsp_output(h.world.read(g));
    REQUIRE(v.responses.size() == 1);
    CHECK(v.responses[0].get("cseq") == "8");
    CHECK(h.world.read(p2).empty());
}
