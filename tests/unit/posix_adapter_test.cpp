// Tests of rtsp/adapters/posix.hpp against real loopback sockets: the TCP listener and
// connections (dual stack, partial sends that never block, peer close and reset), the shared
// UDP sockets and every datagram send path, poll(), the clock and the random source.
// Loopback only; every wait is bounded in count and in time.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtsp/adapters/posix.hpp"

namespace {

using rtsp::errc;
using rtsp::udp_socket;
using rtsp::net::address;
using rtsp::posix::udp_path;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct fd_guard {
    int fd = -1;
    explicit fd_guard(int f = -1) : fd(f) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() { reset(); }
    void reset(int f = -1) {
        if (fd >= 0) ::close(fd);
        fd = f;
    }
    int get() const { return fd; }
};

address loopback4(std::uint16_t port = 0) { return address::v4(127, 0, 0, 1, port); }
address loopback6(std::uint16_t port = 0) {
    address a;
    a.fam = rtsp::net::family::v6;
    a.bytes[15] = 1;
    a.port = port;
    return a;
}
address any6(std::uint16_t port = 0) {
    address a;
    a.fam = rtsp::net::family::v6;
    a.port = port;
    return a;
}

sockaddr_storage native(const address& a, socklen_t& len) {
    sockaddr_storage ss{};
    if (a.is_v6()) {
        sockaddr_in6 s6{};
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons(a.port);
        std::memcpy(s6.sin6_addr.s6_addr, a.bytes.data(), 16);
        std::memcpy(&ss, &s6, sizeof s6);
        len = sizeof s6;
    } else {
        sockaddr_in s4{};
        s4.sin_family = AF_INET;
        s4.sin_port = htons(a.port);
        std::memcpy(&s4.sin_addr, a.bytes.data(), 4);
        std::memcpy(&ss, &s4, sizeof s4);
        len = sizeof s4;
    }
    return ss;
}

address local_of(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0);
    return rtsp::posix::detail::from_sockaddr(ss);
}

/// A blocking TCP client connected to `to` (connect to a listening loopback socket completes
/// from the backlog at once). rcvbuf > 0 sets SO_RCVBUF before connecting.
int tcp_client(const address& to, int rcvbuf = 0) {
    const int fd = ::socket(to.is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    if (rcvbuf > 0) REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);
    socklen_t len = 0;
    const sockaddr_storage ss = native(to, len);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0);
    return fd;
}

/// A UDP socket bound to `at` (port 0: any), with a large receive buffer.
int udp_peer(const address& at) {
    const int fd = ::socket(at.is_v6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    const int big = 4 * 1024 * 1024;
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    socklen_t len = 0;
    const sockaddr_storage ss = native(at, len);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0);
    return fd;
}

bool readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

/// Polls the network until pred() holds or `limit` passes; returns pred()'s last value.
template <class Net, class Pred>
bool eventually(Net& net, Pred pred, clk::duration limit = 3s) {
    const auto end = clk::now() + limit;
    for (int i = 0; i < 10000 && clk::now() < end; ++i) {
        if (pred()) return true;
        net.poll(20000);
    }
    return pred();
}

template <class Net>
int accept_one(Net& net) {
    int c = -1;
    REQUIRE(eventually(net, [&] {
        auto r = net.accept();
        if (r) c = *r;
        return r.has_value();
    }));
    return c;
}

template <class Net>
std::string receive_some(Net& net, int c, std::size_t want) {
    std::string got;
    std::byte buf[4096];
    eventually(net, [&] {
        auto r = net.receive(c, buf);
        if (r) got.append(reinterpret_cast<const char*>(buf), *r);
        return got.size() >= want;
    });
    return got;
}

std::string read_exactly(int fd, std::size_t n) {
    std::string got;
    char buf[65536];
    const auto end = clk::now() + 5s;
    while (got.size() < n && clk::now() < end) {
        if (!readable(fd, 100)) continue;
        const ssize_t r = ::recv(fd, buf, std::min(sizeof buf, n - got.size()), 0);
        if (r <= 0) break;
        got.append(buf, static_cast<std::size_t>(r));
    }
    return got;
}

rtsp::const_buffer bytes_of(std::string_view s) { return std::as_bytes(std::span(s)); }

bool ipv6_available() {
    const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    socklen_t len = 0;
    const sockaddr_storage ss = native(loopback6(), len);
    const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0;
    ::close(fd);
    return ok;
}

bool kernel_has_udp_gso() {
    const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    int v = 0;
    socklen_t len = sizeof v;
    const bool ok = fd >= 0 && ::getsockopt(fd, IPPROTO_UDP, rtsp::posix::detail::udp_segment_option, &v, &len) == 0;
    if (fd >= 0) ::close(fd);
    return ok;
}

}  // namespace

static_assert(rtsp::Network<rtsp::posix::network>);
static_assert(rtsp::Network<rtsp::posix::basic_network<2>>);
static_assert(rtsp::WallClock<rtsp::posix::steady_clock>);
static_assert(rtsp::RandomSource<rtsp::posix::random>);

TEST_CASE("posix network: IPv4 listener, accept, receive, gather send, peer close", "[posix][tcp]") {
    rtsp::posix::network net;
    CHECK(net.listen_port() == 0);
    CHECK(net.accept().error() == errc::network_error);  // not listening yet
    REQUIRE(net.listen(loopback4(0)).has_value());
    const std::uint16_t port = net.listen_port();
    REQUIRE(port != 0);
    CHECK(net.accept().error() == errc::would_block);

    fd_guard client(tcp_client(loopback4(port)));
    const int c = accept_one(net);
    CHECK(net.connection_count() == 1);
    CHECK(net.peer_address(c) == local_of(client.get()));
    CHECK(net.peer_address(c).fam == rtsp::net::family::v4);
    CHECK(net.local_address(c) == loopback4(port));
    // The accepted socket is non-blocking with Nagle off (RTSP replies and interleaved RTP
    // must not wait for ACKs).
    CHECK((::fcntl(c, F_GETFL) & O_NONBLOCK) != 0);
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    REQUIRE(::getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
    CHECK(nodelay != 0);

    std::byte buf[256];
    CHECK(net.receive(c, buf).error() == errc::would_block);
    CHECK(net.receive(c, std::span<std::byte>{}).error() == errc::invalid_argument);
    const std::string request = "OPTIONS rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    REQUIRE(::send(client.get(), request.data(), request.size(), 0) == ssize_t(request.size()));
    CHECK(receive_some(net, c, request.size()) == request);

    // Gather send: the pieces arrive in order, empty pieces are skipped.
    const std::string a = "RTSP/1.0 200 OK\r\n", b = "CSeq: 1\r\n", d = "\r\n";
    const rtsp::const_buffer pieces[] = {bytes_of(a), {}, bytes_of(b), bytes_of(d)};
    auto sent = net.send(c, pieces);
    REQUIRE(sent.has_value());
    CHECK(*sent == a.size() + b.size() + d.size());
    CHECK(read_exactly(client.get(), *sent) == a + b + d);
    CHECK(*net.send(c, {}) == 0);  // nothing offered, nothing taken

    client.reset();  // orderly close by the peer
    errc last{};
    CHECK(eventually(net, [&] {
        auto r = net.receive(c, buf);
        last = r.error();
        return !r && r.error() != errc::would_block;
    }));
    CHECK(last == errc::connection_closed);

    net.close(c);
    CHECK(net.connection_count() == 0);
    CHECK(net.receive(c, buf).error() == errc::invalid_argument);  // no longer ours
    net.close(c);  // closing twice is harmless
}

TEST_CASE("posix network: a reset by the peer is connection_reset", "[posix][tcp]") {
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    fd_guard client(tcp_client(loopback4(net.listen_port())));
    const int c = accept_one(net);
    const linger abort_on_close{1, 0};
    REQUIRE(::setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close) == 0);
    client.reset();  // sends RST
    std::byte buf[64];
    errc last{};
    CHECK(eventually(net, [&] {
        auto r = net.receive(c, buf);
        last = r.error();
        return !r && r.error() != errc::would_block;
    }));
    CHECK(last == errc::connection_reset);
    const std::string x = "x";
    const rtsp::const_buffer piece[] = {bytes_of(x)};
    CHECK(net.send(c, piece).error() == errc::connection_reset);
}

TEST_CASE("posix network: IPv6 loopback listener", "[posix][tcp][ipv6]") {
    if (!ipv6_available()) {
        WARN("IPv6 loopback not available; skipped");
        return;
    }
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback6(0)).has_value());
    const std::uint16_t port = net.listen_port();
    REQUIRE(port != 0);
    fd_guard client(tcp_client(loopback6(port)));
    const int c = accept_one(net);
    const address peer = net.peer_address(c);
    CHECK(peer.is_v6());
    CHECK(peer == local_of(client.get()));
    CHECK(net.local_address(c) == loopback6(port));
    // A specific IPv6 bind address serves IPv6 only.
    const int v4 = ::socket(AF_INET, SOCK_STREAM, 0);
    socklen_t len = 0;
    const sockaddr_storage ss = native(loopback4(port), len);
    CHECK(::connect(v4, reinterpret_cast<const sockaddr*>(&ss), len) != 0);
    ::close(v4);
}

TEST_CASE("posix network: an any-address listener is dual stack and reports IPv4 peers as IPv4",
          "[posix][tcp][ipv6]") {
    for (const address bind_to : {address::v4(0, 0, 0, 0), any6()}) {
        INFO("bind " << (bind_to.is_v6() ? "::" : "0.0.0.0"));
        rtsp::posix::network net;
        REQUIRE(net.listen(bind_to).has_value());
        const std::uint16_t port = net.listen_port();
        REQUIRE(port != 0);
        fd_guard client(tcp_client(loopback4(port)));
        const int c = accept_one(net);
        const address peer = net.peer_address(c);
        CHECK(peer.fam == rtsp::net::family::v4);  // not ::ffff:127.0.0.1
        CHECK(peer == local_of(client.get()));
        CHECK(net.local_address(c) == loopback4(port));
        if (ipv6_available()) {
            fd_guard client6(tcp_client(loopback6(port)));
            const int c6 = accept_one(net);
            CHECK(net.peer_address(c6).is_v6());
            CHECK(net.peer_address(c6) == local_of(client6.get()));
            CHECK(net.connection_count() == 2);
        }
    }
}

TEST_CASE("posix network: a taken port is address_in_use", "[posix][tcp]") {
    fd_guard holder(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    socklen_t len = 0;
    sockaddr_storage ss = native(loopback4(0), len);
    REQUIRE(::bind(holder.get(), reinterpret_cast<const sockaddr*>(&ss), len) == 0);
    REQUIRE(::listen(holder.get(), 4) == 0);
    const std::uint16_t port = local_of(holder.get()).port;

    rtsp::posix::network net;
    CHECK(net.listen(loopback4(port)).error() == errc::address_in_use);
    CHECK(net.listen(address::v4(0, 0, 0, 0, port)).error() == errc::address_in_use);
    CHECK(net.listen_port() == 0);
    // Still usable: another port works.
    REQUIRE(net.listen(loopback4(0)).has_value());
    CHECK(net.listen_port() != port);
}

TEST_CASE("posix network: sends to a client that does not read never block, and partial counts are exact",
          "[posix][tcp]") {
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    fd_guard client(tcp_client(loopback4(net.listen_port()), 4096));
    const int c = accept_one(net);

    // Messages of three separate pieces (header, shared payload, trailer), like an
    // interleaved RTP packet; partial sends resume in the middle of any piece.
    std::vector<std::uint8_t> payload(50000);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + 3);
    const int messages = 200;  // ~10 MB: far more than the socket buffers hold
    std::vector<std::array<std::uint8_t, 8>> headers(messages);
    std::vector<std::array<std::uint8_t, 5>> trailers(messages);
    std::string expected;
    for (int m = 0; m < messages; ++m) {
        for (int k = 0; k < 8; ++k) headers[m][k] = static_cast<std::uint8_t>(m * 13 + k);
        for (int k = 0; k < 5; ++k) trailers[m][k] = static_cast<std::uint8_t>(255 - m - k);
        expected.append(reinterpret_cast<const char*>(headers[m].data()), 8);
        expected.append(reinterpret_cast<const char*>(payload.data()), payload.size());
        expected.append(reinterpret_cast<const char*>(trailers[m].data()), 5);
    }
    int msg = 0;
    std::size_t done = 0;  // bytes of message `msg` already sent
    auto send_next = [&]() -> rtsp::result<std::size_t> {
        std::vector<rtsp::const_buffer> pieces = {
            std::as_bytes(std::span(headers[msg])), std::as_bytes(std::span(payload)),
            std::as_bytes(std::span(trailers[msg]))};
        std::size_t skip = done;
        std::vector<rtsp::const_buffer> rest;
        for (auto p : pieces) {
            if (skip >= p.size()) { skip -= p.size(); continue; }
            rest.push_back(p.subspan(skip));
            skip = 0;
        }
        auto r = net.send(c, rest);
        if (r) {
            done += *r;
            if (done == 8 + payload.size() + 5) { ++msg; done = 0; }
        }
        return r;
    };

    // Phase 1: the client reads nothing. Every call returns promptly; eventually would_block.
    std::size_t total = 0;
    bool partial = false, blocked = false;
    auto slowest = clk::duration::zero();
    for (int i = 0; i < 2000 && msg < messages && !blocked; ++i) {
        const std::size_t offered = 8 + payload.size() + 5 - done;
        const auto t0 = clk::now();
        auto r = send_next();
        slowest = std::max(slowest, clk::now() - t0);
        if (!r) {
            CHECK(r.error() == errc::would_block);
            blocked = true;
        } else {
            total += *r;
            if (*r < offered) partial = true;
        }
    }
    CHECK(blocked);
    CHECK(partial);
    CHECK(total > 0);
    CHECK(total < expected.size());
    CHECK(slowest < 500ms);
    // Still full: poll waits for writability rather than returning at once.
    const auto t0 = clk::now();
    net.poll(100000);
    CHECK(clk::now() - t0 >= 60ms);

    // Phase 2: the client reads; sending resumes where it stopped, byte-exact.
    std::string got;
    got.reserve(expected.size());
    char buf[65536];
    const auto end = clk::now() + 30s;
    for (int i = 0; i < 1000000 && got.size() < expected.size() && clk::now() < end; ++i) {
        bool progress = false;
        if (msg < messages) {
            auto r = send_next();
            if (r) total += *r;
            else REQUIRE(r.error() == errc::would_block);
            progress = r.has_value();
        }
        const ssize_t n = ::recv(client.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) got.append(buf, static_cast<std::size_t>(n));
        else if (!progress) readable(client.get(), 10);
    }
    CHECK(msg == messages);
    CHECK(total == expected.size());
    REQUIRE(got.size() == expected.size());
    CHECK(got == expected);
}

TEST_CASE("posix network: a gather list longer than IOV_MAX is sent in parts", "[posix][tcp]") {
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    fd_guard client(tcp_client(loopback4(net.listen_port())));
    const int c = accept_one(net);
    // 3000 one-byte pieces, none adjacent to the next (adjacent ones would be merged).
    std::string spaced(6000, '-'), data(3000, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = spaced[2 * i] = static_cast<char>('a' + i % 26);
    std::vector<rtsp::const_buffer> pieces;
    for (std::size_t i = 0; i < data.size(); ++i) pieces.push_back(bytes_of(std::string_view(spaced).substr(2 * i, 1)));
    std::size_t sent = 0;
    std::vector<std::size_t> counts;
    while (sent < data.size() && counts.size() < 10) {
        auto r = net.send(c, std::span(pieces).subspan(sent));
        REQUIRE(r.has_value());
        counts.push_back(*r);
        sent += *r;
    }
    CHECK(counts == std::vector<std::size_t>{1024, 1024, 952});
    CHECK(read_exactly(client.get(), data.size()) == data);
}

TEST_CASE("posix network: a socket the last poll() found quiet is not asked again until the next",
          "[posix][tcp][udp][poll]") {
    // A server reads every connection after each wake-up; sockets poll() saw nothing on answer
    // would_block without a recv() each (32 clients: 32 failing system calls per poll saved).
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    REQUIRE(net.open_udp(0).has_value());
    fd_guard client(tcp_client(loopback4(net.listen_port())));
    const int c = accept_one(net);
    fd_guard peer(udp_peer(loopback4()));
    std::array<std::byte, 64> buf{};
    net.poll(0);  // nothing to read anywhere
    REQUIRE(::send(client.get(), "x", 1, 0) == 1);
    socklen_t len = 0;
    const sockaddr_storage to = native(loopback4(net.udp_port(udp_socket::rtcp)), len);
    REQUIRE(::sendto(peer.get(), "y", 1, 0, reinterpret_cast<const sockaddr*>(&to), len) == 1);
    fd_guard late(tcp_client(loopback4(net.listen_port())));
    std::this_thread::sleep_for(50ms);  // loopback: all three have arrived long before this
    CHECK(net.receive(c, buf).error() == errc::would_block);
    CHECK(net.receive_datagram(udp_socket::rtcp, buf).error() == errc::would_block);
    CHECK(net.accept().error() == errc::would_block);
    // The next poll() sees them.
    net.poll(0);
    auto r = net.receive(c, buf);
    REQUIRE(r.has_value());
    CHECK(*r == 1);
    auto d = net.receive_datagram(udp_socket::rtcp, buf);
    REQUIRE(d.has_value());
    CHECK(d->size == 1);
    CHECK(net.accept().has_value());
}

TEST_CASE("posix network: adjacent pieces go to the kernel as one", "[posix][tcp]") {
    // A frame laid out back to back (server_options::wire_buffer) arrives as thousands of
    // adjacent pieces; merged, they are one iovec, so one send takes them all, past IOV_MAX.
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    fd_guard client(tcp_client(loopback4(net.listen_port())));
    const int c = accept_one(net);
    std::string data(3000, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('A' + i % 26);
    std::vector<rtsp::const_buffer> pieces;
    for (std::size_t i = 0; i < data.size(); ++i) {
        pieces.push_back(bytes_of(std::string_view(data).substr(i, 1)));
        if (i % 7 == 0) pieces.push_back({});  // empty pieces in between change nothing
    }
    auto r = net.send(c, pieces);
    REQUIRE(r.has_value());
    CHECK(*r == data.size());
    CHECK(read_exactly(client.get(), data.size()) == data);
}

TEST_CASE("posix network: a full connection table refuses (and closes) further connections",
          "[posix][tcp]") {
    rtsp::posix::basic_network<2> net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    const std::uint16_t port = net.listen_port();
    fd_guard c1(tcp_client(loopback4(port))), c2(tcp_client(loopback4(port)));
    accept_one(net);
    accept_one(net);
    fd_guard c3(tcp_client(loopback4(port)));
    errc last{};
    CHECK(eventually(net, [&] {
        auto r = net.accept();
        last = r.error();
        return !r && r.error() != errc::would_block;
    }));
    CHECK(last == errc::no_resources);
    CHECK(net.connection_count() == 2);
    REQUIRE(readable(c3.get(), 2000));
    char ch;
    CHECK(::recv(c3.get(), &ch, 1, 0) <= 0);  // closed by the server
    CHECK(net.accept().error() == errc::would_block);
}

TEST_CASE("posix network: poll waits for the timeout when idle and wakes promptly for data",
          "[posix][poll]") {
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    REQUIRE(net.open_udp(0).has_value());
    fd_guard client(tcp_client(loopback4(net.listen_port())));
    const int c = accept_one(net);

    auto timed_poll = [&](std::uint32_t us) {
        const auto t0 = clk::now();
        net.poll(us);
        return clk::now() - t0;
    };
    const auto idle = timed_poll(80000);
    CHECK(idle >= 70ms);
    CHECK(idle < 2s);
    CHECK(timed_poll(0) < 50ms);

    // TCP data from another thread ends a long poll early.
    std::thread writer([&] {
        std::this_thread::sleep_for(50ms);
        (void)::send(client.get(), "ping", 4, 0);
    });
    const auto woke = timed_poll(5000000);
    writer.join();
    CHECK(woke < 2s);
    CHECK(receive_some(net, c, 4) == "ping");

    // So does a datagram on the RTCP socket.
    fd_guard peer(udp_peer(loopback4()));
    std::thread sender([&] {
        std::this_thread::sleep_for(50ms);
        socklen_t len = 0;
        const sockaddr_storage to = native(loopback4(net.udp_port(udp_socket::rtcp)), len);
        (void)::sendto(peer.get(), "rr", 2, 0, reinterpret_cast<const sockaddr*>(&to), len);
    });
    const auto woke_udp = timed_poll(5000000);
    sender.join();
    CHECK(woke_udp < 2s);
    std::byte buf[16];
    auto d = net.receive_datagram(udp_socket::rtcp, buf);
    REQUIRE(d.has_value());
    CHECK(d->size == 2);

    // Pending data: poll returns at once.
    REQUIRE(::send(client.get(), "x", 1, 0) == 1);
    std::this_thread::sleep_for(10ms);
    CHECK(timed_poll(5000000) < 1s);
}

TEST_CASE("posix network: poll wakes when a stalled connection drains, and only once",
          "[posix][tcp][poll]") {
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    fd_guard client(tcp_client(loopback4(net.listen_port()), 4096));
    const int c = accept_one(net);
    // Fill the connection until a send is short or refused: the adapter then waits for
    // writability as well as for data.
    std::vector<std::byte> chunk(64 * 1024, std::byte{'z'});
    bool stalled = false;
    std::size_t queued = 0;
    for (int i = 0; i < 1000 && !stalled; ++i) {
        auto r = net.send(c, std::span<const rtsp::const_buffer>(std::array{rtsp::const_buffer(chunk)}));
        if (r) queued += *r;
        stalled = !r || *r < chunk.size();
    }
    REQUIRE(stalled);
    auto timed_poll = [&](std::uint32_t us) {
        const auto t0 = clk::now();
        net.poll(us);
        return clk::now() - t0;
    };
    CHECK(timed_poll(80000) >= 60ms);  // still full: no busy return
    // The client drains everything from another thread: the long poll ends early.
    std::atomic<std::size_t> drained{0};
    std::thread reader([&] {
        std::this_thread::sleep_for(50ms);
        char buf[65536];
        const auto end = clk::now() + 5s;
        while (drained < queued && clk::now() < end) {
            if (!readable(client.get(), 100)) continue;
            const ssize_t n = ::recv(client.get(), buf, sizeof buf, 0);
            if (n <= 0) break;
            drained += static_cast<std::size_t>(n);
        }
    });
    const auto woke = timed_poll(5000000);
    reader.join();
    CHECK(woke < 2s);
    CHECK(drained == queued);
    // Reported once: with nothing more sent, the next poll waits out its timeout again.
    CHECK(timed_poll(80000) >= 60ms);
}

TEST_CASE("posix network: closed connections, a replaced listener and a moved network keep polling right",
          "[posix][tcp][poll]") {
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    std::byte buf[16];
    // Descriptor numbers come back after close: the next connection (same number, most
    // likely) must be watched afresh and the closed one forgotten.
    for (int round = 0; round < 3; ++round) {
        fd_guard client(tcp_client(loopback4(net.listen_port())));
        const int c = accept_one(net);
        net.poll(0);
        CHECK(net.receive(c, buf).error() == errc::would_block);
        REQUIRE(::send(client.get(), "abc", 3, 0) == 3);
        CHECK(receive_some(net, c, 3) == "abc");
        net.close(c);
        CHECK(net.connection_count() == 0);
    }
    // A second listen() replaces the listener; the new one wakes poll() and accepts.
    REQUIRE(net.listen(loopback4(0)).has_value());
    fd_guard second(tcp_client(loopback4(net.listen_port())));
    const int c2 = accept_one(net);
    // Moved: the new owner's poll() sees this connection's data, and waits when there is none.
    rtsp::posix::network moved(std::move(net));
    moved.poll(0);  // nothing yet: the connection is quiet until a poll() sees data
    CHECK(moved.receive(c2, buf).error() == errc::would_block);
    REQUIRE(::send(second.get(), "hi", 2, 0) == 2);
    CHECK(receive_some(moved, c2, 2) == "hi");
    const auto t0 = clk::now();
    moved.poll(80000);
    CHECK(clk::now() - t0 >= 60ms);
}

TEST_CASE("posix network: a connection closed while a child process still holds it stays forgotten",
          "[posix][tcp][poll]") {
    // Closing a descriptor does not take it out of an epoll set while another process holds
    // the socket (a child between fork and exec); the adapter removes it itself, so the old
    // socket's events cannot wake poll() or be taken for a new connection's.
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    fd_guard old_client(tcp_client(loopback4(net.listen_port())));
    const int old_c = accept_one(net);
    int hold[2];
    REQUIRE(::pipe(hold) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // holds every inherited descriptor until the parent closes the pipe
        ::close(hold[1]);
        char ch;
        (void)!::read(hold[0], &ch, 1);
        ::_exit(0);
    }
    ::close(hold[0]);
    net.close(old_c);
    REQUIRE(::send(old_client.get(), "stale", 5, 0) == 5);  // the socket lives on in the child
    std::this_thread::sleep_for(20ms);
    const auto t0 = clk::now();
    net.poll(80000);
    CHECK(clk::now() - t0 >= 60ms);  // not woken by the old socket's data
    fd_guard fresh(tcp_client(loopback4(net.listen_port())));
    const int c = accept_one(net);
    REQUIRE(::send(fresh.get(), "new", 3, 0) == 3);
    CHECK(receive_some(net, c, 3) == "new");
    ::close(hold[1]);
    int status = 0;
    CHECK(::waitpid(child, &status, 0) == child);
}

namespace {
extern "C" void posix_test_on_signal(int) {}
}  // namespace

TEST_CASE("posix network: a signal ends poll at once", "[posix][poll]") {
    struct sigaction sa {};
    sa.sa_handler = posix_test_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART
    struct sigaction old {};
    REQUIRE(::sigaction(SIGUSR1, &sa, &old) == 0);
    rtsp::posix::network net;
    REQUIRE(net.listen(loopback4(0)).has_value());
    const pthread_t self = ::pthread_self();
    std::atomic<bool> go{false};
    std::thread killer([&] {
        while (!go) std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(50ms);
        ::pthread_kill(self, SIGUSR1);
    });
    go = true;
    const auto t0 = clk::now();
    net.poll(5000000);
    const auto took = clk::now() - t0;
    killer.join();
    ::sigaction(SIGUSR1, &old, nullptr);
    CHECK(took < 2s);
}

TEST_CASE("posix network: UDP sockets open on an even port pair and report ports", "[posix][udp]") {
    rtsp::posix::network net;
    CHECK(net.udp_port(udp_socket::rtp) == 0);
    std::byte buf[8];
    CHECK(net.receive_datagram(udp_socket::rtp, buf).error() == errc::network_error);
    REQUIRE(net.open_udp(0).has_value());
    const std::uint16_t rtp = net.udp_port(udp_socket::rtp);
    CHECK(rtp != 0);
    CHECK(rtp % 2 == 0);
    CHECK(net.udp_port(udp_socket::rtcp) == rtp + 1);
    CHECK(net.receive_datagram(udp_socket::rtp, buf).error() == errc::would_block);

    // The port pair is taken while open; freed when the network is destroyed.
    {
        rtsp::posix::network other;
        CHECK(other.open_udp(rtp).error() == errc::address_in_use);
        CHECK(other.open_udp(static_cast<std::uint16_t>(rtp - 1)).error() == errc::address_in_use);  // its RTCP is our RTP
        CHECK(other.open_udp(65535).error() == errc::invalid_argument);
    }
    {
        rtsp::posix::network moved(std::move(net));  // ownership moves, nothing is closed twice
        CHECK(moved.udp_port(udp_socket::rtp) == rtp);
    }
    rtsp::posix::network again;
    REQUIRE(again.open_udp(rtp).has_value());
    CHECK(again.udp_port(udp_socket::rtp) == rtp);
    CHECK(again.udp_port(udp_socket::rtcp) == rtp + 1);
}

TEST_CASE("posix network: receive_datagram reports size, truncation and sender", "[posix][udp]") {
    rtsp::posix::network net;
    REQUIRE(net.open_udp(0).has_value());
    fd_guard peer(udp_peer(loopback4()));
    const std::uint16_t rtcp = net.udp_port(udp_socket::rtcp);
    socklen_t len = 0;
    const sockaddr_storage to = native(loopback4(rtcp), len);
    std::string big(100, 'z');
    REQUIRE(::sendto(peer.get(), big.data(), big.size(), 0, reinterpret_cast<const sockaddr*>(&to), len) == 100);
    std::byte buf[10];
    rtsp::result<rtsp::datagram_info> d = rtsp::fail(errc::would_block);
    CHECK(eventually(net, [&] {
        d = net.receive_datagram(udp_socket::rtcp, buf);
        return d.has_value();
    }));
    REQUIRE(d.has_value());
    CHECK(d->size == 10);  // truncated to the buffer
    CHECK(d->from == local_of(peer.get()));
    CHECK(d->from.fam == rtsp::net::family::v4);  // not v4-mapped
    CHECK(net.receive_datagram(udp_socket::rtcp, buf).error() == errc::would_block);  // rest dropped

    if (ipv6_available()) {
        fd_guard peer6(udp_peer(loopback6()));
        const sockaddr_storage to6 = native(loopback6(rtcp), len);
        REQUIRE(::sendto(peer6.get(), "v6", 2, 0, reinterpret_cast<const sockaddr*>(&to6), len) == 2);
        CHECK(eventually(net, [&] {
            d = net.receive_datagram(udp_socket::rtcp, buf);
            return d.has_value();
        }));
        REQUIRE(d.has_value());
        CHECK(d->size == 2);
        CHECK(d->from.is_v6());
        CHECK(d->from == local_of(peer6.get()));
    }
}

namespace {

/// Datagram i = 12-byte header (index, size) + a slice of a shared payload + 2-byte trailer,
/// three pieces like an RTP packet from the packetizer. `sizes` are payload lengths.
struct datagram_set {
    std::vector<std::uint8_t> payload;
    std::vector<std::array<std::uint8_t, 12>> headers;
    std::vector<std::array<std::uint8_t, 2>> trailers;
    std::vector<std::vector<rtsp::const_buffer>> pieces;
    std::vector<rtsp::buffer_sequence> datagrams;
    std::vector<std::string> expected;

    explicit datagram_set(const std::vector<std::size_t>& sizes, unsigned seed) {
        payload.resize(70000);
        for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 31 + seed);
        const std::size_t n = sizes.size();
        headers.resize(n);
        trailers.resize(n);
        pieces.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t k = 0; k < 12; ++k) headers[i][k] = static_cast<std::uint8_t>(i + k * 17 + seed);
            trailers[i] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(seed)};
            const auto slice = std::span(payload).subspan((i * 101) % 1000, sizes[i]);
            pieces[i] = {std::as_bytes(std::span(headers[i])), std::as_bytes(slice),
                         std::as_bytes(std::span(trailers[i]))};
            std::string e;
            for (auto p : pieces[i]) e.append(reinterpret_cast<const char*>(p.data()), p.size());
            expected.push_back(std::move(e));
        }
        for (auto& p : pieces) datagrams.push_back(p);
    }
};

std::vector<std::string> receive_datagrams(int fd, std::size_t n) {
    std::vector<std::string> got;
    std::vector<char> buf(70000);
    const auto end = clk::now() + 3s;
    while (got.size() < n && clk::now() < end) {
        if (!readable(fd, 100)) continue;
        const ssize_t r = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (r >= 0) got.emplace_back(buf.data(), static_cast<std::size_t>(r));
    }
    return got;
}

const char* path_name(udp_path p) {
    switch (p) {
    case udp_path::gso: return "gso";
    case udp_path::sendmmsg: return "sendmmsg";
    case udp_path::sendmsg: return "sendmsg";
    }
    return "?";
}

}  // namespace

TEST_CASE("posix network: send_datagrams delivers every datagram in order on every send path",
          "[posix][udp]") {
    const bool gso_kernel = kernel_has_udp_gso();
    std::vector<address> destinations = {loopback4()};
    if (ipv6_available()) destinations.push_back(loopback6());
    unsigned seed = 1;
    for (const udp_path path : {udp_path::gso, udp_path::sendmmsg, udp_path::sendmsg}) {
        rtsp::posix::network net;
        REQUIRE(net.open_udp(0).has_value());
        net.force_udp_send_path(path);
        for (const address& dest : destinations) {
            fd_guard peer(udp_peer(dest));
            const address to = local_of(peer.get());
            // 1, 5, 49 and 130 (several GSO sends) equal datagrams, each also with a short
            // last one; and a shape GSO cannot take (a short one in the middle).
            std::vector<std::vector<std::size_t>> shapes;
            for (const std::size_t n : {1u, 5u, 49u, 130u}) {
                shapes.emplace_back(n, 1186);
                std::vector<std::size_t> with_short(n, 1186);
                with_short.push_back(77);
                shapes.push_back(with_short);
            }
            shapes.push_back({1000, 1000, 400, 1000, 1000});
            shapes.push_back({2, 2, 2});  // tiny datagrams
            for (const auto& shape : shapes) {
                INFO("path " << path_name(path) << " to " << (dest.is_v6() ? "::1" : "127.0.0.1")
                             << ", " << shape.size() << " datagrams, last " << shape.back());
                datagram_set set(shape, seed++);
                auto r = net.send_datagrams(udp_socket::rtp, to, set.datagrams);
                REQUIRE(r.has_value());
                CHECK(*r == shape.size());
                const auto got = receive_datagrams(peer.get(), shape.size());
                REQUIRE(got.size() == shape.size());
                for (std::size_t i = 0; i < got.size(); ++i) {
                    INFO("datagram " << i);
                    CHECK(got[i] == set.expected[i]);
                }
            }
            // Datagrams laid out back to back, one piece each (a wire_buffer frame): GSO
            // merges them into one iovec per send, sendmmsg must keep every boundary.
            for (const std::size_t n : {2u, 46u, 47u, 130u}) {
                INFO("path " << path_name(path) << ", " << n << " adjacent datagrams");
                std::vector<char> wire(n * 1186);
                for (std::size_t i = 0; i < wire.size(); ++i) wire[i] = static_cast<char>(i * 7 + seed);
                const std::size_t last = 500;
                std::vector<rtsp::const_buffer> one_piece(n);
                std::vector<rtsp::buffer_sequence> grams(n);
                for (std::size_t i = 0; i < n; ++i) {
                    one_piece[i] = std::as_bytes(std::span(wire).subspan(i * 1186, i + 1 == n ? last : 1186));
                    grams[i] = rtsp::buffer_sequence(&one_piece[i], 1);
                }
                ++seed;
                auto r = net.send_datagrams(udp_socket::rtp, to, grams);
                REQUIRE(r.has_value());
                CHECK(*r == n);
                const auto got = receive_datagrams(peer.get(), n);
                REQUIRE(got.size() == n);
                for (std::size_t i = 0; i < n; ++i) {
                    INFO("datagram " << i);
                    CHECK(got[i] == std::string(wire.data() + i * 1186, i + 1 == n ? last : 1186));
                }
            }
            // The source port is the socket's own (what the SETUP reply names as server_port).
            datagram_set one({10}, seed++);
            REQUIRE(net.send_datagrams(udp_socket::rtcp, to, one.datagrams).has_value());
            REQUIRE(readable(peer.get(), 2000));
            sockaddr_storage from{};
            socklen_t len = sizeof from;
            char b[64];
            REQUIRE(::recvfrom(peer.get(), b, sizeof b, 0, reinterpret_cast<sockaddr*>(&from), &len) == 24);
            CHECK(rtsp::posix::detail::from_sockaddr(from).port == net.udp_port(udp_socket::rtcp));
        }
        const std::string used = net.udp_send_path();
        if (path != udp_path::gso || gso_kernel) CHECK(used == path_name(path));
        else CHECK(used == "sendmmsg");  // refused and downgraded for good
        CHECK(net.send_datagrams(udp_socket::rtp, loopback4(9), {}).value() == 0);
    }
}

TEST_CASE("posix network: multicast leaves by the bind address's interface with the TTL asked, on every send path",
          "[posix][udp][multicast]") {
    // A group of this process's own, joined on the loopback interface only: nothing leaves the host.
    const auto pid = static_cast<unsigned>(::getpid());
    const address group = address::v4(239, 255, static_cast<std::uint8_t>(pid >> 8), static_cast<std::uint8_t>(pid));
    fd_guard member(udp_peer(address::v4(0, 0, 0, 0)));
    const std::uint16_t port = local_of(member.get()).port;
    ip_mreq join{};
    std::memcpy(&join.imr_multiaddr.s_addr, group.bytes.data(), 4);
    join.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::setsockopt(member.get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof join) == 0);
    const int on = 1;
    REQUIRE(::setsockopt(member.get(), IPPROTO_IP, IP_RECVTTL, &on, sizeof on) == 0);

    for (const udp_path path : {udp_path::gso, udp_path::sendmmsg, udp_path::sendmsg}) {
        INFO("path " << path_name(path));
        rtsp::posix::network net;
        CHECK(net.enable_multicast(1, loopback4()).error() == rtsp::errc::invalid_argument);  // before open_udp
        REQUIRE(net.open_udp(0).has_value());
        net.force_udp_send_path(path);
        REQUIRE(net.enable_multicast(7, loopback4()).has_value());
        std::vector<std::size_t> shape(49, 1186);
        shape.push_back(300);
        datagram_set set(shape, 99);
        auto r = net.send_datagrams(udp_socket::rtp, group.with_port(port), set.datagrams);
        REQUIRE(r.has_value());
        CHECK(*r == shape.size());
        // Every datagram arrives, in order, with the TTL asked.
        std::vector<char> buf(70000);
        std::size_t got = 0;
        const auto end = clk::now() + 3s;
        while (got < shape.size() && clk::now() < end) {
            if (!readable(member.get(), 100)) continue;
            alignas(cmsghdr) char control[64];
            iovec iov{buf.data(), buf.size()};
            msghdr m{};
            m.msg_iov = &iov;
            m.msg_iovlen = 1;
            m.msg_control = control;
            m.msg_controllen = sizeof control;
            const ssize_t n = ::recvmsg(member.get(), &m, MSG_DONTWAIT);
            if (n < 0) continue;
            INFO("datagram " << got);
            CHECK(std::string(buf.data(), static_cast<std::size_t>(n)) == set.expected[got]);
            int ttl = -1;
            for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
            CHECK(ttl == 7);
            ++got;
        }
        CHECK(got == shape.size());
        // GSO works for a group as for a host: not refused and downgraded.
        if (path != udp_path::gso || kernel_has_udp_gso()) CHECK(net.udp_send_path() == std::string(path_name(path)));
    }
    // An interface address this host does not have is refused.
    rtsp::posix::network net;
    REQUIRE(net.open_udp(0).has_value());
    CHECK(net.enable_multicast(1, address::v4(203, 0, 113, 77)).error() == rtsp::errc::invalid_argument);
    CHECK(net.enable_multicast(1, address::v4(0, 0, 0, 0)).has_value());  // any: the route decides
}

TEST_CASE("posix network: send_datagrams edge cases", "[posix][udp]") {
    rtsp::posix::network net;
    const std::string x = "x";
    const rtsp::const_buffer piece[] = {bytes_of(x)};
    const rtsp::buffer_sequence one[] = {piece};
    CHECK(net.send_datagrams(udp_socket::rtp, loopback4(9), one).error() == errc::network_error);  // not open
    REQUIRE(net.open_udp(0).has_value());
    fd_guard peer(udp_peer(loopback4()));
    const address to = local_of(peer.get());

    // A datagram with more pieces than one sendmsg takes is refused, not truncated.
    std::vector<rtsp::const_buffer> many(rtsp::posix::network::max_iov + 1, piece[0]);
    const rtsp::buffer_sequence huge[] = {many};
    for (const udp_path p : {udp_path::gso, udp_path::sendmmsg, udp_path::sendmsg}) {
        net.force_udp_send_path(p);
        CHECK(net.send_datagrams(udp_socket::rtp, to, huge).error() == errc::invalid_argument);
    }
    // An empty datagram is a datagram.
    net.force_udp_send_path(udp_path::gso);
    const rtsp::buffer_sequence empty_then_x[] = {{}, piece};
    auto r = net.send_datagrams(udp_socket::rtp, to, empty_then_x);
    REQUIRE(r.has_value());
    CHECK(*r == 2);
    const auto got = receive_datagrams(peer.get(), 2);
    REQUIRE(got.size() == 2);
    CHECK(got[0].empty());
    CHECK(got[1] == "x");
}

TEST_CASE("posix network: the destructor closes everything it opened", "[posix]") {
    std::uint16_t tcp_port = 0, udp_port = 0;
    {
        rtsp::posix::network net;
        REQUIRE(net.listen(loopback4(0)).has_value());
        REQUIRE(net.open_udp(0).has_value());
        tcp_port = net.listen_port();
        udp_port = net.udp_port(udp_socket::rtp);
        fd_guard client(tcp_client(loopback4(tcp_port)));
        accept_one(net);
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    socklen_t len = 0;
    const sockaddr_storage ss = native(loopback4(tcp_port), len);
    CHECK(::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0);
    ::close(fd);
    rtsp::posix::network again;
    CHECK(again.open_udp(udp_port).has_value());
}

TEST_CASE("posix steady_clock and random", "[posix]") {
    rtsp::posix::steady_clock c;
    std::uint64_t prev = c.now_us();
    for (int i = 0; i < 1000; ++i) {
        const std::uint64_t t = c.now_us();
        CHECK(t >= prev);
        prev = t;
    }
    const auto t0 = c.now_us();
    std::this_thread::sleep_for(20ms);
    const auto dt = c.now_us() - t0;
    CHECK(dt >= 19000);
    CHECK(dt < 2000000);
    const auto wall = c.wall_us();
    const auto sys = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    CHECK(wall + 1000000 > sys);
    CHECK(wall < sys + 1000000);

    rtsp::posix::random rng;
    std::set<std::uint64_t> seen;
    std::uint64_t ones = 0, any_bits = 0;
    for (int i = 0; i < 1000; ++i) {
        const std::uint64_t v = rng.next_u64();
        seen.insert(v);
        any_bits |= v;
        ones += static_cast<std::uint64_t>(__builtin_popcountll(v));
    }
    CHECK(seen.size() == 1000);
    CHECK(any_bits == ~std::uint64_t{0});  // every bit position varies
    CHECK(ones > 30000);                   // ~32000 expected of 64000 bits
    CHECK(ones < 34000);
}
