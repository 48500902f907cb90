// SPDX-License-Identifier: MIT
// rtsp/adapters/posix.hpp - the server's platform on Linux hosts: sockets, clocks, randomness.
//
// rtsp::posix::network models rtsp::Network over non-blocking BSD sockets: one dual-stack TCP
// listener, the accepted connections (a fixed table, so memory is bounded), the shared RTP and
// RTCP UDP sockets, and an epoll set over all of them. Stream sends are scatter-gather sendmsg()
// calls straight from the caller's buffers, so a JPEG scan is never copied; a frame's RTP
// datagrams leave in as few system calls as the kernel allows (UDP GSO, else sendmmsg, else one
// sendmsg per datagram), chosen at run time and downgraded for good when the kernel refuses.
// Nothing here allocates after construction and nothing throws. Host only: it uses Linux APIs
// (accept4, epoll, ppoll, sendmmsg, UDP_SEGMENT, getrandom).
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <climits>
#include <cstring>
#include <ctime>
#include <span>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rtsp/concepts.hpp"
#include "rtsp/net/address.hpp"
#include "rtsp/result.hpp"

namespace rtsp::posix {

/// How send_datagrams() hands datagrams to the kernel, slowest to fastest.
enum class udp_path : std::uint8_t {
    sendmsg,   ///< one sendmsg() per datagram (the portable sendto() path, with gather lists)
    sendmmsg,  ///< up to max_batch datagrams per sendmmsg() call
    gso,       ///< UDP generic segmentation offload: one sendmsg() carries up to 64 datagrams
};

namespace detail {

// Linux >= 4.18; older glibc headers lack the constant, the running kernel decides anyway.
#ifdef UDP_SEGMENT
inline constexpr int udp_segment_option = UDP_SEGMENT;
#else
inline constexpr int udp_segment_option = 103;
#endif

/// Largest UDP payload of one GSO send: an IPv4 datagram's 65535 bytes less the IPv4 (20) and
/// UDP (8) headers. IPv6 would allow 20 more; one limit keeps v4-mapped sends safe.
inline constexpr std::size_t gso_max_bytes = 65507;
/// Segments per GSO send: the kernel's UDP_MAX_SEGMENTS (64 before Linux 6.9, 128 after).
inline constexpr std::size_t gso_max_segments = 64;

[[nodiscard]] inline bool is_v4_mapped(const std::uint8_t* b) noexcept {
    for (int i = 0; i < 10; ++i)
        if (b[i] != 0) return false;
    return b[10] == 0xFF && b[11] == 0xFF;
}

[[nodiscard]] inline bool is_unspecified(const net::address& a) noexcept {
    const std::size_t n = a.is_v6() ? 16 : 4;
    for (std::size_t i = 0; i < n; ++i)
        if (a.bytes[i] != 0) return false;
    return true;
}

/// A native socket address as an rtsp address; IPv4-mapped IPv6 becomes plain IPv4, so a v4
/// client has one representation whichever socket it reached.
[[nodiscard]] inline net::address from_sockaddr(const sockaddr_storage& ss) noexcept {
    net::address a;
    if (ss.ss_family == AF_INET) {
        sockaddr_in sin;
        std::memcpy(&sin, &ss, sizeof sin);
        std::memcpy(a.bytes.data(), &sin.sin_addr, 4);
        a.port = ntohs(sin.sin_port);
    } else if (ss.ss_family == AF_INET6) {
        sockaddr_in6 s6;
        std::memcpy(&s6, &ss, sizeof s6);
        const std::uint8_t* b = s6.sin6_addr.s6_addr;
        if (is_v4_mapped(b)) {
            std::memcpy(a.bytes.data(), b + 12, 4);
        } else {
            a.fam = net::family::v6;
            std::memcpy(a.bytes.data(), b, 16);
        }
        a.port = ntohs(s6.sin6_port);
    }
    return a;
}

/// `a` as a destination for a socket of `sock_family` (IPv4 as v4-mapped on AF_INET6); returns
/// the address length, or 0 when an AF_INET socket cannot reach an IPv6 address.
[[nodiscard]] inline socklen_t to_sockaddr(const net::address& a, int sock_family,
                                           sockaddr_storage& ss) noexcept {
    std::memset(&ss, 0, sizeof ss);
    if (sock_family == AF_INET6) {
        sockaddr_in6 s6{};
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons(a.port);
        if (a.is_v6()) {
            std::memcpy(s6.sin6_addr.s6_addr, a.bytes.data(), 16);
        } else {
            s6.sin6_addr.s6_addr[10] = 0xFF;
            s6.sin6_addr.s6_addr[11] = 0xFF;
            std::memcpy(s6.sin6_addr.s6_addr + 12, a.bytes.data(), 4);
        }
        std::memcpy(&ss, &s6, sizeof s6);
        return sizeof s6;
    }
    const std::uint8_t* v4 = a.bytes.data();
    if (a.is_v6()) {
        if (!is_v4_mapped(v4)) return 0;
        v4 += 12;
    }
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(a.port);
    std::memcpy(&sin.sin_addr, v4, 4);
    std::memcpy(&ss, &sin, sizeof sin);
    return sizeof sin;
}

inline void close_fd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);  // never retried on EINTR: Linux has released the fd already
    fd = -1;
}

[[nodiscard]] inline bool is_would_block(int e) noexcept {
    return e == EAGAIN || e == EWOULDBLOCK;
}

/// Opens a non-blocking socket of `type` bound to `a`. An unspecified host ("any", v4 or v6)
/// binds `::` with IPV6_V6ONLY off so one socket serves both families, or 0.0.0.0 when the
/// host has no IPv6. Returns 0 and sets fd/family, or the errno of the failure.
[[nodiscard]] inline int open_bound(int type, const net::address& a, bool reuse_address, int& fd,
                                    int& family) noexcept {
    fd = -1;
    auto attempt = [&](int fam, int v6only, const net::address& host) -> int {
        const int s = ::socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s < 0) return errno;
        const int one = 1;
        if (reuse_address) (void)::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (fam == AF_INET6)
            (void)::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
        sockaddr_storage ss;
        const socklen_t len = to_sockaddr(host, fam, ss);
        if (::bind(s, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
            const int e = errno;
            ::close(s);
            return e;
        }
        fd = s;
        family = fam;
        return 0;
    };
    if (is_unspecified(a)) {
        net::address any6;
        any6.fam = net::family::v6;
        any6.port = a.port;
        const int e = attempt(AF_INET6, 0, any6);
        if (e != EAFNOSUPPORT && e != EADDRNOTAVAIL && e != EPROTONOSUPPORT) return e;
        return attempt(AF_INET, 0, net::address::v4(0, 0, 0, 0, a.port));
    }
    if (!a.is_v6() || is_v4_mapped(a.bytes.data())) return attempt(AF_INET, 0, a);
    return attempt(AF_INET6, 1, a);
}

[[nodiscard]] inline std::uint16_t bound_port(int fd) noexcept {
    if (fd < 0) return 0;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
    return from_sockaddr(ss).port;
}

/// Error of a datagram send: would_block when the socket buffer or the device queue is full
/// (the caller drops the rest of the frame), otherwise a hard failure.
[[nodiscard]] inline errc datagram_send_error(int e) noexcept {
    if (is_would_block(e) || e == ENOBUFS || e == ENOMEM) return errc::would_block;
    if (e == EMSGSIZE || e == EINVAL) return errc::invalid_argument;
    return errc::network_error;
}

}  // namespace detail

/// rtsp::Network over Linux sockets, holding at most MaxConnections accepted TCP connections
/// (the fixed table bounds memory and the poll set). Not copyable; movable.
template <std::size_t MaxConnections = 64>
class basic_network {
    static_assert(MaxConnections > 0, "basic_network needs room for at least one connection");

public:
    using connection = int;  ///< the connection's file descriptor

    static constexpr std::size_t max_connections = MaxConnections;
    /// Pieces per sendmsg() (Linux's IOV_MAX); longer gather lists are sent in several calls.
    static constexpr std::size_t max_iov = 1024;
#ifdef IOV_MAX
    static_assert(max_iov <= IOV_MAX, "sendmsg() takes at most IOV_MAX pieces");
#endif
    /// Datagrams per sendmmsg() call.
    static constexpr std::size_t max_batch = 64;
    /// The listener's queue of connections not yet accepted.
    static constexpr int listen_backlog = 16;
    /// Send buffer asked for on the RTP socket, so a whole 1080p frame fits in one burst.
    static constexpr int rtp_send_buffer = 4 * 1024 * 1024;

    basic_network() noexcept = default;
    basic_network(const basic_network&) = delete;
    basic_network& operator=(const basic_network&) = delete;
    basic_network(basic_network&& o) noexcept { take(o); }
    basic_network& operator=(basic_network&& o) noexcept {
        if (this != &o) {
            close_all();
            take(o);
        }
        return *this;
    }
    ~basic_network() { close_all(); }

    // --- TCP ------------------------------------------------------------------------------

    /// Listens on addr (all-zero host: every address, both families); replaces any previous
    /// listener. address_in_use when the port is taken, network_error otherwise.
    result<void> listen(const net::address& addr) noexcept {
        close_watched(listener_);
        int fd = -1, fam = 0;
        int e = detail::open_bound(SOCK_STREAM, addr, true, fd, fam);
        if (e == 0 && ::listen(fd, listen_backlog) != 0) {
            e = errno;
            detail::close_fd(fd);
        }
        if (e != 0) return fail(e == EADDRINUSE ? errc::address_in_use : errc::network_error);
        if (!watch(fd, EPOLLIN, EPOLL_CTL_ADD)) {
            detail::close_fd(fd);
            return fail(errc::no_resources);
        }
        listener_ = fd;
        listener_quiet_ = false;
        return {};
    }

    /// The port the listener is bound to (the kernel's choice after listen() on port 0), or 0.
    [[nodiscard]] std::uint16_t listen_port() const noexcept { return detail::bound_port(listener_); }

    /// A newly accepted connection (non-blocking, TCP_NODELAY), or would_block when none is
    /// pending; no_resources when the table (or the process's fd limit) is full - a connection
    /// refused for a full table is closed at once, so the next one can be tried.
    result<connection> accept() noexcept {
        if (listener_ < 0) return fail(errc::network_error);
        if (listener_quiet_) return fail(errc::would_block);  // the last poll() saw nothing
        int fd = -1;
        for (int tries = 0; tries < 8; ++tries) {
            fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0 || errno != EINTR) break;
        }
        if (fd < 0) {
            const int e = errno;
            // ECONNABORTED: the client gave up while queued; nothing to accept after all.
            if (detail::is_would_block(e) || e == EINTR || e == ECONNABORTED || e == EPROTO)
                return fail(errc::would_block);
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
                return fail(errc::no_resources);
            return fail(errc::network_error);
        }
        if (count_ == MaxConnections || !watch(fd, EPOLLIN, EPOLL_CTL_ADD)) {
            ::close(fd);
            return fail(errc::no_resources);
        }
        const int one = 1;
        (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns_[count_++] = slot{fd};
        return fd;
    }

    /// Bytes received into buf (> 0), would_block, connection_closed (orderly shutdown) or
    /// connection_reset. invalid_argument for an empty buf or a handle that is not open.
    result<std::size_t> receive(connection c, std::span<std::byte> buf) noexcept {
        const slot* s = find(c);
        if (buf.empty() || s == nullptr) return fail(errc::invalid_argument);
        if (s->quiet) return fail(errc::would_block);  // the last poll() saw nothing
        for (int tries = 0; tries < 8; ++tries) {
            const ssize_t n = ::recv(c, buf.data(), buf.size(), MSG_DONTWAIT);
            if (n > 0) return static_cast<std::size_t>(n);
            if (n == 0) return fail(errc::connection_closed);
            const int e = errno;
            if (e == EINTR) continue;
            if (detail::is_would_block(e)) return fail(errc::would_block);
            if (e == ECONNRESET || e == EPIPE || e == ETIMEDOUT || e == ENOTCONN || e == EHOSTUNREACH)
                return fail(errc::connection_reset);
            return fail(errc::network_error);
        }
        return fail(errc::would_block);
    }

    /// Bytes taken from the front of data (at most the first max_iov non-empty pieces), or
    /// would_block, or connection_reset for a dead connection. Never blocks. A short count
    /// makes poll() wait for the connection to become writable.
    result<std::size_t> send(connection c, buffer_sequence data) noexcept {
        slot* s = find(c);
        if (s == nullptr) return fail(errc::invalid_argument);
        std::size_t n = 0, total = 0;
        for (const const_buffer& b : data) {
            if (b.empty()) continue;
            if (!append_piece(b, n, 0)) break;
            total += b.size();
        }
        if (n == 0) return std::size_t{0};
        msghdr m{};
        m.msg_iov = iov_.data();
        m.msg_iovlen = n;
        for (int tries = 0; tries < 8; ++tries) {
            const ssize_t r = ::sendmsg(c, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (r >= 0) {
                s->want_write = static_cast<std::size_t>(r) < total;
                if (r == 0) return fail(errc::would_block);
                return static_cast<std::size_t>(r);
            }
            const int e = errno;
            if (e == EINTR) continue;
            if (detail::is_would_block(e) || e == ENOBUFS || e == ENOMEM) {
                s->want_write = true;
                return fail(errc::would_block);
            }
            if (e == EPIPE || e == ECONNRESET || e == ETIMEDOUT || e == ENOTCONN || e == EHOSTUNREACH)
                return fail(errc::connection_reset);
            return fail(errc::network_error);
        }
        return fail(errc::would_block);
    }

    /// Closes c at once (unsent data is discarded by the kernel's normal close); a handle that
    /// is not open here is ignored, so a foreign descriptor is never closed.
    void close(connection c) noexcept {
        for (std::size_t i = 0; i < count_; ++i) {
            if (conns_[i].fd != c) continue;
            close_watched(conns_[i].fd);
            conns_[i] = conns_[--count_];
            conns_[count_] = slot{};
            return;
        }
    }

    /// The remote address of c (IPv4-mapped peers as IPv4); all zero if unknown.
    [[nodiscard]] net::address peer_address(connection c) const noexcept {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        if (::getpeername(c, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
        return detail::from_sockaddr(ss);
    }

    /// The local address of c (the server address the client reached); all zero if unknown.
    [[nodiscard]] net::address local_address(connection c) const noexcept {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        if (::getsockname(c, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
        return detail::from_sockaddr(ss);
    }

    /// How many accepted connections are open.
    [[nodiscard]] std::size_t connection_count() const noexcept { return count_; }

    // --- UDP ------------------------------------------------------------------------------

    /// Opens RTP on `port` and RTCP on port + 1, both dual stack and non-blocking; port 0
    /// picks a free even port. Replaces sockets opened before. address_in_use if taken.
    result<void> open_udp(std::uint16_t port) noexcept {
        close_udp();
        udp_quiet_ = {};
        if (port == 65535) return fail(errc::invalid_argument);
        if (port != 0) {
            const errc e = open_udp_pair(port);
            if (e != errc{}) return fail(e);
        } else {
            errc e = errc::address_in_use;  // retried only while the kernel's pick was unusable
            for (int tries = 0; tries < 64 && e == errc::address_in_use; ++tries)
                e = open_udp_pair(0);
            if (e != errc{}) return fail(e);
        }
        const int big = rtp_send_buffer;
        int& rtp = udp_[0];
        // Best effort: the privileged variant ignores net.core.wmem_max, the plain one caps at it.
        if (::setsockopt(rtp, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0)
            (void)::setsockopt(rtp, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        // A kernel that knows the option (>= 4.18) can segment; asking is free and certain.
        int gso = 0;
        socklen_t len = sizeof gso;
        if (::getsockopt(rtp, IPPROTO_UDP, detail::udp_segment_option, &gso, &len) != 0 &&
            working_ == udp_path::gso)
            working_ = udp_path::sendmmsg;
        return {};
    }

    /// rtsp::MulticastSender: multicast from both UDP sockets carries IP TTL `ttl` (1: this
    /// subnet only; IP_MULTICAST_TTL, and IPV6_MULTICAST_HOPS on a dual-stack socket) and, when
    /// `interface` is a specific IPv4 address, leaves by that address's interface
    /// (IP_MULTICAST_IF; else the route to the group decides). Loopback delivery stays on, so
    /// clients on this host receive it too. Call after open_udp().
    result<void> enable_multicast(std::uint8_t ttl, const net::address& interface) noexcept {
        const int hops = ttl;
        const bool v4_interface = !interface.is_v6() && !detail::is_unspecified(interface);
        for (int fd : udp_) {
            if (fd < 0) return fail(errc::invalid_argument);
            // Linux applies IPv4 options to an IPv6 socket's v4-mapped traffic.
            if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &hops, sizeof hops) != 0) return fail(errc::network_error);
            if (udp_family_ == AF_INET6 &&
                ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0)
                return fail(errc::network_error);
            if (v4_interface) {
                in_addr a{};
                std::memcpy(&a.s_addr, interface.bytes.data(), 4);
                if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof a) != 0)
                    return fail(errc::invalid_argument);  // not an address of this host
            }
        }
        return {};
    }

    /// The local port of socket s (0 before open_udp()).
    [[nodiscard]] std::uint16_t udp_port(udp_socket s) const noexcept { return ports_[index(s)]; }

    /// Sends each gather list as one datagram to `to`, in order, as far as the socket buffer
    /// takes them; returns how many were sent, or would_block when none was.
    result<std::size_t> send_datagrams(udp_socket s, const net::address& to,
                                       std::span<const buffer_sequence> datagrams) noexcept {
        const int fd = udp_[index(s)];
        if (fd < 0) return fail(errc::network_error);
        if (datagrams.empty()) return std::size_t{0};
        sockaddr_storage dst;
        const socklen_t dst_len = detail::to_sockaddr(to, udp_family_, dst);
        if (dst_len == 0) return fail(errc::invalid_argument);
        const std::size_t gso_segment = gso_eligible(datagrams);
        std::size_t sent = 0;
        // Each round sends at least one datagram or stops, so this ends; the bound is a guard.
        for (std::size_t round = 0; sent < datagrams.size() && round <= 2 * datagrams.size() + 2;
             ++round) {
            const udp_path p = udp_send_path_kind();
            const auto rest = datagrams.subspan(sent);
            send_step r = p == udp_path::gso && gso_segment != 0 ? send_gso(fd, dst, dst_len, rest, gso_segment)
                        : p >= udp_path::sendmmsg         ? send_mmsg(fd, dst, dst_len, rest)
                                                          : send_one(fd, dst, dst_len, rest[0]);
            if (r.downgraded) continue;  // same datagrams again on the slower path
            if (r.error != errc{}) {
                if (sent > 0) return sent;
                return fail(r.error);
            }
            sent += r.count;
        }
        return sent;
    }

    /// One received datagram (truncated to buf) and its sender, or would_block.
    result<datagram_info> receive_datagram(udp_socket s, std::span<std::byte> buf) noexcept {
        const int fd = udp_[index(s)];
        if (fd < 0) return fail(errc::network_error);
        if (udp_quiet_[index(s)]) return fail(errc::would_block);  // the last poll() saw nothing
        for (int tries = 0; tries < 8; ++tries) {
            sockaddr_storage ss{};
            socklen_t len = sizeof ss;
            const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT,
                                         reinterpret_cast<sockaddr*>(&ss), &len);
            if (n >= 0) return datagram_info{static_cast<std::size_t>(n), detail::from_sockaddr(ss)};
            const int e = errno;
            if (e == EINTR) continue;
            // ICMP errors of earlier sends surface here on some stacks; they are not data.
            if (detail::is_would_block(e) || e == ECONNREFUSED || e == EHOSTUNREACH ||
                e == ENETUNREACH)
                return fail(errc::would_block);
            return fail(errc::network_error);
        }
        return fail(errc::would_block);
    }

    /// Which path send_datagrams() uses now (for logs and benchmarks).
    [[nodiscard]] udp_path udp_send_path_kind() const noexcept { return std::min(limit_, working_); }
    /// "gso", "sendmmsg" or "sendmsg".
    [[nodiscard]] const char* udp_send_path() const noexcept {
        switch (udp_send_path_kind()) {
        case udp_path::gso: return "gso";
        case udp_path::sendmmsg: return "sendmmsg";
        case udp_path::sendmsg: return "sendmsg";
        }
        return "sendmsg";
    }
    /// Caps the path at p (tests, benchmarks); a path the kernel refused stays off.
    void force_udp_send_path(udp_path p) noexcept { limit_ = p; }

    // --- waiting --------------------------------------------------------------------------

    /// Waits up to timeout_us for any socket to become readable, or writable for connections
    /// with unsent data. Returns at once on a signal, so a handler's stop() is seen quickly.
    /// Until the next poll(), accept(), receive() and receive_datagram() answer would_block
    /// at once, without a system call, for a socket this poll() found with nothing to read
    /// (without poll() they always ask the kernel).
    void poll(std::uint32_t timeout_us) noexcept {
        // Every socket sits in one epoll set from when it opens, so a wake-up costs the same
        // with 64 connections as with none: a ppoll() over all of them asked 35 sockets one by
        // one on every frame tick, 4 % of the server's CPU at 720p with 32 clients (now 2 %,
        // the context switch).
        // Connections with unsent data (the last send was short) wait for writability too.
        for (std::size_t i = 0; i < count_; ++i) {
            slot& c = conns_[i];
            if (c.want_write != c.out_watched &&
                watch(c.fd, EPOLLIN | (c.want_write ? EPOLLOUT : 0u), EPOLL_CTL_MOD))
                c.out_watched = c.want_write;
        }
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(timeout_us / 1000000u);
        ts.tv_nsec = static_cast<long>(timeout_us % 1000000u) * 1000L;
        // ppoll() on the set itself keeps the microsecond timeout (epoll_wait() counts whole
        // milliseconds; epoll_pwait2() needs Linux 5.11); the events are fetched only when
        // there are any, so a timed-out wait is one system call.
        pollfd set{ep_, POLLIN, 0};
        const int ready = ::ppoll(ep_ >= 0 ? &set : nullptr, ep_ >= 0 ? 1u : 0u, &ts, nullptr);
        const int n = ready > 0 ? ::epoll_wait(ep_, events_.data(), static_cast<int>(events_.size()), 0) : 0;
        // Until the next poll(), accept() and the receives skip the system call on a socket
        // this one found quiet: a server reading every connection after each wake-up would
        // otherwise pay one failing recv per client per poll. The set holds at most
        // events_.size() sockets, so the events are complete; after a signal or an error
        // nothing is known: try all.
        const bool known = ready >= 0 && n >= 0;
        listener_quiet_ = known && listener_ >= 0;
        for (std::size_t u = 0; u < udp_.size(); ++u) udp_quiet_[u] = known && udp_[u] >= 0;
        for (std::size_t i = 0; i < count_; ++i) conns_[i].quiet = known;
        for (int k = 0; k < n; ++k) {
            const int fd = events_[static_cast<std::size_t>(k)].data.fd;
            const std::uint32_t ev = events_[static_cast<std::size_t>(k)].events;
            const bool readable = (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
            if (fd == listener_) {
                listener_quiet_ = listener_quiet_ && !readable;
            } else if (fd == udp_[0] || fd == udp_[1]) {
                bool& q = udp_quiet_[fd == udp_[0] ? 0 : 1];
                q = q && !readable;
            } else if (slot* c = find(fd)) {
                c->quiet = c->quiet && !readable;
                // Writability is reported once per short send: a server that waits for its
                // next frame tick rather than for POLLOUT must not turn every later poll()
                // into a busy loop.
                if (ev & EPOLLOUT) c->want_write = false;
            }
        }
    }

private:
    struct slot {
        int fd = -1;
        bool want_write = false;  ///< the last send was short: wait for POLLOUT
        bool quiet = false;       ///< the last poll() saw nothing to read
        bool out_watched = false; ///< the epoll set waits for writability (mirrors want_write)
    };
    /// One step of send_datagrams(): how many left, or why none did.
    struct send_step {
        std::size_t count = 0;
        errc error{};
        bool downgraded = false;  ///< the path was refused and switched off: retry slower
    };

    static constexpr std::size_t index(udp_socket s) noexcept {
        return s == udp_socket::rtp ? 0 : 1;
    }

    /// Adds fd to the epoll set (op EPOLL_CTL_ADD) or changes what it waits for (MOD);
    /// creates the set on first use. False when the kernel refuses (no memory, fd limit).
    bool watch(int fd, std::uint32_t events, int op) noexcept {
        if (ep_ < 0) ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0) return false;
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        return ::epoll_ctl(ep_, op, fd, &ev) == 0;
    }

    /// Takes fd out of the epoll set, then closes it (fd = -1). Closing alone would not take
    /// it out while another process still holds the socket (a child between fork and exec),
    /// and its events would then name a descriptor number that may belong to a new socket.
    void close_watched(int& fd) noexcept {
        if (ep_ >= 0 && fd >= 0) {
            epoll_event ev{};  // ignored, but kernels before 2.6.9 reject a null pointer
            (void)::epoll_ctl(ep_, EPOLL_CTL_DEL, fd, &ev);
        }
        detail::close_fd(fd);
    }

    slot* find(connection c) noexcept {
        for (std::size_t i = 0; i < count_; ++i)
            if (conns_[i].fd == c) return &conns_[i];
        return nullptr;
    }

    static std::size_t size_of(buffer_sequence d) noexcept {
        std::size_t n = 0;
        for (const const_buffer& b : d) n += b.size();
        return n;
    }

    /// GSO cuts one buffer into equal segments, so all datagrams but the last must have one
    /// size, the last no larger, and none empty: that size, or 0 when d is not so shaped.
    static std::size_t gso_eligible(std::span<const buffer_sequence> d) noexcept {
        if (d.size() < 2) return 0;
        const std::size_t seg = size_of(d[0]);
        if (seg == 0 || seg > detail::gso_max_bytes / 2) return 0;
        for (std::size_t i = 1; i + 1 < d.size(); ++i)
            if (size_of(d[i]) != seg) return 0;
        const std::size_t last = size_of(d.back());
        return last > 0 && last <= seg ? seg : 0;
    }

    /// Appends piece b at iov_[at] (then ++at), or extends iov_[at - 1] when b starts where it
    /// ends and at - 1 >= merge_from: a frame the server laid out back to back in its
    /// wire_buffer then reaches the kernel as one piece, which copies it faster than hundreds
    /// of small ones. False when iov_ is full.
    bool append_piece(const const_buffer& b, std::size_t& at, std::size_t merge_from) noexcept {
        auto* base = const_cast<std::byte*>(b.data());  // the kernel only reads it
        if (at > merge_from && static_cast<std::byte*>(iov_[at - 1].iov_base) + iov_[at - 1].iov_len == base) {
            iov_[at - 1].iov_len += b.size();
            return true;
        }
        if (at == max_iov) return false;
        iov_[at].iov_base = base;
        iov_[at].iov_len = b.size();
        ++at;
        return true;
    }

    /// Appends d's non-empty pieces to iov_ from `at`, merging adjacent ones from merge_from
    /// on; false if they do not fit.
    bool gather(buffer_sequence d, std::size_t& at, std::size_t merge_from) noexcept {
        for (const const_buffer& b : d) {
            if (b.empty()) continue;
            if (!append_piece(b, at, merge_from)) return false;
        }
        return true;
    }

    /// d has gso_eligible()'s shape, so only the last datagram's size is not seg.
    send_step send_gso(int fd, sockaddr_storage& dst, socklen_t dst_len,
                       std::span<const buffer_sequence> d, std::size_t seg) noexcept {
        std::size_t count = 0, bytes = 0, iovs = 0;
        while (count < d.size() && count < detail::gso_max_segments) {
            const std::size_t sz = count + 1 < d.size() ? seg : size_of(d[count]);
            if (bytes + sz > detail::gso_max_bytes) break;
            const std::size_t mark = iovs;
            const std::size_t mark_len = mark > 0 ? iov_[mark - 1].iov_len : 0;
            if (!gather(d[count], iovs, 0)) {  // undo a partial merge too
                iovs = mark;
                if (mark > 0) iov_[mark - 1].iov_len = mark_len;
                break;
            }
            bytes += sz;
            ++count;
        }
        if (count < 2) return send_one(fd, dst, dst_len, d[0]);
        alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(std::uint16_t))] = {};
        msghdr m{};
        m.msg_name = &dst;
        m.msg_namelen = dst_len;
        m.msg_iov = iov_.data();
        m.msg_iovlen = iovs;
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = IPPROTO_UDP;
        cm->cmsg_type = detail::udp_segment_option;
        cm->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const auto gso_size = static_cast<std::uint16_t>(seg);
        std::memcpy(CMSG_DATA(cm), &gso_size, sizeof gso_size);
        send_step r;
        for (int tries = 0; tries < 8; ++tries) {
            if (::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
                r.count = count;
                return r;
            }
            const int e = errno;
            if (e == EINTR) continue;
            const errc ec = detail::datagram_send_error(e);
            if (ec == errc::would_block) {
                r.error = ec;
                return r;
            }
            if (ec == errc::invalid_argument || e == EOPNOTSUPP || e == EIO || e == ENOPROTOOPT ||
                e == ENOTSUP) {
                // The kernel, the route or the device cannot segment: never try again.
                working_ = udp_path::sendmmsg;
                r.downgraded = true;
                return r;
            }
            r.error = ec;
            return r;
        }
        r.error = errc::would_block;
        return r;
    }

    send_step send_mmsg(int fd, sockaddr_storage& dst, socklen_t dst_len,
                        std::span<const buffer_sequence> d) noexcept {
        std::size_t k = 0, iovs = 0;
        while (k < d.size() && k < max_batch) {
            const std::size_t first = iovs;
            if (!gather(d[k], iovs, first)) {
                iovs = first;
                break;
            }
            msgs_[k] = mmsghdr{};
            msgs_[k].msg_hdr.msg_name = &dst;
            msgs_[k].msg_hdr.msg_namelen = dst_len;
            msgs_[k].msg_hdr.msg_iov = iov_.data() + first;
            msgs_[k].msg_hdr.msg_iovlen = iovs - first;
            ++k;
        }
        send_step r;
        if (k == 0) {  // one datagram with more than max_iov pieces
            r.error = errc::invalid_argument;
            return r;
        }
        for (int tries = 0; tries < 8; ++tries) {
            const int n = ::sendmmsg(fd, msgs_.data(), static_cast<unsigned>(k),
                                     MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                r.count = static_cast<std::size_t>(n);
                // A short batch means the next datagram failed; the next round reports why.
                return r;
            }
            const int e = errno;
            if (n == 0 || e == EINTR) continue;
            if (e == ENOSYS) {
                working_ = udp_path::sendmsg;
                r.downgraded = true;
                return r;
            }
            r.error = detail::datagram_send_error(e);
            return r;
        }
        r.error = errc::would_block;
        return r;
    }

    send_step send_one(int fd, sockaddr_storage& dst, socklen_t dst_len, buffer_sequence d) noexcept {
        send_step r;
        std::size_t iovs = 0;
        if (!gather(d, iovs, 0)) {
            r.error = errc::invalid_argument;
            return r;
        }
        msghdr m{};
        m.msg_name = &dst;
        m.msg_namelen = dst_len;
        m.msg_iov = iov_.data();
        m.msg_iovlen = iovs;
        for (int tries = 0; tries < 8; ++tries) {
            if (::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
                r.count = 1;
                return r;
            }
            if (errno == EINTR) continue;
            r.error = detail::datagram_send_error(errno);
            return r;
        }
        r.error = errc::would_block;
        return r;
    }

    /// Binds RTP on `port` (0: kernel's choice, kept only if even) and RTCP on the next port.
    errc open_udp_pair(std::uint16_t port) noexcept {
        const net::address any{};
        int rtp = -1, fam = 0;
        int e = detail::open_bound(SOCK_DGRAM, any.with_port(port), false, rtp, fam);
        if (e != 0) return e == EADDRINUSE ? errc::address_in_use : errc::network_error;
        const std::uint16_t p = detail::bound_port(rtp);
        if (p == 0 || (port == 0 && ((p & 1u) != 0 || p == 65534))) {
            detail::close_fd(rtp);
            return errc::address_in_use;  // an odd or unusable pick: the caller tries again
        }
        int rtcp = -1, fam2 = 0;
        e = detail::open_bound(SOCK_DGRAM, any.with_port(static_cast<std::uint16_t>(p + 1)), false,
                               rtcp, fam2);
        if (e != 0 || fam2 != fam) {
            detail::close_fd(rtp);
            detail::close_fd(rtcp);
            return e == EADDRINUSE || e == 0 ? errc::address_in_use : errc::network_error;
        }
        if (!watch(rtp, EPOLLIN, EPOLL_CTL_ADD) || !watch(rtcp, EPOLLIN, EPOLL_CTL_ADD)) {
            close_watched(rtp);
            close_watched(rtcp);
            return errc::no_resources;
        }
        udp_ = {rtp, rtcp};
        udp_family_ = fam;
        ports_ = {p, static_cast<std::uint16_t>(p + 1)};
        return errc{};
    }

    void close_udp() noexcept {
        for (int& fd : udp_) close_watched(fd);
        ports_ = {};
    }

    void close_all() noexcept {
        detail::close_fd(listener_);
        close_udp();
        for (std::size_t i = 0; i < count_; ++i) detail::close_fd(conns_[i].fd);
        count_ = 0;
        detail::close_fd(ep_);  // closing the set forgets every socket in it
    }

    void take(basic_network& o) noexcept {
        listener_ = o.listener_;
        listener_quiet_ = o.listener_quiet_;
        udp_ = o.udp_;
        udp_quiet_ = o.udp_quiet_;
        udp_family_ = o.udp_family_;
        ports_ = o.ports_;
        conns_ = o.conns_;
        count_ = o.count_;
        limit_ = o.limit_;
        working_ = o.working_;
        ep_ = o.ep_;
        o.ep_ = -1;
        o.listener_ = -1;
        o.udp_ = {-1, -1};
        o.ports_ = {};
        o.count_ = 0;
    }

    int listener_ = -1;
    bool listener_quiet_ = false;              ///< the last poll() saw no connection waiting
    std::array<bool, 2> udp_quiet_{};          ///< per UDP socket: the last poll() saw no datagram
    std::array<int, 2> udp_{-1, -1};  ///< RTP, RTCP
    int udp_family_ = AF_INET6;
    std::array<std::uint16_t, 2> ports_{};
    std::array<slot, MaxConnections> conns_{};  ///< [0, count_) in use
    std::size_t count_ = 0;
    udp_path limit_ = udp_path::gso;    ///< cap set by force_udp_send_path()
    udp_path working_ = udp_path::gso;  ///< the fastest path the kernel has not refused
    int ep_ = -1;  ///< the epoll set of every open socket (created with the first one)
    // Scratch for single calls, kept here so that no call allocates or uses much stack.
    std::array<epoll_event, MaxConnections + 3> events_{};  ///< room for every socket at once
    std::array<iovec, max_iov> iov_{};
    std::array<mmsghdr, max_batch> msgs_{};
};

/// The default host network: up to 64 connections.
using network = basic_network<>;

/// CLOCK_MONOTONIC for timing, CLOCK_REALTIME for RTCP's NTP timestamps.
struct steady_clock {
    /// Monotonic microseconds since an arbitrary start (boot).
    [[nodiscard]] std::uint64_t now_us() const noexcept { return read(CLOCK_MONOTONIC); }
    /// Microseconds since the Unix epoch.
    [[nodiscard]] std::uint64_t wall_us() const noexcept { return read(CLOCK_REALTIME); }

private:
    static std::uint64_t read(clockid_t id) noexcept {
        timespec ts{};
        ::clock_gettime(id, &ts);
        return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
               static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
    }
};

/// The kernel's CSPRNG (getrandom(2)): session ids protect sessions from hijacking.
struct random {
    /// 64 unpredictable bits.
    [[nodiscard]] std::uint64_t next_u64() noexcept {
        std::uint64_t v = 0;
        auto* p = reinterpret_cast<unsigned char*>(&v);
        std::size_t got = 0;
        // Reads of <= 256 bytes never come back short once the pool is ready, and getrandom
        // waits for that; the loop covers signals. The bound keeps a broken kernel from hanging us.
        for (int tries = 0; got < sizeof v && tries < 32; ++tries) {
            const ssize_t n = ::getrandom(p + got, sizeof v - got, 0);
            if (n > 0) got += static_cast<std::size_t>(n);
            else if (n < 0 && errno != EINTR && errno != EAGAIN) break;
        }
        if (got == sizeof v) return v;
        // Unreachable on Linux >= 3.17; still better than a constant: time and a counter,
        // mixed by splitmix64.
        fallback_ += 0x9E3779B97F4A7C15ull + steady_clock{}.now_us() + steady_clock{}.wall_us();
        std::uint64_t z = fallback_ ^ v;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t fallback_ = 0;
};

static_assert(Network<network>);
static_assert(MulticastSender<network>);
static_assert(WallClock<steady_clock>);
static_assert(RandomSource<random>);

}  // namespace rtsp::posix
