// SPDX-License-Identifier: MIT
// pure_layers_bench.cpp - what the pure layers cost per frame on the host: jpeg::parse plus
// RFC 2435 packetization of one whole frame, next to a memcpy of the same JPEG as baseline.
//
// The frame work is what the server does once per frame and path: parse the JPEG, plan the
// packets, and for every packet write its 12-byte RTP header and RFC 2435 headers into a
// scratch buffer (the iovec heads of one sendmmsg/GSO batch) while the scan slices are only
// referenced, their sizes summed. Copying the JPEG once is the natural yardstick: a server
// that copied the frame into its packets would pay at least that, so "x memcpy" says how the
// zero-copy planning compares with the cheapest possible alternative. The parse alone is
// measured too, to show where the frame time goes.
//
// The JPEGs are made at startup (libjpeg, quality 90, 4:2:0, tests/support/jpeg_codec.hpp) so
// the sizes are those of a real camera-like frame. --markdown_out=FILE also writes the result
// table for BENCHMARKS.md (bench/run_pure_layers.sh passes it).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <rtsp/error.hpp>
#include <rtsp/jpeg/parser.hpp>
#include <rtsp/rtp/header.hpp>
#include <rtsp/rtp/jpeg_packetizer.hpp>

#include "jpeg_codec.hpp"

namespace {

struct sample {
    int width = 0, height = 0;
    std::vector<std::byte> jpeg;
    std::size_t packets = 0;
    std::string label() const { return std::to_string(width) + "x" + std::to_string(height); }
};

std::vector<sample>& samples() {
    static std::vector<sample> s;
    return s;
}

// The scratch buffer holds the headers of every packet of the frame, back to back; get() wants
// a full max_payload_header_size window even when it writes less, hence the per-packet bound.
constexpr std::size_t per_packet_headers = rtsp::rtp::header_size + rtsp::rtp::max_payload_header_size;

// Checks once, outside the timing, that packetization covers the scan exactly, in order.
bool verify(sample& s, std::string& why) {
    auto f = rtsp::jpeg::parse(s.jpeg);
    if (!f) {
        why = std::string("parse: ") + std::string(rtsp::to_string(f.error()));
        return false;
    }
    auto p = rtsp::rtp::jpeg_packetizer::create(*f, {});
    if (!p) {
        why = std::string("packetizer: ") + std::string(rtsp::to_string(p.error()));
        return false;
    }
    std::byte header[rtsp::rtp::max_payload_header_size];
    std::size_t expected_offset = 0;
    for (std::size_t i = 0; i < p->packet_count(); ++i) {
        const auto pk = p->get(i, header);
        if (pk.fragment_offset != expected_offset || pk.scan.data() != f->scan.data() + expected_offset ||
            pk.last != (i + 1 == p->packet_count())) {
            why = "packet " + std::to_string(i) + " does not continue the scan";
            return false;
        }
        expected_offset += pk.scan.size();
    }
    if (expected_offset != f->scan.size()) {
        why = "packets carry " + std::to_string(expected_offset) + " of " +
              std::to_string(f->scan.size()) + " scan bytes";
        return false;
    }
    s.packets = p->packet_count();
    return true;
}

void parse_and_packetize(benchmark::State& state, const sample* s) {
    std::vector<std::byte> scratch(per_packet_headers * s->packets);
    rtsp::rtp::header rtp{};
    rtp.ssrc = 0x12345678;
    for (auto _ : state) {
        auto f = rtsp::jpeg::parse(s->jpeg);
        if (!f) {
            state.SkipWithError("jpeg::parse failed");
            break;
        }
        auto p = rtsp::rtp::jpeg_packetizer::create(*f, {});
        if (!p) {
            state.SkipWithError("jpeg_packetizer::create failed");
            break;
        }
        std::size_t used = 0, scan_bytes = 0;
        for (std::size_t i = 0; i < p->packet_count(); ++i) {
            std::byte* at = scratch.data() + used;
            const auto pk = p->get(i, std::span<std::byte, rtsp::rtp::max_payload_header_size>(
                                          at + rtsp::rtp::header_size, rtsp::rtp::max_payload_header_size));
            rtp.marker = pk.last;
            rtsp::rtp::write(rtp, std::span<std::byte, rtsp::rtp::header_size>(at, rtsp::rtp::header_size));
            ++rtp.sequence;
            used += rtsp::rtp::header_size + pk.header_size;
            scan_bytes += pk.scan.size();
        }
        rtp.timestamp += 3000;  // 30 fps at 90 kHz
        benchmark::DoNotOptimize(scratch.data());
        benchmark::DoNotOptimize(scan_bytes);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(s->jpeg.size()));
    state.counters["packets"] = static_cast<double>(s->packets);
}

// The parse alone, to show how the frame time splits: it walks the whole scan looking for
// markers, while the packetizer's work is per packet, not per byte.
void parse_only(benchmark::State& state, const sample* s) {
    for (auto _ : state) {
        auto f = rtsp::jpeg::parse(s->jpeg);
        if (!f) {
            state.SkipWithError("jpeg::parse failed");
            break;
        }
        benchmark::DoNotOptimize(f->scan.size());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(s->jpeg.size()));
    state.counters["packets"] = static_cast<double>(s->packets);  // same columns as above
}

void copy_jpeg(benchmark::State& state, const sample* s) {
    std::vector<std::byte> dst(s->jpeg.size());
    for (auto _ : state) {
        benchmark::DoNotOptimize(dst.data());
        std::memcpy(dst.data(), s->jpeg.data(), s->jpeg.size());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(s->jpeg.size()));
    state.counters["packets"] = static_cast<double>(s->packets);  // same columns as above
}

// The console output as usual, plus the figures the markdown table needs: the median of the
// repetitions when there are several, else the single run. Both figures are per CPU second
// (Google Benchmark's bytes_per_second is), which a busy machine disturbs less than wall time.
class collecting_reporter : public benchmark::ConsoleReporter {
public:
    explicit collecting_reporter(bool color)
        : ConsoleReporter(color ? OO_ColorTabular : OO_Tabular) {}

    struct figures {
        double bytes_per_second = 0;
        double cpu_ns_per_frame = 0;
        bool from_median = false;
    };
    std::map<std::string, figures> results;
    bool any_error = false;

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& r : runs) {
            if (r.error_occurred) {
                any_error = true;
                continue;
            }
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type == Run::RT_Aggregate && !median) continue;
            auto& f = results[r.run_name.function_name];
            if (f.from_median && !median) continue;
            const auto bps = r.counters.find("bytes_per_second");
            f.bytes_per_second = bps == r.counters.end() ? 0.0 : double(bps->second);
            f.cpu_ns_per_frame = r.GetAdjustedCPUTime() *
                             (r.time_unit == benchmark::kNanosecond    ? 1.0
                              : r.time_unit == benchmark::kMicrosecond ? 1e3
                              : r.time_unit == benchmark::kMillisecond ? 1e6
                                                                       : 1e9);
            f.from_median = median;
        }
    }
};

std::string pp_name(const sample& s) { return "pure_layers/parse+packetize/" + s.label(); }
std::string parse_name(const sample& s) { return "pure_layers/parse_only/" + s.label(); }
std::string memcpy_name(const sample& s) { return "pure_layers/memcpy_baseline/" + s.label(); }

std::string format(const char* fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

std::string markdown_table(const collecting_reporter& rep) {
    std::string t =
        "| Frame | JPEG bytes | RTP packets | parse + packetize | of which parse | "
        "memcpy of the JPEG | parse + packetize time / memcpy time |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& s : samples()) {
        const auto pp = rep.results.find(pp_name(s));
        const auto pa = rep.results.find(parse_name(s));
        const auto mc = rep.results.find(memcpy_name(s));
        if (pp == rep.results.end() || pa == rep.results.end() || mc == rep.results.end()) continue;
        const double gib = 1024.0 * 1024.0 * 1024.0;
        t += "| " + s.label() + " | " + std::to_string(s.jpeg.size()) + " | " +
             std::to_string(s.packets) + " | " +
             format("%.2f GiB/s", pp->second.bytes_per_second / gib) + " (" +
             format("%.2f us/frame", pp->second.cpu_ns_per_frame / 1e3) + ") | " +
             format("%.2f us", pa->second.cpu_ns_per_frame / 1e3) + " | " +
             format("%.2f GiB/s", mc->second.bytes_per_second / gib) + " (" +
             format("%.2f us", mc->second.cpu_ns_per_frame / 1e3) + ") | " +
             format("%.2f", mc->second.bytes_per_second / pp->second.bytes_per_second) + " |\n";
    }
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    // Our own flag, removed before Google Benchmark sees the rest.
    std::string markdown_out;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        constexpr std::string_view flag = "--markdown_out=";
        const std::string_view arg = argv[i];
        if (arg.substr(0, flag.size()) == flag) markdown_out = std::string(arg.substr(flag.size()));
        else argv[kept++] = argv[i];
    }
    argc = kept;

    for (const auto& [w, h] : {std::pair{640, 480}, std::pair{1280, 720}, std::pair{1920, 1080}}) {
        sample s;
        s.width = w;
        s.height = h;
        s.jpeg = rtsp::test::encode_jpeg(rtsp::test::make_test_image(w, h), {});
        std::string why;
        if (s.jpeg.empty() || !verify(s, why)) {
            std::fprintf(stderr, "cannot prepare the %dx%d JPEG: %s\n", w, h,
                         s.jpeg.empty() ? "libjpeg failed" : why.c_str());
            return 1;
        }
        samples().push_back(std::move(s));
    }
    for (const auto& s : samples()) {
        benchmark::RegisterBenchmark(pp_name(s).c_str(), parse_and_packetize, &s);
        benchmark::RegisterBenchmark(parse_name(s).c_str(), parse_only, &s);
        benchmark::RegisterBenchmark(memcpy_name(s).c_str(), copy_jpeg, &s);
    }
    benchmark::AddCustomContext("jpeg", "libjpeg quality 90, 4:2:0, baseline, standard Huffman tables");
    benchmark::AddCustomContext("mtu", "1400 bytes (jpeg_packetizer_options default), q=255");

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    collecting_reporter reporter(isatty(STDOUT_FILENO) != 0);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    if (reporter.any_error) return 1;

    const std::string table = markdown_table(reporter);
    std::printf("\n%s", table.c_str());
    if (!markdown_out.empty()) {
        std::FILE* f = std::fopen(markdown_out.c_str(), "w");
        if (f == nullptr || std::fputs(table.c_str(), f) < 0 || std::fclose(f) != 0) {
            std::fprintf(stderr, "cannot write %s\n", markdown_out.c_str());
            return 1;
        }
    }
    return 0;
}
