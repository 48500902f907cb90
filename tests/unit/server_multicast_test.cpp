// SPDX-License-Identifier: MIT
// UDP multicast through the server (server_options::multicast_group), driven through the
// in-memory fake network: clients asking for `RTP/AVP;multicast` join their path's group
// stream, which is sent once per frame however many members watch, paused with its last
// playing member and ended (RTCP BYE to the group) with its last member; what cannot work is
// refused, at start() with a message naming why, at SETUP with 461 so that clients fall back.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <rtsp/rtp/header.hpp>
#include <rtsp/server.hpp>

#include "fake_network.hpp"
#include "jpeg_codec.hpp"
#include "rfc2435_depayloader.hpp"
#include "rtsp_output.hpp"

using namespace rtsp;
using test::fake_network;
using test::fake_world;

namespace {

using server_t = basic_server<fake_network, test::manual_clock, test::counter_random>;
using response = test::rtsp_response;

const net::address group_addr = net::address::v4(239, 255, 0, 1, 5004);

server_options multicast_options(net::address group = group_addr, std::uint8_t ttl = 4) {
    server_options o;
    o.port = 8554;
    o.multicast_group = group;
    o.multicast_ttl = ttl;
    return o;
}

template <class Server = server_t>
struct basic_harness {
    fake_world world;
    std::uint64_t now = 1'000'000;
    std::vector<std::string> events, log;
    std::vector<std::byte> jpeg = test::encode_jpeg(test::make_test_image(64, 48), {});
    Server server;

    explicit basic_harness(server_options o = multicast_options(), bool path_source = true)
        : server(o, fake_network(&world), test::manual_clock{&now}) {
        server.register_play_cb([this](std::string_view p, std::uint64_t) { events.push_back("play " + std::string(p)); });
        server.register_teardown_cb([this](std::string_view p, std::uint64_t) { events.push_back("teardown " + std::string(p)); });
        server.register_log_cb([this](log_level, std::string_view line) { log.emplace_back(line); });
        if (path_source)
            server.set_source([this](std::string_view) { return jpeg_view{std::span<const std::byte>(jpeg)}; });
        else
            server.set_source([this](std::string_view, std::uint64_t) { return jpeg_view{std::span<const std::byte>(jpeg)}; });
    }
    void step(int n = 1) {
        for (int i = 0; i < n; ++i) REQUIRE(server.poll(0));
    }
    response request(int c, const std::string& text) {
        world.write(c, text);
        step(2);
        auto v = test::parse_rtsp_output(world.read(c));
        REQUIRE(v.responses.size() == 1);
        return v.responses[0];
    }
    bool logged(std::string_view part) const {
        for (const auto& l : log)
            if (l.find(part) != std::string::npos) return true;
        return false;
    }
};
using harness = basic_harness<>;

// More sessions than paths, to fill every group slot.
struct roomy_config : default_config {
    static constexpr std::size_t max_connections = 16;
    static constexpr std::size_t max_sessions = 16;
};
using roomy_server = basic_server<fake_network, test::manual_clock, test::counter_random, no_encoder, roomy_config>;

std::string req(const std::string& method, const std::string& url, int cseq, const std::string& extra = "") {
    return method + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(cseq) + "\r\n" + extra + "\r\n";
}
std::string session_id(const response& r) {
    auto s = r.get("session");
    return s.substr(0, s.find(';'));
}

struct client {
    int conn = -1;
    std::string session, transport;
};

/// Connects from 127.0.0.`host` and SETUPs `path`/track1 with `transport`.
template <class H>
client setup(H& h, int host, const std::string& path, const std::string& transport = "RTP/AVP;multicast") {
    client c;
    c.conn = h.world.connect(net::address::v4(127, 0, 0, static_cast<std::uint8_t>(host), 40000));
    auto r = h.request(c.conn, req("SETUP", "rtsp://h" + path + "/track1", 1, "Transport: " + transport + "\r\n"));
    REQUIRE(r.status == 200);
    c.session = session_id(r);
    c.transport = r.get("transport");
    return c;
}
response send(harness& h, const client& c, const std::string& method, const std::string& path, int cseq = 2) {
    return h.request(c.conn, req(method, "rtsp://h" + path + "/", cseq, "Session: " + c.session + "\r\n"));
}

/// RTP datagrams sent to `to` (host and port), in order.
std::vector<std::vector<std::byte>> rtp_to(const fake_world& w, const net::address& to) {
    std::vector<std::vector<std::byte>> v;
    for (const auto& d : w.datagrams)
        if (d.from == udp_socket::rtp && d.to == to) v.push_back(d.bytes);
    return v;
}
/// Complete frames (packets up to each marker) among `packets`.
std::vector<std::vector<std::vector<std::byte>>> frames_of(const std::vector<std::vector<std::byte>>& packets) {
    std::vector<std::vector<std::vector<std::byte>>> frames(1);
    for (const auto& p : packets) {
        frames.back().push_back(p);
        auto h = rtp::read(std::span<const std::byte>(p));
        REQUIRE(h);
        if (h->hdr.marker) frames.emplace_back();
    }
    frames.pop_back();
    return frames;
}
/// The RTCP packet types of every compound datagram sent to `to`.
std::vector<std::vector<int>> rtcp_to(const fake_world& w, const net::address& to) {
    std::vector<std::vector<int>> v;
    for (const auto& d : w.datagrams) {
        if (d.from != udp_socket::rtcp || !(d.to == to)) continue;
        std::vector<int> types;
        for (std::size_t i = 0; i + 4 <= d.bytes.size();) {
            types.push_back(static_cast<int>(d.bytes[i + 1]));
            i += (((static_cast<std::size_t>(d.bytes[i + 2]) << 8) | static_cast<std::size_t>(d.bytes[i + 3])) + 1) * 4;
        }
        v.push_back(types);
    }
    return v;
}
bool has_bye(const std::vector<std::vector<int>>& compounds) {
    for (const auto& c : compounds)
        for (int t : c)
            if (t == 203) return true;
    return false;
}
std::uint32_t ssrc_of(const std::string& transport) {
    return static_cast<std::uint32_t>(std::stoul(transport.substr(transport.find("ssrc=") + 5), nullptr, 16));
}
/// Datagrams sent anywhere but the group's ports.
std::size_t unicast_datagrams(const fake_world& w) {
    std::size_t n = 0;
    for (const auto& d : w.datagrams) n += d.to.same_host(group_addr) ? 0 : 1;
    return n;
}

}  // namespace

TEST_CASE("multicast members share one group stream per path, sent once per frame", "[server][multicast]") {
    harness h;
    h.step();
    CHECK(h.world.multicast_enabled);
    CHECK(h.world.multicast_ttl == 4);
    CHECK(h.logged("multicast to group 239.255.0.1:5004, ttl 4"));

    auto a = setup(h, 1, "/cam");
    auto b = setup(h, 2, "/cam");
    auto other = setup(h, 3, "/other");
    CHECK(a.transport.rfind("RTP/AVP;multicast;destination=239.255.0.1;port=5004-5005;ttl=4;ssrc=", 0) == 0);
    CHECK(b.transport == a.transport);  // one group stream: same destination, ports and SSRC
    CHECK(other.transport.rfind("RTP/AVP;multicast;destination=239.255.0.1;port=5006-5007;ttl=4;ssrc=", 0) == 0);
    CHECK(ssrc_of(other.transport) != ssrc_of(a.transport));
    CHECK(h.server.session_count() == 3);  // groups take no session slots
    CHECK(h.world.datagrams.empty());      // nothing is sent before a PLAY

    auto pa = send(h, a, "PLAY", "/cam");
    REQUIRE(pa.status == 200);
    const std::string info = pa.get("rtp-info");
    const auto seq = std::stoul(info.substr(info.find("seq=") + 4));
    const auto rtptime = std::stoul(info.substr(info.find("rtptime=") + 8));
    REQUIRE(send(h, b, "PLAY", "/cam").status == 200);
    h.step(5);

    const auto cam = frames_of(rtp_to(h.world, group_addr));
    REQUIRE(cam.size() >= 5);
    // The first frame carries what the first member's RTP-Info announced, in the group's SSRC.
    const auto first = rtp::read(std::span<const std::byte>(cam[0][0]));
    REQUIRE(first);
    CHECK(first->hdr.sequence == seq);
    CHECK(first->hdr.timestamp == rtptime);
    CHECK(first->hdr.ssrc == ssrc_of(a.transport));
    // Sequence numbers run on without gaps or repeats: each frame went out once, not per member.
    std::uint16_t expect = static_cast<std::uint16_t>(seq);
    for (const auto& p : rtp_to(h.world, group_addr)) {
        CHECK(rtp::read(std::span<const std::byte>(p))->hdr.sequence == expect);
        expect = static_cast<std::uint16_t>(expect + 1);
    }
    // Nothing went to the members themselves, nor to /other's group (nobody plays it).
    CHECK(unicast_datagrams(h.world) == 0);
    CHECK(rtp_to(h.world, group_addr.with_port(5006)).empty());
    // The frames are the source's.
    auto dep = test::depayload_rfc2435(cam.back());
    REQUIRE(dep.ok());
    CHECK(test::decode_jpeg(dep.jpeg)->pixels == test::decode_jpeg(h.jpeg)->pixels);

    // Status: members are multicast, their peer is the client, and each counts the group's frames.
    std::map<std::string, session_info> seen;
    h.server.for_each_session([&](const session_info& i) { seen[std::string(i.path) + std::to_string(i.peer.bytes[3])] = i; });
    REQUIRE(seen.size() == 3);
    CHECK(seen["/cam1"].multicast);
    CHECK(seen["/cam1"].playing);
    CHECK_FALSE(seen["/cam1"].tcp);
    CHECK(seen["/cam1"].peer == net::address::v4(127, 0, 0, 1, 40000));
    CHECK(seen["/cam1"].frames_sent == cam.size());
    CHECK(seen["/cam2"].frames_sent == cam.size() - 2);  // B played two polls (frames) later
    std::size_t group_bytes = 0;
    for (const auto& p : rtp_to(h.world, group_addr)) group_bytes += p.size();
    CHECK(seen["/cam1"].bytes_sent == group_bytes);
    CHECK(seen["/other3"].multicast);
    CHECK_FALSE(seen["/other3"].playing);
    CHECK(seen["/other3"].frames_sent == 0);
}

TEST_CASE("a group pauses with its last playing member and ends with its last member", "[server][multicast]") {
    harness h;
    auto a = setup(h, 1, "/cam");
    auto b = setup(h, 2, "/cam");
    const net::address rtcp_port = group_addr.with_port(5005);
    REQUIRE(send(h, a, "PLAY", "/cam").status == 200);
    REQUIRE(send(h, b, "PLAY", "/cam").status == 200);
    h.step(3);

    // One member pausing changes nothing for the other.
    REQUIRE(send(h, a, "PAUSE", "/cam").status == 200);
    std::size_t before = rtp_to(h.world, group_addr).size();
    h.step(3);
    CHECK(rtp_to(h.world, group_addr).size() > before);

    // The last playing member pausing stops the stream, without a BYE: members remain.
    REQUIRE(send(h, b, "PAUSE", "/cam").status == 200);
    before = rtp_to(h.world, group_addr).size();
    const auto last = rtp::read(std::span<const std::byte>(rtp_to(h.world, group_addr).back()))->hdr.sequence;
    h.step(5);
    CHECK(rtp_to(h.world, group_addr).size() == before);
    CHECK_FALSE(has_bye(rtcp_to(h.world, rtcp_port)));

    // PLAY again: the stream continues where it stopped, as RTP-Info says.
    auto p = send(h, b, "PLAY", "/cam", 3);
    REQUIRE(p.status == 200);
    const std::string info = p.get("rtp-info");
    CHECK(std::stoul(info.substr(info.find("seq=") + 4)) == static_cast<std::uint16_t>(last + 1));
    h.step(2);
    CHECK(rtp::read(std::span<const std::byte>(rtp_to(h.world, group_addr)[before]))->hdr.sequence ==
          static_cast<std::uint16_t>(last + 1));

    // A member leaving is nothing to the group; the last one ends it with an RTCP BYE.
    REQUIRE(send(h, a, "TEARDOWN", "/cam", 4).status == 200);
    CHECK_FALSE(has_bye(rtcp_to(h.world, rtcp_port)));
    SECTION("TEARDOWN") { REQUIRE(send(h, b, "TEARDOWN", "/cam", 5).status == 200); }
    SECTION("the connection closing") {
        h.world.conns[b.conn].peer_closed = true;
        h.step(2);
    }
    SECTION("the session timing out") {
        h.now += 61'000'000;  // session_timeout_s = 60, and nothing but RTSP keeps members alive
        h.step(2);
    }
    CHECK(h.server.session_count() == 0);
    CHECK(has_bye(rtcp_to(h.world, rtcp_port)));
    CHECK(h.logged("multicast stream for /cam ended"));
    before = rtp_to(h.world, group_addr).size();
    h.step(3);
    CHECK(rtp_to(h.world, group_addr).size() == before);
    CHECK(unicast_datagrams(h.world) == 0);
}

TEST_CASE("group streams send RTCP sender reports to the group's RTCP port", "[server][multicast]") {
    harness h;
    auto a = setup(h, 1, "/cam");
    REQUIRE(send(h, a, "PLAY", "/cam").status == 200);
    h.step(2);
    h.now += 6'000'000;  // past rtcp_interval_ms (5 s); the early first report is due too
    h.step(2);
    const auto reports = rtcp_to(h.world, group_addr.with_port(5005));
    REQUIRE_FALSE(reports.empty());
    CHECK(reports[0][0] == 200);  // SR
    const auto& d = *std::find_if(h.world.datagrams.begin(), h.world.datagrams.end(),
                                  [](const test::sent_datagram& x) { return x.from == udp_socket::rtcp; });
    const std::uint32_t ssrc = (std::uint32_t(d.bytes[4]) << 24) | (std::uint32_t(d.bytes[5]) << 16) |
                               (std::uint32_t(d.bytes[6]) << 8) | std::uint32_t(d.bytes[7]);
    CHECK(ssrc == ssrc_of(a.transport));
    CHECK(unicast_datagrams(h.world) == 0);  // members get no reports of their own
}

TEST_CASE("unicast, TCP and multicast clients of one path each get every frame", "[server][multicast]") {
    harness h;
    auto m = setup(h, 1, "/cam");
    auto u = setup(h, 2, "/cam", "RTP/AVP;unicast;client_port=6000-6001");
    auto t = setup(h, 3, "/cam", "RTP/AVP/TCP;unicast;interleaved=0-1");
    CHECK(u.transport.find("client_port=6000-6001") != std::string::npos);
    for (auto* c : {&m, &u, &t}) REQUIRE(send(h, *c, "PLAY", "/cam").status == 200);
    h.world.read(t.conn);
    h.step(4);
    const auto group = frames_of(rtp_to(h.world, group_addr));
    const auto uni = frames_of(rtp_to(h.world, net::address::v4(127, 0, 0, 2, 6000)));
    const auto tcp = test::parse_rtsp_output(h.world.read(t.conn)).interleaved[0];
    CHECK(group.size() >= 4);
    CHECK(uni.size() >= 4);
    CHECK(frames_of(tcp).size() >= 4);
    // Three streams, three SSRCs.
    std::set<std::uint32_t> ssrcs{rtp::read(std::span<const std::byte>(group[0][0]))->hdr.ssrc,
                                  rtp::read(std::span<const std::byte>(uni[0][0]))->hdr.ssrc,
                                  rtp::read(std::span<const std::byte>(tcp[0]))->hdr.ssrc};
    CHECK(ssrcs.size() == 3);
}

TEST_CASE("a member SETUP again over unicast leaves its group", "[server][multicast]") {
    harness h;
    auto a = setup(h, 1, "/cam");
    auto r = h.request(a.conn, req("SETUP", "rtsp://h/cam/track1", 3,
                                   "Session: " + a.session + "\r\nTransport: RTP/AVP;unicast;client_port=6000-6001\r\n"));
    REQUIRE(r.status == 200);
    CHECK(r.get("transport").find("unicast;client_port=6000-6001") != std::string::npos);
    CHECK(h.logged("multicast stream for /cam ended"));
    REQUIRE(send(h, a, "PLAY", "/cam", 4).status == 200);
    h.step(2);
    CHECK(rtp_to(h.world, group_addr).empty());
    CHECK_FALSE(rtp_to(h.world, net::address::v4(127, 0, 0, 1, 6000)).empty());
    // And back (paused first: a playing session keeps its transport, 455): a new group stream.
    REQUIRE(send(h, a, "PAUSE", "/cam", 5).status == 200);
    r = h.request(a.conn, req("SETUP", "rtsp://h/cam/track1", 6,
                              "Session: " + a.session + "\r\nTransport: RTP/AVP;multicast\r\n"));
    REQUIRE(r.status == 200);
    CHECK(r.get("transport").find(";multicast;destination=239.255.0.1;port=5004-5005;") != std::string::npos);
    CHECK(ssrc_of(r.get("transport")) != ssrc_of(a.transport));
    const std::size_t unicast_before = rtp_to(h.world, net::address::v4(127, 0, 0, 1, 6000)).size();
    REQUIRE(send(h, a, "PLAY", "/cam", 7).status == 200);
    h.step(2);
    CHECK_FALSE(rtp_to(h.world, group_addr).empty());
    CHECK(rtp_to(h.world, net::address::v4(127, 0, 0, 1, 6000)).size() == unicast_before);
}

TEST_CASE("a multicast SETUP the server cannot serve gets 461, and a unicast alternative is taken",
          "[server][multicast][bad]") {
    SECTION("multicast not configured") {
        server_options o;
        o.port = 8554;
        harness h(o);
        const int c = h.world.connect();
        CHECK(h.request(c, req("SETUP", "rtsp://h/cam/track1", 1, "Transport: RTP/AVP;multicast\r\n")).status == 461);
        auto r = h.request(c, req("SETUP", "rtsp://h/cam/track1", 2,
                                  "Transport: RTP/AVP;multicast,RTP/AVP;unicast;client_port=6000-6001\r\n"));
        REQUIRE(r.status == 200);
        CHECK(r.get("transport").find("unicast") != std::string::npos);
        CHECK_FALSE(h.world.multicast_enabled);
    }
    SECTION("the seed's per-session source: each session has its own frames") {
        harness h(multicast_options(), /*path_source=*/false);
        const int c = h.world.connect();
        CHECK(h.request(c, req("SETUP", "rtsp://h/cam/track1", 1, "Transport: RTP/AVP;multicast\r\n")).status == 461);
        CHECK(h.server.session_count() == 0);
    }
    SECTION("every group slot taken (one per path, Config::max_paths)") {
        basic_harness<roomy_server> h;
        for (std::size_t i = 0; i < default_config::max_paths; ++i) {
            auto c = setup(h, static_cast<int>(i + 1), "/p" + std::to_string(i));
            CHECK(c.transport.find("port=" + std::to_string(5004 + 2 * i) + "-") != std::string::npos);
        }
        const int c = h.world.connect();
        CHECK(h.request(c, req("SETUP", "rtsp://h/one-more/track1", 1, "Transport: RTP/AVP;multicast\r\n")).status == 461);
        CHECK(h.logged("no multicast group free for /one-more: raise Config::max_paths"));
        CHECK(h.server.session_count() == default_config::max_paths);
        // A path that has a group still takes members.
        auto again = setup(h, 99, "/p3");
        CHECK(h.server.session_count() == default_config::max_paths + 1);
        CHECK(again.transport.find("port=5010-5011") != std::string::npos);
    }
    SECTION("multicast over TCP") {
        harness h;
        const int c = h.world.connect();
        CHECK(h.request(c, req("SETUP", "rtsp://h/cam/track1", 1, "Transport: RTP/AVP/TCP;multicast\r\n")).status == 461);
    }
    SECTION("a client's destination, port and ttl are not taken") {
        harness h;
        auto c = setup(h, 1, "/cam", "RTP/AVP;multicast;destination=10.9.9.9;port=7000-7001;ttl=255");
        CHECK(c.transport.find("destination=239.255.0.1;port=5004-5005;ttl=4;") != std::string::npos);
        REQUIRE(send(h, c, "PLAY", "/cam").status == 200);
        h.step(2);
        REQUIRE_FALSE(h.world.datagrams.empty());
        for (const auto& d : h.world.datagrams) CHECK(d.to.same_host(group_addr));
    }
}

TEST_CASE("start() refuses multicast options that cannot work, naming why", "[server][multicast][bad]") {
    SECTION("not a multicast address") {
        harness h(multicast_options(net::address::v4(192, 168, 1, 10, 5004)));
        auto r = h.server.poll(0);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::invalid_argument);
        CHECK(h.logged("multicast_group 192.168.1.10:5004 is not a multicast address"));
    }
    SECTION("an odd port, or none") {
        for (std::uint16_t port : {std::uint16_t{5005}, std::uint16_t{0}, std::uint16_t{65534}}) {
            harness h(multicast_options(group_addr.with_port(port)));
            auto r = h.server.poll(0);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::invalid_argument);
            CHECK(h.logged("multicast_group needs an even port"));
        }
    }
    SECTION("the adapter refuses") {
        harness h;
        h.world.multicast_error = errc::network_error;
        auto r = h.server.poll(0);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::network_error);
        CHECK(h.logged("multicast could not be enabled: "));
    }
    SECTION("an IPv6 group is fine") {
        net::address v6;
        v6.fam = net::family::v6;
        v6.bytes = {0xff, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
        v6.port = 6000;
        harness h(multicast_options(v6, 1));
        REQUIRE(h.server.poll(0));
        auto c = setup(h, 1, "/cam");
        CHECK(c.transport.find("destination=ff15::42;port=6000-6001;ttl=1;") != std::string::npos);
    }
    SECTION("the bind address is the interface") {
        auto o = multicast_options();
        o.bind = net::address::v4(127, 0, 0, 1);
        harness h(o);
        REQUIRE(h.server.poll(0));
        CHECK(h.world.multicast_interface == net::address::v4(127, 0, 0, 1, 0));
    }
}

namespace {
struct no_multicast_config : default_config {
    static constexpr bool multicast = false;
};
}  // namespace

TEST_CASE("with Config::multicast off a multicast group is refused at start() and SETUP gets 461",
          "[server][multicast][bad]") {
    using small_server = basic_server<fake_network, test::manual_clock, test::counter_random, no_encoder, no_multicast_config>;
    basic_harness<small_server> h;
    auto r = h.server.poll(0);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::invalid_argument);
    CHECK(h.logged("multicast_group is set but Config::multicast is off"));

    server_options o;
    o.port = 8554;
    basic_harness<small_server> plain(o);
    const int c = plain.world.connect();
    plain.world.write(c, req("SETUP", "rtsp://h/cam/track1", 1, "Transport: RTP/AVP;multicast\r\n"));
    plain.step(2);
    const auto v = test::parse_rtsp_output(plain.world.read(c));
    REQUIRE(v.responses.size() == 1);
    CHECK(v.responses[0].status == 461);
}
