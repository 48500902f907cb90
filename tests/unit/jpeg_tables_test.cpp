// Tests of rtsp/jpeg/standard_tables.hpp against what libjpeg writes: libjpeg's default DHTs
// are the T.81 Annex K.3 tables, and its quality scaling with force_baseline is RFC 2435
// Appendix A, so both must match our constants byte for byte.
#include <rtsp/jpeg/standard_tables.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "jpeg_codec.hpp"

namespace {

using rtsp::jpeg::ijg_quant_tables;
using rtsp::jpeg::standard_huffman_table;

unsigned u8(std::byte b) { return std::to_integer<unsigned>(b); }

struct segment {
    unsigned marker;
    std::vector<std::uint8_t> body;  // without marker and length
};

// Header segments of a libjpeg output, SOI excluded, up to and including SOS.
std::vector<segment> header_segments(const std::vector<std::byte>& j) {
    std::vector<segment> out;
    std::size_t pos = 2;
    while (pos + 4 <= j.size()) {
        REQUIRE(u8(j[pos]) == 0xFF);
        const unsigned m = u8(j[pos + 1]);
        const std::size_t len = u8(j[pos + 2]) << 8 | u8(j[pos + 3]);
        REQUIRE(pos + 2 + len <= j.size());
        segment s{m, {}};
        for (std::size_t i = pos + 4; i < pos + 2 + len; ++i) s.body.push_back(std::uint8_t(u8(j[i])));
        out.push_back(std::move(s));
        pos += 2 + len;
        if (m == 0xDA) break;
    }
    return out;
}

// DQT tables by id, in zigzag order, 8-bit only (force_baseline guarantees that).
std::map<unsigned, std::vector<std::uint8_t>> dqt_tables(const std::vector<segment>& segs) {
    std::map<unsigned, std::vector<std::uint8_t>> t;
    for (const auto& s : segs) {
        if (s.marker != 0xDB) continue;
        for (std::size_t p = 0; p < s.body.size(); p += 65) {
            REQUIRE((s.body[p] >> 4) == 0);
            REQUIRE(p + 65 <= s.body.size());
            t[s.body[p] & 0x0F].assign(s.body.begin() + p + 1, s.body.begin() + p + 65);
        }
    }
    return t;
}

// DHT tables keyed by (class, id), in DHT form (BITS + HUFFVAL).
std::map<std::pair<unsigned, unsigned>, std::vector<std::uint8_t>> dht_tables(
    const std::vector<segment>& segs) {
    std::map<std::pair<unsigned, unsigned>, std::vector<std::uint8_t>> t;
    for (const auto& s : segs) {
        if (s.marker != 0xC4) continue;
        std::size_t p = 0;
        while (p < s.body.size()) {
            REQUIRE(p + 17 <= s.body.size());
            std::size_t n = 0;
            for (std::size_t i = 0; i < 16; ++i) n += s.body[p + 1 + i];
            REQUIRE(p + 17 + n <= s.body.size());
            t[{s.body[p] >> 4, s.body[p] & 0x0Fu}].assign(s.body.begin() + p + 1,
                                                         s.body.begin() + p + 17 + n);
            p += 17 + n;
        }
    }
    return t;
}

template <std::size_t N>
std::size_t huffval_count(const std::array<std::uint8_t, N>& t) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < 16; ++i) n += t[i];
    return n;
}

}  // namespace

TEST_CASE("standard Huffman tables are well-formed DHT bodies", "[jpeg][tables]") {
    CHECK(huffval_count(rtsp::jpeg::dc_luma_huffman) + 16 == rtsp::jpeg::dc_luma_huffman.size());
    CHECK(huffval_count(rtsp::jpeg::dc_chroma_huffman) + 16 ==
          rtsp::jpeg::dc_chroma_huffman.size());
    CHECK(huffval_count(rtsp::jpeg::ac_luma_huffman) + 16 == rtsp::jpeg::ac_luma_huffman.size());
    CHECK(huffval_count(rtsp::jpeg::ac_chroma_huffman) + 16 ==
          rtsp::jpeg::ac_chroma_huffman.size());
    // Every AC symbol appears exactly once (162 = 160 run/size pairs + EOB + ZRL).
    for (auto t : {standard_huffman_table(1, 0), standard_huffman_table(1, 1)}) {
        std::vector<std::uint8_t> v(t.begin() + 16, t.end());
        std::sort(v.begin(), v.end());
        CHECK(std::adjacent_find(v.begin(), v.end()) == v.end());
        CHECK(v.size() == 162);
    }
    CHECK(standard_huffman_table(0, 2).empty());
    CHECK(standard_huffman_table(1, 3).empty());
    CHECK(standard_huffman_table(2, 0).empty());
    static_assert(standard_huffman_table(1, 1).size() == 178);
}

TEST_CASE("libjpeg's default DHT segments equal the Annex K.3 tables", "[jpeg][tables]") {
    const auto img = rtsp::test::make_test_image(48, 32, 7);
    for (auto chroma : {rtsp::test::sampling::s420, rtsp::test::sampling::s422}) {
        const auto j = rtsp::test::encode_jpeg(img, {.quality = 80, .chroma = chroma});
        REQUIRE(!j.empty());
        const auto dht = dht_tables(header_segments(j));
        REQUIRE(dht.size() == 4);
        for (const auto& [key, body] : dht) {
            const auto expected = standard_huffman_table(key.first, key.second);
            INFO("class " << key.first << " id " << key.second);
            CHECK(std::vector<std::uint8_t>(expected.begin(), expected.end()) == body);
        }
    }
    // And an optimized encode is really different (so the comparison above can fail).
    const auto opt = rtsp::test::encode_jpeg(img, {.optimize_huffman = true});
    const auto dht = dht_tables(header_segments(opt));
    bool any_different = false;
    for (const auto& [key, body] : dht) {
        const auto expected = standard_huffman_table(key.first, key.second);
        any_different |= std::vector<std::uint8_t>(expected.begin(), expected.end()) != body;
    }
    CHECK(any_different);
}

TEST_CASE("zigzag order is a permutation and the bases match K.1/K.2", "[jpeg][tables]") {
    std::vector<int> seen(64, 0);
    for (auto i : rtsp::jpeg::zigzag_order) ++seen[i];
    CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
    // Spot values of T.81 K.1/K.2 in zigzag order.
    CHECK(rtsp::jpeg::luma_quant_base[0] == 16);
    CHECK(rtsp::jpeg::luma_quant_base[1] == 11);
    CHECK(rtsp::jpeg::luma_quant_base[2] == 12);
    CHECK(rtsp::jpeg::luma_quant_base[63] == 99);
    CHECK(rtsp::jpeg::chroma_quant_base[0] == 17);
    CHECK(rtsp::jpeg::chroma_quant_base[2] == 18);
    CHECK(rtsp::jpeg::chroma_quant_base[63] == 99);
    // Q = 50 is a scale factor of 100 %: the base tables themselves.
    static_assert(ijg_quant_tables(50).luma == rtsp::jpeg::luma_quant_base);
    static_assert(ijg_quant_tables(50).chroma == rtsp::jpeg::chroma_quant_base);
}

TEST_CASE("ijg_quant_tables(q) equals libjpeg's tables at quality q for q = 1..99",
          "[jpeg][tables]") {
    const auto img = rtsp::test::make_test_image(16, 16, 2);
    for (int q = 1; q <= 99; ++q) {
        INFO("quality " << q);
        const auto j = rtsp::test::encode_jpeg(img, {.quality = q});
        REQUIRE(!j.empty());
        const auto dqt = dqt_tables(header_segments(j));
        REQUIRE(dqt.size() == 2);
        const auto t = ijg_quant_tables(q);
        CHECK(dqt.at(0) == std::vector<std::uint8_t>(t.luma.begin(), t.luma.end()));
        CHECK(dqt.at(1) == std::vector<std::uint8_t>(t.chroma.begin(), t.chroma.end()));
    }
}

TEST_CASE("ijg_quant_tables clamps Q and its entries", "[jpeg][tables]") {
    // Q 1: factor 5000 %, nearly everything clamps to 255 (16*50 = 800).
    constexpr auto low = ijg_quant_tables(1);
    static_assert(low.luma[0] == 255 && low.chroma[63] == 255);
    // Q 99: factor 2 %, (16*2+50)/100 = 0 -> clamped up to 1.
    constexpr auto high = ijg_quant_tables(99);
    static_assert(high.luma[0] == 1);
    CHECK(ijg_quant_tables(0).luma == ijg_quant_tables(1).luma);
    CHECK(ijg_quant_tables(-5).chroma == ijg_quant_tables(1).chroma);
    CHECK(ijg_quant_tables(100).luma == ijg_quant_tables(99).luma);
    CHECK(ijg_quant_tables(127).chroma == ijg_quant_tables(99).chroma);
    CHECK(ijg_quant_tables(75).luma != ijg_quant_tables(76).luma);
}
