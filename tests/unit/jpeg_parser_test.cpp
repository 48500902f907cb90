// Tests of rtsp/jpeg/parser.hpp: real libjpeg output across qualities, samplings, restart
// intervals and sizes must parse into the exact DQT bytes and the exact scan bytes; every
// property RFC 2435 cannot carry must be refused with its specific errc; every truncation and
// random corruption must fail cleanly (run under ASan to catch out-of-bounds reads).
#include <rtsp/jpeg/parser.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "jpeg_codec.hpp"

namespace {

using rtsp::errc;
using rtsp::jpeg::frame;
using rtsp::jpeg::parse;
using rtsp::test::encode_jpeg;
using rtsp::test::encode_options;
using rtsp::test::make_test_image;
using rtsp::test::sampling;
using bytes = std::vector<std::byte>;

unsigned u8(std::byte b) { return std::to_integer<unsigned>(b); }

bytes make(std::initializer_list<int> v) {
    bytes out;
    for (int x : v) out.push_back(std::byte(static_cast<unsigned char>(x)));
    return out;
}

// "ok" or the error's message: Catch prints string_views, so a failure names both codes.
std::string_view outcome(const rtsp::result<frame>& r) {
    return r ? std::string_view("ok") : rtsp::to_string(r.error());
}
std::string_view name(errc e) { return rtsp::to_string(e); }

// Offsets (of the 0xFF) of the header segments of a well-formed JPEG, up to and including SOS.
struct seg {
    std::size_t at;   // offset of 0xFF
    unsigned marker;
    std::size_t len;  // the length field (includes itself)
    std::size_t end() const { return at + 2 + len; }
};
std::vector<seg> segments(const bytes& j) {
    std::vector<seg> out;
    std::size_t pos = 2;
    while (pos + 4 <= j.size() && u8(j[pos]) == 0xFF) {
        const unsigned m = u8(j[pos + 1]);
        const std::size_t len = u8(j[pos + 2]) << 8 | u8(j[pos + 3]);
        out.push_back({pos, m, len});
        pos += 2 + len;
        if (m == 0xDA) break;
    }
    return out;
}
seg find(const bytes& j, unsigned marker, int nth = 0) {
    for (const auto& s : segments(j)) {
        if (s.marker == marker && nth-- == 0) return s;
    }
    FAIL("marker not found");
    return {};
}
std::size_t count(const bytes& j, unsigned marker) {
    std::size_t n = 0;
    for (const auto& s : segments(j)) n += s.marker == marker;
    return n;
}
bytes segment_bytes(unsigned marker, const bytes& body) {
    bytes out = make({0xFF, int(marker), int((body.size() + 2) >> 8), int((body.size() + 2) & 0xFF)});
    out.insert(out.end(), body.begin(), body.end());
    return out;
}
void insert_at(bytes& j, std::size_t at, const bytes& b) { j.insert(j.begin() + at, b.begin(), b.end()); }
void erase_segment(bytes& j, unsigned marker, int nth = 0) {
    const auto s = find(j, marker, nth);
    j.erase(j.begin() + s.at, j.begin() + s.end());
}
void set(bytes& j, std::size_t at, int v) { j.at(at) = std::byte(static_cast<unsigned char>(v)); }
void set_be16(bytes& j, std::size_t at, unsigned v) {
    set(j, at, int(v >> 8));
    set(j, at + 1, int(v & 0xFF));
}

// SOF0 field offsets relative to the 0xFF of the segment.
constexpr std::size_t sof_precision = 4, sof_height = 5, sof_width = 7, sof_ncomp = 9;
constexpr std::size_t sof_comp(std::size_t i) { return 10 + 3 * i; }  // id, HV, Tq

// The exact DQT table bytes (after Pq/Tq) for table `id`, from the last DQT defining it.
bytes dqt_table(const bytes& j, unsigned id) {
    bytes found;
    for (const auto& s : segments(j)) {
        if (s.marker != 0xDB) continue;
        for (std::size_t p = s.at + 4; p < s.end();) {
            const std::size_t n = (u8(j[p]) >> 4) ? 128 : 64;
            if ((u8(j[p]) & 0x0F) == id) found.assign(j.begin() + p + 1, j.begin() + p + 1 + n);
            p += 1 + n;
        }
    }
    return found;
}
bytes to_vec(std::span<const std::byte> s) { return bytes(s.begin(), s.end()); }

// Scan bytes of a libjpeg JPEG: after the SOS segment up to the final FF D9.
std::span<const std::byte> expected_scan(const bytes& j) {
    const auto sos = find(j, 0xDA);
    REQUIRE(u8(j[j.size() - 2]) == 0xFF);
    REQUIRE(u8(j[j.size() - 1]) == 0xD9);
    return std::span(j).subspan(sos.end(), j.size() - 2 - sos.end());
}

// What an RFC 2435 receiver does: rebuild a JPEG from the frame alone (fixed SOF0 layout,
// standard DHTs, one interleaved scan).
bytes rebuild(const frame& f) {
    bytes out = make({0xFF, 0xD8});
    auto put_dqt = [&](int id, const rtsp::jpeg::quant_table& t) {
        bytes body{std::byte(static_cast<unsigned char>((t.sixteen_bit() ? 0x10 : 0) | id))};
        body.insert(body.end(), t.data.begin(), t.data.end());
        const auto s = segment_bytes(0xDB, body);
        out.insert(out.end(), s.begin(), s.end());
    };
    put_dqt(0, f.luma);
    put_dqt(1, f.chroma);
    const auto sof = segment_bytes(
        0xC0, make({8, f.height >> 8, f.height & 0xFF, f.width >> 8, f.width & 0xFF, 3, 1,
                    f.is_420() ? 0x22 : 0x21, 0, 2, 0x11, 1, 3, 0x11, 1}));
    out.insert(out.end(), sof.begin(), sof.end());
    for (unsigned cls = 0; cls < 2; ++cls) {
        for (unsigned id = 0; id < 2; ++id) {
            const auto t = rtsp::jpeg::standard_huffman_table(cls, id);
            bytes body{std::byte(static_cast<unsigned char>(cls << 4 | id))};
            for (auto v : t) body.push_back(std::byte(v));
            const auto s = segment_bytes(0xC4, body);
            out.insert(out.end(), s.begin(), s.end());
        }
    }
    if (f.has_restart_markers()) {
        const auto dri = segment_bytes(0xDD, make({f.restart_interval >> 8, f.restart_interval & 0xFF}));
        out.insert(out.end(), dri.begin(), dri.end());
    }
    const auto sos = segment_bytes(0xDA, make({3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0}));
    out.insert(out.end(), sos.begin(), sos.end());
    out.insert(out.end(), f.scan.begin(), f.scan.end());
    out.push_back(std::byte{0xFF});
    out.push_back(std::byte{0xD9});
    return out;
}

bytes small_jpeg(encode_options o = {}) { return encode_jpeg(make_test_image(32, 24, 5), o); }

std::size_t count_rst(std::span<const std::byte> scan) {
    std::size_t n = 0;
    for (std::size_t i = 0; i + 1 < scan.size(); ++i) {
        if (u8(scan[i]) == 0xFF && u8(scan[i + 1]) >= 0xD0 && u8(scan[i + 1]) <= 0xD7) ++n;
    }
    return n;
}

// A hand-made minimal JPEG, usable in constant expressions: 16x8 4:2:2, one 8-bit table.
constexpr auto tiny_jpeg = [] {
    std::array<std::byte, 2 + 69 + 19 + 14 + 4 + 2> out{};
    std::size_t n = 0;
    auto put = [&](std::initializer_list<int> v) {
        for (int x : v) out[n++] = std::byte(static_cast<unsigned char>(x));
    };
    put({0xFF, 0xD8});                                          // SOI
    put({0xFF, 0xDB, 0x00, 0x43, 0x00});                        // DQT id 0 ...
    for (int i = 0; i < 64; ++i) put({1});                      // ... 64 entries of 1
    put({0xFF, 0xC0, 0x00, 0x11, 8, 0x00, 0x08, 0x00, 0x10, 3,  // SOF0 8 high, 16 wide
         1, 0x21, 0, 2, 0x11, 0, 3, 0x11, 0});
    put({0xFF, 0xDA, 0x00, 0x0C, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0});  // SOS
    put({0x12, 0xFF, 0x00, 0x34});                              // scan, with FF00 stuffing
    put({0xFF, 0xD9});                                          // EOI
    return n == out.size() ? out : decltype(out){};
}();

}  // namespace

// ---------------------------------------------------------------------------------------------
// The test codec itself (other tests rely on it, so it gets a sanity check here).

TEST_CASE("jpeg_codec: encode/decode round trip, failures reported", "[jpeg][codec]") {
    const auto img = make_test_image(40, 24, 9);
    CHECK(img.pixels == make_test_image(40, 24, 9).pixels);
    CHECK(img.pixels != make_test_image(40, 24, 10).pixels);
    const auto j = encode_jpeg(img, {.quality = 100, .chroma = sampling::s444});
    const auto d = rtsp::test::decode_jpeg(j);
    REQUIRE(d);
    CHECK(d->width == 40);
    CHECK(d->height == 24);
    long err = 0;
    for (std::size_t i = 0; i < img.pixels.size(); ++i) err += std::abs(int(img.pixels[i]) - int(d->pixels[i]));
    CHECK(err / long(img.pixels.size()) <= 2);  // quality 100, no subsampling: near lossless
    CHECK_FALSE(rtsp::test::decode_jpeg(std::span(j).first(j.size() / 2)));
    CHECK_FALSE(rtsp::test::decode_jpeg(make({0xFF, 0xD8, 0xFF, 0xD9})));
    CHECK_FALSE(rtsp::test::decode_jpeg({}));
    CHECK(encode_jpeg(rtsp::test::rgb_image{}).empty());
}

// ---------------------------------------------------------------------------------------------
// Valid input

TEST_CASE("parse: constexpr on a hand-made JPEG", "[jpeg][parser]") {
    constexpr auto r = parse(tiny_jpeg);
    static_assert(r.has_value());
    static_assert(r->width == 16 && r->height == 8);
    static_assert(r->type == rtsp::jpeg::type_422 && r->restart_interval == 0);
    static_assert(r->scan.size() == 4);
    static_assert(r->luma.data.size() == 64 && r->chroma.data.data() == r->luma.data.data());
    CHECK(r->scan.data() == tiny_jpeg.data() + tiny_jpeg.size() - 6);
}

TEST_CASE("parse: libjpeg output over qualities, samplings, restart intervals and sizes",
          "[jpeg][parser]") {
    struct dims { int w, h; };
    const dims sizes[] = {{16, 16}, {1, 1}, {17, 9}, {8, 8}, {64, 48}, {641, 479}};
    int checked = 0;
    for (const auto d : sizes) {
        const auto img = make_test_image(d.w, d.h, unsigned(d.w));
        for (int q : {10, 25, 50, 75, 90, 95, 100}) {
            for (auto chroma : {sampling::s420, sampling::s422}) {
                for (int ri : {0, 1, 3}) {
                    if (d.w > 100 && q != 75 && q != 100) continue;  // keep runtime modest
                    INFO(d.w << "x" << d.h << " q" << q << " 420=" << (chroma == sampling::s420)
                              << " ri" << ri);
                    const auto j = encode_jpeg(img, {.quality = q, .chroma = chroma,
                                                     .restart_interval = ri});
                    REQUIRE(!j.empty());
                    const auto r = parse(j);
                    REQUIRE(outcome(r) == "ok");
                    const bool is420 = chroma == sampling::s420;
                    CHECK(r->width == d.w);
                    CHECK(r->height == d.h);
                    CHECK(r->type == (is420 ? 1 : 0) + (ri ? 64 : 0));
                    CHECK(r->is_420() == is420);
                    CHECK(r->restart_interval == ri);
                    CHECK(r->has_restart_markers() == (ri != 0));
                    CHECK(to_vec(r->luma.data) == dqt_table(j, 0));
                    CHECK(to_vec(r->chroma.data) == dqt_table(j, 1));
                    CHECK_FALSE(r->luma.sixteen_bit());
                    const auto scan = expected_scan(j);
                    CHECK(r->scan.data() == scan.data());  // a view, not a copy
                    CHECK(r->scan.size() == scan.size());
                    const int mcu_w = 16, mcu_h = is420 ? 16 : 8;
                    const std::size_t mcus = std::size_t((d.w + mcu_w - 1) / mcu_w) *
                                             std::size_t((d.h + mcu_h - 1) / mcu_h);
                    CHECK(count_rst(r->scan) == (ri ? (mcus - 1) / std::size_t(ri) : 0));
                    ++checked;
                }
            }
        }
    }
    CHECK(checked == 5 * 7 * 2 * 3 + 2 * 2 * 3);
}

TEST_CASE("parse: a receiver rebuilding the JPEG from the frame decodes the same pixels",
          "[jpeg][parser]") {
    const auto img = make_test_image(97, 61, 3);
    for (int q : {20, 90}) {
        for (auto chroma : {sampling::s420, sampling::s422}) {
            for (int ri : {0, 2}) {
                const auto j = encode_jpeg(img, {.quality = q, .chroma = chroma, .restart_interval = ri});
                const auto r = parse(j);
                REQUIRE(r);
                const auto original = rtsp::test::decode_jpeg(j);
                const auto rebuilt = rtsp::test::decode_jpeg(rebuild(*r));
                REQUIRE(original);
                REQUIRE(rebuilt);
                CHECK(rebuilt->width == 97);
                CHECK(rebuilt->pixels == original->pixels);
            }
        }
    }
}

TEST_CASE("parse: 2040x2040 (the RFC 2435 maximum) and larger headers", "[jpeg][parser]") {
    const auto j = encode_jpeg(make_test_image(2040, 2040, 1), {.quality = 50, .restart_interval = 8});
    const auto r = parse(j);
    REQUIRE(r);
    CHECK(r->width == 2040);
    CHECK(r->height == 2040);
    CHECK(r->type == 65);
    CHECK(r->scan.size() == expected_scan(j).size());

    // 65535x65535 over a tiny scan: the scan cannot hold 16.7 million MCUs, and a receiver
    // would allocate the declared 12 GiB frame. Refused.
    auto big = small_jpeg();
    const auto sof = find(big, 0xC0);
    set_be16(big, sof.at + sof_width, 65535);
    set_be16(big, sof.at + sof_height, 65535);
    CHECK(parse(big).error() == rtsp::errc::jpeg_scan_too_short);

    // The bound is tight enough to be honest: a real all-gray 4:2:0 frame (the cheapest content
    // there is) still parses.
    rtsp::test::rgb_image gray{256, 256, std::vector<std::uint8_t>(256 * 256 * 3, 128)};
    const auto flat = encode_jpeg(gray, {.quality = 10});
    const auto rf = parse(flat);
    REQUIRE(rf);
    CHECK(rf->scan.size() * 8 >= (256 / 16) * (256 / 16) * 32u);
}

TEST_CASE("parse: 16-bit DQT tables are passed through as 128-byte views", "[jpeg][parser]") {
    auto j = small_jpeg({.quality = 60});
    const auto original = rtsp::test::decode_jpeg(j);
    const bytes t0 = dqt_table(j, 0);
    // Rewrite table 0 as 16-bit: same values, two bytes each.
    bytes body{std::byte{0x10}};
    for (auto v : t0) { body.push_back(std::byte{0}); body.push_back(v); }
    const auto dqt0 = find(j, 0xDB, 0);
    j.erase(j.begin() + dqt0.at, j.begin() + dqt0.end());
    insert_at(j, dqt0.at, segment_bytes(0xDB, body));
    const auto r = parse(j);
    REQUIRE(r);
    CHECK(r->luma.sixteen_bit());
    CHECK(r->luma.data.size() == 128);
    CHECK(to_vec(r->luma.data) == bytes(body.begin() + 1, body.end()));
    CHECK_FALSE(r->chroma.sixteen_bit());
    // The edit kept the JPEG meaning the same (so the test built what it meant to).
    const auto decoded = rtsp::test::decode_jpeg(j);
    REQUIRE(decoded);
    CHECK(decoded->pixels == original->pixels);
}

TEST_CASE("parse: one DQT segment holding two tables equals two segments", "[jpeg][parser]") {
    const auto j = small_jpeg({.quality = 70});
    const auto two = parse(j);
    REQUIRE(two);
    REQUIRE(count(j, 0xDB) == 2);
    auto merged = j;
    const auto a = find(j, 0xDB, 0), b = find(j, 0xDB, 1);
    bytes body(j.begin() + a.at + 4, j.begin() + a.end());
    body.insert(body.end(), j.begin() + b.at + 4, j.begin() + b.end());
    merged.erase(merged.begin() + a.at, merged.begin() + b.end());
    insert_at(merged, a.at, segment_bytes(0xDB, body));
    REQUIRE(count(merged, 0xDB) == 1);
    const auto one = parse(merged);
    REQUIRE(one);
    CHECK(to_vec(one->luma.data) == to_vec(two->luma.data));
    CHECK(to_vec(one->chroma.data) == to_vec(two->chroma.data));
    CHECK(to_vec(one->scan) == to_vec(two->scan));
    CHECK(to_vec(one->luma.data) != to_vec(one->chroma.data));
}

TEST_CASE("parse: one table shared by all components gives chroma == luma", "[jpeg][parser]") {
    auto j = small_jpeg();
    erase_segment(j, 0xDB, 1);
    const auto sof = find(j, 0xC0);
    set(j, sof.at + sof_comp(1) + 2, 0);
    set(j, sof.at + sof_comp(2) + 2, 0);
    const auto r = parse(j);
    REQUIRE(r);
    CHECK(r->chroma.data.data() == r->luma.data.data());
    CHECK(r->chroma.data.size() == 64);
}

TEST_CASE("parse: a later DQT with the same id replaces the earlier table", "[jpeg][parser]") {
    auto j = small_jpeg();
    bytes body{std::byte{0x00}};
    for (int i = 0; i < 64; ++i) body.push_back(std::byte(static_cast<unsigned char>(i + 1)));
    insert_at(j, find(j, 0xDA).at, segment_bytes(0xDB, body));
    const auto r = parse(j);
    REQUIRE(r);
    CHECK(to_vec(r->luma.data) == bytes(body.begin() + 1, body.end()));
    CHECK(to_vec(r->chroma.data) == dqt_table(small_jpeg(), 1));
}

TEST_CASE("parse: APPn, COM, EXIF-like segments and fill bytes are skipped", "[jpeg][parser]") {
    const auto plain = small_jpeg({.restart_interval = 2});
    const auto ref = parse(plain);
    REQUIRE(ref);
    auto j = plain;
    bytes exif = make({'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42});
    exif.resize(3000, std::byte{0xFF});  // 0xFF inside a segment body means nothing
    insert_at(j, 2, segment_bytes(0xE1, exif));
    insert_at(j, find(j, 0xC0).at, segment_bytes(0xFE, make({'h', 'i', 0xFF, 0xD9})));
    insert_at(j, find(j, 0xDD).at, segment_bytes(0xEF, {}));
    insert_at(j, find(j, 0xDA).at, make({0xFF, 0xFF, 0xFF}));  // fill bytes before SOS
    const auto r = parse(j);
    REQUIRE(outcome(r) == "ok");
    CHECK(r->width == ref->width);
    CHECK(r->type == ref->type);
    CHECK(r->restart_interval == 2);
    CHECK(to_vec(r->luma.data) == to_vec(ref->luma.data));
    CHECK(to_vec(r->chroma.data) == to_vec(ref->chroma.data));
    CHECK(to_vec(r->scan) == to_vec(ref->scan));
}

TEST_CASE("parse: no DHT at all (motion-JPEG style) means the standard tables", "[jpeg][parser]") {
    auto j = small_jpeg();
    while (count(j, 0xC4) != 0) erase_segment(j, 0xC4);
    const auto r = parse(j);
    REQUIRE(r);
    CHECK(to_vec(r->scan) == to_vec(expected_scan(j)));
}

TEST_CASE("parse: DRI with interval 0 means no restart markers", "[jpeg][parser]") {
    auto j = small_jpeg();
    insert_at(j, find(j, 0xDA).at, segment_bytes(0xDD, make({0, 0})));
    const auto r = parse(j);
    REQUIRE(r);
    CHECK(r->type == 1);
    CHECK(r->restart_interval == 0);
    CHECK_FALSE(r->has_restart_markers());
}

TEST_CASE("parse: data after EOI is ignored; fill bytes before EOI are not scan", "[jpeg][parser]") {
    const auto plain = small_jpeg();
    const auto scan = to_vec(expected_scan(plain));
    auto j = plain;
    const auto tail = make({0x00, 0xFF, 0xD8, 0xFF, 0xDA, 0x12});
    j.insert(j.end(), tail.begin(), tail.end());
    auto r = parse(j);
    REQUIRE(r);
    CHECK(to_vec(r->scan) == scan);

    j = plain;
    insert_at(j, j.size() - 2, make({0xFF, 0xFF}));
    r = parse(j);
    REQUIRE(r);
    CHECK(to_vec(r->scan) == scan);
}

TEST_CASE("parse: scan size limit is 2^24 - 1 bytes", "[jpeg][parser]") {
    const auto plain = small_jpeg();
    const std::size_t header_end = find(plain, 0xDA).end();
    auto with_scan = [&](std::size_t n) {
        bytes j(plain.begin(), plain.begin() + header_end);
        j.resize(header_end + n, std::byte{0x5A});
        j.push_back(std::byte{0xFF});
        j.push_back(std::byte{0xD9});
        return j;
    };
    const auto at_limit = parse(with_scan(rtsp::jpeg::max_scan_size));
    REQUIRE(at_limit);
    CHECK(at_limit->scan.size() == (1u << 24) - 1);
    CHECK(outcome(parse(with_scan(rtsp::jpeg::max_scan_size + 1))) == name(errc::jpeg_too_large));
}

// ---------------------------------------------------------------------------------------------
// What RFC 2435 cannot carry, and broken structure: one specific errc each.

TEST_CASE("parse: not a JPEG", "[jpeg][parser][errors]") {
    CHECK(outcome(parse({})) == name(errc::jpeg_not_jpeg));
    CHECK(outcome(parse(make({0xFF}))) == name(errc::jpeg_not_jpeg));
    CHECK(outcome(parse(make({'G', 'I', 'F', '8', '9', 'a'}))) == name(errc::jpeg_not_jpeg));
    CHECK(outcome(parse(make({0xFF, 0xD9, 0xFF, 0xD8}))) == name(errc::jpeg_not_jpeg));
    CHECK(outcome(parse(make({0x00, 0xFF, 0xD8}))) == name(errc::jpeg_not_jpeg));
}

TEST_CASE("parse: coding processes RFC 2435 cannot carry", "[jpeg][parser][errors]") {
    CHECK(outcome(parse(small_jpeg({.progressive = true}))) == name(errc::jpeg_progressive));
    CHECK(outcome(parse(small_jpeg({.arithmetic = true}))) == name(errc::jpeg_arithmetic));
    // SOF10: progressive wins over arithmetic (documented rule: process before entropy coding).
    CHECK(outcome(parse(small_jpeg({.progressive = true, .arithmetic = true}))) ==
          name(errc::jpeg_progressive));

    // Every other frame marker, patched into a baseline JPEG.
    struct row { int marker; errc expected; };
    const row rows[] = {
        {0xC1, errc::jpeg_extended},    {0xC2, errc::jpeg_progressive},
        {0xC3, errc::jpeg_lossless},    {0xC5, errc::jpeg_lossless},
        {0xC6, errc::jpeg_progressive}, {0xC7, errc::jpeg_lossless},
        {0xC8, errc::jpeg_bad_segment}, {0xC9, errc::jpeg_arithmetic},
        {0xCA, errc::jpeg_progressive}, {0xCB, errc::jpeg_lossless},
        {0xCD, errc::jpeg_lossless},    {0xCE, errc::jpeg_progressive},
        {0xCF, errc::jpeg_lossless},
    };
    for (const auto& [marker, expected] : rows) {
        auto j = small_jpeg();
        set(j, find(j, 0xC0).at + 1, marker);
        INFO("SOF marker " << marker);
        CHECK(outcome(parse(j)) == name(expected));
    }
    // DAC (arithmetic conditioning) anywhere in the header.
    auto dac = small_jpeg();
    insert_at(dac, find(dac, 0xDA).at, segment_bytes(0xCC, make({0x00, 0x10})));
    CHECK(outcome(parse(dac)) == name(errc::jpeg_arithmetic));
    // DHP / EXP: hierarchical mode.
    for (int m : {0xDE, 0xDF}) {
        auto j = small_jpeg();
        insert_at(j, find(j, 0xC0).at, segment_bytes(unsigned(m), make({0})));
        CHECK(outcome(parse(j)) == name(errc::jpeg_lossless));
    }
}

TEST_CASE("parse: precision other than 8 bits", "[jpeg][parser][errors]") {
    auto j = small_jpeg();
    set(j, find(j, 0xC0).at + sof_precision, 12);
    CHECK(outcome(parse(j)) == name(errc::jpeg_precision));
}

TEST_CASE("parse: component counts other than 3", "[jpeg][parser][errors]") {
    CHECK(outcome(parse(small_jpeg({.grayscale = true}))) == name(errc::jpeg_component_count));

    // 4 components (CMYK-like): a consistent SOF0 with a fourth component appended.
    auto four = small_jpeg();
    auto sof = find(four, 0xC0);
    insert_at(four, sof.end(), make({4, 0x11, 1}));
    set_be16(four, sof.at + 2, unsigned(sof.len + 3));
    set(four, sof.at + sof_ncomp, 4);
    CHECK(outcome(parse(four)) == name(errc::jpeg_component_count));

    // 0 components: a consistent 8-byte SOF0.
    auto zero = small_jpeg();
    sof = find(zero, 0xC0);
    zero.erase(zero.begin() + sof.at + 10, zero.begin() + sof.end());
    set_be16(zero, sof.at + 2, 8);
    set(zero, sof.at + sof_ncomp, 0);
    CHECK(outcome(parse(zero)) == name(errc::jpeg_component_count));
}

TEST_CASE("parse: zero width or height", "[jpeg][parser][errors]") {
    for (std::size_t field : {sof_width, sof_height}) {
        auto j = small_jpeg();
        set_be16(j, find(j, 0xC0).at + field, 0);
        CHECK(outcome(parse(j)) == name(errc::jpeg_zero_dimension));
    }
}

TEST_CASE("parse: samplings RFC 2435 cannot carry", "[jpeg][parser][errors]") {
    // 4:4:4 has luma 0x11: reported as the luma sampling (luma is checked first).
    CHECK(outcome(parse(small_jpeg({.chroma = sampling::s444}))) == name(errc::jpeg_luma_sampling));
    for (int luma : {0x12, 0x11, 0x41, 0x42, 0x00, 0x44}) {
        auto j = small_jpeg();
        set(j, find(j, 0xC0).at + sof_comp(0) + 1, luma);
        INFO("luma sampling " << luma);
        CHECK(outcome(parse(j)) == name(errc::jpeg_luma_sampling));
    }
    // Both wrong: the documented order reports luma.
    auto both = small_jpeg();
    set(both, find(both, 0xC0).at + sof_comp(0) + 1, 0x11);
    set(both, find(both, 0xC0).at + sof_comp(1) + 1, 0x21);
    CHECK(outcome(parse(both)) == name(errc::jpeg_luma_sampling));
    for (std::size_t comp : {1u, 2u}) {
        for (int chroma : {0x21, 0x12, 0x22, 0x00}) {
            auto j = small_jpeg();
            set(j, find(j, 0xC0).at + sof_comp(comp) + 1, chroma);
            CHECK(outcome(parse(j)) == name(errc::jpeg_chroma_sampling));
        }
    }
}

TEST_CASE("parse: non-standard Huffman tables", "[jpeg][parser][errors]") {
    CHECK(outcome(parse(small_jpeg({.optimize_huffman = true}))) ==
          name(errc::jpeg_nonstandard_huffman));

    // One flipped HUFFVAL byte in each of the four standard DHTs.
    for (int nth = 0; nth < 4; ++nth) {
        auto j = small_jpeg();
        const auto dht = find(j, 0xC4, nth);
        const std::size_t last = dht.end() - 1;
        set(j, last, int(u8(j[last]) ^ 0x01));
        INFO("DHT " << nth);
        CHECK(outcome(parse(j)) == name(errc::jpeg_nonstandard_huffman));
    }
    // A standard table under the wrong id (luma DC tables declared as id 1).
    auto swapped = small_jpeg();
    set(swapped, find(swapped, 0xC4, 0).at + 4, 0x01);
    CHECK(outcome(parse(swapped)) == name(errc::jpeg_nonstandard_huffman));
    // Table id 2 never is standard.
    auto id2 = small_jpeg();
    set(id2, find(id2, 0xC4, 0).at + 4, 0x02);
    CHECK(outcome(parse(id2)) == name(errc::jpeg_nonstandard_huffman));
    // SOS selecting table 0 for a chroma component: the receiver would use table 1.
    auto sel = small_jpeg();
    set(sel, find(sel, 0xDA).at + 5 + 2 * 1 + 1, 0x00);
    CHECK(outcome(parse(sel)) == name(errc::jpeg_nonstandard_huffman));
}

TEST_CASE("parse: broken DHT segments", "[jpeg][parser][errors]") {
    auto cls2 = small_jpeg();
    set(cls2, find(cls2, 0xC4, 0).at + 4, 0x20);
    CHECK(outcome(parse(cls2)) == name(errc::jpeg_bad_segment));
    // BITS promise more values than the segment holds.
    auto short_dht = small_jpeg();
    const auto dht = find(short_dht, 0xC4, 0);
    set_be16(short_dht, dht.at + 2, unsigned(dht.len - 1));
    short_dht.erase(short_dht.begin() + dht.end() - 1);
    CHECK(outcome(parse(short_dht)) == name(errc::jpeg_bad_segment));
    // Fewer than 17 bytes.
    auto tiny = small_jpeg();
    insert_at(tiny, find(tiny, 0xDA).at, segment_bytes(0xC4, make({0x00, 0, 1})));
    CHECK(outcome(parse(tiny)) == name(errc::jpeg_bad_segment));
}

TEST_CASE("parse: bad DQT segments", "[jpeg][parser][errors]") {
    const auto plain = small_jpeg();
    const auto dqt = find(plain, 0xDB, 0);
    // Table id 15, and a precision nibble of 2.
    for (int pqtq : {0x0F, 0x04, 0x20, 0xF0}) {
        auto j = plain;
        set(j, dqt.at + 4, pqtq);
        INFO("Pq/Tq " << pqtq);
        CHECK(outcome(parse(j)) == name(errc::jpeg_bad_quant_table));
    }
    // Lengths 0 and 1 are below the length field's own size.
    for (unsigned len : {0u, 1u}) {
        auto j = plain;
        set_be16(j, dqt.at + 2, len);
        CHECK(outcome(parse(j)) == name(errc::jpeg_bad_segment));
    }
    // 66: one byte short of an 8-bit table.
    auto j66 = plain;
    set_be16(j66, dqt.at + 2, 66);
    CHECK(outcome(parse(j66)) == name(errc::jpeg_bad_segment));
    // 200: runs into the next segment, whose 0xFF reads as Pq 15 / Tq 15.
    auto j200 = plain;
    set_be16(j200, dqt.at + 2, 200);
    CHECK(outcome(parse(j200)) == name(errc::jpeg_bad_quant_table));
    // A valid first table followed by the start of an incomplete second one.
    auto partial = plain;
    insert_at(partial, dqt.end(), make({0x01, 5, 5, 5}));
    set_be16(partial, dqt.at + 2, unsigned(dqt.len + 4));
    CHECK(outcome(parse(partial)) == name(errc::jpeg_bad_segment));
    // A DQT whose length runs past the end of the data.
    bytes cut(plain.begin(), plain.begin() + dqt.at + 30);
    CHECK(outcome(parse(cut)) == name(errc::jpeg_truncated));
}

TEST_CASE("parse: quantization table selection", "[jpeg][parser][errors]") {
    const auto plain = small_jpeg();
    const auto sof = find(plain, 0xC0);
    // Selector 4 does not exist.
    auto sel4 = plain;
    set(sel4, sof.at + sof_comp(0) + 2, 4);
    CHECK(outcome(parse(sel4)) == name(errc::jpeg_bad_quant_table));
    // Cb and Cr on different tables: RFC 2435 has one chroma table.
    auto split = plain;
    set(split, sof.at + sof_comp(2) + 2, 0);
    CHECK(outcome(parse(split)) == name(errc::jpeg_bad_quant_table));
    // Selected table never defined.
    auto undefined = plain;
    set(undefined, sof.at + sof_comp(1) + 2, 2);
    set(undefined, sof.at + sof_comp(2) + 2, 2);
    CHECK(outcome(parse(undefined)) == name(errc::jpeg_missing_quant_table));
    auto removed = plain;
    erase_segment(removed, 0xDB, 1);
    CHECK(outcome(parse(removed)) == name(errc::jpeg_missing_quant_table));
    // A table defined only after the scan does not count.
    auto late = plain;
    const auto dqt1 = find(late, 0xDB, 1);
    const bytes moved(late.begin() + dqt1.at, late.begin() + dqt1.end());
    late.erase(late.begin() + dqt1.at, late.begin() + dqt1.end());
    insert_at(late, late.size() - 2, moved);
    CHECK(outcome(parse(late)) == name(errc::jpeg_missing_quant_table));
}

TEST_CASE("parse: bad restart interval segments", "[jpeg][parser][errors]") {
    for (unsigned len : {0u, 1u, 2u, 3u, 5u, 200u}) {
        auto j = small_jpeg({.restart_interval = 1});
        set_be16(j, find(j, 0xDD).at + 2, len);
        INFO("DRI length " << len);
        CHECK(outcome(parse(j)) == name(errc::jpeg_bad_restart_interval));
    }
}

TEST_CASE("parse: missing frame header, scan or EOI", "[jpeg][parser][errors]") {
    const auto plain = small_jpeg();
    // SOS before SOF.
    auto no_sof = plain;
    erase_segment(no_sof, 0xC0);
    CHECK(outcome(parse(no_sof)) == name(errc::jpeg_missing_frame_header));
    // No SOS: the headers, then EOI.
    bytes no_sos(plain.begin(), plain.begin() + find(plain, 0xDA).at);
    no_sos.push_back(std::byte{0xFF});
    no_sos.push_back(std::byte{0xD9});
    CHECK(outcome(parse(no_sos)) == name(errc::jpeg_bad_segment));
    // No SOS and no EOI: the data ends after the headers.
    no_sos.resize(no_sos.size() - 2);
    CHECK(outcome(parse(no_sos)) == name(errc::jpeg_truncated));
    // No EOI after the scan.
    bytes no_eoi(plain.begin(), plain.end() - 2);
    CHECK(outcome(parse(no_eoi)) == name(errc::jpeg_truncated));
    CHECK(outcome(parse(make({0xFF, 0xD8}))) == name(errc::jpeg_truncated));
}

TEST_CASE("parse: more than one scan, or a non-interleaved one", "[jpeg][parser][errors]") {
    const auto plain = small_jpeg();
    const auto sos = find(plain, 0xDA);
    const bytes sos_seg(plain.begin() + sos.at, plain.begin() + sos.end());
    // A second SOS after the first scan.
    auto two = plain;
    insert_at(two, two.size() - 2, sos_seg);
    insert_at(two, two.size() - 2, make({0x12, 0x34}));
    CHECK(outcome(parse(two)) == name(errc::jpeg_multiple_scans));
    // Table segments between scans also mean more scans follow.
    for (unsigned m : {0xC4u, 0xDBu, 0xDDu, 0xFEu, 0xE2u}) {
        auto j = plain;
        insert_at(j, j.size() - 2, segment_bytes(m, make({0, 0})));
        INFO("marker after scan " << m);
        CHECK(outcome(parse(j)) == name(errc::jpeg_multiple_scans));
    }
    // DNL (height redefined after the scan), SOI, a SOF: broken structure.
    for (unsigned m : {0xDCu, 0xD8u, 0xC0u, 0x01u}) {
        auto j = plain;
        insert_at(j, j.size() - 2, make({0xFF, int(m), 0x00, 0x04, 0x00, 0x10}));
        INFO("marker after scan " << m);
        CHECK(outcome(parse(j)) == name(errc::jpeg_bad_segment));
    }
    // A single-component (non-interleaved) scan.
    auto one = plain;
    const auto s = find(one, 0xDA);
    one.erase(one.begin() + s.at, one.begin() + s.end());
    insert_at(one, s.at, segment_bytes(0xDA, make({1, 1, 0x00, 0, 63, 0})));
    CHECK(outcome(parse(one)) == name(errc::jpeg_multiple_scans));
}

TEST_CASE("parse: inconsistent SOF/SOS segments and stray markers", "[jpeg][parser][errors]") {
    const auto plain = small_jpeg();
    const auto sof = find(plain, 0xC0);
    const auto sos = find(plain, 0xDA);
    // SOF length disagreeing with its component count.
    auto sof_len = plain;
    set_be16(sof_len, sof.at + 2, unsigned(sof.len - 3));
    sof_len.erase(sof_len.begin() + sof.end() - 3, sof_len.begin() + sof.end());
    CHECK(outcome(parse(sof_len)) == name(errc::jpeg_bad_segment));
    // Duplicate component ids.
    auto dup = plain;
    set(dup, sof.at + sof_comp(2), u8(dup[sof.at + sof_comp(1)]));
    CHECK(outcome(parse(dup)) == name(errc::jpeg_bad_segment));
    // A second SOF0.
    auto second = plain;
    insert_at(second, sos.at, bytes(plain.begin() + sof.at, plain.begin() + sof.end()));
    CHECK(outcome(parse(second)) == name(errc::jpeg_bad_segment));
    // SOS naming a component the frame does not have, or in another order.
    auto ids = plain;
    set(ids, sos.at + 5, 9);
    CHECK(outcome(parse(ids)) == name(errc::jpeg_bad_segment));
    // SOS spectral selection / approximation not 0..63 / 0.
    for (std::size_t off : {11u, 12u, 13u}) {
        auto j = plain;
        set(j, sos.at + off, off == 12 ? 62 : 1);
        CHECK(outcome(parse(j)) == name(errc::jpeg_bad_segment));
    }
    // SOS length disagreeing with Ns.
    auto sos_len = plain;
    set_be16(sos_len, sos.at + 2, unsigned(sos.len + 1));
    CHECK(outcome(parse(sos_len)) == name(errc::jpeg_bad_segment));
    // A non-0xFF byte where a marker belongs, RSTn and FF00 outside the scan, EOI too early.
    for (const bytes& junk : {make({0x00}), make({0xFF, 0xD0}), make({0xFF, 0x00}),
                              make({0xFF, 0xD8}), make({0xFF, 0x01}), make({0xFF, 0x02, 0, 2}),
                              make({0xFF, 0xF0, 0, 2}), make({0xFF, 0xDC, 0, 4, 0, 8})}) {
        auto j = plain;
        insert_at(j, sof.at, junk);
        INFO("junk starting " << u8(junk[0]) << " " << (junk.size() > 1 ? u8(junk[1]) : 0));
        CHECK(outcome(parse(j)) == name(errc::jpeg_bad_segment));
    }
    // A segment length running past the end.
    bytes cut(plain.begin(), plain.begin() + sof.at + 5);
    CHECK(outcome(parse(cut)) == name(errc::jpeg_truncated));
}

// ---------------------------------------------------------------------------------------------
// Robustness: truncation at every length, random corruption.

TEST_CASE("parse: every truncation of a valid JPEG fails with jpeg_truncated", "[jpeg][parser]") {
    std::vector<bytes> inputs = {
        small_jpeg(),
        small_jpeg({.chroma = sampling::s422, .restart_interval = 1}),
        encode_jpeg(make_test_image(1, 1), {}),
        encode_jpeg(make_test_image(17, 9, 4), {.quality = 30, .restart_interval = 2}),
    };
    // Exercise FF00 stuffing and fill bytes near the end too.
    inputs.push_back(bytes(tiny_jpeg.begin(), tiny_jpeg.end()));
    for (const auto& full : inputs) {
        REQUIRE(parse(full));
        for (std::size_t len = 0; len < full.size(); ++len) {
            const bytes cut(full.begin(), full.begin() + len);  // exact size: ASan sees overreads
            INFO("length " << len << " of " << full.size());
            CHECK(outcome(parse(cut)) ==
                  name(len < 2 ? errc::jpeg_not_jpeg : errc::jpeg_truncated));
        }
    }
    // A large JPEG: every length through the headers, then a stride through the scan.
    const auto big = encode_jpeg(make_test_image(641, 479, 8), {.quality = 85, .restart_interval = 4});
    REQUIRE(parse(big));
    const std::size_t header_end = find(big, 0xDA).end();
    std::vector<std::size_t> lengths;
    for (std::size_t len = 0; len < header_end + 64; ++len) lengths.push_back(len);
    for (std::size_t len = header_end + 64; len < big.size(); len += 997) lengths.push_back(len);
    for (std::size_t len = big.size() - 8; len < big.size(); ++len) lengths.push_back(len);
    for (auto len : lengths) {
        const bytes cut(big.begin(), big.begin() + len);
        INFO("length " << len << " of " << big.size());
        CHECK(outcome(parse(cut)) == name(len < 2 ? errc::jpeg_not_jpeg : errc::jpeg_truncated));
    }
}

TEST_CASE("parse: random corruption never crashes and any success is consistent",
          "[jpeg][parser]") {
    const std::vector<bytes> seeds = {
        small_jpeg({.restart_interval = 1}),
        bytes(tiny_jpeg.begin(), tiny_jpeg.end()),
    };
    std::mt19937 rng(12345);
    int successes = 0, failures = 0;
    for (const auto& seed : seeds) {
        const std::size_t header_end = find(seed, 0xDA).end();
        for (int iter = 0; iter < 4000; ++iter) {
            bytes j = seed;
            const int edits = 1 + int(rng() % 4);
            for (int e = 0; e < edits && !j.empty(); ++e) {
                // Mostly in the headers, where the structure is.
                const std::size_t limit = (rng() % 4 == 0) ? j.size() : std::min(header_end + 4, j.size());
                const std::size_t at = rng() % limit;
                switch (rng() % 4) {
                case 0: j[at] = std::byte(static_cast<unsigned char>(rng())); break;
                case 1: j[at] = std::byte{0xFF}; break;
                case 2: j.erase(j.begin() + at); break;
                default: j.resize(at + 1); break;
                }
            }
            j.shrink_to_fit();
            const auto r = parse(j);
            if (!r) { ++failures; continue; }
            ++successes;
            const auto* b = j.data();
            const auto* e = j.data() + j.size();
            CHECK(r->width > 0);
            CHECK(r->height > 0);
            CHECK((r->type & 0x3E) == 0);
            CHECK(r->luma.data.data() >= b);
            CHECK(r->luma.data.data() + r->luma.data.size() <= e);
            CHECK(r->chroma.data.data() + r->chroma.data.size() <= e);
            CHECK(r->scan.data() >= b);
            CHECK(r->scan.data() + r->scan.size() + 2 <= e);  // EOI follows
            CHECK((r->luma.data.size() == 64 || r->luma.data.size() == 128));
        }
    }
    CHECK(successes > 0);  // some edits land in harmless places (APP0, quant values, scan)
    CHECK(failures > 0);
}
