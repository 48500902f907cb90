// SPDX-License-Identifier: MIT
// soak_test - a bounded soak of the real server (rtsp::basic_rtsp_server on 127.0.0.1):
// worker threads act as clients in a loop - connect, SETUP over UDP or TCP, PLAY, receive
// frames, PAUSE and PLAY again, then leave by TEARDOWN, by closing, by a TCP reset, or by
// going silent until the server reaps the session - and in between send junk or DESCRIBE and
// vanish. At the end:
//   - no file descriptor leak: /proc/self/fd counts before the server starts and after it stops
//     are equal, and while running the count never exceeds its bound;
//   - no memory growth: resident set (/proc/self/statm) after warm-up vs at the end, within a
//     tolerance (the server allocates nothing; the tolerance covers the test's own clients);
//   - every session got its teardown callback exactly once, and no teardown came for a session
//     that was never set up; every played session received frames.
//
// usage: rtsp_hardening_soak [--seconds N]   (default 120). The environment variable
// RTSP_SOAK_SECONDS overrides both, so `RTSP_SOAK_SECONDS=3600 ctest -L soak` soaks for an hour.
// Exit 0 when every check passed, 1 otherwise.
#include <dirent.h>

#include <random>

#include "hardening_support.hpp"

using namespace hardening;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok     " : "FAILED ", what.c_str());
    std::fflush(stdout);
    if (!ok) ++failures;
}

std::size_t count_fds() {
    std::size_t n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
    }
    return n > 0 ? n - 1 : 0;  // the directory stream itself
}

std::size_t rss_kib() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size = 0, resident = 0;
    if (std::fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    std::fclose(f);
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) / 1024;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool under_asan = true;
#else
constexpr bool under_asan = false;
#endif
#else
constexpr bool under_asan = false;
#endif

/// Sessions reaped quickly, so silent clients come back within seconds.
rtsp::server_options soak_options() {
    auto o = default_options();
    o.session_timeout_s = 2;
    return o;
}

struct totals {
    std::atomic<std::size_t> iterations{0}, sessions_played{0}, frames{0}, no_frames{0}, busy{0},
        teardown{0}, closed{0}, reset{0}, silent{0}, junk{0}, describe_only{0}, unexpected{0};
};

/// Reads RTP for `ms`: over UDP from `udp`, over TCP from the client's '$' frames. Returns the
/// number of marker packets (frames) seen.
std::size_t receive_frames(raw_client& c, int udp, std::chrono::milliseconds ms) {
    std::size_t frames = 0;
    const auto end = clock_type::now() + ms;
    while (clock_type::now() < end) {
        if (udp >= 0) {
            pollfd p[2] = {{udp, POLLIN, 0}, {c.fd(), POLLIN, 0}};
            if (::poll(p, 2, 20) <= 0) continue;
            if (p[0].revents & POLLIN) {
                std::uint8_t d[2048];
                for (int k = 0; k < 256; ++k) {
                    const ssize_t n = ::recv(udp, d, sizeof d, MSG_DONTWAIT);
                    if (n <= 0) break;
                    if (n >= 12 && (d[1] & 0x80)) ++frames;
                }
            }
            if (p[1].revents & POLLIN) {
                if (!c.fill(clock_type::now() + 20ms)) return frames;
                c.buffer().clear();  // RTCP on the control connection is not used over UDP
            }
        } else {
            if (!c.fill(std::min(end, clock_type::now() + 20ms))) {
                if (c.closed()) return frames;
                continue;
            }
            auto& b = c.buffer();
            while (b.size() >= 4 && b[0] == '$') {
                const std::size_t len = (static_cast<unsigned char>(b[2]) << 8) | static_cast<unsigned char>(b[3]);
                if (b.size() < 4 + len) break;
                if (b[1] == 0 && len >= 12 && (static_cast<unsigned char>(b[5]) & 0x80)) ++frames;
                b.erase(0, 4 + len);
            }
            if (!b.empty() && b[0] != '$') {
                response r;
                if (const std::size_t used = parse_response(b, r); used > 0) b.erase(0, used);
            }
        }
    }
    return frames;
}

template <class H>
void worker(H& h, unsigned seed, clock_type::time_point end, totals& t) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    while (clock_type::now() < end) {
        t.iterations++;
        raw_client c(h.port());
        if (!c.ok()) {
            t.unexpected++;
            std::this_thread::sleep_for(50ms);
            continue;
        }
        const int kind = pick(20);
        if (kind == 0) {  // junk, then vanish
            std::string junk(static_cast<std::size_t>(1 + pick(3000)), '\0');
            for (auto& ch : junk) ch = static_cast<char>(rng());
            (void)c.send_raw(junk);
            t.junk++;
            if (pick(2)) c.reset();
            continue;
        }
        if (kind == 1) {  // DESCRIBE, then vanish
            auto r = c.request("DESCRIBE", h.url());
            if (r && r->status == 200) t.describe_only++;
            else if (r && r->status == 503) t.busy++;
            else t.unexpected++;
            continue;
        }
        const bool tcp = pick(2) == 0;
        udp_pair up;
        auto [id, r] = tcp ? c.setup_tcp(h.url("/cam/track1")) : c.setup_udp(h.url("/cam/track1"), up.port);
        if (!r || r->status != 200) {
            // The tables can be full for a moment: 503 (connections or sessions) is an answer.
            if (r && (r->status == 503 || r->status == 453)) t.busy++;
            else if (!r && c.closed()) t.busy++;  // the 503 of a full connection table, then close
            else t.unexpected++;
            std::this_thread::sleep_for(std::chrono::milliseconds(20 + pick(50)));
            continue;
        }
        auto rp = c.request("PLAY", h.url("/cam"), "Session: " + id + "\r\n");
        if (!rp || rp->status != 200) {
            t.unexpected++;
            continue;
        }
        t.sessions_played++;
        std::size_t got = receive_frames(c, tcp ? -1 : up.rtp, std::chrono::milliseconds(150 + pick(400)));
        if (pick(3) == 0) {  // pause, then play again
            auto rpa = c.request("PAUSE", h.url("/cam"), "Session: " + id + "\r\n");
            auto rpl = c.request("PLAY", h.url("/cam"), "Session: " + id + "\r\n");
            if (!rpa || rpa->status != 200 || !rpl || rpl->status != 200) t.unexpected++;
            got += receive_frames(c, tcp ? -1 : up.rtp, std::chrono::milliseconds(100 + pick(200)));
        }
        t.frames += got;
        if (got == 0) t.no_frames++;
        const int leave = pick(20);
        if (leave < 6) {
            auto rt = c.request("TEARDOWN", h.url("/cam"), "Session: " + id + "\r\n");
            if (!rt || rt->status != 200) t.unexpected++;
            t.teardown++;
        } else if (leave < 12) {
            c.close();
            t.closed++;
        } else if (leave < 19) {
            c.reset();
            t.reset++;
        } else {
            // Silent: the connection stays open, nothing is sent; the session is reaped after
            // session_timeout_s (2 s). A UDP session gets no RTCP either, so it times out too.
            std::this_thread::sleep_for(2500ms + std::chrono::milliseconds(pick(500)));
            t.silent++;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    int seconds = 120;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string_view(argv[i]) == "--seconds") seconds = std::max(5, std::atoi(argv[i + 1]));
    if (const char* env = std::getenv("RTSP_SOAK_SECONDS"); env && std::atoi(env) > 0) seconds = std::atoi(env);
    std::printf("soak: %d s, %zu worker clients\n", seconds, std::size_t{6});

    (void)good_jpeg();  // built before counting: its memory is not growth
    const std::size_t fds_before = count_fds();
    totals t;
    std::size_t rss_warm = 0, rss_end = 0, fds_max = 0;
    std::set<std::uint64_t> setups;
    std::map<std::uint64_t, int> teardowns;
    std::uint64_t sessions_created = 0;
    {
        harness<> h(soak_options());
        const auto start = clock_type::now();
        const auto end = start + std::chrono::seconds(seconds);
        std::vector<std::thread> workers;
        for (unsigned i = 0; i < 6; ++i)
            workers.emplace_back([&h, i, end, &t] { worker(h, 1000 + i, end, t); });
        const auto warm = start + std::chrono::seconds(std::max(2, seconds / 6));
        bool warmed = false;
        while (clock_type::now() < end) {
            std::this_thread::sleep_for(100ms);
            fds_max = std::max(fds_max, count_fds());
            if (!warmed && clock_type::now() >= warm) {
                rss_warm = rss_kib();
                warmed = true;
            }
        }
        for (auto& w : workers) w.join();
        // Let the reaper finish what silent clients left, then measure with the server idle.
        h.wait_for([](const snapshot& s) { return s.sessions.empty(); }, 5000ms);
        rss_end = rss_kib();
        sessions_created = h.snap().sessions_created;
        h.stop();
        std::lock_guard l(h.callbacks().m);
        for (auto id : h.callbacks().setups) setups.insert(id);
        for (auto id : h.callbacks().teardowns) teardowns[id]++;
        check(setups.size() == h.callbacks().setups.size(), "every setup callback carried a new session id (" +
                                                                std::to_string(setups.size()) + ")");
    }
    const std::size_t fds_after = count_fds();

    std::printf("iterations %zu, sessions played %zu, frames %zu, TEARDOWN %zu, close %zu, reset %zu, "
                "silent %zu, junk %zu, describe-only %zu, busy (503/453) %zu\n",
                t.iterations.load(), t.sessions_played.load(), t.frames.load(), t.teardown.load(),
                t.closed.load(), t.reset.load(), t.silent.load(), t.junk.load(), t.describe_only.load(),
                t.busy.load());
    std::printf("fds before %zu, max while running %zu, after %zu; RSS after warm-up %zu KiB, at end %zu KiB\n",
                fds_before, fds_max, fds_after, rss_warm, rss_end);

    check(t.sessions_played >= static_cast<std::size_t>(seconds), "at least one session per second was played");
    check(t.unexpected == 0, "no unexpected answer (" + std::to_string(t.unexpected.load()) + ")");
    check(t.no_frames == 0, "every played session received frames (" + std::to_string(t.no_frames.load()) +
                                " without)");
    check(sessions_created == setups.size(), "the server's sessions_created (" + std::to_string(sessions_created) +
                                                 ") equals the setup callbacks (" + std::to_string(setups.size()) + ")");
    std::size_t once = 0, twice = 0, strangers = 0;
    for (auto id : setups) {
        auto it = teardowns.find(id);
        if (it != teardowns.end() && it->second == 1) ++once;
        else if (it != teardowns.end()) ++twice;
    }
    for (auto& [id, n] : teardowns) strangers += setups.count(id) ? 0 : 1;
    check(once == setups.size(), "every session's teardown callback fired exactly once (" + std::to_string(once) +
                                     " of " + std::to_string(setups.size()) + ", more than once: " +
                                     std::to_string(twice) + ")");
    check(strangers == 0, "no teardown for an unknown session");
    check(fds_after == fds_before, "no file descriptor leak (" + std::to_string(fds_before) + " before, " +
                                       std::to_string(fds_after) + " after)");
    // Server: listener + 2 UDP + at most max_connections; clients: 6 workers x (1 TCP + 2 UDP).
    check(fds_max <= fds_before + 3 + rtsp::default_config::max_connections + 6 * 3 + 4,
          "descriptors stayed bounded while running (max " + std::to_string(fds_max) + ")");
    const std::size_t tolerance_kib = under_asan ? 64 * 1024 : 2 * 1024;
    check(rss_end <= rss_warm + tolerance_kib, "no memory growth after warm-up (" + std::to_string(rss_warm) +
                                                   " -> " + std::to_string(rss_end) + " KiB, tolerance " +
                                                   std::to_string(tolerance_kib) + " KiB)");
    std::printf("%s\n", failures == 0 ? "PASS" : "FAIL");
    return failures == 0 ? 0 : 1;
}
