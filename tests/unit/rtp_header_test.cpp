// Tests of rtsp/rtp/header.hpp: exact bytes of the fixed header, and read() of every shape and
// every truncation.
#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtsp/rtp/header.hpp"

using rtsp::errc;
namespace rtp = rtsp::rtp;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int x : v) out.push_back(std::byte(x));
    return out;
}

std::array<std::byte, rtp::header_size> written(const rtp::header& h) {
    std::array<std::byte, rtp::header_size> out{};
    rtp::write(h, out);
    return out;
}

// Constant evaluation proves write() and read() are usable at compile time.
constexpr bool constexpr_round_trip() {
    std::array<std::byte, rtp::header_size> buf{};
    rtp::header h{true, 26, 0xBEEF, 0x01020304, 0xCAFEF00D};
    rtp::write(h, buf);
    auto r = rtp::read(buf);
    return r && r->hdr == h && r->payload.empty();
}
static_assert(constexpr_round_trip());

}  // namespace

TEST_CASE("rtp header: write produces the RFC 3550 bytes", "[rtp]") {
    SECTION("marker clear") {
        rtp::header h;
        h.sequence = 0x1234;
        h.timestamp = 0x89ABCDEF;
        h.ssrc = 0x01020304;
        const auto b = written(h);
        CHECK(b == std::array<std::byte, 12>{std::byte{0x80}, std::byte{26}, std::byte{0x12},
                                             std::byte{0x34}, std::byte{0x89}, std::byte{0xAB},
                                             std::byte{0xCD}, std::byte{0xEF}, std::byte{0x01},
                                             std::byte{0x02}, std::byte{0x03}, std::byte{0x04}});
    }
    SECTION("marker set, other payload type, all ones") {
        const auto b = written({true, 96, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
        CHECK(b[0] == std::byte{0x80});
        CHECK(b[1] == std::byte{0x80 | 96});
        for (std::size_t i = 2; i < 12; ++i) CHECK(b[i] == std::byte{0xFF});
    }
    SECTION("payload type is masked to 7 bits, never touching the marker") {
        const auto b = written({false, 0xFF, 0, 0, 0});
        CHECK(b[1] == std::byte{0x7F});
    }
    SECTION("defaults are PT 26, marker clear, zeros") {
        const auto b = written({});
        CHECK(b[0] == std::byte{0x80});
        CHECK(b[1] == std::byte{rtp::payload_type_jpeg});
        for (std::size_t i = 2; i < 12; ++i) CHECK(b[i] == std::byte{0});
    }
    CHECK(rtp::clock_rate_jpeg == 90000);
}

TEST_CASE("rtp header: read round-trips write", "[rtp]") {
    const std::array<rtp::header, 5> cases = {{
        {false, 26, 0, 0, 0},
        {true, 26, 1, 90000, 0x12345678},
        {false, 0, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF},
        {true, 127, 0x8000, 0x80000000, 0x80000000},
        {false, 96, 0x00FF, 0x00FF00FF, 0xFF00FF00},
    }};
    for (const auto& h : cases) {
        std::vector<std::byte> pkt(rtp::header_size + 5);
        rtp::write(h, std::span<std::byte, rtp::header_size>(pkt.data(), rtp::header_size));
        for (std::size_t i = 0; i < 5; ++i) pkt[12 + i] = std::byte(i + 1);
        auto r = rtp::read(pkt);
        REQUIRE(r);
        CHECK(r->hdr == h);
        REQUIRE(r->payload.size() == 5);
        CHECK(r->payload.data() == pkt.data() + 12);  // a view, not a copy
    }
}

TEST_CASE("rtp header: read skips CSRCs and the extension, strips padding", "[rtp]") {
    SECTION("two CSRCs") {
        auto p = bytes({0x82, 26, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,  //
                        1, 1, 1, 1, 2, 2, 2, 2,                   // CSRCs
                        0xAA, 0xBB});
        auto r = rtp::read(p);
        REQUIRE(r);
        CHECK(r->hdr.sequence == 1);
        CHECK(r->hdr.timestamp == 2);
        CHECK(r->hdr.ssrc == 3);
        REQUIRE(r->payload.size() == 2);
        CHECK(r->payload[0] == std::byte{0xAA});
    }
    SECTION("extension of one word after one CSRC") {
        auto p = bytes({0x91, 0x80 | 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                        9, 9, 9, 9,                                       // CSRC
                        0xFF, 0xD8, 0, 1, 7, 7, 7, 7,                    // extension
                        0xCC});
        auto r = rtp::read(p);
        REQUIRE(r);
        CHECK(r->hdr.marker);
        REQUIRE(r->payload.size() == 1);
        CHECK(r->payload[0] == std::byte{0xCC});
    }
    SECTION("padding of 3 bytes") {
        auto p = bytes({0xA0, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 0, 0, 3});
        auto r = rtp::read(p);
        REQUIRE(r);
        REQUIRE(r->payload.size() == 2);
        CHECK(r->payload[1] == std::byte{0x22});
    }
    SECTION("padding that is the whole payload") {
        auto p = bytes({0xA0, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
        auto r = rtp::read(p);
        REQUIRE(r);
        CHECK(r->payload.empty());
    }
    SECTION("everything at once") {
        auto p = bytes({0xB1, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                        1, 2, 3, 4,                              // CSRC
                        0xBE, 0xDE, 0, 0,                        // empty extension
                        0x55, 0, 2});
        auto r = rtp::read(p);
        REQUIRE(r);
        REQUIRE(r->payload.size() == 1);
        CHECK(r->payload[0] == std::byte{0x55});
    }
}

TEST_CASE("rtp header: read rejects bad versions and every truncation", "[rtp]") {
    SECTION("versions 0, 1, 3") {
        for (int v : {0x00, 0x40, 0xC0}) {
            auto p = bytes({v, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
            auto r = rtp::read(p);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::rtp_malformed);
        }
    }
    SECTION("padding count 0 or larger than the payload") {
        for (int pad : {0, 3, 255}) {
            auto p = bytes({0xA0, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, pad});
            auto r = rtp::read(p);
            CHECK_FALSE(r);
        }
        // Padding may not eat into the CSRCs or the extension: here the count byte is the
        // last CSRC byte, and nothing follows the CSRC list.
        auto csrc = bytes({0xA1, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 1});
        CHECK_FALSE(rtp::read(csrc));
        auto ext = bytes({0xB0, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xAB, 0xCD, 0, 0});
        CHECK_FALSE(rtp::read(ext));
        // The same with one more byte: a padding of 1 that is exactly the payload.
        auto ok = bytes({0xA1, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 1, 1});
        REQUIRE(rtp::read(ok));
        CHECK(rtp::read(ok)->payload.empty());
    }
    SECTION("every prefix of packets with CSRCs and an extension") {
        // Each packet's only valid lengths are its full length (and, with no padding, any
        // length at or beyond the headers). Every shorter prefix must fail cleanly.
        const std::vector<std::vector<std::byte>> packets = {
            bytes({0x80, 26, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}),
            bytes({0x82, 26, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1, 1, 1, 2, 2, 2, 2}),
            bytes({0x90, 26, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xAB, 0xCD, 0, 2, 1, 2, 3, 4, 5, 6,
                   7, 8}),
            bytes({0x91, 26, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9, 9, 9, 9, 0xAB, 0xCD, 0, 1, 1, 2,
                   3, 4}),
        };
        for (const auto& full : packets) {
            REQUIRE(rtp::read(full));
            CHECK(rtp::read(full)->payload.empty());
            for (std::size_t n = 0; n < full.size(); ++n) {
                auto r = rtp::read(std::span<const std::byte>(full.data(), n));
                INFO("length " << n << " of " << full.size());
                REQUIRE_FALSE(r);
                CHECK(r.error() == errc::rtp_malformed);
            }
        }
    }
    SECTION("prefixes of a padded packet fail or never expose padding bytes") {
        auto full = bytes({0xA0, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 0, 3});
        REQUIRE(rtp::read(full));
        CHECK(rtp::read(full)->payload.size() == 1);
        for (std::size_t n = 0; n < full.size(); ++n) {
            auto r = rtp::read(std::span<const std::byte>(full.data(), n));
            INFO("length " << n);
            if (n < 12) {
                CHECK_FALSE(r);
            } else if (r) {
                // A prefix is a different packet whose last byte is a padding count; if
                // accepted, the payload lies inside the prefix.
                CHECK(r->payload.data() + r->payload.size() <= full.data() + n);
            }
        }
    }
}
