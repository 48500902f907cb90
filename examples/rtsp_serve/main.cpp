// SPDX-License-Identifier: MIT
// rtsp-serve: the command-line RTSP server. Streams a moving test pattern, a folder of JPEGs or
// a motion-JPEG file to any RTSP client, and shows who is watching.
//
//   rtsp-serve [--port 8554] [--bind ADDR] [--path /] [--fps 30] [--quality 90]
//              [--size 1280x720] [--source pattern | jpeg-dir:DIR | mjpeg-file:FILE]
//              [--quiet | --verbose]
//
// It runs the server's poll() loop itself rather than stream(), so that the status display is
// refreshed once a second even while no frame is being sent. SIGINT/SIGTERM call stop() (safe
// in a signal handler); the loop then ends and shutdown() tears every session down, firing the
// teardown callbacks, and the program exits 0.
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <rtsp/rtsp.hpp>

#include "file_sources.hpp"
#include "options.hpp"
#include "status.hpp"
#include "test_pattern.hpp"
#include "v4l2_source.hpp"

namespace {

// A host has the memory for more viewers than default_config's 8 (the benchmarks use 32).
struct serve_config : rtsp::default_config {
    static constexpr std::size_t max_connections = 64;
    static constexpr std::size_t max_sessions = 64;
};
using server_t = rtsp::basic_rtsp_server<serve_config>;
// --multicast's port check (options.hpp) counts default_config's group slots.
static_assert(serve_config::max_paths == rtsp::default_config::max_paths);

// The signal handler's only way to the server: stop() is one relaxed atomic store.
std::atomic<server_t*> g_server{nullptr};
volatile std::sig_atomic_t g_signalled = 0;

extern "C" void on_signal(int) {
    g_signalled = 1;
    if (server_t* s = g_server.load()) s->stop();
}

void install_signal_handlers() {
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client vanishing mid-send must not kill the server
}

void write_out(std::FILE* f, std::string_view s) {
    if (s.empty()) return;
    std::fwrite(s.data(), 1, s.size(), f);
    std::fflush(f);
}

// Every line the program prints goes through here, so that on a terminal log lines appear
// above the status board instead of being overwritten by it.
class console {
public:
    console(bool quiet, bool interactive) : quiet_(quiet) {
        if (!quiet) display_.emplace(interactive);
    }
    /// Informational line on stdout; silenced by --quiet.
    void info(std::string_view line) {
        if (quiet_) return;
        emit(stdout, line);
    }
    /// Problems go to stderr whatever the mode.
    void warn(std::string_view line) { emit(stderr, "rtsp-serve: " + std::string(line)); }
    void status(std::chrono::steady_clock::time_point now, const std::vector<rtsp_serve::client_sample>& c) {
        if (display_) write_out(stdout, display_->update(now, c));
    }
    void ended(const rtsp_serve::client_sample& final_counts) {
        if (display_) display_->ended(final_counts);
    }
    void finish() {
        if (display_) write_out(stdout, display_->clear_board());
    }

private:
    void emit(std::FILE* f, std::string_view line) {
        if (display_ && display_->interactive()) {
            write_out(stdout, display_->clear_board());
            write_out(f, std::string(line) + "\n");
            write_out(stdout, display_->redraw());
        } else {
            write_out(f, std::string(line) + "\n");
        }
    }

    bool quiet_;
    std::optional<rtsp_serve::status_display> display_;
};

rtsp_serve::client_sample sample_of(const rtsp::session_info& s) {
    rtsp_serve::client_sample c;
    c.id = s.id;
    c.address = rtsp_serve::format_peer(s.peer);
    c.path = std::string(s.path);
    c.tcp = s.tcp;
    c.http_tunnel = s.http_tunnel;
    c.multicast = s.multicast;
    c.playing = s.playing;
    c.frames_sent = s.frames_sent;
    c.frames_dropped = s.frames_dropped;
    c.bytes_sent = s.bytes_sent;
    return c;
}

std::string hex_id(std::uint64_t id) {
    char b[20];
    std::snprintf(b, sizeof b, "%016llX", static_cast<unsigned long long>(id));
    return b;
}

// Non-loopback IPv4 addresses of this machine, "addr (ifname)".
std::vector<std::string> other_ipv4_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        if ((i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP)) continue;
        const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
        const auto* b = reinterpret_cast<const std::uint8_t*>(&sin->sin_addr);
        char host[rtsp::net::max_host_text] = {};
        const auto n = rtsp::net::format_host(rtsp::net::address::v4(b[0], b[1], b[2], b[3]), host);
        out.push_back(std::string(host, n) + " (" + i->ifa_name + ")");
    }
    freeifaddrs(list);
    return out;
}

// The frame sources behind one callback.
struct frame_feed {
    rtsp_serve::source_kind kind = rtsp_serve::source_kind::pattern;
    std::optional<rtsp_serve::test_pattern> pattern;
    std::optional<rtsp_serve::jpeg_dir_source> dir;
    std::optional<rtsp_serve::mjpeg_file_source> mjpeg;
    std::optional<rtsp_serve::v4l2::capture> camera;
    std::uint64_t frame_number = 0;
    bool exhausted = false;  // a file source has nothing left it can send

    rtsp::frame_ref next() {
        switch (kind) {
        case rtsp_serve::source_kind::pattern: {
            const auto ms = rtsp_serve::local_ms_of_day(std::chrono::system_clock::now());
            return pattern->draw(frame_number++, ms);
        }
        case rtsp_serve::source_kind::jpeg_dir:
            if (auto v = dir->next()) return *v;
            break;
        case rtsp_serve::source_kind::mjpeg_file:
            if (auto v = mjpeg->next()) return *v;
            break;
        case rtsp_serve::source_kind::v4l2: {
            auto f = camera->next();  // no_frame between camera frames is normal
            if (camera->failure().empty()) return f;
            break;
        }
        }
        exhausted = true;
        return rtsp::no_frame;
    }
};

const char* level_name(rtsp::log_level l) {
    switch (l) {
    case rtsp::log_level::error: return "error";
    case rtsp::log_level::warning: return "warning";
    case rtsp::log_level::info: return "info";
    case rtsp::log_level::debug: return "debug";
    }
    return "?";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace rtsp_serve;
    std::vector<std::string_view> args(argv + 1, argv + argc);
    const parse_outcome parsed = parse_options(args);
    if (const auto* e = std::get_if<usage_error>(&parsed)) {
        std::fprintf(stderr, "rtsp-serve: %s\nTry 'rtsp-serve --help' for the options and examples.\n",
                     e->message.c_str());
        return 2;
    }
    const options& opt = std::get<options>(parsed);
    if (opt.help) {
        write_out(stdout, usage_text);
        return 0;
    }

    console con(opt.quiet, isatty(STDOUT_FILENO) == 1);
    auto warn = [&con](std::string_view l) { con.warn(l); };

    // The source first: a bad DIR/FILE is a usage problem (exit 2), found before any socket.
    frame_feed feed;
    feed.kind = opt.source;
    std::string description;
    switch (opt.source) {
    case source_kind::pattern:
        feed.pattern.emplace(opt.width, opt.height);
        description = "the test pattern (" + std::to_string(opt.width) + "x" +
                      std::to_string(opt.height) + ", quality " + std::to_string(opt.quality) + ")";
        break;
    case source_kind::jpeg_dir: {
        auto r = jpeg_dir_source::open(opt.source_arg, warn, opt.quality);
        if (auto* e = std::get_if<std::string>(&r)) {
            std::fprintf(stderr, "rtsp-serve: %s\n", e->c_str());
            return 2;
        }
        feed.dir.emplace(std::move(std::get<jpeg_dir_source>(r)));
        description = std::to_string(feed.dir->files().size()) + " JPEG files from " + opt.source_arg;
        break;
    }
    case source_kind::mjpeg_file: {
        auto r = mjpeg_file_source::open(opt.source_arg, warn, opt.quality);
        if (auto* e = std::get_if<std::string>(&r)) {
            std::fprintf(stderr, "rtsp-serve: %s\n", e->c_str());
            return 2;
        }
        feed.mjpeg.emplace(std::move(std::get<mjpeg_file_source>(r)));
        description = "motion JPEG from " + opt.source_arg;
        break;
    }
    case source_kind::v4l2: {
        // A camera that cannot be used is exit 1: the command line was fine, the device is not.
        if (opt.list_formats) {
            v4l2::posix_device dev;
            auto r = v4l2::list_formats(dev, opt.source_arg);
            if (r.index() == 1) {
                std::fprintf(stderr, "rtsp-serve: %s\n", std::get<1>(r).c_str());
                return 1;
            }
            write_out(stdout, std::get<0>(r));
            return 0;
        }
        v4l2::request want{opt.width, opt.height, opt.fps};
        auto r = v4l2::capture::open(std::make_unique<v4l2::posix_device>(), opt.source_arg, want);
        if (r.index() == 1) {
            std::fprintf(stderr, "rtsp-serve: %s\n", std::get<1>(r).c_str());
            return 1;
        }
        feed.camera.emplace(std::move(std::get<0>(r)));
        feed.camera->convert_unsendable(opt.quality, warn);
        const auto& g = feed.camera->format();
        description = "camera " + opt.source_arg + ": " + g.describe() +
                      (g.mjpeg() ? ", sent without re-encoding" : ", encoded at quality " + std::to_string(opt.quality));
        break;
    }
    }

    rtsp::server_options so;
    so.port = opt.port;
    if (!opt.bound_to_any()) so.bind = opt.bind;
    so.max_fps = opt.fps;  // paces every source: the pattern's rate, file frames per second
    so.session_name = "rtsp-serve";
    so.username = opt.user;  // Digest MD5 on every request but OPTIONS; opt outlives the server
    so.password = opt.password;
    so.multicast_group = opt.multicast;  // all zero without --multicast: off
    so.multicast_ttl = opt.multicast_ttl;
    // The size for SDP's a=x-dimensions, needed when a side exceeds 2040 (RFC 2435's limit).
    if (opt.source == source_kind::pattern) {
        so.width = opt.width;
        so.height = opt.height;
    } else if (feed.dir) {
        so.width = feed.dir->width();
        so.height = feed.dir->height();
    } else if (feed.mjpeg) {
        so.width = feed.mjpeg->width();
        so.height = feed.mjpeg->height();
    } else if (feed.camera) {
        so.width = static_cast<std::uint16_t>(feed.camera->format().width);
        so.height = static_cast<std::uint16_t>(feed.camera->format().height);
        // The camera sets the pace: ask it for a frame at twice its rate, so a frame waits at
        // most half an interval and a poll landing just before a frame does not halve the rate.
        const std::uint32_t cam = feed.camera->format().fps_rounded();
        so.max_fps = std::min<std::uint32_t>(max_fps, 2 * (cam != 0 ? cam : opt.fps));
    }

    // Where the server lays out each frame's packets once, so every client's share leaves in
    // one piece (server_options::wire_buffer). Not value-initialized: only the pages a frame
    // touches count in RSS, about its JPEG size; frames above 8 MiB still go out, gathered.
    constexpr std::size_t wire_bytes = std::size_t{8} << 20;
    const auto wire = std::make_unique_for_overwrite<std::byte[]>(wire_bytes);
    so.wire_buffer = std::span<std::byte>(wire.get(), wire_bytes);

    server_t server(so);
    const std::string stream_path = opt.path;
    server.register_path_check([&stream_path](std::string_view p) { return p == stream_path; });

    // Who is who. Inside the teardown callback the ending session is still visited (marked
    // `ending`), with its final counters.
    auto lookup_peer = [&server](std::uint64_t id) {
        std::string a = "?";
        server.for_each_session([&](const rtsp::session_info& s) {
            if (s.id == id)
                a = format_peer(s.peer) + (s.multicast ? " (multicast)"
                                           : !s.tcp      ? " (UDP)"
                                           : s.http_tunnel ? " (HTTP tunnel)"
                                                           : " (TCP)");
        });
        return a;
    };
    bool refresh_status = false;  // a session changed: redraw now, not up to a second later
    struct callback_ctx {
        console* con;
        decltype(lookup_peer)* peer_of;
        bool* refresh;
    } ctx{&con, &lookup_peer, &refresh_status};
    auto event = [](callback_ctx& c, std::string_view what, std::string_view path, std::uint64_t id) {
        *c.refresh = true;
        c.con->info("client " + (*c.peer_of)(id) + " " + std::string(what) + " " + std::string(path) +
                    " session " + hex_id(id));
    };
    server.register_setup_cb([&ctx, event](std::string_view p, std::uint64_t id) { event(ctx, "setup", p, id); });
    server.register_play_cb([&ctx, event](std::string_view p, std::uint64_t id) { event(ctx, "play", p, id); });
    server.register_pause_cb([&ctx, event](std::string_view p, std::uint64_t id) { event(ctx, "pause", p, id); });
    server.register_teardown_cb([&ctx, &server, event](std::string_view p, std::uint64_t id) {
        event(ctx, "teardown", p, id);
        // The status line "disconnected: N frames sent" then shows the final count.
        server.for_each_session([&](const rtsp::session_info& s) {
            if (s.ending) ctx.con->ended(sample_of(s));
        });
    });

    const bool verbose = opt.verbose;
    server.register_log_cb([&con, verbose](rtsp::log_level l, std::string_view line) {
        if (l == rtsp::log_level::error || l == rtsp::log_level::warning) {
            con.warn(std::string(level_name(l)) + ": " + std::string(line));
        } else if (verbose) {
            // Request lines and response status lines both arrive at debug level.
            const bool response = line.starts_with("RTSP/") || line.starts_with("HTTP/");
            const char* tag = l == rtsp::log_level::debug ? (response ? "<- " : "-> ") : "   ";
            con.info(tag + std::string(line));
        }
    });

    g_server.store(&server);
    install_signal_handlers();

    if (auto r = server.start(); !r) {
        g_server.store(nullptr);
        if (r.error() == rtsp::errc::address_in_use)
            std::fprintf(stderr, "rtsp-serve: port %u is already in use; pick another with --port\n",
                         static_cast<unsigned>(opt.port));
        else
            std::fprintf(stderr, "rtsp-serve: cannot start on %s port %u: %s\n",
                         opt.bound_to_any() ? "any address" : opt.bind_text.c_str(),
                         static_cast<unsigned>(opt.port), std::string(rtsp::to_string(r.error())).c_str());
        return 1;
    }

    // Where to point a player.
    const bool v6 = !opt.bound_to_any() && opt.bind.is_v6();
    const std::string host = opt.bound_to_any() ? "127.0.0.1" : opt.bind_text;
    const std::string url = url_for(host, v6, server.port(), opt.path);
    std::string banner = "rtsp-serve " RTSP_VERSION_STRING ": streaming " + description +
                         (feed.camera ? std::string() : " at " + std::to_string(opt.fps) + " fps") + "\n";
    banner += "  open  " + url + "\n";
    if (opt.bound_to_any())
        for (const auto& a : other_ipv4_addresses()) {
            const auto sp = a.find(' ');
            banner += "  or    " + url_for(a.substr(0, sp), false, server.port(), opt.path) + a.substr(sp) + "\n";
        }
    banner += "watch with:\n";
    banner += "  ffplay -rtsp_transport tcp -fflags nobuffer -flags low_delay " + url + "\n";
    banner += "  vlc --network-caching=200 " + url + "\n";
    banner += "  gst-launch-1.0 rtspsrc location=" + url +
              " latency=100 ! rtpjpegdepay ! jpegdec ! videoconvert ! autovideosink\n";
    if (!opt.multicast_text.empty()) {
        banner += "multicast to group " + format_peer(opt.multicast) + " (TTL " +
                  std::to_string(opt.multicast_ttl) + ") for clients that ask for it:\n";
        banner += "  ffplay -rtsp_transport udp_multicast " + url + "\n";
        banner += "  gst-launch-1.0 rtspsrc location=" + url +
                  " protocols=udp-mcast ! rtpjpegdepay ! jpegdec ! videoconvert ! autovideosink\n";
    }
    banner += "Ctrl-C stops the server.";
    con.info(banner);

    server.set_source([&feed](std::string_view) { return feed.next(); }, opt.quality);

    using clock = std::chrono::steady_clock;
    auto next_status = clock::now();
    std::vector<client_sample> samples;
    int exit_code = 0;
    while (server.running() && !g_signalled) {
        if (auto r = server.poll(100'000); !r) {
            con.warn("server stopped: " + std::string(rtsp::to_string(r.error())));
            exit_code = 1;
            break;
        }
        if (feed.camera && !feed.camera->failure().empty()) {
            con.warn(feed.camera->failure());
            exit_code = 1;
            break;
        }
        if (feed.exhausted) {
            con.warn("the source has no frame left that can be sent; stopping");
            exit_code = 1;
            break;
        }
        const auto now = clock::now();
        if (now >= next_status || refresh_status) {
            refresh_status = false;
            next_status = now + std::chrono::seconds(1);
            samples.clear();
            server.for_each_session([&](const rtsp::session_info& s) { samples.push_back(sample_of(s)); });
            con.status(now, samples);
        }
    }
    server.shutdown();  // teardown callbacks fire here
    g_server.store(nullptr);
    samples.clear();
    con.status(clock::now(), samples);  // the final "disconnected" lines, with totals
    con.finish();
    const auto& st = server.stats();
    con.info("rtsp-serve: stopped after " + std::to_string(st.frames_produced) + " frames (" +
             std::to_string(st.frames_rejected) + " rejected)");
    return exit_code;
}
