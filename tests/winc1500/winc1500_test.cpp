// SPDX-License-Identifier: MIT
// winc1500_test.cpp - the WINC1500 emulation behaves like the driver facts say, and the
// adapter and the seed's rtsp_server on it: WiFi errors as typed errors, AP mode, static IP,
// chunked delivery, -14 back-pressure, the 7-socket limit, requests longer than the receive
// buffer, datagrams that do not fit, waits without a clock. Loopback only; every wait bounded.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <rtsp/adapters/winc1500.hpp>

#include "emu/winc1500_emu.hpp"

namespace d = rtsp::winc1500::driver;
using namespace std::chrono_literals;

namespace {

struct quick_traits : rtsp::winc1500::default_traits {
    static constexpr std::uint32_t wifi_timeout_ms = 400;
    static constexpr std::uint32_t request_timeout_ms = 1000;
    static constexpr std::size_t tcp_rx_buffers = 6;
};
struct six : rtsp::embedded_config {
    static constexpr std::size_t max_connections = 6;
    static constexpr std::size_t max_sessions = 6;
};
using server_t = rtsp::winc1500::basic_rtsp_server<rtsp::no_encoder, six, quick_traits>;
using network_t = rtsp::winc1500::basic_network<quick_traits>;
struct tiny : quick_traits {
    static constexpr std::size_t tcp_rx_buffer = 16;
};

std::uint64_t counter_rng() {
    static std::uint64_t n = 0;
    return ++n * 0x9E3779B97F4A7C15u;
}
rtsp::winc1500::wifi_settings settings() {
    rtsp::winc1500::wifi_settings w;
    w.ssid = "camnet";
    w.key = "secret-key";
    return w;
}
const rtsp::winc1500::platform plat{&winc_emu::now_us, &winc_emu::idle, &counter_rng};

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    ::close(fd);
    return ntohs(sa.sin_port);
}

int connect_to(const char* host, std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, host, &sa.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Pumps `step` until `done` or 3 s pass.
template <class Step, class Done>
bool pump_until(Step step, Done done) {
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        step();
    }
    return true;
}

std::string reply_to(server_t& server, int fd, const std::string& request) {
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    std::string got;
    pump_until([&] {
        (void)server.poll(2000);
        char buf[512];
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) got.append(buf, static_cast<std::size_t>(n));
    }, [&] { return got.find("\r\n\r\n") != std::string::npos; });
    return got;
}

// Raw driver: record every socket event.
struct recorded {
    d::SOCKET sock;
    d::uint8 msg;
    int value;  // status / size / accepted socket
    d::uint16 remaining;
    std::string data;
};
std::vector<recorded> g_events;
void record_cb(d::SOCKET s, d::uint8 msg, void* pv) {
    recorded r{s, msg, 0, 0, {}};
    switch (msg) {
    case d::SOCKET_MSG_BIND: r.value = static_cast<d::tstrSocketBindMsg*>(pv)->status; break;
    case d::SOCKET_MSG_LISTEN: r.value = static_cast<d::tstrSocketListenMsg*>(pv)->status; break;
    case d::SOCKET_MSG_ACCEPT: r.value = static_cast<d::tstrSocketAcceptMsg*>(pv)->sock; break;
    case d::SOCKET_MSG_SEND:
    case d::SOCKET_MSG_SENDTO: r.value = *static_cast<d::sint16*>(pv); break;
    case d::SOCKET_MSG_RECV:
    case d::SOCKET_MSG_RECVFROM: {
        auto* m = static_cast<d::tstrSocketRecvMsg*>(pv);
        r.value = m->s16BufferSize;
        r.remaining = m->u16RemainingSize;
        if (m->s16BufferSize > 0) r.data.assign(reinterpret_cast<char*>(m->pu8Buffer), static_cast<std::size_t>(m->s16BufferSize));
        break;
    }
    default: break;
    }
    g_events.push_back(r);
}

void raw_init() {
    winc_emu::reset();
    g_events.clear();
    d::socketInit();
    d::registerSocketCallback(&record_cb, nullptr);
}

bool wait_event(d::uint8 msg, std::size_t count = 1) {
    return pump_until([] {
        winc_emu::idle(1000);
        (void)d::m2m_wifi_handle_events(nullptr);
    }, [&] {
        std::size_t n = 0;
        for (auto& e : g_events) n += e.msg == msg ? 1u : 0u;
        return n >= count;
    });
}

d::sockaddr_in drv_addr(std::uint16_t port, const char* ip = "0.0.0.0") {
    d::sockaddr_in a{};
    a.sin_family = d::AF_INET_;
    a.sin_port = htons(port);
    in_addr x{};
    inet_pton(AF_INET, ip, &x);
    a.sin_addr.s_addr = x.s_addr;
    return a;
}

}  // namespace

TEST_CASE("emulation: socket ids are round-robin, TCP 0..6 and UDP 7..10, pool exhaustion gives -1") {
    raw_init();
    std::vector<int> tcp;
    for (int i = 0; i < 7; ++i) tcp.push_back(d::winc1500_socket(d::AF_INET_, d::SOCK_STREAM_, 0));
    CHECK(tcp == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
    CHECK(d::winc1500_socket(d::AF_INET_, d::SOCK_STREAM_, 0) == -1);  // plain -1, not -3
    CHECK(d::winc1500_close(3) == 0);
    CHECK(d::winc1500_close(3) == d::SOCK_ERR_INVALID_ARG);
    CHECK(d::winc1500_socket(d::AF_INET_, d::SOCK_STREAM_, 0) == 3);  // the only free one
    CHECK(d::winc1500_close(1) == 0);
    CHECK(d::winc1500_close(2) == 0);
    CHECK(d::winc1500_socket(d::AF_INET_, d::SOCK_STREAM_, 0) == 1);  // wraps round from 4 to 1
    std::vector<int> udp;
    for (int i = 0; i < 5; ++i) udp.push_back(d::winc1500_socket(d::AF_INET_, d::SOCK_DGRAM_, 0));
    CHECK(udp == std::vector<int>{7, 8, 9, 10, -1});
    CHECK(d::winc1500_socket(5, d::SOCK_STREAM_, 0) == -1);
    CHECK(d::winc1500_socket(d::AF_INET_, d::SOCK_STREAM_, 1) == -1);  // no SSL
}

TEST_CASE("emulation: events only inside handle_events, ACCEPT without accept(), chunked RECV, -12 on FIN") {
    raw_init();
    winc_emu::settings().chunked_delivery = true;
    const std::uint16_t port = free_port();
    const d::SOCKET l = d::winc1500_socket(d::AF_INET_, d::SOCK_STREAM_, 0);
    auto a = drv_addr(port);
    REQUIRE(d::winc1500_bind(l, reinterpret_cast<d::sockaddr*>(&a), sizeof a) == 0);
    winc_emu::idle(1000);
    CHECK(g_events.empty());  // the reply is queued, not called back
    REQUIRE(wait_event(d::SOCKET_MSG_BIND));
    CHECK(g_events.back().value == 0);
    REQUIRE(d::winc1500_listen(l, 0) == 0);
    REQUIRE(wait_event(d::SOCKET_MSG_LISTEN));

    const int client = connect_to("127.0.0.1", port);
    REQUIRE(client >= 0);
    REQUIRE(wait_event(d::SOCKET_MSG_ACCEPT));
    const auto& acc = g_events.back();
    CHECK(acc.sock == l);
    const d::SOCKET s = static_cast<d::SOCKET>(acc.value);
    CHECK(s >= 0);
    CHECK(s < 7);

    // 10 bytes into a 4-byte buffer: pieces 4+4+2 in one handle_events, same buffer.
    REQUIRE(::send(client, "0123456789", 10, 0) == 10);
    std::array<d::uint8, 4> buf{};
    REQUIRE(d::winc1500_recv(s, buf.data(), 4, 0) == 0);
    REQUIRE(wait_event(d::SOCKET_MSG_RECV, 3));
    std::vector<recorded> rx;
    for (auto& e : g_events) if (e.msg == d::SOCKET_MSG_RECV) rx.push_back(e);
    REQUIRE(rx.size() == 3);
    CHECK(rx[0].data == "0123");
    CHECK(rx[0].remaining == 6);
    CHECK(rx[1].data == "4567");
    CHECK(rx[2].data == "89");
    CHECK(rx[2].remaining == 0);

    // send: > 1400 is refused with -6; otherwise 0 and a later SEND event with the count.
    std::vector<d::uint8> big(1401, 'x');
    CHECK(d::winc1500_send(s, big.data(), 1401, 0) == d::SOCK_ERR_INVALID_ARG);
    CHECK(d::winc1500_send(s, big.data(), 1400, 0) == 0);
    REQUIRE(wait_event(d::SOCKET_MSG_SEND));
    CHECK(g_events.back().value == 1400);
    winc_emu::inject_buffer_full(1);
    CHECK(d::winc1500_send(s, big.data(), 10, 0) == d::SOCK_ERR_BUFFER_FULL);

    // The peer's FIN arrives as -12 (CONN_ABORTED), as the firmware reports it.
    ::close(client);
    g_events.clear();
    REQUIRE(d::winc1500_recv(s, buf.data(), 4, 0) == 0);
    REQUIRE(wait_event(d::SOCKET_MSG_RECV));
    CHECK(g_events.back().value == d::SOCK_ERR_CONN_ABORTED);

    // close is synchronous and discards pending events (session ids).
    REQUIRE(d::winc1500_send(s, big.data(), 100, 0) == 0);
    CHECK(d::winc1500_close(s) == 0);
    g_events.clear();
    for (int i = 0; i < 5; ++i) (void)d::m2m_wifi_handle_events(nullptr);
    CHECK(g_events.empty());
    CHECK(d::winc1500_close(l) == 0);
}

TEST_CASE("emulation: UDP data arrives as RECVFROM even after recv(), and a recv timeout gives -13") {
    raw_init();
    const std::uint16_t port = free_port();
    const d::SOCKET u = d::winc1500_socket(d::AF_INET_, d::SOCK_DGRAM_, 0);
    auto a = drv_addr(port);
    REQUIRE(d::winc1500_bind(u, reinterpret_cast<d::sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(wait_event(d::SOCKET_MSG_BIND));
    std::array<d::uint8, 64> buf{};
    REQUIRE(d::winc1500_recv(u, buf.data(), 64, 50) == 0);  // 50 ms
    REQUIRE(wait_event(d::SOCKET_MSG_RECVFROM));
    CHECK(g_events.back().value == d::SOCK_ERR_TIMEOUT);
    REQUIRE(d::winc1500_recv(u, buf.data(), 64, 0) == 0);
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::sendto(fd, "hello", 5, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 5);
    REQUIRE(wait_event(d::SOCKET_MSG_RECVFROM, 2));
    CHECK(g_events.back().data == "hello");
    std::size_t recv_events = 0;
    for (auto& e : g_events) recv_events += e.msg == d::SOCKET_MSG_RECV ? 1u : 0u;
    CHECK(recv_events == 0);
    ::close(fd);
}

TEST_CASE("rtsp_server: each WiFi failure is its typed error") {
    SECTION("wrong key") {
        winc_emu::reset();
        server_t s("camnet", "not-the-key", rtsp::winc1500::security::wpa_psk, free_port(),
                   rtsp::winc1500::mode::station, std::nullopt, plat);
        auto r = s.start();
        REQUIRE(!r);
        CHECK(r.error() == rtsp::errc::wifi_wrong_key);
    }
    SECTION("associated but no DHCP lease") {
        winc_emu::reset();
        winc_emu::settings().behaviour = winc_emu::wifi_behaviour::no_dhcp;
        server_t s("camnet", "secret-key", rtsp::winc1500::security::wpa_psk, free_port(),
                   rtsp::winc1500::mode::station, std::nullopt, plat);
        auto r = s.poll(0);  // poll() brings WiFi up too
        REQUIRE(!r);
        CHECK(r.error() == rtsp::errc::wifi_no_ip);
    }
    SECTION("no answer at all") {
        winc_emu::reset();
        winc_emu::settings().behaviour = winc_emu::wifi_behaviour::silent;
        server_t s("camnet", "secret-key", rtsp::winc1500::security::wpa_psk, free_port(),
                   rtsp::winc1500::mode::station, std::nullopt, plat);
        const auto t0 = std::chrono::steady_clock::now();
        auto r = s.start();
        REQUIRE(!r);
        CHECK(r.error() == rtsp::errc::wifi_timeout);
        CHECK(std::chrono::steady_clock::now() - t0 < 2s);  // bounded by traits::wifi_timeout_ms
    }
    SECTION("missing key, SSID too long") {
        winc_emu::reset();
        server_t s1("camnet", "", rtsp::winc1500::security::wpa_psk, free_port(),
                    rtsp::winc1500::mode::station, std::nullopt, plat);
        CHECK(s1.start().error() == rtsp::errc::invalid_argument);
        server_t s2(std::string(40, 'a'), "secret-key", rtsp::winc1500::security::wpa_psk, free_port(),
                    rtsp::winc1500::mode::station, std::nullopt, plat);
        CHECK(s2.start().error() == rtsp::errc::invalid_argument);
        server_t s3("camnet", std::string(70, 'k'), rtsp::winc1500::security::wpa_psk, free_port(),
                    rtsp::winc1500::mode::station, std::nullopt, plat);
        CHECK(s3.start().error() == rtsp::errc::invalid_argument);  // a key of 65+ characters
        server_t s4("camnet", "123456789", rtsp::winc1500::security::wep, free_port(),
                    rtsp::winc1500::mode::station, std::nullopt, plat);
        CHECK(s4.start().error() == rtsp::errc::invalid_argument);  // WEP keys are 10 or 26
    }
    SECTION("unknown network") {
        winc_emu::reset();
        server_t s("othernet", "secret-key", rtsp::winc1500::security::wpa_psk, free_port(),
                   rtsp::winc1500::mode::station, std::nullopt, plat);
        CHECK(s.start().error() == rtsp::errc::network_error);
    }
}

TEST_CASE("rtsp_server: DHCP, static IP and AP mode serve RTSP on their address") {
    const std::uint16_t port = free_port();
    std::string ip_text;
    winc_emu::reset();
    SECTION("station, DHCP") {
        winc_emu::settings().dhcp_ip = "127.0.0.1";
        ip_text = "127.0.0.1";
    }
    SECTION("station, static IP") {
        winc_emu::settings().dhcp_ip = "127.0.0.9";  // must not be used
        ip_text = "127.0.0.2";
    }
    SECTION("access point") { ip_text = "127.0.0.3"; }
    const bool is_static = ip_text == "127.0.0.2", is_ap = ip_text == "127.0.0.3";
    std::optional<rtsp::winc1500::static_ip> sip;
    if (is_static)
        sip = rtsp::winc1500::static_ip{rtsp::net::address::v4(127, 0, 0, 2), rtsp::net::address::v4(255, 0, 0, 0),
                                        rtsp::net::address::v4(127, 0, 0, 1), rtsp::net::address::v4(127, 0, 0, 1)};
    server_t s(is_ap ? "mycam" : "camnet", is_ap ? "ap-passphrase" : "secret-key",
               rtsp::winc1500::security::wpa_psk, port,
               is_ap ? rtsp::winc1500::mode::access_point : rtsp::winc1500::mode::station, sip, plat);
    if (is_ap) s.set_access_point(6, rtsp::net::address::v4(127, 0, 0, 3));
    REQUIRE(s.start());
    char text[16];
    const auto ip = s.ip_address();
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3]);
    CHECK(std::string(text) == ip_text);
    const int fd = connect_to(ip_text.c_str(), port);
    REQUIRE(fd >= 0);
    const std::string r = reply_to(s, fd, "OPTIONS * RTSP/1.0\r\nCSeq: 7\r\n\r\n");
    CHECK(r.rfind("RTSP/1.0 200 OK\r\n", 0) == 0);
    CHECK(r.find("CSeq: 7") != std::string::npos);
    if (is_ap) {
        // The joining station's DHCP_CONF was seen as a station, not as our address.
        pump_until([&] { (void)s.poll(2000); }, [&] { return s.network().stats().stations_joined > 0; });
        CHECK(s.network().stats().stations_joined == 1);
    }
    ::close(fd);
}

TEST_CASE("adapter: 19.6 chunked delivery into a small buffer fails the connection, never corrupts") {
    for (bool chunked : {false, true}) {
        winc_emu::reset();
        winc_emu::settings().chunked_delivery = chunked;
        rtsp::winc1500::basic_network<tiny> net(plat);
        REQUIRE(net.wifi_up(settings()));
        const std::uint16_t port = free_port();
        REQUIRE(net.listen(rtsp::net::address::v4(0, 0, 0, 0, port)));
        const int fd = connect_to("127.0.0.1", port);
        REQUIRE(fd >= 0);
        std::optional<network_t::connection> c;
        REQUIRE(pump_until([&] { net.poll(2000); }, [&] {
            if (!c) if (auto a = net.accept()) c = *a;
            return c.has_value();
        }));
        const std::string msg = "a 40-byte message that exceeds 16 bytes";
        REQUIRE(::send(fd, msg.data(), msg.size(), 0) == static_cast<ssize_t>(msg.size()));
        std::string got;
        rtsp::errc err{};
        pump_until([&] { net.poll(2000); }, [&] {
            std::array<std::byte, 64> b{};
            auto r = net.receive(*c, b);
            if (r) got.append(reinterpret_cast<const char*>(b.data()), *r);
            else if (r.error() != rtsp::errc::would_block) err = r.error();
            return err != rtsp::errc{} || got.size() == msg.size();
        });
        if (chunked) {
            CHECK(err == rtsp::errc::connection_reset);
            CHECK(net.stats().rx_overflow == 1);
            CHECK(got.empty());  // the first piece was overwritten by the second: not delivered
        } else {
            CHECK(got == msg);  // 19.7: 16 bytes per delivery, in order
            ::close(fd);
            REQUIRE(pump_until([&] { net.poll(2000); }, [&] {
                std::array<std::byte, 8> b{};
                auto r = net.receive(*c, b);
                err = r ? rtsp::errc{} : r.error();
                return !r && err != rtsp::errc::would_block;
            }));
            CHECK(err == rtsp::errc::connection_closed);  // the firmware's -12 for a FIN
        }
        net.close(*c);
        if (chunked) ::close(fd);
    }
}

TEST_CASE("adapter: -14 and the in-flight cap are would_block, a packet is taken whole or not") {
    winc_emu::reset();
    network_t net(plat);
    REQUIRE(net.wifi_up(settings()));
    const std::uint16_t port = free_port();
    REQUIRE(net.listen(rtsp::net::address::v4(0, 0, 0, 0, port)));
    const int fd = connect_to("127.0.0.1", port);
    REQUIRE(fd >= 0);
    std::optional<network_t::connection> c;
    REQUIRE(pump_until([&] { net.poll(2000); }, [&] {
        if (!c) if (auto a = net.accept()) c = *a;
        return c.has_value();
    }));
    std::vector<std::byte> pkt(1400, std::byte{0x24});
    const rtsp::const_buffer piece(pkt);
    winc_emu::inject_buffer_full(2);
    CHECK(net.send(*c, rtsp::buffer_sequence(&piece, 1)).error() == rtsp::errc::would_block);
    CHECK(net.send(*c, rtsp::buffer_sequence(&piece, 1)).error() == rtsp::errc::would_block);
    CHECK(net.stats().buffer_full == 2);
    // Without pumping events no SEND completes: the cap stops the socket at tcp_in_flight.
    std::size_t accepted = 0;
    for (int i = 0; i < 20; ++i) {
        auto r = net.send(*c, rtsp::buffer_sequence(&piece, 1));
        if (r) {
            CHECK(*r == 1400);
            ++accepted;
        }
    }
    CHECK(accepted == quick_traits::tcp_in_flight);
    CHECK(net.stats().in_flight_limited == 20 - quick_traits::tcp_in_flight);
    // SEND events free the slots again.
    net.poll(1000);
    CHECK(net.send(*c, rtsp::buffer_sequence(&piece, 1)));
    ::close(fd);
    net.close(*c);
}

TEST_CASE("rtsp_server: with 1 listener + 6 clients the chip refuses the 7th connection") {
    winc_emu::reset();
    const std::uint16_t port = free_port();
    server_t s("camnet", "secret-key", rtsp::winc1500::security::wpa_psk, port,
               rtsp::winc1500::mode::station, std::nullopt, plat);
    REQUIRE(s.start());
    std::vector<int> fds;
    for (int i = 0; i < 6; ++i) {
        fds.push_back(connect_to("127.0.0.1", port));
        REQUIRE(fds.back() >= 0);
        const std::string r = reply_to(s, fds.back(), "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n");
        CHECK(r.rfind("RTSP/1.0 200", 0) == 0);
    }
    CHECK(winc_emu::tcp_in_use() == 7);
    const int seventh = connect_to("127.0.0.1", port);
    REQUIRE(seventh >= 0);
    std::string got;
    bool closed = false;
    pump_until([&] { (void)s.poll(2000); }, [&] {
        char b[128];
        const ssize_t n = ::recv(seventh, b, sizeof b, MSG_DONTWAIT);
        if (n > 0) got.append(b, static_cast<std::size_t>(n));
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
        return closed;
    });
    CHECK(closed);
    CHECK((got.empty() || got.rfind("RTSP/1.0 503", 0) == 0));
    CHECK(winc_emu::stats().accept_refused == 1);
    // The six still work.
    for (int fd : fds) {
        const std::string r = reply_to(s, fd, "OPTIONS * RTSP/1.0\r\nCSeq: 2\r\n\r\n");
        CHECK(r.rfind("RTSP/1.0 200", 0) == 0);
        ::close(fd);
    }
    ::close(seventh);
}

TEST_CASE("rtsp_server: a request longer than the TCP receive buffer arrives in pieces") {
    STATIC_REQUIRE(quick_traits::tcp_rx_buffer < 200);
    winc_emu::reset();
    const std::uint16_t port = free_port();
    server_t s("camnet", "secret-key", rtsp::winc1500::security::wpa_psk, port,
               rtsp::winc1500::mode::station, std::nullopt, plat);
    REQUIRE(s.start());
    const int fd = connect_to("127.0.0.1", port);
    REQUIRE(fd >= 0);
    // About 350 bytes (lines stay under max_request_line): three deliveries of 128.
    const std::string request = "OPTIONS * RTSP/1.0\r\nCSeq: 3\r\nUser-Agent: " + std::string(200, 'u') +
                                "\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n";
    REQUIRE(request.size() > 2 * quick_traits::tcp_rx_buffer);
    const std::string r = reply_to(s, fd, request);
    INFO(r);
    CHECK(r.rfind("RTSP/1.0 200 OK\r\n", 0) == 0);
    CHECK(r.find("CSeq: 3") != std::string::npos);
    CHECK(s.network().stats().rx_overflow == 0);
    ::close(fd);
}

TEST_CASE("adapter: a datagram larger than the UDP buffer is dropped, the next one arrives whole") {
    winc_emu::reset();
    network_t net(plat);
    REQUIRE(net.wifi_up(settings()));
    REQUIRE(net.open_udp(0));
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(net.udp_port(rtsp::udp_socket::rtcp));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const auto receive = [&](std::vector<std::byte>& out) {
        rtsp::datagram_info info;
        const bool got = pump_until([&] { net.poll(2000); }, [&] {
            auto r = net.receive_datagram(rtsp::udp_socket::rtcp, out);
            if (r) info = *r;
            return r.has_value();
        });
        REQUIRE(got);
        return info;
    };
    std::string big(300, 'b');
    big[0] = 'B';
    REQUIRE(::sendto(fd, big.data(), big.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 300);
    // The driver delivers it in buffer-sized pieces, each overwriting the one before in the
    // same buffer, so no piece of it can be kept intact: it is dropped whole.
    REQUIRE(pump_until([&] { net.poll(2000); }, [&] { return net.stats().rx_overflow == 1; }));
    REQUIRE(::sendto(fd, "small", 5, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 5);
    std::vector<std::byte> out(512);
    const auto got = receive(out);
    CHECK(got.size == 5);
    CHECK(std::string(reinterpret_cast<const char*>(out.data()), 5) == "small");
    sockaddr_in self{};
    socklen_t len = sizeof self;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len) == 0);
    CHECK(got.from.port == ntohs(self.sin_port));
    CHECK(got.from.bytes[0] == 127);
    // Nothing else was delivered (no piece of the large one).
    net.poll(20000);
    CHECK(net.receive_datagram(rtsp::udp_socket::rtcp, out).error() == rtsp::errc::would_block);
    // One that fits exactly arrives whole.
    const std::string full(quick_traits::udp_rx_buffer, 'f');
    REQUIRE(::sendto(fd, full.data(), full.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
            static_cast<ssize_t>(full.size()));
    CHECK(receive(out).size == full.size());
    CHECK(net.stats().rx_overflow == 1);
    ::close(fd);
}

TEST_CASE("adapter: without a clock, waits count rounds and stay bounded") {
    const rtsp::winc1500::platform no_clock{nullptr, &winc_emu::idle, nullptr};
    SECTION("bring-up and listen work") {
        winc_emu::reset();
        network_t net(no_clock);
        REQUIRE(net.wifi_up(settings()));
        REQUIRE(net.listen(rtsp::net::address::v4(0, 0, 0, 0, free_port())));
        net.poll(0);
        net.poll(3000);  // no event: returns after about 3 rounds
    }
    SECTION("a silent access point times out") {
        winc_emu::reset();
        winc_emu::settings().behaviour = winc_emu::wifi_behaviour::silent;
        network_t net(no_clock);
        const auto t0 = std::chrono::steady_clock::now();
        CHECK(net.wifi_up(settings()).error() == rtsp::errc::wifi_timeout);
        CHECK(std::chrono::steady_clock::now() - t0 < 5s);  // 400 rounds of at most 1 ms
    }
}

TEST_CASE("random: without a TRNG, values still differ") {
    rtsp::winc1500::random r;
    const std::uint64_t a = r.next_u64(), b = r.next_u64();
    CHECK(a != b);
    CHECK(a != 0);
    CHECK((a >> 32) != (a & 0xFFFFFFFFu));
    rtsp::winc1500::random t{&counter_rng};
    CHECK(t.next_u64() != t.next_u64());  // the TRNG's values, when given
}
