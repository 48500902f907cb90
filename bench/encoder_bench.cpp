// SPDX-License-Identifier: MIT
// bench/encoder_bench.cpp - the library's JPEG encode path against calling libjpeg-turbo
// directly, at quality 90, 4:2:0, 1280x720 and 1920x1080.
//
// The target: rtsp::encoders::turbojpeg_encoder::encode() within 3 % of tjCompress2
// with a preallocated output buffer. The images are tests/support/jpeg_codec.hpp's
// deterministic test image (gradients, a disc, noisy blocks).
//   encoder_rgb        turbojpeg_encoder, rgb888            vs  tj_rgb: tjCompress2, TJPF_RGB
//   encoder_yuyv       turbojpeg_encoder, yuyv (it splits each 16-row MCU row of the 4:2:2
//                      pixels into a 4:2:0 strip and feeds libjpeg's jpeg_write_raw_data; the
//                      bytes are tjCompressFromYUVPlanes' on the same planes)
//                      vs  tj_rgb (tjCompress2 takes no YUYV: the same picture from its
//                      fastest input), and tj_planes: tjCompressFromYUVPlanes on planes split
//                      beforehand, i.e. TurboJPEG's work alone with planes that cost nothing.
// Every benchmark reports the JPEG size so it is visible that all paths compress the same way.
#include <benchmark/benchmark.h>
#include <turbojpeg.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jpeg_codec.hpp"
#include "rtsp/encoders/turbojpeg.hpp"

namespace {

constexpr int quality = 90;

struct images {
    rtsp::test::rgb_image rgb;
    std::vector<std::uint8_t> yuyv;        // 4:2:2 interleaved Y0 U Y1 V
    std::vector<std::uint8_t> y, cb, cr;   // 4:2:0 planes for tj_planes
};

std::uint8_t clamp8(int v) { return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }

const images& get(int w, int h) {
    static images i720, i1080;
    images& im = w == 1280 ? i720 : i1080;
    if (!im.rgb.pixels.empty()) return im;
    im.rgb = rtsp::test::make_test_image(w, h);
    im.yuyv.resize(static_cast<std::size_t>(w) * h * 2);
    std::vector<int> Y(static_cast<std::size_t>(w) * h), U(Y.size()), V(Y.size());
    for (std::size_t p = 0; p < Y.size(); ++p) {  // BT.601 full range, as JFIF
        const int r = im.rgb.pixels[3 * p], g = im.rgb.pixels[3 * p + 1], b = im.rgb.pixels[3 * p + 2];
        Y[p] = (77 * r + 150 * g + 29 * b) >> 8;
        U[p] = ((-43 * r - 85 * g + 128 * b) >> 8) + 128;
        V[p] = ((128 * r - 107 * g - 21 * b) >> 8) + 128;
    }
    for (std::size_t p = 0; p < Y.size(); p += 2) {
        im.yuyv[2 * p] = clamp8(Y[p]);
        im.yuyv[2 * p + 1] = clamp8((U[p] + U[p + 1]) / 2);
        im.yuyv[2 * p + 2] = clamp8(Y[p + 1]);
        im.yuyv[2 * p + 3] = clamp8((V[p] + V[p + 1]) / 2);
    }
    im.y.resize(Y.size());
    for (std::size_t p = 0; p < Y.size(); ++p) im.y[p] = clamp8(Y[p]);
    const int cw = w / 2, ch = h / 2;
    im.cb.resize(static_cast<std::size_t>(cw) * ch);
    im.cr.resize(im.cb.size());
    for (int yy = 0; yy < ch; ++yy)
        for (int xx = 0; xx < cw; ++xx) {
            const std::size_t a = static_cast<std::size_t>(2 * yy) * w + 2 * xx, b = a + w;
            const std::size_t o = static_cast<std::size_t>(yy) * cw + xx;
            im.cb[o] = clamp8((U[a] + U[a + 1] + U[b] + U[b + 1]) / 4);
            im.cr[o] = clamp8((V[a] + V[a + 1] + V[b] + V[b + 1]) / 4);
        }
    return im;
}

void encoder(benchmark::State& state, rtsp::pixel_format fmt) {
    const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
    const images& im = get(w, h);
    const auto& px = fmt == rtsp::pixel_format::rgb888 ? im.rgb.pixels : im.yuyv;
    rtsp::image_view v{std::as_bytes(std::span(px)), static_cast<std::uint16_t>(w),
                       static_cast<std::uint16_t>(h), fmt, 0};
    rtsp::encoders::turbojpeg_encoder enc;
    std::size_t size = 0;
    for (auto _ : state) {
        auto r = enc.encode(v, quality, rtsp::chroma_subsampling::s420);
        if (!r) {
            state.SkipWithError("encode failed");
            return;
        }
        size = r->size();
        benchmark::DoNotOptimize(r->data());
    }
    state.counters["jpeg_bytes"] = static_cast<double>(size);
}

void tj_rgb(benchmark::State& state) {
    const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
    const images& im = get(w, h);
    tjhandle tj = tjInitCompress();
    unsigned long cap = tjBufSize(w, h, TJSAMP_420);
    unsigned char* buf = tjAlloc(static_cast<int>(cap));
    unsigned long size = 0;
    for (auto _ : state) {
        size = cap;
        if (tjCompress2(tj, im.rgb.pixels.data(), w, 0, h, TJPF_RGB, &buf, &size, TJSAMP_420, quality,
                        TJFLAG_NOREALLOC) != 0) {
            state.SkipWithError("tjCompress2 failed");
            break;
        }
        benchmark::DoNotOptimize(buf);
    }
    state.counters["jpeg_bytes"] = static_cast<double>(size);
    tjFree(buf);
    tjDestroy(tj);
}

void tj_planes(benchmark::State& state) {
    const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
    const images& im = get(w, h);
    tjhandle tj = tjInitCompress();
    unsigned long cap = tjBufSize(w, h, TJSAMP_420);
    unsigned char* buf = tjAlloc(static_cast<int>(cap));
    const unsigned char* planes[3] = {im.y.data(), im.cb.data(), im.cr.data()};
    int strides[3] = {w, w / 2, w / 2};
    unsigned long size = 0;
    for (auto _ : state) {
        size = cap;
        if (tjCompressFromYUVPlanes(tj, planes, w, strides, h, TJSAMP_420, &buf, &size, quality,
                                    TJFLAG_NOREALLOC) != 0) {
            state.SkipWithError("tjCompressFromYUVPlanes failed");
            break;
        }
        benchmark::DoNotOptimize(buf);
    }
    state.counters["jpeg_bytes"] = static_cast<double>(size);
    tjFree(buf);
    tjDestroy(tj);
}

void sizes(benchmark::internal::Benchmark* b) {
    b->Args({1280, 720})->Args({1920, 1080})->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK_CAPTURE(encoder, rgb, rtsp::pixel_format::rgb888)->Apply(sizes);
BENCHMARK(tj_rgb)->Apply(sizes);
BENCHMARK_CAPTURE(encoder, yuyv, rtsp::pixel_format::yuyv)->Apply(sizes);
BENCHMARK(tj_planes)->Apply(sizes);

BENCHMARK_MAIN();
