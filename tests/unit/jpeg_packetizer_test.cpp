// Tests of rtsp/rtp/jpeg_packetizer.hpp: every header field of every packet on synthetic
// frames, the sizing rule (all packets but the last exactly `mtu` bytes), the errors, and
// round trips of real libjpeg JPEGs through the packetizer and the strict reference
// depayloader (tests/support/rfc2435_depayloader.hpp) down to identical decoded pixels.
#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "jpeg_codec.hpp"
#include "rfc2435_depayloader.hpp"
#include "rtsp/jpeg/parser.hpp"
#include "rtsp/jpeg/standard_tables.hpp"
#include "rtsp/rtp/jpeg_packetizer.hpp"

using rtsp::errc;
namespace rtp = rtsp::rtp;
namespace jpeg = rtsp::jpeg;
namespace test = rtsp::test;

namespace {

using header_buffer = std::array<std::byte, rtp::max_payload_header_size>;

unsigned u8(std::byte b) { return std::to_integer<unsigned>(b); }
unsigned be16(const std::byte* p) { return (u8(p[0]) << 8) | u8(p[1]); }
unsigned be24(const std::byte* p) { return (u8(p[0]) << 16) | (u8(p[1]) << 8) | u8(p[2]); }

// A synthetic frame whose tables and scan are recognisable byte patterns.
struct synthetic {
    std::vector<std::byte> luma, chroma, scan;
    jpeg::frame f;
    synthetic(std::uint16_t w, std::uint16_t h, std::uint8_t type, std::size_t scan_size,
              std::size_t luma_size = 64, std::size_t chroma_size = 64,
              std::uint16_t restart = 0) {
        for (std::size_t i = 0; i < luma_size; ++i) luma.push_back(std::byte(i + 1));
        for (std::size_t i = 0; i < chroma_size; ++i) chroma.push_back(std::byte(0x80 + i));
        for (std::size_t i = 0; i < scan_size; ++i) scan.push_back(std::byte(i * 7 + (i >> 8)));
        f.width = w;
        f.height = h;
        f.type = type;
        f.restart_interval = restart;
        f.luma = {luma};
        f.chroma = {chroma};
        f.scan = scan;
    }
};

// Checks every packet of `p` against the rules and returns the concatenated scan.
void check_packets(const rtp::jpeg_packetizer& p, const rtp::jpeg_packetizer_options& opt) {
    const jpeg::frame& f = p.frame();
    const bool restart = f.type >= 64;
    const bool tables = opt.q >= 128;
    const std::size_t n = p.packet_count();
    REQUIRE(n >= 1);
    std::size_t expected_offset = 0;
    for (std::size_t i = 0; i < n; ++i) {
        INFO("packet " << i << " of " << n);
        header_buffer hb;
        hb.fill(std::byte{0xEE});
        const auto pk = p.get(i, hb);
        const std::byte* h = hb.data();

        // Main header.
        CHECK(u8(h[0]) == 0);
        CHECK(be24(h + 1) == expected_offset);
        CHECK(pk.fragment_offset == expected_offset);
        CHECK(u8(h[4]) == f.type);
        CHECK(u8(h[5]) == opt.q);
        if (p.needs_x_dimensions()) {
            CHECK(u8(h[6]) == 0);
            CHECK(u8(h[7]) == 0);
        } else {
            CHECK(u8(h[6]) == (f.width + 7u) / 8u);
            CHECK(u8(h[7]) == (f.height + 7u) / 8u);
        }
        std::size_t pos = 8;
        if (restart) {
            CHECK(be16(h + 8) == f.restart_interval);
            CHECK(be16(h + 10) == 0xFFFF);
            pos += 4;
        }
        if (i == 0 && tables) {
            CHECK(u8(h[pos]) == 0);
            const unsigned precision = (f.luma.data.size() == 128 ? 1u : 0u) |
                                       (f.chroma.data.size() == 128 ? 2u : 0u);
            CHECK(u8(h[pos + 1]) == precision);
            CHECK(be16(h + pos + 2) == f.luma.data.size() + f.chroma.data.size());
            pos += 4;
            CHECK(std::memcmp(h + pos, f.luma.data.data(), f.luma.data.size()) == 0);
            pos += f.luma.data.size();
            CHECK(std::memcmp(h + pos, f.chroma.data.data(), f.chroma.data.size()) == 0);
            pos += f.chroma.data.size();
        }
        CHECK(pk.header_size == pos);
        if (pos < hb.size()) CHECK(hb[pos] == std::byte{0xEE});  // nothing written beyond

        // The scan slice is a view at the right place of the frame's scan.
        CHECK(pk.scan.data() == f.scan.data() + expected_offset);
        CHECK(pk.last == (i + 1 == n));
        const std::size_t total = rtp::header_size + pk.header_size + pk.scan.size();
        if (!pk.last) {
            CHECK(total == opt.mtu);
        } else {
            CHECK(total <= opt.mtu);
        }
        if (n > 1) CHECK(!pk.scan.empty());
        expected_offset += pk.scan.size();
    }
    CHECK(expected_offset == f.scan.size());
}

rtp::jpeg_packetizer make(const jpeg::frame& f, rtp::jpeg_packetizer_options opt) {
    auto r = rtp::jpeg_packetizer::create(f, opt);
    INFO("create failed: " << rtsp::to_string(r.error()));
    REQUIRE(r);
    return *r;
}

// Compile-time packetization: create() and get() are constexpr.
constexpr bool constexpr_packetize() {
    std::array<std::byte, 64> table{};
    std::array<std::byte, 300> scan{};
    jpeg::frame f;
    f.width = 320;
    f.height = 240;
    f.type = 1;
    f.luma = {table};
    f.chroma = {table};
    f.scan = scan;
    auto r = rtp::jpeg_packetizer::create(f, {.mtu = 200, .q = 255});
    if (!r) return false;
    std::array<std::byte, rtp::max_payload_header_size> h{};
    const auto first = r->get(0, h);
    const auto last = r->get(r->packet_count() - 1, h);
    return r->packet_count() == 3 && first.header_size == 140 && first.scan.size() == 48 &&
           last.fragment_offset == 48 + 180 && last.scan.size() == 72 && last.last;
}
static_assert(constexpr_packetize());

}  // namespace

TEST_CASE("jpeg packetizer: Q=255 header fields, packet by packet", "[rtp][packetizer]") {
    synthetic s(320, 240, jpeg::type_420, 1000);
    const rtp::jpeg_packetizer_options opt{.mtu = 200, .q = 255};
    const auto p = make(s.f, opt);
    // First packet: 200 - 12 - 8 - 4 - 128 = 48 scan bytes, then 180 per packet.
    REQUIRE(p.packet_count() == 7);  // 48 + 5 * 180 = 948, then 52
    check_packets(p, opt);

    header_buffer hb{};
    const auto p0 = p.get(0, hb);
    CHECK(p0.header_size == 140);
    CHECK(p0.scan.size() == 48);
    // Exact bytes of the first packet's headers.
    const std::array<int, 12> expected = {0, 0, 0, 0, 1, 255, 40, 30, 0, 0, 0, 128};
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(u8(hb[i]) == unsigned(expected[i]));
    const auto p1 = p.get(1, hb);
    CHECK(p1.header_size == 8);
    CHECK(p1.fragment_offset == 48);
    CHECK(p1.scan.size() == 180);
    const auto p6 = p.get(6, hb);
    CHECK(p6.fragment_offset == 948);
    CHECK(p6.scan.size() == 52);
    CHECK(p6.last);
    CHECK_FALSE(p.needs_x_dimensions());
    CHECK(p.frame().scan.data() == s.scan.data());
}

TEST_CASE("jpeg packetizer: restart header in every packet", "[rtp][packetizer]") {
    for (std::uint8_t type : {std::uint8_t{64}, std::uint8_t{65}}) {
        synthetic s(640, 480, type, 5000, 64, 64, 0x1234);
        for (std::uint8_t q : {std::uint8_t{255}, std::uint8_t{50}}) {
            const rtp::jpeg_packetizer_options opt{.mtu = 576, .q = q};
            const auto p = make(s.f, opt);
            check_packets(p, opt);
            header_buffer hb{};
            for (std::size_t i = 0; i < p.packet_count(); ++i) {
                const auto pk = p.get(i, hb);
                CHECK(be16(hb.data() + 8) == 0x1234);
                CHECK(be16(hb.data() + 10) == 0xFFFF);
                CHECK(pk.header_size == (i == 0 && q == 255 ? 12u + 132u : 12u));
            }
        }
    }
}

TEST_CASE("jpeg packetizer: table precision and length", "[rtp][packetizer]") {
    struct c { std::size_t luma, chroma; unsigned precision; };
    for (auto [luma, chroma, precision] : {c{64, 64, 0}, c{128, 64, 1}, c{64, 128, 2}, c{128, 128, 3}}) {
        synthetic s(64, 64, 65, 3000, luma, chroma, 4);
        const rtp::jpeg_packetizer_options opt{.mtu = 1400, .q = 200};
        const auto p = make(s.f, opt);
        check_packets(p, opt);
        header_buffer hb{};
        const auto pk = p.get(0, hb);
        CHECK(u8(hb[5]) == 200);
        CHECK(u8(hb[13]) == precision);
        CHECK(be16(hb.data() + 14) == luma + chroma);
        CHECK(pk.header_size == 16 + luma + chroma);
        CHECK(pk.scan.size() == 1400 - 12 - 16 - luma - chroma);
    }
    // The largest header block fills the buffer exactly.
    synthetic s(64, 64, 65, 10, 128, 128, 1);
    header_buffer hb{};
    CHECK(make(s.f, {}).get(0, hb).header_size == rtp::max_payload_header_size);
}

TEST_CASE("jpeg packetizer: Q 1..99 carries no tables", "[rtp][packetizer]") {
    // Tables of any size are irrelevant when Q selects computed tables.
    synthetic s(100, 60, jpeg::type_422, 2000, 0, 0);
    for (std::uint8_t q : {std::uint8_t{1}, std::uint8_t{50}, std::uint8_t{99}}) {
        const rtp::jpeg_packetizer_options opt{.mtu = 1000, .q = q};
        const auto p = make(s.f, opt);
        check_packets(p, opt);
        header_buffer hb{};
        const auto p0 = p.get(0, hb);
        CHECK(p0.header_size == 8);
        CHECK(p0.scan.size() == 1000 - 20);
        CHECK(u8(hb[5]) == q);
        CHECK(u8(hb[6]) == 13);  // ceil(100 / 8)
        CHECK(u8(hb[7]) == 8);   // ceil(60 / 8)
        CHECK(p.packet_count() == 3);
    }
}

TEST_CASE("jpeg packetizer: sizes rounded up, 2040 limit, x-dimensions", "[rtp][packetizer]") {
    struct c { std::uint16_t w, h; unsigned w8, h8; bool x; };
    for (auto [w, h, w8, h8, x] : {c{1, 1, 1, 1, false}, c{8, 8, 1, 1, false},
                                  c{9, 16, 2, 2, false}, c{17, 9, 3, 2, false},
                                  c{641, 479, 81, 60, false}, c{2033, 2040, 255, 255, false},
                                  c{2040, 2040, 255, 255, false}, c{2041, 2040, 0, 0, true},
                                  c{2040, 2041, 0, 0, true}, c{16, 2048, 0, 0, true},
                                  c{3840, 2160, 0, 0, true}, c{65535, 65535, 0, 0, true}}) {
        INFO(w << "x" << h);
        synthetic s(w, h, jpeg::type_420, 100);
        const auto p = make(s.f, {});
        header_buffer hb{};
        (void)p.get(0, hb);
        CHECK(u8(hb[6]) == w8);
        CHECK(u8(hb[7]) == h8);
        CHECK(p.needs_x_dimensions() == x);
    }
}

TEST_CASE("jpeg packetizer: packet count and sizing for every scan length", "[rtp][packetizer]") {
    for (std::size_t mtu : {std::size_t{153}, std::size_t{161}, std::size_t{200}, std::size_t{576}}) {
        for (std::uint8_t type : {std::uint8_t{1}, std::uint8_t{65}}) {
            for (std::uint8_t q : {std::uint8_t{255}, std::uint8_t{90}}) {
                synthetic s(48, 32, type, 0, 64, 64, 2);
                const rtp::jpeg_packetizer_options opt{.mtu = mtu, .q = q};
                const std::size_t first_fixed = 12 + 8 + (type >= 64 ? 4 : 0) + (q >= 128 ? 132 : 0);
                if (mtu <= first_fixed) {
                    CHECK(rtp::jpeg_packetizer::create(s.f, opt).error() == errc::mtu_too_small);
                    continue;
                }
                const std::size_t first = mtu - first_fixed;
                const std::size_t other = mtu - (12 + 8 + (type >= 64 ? 4 : 0));
                for (std::size_t n = 0; n <= 1200; ++n) {
                    INFO("mtu " << mtu << " type " << int(type) << " q " << int(q) << " scan " << n);
                    synthetic t(48, 32, type, n, 64, 64, 2);
                    const auto p = make(t.f, opt);
                    const std::size_t expected =
                        n <= first ? 1 : 1 + (n - first + other - 1) / other;
                    REQUIRE(p.packet_count() == expected);
                    if (n % 97 == 0 || n == first || n == first + 1 || n == first + other ||
                        n == first + other + 1) {
                        check_packets(p, opt);
                    }
                }
            }
        }
    }
}

TEST_CASE("jpeg packetizer: zero-length scan gives one header-only packet", "[rtp][packetizer]") {
    synthetic s(16, 16, jpeg::type_420, 0);
    const auto p = make(s.f, {});
    REQUIRE(p.packet_count() == 1);
    header_buffer hb{};
    const auto pk = p.get(0, hb);
    CHECK(pk.scan.empty());
    CHECK(pk.last);
    CHECK(pk.header_size == 140);
}

TEST_CASE("jpeg packetizer: errors", "[rtp][packetizer]") {
    synthetic s(320, 240, jpeg::type_420, 1000);
    using opts = rtp::jpeg_packetizer_options;
    const auto err = [](const jpeg::frame& f, opts o) {
        return rtp::jpeg_packetizer::create(f, o).error();
    };
    SECTION("reserved Q values") {
        for (int q = 0; q < 256; ++q) {
            INFO("q " << q);
            const bool reserved = q == 0 || (q >= 100 && q < 128);
            const auto e = err(s.f, opts{.mtu = 1400, .q = static_cast<std::uint8_t>(q)});
            CHECK(e == (reserved ? errc::invalid_argument : errc{}));
        }
    }
    SECTION("MTU at the exact limit of one scan byte in the first packet") {
        CHECK(err(s.f, opts{.mtu = 12 + 8 + 132, .q = 255}) == errc::mtu_too_small);
        CHECK(err(s.f, opts{.mtu = 12 + 8 + 132 + 1, .q = 255}) == errc{});
        CHECK(err(s.f, opts{.mtu = 12 + 8, .q = 50}) == errc::mtu_too_small);
        CHECK(err(s.f, opts{.mtu = 12 + 8 + 1, .q = 50}) == errc{});
        CHECK(err(s.f, opts{.mtu = 0, .q = 50}) == errc::mtu_too_small);
        synthetic r(320, 240, 65, 1000, 128, 128, 7);
        CHECK(err(r.f, opts{.mtu = 12 + 8 + 4 + 260, .q = 255}) == errc::mtu_too_small);
        const auto p = make(r.f, opts{.mtu = 12 + 8 + 4 + 260 + 1, .q = 255});
        header_buffer hb{};
        CHECK(p.get(0, hb).scan.size() == 1);
        CHECK(p.get(1, hb).scan.size() == 285 - 12 - 8 - 4);
        check_packets(p, opts{.mtu = 12 + 8 + 4 + 260 + 1, .q = 255});
    }
    SECTION("MTU above 16 bits") {
        CHECK(err(s.f, opts{.mtu = 65535, .q = 255}) == errc{});
        CHECK(err(s.f, opts{.mtu = 65536, .q = 255}) == errc::invalid_argument);
    }
    SECTION("scan at the 24-bit fragment offset limit") {
        std::vector<std::byte> big((std::size_t{1} << 24) - 1);
        jpeg::frame f = s.f;
        f.scan = big;
        const opts o{.mtu = 65535, .q = 255};
        const auto p = make(f, o);
        header_buffer hb{};
        const auto last = p.get(p.packet_count() - 1, hb);
        CHECK(last.fragment_offset + last.scan.size() == big.size());
        CHECK(be24(hb.data() + 1) == last.fragment_offset);
        big.push_back(std::byte{0});
        f.scan = big;
        CHECK(err(f, o) == errc::jpeg_too_large);
    }
    SECTION("frames the RFC 2435 header cannot describe") {
        for (int type : {2, 3, 63, 66, 127, 128, 129, 192, 255}) {
            jpeg::frame f = s.f;
            f.type = static_cast<std::uint8_t>(type);
            f.restart_interval = 1;
            CHECK(err(f, {}) == errc::invalid_argument);
        }
        jpeg::frame f = s.f;
        f.width = 0;
        CHECK(err(f, {}) == errc::invalid_argument);
        f = s.f;
        f.height = 0;
        CHECK(err(f, {}) == errc::invalid_argument);
        f = s.f;
        f.type = 65;
        f.restart_interval = 0;
        CHECK(err(f, {}) == errc::invalid_argument);
    }
    SECTION("in-band tables must be 64 or 128 bytes; irrelevant for Q < 128") {
        for (std::size_t size : {0, 1, 63, 65, 127, 129, 192}) {
            synthetic bad_luma(16, 16, 1, 100, size, 64);
            synthetic bad_chroma(16, 16, 1, 100, 64, size);
            CHECK(err(bad_luma.f, opts{.mtu = 1400, .q = 255}) == errc::invalid_argument);
            CHECK(err(bad_chroma.f, opts{.mtu = 1400, .q = 128}) == errc::invalid_argument);
            CHECK(err(bad_luma.f, opts{.mtu = 1400, .q = 75}) == errc{});
        }
    }
}

TEST_CASE("reference depayloader: rejects broken packet sequences", "[rtp][packetizer]") {
    // The round trips below rely on the depayloader being strict; prove that it is.
    const auto img = test::make_test_image(64, 48, 3);
    const auto jpg = test::encode_jpeg(img, {.quality = 75, .restart_interval = 2});
    auto f = jpeg::parse(jpg);
    REQUIRE(f);
    const auto p = make(*f, {.mtu = 200, .q = 255});
    const auto good = test::rtp_packets(p, 100, 9000);
    REQUIRE(good.size() >= 4);
    REQUIRE(test::depayload_rfc2435(good).ok());

    auto expect_error = [](const std::vector<std::vector<std::byte>>& pk, const char* why) {
        const auto r = test::depayload_rfc2435(pk);
        INFO(why);
        CHECK_FALSE(r.ok());
        CHECK(r.jpeg.empty());
    };
    auto v = good;
    v.erase(v.begin() + 2);
    expect_error(v, "missing middle packet");
    v = good;
    std::swap(v[1], v[2]);
    expect_error(v, "reordered packets");
    v = good;
    v.pop_back();
    expect_error(v, "missing last packet");
    v = good;
    v.erase(v.begin());
    expect_error(v, "missing first packet");
    v = good;
    v[1][1] |= std::byte{0x80};
    expect_error(v, "marker on a middle packet");
    v = good;
    v[3][7] ^= std::byte{1};
    expect_error(v, "timestamp changed");
    v = good;
    v[2][12 + 4] = std::byte{1};
    expect_error(v, "type changed");
    v = good;
    v[0][12 + 12 + 3] = std::byte{64};
    expect_error(v, "table length 64");
    v = good;
    v[0][12 + 12 + 1] = std::byte{1};
    expect_error(v, "precision says 16-bit luma but length is 128");
    v = good;
    v[1][12 + 10] = std::byte{0};
    expect_error(v, "restart count not 0x3FFF");
}

// --- round trips with real JPEGs -------------------------------------------------------------

namespace {

struct round_trip_case {
    int width, height, quality;
    test::sampling chroma;
    int restart;
};

// Decoded pixels of the rebuilt JPEG, cropped to the original size (the RTP header carries
// the size in 8-pixel units, so receivers decode up to 7 more columns/rows), must equal the
// decoded pixels of the original exactly.
void check_same_pixels(const test::rgb_image& original, const test::rgb_image& rebuilt) {
    REQUIRE(rebuilt.width >= original.width);
    REQUIRE(rebuilt.height >= original.height);
    std::size_t differing_rows = 0;
    const auto row = static_cast<std::size_t>(original.width) * 3;
    for (int y = 0; y < original.height; ++y) {
        const auto* a = original.pixels.data() + static_cast<std::size_t>(y) * row;
        const auto* b = rebuilt.pixels.data() + static_cast<std::size_t>(y) * rebuilt.width * 3;
        if (std::memcmp(a, b, row) != 0) ++differing_rows;
    }
    CHECK(differing_rows == 0);
}

void round_trip(const round_trip_case& c, std::span<const std::size_t> mtus, bool q_mode,
                unsigned seed) {
    INFO(c.width << "x" << c.height << " quality " << c.quality
                 << (c.chroma == test::sampling::s420 ? " 4:2:0" : " 4:2:2") << " restart "
                 << c.restart << (q_mode ? " (Q mode)" : " (Q=255)"));
    const auto img = test::make_test_image(c.width, c.height, seed);
    const auto jpg = test::encode_jpeg(
        img, {.quality = c.quality, .chroma = c.chroma, .restart_interval = c.restart});
    REQUIRE(!jpg.empty());
    const auto parsed = jpeg::parse(jpg);
    INFO("parse: " << (parsed ? std::string_view("ok") : rtsp::to_string(parsed.error())));
    REQUIRE(parsed);
    const auto& f = *parsed;
    CHECK(f.width == c.width);
    CHECK(f.height == c.height);
    CHECK(f.is_420() == (c.chroma == test::sampling::s420));
    CHECK(f.has_restart_markers() == (c.restart != 0));

    const auto reference = test::decode_jpeg(jpg);
    REQUIRE(reference);

    const bool big = c.width > 2040 || c.height > 2040;
    const test::rfc2435_depayload_options dopt{
        .x_width = big ? static_cast<std::uint16_t>(c.width) : std::uint16_t{0},
        .x_height = big ? static_cast<std::uint16_t>(c.height) : std::uint16_t{0}};
    std::vector<std::byte> first_rebuilt;
    for (std::size_t mtu : mtus) {
        INFO("mtu " << mtu);
        const rtp::jpeg_packetizer_options opt{
            .mtu = mtu, .q = q_mode ? static_cast<std::uint8_t>(c.quality) : std::uint8_t{255}};
        const auto p = make(f, opt);
        CHECK(p.needs_x_dimensions() == big);
        // Sequence numbers start near the wrap to cover it.
        const auto packets = test::rtp_packets(p, static_cast<std::uint16_t>(65530 - mtu % 3),
                                               static_cast<std::uint32_t>(c.quality * 3000));
        for (std::size_t i = 0; i + 1 < packets.size(); ++i) REQUIRE(packets[i].size() == mtu);
        REQUIRE(packets.back().size() <= mtu);
        const auto d = test::depayload_rfc2435(packets, dopt);
        INFO("depayload: " << d.error);
        REQUIRE(d.ok());
        CHECK(d.info.packets == p.packet_count());
        CHECK(d.info.width == (big ? c.width : (c.width + 7) / 8 * 8));
        CHECK(d.info.height == (big ? c.height : (c.height + 7) / 8 * 8));
        // The rebuilt JFIF does not depend on how the frame was cut.
        if (first_rebuilt.empty()) first_rebuilt = d.jpeg;
        else CHECK(d.jpeg == first_rebuilt);
    }
    const auto decoded = test::decode_jpeg(first_rebuilt);
    REQUIRE(decoded);
    check_same_pixels(*reference, *decoded);
}

}  // namespace

TEST_CASE("jpeg packetizer: round trip of libjpeg JPEGs, Q=255", "[rtp][packetizer][roundtrip]") {
    const std::array<std::size_t, 4> mtus = {200, 576, 1400, 1396};
    unsigned seed = 1;
    SECTION("small and medium sizes: every quality, both samplings, with and without DRI") {
        for (auto [w, h] : {std::pair{16, 16}, std::pair{17, 9}, std::pair{320, 240},
                            std::pair{641, 479}}) {
            for (int quality = 10; quality <= 100; quality += 10) {
                for (auto chroma : {test::sampling::s420, test::sampling::s422}) {
                    for (int restart : {0, 1 + quality % 7}) {
                        round_trip({w, h, quality, chroma, restart}, mtus, false, seed++);
                    }
                }
            }
        }
    }
    SECTION("large sizes: a spread of qualities, samplings and restart intervals") {
        const std::array<round_trip_case, 7> cases = {{
            {1280, 720, 10, test::sampling::s420, 0},
            {1280, 720, 55, test::sampling::s422, 8},
            {1280, 720, 100, test::sampling::s420, 80},
            {2040, 2040, 30, test::sampling::s422, 0},
            {2040, 2040, 90, test::sampling::s420, 17},
            {2040, 2040, 100, test::sampling::s422, 1},
            {3840, 2160, 85, test::sampling::s420, 240},  // via x-dimensions
        }};
        for (const auto& c : cases) round_trip(c, mtus, false, seed++);
    }
}

TEST_CASE("jpeg packetizer: round trip with Q 1..99 (IJG tables at the receiver)",
          "[rtp][packetizer][roundtrip]") {
    const std::array<std::size_t, 2> mtus = {576, 1400};
    unsigned seed = 100;
    for (int quality : {1, 5, 10, 25, 49, 50, 51, 75, 90, 99}) {
        round_trip({320, 240, quality, test::sampling::s420, 0}, mtus, true, seed++);
        round_trip({17, 9, quality, test::sampling::s422, 3}, mtus, true, seed++);
    }
}
