// SPDX-License-Identifier: MIT
// rtsp/adapters/winc1500.hpp - rtsp::Network over the Microchip WINC1500 WiFi module's host
// driver, and the seed's rtsp_server(ssid, key, security, port, mode, static_ip) on top of it.
//
// The driver is event driven: every socket call only queues a request to the chip, and results
// (bind/listen status, accepted connections, received data, send completions) arrive as
// callbacks, only from inside m2m_wifi_handle_events(). The server wants a pull model, so the
// callbacks below only turn events into state in fixed buffers, and the Network calls
// read that state. Nothing here allocates; everything is sized by `traits`.
//
// Driver limits honoured here (see the facts in docs/ and the emulation in tests/winc1500):
//  - 7 TCP sockets (the listener + at most 6 clients) and 4 UDP sockets: the server uses one RTP
//    and one RTCP socket for every UDP client (ids 7..10 are UDP, 0..6 TCP, round-robin).
//  - At most 1400 bytes per send: `stream_send_limit` makes the server hand over one whole
//    interleaved packet per send(), which is accepted whole or refused (would_block).
//  - send() returns 0, not a byte count; the SEND event comes later. Sends still awaiting their
//    event are counted per TCP socket and capped (traits::tcp_in_flight), so a client that stops
//    reading cannot take the chip's shared buffer pool from the others; -14 (buffer full) is
//    back-pressure (would_block): the server drops whole frames, it never waits.
//  - One pending receive per socket. Data is delivered into the buffer given to recv(); with
//    19.7 firmware at most that many bytes per delivery, with 19.6 in pieces of that size in one
//    handle_events call (u16RemainingSize > 0). Receive buffers (traits::tcp_rx_buffers of them,
//    one per RTSP connection) are lent from accept to close. A piece that does not fit the buffer
//    cannot be kept, so the connection is failed (connection_reset) rather than corrupted; size
//    traits::tcp_rx_buffer to 1460 for 19.6 firmware.
//  - A peer's FIN is reported by the firmware as -12 (CONN_ABORTED), so 0 and -12 both mean
//    connection_closed. UDP data arrives only as RECVFROM; recvfrom is used for UDP.
//  - close() is synchronous and the driver discards that socket's pending events.
//  - The driver has one callback per kind, so one network is active at a time (`active_`).
//
// Blocking: the driver's own send() may spin up to ~0.5 s waiting for a chip buffer before it
// returns -14 (hif_send); that is inside the driver and cannot be shortened from here. Every
// wait of this adapter (bind, listen, WiFi bring-up, poll) is bounded by platform::now_us.
//
// WiFi bring-up and the seed's constructor: constructors cannot fail without exceptions, so
// `basic_rtsp_server` takes the seed's arguments and its start() (also called by poll() and
// stream()) brings WiFi up once and returns result<void>: wifi_wrong_key, wifi_no_ip,
// wifi_timeout, invalid_argument (SSID/key too long, key missing) or network_error.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtsp/adapters/winc1500/driver.hpp"
#include "rtsp/concepts.hpp"
#include "rtsp/config.hpp"
#include "rtsp/net/address.hpp"
#include "rtsp/result.hpp"
#include "rtsp/server.hpp"

namespace rtsp::winc1500 {

/// What the adapter needs from the board: a monotonic clock (bounded waits), a way to sleep
/// until the chip's interrupt (or max_us) and, for the server, unpredictable numbers.
struct platform {
    std::uint64_t (*now_us)() = nullptr;            ///< monotonic microseconds (required for timeouts)
    void (*idle)(std::uint32_t max_us) = nullptr;   ///< e.g. __WFI(); null: busy-poll
    std::uint64_t (*random_u64)() = nullptr;        ///< a TRNG (session ids); null: not secure
};

/// Buffer sizes and limits of the adapter; derive and override to resize.
struct default_traits {
    static constexpr std::size_t tcp_rx_buffer = 256;  ///< per TCP connection (19.6 firmware: 1460)
    static constexpr std::size_t tcp_rx_buffers = 4;   ///< connections that can receive at once:
                                                       ///< Config::max_connections
    static constexpr std::size_t udp_rx_buffer = 192;  ///< per server UDP socket (RTP, RTCP)
    static constexpr std::uint8_t tcp_in_flight = 6;   ///< sends per TCP socket awaiting SEND
    static constexpr std::uint32_t request_timeout_ms = 5000;  ///< bind/listen replies
    static constexpr std::uint32_t wifi_timeout_ms = 20000;    ///< association + DHCP
    static constexpr std::uint16_t first_udp_port = 50000;     ///< open_udp(0) starts here (even)
};

/// network.WINC's security values (OPEN, WPA_PSK, WEP) and modes (MODE_STA, MODE_AP).
enum class security : std::uint8_t { open = 1, wpa_psk = 2, wep = 3 };
enum class mode : std::uint8_t { station = 0, access_point = 1 };

/// A static IPv4 configuration (ifconfig((ip, mask, gateway, dns)) in the seed).
struct static_ip {
    net::address ip{}, mask{}, gateway{}, dns{};
};

/// What start() needs to bring WiFi up.
struct wifi_settings {
    std::string_view ssid;
    std::string_view key;
    security sec = security::wpa_psk;
    winc1500::mode wifi_mode = winc1500::mode::station;
    std::optional<static_ip> ip;
    std::uint8_t ap_channel = 1;
    net::address ap_address = net::address::v4(192, 168, 1, 1);  ///< AP mode: ours, and the DHCP server's
};

/// Event counters, for diagnostics and tests.
struct counters {
    std::uint32_t buffer_full = 0;      ///< send/sendto refused with -14
    std::uint32_t in_flight_limited = 0;///< TCP sends refused by the in-flight cap
    std::uint32_t accept_failed = 0;    ///< ACCEPT events without a socket (chip out of sockets)
    std::uint32_t rx_overflow = 0;      ///< connections failed: a delivery did not fit
    std::uint32_t send_failed = 0;      ///< SEND events reporting an error
    std::uint32_t stations_joined = 0;  ///< AP mode: DHCP leases handed out
};

template <class Traits = default_traits>
class basic_network {
public:
    using connection = driver::SOCKET;
    /// The server sends every stream packet in its own send(), whole or not at all.
    static constexpr std::size_t stream_send_limit = driver::SOCKET_BUFFER_MAX_LENGTH;

    explicit basic_network(platform p = {}) noexcept : plat_(p) {}
    basic_network(basic_network&& o) noexcept { *this = static_cast<basic_network&&>(o); }
    basic_network& operator=(basic_network&& o) noexcept {
        if (this == &o) return *this;
        // Only a network that has not registered callbacks may move (basic_server takes its
        // network by value before using it); a live one would leave the driver pointing here.
        RTSP_ASSERT(active_ != &o);
        plat_ = o.plat_;
        socks_ = o.socks_;
        owner_ = o.owner_;
        o.owner_ = false;
        return *this;
    }
    basic_network(const basic_network&) = delete;
    basic_network& operator=(const basic_network&) = delete;
    ~basic_network() {
        if (!owner_) return;
        for (int i = 0; i < driver::MAX_SOCKET; ++i)
            if (socks_[i].used) close_socket(static_cast<connection>(i));
        if (active_ == this) active_ = nullptr;
    }

    // --- WiFi -----------------------------------------------------------------------------
    /// Initialises the driver and joins (station) or opens (access point) the network; waits
    /// at most traits::wifi_timeout_ms for the connection and the IP address.
    result<void> wifi_up(const wifi_settings& w) {
        if (w.ssid.empty() || w.ssid.size() >= driver::M2M_MAX_SSID_LEN) return fail(errc::invalid_argument);
        if (w.sec != security::open && w.key.empty()) return fail(errc::invalid_argument);
        if (w.key.size() >= driver::M2M_MAX_PSK_LEN) return fail(errc::invalid_argument);
        if (w.sec == security::wep && w.key.size() != 10 && w.key.size() != 26) return fail(errc::invalid_argument);
        activate();
        if (driver::nm_bsp_init() != driver::M2M_SUCCESS) return fail(errc::network_error);
        driver::tstrWifiInitParam param{};
        param.pfAppWifiCb = &wifi_callback;
        if (driver::m2m_wifi_init(&param) != driver::M2M_SUCCESS) return fail(errc::network_error);
        driver::socketDeinit();
        driver::socketInit();
        driver::registerSocketCallback(&socket_callback, nullptr);
        wifi_ = wifi_state{};
        wifi_.static_ip = w.ip.has_value();

        if (w.wifi_mode == mode::access_point) {
            driver::tstrM2MAPConfig ap{};
            copy_text(w.ssid, ap.au8SSID);
            ap.u8ListenChannel = w.ap_channel;
            ap.u8SecType = static_cast<driver::uint8>(w.sec);
            if (w.sec == security::wep) {
                ap.u8KeyIndx = 1;
                ap.u8KeySz = static_cast<driver::uint8>(w.key.size());
                copy_text(w.key, ap.au8WepKey);
            } else if (w.sec == security::wpa_psk) {
                ap.u8KeySz = static_cast<driver::uint8>(w.key.size());
                copy_text(w.key, ap.au8Key);
            }
            for (int i = 0; i < 4; ++i) ap.au8DHCPServerIP[i] = w.ap_address.bytes[i];
            if (driver::m2m_wifi_enable_ap(&ap) != driver::M2M_SUCCESS) return fail(errc::invalid_argument);
            ip_ = w.ap_address.with_port(0);
            return {};
        }

        if (w.ip) {
            ip_config_ = driver::tstrM2MIPConfig{};
            ip_config_.u32StaticIP = to_s_addr(w.ip->ip);
            ip_config_.u32SubnetMask = to_s_addr(w.ip->mask);
            ip_config_.u32Gateway = to_s_addr(w.ip->gateway);
            ip_config_.u32DNS = to_s_addr(w.ip->dns);
        }
        if (driver::m2m_wifi_enable_dhcp(w.ip ? 0 : 1) != driver::M2M_SUCCESS) return fail(errc::network_error);
        std::array<char, driver::M2M_MAX_SSID_LEN> ssid{};
        std::array<char, driver::M2M_MAX_PSK_LEN> key{};
        copy_text(w.ssid, ssid);
        copy_text(w.key, key);
        if (driver::m2m_wifi_connect(ssid.data(), static_cast<driver::uint8>(w.ssid.size()),
                                     static_cast<driver::uint8>(w.sec),
                                     w.sec == security::open ? nullptr : key.data(),
                                     driver::M2M_WIFI_CH_ALL) != driver::M2M_SUCCESS)
            return fail(errc::invalid_argument);
        wait_until([this] { return wifi_.outcome != wifi_outcome::pending; }, Traits::wifi_timeout_ms);
        switch (wifi_.outcome) {
        case wifi_outcome::up: return {};
        case wifi_outcome::wrong_key: return fail(errc::wifi_wrong_key);
        case wifi_outcome::no_ip: return fail(errc::wifi_no_ip);
        case wifi_outcome::failed: return fail(errc::network_error);
        case wifi_outcome::pending: break;
        }
        return fail(wifi_.associated ? errc::wifi_no_ip : errc::wifi_timeout);
    }

    /// Our IPv4 address (DHCP, static, or the AP address); all zero before wifi_up().
    [[nodiscard]] net::address ip_address() const noexcept { return ip_; }
    [[nodiscard]] const counters& stats() const noexcept { return stats_; }

    // --- StreamTransport ------------------------------------------------------------------
    result<void> listen(const net::address& a) {
        activate();
        if (a.is_v6() || a.port == 0) return fail(errc::invalid_argument);  // no IPv6, no port 0
        if (listener_ >= 0) return {};
        const connection s = driver::RTSP_WINC1500_SOCKET_FN(socket)(driver::AF_INET_, driver::SOCK_STREAM_, 0);
        if (s < 0 || s >= driver::TCP_SOCK_MAX) return fail(errc::no_resources);
        socks_[s] = sock_state{};
        socks_[s].used = true;
        if (auto r = bind_and_wait(s, a); !r) {
            close_socket(s);
            return r;
        }
        socks_[s].op_done = false;
        if (driver::RTSP_WINC1500_SOCKET_FN(listen)(s, 0) != 0 || !wait_op(s) || socks_[s].op_status != 0) {
            close_socket(s);
            return fail(errc::network_error);
        }
        listener_ = s;
        listen_port_ = a.port;
        return {};
    }

    result<connection> accept() {
        if (accepted_count_ == 0) return fail(errc::would_block);
        const connection c = accepted_[0];
        for (std::size_t i = 1; i < accepted_count_; ++i) accepted_[i - 1] = accepted_[i];
        --accepted_count_;
        arm_receive(c);
        return c;
    }

    result<std::size_t> receive(connection c, std::span<std::byte> buf) {
        if (!valid(c) || !socks_[c].used) return fail(errc::connection_reset);
        sock_state& s = socks_[c];
        if (s.rx_off < s.rx_len) {
            std::size_t n = s.rx_len - s.rx_off;
            if (n > buf.size()) n = buf.size();
            for (std::size_t i = 0; i < n; ++i) buf[i] = std::byte{rx_[s.buf][s.rx_off + i]};
            s.rx_off = static_cast<std::uint16_t>(s.rx_off + n);
            if (s.rx_off == s.rx_len) s.rx_off = s.rx_len = 0;
            arm_receive(c);
            return n;
        }
        if (s.dead) return fail(s.dead_reason);
        arm_receive(c);
        return fail(errc::would_block);
    }

    result<std::size_t> send(connection c, buffer_sequence data) {
        if (!valid(c) || !socks_[c].used) return fail(errc::connection_reset);
        sock_state& s = socks_[c];
        if (s.dead) return fail(s.dead_reason);
        if (s.in_flight >= Traits::tcp_in_flight) {
            ++stats_.in_flight_limited;
            return fail(errc::would_block);
        }
        const std::size_t n = gather(data);
        if (n == 0) return std::size_t{0};
        const auto r = driver::RTSP_WINC1500_SOCKET_FN(send)(c, staging_.data(), static_cast<driver::uint16>(n), 0);
        if (r == driver::SOCK_ERR_BUFFER_FULL) {
            ++stats_.buffer_full;
            return fail(errc::would_block);
        }
        if (r < 0) return fail(errc::connection_reset);
        ++s.in_flight;
        return n;
    }

    void close(connection c) {
        if (!valid(c) || !socks_[c].used || c == listener_) return;
        for (std::size_t i = 0; i < accepted_count_; ++i) {
            if (accepted_[i] != c) continue;
            for (std::size_t j = i + 1; j < accepted_count_; ++j) accepted_[j - 1] = accepted_[j];
            --accepted_count_;
            break;
        }
        close_socket(c);
    }

    [[nodiscard]] net::address peer_address(connection c) const {
        return valid(c) ? unpack(socks_[c]) : net::address{};
    }
    [[nodiscard]] net::address local_address(connection) const { return ip_.with_port(listen_port_); }
    [[nodiscard]] std::uint16_t listen_port() const noexcept { return listen_port_; }

    // --- DatagramTransport ----------------------------------------------------------------
    result<void> open_udp(std::uint16_t port) {
        activate();
        if (udp_[0] >= 0) return {};
        std::uint16_t p = port ? port : Traits::first_udp_port;
        const int tries = port ? 1 : 16;
        for (int t = 0; t < tries; ++t, p = static_cast<std::uint16_t>(p + 2)) {
            std::array<connection, 2> s{-1, -1};
            bool ok = true;
            errc why = errc::network_error;
            for (int k = 0; k < 2 && ok; ++k) {
                s[k] = driver::RTSP_WINC1500_SOCKET_FN(socket)(driver::AF_INET_, driver::SOCK_DGRAM_, 0);
                if (s[k] < driver::TCP_SOCK_MAX || s[k] >= driver::MAX_SOCKET) {
                    if (s[k] >= 0) (void)driver::RTSP_WINC1500_SOCKET_FN(close)(s[k]);
                    s[k] = -1;
                    ok = false;
                    why = errc::no_resources;
                    break;
                }
                socks_[s[k]] = sock_state{};
                socks_[s[k]].used = true;
                socks_[s[k]].udp = true;
                if (auto r = bind_and_wait(s[k], net::address::v4(0, 0, 0, 0, static_cast<std::uint16_t>(p + k))); !r) {
                    ok = false;
                    why = r.error();
                }
            }
            if (ok) {
                for (int k = 0; k < 2; ++k) {
                    // SENDTO events only say "transmitted"; -14 is the back-pressure that
                    // matters. The option is reset by bind, so it is set after it.
                    const driver::uint32 off = 0;
                    (void)driver::RTSP_WINC1500_SOCKET_FN(setsockopt)(s[k], driver::SOL_SOCKET_,
                                                                    driver::SO_SET_UDP_SEND_CALLBACK, &off, sizeof off);
                    udp_[k] = s[k];
                    socks_[s[k]].buf = static_cast<std::uint8_t>(k);
                    arm_receive(s[k]);
                }
                udp_port_ = p;
                return {};
            }
            for (connection x : s)
                if (x >= 0) close_socket(x);
            if (why != errc::address_in_use) return fail(why);
        }
        return fail(errc::address_in_use);
    }

    [[nodiscard]] std::uint16_t udp_port(udp_socket s) const {
        return s == udp_socket::rtp ? udp_port_ : static_cast<std::uint16_t>(udp_port_ + 1);
    }

    result<std::size_t> send_datagrams(udp_socket which, const net::address& to,
                                       std::span<const buffer_sequence> datagrams) {
        const connection s = udp_[which == udp_socket::rtp ? 0 : 1];
        if (s < 0 || to.is_v6()) return fail(errc::network_error);
        driver::sockaddr_in dst = to_sockaddr(to);
        std::size_t sent = 0;
        for (const buffer_sequence& d : datagrams) {
            const std::size_t n = gather(d);
            const auto r = driver::RTSP_WINC1500_SOCKET_FN(sendto)(
                s, staging_.data(), static_cast<driver::uint16>(n), 0,
                reinterpret_cast<driver::sockaddr*>(&dst), sizeof dst);
            if (r == driver::SOCK_ERR_BUFFER_FULL) {
                ++stats_.buffer_full;
                break;
            }
            if (r < 0) {
                if (sent == 0) return fail(errc::network_error);
                break;
            }
            ++sent;
        }
        if (sent == 0 && !datagrams.empty()) return fail(errc::would_block);
        return sent;
    }

    result<datagram_info> receive_datagram(udp_socket which, std::span<std::byte> buf) {
        const connection c = udp_[which == udp_socket::rtp ? 0 : 1];
        if (c < 0) return fail(errc::would_block);
        sock_state& s = socks_[c];
        if (s.rx_len == 0) {
            arm_receive(c);
            return fail(errc::would_block);
        }
        datagram_info info;
        info.size = s.rx_len < buf.size() ? s.rx_len : buf.size();
        info.from = unpack(s);
        for (std::size_t i = 0; i < info.size; ++i) buf[i] = std::byte{udp_rx_[s.buf][i]};
        s.rx_len = 0;
        arm_receive(c);
        return info;
    }

    // --- EventPump ------------------------------------------------------------------------
    /// Arms the receives, pumps the driver's events and, if none came, sleeps (platform::idle)
    /// and pumps again until one does or timeout_us passes.
    void poll(std::uint32_t timeout_us) {
        activate();
        for (int i = 0; i < driver::MAX_SOCKET; ++i)
            if (socks_[i].used && i != listener_) arm_receive(static_cast<connection>(i));
        events_ = 0;
        (void)driver::m2m_wifi_handle_events(nullptr);
        if (events_ != 0 || timeout_us == 0) return;
        if (!plat_.now_us) {
            if (plat_.idle) plat_.idle(timeout_us);
            (void)driver::m2m_wifi_handle_events(nullptr);
            return;
        }
        const std::uint64_t end = plat_.now_us() + timeout_us;
        for (std::uint32_t guard = 0; guard < 1000000u && events_ == 0; ++guard) {
            const std::uint64_t now = plat_.now_us();
            if (now >= end) break;
            if (plat_.idle) plat_.idle(static_cast<std::uint32_t>(end - now));
            (void)driver::m2m_wifi_handle_events(nullptr);
        }
    }

private:
    struct sock_state {
        bool used = false;
        bool udp = false;
        bool recv_pending = false;
        bool dead = false;
        bool op_done = false;
        driver::sint8 op_status = 0;
        errc dead_reason = errc::connection_closed;
        std::uint8_t in_flight = 0;
        std::uint16_t rx_len = 0;
        std::uint16_t rx_off = 0;
        std::uint8_t buf = no_buffer;  // index into rx_ (TCP) or udp_rx_ (UDP)
        bool rx_discard = false;  // UDP: rest of a datagram that did not fit
        // TCP: the peer; UDP: the sender of the buffered datagram. IPv4 only, packed (11 of
        // these live in RAM): octets in network order, port in host order.
        std::array<std::uint8_t, 4> addr{};
        std::uint16_t port = 0;
    };
    static net::address unpack(const sock_state& s) noexcept {
        return net::address::v4(s.addr[0], s.addr[1], s.addr[2], s.addr[3], s.port);
    }
    static void pack(sock_state& s, const net::address& a) noexcept {
        for (int i = 0; i < 4; ++i) s.addr[i] = a.bytes[i];
        s.port = a.port;
    }
    enum class wifi_outcome : std::uint8_t { pending, up, wrong_key, no_ip, failed };
    struct wifi_state {
        bool static_ip = false;
        bool associated = false;
        wifi_outcome outcome = wifi_outcome::pending;
    };

    static constexpr std::uint8_t no_buffer = 0xFF;
    static bool valid(connection c) noexcept { return c >= 0 && c < driver::MAX_SOCKET; }

    /// Lends a free TCP receive buffer to socket c (none free: it cannot receive until one is).
    void lend_buffer(connection c) noexcept {
        sock_state& s = socks_[c];
        if (s.buf != no_buffer) return;
        for (std::size_t i = 0; i < Traits::tcp_rx_buffers; ++i) {
            bool taken = false;
            for (const sock_state& o : socks_)
                if (o.used && !o.udp && o.buf == i) taken = true;
            if (!taken) {
                s.buf = static_cast<std::uint8_t>(i);
                return;
            }
        }
    }

    template <std::size_t N>
    static void copy_text(std::string_view s, driver::uint8 (&out)[N]) noexcept {
        for (std::size_t i = 0; i < s.size() && i + 1 < N; ++i) out[i] = static_cast<driver::uint8>(s[i]);
    }
    template <std::size_t N>
    static void copy_text(std::string_view s, std::array<char, N>& out) noexcept {
        for (std::size_t i = 0; i < s.size() && i + 1 < N; ++i) out[i] = s[i];
    }

    // s_addr holds the octets in memory order (network order), whatever the CPU's endianness.
    static driver::uint32 to_s_addr(const net::address& a) noexcept {
        driver::uint32 v = 0;
        auto* p = reinterpret_cast<unsigned char*>(&v);
        for (int i = 0; i < 4; ++i) p[i] = a.bytes[i];
        return v;
    }
    static net::address from_sockaddr(const driver::sockaddr_in& sa) noexcept {
        const auto* p = reinterpret_cast<const unsigned char*>(&sa.sin_addr.s_addr);
        const auto* q = reinterpret_cast<const unsigned char*>(&sa.sin_port);
        return net::address::v4(p[0], p[1], p[2], p[3], static_cast<std::uint16_t>((q[0] << 8) | q[1]));
    }
    static driver::sockaddr_in to_sockaddr(const net::address& a) noexcept {
        driver::sockaddr_in sa{};
        sa.sin_family = driver::AF_INET_;
        auto* q = reinterpret_cast<unsigned char*>(&sa.sin_port);
        q[0] = static_cast<unsigned char>(a.port >> 8);
        q[1] = static_cast<unsigned char>(a.port & 0xFF);
        sa.sin_addr.s_addr = to_s_addr(a);
        return sa;
    }

    void activate() noexcept {
        active_ = this;
        owner_ = true;
    }

    /// Copies a gather list into the staging buffer (the driver sends one contiguous buffer
    /// per call and copies it to the chip before returning); at most 1400 bytes.
    std::size_t gather(buffer_sequence data) noexcept {
        std::size_t n = 0;
        for (const const_buffer& b : data)
            for (std::size_t i = 0; i < b.size() && n < staging_.size(); ++i)
                staging_[n++] = static_cast<driver::uint8>(b[i]);
        return n;
    }

    template <class Done>
    bool wait_until(Done done, std::uint32_t timeout_ms) {
        const std::uint64_t start = plat_.now_us ? plat_.now_us() : 0;
        // Without a clock the loop is bounded by a pump count instead of time.
        for (std::uint32_t i = 0; i < 10000000u; ++i) {
            (void)driver::m2m_wifi_handle_events(nullptr);
            if (done()) return true;
            if (plat_.now_us) {
                if (plat_.now_us() - start >= std::uint64_t{timeout_ms} * 1000u) return false;
            } else if (i >= timeout_ms * 10u) {
                return false;
            }
            if (plat_.idle) plat_.idle(1000);
        }
        return done();
    }
    bool wait_op(connection s) {
        return wait_until([this, s] { return socks_[s].op_done; }, Traits::request_timeout_ms);
    }

    result<void> bind_and_wait(connection s, const net::address& a) {
        driver::sockaddr_in sa = to_sockaddr(a);
        socks_[s].op_done = false;
        if (driver::RTSP_WINC1500_SOCKET_FN(bind)(s, reinterpret_cast<driver::sockaddr*>(&sa), sizeof sa) != 0)
            return fail(errc::network_error);
        if (!wait_op(s)) return fail(errc::network_error);
        if (socks_[s].op_status == driver::SOCK_ERR_ADDR_ALREADY_IN_USE) return fail(errc::address_in_use);
        if (socks_[s].op_status != 0) return fail(errc::network_error);
        return {};
    }

    void arm_receive(connection c) {
        sock_state& s = socks_[c];
        if (!s.used || s.recv_pending || s.dead || s.rx_len != 0) return;
        if (!s.udp) lend_buffer(c);
        if (s.buf == no_buffer) return;
        driver::sint16 r;
        if (s.udp) {
            auto& b = udp_rx_[s.buf];
            r = driver::RTSP_WINC1500_SOCKET_FN(recvfrom)(c, b.data(), static_cast<driver::uint16>(b.size()), 0);
        } else {
            auto& b = rx_[s.buf];
            r = driver::RTSP_WINC1500_SOCKET_FN(recv)(c, b.data(), static_cast<driver::uint16>(b.size()), 0);
        }
        if (r == 0) s.recv_pending = true;
        else if (r != driver::SOCK_ERR_BUFFER_FULL) kill(s, errc::connection_reset);  // retried later on -14
    }

    static void kill(sock_state& s, errc why) noexcept {
        if (s.dead) return;
        s.dead = true;
        s.dead_reason = why;
    }

    void close_socket(connection c) {
        (void)driver::RTSP_WINC1500_SOCKET_FN(close)(c);
        socks_[c] = sock_state{};
        if (c == listener_) listener_ = -1;
        if (c == udp_[0]) udp_[0] = -1;
        if (c == udp_[1]) udp_[1] = -1;
    }

    // --- driver callbacks: only ever record state --------------------------------------------
    static void socket_callback(driver::SOCKET sock, driver::uint8 msg, void* pv) {
        if (active_ && valid(sock) && pv) active_->on_socket_event(sock, msg, pv);
    }
    static void wifi_callback(driver::uint8 msg, void* pv) {
        if (active_ && pv) active_->on_wifi_event(msg, pv);
    }

    void on_socket_event(connection c, driver::uint8 msg, void* pv) {
        ++events_;
        sock_state& s = socks_[c];
        switch (msg) {
        case driver::SOCKET_MSG_BIND:
            s.op_status = static_cast<driver::tstrSocketBindMsg*>(pv)->status;
            s.op_done = true;
            break;
        case driver::SOCKET_MSG_LISTEN:
            s.op_status = static_cast<driver::tstrSocketListenMsg*>(pv)->status;
            s.op_done = true;
            break;
        case driver::SOCKET_MSG_ACCEPT: {
            const auto* m = static_cast<driver::tstrSocketAcceptMsg*>(pv);
            const connection n = m->sock;
            if (n < 0 || n >= driver::TCP_SOCK_MAX || n == listener_) {
                ++stats_.accept_failed;
                break;
            }
            if (accepted_count_ == accepted_.size()) {  // cannot happen with 7 TCP sockets
                (void)driver::RTSP_WINC1500_SOCKET_FN(close)(n);
                break;
            }
            socks_[n] = sock_state{};
            socks_[n].used = true;
            pack(socks_[n], from_sockaddr(m->strAddr));
            accepted_[accepted_count_++] = n;
            break;
        }
        case driver::SOCKET_MSG_RECV:
        case driver::SOCKET_MSG_RECVFROM: {
            const auto* m = static_cast<driver::tstrSocketRecvMsg*>(pv);
            if (!s.used) break;
            if (m->u16RemainingSize == 0) s.recv_pending = false;
            if (m->s16BufferSize <= 0) {
                if (s.udp || m->s16BufferSize == driver::SOCK_ERR_TIMEOUT) break;  // re-armed later
                kill(s, m->s16BufferSize == 0 || m->s16BufferSize == driver::SOCK_ERR_CONN_ABORTED
                            ? errc::connection_closed : errc::connection_reset);
                break;
            }
            const auto size = static_cast<std::uint16_t>(m->s16BufferSize);
            if (s.udp) {
                // A datagram larger than the buffer comes in pieces: keep the first, drop the rest.
                if (!s.rx_discard) {
                    s.rx_len = size;
                    pack(s, from_sockaddr(m->strRemoteAddr));
                }
                s.rx_discard = m->u16RemainingSize != 0;
            } else if (s.rx_len == 0 && !s.dead) {
                s.rx_len = size;  // the driver wrote it at rx_[s.buf][0]
                s.rx_off = 0;
                if (m->u16RemainingSize != 0) {
                    // The next piece overwrites this one in the same buffer before anyone
                    // can read it: drop it and fail the connection rather than corrupt it.
                    s.rx_len = 0;
                    ++stats_.rx_overflow;
                    kill(s, errc::connection_reset);
                }
            }
            break;
        }
        case driver::SOCKET_MSG_SEND: {
            const driver::sint16 v = *static_cast<driver::sint16*>(pv);
            if (s.in_flight) --s.in_flight;
            if (v <= 0 && s.used && !s.udp) {
                ++stats_.send_failed;
                kill(s, errc::connection_reset);
            }
            break;
        }
        default:
            break;
        }
    }

    void on_wifi_event(driver::uint8 msg, void* pv) {
        ++events_;
        if (msg == driver::M2M_WIFI_RESP_CON_STATE_CHANGED) {
            const auto* m = static_cast<driver::tstrM2mWifiStateChanged*>(pv);
            if (m->u8CurrState == driver::M2M_WIFI_CONNECTED) {
                wifi_.associated = true;
                if (wifi_.static_ip && wifi_.outcome == wifi_outcome::pending) {
                    // No DHCP_CONF follows a static configuration: set it and we are up.
                    if (driver::m2m_wifi_set_static_ip(&ip_config_) == driver::M2M_SUCCESS) {
                        const auto* p = reinterpret_cast<const unsigned char*>(&ip_config_.u32StaticIP);
                        ip_ = net::address::v4(p[0], p[1], p[2], p[3]);
                        wifi_.outcome = wifi_outcome::up;
                    } else {
                        wifi_.outcome = wifi_outcome::no_ip;
                    }
                }
            } else if (m->u8CurrState == driver::M2M_WIFI_DISCONNECTED && wifi_.outcome == wifi_outcome::pending) {
                wifi_.outcome = m->u8ErrCode == driver::M2M_ERR_AUTH_FAIL ? wifi_outcome::wrong_key
                                                                           : wifi_outcome::failed;
            }
        } else if (msg == driver::M2M_WIFI_REQ_DHCP_CONF) {
            const auto* m = static_cast<driver::tstrM2MIPConfig*>(pv);
            const auto* p = reinterpret_cast<const unsigned char*>(&m->u32StaticIP);
            if (ip_.bytes[0] == 0 && wifi_.outcome == wifi_outcome::pending) {
                ip_ = net::address::v4(p[0], p[1], p[2], p[3]);
                wifi_.outcome = wifi_outcome::up;
            } else {
                ++stats_.stations_joined;  // AP mode: a station got a lease
            }
        } else if (msg == driver::M2M_WIFI_RESP_IP_CONFLICT || msg == driver::M2M_WIFI_REQ_DHCP_FAILURE) {
            if (wifi_.outcome == wifi_outcome::pending) wifi_.outcome = wifi_outcome::no_ip;
        }
    }

    inline static basic_network* active_ = nullptr;

    platform plat_{};
    bool owner_ = false;
    std::array<sock_state, driver::MAX_SOCKET> socks_{};
    // Receive buffers are lent to connections (accept to close), not tied to socket ids: ids
    // rotate over all 7 TCP sockets, but only Config::max_connections clients are served.
    std::array<std::array<driver::uint8, Traits::tcp_rx_buffer>, Traits::tcp_rx_buffers> rx_{};
    std::array<std::array<driver::uint8, Traits::udp_rx_buffer>, 2> udp_rx_{};
    std::array<driver::uint8, driver::SOCKET_BUFFER_MAX_LENGTH> staging_{};
    std::array<connection, driver::TCP_SOCK_MAX> accepted_{};
    std::size_t accepted_count_ = 0;
    connection listener_ = -1;
    std::array<connection, 2> udp_{-1, -1};
    std::uint16_t listen_port_ = 0;
    std::uint16_t udp_port_ = 0;
    std::uint32_t events_ = 0;
    net::address ip_{};
    wifi_state wifi_{};
    driver::tstrM2MIPConfig ip_config_{};
    counters stats_{};
};

using network = basic_network<>;

/// SteadyClock and RandomSource over the platform's function pointers.
struct clock {
    std::uint64_t (*now)() = nullptr;
    std::uint64_t now_us() { return now ? now() : 0; }
};
struct random {
    std::uint64_t (*next)() = nullptr;
    std::uint64_t state = 0x9E3779B97F4A7C15u;
    std::uint64_t next_u64() {
        if (next) return next();
        // No TRNG given: splitmix64, so ids differ, but they are predictable (not secure).
        std::uint64_t z = (state += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        return z ^ (z >> 31);
    }
};

/// The seed's rtsp_server(ssid, ssid_key, ssid_security, port = 554, mode = station,
/// static_ip = none) on the WINC1500. Construction only stores the settings; start() (called
/// by poll() and stream() too) brings WiFi up once and reports why it could not.
template <class Encoder = no_encoder, class Config = embedded_config, class Traits = default_traits>
class basic_rtsp_server : public basic_server<basic_network<Traits>, clock, random, Encoder, Config> {
    using base = basic_server<basic_network<Traits>, clock, random, Encoder, Config>;
    static_assert(Traits::tcp_rx_buffers >= Config::max_connections,
                  "every RTSP connection needs a receive buffer: raise Traits::tcp_rx_buffers");

public:
    basic_rtsp_server(std::string_view ssid, std::string_view ssid_key,
                      security ssid_security = security::wpa_psk, std::uint16_t port = 554,
                      winc1500::mode m = mode::station, std::optional<static_ip> ip = std::nullopt,
                      platform plat = {}, server_options opts = {}, Encoder enc = Encoder{})
        : base(with_port(opts, port), basic_network<Traits>(plat), clock{plat.now_us},
               random{plat.random_u64, 0x9E3779B97F4A7C15u}, static_cast<Encoder&&>(enc)) {
        copy(ssid, ssid_, ssid_len_);
        copy(ssid_key, key_, key_len_);
        settings_.sec = ssid_security;
        settings_.wifi_mode = m;
        settings_.ip = ip;
    }

    /// AP mode: the channel and our (DHCP server) address; call before start().
    void set_access_point(std::uint8_t channel, const net::address& address) {
        settings_.ap_channel = channel;
        settings_.ap_address = address;
    }

    /// Brings WiFi up (once), then listens and opens the UDP ports.
    result<void> start() {
        if (!wifi_ok_) {
            settings_.ssid = std::string_view(ssid_.data(), ssid_len_);
            settings_.key = std::string_view(key_.data(), key_len_);
            if (auto r = this->network().wifi_up(settings_); !r) return r;
            wifi_ok_ = true;
        }
        return base::start();
    }
    result<void> poll(std::uint32_t max_wait_us = 10000) {
        if (auto r = start(); !r) return r;
        return base::poll(max_wait_us);
    }
    template <FrameSource F>
    result<void> stream(F&& cb, int quality = 90) {
        if (auto r = start(); !r) return r;
        return base::stream(static_cast<F&&>(cb), quality);
    }
    /// Our IP address once start() succeeded (ifconfig()[0] in the seed).
    [[nodiscard]] net::address ip_address() { return this->network().ip_address(); }

private:
    static server_options with_port(server_options o, std::uint16_t port) {
        o.port = port;
        return o;
    }
    template <std::size_t N>
    static void copy(std::string_view s, std::array<char, N>& out, std::size_t& len) {
        // Longer than the driver allows: keep one byte too many so wifi_up() rejects it.
        len = s.size() < N ? s.size() : N;
        for (std::size_t i = 0; i < len; ++i) out[i] = s[i];
    }

    std::array<char, driver::M2M_MAX_SSID_LEN> ssid_{};
    std::array<char, driver::M2M_MAX_PSK_LEN> key_{};
    std::size_t ssid_len_ = 0, key_len_ = 0;
    wifi_settings settings_{};
    bool wifi_ok_ = false;
};

using rtsp_server = basic_rtsp_server<>;

}  // namespace rtsp::winc1500
