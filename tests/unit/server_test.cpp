// The server driven through the in-memory fake network: RTSP behaviour clients depend on
// (PROTOCOL.md §3), the seed's callbacks, fan-out, TCP interleaving, timeouts and slow readers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <rtsp/server.hpp>
#include <rtsp/rtp/header.hpp>

#include "fake_network.hpp"
#include "rtsp_output.hpp"
#include "jpeg_codec.hpp"
#include "rfc2435_depayloader.hpp"

using namespace rtsp;
using test::fake_network;
using test::fake_world;

namespace {

using server_t = basic_server<fake_network, test::manual_clock, test::counter_random>;

using response = test::rtsp_response;
using test::parse_rtsp_output;

std::vector<std::byte> test_jpeg(int w = 64, int h = 48, test::sampling s = test::sampling::s420,
                                 int restart = 0) {
    test::encode_options o;
    o.chroma = s;
    o.restart_interval = restart;
    return test::encode_jpeg(test::make_test_image(w, h), o);
}

server_options with_port(server_options o = {}) {
    o.port = 8554;
    return o;
}

struct harness {
    // Declared before the server: its destructor tears sessions down and calls back into these.
    fake_world world;
    std::uint64_t now = 1'000'000;
    std::vector<std::string> events;  // "setup /path id", ...
    std::vector<std::byte> jpeg = test_jpeg();
    int source_calls = 0;
    server_t server;

    explicit harness(server_options o = with_port()) : server(o, fake_network(&world), test::manual_clock{&now}) {
        server.register_setup_cb([this](std::string_view p, std::uint64_t s) { note("setup", p, s); });
        server.register_play_cb([this](std::string_view p, std::uint64_t s) { note("play", p, s); });
        server.register_pause_cb([this](std::string_view p, std::uint64_t s) { note("pause", p, s); });
        server.register_teardown_cb([this](std::string_view p, std::uint64_t s) { note("teardown", p, s); });
        server.set_source([this](std::string_view) {
            ++source_calls;
            return jpeg_view{std::span<const std::byte>(jpeg)};
        });
    }
    void note(const char* what, std::string_view p, std::uint64_t s) {
        events.push_back(std::string(what) + " " + std::string(p) + " " + std::to_string(s));
    }
    void step(int n = 1) {
        for (int i = 0; i < n; ++i) REQUIRE(server.poll(0));
    }
    /// Sends one request on c and returns the single response.
    response request(int c, const std::string& text) {
        world.write(c, text);
        step(2);
        auto v = parse_rtsp_output(world.read(c));
        REQUIRE(v.responses.size() == 1);
        return v.responses[0];
    }
};

std::string req(const std::string& method, const std::string& url, int cseq, const std::string& extra = "") {
    return method + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(cseq) + "\r\n" + extra + "\r\n";
}

std::string session_id(const response& r) {
    auto s = r.get("session");
    return s.substr(0, s.find(';'));
}

/// Connects from `peer`, SETUPs /track1 with `transport` and PLAYs; returns the connection.
int play_session(harness& h, net::address peer, const std::string& transport) {
    int c = h.world.connect(peer);
    auto s = h.request(c, req("SETUP", "rtsp://h/track1", 1, "Transport: " + transport + "\r\n"));
    REQUIRE(s.status == 200);
    REQUIRE(h.request(c, req("PLAY", "rtsp://h/", 2, "Session: " + session_id(s) + "\r\n")).status == 200);
    return c;
}

using sent_datagram_bytes = std::pair<std::uint16_t, std::vector<std::byte>>;

/// The RTP packets of complete frames among the datagrams sent to one UDP port.
std::vector<std::vector<std::vector<std::byte>>> udp_frames(const fake_world& w, std::uint16_t port) {
    std::vector<std::vector<std::vector<std::byte>>> frames(1);
    for (const auto& d : w.datagrams) {
        if (d.from != udp_socket::rtp || d.to.port != port) continue;
        frames.back().push_back(d.bytes);
        auto h = rtp::read(std::span<const std::byte>(d.bytes));
        REQUIRE(h);
        if (h->hdr.marker) frames.emplace_back();
    }
    frames.pop_back();
    return frames;
}

}  // namespace

TEST_CASE("OPTIONS lists GET_PARAMETER and echoes CSeq verbatim", "[server]") {
    harness h;
    int c = h.world.connect();
    auto r = h.request(c, "OPTIONS rtsp://127.0.0.1:8554/ RTSP/1.0\r\nCSeq: 0042abc\r\n\r\n");
    CHECK(r.status == 200);
    CHECK(r.get("cseq") == "0042abc");
    CHECK(r.get("public").find("GET_PARAMETER") != std::string::npos);
    CHECK(r.get("public").find("DESCRIBE") != std::string::npos);
}

TEST_CASE("DESCRIBE returns SDP with Content-Base ending in a slash", "[server]") {
    harness h;
    int c = h.world.connect();
    auto r = h.request(c, req("DESCRIBE", "rtsp://127.0.0.1:8554/cam", 2, "Accept: application/sdp\r\n"));
    REQUIRE(r.status == 200);
    CHECK(r.get("content-type") == "application/sdp");
    CHECK(r.get("content-base") == "rtsp://127.0.0.1:8554/cam/");
    CHECK(std::stoul(r.get("content-length")) == r.body.size());
    CHECK(r.body.find("m=video 0 RTP/AVP 26\r\n") != std::string::npos);
    CHECK(r.body.find("a=control:track1\r\n") != std::string::npos);

    SECTION("a relative URL gets an absolute Content-Base from the local address") {
        auto r2 = h.request(c, req("DESCRIBE", "/cam/", 3));
        CHECK(r2.get("content-base") == "rtsp://127.0.0.1:8554/cam/");
    }
}

TEST_CASE("DESCRIBE of a path the application rejects is 404", "[server]") {
    harness h;
    h.server.register_path_check([](std::string_view p) { return p == "/cam"; });
    int c = h.world.connect();
    CHECK(h.request(c, req("DESCRIBE", "rtsp://h/other", 1)).status == 404);
    CHECK(h.request(c, req("DESCRIBE", "rtsp://h/cam", 2)).status == 200);
    CHECK(h.request(c, req("SETUP", "rtsp://h/other/track1", 3, "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n")).status == 404);
}

TEST_CASE("UDP session: SETUP, PLAY with exact RTP-Info, frames, TEARDOWN, callbacks", "[server]") {
    harness h;
    int c = h.world.connect(net::address::v4(127, 0, 0, 1, 40000));
    const std::string setup_url = "rtsp://127.0.0.1:8554/cam/track1";
    auto s = h.request(c, req("SETUP", setup_url, 3, "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"));
    REQUIRE(s.status == 200);
    CHECK(s.get("transport").find("RTP/AVP;unicast;client_port=5000-5001;server_port=50000-50001;ssrc=") == 0);
    std::string sid = session_id(s);
    CHECK(sid.size() == 16);
    CHECK(s.get("session") == sid + ";timeout=60");  // no space before ;timeout (FFmpeg)

    auto p = h.request(c, req("PLAY", "rtsp://127.0.0.1:8554/cam/", 4, "Session: " + sid + "\r\nRange: npt=0.000-\r\n"));
    REQUIRE(p.status == 200);
    CHECK(p.get("range") == "npt=0.000-");
    const std::string info = p.get("rtp-info");
    CHECK(info.find("url=" + setup_url + ";seq=") == 0);
    auto seq = std::stoul(info.substr(info.find("seq=") + 4));
    auto rtptime = std::stoul(info.substr(info.find("rtptime=") + 8));

    // The first frame goes out at once after PLAY, carrying exactly the advertised seq/rtptime.
    h.step();
    auto frames = udp_frames(h.world, 5000);
    REQUIRE(frames.size() >= 1);
    auto first = rtp::read(std::span<const std::byte>(frames[0][0]));
    REQUIRE(first);
    CHECK(first->hdr.sequence == seq);
    CHECK(first->hdr.timestamp == rtptime);
    CHECK(first->hdr.payload_type == 26);
    for (auto& d : h.world.datagrams)
        if (d.from == udp_socket::rtp) CHECK(d.to == net::address::v4(127, 0, 0, 1, 5000));

    // Frames are complete and decode to the source's pixels.
    auto dep = test::depayload_rfc2435(frames[0]);
    REQUIRE(dep.ok());
    auto a = test::decode_jpeg(dep.jpeg);
    auto b = test::decode_jpeg(h.jpeg);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->pixels == b->pixels);

    auto t = h.request(c, req("TEARDOWN", "rtsp://127.0.0.1:8554/cam/", 5, "Session: " + sid + "\r\n"));
    CHECK(t.status == 200);
    REQUIRE(h.events.size() == 3);
    auto id = std::to_string(std::stoull(sid, nullptr, 16));
    CHECK(h.events[0] == "setup /cam " + id);
    CHECK(h.events[1] == "play /cam " + id);
    CHECK(h.events[2] == "teardown /cam " + id);
    // RTCP BYE went to the client's RTCP port.
    bool bye = false;
    for (auto& d : h.world.datagrams)
        if (d.from == udp_socket::rtcp && d.to.port == 5001 && d.bytes.size() > 8) bye = true;
    CHECK(bye);
    CHECK(h.server.session_count() == 0);
}

TEST_CASE("TCP interleaved session receives framed RTP on the client's channels", "[server]") {
    harness h;
    h.jpeg = test_jpeg(320, 240, test::sampling::s422, 2);
    int c = h.world.connect();
    auto s = h.request(c, req("SETUP", "rtsp://127.0.0.1:8554/track1", 1, "Transport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n"));
    REQUIRE(s.status == 200);
    CHECK(s.get("transport").find("RTP/AVP/TCP;unicast;interleaved=2-3") == 0);
    std::string sid = session_id(s);
    h.world.write(c, req("PLAY", "rtsp://127.0.0.1:8554/", 2, "Session: " + sid + "\r\n"));
    h.step(3);
    auto v = parse_rtsp_output(h.world.read(c));
    REQUIRE(v.responses.size() == 1);
    CHECK(v.responses[0].status == 200);
    REQUIRE(v.interleaved.count(2));
    std::vector<std::vector<std::byte>> frame;
    for (auto& pkt : v.interleaved[2]) {
        CHECK(pkt.size() <= 1396);
        frame.push_back(pkt);
        if (rtp::read(std::span<const std::byte>(pkt))->hdr.marker) break;
    }
    auto dep = test::depayload_rfc2435(frame);
    REQUIRE(dep.ok());
    CHECK(dep.info.type == 64);  // 4:2:2 with restart markers
    auto a = test::decode_jpeg(dep.jpeg);
    auto b = test::decode_jpeg(h.jpeg);
    REQUIRE(a);
    CHECK(a->pixels == b->pixels);
}

TEST_CASE("Requests split at every byte boundary get the same answer", "[server]") {
    const std::string text = req("OPTIONS", "rtsp://127.0.0.1:8554/", 7, "User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)\r\n");
    for (std::size_t split = 1; split < text.size(); ++split) {
        harness h;
        int c = h.world.connect();
        h.world.write(c, text.substr(0, split));
        h.step(2);
        CHECK(h.world.read(c).empty());
        h.world.write(c, text.substr(split));
        h.step(2);
        auto v = parse_rtsp_output(h.world.read(c));
        REQUIRE(v.responses.size() == 1);
        CHECK(v.responses[0].status == 200);
        CHECK(v.responses[0].get("cseq") == "7");
    }
}

TEST_CASE("Pipelined requests and interleaved frames between them are answered in order", "[server]") {
    harness h;
    int c = h.world.connect();
    std::string rr("$\x01\x00\x08\x81\xc9\x00\x01\x00\x00\x00\x01", 12);  // an RTCP RR, channel 1
    h.world.write(c, req("OPTIONS", "*", 1) + rr + req("OPTIONS", "*", 2) + std::string("$\x05\x00\x00", 4) + req("GET_PARAMETER", "rtsp://h/", 3));
    h.step(3);
    auto v = parse_rtsp_output(h.world.read(c));
    REQUIRE(v.responses.size() == 3);
    CHECK(v.responses[0].get("cseq") == "1");
    CHECK(v.responses[1].get("cseq") == "2");
    CHECK(v.responses[2].get("cseq") == "3");
}

TEST_CASE("Error statuses: 400, 454, 455, 459, 461, 501, 505, 551", "[server]") {
    harness h;
    int c = h.world.connect();
    CHECK(h.request(c, "OPTIONS * RTSP/1.0\r\n\r\n").status == 400);  // no CSeq
    CHECK(h.request(c, req("FOO", "*", 1)).status == 501);
    CHECK(h.request(c, req("OPTIONS", "*", 2).replace(10, 8, "RTSP/2.0")).status == 505);
    auto r = h.request(c, req("OPTIONS", "*", 3, "Require: com.example.foo\r\n"));
    CHECK(r.status == 551);
    CHECK(r.get("unsupported") == "com.example.foo");
    CHECK(h.request(c, req("PLAY", "rtsp://h/", 4)).status == 454);
    CHECK(h.request(c, req("PLAY", "rtsp://h/", 5, "Session: 0123456789ABCDEF\r\n")).status == 454);
    CHECK(h.request(c, req("SETUP", "rtsp://h/track1", 6, "Transport: RTP/AVP;multicast\r\n")).status == 461);
    CHECK(h.request(c, req("SETUP", "rtsp://h/track1", 7, "Transport: RTP/AVP;unicast;client_port=0-1\r\n")).status == 400);
    CHECK(h.request(c, req("SETUP", "rtsp://h/track1", 8, "Transport: RTP/AVP;unicast;client_port=5000-5001;destination=10.9.9.9\r\n")).status == 461);
    auto s = h.request(c, req("SETUP", "rtsp://h/a/track1", 9, "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"));
    REQUIRE(s.status == 200);
    CHECK(h.request(c, req("PLAY", "rtsp://h/b/", 10, "Session: " + session_id(s) + "\r\n")).status == 459);
    CHECK(h.request(c, req("ANNOUNCE", "rtsp://h/a", 11)).status == 405);
}

TEST_CASE("A Session id replayed on another connection is unknown (454)", "[server]") {
    harness h;
    int a = h.world.connect(), b = h.world.connect(net::address::v4(127, 0, 0, 2, 41000));
    auto s = h.request(a, req("SETUP", "rtsp://h/track1", 1, "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"));
    REQUIRE(s.status == 200);
    CHECK(h.request(b, req("PLAY", "rtsp://h/", 1, "Session: " + session_id(s) + "\r\n")).status == 454);
    CHECK(h.request(b, req("TEARDOWN", "rtsp://h/", 2, "Session: " + session_id(s) + "\r\n")).status == 454);
    CHECK(h.server.session_count() == 1);
}

TEST_CASE("Sessions are reaped after the timeout unless RTCP or requests keep them alive", "[server]") {
    server_options o = with_port();
    o.session_timeout_s = 2;
    harness h(o);
    int c = h.world.connect();
    auto s = h.request(c, req("SETUP", "rtsp://h/cam/track1", 1, "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"));
    REQUIRE(h.request(c, req("PLAY", "rtsp://h/cam", 2, "Session: " + session_id(s) + "\r\n")).status == 200);
    // Receiver reports from the client's RTCP port keep it alive past the timeout...
    std::vector<std::byte> rr = {std::byte{0x80}, std::byte{0xC9}, std::byte{0x00}, std::byte{0x01},
                                 std::byte{0x11}, std::byte{0x22}, std::byte{0x33}, std::byte{0x44}};
    for (int i = 0; i < 6; ++i) {
        h.now += 1'000'000;
        h.world.rtcp_in.push_back({net::address::v4(127, 0, 0, 1, 5001), rr});
        h.step();
    }
    CHECK(h.server.session_count() == 1);
    // ...then silence ends it, and the teardown callback fires once.
    h.now += 2'500'000;
    h.step();
    CHECK(h.server.session_count() == 0);
    CHECK(std::count_if(h.events.begin(), h.events.end(), [](auto& e) { return e.rfind("teardown /cam", 0) == 0; }) == 1);
}

TEST_CASE("A closed connection tears its sessions down", "[server]") {
    harness h;
    int c = h.world.connect();
    auto s = h.request(c, req("SETUP", "rtsp://h/track1", 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
    REQUIRE(s.status == 200);
    h.world.conns[c].peer_closed = true;
    h.step(2);
    CHECK(h.server.session_count() == 0);
    REQUIRE(h.events.size() == 2);
    CHECK(h.events[1].rfind("teardown / ", 0) == 0);
}

TEST_CASE("A teardown callback sees the ending session's final counters, and only then", "[server]") {
    struct seen { std::uint64_t id; bool ending, tcp, playing; std::uint64_t sent, bytes; net::address peer; };
    std::vector<seen> during;  // before the harness: its destructor tears the other session down
    harness h;
    play_session(h, net::address::v4(127, 0, 0, 2, 40000), "RTP/AVP;unicast;client_port=6000-6001");
    const int c = play_session(h, net::address::v4(127, 0, 0, 3, 40000), "RTP/AVP/TCP;unicast;interleaved=0-1");
    for (int i = 0; i < 5; ++i) {
        h.now += 33'334;
        h.step();
    }
    std::uint64_t last_sent = 0, last_bytes = 0;
    h.server.for_each_session([&](const session_info& si) {
        CHECK_FALSE(si.ending);
        if (si.tcp) { last_sent = si.frames_sent; last_bytes = si.bytes_sent; }
    });
    REQUIRE(last_sent >= 5);
    // One more frame, then the TCP client goes away: what the callback sees includes it.
    h.now += 33'334;
    h.step();
    h.server.register_teardown_cb([&](std::string_view, std::uint64_t) {
        h.server.for_each_session([&](const session_info& si) {
            during.push_back({si.id, si.ending, si.tcp, si.playing, si.frames_sent, si.bytes_sent, si.peer});
        });
    });
    h.world.conns[c].peer_closed = true;
    h.step(2);
    REQUIRE(during.size() == 2);  // the UDP session, and the ending one
    const auto ending = std::find_if(during.begin(), during.end(), [](const seen& x) { return x.ending; });
    REQUIRE(ending != during.end());
    CHECK(ending->tcp);
    CHECK_FALSE(ending->playing);
    CHECK(ending->sent == last_sent + 1);
    CHECK(ending->bytes > last_bytes);
    CHECK(ending->peer == net::address::v4(127, 0, 0, 3, 40000));
    CHECK(std::count_if(during.begin(), during.end(), [](const seen& x) { return !x.ending && !x.tcp; }) == 1);
    // Afterwards it is gone.
    int visited = 0;
    h.server.for_each_session([&](const session_info& si) {
        ++visited;
        CHECK_FALSE(si.ending);
    });
    CHECK(visited == 1);
}

TEST_CASE("A path callback is called once per frame for all sessions on the path", "[server]") {
    server_options o = with_port();
    o.max_fps = 10;
    harness h(o);
    std::vector<int> conns;
    for (int i = 0; i < 3; ++i) {
        int c = h.world.connect(net::address::v4(127, 0, 0, static_cast<std::uint8_t>(1 + i), 40000));
        auto s = h.request(c, req("SETUP", "rtsp://h/cam/track1", 1, "Transport: RTP/AVP;unicast;client_port=6000-6001\r\n"));
        REQUIRE(h.request(c, req("PLAY", "rtsp://h/cam/", 2, "Session: " + session_id(s) + "\r\n")).status == 200);
    }
    h.world.datagrams.clear();
    int before = h.source_calls;
    for (int i = 0; i < 10; ++i) {
        h.now += 100'000;
        h.step();
    }
    int calls = h.source_calls - before;
    CHECK(calls >= 9);
    CHECK(calls <= 11);
    // Every client got every frame.
    std::map<std::uint8_t, int> per_host;
    for (auto& d : h.world.datagrams) {
        if (d.from != udp_socket::rtp) continue;
        if (rtp::read(std::span<const std::byte>(d.bytes))->hdr.marker) per_host[d.to.bytes[3]]++;
    }
    REQUIRE(per_host.size() == 3);
    for (auto& [host, frames] : per_host) CHECK(frames == calls);
}

TEST_CASE("A session callback is called per session, as in the seed", "[server]") {
    harness h;
    std::map<std::uint64_t, int> calls;
    h.server.set_source([&](std::string_view, std::uint64_t session) {
        calls[session]++;
        return jpeg_view{std::span<const std::byte>(h.jpeg)};
    });
    for (int i = 0; i < 2; ++i) {
        int c = h.world.connect(net::address::v4(127, 0, 0, static_cast<std::uint8_t>(1 + i), 40000));
        auto s = h.request(c, req("SETUP", "rtsp://h/track1", 1, "Transport: RTP/AVP;unicast;client_port=6000-6001\r\n"));
        REQUIRE(h.request(c, req("PLAY", "rtsp://h/", 2, "Session: " + session_id(s) + "\r\n")).status == 200);
    }
    h.step(3);
    REQUIRE(calls.size() == 2);
    for (auto& [id, n] : calls) CHECK(n >= 1);
}

TEST_CASE("A TCP client that stops reading loses whole frames, then is dropped; UDP is unaffected", "[server]") {
    server_options o = with_port();
    o.max_fps = 30;
    harness h(o);
    h.jpeg = test_jpeg(640, 480);
    play_session(h, net::address::v4(127, 0, 0, 1, 40000), "RTP/AVP;unicast;client_port=7000-7001");
    int t = play_session(h, net::address::v4(127, 0, 0, 2, 40000), "RTP/AVP/TCP;unicast;interleaved=0-1");
    h.world.conns[t].send_budget = 5000;  // the kernel takes a few KB, then nothing
    h.world.datagrams.clear();
    int frames_produced = 0;
    std::uint64_t tcp_dropped = 0, tcp_sent = 0;
    int iterations = 0;
    for (; iterations < 300 && h.world.conns[t].open; ++iterations) {  // up to 10 s at 30 fps
        h.now += 33'334;
        int before = h.source_calls;
        h.step();
        frames_produced += h.source_calls - before;
        h.server.for_each_session([&](const session_info& si) {
            if (si.tcp) { tcp_dropped = si.frames_dropped; tcp_sent = si.frames_sent; }
        });
    }
    // The stalled reader lost whole frames while it hung on, then was disconnected once its
    // output had not moved for Config::send_stall_ms (5 s).
    CHECK_FALSE(h.world.conns[t].open);
    CHECK(iterations >= 150);
    CHECK(iterations <= 160);
    CHECK(tcp_sent <= 2);
    CHECK(tcp_dropped >= 140);
    // UDP client received every frame completely.
    auto frames = udp_frames(h.world, 7000);
    CHECK(static_cast<int>(frames.size()) >= frames_produced - 1);
    for (auto& f : frames) CHECK(test::depayload_rfc2435(f).ok());
}

TEST_CASE("With all-or-nothing stream sends (WINC1500) TCP packets are never split", "[server]") {
    using packet_server = basic_server<test::fake_packet_network, test::manual_clock, test::counter_random>;
    fake_world world;
    std::uint64_t now = 1'000'000;
    auto jpeg = test_jpeg(320, 240);
    server_options o = with_port();
    o.max_fps = 30;
    packet_server server(o, test::fake_packet_network(&world), test::manual_clock{&now});
    server.set_source([&](std::string_view) { return jpeg_view{std::span<const std::byte>(jpeg)}; });
    int c = world.connect();
    world.write(c, req("SETUP", "rtsp://h/track1", 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
    for (int i = 0; i < 3; ++i) REQUIRE(server.poll(0));
    auto setup = parse_rtsp_output(world.read(c));
    REQUIRE(setup.responses.size() == 1);
    world.write(c, req("PLAY", "rtsp://h/", 2, "Session: " + session_id(setup.responses[0]) + "\r\n"));
    world.conns[c].send_budget = 3 * 1400 + 100;  // room for 3 packets and a bit
    for (int i = 0; i < 3; ++i) REQUIRE(server.poll(0));
    std::string out = world.read(c);
    // The PLAY reply plus only whole '$' packets: the stream stays parseable.
    auto v = parse_rtsp_output(out);
    CHECK(v.responses.size() == 1);
    CHECK(v.interleaved[0].size() >= 1);
    CHECK(v.interleaved[0].size() <= 3);
    // Once the client reads again, the following frames arrive whole.
    world.conns[c].send_budget = static_cast<std::size_t>(-1);
    for (int i = 0; i < 10; ++i) {
        now += 33'334;
        REQUIRE(server.poll(0));
    }
    auto later = parse_rtsp_output(world.read(c));
    std::vector<std::vector<std::byte>> frame;
    bool complete = false;
    for (auto& pkt : later.interleaved[0]) {
        auto h = rtp::read(std::span<const std::byte>(pkt));
        REQUIRE(h);
        auto payload = h->payload;
        bool starts = payload.size() > 4 && payload[1] == std::byte{0} && payload[2] == std::byte{0} && payload[3] == std::byte{0};
        if (starts) frame.clear();
        frame.push_back(pkt);
        if (h->hdr.marker && !frame.empty() && test::depayload_rfc2435(frame).ok()) complete = true;
    }
    CHECK(complete);
}

TEST_CASE("With all-or-nothing stream sends a refused response waits whole, and others wait for it", "[server]") {
    // A whole-packet adapter (WINC1500) gets no per-connection output queue: a response it
    // cannot take yet stays in the shared response buffer until it goes, and no other request
    // is answered (or overwrites it) meanwhile.
    using packet_server = basic_server<test::fake_packet_network, test::manual_clock, test::counter_random>;
    fake_world world;
    std::uint64_t now = 1'000'000;
    packet_server server(with_port(), test::fake_packet_network(&world), test::manual_clock{&now});
    const int a = world.connect();
    const int b = world.connect(net::address::v4(127, 0, 0, 1, 40001));
    world.conns[a].send_budget = 0;  // a's "socket buffer" is full
    world.write(a, req("OPTIONS", "rtsp://h/", 7));
    for (int i = 0; i < 3; ++i) REQUIRE(server.poll(0));
    world.write(b, req("DESCRIBE", "rtsp://h/", 8));
    for (int i = 0; i < 3; ++i) REQUIRE(server.poll(0));
    CHECK(world.read(a).empty());
    CHECK(world.read(b).empty());  // held back: the buffer still holds a's answer

    SECTION("both are answered, in full, once the adapter takes data again") {
        world.conns[a].send_budget = static_cast<std::size_t>(-1);
        for (int i = 0; i < 3; ++i) REQUIRE(server.poll(0));
        auto va = parse_rtsp_output(world.read(a));
        auto vb = parse_rtsp_output(world.read(b));
        REQUIRE(va.responses.size() == 1);
        REQUIRE(vb.responses.size() == 1);
        CHECK(va.responses[0].status == 200);
        CHECK(va.responses[0].get("cseq") == "7");
        CHECK_FALSE(va.responses[0].get("public").empty());
        CHECK(vb.responses[0].status == 200);
        CHECK(vb.responses[0].get("cseq") == "8");
        CHECK(vb.responses[0].body.rfind("v=0", 0) == 0);
    }
    SECTION("a client that never reads is dropped after send_stall_ms, and the others go on") {
        for (int i = 0; i < 60; ++i) {  // 6 s in 100 ms steps
            now += 100'000;
            REQUIRE(server.poll(0));
        }
        CHECK_FALSE(world.conns[a].open);
        auto vb = parse_rtsp_output(world.read(b));
        REQUIRE(vb.responses.size() == 1);
        CHECK(vb.responses[0].get("cseq") == "8");
    }
}

TEST_CASE("A session joining a streaming path gets its newest frame at once; the others keep their pace", "[server]") {
    server_options o = with_port();
    o.max_fps = 30;
    harness h(o);
    h.jpeg = test_jpeg(640, 480);  // several packets per frame
    auto setup_udp = [&](int c, std::uint16_t port) {
        auto s = h.request(c, req("SETUP", "rtsp://h/cam/track1", 1,
                                  "Transport: RTP/AVP;unicast;client_port=" + std::to_string(port) + "-" +
                                      std::to_string(port + 1) + "\r\n"));
        REQUIRE(s.status == 200);
        return session_id(s);
    };
    const int a = h.world.connect(net::address::v4(127, 0, 0, 1, 40000));
    h.world.write(a, req("PLAY", "rtsp://h/cam/", 2, "Session: " + setup_udp(a, 5000) + "\r\n"));
    h.step(3);
    REQUIRE(udp_frames(h.world, 5000).size() == 1);
    h.now += 10'000;  // mid-interval: no frame is due for the playing session
    h.step();
    const int calls_before = h.source_calls;
    const int b = h.world.connect(net::address::v4(127, 0, 0, 1, 40001));
    h.world.write(b, req("PLAY", "rtsp://h/cam/", 2, "Session: " + setup_udp(b, 6000) + "\r\n"));
    h.step(3);
    // b has the newest frame, whole and decodable, at once; nobody asked the source for a new
    // one and a got nothing extra.
    auto fb = udp_frames(h.world, 6000);
    REQUIRE(fb.size() == 1);
    auto dep = test::depayload_rfc2435(fb[0]);
    REQUIRE(dep.ok());
    CHECK(test::decode_jpeg(dep.jpeg)->pixels == test::decode_jpeg(h.jpeg)->pixels);
    CHECK(h.source_calls == calls_before);
    CHECK(udp_frames(h.world, 5000).size() == 1);
    // At the path's next due time both get the next frame.
    h.now += 33'334 - 10'000;
    h.step();
    CHECK(h.source_calls == calls_before + 1);
    CHECK(udp_frames(h.world, 5000).size() == 2);
    CHECK(udp_frames(h.world, 6000).size() == 2);
}

TEST_CASE("A source's bytes are not sent after its next call, even when that call gave no frame", "[server]") {
    // frame_source.hpp: the bytes stay valid until the next call of the same callback. A call
    // that answers no_frame may already have recycled them (a camera requeueing its buffer),
    // so a session joining after it must not get the old frame: it waits for a fresh one.
    server_options o = with_port();
    o.max_fps = 30;
    harness h(o);
    const std::vector<std::byte> good = test_jpeg(320, 240);
    std::vector<std::byte> buffer = good;
    int calls = 0;
    h.server.set_source([&](std::string_view) -> frame_ref {
        ++calls;
        if (calls == 2) {  // no new frame, and the buffer is reused for the next capture
            std::fill(buffer.begin(), buffer.end(), std::byte{0x5A});
            return no_frame;
        }
        buffer = good;
        return jpeg_view{std::span<const std::byte>(buffer)};
    });
    play_session(h, net::address::v4(127, 0, 0, 1, 40000), "RTP/AVP;unicast;client_port=5000-5001");
    h.step(2);
    REQUIRE(calls == 1);
    h.now += 33'334;  // the second call: no frame
    h.step();
    REQUIRE(calls == 2);
    h.now += 10'000;
    play_session(h, net::address::v4(127, 0, 0, 1, 40001), "RTP/AVP;unicast;client_port=6000-6001");
    h.step();
    // The joiner's first frame is a fresh one from a third call, decodable, not the 0x5A bytes.
    CHECK(calls == 3);
    auto f = udp_frames(h.world, 6000);
    REQUIRE(f.size() >= 1);
    auto dep = test::depayload_rfc2435(f[0]);
    REQUIRE(dep.ok());
    REQUIRE(test::decode_jpeg(dep.jpeg));
    CHECK(test::decode_jpeg(dep.jpeg)->pixels == test::decode_jpeg(good)->pixels);
}

TEST_CASE("Sessions that start together get the first frame whole, one after another", "[server]") {
    server_options o = with_port();
    o.max_fps = 30;
    harness h(o);
    h.jpeg = test_jpeg(1600, 1200);  // more packets than one send batch (64)
    std::vector<int> conns;
    std::vector<std::string> ids;
    for (std::uint16_t k = 0; k < 3; ++k) {
        conns.push_back(h.world.connect(net::address::v4(127, 0, 0, 1, static_cast<std::uint16_t>(40000 + k))));
        const std::string port = std::to_string(5000 + 2 * k);
        auto s = h.request(conns.back(), req("SETUP", "rtsp://h/cam/track1", 1,
                                             "Transport: RTP/AVP;unicast;client_port=" + port + "-" +
                                                 std::to_string(5001 + 2 * k) + "\r\n"));
        REQUIRE(s.status == 200);
        ids.push_back(session_id(s));
    }
    for (std::size_t k = 0; k < conns.size(); ++k)  // three PLAYs served by the same poll()
        h.world.write(conns[k], req("PLAY", "rtsp://h/cam/", 2, "Session: " + ids[k] + "\r\n"));
    h.step();
    REQUIRE(h.source_calls == 1);
    REQUIRE(udp_frames(h.world, 5000).size() == 1);
    REQUIRE(udp_frames(h.world, 5000)[0].size() > default_config::send_batch);
    // Each session's packets are one run: the first completes before the second starts.
    std::vector<std::uint16_t> order;
    for (const auto& d : h.world.datagrams)
        if (d.from == udp_socket::rtp && (order.empty() || order.back() != d.to.port)) order.push_back(d.to.port);
    CHECK(order.size() == 3);
    for (std::uint16_t k = 0; k < 3; ++k) CHECK(udp_frames(h.world, static_cast<std::uint16_t>(5000 + 2 * k)).size() == 1);
}

namespace {

/// What every client of a mixed run received, and how many pieces the sends had.
struct wire_run {
    std::vector<sent_datagram_bytes> udp;  // (port, bytes) in order
    std::string tcp_fast, tcp_slow;
    std::vector<std::size_t> stream_runs, datagram_runs;
};

/// One UDP client, one TCP client that reads everything and one whose "kernel" takes 3000
/// bytes per poll (partial packets, cursors), over 8 frames; `wire` is the wire_buffer.
wire_run run_mixed(std::span<std::byte> wire, bool with_udp) {
    server_options o = with_port();
    o.max_fps = 30;
    o.wire_buffer = wire;
    harness h(o);
    h.jpeg = test_jpeg(640, 480);  // several packets per frame
    if (with_udp) play_session(h, net::address::v4(127, 0, 0, 1, 40000), "RTP/AVP;unicast;client_port=7000-7001");
    int fast = play_session(h, net::address::v4(127, 0, 0, 2, 40000), "RTP/AVP/TCP;unicast;interleaved=0-1");
    int slow = play_session(h, net::address::v4(127, 0, 0, 3, 40000), "RTP/AVP/TCP;unicast;interleaved=4-5");
    h.world.stream_send_runs.clear();
    h.world.datagram_send_runs.clear();
    for (int i = 0; i < 8 * 4; ++i) {  // 8 frames, 4 polls each
        h.world.conns[slow].send_budget = 3000;
        h.now += 33'334 / 4;
        h.step();
    }
    wire_run r;
    for (auto& d : h.world.datagrams)
        if (d.from == udp_socket::rtp) r.udp.push_back({d.to.port, d.bytes});
    r.tcp_fast = h.world.read(fast);
    r.tcp_slow = h.world.read(slow);
    r.stream_runs = h.world.stream_send_runs;
    r.datagram_runs = h.world.datagram_send_runs;
    return r;
}

}  // namespace

TEST_CASE("A wire buffer sends each client's share of a frame in one piece, the same bytes", "[server]") {
    std::vector<std::byte> big(512 * 1024), tiny(2000);
    for (bool with_udp : {true, false}) {
        CAPTURE(with_udp);
        const wire_run gathered = run_mixed({}, with_udp);
        const wire_run laid_out = run_mixed(big, with_udp);
        const wire_run too_small = run_mixed(tiny, with_udp);
        // Every client got exactly the same bytes, partial TCP sends and cursors included.
        REQUIRE(gathered.tcp_fast.size() > 8 * 30'000);
        REQUIRE(gathered.tcp_slow.size() > 20'000);
        CHECK(laid_out.udp == gathered.udp);
        CHECK(laid_out.tcp_fast == gathered.tcp_fast);
        CHECK(laid_out.tcp_slow == gathered.tcp_slow);
        CHECK(too_small.udp == gathered.udp);
        CHECK(too_small.tcp_fast == gathered.tcp_fast);
        CHECK(too_small.tcp_slow == gathered.tcp_slow);
        const auto most = [](const std::vector<std::size_t>& v) {
            return v.empty() ? std::size_t{0} : *std::max_element(v.begin(), v.end());
        };
        if (with_udp) {
            // UDP: one piece per send_datagrams call (the adapter makes GSO sends of it); the
            // TCP sessions of the same frame gather, three pieces per packet.
            REQUIRE_FALSE(laid_out.datagram_runs.empty());
            CHECK(most(laid_out.datagram_runs) == 1);
            CHECK(most(gathered.datagram_runs) > 30);
            CHECK(most(too_small.datagram_runs) > 30);
        } else {
            // TCP only: the layout has room for the '$' prefixes; one piece per batch.
            REQUIRE_FALSE(laid_out.stream_runs.empty());
            // (2 is an RTCP sender report: its '$' header, then the report.)
            CHECK(most(laid_out.stream_runs) <= 2);
            CHECK(std::count(laid_out.stream_runs.begin(), laid_out.stream_runs.end(), 1) >= 8);
            CHECK(most(gathered.stream_runs) > 30);
        }
    }
}

struct no_auth_config : default_config {
    static constexpr bool authentication = false;
};

TEST_CASE("With Config::authentication off, start() refuses credentials instead of serving openly", "[server]") {
    fake_world world;
    std::uint64_t now = 1'000'000;
    server_options o = with_port();
    o.username = "admin";
    o.password = "secret";
    basic_server<fake_network, test::manual_clock, test::counter_random, no_encoder, no_auth_config> server(
        o, fake_network(&world), test::manual_clock{&now});
    auto r = server.start();
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::invalid_argument);
    CHECK_FALSE(world.listening);  // nothing was opened
}
