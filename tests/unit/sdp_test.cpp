// Tests of rtsp/sdp/writer.hpp: the exact DESCRIBE body, its optional lines, argument
// validation, buffer_too_small at every size with a guard region, and (tagged [interop])
// FFmpeg's SDP demuxer accepting the text and receiving an RTP/JPEG frame through it.
#include <rtsp/sdp/writer.hpp>
#include <rtsp/detail/bytes.hpp>

#include <catch2/catch.hpp>

#include "jpeg_codec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

std::optional<std::string> write_sdp(const rtsp::sdp::description& d) {
    std::array<char, 1024> buf{};
    auto r = rtsp::sdp::write(d, buf);
    if (!r.has_value()) return std::nullopt;
    return std::string(buf.data(), *r);
}

rtsp::sdp::description full_description() {
    rtsp::sdp::description d;
    d.session_id = 3913056000123ull;
    d.session_version = 7;
    d.origin_address = "192.168.1.20";
    d.session_name = "OpenMV Cam";
    d.width = 4096;
    d.height = 2160;
    d.framerate = 30;
    d.bandwidth_kbps = 8000;
    d.media_control = "rtsp://192.168.1.20:554/cam/track1";
    return d;
}

// The constant part is usable at compile time too (the server can size its buffer from it).
constexpr std::size_t default_sdp_size() {
    std::array<char, 512> buf{};
    auto r = rtsp::sdp::write(rtsp::sdp::description{}, buf);
    return r.has_value() ? *r : 0;
}

}  // namespace

TEST_CASE("sdp::write: exact text of the default description", "[sdp]") {
    auto s = write_sdp({});
    REQUIRE(s.has_value());
    CHECK(*s ==
          "v=0\r\n"
          "o=- 0 0 IN IP4 0.0.0.0\r\n"
          "s=rtsp\r\n"
          "t=0 0\r\n"
          "a=control:*\r\n"
          "a=range:npt=0-\r\n"
          "m=video 0 RTP/AVP 26\r\n"
          "c=IN IP4 0.0.0.0\r\n"
          "a=rtpmap:26 JPEG/90000\r\n"
          "a=control:track1\r\n");
    static_assert(default_sdp_size() == 155);
    CHECK(s->size() == default_sdp_size());
}

TEST_CASE("sdp::write: exact text with every option", "[sdp]") {
    auto s = write_sdp(full_description());
    REQUIRE(s.has_value());
    CHECK(*s ==
          "v=0\r\n"
          "o=- 3913056000123 7 IN IP4 192.168.1.20\r\n"
          "s=OpenMV Cam\r\n"
          "t=0 0\r\n"
          "a=control:*\r\n"
          "a=range:npt=0-\r\n"
          "m=video 0 RTP/AVP 26\r\n"
          "c=IN IP4 0.0.0.0\r\n"
          "b=AS:8000\r\n"
          "a=rtpmap:26 JPEG/90000\r\n"
          "a=framerate:30\r\n"
          "a=x-dimensions:4096,2160\r\n"
          "a=control:rtsp://192.168.1.20:554/cam/track1\r\n");
}

TEST_CASE("sdp::write: IPv6 origin and connection", "[sdp]") {
    rtsp::sdp::description d;
    d.ipv6 = true;
    d.origin_address = "fd00::2";
    d.session_id = 18446744073709551615ull;  // the widest sess-id
    d.session_version = 18446744073709551615ull;
    auto s = write_sdp(d);
    REQUIRE(s.has_value());
    CHECK(*s ==
          "v=0\r\n"
          "o=- 18446744073709551615 18446744073709551615 IN IP6 fd00::2\r\n"
          "s=rtsp\r\n"
          "t=0 0\r\n"
          "a=control:*\r\n"
          "a=range:npt=0-\r\n"
          "m=video 0 RTP/AVP 26\r\n"
          "c=IN IP6 ::\r\n"
          "a=rtpmap:26 JPEG/90000\r\n"
          "a=control:track1\r\n");
}

TEST_CASE("sdp::write: a=x-dimensions only when a side exceeds 2040", "[sdp]") {
    struct sizes {
        std::uint16_t w, h;
        const char* line;  // nullptr: no x-dimensions
    };
    for (auto [w, h, line] : {sizes{0, 0, nullptr}, sizes{640, 480, nullptr},
                              sizes{2040, 2040, nullptr}, sizes{2041, 100, "a=x-dimensions:2041,100\r\n"},
                              sizes{100, 2041, "a=x-dimensions:100,2041\r\n"},
                              sizes{2048, 0, "a=x-dimensions:2048,0\r\n"},
                              sizes{65535, 65535, "a=x-dimensions:65535,65535\r\n"}}) {
        CAPTURE(w, h);
        rtsp::sdp::description d;
        d.width = w;
        d.height = h;
        auto s = write_sdp(d);
        REQUIRE(s.has_value());
        if (line == nullptr) {
            CHECK(s->find("x-dimensions") == std::string::npos);
        } else {
            const auto at = s->find(line);
            REQUIRE(at != std::string::npos);
            // Right before the media-level control, after rtpmap.
            CHECK(s->substr(at + std::string_view(line).size()) == "a=control:track1\r\n");
            CHECK(s->find("a=rtpmap:26 JPEG/90000\r\n") < at);
        }
    }
}

TEST_CASE("sdp::write: optional lines appear alone and in place", "[sdp]") {
    rtsp::sdp::description d;
    d.framerate = 15;
    auto s = write_sdp(d);
    REQUIRE(s.has_value());
    CHECK(s->find("a=rtpmap:26 JPEG/90000\r\na=framerate:15\r\na=control:track1\r\n") !=
          std::string::npos);
    CHECK(s->find("b=AS") == std::string::npos);

    rtsp::sdp::description e;
    e.bandwidth_kbps = 1;
    auto t = write_sdp(e);
    REQUIRE(t.has_value());
    CHECK(t->find("c=IN IP4 0.0.0.0\r\nb=AS:1\r\na=rtpmap:26 JPEG/90000\r\n") != std::string::npos);
    CHECK(t->find("framerate") == std::string::npos);
}

TEST_CASE("sdp::write: empty session name is written as '-'", "[sdp]") {
    rtsp::sdp::description d;
    d.session_name = "";
    auto s = write_sdp(d);
    REQUIRE(s.has_value());
    CHECK(s->find("\r\ns=-\r\n") != std::string::npos);
}

TEST_CASE("sdp::write: text that would break the SDP is invalid_argument", "[sdp]") {
    using namespace std::string_view_literals;
    auto rejected = [](const rtsp::sdp::description& d) {
        std::array<char, 1024> buf;
        buf.fill('#');
        auto r = rtsp::sdp::write(d, buf);
        bool untouched = true;
        for (char c : buf) untouched = untouched && c == '#';
        return !r.has_value() && r.error() == rtsp::errc::invalid_argument && untouched;
    };
    for (auto bad : {"a\r\nm=audio 0 RTP/AVP 0"sv, "a\rb"sv, "a\nb"sv, "a\0b"sv}) {
        CAPTURE(bad);
        rtsp::sdp::description d;
        d.session_name = bad;
        CHECK(rejected(d));
        d = {};
        d.origin_address = bad;
        CHECK(rejected(d));
        d = {};
        d.media_control = bad;
        CHECK(rejected(d));
    }
    for (auto bad : {""sv, "1.2.3.4 x"sv, "a\tb"sv, "\x7f"sv}) {
        CAPTURE(bad);
        rtsp::sdp::description d;
        d.origin_address = bad;
        CHECK(rejected(d));
        d = {};
        d.media_control = bad;
        CHECK(rejected(d));
    }
    // A session name is free text: spaces, tabs and UTF-8 are fine.
    rtsp::sdp::description ok;
    ok.session_name = "Caméra\tfront door";
    auto s = write_sdp(ok);
    REQUIRE(s.has_value());
    CHECK(s->find("s=Caméra\tfront door\r\n") != std::string::npos);
}

TEST_CASE("sdp::write: buffer_too_small at every short size, guard region intact", "[sdp]") {
    for (const auto& d : {rtsp::sdp::description{}, full_description()}) {
        const auto full = write_sdp(d);
        REQUIRE(full.has_value());
        const std::size_t need = full->size();
        constexpr std::size_t guard = 32;
        for (std::size_t n = 0; n <= need; ++n) {
            CAPTURE(n);
            std::vector<char> buf(n + guard, '\x5A');
            auto r = rtsp::sdp::write(d, std::span<char>(buf.data(), n));
            if (n < need) {
                REQUIRE_FALSE(r.has_value());
                CHECK(r.error() == rtsp::errc::buffer_too_small);
            } else {
                REQUIRE(r.has_value());
                CHECK(std::string(buf.data(), *r) == *full);
            }
            for (std::size_t i = n; i < buf.size(); ++i) REQUIRE(buf[i] == '\x5A');
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Interop: FFmpeg's SDP demuxer reads our text, and an RTP/JPEG frame sent to the port it
// names comes out as a 16x16 MJPEG stream.

namespace {

std::string replace_once(std::string s, std::string_view from, std::string_view to) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

bool bindable(int family, const char* loopback, std::uint16_t port) {
    const int fd = ::socket(family, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    bool ok;
    if (family == AF_INET) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        ::inet_pton(AF_INET, loopback, &a.sin_addr);
        ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    } else {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        ::inet_pton(AF_INET6, loopback, &a.sin6_addr);
        ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ::close(fd);
    return ok;
}

// An even port with port+1 free as well (RTP and RTCP), on the given loopback address.
std::uint16_t free_rtp_port(int family, const char* loopback) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = static_cast<std::uint16_t>(20000 + (std::rand() % 20000) * 2);
        if (bindable(family, loopback, port) && bindable(family, loopback, port + 1)) return port;
    }
    FAIL("no free UDP port pair");
    return 0;
}

// One RTP packet carrying a whole 16x16 4:2:0 baseline JPEG as RFC 2435 type 1, Q=50 (so the
// receiver rebuilds the standard tables, which libjpeg's quality 50 uses too).
std::vector<std::byte> rtp_jpeg_packet() {
    rtsp::test::encode_options opt;
    opt.quality = 50;
    opt.chroma = rtsp::test::sampling::s420;
    const auto jpeg = rtsp::test::encode_jpeg(rtsp::test::make_test_image(16, 16), opt);
    REQUIRE(jpeg.size() > 4);
    std::size_t sos = 2;
    while (sos + 4 <= jpeg.size() &&
           !(jpeg[sos] == std::byte{0xFF} && jpeg[sos + 1] == std::byte{0xDA})) {
        sos += 2 + rtsp::detail::load_be16(jpeg.data() + sos + 2);
    }
    REQUIRE(sos + 4 <= jpeg.size());
    const std::size_t scan = sos + 2 + rtsp::detail::load_be16(jpeg.data() + sos + 2);
    REQUIRE(jpeg[jpeg.size() - 2] == std::byte{0xFF});
    REQUIRE(jpeg[jpeg.size() - 1] == std::byte{0xD9});

    std::vector<std::byte> p(20);
    p[0] = std::byte{0x80};
    p[1] = std::byte{0x80 | 26};  // marker: last packet of the frame; PT 26
    // seq, timestamp patched per send; SSRC:
    rtsp::detail::store_be32(p.data() + 8, 0x12345678);
    // RFC 2435 main header: type-specific 0, offset 0, type 1, Q 50, 16/8 x 16/8.
    p[16] = std::byte{1};
    p[17] = std::byte{50};
    p[18] = std::byte{2};
    p[19] = std::byte{2};
    p.insert(p.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(scan), jpeg.end() - 2);
    return p;
}

struct probe_result {
    std::string out, err;
};

// Runs ffprobe on `sdp` (written to a file) while another thread sends RTP/JPEG frames to
// `port` on the loopback address; ffprobe is killed after a few seconds if it hangs.
probe_result run_ffprobe(const std::string& sdp, int family, const char* loopback,
                         std::uint16_t port, bool send_frames) {
    const std::string base = "/tmp/rtsp_sdp_test_" + std::to_string(::getpid()) + "_" +
                             std::to_string(port);
    {
        std::ofstream f(base + ".sdp", std::ios::binary);
        f << sdp;
    }
    // Built here: Catch2 assertions are not thread-safe, so none may run in the sender.
    auto packet = rtp_jpeg_packet();
    std::atomic<bool> done{false};
    std::thread sender([&] {
        if (!send_frames) return;
        const int fd = ::socket(family, SOCK_DGRAM, 0);
        if (fd < 0) return;
        sockaddr_storage to{};
        socklen_t to_len;
        if (family == AF_INET) {
            auto* a = reinterpret_cast<sockaddr_in*>(&to);
            a->sin_family = AF_INET;
            a->sin_port = htons(port);
            ::inet_pton(AF_INET, loopback, &a->sin_addr);
            to_len = sizeof(sockaddr_in);
        } else {
            auto* a = reinterpret_cast<sockaddr_in6*>(&to);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(port);
            ::inet_pton(AF_INET6, loopback, &a->sin6_addr);
            to_len = sizeof(sockaddr_in6);
        }
        for (std::uint16_t seq = 1; !done.load(); ++seq) {
            rtsp::detail::store_be16(packet.data() + 2, seq);
            rtsp::detail::store_be32(packet.data() + 4, seq * 3600u);
            (void)::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to),
                           to_len);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::close(fd);
    });
    // The bound only guards against a hang: a broken SDP makes ffprobe exit by itself, but on
    // a loaded CI machine (sanitizer builds running in parallel) it took over 2 s to get there.
    const std::string cmd =
        "timeout -s KILL 8"
        " ffprobe -v error -protocol_whitelist file,udp,rtp"
        " -show_entries stream=codec_name,width,height -of default=noprint_wrappers=1"
        " -i " + base + ".sdp > " + base + ".out 2> " + base + ".err";
    const int rc = std::system(cmd.c_str());
    done = true;
    sender.join();
    probe_result r{slurp(base + ".out"), slurp(base + ".err")};
    INFO("ffprobe exit status " << rc << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(rc != -1);
    for (const char* ext : {".sdp", ".out", ".err"}) std::remove((base + ext).c_str());
    return r;
}

bool have_ffprobe() { return std::system("command -v ffprobe > /dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("sdp::write: FFmpeg parses the SDP and receives JPEG through it", "[sdp][interop]") {
    REQUIRE(have_ffprobe());
    std::srand(static_cast<unsigned>(::getpid()));

    SECTION("control: ffprobe does report a broken SDP (so the checks below can fail)") {
        auto s = write_sdp({});
        REQUIRE(s.has_value());
        auto broken = replace_once(*s, "c=IN IP4 0.0.0.0\r\n", "");
        broken = replace_once(broken, "m=video 0 ", "m=video 40000 ");
        auto r = run_ffprobe(broken, AF_INET, "127.0.0.1", 40000, false);
        INFO("ffprobe stderr:\n" << r.err);
        CHECK(r.err.find("Invalid data") != std::string::npos);
    }
    SECTION("IPv4, every option") {
        const auto port = free_rtp_port(AF_INET, "127.0.0.1");
        auto d = full_description();
        d.origin_address = "127.0.0.1";
        auto s = write_sdp(d);
        REQUIRE(s.has_value());
        auto text = replace_once(*s, "c=IN IP4 0.0.0.0", "c=IN IP4 127.0.0.1");
        text = replace_once(text, "m=video 0 ", "m=video " + std::to_string(port) + " ");
        auto r = run_ffprobe(text, AF_INET, "127.0.0.1", port, true);
        INFO("stderr: " << r.err);
        CHECK(r.err.empty());
        CHECK(r.out.find("codec_name=mjpeg") != std::string::npos);
        CHECK(r.out.find("width=16") != std::string::npos);
        CHECK(r.out.find("height=16") != std::string::npos);
    }
    SECTION("IPv6") {
        if (!bindable(AF_INET6, "::1", 0)) {
            WARN("no IPv6 loopback here; IPv6 interop not checked");
            return;
        }
        const auto port = free_rtp_port(AF_INET6, "::1");
        rtsp::sdp::description d;
        d.ipv6 = true;
        d.origin_address = "::1";
        d.framerate = 25;
        auto s = write_sdp(d);
        REQUIRE(s.has_value());
        auto text = replace_once(*s, "c=IN IP6 ::\r\n", "c=IN IP6 ::1\r\n");
        text = replace_once(text, "m=video 0 ", "m=video " + std::to_string(port) + " ");
        auto r = run_ffprobe(text, AF_INET6, "::1", port, true);
        INFO("stderr: " << r.err);
        CHECK(r.err.empty());
        CHECK(r.out.find("codec_name=mjpeg") != std::string::npos);
        CHECK(r.out.find("width=16") != std::string::npos);
    }
}
