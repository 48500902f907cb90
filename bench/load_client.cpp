// SPDX-License-Identifier: MIT
// bench/load_client.cpp - a receive-only RTSP load generator for the server benchmarks.
//
// Opens N RTSP sessions on one URL (DESCRIBE, SETUP over UDP or TCP interleaved, PLAY), then
// receives RTP for a fixed time in one thread and reassembles every RFC 2435 frame: a frame is
// complete when its fragments arrive contiguous from offset 0 up to the marker packet. It prints
// one line of key=value totals so a script can compare servers:
//   complete/incomplete frames and lost packets (counted after --warmup seconds, so the mid-frame
//   join of a shared stream is not held against a server), the slowest client's frame rate, and
//   the time from sending PLAY to the arrival of the first complete frame (median and max over
//   the clients; the kernel's receive timestamp, SO_TIMESTAMPNS, so the client's own delay in
//   getting round to a socket is left out: over UDP of the last packet, over TCP of the last
//   segment of the read that completed the frame, an upper bound).
// Everything is bounded: connect/response timeouts, a hard --duration, and loopback traffic is
// all it is meant for. It never sends RTCP receiver reports (the runs are shorter than any
// session timeout), so the server's CPU is spent on sending, which is what is measured.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

// Wall-clock seconds: the kernel stamps arrivals (SO_TIMESTAMPNS) with CLOCK_REALTIME.
double realtime_now() {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct options {
    std::string host = "127.0.0.1";
    int port = 8554;
    std::string path = "/";
    std::string url;
    int clients = 1;
    bool tcp = false;
    double duration = 10.0;  // seconds of receiving after the last PLAY
    double warmup = 2.0;     // seconds at the start not counted in complete/incomplete/lost
    int udp_base = 0;        // first client RTP port (0: picked from the pid)
};

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: rtsp_load_client --url rtsp://127.0.0.1:8554/path [--clients N] [--tcp]\n"
                 "                        [--duration S] [--warmup S] [--udp-base PORT]\n");
    std::exit(2);
}

bool parse_url(options& o) {
    const std::string pre = "rtsp://";
    if (o.url.compare(0, pre.size(), pre) != 0) return false;
    std::string rest = o.url.substr(pre.size());
    const auto slash = rest.find('/');
    std::string hostport = rest.substr(0, slash);
    o.path = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = hostport.rfind(':');
    if (colon != std::string::npos) {
        o.host = hostport.substr(0, colon);
        o.port = std::atoi(hostport.c_str() + colon + 1);
    } else {
        o.host = hostport;
        o.port = 554;
    }
    return o.port > 0 && o.port < 65536;
}

// Per-session receive state: RTP sequence tracking and one frame being reassembled.
struct client {
    int tcp_fd = -1;
    int rtp_fd = -1;   // UDP only
    int rtcp_fd = -1;  // UDP only; drained and ignored (server SRs)
    std::string session;
    int cseq = 1;
    std::string rx;              // TCP stream bytes not yet consumed
    std::string body;            // body of the last response read in setup (the SDP)
    std::vector<std::uint8_t> frame;  // reassembled scan of the current frame
    bool have_seq = false;
    std::uint16_t next_seq = 0;
    bool in_frame = false;       // fragments of `ts` contiguous so far
    std::uint32_t ts = 0;
    std::uint32_t expect_offset = 0;
    bool playing = false;
    double play_sent = 0;        // realtime_now() when PLAY was sent
    double ttff_ms = -1;         // PLAY -> arrival of the first complete frame's last packet
    // counted after warmup
    std::uint64_t complete = 0, incomplete = 0, lost = 0, packets = 0, bytes = 0;
    std::uint64_t complete_total = 0;
};

bool counting = false;  // past the warm-up

int connect_tcp(const options& o) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(o.host.c_str(), std::to_string(o.port).c_str(), &hints, &res) != 0) return -1;
    int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int rcv = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    }
    return fd;
}

bool send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

// Reads one RTSP response head (+ body) from a blocking socket within 5 s; RTP that arrives
// before it (TCP) is impossible during setup since PLAY is answered asynchronously later.
bool read_response(client& c, std::string& head) {
    const auto t0 = clock_type::now();
    for (;;) {
        const auto end = c.rx.find("\r\n\r\n");
        if (end != std::string::npos) {
            head = c.rx.substr(0, end + 4);
            std::size_t body = 0;
            const auto cl = head.find("Content-Length:");
            if (cl != std::string::npos) body = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
            if (c.rx.size() >= end + 4 + body) {
                c.body = c.rx.substr(end + 4, body);
                c.rx.erase(0, end + 4 + body);
                return head.compare(0, 12, "RTSP/1.0 200") == 0;
            }
        }
        if (seconds_since(t0) > 5.0) return false;
        pollfd p{c.tcp_fd, POLLIN, 0};
        if (::poll(&p, 1, 500) <= 0) continue;
        char buf[4096];
        const ssize_t n = ::recv(c.tcp_fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        c.rx.append(buf, static_cast<std::size_t>(n));
    }
}

std::string header_value(const std::string& head, const char* name) {
    const auto p = head.find(name);
    if (p == std::string::npos) return {};
    auto v = p + std::strlen(name);
    while (v < head.size() && head[v] == ' ') ++v;
    auto e = head.find_first_of(";\r", v);
    return head.substr(v, e - v);
}

int bind_udp(int port) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    int rcv = 8 << 20;
    // SO_RCVBUFFORCE passes rmem_max when running as root; else the capped SO_RCVBUF.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    // Arrival times from the kernel, so the time to first frame does not include how long
    // this single-threaded client took to get round to the socket.
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string request(const options& o, client& c, const char* method, const std::string& url,
                    const std::string& extra) {
    std::string r = std::string(method) + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(c.cseq++) +
                    "\r\nUser-Agent: rtsp_load_client\r\n" + extra;
    if (!c.session.empty()) r += "Session: " + c.session + "\r\n";
    (void)o;
    return r + "\r\n";
}

bool setup_client(const options& o, client& c, int index, int& next_port) {
    c.tcp_fd = connect_tcp(o);
    if (c.tcp_fd < 0) return false;
    std::string head;
    if (!send_all(c.tcp_fd, request(o, c, "DESCRIBE", o.url, "Accept: application/sdp\r\n")) ||
        !read_response(c, head))
        return false;
    // The control URL: a=control of the media if absolute, else relative to the base.
    std::string transport;
    if (o.tcp) {
        transport = "RTP/AVP/TCP;unicast;interleaved=0-1";
    } else {
        for (int tries = 0; tries < 200 && c.rtp_fd < 0; ++tries, next_port += 2) {
            c.rtp_fd = bind_udp(next_port);
            if (c.rtp_fd < 0) continue;
            c.rtcp_fd = bind_udp(next_port + 1);
            if (c.rtcp_fd < 0) {
                ::close(c.rtp_fd);
                c.rtp_fd = -1;
            }
        }
        if (c.rtp_fd < 0) return false;
        transport = "RTP/AVP;unicast;client_port=" + std::to_string(next_port - 2) + "-" +
                    std::to_string(next_port - 1);
    }
    (void)index;
    // SETUP the media's a=control (absolute, or relative to the DESCRIBE URL): "track1" for
    // ours, "stream=0" for gst-rtsp-server.
    std::string ctl = "track1";
    const auto m = c.body.find("m=video");
    const auto a = c.body.find("a=control:", m == std::string::npos ? 0 : m);
    if (a != std::string::npos) ctl = c.body.substr(a + 10, c.body.find_first_of("\r\n", a) - a - 10);
    std::string u = ctl;
    if (ctl.compare(0, 7, "rtsp://") != 0) {
        u = o.url;
        if (u.back() != '/') u += '/';
        u += ctl;
    }
    if (!send_all(c.tcp_fd, request(o, c, "SETUP", u, "Transport: " + transport + "\r\n"))) return false;
    const bool ok = read_response(c, head);
    if (!ok) return false;
    c.session = header_value(head, "Session:");
    return !c.session.empty();
}

// One RTP packet of client c (JPEG payload, RFC 2435).
// `arrival` is realtime seconds: the kernel's receive stamp (of the packet, or for TCP of the read).
void on_rtp(client& c, const std::uint8_t* p, std::size_t n, double arrival) {
    if (n < 12 + 8 || (p[0] >> 6) != 2) return;
    const std::size_t csrc = p[0] & 0x0F;
    std::size_t h = 12 + 4 * csrc;
    if (p[0] & 0x10) {  // extension
        if (n < h + 4) return;
        h += 4 + 4 * ((p[h + 2] << 8) | p[h + 3]);
    }
    if (n < h + 8) return;
    const bool marker = (p[1] & 0x80) != 0;
    const std::uint16_t seq = static_cast<std::uint16_t>((p[2] << 8) | p[3]);
    const std::uint32_t ts = (std::uint32_t(p[4]) << 24) | (std::uint32_t(p[5]) << 16) |
                             (std::uint32_t(p[6]) << 8) | p[7];
    if (counting) {
        ++c.packets;
        c.bytes += n;
    }
    if (c.have_seq && seq != c.next_seq) {
        const std::uint16_t gap = static_cast<std::uint16_t>(seq - c.next_seq);
        if (gap < 0x8000 && counting) c.lost += gap;
    }
    c.have_seq = true;
    c.next_seq = static_cast<std::uint16_t>(seq + 1);

    const std::uint8_t* j = p + h;
    const std::uint32_t off = (std::uint32_t(j[1]) << 16) | (std::uint32_t(j[2]) << 8) | j[3];
    const std::uint8_t type = j[4], q = j[5];
    std::size_t ph = 8;
    if (type >= 64) ph += 4;
    if (off == 0 && q >= 128) {
        if (n < h + ph + 4) return;
        ph += 4 + ((j[ph + 2] << 8) | j[ph + 3]);
    }
    if (n < h + ph) return;
    if (off == 0) {
        if (c.in_frame && counting) ++c.incomplete;  // the previous one never got its marker
        c.in_frame = true;
        c.ts = ts;
        c.expect_offset = 0;
        c.frame.clear();
    } else if (!c.in_frame || ts != c.ts || off != c.expect_offset) {
        if (c.in_frame && counting) ++c.incomplete;
        c.in_frame = false;
        return;
    }
    const std::size_t len = n - h - ph;
    c.frame.insert(c.frame.end(), j + ph, j + ph + len);
    c.expect_offset = off + static_cast<std::uint32_t>(len);
    if (marker) {
        c.in_frame = false;
        ++c.complete_total;
        if (counting) ++c.complete;
        if (c.ttff_ms < 0) c.ttff_ms = (arrival - c.play_sent) * 1e3;
    }
}

/// Realtime seconds from an SCM_TIMESTAMPNS control message of m, or 0 if it has none.
double kernel_stamp(msghdr& m) {
    for (cmsghdr* cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(cm), sizeof ts);
            return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
        }
    return 0;
}

// Consumes c.rx: '$' frames and RTSP responses (PLAY's answer). `arrival`: when the bytes
// just read arrived.
bool drain_tcp(client& c, double arrival) {
    std::size_t pos = 0;
    for (;;) {
        if (c.rx.size() - pos < 4) break;
        if (c.rx[pos] == '$') {
            const auto* b = reinterpret_cast<const std::uint8_t*>(c.rx.data() + pos);
            const std::size_t len = (b[2] << 8) | b[3];
            if (c.rx.size() - pos < 4 + len) break;
            if (b[1] == 0) on_rtp(c, b + 4, len, arrival);
            pos += 4 + len;
        } else if (c.rx.compare(pos, 5, "RTSP/") == 0) {
            const auto end = c.rx.find("\r\n\r\n", pos);
            if (end == std::string::npos) break;
            const std::string head = c.rx.substr(pos, end + 4 - pos);
            std::size_t body = 0;
            const auto cl = head.find("Content-Length:");
            if (cl != std::string::npos) body = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
            if (c.rx.size() < end + 4 + body) break;
            if (head.compare(0, 12, "RTSP/1.0 200") != 0) return false;
            c.playing = true;
            pos = end + 4 + body;
        } else {
            return false;  // lost framing
        }
    }
    c.rx.erase(0, pos);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto val = [&]() -> const char* {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--url") o.url = val();
        else if (a == "--clients") o.clients = std::atoi(val());
        else if (a == "--tcp") o.tcp = true;
        else if (a == "--udp") o.tcp = false;
        else if (a == "--duration") o.duration = std::atof(val());
        else if (a == "--warmup") o.warmup = std::atof(val());
        else if (a == "--udp-base") o.udp_base = std::atoi(val());
        else usage();
    }
    if (o.url.empty() || !parse_url(o) || o.clients < 1 || o.clients > 256 || o.duration <= 0 ||
        o.duration > 600)
        usage();
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<client> cs(static_cast<std::size_t>(o.clients));
    int next_port = o.udp_base ? o.udp_base : 20000 + 2 * ((getpid() * 97) % 20000);
    for (int i = 0; i < o.clients; ++i) {
        if (!setup_client(o, cs[static_cast<std::size_t>(i)], i, next_port)) {
            std::printf("error=setup_failed client=%d\n", i);
            return 1;
        }
    }
    // PLAY everyone, then read everything without blocking.
    for (auto& c : cs) {
        c.play_sent = realtime_now();
        if (!send_all(c.tcp_fd, request(o, c, "PLAY", o.url, "Range: npt=0.000-\r\n"))) {
            std::printf("error=play_failed\n");
            return 1;
        }
        fcntl(c.tcp_fd, F_SETFL, fcntl(c.tcp_fd, F_GETFL) | O_NONBLOCK);
        // TCP arrival times from the kernel too (the stamp of the last segment a read took).
        int one = 1;
        if (o.tcp) setsockopt(c.tcp_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    }
    // The script starts its CPU window a warm-up after this line.
    std::fprintf(stderr, "load_client: playing\n");
    std::vector<pollfd> pfd;
    std::vector<std::pair<std::size_t, int>> who;  // client, 0 tcp 1 rtp 2 rtcp
    for (std::size_t i = 0; i < cs.size(); ++i) {
        pfd.push_back({cs[i].tcp_fd, POLLIN, 0});
        who.emplace_back(i, 0);
        if (!o.tcp) {
            pfd.push_back({cs[i].rtp_fd, POLLIN, 0});
            who.emplace_back(i, 1);
            pfd.push_back({cs[i].rtcp_fd, POLLIN, 0});
            who.emplace_back(i, 2);
        }
    }
    constexpr unsigned batch = 64;
    std::vector<std::uint8_t> pool(batch * 2048);
    mmsghdr msgs[batch];
    iovec iov[batch];
    alignas(cmsghdr) char ctrl[batch][CMSG_SPACE(sizeof(timespec))];
    std::vector<char> tcpbuf(1 << 18);
    bool failed = false;
    const auto t0 = clock_type::now();
    while (!failed) {
        const double t = seconds_since(t0);
        if (t >= o.duration) break;
        counting = t >= o.warmup;
        if (::poll(pfd.data(), pfd.size(), 50) < 0) break;
        for (std::size_t k = 0; k < pfd.size(); ++k) {
            if (!(pfd[k].revents & (POLLIN | POLLERR | POLLHUP))) continue;
            client& c = cs[who[k].first];
            if (who[k].second == 0) {
                // Bounded per wake-up so one TCP client cannot starve the others.
                for (int rounds = 0; rounds < 8; ++rounds) {
                    iovec io{tcpbuf.data(), tcpbuf.size()};
                    alignas(cmsghdr) char tctrl[CMSG_SPACE(sizeof(timespec)) * 2];
                    msghdr mh{};
                    mh.msg_iov = &io;
                    mh.msg_iovlen = 1;
                    mh.msg_control = tctrl;
                    mh.msg_controllen = sizeof tctrl;
                    const ssize_t n = ::recvmsg(c.tcp_fd, &mh, 0);
                    if (n == 0) {
                        std::fprintf(stderr, "load_client: server closed a connection\n");
                        failed = true;
                        break;
                    }
                    if (n < 0) break;
                    c.rx.append(tcpbuf.data(), static_cast<std::size_t>(n));
                    const double at = kernel_stamp(mh);
                    if (!drain_tcp(c, at > 0 ? at : realtime_now())) {
                        std::fprintf(stderr, "load_client: bad data on a connection\n");
                        failed = true;
                        break;
                    }
                    if (static_cast<std::size_t>(n) < tcpbuf.size()) break;
                }
            } else {
                const int fd = who[k].second == 1 ? c.rtp_fd : c.rtcp_fd;
                for (int rounds = 0; rounds < 16; ++rounds) {
                    for (unsigned m = 0; m < batch; ++m) {
                        iov[m] = {pool.data() + m * 2048, 2048};
                        msgs[m] = {};
                        msgs[m].msg_hdr.msg_iov = &iov[m];
                        msgs[m].msg_hdr.msg_iovlen = 1;
                        msgs[m].msg_hdr.msg_control = ctrl[m];
                        msgs[m].msg_hdr.msg_controllen = sizeof ctrl[m];
                    }
                    const int got = ::recvmmsg(fd, msgs, batch, MSG_DONTWAIT, nullptr);
                    if (got <= 0) break;
                    if (who[k].second == 1)
                        for (int m = 0; m < got; ++m) {
                            const double at = kernel_stamp(msgs[m].msg_hdr);
                            on_rtp(c, pool.data() + m * 2048, msgs[m].msg_len, at > 0 ? at : realtime_now());
                        }
                    if (got < static_cast<int>(batch)) break;
                }
            }
        }
    }
    const double window = std::max(0.001, seconds_since(t0) - o.warmup);
    // Totals.
    std::uint64_t complete = 0, incomplete = 0, lost = 0, packets = 0, bytes = 0;
    double min_fps = 1e9;
    std::vector<double> ttff;
    int no_frame = 0;
    for (auto& c : cs) {
        complete += c.complete;
        incomplete += c.incomplete;
        lost += c.lost;
        packets += c.packets;
        bytes += c.bytes;
        min_fps = std::min(min_fps, static_cast<double>(c.complete) / window);
        if (c.ttff_ms >= 0) ttff.push_back(c.ttff_ms);
        else ++no_frame;
    }
    std::sort(ttff.begin(), ttff.end());
    const double med = ttff.empty() ? -1 : ttff[ttff.size() / 2];
    const double mx = ttff.empty() ? -1 : ttff.back();
    std::printf("clients=%d transport=%s window_s=%.2f complete=%llu incomplete=%llu lost=%llu "
                "packets=%llu bytes=%llu min_client_fps=%.2f ttff_median_ms=%.2f ttff_max_ms=%.2f "
                "no_frame_clients=%d failed=%d\n",
                o.clients, o.tcp ? "tcp" : "udp", window, (unsigned long long)complete,
                (unsigned long long)incomplete, (unsigned long long)lost, (unsigned long long)packets,
                (unsigned long long)bytes, min_fps, med, mx, no_frame, failed ? 1 : 0);
    for (auto& c : cs) {
        if (c.tcp_fd >= 0) {
            (void)send_all(c.tcp_fd, request(o, c, "TEARDOWN", o.url, ""));
            ::close(c.tcp_fd);
        }
        if (c.rtp_fd >= 0) ::close(c.rtp_fd);
        if (c.rtcp_fd >= 0) ::close(c.rtcp_fd);
    }
    return failed || no_frame ? 1 : 0;
}
