// The concepts of rtsp/concepts.hpp checked both ways: the exemplars from docs/concepts.md and
// the shipped adapters model them; types that lack an operation, or have it with the wrong
// result, do not. All compile-time: if this file builds, the test passed; the TEST_CASE makes
// the result visible in the test report.
#include <catch2/catch.hpp>

#include <rtsp/adapters/posix.hpp>
#include <rtsp/concepts.hpp>
#include <rtsp/encoders/turbojpeg.hpp>

#include "fake_network.hpp"

namespace exemplar {
// The exemplars of docs/concepts.md, verbatim: keep the two in step.

struct my_clock {
    std::uint64_t now_us() { return 0; }  // monotonic microseconds
};

struct my_wall_clock {
    std::uint64_t now_us() { return 0; }
    std::uint64_t wall_us() { return 0; }  // microseconds since 1970-01-01 UTC
};

struct my_random {
    std::uint64_t next_u64() { return 4; }  // use a hardware TRNG or a CSPRNG
};

struct my_encoder {
    rtsp::result<std::span<const std::byte>> encode(const rtsp::image_view&, int /*quality*/,
                                                    rtsp::chroma_subsampling) {
        return rtsp::fail(rtsp::errc::unsupported_pixel_format);
    }
};

struct my_network {
    using connection = int;
    rtsp::result<void> listen(const rtsp::net::address&) { return {}; }
    rtsp::result<connection> accept() { return rtsp::fail(rtsp::errc::would_block); }
    rtsp::result<std::size_t> receive(connection, std::span<std::byte>) { return rtsp::fail(rtsp::errc::would_block); }
    rtsp::result<std::size_t> send(connection, rtsp::buffer_sequence) { return rtsp::fail(rtsp::errc::would_block); }
    void close(connection) {}
    rtsp::net::address peer_address(connection) const { return {}; }
    rtsp::net::address local_address(connection) const { return {}; }
    rtsp::result<void> open_udp(std::uint16_t) { return {}; }
    std::uint16_t udp_port(rtsp::udp_socket) const { return 0; }
    rtsp::result<std::size_t> send_datagrams(rtsp::udp_socket, const rtsp::net::address&,
                                             std::span<const rtsp::buffer_sequence>) { return std::size_t{0}; }
    rtsp::result<rtsp::datagram_info> receive_datagram(rtsp::udp_socket, std::span<std::byte>) {
        return rtsp::fail(rtsp::errc::would_block);
    }
    void poll(std::uint32_t /*timeout_us*/) {}
};

}  // namespace exemplar

namespace negative {
struct clock_in_ms {  // wrong result type
    std::uint32_t now_us() { return 0; }
};
struct network_without_poll : exemplar::my_network {
    void poll() = delete;
};
struct network_send_returns_int {  // "would block" must be a typed result, not -1
    using connection = int;
    rtsp::result<void> listen(const rtsp::net::address&);
    rtsp::result<connection> accept();
    rtsp::result<std::size_t> receive(connection, std::span<std::byte>);
    int send(connection, rtsp::buffer_sequence);
    void close(connection);
    rtsp::net::address peer_address(connection) const;
    rtsp::net::address local_address(connection) const;
};
}  // namespace negative

// Positive: exemplars, adapters, test doubles.
static_assert(rtsp::SteadyClock<exemplar::my_clock>);
static_assert(!rtsp::WallClock<exemplar::my_clock>);
static_assert(rtsp::WallClock<exemplar::my_wall_clock>);
static_assert(rtsp::RandomSource<exemplar::my_random>);
static_assert(rtsp::JpegEncoder<exemplar::my_encoder>);
static_assert(rtsp::JpegEncoder<rtsp::no_encoder>);
static_assert(rtsp::Network<exemplar::my_network>);
static_assert(rtsp::Network<rtsp::posix::network>);
static_assert(rtsp::WallClock<rtsp::posix::steady_clock>);
static_assert(rtsp::RandomSource<rtsp::posix::random>);
static_assert(rtsp::JpegEncoder<rtsp::encoders::turbojpeg_encoder>);
static_assert(rtsp::Network<rtsp::test::fake_network>);

// Negative.
static_assert(!rtsp::SteadyClock<int>);
static_assert(!rtsp::SteadyClock<negative::clock_in_ms>);
static_assert(!rtsp::RandomSource<exemplar::my_clock>);
static_assert(!rtsp::JpegEncoder<exemplar::my_random>);
static_assert(!rtsp::Network<int>);
static_assert(!rtsp::Network<negative::network_without_poll>);
static_assert(!rtsp::StreamTransport<negative::network_send_returns_int>);
static_assert(!rtsp::DatagramTransport<negative::network_send_returns_int>);

// Frame sources: by path (fan-out) or by session (the seed's shape); anything else is refused.
inline auto path_source = [](std::string_view) { return rtsp::jpeg_view{}; };
inline auto session_source = [](std::string_view, std::uint64_t) { return rtsp::image_view{}; };
inline auto optional_source = [](std::string_view) -> std::optional<rtsp::jpeg_view> { return std::nullopt; };
inline auto wrong_result = [](std::string_view) { return 42; };
inline auto wrong_args = [](int) { return rtsp::jpeg_view{}; };
static_assert(rtsp::PathFrameSource<decltype(path_source)>);
static_assert(!rtsp::SessionFrameSource<decltype(path_source)>);
static_assert(rtsp::SessionFrameSource<decltype(session_source)>);
static_assert(rtsp::FrameSource<decltype(optional_source)>);
static_assert(!rtsp::FrameSource<decltype(wrong_result)>);
static_assert(!rtsp::FrameSource<decltype(wrong_args)>);
static_assert(rtsp::SessionCallback<void (*)(std::string_view, std::uint64_t)>);
static_assert(!rtsp::SessionCallback<void (*)(int*)>);

TEST_CASE("Exemplars and adapters model the concepts; wrong types do not", "[concepts]") {
    SUCCEED("checked by static_assert at compile time");
}
