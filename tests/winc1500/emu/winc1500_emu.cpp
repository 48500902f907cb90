// SPDX-License-Identifier: MIT
// winc1500_emu.cpp - the WINC1500 host driver's C API on POSIX loopback sockets (test double).
//
// The "chip" is this file's state: an 11-slot socket table (TCP 0..6, UDP 7..10, round-robin
// allocation, a fresh 16-bit session id per allocation), POSIX sockets doing the real I/O, a
// shared pool of TX buffers, and an event queue. The chip side (accepting, reading, writing)
// runs whenever the driver is entered or the board idles; its results only become callbacks
// inside m2m_wifi_handle_events, in the order they happened, and an event whose session id no
// longer matches its slot (the socket was closed) is dropped, as the driver does.
#include "winc1500_emu.hpp"

#include <rtsp/adapters/winc1500/driver.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <random>
#include <vector>

namespace d = rtsp::winc1500::driver;

namespace {

using d::sint16;
using d::sint8;
using d::uint16;
using d::uint32;
using d::uint8;

constexpr std::uint64_t forever = ~std::uint64_t{0};

struct tx_buffer {
    std::vector<uint8> bytes;
    std::size_t off = 0;
};

struct slot {
    bool used = false;
    bool udp = false;
    uint16 session = 0;
    int fd = -1;
    bool listening = false;
    bool recv_pending = false;
    bool recv_queued = false;         // a RECV for the pending receive is in the event queue
    uint8* user_buf = nullptr;
    uint16 user_len = 0;
    std::uint64_t recv_deadline = forever;
    bool sendto_events = true;        // SO_SET_UDP_SEND_CALLBACK
    bool peer_closed = false;         // EOF or reset seen: later RECVs report it again
    bool have_dest = false;           // UDP: send() after one sendto()
    d::sockaddr_in dest{};
    std::deque<tx_buffer> tx;         // TCP: accepted by send(), not yet in the kernel
};

struct event {
    bool wifi = false;
    uint8 msg = 0;
    sint8 sock = -1;
    uint16 session = 0;
    std::uint64_t due = 0;
    // payloads
    sint8 status = 0;                 // BIND/LISTEN; CONNECT error
    sint8 new_sock = -1;              // ACCEPT
    uint16 new_session = 0;
    d::sockaddr_in addr{};            // ACCEPT peer, RECVFROM sender
    sint16 size = 0;                  // RECV (<= 0: status), SEND count
    std::vector<uint8> data;          // RECV payload
    d::tstrM2mWifiStateChanged state{};
    d::tstrM2MIPConfig ip{};
};

struct chip {
    winc_emu::config cfg;
    winc_emu::counters st;
    slot slots[d::MAX_SOCKET];
    int next_tcp = 0, next_udp = d::TCP_SOCK_MAX;
    uint16 next_session = 1;
    std::deque<event> events;
    d::tpfAppSocketCb socket_cb = nullptr;
    d::tpfAppWifiCb wifi_cb = nullptr;
    bool socket_ready = false;
    unsigned injected_busy = 0;
    std::uint64_t busy_until = 0;
    bool dhcp = true;
    in_addr_t ip = htonl(INADDR_LOOPBACK);   // where the chip's sockets bind
    std::mt19937 rng{12345};
    int in_dispatch = 0;
};

chip& c() {
    static chip instance;
    return instance;
}

std::uint64_t mono_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

bool valid(sint8 s) { return s >= 0 && s < d::MAX_SOCKET && c().slots[s].used; }

d::sockaddr_in to_drv(const sockaddr_in& a) {
    d::sockaddr_in r{};
    r.sin_family = d::AF_INET_;
    r.sin_port = a.sin_port;
    r.sin_addr.s_addr = a.sin_addr.s_addr;
    return r;
}

in_addr_t parse_ip(const std::string& s) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return htonl(INADDR_LOOPBACK);
    return a.s_addr;
}

// The host can only reach the chip's sockets on a loopback address; any other address (an AP's
// 192.168.1.1) is served on 127.0.0.1.
in_addr_t bindable(in_addr_t a) { return (ntohl(a) >> 24) == 127 ? a : htonl(INADDR_LOOPBACK); }

void post(event e) {
    if (e.due == 0) e.due = mono_us();
    c().events.push_back(std::move(e));
}

void close_slot(int i) {
    slot& s = c().slots[i];
    if (s.fd >= 0) ::close(s.fd);
    s = slot{};
}

unsigned pool_used() {
    unsigned n = 0;
    for (auto& s : c().slots) n += static_cast<unsigned>(s.tx.size());
    return n;
}

void stall() {
    const std::uint32_t us = c().cfg.busy_stall_us;
    if (us == 0) return;
    timespec ts{static_cast<time_t>(us / 1000000u), static_cast<long>(us % 1000000u) * 1000};
    nanosleep(&ts, nullptr);
}

int allocate(bool udp) {
    chip& ch = c();
    const int first = udp ? d::TCP_SOCK_MAX : 0;
    const int count = udp ? d::UDP_SOCK_MAX : d::TCP_SOCK_MAX;
    int& next = udp ? ch.next_udp : ch.next_tcp;
    for (int k = 0; k < count; ++k) {
        const int i = first + (next - first + k) % count;
        if (ch.slots[i].used) continue;
        next = first + (i - first + 1) % count;
        ch.slots[i] = slot{};
        ch.slots[i].used = true;
        ch.slots[i].udp = udp;
        if (++ch.next_session == 0) ch.next_session = 1;
        ch.slots[i].session = ch.next_session;
        if (!udp) {
            unsigned used = 0;
            for (int j = 0; j < d::TCP_SOCK_MAX; ++j) used += ch.slots[j].used ? 1u : 0u;
            if (used > ch.st.max_tcp_in_use) ch.st.max_tcp_in_use = used;
        }
        return i;
    }
    return -1;
}

// --- the chip side: what the firmware does between host calls --------------------------------

void flush_tx(int i) {
    slot& s = c().slots[i];
    while (!s.tx.empty()) {
        tx_buffer& b = s.tx.front();
        if (s.peer_closed) {
            event e;
            e.msg = d::SOCKET_MSG_SEND;
            e.sock = static_cast<sint8>(i);
            e.session = s.session;
            e.size = d::SOCK_ERR_CONN_ABORTED;
            post(std::move(e));
            s.tx.pop_front();
            continue;
        }
        const ssize_t n = ::send(s.fd, b.bytes.data() + b.off, b.bytes.size() - b.off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            s.peer_closed = true;  // EPIPE/ECONNRESET: report every queued send as failed
            continue;
        }
        b.off += static_cast<std::size_t>(n);
        if (b.off < b.bytes.size()) return;
        event e;
        e.msg = d::SOCKET_MSG_SEND;
        e.sock = static_cast<sint8>(i);
        e.session = s.session;
        e.size = static_cast<sint16>(b.bytes.size());
        post(std::move(e));
        ++c().st.tcp_sent_packets;
        s.tx.pop_front();
    }
}

void service() {
    chip& ch = c();
    const std::uint64_t now = mono_us();
    for (int i = 0; i < d::MAX_SOCKET; ++i) {
        slot& s = ch.slots[i];
        if (!s.used || s.fd < 0) continue;
        if (s.listening) {
            for (int guard = 0; guard < 8; ++guard) {
                sockaddr_in peer{};
                socklen_t len = sizeof peer;
                const int fd = ::accept4(s.fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) break;
                const int n = allocate(false);
                event e;
                e.msg = d::SOCKET_MSG_ACCEPT;
                e.sock = static_cast<sint8>(i);
                e.session = s.session;
                if (n < 0) {
                    // All 7 TCP sockets are in use: the chip cannot take the connection.
                    linger lg{1, 0};
                    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
                    ::close(fd);
                    ++ch.st.accept_refused;
                    e.new_sock = -1;
                } else {
                    ch.slots[n].fd = fd;
                    const int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &ch.cfg.tcp_sndbuf, sizeof ch.cfg.tcp_sndbuf);
                    e.new_sock = static_cast<sint8>(n);
                    e.new_session = ch.slots[n].session;
                    e.addr = to_drv(peer);
                }
                post(std::move(e));
            }
            continue;
        }
        if (!s.udp) flush_tx(i);
        if (!s.recv_pending || s.recv_queued) continue;
        event e;
        e.msg = s.udp ? d::SOCKET_MSG_RECVFROM : d::SOCKET_MSG_RECV;
        e.sock = static_cast<sint8>(i);
        e.session = s.session;
        if (s.udp) {
            uint8 buf[2048];
            sockaddr_in from{};
            socklen_t len = sizeof from;
            const ssize_t n = ::recvfrom(s.fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
            if (n >= 0) {
                e.data.assign(buf, buf + n);
                e.size = static_cast<sint16>(n);
                e.addr = to_drv(from);
            } else if (now >= s.recv_deadline) {
                e.size = d::SOCK_ERR_TIMEOUT;
            } else {
                continue;
            }
        } else if (s.peer_closed) {
            e.size = static_cast<sint16>(ch.cfg.peer_close_code);
        } else {
            // 19.7 firmware delivers at most what recv() asked for; 19.6 a whole segment.
            uint8 buf[1460];
            const std::size_t want = ch.cfg.chunked_delivery ? sizeof buf : std::min<std::size_t>(s.user_len, sizeof buf);
            const ssize_t n = ::recv(s.fd, buf, want, MSG_DONTWAIT);
            if (n > 0) {
                e.data.assign(buf, buf + n);
                e.size = static_cast<sint16>(n);
            } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                s.peer_closed = true;
                e.size = static_cast<sint16>(ch.cfg.peer_close_code);
            } else if (now >= s.recv_deadline) {
                e.size = d::SOCK_ERR_TIMEOUT;
            } else {
                continue;
            }
        }
        s.recv_queued = true;
        post(std::move(e));
    }
}

void dispatch(event& e) {
    chip& ch = c();
    ++ch.st.events_dispatched;
    if (e.wifi) {
        if (!ch.wifi_cb) return;
        if (e.msg == d::M2M_WIFI_RESP_CON_STATE_CHANGED) ch.wifi_cb(e.msg, &e.state);
        else ch.wifi_cb(e.msg, &e.ip);
        return;
    }
    if (e.sock < 0 || e.sock >= d::MAX_SOCKET || !ch.slots[e.sock].used || ch.slots[e.sock].session != e.session) {
        ++ch.st.stale_events_dropped;  // closed since: the driver drops it by session id
        if (e.msg == d::SOCKET_MSG_ACCEPT && e.new_sock >= 0) close_slot(e.new_sock);
        return;
    }
    slot& s = ch.slots[e.sock];
    switch (e.msg) {
    case d::SOCKET_MSG_BIND: {
        d::tstrSocketBindMsg m{e.status};
        if (ch.socket_cb) ch.socket_cb(e.sock, e.msg, &m);
        break;
    }
    case d::SOCKET_MSG_LISTEN: {
        d::tstrSocketListenMsg m{e.status};
        if (ch.socket_cb) ch.socket_cb(e.sock, e.msg, &m);
        break;
    }
    case d::SOCKET_MSG_CONNECT: {
        d::tstrSocketConnectMsg m{e.sock, e.status};
        if (ch.socket_cb) ch.socket_cb(e.sock, e.msg, &m);
        break;
    }
    case d::SOCKET_MSG_ACCEPT: {
        d::tstrSocketAcceptMsg m{};
        m.sock = e.new_sock;
        m.strAddr = e.addr;
        if (ch.socket_cb) ch.socket_cb(e.sock, e.msg, &m);
        break;
    }
    case d::SOCKET_MSG_SEND:
    case d::SOCKET_MSG_SENDTO: {
        sint16 v = e.size;
        if (ch.socket_cb) ch.socket_cb(e.sock, e.msg, &v);
        break;
    }
    case d::SOCKET_MSG_RECV:
    case d::SOCKET_MSG_RECVFROM: {
        s.recv_pending = false;  // cleared when the reply arrives; the callback may re-arm
        s.recv_queued = false;
        d::tstrSocketRecvMsg m{};
        m.strRemoteAddr = e.addr;
        m.strRemoteAddr.sin_family = 0;  // the driver copies only port and address
        if (e.size <= 0) {
            m.pu8Buffer = nullptr;
            m.s16BufferSize = e.size;
            if (ch.socket_cb) ch.socket_cb(e.sock, e.msg, &m);
            break;
        }
        // Pieces of the user buffer's size, each overwriting the same buffer, as the driver
        // does; closing the socket in the callback discards the rest.
        const sint8 sock = e.sock;
        const uint16 session = e.session;
        std::size_t off = 0;
        const std::size_t total = e.data.size();
        while (off < total) {
            slot& cur = ch.slots[sock];
            if (!cur.used || cur.session != session || cur.user_buf == nullptr || cur.user_len == 0) break;
            const std::size_t n = std::min<std::size_t>(cur.user_len, total - off);
            std::memcpy(cur.user_buf, e.data.data() + off, n);
            off += n;
            m.pu8Buffer = cur.user_buf;
            m.s16BufferSize = static_cast<sint16>(n);
            m.u16RemainingSize = static_cast<uint16>(total - off);
            if (m.u16RemainingSize) ++ch.st.recv_chunks;
            if (ch.socket_cb) ch.socket_cb(sock, e.msg, &m);
        }
        break;
    }
    default:
        break;
    }
}

void wifi_event(uint8 msg, std::uint64_t due, const d::tstrM2mWifiStateChanged* st, const d::tstrM2MIPConfig* ip) {
    event e;
    e.wifi = true;
    e.msg = msg;
    e.due = due;
    if (st) e.state = *st;
    if (ip) e.ip = *ip;
    post(std::move(e));
}

}  // namespace

// --- control API ------------------------------------------------------------------------------
namespace winc_emu {

config& settings() { return c().cfg; }
counters& stats() { return c().st; }
void reset() {
    chip& ch = c();
    for (int i = 0; i < d::MAX_SOCKET; ++i) close_slot(i);
    ch.events.clear();
    ch.cfg = config{};
    ch.st = counters{};
    ch.injected_busy = 0;
    ch.busy_until = 0;
    ch.next_tcp = 0;
    ch.next_udp = d::TCP_SOCK_MAX;
    ch.dhcp = true;
    ch.ip = htonl(INADDR_LOOPBACK);
    ch.socket_cb = nullptr;
    ch.wifi_cb = nullptr;
    ch.socket_ready = false;
}
void inject_buffer_full(unsigned n) { c().injected_busy += n; }
void busy_for(std::uint32_t us) { c().busy_until = mono_us() + us; }
std::uint64_t now_us() { return mono_us(); }
int tcp_in_use() {
    int n = 0;
    for (int i = 0; i < d::TCP_SOCK_MAX; ++i) n += c().slots[i].used ? 1 : 0;
    return n;
}
int udp_in_use() {
    int n = 0;
    for (int i = d::TCP_SOCK_MAX; i < d::MAX_SOCKET; ++i) n += c().slots[i].used ? 1 : 0;
    return n;
}

void idle(std::uint32_t max_us) {
    chip& ch = c();
    service();
    const std::uint64_t now = mono_us();
    std::uint64_t wait = max_us;
    for (auto& e : ch.events) wait = std::min<std::uint64_t>(wait, e.due > now ? e.due - now : 0);
    pollfd fds[d::MAX_SOCKET];
    nfds_t n = 0;
    for (auto& s : ch.slots) {
        if (!s.used || s.fd < 0) continue;
        short ev = 0;
        if (s.listening || (s.recv_pending && !s.recv_queued)) ev |= POLLIN;
        if (!s.tx.empty()) ev |= POLLOUT;
        if (s.recv_pending && !s.recv_queued && s.recv_deadline != forever)
            wait = std::min<std::uint64_t>(wait, s.recv_deadline > now ? s.recv_deadline - now : 0);
        if (ev) fds[n++] = pollfd{s.fd, ev, 0};
    }
    if (wait > 0) {
        timespec ts{static_cast<time_t>(wait / 1000000u), static_cast<long>(wait % 1000000u) * 1000};
        (void)ppoll(fds, n, &ts, nullptr);
    }
    service();
}

}  // namespace winc_emu

// --- the driver API ------------------------------------------------------------------------
namespace rtsp::winc1500::driver {
extern "C" {

sint8 nm_bsp_init(void) { return M2M_SUCCESS; }

sint8 m2m_wifi_init(tstrWifiInitParam* param) {
    if (!param) return -15;  // M2M_ERR_INVALID_ARG
    c().wifi_cb = param->pfAppWifiCb;
    return M2M_SUCCESS;
}
sint8 m2m_wifi_deinit(void*) {
    c().wifi_cb = nullptr;
    return M2M_SUCCESS;
}

sint8 m2m_wifi_handle_events(void*) {
    chip& ch = c();
    service();
    // Events pushed by callbacks (a close, a send) wait for the next call, so one call is
    // bounded; only due events go, in the order the chip produced them.
    std::size_t budget = ch.events.size();
    const std::uint64_t now = mono_us();
    ++ch.in_dispatch;
    while (budget-- > 0 && !ch.events.empty()) {
        auto it = ch.events.begin();
        while (it != ch.events.end() && it->due > now) ++it;
        if (it == ch.events.end()) break;
        event e = std::move(*it);
        ch.events.erase(it);
        dispatch(e);
    }
    --ch.in_dispatch;
    return M2M_SUCCESS;
}

sint8 m2m_wifi_enable_dhcp(uint8 on) {
    c().dhcp = on != 0;
    return M2M_SUCCESS;
}

sint8 m2m_wifi_set_static_ip(tstrM2MIPConfig* cfg) {
    if (!cfg) return -15;
    c().ip = bindable(cfg->u32StaticIP);
    return M2M_SUCCESS;
}

sint8 m2m_wifi_connect(char* ssid, uint8 len, uint8 sec, void* auth, uint16) {
    chip& ch = c();
    if (!ssid || len >= M2M_MAX_SSID_LEN || sec == M2M_WIFI_SEC_INVALID || sec > M2M_WIFI_SEC_802_1X) return -12;
    std::string key;
    if (sec == M2M_WIFI_SEC_WPA_PSK) {
        if (!auth) return -12;
        key = static_cast<const char*>(auth);
        if (key.size() != 64 && (key.size() < 8 || key.size() > 63)) return -12;
    } else if (sec == M2M_WIFI_SEC_WEP) {
        if (!auth) return -12;
        key = static_cast<const char*>(auth);
    }
    if (ch.cfg.behaviour == winc_emu::wifi_behaviour::silent) return M2M_SUCCESS;
    const std::uint64_t step = std::uint64_t{ch.cfg.wifi_delay_ms} * 1000u;
    const std::uint64_t t = mono_us() + step;
    tstrM2mWifiStateChanged st{};
    if (std::string(ssid, len) != ch.cfg.ap_ssid) {
        st.u8CurrState = M2M_WIFI_DISCONNECTED;
        st.u8ErrCode = M2M_ERR_SCAN_FAIL;
        wifi_event(M2M_WIFI_RESP_CON_STATE_CHANGED, t, &st, nullptr);
        return M2M_SUCCESS;
    }
    const bool open_ap = ch.cfg.ap_key.empty();
    if ((open_ap && sec != M2M_WIFI_SEC_OPEN) || (!open_ap && key != ch.cfg.ap_key)) {
        st.u8CurrState = M2M_WIFI_DISCONNECTED;
        st.u8ErrCode = M2M_ERR_AUTH_FAIL;
        wifi_event(M2M_WIFI_RESP_CON_STATE_CHANGED, t, &st, nullptr);
        return M2M_SUCCESS;
    }
    st.u8CurrState = M2M_WIFI_CONNECTED;
    wifi_event(M2M_WIFI_RESP_CON_STATE_CHANGED, t, &st, nullptr);
    if (ch.dhcp && ch.cfg.behaviour == winc_emu::wifi_behaviour::normal) {
        tstrM2MIPConfig ip{};
        ip.u32StaticIP = parse_ip(ch.cfg.dhcp_ip);
        ip.u32SubnetMask = htonl(0xFF000000u);
        ip.u32Gateway = ip.u32DNS = ip.u32StaticIP;
        ch.ip = bindable(ip.u32StaticIP);
        wifi_event(M2M_WIFI_REQ_DHCP_CONF, t + step, nullptr, &ip);
    }
    return M2M_SUCCESS;
}

sint8 m2m_wifi_disconnect(void) { return M2M_SUCCESS; }

sint8 m2m_wifi_enable_ap(const tstrM2MAPConfig* ap) {
    chip& ch = c();
    if (!ap || ap->au8SSID[0] == 0 || ap->u8SecType == M2M_WIFI_SEC_INVALID) return -15;
    if (ap->u8SecType == M2M_WIFI_SEC_WEP && ap->u8KeySz != 10 && ap->u8KeySz != 26) return -15;
    uint32 server = 0;
    std::memcpy(&server, ap->au8DHCPServerIP, 4);
    ch.ip = bindable(server);
    // A station joins a little later: DHCP_CONF carries its leased address.
    tstrM2MIPConfig ip{};
    ip.u32StaticIP = parse_ip(ch.cfg.ap_station_ip);
    wifi_event(M2M_WIFI_REQ_DHCP_CONF, mono_us() + std::uint64_t{ch.cfg.wifi_delay_ms} * 1000u, nullptr, &ip);
    return M2M_SUCCESS;
}
sint8 m2m_wifi_disable_ap(void) { return M2M_SUCCESS; }

void socketInit(void) {
    chip& ch = c();
    if (ch.socket_ready) return;
    for (int i = 0; i < MAX_SOCKET; ++i) close_slot(i);
    ch.socket_ready = true;
}
void socketDeinit(void) {
    chip& ch = c();
    for (int i = 0; i < MAX_SOCKET; ++i) close_slot(i);
    ch.events.erase(std::remove_if(ch.events.begin(), ch.events.end(), [](const event& e) { return !e.wifi; }),
                    ch.events.end());
    ch.socket_cb = nullptr;
    ch.socket_ready = false;
}
void registerSocketCallback(tpfAppSocketCb socket_cb, tpfAppResolveCb) { c().socket_cb = socket_cb; }

SOCKET RTSP_WINC1500_SOCKET_FN(socket)(uint16 domain, uint8 type, uint8 flags) {
    if (domain != AF_INET_ || (type != SOCK_STREAM_ && type != SOCK_DGRAM_) || flags != 0) return -1;
    return static_cast<SOCKET>(allocate(type == SOCK_DGRAM_));  // -1 when the pool is exhausted
}

sint8 RTSP_WINC1500_SOCKET_FN(bind)(SOCKET sock, sockaddr* addr, uint8 len) {
    if (!addr || !valid(sock) || len == 0) return SOCK_ERR_INVALID_ARG;
    chip& ch = c();
    slot& s = ch.slots[sock];
    const auto* a = reinterpret_cast<const sockaddr_in*>(addr);
    event e;
    e.msg = SOCKET_MSG_BIND;
    e.sock = sock;
    e.session = s.session;
    if (s.fd < 0) s.fd = ::socket(AF_INET, (s.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ::sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = a->sin_port;
    sa.sin_addr.s_addr = a->sin_addr.s_addr ? bindable(a->sin_addr.s_addr) : ch.ip;
    if (!s.udp) {
        const int one = 1;
        setsockopt(s.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (a->sin_port == 0) e.status = SOCK_ERR_INVALID_ARG;
    else if (::bind(s.fd, reinterpret_cast<::sockaddr*>(&sa), sizeof sa) != 0)
        e.status = errno == EADDRINUSE ? SOCK_ERR_ADDR_ALREADY_IN_USE : SOCK_ERR_INVALID_ADDRESS;
    s.sendto_events = true;  // bind resets SO_SET_UDP_SEND_CALLBACK
    post(std::move(e));
    return SOCK_ERR_NO_ERROR;
}

sint8 RTSP_WINC1500_SOCKET_FN(listen)(SOCKET sock, uint8) {
    if (!valid(sock)) return SOCK_ERR_INVALID_ARG;
    slot& s = c().slots[sock];
    event e;
    e.msg = SOCKET_MSG_LISTEN;
    e.sock = sock;
    e.session = s.session;
    if (s.udp || s.fd < 0 || ::listen(s.fd, 8) != 0) e.status = SOCK_ERR_INVALID;
    else s.listening = true;
    post(std::move(e));
    return SOCK_ERR_NO_ERROR;
}

sint8 RTSP_WINC1500_SOCKET_FN(accept)(SOCKET sock, sockaddr*, uint8*) {
    return valid(sock) ? SOCK_ERR_NO_ERROR : SOCK_ERR_INVALID_ARG;  // deprecated no-op
}

sint8 RTSP_WINC1500_SOCKET_FN(connect)(SOCKET sock, sockaddr* addr, uint8 len) {
    if (!addr || !valid(sock) || len == 0 || c().slots[sock].udp) return SOCK_ERR_INVALID_ARG;
    slot& s = c().slots[sock];
    const auto* a = reinterpret_cast<const sockaddr_in*>(addr);
    if (s.fd < 0) s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ::sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = a->sin_port;
    sa.sin_addr.s_addr = a->sin_addr.s_addr;
    event e;
    e.msg = SOCKET_MSG_CONNECT;
    e.sock = sock;
    e.session = s.session;
    // Loopback connects complete at once; the result still comes as an event.
    e.status = ::connect(s.fd, reinterpret_cast<::sockaddr*>(&sa), sizeof sa) == 0 ? 0 : SOCK_ERR_CONN_ABORTED;
    fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK);
    post(std::move(e));
    return SOCK_ERR_NO_ERROR;
}

static sint16 common_send(SOCKET sock, void* buf, uint16 len, const d::sockaddr_in* dest) {
    chip& ch = c();
    if (sock < 0 || !buf || len > SOCKET_BUFFER_MAX_LENGTH || !valid(sock)) return SOCK_ERR_INVALID_ARG;
    slot& s = ch.slots[sock];
    if (ch.injected_busy > 0 || mono_us() < ch.busy_until) {
        if (ch.injected_busy > 0) --ch.injected_busy;
        ++ch.st.buffer_full;
        stall();
        return SOCK_ERR_BUFFER_FULL;
    }
    if (s.udp) {
        if (dest) {
            s.dest = *dest;
            s.have_dest = true;
        }
        if (!s.have_dest || s.fd < 0) return SOCK_ERR_INVALID_ARG;
        // A datagram needs a chip TX buffer too: TCP data queued for slow readers can starve
        // UDP (WiFi101 #118: unread/unsent data "blocks all operations").
        if (pool_used() >= ch.cfg.tx_pool) {
            ++ch.st.buffer_full;
            stall();
            return SOCK_ERR_BUFFER_FULL;
        }
        std::uniform_real_distribution<double> u(0.0, 1.0);
        if (ch.cfg.udp_loss > 0 && u(ch.rng) < ch.cfg.udp_loss) {
            ++ch.st.udp_lost;  // accepted by the chip, lost in the air
        } else {
            ::sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_port = s.dest.sin_port;
            sa.sin_addr.s_addr = s.dest.sin_addr.s_addr;
            (void)::sendto(s.fd, buf, len, MSG_DONTWAIT, reinterpret_cast<::sockaddr*>(&sa), sizeof sa);
            ++ch.st.udp_sent;
        }
        if (s.sendto_events) {
            event e;
            e.msg = SOCKET_MSG_SENDTO;
            e.sock = sock;
            e.session = s.session;
            e.size = static_cast<sint16>(len);
            post(std::move(e));
        }
        return SOCK_ERR_NO_ERROR;
    }
    if (s.fd < 0 || s.listening) return SOCK_ERR_INVALID_ARG;
    flush_tx(sock);
    if (pool_used() >= ch.cfg.tx_pool) {
        ++ch.st.buffer_full;
        stall();
        return SOCK_ERR_BUFFER_FULL;
    }
    tx_buffer b;
    b.bytes.assign(static_cast<uint8*>(buf), static_cast<uint8*>(buf) + len);
    s.tx.push_back(std::move(b));
    flush_tx(sock);
    return SOCK_ERR_NO_ERROR;  // 0, not a byte count: the count comes with SOCKET_MSG_SEND
}

sint16 RTSP_WINC1500_SOCKET_FN(send)(SOCKET sock, void* buf, uint16 len, uint16) {
    return common_send(sock, buf, len, nullptr);
}

sint16 RTSP_WINC1500_SOCKET_FN(sendto)(SOCKET sock, void* buf, uint16 len, uint16, sockaddr* dst, uint8) {
    if (!dst) return SOCK_ERR_INVALID_ARG;
    const auto* a = reinterpret_cast<const sockaddr_in*>(dst);
    return common_send(sock, buf, len, a);
}

static sint16 common_recv(SOCKET sock, void* buf, uint16 len, uint32 timeout_ms) {
    if (sock < 0 || !buf || len == 0 || !valid(sock)) return SOCK_ERR_INVALID_ARG;
    slot& s = c().slots[sock];
    s.user_buf = static_cast<uint8*>(buf);
    s.user_len = len;
    if (s.recv_pending) return SOCK_ERR_NO_ERROR;  // only the buffer changes; the old timeout stays
    s.recv_pending = true;
    s.recv_deadline = timeout_ms == 0 || timeout_ms == 0xFFFFFFFFu ? forever : mono_us() + std::uint64_t{timeout_ms} * 1000u;
    return SOCK_ERR_NO_ERROR;
}

sint16 RTSP_WINC1500_SOCKET_FN(recv)(SOCKET sock, void* buf, uint16 len, uint32 timeout_ms) {
    return common_recv(sock, buf, len, timeout_ms);  // on UDP the data still comes as RECVFROM
}
sint16 RTSP_WINC1500_SOCKET_FN(recvfrom)(SOCKET sock, void* buf, uint16 len, uint32 timeout_ms) {
    return common_recv(sock, buf, len, timeout_ms);
}

sint8 RTSP_WINC1500_SOCKET_FN(close)(SOCKET sock) {
    if (!valid(sock)) return SOCK_ERR_INVALID_ARG;
    close_slot(sock);  // synchronous: no event; queued events die by their session id
    return SOCK_ERR_NO_ERROR;
}

sint8 RTSP_WINC1500_SOCKET_FN(setsockopt)(SOCKET sock, uint8 level, uint8 name, const void* value, uint16 len) {
    if (!valid(sock) || !value || len < sizeof(uint32)) return SOCK_ERR_INVALID_ARG;
    if (level == SOL_SOCKET_ && name == SO_SET_UDP_SEND_CALLBACK) {
        uint32 v = 0;
        std::memcpy(&v, value, sizeof v);
        c().slots[sock].sendto_events = v != 0;
    }
    return SOCK_ERR_NO_ERROR;
}

sint8 RTSP_WINC1500_SOCKET_FN(getsockopt)(SOCKET, uint8, uint8, const void*, uint8*) { return 0; }

}  // extern "C"
}  // namespace rtsp::winc1500::driver
