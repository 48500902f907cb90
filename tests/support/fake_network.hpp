// Test doubles for the server: an in-memory Network, a manual clock and a predictable random
// source. The test plays the clients: it connects, writes request bytes, reads what the server
// sent, throttles or closes connections, and inspects every datagram. Nothing touches the OS,
// so server tests are deterministic and fast (and the whole-server fuzzer can drive it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rtsp/concepts.hpp>

namespace rtsp::test {

struct manual_clock {
    std::uint64_t* now;  // shared with the test, so a copy inside the server sees the same time
    std::uint64_t now_us() noexcept { return *now; }
};

struct counter_random {
    std::uint64_t state = 0x1234'5678'9ABC'DEF0ull;
    std::uint64_t next_u64() noexcept {  // splitmix64: distinct, well mixed, repeatable
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
};

struct sent_datagram {
    udp_socket from;
    net::address to;
    std::vector<std::byte> bytes;
};

/// The shared state behind fake_network; the test keeps a pointer to it.
struct fake_world {
    struct conn {
        bool open = true;             // server side not closed
        bool peer_closed = false;     // client closed: server reads connection_closed
        bool reset = false;           // next server send/receive fails with connection_reset
        net::address peer;
        std::string to_server;        // bytes waiting for the server's receive()
        std::string from_server;      // everything the server sent
        std::size_t send_budget = static_cast<std::size_t>(-1);  // bytes the "kernel" still takes
    };
    std::vector<conn> conns;
    std::deque<int> pending_accepts;
    bool listening = false;
    bool udp_open = false;
    std::uint16_t listen_port = 8554;
    std::uint16_t rtp_port = 50000;
    std::size_t datagram_budget = static_cast<std::size_t>(-1);  // datagrams the stack still takes
    std::vector<sent_datagram> datagrams;
    std::deque<std::pair<net::address, std::vector<std::byte>>> rtcp_in, rtp_in;
    std::size_t polls = 0;
    // enable_multicast(): what the server asked for, and an error to answer with instead.
    bool multicast_enabled = false;
    std::uint8_t multicast_ttl = 0;
    net::address multicast_interface{};
    errc multicast_error{};
    // Per send() and send_datagrams() call: how many pieces it would hand the kernel once
    // adjacent ones are merged (as the POSIX adapter does), to see a wire image at work.
    std::vector<std::size_t> stream_send_runs, datagram_send_runs;

    // --- the clients' side ---------------------------------------------------------------
    int connect(net::address peer = net::address::v4(127, 0, 0, 1, 40000)) {
        conns.push_back(conn{});
        conns.back().peer = peer;
        pending_accepts.push_back(static_cast<int>(conns.size() - 1));
        return static_cast<int>(conns.size() - 1);
    }
    void write(int c, std::string_view bytes) { conns[c].to_server.append(bytes); }
    /// Everything the server sent on c since the last read.
    std::string read(int c) {
        std::string s;
        s.swap(conns[c].from_server);
        return s;
    }
};

class fake_network {
public:
    using connection = int;
    explicit fake_network(fake_world* w = nullptr) : w_(w) {}

    result<void> listen(const net::address& a) {
        if (a.port) w_->listen_port = a.port;
        w_->listening = true;
        return {};
    }
    std::uint16_t listen_port() const { return w_->listen_port; }
    result<connection> accept() {
        if (w_->pending_accepts.empty()) return fail(errc::would_block);
        int c = w_->pending_accepts.front();
        w_->pending_accepts.pop_front();
        return c;
    }
    result<std::size_t> receive(connection c, std::span<std::byte> buf) {
        auto& k = w_->conns[c];
        if (k.reset) return fail(errc::connection_reset);
        if (k.to_server.empty()) return fail(k.peer_closed ? errc::connection_closed : errc::would_block);
        std::size_t n = std::min(buf.size(), k.to_server.size());
        for (std::size_t i = 0; i < n; ++i) buf[i] = std::byte(static_cast<unsigned char>(k.to_server[i]));
        k.to_server.erase(0, n);
        return n;
    }
    result<std::size_t> send(connection c, buffer_sequence data) {
        auto& k = w_->conns[c];
        if (k.reset || k.peer_closed) return fail(errc::connection_reset);
        std::size_t total = 0;
        const std::byte* end = nullptr;
        w_->stream_send_runs.push_back(runs(data, end));
        for (auto piece : data) {
            for (std::byte b : piece) {
                if (k.send_budget == 0) return total ? result<std::size_t>(total) : fail(errc::would_block);
                k.from_server.push_back(static_cast<char>(b));
                --k.send_budget;
                ++total;
            }
        }
        return total;
    }
    void close(connection c) { w_->conns[c].open = false; }
    net::address peer_address(connection c) const { return w_->conns[c].peer; }
    net::address local_address(connection) const { return net::address::v4(127, 0, 0, 1, w_->listen_port); }

    result<void> open_udp(std::uint16_t port) {
        if (port) w_->rtp_port = port;
        w_->udp_open = true;
        return {};
    }
    std::uint16_t udp_port(udp_socket s) const {
        return static_cast<std::uint16_t>(w_->rtp_port + (s == udp_socket::rtcp ? 1 : 0));
    }
    result<std::size_t> send_datagrams(udp_socket s, const net::address& to,
                                       std::span<const buffer_sequence> dgs) {
        std::size_t n = 0;
        std::size_t pieces = 0;
        const std::byte* end = nullptr;  // one send: runs continue across datagrams (GSO)
        for (auto d : dgs) pieces += runs(d, end);
        w_->datagram_send_runs.push_back(pieces);
        for (auto d : dgs) {
            if (w_->datagram_budget == 0) break;
            --w_->datagram_budget;
            sent_datagram out{s, to, {}};
            for (auto piece : d) out.bytes.insert(out.bytes.end(), piece.begin(), piece.end());
            w_->datagrams.push_back(std::move(out));
            ++n;
        }
        if (n == 0 && !dgs.empty()) return fail(errc::would_block);
        return n;
    }
    result<void> enable_multicast(std::uint8_t ttl, const net::address& interface) {
        if (w_->multicast_error != errc{}) return fail(w_->multicast_error);
        w_->multicast_enabled = true;
        w_->multicast_ttl = ttl;
        w_->multicast_interface = interface;
        return {};
    }
    result<datagram_info> receive_datagram(udp_socket s, std::span<std::byte> buf) {
        auto& q = s == udp_socket::rtcp ? w_->rtcp_in : w_->rtp_in;
        if (q.empty()) return fail(errc::would_block);
        auto [from, bytes] = q.front();
        q.pop_front();
        std::size_t n = std::min(buf.size(), bytes.size());
        for (std::size_t i = 0; i < n; ++i) buf[i] = bytes[i];
        return datagram_info{n, from};
    }
    void poll(std::uint32_t) { ++w_->polls; }

protected:
    std::size_t budget(connection c) const { return w_->conns[c].send_budget; }
    /// Non-empty pieces of data that do not continue where the previous one (`end`) ended.
    static std::size_t runs(buffer_sequence data, const std::byte*& end) {
        std::size_t n = 0;
        for (auto piece : data) {
            if (piece.empty()) continue;
            if (piece.data() != end) ++n;
            end = piece.data() + piece.size();
        }
        return n;
    }

private:
    fake_world* w_;
};

/// A network whose stream sends are all-or-nothing up to 1400 bytes, like the WINC1500's.
class fake_packet_network : public fake_network {
public:
    static constexpr std::size_t stream_send_limit = 1400;
    using fake_network::fake_network;
    result<std::size_t> send(connection c, buffer_sequence data) {
        std::size_t total = 0;
        for (auto piece : data) total += piece.size();
        if (total > stream_send_limit) return fail(errc::invalid_argument);
        if (budget(c) < total) return fail(errc::would_block);
        return fake_network::send(c, data);
    }
};

static_assert(Network<fake_network>);
static_assert(Network<fake_packet_network>);
static_assert(MulticastSender<fake_network>);
static_assert(SteadyClock<manual_clock>);
static_assert(RandomSource<counter_random>);

}  // namespace rtsp::test
