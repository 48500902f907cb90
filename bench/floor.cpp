// SPDX-License-Identifier: MIT
// bench/floor.cpp - the kernel floors of the server benchmarks: what it costs just to hand
// one JPEG stream's RTP packets to the kernel for N UDP receivers on loopback, with no RTSP,
// no per-client headers and no packetizing at run time.
//
// The JPEG is packetized once at startup with the library's RFC 2435 packetizer (MTU 1400, all
// packets full but the last, so the same bytes suit GSO) into one contiguous buffer. Then at
// --fps, for every client, the frame goes out with one of
//   sendto    one sendto() per packet (what a simple server does)
//   sendmmsg  one sendmmsg() per frame per client (all packets in one call)
//   gso       UDP_SEGMENT: one sendmsg() per 46 packets (the 64 KB datagram limit) per client
//   gso-all   the same GSO datagrams, but every client's in one sendmmsg() per frame: the
//             fewest system calls there can be (not in run_servers.sh; it shows what the
//             per-call cost of `gso` is, see BENCHMARKS.md)
//   sendfile  the same GSO datagrams without the copy from user memory: the frame is written
//             once per frame into a memfd, and every client's datagrams go out with
//             sendfile() from it, the kernel referencing those pages instead of copying them
//             (not in run_servers.sh; it asks whether zero-copy beats `gso`, see BENCHMARKS.md)
// from one socket, like a server's single RTP socket (sendfile: one connected socket per client,
// as sendfile() takes no address). A forked child drains N receiving
// sockets (so loopback delivers instead of answering ICMP port unreachable) and reports what
// it got; the sender's own CPU (getrusage, user+system) over the window after --warmup is the
// figure: CPU seconds per second, as the script samples for the servers.
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "rtsp/jpeg/parser.hpp"
#include "rtsp/rtp/header.hpp"
#include "rtsp/rtp/jpeg_packetizer.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace {

constexpr std::size_t mtu = 1400;
constexpr std::size_t gso_max_segments = 65507 / mtu;  // 46: one UDP datagram's worth

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

double now_s() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: rtsp_floor --mode sendto|sendmmsg|gso|gso-all|sendfile --jpeg FILE [--clients N] "
                         "[--fps 30] [--duration S] [--warmup S] [--base-port P]\n");
    std::exit(2);
}

/// One GSO datagram: `bytes` from `data`, cut by the kernel into `mtu`-sized packets (the
/// last may be shorter); a single packet goes without the control message.
struct gso_message {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(std::uint16_t))] = {};
    iovec piece{};

    void fill(msghdr& m, const sockaddr_in& to, std::byte* data, std::size_t bytes, std::size_t packets) {
        piece = {data, bytes};
        m = {};
        m.msg_name = const_cast<sockaddr_in*>(&to);
        m.msg_namelen = sizeof to;
        m.msg_iov = &piece;
        m.msg_iovlen = 1;
        if (packets < 2) return;
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const std::uint16_t seg = mtu;
        std::memcpy(CMSG_DATA(cm), &seg, sizeof seg);
    }
};

int udp_socket() { return ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); }

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode, jpeg_path;
    int clients = 1, fps = 30, base = 0;
    double duration = 8, warmup = 2;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto val = [&]() -> const char* {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--mode") mode = val();
        else if (a == "--jpeg") jpeg_path = val();
        else if (a == "--clients") clients = std::atoi(val());
        else if (a == "--fps") fps = std::atoi(val());
        else if (a == "--duration") duration = std::atof(val());
        else if (a == "--warmup") warmup = std::atof(val());
        else if (a == "--base-port") base = std::atoi(val());
        else usage();
    }
    if ((mode != "sendto" && mode != "sendmmsg" && mode != "gso" && mode != "gso-all" &&
         mode != "sendfile") || jpeg_path.empty() || clients < 1 ||
        clients > 256 || fps < 1 || fps > 1000 || duration <= warmup || duration > 600)
        usage();
    if (base == 0) base = 30000 + 2 * ((getpid() * 61) % 10000);

    // --- the pre-built packets ----------------------------------------------------------------
    std::vector<std::byte> jpeg;
    {
        std::FILE* f = std::fopen(jpeg_path.c_str(), "rb");
        if (!f) {
            std::perror(jpeg_path.c_str());
            return 1;
        }
        unsigned char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            for (std::size_t k = 0; k < n; ++k) jpeg.push_back(static_cast<std::byte>(buf[k]));
        std::fclose(f);
    }
    const auto frame = rtsp::jpeg::parse(jpeg);
    if (!frame) {
        std::fprintf(stderr, "rtsp_floor: %s is not a JPEG RFC 2435 can carry\n", jpeg_path.c_str());
        return 1;
    }
    const auto pk = rtsp::rtp::jpeg_packetizer::create(*frame, {.mtu = mtu});
    if (!pk) return 1;
    const std::size_t count = pk->packet_count();
    std::vector<std::byte> wire(count * mtu);
    std::vector<std::size_t> sizes(count);
    std::size_t total = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::array<std::byte, rtsp::rtp::max_payload_header_size> hdr{};
        const auto p = pk->get(i, hdr);
        std::byte* out = wire.data() + total;
        rtsp::rtp::header h{};
        h.marker = p.last;
        h.sequence = static_cast<std::uint16_t>(i);
        h.ssrc = 0x12345678;
        rtsp::rtp::write(h, std::span<std::byte, 12>(out, 12));
        std::memcpy(out + 12, hdr.data(), p.header_size);
        std::memcpy(out + 12 + p.header_size, p.scan.data(), p.scan.size());
        sizes[i] = 12 + p.header_size + p.scan.size();
        if (!p.last && sizes[i] != mtu) {
            std::fprintf(stderr, "rtsp_floor: packet %zu is %zu bytes, not %zu\n", i, sizes[i], mtu);
            return 1;
        }
        total += sizes[i];
    }

    // --- the receivers, in a child ------------------------------------------------------------
    std::vector<int> rx;
    for (int c = 0; c < clients; ++c) {
        int fd = udp_socket();
        int rcv = 8 << 20;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
        const sockaddr_in a = loopback(base + 2 * c);
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
            std::fprintf(stderr, "rtsp_floor: port %d busy\n", base + 2 * c);
            return 1;
        }
        rx.push_back(fd);
    }
    int report[2];
    if (pipe(report) != 0) return 1;
    const pid_t child = fork();
    if (child == 0) {
        ::close(report[0]);
        std::vector<pollfd> p;
        for (int fd : rx) p.push_back({fd, POLLIN, 0});
        std::vector<std::uint8_t> buf(64 * 2048);
        mmsghdr m[64];
        iovec iov[64];
        unsigned long long got = 0;
        const double end = now_s() + duration + 1.0;
        while (now_s() < end) {
            if (::poll(p.data(), p.size(), 100) <= 0) continue;
            for (auto& q : p) {
                if (!(q.revents & POLLIN)) continue;
                for (;;) {
                    for (int k = 0; k < 64; ++k) {
                        iov[k] = {buf.data() + k * 2048, 2048};
                        m[k] = {};
                        m[k].msg_hdr.msg_iov = &iov[k];
                        m[k].msg_hdr.msg_iovlen = 1;
                    }
                    const int n = ::recvmmsg(q.fd, m, 64, MSG_DONTWAIT, nullptr);
                    if (n <= 0) break;
                    got += static_cast<unsigned>(n);
                }
            }
        }
        const auto s = std::to_string(got);
        (void)!write(report[1], s.data(), s.size());
        _exit(0);
    }
    ::close(report[1]);
    for (int fd : rx) ::close(fd);

    // --- the sender ---------------------------------------------------------------------------
    const int tx = udp_socket();
    int snd = 4 << 20;
    if (setsockopt(tx, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd) != 0)
        setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
    std::vector<sockaddr_in> to;
    for (int c = 0; c < clients; ++c) to.push_back(loopback(base + 2 * c));
    // sendfile: a connected socket per client (sendfile() carries no address) with UDP_SEGMENT
    // set on it (nor a control message), and a memfd with a page-aligned slot per frame.
    std::vector<int> connected;
    int frames_fd = -1;
    const std::size_t slot_bytes = (total + 4095) / 4096 * 4096;
    constexpr long slots = 4;
    if (mode == "sendfile") {
        frames_fd = memfd_create("rtsp_floor_frames", 0);
        if (frames_fd < 0 || ftruncate(frames_fd, static_cast<off_t>(slot_bytes) * slots) != 0) {
            std::perror("rtsp_floor: memfd");
            return 1;
        }
        const int segment = static_cast<int>(mtu);
        for (int c = 0; c < clients; ++c) {
            const int fd = udp_socket();
            setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd);
            const sockaddr_in& dst = to[static_cast<std::size_t>(c)];
            if (::connect(fd, reinterpret_cast<const sockaddr*>(&dst), sizeof dst) != 0) {
                std::perror("rtsp_floor: connect");
                return 1;
            }
            if (setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &segment, sizeof segment) != 0) {
                std::fprintf(stderr, "rtsp_floor: the kernel refuses UDP_SEGMENT (%s); no sendfile floor\n",
                             std::strerror(errno));
                return 3;
            }
            connected.push_back(fd);
        }
    }
    std::vector<std::size_t> offsets(count);
    for (std::size_t i = 0, o = 0; i < count; o += sizes[i], ++i) offsets[i] = o;

    std::vector<mmsghdr> mm(count);
    std::vector<iovec> iv(count);
    // gso-all: every client's GSO datagrams of a frame, sent in one sendmmsg().
    const std::size_t chunks = (count + gso_max_segments - 1) / gso_max_segments;
    std::vector<mmsghdr> all(mode == "gso-all" ? chunks * static_cast<std::size_t>(clients) : 0);
    std::vector<gso_message> all_parts(all.size());
    bool gso_ok = mode == "gso";  // false once the kernel refuses UDP_SEGMENT
    unsigned long long sent = 0, errors = 0;
    const double t0 = now_s();
    double cpu0 = -1, tw0 = 0;
    for (long frame_no = 0;; ++frame_no) {
        const double due = t0 + static_cast<double>(frame_no) / fps;
        if (due >= t0 + duration) break;
        if (cpu0 < 0 && due >= t0 + warmup) {
            cpu0 = cpu_seconds();
            tw0 = now_s();
        }
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(due);
        ts.tv_nsec = static_cast<long>((due - static_cast<double>(ts.tv_sec)) * 1e9);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
        // sendfile: this frame's slot gets fresh pages. Punching the hole first matters: skbs
        // still queued at a slow receiver hold the pages of an older frame, and writing over
        // them in place would change packets already sent. A server would have to do the same.
        const off_t slot = static_cast<off_t>(slot_bytes) * (frame_no % slots);
        if (mode == "sendfile" &&
            (fallocate(frames_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, slot, static_cast<off_t>(slot_bytes)) != 0 ||
             pwrite(frames_fd, wire.data(), total, slot) != static_cast<ssize_t>(total))) {
            std::perror("rtsp_floor: writing the frame to the memfd");
            return 1;
        }
        for (int c = 0; c < clients; ++c) {
            const sockaddr_in& dst = to[static_cast<std::size_t>(c)];
            if (mode == "sendfile") {
                for (std::size_t i = 0; i < count; i += gso_max_segments) {
                    const std::size_t n = std::min(gso_max_segments, count - i);
                    const std::size_t bytes = (n - 1) * mtu + sizes[i + n - 1];
                    off_t at = slot + static_cast<off_t>(offsets[i]);
                    if (::sendfile(connected[static_cast<std::size_t>(c)], frames_fd, &at, bytes) ==
                        static_cast<ssize_t>(bytes))
                        sent += n;
                    else
                        errors += n;
                }
            } else if (mode == "sendto") {
                for (std::size_t i = 0; i < count; ++i) {
                    if (::sendto(tx, wire.data() + offsets[i], sizes[i], 0,
                                 reinterpret_cast<const sockaddr*>(&dst), sizeof dst) < 0)
                        ++errors;
                    else
                        ++sent;
                }
            } else if (mode == "sendmmsg" || (mode == "gso" && !gso_ok)) {
                for (std::size_t i = 0; i < count; ++i) {
                    iv[i] = {wire.data() + offsets[i], sizes[i]};
                    mm[i] = {};
                    mm[i].msg_hdr.msg_name = const_cast<sockaddr_in*>(&dst);
                    mm[i].msg_hdr.msg_namelen = sizeof dst;
                    mm[i].msg_hdr.msg_iov = &iv[i];
                    mm[i].msg_hdr.msg_iovlen = 1;
                }
                std::size_t done = 0;
                while (done < count) {
                    const int n = ::sendmmsg(tx, mm.data() + done, static_cast<unsigned>(count - done), 0);
                    if (n <= 0) {
                        errors += count - done;
                        break;
                    }
                    done += static_cast<std::size_t>(n);
                    sent += static_cast<unsigned>(n);
                }
            } else if (mode == "gso") {
                for (std::size_t i = 0; i < count; i += gso_max_segments) {
                    const std::size_t n = std::min(gso_max_segments, count - i);
                    gso_message g;
                    msghdr m;
                    g.fill(m, dst, wire.data() + offsets[i], (n - 1) * mtu + sizes[i + n - 1], n);
                    if (::sendmsg(tx, &m, 0) < 0) {
                        if (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT) {
                            std::fprintf(stderr, "rtsp_floor: the kernel refuses UDP_SEGMENT (%s); "
                                                 "falling back to sendmmsg\n", std::strerror(errno));
                            gso_ok = false;
                        }
                        errors += n;
                    } else {
                        sent += n;
                    }
                }
            } else {  // gso-all: this client's datagrams join the frame's one sendmmsg() below
                for (std::size_t i = 0, k = static_cast<std::size_t>(c) * chunks; i < count; i += gso_max_segments, ++k) {
                    const std::size_t n = std::min(gso_max_segments, count - i);
                    all_parts[k].fill(all[k].msg_hdr, dst, wire.data() + offsets[i], (n - 1) * mtu + sizes[i + n - 1], n);
                }
            }
        }
        for (std::size_t done = 0; done < all.size();) {
            const int n = ::sendmmsg(tx, all.data() + done, static_cast<unsigned>(all.size() - done), 0);
            if (n <= 0) {
                std::fprintf(stderr, "rtsp_floor: sendmmsg of GSO datagrams: %s\n", std::strerror(errno));
                errors += count * static_cast<std::size_t>(clients);
                break;
            }
            done += static_cast<std::size_t>(n);
            if (done == all.size()) sent += count * static_cast<std::size_t>(clients);
        }
    }
    const double cpu = cpu_seconds() - cpu0;
    const double wall = now_s() - tw0;
    int status = 0;
    char got[32] = {};
    (void)!read(report[0], got, sizeof got - 1);
    waitpid(child, &status, 0);
    std::printf("mode=%s path=%s clients=%d packets_per_frame=%zu frame_bytes=%zu fps=%d window_s=%.2f "
                "cpu_s_per_s=%.4f sent=%llu errors=%llu received=%s\n",
                mode.c_str(), mode == "gso" && !gso_ok ? "sendmmsg" : mode.c_str(), clients,
                count, total, fps, wall, cpu / wall, sent, errors, got);
    return errors ? 1 : 0;
}
