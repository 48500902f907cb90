// Tests of rtsp/encoders/jpeg_converter.hpp: a sendable JPEG comes back as the input itself;
// one RFC 2435 cannot carry only for its coding comes back re-coded losslessly (decoding to
// exactly the input's pixels) and sendable; one with other sampling or one component comes
// back re-encoded at 4:2:0, sendable and close to the input; what cannot be mended comes back
// as the parser's error with a message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jpeg_codec.hpp"
#include "rtsp/encoders/jpeg_converter.hpp"
#include "rtsp/jpeg/parser.hpp"

namespace {

using rtsp::errc;
using rtsp::encoders::conversion;
using rtsp::encoders::jpeg_converter;
using rtsp::test::encode_options;
using rtsp::test::sampling;

std::vector<std::byte> copy_of(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

// A JPEG kind RFC 2435 cannot carry: how to make one, and the parser's reason.
struct kind {
    const char* name;
    encode_options opt;
    errc reason;
};

struct before_after {
    std::vector<std::byte> input, output;
    rtsp::jpeg::frame frame;  // of the output
};

// `img` encoded as `k` (checked to be refused for k.reason), converted by a fresh converter,
// checked to come back `how`, for k.reason, sendable and of img's size.
before_after refused_then_converted(const rtsp::test::rgb_image& img, const kind& k, conversion how) {
    before_after ba;
    ba.input = rtsp::test::encode_jpeg(img, k.opt);
    REQUIRE(!ba.input.empty());
    const auto refused = rtsp::jpeg::parse(ba.input);
    REQUIRE(!refused);
    REQUIRE(refused.error() == k.reason);
    jpeg_converter conv;
    const auto r = conv.convert(ba.input, 90);
    REQUIRE(r);
    CHECK(r->how == how);
    CHECK(r->reason == k.reason);
    CHECK(r->frame.width == img.width);  // the output's own parse comes with it
    CHECK(r->frame.height == img.height);
    CHECK(r->frame.scan.size() + 2 <= r->jpeg.size());
    ba.output = copy_of(r->jpeg);
    const auto f = rtsp::jpeg::parse(ba.output);
    REQUIRE(f);
    CHECK(f->width == img.width);
    CHECK(f->height == img.height);
    ba.frame = *f;
    return ba;
}

// Peak signal-to-noise ratio of b against a, both RGB of the same size.
double psnr(const rtsp::test::rgb_image& a, const rtsp::test::rgb_image& b) {
    REQUIRE(a.pixels.size() == b.pixels.size());
    double se = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) {
        const double d = double(a.pixels[i]) - double(b.pixels[i]);
        se += d * d;
    }
    const double mse = se / double(a.pixels.size());
    return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace

TEST_CASE("jpeg_converter: a sendable JPEG is the input itself", "[encoder][converter]") {
    const auto jpeg = rtsp::test::encode_jpeg(rtsp::test::make_test_image(64, 48));
    REQUIRE(rtsp::jpeg::parse(jpeg));
    jpeg_converter conv;
    const auto r = conv.convert(jpeg, 90);
    REQUIRE(r);
    CHECK(r->how == conversion::none);
    CHECK(r->reason == errc{});
    CHECK(r->jpeg.data() == jpeg.data());
    CHECK(r->jpeg.size() == jpeg.size());
    CHECK(r->frame.width == 64);
    CHECK(r->frame.height == 48);
    CHECK(std::string(conv.last_error()).empty());
}

TEST_CASE("jpeg_converter: coding RFC 2435 cannot carry is re-coded losslessly", "[encoder][converter]") {
    encode_options progressive, optimized, arithmetic, progressive_arith, optimized_422, restarts;
    progressive.progressive = true;
    optimized.optimize_huffman = true;
    arithmetic.arithmetic = true;
    progressive_arith.progressive = progressive_arith.arithmetic = true;
    optimized_422.optimize_huffman = true;
    optimized_422.chroma = sampling::s422;
    restarts.progressive = true;
    restarts.restart_interval = 3;
    const std::vector<kind> kinds = {
        {"progressive", progressive, errc::jpeg_progressive},
        {"optimized Huffman tables", optimized, errc::jpeg_nonstandard_huffman},
        {"arithmetic", arithmetic, errc::jpeg_arithmetic},
        {"progressive arithmetic", progressive_arith, errc::jpeg_progressive},
        {"optimized 4:2:2", optimized_422, errc::jpeg_nonstandard_huffman},
        {"progressive with restart markers", restarts, errc::jpeg_progressive},
    };
    // Odd sizes too: partial MCUs must survive the coefficient copy.
    for (const auto& [w, h] : {std::pair{64, 48}, std::pair{101, 37}, std::pair{640, 480}}) {
        const auto img = rtsp::test::make_test_image(w, h, 5);
        for (const kind& k : kinds) {
            CAPTURE(k.name, w, h);
            const auto ba = refused_then_converted(img, k, conversion::lossless);
            CHECK(ba.frame.is_420() == (k.opt.chroma == sampling::s420));
            // The same coefficients decode to the same pixels, bit for bit.
            const auto before = rtsp::test::decode_jpeg(ba.input);
            const auto after = rtsp::test::decode_jpeg(ba.output);
            REQUIRE(before);
            REQUIRE(after);
            CHECK((after->pixels == before->pixels));  // (not decomposed: no million-element dump)
        }
    }
}

TEST_CASE("jpeg_converter: the output buffer grows when the baseline coding is larger", "[encoder][converter]") {
    // Noise, progressive: the baseline re-coding with the standard tables is bigger than the
    // input by more than the 4 KB the first buffer leaves, so the destination must grow.
    rtsp::test::rgb_image noise{320, 240, std::vector<std::uint8_t>(320 * 240 * 3)};
    std::uint32_t x = 12345;
    for (auto& p : noise.pixels) {
        x = x * 1664525u + 1013904223u;
        p = static_cast<std::uint8_t>(x >> 24);
    }
    encode_options opt;
    opt.progressive = true;
    opt.quality = 95;
    const auto input = rtsp::test::encode_jpeg(noise, opt);
    REQUIRE(!input.empty());
    jpeg_converter conv;
    const auto r = conv.convert(input, 90);
    REQUIRE(r);
    CHECK(r->how == conversion::lossless);
    REQUIRE(r->jpeg.size() > input.size() + 4096);  // else this test does not test growing
    REQUIRE(rtsp::jpeg::parse(r->jpeg));
    const auto before = rtsp::test::decode_jpeg(input);
    const auto after = rtsp::test::decode_jpeg(r->jpeg);
    REQUIRE(before);
    REQUIRE(after);
    CHECK((after->pixels == before->pixels));  // (not decomposed: no million-element dump)
}

TEST_CASE("jpeg_converter: sampling or components RFC 2435 cannot carry are re-encoded at 4:2:0", "[encoder][converter]") {
    encode_options s444, gray, progressive_444;
    s444.chroma = sampling::s444;
    gray.grayscale = true;
    progressive_444.chroma = sampling::s444;
    progressive_444.progressive = true;
    const std::vector<kind> kinds = {
        {"4:4:4", s444, errc::jpeg_luma_sampling},
        {"grayscale", gray, errc::jpeg_component_count},
        {"progressive 4:4:4", progressive_444, errc::jpeg_progressive},
    };
    const auto img = rtsp::test::make_test_image(160, 120, 3);
    for (const kind& k : kinds) {
        CAPTURE(k.name);
        const auto ba = refused_then_converted(img, k, conversion::reencoded);
        CHECK(ba.frame.is_420());
        const auto before = rtsp::test::decode_jpeg(ba.input);
        const auto after = rtsp::test::decode_jpeg(ba.output);
        REQUIRE(before);
        REQUIRE(after);
        // As close to the input as encoding its picture at 4:2:0 and q90 directly gets (the
        // test picture's noise blocks lose to chroma subsampling: ~27 dB, not ~40).
        const auto direct = rtsp::test::decode_jpeg(rtsp::test::encode_jpeg(*before));
        REQUIRE(direct);
        INFO("PSNR " << psnr(*before, *after) << " dB, direct 4:2:0 " << psnr(*before, *direct) << " dB");
        // (Gray stays gray: ~55 dB, where TurboJPEG's fast DCT rather than the conversion
        // decides the figure, so above 45 dB any figure will do.)
        CHECK(psnr(*before, *after) > std::min(psnr(*before, *direct) - 0.5, 45.0));
        CHECK(psnr(*before, *after) > 25.0);
    }
}

TEST_CASE("jpeg_converter: a re-encode uses the caller's quality", "[encoder][converter]") {
    encode_options s444;
    s444.chroma = sampling::s444;
    const auto input = rtsp::test::encode_jpeg(rtsp::test::make_test_image(160, 120, 7), s444);
    jpeg_converter conv;
    const auto low = conv.convert(input, 20);
    REQUIRE(low);
    const auto small = copy_of(low->jpeg);
    const auto high = conv.convert(input, 95);
    REQUIRE(high);
    CHECK(high->how == conversion::reencoded);
    CHECK(small.size() * 2 < high->jpeg.size());
    // Out-of-range qualities are clamped, not refused.
    CHECK(conv.convert(input, 0));
    CHECK(conv.convert(input, 1000));
}

TEST_CASE("jpeg_converter: what cannot be mended is the parser's error, with a message", "[encoder][converter]") {
    jpeg_converter conv;
    const auto good = rtsp::test::encode_jpeg(rtsp::test::make_test_image(64, 48));
    SECTION("not a JPEG") {
        const std::vector<std::byte> text = {std::byte{'h'}, std::byte{'i'}, std::byte{'!'}};
        const auto r = conv.convert(text, 90);
        REQUIRE(!r);
        CHECK(r.error() == errc::jpeg_not_jpeg);
        CHECK(std::string(conv.last_error()).find("JPEG") != std::string::npos);
    }
    SECTION("empty") {
        const auto r = conv.convert({}, 90);
        REQUIRE(!r);
        CHECK(std::string(conv.last_error()) != "");
    }
    SECTION("truncated inside the headers") {
        const auto r = conv.convert(std::span<const std::byte>(good).first(40), 90);
        REQUIRE(!r);
        CHECK(r.error() == errc::jpeg_truncated);
    }
    SECTION("a progressive file cut inside its headers: libjpeg's error, not a crash") {
        encode_options p;
        p.progressive = true;
        const auto prog = rtsp::test::encode_jpeg(rtsp::test::make_test_image(64, 48), p);
        // Cut just after the SOF2: the parser stops at SOF2 (progressive), libjpeg finds no scan.
        std::size_t cut = 0;
        for (std::size_t i = 0; i + 1 < prog.size(); ++i)
            if (prog[i] == std::byte{0xFF} && prog[i + 1] == std::byte{0xC2}) cut = i + 2 + 17;
        REQUIRE(cut > 0);
        const auto r = conv.convert(std::span<const std::byte>(prog).first(cut), 90);
        REQUIRE(!r);
        CHECK(r.error() == errc::encoder_failed);
        CHECK(std::string(conv.last_error()) != "");
        CHECK_THAT(conv.last_error(), Catch::StartsWith("progressive JPEG cannot be sent over RFC 2435; converting it failed: "));
    }
    // The converter is usable after every failure.
    const auto again = conv.convert(good, 90);
    REQUIRE(again);
    CHECK(again->how == conversion::none);
}

namespace {

// The SOF's height and width set to h x w (a file claiming a picture it does not hold).
std::vector<std::byte> with_size(std::vector<std::byte> jpeg, unsigned w, unsigned h) {
    for (std::size_t i = 0; i + 8 < jpeg.size(); ++i)
        if (jpeg[i] == std::byte{0xFF} && (jpeg[i + 1] == std::byte{0xC0} || jpeg[i + 1] == std::byte{0xC2})) {
            jpeg[i + 5] = std::byte(h >> 8);
            jpeg[i + 6] = std::byte(h & 0xFF);
            jpeg[i + 7] = std::byte(w >> 8);
            jpeg[i + 8] = std::byte(w & 0xFF);
            return jpeg;
        }
    FAIL("no SOF");
    return jpeg;
}

}  // namespace

TEST_CASE("jpeg_converter: a picture over the pixel limit is refused before libjpeg allocates for it", "[encoder][converter]") {
    encode_options p, s444;
    p.progressive = true;
    s444.chroma = sampling::s444;
    const auto img = rtsp::test::make_test_image(64, 48, 2);
    jpeg_converter conv;
    // A few hundred bytes claiming 45000 x 4000 pixels: libjpeg would want gigabytes for the
    // coefficients (the fuzz target's first find). Refused on both paths.
    for (const auto& opt : {p, s444}) {
        const auto bomb = with_size(rtsp::test::encode_jpeg(img, opt), 45000, 4000);
        const auto r = conv.convert(bomb, 90);
        REQUIRE(!r);
        CHECK(r.error() == errc::no_resources);
        CHECK(std::string(conv.last_error()).find("45000x4000 pixels is more than") != std::string::npos);
    }
    // The limit is the constructor's: one pixel short of 64 x 48 refuses 64 x 48 conversions,
    // while a JPEG that needs none still passes as it is.
    jpeg_converter small(64 * 48 - 1);
    const auto r = small.convert(rtsp::test::encode_jpeg(img, p), 90);
    REQUIRE(!r);
    CHECK(r.error() == errc::no_resources);
    const auto good = rtsp::test::encode_jpeg(img);
    const auto as_is = small.convert(good, 90);
    REQUIRE(as_is);
    CHECK(as_is->how == conversion::none);
    jpeg_converter exact(64 * 48);
    CHECK(exact.convert(rtsp::test::encode_jpeg(img, p), 90));
}

TEST_CASE("jpeg_converter: moved, it goes on converting", "[encoder][converter]") {
    encode_options p;
    p.progressive = true;
    const auto input = rtsp::test::encode_jpeg(rtsp::test::make_test_image(96, 64), p);
    jpeg_converter a;
    REQUIRE(a.convert(input, 90));
    jpeg_converter b(std::move(a));
    const auto r = b.convert(input, 90);
    REQUIRE(r);
    CHECK(r->how == conversion::lossless);
    CHECK(rtsp::jpeg::parse(r->jpeg));
    jpeg_converter c;
    c = std::move(b);
    const auto r2 = c.convert(input, 90);
    REQUIRE(r2);
    CHECK(rtsp::jpeg::parse(r2->jpeg));
}
