// Tests of rtsp/encoders/turbojpeg.hpp: every pixel format at 4:2:0 and 4:2:2 gives a
// baseline 3-component JPEG that RFC 2435 can carry (checked by the library's own parser and
// by hand), decodes close to the input, and reuses one output buffer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <turbojpeg.h>

#include "jpeg_codec.hpp"
#include "rtsp/encoders/turbojpeg.hpp"
#include "rtsp/jpeg/parser.hpp"

namespace {

using rtsp::chroma_subsampling;
using rtsp::errc;
using rtsp::image_view;
using rtsp::pixel_format;
using rtsp::encoders::turbojpeg_encoder;

struct rgb {
    int w = 0, h = 0;
    std::vector<std::uint8_t> px;  // w * h * 3
};

// Smooth content (low-frequency waves): what a q90 JPEG reproduces at well over 35 dB.
rgb smooth_image(int w, int h) {
    rgb img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
    std::size_t i = 0;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const double r = 128 + 90 * std::sin(x / 23.0) * std::cos(y / 31.0);
            const double g = 128 + 80 * std::cos((x + y) / 37.0);
            const double b = 128 + 70 * std::sin((x - 2 * y) / 41.0);
            img.px[i++] = static_cast<std::uint8_t>(std::lround(r));
            img.px[i++] = static_cast<std::uint8_t>(std::lround(g));
            img.px[i++] = static_cast<std::uint8_t>(std::lround(b));
        }
    }
    return img;
}

std::uint8_t clamp8(double v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

// JPEG's (JFIF) full-range BT.601 conversion.
double luma(double r, double g, double b) { return 0.299 * r + 0.587 * g + 0.114 * b; }
double cb(double r, double g, double b) { return 128 - 0.168736 * r - 0.331264 * g + 0.5 * b; }
double cr(double r, double g, double b) { return 128 + 0.5 * r - 0.418688 * g - 0.081312 * b; }

/// An input buffer in `fmt` made from `src`, with `pad` extra bytes per row; `ref` gets the
/// RGB the encoder should reproduce (after the format's own quantization).
std::vector<std::byte> make_input(const rgb& src, pixel_format fmt, std::size_t pad, rgb& ref) {
    const std::size_t bpp = rtsp::bytes_per_pixel(fmt);
    const std::size_t stride = src.w * bpp + pad;
    std::vector<std::byte> out(stride * src.h, std::byte{0xEE});
    ref = src;
    for (int y = 0; y < src.h; ++y) {
        auto* row = reinterpret_cast<std::uint8_t*>(out.data() + y * stride);
        for (int x = 0; x < src.w; ++x) {
            const std::size_t i = (static_cast<std::size_t>(y) * src.w + x) * 3;
            const std::uint8_t r = src.px[i], g = src.px[i + 1], b = src.px[i + 2];
            switch (fmt) {
            case pixel_format::rgb888:
                row[3 * x] = r; row[3 * x + 1] = g; row[3 * x + 2] = b;
                break;
            case pixel_format::rgb565: {
                const unsigned v = ((r >> 3u) << 11) | ((g >> 2u) << 5) | (b >> 3u);
                row[2 * x] = static_cast<std::uint8_t>(v & 0xFF);
                row[2 * x + 1] = static_cast<std::uint8_t>(v >> 8);
                const unsigned r5 = r >> 3u, g6 = g >> 2u, b5 = b >> 3u;
                ref.px[i] = static_cast<std::uint8_t>((r5 << 3) | (r5 >> 2));
                ref.px[i + 1] = static_cast<std::uint8_t>((g6 << 2) | (g6 >> 4));
                ref.px[i + 2] = static_cast<std::uint8_t>((b5 << 3) | (b5 >> 2));
                break;
            }
            case pixel_format::gray8: {
                const std::uint8_t yv = clamp8(luma(r, g, b));
                row[x] = yv;
                ref.px[i] = ref.px[i + 1] = ref.px[i + 2] = yv;
                break;
            }
            case pixel_format::yuyv: {
                row[2 * x] = clamp8(luma(r, g, b));
                if (x % 2 == 0) {  // chroma of the pair, averaged
                    const std::size_t j = i + 3;
                    const double r2 = (r + src.px[j]) / 2.0, g2 = (g + src.px[j + 1]) / 2.0,
                                 b2 = (b + src.px[j + 2]) / 2.0;
                    row[2 * x + 1] = clamp8(cb(r2, g2, b2));
                    row[2 * x + 3] = clamp8(cr(r2, g2, b2));
                }
                break;
            }
            }
        }
    }
    return out;
}

double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    REQUIRE(a.size() == b.size());
    double se = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = double(a[i]) - double(b[i]);
        se += d * d;
    }
    if (se == 0) return 99;
    return 10 * std::log10(255.0 * 255.0 / (se / static_cast<double>(a.size())));
}

struct sof_info {
    bool found = false;
    int marker = 0, components = 0, luma_sampling = 0, cb_sampling = 0, cr_sampling = 0;
    int width = 0, height = 0;
};

// Walks the marker segments up to the first SOFn, independently of the library's parser.
sof_info read_sof(std::span<const std::byte> j) {
    sof_info s;
    auto at = [&](std::size_t i) { return i < j.size() ? std::to_integer<int>(j[i]) : -1; };
    if (at(0) != 0xFF || at(1) != 0xD8) return s;
    std::size_t p = 2;
    while (p + 4 <= j.size() && at(p) == 0xFF) {
        const int m = at(p + 1);
        const std::size_t len = static_cast<std::size_t>(at(p + 2) << 8 | at(p + 3));
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            s.found = true;
            s.marker = m;
            s.height = at(p + 5) << 8 | at(p + 6);
            s.width = at(p + 7) << 8 | at(p + 8);
            s.components = at(p + 9);
            s.luma_sampling = at(p + 11);
            s.cb_sampling = at(p + 14);
            s.cr_sampling = at(p + 17);
            return s;
        }
        p += 2 + len;
    }
    return s;
}

struct decoded {
    int w = 0, h = 0, subsamp = -1;
    std::vector<std::uint8_t> px;
};

decoded tj_decode(std::span<const std::byte> j) {
    decoded d;
    tjhandle h = tjInitDecompress();
    REQUIRE(h != nullptr);
    int cs = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(j.data());
    REQUIRE(tjDecompressHeader3(h, p, j.size(), &d.w, &d.h, &d.subsamp, &cs) == 0);
    d.px.resize(static_cast<std::size_t>(d.w) * d.h * 3);
    REQUIRE(tjDecompress2(h, p, j.size(), d.px.data(), d.w, 0, d.h, TJPF_RGB, TJFLAG_ACCURATEDCT) == 0);
    tjDestroy(h);
    return d;
}

const char* name(pixel_format f) {
    switch (f) {
    case pixel_format::gray8: return "gray8";
    case pixel_format::rgb565: return "rgb565";
    case pixel_format::rgb888: return "rgb888";
    case pixel_format::yuyv: return "yuyv";
    }
    return "?";
}

}  // namespace

TEST_CASE("turbojpeg_encoder: every format and subsampling gives an RFC 2435 baseline JPEG close to the input",
          "[encoder][turbojpeg]") {
    turbojpeg_encoder enc;
    struct geometry { int w, h; std::size_t pad; };
    // Even sizes with padded rows, and odd sizes (YUYV needs an even width) that make
    // TurboJPEG pad to whole chroma samples.
    const geometry geometries[] = {{160, 120, 24}, {97, 61, 0}, {98, 61, 3}};
    for (const auto fmt : {pixel_format::rgb888, pixel_format::rgb565, pixel_format::gray8,
                           pixel_format::yuyv}) {
        for (const auto samp : {chroma_subsampling::s420, chroma_subsampling::s422}) {
            for (const auto& g : geometries) {
                if (fmt == pixel_format::yuyv && g.w % 2 != 0) continue;
                const bool is420 = samp == chroma_subsampling::s420;
                INFO(name(fmt) << (is420 ? " 4:2:0 " : " 4:2:2 ") << g.w << "x" << g.h << " pad " << g.pad);
                const rgb src = smooth_image(g.w, g.h);
                rgb ref;
                const auto input = make_input(src, fmt, g.pad, ref);
                image_view img{input, static_cast<std::uint16_t>(g.w), static_cast<std::uint16_t>(g.h),
                               fmt, g.w * rtsp::bytes_per_pixel(fmt) + g.pad};
                REQUIRE(img.valid());
                auto r = enc.encode(img, 90, samp);
                REQUIRE(r.has_value());
                CHECK(std::string(enc.last_error()).empty());
                const auto jpeg = *r;

                // What the RTP side will do with it.
                auto f = rtsp::jpeg::parse(jpeg);
                REQUIRE(f.has_value());
                CHECK(f->width == g.w);
                CHECK(f->height == g.h);
                CHECK(f->type == (is420 ? rtsp::jpeg::type_420 : rtsp::jpeg::type_422));
                CHECK(f->restart_interval == 0);

                // The same facts read by hand: SOF0, 3 components, luma 2x2 / 2x1, chroma 1x1.
                const sof_info sof = read_sof(jpeg);
                REQUIRE(sof.found);
                CHECK(sof.marker == 0xC0);
                CHECK(sof.components == 3);
                CHECK(sof.luma_sampling == (is420 ? 0x22 : 0x21));
                CHECK(sof.cb_sampling == 0x11);
                CHECK(sof.cr_sampling == 0x11);

                // A strict libjpeg decode (warnings are failures) accepts it.
                CHECK(rtsp::test::decode_jpeg(jpeg).has_value());

                const decoded d = tj_decode(jpeg);
                CHECK(d.w == g.w);
                CHECK(d.h == g.h);
                CHECK(d.subsamp == (is420 ? TJSAMP_420 : TJSAMP_422));
                const double quality_db = psnr(d.px, ref.px);
                INFO("PSNR " << quality_db << " dB");
                CHECK(quality_db >= 35.0);
                if (fmt == pixel_format::gray8) {
                    int worst = 0;
                    for (std::size_t i = 0; i < d.px.size(); i += 3) {
                        worst = std::max(worst, std::abs(d.px[i] - d.px[i + 1]));
                        worst = std::max(worst, std::abs(d.px[i + 1] - d.px[i + 2]));
                    }
                    CHECK(worst <= 1);  // flat chroma: gray stays gray
                }
            }
        }
    }
}

TEST_CASE("turbojpeg_encoder: rgb888 is exactly tjCompress2, and rgb565 exactly tjCompress2 of the widened pixels",
          "[encoder][turbojpeg]") {
    const rgb src = smooth_image(128, 96);
    tjhandle h = tjInitCompress();
    REQUIRE(h != nullptr);
    turbojpeg_encoder enc;
    for (const auto fmt : {pixel_format::rgb888, pixel_format::rgb565}) {
        for (const auto samp : {chroma_subsampling::s420, chroma_subsampling::s422}) {
            for (const int q : {10, 75, 90}) {
                rgb ref;
                const auto input = make_input(src, fmt, 0, ref);
                const image_view img{input, 128, 96, fmt};
                auto r = enc.encode(img, q, samp);
                REQUIRE(r.has_value());
                unsigned char* buf = nullptr;
                unsigned long size = 0;
                REQUIRE(tjCompress2(h, ref.px.data(), 128, 0, 96, TJPF_RGB, &buf, &size,
                                    samp == chroma_subsampling::s420 ? TJSAMP_420 : TJSAMP_422, q,
                                    0) == 0);
                const std::vector<std::byte> expected(reinterpret_cast<std::byte*>(buf),
                                                      reinterpret_cast<std::byte*>(buf) + size);
                tjFree(buf);
                CHECK(std::vector<std::byte>(r->begin(), r->end()) == expected);
            }
        }
    }
    tjDestroy(h);
}

TEST_CASE("turbojpeg_encoder: yuyv and gray8 are compressed as exactly the expected Y/Cb/Cr planes",
          "[encoder][turbojpeg]") {
    // Reference planes built here, independently: YUYV de-interleaved (4:2:0 chroma = rounded
    // mean of the two rows, the last row alone when the height is odd), gray with flat 128.
    tjhandle h = tjInitCompress();
    REQUIRE(h != nullptr);
    turbojpeg_encoder enc;
    // Quality 85 and 97: TurboJPEG switches to the accurate DCT at 96, and so must YUYV's path.
    for (const int quality : {85, 97})
    for (const auto samp : {chroma_subsampling::s420, chroma_subsampling::s422}) {
        const bool is420 = samp == chroma_subsampling::s420;
        const int tjsamp = is420 ? TJSAMP_420 : TJSAMP_422;
        // Widths around the encoder's 16-pixel SIMD blocks (whole blocks, a tail, no block).
        // Heights around the 16- and 8-row MCU rows YUYV is encoded in (one, several, a partial
        // last one, odd).
        for (const auto& dims : {std::pair{64, 48}, std::pair{38, 23}, std::pair{2, 1}, std::pair{16, 3},
                                 std::pair{30, 2}, std::pair{50, 7}, std::pair{1282, 9}, std::pair{40, 35},
                                 std::pair{18, 16}, std::pair{34, 17}, std::pair{6, 8}}) {
            const int w = dims.first, ht = dims.second;
            INFO((is420 ? "4:2:0 " : "4:2:2 ") << w << "x" << ht << " quality " << quality);
            const rgb src = smooth_image(w, ht);
            rgb ref;
            const std::size_t pad = 6;
            const auto yuyv = make_input(src, pixel_format::yuyv, pad, ref);
            const std::size_t stride = static_cast<std::size_t>(w) * 2 + pad;
            const int ch = is420 ? (ht + 1) / 2 : ht, cw = w / 2, yh = is420 ? (ht + 1) / 2 * 2 : ht;
            std::vector<std::uint8_t> Y(static_cast<std::size_t>(w) * yh), U(static_cast<std::size_t>(cw) * ch),
                V(U.size());
            auto at = [&](int row, int col) { return std::to_integer<int>(yuyv[row * stride + col]); };
            for (int r = 0; r < yh; ++r)
                for (int x = 0; x < w; ++x) Y[r * w + x] = static_cast<std::uint8_t>(at(std::min(r, ht - 1), 2 * x));
            for (int r = 0; r < ch; ++r) {
                for (int x = 0; x < cw; ++x) {
                    if (is420) {
                        const int r0 = 2 * r, r1 = std::min(2 * r + 1, ht - 1);
                        U[r * cw + x] = static_cast<std::uint8_t>((at(r0, 4 * x + 1) + at(r1, 4 * x + 1) + 1) / 2);
                        V[r * cw + x] = static_cast<std::uint8_t>((at(r0, 4 * x + 3) + at(r1, 4 * x + 3) + 1) / 2);
                    } else {
                        U[r * cw + x] = static_cast<std::uint8_t>(at(r, 4 * x + 1));
                        V[r * cw + x] = static_cast<std::uint8_t>(at(r, 4 * x + 3));
                    }
                }
            }
            auto reference = [&](const std::uint8_t* y, const std::uint8_t* u, const std::uint8_t* v) {
                const unsigned char* planes[3] = {y, u, v};
                unsigned char* buf = nullptr;
                unsigned long size = 0;
                REQUIRE(tjCompressFromYUVPlanes(h, planes, w, nullptr, ht, tjsamp, &buf, &size, quality, 0) == 0);
                std::vector<std::byte> out(reinterpret_cast<std::byte*>(buf), reinterpret_cast<std::byte*>(buf) + size);
                tjFree(buf);
                return out;
            };
            auto r = enc.encode({yuyv, static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(ht),
                                 pixel_format::yuyv, stride}, quality, samp);
            REQUIRE(r.has_value());
            CHECK(std::vector<std::byte>(r->begin(), r->end()) == reference(Y.data(), U.data(), V.data()));

            // Gray: the Y plane of the gray input (padded the same way), flat chroma.
            const auto gray = make_input(src, pixel_format::gray8, 0, ref);
            const int yw = (w + 1) / 2 * 2;
            std::vector<std::uint8_t> G(static_cast<std::size_t>(yw) * yh);
            for (int rr = 0; rr < yh; ++rr)
                for (int x = 0; x < yw; ++x)
                    G[rr * yw + x] = std::to_integer<std::uint8_t>(gray[std::min(rr, ht - 1) * w + std::min(x, w - 1)]);
            const std::vector<std::uint8_t> flat(U.size(), 128);
            auto g = enc.encode({gray, static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(ht),
                                 pixel_format::gray8}, quality, samp);
            REQUIRE(g.has_value());
            CHECK(std::vector<std::byte>(g->begin(), g->end()) == reference(G.data(), flat.data(), flat.data()));
        }
    }
    tjDestroy(h);
}

TEST_CASE("turbojpeg_encoder: quality is clamped to 1..100 and changes the size", "[encoder][turbojpeg]") {
    const rgb src = smooth_image(64, 64);
    const image_view img{std::as_bytes(std::span(src.px)), 64, 64, pixel_format::rgb888};
    turbojpeg_encoder enc;
    auto bytes = [&](int q) {
        auto r = enc.encode(img, q, chroma_subsampling::s420);
        REQUIRE(r.has_value());
        return std::vector<std::byte>(r->begin(), r->end());
    };
    const auto q1 = bytes(1), q100 = bytes(100), q50 = bytes(50);
    CHECK(bytes(0) == q1);
    CHECK(bytes(-40) == q1);
    CHECK(bytes(101) == q100);
    CHECK(bytes(1000) == q100);
    CHECK(q1.size() < q50.size());
    CHECK(q50.size() < q100.size());
}

TEST_CASE("turbojpeg_encoder: one output buffer is reused across frames", "[encoder][turbojpeg]") {
    turbojpeg_encoder enc;
    const rgb big = smooth_image(320, 240);
    const rgb small = smooth_image(160, 96);
    // 4:2:2 of the largest frame first: its tjBufSize bound covers every later frame.
    auto first = enc.encode({std::as_bytes(std::span(big.px)), 320, 240, pixel_format::rgb888},
                            90, chroma_subsampling::s422);
    REQUIRE(first.has_value());
    const std::byte* out = first->data();
    std::vector<std::vector<std::byte>> inputs;
    std::vector<image_view> views;
    for (const auto fmt : {pixel_format::rgb888, pixel_format::rgb565, pixel_format::gray8,
                           pixel_format::yuyv}) {
        for (const rgb* s : {&big, &small}) {
            rgb ref;
            inputs.push_back(make_input(*s, fmt, 0, ref));
            views.push_back({inputs.back(), static_cast<std::uint16_t>(s->w),
                             static_cast<std::uint16_t>(s->h), fmt});
        }
    }
    int frames = 0;
    for (int round = 0; round < 10; ++round) {
        for (const auto& v : views) {
            for (const auto samp : {chroma_subsampling::s420, chroma_subsampling::s422}) {
                auto r = enc.encode(v, 80, samp);
                REQUIRE(r.has_value());
                CHECK(r->data() == out);
                ++frames;
            }
        }
    }
    CHECK(frames == 160);

    // A larger frame grows the buffer once; later frames keep using the new one.
    const rgb bigger = smooth_image(640, 480);
    const image_view bv{std::as_bytes(std::span(bigger.px)), 640, 480, pixel_format::rgb888};
    auto grown = enc.encode(bv, 80, chroma_subsampling::s422);
    REQUIRE(grown.has_value());
    const std::byte* out2 = grown->data();
    for (int i = 0; i < 5; ++i) {
        auto r = enc.encode(views[0], 80, chroma_subsampling::s420);
        REQUIRE(r.has_value());
        CHECK(r->data() == out2);
    }
}

TEST_CASE("turbojpeg_encoder: invalid images are refused with the right error", "[encoder][turbojpeg]") {
    turbojpeg_encoder enc;
    std::vector<std::byte> px(64 * 48 * 3);
    const auto ok = image_view{px, 64, 48, pixel_format::rgb888};
    REQUIRE(enc.encode(ok, 90, chroma_subsampling::s420).has_value());

    auto error_of = [&](const image_view& v, chroma_subsampling s = chroma_subsampling::s420) {
        auto r = enc.encode(v, 90, s);
        REQUIRE_FALSE(r.has_value());
        CHECK(std::string(enc.last_error()).size() > 0);
        return r.error();
    };
    image_view v = ok;
    v.width = 0;
    CHECK(error_of(v) == errc::invalid_argument);
    v = ok;
    v.height = 0;
    CHECK(error_of(v) == errc::invalid_argument);
    v = ok;
    v.pixels = std::span<const std::byte>(px).first(px.size() - 1);  // one byte short
    CHECK(error_of(v) == errc::invalid_argument);
    v = ok;
    v.pixels = {};
    CHECK(error_of(v) == errc::invalid_argument);
    v = ok;
    v.stride = 64 * 3 - 1;  // rows overlap
    CHECK(error_of(v) == errc::invalid_argument);
    v = image_view{px, 63, 48, pixel_format::yuyv};  // YUYV pairs need an even width
    CHECK(error_of(v) == errc::invalid_argument);
    v = ok;
    v.format = static_cast<pixel_format>(200);
    CHECK(error_of(v) == errc::unsupported_pixel_format);
    CHECK(error_of(ok, static_cast<chroma_subsampling>(9)) == errc::invalid_argument);

    // The encoder is still usable, and a success clears the message.
    REQUIRE(enc.encode(ok, 90, chroma_subsampling::s422).has_value());
    CHECK(std::string(enc.last_error()).empty());
}

TEST_CASE("turbojpeg_encoder: move-only, the moved-to encoder keeps working", "[encoder][turbojpeg]") {
    static_assert(!std::is_copy_constructible_v<turbojpeg_encoder>);
    static_assert(std::is_nothrow_move_constructible_v<turbojpeg_encoder>);
    static_assert(rtsp::JpegEncoder<turbojpeg_encoder>);
    const rgb src = smooth_image(64, 32);
    const image_view img{std::as_bytes(std::span(src.px)), 64, 32, pixel_format::rgb888};
    turbojpeg_encoder a;
    auto r1 = a.encode(img, 70, chroma_subsampling::s420);
    REQUIRE(r1.has_value());
    const std::vector<std::byte> expected(r1->begin(), r1->end());
    const std::byte* out = r1->data();
    turbojpeg_encoder b(std::move(a));
    auto r2 = b.encode(img, 70, chroma_subsampling::s420);
    REQUIRE(r2.has_value());
    CHECK(r2->data() == out);  // the buffer moved with it
    CHECK(std::vector<std::byte>(r2->begin(), r2->end()) == expected);
    turbojpeg_encoder c;
    c = std::move(b);
    auto r3 = c.encode(img, 70, chroma_subsampling::s420);
    REQUIRE(r3.has_value());
    CHECK(std::vector<std::byte>(r3->begin(), r3->end()) == expected);
    // A moved-from encoder starts over (lazily) when used again.
    auto r4 = a.encode(img, 70, chroma_subsampling::s420);  // NOLINT(bugprone-use-after-move)
    REQUIRE(r4.has_value());
    CHECK(std::vector<std::byte>(r4->begin(), r4->end()) == expected);
}

TEST_CASE("turbojpeg_encoder: a YUYV frame libjpeg refuses fails with libjpeg's reason, then YUYV works",
          "[encoder][turbojpeg]") {
    // libjpeg takes at most 65500 pixels a side; an image_view allows 65535. The refusal comes
    // from inside jpeg_start_compress (libjpeg's error exit, longjmp back to the encoder).
    const std::vector<std::byte> wide(std::size_t{65534} * 2 * 2, std::byte{0x80});
    turbojpeg_encoder enc;
    auto r = enc.encode({wide, 65534, 2, pixel_format::yuyv}, 90, chroma_subsampling::s420);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::encoder_failed);
    CHECK_THAT(std::string(enc.last_error()), Catch::Contains("65500"));

    // The same compressor, reused: a good frame encodes, byte-identical to a fresh encoder's,
    // and the message is cleared; a moved-to encoder takes the compressor along.
    const rgb src = smooth_image(48, 20);
    rgb ref;
    const auto yuyv = make_input(src, pixel_format::yuyv, 0, ref);
    const image_view img{yuyv, 48, 20, pixel_format::yuyv};
    turbojpeg_encoder fresh;
    auto f = fresh.encode(img, 75, chroma_subsampling::s422);
    REQUIRE(f.has_value());
    const std::vector<std::byte> expected(f->begin(), f->end());
    auto g = enc.encode(img, 75, chroma_subsampling::s422);
    REQUIRE(g.has_value());
    CHECK(std::string(enc.last_error()).empty());
    CHECK(std::vector<std::byte>(g->begin(), g->end()) == expected);
    turbojpeg_encoder moved(std::move(enc));
    auto m = moved.encode(img, 75, chroma_subsampling::s422);
    REQUIRE(m.has_value());
    CHECK(std::vector<std::byte>(m->begin(), m->end()) == expected);
    enc = std::move(moved);  // NOLINT(bugprone-use-after-move): assigning back is defined
    auto b = enc.encode(img, 75, chroma_subsampling::s422);
    REQUIRE(b.has_value());
    CHECK(std::vector<std::byte>(b->begin(), b->end()) == expected);
}
