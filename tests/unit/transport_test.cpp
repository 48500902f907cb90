// Tests for rtsp/protocol/transport.hpp: the Transport headers FFmpeg, GStreamer and VLC send,
// every malformed form with its specific error (400 vs 461), and the reply writer.
#include <catch2/catch.hpp>

#include <rtsp/protocol/transport.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

using rtsp::errc;
namespace proto = rtsp::protocol;
using proto::lower_transport;

namespace {

proto::transport_spec accept(std::string_view h, bool udp = true, bool tcp = true) {
    INFO(h);
    const auto r = proto::select_transport(h, udp, tcp);
    REQUIRE(r);
    return *r;
}

void check_udp(std::string_view h, std::uint16_t rtp, bool udp = true, bool tcp = true) {
    INFO(h);
    const auto t = accept(h, udp, tcp);
    CHECK(t.lower == lower_transport::udp);
    CHECK(t.client_rtp_port == rtp);
    CHECK(t.client_rtcp_port == rtp + 1);
    CHECK_FALSE(t.has_interleaved);
}

void check_tcp(std::string_view h, std::uint8_t rtp, bool named, bool udp = true, bool tcp = true) {
    INFO(h);
    const auto t = accept(h, udp, tcp);
    CHECK(t.lower == lower_transport::tcp);
    CHECK(t.interleaved_rtp == rtp);
    CHECK(t.interleaved_rtcp == rtp + 1);
    CHECK(t.has_interleaved == named);
}

errc error_of(std::string_view h, bool udp = true, bool tcp = true) {
    const auto r = proto::select_transport(h, udp, tcp);
    return r ? errc{} : r.error();
}

std::string reply(const proto::transport_spec& t, std::uint16_t a, std::uint16_t b, std::uint32_t ssrc) {
    char buf[128];
    const auto n = proto::write_transport_reply(t, a, b, ssrc, buf);
    REQUIRE(n);
    return std::string(buf, *n);
}

}  // namespace

TEST_CASE("FFmpeg Transport headers", "[protocol][transport]") {
    check_udp("RTP/AVP/UDP;unicast;client_port=21014-21015", 21014);
    check_udp("RTP/AVP/UDP;unicast;client_port=5000-5001;mode=record", 5000);  // ANNOUNCE flavour
    check_tcp("RTP/AVP/TCP;unicast;interleaved=0-1", 0, true);
    check_tcp("RTP/AVP/TCP;unicast;interleaved=2-3", 2, true);  // its second stream
    CHECK(error_of("RTP/AVP/UDP;multicast") == errc::unsupported_transport);
}

TEST_CASE("GStreamer Transport headers", "[protocol][transport]") {
    const std::string both =
        "RTP/AVP;unicast;client_port=40950-40951;mode=play,RTP/AVP/TCP;unicast;interleaved=0-1;mode=play";
    check_udp(both, 40950);
    check_tcp(both, 0, true, /*udp=*/false);
    CHECK(error_of(both, false, false) == errc::unsupported_transport);
    // Older rtspsrc: UDP, multicast, and TCP without channels (the server picks 0-1).
    const std::string old = "RTP/AVP/UDP;unicast;client_port=5000-5001,RTP/AVP/UDP;multicast,RTP/AVP/TCP";
    check_udp(old, 5000);
    check_tcp(old, 0, false, false);
    // Multicast offered first: the unicast alternative after it is taken.
    check_udp("RTP/AVP;multicast;client_port=5000-5001,RTP/AVP;unicast;client_port=5002-5003", 5002);
    // The TCP-only retry after "Could not receive any UDP packets".
    check_tcp("RTP/AVP/TCP;unicast;interleaved=0-1", 0, true);
    // Profiles it may offer besides AVP are skipped.
    check_udp("RTP/SAVP;unicast;client_port=5000-5001,RTP/AVP;unicast;client_port=5000-5001", 5000);
    check_udp("RTP/AVPF;unicast;client_port=5000-5001,RTP/AVP;unicast;client_port=5004-5005", 5004);
}

TEST_CASE("VLC (live555) Transport headers", "[protocol][transport]") {
    check_udp("RTP/AVP;unicast;client_port=56404-56405", 56404);
    check_tcp("RTP/AVP/TCP;unicast;interleaved=0-1", 0, true);
    // live555 with a suggested destination and ssrc (views into the header).
    const std::string h = "RTP/AVP;unicast;destination=192.168.1.20;client_port=6970-6971;ssrc=1A2B3C4D";
    const auto t = accept(h);
    CHECK(t.destination == "192.168.1.20");
    CHECK(t.ssrc == "1A2B3C4D");
    CHECK(t.destination.data() >= h.data());
    CHECK(t.destination.data() + t.destination.size() <= h.data() + h.size());
}

TEST_CASE("RFC 2326 examples and tolerated spellings", "[protocol][transport]") {
    check_udp("RTP/AVP;multicast;ttl=127;mode=\"PLAY\",RTP/AVP;unicast;client_port=3456-3457;mode=\"PLAY\"", 3456);
    // A comma inside a quoted mode list does not split alternatives.
    check_udp("RTP/AVP;unicast;mode=\"PLAY,RECORD\";client_port=3456-3457", 3456);
    check_udp("RTP/AVP;unicast;client_port=5000", 5000);  // single port: RTCP is the next one
    check_udp("rtp/avp/udp;UNICAST;Client_Port=5000-5001", 5000);
    check_udp("  RTP/AVP ; unicast ; client_port = 5000 - 5001  ", 5000);
    check_udp("RTP/AVP;unicast;client_port=5000-5001;", 5000);   // stray ';'
    check_udp("RTP/AVP;;unicast;;client_port=5000-5001", 5000);
    check_udp("RTP/AVP;client_port=5000-5001", 5000);            // "unicast" omitted
    check_udp("RTP/AVP;client_port=5000-5001;unicast;ttl=5;layers=1;append;x-unknown=1;source=1.2.3.4", 5000);
    check_udp("RTP/AVP;unicast;client_port=2-3", 2);
    check_udp("RTP/AVP;unicast;client_port=65534-65535", 65534);
    check_udp("RTP/AVP;unicast;client_port=05000-05001", 5000);  // leading zeros are digits
    check_udp("RTP/AVP;unicast;server_port=1-9;client_port=5000-5001", 5000);  // ignored
    check_tcp("RTP/AVP/TCP;interleaved=0-1", 0, true);
    check_tcp("RTP/AVP/TCP;unicast;interleaved=4", 4, true);
    check_tcp("RTP/AVP/TCP;unicast;interleaved=254-255", 254, true);
    check_tcp("RTP/AVP/TCP;unicast;interleaved=1-2", 1, true);
    check_tcp("RTP/AVP/TCP;unicast;client_port=0-1;interleaved=6-7", 6, true);  // client_port unused
    check_tcp("RTP/AVP/TCP", 0, false);
    const auto t = accept("RTP/AVP/TCP;unicast");
    CHECK(t.interleaved_rtcp == 1);
    CHECK(t.destination.empty());
    CHECK(t.ssrc.empty());
    static_assert(proto::select_transport("RTP/AVP;unicast;client_port=5000-5001")->client_rtcp_port == 5001);
}

TEST_CASE("malformed parameters on an alternative we serve: bad_transport (400)",
          "[protocol][transport][bad]") {
    for (const char* p : {"client_port=0-1", "client_port=0", "client_port=65535-0", "client_port=65535",
                          "client_port=65536", "client_port=65536-65537", "client_port=70000-70001",
                          "client_port=5001-5002", "client_port=5001", "client_port=5001-5000",
                          "client_port=5000-5002", "client_port=5000-5000", "client_port=5000-4999",
                          "client_port=abc", "client_port=", "client_port", "client_port=-5001",
                          "client_port=5000-", "client_port=5000-5001-5002", "client_port=+5000-5001",
                          "client_port=5000-5001;client_port=6000-6001", "client_port=99999999999999999999",
                          "client_port=\"5000-5001"}) {
        const std::string h = std::string("RTP/AVP;unicast;") + p;
        INFO(h);
        CHECK(error_of(h) == errc::bad_transport);
    }
    CHECK(error_of("RTP/AVP;unicast") == errc::bad_transport);  // no client_port on UDP
    CHECK(error_of("RTP/AVP/UDP;unicast;mode=play") == errc::bad_transport);
    for (const char* p : {"interleaved=256-257", "interleaved=255", "interleaved=255-256", "interleaved=0-2",
                          "interleaved=1-0", "interleaved=0-0", "interleaved=a-b", "interleaved=",
                          "interleaved", "interleaved=300", "interleaved=-1", "interleaved=0-1;interleaved=2-3"}) {
        const std::string h = std::string("RTP/AVP/TCP;unicast;") + p;
        INFO(h);
        CHECK(error_of(h) == errc::bad_transport);
    }
    // Malformed beats merely unsupported: the client sent something broken.
    CHECK(error_of("RTP/AVP;multicast,RTP/AVP;unicast;client_port=0-1") == errc::bad_transport);
    CHECK(error_of("RTP/AVP;unicast;client_port=0-1,RTP/SAVP;unicast;client_port=5000-5001") == errc::bad_transport);
    // ... but a good alternative later wins over a malformed one.
    check_tcp("RTP/AVP;unicast;client_port=0-1,RTP/AVP/TCP;unicast;interleaved=0-1", 0, true);
    check_udp("RTP/AVP/TCP;interleaved=300,RTP/AVP;unicast;client_port=5000-5001", 5000);
}

TEST_CASE("syntactically broken headers: bad_transport (400)", "[protocol][transport][bad]") {
    for (const char* h : {"", "   ", ",", ",,", "RTP/AVP;unicast;client_port=5000-5001,",
                          ",RTP/AVP;unicast;client_port=5000-5001",
                          "RTP/AVP;unicast;client_port=5000-5001,,RTP/AVP/TCP", "RTP", "RTP/", "/AVP",
                          "RTP//TCP", "RTP/AVP/TCP/X", "RTP/AVP/", "unicast;RTP/AVP", "client_port=5000-5001",
                          "RTP/AVP;=5;client_port=5000-5001", "RTP/AVP;unicast;mode=\"PLAY;client_port=5000-5001",
                          "RTP AVP;unicast;client_port=5000-5001", "RTP/AVP;uni cast;client_port=5000-5001",
                          "RTP/AVP;unicast;client_port=5000-5001\r\nX: y", "RTP/AVP\x01;client_port=5000-5001",
                          "RTP/AVP;unicast;client_port=5000-5001,garbage",
                          "RTP/AVP;unicast;client_port=5000-5001, ;"}) {
        INFO(h);
        CHECK(error_of(h) == errc::bad_transport);
    }
    CHECK(error_of(std::string_view("RTP/AVP;unicast;client_port=5000-5001\0", 38)) == errc::bad_transport);
}

TEST_CASE("well-formed but nothing acceptable: unsupported_transport (461)",
          "[protocol][transport][bad]") {
    for (const char* h : {"RTP/AVP;multicast", "RTP/AVP/UDP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16",
                          "RTP/AVP;unicast;multicast;client_port=5000-5001",
                          "RTP/SAVP;unicast;client_port=5000-5001", "RTP/AVPF;unicast;client_port=5000-5001",
                          "RTP/SAVPF;unicast;client_port=5000-5001", "RAW/RAW/UDP;unicast;client_port=5000-5001",
                          "MP2T/H2221/UDP;unicast;client_port=5000-5001", "RTP/AVP/SCTP;unicast",
                          "x-real-rdt/udp;client_port=5000", "x-pn-tng/tcp;mode=play",
                          "RTP/AVP;unicast;interleaved=0-1", "RTP/AVP/UDP;unicast;client_port=5000-5001;interleaved=0-1",
                          "RTP/AVP;unicast;interleaved=300",  // interleaved on UDP: refused as such
                          "RTP/SAVP;unicast;client_port=0",    // malformed inside an unsupported profile
                          "RTP/AVP;multicast;client_port=5001-5000",
                          "RTP/AVP/TCP;multicast;interleaved=0-1"}) {
        INFO(h);
        CHECK(error_of(h) == errc::unsupported_transport);
    }
    // Lower transports switched off by the server.
    CHECK(error_of("RTP/AVP/TCP;unicast;interleaved=0-1", true, false) == errc::unsupported_transport);
    CHECK(error_of("RTP/AVP/TCP;unicast;interleaved=300", true, false) == errc::unsupported_transport);
    CHECK(error_of("RTP/AVP;unicast;client_port=5000-5001", false, true) == errc::unsupported_transport);
    CHECK(error_of("RTP/AVP;unicast;client_port=0-1", false, true) == errc::unsupported_transport);
    CHECK(error_of("RTP/AVP;unicast;client_port=5000-5001,RTP/AVP/TCP;unicast;interleaved=0-1", false, false) ==
          errc::unsupported_transport);
}

TEST_CASE("Transport reply strings", "[protocol][transport][writer]") {
    const auto udp = accept("RTP/AVP/UDP;unicast;client_port=21014-21015");
    CHECK(reply(udp, 6970, 6971, 0x1A2B3C4D) ==
          "RTP/AVP;unicast;client_port=21014-21015;server_port=6970-6971;ssrc=1A2B3C4D");
    CHECK(reply(udp, 6970, 6971, 0xABC) ==
          "RTP/AVP;unicast;client_port=21014-21015;server_port=6970-6971;ssrc=00000ABC");
    const auto tcp = accept("RTP/AVP/TCP;unicast;interleaved=2-3");
    CHECK(reply(tcp, 0, 0, 0xDEADBEEF) == "RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=DEADBEEF");
    proto::transport_spec deflt;
    deflt.lower = lower_transport::tcp;
    CHECK(reply(deflt, 1, 2, 0) == "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=00000000");
    proto::transport_spec edge;
    edge.client_rtp_port = 65534;
    edge.client_rtcp_port = 65535;
    CHECK(reply(edge, 65534, 65535, 0xFFFFFFFF) ==
          "RTP/AVP;unicast;client_port=65534-65535;server_port=65534-65535;ssrc=FFFFFFFF");

    // Exactly one transport, and it reads back as what was chosen (FFmpeg compares them).
    for (const auto& t : {udp, tcp}) {
        const std::string r = reply(t, 6970, 6971, 42);
        CHECK(r.find(',') == std::string::npos);
        const auto back = accept(r);
        CHECK(back.lower == t.lower);
        CHECK(back.client_rtp_port == t.client_rtp_port);
        CHECK(back.interleaved_rtp == t.interleaved_rtp);
        CHECK(back.ssrc == "0000002A");
    }
}

TEST_CASE("Transport reply overflow at every output size", "[protocol][transport][writer]") {
    for (const auto& t : {accept("RTP/AVP;unicast;client_port=56404-56405"),
                          accept("RTP/AVP/TCP;unicast;interleaved=254-255")}) {
        const std::string full = reply(t, 6970, 6971, 0x12345678);
        for (std::size_t cap = 0; cap <= full.size() + 2; ++cap) {
            std::vector<char> buf(cap + 8, '#');
            const auto r = proto::write_transport_reply(t, 6970, 6971, 0x12345678, std::span<char>(buf.data(), cap));
            if (cap < full.size()) {
                REQUIRE_FALSE(r);
                CHECK(r.error() == errc::buffer_too_small);
            } else {
                REQUIRE(r);
                CHECK(std::string(buf.data(), *r) == full);
            }
            for (std::size_t i = cap; i < buf.size(); ++i) REQUIRE(buf[i] == '#');  // nothing past cap
        }
    }
}

TEST_CASE("random Transport headers never escape the three outcomes", "[protocol][transport][fuzz]") {
    // Built from the grammar's own pieces, so many come out valid, many malformed.
    const std::vector<std::string> pieces = {"RTP/AVP", "RTP/AVP/TCP", "RTP/AVP/UDP", "RTP/SAVP", "RAW/RAW/UDP",
                                             ";", ",", "unicast", "multicast", "client_port=", "interleaved=",
                                             "5000", "5001", "-", "0", "1", "255", "256", "65535", "=", "\"",
                                             " ", "mode=play", "destination=1.2.3.4", "ssrc=1234ABCD", "/"};
    std::mt19937 rng(2326);
    int accepted = 0, bad = 0, unsupported = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string h;
        const int n = 1 + static_cast<int>(rng() % 10);
        for (int k = 0; k < n; ++k) h += pieces[rng() % pieces.size()];
        const auto r = proto::select_transport(h, rng() % 4 != 0, rng() % 4 != 0);
        if (r) {
            ++accepted;
            INFO(h);
            if (r->lower == lower_transport::udp) {
                CHECK(r->client_rtp_port % 2 == 0);
                CHECK(r->client_rtp_port != 0);
                CHECK(r->client_rtcp_port == r->client_rtp_port + 1);
            } else {
                CHECK(r->interleaved_rtcp == r->interleaved_rtp + 1);
            }
        } else if (r.error() == errc::bad_transport) {
            ++bad;
        } else {
            REQUIRE(r.error() == errc::unsupported_transport);
            ++unsupported;
        }
    }
    CHECK(accepted > 50);
    CHECK(bad > 100);
    CHECK(unsupported > 100);
}

TEST_CASE("multicast alternatives when the server offers multicast", "[protocol][transport][multicast]") {
    const auto mc = [](std::string_view h, bool udp = true, bool tcp = true) {
        return proto::select_transport(h, udp, tcp, /*multicast_allowed=*/true);
    };
    // What FFmpeg (-rtsp_transport udp_multicast), VLC (--rtsp-mcast) and rtspsrc
    // (protocols=udp-mcast) send: no ports, the server chooses.
    for (std::string_view h : {"RTP/AVP/UDP;multicast", "RTP/AVP;multicast", "rtp/avp;MULTICAST;mode=play",
                               "RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16",
                               "RTP/AVP;multicast;client_port=5000-5001",  // ports a client may add
                               "RTP/AVP;multicast;client_port=7"}) {        // ... even broken ones
        INFO(h);
        const auto r = mc(h);
        REQUIRE(r);
        CHECK(r->multicast);
        CHECK(r->lower == lower_transport::udp);
        CHECK(r->client_rtp_port == 0);
    }
    // Preference order decides between multicast and unicast.
    CHECK(mc("RTP/AVP;multicast,RTP/AVP;unicast;client_port=5000-5001")->multicast);
    const auto uni = mc("RTP/AVP;unicast;client_port=5000-5001,RTP/AVP;multicast");
    REQUIRE(uni);
    CHECK_FALSE(uni->multicast);
    CHECK(uni->client_rtp_port == 5000);
    // Unicast UDP off does not turn multicast off (the server's own group, not the client's ports).
    CHECK(mc("RTP/AVP;multicast", /*udp=*/false)->multicast);
    // Never over TCP, never with channels, never another profile.
    for (std::string_view h : {"RTP/AVP/TCP;multicast", "RTP/AVP;multicast;interleaved=0-1", "RTP/SAVP;multicast"}) {
        INFO(h);
        const auto r = mc(h);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::unsupported_transport);
    }
    // Not offered (the default): 461, so the client can retry unicast.
    CHECK(error_of("RTP/AVP;multicast") == errc::unsupported_transport);
    // A syntax error anywhere is still 400.
    CHECK(mc("RTP/AVP;multicast,").error() == errc::bad_transport);
}

TEST_CASE("multicast Transport reply", "[protocol][transport][writer][multicast]") {
    char buf[128];
    const auto v4 = rtsp::net::address::v4(239, 255, 12, 42, 5004);
    auto n = proto::write_multicast_transport_reply(v4, 16, 0x0123ABCD, buf);
    REQUIRE(n);
    const std::string_view text(buf, *n);
    CHECK(text == "RTP/AVP;multicast;destination=239.255.12.42;port=5004-5005;ttl=16;ssrc=0123ABCD");
    // A client parsing it (multicast offered) sees a multicast transport.
    const auto back = proto::select_transport(text, true, true, true);
    REQUIRE(back);
    CHECK(back->multicast);
    CHECK(back->destination == "239.255.12.42");
    CHECK(back->ssrc == "0123ABCD");

    rtsp::net::address v6;
    v6.fam = rtsp::net::family::v6;
    v6.bytes = {0xff, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
    v6.port = 6000;
    n = proto::write_multicast_transport_reply(v6, 1, 7, buf);
    REQUIRE(n);
    CHECK(std::string_view(buf, *n) == "RTP/AVP;multicast;destination=ff15::42;port=6000-6001;ttl=1;ssrc=00000007");

    // Every output size short of the reply: buffer_too_small, nothing written past the end.
    const std::size_t full = std::string_view("RTP/AVP;multicast;destination=239.255.12.42;port=5004-5005;ttl=16;ssrc=0123ABCD").size();
    for (std::size_t cap = 0; cap < full; ++cap) {
        std::vector<char> out(cap + 1, '#');
        const auto r = proto::write_multicast_transport_reply(v4, 16, 0x0123ABCD, std::span<char>(out.data(), cap));
        INFO(cap);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::buffer_too_small);
        CHECK(out[cap] == '#');
    }
}
