// SPDX-License-Identifier: MIT
// frame_tool - the small pieces the interop scripts need that bash cannot do well: a free
// loopback port, and comparing frames a real client decoded from the stream with what the
// server was given (byte-exact for JPEG files, PSNR against the rendered test pattern).
//
//   frame_tool free-port
//       Prints a TCP port on 127.0.0.1 that was free a moment ago (bind to port 0).
//   frame_tool match W H STREAM.rgb REF1.rgb [REF2.rgb ...]
//       STREAM.rgb: frames of W*H*3 bytes (rgb24) a client wrote. Every frame must be
//       byte-identical to one REF (the files' own decodings, in serving order), and each frame
//       must be the REF after the previous one's (cyclically): the stream may start anywhere.
//   frame_tool render W H N OUT.ppm
//       Writes test pattern frame N (clock at 00:00:00.000) as a binary PPM, for diagnosis and
//       for encoding a local reference.
//   frame_tool pattern W H STREAM.rgb MIN_DB MAX_FRAME QUALITY OUTDIR
//       For each streamed frame, renders rtsp-serve's test pattern (examples/rtsp_serve/
//       test_pattern.hpp) for every frame number 0..MAX_FRAME and picks the closest. The clock
//       line is masked: it shows the server's wall time at encode, which the client cannot know;
//       the frame counter and everything else are compared. Requires luma (BT.601 Y) PSNR >=
//       MIN_DB against the pattern and increasing frame numbers; prints the RGB PSNR too. Writes
//       OUTDIR/ref_NNNN.jpg per streamed frame: the matched pattern frame encoded by the
//       library's TurboJPEG encoder at QUALITY, 4:2:0 - what rtsp-serve sends - for masked-equal.
//       (Why luma: 4:2:0 alone costs this pattern's saturated colour-bar edges about 38 dB of RGB
//       PSNR at quality 90, with any encoder; an RGB limit of 40 dB would measure the chroma
//       subsampling, not the stream. masked-equal then shows nothing else was lost.)
//   frame_tool masked-equal W H STREAM.rgb REF_0.rgb REF_1.rgb ...
//       Frame i of STREAM must equal REF_i byte for byte outside the clock mask: the stream
//       decodes to exactly what a local encode of the same picture decodes to, with the same
//       decoder.
// Exit status: 0 pass, 1 mismatch, 2 usage or I/O error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <rtsp/encoders/turbojpeg.hpp>

#include "../../examples/rtsp_serve/test_pattern.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;

bool read_file(const char* path, bytes& out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    return true;
}

int usage() {
    std::fprintf(stderr,
                 "usage: frame_tool free-port\n"
                 "       frame_tool match W H STREAM.rgb REF.rgb...\n"
                 "       frame_tool render W H N OUT.ppm\n"
                 "       frame_tool pattern W H STREAM.rgb MIN_DB MAX_FRAME QUALITY OUTDIR\n"
                 "       frame_tool masked-equal W H STREAM.rgb REF.rgb...\n");
    return 2;
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 2;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        std::perror("frame_tool free-port");
        return 2;
    }
    std::printf("%u\n", static_cast<unsigned>(ntohs(a.sin_port)));
    ::close(fd);
    return 0;
}

bool load_stream(const char* path, std::size_t frame_size, bytes& data, std::size_t& frames) {
    if (!read_file(path, data)) {
        std::fprintf(stderr, "frame_tool: cannot read %s\n", path);
        return false;
    }
    frames = data.size() / frame_size;
    if (frames == 0 || data.size() % frame_size != 0) {
        std::fprintf(stderr, "frame_tool: %s holds %zu bytes, not a whole number (>= 1) of %zu-byte frames\n",
                     path, data.size(), frame_size);
        return false;
    }
    return true;
}

int match(std::size_t w, std::size_t h, const char* stream, int nrefs, char** refs) {
    const std::size_t fs = w * h * 3;
    bytes data;
    std::size_t frames = 0;
    if (!load_stream(stream, fs, data, frames)) return 2;
    std::vector<bytes> ref(static_cast<std::size_t>(nrefs));
    for (int i = 0; i < nrefs; ++i) {
        if (!read_file(refs[i], ref[static_cast<std::size_t>(i)]) || ref[static_cast<std::size_t>(i)].size() != fs) {
            std::fprintf(stderr, "frame_tool: %s is missing or not %zux%zu rgb24\n", refs[i], w, h);
            return 2;
        }
    }
    int bad = 0;
    long prev = -1;
    for (std::size_t f = 0; f < frames; ++f) {
        const std::uint8_t* p = data.data() + f * fs;
        long which = -1;
        for (std::size_t r = 0; r < ref.size() && which < 0; ++r)
            if (std::memcmp(p, ref[r].data(), fs) == 0) which = static_cast<long>(r);
        if (which < 0) {
            // Say how far off the closest file is, to tell corruption from a different picture.
            std::size_t best_r = 0, best_diff = std::numeric_limits<std::size_t>::max(), best_max = 0;
            for (std::size_t r = 0; r < ref.size(); ++r) {
                std::size_t diff = 0, mx = 0;
                for (std::size_t i = 0; i < fs; ++i) {
                    std::size_t d = static_cast<std::size_t>(std::abs(int(p[i]) - int(ref[r][i])));
                    diff += d != 0;
                    mx = std::max(mx, d);
                }
                if (diff < best_diff) best_diff = diff, best_r = r, best_max = mx;
            }
            std::printf("frame %zu: identical to no file; closest %s differs in %zu of %zu bytes (max %zu)\n",
                        f, refs[best_r], best_diff, fs, best_max);
            ++bad;
            prev = -1;
            continue;
        }
        std::printf("frame %zu: identical to %s\n", f, refs[which]);
        if (prev >= 0 && which != (prev + 1) % nrefs) {
            std::printf("frame %zu: out of order: expected %s after %s\n", f, refs[(prev + 1) % nrefs], refs[prev]);
            ++bad;
        }
        prev = which;
    }
    std::printf("%zu frame(s), %d problem(s)\n", frames, bad);
    return bad ? 1 : 0;
}

struct box {
    std::size_t x0, y0, x1, y1;
    bool contains(std::size_t x, std::size_t y) const { return x >= x0 && x < x1 && y >= y0 && y < y1; }
};

// The clock line of test_pattern::draw, widened to whole 16x16 MCUs plus one MCU on each side:
// JPEG's blocks and chroma upsampling spread its pixels that far.
box clock_mask(const rtsp_serve::test_pattern& tp) {
    const auto panel = tp.text_panel();
    const int scale = tp.text_scale(), pad = scale * 2;
    const int cx = panel.x + pad, cy = panel.y + 2 * pad + rtsp_serve::glyph_height * scale;
    const int cw = 12 * rtsp_serve::glyph_advance * scale, ch = rtsp_serve::glyph_height * scale;
    auto down = [](int v) { return static_cast<std::size_t>(std::max(0, (v / 16 - 1) * 16)); };
    auto up = [](int v, std::size_t lim) {
        return std::min(lim, static_cast<std::size_t>((v + 15) / 16 * 16 + 16));
    };
    return {down(cx), down(cy), up(cx + cw, tp.width()), up(cy + ch, tp.height())};
}

int pattern(std::size_t w, std::size_t h, const char* stream, double min_db, std::uint64_t max_frame,
            int quality, const std::string& outdir) {
    const std::size_t fs = w * h * 3;
    bytes data;
    std::size_t frames = 0;
    if (!load_stream(stream, fs, data, frames)) return 2;
    rtsp_serve::test_pattern tp(static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h));

    const box mask = clock_mask(tp);
    std::printf("clock mask: x %zu..%zu, y %zu..%zu (%.1f%% of the picture)\n", mask.x0, mask.x1, mask.y0, mask.y1,
                100.0 * double((mask.x1 - mask.x0) * (mask.y1 - mask.y0)) / double(w * h));

    // Render each candidate once (holding them all would take gigabytes at 1280x720), score it
    // against every streamed frame on a sparse grid, then compare the best few exactly.
    auto sse = [&](const std::uint8_t* a, const std::uint8_t* b, std::size_t step, std::size_t& count) {
        double s = 0;
        count = 0;
        for (std::size_t y = 0; y < h; y += step)
            for (std::size_t x = 0; x < w; x += step) {
                if (mask.contains(x, y)) continue;
                const std::size_t i = (y * w + x) * 3;
                for (std::size_t c = 0; c < 3; ++c) {
                    const double d = double(a[i + c]) - double(b[i + c]);
                    s += d * d;
                }
                count += 3;
            }
        return s;
    };
    auto render = [&](std::uint64_t n) {
        return reinterpret_cast<const std::uint8_t*>(tp.draw(n, 0).pixels.data());
    };
    constexpr std::size_t keep = 4;
    std::vector<std::vector<std::pair<double, std::uint64_t>>> best(frames);
    for (std::uint64_t n = 0; n <= max_frame; ++n) {
        const std::uint8_t* r = render(n);
        for (std::size_t f = 0; f < frames; ++f) {
            std::size_t cnt = 0;
            auto& b = best[f];
            b.emplace_back(sse(data.data() + f * fs, r, 4, cnt), n);
            std::sort(b.begin(), b.end());
            if (b.size() > keep) b.pop_back();
        }
    }

    auto psnr_of = [](double sse_sum, std::size_t count) {
        const double mse = sse_sum / double(count);
        return mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
    };
    auto luma_psnr = [&](const std::uint8_t* a, const std::uint8_t* b) {
        double s = 0;
        std::size_t count = 0;
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x) {
                if (mask.contains(x, y)) continue;
                const std::size_t i = (y * w + x) * 3;
                const double ya = 0.299 * a[i] + 0.587 * a[i + 1] + 0.114 * a[i + 2];
                const double yb = 0.299 * b[i] + 0.587 * b[i + 1] + 0.114 * b[i + 2];
                s += (ya - yb) * (ya - yb);
                ++count;
            }
        return psnr_of(s, count);
    };

    rtsp::encoders::turbojpeg_encoder encoder;
    int bad = 0;
    long long prev = -1;
    for (std::size_t f = 0; f < frames; ++f) {
        const std::uint8_t* p = data.data() + f * fs;
        double best_psnr = -1;
        std::uint64_t best_n = 0;
        for (const auto& cand : best[f]) {
            std::size_t cnt = 0;
            const double e = sse(p, render(cand.second), 1, cnt);
            const double psnr = psnr_of(e, cnt);
            if (psnr > best_psnr) best_psnr = psnr, best_n = cand.second;
        }
        const std::uint8_t* pat = render(best_n);
        const double y_psnr = luma_psnr(p, pat);
        auto jpeg = encoder.encode(tp.view(), quality, rtsp::chroma_subsampling::s420);
        char name[32];
        std::snprintf(name, sizeof name, "/ref_%04zu.jpg", f);
        std::FILE* out = jpeg ? std::fopen((outdir + name).c_str(), "wb") : nullptr;
        if (!out || std::fwrite(jpeg->data(), 1, jpeg->size(), out) != jpeg->size() || std::fclose(out) != 0) {
            std::fprintf(stderr, "frame_tool: cannot write the reference %s%s\n", outdir.c_str(), name);
            return 2;
        }
        const bool luma_ok = y_psnr >= min_db;
        const bool ordered = prev < 0 || static_cast<long long>(best_n) > prev;
        std::printf("frame %zu: pattern frame %llu: Y PSNR %.2f dB, RGB PSNR %.2f dB%s%s\n", f,
                    static_cast<unsigned long long>(best_n), y_psnr, best_psnr,
                    luma_ok ? "" : "  << Y below the limit", ordered ? "" : "  << frame number did not increase");
        bad += !luma_ok || !ordered;
        prev = static_cast<long long>(best_n);
    }
    std::printf("%zu frame(s), %d problem(s) (limit %.1f dB)\n", frames, bad, min_db);
    return bad ? 1 : 0;
}

int masked_equal(std::size_t w, std::size_t h, const char* stream, int nrefs, char** refs) {
    const std::size_t fs = w * h * 3;
    bytes data;
    std::size_t frames = 0;
    if (!load_stream(stream, fs, data, frames)) return 2;
    if (frames != static_cast<std::size_t>(nrefs)) {
        std::fprintf(stderr, "frame_tool: %zu streamed frames but %d references\n", frames, nrefs);
        return 2;
    }
    const rtsp_serve::test_pattern tp(static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h));
    const box mask = clock_mask(tp);
    int bad = 0;
    for (std::size_t f = 0; f < frames; ++f) {
        bytes ref;
        if (!read_file(refs[f], ref) || ref.size() != fs) {
            std::fprintf(stderr, "frame_tool: %s is missing or not %zux%zu rgb24\n", refs[f], w, h);
            return 2;
        }
        const std::uint8_t* p = data.data() + f * fs;
        std::size_t differ = 0, compared = 0, worst = 0;
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x) {
                if (mask.contains(x, y)) continue;
                for (std::size_t c = 0; c < 3; ++c) {
                    const std::size_t i = (y * w + x) * 3 + c;
                    const auto d = static_cast<std::size_t>(std::abs(int(p[i]) - int(ref[i])));
                    differ += d != 0;
                    worst = std::max(worst, d);
                    ++compared;
                }
            }
        std::printf("frame %zu: %s outside the clock: %zu of %zu bytes differ (max %zu)\n", f,
                    differ ? "DIFFERENT from the local encode" : "identical to the local encode", differ,
                    compared, worst);
        bad += differ != 0;
    }
    return bad ? 1 : 0;
}

int render_ppm(std::size_t w, std::size_t h, std::uint64_t n, const char* out) {
    rtsp_serve::test_pattern tp(static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h));
    auto v = tp.draw(n, 0);
    std::FILE* f = std::fopen(out, "wb");
    if (!f) {
        std::perror(out);
        return 2;
    }
    std::fprintf(f, "P6\n%zu %zu\n255\n", w, h);
    const bool ok = std::fwrite(v.pixels.data(), 1, v.pixels.size(), f) == v.pixels.size();
    return std::fclose(f) == 0 && ok ? 0 : 2;
}

bool to_size(const char* s, std::size_t& out) {
    char* end = nullptr;
    unsigned long v = std::strtoul(s, &end, 10);
    if (!end || *end || v == 0 || v > 4096) return false;
    out = v;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string cmd = argv[1];
    if (cmd == "free-port" && argc == 2) return free_port();
    std::size_t w = 0, h = 0;
    if (argc < 5 || !to_size(argv[2], w) || !to_size(argv[3], h)) return usage();
    if (cmd == "match" && argc >= 6) return match(w, h, argv[4], argc - 5, argv + 5);
    if (cmd == "render" && argc == 6) return render_ppm(w, h, std::strtoull(argv[4], nullptr, 10), argv[5]);
    if (cmd == "masked-equal" && argc >= 6) return masked_equal(w, h, argv[4], argc - 5, argv + 5);
    if (cmd == "pattern" && argc == 9) {
        const double min_db = std::atof(argv[5]);
        const auto max_frame = std::strtoull(argv[6], nullptr, 10);
        const int quality = std::atoi(argv[7]);
        if (min_db <= 0 || max_frame > 100000 || quality < 1 || quality > 100) return usage();
        return pattern(w, h, argv[4], min_db, max_frame, quality, argv[8]);
    }
    return usage();
}
