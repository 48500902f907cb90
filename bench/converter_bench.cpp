// SPDX-License-Identifier: MIT
// bench/converter_bench.cpp - what rtsp::encoders::jpeg_converter costs per frame, against
// decoding the same file (what any viewer of it pays), at 1280x720 and 1920x1080.
//
// rtsp-serve converts a file RFC 2435 cannot carry on every pass (one frame in memory), so this
// is CPU per frame served from such a file. The picture is tests/support/jpeg_codec.hpp's
// deterministic test image, encoded at quality 90:
//   convert_asis         a baseline 4:2:0 file: parse only, the input comes back untouched
//   convert_progressive  progressive 4:2:0: lossless re-coding (entropy decode + encode, no DCT)
//   convert_optimized    optimized Huffman tables (ffmpeg -f mjpeg's default): lossless re-coding
//   convert_444          baseline 4:4:4: decode to RGB, encode 4:2:0 at quality 90
//   decode_progressive   tjDecompress2 of the progressive file to RGB: the baseline to compare
//                        the conversions with (a full decode, as a client does)
// Run: build/bench-release/bench/rtsp_bench_converter --benchmark_repetitions=5
//      --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <turbojpeg.h>

#include <cstddef>
#include <map>
#include <utility>
#include <vector>

#include "jpeg_codec.hpp"
#include "rtsp/encoders/jpeg_converter.hpp"

namespace {

enum class kind { asis, progressive, optimized, s444 };

const std::vector<std::byte>& file(kind k, int w, int h) {
    static std::map<std::pair<int, int>, std::map<kind, std::vector<std::byte>>> cache;
    auto& slot = cache[{w, h}][k];
    if (slot.empty()) {
        rtsp::test::encode_options o;
        o.quality = 90;
        if (k == kind::progressive) o.progressive = true;
        if (k == kind::optimized) o.optimize_huffman = true;
        if (k == kind::s444) o.chroma = rtsp::test::sampling::s444;
        slot = rtsp::test::encode_jpeg(rtsp::test::make_test_image(w, h), o);
    }
    return slot;
}

void convert(benchmark::State& state, kind k) {
    const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
    const auto& in = file(k, w, h);
    rtsp::encoders::jpeg_converter conv;
    std::size_t out = 0;
    for (auto _ : state) {
        const auto r = conv.convert(in, 90);
        if (!r) {
            state.SkipWithError(conv.last_error());
            return;
        }
        out = r->jpeg.size();
        benchmark::DoNotOptimize(r->jpeg.data());
    }
    state.counters["in_bytes"] = static_cast<double>(in.size());
    state.counters["out_bytes"] = static_cast<double>(out);
}

void decode_progressive(benchmark::State& state) {
    const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
    const auto& in = file(kind::progressive, w, h);
    tjhandle tj = tjInitDecompress();
    std::vector<unsigned char> rgb(static_cast<std::size_t>(w) * h * 3);
    for (auto _ : state) {
        if (tjDecompress2(tj, reinterpret_cast<const unsigned char*>(in.data()), in.size(), rgb.data(), w, 0,
                          h, TJPF_RGB, 0) != 0) {
            state.SkipWithError("tjDecompress2 failed");
            break;
        }
        benchmark::DoNotOptimize(rgb.data());
    }
    tjDestroy(tj);
}

void sizes(benchmark::internal::Benchmark* b) {
    b->Args({1280, 720})->Args({1920, 1080})->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK_CAPTURE(convert, asis, kind::asis)->Apply(sizes);
BENCHMARK_CAPTURE(convert, progressive, kind::progressive)->Apply(sizes);
BENCHMARK_CAPTURE(convert, optimized, kind::optimized)->Apply(sizes);
BENCHMARK_CAPTURE(convert, 444, kind::s444)->Apply(sizes);
BENCHMARK(decode_progressive)->Apply(sizes);

BENCHMARK_MAIN();
