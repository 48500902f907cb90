// SPDX-License-Identifier: MIT
// callbacks_test - the seed's four callbacks, observed from real clients against a real
// rtsp::rtsp_server on 127.0.0.1.
//
// The unit tests drive the server through a simulated network; this program checks what a user
// actually sees: FFmpeg (ffprobe) and a hand-written RTSP client talk to a server running in its
// own thread, and every setup/play/teardown callback must arrive exactly once, in order, with
// the path the client asked for and one session id per session. A client that goes silent
// without TEARDOWN must still get its teardown callback, after session_timeout_s; a client that
// drops its connection gets it promptly; a session still playing when stop() is called from
// another thread gets it from stop().
//
// Exit status: 0 when every check passed, 1 when any failed (each failure is printed), 2 when
// the environment is unusable (ffprobe missing, server did not start).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <rtsp/rtsp.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

int failures = 0;

void check(bool ok, const std::string& what) {
    if (ok) {
        std::printf("ok      %s\n", what.c_str());
    } else {
        std::printf("FAILED  %s\n", what.c_str());
        ++failures;
    }
    std::fflush(stdout);
}

[[noreturn]] void environment_failure(const std::string& why) {
    std::printf("ERROR   %s\n", why.c_str());
    std::fflush(stdout);
    std::_Exit(2);
}

// --- what the callbacks saw ---------------------------------------------------------------------

enum class kind { setup, play, pause, teardown };

const char* name_of(kind k) {
    switch (k) {
    case kind::setup: return "setup";
    case kind::play: return "play";
    case kind::pause: return "pause";
    case kind::teardown: return "teardown";
    }
    return "?";
}

struct event {
    kind what;
    std::string path;
    std::uint64_t session;
    clock_type::time_point when;
};

class recorder {
public:
    void add(kind k, std::string_view path, std::uint64_t id) {
        std::lock_guard lock(m_);
        events_.push_back({k, std::string(path), id, clock_type::now()});
        std::printf("        callback %s(\"%.*s\", %016llx)\n", name_of(k), static_cast<int>(path.size()),
                    path.data(), static_cast<unsigned long long>(id));
        std::fflush(stdout);
    }
    std::vector<event> snapshot() const {
        std::lock_guard lock(m_);
        return events_;
    }
    std::vector<event> for_path(const std::string& path) const {
        std::vector<event> out;
        for (auto& e : snapshot())
            if (e.path == path) out.push_back(e);
        return out;
    }
    /// Waits (bounded) until a teardown for `path` was recorded; returns its time.
    std::optional<clock_type::time_point> wait_teardown(const std::string& path,
                                                        std::chrono::milliseconds limit) const {
        const auto deadline = clock_type::now() + limit;
        while (clock_type::now() < deadline) {
            for (auto& e : snapshot())
                if (e.path == path && e.what == kind::teardown) return e.when;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return std::nullopt;
    }

private:
    mutable std::mutex m_;
    std::vector<event> events_;
};

// Checks that `path` saw exactly setup -> play -> teardown of one session; returns its id.
std::uint64_t check_lifecycle(const recorder& rec, const std::string& path) {
    auto ev = rec.for_path(path);
    std::string seq;
    for (auto& e : ev) seq += std::string(seq.empty() ? "" : " ") + name_of(e.what);
    check(ev.size() == 3 && ev[0].what == kind::setup && ev[1].what == kind::play &&
              ev[2].what == kind::teardown,
          path + ": callbacks are exactly setup play teardown (got: " + seq + ")");
    if (ev.empty()) return 0;
    bool same = true;
    for (auto& e : ev) same = same && e.session == ev[0].session;
    check(same, path + ": every callback carries the same session id");
    check(ev[0].session != 0, path + ": the session id is not zero");
    return ev[0].session;
}

// --- a hand-written RTSP client -----------------------------------------------------------------

struct response {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::optional<std::string> header(std::string_view name) const {
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
};

class raw_client {
public:
    explicit raw_client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) environment_failure("socket() failed");
        timeval tv{5, 0};  // every read is bounded
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            environment_failure("cannot connect to the server on 127.0.0.1:" + std::to_string(port));
    }
    ~raw_client() { close(); }
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    /// Sends one request and reads its response; nullopt on a socket error or a timeout.
    std::optional<response> request(const std::string& method, const std::string& url,
                                    const std::string& extra = {}) {
        std::string msg = method + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(++cseq_) +
                          "\r\nUser-Agent: callbacks_test\r\n" + extra + "\r\n";
        if (::send(fd_, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size()))
            return std::nullopt;
        return read_response();
    }

private:
    std::optional<response> read_response() {
        std::size_t end;
        while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
            if (!fill()) return std::nullopt;
        }
        std::string head = buf_.substr(0, end);
        buf_.erase(0, end + 4);
        response r;
        std::size_t pos = head.find("\r\n");
        std::string status_line = head.substr(0, pos);
        if (status_line.rfind("RTSP/1.0 ", 0) != 0) return std::nullopt;
        r.status = std::atoi(status_line.c_str() + 9);
        while (pos != std::string::npos) {
            std::size_t next = head.find("\r\n", pos + 2);
            std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
            pos = next;
            auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string v = line.substr(colon + 1);
            while (!v.empty() && v.front() == ' ') v.erase(0, 1);
            r.headers.emplace_back(line.substr(0, colon), v);
        }
        std::size_t len = 0;
        if (auto cl = r.header("Content-Length")) len = std::strtoul(cl->c_str(), nullptr, 10);
        while (buf_.size() < len)
            if (!fill()) return std::nullopt;
        r.body = buf_.substr(0, len);
        buf_.erase(0, len);
        return r;
    }
    bool fill() {
        char tmp[4096];
        ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        buf_.append(tmp, static_cast<std::size_t>(n));
        return buf_.size() < 1 << 20;
    }

    int fd_ = -1;
    int cseq_ = 0;
    std::string buf_;
};

// A pair of UDP sockets on consecutive ports (RTP even, RTCP odd), as RTP clients use.
struct udp_pair {
    int rtp = -1, rtcp = -1;
    std::uint16_t port = 0;

    udp_pair() {
        for (int attempt = 0; attempt < 50 && port == 0; ++attempt) {
            int a = bind_udp(0);
            if (a < 0) continue;
            sockaddr_in sa{};
            socklen_t len = sizeof sa;
            ::getsockname(a, reinterpret_cast<sockaddr*>(&sa), &len);
            std::uint16_t p = ntohs(sa.sin_port);
            int b = (p % 2 == 0 && p < 65535) ? bind_udp(static_cast<std::uint16_t>(p + 1)) : -1;
            if (b < 0) {
                ::close(a);
                continue;
            }
            rtp = a;
            rtcp = b;
            port = p;
        }
        if (port == 0) environment_failure("cannot bind a pair of UDP ports on 127.0.0.1");
    }
    ~udp_pair() {
        if (rtp >= 0) ::close(rtp);
        if (rtcp >= 0) ::close(rtcp);
    }
    udp_pair(const udp_pair&) = delete;
    udp_pair& operator=(const udp_pair&) = delete;

    /// Reads every RTP datagram that arrives within `window`; returns how many had PT 26 and
    /// the given SSRC.
    int count_rtp(std::uint32_t ssrc, std::chrono::milliseconds window) const {
        int n = 0;
        const auto deadline = clock_type::now() + window;
        for (int i = 0; i < 100000; ++i) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
            if (left.count() <= 0) break;
            pollfd p{rtp, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            unsigned char pkt[2048];
            ssize_t got = ::recv(rtp, pkt, sizeof pkt, 0);
            if (got < 12) continue;
            std::uint32_t s = (std::uint32_t{pkt[8]} << 24) | (std::uint32_t{pkt[9]} << 16) |
                              (std::uint32_t{pkt[10]} << 8) | pkt[11];
            if ((pkt[0] >> 6) == 2 && (pkt[1] & 0x7F) == 26 && s == ssrc) ++n;
        }
        return n;
    }

private:
    static int bind_udp(std::uint16_t p) {
        int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0) return -1;
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(p);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }
};

std::string attribute(const std::string& sdp, const std::string& name, bool media_level) {
    // The first `a=name:` in the media section (after m=) or in the session section.
    std::size_t m = sdp.find("\nm=");
    std::size_t from = media_level ? (m == std::string::npos ? sdp.size() : m) : 0;
    std::size_t to = media_level ? sdp.size() : (m == std::string::npos ? sdp.size() : m);
    std::string key = "\na=" + name + ":";
    std::size_t p = sdp.find(key, from);
    if (p == std::string::npos || p >= to) return {};
    std::size_t e = sdp.find_first_of("\r\n", p + key.size());
    return sdp.substr(p + key.size(), e - p - key.size());
}

std::string param(const std::string& transport, const std::string& name) {
    std::string key = name + "=";
    std::size_t p = 0;
    while ((p = transport.find(key, p)) != std::string::npos) {
        if (p == 0 || transport[p - 1] == ';') {
            std::size_t e = transport.find(';', p);
            return transport.substr(p + key.size(), e == std::string::npos ? std::string::npos : e - p - key.size());
        }
        ++p;
    }
    return {};
}

struct raw_session {
    std::string id;       // as in the Session header
    std::uint32_t ssrc = 0;
    bool ok = false;
};

// OPTIONS, DESCRIBE, SETUP (UDP to `udp`), PLAY on `path`, checking every answer.
raw_session open_session(raw_client& c, std::uint16_t port, const std::string& path, const udp_pair& udp) {
    raw_session out;
    const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + path;
    auto opt = c.request("OPTIONS", url);
    check(opt && opt->status == 200, path + ": OPTIONS answered 200");
    auto desc = c.request("DESCRIBE", url, "Accept: application/sdp\r\n");
    check(desc && desc->status == 200 && !desc->body.empty(), path + ": DESCRIBE answered 200 with an SDP body");
    if (!desc || desc->status != 200) return out;
    std::string base = desc->header("Content-Base").value_or(url);
    std::string control = attribute(desc->body, "control", true);
    check(!control.empty(), path + ": the SDP has a media-level a=control");
    std::string track = control.rfind("rtsp://", 0) == 0
                            ? control
                            : base + (base.ends_with('/') ? "" : "/") + control;
    auto setup = c.request("SETUP", track,
                           "Transport: RTP/AVP;unicast;client_port=" + std::to_string(udp.port) + "-" +
                               std::to_string(udp.port + 1) + "\r\n");
    check(setup && setup->status == 200, path + ": SETUP (UDP) answered 200");
    if (!setup || setup->status != 200) return out;
    std::string session = setup->header("Session").value_or("");
    out.id = session.substr(0, session.find(';'));
    check(session.find(";timeout=2") != std::string::npos,
          path + ": Session header announces timeout=2 (got '" + session + "')");
    std::string transport = setup->header("Transport").value_or("");
    out.ssrc = static_cast<std::uint32_t>(std::strtoul(param(transport, "ssrc").c_str(), nullptr, 16));
    check(param(transport, "client_port") == std::to_string(udp.port) + "-" + std::to_string(udp.port + 1),
          path + ": Transport echoes our client_port (got '" + transport + "')");
    auto play = c.request("PLAY", base, "Session: " + out.id + "\r\nRange: npt=0.000-\r\n");
    check(play && play->status == 200, path + ": PLAY answered 200");
    out.ok = play && play->status == 200;
    return out;
}

// The frame every session gets: a small gradient the server encodes at the given quality.
struct gradient {
    static constexpr std::uint16_t w = 160, h = 120;
    std::vector<std::byte> px = std::vector<std::byte>(std::size_t{w} * h * 3);
    gradient() {
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x) {
                px[(y * w + x) * 3] = static_cast<std::byte>(x * 255 / w);
                px[(y * w + x) * 3 + 1] = static_cast<std::byte>(y * 255 / h);
                px[(y * w + x) * 3 + 2] = static_cast<std::byte>(128);
            }
    }
    rtsp::image_view view() const {
        rtsp::image_view v;
        v.pixels = std::span<const std::byte>(px);
        v.width = w;
        v.height = h;
        v.format = rtsp::pixel_format::rgb888;
        return v;
    }
};

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[512];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int st = ::pclose(p);
    if (st != 0) out += "\n[exit status " + std::to_string(st) + "]";
    return out;
}

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main() {
    // A hang anywhere (a client that never answers, a stream() that never returns) ends the run
    // with a message instead of waiting for CTest's timeout.
    std::signal(SIGALRM, [](int) {
        static const char msg[] = "ERROR   callbacks_test did not finish within 90 s\n";
        (void)!::write(1, msg, sizeof msg - 1);
        std::_Exit(1);
    });
    ::alarm(90);

    if (std::system("command -v ffprobe >/dev/null 2>&1") != 0)
        environment_failure("ffprobe not found: install FFmpeg (Debian: apt-get install ffmpeg)");
    if (std::system("command -v timeout >/dev/null 2>&1") != 0)
        environment_failure("timeout(1) not found (coreutils)");

    rtsp::server_options opts;
    opts.bind = rtsp::net::address::v4(127, 0, 0, 1);
    opts.port = 0;
    opts.session_timeout_s = 2;
    opts.max_fps = 30;
    rtsp::rtsp_server server(opts);

    recorder rec;
    server.register_setup_cb([&](std::string_view p, std::uint64_t id) { rec.add(kind::setup, p, id); });
    server.register_play_cb([&](std::string_view p, std::uint64_t id) { rec.add(kind::play, p, id); });
    server.register_pause_cb([&](std::string_view p, std::uint64_t id) { rec.add(kind::pause, p, id); });
    server.register_teardown_cb([&](std::string_view p, std::uint64_t id) { rec.add(kind::teardown, p, id); });

    if (auto r = server.start(); !r)
        environment_failure(std::string("server.start() failed: ") + std::string(rtsp::to_string(r.error())));
    const std::uint16_t port = server.port();
    check(port != 0, "server.port() reports the bound port (" + std::to_string(port) + ")");
    const std::string origin = "rtsp://127.0.0.1:" + std::to_string(port);

    gradient picture;
    std::atomic<bool> stream_returned{false};
    std::atomic<bool> stream_ok{false};
    std::thread serving([&] {
        auto r = server.stream([&](std::string_view) { return picture.view(); }, 90);
        stream_ok = static_cast<bool>(r);
        stream_returned = true;
    });

    // 1. FFmpeg: a normal session that ends with TEARDOWN.
    {
        std::string out = run("timeout 20 ffprobe -v error -rtsp_transport tcp -select_streams v "
                              "-show_entries stream=codec_name,width,height -of default=nw=1 " +
                              origin + "/cam 2>&1");
        check(out.find("codec_name=mjpeg") != std::string::npos && out.find("width=160") != std::string::npos &&
                  out.find("height=120") != std::string::npos,
              "ffprobe sees a 160x120 mjpeg stream on /cam (output: " + out + ")");
        // ffprobe sends TEARDOWN before it exits; allow the server a moment to run the callback.
        (void)rec.wait_teardown("/cam", std::chrono::milliseconds(3000));
    }
    const std::uint64_t ffprobe_id = check_lifecycle(rec, "/cam");

    // 2. A client that plays and then goes silent with its connection open: only the session
    //    timeout (2 s) can end it. 3. A client that drops its connection without TEARDOWN.
    udp_pair silent_udp, dropped_udp;
    raw_client silent(port), dropped(port);
    raw_session s2 = open_session(silent, port, "/silent/path", silent_udp);
    const auto silent_since = clock_type::now();  // the PLAY answer: its last sign of life
    raw_session s3 = open_session(dropped, port, "/dropped", dropped_udp);
    if (s2.ok) {
        int got = silent_udp.count_rtp(s2.ssrc, std::chrono::milliseconds(500));
        check(got > 0, "/silent/path: RTP (PT 26, the SETUP's SSRC) arrives on our UDP port (" +
                           std::to_string(got) + " packets in 0.5 s)");
    }
    const auto dropped_at = clock_type::now();
    dropped.close();
    {
        auto t = rec.wait_teardown("/dropped", std::chrono::milliseconds(5000));
        check(t.has_value(), "/dropped: teardown callback after the client closed its connection");
        if (t) {
            double dt = seconds(*t - dropped_at);
            check(dt < 2.0 + 1.5, "/dropped: teardown within timeout + 1.5 s of the close (" + std::to_string(dt) + " s)");
        }
    }
    {
        auto t = rec.wait_teardown("/silent/path", std::chrono::milliseconds(8000));
        check(t.has_value(), "/silent/path: teardown callback for the silent client (no TEARDOWN sent)");
        if (t) {
            double dt = seconds(*t - silent_since);
            check(dt >= 1.9 && dt < 2.0 + 1.5,
                  "/silent/path: teardown after the 2 s session timeout, not before (" + std::to_string(dt) + " s)");
        }
        // The stream to it stops with the session.
        (void)silent_udp.count_rtp(s2.ssrc, std::chrono::milliseconds(200));  // in flight
        int late = silent_udp.count_rtp(s2.ssrc, std::chrono::milliseconds(500));
        check(late == 0, "/silent/path: no RTP after its teardown (" + std::to_string(late) + " packets)");
    }
    const std::uint64_t silent_id = check_lifecycle(rec, "/silent/path");
    const std::uint64_t dropped_id = check_lifecycle(rec, "/dropped");
    if (s2.ok) {
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(silent_id));
        std::string a = hex, b = s2.id;
        for (auto& ch : b) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        check(a == b, "/silent/path: the callbacks' session id is the Session header's id (" + a + " vs " + s2.id + ")");
    }
    silent.close();

    // 4. A session still playing when stop() is called from this thread.
    udp_pair live_udp;
    raw_client live(port);
    raw_session s4 = open_session(live, port, "/live", live_udp);
    check(s4.ok && live_udp.count_rtp(s4.ssrc, std::chrono::milliseconds(300)) > 0, "/live: RTP arrives");
    server.stop();
    {
        const auto deadline = clock_type::now() + std::chrono::seconds(5);
        while (!stream_returned && clock_type::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        check(stream_returned.load(), "stop() from another thread makes stream() return within 5 s");
        if (!stream_returned) {
            std::printf("ERROR   stream() did not return; giving up\n");
            std::_Exit(1);
        }
    }
    serving.join();
    check(stream_ok.load(), "stream() returned success");
    const std::uint64_t live_id = check_lifecycle(rec, "/live");
    live.close();

    std::uint64_t ids[] = {ffprobe_id, silent_id, dropped_id, live_id};
    bool distinct = true;
    for (int i = 0; i < 4; ++i)
        for (int j = i + 1; j < 4; ++j) distinct = distinct && ids[i] != ids[j];
    check(distinct, "the four sessions have four different ids");
    std::size_t total = rec.snapshot().size();
    check(total == 12, "12 callbacks in all, no pause and nothing extra (got " + std::to_string(total) + ")");

    std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
