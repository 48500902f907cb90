// SPDX-License-Identifier: MIT
// rtsp/server.hpp - basic_server: RTSP sessions, callbacks and JPEG frame fan-out over any
// Network, Clock, Random and JpegEncoder (rtsp/concepts.hpp).
//
// This is the only layer that knows time passes and bytes move. It owns fixed tables of
// connections and sessions (sizes from Config, rtsp/config.hpp), parses requests with the pure
// protocol layer, and sends each frame by packetizing it once (rtsp/rtp/jpeg_packetizer.hpp)
// and handing every playing session the same payload headers and scan slices with its own
// 12-byte RTP header: the scan is never copied.
//
// Threading: one thread runs poll()/stream(); stop() may be called from anywhere (another
// thread, a signal handler, a callback).
//
// The seed's API (OpenMV rtsp module):
//   server.register_setup_cb / register_play_cb / register_pause_cb / register_teardown_cb(cb)
//       cb(std::string_view pathname, std::uint64_t session)
//   server.stream(cb, quality = 90)
//       cb(pathname, session) or cb(pathname) -> rtsp::image_view | rtsp::jpeg_view | no_frame
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rtsp/concepts.hpp"
#include "rtsp/config.hpp"
#include "rtsp/detail/ascii.hpp"
#include "rtsp/detail/divide.hpp"
#include "rtsp/detail/fixed_string.hpp"
#include "rtsp/detail/inplace_function.hpp"
#include "rtsp/jpeg/parser.hpp"
#include "rtsp/protocol/auth.hpp"
#include "rtsp/protocol/http_tunnel.hpp"
#include "rtsp/protocol/detail/slice.hpp"
#include "rtsp/protocol/method.hpp"
#include "rtsp/protocol/request_parser.hpp"
#include "rtsp/protocol/response_writer.hpp"
#include "rtsp/protocol/session_header.hpp"
#include "rtsp/protocol/status.hpp"
#include "rtsp/protocol/transport.hpp"
#include "rtsp/protocol/url.hpp"
#include "rtsp/rtp/header.hpp"
#include "rtsp/rtp/jpeg_packetizer.hpp"
#include "rtsp/rtp/rtcp.hpp"
#include "rtsp/sdp/writer.hpp"
#include "rtsp/session.hpp"
#include "rtsp/version.hpp"

namespace rtsp {

/// Run-time settings; capacities are compile-time (Config).
struct server_options {
    net::address bind{};                  ///< bind address (all-zero: any, dual stack)
    std::uint16_t port = 554;             ///< RTSP TCP port (0: any free port, see port())
    std::uint16_t rtp_port = 0;           ///< UDP RTP port, RTCP is +1 (0: any free pair)
    std::uint32_t max_fps = 0;            ///< frame-rate cap; 0: as fast as the source delivers
    std::uint32_t session_timeout_s = 60; ///< reap sessions silent this long (Session: ;timeout=)
    chroma_subsampling subsampling = chroma_subsampling::s420;  ///< for images we encode
    bool allow_udp = true;                ///< offer RTP/AVP over UDP
    bool allow_tcp = true;                ///< offer RTP/AVP/TCP interleaved
    /// Accept RTSP over HTTP tunnels (a GET and a POST with one x-sessioncookie, on the RTSP
    /// port; rtsp/protocol/http_tunnel.hpp) when Config::http_tunnel compiles them in. Off: an
    /// HTTP request gets 501 like any unknown method.
    bool allow_http_tunnel = true;
    std::string_view session_name = "rtsp";  ///< SDP s= line
    std::uint16_t width = 0;              ///< expected frame size, for SDP a=x-dimensions when a
    std::uint16_t height = 0;             ///<   side exceeds 2040 before the first frame is seen
    // Authentication (PROTOCOL.md §3.7): on when username is set (every path, these
    // credentials) or when register_auth_cb() installs a per-path policy. Digest MD5 always;
    // Basic sends the password in clear text, so only with allow_basic. OPTIONS stays open.
    std::string_view realm = "rtsp";      ///< no '"', '\\' or control bytes
    std::string_view username{};          ///< static credentials for every path ("": none)
    std::string_view password{};
    bool allow_basic = false;             ///< also offer and accept Basic
    std::uint32_t nonce_lifetime_s = 300; ///< older Digest nonces get 401 with stale=true
    /// Optional memory where each frame's packets are laid out once, back to back, so that a
    /// client's share of a frame leaves in one piece (one UDP GSO send per 46 packets, one TCP
    /// write per Config::send_batch packets) instead of three pieces per packet: less kernel
    /// work per client (BENCHMARKS.md). A frame needs packets x Config::mtu bytes, about its
    /// JPEG size + 2 %; one that does not fit, or an empty span, goes out as gather lists, the
    /// same bytes. The server never allocates it. Unused by whole-packet adapters (WINC1500).
    std::span<std::byte> wire_buffer{};
    /// UDP multicast (Config::multicast): a client whose SETUP asks for `RTP/AVP;multicast`
    /// joins its path's group stream, sent once per frame however many clients watch it. The
    /// group address and the first stream's RTP port (even): the k-th group slot, one per path
    /// streamed by multicast at once, uses port + 2k (RTCP: + 1). All zero: off, and such a
    /// SETUP gets 461 (so does one with the seed's per-session source: each session has its own
    /// frames). IPv4 multicast leaves by the interface of `bind` when that names one, else by
    /// the route to the group. Needs an adapter that models MulticastSender (POSIX does).
    net::address multicast_group{};
    std::uint8_t multicast_ttl = 16;      ///< multicast packets' IP TTL / hop limit (1: this subnet only)
};

enum class log_level : std::uint8_t { error, warning, info, debug };

/// A snapshot of one session, for status displays (for_each_session).
struct session_info {
    std::uint64_t id = 0;
    std::string_view path;
    net::address peer{};        ///< client address; for UDP with the client's RTP port
    bool tcp = false;           ///< RTP interleaved on the RTSP connection
    bool http_tunnel = false;   ///< set up through an RTSP-over-HTTP tunnel (RTP in it when tcp,
                                ///< else over UDP: control tunnelled, media not)
    bool multicast = false;     ///< receives its path's multicast group stream (peer: the client)
    bool playing = false;
    std::uint64_t frames_sent = 0;
    std::uint64_t frames_dropped = 0;   ///< whole frames not delivered (slow reader, send failure)
    std::uint64_t bytes_sent = 0;
    /// The session a teardown callback is being told about: no longer counted or served,
    /// visited only from inside that callback, so it can read the final counters.
    bool ending = false;
};

namespace detail {
template <class N>
constexpr std::size_t stream_limit_of() {
    if constexpr (requires { N::stream_send_limit; }) return N::stream_send_limit;
    else return static_cast<std::size_t>(-1);
}
}  // namespace detail

template <Network N, SteadyClock C, RandomSource R, JpegEncoder E = no_encoder,
          class Config = default_config>
class basic_server {
    static_assert(Config::max_connections > 0 && Config::max_sessions > 0, "capacities must be > 0");
    static_assert(Config::mtu >= 256 && Config::mtu <= 65000, "MTU out of range");
    static_assert(Config::send_batch > 0, "send_batch must be > 0");
    static_assert(Config::max_sessions < 255 && Config::max_connections < 255, "slot ids are 8-bit");

public:
    using network_type = N;
    using config_type = Config;

    struct statistics {
        std::uint64_t frames_produced = 0;  ///< frames taken from the source and sent
        std::uint64_t frames_rejected = 0;  ///< frames the source gave that could not be sent
        std::uint64_t frames_encoded = 0;   ///< images compressed by the encoder
        errc last_frame_error{};            ///< why the last rejected frame was rejected
        std::uint64_t sessions_created = 0;
        std::uint64_t requests = 0;
    };

    explicit basic_server(server_options opts = {}, N net = N{}, C clock = C{}, R rng = R{},
                          E enc = E{})
        : opts_(opts), net_(static_cast<N&&>(net)), clock_(static_cast<C&&>(clock)),
          rng_(static_cast<R&&>(rng)), enc_(static_cast<E&&>(enc)) {}

    basic_server(const basic_server&) = delete;
    basic_server& operator=(const basic_server&) = delete;
    ~basic_server() { shutdown(); }

    // --- the seed's callbacks -----------------------------------------------------------------
    template <SessionCallback F> void register_setup_cb(F cb) { on_setup_.assign(static_cast<F&&>(cb)); }
    template <SessionCallback F> void register_play_cb(F cb) { on_play_.assign(static_cast<F&&>(cb)); }
    template <SessionCallback F> void register_pause_cb(F cb) { on_pause_.assign(static_cast<F&&>(cb)); }
    template <SessionCallback F> void register_teardown_cb(F cb) { on_teardown_.assign(static_cast<F&&>(cb)); }
    /// Optional: `bool(std::string_view path)`; false makes DESCRIBE/SETUP answer 404.
    template <class F> void register_path_check(F cb) { path_check_.assign(static_cast<F&&>(cb)); }
    /// Optional per-path credentials: `rtsp::auth_answer(std::string_view path, std::string_view
    /// user)` (rtsp/protocol/auth.hpp); user is empty for a request without credentials. Replaces
    /// options().username/password.
    template <class F> void register_auth_cb(F cb) {
        static_assert(Config::authentication, "this Config has authentication = false");
        auth_cb_.assign(static_cast<F&&>(cb));
    }
    /// Optional: `void(log_level, std::string_view line)`.
    template <class F> void register_log_cb(F cb) {
        static_assert(Config::logging, "this Config has logging = false: no log lines are built");
        log_.assign(static_cast<F&&>(cb));
    }

    /// Listens and opens the UDP ports. Idempotent; stream() and poll() call it.
    result<void> start() {
        if (started_) return {};
        // Credentials with authentication compiled out would leave every stream open.
        if (!Config::authentication && !opts_.username.empty()) return fail(errc::invalid_argument);
        if (auto r = check_multicast_options(); !r) return r;
        if (auto r = net_.listen(opts_.bind.with_port(opts_.port)); !r) return r;
        if (opts_.allow_udp || multicast_requested()) {
            if (auto r = net_.open_udp(opts_.rtp_port); !r) return r;
        }
        if (auto r = enable_multicast(); !r) return r;
        started_ = true;
        stop_requested_.store(false);
        note(log_level::info, "listening on port ", port());
        return {};
    }

    /// Sets the frame source for poll(): `cb(pathname)` (one frame per path, fanned out) or
    /// `cb(pathname, session)` (one frame per session). `quality` 1..100 for images.
    template <FrameSource F>
    void set_source(F cb, int quality = 90) {
        quality_ = quality < 1 ? 1 : (quality > 100 ? 100 : quality);
        if constexpr (PathFrameSource<F>) {
            per_session_source_ = false;
            produce_ = &basic_server::produce_path_frames;
            sync_paths_ = &basic_server::sync_paths;
            path_source_.assign(static_cast<F&&>(cb));
            session_source_.reset();
            sync_paths(clock_.now_us());  // sessions already playing get their paths' slots
        } else {
            per_session_source_ = true;
            produce_ = &basic_server::produce_session_frames;
            sync_paths_ = nullptr;
            session_source_.assign(static_cast<F&&>(cb));
            path_source_.reset();
        }
    }

    /// The seed's stream(): serves until stop(). Returns start()'s error if it fails.
    template <FrameSource F>
    result<void> stream(F&& cb, int quality = 90) {
        if (auto r = start(); !r) return r;
        // Store a reference to the caller's callback: it outlives the loop, and a reference
        // always fits the inplace storage whatever the callback captures.
        if constexpr (PathFrameSource<std::remove_reference_t<F>>)
            set_source([&cb](std::string_view p) -> frame_ref { return cb(p); }, quality);
        else
            set_source([&cb](std::string_view p, std::uint64_t id) -> frame_ref { return cb(p, id); },
                       quality);
        while (!stop_requested_.load(std::memory_order_relaxed)) {
            if (auto r = poll(); !r) break;
        }
        path_source_.reset();
        session_source_.reset();
        shutdown();
        return {};
    }

    /// One bounded step: waits at most max_wait_us for network events, serves requests, sends
    /// the frames that are due. For firmware main loops.
    result<void> poll(std::uint32_t max_wait_us = 10000) {
        if (auto r = start(); !r) return r;
        std::uint64_t now = clock_.now_us();
        std::uint32_t wait = max_wait_us;
        if (any_playing() && has_source()) {
            std::uint64_t due = next_frame_due();
            wait = due <= now ? 0 : static_cast<std::uint32_t>(
                                        (due - now) < max_wait_us ? (due - now) : max_wait_us);
        }
        net_.poll(wait);
        now = clock_.now_us();
        accept_connections(now);
        for (std::size_t i = 0; i < Config::max_connections; ++i) {
            if (!conns_[i].used) continue;
            flush_output(i, now);
            if (conns_[i].used) read_input(i, now);
        }
        drain_udp(now);
        reap(now);
        produce_frames(clock_.now_us());
        send_rtcp_reports(clock_.now_us());
        return {};
    }

    /// Asks stream() to return; safe from any thread or a signal handler.
    void stop() noexcept { stop_requested_.store(true, std::memory_order_relaxed); }
    [[nodiscard]] bool running() const noexcept {
        return started_ && !stop_requested_.load(std::memory_order_relaxed);
    }

    /// Tears down every session (teardown callbacks fire, RTCP BYE is sent) and closes all
    /// sockets. The destructor calls it; start() may be called again afterwards.
    void shutdown() {
        for (std::size_t i = 0; i < Config::max_connections; ++i)
            if (conns_[i].used) close_connection(i, "server stopping");
        if constexpr (Config::multicast) multicast_.ready = false;
        started_ = false;
    }

    /// The RTSP port actually bound (differs from the option when it was 0).
    [[nodiscard]] std::uint16_t port() const noexcept {
        if constexpr (requires(const N& n) { { n.listen_port() } -> std::convertible_to<std::uint16_t>; }) {
            if (started_) return net_.listen_port();
        }
        return opts_.port;
    }
    [[nodiscard]] std::size_t session_count() const noexcept {
        std::size_t n = 0;
        for (const auto& s : sessions_) n += s.used ? 1 : 0;
        return n;
    }
    /// Calls v(const session_info&) for each session; from inside a teardown callback also
    /// for the ending session (info.ending set).
    template <class Visitor>
    void for_each_session(Visitor&& v) const {
        for (std::size_t si = 0; si < Config::max_sessions; ++si) {
            const session& s = sessions_[si];
            const bool ending = si == ending_;
            if (!s.used && !ending) continue;
            session_info info;
            info.ending = ending;
            info.id = s.id;
            info.path = s.path.view();
            info.tcp = s.tcp;
            if constexpr (Config::http_tunnel) info.http_tunnel = conns_[s.conn].tunnel.role == tunnel_role::get;
            info.multicast = is_member(s);
            info.playing = s.state == session_state::playing;
            info.peer = s.tcp || info.multicast ? conns_[s.conn].peer : s.peer_rtp;
            info.frames_sent = s.frames_sent;
            info.frames_dropped = s.frames_dropped;
            info.bytes_sent = s.bytes_sent;
            v(info);
        }
    }
    [[nodiscard]] const statistics& stats() const noexcept { return stats_; }
    [[nodiscard]] const server_options& options() const noexcept { return opts_; }
    N& network() noexcept { return net_; }
    C& clock() noexcept { return clock_; }
    E& encoder() noexcept { return enc_; }

private:
    using request_t = protocol::request<Config::max_headers>;
    using fmt_line = detail::fixed_string<200>;
    using path_string = detail::fixed_string<Config::max_path_length>;
    // Header values the server composes (Session, RTP-Info, Content-Base): one size, so that
    // firmware carries one copy of fixed_string's code for them.
    using header_text = detail::fixed_string<Config::max_url_length + 48>;
    static constexpr std::size_t interleaved_prefix = 4;  // '$', channel, 16-bit length
    static constexpr std::size_t packet_mtu = Config::mtu - interleaved_prefix;  // fits TCP too
    static constexpr std::uint8_t no_slot = 0xFF;
    // fan_out() targets: sessions, then (multicast) group streams at max_sessions + slot.
    static constexpr std::size_t max_targets = Config::max_sessions + (Config::multicast ? Config::max_paths : 0);
    static_assert(max_targets < no_slot, "Config::max_sessions + Config::max_paths must stay below 255");
    static constexpr std::size_t sdp_buffer_size = 512;
    // An adapter that declares `static constexpr std::size_t stream_send_limit` sends each
    // stream send() whole or not at all, up to that many bytes; frames then go packet by packet.
    static constexpr bool packet_atomic_streams = requires { N::stream_send_limit; };
    static_assert(!packet_atomic_streams || Config::mtu <= detail::stream_limit_of<N>(),
                  "Config::mtu exceeds the adapter's stream_send_limit");
    static_assert(!packet_atomic_streams || Config::response_buffer_size <= detail::stream_limit_of<N>(),
                  "Config::response_buffer_size exceeds the adapter's stream_send_limit");
    // Such an adapter never takes part of a packet or response, so nothing is ever left over to
    // queue per connection: a response it cannot take yet waits in the shared resp_ instead.
    static constexpr std::size_t out_capacity = packet_atomic_streams ? 0 : Config::pending_output_size;

    // Counts frames taken from the source; only compared for equality, and nothing that holds
    // one lives for 2^32 frames (a stalled reader is dropped after send_stall_ms).
    using generation_t = std::uint32_t;

    struct tcp_cursor {  // a frame partly written to a connection, continued when it drains
        bool active = false;
        std::uint8_t session = no_slot;
        generation_t generation = 0;  // the frame: alive while it equals generation_ (live_)
        std::uint32_t timestamp = 0;
        std::uint16_t first_seq = 0;
        std::size_t next = 0;  // next packet index to send
    };

    // RTSP over HTTP (rtsp/protocol/http_tunnel.hpp): a GET connection is an RTSP connection
    // whose requests arrive through its partner POST connection, base64-decoded into its rx.
    // Sessions, responses and RTP belong to the GET; the POST only carries bytes in.
    enum class tunnel_role : std::uint8_t { none, get, post };
    struct tunnel_state {
        tunnel_role role = tunnel_role::none;
        bool spoke_rtsp = false;           // answered an RTSP request: never a tunnel half
        std::uint8_t partner = no_slot;    // the other half, when paired
        detail::fixed_string<protocol::max_tunnel_cookie> cookie;  // GET
        protocol::base64_stream_decoder decoder;                   // POST
    };
    struct no_tunnel_state {};

    struct connection {
        bool used = false;
        typename N::connection handle{};
        net::address peer{};  // kept: the close log names it after the socket is gone
        std::array<char, Config::request_buffer_size> rx{};
        std::size_t rx_len = 0;
        std::size_t skip = 0;                 // bytes of an oversized '$' frame still to discard
        std::uint64_t request_started_us = 0; // first byte of an incomplete request
        std::uint64_t last_activity_us = 0;
        std::array<std::byte, out_capacity> out{};
        std::size_t out_len = 0;
        std::uint64_t last_progress_us = 0;   // last time pending output moved
        bool close_after_flush = false;
        bool closing = false;                 // being closed: no more output
        tcp_cursor cursor;
        [[no_unique_address]] std::conditional_t<Config::http_tunnel, tunnel_state, no_tunnel_state> tunnel;
    };

    struct group_ref { std::uint8_t slot = no_slot; };
    struct no_group_ref {};
    struct session {
        bool used = false;
        std::uint64_t id = 0;
        std::uint8_t conn = no_slot;
        // Multicast: the groups_ slot whose stream it gets (nothing at all without multicast).
        [[no_unique_address]] std::conditional_t<Config::multicast, group_ref, no_group_ref> group;
        session_state state = session_state::init;
        path_string path;
        detail::fixed_string<Config::max_url_length> setup_url;
        bool tcp = false;
        net::address peer_rtp{};
        net::address peer_rtcp{};
        std::uint8_t channel_rtp = 0;
        std::uint8_t channel_rtcp = 1;
        std::uint32_t ssrc = 0;
        std::uint16_t seq = 0;
        std::uint32_t rtptime0 = 0;           // RTP timestamp announced in RTP-Info
        std::uint64_t play_us = 0;            // capture time that maps to rtptime0
        bool first_frame_pending = false;     // next frame gets exactly rtptime0
        std::uint32_t last_timestamp = 0;
        std::uint64_t last_activity_us = 0;
        std::uint64_t next_rtcp_us = 0;
        std::uint64_t next_frame_us = 0;      // per-session sources
        std::uint64_t frames_sent = 0, frames_dropped = 0, bytes_sent = 0;
        std::uint32_t packets_sent = 0, octets_sent = 0;  // RTCP SR counters (wrap by design)
    };

    struct path_slot {
        bool used = false;
        path_string path;
        std::uint64_t next_frame_us = 0;
    };

    // A frame ready to send: the packetizer holds views into the source's (or encoder's) bytes,
    // valid until the next frame is produced (generation changes).
    struct frame_job {
        rtp::jpeg_packetizer packets;
        generation_t generation;
        std::uint64_t capture_us;
    };

    // Per-batch scratch shared by all sessions: the RFC 2435 headers of up to send_batch
    // packets, and per session the RTP headers and gather lists pointing at them.
    // No initializers: fill_batch and build_headers write every field before it is read, so
    // switching the shared scratch back from SDP text costs nothing.
    struct batch_scratch {
        std::array<std::byte, rtp::max_payload_header_size + Config::send_batch * 16> hdr;
        std::array<std::span<const std::byte>, Config::send_batch> hdr_view;
        std::array<std::span<const std::byte>, Config::send_batch> scan;
        std::array<std::array<std::byte, interleaved_prefix + rtp::header_size>, Config::send_batch> rtp;
        std::array<const_buffer, Config::send_batch * 3> pieces;
        std::array<buffer_sequence, Config::send_batch> datagrams;
        std::size_t first, count;
    };

    // The frame laid out in opts_.wire_buffer: packet i at i * (lead + packet_mtu), its RTP
    // header (and for TCP its '$' prefix, lead = 4) rewritten per session before each send.
    // Whole-packet adapters send packet by packet anyway, so they carry none of this.
    static constexpr bool wire_images = !packet_atomic_streams;
    struct wire_image {
        bool valid = false;
        bool refused_logged = false;
        std::size_t lead = 0;
        generation_t generation = 0;
    };
    struct no_wire_image {};

    // --- helpers ---------------------------------------------------------------------------
    // Log lines are built only when Config::logging is on; with it off (embedded_config) no
    // message text, error string or formatting code is linked at all.
    template <class... Parts>
    void note(log_level lvl, const Parts&... parts) {
        if constexpr (Config::logging) {
            if (!log_) return;
            fmt_line line;
            (append_part(line, parts), ...);
            log_(lvl, line.view());
        }
    }
    struct hex_id { std::uint64_t value; };
    static void append_part(fmt_line& line, std::string_view text) { line.append(text); }
    static void append_part(fmt_line& line, errc e) { line.append(to_string(e)); }
    static void append_part(fmt_line& line, hex_id id) { line.append_hex(id.value, 16); }
    template <std::unsigned_integral T>
    static void append_part(fmt_line& line, T v) { line.append_uint(v); }
    static void append_part(fmt_line& line, const net::address& a) {
        if (a.is_v6()) line.append('[');
        line.grow(net::format_host(a, std::span<char>(line.tail(), line.room())));
        if (a.is_v6()) line.append(']');
        line.append(':').append_uint(a.port);
    }
    /// A reason for close_connection/end_session, which only logs it.
    static std::string_view reason(errc e) noexcept {
        if constexpr (Config::logging) return to_string(e);
        else return {};
    }
    [[nodiscard]] bool has_source() const noexcept {
        return per_session_source_ ? static_cast<bool>(session_source_) : static_cast<bool>(path_source_);
    }
    /// A multicast member: RTP reaches it through its group's stream, never directly.
    [[nodiscard]] static constexpr bool is_member(const session& s) noexcept {
        if constexpr (Config::multicast) return s.group.slot != no_slot;
        else return false;
    }
    [[nodiscard]] bool any_playing() const noexcept {
        for (const auto& s : sessions_)
            if (s.used && s.state == session_state::playing) return true;
        return false;
    }
    /// Output is waiting on this connection: a queued response or the rest of a frame.
    [[nodiscard]] bool backlogged(std::size_t ci) const noexcept {
        const connection& c = conns_[ci];
        if constexpr (out_capacity == 0) return c.cursor.active || resp_owner_ == ci;
        else return c.out_len > 0 || c.cursor.active;
    }
    [[nodiscard]] std::uint64_t frame_interval_us() const noexcept {
        return opts_.max_fps ? 1000000u / opts_.max_fps : 0;
    }
    [[nodiscard]] std::uint64_t next_frame_due() const noexcept {
        std::uint64_t due = ~std::uint64_t{0};
        if (per_session_source_) {
            for (const auto& s : sessions_)
                if (s.used && s.state == session_state::playing && !is_member(s) && s.next_frame_us < due)
                    due = s.next_frame_us;
        } else {
            for (const auto& p : paths_)
                if (p.used && p.next_frame_us < due) due = p.next_frame_us;
        }
        return due;
    }
    std::uint64_t new_session_id() {
        for (int attempt = 0; attempt < 8; ++attempt) {
            std::uint64_t id = rng_.next_u64();
            if (id == 0) continue;
            bool clash = false;
            for (const auto& s : sessions_) clash = clash || (s.used && s.id == id);
            if (!clash) return id;
        }
        return rng_.next_u64() | 1u;
    }

    // --- connections -------------------------------------------------------------------------
    void accept_connections(std::uint64_t now) {
        for (std::size_t n = 0; n < Config::max_connections + 2; ++n) {  // bounded per poll
            auto c = net_.accept();
            if (!c) return;
            std::size_t slot = Config::max_connections;
            for (std::size_t i = 0; i < Config::max_connections; ++i)
                if (!conns_[i].used) { slot = i; break; }
            if (slot == Config::max_connections) {
                // Full: tell the client why instead of leaving it hanging, then close.
                static constexpr std::string_view busy =
                    "RTSP/1.0 503 Service Unavailable\r\nCSeq: 0\r\nContent-Length: 0\r\n\r\n";
                const_buffer b{reinterpret_cast<const std::byte*>(busy.data()), busy.size()};
                (void)net_.send(*c, buffer_sequence(&b, 1));
                net_.close(*c);
                note(log_level::warning, "connection refused: connection table full (503)");
                continue;
            }
            connection& cn = conns_[slot];
            cn = connection{};
            cn.used = true;
            cn.handle = *c;
            cn.peer = net_.peer_address(*c);
            cn.last_activity_us = now;
            note(log_level::info, "connection from ", cn.peer);
        }
    }

    void close_connection(std::size_t ci, std::string_view why) {
        connection& c = conns_[ci];
        if (!c.used || c.closing) return;
        c.closing = true;
        for (std::size_t si = 0; si < Config::max_sessions; ++si)
            if (sessions_[si].used && sessions_[si].conn == ci) end_session(si, why);
        if constexpr (Config::http_tunnel) {
            // A POST may go and a new one come (QuickTime sends each request on its own POST);
            // a GET holds the tunnel's sessions, so its POST goes with it.
            const std::uint8_t pi = c.tunnel.partner;
            c.tunnel.partner = no_slot;
            if (pi != no_slot) {
                conns_[pi].tunnel.partner = no_slot;
                if (c.tunnel.role == tunnel_role::get) close_connection(pi, "its tunnel's GET connection closed");
            }
        }
        net_.close(c.handle);
        if (resp_owner_ == ci) resp_owner_ = no_slot;
        note(log_level::info, "connection closed: ", c.peer, " (", why, ")");
        c.used = false;
        c.cursor = tcp_cursor{};
    }

    /// Queues bytes for a connection behind whatever is pending; sends at once when nothing is.
    /// Returns false (and closes the connection) when the output buffer cannot hold them.
    bool queue_output(std::size_t ci, std::span<const std::byte> bytes, std::uint64_t now) {
        connection& c = conns_[ci];
        if (!c.used || c.closing) return false;
        std::size_t sent = 0;
        if (c.out_len == 0 && !c.cursor.active) {
            const_buffer b = bytes;
            auto r = net_.send(c.handle, buffer_sequence(&b, 1));
            if (r) sent = *r;
            else if (r.error() != errc::would_block) {
                close_connection(ci, reason(r.error()));
                return false;
            }
        }
        std::size_t rest = bytes.size() - sent;
        if (rest == 0) return true;
        if (rest > c.out.size() - c.out_len) {
            close_connection(ci, "output backlog full");
            return false;
        }
        for (std::size_t i = 0; i < rest; ++i) c.out[c.out_len + i] = bytes[sent + i];
        if (c.out_len == 0 && !c.cursor.active) c.last_progress_us = now;
        c.out_len += rest;
        return true;
    }

    /// Sends queued bytes, then continues a partly written frame while its data is alive.
    void flush_output(std::size_t ci, std::uint64_t now) {
        connection& c = conns_[ci];
        // What waits: a whole-packet adapter's refused response in resp_, or else the queue.
        std::span<const std::byte> pending;
        if constexpr (out_capacity == 0) {
            if (resp_owner_ == ci) pending = std::as_bytes(std::span<const char>(resp_.data(), resp_len_));
        } else {
            pending = std::span<const std::byte>(c.out.data(), c.out_len);
        }
        if (!pending.empty()) {
            const_buffer b = pending;
            auto r = net_.send(c.handle, buffer_sequence(&b, 1));
            if (!r) {
                if (r.error() != errc::would_block) close_connection(ci, reason(r.error()));
                return;
            }
            const std::size_t n = *r;
            if (n > 0) c.last_progress_us = now;
            if constexpr (out_capacity == 0) {
                resp_owner_ = no_slot;  // a whole-packet adapter took all of it
            } else {
                for (std::size_t i = n; i < c.out_len; ++i) c.out[i - n] = c.out[i];
                c.out_len -= n;
                if (c.out_len > 0) return;
            }
        }
        if (c.close_after_flush) {
            close_connection(ci, "closed after error reply");
            return;
        }
        if (c.cursor.active) {
            if (c.cursor.generation != generation_ || !live_) {
                // The frame's bytes are gone (a newer frame replaced them): the rest of that
                // frame is lost for this client; its sequence gap tells the receiver.
                c.cursor.active = false;
                return;
            }
            continue_tcp_frame(ci);
        }
    }

    void read_input(std::size_t ci, std::uint64_t now) {
        connection& c = conns_[ci];
        if constexpr (Config::http_tunnel) {
            if (c.tunnel.role == tunnel_role::get) return watch_tunnel_get(ci, now);
        }
        // One receive per poll per connection keeps the work bounded and fair.
        if (c.rx_len < c.rx.size()) {
            auto r = net_.receive(c.handle, std::as_writable_bytes(std::span<char>(
                                                c.rx.data() + c.rx_len, c.rx.size() - c.rx_len)));
            if (!r && r.error() != errc::would_block) {
                close_connection(ci, r.error() == errc::connection_closed ? "closed by peer"
                                                                          : reason(r.error()));
                return;
            }
            if (!r) {
                if (c.rx_len == 0) return;
            } else {
                if (c.rx_len == 0) c.request_started_us = now;
                c.rx_len += *r;
                c.last_activity_us = now;
            }
        }
        if constexpr (Config::http_tunnel) {
            if (c.tunnel.role == tunnel_role::post) return pump_tunnel(ci, now);
        }
        process_input(ci, now);
    }

    void consume_rx(connection& c, std::size_t n, std::uint64_t now) {
        if (n > c.rx_len) n = c.rx_len;
        for (std::size_t i = n; i < c.rx_len; ++i) c.rx[i - n] = c.rx[i];
        c.rx_len -= n;
        c.request_started_us = now;  // the next (partial) message starts its deadline now
    }

    void process_input(std::size_t ci, std::uint64_t now) {
        for (int guard = 0; guard < 64 && conns_[ci].used; ++guard) {
            connection& c = conns_[ci];
            if (c.close_after_flush) return;
            if (c.skip > 0) {
                std::size_t n = c.skip < c.rx_len ? c.skip : c.rx_len;
                consume_rx(c, n, now);
                c.skip -= n;
                if (c.skip > 0) return;
            }
            if (c.rx_len == 0) return;
            auto bytes = std::as_bytes(std::span<const char>(c.rx.data(), c.rx_len));
            if (protocol::starts_interleaved(bytes)) {
                auto h = protocol::parse_interleaved_header(bytes);
                if (!h) return;  // need_more: the 4-byte header is not complete yet
                std::size_t total = interleaved_prefix + h->length;
                if (total <= c.rx_len) {
                    on_interleaved(ci, h->channel, bytes.subspan(interleaved_prefix, h->length), now);
                    consume_rx(c, total, now);
                } else if (total > c.rx.size()) {
                    // Larger than we ever buffer: discard it as it streams in.
                    c.skip = total - c.rx_len;
                    consume_rx(c, c.rx_len, now);
                } else {
                    return;  // wait for the rest of the frame
                }
                continue;
            }
            if (resp_owner_ != no_slot) return;  // resp_ still holds an answer the adapter refused
            protocol::limits lim;
            lim.max_head_bytes = Config::max_request_head;
            lim.max_line_bytes = Config::max_request_line;
            lim.max_body_bytes = Config::max_request_body;
            const std::string_view text(c.rx.data(), c.rx_len);
            auto req = [&] {
                if constexpr (Config::http_tunnel) {
                    // A tunnel's POST declares a body that is really the request stream to come;
                    // an RTSP POST (501) keeps its body, which is not a request.
                    std::size_t at = 0;  // past the blank lines the parser skips too
                    while (at < text.size() && (text[at] == '\r' || text[at] == '\n')) ++at;
                    if (tunnels_open(c) && detail::equals(protocol::detail::slice(text, at, 5), "POST ")) {
                        auto head = protocol::parse_request_head<Config::max_headers>(text, lim);
                        if (head && is_http_get_or_post(*head)) return head;
                    }
                }
                return protocol::parse_request<Config::max_headers>(text, lim);
            }();
            if (!req) {
                if (req.error() == errc::need_more) {
                    if (c.rx_len == c.rx.size()) reject_framing(ci, errc::request_too_large, now);
                    return;
                }
                reject_framing(ci, req.error(), now);
                return;
            }
            // Back-pressure: answer only when there is room for the answer.
            if (c.out.size() - c.out_len < Config::response_buffer_size && c.out.size() >= Config::response_buffer_size)
                return;
            std::size_t consumed = req->consumed;
            stats_.requests++;
            if constexpr (Config::http_tunnel) {
                if (is_http_get_or_post(*req)) return open_tunnel(ci, *req, now);
                c.tunnel.spoke_rtsp = true;
            }
            handle_request(ci, *req, now);
            if (!conns_[ci].used) return;
            consume_rx(conns_[ci], consumed, now);
        }
    }

    /// A request we cannot even frame: answer with the right status and close, since the byte
    /// stream cannot be resynchronized.
    void reject_framing(std::size_t ci, errc e, std::uint64_t now) {
        int status = 400;
        if (e == errc::body_too_large) status = 413;
        else if (e == errc::line_too_long) {
            // 414 when the request line itself (which holds the URI) is too long; a header
            // line too long is a plain 400.
            const connection& c = conns_[ci];
            std::size_t i = 0;
            while (i < c.rx_len && (c.rx[i] == '\r' || c.rx[i] == '\n')) ++i;  // blank lines between requests
            const std::size_t start = i;
            while (i < c.rx_len && c.rx[i] != '\n') ++i;
            status = i - start > Config::max_request_line ? 414 : 400;
        }
        note(log_level::warning, "bad request: ", e);
        answer_and_close(ci, status, now);
    }

    /// For a request that cannot be answered in sequence (unframeable, or too slow): the status
    /// with "Connection: close", then the connection closes once the answer has left.
    void answer_and_close(std::size_t ci, int status, std::uint64_t now) {
        reply_state r{ci, now, std::string_view("0"), protocol::response_writer(resp_)};
        begin_reply(r, status);
        r.w.header("Connection", std::string_view("close"));
        end_reply(r);
        if (conns_[ci].used) {
            conns_[ci].close_after_flush = true;
            conns_[ci].rx_len = 0;
            flush_output(ci, now);
        }
    }

    void send_response(std::size_t ci, std::size_t n, std::uint64_t now) {
        if constexpr (Config::logging) {
            std::string_view text(resp_.data(), n);
            note(log_level::debug, protocol::detail::slice(text, 0, text.find('\r')));
        }
        const auto bytes = std::as_bytes(std::span<const char>(resp_.data(), n));
        if constexpr (out_capacity == 0) {
            // A whole-packet adapter takes the response in one send or not at all; if not now,
            // it waits in resp_, and no connection's request is answered until it has gone.
            connection& c = conns_[ci];
            if (!c.used || c.closing) return;
            const_buffer b = bytes;
            auto r = net_.send(c.handle, buffer_sequence(&b, 1));
            if (r) return;
            if (r.error() != errc::would_block) {
                close_connection(ci, reason(r.error()));
                return;
            }
            resp_owner_ = static_cast<std::uint8_t>(ci);
            resp_len_ = n;
            c.last_progress_us = now;
        } else {
            (void)queue_output(ci, bytes, now);
        }
    }

    void on_interleaved(std::size_t ci, std::uint8_t channel, std::span<const std::byte> payload,
                        std::uint64_t now) {
        // Clients send RTCP receiver reports on the odd channel: they prove the client is alive.
        for (auto& s : sessions_) {
            if (s.used && s.conn == ci && s.tcp && channel == s.channel_rtcp) {
                if (rtcp::starts_with_report(payload)) s.last_activity_us = now;
            }
        }
    }

    // --- RTSP over HTTP (rtsp/protocol/http_tunnel.hpp) ------------------------------------
    // Nothing here exists when Config::http_tunnel is false (embedded_config).
    [[nodiscard]] static bool is_tunnel_post(const connection& c) noexcept {
        if constexpr (Config::http_tunnel) return c.tunnel.role == tunnel_role::post;
        else return false;
    }
    [[nodiscard]] static std::size_t tunnel_partner(const connection& c) noexcept {
        if constexpr (Config::http_tunnel) return c.tunnel.partner;
        else return no_slot;
    }
    [[nodiscard]] bool tunnels_open(const connection& c) const noexcept {
        if constexpr (Config::http_tunnel)
            return opts_.allow_http_tunnel && c.tunnel.role == tunnel_role::none && !c.tunnel.spoke_rtsp;
        else
            return false;
    }

    /// GET or POST with an HTTP version: a tunnel half, or an HTTP client to answer in HTTP.
    /// Other methods, whatever their version, stay RTSP's business (501, 505).
    [[nodiscard]] bool is_http_get_or_post(const request_t& req) const noexcept {
        return opts_.allow_http_tunnel && detail::equals(protocol::detail::slice(req.version, 0, 5), "HTTP/") &&
               (detail::equals(req.method_token, "GET") || detail::equals(req.method_token, "POST"));
    }

    /// An HTTP request on a connection: the GET or POST half of a tunnel, or refused in HTTP.
    void open_tunnel(std::size_t ci, const request_t& req, std::uint64_t now) {
        connection& c = conns_[ci];
        const auto t = protocol::parse_tunnel_request(req);
        if (!t)
            return refuse_http(ci, 400, "this is an RTSP server; HTTP only opens RTSP-over-HTTP "
                                        "tunnels (GET or POST with an x-sessioncookie)", now);
        // One role per connection for its whole life: a GET and then a POST on one connection,
        // or a tunnel request inside a tunnel, would make a connection its own partner.
        if (!tunnels_open(c)) return refuse_http(ci, 400, "a tunnel half needs a connection of its own", now);
        const std::uint8_t get = find_tunnel(t->cookie);
        if (t->half == protocol::tunnel_half::get) {
            if (get != no_slot) return refuse_http(ci, 400, "x-sessioncookie already in use", now);
            if (req.consumed != c.rx_len) return refuse_http(ci, 400, "data after a tunnel's GET", now);
            c.tunnel.role = tunnel_role::get;
            (void)c.tunnel.cookie.assign(t->cookie);  // fits: parse_tunnel_request checked
            consume_rx(c, req.consumed, now);
            protocol::response_writer w(resp_);
            w.http_status(200);
            w.header("Server", std::string_view("rtsp/" RTSP_VERSION_STRING));
            w.header("Cache-Control", std::string_view("no-cache"));
            w.header("Pragma", std::string_view("no-cache"));
            w.header("Content-Type", std::string_view("application/x-rtsp-tunnelled"));
            note(log_level::info, "HTTP tunnel: GET from ", c.peer);
            if (auto n = w.finish(); n) send_response(ci, *n, now);
            return;
        }
        if (get == no_slot) return refuse_http(ci, 404, "no tunnel GET with this x-sessioncookie", now);
        connection& g = conns_[get];
        if (g.tunnel.partner != no_slot) close_connection(g.tunnel.partner, "replaced by a new POST");
        c.tunnel.role = tunnel_role::post;
        c.tunnel.partner = get;
        c.tunnel.decoder.reset();
        g.tunnel.partner = static_cast<std::uint8_t>(ci);
        consume_rx(c, req.consumed, now);
        note(log_level::info, "HTTP tunnel: POST from ", c.peer, " joins the GET from ", g.peer);
        pump_tunnel(ci, now);
    }

    [[nodiscard]] std::uint8_t find_tunnel(std::string_view cookie) const noexcept {
        if constexpr (Config::http_tunnel) {
            for (std::size_t i = 0; i < Config::max_connections; ++i) {
                const connection& c = conns_[i];
                if (c.used && !c.closing && c.tunnel.role == tunnel_role::get &&
                    detail::equals(c.tunnel.cookie.view(), cookie))
                    return static_cast<std::uint8_t>(i);
            }
        }
        return no_slot;
    }

    /// An HTTP answer that says what is wrong, then the connection closes.
    void refuse_http(std::size_t ci, std::uint32_t status, std::string_view why, std::uint64_t now) {
        note(log_level::warning, "HTTP request from ", conns_[ci].peer, " refused (", status, "): ", why);
        protocol::response_writer w(resp_);
        w.http_status(static_cast<int>(status));
        w.header("Server", std::string_view("rtsp/" RTSP_VERSION_STRING));
        w.header("Connection", std::string_view("close"));
        if (auto n = w.finish(why, "text/plain"); n) send_response(ci, *n, now);
        if (conns_[ci].used) {
            conns_[ci].close_after_flush = true;
            conns_[ci].rx_len = 0;
            flush_output(ci, now);
        }
    }

    /// Moves a POST's received base64 into its GET as requests, and lets the GET answer them.
    /// Stops when the GET's buffer is full: the POST's data waits (TCP flow control).
    void pump_tunnel(std::size_t pi, std::uint64_t now) {
        for (int round = 0; round < 8; ++round) {  // bounded per poll
            connection& p = conns_[pi];
            if (!p.used || p.closing || p.rx_len == 0 || p.tunnel.partner == no_slot) return;
            const std::size_t gi = p.tunnel.partner;
            connection& g = conns_[gi];
            if (g.close_after_flush) return;
            const auto step = p.tunnel.decoder.decode(
                std::string_view(p.rx.data(), p.rx_len),
                std::span<char>(g.rx.data() + g.rx_len, g.rx.size() - g.rx_len));
            if (step.error != errc{}) {
                note(log_level::warning, "HTTP tunnel from ", p.peer, ": ", step.error);
                return close_connection(gi, reason(step.error));  // the POST goes with it
            }
            if (step.produced > 0) {
                if (g.rx_len == 0) g.request_started_us = now;
                g.rx_len += step.produced;
                g.last_activity_us = now;
            }
            consume_rx(p, step.consumed, now);
            process_input(gi, now);
            if (step.consumed == 0) return;
        }
    }

    /// A tunnel's GET carries nothing in (its requests come through the POST): anything the
    /// client sends on it is a protocol error, and end of stream closes the tunnel.
    void watch_tunnel_get(std::size_t gi, std::uint64_t now) {
        std::array<std::byte, 16> junk;
        const auto r = net_.receive(conns_[gi].handle, std::span<std::byte>(junk));
        if (r && *r > 0) return close_connection(gi, "data on an HTTP tunnel's GET connection");
        if (!r && r.error() != errc::would_block)
            return close_connection(gi, r.error() == errc::connection_closed ? "closed by peer" : reason(r.error()));
        if (conns_[gi].rx_len > 0) process_input(gi, now);
    }

    // --- requests ----------------------------------------------------------------------------
    // The answer to the request being handled, written into resp_. Every answer goes through
    // begin_reply/end_reply (one copy of the CSeq/Server/finish code, not one per status).
    struct reply_state {
        std::size_t ci;
        std::uint64_t now;
        std::optional<std::string_view> cseq;
        protocol::response_writer w;
    };

    void begin_reply(reply_state& r, int status) {
        r.w.status(status);
        if (r.cseq) r.w.header("CSeq", *r.cseq);
        r.w.header("Server", std::string_view("rtsp/" RTSP_VERSION_STRING));
    }
    void end_reply(reply_state& r, std::string_view body = {}, std::string_view type = {}) {
        if (auto n = r.w.finish(body, type); n) send_response(r.ci, *n, r.now);
        else note(log_level::error, "response did not fit the response buffer");
    }
    /// An answer without further headers: most errors.
    void answer(reply_state& r, int status) {
        begin_reply(r, status);
        end_reply(r);
    }
    /// An answer that names the session (GET/SET_PARAMETER, PAUSE, SETUP's end).
    void answer_with_session(reply_state& r, int status, const session& s) {
        begin_reply(r, status);
        write_session_header(r.w, s);
        end_reply(r);
    }

    void handle_request(std::size_t ci, const request_t& req, std::uint64_t now) {
        note(log_level::debug, req.method_token, " ", req.uri);
        reply_state r{ci, now, req.header("CSeq"), protocol::response_writer(resp_)};

        if (req.verb == protocol::method::unknown) {
            begin_reply(r, 501);
            r.w.header("Public", public_methods);
            return end_reply(r);
        }
        if (!r.cseq) return answer(r, 400);  // RFC 2326 §12.17: CSeq is mandatory; answer instead of hanging the client
        if (!detail::equals(req.version, "RTSP/1.0")) return answer(r, 505);
        // Before the Session lookup: a valid Session never stands in for credentials
        // (CVE-2026-41470). OPTIONS stays open, as in live555: it reveals only the methods.
        if constexpr (Config::authentication) {
            if (req.verb != protocol::method::options) {
                if (auto verdict = check_auth(req, now); verdict != auth_verdict::pass) {
                    begin_reply(r, verdict == auth_verdict::malformed ? 400 : 401);
                    if (verdict != auth_verdict::malformed) write_challenge(r.w, verdict == auth_verdict::stale, now);
                    return end_reply(r);
                }
            }
        }
        // We support no option tags (RFC 2326 §12.32).
        auto tags = req.header("Require");
        if (!tags) tags = req.header("Proxy-Require");
        if (tags) {
            begin_reply(r, 551);
            r.w.header("Unsupported", *tags);
            return end_reply(r);
        }

        // The session named in the request, which must belong to this connection.
        std::size_t si = Config::max_sessions;
        auto sh = req.header("Session");
        if (sh) {
            auto parsed = protocol::parse_session_header(*sh);
            if (parsed) si = find_session(parsed->id, ci);
            if (si == Config::max_sessions) return answer(r, 454);
            sessions_[si].last_activity_us = now;
        }

        switch (req.verb) {
        case protocol::method::options:
            begin_reply(r, 200);
            r.w.header("Public", public_methods);
            return end_reply(r);
        case protocol::method::describe: return handle_describe(r, req);
        case protocol::method::setup: return handle_setup(r, req, si);
        case protocol::method::get_parameter:
        case protocol::method::set_parameter: {
            // Nothing is settable; an empty body is a keep-alive.
            const int status = req.verb == protocol::method::get_parameter || req.body.empty() ? 200 : 451;
            if (sh) return answer_with_session(r, status, sessions_[si]);
            return answer(r, status);
        }
        case protocol::method::announce:
        case protocol::method::record:
        case protocol::method::redirect:
            begin_reply(r, 405);
            r.w.header("Allow", public_methods);
            return end_reply(r);
        default: break;
        }

        // PLAY, PAUSE, TEARDOWN act on a session.
        if (!sh) return answer(r, 454);
        session& s = sessions_[si];
        auto url = protocol::parse_url(req.uri);
        if (!url) return answer(r, 400);
        if (!detail::equals(url->path, "*") &&
            !detail::equals(protocol::resolve_control(url->path).stream_path, s.path.view()))
            return answer(r, 459);  // an operation on another stream than the session's
        auto t = next_state(s.state, req.verb);
        if (t.status != 200) return answer(r, t.status);
        if (req.verb == protocol::method::teardown) {
            answer(r, 200);
            end_session(si, "TEARDOWN");
            return;
        }
        bool was_playing = s.state == session_state::playing;
        s.state = t.next;
        if (req.verb == protocol::method::play) {
            if (!was_playing) start_playing(s, now);
            begin_reply(r, 200);
            write_session_header(r.w, s);
            r.w.header("Range", std::string_view("npt=0.000-"));
            std::uint16_t seq = s.seq;
            std::uint32_t rtptime = s.rtptime0;
            if constexpr (Config::multicast) {
                if (is_member(s)) {  // where the group's stream is: its next packet and about now
                    const session& g = groups_[s.group.slot];
                    seq = g.seq;
                    rtptime = g.first_frame_pending ? g.rtptime0 : g.rtptime0 + ticks_90khz(now - g.play_us);
                }
            }
            header_text info;
            info.append("url=").append(s.setup_url.view()).append(";seq=").append_uint(seq);
            info.append(";rtptime=").append_uint(rtptime);
            r.w.header("RTP-Info", info.view());
            // Callbacks before end_reply(): a failed send closes the connection and tears the
            // session down, and nothing may be reported for a session after its teardown.
            if (!was_playing && on_play_) on_play_(s.path.view(), s.id);
            return end_reply(r);
        }
        // PAUSE: a frame still being written to this session stops here.
        if (s.tcp && conns_[ci].cursor.active && conns_[ci].cursor.session == si)
            conns_[ci].cursor.active = false;
        paths_changed(now);
        begin_reply(r, 200);
        write_session_header(r.w, s);
        if (was_playing && on_pause_) on_pause_(s.path.view(), s.id);
        end_reply(r);
    }

    // --- authentication ------------------------------------------------------------------
    enum class auth_verdict : std::uint8_t { pass, challenge, stale, malformed };

    [[nodiscard]] bool auth_enabled() const noexcept { return auth_cb_ || !opts_.username.empty(); }

    const protocol::auth_key& auth_key() {
        if (!auth_key_ready_) {  // drawn lazily: servers without auth use no random numbers
            auth_key_ = protocol::make_auth_key(rng_);
            auth_key_ready_ = true;
        }
        return auth_key_;
    }

    auth_answer auth_lookup(std::string_view path, std::string_view user) {
        if (auth_cb_) return auth_cb_(path, user);
        if (!user.empty() && detail::equals(user, opts_.username))
            return auth_answer::password(opts_.password);
        return auth_answer::deny();
    }

    auth_verdict check_auth(const request_t& req, std::uint64_t now) {
        if (!auth_enabled()) return auth_verdict::pass;
        std::string_view path;
        if (auto url = protocol::parse_url(req.uri)) path = protocol::resolve_control(url->path).stream_path;
        auto header = req.header("Authorization");
        if (!header) {
            return auth_lookup(path, {}).what == auth_answer::kind::open ? auth_verdict::pass
                                                                          : auth_verdict::challenge;
        }
        std::array<char, 256> scratch{};
        auto parsed = protocol::parse_authorization(*header, scratch);
        if (!parsed) {
            note(log_level::warning, "authorization refused: ", protocol::to_string(parsed.error));
            if (auth_lookup(path, {}).what == auth_answer::kind::open) return auth_verdict::pass;
            return parsed.error == protocol::auth_error::unsupported_scheme ? auth_verdict::challenge
                                                                            : auth_verdict::malformed;
        }
        const protocol::authorization& a = parsed.value;
        const auth_answer ans = auth_lookup(path, a.username);
        if (ans.what == auth_answer::kind::open) return auth_verdict::pass;
        bool ok = false;
        bool stale = false;
        if (ans.what == auth_answer::kind::password) {
            if (a.scheme == protocol::auth_scheme::basic) {
                ok = opts_.allow_basic && protocol::verify_basic(a, opts_.realm, a.username, ans.secret);
            } else if (a.realm == opts_.realm) {
                auto n = protocol::check_nonce(auth_key(), a.nonce, now / 1000000u, opts_.nonce_lifetime_s);
                if (n != protocol::nonce_status::invalid && protocol::verify_digest(a, req.method_token, ans.secret)) {
                    ok = n == protocol::nonce_status::valid;
                    stale = n == protocol::nonce_status::stale;
                }
            }
        }
        if (ok) return auth_verdict::pass;
        if (!stale) {
            note(log_level::warning, "authorization failed for user '", protocol::detail::slice(a.username, 0, 32), "'");
        }
        return stale ? auth_verdict::stale : auth_verdict::challenge;
    }

    /// realm before nonce, stale right after nonce: live555's client reads them with sscanf
    /// in exactly that order. qop="auth" lets FFmpeg use cnonce; RFC 2069 answers pass too.
    void write_challenge(protocol::response_writer& w, bool stale, std::uint64_t now) {
        const auto nonce = protocol::make_nonce(auth_key(), now / 1000000u);
        detail::fixed_string<200> v;
        v.append("Digest realm=\"").append(opts_.realm).append("\", nonce=\"").append(nonce.view()).append('"');
        if (stale) v.append(", stale=TRUE");
        v.append(", algorithm=MD5, qop=\"auth\"");
        w.header("WWW-Authenticate", v.view());
        if (opts_.allow_basic) {
            detail::fixed_string<100> b;
            b.append("Basic realm=\"").append(opts_.realm).append('"');
            w.header("WWW-Authenticate", b.view());
        }
    }

    static constexpr std::string_view public_methods =
        "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER";

    void write_session_header(protocol::response_writer& w, const session& s) {
        header_text v;
        v.append_hex(s.id, 16).append(";timeout=").append_uint(opts_.session_timeout_s);
        w.header("Session", v.view());
    }

    [[nodiscard]] std::size_t find_session(std::string_view id_text, std::size_t ci) const {
        for (std::size_t i = 0; i < Config::max_sessions; ++i) {
            const session& s = sessions_[i];
            // Bound to its connection: a Session id replayed on another connection is unknown.
            if (!s.used || s.conn != ci) continue;
            char hex[16];  // as write_session_header sent it; clients may echo it in lower case
            detail::format_hex(hex, s.id, 16);
            if (detail::iequals(id_text, std::string_view(hex, 16))) return i;
        }
        return Config::max_sessions;
    }

    bool path_allowed(std::string_view path) {
        if (path.size() > Config::max_path_length) return false;
        return !path_check_ || path_check_(path);
    }

    /// The stream a DESCRIBE or SETUP names, or an answer (400, 404, 414) and nullopt.
    std::optional<protocol::control_target> stream_target(reply_state& r, const request_t& req,
                                                          std::optional<protocol::url>& url) {
        if (auto u = protocol::parse_url(req.uri)) url = *u;
        if (!url || detail::equals(url->path, "*")) {
            answer(r, 400);
            return std::nullopt;
        }
        auto target = protocol::resolve_control(url->path);
        if (!path_allowed(target.stream_path)) {
            answer(r, 404);
            return std::nullopt;
        }
        return target;
    }

    void handle_describe(reply_state& r, const request_t& req) {
        std::optional<protocol::url> url;
        auto target = stream_target(r, req, url);
        if (!target) return;
        if (target->track) return answer(r, 404);  // DESCRIBE names the stream, not the track
        const net::address local = net_.local_address(conns_[r.ci].handle);
        sdp::description d;
        d.session_id = sdp_session_id_ ? sdp_session_id_ : (sdp_session_id_ = rng_.next_u64() >> 1);
        d.session_version = 1;
        char host[net::max_host_text];
        std::size_t hn = net::format_host(local, std::span<char>(host));
        d.origin_address = std::string_view(host, hn);
        d.ipv6 = local.is_v6();
        d.session_name = opts_.session_name;
        d.framerate = opts_.max_fps;
        auto dims = known_dimensions(target->stream_path);
        d.width = dims.first;
        d.height = dims.second;
        d.media_control = "track1";
        batch_live_ = false;
        auto* sdp_text = ::new (static_cast<void*>(&scratch_.sdp)) std::array<char, sdp_buffer_size>;
        auto n = sdp::write(d, std::span<char>(*sdp_text));
        if (!n) return answer(r, 500);
        begin_reply(r, 200);
        // Content-Base with a trailing slash: clients resolve "track1" against it (live555,
        // FFmpeg) and must land on <path>/track1.
        header_text base;
        if (url->host.empty()) {
            base.append("rtsp://");
            if (local.is_v6()) base.append('[');
            base.append(std::string_view(host, hn));
            if (local.is_v6()) base.append(']');
            base.append(':').append_uint(local.port).append(url->path);
        } else {
            base.append(protocol::detail::slice(req.uri, 0, req.uri.find_first_of("?#")));
        }
        if (base.view().empty() || base.view().back() != '/') base.append('/');
        r.w.header("Content-Base", base.view());
        end_reply(r, std::string_view(sdp_text->data(), *n), "application/sdp");
    }

    [[nodiscard]] std::pair<std::uint16_t, std::uint16_t> known_dimensions(std::string_view path) const {
        for (const auto& d : dims_)
            if (d.used && detail::equals(d.path.view(), path)) return {d.width, d.height};
        return {opts_.width, opts_.height};
    }
    void remember_dimensions(std::string_view path, std::uint16_t w, std::uint16_t h) {
        dims_entry* free_slot = nullptr;
        for (auto& d : dims_) {
            if (d.used && detail::equals(d.path.view(), path)) { d.width = w; d.height = h; return; }
            if (!d.used && !free_slot) free_slot = &d;
        }
        if (!free_slot) free_slot = &dims_[0];
        free_slot->used = true;
        free_slot->path.assign(path);
        free_slot->width = w;
        free_slot->height = h;
    }

    void handle_setup(reply_state& r, const request_t& req, std::size_t si) {
        const std::size_t ci = r.ci;
        std::optional<protocol::url> url;
        auto target = stream_target(r, req, url);
        if (!target) return;
        if (req.uri.size() > Config::max_url_length) return answer(r, 414);
        auto th = req.header("Transport");
        if (!th) return answer(r, 461);
        auto spec = protocol::select_transport<Config::multicast>(*th, opts_.allow_udp, opts_.allow_tcp,
                                                                  multicast_on() && !per_session_source_);
        if (!spec) return answer(r, spec.error() == errc::unsupported_transport ? 461 : 400);
        const net::address peer = conns_[ci].peer;
        if (spec->lower == protocol::lower_transport::udp && !(Config::multicast && spec->multicast) &&
            !spec->destination.empty()) {
            // RTP goes only to the peer that asked for it: a destination naming another host
            // would turn the server into a traffic reflector.
            char host[net::max_host_text];
            std::size_t hn = net::format_host(peer, std::span<char>(host));
            if (!detail::equals(spec->destination, std::string_view(host, hn))) return answer(r, 461);
        }
        bool created = false;
        if (si == Config::max_sessions) {
            std::size_t owned = 0;
            for (const auto& s : sessions_) owned += (s.used && s.conn == ci) ? 1 : 0;
            if (owned >= Config::max_sessions_per_connection)
                return answer(r, 453);  // Not Enough Bandwidth: this connection has its share
            for (std::size_t i = 0; i < Config::max_sessions; ++i)
                if (!sessions_[i].used) { si = i; break; }
            if (si == Config::max_sessions) {
                begin_reply(r, 503);
                r.w.header("Retry-After", std::uint64_t{5});
                return end_reply(r);
            }
            created = true;
        } else {
            session& s = sessions_[si];
            if (!detail::equals(s.path.view(), target->stream_path)) return answer(r, 459);  // one stream per session
            auto t = next_state(s.state, protocol::method::setup);
            if (t.status != 200) return answer(r, t.status);
        }
        std::uint8_t group = no_slot;
        if constexpr (Config::multicast) {
            if (spec->multicast) {
                group = group_for(target->stream_path);
                if (group == no_slot) {
                    note(log_level::warning, "no multicast group free for ", target->stream_path,
                         ": raise Config::max_paths");
                    return answer(r, 461);  // the client may retry unicast
                }
            }
        }
        session& s = sessions_[si];
        if (created) {
            s = session{};
            s.used = true;
            s.id = new_session_id();
            s.conn = static_cast<std::uint8_t>(ci);
            s.path.assign(target->stream_path);
            std::uint64_t bits = rng_.next_u64();
            s.ssrc = static_cast<std::uint32_t>(bits);
            s.seq = static_cast<std::uint16_t>(bits >> 32);
            s.rtptime0 = static_cast<std::uint32_t>(rng_.next_u64());
            stats_.sessions_created++;
        }
        s.state = session_state::ready;
        s.setup_url.assign(req.uri);
        s.last_activity_us = r.now;
        s.tcp = spec->lower == protocol::lower_transport::tcp;
        if constexpr (Config::multicast) s.group.slot = group;
        if (is_member(s)) {
            s.peer_rtp = s.peer_rtcp = net::address{};  // nothing is sent to it directly
        } else if (s.tcp) {
            if (!spec->has_interleaved) {
                // Pick the lowest free channel pair on this connection.
                std::uint8_t ch = 0;
                for (bool clash = true; clash && ch < 254;) {
                    clash = false;
                    for (const auto& o : sessions_)
                        if (&o != &s && o.used && o.conn == ci && o.tcp && o.channel_rtp == ch) clash = true;
                    if (clash) ch = static_cast<std::uint8_t>(ch + 2);
                }
                spec->interleaved_rtp = ch;
                spec->interleaved_rtcp = static_cast<std::uint8_t>(ch + 1);
                spec->has_interleaved = true;
            }
            s.channel_rtp = spec->interleaved_rtp;
            s.channel_rtcp = spec->interleaved_rtcp;
        } else {
            s.peer_rtp = peer.with_port(spec->client_rtp_port);
            s.peer_rtcp = peer.with_port(spec->client_rtcp_port);
        }
        char tbuf[160];
        auto tn = [&] {
            if constexpr (Config::multicast) {
                if (is_member(s)) {  // the group's address, ports and SSRC, not the client's
                    const session& g = groups_[s.group.slot];
                    return protocol::write_multicast_transport_reply(g.peer_rtp, opts_.multicast_ttl, g.ssrc,
                                                                     std::span<char>(tbuf));
                }
            }
            return protocol::write_transport_reply(*spec, net_.udp_port(udp_socket::rtp),
                                                   net_.udp_port(udp_socket::rtcp), s.ssrc, std::span<char>(tbuf));
        }();
        if constexpr (Config::multicast) sync_groups(r.now);  // a session that switched transports may have left a group
        begin_reply(r, 200);
        if (tn) r.w.header("Transport", std::string_view(tbuf, *tn));
        write_session_header(r.w, s);
        if (created && on_setup_) on_setup_(s.path.view(), s.id);  // before a teardown end_reply() may cause
        end_reply(r);
    }

    void start_playing(session& s, std::uint64_t now) {
        s.first_frame_pending = !is_member(s);  // a member's group keeps the time (sync_groups)
        s.next_rtcp_us = now + 100000;  // an early SR lets clients map time quickly
        s.next_frame_us = now;          // a frame at once: time to first frame is what users see
        paths_changed(now);
    }

    void paths_changed(std::uint64_t now) {
        if constexpr (Config::multicast) sync_groups(now);
        if (sync_paths_) (this->*sync_paths_)(now);
    }

    // Path sources only: set_source() installs it in sync_paths_, so a program with a
    // per-session source (the seed's) links none of it. One slot per path someone plays, due at
    // once when a session on it has just started playing.
    void sync_paths(std::uint64_t now) {
        for (auto& p : paths_) {
            if (!p.used) continue;
            bool needed = false;
            for (const auto& s : sessions_)
                needed = needed || (s.used && s.state == session_state::playing &&
                                    detail::equals(s.path.view(), p.path.view()));
            if (!needed) p.used = false;
        }
        for (const auto& s : sessions_) {
            if (!s.used || s.state != session_state::playing) continue;
            path_slot* slot = nullptr;
            path_slot* free_slot = nullptr;
            for (auto& p : paths_) {
                if (p.used && detail::equals(p.path.view(), s.path.view())) slot = &p;
                else if (!p.used && !free_slot) free_slot = &p;
            }
            if (!slot && free_slot) {
                slot = free_slot;
                slot->used = true;
                slot->path.assign(s.path.view());
                slot->next_frame_us = now;
            }
            if (!slot) note(log_level::warning, "too many distinct paths playing: raise Config::max_paths");
            else if (s.first_frame_pending && newest_frame_is(s.path.view())) joiners_ = true;
            else if (s.first_frame_pending) slot->next_frame_us = now;
        }
        if constexpr (Config::multicast) {
            // A group stream that just started is a joiner too (its members are playing
            // sessions, so their path has a slot by now).
            for (const auto& g : groups_) {
                if (!g.used || g.state != session_state::playing || !g.first_frame_pending) continue;
                if (newest_frame_is(g.path.view())) joiners_ = true;
                else
                    for (auto& p : paths_)
                        if (p.used && detail::equals(p.path.view(), g.path.view())) p.next_frame_us = now;
            }
        }
    }

    void end_session(std::size_t si, std::string_view why) {
        session& s = sessions_[si];
        if (!s.used) return;
        s.used = false;  // first, so that nothing below can end it twice
        if (s.state == session_state::playing && !is_member(s)) send_bye(s);  // a group says BYE when it ends
        // Forget a frame this session was receiving over TCP.
        if (s.conn < Config::max_connections) {
            auto& cur = conns_[s.conn].cursor;
            if (cur.active && cur.session == si) cur.active = false;
        }
        note(log_level::info, "session ", hex_id{s.id}, " ended (", why, ")");
        path_string path = s.path;
        std::uint64_t id = s.id;
        s.state = session_state::init;
        paths_changed(clock_.now_us());
        if (on_teardown_) {
            const std::uint8_t outer = ending_;  // a callback may end another session
            ending_ = static_cast<std::uint8_t>(si);
            on_teardown_(path.view(), id);
            ending_ = outer;
        }
    }

    // --- multicast (Config::multicast) ------------------------------------------------------
    [[nodiscard]] bool multicast_requested() const noexcept {
        const net::address& g = opts_.multicast_group;
        bool set = g.port != 0;
        if constexpr (Config::multicast)  // else the port alone, to refuse in little code
            for (auto b : g.bytes) set = set || b != 0;
        return set;
    }
    [[nodiscard]] bool multicast_on() const noexcept {
        if constexpr (Config::multicast) return multicast_.ready;
        else return false;
    }

    /// start(): a multicast group that cannot work is refused with a message naming why.
    result<void> check_multicast_options() {
        if (!multicast_requested()) return {};
        if constexpr (!Config::multicast) {
            note(log_level::error, "multicast_group is set but Config::multicast is off");
            return fail(errc::invalid_argument);
        } else {
            const net::address& g = opts_.multicast_group;
            if (!g.is_multicast()) {
                note(log_level::error, "multicast_group ", g,
                     " is not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)");
                return fail(errc::invalid_argument);
            }
            if (g.port == 0 || g.port % 2 != 0 || g.port + 2 * Config::max_paths > 65536) {
                note(log_level::error, "multicast_group needs an even port from 2 to ",
                     65536 - 2 * Config::max_paths, " (its RTCP port is the next one)");
                return fail(errc::invalid_argument);
            }
            if constexpr (!MulticastSender<N>) {
                note(log_level::error, "multicast_group is set but this network adapter cannot send multicast");
                return fail(errc::invalid_argument);
            }
            return {};
        }
    }

    /// start(), after open_udp(): hands the TTL and interface to the adapter.
    result<void> enable_multicast() {
        if constexpr (Config::multicast && MulticastSender<N>) {
            if (!multicast_requested()) return {};
            if (auto r = net_.enable_multicast(opts_.multicast_ttl, opts_.bind); !r) {
                note(log_level::error, "multicast could not be enabled: ", r.error());
                return r;
            }
            multicast_.ready = true;
            note(log_level::info, "multicast to group ", opts_.multicast_group, ", ttl ",
                 std::uint32_t{opts_.multicast_ttl});
        }
        return {};
    }

    /// Fan-out target i: a session, or (i >= max_sessions) a multicast group's stream.
    session& target(std::uint8_t i) noexcept {
        if constexpr (Config::multicast)
            if (i >= Config::max_sessions) return groups_[i - Config::max_sessions];
        return sessions_[i];
    }

    /// The group slot streaming `path` by multicast, set up (stream ready, not yet sending)
    /// when there is none; no_slot when every slot is taken.
    std::uint8_t group_for(std::string_view path) {
        std::size_t free_slot = groups_.size();
        for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
            if (groups_[gi].used && detail::equals(groups_[gi].path.view(), path)) return static_cast<std::uint8_t>(gi);
            if (!groups_[gi].used && free_slot == groups_.size()) free_slot = gi;
        }
        if (free_slot == groups_.size()) return no_slot;
        session& g = groups_[free_slot];
        g = session{};
        g.used = true;
        g.path.assign(path);
        const std::uint64_t bits = rng_.next_u64();
        g.ssrc = static_cast<std::uint32_t>(bits);
        g.seq = static_cast<std::uint16_t>(bits >> 32);
        g.rtptime0 = static_cast<std::uint32_t>(rng_.next_u64());
        const auto port = static_cast<std::uint16_t>(opts_.multicast_group.port + 2 * free_slot);
        g.peer_rtp = opts_.multicast_group.with_port(port);
        g.peer_rtcp = opts_.multicast_group.with_port(static_cast<std::uint16_t>(port + 1));
        g.state = session_state::ready;
        note(log_level::info, "multicast stream for ", path, " on ", g.peer_rtp);
        return static_cast<std::uint8_t>(free_slot);
    }

    /// Groups follow their members: sending while any member plays, paused when none does,
    /// ended (RTCP BYE) when the last member is gone. Members keep no time of their own.
    void sync_groups(std::uint64_t now) {
        for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
            session& g = groups_[gi];
            if (!g.used) continue;
            bool members = false, playing = false;
            for (const auto& s : sessions_) {
                if (!s.used || s.group.slot != gi) continue;
                members = true;
                playing = playing || s.state == session_state::playing;
            }
            if (!members) {
                g.used = false;
                if (g.state == session_state::playing) send_bye(g);
                note(log_level::info, "multicast stream for ", g.path.view(), " ended");
            } else if (playing && g.state != session_state::playing) {
                g.state = session_state::playing;
                g.first_frame_pending = true;
                g.next_rtcp_us = now + 100000;
            } else if (!playing && g.state == session_state::playing) {
                g.state = session_state::ready;
            }
        }
    }

    // --- liveness ----------------------------------------------------------------------------
    void drain_udp(std::uint64_t now) {
        if (!opts_.allow_udp && !multicast_on()) return;
        std::array<std::byte, 512> buf{};
        for (std::size_t n = 0; n < Config::max_rtcp_datagrams_per_poll; ++n) {
            auto d = net_.receive_datagram(udp_socket::rtcp, std::span<std::byte>(buf));
            if (!d) break;
            if (!rtcp::starts_with_report(std::span<const std::byte>(buf.data(), d->size)))
                continue;  // not RTCP from a receiver: ignore, never fail
            for (auto& s : sessions_) {
                if (s.used && !s.tcp && !is_member(s) && s.peer_rtcp.same_host(d->from) &&
                    (s.peer_rtcp.port == d->from.port || s.peer_rtp.port == d->from.port)) {
                    s.last_activity_us = now;
                }
            }
        }
        // FFmpeg "punches" the RTP port: read and drop so the socket never fills.
        for (std::size_t n = 0; n < Config::max_rtcp_datagrams_per_poll; ++n)
            if (!net_.receive_datagram(udp_socket::rtp, std::span<std::byte>(buf))) break;
    }

    void reap(std::uint64_t now) {
        const std::uint64_t timeout = std::uint64_t{opts_.session_timeout_s} * 1000000u;
        for (std::size_t si = 0; si < Config::max_sessions; ++si) {
            session& s = sessions_[si];
            if (s.used && now > s.last_activity_us + timeout) end_session(si, "timeout");
        }
        for (std::size_t ci = 0; ci < Config::max_connections; ++ci) {
            connection& c = conns_[ci];
            if (!c.used) continue;
            // Not for a tunnel's POST (its base64 waits only while its GET's buffer is full, and
            // the GET's own deadline covers the request), nor for a connection already closing
            // after an error answer (what it sent since is ignored, not answered again).
            if (c.rx_len > 0 && now > c.request_started_us + Config::request_deadline_ms * 1000ull &&
                resp_owner_ == no_slot && !is_tunnel_post(c) && !c.close_after_flush) {
                // Slowloris: a request that never completes gets 408 and the connection closes.
                answer_and_close(ci, 408, now);
                continue;
            }
            bool pending = backlogged(ci);
            if (pending && now > c.last_progress_us + Config::send_stall_ms * 1000ull) {
                close_connection(ci, "client stopped reading");
                continue;
            }
            // A tunnel's POST lives while its GET has sessions, even when it is quiet.
            const std::size_t owner = is_tunnel_post(c) ? tunnel_partner(c) : ci;
            bool owns = false;
            for (const auto& s : sessions_) owns = owns || (s.used && s.conn == owner);
            if (!owns && now > c.last_activity_us + Config::idle_connection_ms * 1000ull)
                close_connection(ci, "idle");
        }
    }

    // --- frames ------------------------------------------------------------------------------
    // Through a member pointer that set_source() chooses, so that a program links only the
    // loop for the kind of source it uses (firmware: the seed's per-session callback).
    void produce_frames(std::uint64_t now) {
        if (has_source()) (this->*produce_)(now);
    }

    void produce_session_frames(std::uint64_t now) {
        for (std::size_t si = 0; si < Config::max_sessions; ++si) {
            session& s = sessions_[si];
            if (!s.used || s.state != session_state::playing || is_member(s) || now < s.next_frame_us) continue;
            frame_ref fr = session_source_(s.path.view(), s.id);
            ++generation_;  // the callback's previous answer is void now, even if this is no frame
            s.next_frame_us = advance(s.next_frame_us, now);
            if (fr.empty()) continue;
            if (!prepare(fr, s.path.view(), now)) continue;
            std::array<std::uint8_t, 1> one{static_cast<std::uint8_t>(si)};
            fan_out(std::span<const std::uint8_t>(one));
        }
    }

    /// True when the newest frame is alive and is `path`'s.
    [[nodiscard]] bool newest_frame_is(std::string_view path) const noexcept {
        return live_ && live_->generation == generation_ && live_path_ < Config::max_paths &&
               paths_[live_path_].used && detail::equals(paths_[live_path_].path.view(), path);
    }

    void produce_path_frames(std::uint64_t now) {
        // Sessions that just joined a path already streaming get its newest frame at once, each
        // alone; the path keeps its pace. (Producing a new frame for everyone at every PLAY
        // would send 32 joining clients 32 extra frames each, above max_fps.)
        if (joiners_) {
            joiners_ = false;
            for (std::size_t si = 0; si < Config::max_sessions; ++si) {
                const session& s = sessions_[si];
                if (s.used && s.state == session_state::playing && s.first_frame_pending &&
                    newest_frame_is(s.path.view())) {
                    const auto one = static_cast<std::uint8_t>(si);
                    fan_out(std::span<const std::uint8_t>(&one, 1));
                }
            }
            if constexpr (Config::multicast) {
                for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
                    const session& g = groups_[gi];
                    if (g.used && g.state == session_state::playing && g.first_frame_pending &&
                        newest_frame_is(g.path.view())) {
                        const auto one = static_cast<std::uint8_t>(Config::max_sessions + gi);
                        fan_out(std::span<const std::uint8_t>(&one, 1));
                    }
                }
            }
        }
        for (std::size_t pi = 0; pi < Config::max_paths; ++pi) {
            path_slot& p = paths_[pi];
            if (!p.used || now < p.next_frame_us) continue;
            std::array<std::uint8_t, max_targets> targets{};
            std::size_t n = 0;
            for (std::size_t si = 0; si < Config::max_sessions; ++si) {
                const session& s = sessions_[si];
                if (s.used && s.state == session_state::playing && !is_member(s) &&
                    detail::equals(s.path.view(), p.path.view()))
                    targets[n++] = static_cast<std::uint8_t>(si);
            }
            if constexpr (Config::multicast) {
                for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
                    const session& g = groups_[gi];
                    if (g.used && g.state == session_state::playing && detail::equals(g.path.view(), p.path.view()))
                        targets[n++] = static_cast<std::uint8_t>(Config::max_sessions + gi);
                }
            }
            if (n == 0) {
                p.used = false;  // nobody plays this path any more
                continue;
            }
            frame_ref fr = path_source_(p.path.view());
            ++generation_;  // the callback's previous answer is void now, even if this is no frame
            p.next_frame_us = advance(p.next_frame_us, now);
            if (fr.empty()) continue;
            if (!prepare(fr, p.path.view(), now)) continue;
            live_path_ = static_cast<std::uint8_t>(pi);
            // Sessions that just started playing get the whole frame one after another, before
            // the others: their time to the first complete frame is what users see. fan_out()
            // goes batch by batch across its sessions, so 32 clients joining at once at 1080p
            // would otherwise all complete only at the end of the fan-out (~6 ms); this way
            // they complete one by one. The others share one batch-by-batch fan-out.
            std::size_t rest = 0;
            for (std::size_t k = 0; k < n; ++k) {
                if (target(targets[k]).first_frame_pending) fan_out(std::span<const std::uint8_t>(&targets[k], 1));
                else targets[rest++] = targets[k];
            }
            fan_out(std::span<const std::uint8_t>(targets.data(), rest));
        }
    }

    [[nodiscard]] std::uint64_t advance(std::uint64_t due, std::uint64_t now) const noexcept {
        std::uint64_t iv = frame_interval_us();
        if (iv == 0) return now;
        due += iv;
        // Late by more than a frame (slow source, busy machine): resynchronize instead of
        // bursting to catch up.
        return due + iv < now ? now + iv : due;
    }

    /// Encodes (if needed), validates and packetizes one frame from the source into live_;
    /// false (counted and logged by reject()) when the frame cannot be sent.
    bool prepare(const frame_ref& fr, std::string_view path, std::uint64_t now) {
        // The caller counted the source's call (generation_): whatever the source or the encoder
        // handed out before is invalid from here on, and live_ below is this frame.
        std::span<const std::byte> bytes;
        if (fr.type() == frame_ref::kind::image) {
            auto enc = enc_.encode(fr.image(), quality_, opts_.subsampling);
            if (!enc) return reject(enc.error());
            stats_.frames_encoded++;
            bytes = *enc;
        } else {
            bytes = fr.jpeg().bytes;
        }
        auto parsed = jpeg::parse(bytes);
        if (!parsed) return reject(parsed.error());
        rtp::jpeg_packetizer_options po;
        po.mtu = packet_mtu;
        auto pk = rtp::jpeg_packetizer::create(*parsed, po);
        if (!pk) return reject(pk.error());
        remember_dimensions(path, parsed->width, parsed->height);
        live_ = frame_job{*pk, generation_, now};
        stats_.frames_produced++;
        return true;
    }

    bool reject(errc e) {
        stats_.frames_rejected++;
        if (e != stats_.last_frame_error || stats_.frames_rejected == 1) {
            note(log_level::warning, "frame not sent: ", e);
        }
        stats_.last_frame_error = e;
        return false;
    }

    /// Microseconds to 90 kHz RTP ticks (mod 2^32, as RTP timestamps wrap).
    static std::uint32_t ticks_90khz(std::uint64_t us) noexcept {
        return static_cast<std::uint32_t>(detail::divmod(us * 9u, 100u).quot);
    }

    std::uint32_t timestamp_for(session& s, std::uint64_t capture_us) {
        if (s.first_frame_pending) {
            // The first frame after PLAY carries exactly the RTP-Info rtptime.
            s.first_frame_pending = false;
            s.play_us = capture_us;
        }
        return s.rtptime0 + ticks_90khz(capture_us - s.play_us);
    }

    /// Sends the newest frame (live_) to `targets`. Only the newest frame is ever sent: the
    /// source's bytes of any older one are void (see prepare()), and image_packet() and the TCP
    /// cursors check generations against it.
    void fan_out(std::span<const std::uint8_t> targets) {
        if (!live_) return;
        const frame_job& job = *live_;
        const std::size_t count = job.packets.packet_count();
        // Decide per session whether it takes this frame at all.
        std::array<std::uint8_t, max_targets> active{};
        std::array<std::uint16_t, max_targets> seq0{};
        std::array<std::uint32_t, max_targets> ts{};
        // Multicast: a group's bytes before this frame, to credit its members with the frame.
        [[maybe_unused]] std::array<std::uint64_t, Config::multicast ? max_targets : 0> bytes0{};
        std::size_t n_active = 0;
        for (std::uint8_t si : targets) {
            session& s = target(si);
            if (!s.used) continue;
            if (s.tcp) {
                connection& c = conns_[s.conn];
                // A cursor into an older frame is dead now: the source has replaced its bytes.
                if (c.cursor.active && c.cursor.generation != job.generation) c.cursor.active = false;
                if (backlogged(s.conn)) {  // still busy with an older frame or a response
                    s.frames_dropped++;
                    continue;
                }
            }
            ts[n_active] = timestamp_for(s, job.capture_us);
            seq0[n_active] = s.seq;
            s.seq = static_cast<std::uint16_t>(s.seq + count);  // reserve: a gap shows loss
            s.last_timestamp = ts[n_active];
            if constexpr (Config::multicast) bytes0[n_active] = s.bytes_sent;
            active[n_active++] = si;
        }
        // One layout serves every session of this call: for UDP when any is UDP (TCP sessions
        // then gather), else with room for the '$' prefixes.
        bool any_udp = false;
        for (std::size_t k = 0; k < n_active; ++k) any_udp = any_udp || !target(active[k]).tcp;
        if (n_active > 0) (void)lay_out_image(job.packets, job.generation, any_udp ? 0 : interleaved_prefix);
        std::array<bool, max_targets> failed{};
        for (std::size_t first = 0; first < count && n_active > 0; first += Config::send_batch) {
            fill_batch(job.packets, first);
            for (std::size_t k = 0; k < n_active; ++k) {
                if (failed[k]) continue;
                session& s = target(active[k]);
                if (!s.used) { failed[k] = true; continue; }
                bool ok = s.tcp ? send_tcp_batch(s, active[k], job, seq0[k], ts[k])
                                : send_udp_batch(s, seq0[k], ts[k], count);
                if (!ok) failed[k] = true;
            }
        }
        for (std::size_t k = 0; k < n_active; ++k) {
            session& s = target(active[k]);
            if (!s.used) continue;
            // A TCP frame still being written from the cursor counts as sent.
            bool delivering = !failed[k] || (s.tcp && conns_[s.conn].cursor.active);
            if (delivering) s.frames_sent++;
            else s.frames_dropped++;
            if constexpr (Config::multicast) {
                // A group's frame (and its bytes) counts for each member playing it.
                if (active[k] >= Config::max_sessions) {
                    const auto gi = static_cast<std::uint8_t>(active[k] - Config::max_sessions);
                    for (auto& m : sessions_) {
                        if (!m.used || m.group.slot != gi || m.state != session_state::playing) continue;
                        if (delivering) m.frames_sent++;
                        else m.frames_dropped++;
                        m.bytes_sent += s.bytes_sent - bytes0[k];
                    }
                }
            }
        }
    }

    /// Lays out `pk` in the wire buffer (once per frame and lead); false if there is none or
    /// the frame does not fit, and the frame goes out as gather lists.
    bool lay_out_image(const rtp::jpeg_packetizer& pk, generation_t generation, std::size_t lead) {
        if constexpr (!wire_images) {
            return false;
        } else {
            wire_image& im = image_;
            if (im.valid && im.generation == generation && im.lead == lead) return true;
            im.valid = false;
            const std::span<std::byte> buf = opts_.wire_buffer;
            const std::size_t stride = lead + packet_mtu;
            const std::size_t count = pk.packet_count();
            if (buf.empty()) return false;
            if (count > buf.size() / stride) {
                if (!im.refused_logged) {
                    im.refused_logged = true;
                    note(log_level::info, "a frame of ", count * stride,
                         " bytes does not fit server_options::wire_buffer; sending it as gather lists");
                }
                return false;
            }
            for (std::size_t i = 0; i < count; ++i) {
                std::byte* at = buf.data() + i * stride + lead + rtp::header_size;
                std::array<std::byte, rtp::max_payload_header_size> tmp;
                auto p = pk.get(i, std::span<std::byte, rtp::max_payload_header_size>(tmp));
                std::memcpy(at, tmp.data(), p.header_size);
                if (!p.scan.empty()) std::memcpy(at + p.header_size, p.scan.data(), p.scan.size());
            }
            im.valid = true;
            im.generation = generation;
            im.lead = lead;
            return true;
        }
    }

    /// Packet `index` in the wire image, when it holds the newest frame (every batch is of
    /// live_, and a frame is only sent while it is the newest) laid out for this transport;
    /// nullptr otherwise.
    std::byte* image_packet(std::size_t index, bool tcp) {
        if constexpr (!wire_images) {
            (void)index; (void)tcp;
            return nullptr;
        } else {
            const std::size_t lead = tcp ? interleaved_prefix : 0;
            if (!image_.valid || image_.generation != generation_ || image_.lead != lead)
                return nullptr;
            return opts_.wire_buffer.data() + index * (lead + packet_mtu);
        }
    }

    void fill_batch(const rtp::jpeg_packetizer& pk, std::size_t first) {
        if (!batch_live_) {  // a DESCRIBE used the storage for its SDP
            ::new (static_cast<void*>(&scratch_.batch)) batch_scratch;
            batch_live_ = true;
        }
        batch_scratch& b = scratch_.batch;
        const std::size_t count = pk.packet_count();
        b.first = first;
        b.count = count - first < Config::send_batch ? count - first : Config::send_batch;
        std::size_t off = 0;
        for (std::size_t i = 0; i < b.count; ++i) {
            // get() needs room for the largest header (272 B); only the first packet's is that
            // big. Copying the few bytes out keeps hdr at 272 + 16 B per packet, which matters
            // on firmware, instead of reserving 272 B for every slot.
            std::array<std::byte, rtp::max_payload_header_size> tmp;
            auto p = pk.get(first + i, std::span<std::byte, rtp::max_payload_header_size>(tmp));
            for (std::size_t j = 0; j < p.header_size; ++j) b.hdr[off + j] = tmp[j];
            b.hdr_view[i] = std::span<const std::byte>(b.hdr.data() + off, p.header_size);
            b.scan[i] = p.scan;
            off += p.header_size;
        }
    }

    /// Writes RTP headers (and, for TCP, the '$' prefix) for the batch into the scratch.
    void build_headers(const session& s, std::uint16_t seq0, std::uint32_t ts, std::size_t total,
                       bool tcp) {
        batch_scratch& b = scratch_.batch;
        for (std::size_t i = 0; i < b.count; ++i) {
            std::size_t index = b.first + i;
            rtp::header h;
            h.marker = index + 1 == total;
            h.sequence = static_cast<std::uint16_t>(seq0 + index);
            h.timestamp = ts;
            h.ssrc = s.ssrc;
            const std::size_t size = rtp::header_size + b.hdr_view[i].size() + b.scan[i].size();
            // The RTP header goes into the laid-out frame when there is one (the whole packet
            // is then one piece), else into the batch scratch before the two gathered pieces.
            // Either way the '$' prefix, for TCP, sits in the 4 bytes before it.
            std::byte* const laid_out = image_packet(index, tcp);
            std::byte* const rtp_at = laid_out ? laid_out + (tcp ? interleaved_prefix : 0)
                                               : b.rtp[i].data() + interleaved_prefix;
            rtp::write(h, std::span<std::byte, rtp::header_size>(rtp_at, rtp::header_size));
            std::byte* const start = tcp ? rtp_at - interleaved_prefix : rtp_at;
            if (tcp)
                protocol::write_interleaved_header(s.channel_rtp, static_cast<std::uint16_t>(size),
                                                   std::span<std::byte, 4>(start, 4));
            if (laid_out) {
                b.pieces[3 * i] = std::span<const std::byte>(start, rtp_at + size);
                b.pieces[3 * i + 1] = {};
                b.pieces[3 * i + 2] = {};
            } else {
                b.pieces[3 * i] = std::span<const std::byte>(start, rtp_at + rtp::header_size);
                b.pieces[3 * i + 1] = b.hdr_view[i];
                b.pieces[3 * i + 2] = b.scan[i];
            }
            b.datagrams[i] = buffer_sequence(b.pieces.data() + 3 * i, 3);
        }
    }

    bool send_udp_batch(session& s, std::uint16_t seq0, std::uint32_t ts, std::size_t total) {
        build_headers(s, seq0, ts, total, false);
        auto r = net_.send_datagrams(udp_socket::rtp, s.peer_rtp,
                                     std::span<const buffer_sequence>(scratch_.batch.datagrams.data(), scratch_.batch.count));
        std::size_t sent = r ? *r : 0;
        for (std::size_t i = 0; i < sent; ++i) {
            std::size_t sz = rtp::header_size + scratch_.batch.hdr_view[i].size() + scratch_.batch.scan[i].size();
            s.bytes_sent += sz;
            s.octets_sent += static_cast<std::uint32_t>(sz - rtp::header_size);
        }
        s.packets_sent += static_cast<std::uint32_t>(sent);
        return sent == scratch_.batch.count;
    }

    bool send_tcp_batch(session& s, std::uint8_t si, const frame_job& job, std::uint16_t seq0, std::uint32_t ts) {
        connection& c = conns_[s.conn];
        if (backlogged(s.conn)) return false;
        build_headers(s, seq0, ts, job.packets.packet_count(), true);
        std::size_t accepted = 0;
        if constexpr (packet_atomic_streams) {
            // The adapter takes one whole packet per send or nothing (WINC1500: 1400 bytes per
            // send), so a packet is never split and no output queue is needed for frames.
            for (std::size_t i = 0; i < scratch_.batch.count; ++i) {
                auto r = net_.send(c.handle, buffer_sequence(scratch_.batch.pieces.data() + 3 * i, 3));
                if (!r && r.error() != errc::would_block) {
                    close_connection(s.conn, reason(r.error()));
                    return false;
                }
                if (!r) break;
                accepted += *r;
            }
        } else {
            auto r = net_.send(c.handle, buffer_sequence(scratch_.batch.pieces.data(), 3 * scratch_.batch.count));
            if (!r && r.error() != errc::would_block) {
                close_connection(s.conn, reason(r.error()));
                return false;
            }
            accepted = r ? *r : 0;
        }
        if (accepted > 0) c.last_progress_us = clock_.now_us();
        std::size_t whole = 0;
        std::size_t partial_done = account_tcp(s, accepted, whole);
        if (whole == scratch_.batch.count) return true;
        // Keep the stream framed: the rest of a packet already started goes to the output
        // queue; the remaining whole packets continue from the cursor while the frame lives.
        if constexpr (!packet_atomic_streams) {
            if (partial_done > 0) queue_packet_rest(s.conn, whole, partial_done);
        }
        if (!conns_[s.conn].used) return false;
        std::size_t next = scratch_.batch.first + whole + (partial_done > 0 ? 1 : 0);
        if (next < job.packets.packet_count()) {
            auto& cur = c.cursor;
            cur.active = true;
            cur.session = si;
            cur.generation = job.generation;
            cur.timestamp = ts;
            cur.first_seq = seq0;
            cur.next = next;
        }
        if (accepted == 0) c.last_progress_us = clock_.now_us();  // pending starts now
        return false;
    }

    /// Counts what a TCP send of the current batch delivered: `whole` packets complete, and the
    /// number of bytes of the next packet that went out (0 if none).
    std::size_t account_tcp(session& s, std::size_t accepted, std::size_t& whole) {
        whole = 0;
        for (std::size_t i = 0; i < scratch_.batch.count; ++i) {
            std::size_t sz = interleaved_prefix + rtp::header_size + scratch_.batch.hdr_view[i].size() + scratch_.batch.scan[i].size();
            if (accepted < sz) {
                s.bytes_sent += accepted;
                return accepted;
            }
            accepted -= sz;
            s.bytes_sent += sz;
            s.packets_sent++;
            s.octets_sent += static_cast<std::uint32_t>(sz - interleaved_prefix - rtp::header_size);
            ++whole;
        }
        return 0;
    }

    /// Queues what the kernel did not take of packet `index` (its first `done` bytes went out),
    /// straight from the packet's pieces.
    void queue_packet_rest(std::size_t ci, std::size_t index, std::size_t done) {
        connection& c = conns_[ci];
        std::size_t size = 0;
        for (std::size_t p = 0; p < 3; ++p) size += scratch_.batch.pieces[3 * index + p].size();
        if (size - done > c.out.size() - c.out_len) {
            close_connection(ci, "output backlog full");
            return;
        }
        std::size_t skip = done;
        for (std::size_t p = 0; p < 3; ++p) {
            for (std::byte x : scratch_.batch.pieces[3 * index + p]) {
                if (skip > 0) { --skip; continue; }
                c.out[c.out_len++] = x;
            }
        }
    }

    void continue_tcp_frame(std::size_t ci) {
        connection& c = conns_[ci];
        auto& cur = c.cursor;
        if (cur.session >= Config::max_sessions || !sessions_[cur.session].used) {
            cur.active = false;
            return;
        }
        session& s = sessions_[cur.session];
        const frame_job& job = *live_;  // the cursor's frame: the caller checked the generation
        const rtp::jpeg_packetizer& pk = job.packets;
        cur.active = false;  // send_tcp_batch re-arms it if the connection fills up again
        std::size_t start = cur.next;
        for (std::size_t first = start; first < pk.packet_count(); first += Config::send_batch) {
            fill_batch(pk, first);
            if (!send_tcp_batch(s, cur.session, job, cur.first_seq, cur.timestamp)) break;
        }
    }

    // --- RTCP --------------------------------------------------------------------------------
    rtcp::sender_info sender_info_for(const session& s) {
        rtcp::sender_info si{};
        si.ssrc = s.ssrc;
        std::uint64_t now = clock_.now_us();
        std::uint64_t wall = now;
        if constexpr (WallClock<C>) wall = clock_.wall_us();
        si.ntp_timestamp = rtcp::ntp_from_unix_micros(wall);
        si.rtp_timestamp = s.first_frame_pending
                               ? s.rtptime0
                               : s.rtptime0 + ticks_90khz(now - s.play_us);
        si.packet_count = s.packets_sent;
        si.octet_count = s.octets_sent;
        return si;
    }

    void send_rtcp_packet(session& s, std::span<const std::byte> pkt) {
        if (s.tcp) {
            connection& c = conns_[s.conn];
            if (backlogged(s.conn)) return;  // never split a busy stream for RTCP
            std::array<std::byte, 4> hdr;
            protocol::write_interleaved_header(s.channel_rtcp, static_cast<std::uint16_t>(pkt.size()),
                                               std::span<std::byte, 4>(hdr));
            std::array<const_buffer, 2> pieces{const_buffer(hdr), pkt};
            auto r = net_.send(c.handle, buffer_sequence(pieces));
            if (!packet_atomic_streams && r && *r > 0 && *r < 4 + pkt.size()) {
                // Partly written: queue the rest so the stream stays framed.
                std::array<std::byte, 4 + 256> all{};
                std::size_t n = 0;
                for (auto b : hdr) all[n++] = b;
                for (auto b : pkt) if (n < all.size()) all[n++] = b;
                (void)queue_output(s.conn, std::span<const std::byte>(all.data() + *r, n - *r), clock_.now_us());
            }
        } else {
            const_buffer b = pkt;
            buffer_sequence one(&b, 1);
            (void)net_.send_datagrams(udp_socket::rtcp, s.peer_rtcp, std::span<const buffer_sequence>(&one, 1));
        }
    }

    void send_rtcp_reports(std::uint64_t now) {
        for (auto& s : sessions_) send_rtcp_report(s, now);
        if constexpr (Config::multicast)
            for (auto& g : groups_) send_rtcp_report(g, now);
    }

    void send_rtcp_report(session& s, std::uint64_t now) {
        if (!s.used || s.state != session_state::playing || is_member(s) || now < s.next_rtcp_us) return;
        s.next_rtcp_us = now + Config::rtcp_interval_ms * 1000ull;
        if (s.first_frame_pending) return;  // nothing sent yet: no time mapping to report
        std::array<std::byte, 128> buf{};
        auto n = rtcp::write_sender_report(sender_info_for(s), cname(), std::span<std::byte>(buf));
        if (n) send_rtcp_packet(s, std::span<const std::byte>(buf.data(), *n));
    }

    void send_bye(session& s) {
        std::array<std::byte, 160> buf{};
        auto n = rtcp::write_bye(sender_info_for(s), cname(), std::span<std::byte>(buf));
        if (n && (!s.tcp || (conns_[s.conn].used && !conns_[s.conn].closing)))
            send_rtcp_packet(s, std::span<const std::byte>(buf.data(), *n));
    }

    std::string_view cname() const noexcept { return "rtsp@server"; }

    // --- state -------------------------------------------------------------------------------
    struct dims_entry {
        bool used = false;
        path_string path;
        std::uint16_t width = 0, height = 0;
    };

    server_options opts_;
    N net_;
    C clock_;
    R rng_;
    E enc_;
    bool started_ = false;
    std::atomic<bool> stop_requested_{false};
    int quality_ = 90;
    bool per_session_source_ = false;
    void (basic_server::*produce_)(std::uint64_t) = nullptr;  // set with the source
    void (basic_server::*sync_paths_)(std::uint64_t) = nullptr;  // path sources only
    generation_t generation_ = 0;
    // The newest frame (valid while live_->generation == generation_): TCP cursors continue
    // from it, and a session joining its path gets it at once (path sources: live_path_).
    std::optional<frame_job> live_;
    std::uint8_t live_path_ = no_slot;  // paths_ slot whose frame live_ is
    bool joiners_ = false;              // sessions wait for live_ (sync_paths)
    std::uint8_t ending_ = no_slot;     // the session on_teardown_ is being told about
    std::uint64_t sdp_session_id_ = 0;
    statistics stats_{};

    std::array<connection, Config::max_connections> conns_{};
    std::array<session, Config::max_sessions> sessions_{};
    std::array<path_slot, Config::max_paths> paths_{};
    // Multicast group streams, one per path (session entries without a connection: no id, never
    // named by a request, fanned out to as target max_sessions + slot).
    struct no_groups {};  // (std::array<session, 0> would still take a byte, and its alignment)
    [[no_unique_address]] std::conditional_t<Config::multicast, std::array<session, Config::max_paths>, no_groups> groups_{};
    struct multicast_state { bool ready = false; };  // start() checked the options, the adapter took them
    struct no_multicast_state {};
    [[no_unique_address]] std::conditional_t<Config::multicast, multicast_state, no_multicast_state> multicast_;
    std::array<dims_entry, Config::max_paths> dims_{};
    std::array<char, Config::response_buffer_size> resp_{};
    // The response waiting in resp_ for a whole-packet adapter (out_capacity == 0).
    std::uint8_t resp_owner_ = no_slot;
    std::size_t resp_len_ = 0;
    // Scratch areas never needed at the same time share storage: a frame's send batch (fan-out,
    // continue_tcp_frame) and a DESCRIBE answer's SDP text.
    union scratch_area {
        batch_scratch batch;
        std::array<char, sdp_buffer_size> sdp;
        scratch_area() : batch() {}
    } scratch_;
    bool batch_live_ = true;  // scratch_.batch is the active member
    [[no_unique_address]] std::conditional_t<wire_images, wire_image, no_wire_image> image_{};

    using session_cb = detail::inplace_function<void(std::string_view, std::uint64_t), Config::callback_storage>;
    session_cb on_setup_, on_play_, on_pause_, on_teardown_;
    detail::inplace_function<bool(std::string_view), Config::callback_storage> path_check_;
    detail::inplace_function<auth_answer(std::string_view, std::string_view), Config::callback_storage> auth_cb_;
    protocol::auth_key auth_key_{};
    bool auth_key_ready_ = false;
    detail::inplace_function<void(log_level, std::string_view), Config::callback_storage> log_;
    detail::inplace_function<frame_ref(std::string_view), Config::callback_storage> path_source_;
    detail::inplace_function<frame_ref(std::string_view, std::uint64_t), Config::callback_storage> session_source_;
};

}  // namespace rtsp
