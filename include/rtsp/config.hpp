// SPDX-License-Identifier: MIT
// rtsp/config.hpp - compile-time capacities and limits of the server.
//
// The server allocates nothing: every table and buffer is sized here. Pass your own Config to
// rtsp::basic_server to change them (derive from default_config and override what differs);
// firmware typically uses something like embedded_config below. Every field says its unit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rtsp {

struct default_config {
    static constexpr std::size_t max_connections = 8;        ///< RTSP TCP connections at once
    static constexpr std::size_t max_sessions = 8;           ///< RTSP sessions (clients) at once
    static constexpr std::size_t max_sessions_per_connection = 4;  ///< sessions one connection may own
    static constexpr std::size_t max_paths = 8;              ///< distinct paths streamed at once
    static constexpr std::size_t max_path_length = 64;       ///< bytes of a stream path
    static constexpr std::size_t max_url_length = 160;       ///< bytes of a SETUP URL (echoed in RTP-Info)
    static constexpr std::size_t request_buffer_size = 2048; ///< per-connection receive buffer, bytes
    static constexpr std::size_t max_request_head = 2048;    ///< request line + headers, bytes
    static constexpr std::size_t max_request_line = 1024;    ///< one line, bytes
    static constexpr std::size_t max_headers = 24;           ///< header fields per request
    static constexpr std::size_t max_request_body = 1024;    ///< Content-Length read and discarded above this -> 413
    static constexpr std::size_t response_buffer_size = 1024;  ///< one response, bytes (shared)
    static constexpr std::size_t pending_output_size = 3072; ///< per-connection queued output, bytes
    static constexpr std::size_t mtu = 1400;                 ///< RTP packet size incl. RTP header, bytes
    static constexpr std::size_t send_batch = 64;            ///< packets per send call per client
    static constexpr std::size_t callback_storage = 4 * sizeof(void*);  ///< bytes per stored callback
    static constexpr std::uint32_t request_deadline_ms = 10000;  ///< to complete a started request (slowloris)
    static constexpr std::uint32_t idle_connection_ms = 60000;   ///< a connection without sessions or requests
    static constexpr std::uint32_t send_stall_ms = 5000;     ///< TCP output stuck this long: disconnect
    static constexpr std::uint32_t rtcp_interval_ms = 5000;  ///< RTCP Sender Report period
    static constexpr std::size_t max_rtcp_datagrams_per_poll = 16;  ///< bounded work per poll()
    /// Digest/Basic authentication (server_options::username, register_auth_cb). Off: no
    /// authentication code in flash, and start() refuses a username with invalid_argument.
    static constexpr bool authentication = true;
    /// Log lines for register_log_cb. Off: no message text or formatting code in flash, and
    /// register_log_cb does not compile.
    static constexpr bool logging = true;
    /// RTSP over HTTP tunnelling on the RTSP port (server_options::allow_http_tunnel; a client
    /// that tunnels holds two connections). Off: no tunnel code or per-connection state, and an
    /// HTTP request gets 501 like any unknown method.
    static constexpr bool http_tunnel = true;
    /// UDP multicast (server_options::multicast_group): one RTP stream per path that any number
    /// of clients join, sent once per frame however many watch. Groups take no session slots
    /// (at most max_paths, one per path). Off: no multicast code, and a SETUP asking for it
    /// gets 461.
    static constexpr bool multicast = true;
};

/// A small footprint for microcontrollers (WINC1500: 7 TCP sockets, one is the listener):
/// about 24 KB of flash and 8 KB of RAM on Cortex-M7 with the WINC1500 adapter (BENCHMARKS.md).
/// Authentication, log text, HTTP tunnelling and multicast are off; derive and set them to true
/// to get them back (authentication and logging: about 6 KB and 5 KB of flash there).
struct embedded_config : default_config {
    static constexpr std::size_t max_connections = 4;
    static constexpr std::size_t max_sessions = 4;
    static constexpr std::size_t max_sessions_per_connection = 2;
    static constexpr std::size_t max_paths = 2;
    static constexpr std::size_t max_path_length = 32;
    static constexpr std::size_t max_url_length = 96;
    static constexpr std::size_t request_buffer_size = 512;  ///< clients send < 350 without auth
    static constexpr std::size_t max_request_head = 512;
    static constexpr std::size_t max_request_line = 256;
    static constexpr std::size_t max_headers = 16;
    static constexpr std::size_t max_request_body = 256;
    static constexpr std::size_t response_buffer_size = 640;
    static constexpr std::size_t pending_output_size = 768;  ///< unused with whole-packet adapters (WINC1500)
    static constexpr std::size_t send_batch = 4;
    static constexpr bool authentication = false;
    static constexpr bool logging = false;
    static constexpr bool http_tunnel = false;  ///< two of the WINC1500's 6 connections per client
    /// Over WiFi a multicast frame goes out at the lowest basic rate, unacknowledged: unicast
    /// to a relay serves many viewers better (docs/relay.md).
    static constexpr bool multicast = false;
};

}  // namespace rtsp
