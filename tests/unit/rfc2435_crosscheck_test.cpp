// Cross-check of the RFC 2435 packetizer against real receivers: GStreamer (udpsrc !
// rtpjpegdepay ! jpegdec) and FFmpeg (SDP input, rtpdec_jpeg + its MJPEG decoder), run as
// child processes that receive our RTP packets over UDP on 127.0.0.1.
//
// Two things are compared for every frame:
//  1. The JPEG each receiver's depayloader rebuilt (GStreamer: multifilesink after
//     rtpjpegdepay; FFmpeg: `-c:v copy -f mjpeg`), decoded here with libjpeg, must give EXACTLY
//     the pixels libjpeg gives for the original JPEG. This proves the receiver read type, Q,
//     tables, size and restart interval the way we meant them, bit for bit.
//  2. The receiver's own decoded pictures:
//     - GStreamer 1.22 (Debian 12) jpegdec decodes YCbCr JPEGs to I420 only (its RGB output
//       needs a libjpeg-turbo colour extension this build does not use), with libjpeg's
//       raw_data_out (no upsampling, no colour conversion) and the IDCT named by idct-method
//       (default ifast). With idct-method=islow its Y, Cb and Cr planes must EQUAL libjpeg-turbo's
//       raw islow planes of the original (TurboJPEG tjDecompressToYUVPlanes, the same library).
//       A 4:2:2 JPEG is squeezed into I420 by keeping every second chroma row: I420 chroma row
//       m is JPEG chroma row 2m+1 (measured, and what gst_jpeg_dec_decode_direct() does when
//       it points two output rows at one buffer row). Then videoconvert makes RGB with
//       BT.601 full-range coefficients and replicated chroma; measured against the JFIF
//       formulas in double precision on the same planes, it is within 3 per channel, 0.8 on
//       average, so the bound is max 5, mean 1.5.
//     - FFmpeg decodes with its own IDCT and converts yuvj420p/yuvj422p to rgb24 with swscale
//       (chroma replicated, like libjpeg's merged upsampler). Measured against libjpeg
//       (islow, no fancy upsampling): the YCbCr planes differ by at most 1 in ~2% of samples
//       (IDCT rounding), the RGB by at most 4 and about 0.7 on average (conversion rounding),
//       so the bound is max 8 and mean 1.5.
//     A wrong table, sampling or size gives errors in the tens to hundreds.
// Receivers decode the size from the RTP header, i.e. rounded up to a multiple of 8 (or the
// SDP x-dimensions); the comparison uses the original's width x height at the top left.
//
// The tools come from Debian (gstreamer1.0-tools, gstreamer1.0-plugins-good, ffmpeg). A
// missing tool or element FAILS the test with a message saying what to install.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <turbojpeg.h>

#include "jpeg_codec.hpp"
#include "rfc2435_depayloader.hpp"
#include "rtsp/jpeg/parser.hpp"
#include "rtsp/rtp/jpeg_packetizer.hpp"

extern char** environ;

namespace rtp = rtsp::rtp;
namespace jpeg = rtsp::jpeg;
namespace test = rtsp::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

// --- processes ---------------------------------------------------------------------------

bool in_path(const std::string& exe) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (!dir.empty() && ::access((fs::path(dir) / exe).c_str(), X_OK) == 0) return true;
    }
    return false;
}

// Starts argv[0] (looked up in PATH) with stdin from /dev/null and stdout+stderr into `log`.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

// Waits up to `timeout` for the child; its exit status, or nullopt if it is still running.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0) return -1;
        if (steady::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}

// Owns one child process: asks it to stop with `sig`, then kills and reaps it, bounded.
struct child {
    pid_t pid = -1;
    std::optional<int> status;
    explicit child(pid_t p) : pid(p) {}
    child(const child&) = delete;
    child& operator=(const child&) = delete;
    bool running() {
        if (!status) status = wait_for(pid, 0ms);
        return !status;
    }
    int stop(int sig, std::chrono::milliseconds grace) {
        if (running()) {
            ::kill(pid, sig);
            status = wait_for(pid, grace);
            if (!status) {
                ::kill(pid, SIGKILL);
                status = wait_for(pid, 5s);
            }
        }
        return status.value_or(-1);
    }
    ~child() {
        if (pid > 0) stop(SIGKILL, 0ms);
    }
};

std::string read_text(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    return s.size() > 4000 ? "..." + s.substr(s.size() - 4000) : s;
}

std::vector<std::byte> read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(f)), {});
    std::vector<std::byte> out(c.size());
    std::memcpy(out.data(), c.data(), c.size());
    return out;
}

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string templ = (fs::temp_directory_path() / "rtsp-crosscheck-XXXXXX").string();
        if (::mkdtemp(templ.data()) != nullptr) path = templ;
    }
    ~temp_dir() {
        std::error_code ec;
        if (!path.empty()) fs::remove_all(path, ec);
    }
};

// --- UDP ---------------------------------------------------------------------------------

// A UDP port on 127.0.0.1 that is free right now (and, if asked, the next one too, for RTCP).
std::uint16_t free_udp_port(bool with_next) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int a = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (::bind(a, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(a, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ::close(a);
            continue;
        }
        const std::uint16_t port = ntohs(addr.sin_port);
        bool ok = port != 0 && port < 65534;
        if (ok && with_next) {
            ok = port % 2 == 0;  // RTP even, RTCP odd
            const int b = ::socket(AF_INET, SOCK_DGRAM, 0);
            addr.sin_port = htons(static_cast<std::uint16_t>(port + 1));
            ok = ok && ::bind(b, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
            ::close(b);
        }
        ::close(a);
        if (ok) return port;
    }
    return 0;
}

// True when some socket is bound to UDP `port` (read from /proc, so probing cannot race with
// the receiver's own bind).
bool udp_port_bound(std::uint16_t port) {
    char hex[8];
    std::snprintf(hex, sizeof hex, ":%04X", port);
    for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
        std::ifstream f(table);
        std::string line;
        std::getline(f, line);  // column titles
        while (std::getline(f, line)) {
            std::istringstream fields(line);
            std::string slot, local;
            fields >> slot >> local;
            if (local.size() > 5 && local.compare(local.size() - 5, 5, hex) == 0) return true;
        }
    }
    return false;
}

// Waits until the receiver has bound `port`, bounded; false if it died or took too long.
bool wait_bound(child& c, std::uint16_t port, std::chrono::seconds timeout) {
    const auto deadline = steady::now() + timeout;
    while (steady::now() < deadline) {
        if (udp_port_bound(port)) return true;
        if (!c.running()) return false;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

struct udp_sender {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    explicit udp_sender(std::uint16_t port) {
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        to.sin_port = htons(port);
    }
    udp_sender(const udp_sender&) = delete;
    udp_sender& operator=(const udp_sender&) = delete;
    ~udp_sender() { ::close(fd); }
    // Sends one frame's packets with a little pacing so the receiver's socket never overflows.
    bool send(const std::vector<std::vector<std::byte>>& packets) {
        std::size_t n = 0;
        for (const auto& p : packets) {
            const auto r = ::sendto(fd, p.data(), p.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                                    sizeof to);
            if (r != static_cast<ssize_t>(p.size())) return false;
            if (++n % 8 == 0) std::this_thread::sleep_for(200us);
        }
        return true;
    }
};

// --- frames ------------------------------------------------------------------------------

// libjpeg with the settings GStreamer's jpegdec uses for RGB output: no fancy upsampling,
// islow IDCT (as requested by idct-method=islow).
bool decode_plain_raw(const unsigned char* data, unsigned long size, test::rgb_image* img) {
    jpeg_decompress_struct cinfo;
    test::detail::jpeg_error_mgr_jmp err;
    test::detail::install_error_manager(err);
    cinfo.err = &err.base;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    cinfo.do_fancy_upsampling = FALSE;
    cinfo.do_block_smoothing = FALSE;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    img->width = static_cast<int>(cinfo.output_width);
    img->height = static_cast<int>(cinfo.output_height);
    img->pixels.resize(static_cast<std::size_t>(img->width) * img->height * 3);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = img->pixels.data() + cinfo.output_scanline * static_cast<std::size_t>(img->width) * 3;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return true;
}

// The I420 picture GStreamer's jpegdec (idct-method=islow) makes of a JPEG, at the JPEG's own
// size, built from libjpeg-turbo's raw islow planes (see the comment at the top).
struct i420 {
    int width = 0, height = 0, chroma_width = 0, chroma_height = 0;
    std::vector<std::uint8_t> y, u, v;  // tightly packed planes
};

i420 expected_jpegdec_i420(std::span<const std::byte> jpg) {
    std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
    REQUIRE(tj != nullptr);
    const auto* data = reinterpret_cast<const unsigned char*>(jpg.data());
    const auto size = static_cast<unsigned long>(jpg.size());
    int w = 0, h = 0, subsamp = -1, colorspace = -1;
    REQUIRE(tjDecompressHeader3(tj.get(), data, size, &w, &h, &subsamp, &colorspace) == 0);
    REQUIRE((subsamp == TJSAMP_420 || subsamp == TJSAMP_422));
    const int cw = tjPlaneWidth(1, w, subsamp), ch = tjPlaneHeight(1, h, subsamp);
    // libjpeg-turbo 2.1 writes whole MCU rows (up to 15 samples past a plane's width), so
    // decode into planes with room for that, then pack them tightly.
    const int y_stride = (w + 15) / 16 * 16, c_stride = (cw + 15) / 16 * 16;
    std::vector<std::uint8_t> py(static_cast<std::size_t>(y_stride) * (h + 16)),
        pu(static_cast<std::size_t>(c_stride) * (ch + 16)), pv(pu.size());
    unsigned char* planes[3] = {py.data(), pu.data(), pv.data()};
    int strides[3] = {y_stride, c_stride, c_stride};
    REQUIRE(tjDecompressToYUVPlanes(tj.get(), data, size, planes, w, strides, h, TJFLAG_ACCURATEDCT) == 0);
    auto pack = [](const std::vector<std::uint8_t>& src, int stride, int width, int height) {
        std::vector<std::uint8_t> out;
        for (int r = 0; r < height; ++r) {
            const auto at = src.begin() + static_cast<std::ptrdiff_t>(r) * stride;
            out.insert(out.end(), at, at + width);
        }
        return out;
    };
    auto y = pack(py, y_stride, w, h), u = pack(pu, c_stride, cw, ch), v = pack(pv, c_stride, cw, ch);

    i420 out;
    out.width = w;
    out.height = h;
    out.chroma_width = cw;
    out.y = std::move(y);
    if (subsamp == TJSAMP_420) {
        out.chroma_height = ch;
        out.u = std::move(u);
        out.v = std::move(v);
    } else {  // 4:2:2: I420 chroma row m = JPEG chroma row 2m+1
        out.chroma_height = h / 2;
        for (int m = 0; m < out.chroma_height; ++m) {
            const auto row = static_cast<std::size_t>(2 * m + 1) * cw;
            out.u.insert(out.u.end(), u.begin() + static_cast<std::ptrdiff_t>(row),
                         u.begin() + static_cast<std::ptrdiff_t>(row + cw));
            out.v.insert(out.v.end(), v.begin() + static_cast<std::ptrdiff_t>(row),
                         v.begin() + static_cast<std::ptrdiff_t>(row + cw));
        }
    }
    return out;
}

// JFIF YCbCr -> RGB (full-range BT.601) in double precision, chroma replicated 2x2; only the
// rows and columns that have chroma.
test::rgb_image ideal_rgb(const i420& p) {
    test::rgb_image img;
    img.width = std::min(p.width, 2 * p.chroma_width);
    img.height = std::min(p.height, 2 * p.chroma_height);
    for (int yy = 0; yy < img.height; ++yy) {
        for (int x = 0; x < img.width; ++x) {
            const double luma = p.y[static_cast<std::size_t>(yy) * p.width + x];
            const auto c = static_cast<std::size_t>(yy / 2) * p.chroma_width + x / 2;
            const double cb = p.u[c] - 128.0, cr = p.v[c] - 128.0;
            for (double value : {luma + 1.402 * cr, luma - 0.344136 * cb - 0.714136 * cr,
                                 luma + 1.772 * cb}) {
                img.pixels.push_back(static_cast<std::uint8_t>(std::clamp(std::lround(value), 0L, 255L)));
            }
        }
    }
    return img;
}

// Number of samples where GStreamer's I420 frame (out_w x out_h, GstVideo strides) differs from
// the expected planes in their top-left area.
std::size_t i420_differences(const i420& want, const std::byte* frame, int out_w, int out_h) {
    const std::size_t y_stride = (static_cast<std::size_t>(out_w) + 3) / 4 * 4;
    const std::size_t c_stride = ((static_cast<std::size_t>(out_w) + 1) / 2 + 3) / 4 * 4;
    const std::size_t y_size = y_stride * ((static_cast<std::size_t>(out_h) + 1) / 2 * 2);
    const std::size_t c_size = c_stride * ((static_cast<std::size_t>(out_h) + 1) / 2);
    std::size_t diffs = 0;
    auto plane = [&](const std::vector<std::uint8_t>& w, int width, int height, const std::byte* got,
                     std::size_t stride) {
        for (int r = 0; r < height; ++r) {
            for (int x = 0; x < width; ++x) {
                if (std::to_integer<std::uint8_t>(got[r * stride + x]) != w[static_cast<std::size_t>(r) * width + x]) ++diffs;
            }
        }
    };
    plane(want.y, want.width, want.height, frame, y_stride);
    plane(want.u, want.chroma_width, want.chroma_height, frame + y_size, c_stride);
    plane(want.v, want.chroma_width, want.chroma_height, frame + y_size + c_size, c_stride);
    return diffs;
}

std::size_t i420_frame_size(int out_w, int out_h) {
    const std::size_t y_stride = (static_cast<std::size_t>(out_w) + 3) / 4 * 4;
    const std::size_t c_stride = ((static_cast<std::size_t>(out_w) + 1) / 2 + 3) / 4 * 4;
    const std::size_t h2 = (static_cast<std::size_t>(out_h) + 1) / 2;
    return y_stride * h2 * 2 + 2 * c_stride * h2;
}

struct frame_spec {
    int width, height, quality;
    test::sampling chroma;
    int restart;
    std::uint8_t q;  // RTP Q: 255, or == quality for computed tables
    unsigned seed;
};

struct prepared_frame {
    frame_spec spec;
    std::vector<std::byte> jpeg;
    test::rgb_image fancy;  // decode_jpeg(): libjpeg defaults
    test::rgb_image plain;  // no fancy upsampling, islow
    i420 gst;               // what jpegdec idct-method=islow outputs
    test::rgb_image gst_rgb;  // ideal RGB of `gst`
};

prepared_frame prepare(const frame_spec& s) {
    prepared_frame f{s, {}, {}, {}, {}, {}};
    f.jpeg = test::encode_jpeg(test::make_test_image(s.width, s.height, s.seed),
                               {.quality = s.quality, .chroma = s.chroma, .restart_interval = s.restart});
    REQUIRE(!f.jpeg.empty());
    auto d = test::decode_jpeg(f.jpeg);
    REQUIRE(d);
    f.fancy = std::move(*d);
    REQUIRE(decode_plain_raw(reinterpret_cast<const unsigned char*>(f.jpeg.data()),
                             static_cast<unsigned long>(f.jpeg.size()), &f.plain));
    f.gst = expected_jpegdec_i420(f.jpeg);
    f.gst_rgb = ideal_rgb(f.gst);
    return f;
}

// RTP packets of one frame; sequence numbers continue from `seq`, which is advanced.
std::vector<std::vector<std::byte>> packetize(const prepared_frame& f, std::size_t mtu,
                                              std::uint16_t& seq, std::uint32_t timestamp) {
    const auto parsed = jpeg::parse(f.jpeg);
    REQUIRE(parsed);
    auto p = rtp::jpeg_packetizer::create(*parsed, {.mtu = mtu, .q = f.spec.q});
    REQUIRE(p);
    auto packets = test::rtp_packets(*p, seq, timestamp, 0x5EED1234);
    seq = static_cast<std::uint16_t>(seq + packets.size());
    return packets;
}

// Compares the top-left width x height of `got` (rows `stride` bytes apart) with `want`.
struct pixel_diff {
    int max = 0;
    double mean = 0;
};
pixel_diff compare(const test::rgb_image& want, const std::byte* got, int got_width,
                   std::size_t stride) {
    pixel_diff d;
    std::uint64_t sum = 0;
    const std::size_t row = static_cast<std::size_t>(want.width) * 3;
    REQUIRE(got_width >= want.width);
    for (int y = 0; y < want.height; ++y) {
        const auto* a = want.pixels.data() + static_cast<std::size_t>(y) * row;
        const auto* b = got + static_cast<std::size_t>(y) * stride;
        for (std::size_t i = 0; i < row; ++i) {
            const int diff = std::abs(int(a[i]) - std::to_integer<int>(b[i]));
            sum += static_cast<std::uint64_t>(diff);
            d.max = std::max(d.max, diff);
        }
    }
    d.mean = static_cast<double>(sum) / static_cast<double>(row * want.height);
    return d;
}

// A receiver's rebuilt JPEG must decode to exactly the original's pixels.
void check_rebuilt_jpeg(const prepared_frame& f, std::span<const std::byte> rebuilt, int expect_w,
                        int expect_h) {
    const auto d = test::decode_jpeg(rebuilt);
    REQUIRE(d);
    CHECK(d->width == expect_w);
    CHECK(d->height == expect_h);
    REQUIRE(d->height >= f.fancy.height);
    const auto diff = compare(f.fancy, reinterpret_cast<const std::byte*>(d->pixels.data()),
                              d->width, static_cast<std::size_t>(d->width) * 3);
    CHECK(diff.max == 0);
}

// Splits a stream of concatenated JPEGs (FFmpeg's -f mjpeg) at each SOI. Inside a JPEG, FF D8
// can only be its own SOI: entropy-coded FF bytes are stuffed (FF 00) or RST markers.
std::vector<std::span<const std::byte>> split_jpegs(const std::vector<std::byte>& s) {
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        if (s[i] == std::byte{0xFF} && s[i + 1] == std::byte{0xD8}) starts.push_back(i);
    }
    std::vector<std::span<const std::byte>> out;
    for (std::size_t k = 0; k < starts.size(); ++k) {
        const std::size_t end = k + 1 < starts.size() ? starts[k + 1] : s.size();
        out.emplace_back(s.data() + starts[k], end - starts[k]);
    }
    // Only frames that are complete (end with EOI) count.
    while (!out.empty() && (out.back().size() < 2 || out.back().back() != std::byte{0xD9})) out.pop_back();
    return out;
}

int round8(int v) { return (v + 7) / 8 * 8; }

void require_tool(const std::string& exe, const char* package) {
    if (!in_path(exe)) FAIL(exe << " not found in PATH: install " << package);
}

void require_gst_elements() {
    require_tool("gst-launch-1.0", "gstreamer1.0-tools");
    require_tool("gst-inspect-1.0", "gstreamer1.0-tools");
    temp_dir dir;
    REQUIRE(!dir.path.empty());
    for (const char* element : {"udpsrc", "rtpjpegdepay", "jpegdec", "videoconvert", "tee",
                                "queue", "multifilesink", "filesink"}) {
        child c(spawn({"gst-inspect-1.0", "--exists", element}, dir.path / "inspect.log"));
        REQUIRE(c.pid > 0);
        const auto status = wait_for(c.pid, 30s);
        c.status = status;
        if (status != 0) {
            FAIL("GStreamer element '" << element
                                       << "' is missing: install gstreamer1.0-plugins-good "
                                          "(and gstreamer1.0-plugins-base)");
        }
    }
}

// --- GStreamer -----------------------------------------------------------------------------

struct run_options {
    std::size_t mtu = 1400;
    bool x_dimensions = false;  // announce the size in caps (frames wider/taller than 2040)
};

void gstreamer_run(const std::vector<frame_spec>& specs, const run_options& opt) {
    require_gst_elements();
    temp_dir dir;
    REQUIRE(!dir.path.empty());
    std::vector<prepared_frame> frames;
    for (const auto& s : specs) frames.push_back(prepare(s));
    const int w = frames[0].spec.width, h = frames[0].spec.height;
    const int out_w = opt.x_dimensions ? w : round8(w), out_h = opt.x_dimensions ? h : round8(h);

    std::uint16_t seq = 40000;
    std::vector<std::vector<std::vector<std::byte>>> packets;
    std::size_t total = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        packets.push_back(packetize(frames[i], opt.mtu, seq, static_cast<std::uint32_t>(1000 + 3000 * i)));
        total += packets.back().size();
    }

    const std::uint16_t port = free_udp_port(false);
    REQUIRE(port != 0);
    std::string caps = "application/x-rtp,media=video,clock-rate=90000,encoding-name=JPEG,payload=26";
    if (opt.x_dimensions) caps += ",x-dimensions=(string)\"" + std::to_string(w) + "," + std::to_string(h) + "\"";
    const auto log = dir.path / "gst.log";
    // num-buffers = our packet count: udpsrc sends EOS after the last one, so the pipeline
    // ends by itself and the files are complete.
    child gst(spawn({"gst-launch-1.0", "-q", "udpsrc", "port=" + std::to_string(port),
                     "address=127.0.0.1", "caps=" + caps, "num-buffers=" + std::to_string(total),
                     "!", "rtpjpegdepay", "!", "tee", "name=t",
                     "t.", "!", "queue", "!", "multifilesink",
                     "location=" + (dir.path / "depay%05d.jpg").string(),
                     "t.", "!", "queue", "!", "jpegdec", "idct-method=islow", "!",
                     "video/x-raw,format=I420", "!", "tee", "name=d",
                     "d.", "!", "queue", "!", "filesink", "location=" + (dir.path / "out.i420").string(),
                     "d.", "!", "queue", "!", "videoconvert", "!", "video/x-raw,format=RGB", "!",
                     "filesink", "location=" + (dir.path / "out.rgb").string()},
                    log));
    REQUIRE(gst.pid > 0);
    if (!wait_bound(gst, port, 30s)) FAIL("gst-launch-1.0 did not bind UDP port " << port << ":\n" << read_text(log));

    udp_sender sender(port);
    for (const auto& p : packets) {
        REQUIRE(sender.send(p));
        std::this_thread::sleep_for(5ms);
    }
    const auto status = wait_for(gst.pid, 30s);
    gst.status = status;
    if (!status) {
        gst.stop(SIGKILL, 0ms);
        FAIL("gst-launch-1.0 did not finish (lost packets?):\n" << read_text(log));
    }
    INFO("gst-launch-1.0 log:\n" << read_text(log));
    REQUIRE(*status == 0);

    // 1. The JPEGs rtpjpegdepay rebuilt.
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        char name[32];
        std::snprintf(name, sizeof name, "depay%05zu.jpg", i);
        const auto rebuilt = read_bytes(dir.path / name);
        REQUIRE(!rebuilt.empty());
        check_rebuilt_jpeg(frames[i], rebuilt, out_w, out_h);
    }
    char extra[32];
    std::snprintf(extra, sizeof extra, "depay%05zu.jpg", frames.size());
    CHECK_FALSE(fs::exists(dir.path / extra));

    // 2. jpegdec's I420, exactly; videoconvert's RGB (GstVideo rows padded to 4 bytes), bounded.
    const auto yuv = read_bytes(dir.path / "out.i420");
    const std::size_t yuv_size = i420_frame_size(out_w, out_h);
    REQUIRE(yuv.size() == yuv_size * frames.size());
    const auto rgb = read_bytes(dir.path / "out.rgb");
    const std::size_t stride = (static_cast<std::size_t>(out_w) * 3 + 3) / 4 * 4;
    const std::size_t frame_size = stride * static_cast<std::size_t>(out_h);
    REQUIRE(rgb.size() == frame_size * frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        CHECK(i420_differences(frames[i].gst, yuv.data() + i * yuv_size, out_w, out_h) == 0);
        const auto d = compare(frames[i].gst_rgb, rgb.data() + i * frame_size, out_w, stride);
        CHECK(d.max <= 5);
        CHECK(d.mean <= 1.5);
    }
}

// --- FFmpeg --------------------------------------------------------------------------------

void ffmpeg_run(const std::vector<frame_spec>& specs, const run_options& opt) {
    require_tool("ffmpeg", "ffmpeg");
    temp_dir dir;
    REQUIRE(!dir.path.empty());
    std::vector<prepared_frame> frames;
    for (const auto& s : specs) frames.push_back(prepare(s));
    const int w = frames[0].spec.width, h = frames[0].spec.height;
    const int out_w = round8(w), out_h = round8(h);
    const std::size_t frame_size = static_cast<std::size_t>(out_w) * out_h * 3;

    const std::uint16_t port = free_udp_port(true);
    REQUIRE(port != 0);
    const auto sdp = dir.path / "stream.sdp";
    {
        std::ofstream f(sdp);
        f << "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=rfc2435 crosscheck\r\nc=IN IP4 127.0.0.1\r\n"
             "t=0 0\r\nm=video "
          << port << " RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\n";
    }
    const auto log = dir.path / "ffmpeg.log";
    const auto mjpeg = dir.path / "out.mjpeg";
    const auto raw = dir.path / "out.rgb";
    // -analyzeduration/-probesize small: start decoding at the first frame instead of
    // buffering seconds of input. One decoder thread: no frame delay. flush_packets: the files
    // grow frame by frame, so the test can watch them.
    child ff(spawn({"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning",
                    "-protocol_whitelist", "file,udp,rtp", "-analyzeduration", "1",
                    "-probesize", "32", "-threads", "1", "-i", sdp.string(),
                    "-map", "0:v", "-c:v", "copy", "-f", "mjpeg", "-flush_packets", "1",
                    mjpeg.string(),
                    "-map", "0:v", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt",
                    "rgb24", "-flush_packets", "1", raw.string()},
                   log));
    REQUIRE(ff.pid > 0);
    if (!wait_bound(ff, port, 30s)) FAIL("ffmpeg did not bind UDP port " << port << ":\n" << read_text(log));

    // FFmpeg has no "stop after N packets": send the frames in a loop at about 60 fps until
    // both outputs hold them all (or time runs out), then stop it with SIGINT, which makes it
    // finish its files cleanly.
    udp_sender sender(port);
    std::uint16_t seq = 65000;  // wraps during the run
    const auto deadline = steady::now() + 30s;
    std::size_t sent = 0;
    auto outputs_complete = [&] {
        std::error_code ec;
        const auto raw_size = fs::file_size(raw, ec);
        if (ec || raw_size < frame_size * frames.size()) return false;
        return split_jpegs(read_bytes(mjpeg)).size() >= frames.size();
    };
    auto send_next = [&] {
        const auto& f = frames[sent % frames.size()];
        const bool ok = sender.send(packetize(f, opt.mtu, seq, static_cast<std::uint32_t>(7 + 1500 * sent)));
        ++sent;
        std::this_thread::sleep_for(16ms);
        return ok;
    };
    while (steady::now() < deadline && ff.running() && !outputs_complete()) REQUIRE(send_next());
    const bool complete = outputs_complete();
    // ffmpeg notices SIGINT between packets, and blocks while none arrive: keep sending until
    // it has exited (bounded); a second SIGINT interrupts its I/O, then SIGKILL.
    ::kill(ff.pid, SIGINT);
    const auto stop_deadline = steady::now() + 10s;
    while (steady::now() < stop_deadline && ff.running()) (void)send_next();
    const int status = ff.stop(SIGINT, 5s);
    INFO("ffmpeg log:\n" << read_text(log) << "\nexit status " << status << ", frames sent " << sent);
    REQUIRE(complete);

    // 1. The JPEGs rtpdec_jpeg rebuilt, in order.
    const auto stream = read_bytes(mjpeg);
    const auto jpegs = split_jpegs(stream);
    REQUIRE(jpegs.size() >= frames.size());
    for (std::size_t i = 0; i < jpegs.size(); ++i) {
        INFO("frame " << i);
        check_rebuilt_jpeg(frames[i % frames.size()], jpegs[i], out_w, out_h);
    }

    // 2. FFmpeg's decoded RGB, within the bound explained at the top.
    const auto rgb = read_bytes(raw);
    REQUIRE(rgb.size() >= frame_size * frames.size());
    for (std::size_t i = 0; i < rgb.size() / frame_size; ++i) {
        INFO("frame " << i);
        const auto d = compare(frames[i % frames.size()].plain, rgb.data() + i * frame_size, out_w,
                               static_cast<std::size_t>(out_w) * 3);
        CHECK(d.max <= 8);
        CHECK(d.mean <= 1.5);
    }
}

// Five 320x240 4:2:0 frames at different qualities; one uses RTP Q 75 (receiver-computed
// tables) instead of in-band tables.
std::vector<frame_spec> five_420_frames() {
    return {
        {320, 240, 50, test::sampling::s420, 0, 255, 11},
        {320, 240, 75, test::sampling::s420, 0, 255, 12},
        {320, 240, 90, test::sampling::s420, 0, 255, 13},
        {320, 240, 100, test::sampling::s420, 0, 255, 14},
        {320, 240, 75, test::sampling::s420, 0, 75, 15},
    };
}

// 4:2:2 with restart intervals, odd size (the header rounds it up to 320x240), small MTU.
std::vector<frame_spec> restart_422_frames() {
    return {
        {319, 233, 85, test::sampling::s422, 5, 255, 21},
        {319, 233, 60, test::sampling::s422, 1, 255, 22},
    };
}

}  // namespace

TEST_CASE("rfc2435 crosscheck: GStreamer rtpjpegdepay + jpegdec", "[interop][rtp]") {
    SECTION("five 320x240 4:2:0 frames, Q=255 and Q=75") { gstreamer_run(five_420_frames(), {}); }
    SECTION("4:2:2 with restart markers, odd size, MTU 576") {
        gstreamer_run(restart_422_frames(), {.mtu = 576});
    }
    SECTION("2048x64: size fields 0, size from x-dimensions") {
        gstreamer_run({{2048, 64, 80, test::sampling::s420, 0, 255, 31},
                       {2048, 64, 80, test::sampling::s420, 3, 255, 32}},
                      {.x_dimensions = true});
    }
}

TEST_CASE("rfc2435 crosscheck: FFmpeg SDP/RTP input", "[interop][rtp]") {
    SECTION("five 320x240 4:2:0 frames, Q=255 and Q=75") { ffmpeg_run(five_420_frames(), {}); }
    SECTION("4:2:2 with restart markers, odd size, MTU 576") {
        ffmpeg_run(restart_422_frames(), {.mtu = 576});
    }
}
