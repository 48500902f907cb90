// Tests of rtsp/rtp/rtcp.hpp: the SR/SDES/BYE writers byte for byte, and the compound parser
// against our own output, client-shaped compounds (FFmpeg, GStreamer, live555), every
// truncation, byte mutations and each malformation it must reject.
#include <rtsp/rtp/rtcp.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace {

using bytes = std::vector<std::byte>;

bytes make(std::initializer_list<int> v) {
    bytes out;
    for (int b : v) out.push_back(std::byte(static_cast<unsigned char>(b)));
    return out;
}

void put8(bytes& b, unsigned v) { b.push_back(std::byte(static_cast<unsigned char>(v))); }
void put16(bytes& b, unsigned v) { put8(b, v >> 8); put8(b, v & 0xFF); }
void put32(bytes& b, std::uint32_t v) { put16(b, v >> 16); put16(b, v & 0xFFFF); }
void put_text(bytes& b, std::string_view s) {
    for (char c : s) put8(b, static_cast<unsigned char>(c));
}
bytes concat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// One RFC 3550 report block (24 bytes) about `source`.
void put_report_block(bytes& b, std::uint32_t source) {
    put32(b, source);
    put32(b, 0x01000002);  // fraction lost 1/256, cumulative lost 2
    put32(b, 0x00011234);  // extended highest sequence number
    put32(b, 17);          // interarrival jitter
    put32(b, 0x7F001234);  // LSR
    put32(b, 0x00008000);  // DLSR
}

// FFmpeg rtpdec.c ff_rtp_check_and_send_back_rr(), transcribed: RR with one block about the
// server's SSRC (FFmpeg uses server SSRC + 1 as its own), then SDES CNAME = hostname with
// "(7 + len + 3) / 4" as length and one END octet plus padding.
bytes ffmpeg_rr_sdes(std::uint32_t server_ssrc, std::string_view hostname) {
    bytes b;
    put8(b, 0x80 | 1);
    put8(b, 201);
    put16(b, 7);
    put32(b, server_ssrc + 1);
    put_report_block(b, server_ssrc);
    put8(b, 0x80 + 1);
    put8(b, 202);
    auto len = static_cast<unsigned>(hostname.size());
    put16(b, (7 + len + 3) / 4);
    put32(b, server_ssrc + 1);
    put8(b, 0x01);
    put8(b, len);
    put_text(b, hostname);
    put8(b, 0);
    for (len = (7 + len) % 4; len % 4; len++) put8(b, 0);
    return b;
}

// FFmpeg rtp_send_punch_packets(): a minimal RR with SSRC 0 and no report block.
bytes ffmpeg_punch() { return make({0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 0}); }

// An SDES chunk with the given (type, text) items, null-terminated and padded to 32 bits.
void put_sdes_chunk(bytes& b, std::uint32_t ssrc,
                    std::initializer_list<std::pair<int, std::string_view>> items) {
    put32(b, ssrc);
    std::size_t n = 0;
    for (auto [type, text] : items) {
        put8(b, static_cast<unsigned>(type));
        put8(b, static_cast<unsigned>(text.size()));
        put_text(b, text);
        n += 2 + text.size();
    }
    do {
        put8(b, 0);
        ++n;
    } while (n % 4 != 0);
}

bytes sdes_packet(std::uint32_t ssrc, std::initializer_list<std::pair<int, std::string_view>> items) {
    bytes chunk;
    put_sdes_chunk(chunk, ssrc, items);
    bytes b;
    put8(b, 0x81);
    put8(b, 202);
    put16(b, static_cast<unsigned>(chunk.size() / 4));
    b.insert(b.end(), chunk.begin(), chunk.end());
    return b;
}

bytes rr_packet(std::uint32_t ssrc, std::initializer_list<std::uint32_t> sources) {
    bytes b;
    put8(b, 0x80 | static_cast<unsigned>(sources.size()));
    put8(b, 201);
    put16(b, static_cast<unsigned>(1 + 6 * sources.size()));
    put32(b, ssrc);
    for (auto s : sources) put_report_block(b, s);
    return b;
}

bytes bye_packet(std::uint32_t ssrc, std::string_view reason = {}) {
    bytes body;
    put32(body, ssrc);
    if (!reason.empty()) {
        put8(body, static_cast<unsigned>(reason.size()));
        put_text(body, reason);
        while (body.size() % 4 != 0) put8(body, 0);
    }
    bytes b;
    put8(b, 0x81);
    put8(b, 203);
    put16(b, static_cast<unsigned>(body.size() / 4));
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

// GStreamer rtpsession: RR + SDES with CNAME "user<n>@host-<x>" and TOOL "GStreamer"; on
// leaving, RR + SDES + BYE.
bytes gstreamer_rr_sdes(std::uint32_t own, std::uint32_t server) {
    return concat({rr_packet(own, {server}),
                   sdes_packet(own, {{1, "user1000@host-3e1a7c2b"}, {6, "GStreamer"}})});
}
bytes gstreamer_bye(std::uint32_t own, std::uint32_t server) {
    return concat({gstreamer_rr_sdes(own, server), bye_packet(own)});
}

// live555 RTCPInstance: RR + SDES(CNAME) periodically; sendBYE() is RR + BYE (no SDES).
bytes live555_rr_sdes(std::uint32_t own, std::uint32_t server) {
    return concat({rr_packet(own, {server}), sdes_packet(own, {{1, "vlc-host"}})});
}
bytes live555_bye(std::uint32_t own, std::uint32_t server) {
    return concat({rr_packet(own, {server}), bye_packet(own)});
}

rtsp::result<rtsp::rtcp::summary> parse(const bytes& b) {
    return rtsp::rtcp::parse(std::span<const std::byte>(b.data(), b.size()));
}

// Byte offsets where each packet of a valid compound ends.
std::vector<std::size_t> packet_ends(const bytes& b) {
    std::vector<std::size_t> ends;
    std::size_t pos = 0;
    while (pos + 4 <= b.size()) {
        pos += (std::size_t{rtsp::detail::load_be16(b.data() + pos + 2)} + 1) * 4;
        ends.push_back(pos);
    }
    return ends;
}

// Every prefix (each copied into an allocation of exactly its size, so ASan sees any
// over-read) parses as the packets it wholly contains when it ends on a packet boundary, and
// is rtcp_malformed otherwise.
void check_truncations(const bytes& full) {
    const auto ends = packet_ends(full);
    REQUIRE(!ends.empty());
    REQUIRE(ends.back() == full.size());
    for (std::size_t n = 0; n < full.size(); ++n) {
        CAPTURE(n);
        bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        auto r = parse(prefix);
        std::size_t whole = 0;
        while (whole < ends.size() && ends[whole] <= n) ++whole;
        if (n > 0 && whole > 0 && ends[whole - 1] == n) {
            REQUIRE(r.has_value());
            CHECK(r->packets == whole);
        } else {
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error() == rtsp::errc::rtcp_malformed);
        }
    }
}

constexpr rtsp::rtcp::sender_info example_info{
    0x11223344, 0xAABBCCDD01020304ull, 0x55667788, 0x0A0B0C0D, 0x01020304};

}  // namespace

TEST_CASE("ntp_from_unix_micros: known values", "[rtcp]") {
    using rtsp::rtcp::ntp_from_unix_micros;
    static_assert(ntp_from_unix_micros(0) == 0x83AA7E80'00000000ull);
    CHECK(ntp_from_unix_micros(500'000) == 0x83AA7E80'80000000ull);
    CHECK(ntp_from_unix_micros(250'000) == 0x83AA7E80'40000000ull);
    CHECK(ntp_from_unix_micros(1) == (0x83AA7E80'00000000ull | 4294));  // 4294.97 truncated
    CHECK(ntp_from_unix_micros(999'999) == (0x83AA7E80'00000000ull | 4294963001u));
    CHECK(ntp_from_unix_micros(1'000'000) == 0x83AA7E81'00000000ull);
    // 2024-01-01T00:00:00.123456Z
    CHECK(ntp_from_unix_micros(1'704'067'200'123'456ull) == 0xE93C7F00'1F9ACFFAull);
    // NTP era 1 starts 2036-02-07T06:28:16Z: the seconds field wraps to 0.
    CHECK(ntp_from_unix_micros(2'085'978'496'000'000ull) == 0);
    CHECK(ntp_from_unix_micros(2'085'978'495'500'000ull) == 0xFFFFFFFF'80000000ull);
    // Monotonic across a second boundary.
    CHECK(ntp_from_unix_micros(1'999'999) < ntp_from_unix_micros(2'000'000));
}

TEST_CASE("write_sender_report: exact SR + SDES bytes", "[rtcp]") {
    std::array<std::byte, 128> buf{};
    auto r = rtsp::rtcp::write_sender_report(example_info, "cam@10.0.0.1", buf);
    REQUIRE(r.has_value());
    const bytes expected = make({
        // SR: V=2 P=0 RC=0, PT=200, length 6 (28 bytes)
        0x80, 0xC8, 0x00, 0x06,
        0x11, 0x22, 0x33, 0x44,  // SSRC
        0xAA, 0xBB, 0xCC, 0xDD,  // NTP seconds
        0x01, 0x02, 0x03, 0x04,  // NTP fraction
        0x55, 0x66, 0x77, 0x88,  // RTP timestamp
        0x0A, 0x0B, 0x0C, 0x0D,  // packet count
        0x01, 0x02, 0x03, 0x04,  // octet count
        // SDES: V=2 P=0 SC=1, PT=202, length 5 (24 bytes)
        0x81, 0xCA, 0x00, 0x05,
        0x11, 0x22, 0x33, 0x44,  // chunk SSRC
        0x01, 0x0C,              // CNAME, 12 octets
        'c', 'a', 'm', '@', '1', '0', '.', '0', '.', '0', '.', '1',
        0x00, 0x00,              // end of items + padding to 32 bits
    });
    REQUIRE(*r == expected.size());
    CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r)) == expected);
    CHECK(rtsp::rtcp::sender_report_compound_size(12) == expected.size());
    // Nothing after the packet was touched.
    for (std::size_t i = *r; i < buf.size(); ++i) CHECK(buf[i] == std::byte{0});
}

TEST_CASE("write_bye: exact SR + SDES + BYE bytes", "[rtcp]") {
    std::array<std::byte, 64> buf{};
    rtsp::rtcp::sender_info info{0xDEADBEEF, 0x0000000100000002ull, 3, 4, 5};
    auto r = rtsp::rtcp::write_bye(info, "a", buf);
    REQUIRE(r.has_value());
    const bytes expected = make({
        0x80, 0xC8, 0x00, 0x06, 0xDE, 0xAD, 0xBE, 0xEF,  // SR
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  // NTP
        0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05,
        0x81, 0xCA, 0x00, 0x02, 0xDE, 0xAD, 0xBE, 0xEF,  // SDES, 12 bytes
        0x01, 0x01, 'a', 0x00,                           // CNAME "a" + one null
        0x81, 0xCB, 0x00, 0x01, 0xDE, 0xAD, 0xBE, 0xEF,  // BYE, SC=1
    });
    REQUIRE(*r == expected.size());
    CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r)) == expected);
    CHECK(rtsp::rtcp::bye_compound_size(1) == expected.size());
}

TEST_CASE("SDES CNAME padding: 1..4 null octets, 32-bit aligned, for every length", "[rtcp]") {
    std::vector<std::byte> buf(600);
    for (std::size_t n = 0; n <= rtsp::rtcp::max_cname_size; ++n) {
        CAPTURE(n);
        std::string cname(n, 'x');
        auto r = rtsp::rtcp::write_sender_report(example_info, cname, buf);
        REQUIRE(r.has_value());
        REQUIRE(*r % 4 == 0);
        REQUIRE(*r == rtsp::rtcp::sender_report_compound_size(n));
        // The SDES length field matches the bytes written.
        CHECK((rtsp::detail::load_be16(buf.data() + 30) + 1u) * 4 == *r - 28);
        CHECK(std::to_integer<std::size_t>(buf[37]) == n);
        const std::size_t nulls = *r - (28 + 8 + 2 + n);
        CHECK(nulls >= 1);
        CHECK(nulls <= 4);
        for (std::size_t i = 28 + 8 + 2 + n; i < *r; ++i) CHECK(buf[i] == std::byte{0});
        auto p = rtsp::rtcp::parse(std::span<const std::byte>(buf.data(), *r));
        REQUIRE(p.has_value());
        CHECK(p->has_sdes);
        CHECK(p->packets == 2);
    }
}

TEST_CASE("writers: CNAME over 255 bytes is invalid_argument", "[rtcp]") {
    std::vector<std::byte> buf(1024, std::byte{0x5A});
    std::string cname(256, 'x');
    auto a = rtsp::rtcp::write_sender_report(example_info, cname, buf);
    REQUIRE_FALSE(a.has_value());
    CHECK(a.error() == rtsp::errc::invalid_argument);
    auto b = rtsp::rtcp::write_bye(example_info, cname, buf);
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error() == rtsp::errc::invalid_argument);
    for (auto x : buf) REQUIRE(x == std::byte{0x5A});
}

TEST_CASE("writers: buffer_too_small at every short size, nothing written past the end",
          "[rtcp]") {
    for (int which = 0; which < 2; ++which) {
        const std::string_view cname = "rtsp@192.168.1.20";
        const std::size_t need = which == 0 ? rtsp::rtcp::sender_report_compound_size(cname.size())
                                            : rtsp::rtcp::bye_compound_size(cname.size());
        for (std::size_t n = 0; n <= need; ++n) {
            CAPTURE(which, n);
            std::vector<std::byte> buf(n + 16, std::byte{0xA5});
            std::span<std::byte> out(buf.data(), n);
            auto r = which == 0 ? rtsp::rtcp::write_sender_report(example_info, cname, out)
                                : rtsp::rtcp::write_bye(example_info, cname, out);
            if (n < need) {
                REQUIRE_FALSE(r.has_value());
                CHECK(r.error() == rtsp::errc::buffer_too_small);
            } else {
                REQUIRE(r.has_value());
                CHECK(*r == need);
            }
            for (std::size_t i = n; i < buf.size(); ++i) REQUIRE(buf[i] == std::byte{0xA5});
        }
    }
}

TEST_CASE("parse: what we write", "[rtcp]") {
    std::array<std::byte, 128> buf{};
    auto sr = rtsp::rtcp::write_sender_report(example_info, "cam@10.0.0.1", buf);
    REQUIRE(sr.has_value());
    auto p = rtsp::rtcp::parse(std::span<const std::byte>(buf.data(), *sr));
    REQUIRE(p.has_value());
    CHECK(p->sender_ssrc == 0x11223344);
    CHECK(p->sender_reports == 1);
    CHECK(p->receiver_reports == 0);
    CHECK(p->has_sdes);
    CHECK_FALSE(p->has_bye);
    CHECK(p->packets == 2);
    check_truncations(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*sr)));

    auto bye = rtsp::rtcp::write_bye(example_info, "", buf);
    REQUIRE(bye.has_value());
    auto q = rtsp::rtcp::parse(std::span<const std::byte>(buf.data(), *bye));
    REQUIRE(q.has_value());
    CHECK(q->sender_ssrc == 0x11223344);
    CHECK(q->sender_reports == 1);
    CHECK(q->has_sdes);
    CHECK(q->has_bye);
    CHECK(q->packets == 3);
    check_truncations(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*bye)));
}

TEST_CASE("parse: client compounds (FFmpeg, GStreamer, live555)", "[rtcp]") {
    SECTION("FFmpeg RR + SDES, every hostname length mod 4") {
        for (std::string_view host : {"h", "ab", "abc", "abcd", "myhost.local"}) {
            CAPTURE(host);
            const auto b = ffmpeg_rr_sdes(0x01020304, host);
            CHECK(b.size() % 4 == 0);
            auto p = parse(b);
            REQUIRE(p.has_value());
            CHECK(p->sender_ssrc == 0x01020305);
            CHECK(p->receiver_reports == 1);
            CHECK(p->sender_reports == 0);
            CHECK(p->has_sdes);
            CHECK_FALSE(p->has_bye);
            CHECK(p->packets == 2);
            check_truncations(b);
        }
    }
    SECTION("FFmpeg NAT punch: empty RR with SSRC 0") {
        auto p = parse(ffmpeg_punch());
        REQUIRE(p.has_value());
        CHECK(p->sender_ssrc == 0);
        CHECK(p->receiver_reports == 1);
        CHECK_FALSE(p->has_sdes);
        CHECK(p->packets == 1);
        check_truncations(ffmpeg_punch());
    }
    SECTION("GStreamer RR + SDES(CNAME, TOOL), then RR + SDES + BYE") {
        auto b = gstreamer_rr_sdes(0x9ABCDEF0, 0x11223344);
        auto p = parse(b);
        REQUIRE(p.has_value());
        CHECK(p->sender_ssrc == 0x9ABCDEF0);
        CHECK(p->receiver_reports == 1);
        CHECK(p->has_sdes);
        CHECK_FALSE(p->has_bye);
        CHECK(p->packets == 2);
        check_truncations(b);

        auto e = gstreamer_bye(0x9ABCDEF0, 0x11223344);
        auto q = parse(e);
        REQUIRE(q.has_value());
        CHECK(q->has_bye);
        CHECK(q->has_sdes);
        CHECK(q->packets == 3);
        check_truncations(e);
    }
    SECTION("live555 RR + SDES, then RR + BYE") {
        auto b = live555_rr_sdes(0x0BADF00D, 0x11223344);
        auto p = parse(b);
        REQUIRE(p.has_value());
        CHECK(p->sender_ssrc == 0x0BADF00D);
        CHECK(p->receiver_reports == 1);
        CHECK(p->has_sdes);
        CHECK(p->packets == 2);
        check_truncations(b);

        auto e = live555_bye(0x0BADF00D, 0x11223344);
        auto q = parse(e);
        REQUIRE(q.has_value());
        CHECK(q->has_bye);
        CHECK_FALSE(q->has_sdes);
        CHECK(q->packets == 2);
        check_truncations(e);
    }
    SECTION("a client that also sends (SR with report blocks) + SDES") {
        bytes sr;
        put8(sr, 0x82);
        put8(sr, 200);
        put16(sr, 6 + 12);
        put32(sr, 0x42424242);
        for (int i = 0; i < 5; ++i) put32(sr, static_cast<std::uint32_t>(i));
        put_report_block(sr, 1);
        put_report_block(sr, 2);
        auto b = concat({sr, sdes_packet(0x42424242, {{1, "x@y"}})});
        auto p = parse(b);
        REQUIRE(p.has_value());
        CHECK(p->sender_ssrc == 0x42424242);
        CHECK(p->sender_reports == 1);
        CHECK(p->receiver_reports == 0);
        check_truncations(b);
    }
}

TEST_CASE("parse: lenient on what RFC 3550 allows", "[rtcp]") {
    SECTION("unknown and APP packets after the RR are skipped") {
        bytes app = make({0x80, 0xCC, 0x00, 0x02, 1, 2, 3, 4, 'n', 'a', 'm', 'e'});
        bytes xr = make({0x80, 0xCF, 0x00, 0x01, 9, 9, 9, 9});
        bytes odd = make({0x9F, 0x63, 0x00, 0x00});  // PT 99, count 31, empty: not ours to judge
        auto b = concat({rr_packet(7, {}), app, xr, odd, sdes_packet(7, {{1, "c"}})});
        auto p = parse(b);
        REQUIRE(p.has_value());
        CHECK(p->packets == 5);
        CHECK(p->has_sdes);
        check_truncations(b);
    }
    SECTION("padding on the last packet") {
        auto b = concat({rr_packet(7, {}), make({0xA1, 0xCB, 0x00, 0x02, 0, 0, 0, 7, 0, 0, 0, 4})});
        auto p = parse(b);
        REQUIRE(p.has_value());
        CHECK(p->has_bye);
        CHECK(p->packets == 2);
        // Padding on a compound of one packet (it is the last one too).
        auto q = parse(make({0xA0, 0xC9, 0x00, 0x02, 0, 0, 0, 9, 0, 0, 0, 4}));
        REQUIRE(q.has_value());
        CHECK(q->sender_ssrc == 9);
    }
    SECTION("BYE with a reason, BYE with SC=0, SDES with SC=0, several chunks") {
        auto b = concat({rr_packet(1, {2, 3}), bye_packet(1, "teardown")});
        auto p = parse(b);
        REQUIRE(p.has_value());
        CHECK(p->has_bye);
        check_truncations(b);

        auto c = concat({rr_packet(1, {}), make({0x80, 0xCB, 0x00, 0x00}),
                         make({0x80, 0xCA, 0x00, 0x00})});
        auto q = parse(c);
        REQUIRE(q.has_value());
        CHECK(q->has_bye);
        CHECK(q->has_sdes);
        CHECK(q->packets == 3);

        bytes chunks;
        put_sdes_chunk(chunks, 1, {{1, "ab"}, {2, "name"}});
        put_sdes_chunk(chunks, 2, {});
        put_sdes_chunk(chunks, 3, {{1, "abcdef"}});
        bytes sdes;
        put8(sdes, 0x83);
        put8(sdes, 202);
        put16(sdes, static_cast<unsigned>(chunks.size() / 4));
        sdes.insert(sdes.end(), chunks.begin(), chunks.end());
        auto d = concat({rr_packet(1, {}), sdes});
        auto r = parse(d);
        REQUIRE(r.has_value());
        CHECK(r->has_sdes);
        check_truncations(d);
    }
    SECTION("counters saturate at 255") {
        bytes b;
        for (int i = 0; i < 300; ++i) b = concat({b, rr_packet(5, {})});
        auto p = parse(b);
        REQUIRE(p.has_value());
        CHECK(p->receiver_reports == 255);
        CHECK(p->packets == 255);
        CHECK(p->sender_ssrc == 5);
    }
}

TEST_CASE("parse: malformed compounds are rtcp_malformed", "[rtcp]") {
    const auto good = ffmpeg_rr_sdes(0x01020304, "myhost");
    REQUIRE(parse(good).has_value());
    auto sdes_only = sdes_packet(1, {{1, "c"}});
    REQUIRE(parse(concat({rr_packet(1, {}), sdes_only})).has_value());

    auto malformed = [](const bytes& b) {
        auto r = parse(b);
        return !r.has_value() && r.error() == rtsp::errc::rtcp_malformed;
    };

    SECTION("zero-length input") { CHECK(malformed(bytes{})); }
    SECTION("version other than 2, in the first or a later packet") {
        for (int v : {0, 1, 3}) {
            auto b = good;
            b[0] = std::byte(static_cast<unsigned char>((v << 6) | 1));
            CHECK(malformed(b));
            auto c = good;
            c[32] = std::byte(static_cast<unsigned char>((v << 6) | 1));  // the SDES header
            CHECK(malformed(c));
        }
    }
    SECTION("length field past the end") {
        auto b = good;
        b[3] = std::byte{0xFF};  // RR claims 1024 bytes
        CHECK(malformed(b));
        auto c = good;
        c[35] = std::byte(std::to_integer<unsigned char>(c[35]) + 1);  // SDES one word longer
        CHECK(malformed(c));
    }
    SECTION("trailing bytes that are not a whole packet") {
        for (int extra = 1; extra <= 7; ++extra) {
            auto b = good;
            for (int i = 0; i < extra; ++i) b.push_back(std::byte{0x80});
            CAPTURE(extra);
            CHECK(malformed(b));
        }
    }
    SECTION("first packet not SR or RR") {
        CHECK(malformed(sdes_only));
        CHECK(malformed(bye_packet(1)));
        CHECK(malformed(make({0x80, 0xCC, 0x00, 0x02, 1, 2, 3, 4, 'n', 'a', 'm', 'e'})));
        CHECK(malformed(concat({sdes_only, rr_packet(1, {})})));
        CHECK(malformed(concat({bye_packet(1), rr_packet(1, {})})));
    }
    SECTION("report count inconsistent with length") {
        CHECK(malformed(make({0x81, 0xC9, 0x00, 0x01, 0, 0, 0, 1})));  // RR RC=1, no block
        CHECK(malformed(make({0x80, 0xC9, 0x00, 0x00})));              // RR without SSRC
        auto b = rr_packet(1, {2});
        b[0] = std::byte{0x82};  // RC=2, one block
        CHECK(malformed(b));
        // One word short of the last block, for RR and SR.
        for (unsigned rc = 1; rc <= 3; ++rc) {
            CAPTURE(rc);
            bytes rr;
            put8(rr, 0x80 | rc);
            put8(rr, 201);
            put16(rr, 1 + 6 * rc - 1);
            for (unsigned i = 0; i < 1 + 6 * rc - 1; ++i) put32(rr, i);
            CHECK(malformed(rr));
            bytes sr;
            put8(sr, 0x80 | rc);
            put8(sr, 200);
            put16(sr, 6 + 6 * rc - 1);
            for (unsigned i = 0; i < 6 + 6 * rc - 1; ++i) put32(sr, i);
            CHECK(malformed(sr));
        }
        bytes sr;  // SR RC=1 without the block
        put8(sr, 0x81);
        put8(sr, 200);
        put16(sr, 6);
        for (int i = 0; i < 6; ++i) put32(sr, 0);
        CHECK(malformed(sr));
        bytes short_sr = make({0x80, 0xC8, 0x00, 0x05});  // SR of 24 bytes: no octet count
        for (int i = 0; i < 5; ++i) put32(short_sr, 0);
        CHECK(malformed(short_sr));
        // SDES SC=2 with one chunk; BYE SC=2 with one SSRC.
        auto s = sdes_only;
        s[0] = std::byte{0x82};
        CHECK(malformed(concat({rr_packet(1, {}), s})));
        auto y = bye_packet(1);
        y[0] = std::byte{0x82};
        CHECK(malformed(concat({rr_packet(1, {}), y})));
    }
    SECTION("SDES items or BYE reason that do not fit") {
        // Item length runs past the packet.
        auto s = sdes_packet(1, {{1, "abcdef"}});  // 4 hdr + 4 ssrc + 2 + 6 + 4 nulls
        s[9] = std::byte{11};
        CHECK(malformed(concat({rr_packet(1, {}), s})));
        // An item type in the last octet of the packet, with no room for its length octet
        // (SDES last, so a read past the packet is a read past the input).
        CHECK(malformed(concat({rr_packet(1, {}), make({0x81, 0xCA, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x01, 'a', 0x05})})));
        // Item list without a terminating null octet.
        auto t = sdes_packet(1, {{1, "ab"}});  // 4 + 4 + [01 02 a b] + [0 0 0 0]
        t[3] = std::byte{2};
        t.resize(12);  // drop the null word, keep the length consistent
        CHECK(malformed(concat({rr_packet(1, {}), t})));
        // RTCP padding that starts inside the chunk's own null padding: the chunk then
        // ends past the packet's payload.
        const bytes padded_sdes =
            make({0xA1, 0xCA, 0x00, 0x03, 0, 0, 0, 1, 0x01, 0x02, 'a', 'b', 0x00, 0x00, 0x00, 0x03});
        CHECK(malformed(concat({rr_packet(1, {}), padded_sdes})));
        auto fine = padded_sdes;  // same bytes with padding of 0 octets is fine...
        fine[0] = std::byte{0x81};
        REQUIRE(parse(concat({rr_packet(1, {}), fine})).has_value());
        // Reason length byte past the end.
        auto y = bye_packet(1, "bye");  // 4 + 4 + [3 b y e]
        y[8] = std::byte{4};
        CHECK(malformed(concat({rr_packet(1, {}), y})));
    }
    SECTION("padding bit on a packet that is not the last") {
        auto b = good;
        b[0] = std::byte{0xA1};
        CHECK(malformed(b));
        auto c = concat({rr_packet(1, {}), sdes_only, bye_packet(1)});
        c[8] = std::byte(std::to_integer<unsigned char>(c[8]) | 0x20);  // the SDES
        CHECK(malformed(c));
        // An RR whose last word would be a plausible padding count (a profile extension
        // 00 00 00 04): valid alone, malformed when another packet follows.
        const bytes padded_rr = make({0xA0, 0xC9, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 4});
        REQUIRE(parse(padded_rr).has_value());
        CHECK(malformed(concat({padded_rr, sdes_only})));
    }
    SECTION("bad padding count on the last packet") {
        // Count 0.
        CHECK(malformed(concat({rr_packet(1, {}), make({0xA1, 0xCB, 0x00, 0x02, 0, 0, 0, 7, 0, 0, 0, 0})})));
        // Count larger than the payload.
        CHECK(malformed(concat({rr_packet(1, {}), make({0xA1, 0xCB, 0x00, 0x02, 0, 0, 0, 7, 0, 0, 0, 9})})));
        // Padding that eats the SSRC the count promises.
        CHECK(malformed(concat({rr_packet(1, {}), make({0xA1, 0xCB, 0x00, 0x02, 0, 0, 0, 7, 0, 0, 0, 8})})));
        // Padding bit on an empty packet: nowhere to put the count.
        CHECK(malformed(concat({rr_packet(1, {}), make({0xA0, 0xCB, 0x00, 0x00})})));
        // Padding that eats the RR's SSRC.
        CHECK(malformed(make({0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 4})));
    }
}

TEST_CASE("parse: every single-byte corruption stays in bounds", "[rtcp]") {
    // Under ASan this proves no value of any byte makes the parser read outside its input;
    // the result must also be self-consistent.
    for (const auto& b : {gstreamer_bye(0x9ABCDEF0, 0x11223344), live555_rr_sdes(1, 2),
                          concat({rr_packet(1, {}), bye_packet(1, "reason")})})
    for (std::size_t i = 0; i < b.size(); ++i) {
        for (unsigned v : {0x00u, 0x01u, 0x1Fu, 0x20u, 0x7Fu, 0x80u, 0xA0u, 0xBFu, 0xFFu}) {
            auto m = b;
            m[i] = std::byte(static_cast<unsigned char>(v));
            auto r = parse(m);
            if (r.has_value()) {
                CHECK(r->packets >= 1);
                CHECK(r->receiver_reports + r->sender_reports <= r->packets);
            } else {
                CHECK(r.error() == rtsp::errc::rtcp_malformed);
            }
        }
    }
}

TEST_CASE("starts_with_report: the liveness test accepts receiver and sender reports only", "[rtcp]") {
    using rtsp::rtcp::starts_with_report;
    CHECK(starts_with_report(ffmpeg_rr_sdes(0x12345678, "client")));
    CHECK(starts_with_report(ffmpeg_punch()));  // RR without blocks: still the client talking
    std::array<std::byte, 128> sr{};
    auto n = rtsp::rtcp::write_sender_report(example_info, "cam", sr);
    REQUIRE(n);
    CHECK(starts_with_report(std::span<const std::byte>(sr.data(), *n)));
    // Every cut of a report shorter than its own length field says is refused.
    const bytes rr = ffmpeg_rr_sdes(1, "h");
    for (std::size_t len = 0; len < 32; ++len)
        CHECK_FALSE(starts_with_report(std::span<const std::byte>(rr.data(), len)));
    CHECK_FALSE(starts_with_report(make({0x40, 0xC9, 0x00, 0x01, 0, 0, 0, 0})));  // version 1
    CHECK_FALSE(starts_with_report(make({0x81, 0xCA, 0x00, 0x01, 0, 0, 0, 0})));  // SDES first
    CHECK_FALSE(starts_with_report(make({0x80, 0x1A, 0x00, 0x01, 0, 0, 0, 0})));  // RTP/JPEG
    CHECK_FALSE(starts_with_report(make({0x80, 0xC9, 0x00, 0x02, 0, 0, 0, 0})));  // length past the end
}
