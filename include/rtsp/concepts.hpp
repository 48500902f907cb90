// SPDX-License-Identifier: MIT
// rtsp/concepts.hpp - what the server needs from its platform, as C++20 concepts.
//
// The server (rtsp/server.hpp) is a template over these, so the same code runs on POSIX hosts
// and in WINC1500 firmware. Each concept is small and documented in docs/concepts.md as a table
// of required expressions with an exemplar; tests/unit/concepts_test.cpp checks the exemplars
// and both adapters against them, and a few types that must not model them.
//
// Rules every adapter follows (why they exist is noted with each):
//  - Nothing blocks. An operation that cannot make progress returns errc::would_block, never a
//    zero-length success: the server's one thread serves every client, so a block anywhere
//    stalls everyone (the failure users report most about Micro-RTSP).
//  - Sends take gather lists (header pieces + a span of JPEG scan data) so that the scan is
//    never copied on hosts; an adapter that must copy anyway (WINC1500: data crosses SPI)
//    gathers into its own small staging buffer.
//  - The server never registers callbacks with an adapter; event-driven stacks turn their
//    events into state that these calls read (pull model).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "rtsp/frame_source.hpp"
#include "rtsp/net/address.hpp"
#include "rtsp/result.hpp"

namespace rtsp {

/// A read-only byte range, and a gather list of them (one datagram, or a run of stream bytes).
using const_buffer = std::span<const std::byte>;
using buffer_sequence = std::span<const const_buffer>;

/// The server's two UDP sockets: all UDP sessions share them (the WINC1500 has only 4 UDP
/// sockets in all, so one pair for everyone is the design on every adapter).
enum class udp_socket : std::uint8_t { rtp, rtcp };

/// What receive_datagram() returns: the datagram's size and who sent it.
struct datagram_info {
    std::size_t size = 0;
    net::address from{};
};

// --- Clock -----------------------------------------------------------------------------------

/// Monotonic microseconds: RTP timestamps (90 kHz), pacing, timeouts. Must never go backwards;
/// wrapping is not expected within the uptime of a device (2^64 us).
template <class T>
concept SteadyClock = requires(T& c) {
    { c.now_us() } -> std::same_as<std::uint64_t>;
};

/// Optionally, wall-clock microseconds since the Unix epoch, for RTCP's NTP timestamps. A clock
/// without it still works: Sender Reports then carry the monotonic time (no wall-clock sync).
template <class T>
concept WallClock = SteadyClock<T> && requires(T& c) {
    { c.wall_us() } -> std::same_as<std::uint64_t>;
};

// --- Random ----------------------------------------------------------------------------------

/// Unpredictable 64-bit values: session ids (which are the only thing protecting a session
/// from hijacking, so they must come from a CSPRNG on hosts), SSRCs, initial sequence numbers.
template <class T>
concept RandomSource = requires(T& r) {
    { r.next_u64() } -> std::same_as<std::uint64_t>;
};

// --- JPEG encoder ----------------------------------------------------------------------------

/// Compresses an image view into a baseline JPEG with the standard Huffman tables (RFC 2435
/// can carry nothing else). The returned bytes belong to the encoder and stay valid until its
/// next encode() call, so one output buffer is reused for every frame.
template <class T>
concept JpegEncoder = requires(T& e, const image_view& img, int quality, chroma_subsampling s) {
    { e.encode(img, quality, s) } -> std::same_as<result<std::span<const std::byte>>>;
};

/// An encoder for builds that only ever send ready-made JPEGs: every image is refused.
struct no_encoder {
    result<std::span<const std::byte>> encode(const image_view&, int, chroma_subsampling) noexcept {
        return fail(errc::unsupported_pixel_format);
    }
};

// --- Network ---------------------------------------------------------------------------------

/// TCP: one listener and the connections it accepts. `connection` is a small regular handle
/// (a file descriptor, a WINC1500 socket id).
template <class T>
concept StreamTransport = requires(T& n, const T& cn, typename T::connection c,
                                   const net::address& addr, std::span<std::byte> buf,
                                   buffer_sequence data) {
    requires std::regular<typename T::connection>;
    // Starts listening on addr (host part: the bind address, any if all zero; port).
    { n.listen(addr) } -> std::same_as<result<void>>;
    // A newly accepted connection, or would_block when none is pending.
    { n.accept() } -> std::same_as<result<typename T::connection>>;
    // Bytes received into buf (> 0), or would_block, or connection_closed / connection_reset.
    { n.receive(c, buf) } -> std::same_as<result<std::size_t>>;
    // Bytes accepted from the front of data (may be fewer than offered), or would_block, or an
    // error for a dead connection. Never blocks.
    { n.send(c, data) } -> std::same_as<result<std::size_t>>;
    // Closes at once; the handle is invalid afterwards. Never fails.
    { n.close(c) } -> std::same_as<void>;
    { cn.peer_address(c) } -> std::same_as<net::address>;
    { cn.local_address(c) } -> std::same_as<net::address>;
};

/// UDP: the server's RTP and RTCP sockets, shared by every UDP session.
template <class T>
concept DatagramTransport = requires(T& n, const T& cn, udp_socket s, const net::address& addr,
                                     std::span<const buffer_sequence> datagrams,
                                     std::span<std::byte> buf, std::uint16_t port) {
    // Opens the RTP socket on `port` (0: any free even port) and RTCP on the next port.
    { n.open_udp(port) } -> std::same_as<result<void>>;
    // The local port of socket s (valid after open_udp).
    { cn.udp_port(s) } -> std::same_as<std::uint16_t>;
    // Sends each gather list as one datagram to addr, in order, as far as the stack takes them;
    // returns how many were sent (the rest were dropped: would_block if none was sent). Lets a
    // host batch a whole frame into one system call (sendmmsg, UDP GSO).
    { n.send_datagrams(s, addr, datagrams) } -> std::same_as<result<std::size_t>>;
    // One received datagram (truncated to buf), or would_block.
    { n.receive_datagram(s, buf) } -> std::same_as<result<datagram_info>>;
};

/// Waiting: returns when any socket may be ready or timeout_us has passed (0: just pump
/// pending events). Spurious returns are allowed; the server re-checks everything.
template <class T>
concept EventPump = requires(T& n, std::uint32_t timeout_us) {
    { n.poll(timeout_us) } -> std::same_as<void>;
};

/// Everything the server needs from a network stack.
template <class T>
concept Network = StreamTransport<T> && DatagramTransport<T> && EventPump<T>;

/// Optional: a network that can send UDP multicast (server_options::multicast_group). Called
/// once after open_udp(): sets the hop limit of both UDP sockets' multicast packets, and, when
/// `interface` is a specific IPv4 address (the server's bind address), the interface they
/// leave by (else the route to the group decides). Without it the server refuses to start
/// with a multicast group set.
template <class T>
concept MulticastSender = requires(T& n, std::uint8_t ttl, const net::address& interface) {
    { n.enable_multicast(ttl, interface) } -> std::same_as<result<void>>;
};

// --- Frame source ----------------------------------------------------------------------------

/// A stream callback called once per path per frame, whose frame is sent to every session on
/// that path (encode once, send many): `cb(pathname)`.
template <class F>
concept PathFrameSource = std::invocable<F&, std::string_view> &&
    std::convertible_to<std::invoke_result_t<F&, std::string_view>, frame_ref>;

/// A stream callback called per session, as in the seed: `cb(pathname, session)`.
template <class F>
concept SessionFrameSource = std::invocable<F&, std::string_view, std::uint64_t> &&
    std::convertible_to<std::invoke_result_t<F&, std::string_view, std::uint64_t>, frame_ref>;

template <class F>
concept FrameSource = PathFrameSource<F> || SessionFrameSource<F>;

/// The seed's setup/play/pause/teardown callbacks: `cb(pathname, session)`.
template <class F>
concept SessionCallback = std::invocable<F&, std::string_view, std::uint64_t>;

}  // namespace rtsp
