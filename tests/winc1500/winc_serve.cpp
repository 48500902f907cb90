// SPDX-License-Identifier: MIT
// winc_serve - the seed's WINC1500 rtsp_server on the host emulation of the driver, for the
// interop scripts in this folder (real GStreamer/FFmpeg clients), plus two small clients.
//
//   winc_serve --bind 127.0.0.1 --port N [--path /p] [--size WxH] [--fps F] [--quality Q]
//              [--loss FRACTION] [--bursts EVERY_MS:LEN_MS] [--faults-for S] [--stall-us US]
//              [--chunked] [--tx-pool N]
//       Brings up the emulated WiFi (DHCP hands out the --bind address), serves the test
//       pattern on rtsp://HOST:N/p, prints that URL, and on SIGTERM prints the emulator's and
//       the adapter's counters and exits 0. --loss and --bursts (every send answered -14 for
//       LEN_MS out of every EVERY_MS) stop
//       after --faults-for seconds, so a test can check that streaming resumes.
//   winc_serve free-port                      a free loopback TCP port (lib.sh's FRAME_TOOL)
//   winc_serve refused HOST PORT              a 7th client: OK if the connection is closed or
//                                             answered 503 within 5 s, FAIL if served
//   winc_serve stalled-tcp URL SECONDS        PLAYs over TCP interleaved, then never reads
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <rtsp/adapters/winc1500.hpp>
#include <rtsp/encoders/turbojpeg.hpp>

#include "emu/winc1500_emu.hpp"
#include "rtsp_serve/test_pattern.hpp"

namespace {

// Six clients: the listener and six connections use all 7 TCP sockets of the chip.
struct six_clients : rtsp::embedded_config {
    static constexpr std::size_t max_connections = 6;
    static constexpr std::size_t max_sessions = 6;
    static constexpr bool logging = true;  // the tests read the connection log
};
struct test_traits : rtsp::winc1500::default_traits {
    static constexpr std::uint32_t wifi_timeout_ms = 3000;
    static constexpr std::size_t tcp_rx_buffers = 6;
};
using server_t = rtsp::winc1500::basic_rtsp_server<rtsp::encoders::turbojpeg_encoder, six_clients, test_traits>;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

std::uint64_t random_u64() {
    std::uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) std::abort();
    return v;
}

int connect_to(const char* host, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, host, &sa.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Reads until "\r\n\r\n" (plus nothing else), at most 5 s; returns what came ("" on EOF/reset).
std::string read_head(int fd, int timeout_ms = 5000) {
    std::string s;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (s.find("\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char c;
        const ssize_t n = ::recv(fd, &c, 1, 0);
        if (n <= 0) break;
        s.push_back(c);
    }
    return s;
}

int refused(const char* host, int port) {
    const int fd = connect_to(host, port);
    if (fd < 0) {
        std::puts("OK: connection refused");
        return 0;
    }
    const char req[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    (void)::send(fd, req, sizeof req - 1, MSG_NOSIGNAL);
    const std::string head = read_head(fd);
    ::close(fd);
    if (head.empty()) {
        std::puts("OK: connection closed without a reply");
        return 0;
    }
    if (head.rfind("RTSP/1.0 503", 0) == 0) {
        std::puts("OK: 503 Service Unavailable");
        return 0;
    }
    std::printf("FAIL: the 7th connection was served:\n%s\n", head.c_str());
    return 1;
}

int stalled_tcp(const std::string& url, int seconds) {
    // rtsp://host:port/path
    const auto hs = url.find("//") + 2, colon = url.find(':', hs), slash = url.find('/', hs);
    const std::string host = url.substr(hs, colon - hs);
    const int port = std::atoi(url.substr(colon + 1, slash - colon - 1).c_str());
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int small = 4096;  // a reader that stopped: its window closes quickly
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        std::puts("FAIL: cannot connect");
        return 1;
    }
    auto req = [&](const std::string& r) {
        (void)::send(fd, r.data(), r.size(), MSG_NOSIGNAL);
        return read_head(fd);
    };
    std::string h = req("SETUP " + url + " RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
    const auto sp = h.find("Session: ");
    if (h.rfind("RTSP/1.0 200", 0) != 0 || sp == std::string::npos) {
        std::printf("FAIL: SETUP answered:\n%s\n", h.c_str());
        return 1;
    }
    const std::string session = h.substr(sp + 9, h.find_first_of(";\r", sp + 9) - sp - 9);
    const std::string play = "PLAY " + url + " RTSP/1.0\r\nCSeq: 2\r\nSession: " + session + "\r\n\r\n";
    (void)::send(fd, play.data(), play.size(), MSG_NOSIGNAL);
    std::printf("stalled-tcp: playing session %s, not reading for %d s\n", session.c_str(), seconds);
    std::fflush(stdout);
    ::sleep(static_cast<unsigned>(seconds));
    ::close(fd);
    return 0;
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
        return 1;
    std::printf("%u\n", ntohs(sa.sin_port));
    ::close(fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    if (argc >= 2 && std::string_view(argv[1]) == "free-port") return free_port();
    if (argc >= 4 && std::string_view(argv[1]) == "refused") return refused(argv[2], std::atoi(argv[3]));
    if (argc >= 4 && std::string_view(argv[1]) == "stalled-tcp") return stalled_tcp(argv[2], std::atoi(argv[3]));

    std::string bind = "127.0.0.1", path = "/cam";
    int port = 8554, w = 320, h = 240, fps = 30, quality = 80, burst_every_ms = 0, burst_len = 0;
    double loss = 0, faults_for = 1e9;
    winc_emu::reset();
    auto& cfg = winc_emu::settings();
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : "";
        if (a == "--bind") bind = v, ++i;
        else if (a == "--port") port = std::atoi(v), ++i;
        else if (a == "--path") path = v, ++i;
        else if (a == "--size") std::sscanf(v, "%dx%d", &w, &h), ++i;
        else if (a == "--fps") fps = std::atoi(v), ++i;
        else if (a == "--quality") quality = std::atoi(v), ++i;
        else if (a == "--loss") loss = std::atof(v), ++i;
        else if (a == "--bursts") std::sscanf(v, "%d:%d", &burst_every_ms, &burst_len), ++i;
        else if (a == "--faults-for") faults_for = std::atof(v), ++i;
        else if (a == "--stall-us") cfg.busy_stall_us = static_cast<std::uint32_t>(std::atoi(v)), ++i;
        else if (a == "--tx-pool") cfg.tx_pool = static_cast<unsigned>(std::atoi(v)), ++i;
        else if (a == "--chunked") cfg.chunked_delivery = true;
        else {
            std::fprintf(stderr, "winc_serve: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    cfg.dhcp_ip = bind;
    cfg.udp_loss = loss;

    rtsp::winc1500::platform plat{&winc_emu::now_us, &winc_emu::idle, &random_u64};
    rtsp::server_options opts;
    opts.max_fps = static_cast<std::uint32_t>(fps);
    server_t server(cfg.ap_ssid, cfg.ap_key, rtsp::winc1500::security::wpa_psk,
                    static_cast<std::uint16_t>(port), rtsp::winc1500::mode::station, std::nullopt, plat, opts);
    server.register_log_cb([](rtsp::log_level l, std::string_view line) {
        if (l <= rtsp::log_level::info) std::printf("log: %.*s\n", static_cast<int>(line.size()), line.data());
    });
    if (auto r = server.start(); !r) {
        const auto e = rtsp::to_string(r.error());
        std::fprintf(stderr, "winc_serve: start failed: %.*s\n", static_cast<int>(e.size()), e.data());
        return 1;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    const auto ip = server.ip_address();
    std::printf("serving rtsp://%u.%u.%u.%u:%u%s\n", ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3],
                server.port(), path.c_str());

    rtsp_serve::test_pattern pattern(static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h));
    std::uint64_t frame = 0;
    const std::uint64_t t0 = winc_emu::now_us();
    std::uint64_t next_burst = t0;
    bool faults_on = true;
    server.set_source([&](std::string_view) -> rtsp::frame_ref {
        return pattern.draw(frame++, static_cast<std::uint32_t>((winc_emu::now_us() / 1000) % 86400000u));
    }, quality);
    while (!g_stop) {
        const std::uint64_t now = winc_emu::now_us();
        if (faults_on && static_cast<double>(now - t0) / 1e6 >= faults_for) {
            faults_on = false;
            winc_emu::settings().udp_loss = 0;
            std::puts("faults stopped");
        }
        if (faults_on && burst_every_ms > 0 && now >= next_burst) {
            winc_emu::busy_for(static_cast<std::uint32_t>(burst_len) * 1000u);
            next_burst = now + static_cast<std::uint64_t>(burst_every_ms) * 1000u;
        }
        if (auto r = server.poll(5000); !r) {
            std::fprintf(stderr, "winc_serve: poll failed\n");
            return 1;
        }
    }
    server.shutdown();
    const auto& s = winc_emu::stats();
    const auto& a = server.network().stats();
    std::printf("emu: events=%u stale_dropped=%u buffer_full=%u udp_sent=%u udp_lost=%u tcp_packets=%u "
                "accept_refused=%u recv_chunks=%u max_tcp_in_use=%u\n",
                s.events_dispatched, s.stale_events_dropped, s.buffer_full, s.udp_sent, s.udp_lost,
                s.tcp_sent_packets, s.accept_refused, s.recv_chunks, s.max_tcp_in_use);
    std::printf("adapter: buffer_full=%u in_flight_limited=%u accept_failed=%u rx_overflow=%u send_failed=%u\n",
                a.buffer_full, a.in_flight_limited, a.accept_failed, a.rx_overflow, a.send_failed);
    return 0;
}
