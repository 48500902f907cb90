// SPDX-License-Identifier: MIT
// rtsp_serve/status.hpp - rtsp-serve's per-client status display.
//
// Fed with snapshots of the server's sessions about once a second, it turns counters into
// rates (fps, Mbit/s) and produces text; writing it is main()'s job, so the display is plain
// string-in/string-out and testable. Two modes:
//  - interactive (stdout is a terminal): a board of one line per client, redrawn in place with
//    ANSI cursor codes every update; log lines are printed above it (erase board, print line,
//    redraw), so the board never scrolls away.
//  - plain (a pipe or a log file): a line only when something changes (a client appears, starts
//    or stops playing, leaves) plus a summary every 10 s while clients are connected, so logs
//    stay readable and small.
// It does not include the server: main() converts the server's session snapshots to samples.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rtsp/net/address.hpp"

namespace rtsp_serve {

/// One client, as seen at one instant.
struct client_sample {
    std::uint64_t id = 0;           ///< the RTSP session id
    std::string address;            ///< "192.0.2.7:50312" or "[2001:db8::1]:50312"
    std::string path;               ///< the stream path it set up
    bool tcp = false;               ///< RTP interleaved on the RTSP connection (else UDP)
    bool http_tunnel = false;       ///< set up through an RTSP-over-HTTP tunnel
    bool multicast = false;         ///< receives the path's multicast group stream
    bool playing = false;
    std::uint64_t frames_sent = 0, frames_dropped = 0, bytes_sent = 0;
};

/// "host:port", with IPv6 hosts in brackets as in URLs.
[[nodiscard]] inline std::string format_peer(const rtsp::net::address& a) {
    char host[rtsp::net::max_host_text] = {};
    const std::size_t n = rtsp::net::format_host(a, host);
    std::string s;
    if (a.is_v6()) s += '[';
    s.append(host, n);
    if (a.is_v6()) s += ']';
    s += ':';
    s += std::to_string(a.port);
    return s;
}

class status_display {
public:
    using clock = std::chrono::steady_clock;

    /// `interactive`: redraw in place with ANSI codes (stdout is a terminal).
    explicit status_display(bool interactive,
                            clock::duration summary_every = std::chrono::seconds(10))
        : interactive_(interactive), summary_every_(summary_every) {}

    /// Takes a snapshot of every session at `now`; returns the text to write to stdout.
    std::string update(clock::time_point now, std::span<const client_sample> clients) {
        std::string out;
        std::map<std::uint64_t, tracked> next;
        for (const auto& c : clients) {
            auto it = clients_.find(c.id);
            tracked t;
            if (it == clients_.end()) {
                t.rate_since = now;
                t.rate_frames = c.frames_sent;
                t.rate_bytes = c.bytes_sent;
                if (!interactive_)
                    out += "client " + c.address + " connected: session " + hex(c.id) + ", " +
                           transport(c) + ", path " + c.path + "\n";
            } else {
                t = it->second;
                if (!interactive_ && t.last.playing != c.playing)
                    out += "client " + c.address + (c.playing ? " playing" : " paused") + "\n";
            }
            // Rates over at least a second (interactive) or the summary period (plain), so a
            // call made a few milliseconds after the last one does not show nonsense.
            const auto window = interactive_ ? clock::duration(std::chrono::seconds(1)) : summary_every_;
            const auto dt = now - t.rate_since;
            if (dt >= window) {
                const double s = std::chrono::duration<double>(dt).count();
                t.fps = static_cast<double>(c.frames_sent - t.rate_frames) / s;
                t.mbps = static_cast<double>(c.bytes_sent - t.rate_bytes) * 8.0 / s / 1e6;
                t.rate_since = now;
                t.rate_frames = c.frames_sent;
                t.rate_bytes = c.bytes_sent;
            }
            t.last = c;
            next.emplace(c.id, std::move(t));
        }
        if (!interactive_) {
            for (const auto& [id, t] : clients_)
                if (!next.count(id))
                    out += "client " + t.last.address + " disconnected: session " + hex(id) +
                           ", " + std::to_string(t.last.frames_sent) + " frames sent, " +
                           std::to_string(t.last.frames_dropped) + " dropped\n";
        }
        clients_ = std::move(next);

        if (interactive_) {
            out += clear_board();
            out += redraw();
        } else {
            if (!summary_started_) {
                summary_started_ = true;
                last_summary_ = now;
            } else if (now - last_summary_ >= summary_every_) {
                last_summary_ = now;
                if (!clients_.empty()) {
                    out += "status: " + std::to_string(clients_.size()) +
                           (clients_.size() == 1 ? " client\n" : " clients\n");
                    for (const auto& [id, t] : clients_) out += "  " + line_for(t) + "\n";
                }
            }
        }
        return out;
    }

    /// A client's final counters, taken when its session ended (the teardown callback);
    /// the "disconnected" line of the next update() shows them instead of the last sample,
    /// which may be up to a second old. Ignored for a client never sampled.
    void ended(const client_sample& final_counts) {
        auto it = clients_.find(final_counts.id);
        if (it == clients_.end()) return;
        it->second.last.frames_sent = final_counts.frames_sent;
        it->second.last.frames_dropped = final_counts.frames_dropped;
        it->second.last.bytes_sent = final_counts.bytes_sent;
    }

    /// Interactive: the codes that erase the board (put them before a log line). Else empty.
    std::string clear_board() {
        if (!interactive_ || board_lines_ == 0) return {};
        std::string s = "\r\x1b[" + std::to_string(board_lines_) + "A\x1b[J";
        board_lines_ = 0;
        return s;
    }

    /// Interactive: the board, drawn below the cursor (put it after a log line). Else empty.
    std::string redraw() {
        if (!interactive_) return {};
        std::string s;
        std::vector<std::string> lines;
        if (clients_.empty()) {
            lines.emplace_back("no clients connected");
        } else {
            lines.emplace_back(std::to_string(clients_.size()) +
                               (clients_.size() == 1 ? " client" : " clients"));
            for (const auto& [id, t] : clients_) lines.push_back("  " + line_for(t));
        }
        for (const auto& l : lines) s += "\x1b[2K" + l + "\n";
        board_lines_ = lines.size();
        return s;
    }

    /// Interactive: `line` printed above the board as one self-contained piece of output.
    std::string log(std::string_view line) {
        std::string s = clear_board();
        s += line;
        s += '\n';
        s += redraw();
        return s;
    }

    [[nodiscard]] bool interactive() const noexcept { return interactive_; }
    [[nodiscard]] std::size_t client_count() const noexcept { return clients_.size(); }

    /// The most recent rates of a client (0 until a full window has passed).
    [[nodiscard]] double fps_of(std::uint64_t id) const {
        auto it = clients_.find(id);
        return it == clients_.end() ? 0.0 : it->second.fps;
    }
    [[nodiscard]] double mbps_of(std::uint64_t id) const {
        auto it = clients_.find(id);
        return it == clients_.end() ? 0.0 : it->second.mbps;
    }

private:
    struct tracked {
        client_sample last;
        clock::time_point rate_since{};
        std::uint64_t rate_frames = 0, rate_bytes = 0;
        double fps = 0, mbps = 0;
    };

    static std::string hex(std::uint64_t v) {
        char b[20];
        std::snprintf(b, sizeof b, "%016llX", static_cast<unsigned long long>(v));
        return b;
    }
    static std::string transport(const client_sample& c) {
        if (c.multicast) return "MCAST";
        return !c.tcp ? "UDP" : c.http_tunnel ? "HTTP" : "TCP";  // media: UDP even when tunnelled
    }

    static std::string line_for(const tracked& t) {
        char b[160];
        std::snprintf(b, sizeof b, "%-28s %-4s %-7s %6.1f fps %8.2f Mbit/s  %llu dropped  %s",
                      t.last.address.c_str(), transport(t.last).c_str(),
                      t.last.playing ? "playing" : "ready", t.fps, t.mbps,
                      static_cast<unsigned long long>(t.last.frames_dropped), t.last.path.c_str());
        return b;
    }

    bool interactive_;
    clock::duration summary_every_;
    std::map<std::uint64_t, tracked> clients_;
    std::size_t board_lines_ = 0;
    bool summary_started_ = false;
    clock::time_point last_summary_{};
};

}  // namespace rtsp_serve
