// SPDX-License-Identifier: MIT
// winc1500_emu.hpp - control of the WINC1500 host-driver emulation (a test double, never
// installed). winc1500_emu.cpp implements the driver's C API (the winc1500_-prefixed socket
// calls, socketInit, m2m_wifi_*) on POSIX loopback sockets, faithful to the driver facts the
// adapter relies on: events queued and delivered only inside m2m_wifi_handle_events, ACCEPT on
// the listener without accept(), one pending receive per socket with chunked delivery, the
// 1400-byte send limit, 7 TCP + 4 UDP sockets with round-robin ids and session ids, send()
// returning 0 and a later SEND event, -14 back-pressure, peer close as -12, WiFi events.
// This header lets tests configure faults and read what happened.
#pragma once

#include <cstdint>
#include <string>

namespace winc_emu {

enum class wifi_behaviour {
    normal,    ///< associate if SSID and key match the emulated AP, then DHCP (if enabled)
    no_dhcp,   ///< associate, but never send DHCP_CONF (the adapter must report wifi_no_ip)
    silent,    ///< never answer m2m_wifi_connect (the adapter must report wifi_timeout)
};

struct config {
    // --- WiFi ---
    std::string ap_ssid = "camnet";      ///< the emulated access point
    std::string ap_key = "secret-key";   ///< its WPA passphrase ("" for an open network)
    wifi_behaviour behaviour = wifi_behaviour::normal;
    std::string dhcp_ip = "127.0.0.1";   ///< the address DHCP hands out (loopback, so it is reachable)
    std::string ap_station_ip = "127.0.0.1";  ///< AP mode: the station that joins (DHCP_CONF)
    std::uint32_t wifi_delay_ms = 20;    ///< between a request and each of its events

    // --- sockets ---
    bool chunked_delivery = false;       ///< 19.6 firmware: recv ignores the size, chunks it
    int peer_close_code = -12;           ///< what RECV reports on a peer FIN (firmware: -12; or 0)
    unsigned tx_pool = 24;               ///< chip TX buffers shared by all sockets (-14 when all used)
    std::uint32_t busy_stall_us = 0;     ///< how long send/sendto spins before returning -14 (hif_send)
    double udp_loss = 0.0;               ///< fraction of sendto datagrams silently lost
    int tcp_sndbuf = 32 * 1024;          ///< kernel send buffer of emulated TCP sockets (chip-sized)
};

struct counters {
    unsigned events_dispatched = 0;
    unsigned stale_events_dropped = 0;   ///< events whose session id no longer matched
    unsigned buffer_full = 0;            ///< send/sendto calls answered -14
    unsigned udp_sent = 0, udp_lost = 0;
    unsigned tcp_sent_packets = 0;
    unsigned accept_refused = 0;         ///< connections reset because all 7 TCP sockets were used
    unsigned recv_chunks = 0;            ///< RECV callbacks with u16RemainingSize > 0
    unsigned max_tcp_in_use = 0;
};

config& settings();
counters& stats();
/// Closes every socket, drops every event, restores the default settings (settings() = {}).
void reset();
/// The next n send/sendto calls return -14 (as if the chip's buffers were busy).
void inject_buffer_full(unsigned n);
/// Every send/sendto returns -14 for the next `us` microseconds (a busy chip).
void busy_for(std::uint32_t us);
/// Monotonic microseconds, and the board's "wait for the interrupt": sleeps until a socket of
/// the emulated chip has something to do, an event is due, or max_us passes.
std::uint64_t now_us();
void idle(std::uint32_t max_us);
/// How many emulated sockets are in use (TCP, UDP).
int tcp_in_use();
int udp_in_use();

}  // namespace winc_emu
