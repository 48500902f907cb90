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
//    cannot be kept (the next one overwrites it), so the connection is failed (connection_reset)
//    rather than corrupted, and a datagram is dropped; size traits::tcp_rx_buffer to 1460 for
//    19.6 firmware. With 19.7 firmware, 128 bytes is enough: the server reassembles requests.
//  - A peer's FIN is reported by the firmware as -12 (CONN_ABORTED), so 0 and -12 both mean
//    connection_closed. UDP data arrives only as RECVFROM; recvfrom is used for UDP.
//  - close() is synchronous and the driver discards that socket's pending events.
//  - The driver has one callback per kind, so one network is active at a time (`active_`). The
//    buffers (with default_traits 4 x 128 B TCP and 2 x 128 B UDP receive buffers and the
//    1400-byte send staging: 2,168 B) are static members, shared by the networks of one Traits;
//    a network object itself is about 210 bytes.
//
// Blocking: the driver's own send() may spin up to ~0.5 s waiting for a chip buffer before it
// returns -14 (hif_send); that is inside the driver and cannot be shortened from here. Every
// wait of this adapter (bind, listen, WiFi bring-up, poll) is bounded by platform::now_us
// (without a clock, by a count of rounds of at most 1 ms of platform::idle each).
//
// WiFi bring-up and the seed's constructor: constructors cannot fail without exceptions, so
// `basic_rtsp_server` takes the seed's arguments and its start() (also called by poll() and
// stream()) brings WiFi up once and returns result<void>: wifi_wrong_key, wifi_no_ip,
// wifi_timeout, invalid_argument (SSID/key too long, key missing) or network_error.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

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
    /// Per TCP connection. Requests are reassembled in the server's request buffer, so a
    /// small buffer only costs round trips (19.6 firmware delivers whole segments: 1460).
    static constexpr std::size_t tcp_rx_buffer = 128;
    static constexpr std::size_t tcp_rx_buffers = 4;   ///< connections that can receive at once:
                                                       ///< Config::max_connections
    /// Per server UDP socket (RTP, RTCP). Receiver reports (RR + SDES CNAME) are < 128 bytes;
    /// a larger datagram is dropped (stats().rx_overflow): RTSP keep-alives still hold the session.
    static constexpr std::size_t udp_rx_buffer = 128;
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

/// wifi_settings in the driver's form: addresses as s_addr (octets in network order), the
/// static configuration inline. What basic_rtsp_server stores (40 bytes on a 32-bit MCU, where
/// a wifi_settings takes 130).
struct wifi_link {
    std::string_view ssid;
    std::string_view key;
    security sec = security::wpa_psk;
    winc1500::mode wifi_mode = winc1500::mode::station;
    std::uint8_t ap_channel = 1;
    bool has_static_ip = false;
    std::array<driver::uint32, 4> ip_config{};  ///< static: ip, mask, gateway, dns
    driver::uint32 ap_address = std::bit_cast<driver::uint32>(std::array<std::uint8_t, 4>{192, 168, 1, 1});

    /// An address as the driver stores it: s_addr holds the octets in memory order (network
    /// order), whatever the CPU's endianness.
    static driver::uint32 s_addr(const net::address& a) noexcept {
        driver::uint32 v;
        std::memcpy(&v, a.bytes.data(), 4);
        return v;
    }
    void set_static_ip(const winc1500::static_ip& ip) noexcept {
        has_static_ip = true;
        ip_config = {s_addr(ip.ip), s_addr(ip.mask), s_addr(ip.gateway), s_addr(ip.dns)};
    }
};

/// Event counters, for diagnostics and tests.
struct counters {
    std::uint32_t buffer_full = 0;      ///< send/sendto refused with -14
    std::uint32_t in_flight_limited = 0;///< TCP sends refused by the in-flight cap
    std::uint32_t accept_failed = 0;    ///< ACCEPT events without a socket (chip out of sockets)
    std::uint32_t rx_overflow = 0;      ///< deliveries that did not fit the receive buffer: the
                                        ///< connection failed, or the datagram was dropped
    std::uint32_t send_failed = 0;      ///< SEND events reporting an error
    std::uint32_t stations_joined = 0;  ///< AP mode: DHCP leases handed out
};

template <class Traits = default_traits>
class basic_network {
    static_assert(Traits::tcp_rx_buffers >= 1 && Traits::tcp_rx_buffers <= driver::TCP_SOCK_MAX,
                  "tcp_rx_buffers: 1 to 7 (the chip has 7 TCP sockets, one of them the listener)");
    static_assert(Traits::tcp_rx_buffer >= 1 && Traits::tcp_rx_buffer <= 1460 && Traits::udp_rx_buffer >= 1 &&
                      Traits::udp_rx_buffer <= 1460,
                  "receive buffers: 1 to 1460 bytes");
    static_assert(Traits::wifi_timeout_ms <= 4000000u && Traits::request_timeout_ms <= 4000000u,
                  "timeouts are counted in 32-bit microseconds");

public:
    using connection = driver::SOCKET;
    /// The server sends every stream packet in its own send(), whole or not at all.
    static constexpr std::size_t stream_send_limit = driver::SOCKET_BUFFER_MAX_LENGTH;

    explicit basic_network(platform p = {}) noexcept : plat_(p) {}
    // Only a network that has not been used (no callbacks registered, no sockets) may move:
    // basic_server takes its network by value before using it, and a live one would leave the
    // driver's callbacks pointing at the old object. So a move copies the platform, nothing else.
    basic_network(basic_network&& o) noexcept : plat_(o.plat_) { RTSP_ASSERT(!o.owner_); }
    basic_network& operator=(basic_network&& o) noexcept {
        RTSP_ASSERT(!o.owner_ && !owner_);
        plat_ = o.plat_;
        return *this;
    }
    basic_network(const basic_network&) = delete;
    basic_network& operator=(const basic_network&) = delete;
    ~basic_network() {
        if (!owner_) return;
        for (connection i = 0; i < driver::MAX_SOCKET; ++i)
            if (socks_[i].state) close_socket(i);
        if (active_ == this) active_ = nullptr;
    }

    // --- WiFi -----------------------------------------------------------------------------
    /// Initialises the driver and joins (station) or opens (access point) the network; waits
    /// at most traits::wifi_timeout_ms for the connection and the IP address.
    result<void> wifi_up(const wifi_settings& w) {
        wifi_link l;
        l.ssid = w.ssid;
        l.key = w.key;
        l.sec = w.sec;
        l.wifi_mode = w.wifi_mode;
        l.ap_channel = w.ap_channel;
        l.ap_address = wifi_link::s_addr(w.ap_address);
        if (w.ip) l.set_static_ip(*w.ip);
        return wifi_up(l);
    }
    result<void> wifi_up(const wifi_link& w) {
        const std::size_t ssid_len = w.ssid.size(), key_len = w.key.size();
        const bool open = w.sec == security::open, wep = w.sec == security::wep;
        if (ssid_len - 1 >= driver::M2M_MAX_SSID_LEN - 1 || key_len >= driver::M2M_MAX_PSK_LEN ||
            (!open && key_len == 0) || (wep && key_len != 10 && key_len != 26))
            return fail(errc::invalid_argument);
        activate();
        driver::tstrWifiInitParam param{};
        param.pfAppWifiCb = &wifi_callback;
        if (driver::nm_bsp_init() != driver::M2M_SUCCESS || driver::m2m_wifi_init(&param) != driver::M2M_SUCCESS)
            return fail(errc::network_error);
        driver::socketDeinit();
        driver::socketInit();
        driver::registerSocketCallback(&socket_callback, nullptr);
        ip_ = 0;
        wifi_result_ = errc::wifi_timeout;  // what a wait that ends with no event means

        // One zeroed buffer holds the NUL-terminated SSID and key for both calls.
        const bool ap = w.wifi_mode == mode::access_point;
        driver::tstrM2MAPConfig cfg{};
        std::memcpy(cfg.au8SSID, w.ssid.data(), ssid_len);
        driver::uint8* key = ap && wep ? cfg.au8WepKey : cfg.au8Key;
        if (!open) std::memcpy(key, w.key.data(), key_len);
        driver::sint8 rc;
        if (ap) {
            cfg.u8ListenChannel = w.ap_channel;
            cfg.u8SecType = static_cast<driver::uint8>(w.sec);
            if (!open) {
                cfg.u8KeyIndx = wep;
                cfg.u8KeySz = static_cast<driver::uint8>(key_len);
            }
            std::memcpy(cfg.au8DHCPServerIP, &w.ap_address, 4);
            rc = driver::m2m_wifi_enable_ap(&cfg);
            if (rc == driver::M2M_SUCCESS) {
                ip_ = w.ap_address;
                wifi_result_ = errc{};
            }
        } else {
            if (driver::m2m_wifi_enable_dhcp(!w.has_static_ip) != driver::M2M_SUCCESS) return fail(errc::network_error);
            // -1: with a static IP, CONNECTED ends the wait (no DHCP_CONF follows).
            const std::int8_t pending = w.has_static_ip ? -1 : 0;
            wifi_done_ = pending;
            rc = driver::m2m_wifi_connect(reinterpret_cast<char*>(cfg.au8SSID), static_cast<driver::uint8>(ssid_len),
                                          static_cast<driver::uint8>(w.sec), open ? nullptr : key,
                                          driver::M2M_WIFI_CH_ALL);
            if (rc == driver::M2M_SUCCESS) (void)pump(wifi_done_, pending, Traits::wifi_timeout_ms * 1000u);
            if (wifi_result_ == errc::need_more) {
                // Associated with a static configuration: set it and we are up.
                driver::tstrM2MIPConfig ip{};
                ip.u32StaticIP = w.ip_config[0];
                ip.u32SubnetMask = w.ip_config[1];
                ip.u32Gateway = w.ip_config[2];
                ip.u32DNS = w.ip_config[3];
                wifi_result_ = errc::wifi_no_ip;
                if (driver::m2m_wifi_set_static_ip(&ip) == driver::M2M_SUCCESS) {
                    ip_ = ip.u32StaticIP;
                    wifi_result_ = errc{};
                }
            }
        }
        // Later events are no longer about this bring-up (AP mode: stations joining).
        wifi_done_ = 1;
        if (rc != driver::M2M_SUCCESS) return fail(errc::invalid_argument);
        return fail(wifi_result_);  // errc{}: success
    }

    /// Our IPv4 address (DHCP, static, or the AP address); all zero before wifi_up().
    [[nodiscard]] net::address ip_address() const noexcept { return make_address(ip_, 0); }
    [[nodiscard]] const counters& stats() const noexcept { return stats_; }

    // --- StreamTransport ------------------------------------------------------------------
    result<void> listen(const net::address& a) {
        activate();
        if (a.is_v6() || a.port == 0) return fail(errc::invalid_argument);  // no IPv6, no port 0
        if (listener_ >= 0) return {};
        const connection s = driver::RTSP_WINC1500_SOCKET_FN(socket)(driver::AF_INET_, driver::SOCK_STREAM_, 0);
        if (s < 0 || s >= driver::TCP_SOCK_MAX) return fail(errc::no_resources);
        open_slot(s, sock_open);
        errc e = bind_and_wait(s, wifi_link::s_addr(a), a.port);
        if (e == errc{} && await(s, driver::RTSP_WINC1500_SOCKET_FN(listen)(s, 0)) != 0) e = errc::network_error;
        if (e != errc{}) {
            close_socket(s);
            return fail(e);
        }
        listener_ = s;
        listen_port_ = a.port;
        return {};
    }

    result<connection> accept() {
        for (connection c = 0; c < driver::TCP_SOCK_MAX; ++c) {
            if (socks_[c].state != sock_accepted) continue;
            socks_[c].state = sock_open;
            arm_receive(c);
            return c;
        }
        return fail(errc::would_block);
    }

    result<std::size_t> receive(connection c, std::span<std::byte> buf) {
        if (!valid(c) || !socks_[c].state) return fail(errc::connection_reset);
        if (const std::size_t n = take(c, buf)) return n;
        const errc dead = socks_[c].dead;
        return fail(dead != errc{} ? dead : errc::would_block);
    }

    result<std::size_t> send(connection c, buffer_sequence data) {
        if (!valid(c) || !socks_[c].state) return fail(errc::connection_reset);
        sock_state& s = socks_[c];
        if (s.dead != errc{}) return fail(s.dead);
        if (s.in_flight >= Traits::tcp_in_flight) {
            ++stats_.in_flight_limited;
            return fail(errc::would_block);
        }
        const int r = transmit(c, data, nullptr);
        if (r == driver::SOCK_ERR_BUFFER_FULL) return fail(errc::would_block);
        if (r < 0) return fail(errc::connection_reset);
        if (r > 0) ++s.in_flight;
        return static_cast<std::size_t>(r);
    }

    void close(connection c) {
        if (valid(c) && socks_[c].state && c != listener_) close_socket(c);
    }

    [[nodiscard]] net::address peer_address(connection c) const {
        return valid(c) ? unpack(socks_[c]) : net::address{};
    }
    [[nodiscard]] net::address local_address(connection) const { return make_address(ip_, listen_port_); }
    [[nodiscard]] std::uint16_t listen_port() const noexcept { return listen_port_; }

    // --- DatagramTransport ----------------------------------------------------------------
    result<void> open_udp(std::uint16_t port) {
        activate();
        if (udp_[0] >= 0) return {};
        std::uint16_t p = port ? port : Traits::first_udp_port;
        for (int tries = port ? 1 : 16;; p = static_cast<std::uint16_t>(p + 2)) {
            errc e = open_udp_socket(0, p);
            if (e == errc{}) e = open_udp_socket(1, static_cast<std::uint16_t>(p + 1));
            if (e == errc{}) {
                udp_port_ = p;
                return {};
            }
            for (const connection s : udp_)
                if (s >= 0) close_socket(s);
            if (e != errc::address_in_use || --tries == 0) return fail(e);
        }
    }

    [[nodiscard]] std::uint16_t udp_port(udp_socket s) const {
        return static_cast<std::uint16_t>(udp_port_ + (s == udp_socket::rtcp));
    }

    result<std::size_t> send_datagrams(udp_socket which, const net::address& to,
                                       std::span<const buffer_sequence> datagrams) {
        const connection s = udp_[which == udp_socket::rtcp];
        if (s < 0 || to.is_v6()) return fail(errc::network_error);
        driver::sockaddr_in dst = to_sockaddr(wifi_link::s_addr(to), to.port);
        std::size_t sent = 0;
        for (const buffer_sequence& d : datagrams) {
            const int r = transmit(s, d, &dst);
            if (r < 0) {
                if (r != driver::SOCK_ERR_BUFFER_FULL && sent == 0) return fail(errc::network_error);
                break;
            }
            ++sent;
        }
        if (sent == 0 && !datagrams.empty()) return fail(errc::would_block);
        return sent;
    }

    /// One datagram from the socket's buffer, truncated to buf. One larger than
    /// traits::udp_rx_buffer never arrives: the driver delivers it in pieces that overwrite each
    /// other, so it is dropped (counted in stats().rx_overflow).
    result<datagram_info> receive_datagram(udp_socket which, std::span<std::byte> buf) {
        const connection c = udp_[which == udp_socket::rtcp];
        if (c < 0) return fail(errc::would_block);
        if (!socks_[c].rx_len) {
            arm_receive(c);
            return fail(errc::would_block);
        }
        return datagram_info{take(c, buf), unpack(socks_[c])};  // take() leaves the sender as it is
    }

    // --- EventPump ------------------------------------------------------------------------
    /// Arms the receives, pumps the driver's events and, if none came, sleeps (platform::idle)
    /// and pumps again until one does or timeout_us passes.
    void poll(std::uint32_t timeout_us) {
        activate();
        for (connection i = 0; i < driver::MAX_SOCKET; ++i)
            if (i != listener_) arm_receive(i);
        events_ = 0;
        (void)pump(events_, 0, timeout_us);
    }

private:
    // Receive sizes fit a byte with the default buffers (11 of these live in RAM).
    using rx_size = std::conditional_t<(Traits::tcp_rx_buffer < 256 && Traits::udp_rx_buffer < 256),
                                       std::uint8_t, std::uint16_t>;
    static constexpr std::uint8_t sock_open = 1, sock_accepted = 2;  // accepted: until accept()
    /// One per socket id; all zero is a free id.
    struct sock_state {
        std::uint8_t state;         // 0 free, sock_open, sock_accepted
        std::uint8_t recv_pending;  // a recv/recvfrom is outstanding (one per socket)
        std::uint8_t rx_discard;    // the rest of a delivery that did not fit is coming
        std::uint8_t in_flight;     // TCP: sends awaiting their SEND event
        std::uint8_t buf;           // 1 + index of the receive buffer (TCP: lent); 0: none
        errc dead;                  // errc{}: alive; else what receive/send report
        rx_size rx_len, rx_off;     // buffered bytes: [rx_off, rx_len)
        // TCP: the peer; UDP: the sender of the buffered datagram. Octets as in s_addr
        // (network order), port in host order.
        std::array<std::uint8_t, 4> addr;
        std::uint16_t port;
    };
    static net::address make_address(driver::uint32 s_addr, std::uint16_t port) noexcept {
        net::address a;
        std::memcpy(a.bytes.data(), &s_addr, 4);
        a.port = port;
        return a;
    }
    static net::address unpack(const sock_state& s) noexcept {
        driver::uint32 v;
        std::memcpy(&v, s.addr.data(), 4);
        return make_address(v, s.port);
    }
    static void pack(sock_state& s, const driver::sockaddr_in& sa) noexcept {
        std::memcpy(s.addr.data(), &sa.sin_addr.s_addr, 4);
        const auto* q = reinterpret_cast<const unsigned char*>(&sa.sin_port);
        s.port = static_cast<std::uint16_t>((q[0] << 8) | q[1]);
    }
    static driver::sockaddr_in to_sockaddr(driver::uint32 s_addr, std::uint16_t port) noexcept {
        driver::sockaddr_in sa{};
        sa.sin_family = driver::AF_INET_;
        auto* q = reinterpret_cast<unsigned char*>(&sa.sin_port);
        q[0] = static_cast<unsigned char>(port >> 8);
        q[1] = static_cast<unsigned char>(port);
        sa.sin_addr.s_addr = s_addr;
        return sa;
    }

    static bool valid(connection c) noexcept { return c >= 0 && c < driver::MAX_SOCKET; }

    void activate() noexcept {
        active_ = this;
        owner_ = true;
    }

    /// Pumps the driver's events until `flag` leaves `pending` or timeout_us passes, sleeping
    /// (platform::idle) in between. Differences of the clock are taken in 32 bits: every wait
    /// is far shorter than the 71 minutes of a wrap. Without a clock, each round sleeps at most
    /// 1 ms and counts as 1 ms.
    bool pump(const std::int8_t& flag, std::int8_t pending, std::uint32_t timeout_us) {
        // plat_ is read anew in the loop (not hoisted): one loop, not one per platform shape.
        const auto now = [this] { return static_cast<std::uint32_t>(plat_.now_us()); };
        const std::uint32_t start = plat_.now_us ? now() : 0;
        for (std::uint32_t round = 0;; ++round) {
            (void)driver::m2m_wifi_handle_events(nullptr);
            if (flag != pending) return true;
            const std::uint32_t elapsed = plat_.now_us ? now() - start : round * 1000u;
            if (elapsed >= timeout_us) return false;
            if (plat_.idle) plat_.idle(plat_.now_us ? timeout_us - elapsed : 1000u);
        }
    }

    /// Waits for the BIND or LISTEN event that follows a request that returned rc; its status
    /// (SOCK_ERR_INVALID if the request failed, SOCK_ERR_TIMEOUT if no event came).
    driver::sint8 await(connection s, driver::sint8 rc) {
        if (rc != 0) return driver::SOCK_ERR_INVALID;
        op_sock_ = s;
        op_ = op_pending;
        if (!pump(op_, op_pending, Traits::request_timeout_ms * 1000u)) return driver::SOCK_ERR_TIMEOUT;
        return op_;
    }
    errc bind_and_wait(connection s, driver::uint32 s_addr, std::uint16_t port) {
        driver::sockaddr_in sa = to_sockaddr(s_addr, port);
        const driver::sint8 st =
            await(s, driver::RTSP_WINC1500_SOCKET_FN(bind)(s, reinterpret_cast<driver::sockaddr*>(&sa), sizeof sa));
        return st == 0 ? errc{} : st == driver::SOCK_ERR_ADDR_ALREADY_IN_USE ? errc::address_in_use : errc::network_error;
    }

    /// Opens UDP socket k (0: RTP, 1: RTCP) on port and arms its receive.
    errc open_udp_socket(std::uint8_t k, std::uint16_t port) {
        const connection s = driver::RTSP_WINC1500_SOCKET_FN(socket)(driver::AF_INET_, driver::SOCK_DGRAM_, 0);
        if (s < driver::TCP_SOCK_MAX || s >= driver::MAX_SOCKET) {
            if (s >= 0) (void)driver::RTSP_WINC1500_SOCKET_FN(close)(s);
            return errc::no_resources;
        }
        open_slot(s, sock_open);
        socks_[s].buf = static_cast<std::uint8_t>(Traits::tcp_rx_buffers + 1 + k);  // the UDP buffers
        udp_[k] = s;
        const errc e = bind_and_wait(s, 0, port);
        if (e != errc{}) return e;
        // SENDTO events only say "transmitted"; -14 is the back-pressure that matters. The
        // option is reset by bind, so it is set after it.
        const driver::uint32 off = 0;
        (void)driver::RTSP_WINC1500_SOCKET_FN(setsockopt)(s, driver::SOL_SOCKET_, driver::SO_SET_UDP_SEND_CALLBACK,
                                                        &off, sizeof off);
        arm_receive(s);
        return e;
    }

    /// Receive buffer b (0-based; TCP ones first, then the two UDP ones) and its size.
    driver::uint8* rx_buffer(std::uint8_t b, driver::uint16& size) noexcept {
        constexpr std::size_t tcp_bytes = Traits::tcp_rx_buffers * Traits::tcp_rx_buffer;
        if (b < Traits::tcp_rx_buffers) {
            size = Traits::tcp_rx_buffer;
            return rx_.data() + b * Traits::tcp_rx_buffer;
        }
        size = Traits::udp_rx_buffer;
        return rx_.data() + tcp_bytes + (b - Traits::tcp_rx_buffers) * Traits::udp_rx_buffer;
    }

    /// Issues the socket's one pending receive, if it has none and its buffer is empty. A TCP
    /// connection borrows a free buffer first (none free: it cannot receive until one is).
    void arm_receive(connection c) {
        sock_state& s = socks_[c];
        if (!s.state || s.recv_pending || s.dead != errc{} || s.rx_len) return;
        if (!s.buf) {
            for (std::uint8_t i = 0; i < Traits::tcp_rx_buffers; ++i) {
                if (lent_ & (1u << i)) continue;
                lent_ = static_cast<std::uint8_t>(lent_ | (1u << i));
                s.buf = static_cast<std::uint8_t>(i + 1);
                break;
            }
            if (!s.buf) return;
        }
        driver::uint16 size;
        driver::uint8* p = rx_buffer(static_cast<std::uint8_t>(s.buf - 1), size);
        // UDP data arrives only as RECVFROM, so UDP sockets use recvfrom.
        const auto r = (c >= driver::TCP_SOCK_MAX ? &driver::RTSP_WINC1500_SOCKET_FN(recvfrom)
                                                  : &driver::RTSP_WINC1500_SOCKET_FN(recv))(c, p, size, 0);
        if (r == 0) s.recv_pending = 1;
        else if (r != driver::SOCK_ERR_BUFFER_FULL) kill(s, errc::connection_reset);  // retried later on -14
    }

    /// Copies buffered bytes of c into buf (of a datagram: its first buf.size() bytes, the
    /// rest is dropped), and re-arms the receive once the buffer is empty. Returns the count.
    std::size_t take(connection c, std::span<std::byte> buf) {
        sock_state& s = socks_[c];
        std::size_t n = static_cast<std::size_t>(s.rx_len - s.rx_off);
        if (n > buf.size()) n = buf.size();
        if (n) {
            driver::uint16 size;
            std::memcpy(buf.data(), rx_buffer(static_cast<std::uint8_t>(s.buf - 1), size) + s.rx_off, n);
        }
        s.rx_off = static_cast<rx_size>(s.rx_off + n);
        if (c >= driver::TCP_SOCK_MAX || s.rx_off == s.rx_len) s.rx_off = s.rx_len = 0;
        arm_receive(c);
        return n;
    }

    /// Gathers one packet (at most 1400 bytes) into the staging buffer, since the driver sends
    /// one contiguous buffer per call (and copies it to the chip before returning), and sends
    /// it: to `to` (UDP) or on the connection. Returns the byte count or the driver's error.
    int transmit(connection c, buffer_sequence data, driver::sockaddr_in* to) {
        std::size_t n = 0;
        for (const const_buffer& b : data) {
            std::size_t k = staging_.size() - n;
            if (b.size() < k) k = b.size();
            if (k) std::memcpy(staging_.data() + n, b.data(), k);
            n += k;
        }
        if (n == 0) return 0;
        const auto len = static_cast<driver::uint16>(n);
        const driver::sint16 r =
            to ? driver::RTSP_WINC1500_SOCKET_FN(sendto)(c, staging_.data(), len, 0,
                                                         reinterpret_cast<driver::sockaddr*>(to), sizeof *to)
               : driver::RTSP_WINC1500_SOCKET_FN(send)(c, staging_.data(), len, 0);
        if (r == driver::SOCK_ERR_BUFFER_FULL) ++stats_.buffer_full;
        return r < 0 ? r : static_cast<int>(n);
    }

    static void kill(sock_state& s, errc why) noexcept {
        if (s.dead == errc{}) s.dead = why;
    }

    /// Frees id c's state and its lent receive buffer.
    void reset_slot(connection c) noexcept {
        sock_state& s = socks_[c];
        if (c < driver::TCP_SOCK_MAX && s.buf) lent_ = static_cast<std::uint8_t>(lent_ & ~(1u << (s.buf - 1)));
        s = sock_state{};
    }
    void open_slot(connection c, std::uint8_t state) noexcept {
        reset_slot(c);
        socks_[c].state = state;
    }
    void close_socket(connection c) {
        (void)driver::RTSP_WINC1500_SOCKET_FN(close)(c);
        reset_slot(c);
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
        events_ = 1;
        sock_state& s = socks_[c];
        switch (msg) {
        case driver::SOCKET_MSG_BIND:
        case driver::SOCKET_MSG_LISTEN:  // tstrSocketBindMsg and tstrSocketListenMsg: {sint8 status}
            if (c == op_sock_) op_ = *static_cast<const driver::sint8*>(pv);
            break;
        case driver::SOCKET_MSG_ACCEPT: {
            const auto* m = static_cast<const driver::tstrSocketAcceptMsg*>(pv);
            const connection n = m->sock;
            if (n < 0 || n >= driver::TCP_SOCK_MAX || n == listener_) {
                ++stats_.accept_failed;
                break;
            }
            open_slot(n, sock_accepted);
            pack(socks_[n], m->strAddr);
            break;
        }
        case driver::SOCKET_MSG_RECV:
        case driver::SOCKET_MSG_RECVFROM: {
            const auto* m = static_cast<const driver::tstrSocketRecvMsg*>(pv);
            if (!s.state) break;
            const bool more = m->u16RemainingSize != 0;  // more pieces of this delivery follow
            if (!more) s.recv_pending = 0;
            const driver::sint16 size = m->s16BufferSize;
            if (size <= 0) {  // UDP: nothing to do, re-armed later; TCP: -13 too
                if (c < driver::TCP_SOCK_MAX && size != driver::SOCK_ERR_TIMEOUT)
                    kill(s, size == 0 || size == driver::SOCK_ERR_CONN_ABORTED ? errc::connection_closed
                                                                             : errc::connection_reset);
                break;
            }
            const bool first = !s.rx_discard;
            s.rx_discard = more;
            if (!first || s.dead != errc{}) break;
            if (more) {
                // Does not fit: the next piece overwrites this one in the same buffer before
                // anyone can read it. A datagram is dropped; a connection fails rather than
                // deliver corrupt data.
                ++stats_.rx_overflow;
                if (c < driver::TCP_SOCK_MAX) kill(s, errc::connection_reset);
                break;
            }
            if (c >= driver::TCP_SOCK_MAX) pack(s, m->strRemoteAddr);  // the datagram's sender
            s.rx_len = static_cast<rx_size>(size);  // the driver wrote it at the buffer's start
            s.rx_off = 0;
            break;
        }
        case driver::SOCKET_MSG_SEND:
            if (s.in_flight) --s.in_flight;
            if (*static_cast<const driver::sint16*>(pv) <= 0 && s.state && c < driver::TCP_SOCK_MAX) {
                ++stats_.send_failed;
                kill(s, errc::connection_reset);
            }
            break;
        default:
            break;
        }
    }

    // wifi_done_: 1 once wifi_up() has its outcome (or has returned: AP mode, timeout), 0 or
    // -1 while it waits (-1: a static IP, so CONNECTED is the end). wifi_result_: the outcome.
    void on_wifi_event(driver::uint8 msg, void* pv) {
        events_ = 1;
        if (msg == driver::M2M_WIFI_REQ_DHCP_CONF) {
            if (wifi_done_ > 0) {
                ++stats_.stations_joined;  // AP mode: a station got a lease
                return;
            }
            ip_ = static_cast<const driver::tstrM2MIPConfig*>(pv)->u32StaticIP;
            wifi_result_ = errc{};
        } else if (wifi_done_ > 0) {
            return;
        } else if (msg == driver::M2M_WIFI_RESP_CON_STATE_CHANGED) {
            const auto* m = static_cast<const driver::tstrM2mWifiStateChanged*>(pv);
            if (m->u8CurrState == driver::M2M_WIFI_CONNECTED) {
                wifi_result_ = errc::wifi_no_ip;  // associated: a timeout now means no address
                if (wifi_done_ == 0) return;      // DHCP_CONF comes next
                wifi_result_ = errc::need_more;   // wifi_up() sets the static IP
            } else if (m->u8CurrState == driver::M2M_WIFI_DISCONNECTED) {
                wifi_result_ = m->u8ErrCode == driver::M2M_ERR_AUTH_FAIL ? errc::wifi_wrong_key : errc::network_error;
            } else {
                return;
            }
        } else if (msg == driver::M2M_WIFI_RESP_IP_CONFLICT || msg == driver::M2M_WIFI_REQ_DHCP_FAILURE) {
            wifi_result_ = errc::wifi_no_ip;
        } else {
            return;
        }
        wifi_done_ = 1;
    }

    static constexpr std::int8_t op_pending = 1;  // BIND/LISTEN statuses are 0 or negative

    inline static basic_network* active_ = nullptr;

    platform plat_{};
    counters stats_{};
    std::array<sock_state, driver::MAX_SOCKET> socks_{};
    driver::uint32 ip_ = 0;                  // s_addr (network order)
    std::uint16_t listen_port_ = 0;
    std::uint16_t udp_port_ = 0;
    std::int8_t op_ = 0;                     // the awaited BIND/LISTEN status (op_pending until it arrives)
    std::int8_t events_ = 0;                 // set by every callback (poll's wake-up)
    errc wifi_result_{};
    std::uint8_t lent_ = 0;                  // bit i: TCP receive buffer i is lent
    bool owner_ = false;
    std::int8_t wifi_done_ = 1;              // see on_wifi_event()
    connection op_sock_ = -1;                // the socket whose BIND/LISTEN event is awaited
    connection listener_ = -1;
    std::array<connection, 2> udp_{-1, -1};  // RTP, RTCP
    // The buffers are static, shared by the networks of one Traits (one is active at a time:
    // the driver has one callback of each kind), so that a network is small: basic_server
    // takes it by value, and the temporary would otherwise cost 2.4 KB of stack. Receive
    // buffers: the TCP ones are lent to connections (accept to close), not tied to socket
    // ids, since ids rotate over all 7 TCP sockets but only Config::max_connections clients
    // are served; then one each for the RTP and RTCP sockets.
    inline static std::array<driver::uint8, Traits::tcp_rx_buffers * Traits::tcp_rx_buffer + 2 * Traits::udp_rx_buffer> rx_;
    inline static std::array<driver::uint8, driver::SOCKET_BUFFER_MAX_LENGTH> staging_;
};

using network = basic_network<>;

/// SteadyClock and RandomSource over the platform's function pointers.
struct clock {
    std::uint64_t (*now)() = nullptr;
    std::uint64_t now_us() { return now ? now() : 0; }
};
struct random {
    std::uint64_t (*next)() = nullptr;
    std::uint32_t state = 0x9E3779B9u;  ///< never 0
    std::uint64_t next_u64() {
        if (next) return next();
        // No TRNG given: two steps of xorshift32 (32-bit shifts only, cheap on a Cortex-M),
        // so ids differ, but they are predictable (not secure).
        std::uint64_t v = 0;
        for (int i = 0; i < 2; ++i) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            v = (v << 32) | state;
        }
        return v;
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
        : base((opts.port = port, opts), basic_network<Traits>(plat), clock{plat.now_us}, random{plat.random_u64},
               static_cast<Encoder&&>(enc)) {
        link_.ssid = store(ssid, ssid_);
        link_.key = store(ssid_key, key_);
        link_.sec = ssid_security;
        link_.wifi_mode = m;
        if (ip) link_.set_static_ip(*ip);
    }

    /// AP mode: the channel and our (DHCP server) address; call before start().
    void set_access_point(std::uint8_t channel, const net::address& address) {
        link_.ap_channel = channel;
        link_.ap_address = wifi_link::s_addr(address);
    }

    /// Brings WiFi up (once), then listens and opens the UDP ports.
    result<void> start() {
        if (!wifi_ok_) {
            if (auto r = this->network().wifi_up(link_); !r) return r;
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
    /// Copies s (the caller's string need not outlive the constructor). Longer than the driver
    /// allows: one byte too many is kept, so that start() rejects it.
    template <std::size_t N>
    static std::string_view store(std::string_view s, std::array<char, N>& out) noexcept {
        const std::size_t n = s.size() < N ? s.size() : N;
        if (n) std::memcpy(out.data(), s.data(), n);
        return {out.data(), n};
    }

    // The server is neither copied nor moved (basic_server), so link_ may point into these.
    std::array<char, driver::M2M_MAX_SSID_LEN> ssid_;  // at most 32 + one too many
    std::array<char, driver::M2M_MAX_PSK_LEN> key_;    // at most 64 + one too many
    wifi_link link_{};
    bool wifi_ok_ = false;
};

using rtsp_server = basic_rtsp_server<>;

}  // namespace rtsp::winc1500
