// SPDX-License-Identifier: MIT
// hardening_support.hpp - the real server in a thread, raw RTSP clients and an RTP observer, for
// the hardening tests (bad input, limits, soak).
//
// The unit tests drive basic_server through an in-memory network; the hardening tests attack the
// server a user actually runs: rtsp::basic_rtsp_server (POSIX sockets) on 127.0.0.1, port 0,
// serving a 320x240 JPEG at 30 fps from its own thread. Every hostile request is written with a
// raw socket, byte for byte, and meanwhile an `observer` client plays the stream and records every
// RTP packet, so each test can prove that the attack cost the other clients nothing: no sequence
// gap, every frame complete, exactly as many frames received as the server says it sent them.
//
// Threading: the server object is only touched by its own thread (poll loop) - the tests see it
// through snapshots the loop publishes under a mutex after each poll, and through the callbacks.
// Test-only code: it allocates and uses the STL freely. Every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <rtsp/rtsp.hpp>

#include "jpeg_codec.hpp"

namespace hardening {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline double ms_since(clock_type::time_point t) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

// --- JPEG frames ----------------------------------------------------------------------------------

/// The good frame every test streams: baseline, standard tables, 4:2:0.
inline const std::vector<std::byte>& good_jpeg() {
    static const std::vector<std::byte> j =
        rtsp::test::encode_jpeg(rtsp::test::make_test_image(320, 240, 7), {.quality = 80});
    return j;
}

/// Offset of the first byte after marker FF `m` (its length field), or npos.
inline std::size_t find_marker(const std::vector<std::byte>& j, std::uint8_t m) {
    for (std::size_t i = 0; i + 1 < j.size(); ++i)
        if (j[i] == std::byte{0xFF} && j[i + 1] == std::byte{m}) return i + 2;
    return std::string::npos;
}

// --- server snapshots -----------------------------------------------------------------------------

struct session_snapshot {
    std::uint64_t id = 0;
    std::string path;
    bool tcp = false, playing = false;
    std::uint64_t frames_sent = 0, frames_dropped = 0;
};

struct snapshot {
    std::uint64_t frames_produced = 0, frames_rejected = 0, sessions_created = 0, requests = 0;
    rtsp::errc last_frame_error{};
    std::vector<session_snapshot> sessions;

    [[nodiscard]] std::optional<session_snapshot> session(std::uint64_t id) const {
        for (auto& s : sessions)
            if (s.id == id) return s;
        return std::nullopt;
    }
};

/// Captured by value into the server's callbacks (one pointer: fits callback_storage).
struct callback_log {
    std::mutex m;
    std::vector<std::uint64_t> setups, plays, pauses, teardowns;
    std::vector<std::string> log_lines;
};

inline rtsp::server_options default_options() {
    rtsp::server_options o;
    o.bind = rtsp::net::address::v4(127, 0, 0, 1, 0);
    o.port = 0;
    o.rtp_port = 0;
    o.max_fps = 30;
    o.session_timeout_s = 60;
    o.session_name = "hardening";
    return o;
}

/// The real server on 127.0.0.1 in its own thread, streaming good_jpeg() at 30 fps on /cam and
/// /alt (any other path is 404). inject() queues frames the source returns instead of the good one.
template <class Config = rtsp::default_config>
class harness {
public:
    using server_type = rtsp::basic_rtsp_server<Config>;

    explicit harness(rtsp::server_options opts = default_options()) : server_(opts) {
        callback_log* lg = &log_;
        server_.register_setup_cb([lg](std::string_view, std::uint64_t id) {
            std::lock_guard l(lg->m);
            lg->setups.push_back(id);
        });
        server_.register_play_cb([lg](std::string_view, std::uint64_t id) {
            std::lock_guard l(lg->m);
            lg->plays.push_back(id);
        });
        server_.register_pause_cb([lg](std::string_view, std::uint64_t id) {
            std::lock_guard l(lg->m);
            lg->pauses.push_back(id);
        });
        server_.register_teardown_cb([lg](std::string_view, std::uint64_t id) {
            std::lock_guard l(lg->m);
            lg->teardowns.push_back(id);
        });
        server_.register_log_cb([lg](rtsp::log_level lvl, std::string_view line) {
            if (lvl > rtsp::log_level::warning) return;
            std::lock_guard l(lg->m);
            if (lg->log_lines.size() < 1000) lg->log_lines.emplace_back(line);
        });
        server_.register_path_check([](std::string_view p) { return p == "/cam" || p == "/alt"; });
        harness* self = this;
        server_.set_source([self](std::string_view) -> rtsp::frame_ref { return self->next_frame(); });
        if (auto r = server_.start(); !r) {
            std::fprintf(stderr, "server did not start: %s\n", rtsp::to_string(r.error()).data());
            std::abort();
        }
        port_ = server_.port();
        thread_ = std::thread([this] { run(); });
    }
    ~harness() { stop(); }
    harness(const harness&) = delete;
    harness& operator=(const harness&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string url(std::string_view path = "/cam") const {
        return "rtsp://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

    /// Frames the source hands out next, in order, one per frame tick, before the good frame.
    void inject(std::vector<std::byte> frame) {
        std::lock_guard l(m_);
        injected_.push_back(std::move(frame));
    }
    [[nodiscard]] std::size_t injected_left() {
        std::lock_guard l(m_);
        return injected_.size();
    }

    [[nodiscard]] snapshot snap() {
        std::lock_guard l(m_);
        return snap_;
    }
    callback_log& callbacks() { return log_; }

    /// Waits (bounded) until pred(snapshot) holds; returns whether it did.
    template <class Pred>
    bool wait_for(Pred pred, std::chrono::milliseconds limit = 3000ms) {
        const auto end = clock_type::now() + limit;
        while (clock_type::now() < end) {
            if (pred(snap())) return true;
            std::this_thread::sleep_for(5ms);
        }
        return pred(snap());
    }

    /// Stops the poll loop; the server tears every session down (callbacks fire) and closes.
    void stop() {
        if (!thread_.joinable()) return;
        stop_.store(true);
        thread_.join();
    }

private:
    rtsp::frame_ref next_frame() {
        std::lock_guard l(m_);
        if (!injected_.empty()) {
            current_ = std::move(injected_.front());
            injected_.pop_front();
            return rtsp::jpeg_view{std::span<const std::byte>(current_)};
        }
        return rtsp::jpeg_view{std::span<const std::byte>(good_jpeg())};
    }

    void publish() {
        snapshot s;
        const auto& st = server_.stats();
        s.frames_produced = st.frames_produced;
        s.frames_rejected = st.frames_rejected;
        s.sessions_created = st.sessions_created;
        s.requests = st.requests;
        s.last_frame_error = st.last_frame_error;
        server_.for_each_session([&](const rtsp::session_info& i) {
            s.sessions.push_back({i.id, std::string(i.path), i.tcp, i.playing, i.frames_sent,
                                  i.frames_dropped});
        });
        std::lock_guard l(m_);
        snap_ = std::move(s);
    }

    void run() {
        while (!stop_.load()) {
            (void)server_.poll(5000);
            publish();
        }
        publish();  // the final counters, before shutdown ends the sessions
        server_.shutdown();
    }

    server_type server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::mutex m_;
    std::deque<std::vector<std::byte>> injected_;
    std::vector<std::byte> current_;
    snapshot snap_;
    callback_log log_;
};

// --- raw sockets ------------------------------------------------------------------------------------

inline int connect_tcp(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// Binds a UDP socket on 127.0.0.1:port (0: any); -1 on failure.
inline int bind_udp(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int big = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline std::uint16_t local_port(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

/// Two UDP sockets on consecutive ports, RTP even and RTCP odd.
struct udp_pair {
    int rtp = -1, rtcp = -1;
    std::uint16_t port = 0;

    udp_pair() {
        for (int attempt = 0; attempt < 100 && port == 0; ++attempt) {
            int a = bind_udp(0);
            if (a < 0) continue;
            const std::uint16_t p = local_port(a);
            int b = (p % 2 == 0 && p < 65534) ? bind_udp(static_cast<std::uint16_t>(p + 1)) : -1;
            if (b < 0) {
                ::close(a);
                continue;
            }
            rtp = a;
            rtcp = b;
            port = p;
        }
    }
    ~udp_pair() {
        if (rtp >= 0) ::close(rtp);
        if (rtcp >= 0) ::close(rtcp);
    }
    udp_pair(const udp_pair&) = delete;
    udp_pair& operator=(const udp_pair&) = delete;
};

struct response {
    int status = 0;
    bool http = false;  ///< "HTTP/1.0 ..." rather than "RTSP/1.0 ..."
    std::string head;  ///< status line and headers, without the blank line
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    [[nodiscard]] std::optional<std::string> header(std::string_view name) const {
        for (auto& [k, v] : headers) {
            if (k.size() != name.size()) continue;
            bool eq = true;
            for (std::size_t i = 0; i < k.size(); ++i)
                eq = eq && std::tolower(static_cast<unsigned char>(k[i])) ==
                               std::tolower(static_cast<unsigned char>(name[i]));
            if (eq) return v;
        }
        return std::nullopt;
    }
    /// The session id of a Session header, without ";timeout=".
    [[nodiscard]] std::string session_id() const {
        auto s = header("Session");
        if (!s) return {};
        return s->substr(0, s->find(';'));
    }
};

/// Parses one response at the start of buf; returns bytes used, 0 if incomplete.
inline std::size_t parse_response(const std::string& buf, response& r) {
    const std::size_t end = buf.find("\r\n\r\n");
    if (end == std::string::npos) return 0;
    r = response{};
    r.head = buf.substr(0, end);
    std::size_t pos = r.head.find("\r\n");
    const std::string status_line = r.head.substr(0, pos);
    r.http = status_line.rfind("HTTP/1.0 ", 0) == 0;  // an answer to a tunnel's GET or POST
    if (status_line.rfind("RTSP/1.0 ", 0) == 0 || r.http) r.status = std::atoi(status_line.c_str() + 9);
    else r.status = -1;  // not an RTSP (or HTTP) response at all
    while (pos != std::string::npos) {
        const std::size_t next = r.head.find("\r\n", pos + 2);
        std::string line = r.head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        pos = next;
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        r.headers.emplace_back(line.substr(0, colon), v);
    }
    std::size_t len = 0;
    if (auto cl = r.header("Content-Length")) len = std::strtoul(cl->c_str(), nullptr, 10);
    if (buf.size() < end + 4 + len) return 0;
    r.body = buf.substr(end + 4, len);
    return end + 4 + len;
}

/// A hand-driven RTSP client over one TCP connection. Reads skip interleaved '$' frames.
class raw_client {
public:
    explicit raw_client(std::uint16_t port) : fd_(connect_tcp(port)) {}
    ~raw_client() { close(); }
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;

    [[nodiscard]] bool ok() const { return fd_ >= 0; }
    [[nodiscard]] int fd() const { return fd_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    /// Closes with an RST instead of a FIN (SO_LINGER 0).
    void reset() {
        if (fd_ < 0) return;
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }

    /// Sends raw bytes; false if the connection refused them.
    bool send_raw(std::string_view bytes) {
        std::size_t done = 0;
        const auto end = clock_type::now() + 5s;
        while (done < bytes.size() && clock_type::now() < end) {
            const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                pollfd p{fd_, POLLOUT, 0};
                ::poll(&p, 1, 50);
                continue;
            }
            return false;
        }
        return done == bytes.size();
    }

    /// A well-formed request with the next CSeq (or none if cseq is false) and `extra` headers.
    std::string make(const std::string& method, const std::string& url, const std::string& extra = {},
                     const std::string& body = {}) {
        std::string m = method + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(++cseq_) + "\r\n" + extra;
        if (!body.empty()) m += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        return m + "\r\n" + body;
    }
    std::optional<response> request(const std::string& method, const std::string& url,
                                    const std::string& extra = {}, const std::string& body = {}) {
        if (!send_raw(make(method, url, extra, body))) return std::nullopt;
        return read_response();
    }
    [[nodiscard]] int last_cseq() const { return cseq_; }

    /// The next response (interleaved frames before it are skipped); nullopt on close/timeout.
    std::optional<response> read_response(std::chrono::milliseconds limit = 3000ms) {
        const auto end = clock_type::now() + limit;
        for (;;) {
            skip_interleaved();
            if (!buf_.empty() && buf_[0] != '$') {
                response r;
                if (const std::size_t used = parse_response(buf_, r); used > 0) {
                    buf_.erase(0, used);
                    return r;
                }
            }
            if (clock_type::now() >= end || !fill(end)) return std::nullopt;
        }
    }

    /// True when the server closed the connection (EOF or reset) within `limit`; data before
    /// the close is kept for read_response().
    bool wait_closed(std::chrono::milliseconds limit = 3000ms) {
        const auto end = clock_type::now() + limit;
        while (clock_type::now() < end) {
            if (!fill(end)) return closed_;
        }
        return closed_;
    }
    [[nodiscard]] bool closed() const { return closed_; }
    std::string& buffer() { return buf_; }

    /// SETUP over UDP to `pair`; the session id ("" on failure) and the response.
    std::pair<std::string, std::optional<response>> setup_udp(const std::string& url, std::uint16_t client_port) {
        auto r = request("SETUP", url, "Transport: RTP/AVP;unicast;client_port=" + std::to_string(client_port) +
                                           "-" + std::to_string(client_port + 1) + "\r\n");
        return {r && r->status == 200 ? r->session_id() : std::string{}, r};
    }
    std::pair<std::string, std::optional<response>> setup_tcp(const std::string& url, int channel = 0) {
        auto r = request("SETUP", url, "Transport: RTP/AVP/TCP;unicast;interleaved=" + std::to_string(channel) +
                                           "-" + std::to_string(channel + 1) + "\r\n");
        return {r && r->status == 200 ? r->session_id() : std::string{}, r};
    }

    /// Reads once, waiting at most until `end`; false on EOF, error or timeout.
    bool fill(clock_type::time_point end) {
        if (fd_ < 0 || closed_) return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock_type::now()).count();
        if (left <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
        char tmp[65536];
        const ssize_t n = ::recv(fd_, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n > 0) {
            buf_.append(tmp, static_cast<std::size_t>(n));
            if (buf_.size() > (8u << 20)) buf_.erase(0, buf_.size() - (1u << 20));  // bounded
            return true;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
        closed_ = true;
        return false;
    }

private:
    void skip_interleaved() {
        while (buf_.size() >= 4 && buf_[0] == '$') {
            const std::size_t len = (static_cast<unsigned char>(buf_[2]) << 8) | static_cast<unsigned char>(buf_[3]);
            if (buf_.size() < 4 + len) return;
            buf_.erase(0, 4 + len);
        }
    }

    int fd_ = -1;
    int cseq_ = 0;
    bool closed_ = false;
    std::string buf_;
};

// --- RTP observer ---------------------------------------------------------------------------------

struct rtp_packet {
    std::uint16_t seq;
    std::uint32_t ts;
    bool marker;
    std::uint8_t fragment_type_specific;
    std::uint32_t fragment_offset;
};

/// What an observer saw; frames are counted by marker bits, loss by sequence gaps.
struct observation {
    std::size_t packets = 0;
    std::size_t frames = 0;               ///< packets with the marker bit
    std::size_t seq_gaps = 0;             ///< missing sequence numbers
    std::size_t incomplete_frames = 0;    ///< timestamp changed before the marker, or offset not contiguous
    std::size_t bad_packets = 0;          ///< not RTP v2 / payload type 26
    double max_frame_gap_ms = 0;          ///< longest time between two frames after the first
    std::uint64_t session = 0;
    bool setup_ok = false;
};

/// A client that SETUPs /cam (UDP or TCP), PLAYs, and records every RTP packet in a thread.
/// Over UDP it keeps its session alive with an RTCP RR each second.
class observer {
public:
    enum class mode { udp, tcp };

    observer(std::uint16_t port, mode m = mode::udp) : client_(port), mode_(m) {
        const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/cam";
        std::string id;
        if (m == mode::udp) {
            auto [sid, r] = client_.setup_udp(url + "/track1", udp_.port);
            id = sid;
            if (r) {
                const std::string t = r->header("Transport").value_or("");
                if (const auto sp = t.find("server_port="); sp != std::string::npos)
                    server_rtcp_port_ = static_cast<std::uint16_t>(std::atoi(t.c_str() + sp + 12) + 1);
            }
        } else {
            id = client_.setup_tcp(url + "/track1").first;
        }
        if (id.empty()) return;
        auto r = client_.request("PLAY", url + "/", "Session: " + id + "\r\n");
        if (!r || r->status != 200) return;
        obs_.session = std::strtoull(id.c_str(), nullptr, 16);
        obs_.setup_ok = true;
        thread_ = std::thread([this] { run(); });
    }
    ~observer() { finish(); }
    observer(const observer&) = delete;
    observer& operator=(const observer&) = delete;

    [[nodiscard]] bool ok() const { return obs_.setup_ok; }
    [[nodiscard]] std::uint64_t session() const { return obs_.session; }

    [[nodiscard]] observation current() {
        std::lock_guard l(m_);
        return obs_;
    }
    /// Waits (bounded) until `n` more frames arrived.
    bool wait_frames(std::size_t n, std::chrono::milliseconds limit = 5000ms) {
        const std::size_t target = current().frames + n;
        const auto end = clock_type::now() + limit;
        while (clock_type::now() < end) {
            if (current().frames >= target) return true;
            std::this_thread::sleep_for(5ms);
        }
        return current().frames >= target;
    }
    /// Stops after draining what is in flight (the server should be stopped first), returns
    /// the final observation.
    observation finish() {
        if (thread_.joinable()) {
            draining_.store(true);
            thread_.join();
        }
        std::lock_guard l(m_);
        return obs_;
    }

private:
    void record(const std::uint8_t* p, std::size_t n) {
        std::lock_guard l(m_);
        if (n < 12 + 8 || (p[0] >> 6) != 2 || (p[1] & 0x7F) != 26) {
            obs_.bad_packets++;
            return;
        }
        const rtp_packet pk{static_cast<std::uint16_t>((p[2] << 8) | p[3]),
                            static_cast<std::uint32_t>((p[4] << 24) | (p[5] << 16) | (p[6] << 8) | p[7]),
                            (p[1] & 0x80) != 0, p[12],
                            static_cast<std::uint32_t>((p[13] << 16) | (p[14] << 8) | p[15])};
        if (obs_.packets > 0) {
            const auto expected = static_cast<std::uint16_t>(last_.seq + 1);
            if (pk.seq != expected) obs_.seq_gaps += static_cast<std::uint16_t>(pk.seq - expected);
            if (!last_.marker && (pk.ts != last_.ts || pk.fragment_offset != expected_offset_))
                obs_.incomplete_frames++;
        }
        if (obs_.packets == 0 || last_.marker) {
            if (pk.fragment_offset != 0) obs_.incomplete_frames++;
        }
        expected_offset_ = pk.fragment_offset + static_cast<std::uint32_t>(n - 12 - 8 - header_extra(p, n, pk.fragment_offset));
        obs_.packets++;
        if (pk.marker) {
            const auto now = clock_type::now();
            if (obs_.frames > 0) {
                const double gap = std::chrono::duration<double, std::milli>(now - last_frame_).count();
                obs_.max_frame_gap_ms = std::max(obs_.max_frame_gap_ms, gap);
            }
            last_frame_ = now;
            obs_.frames++;
        }
        last_ = pk;
    }
    // Bytes of RFC 2435 restart header (every packet) and quantization header (offset 0 only).
    static std::size_t header_extra(const std::uint8_t* p, std::size_t n, std::uint32_t offset) {
        std::size_t extra = 0;
        const std::uint8_t type = p[12 + 4], q = p[12 + 5];
        if (type >= 64) extra += 4;
        if (offset == 0 && q >= 128 && n >= 12 + 8 + extra + 4)
            extra += 4 + static_cast<std::size_t>((p[12 + 8 + extra + 2] << 8) | p[12 + 8 + extra + 3]);
        return extra;
    }

    void run() {
        std::string& buf = client_.buffer();
        auto next_keepalive = clock_type::now() + 1s;
        clock_type::time_point drain_end{};
        for (;;) {
            if (draining_.load() && drain_end == clock_type::time_point{}) drain_end = clock_type::now() + 300ms;
            if (drain_end != clock_type::time_point{} && clock_type::now() >= drain_end) return;
            pollfd p[2] = {{client_.fd(), POLLIN, 0}, {udp_.rtp, POLLIN, 0}};
            const int n = ::poll(p, mode_ == mode::udp ? 2 : 1, 20);
            if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
                if (!client_.fill(clock_type::now() + 50ms)) {
                    if (client_.closed() && mode_ == mode::tcp) {
                        parse_tcp(buf);
                        if (drain_end == clock_type::time_point{}) drain_end = clock_type::now();
                    }
                } else if (mode_ == mode::tcp) {
                    parse_tcp(buf);
                } else {
                    buf.clear();  // keep-alive answers
                }
            }
            if (mode_ == mode::udp && n > 0 && (p[1].revents & POLLIN)) {
                std::uint8_t d[2048];
                for (int k = 0; k < 256; ++k) {
                    const ssize_t got = ::recv(udp_.rtp, d, sizeof d, MSG_DONTWAIT);
                    if (got <= 0) break;
                    record(d, static_cast<std::size_t>(got));
                }
            }
            if (mode_ == mode::udp && clock_type::now() >= next_keepalive && !draining_.load()) {
                next_keepalive = clock_type::now() + 1s;
                send_rr();
            }
        }
    }

    void parse_tcp(std::string& buf) {
        for (;;) {
            if (buf.empty()) return;
            if (buf[0] == '$') {
                if (buf.size() < 4) return;
                const std::size_t len = (static_cast<unsigned char>(buf[2]) << 8) | static_cast<unsigned char>(buf[3]);
                if (buf.size() < 4 + len) return;
                if (buf[1] == 0) record(reinterpret_cast<const std::uint8_t*>(buf.data() + 4), len);
                buf.erase(0, 4 + len);
            } else {
                response r;
                const std::size_t used = parse_response(buf, r);
                if (used == 0) return;
                buf.erase(0, used);
            }
        }
    }

    // An RTCP receiver report from the client's RTCP port: liveness for the UDP session.
    void send_rr() {
        std::uint8_t rr[8] = {0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78};
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(server_rtcp_port_);
        if (server_rtcp_port_ != 0)
            ::sendto(udp_.rtcp, rr, sizeof rr, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }

    udp_pair udp_;
    std::uint16_t server_rtcp_port_ = 0;
    raw_client client_;
    mode mode_;
    std::thread thread_;
    std::atomic<bool> draining_{false};
    std::mutex m_;
    observation obs_;
    rtp_packet last_{};
    std::uint32_t expected_offset_ = 0;
    clock_type::time_point last_frame_{};
};

}  // namespace hardening
