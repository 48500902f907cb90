// SPDX-License-Identifier: MIT
// server_fuzz.cpp - libFuzzer target for the whole server (rtsp::basic_server) driven through
// the in-memory fake network of tests/support/fake_network.hpp, with a manual clock.
//
// The input is a little program for a crowd of clients. The first byte picks the server build
// (default_config over a byte-stream network, or embedded_config over a network that takes
// each stream send whole or not at all, up to 1400 bytes, like the WINC1500; with
// authentication on, embedded_config gets logging and HTTP tunnels back too) and options; then
// each operation is one byte followed by its arguments, read front to back:
//   0 connect          1 raw bytes on a connection     2 a request built from pieces
//   3 poll             4 advance the clock, poll       5 peer closes / resets a connection
//   6 throttle reads   7 RTCP datagram to the server   8 '$' interleaved frame
//   9 UDP send budget 10 change what the frame source returns  11 shutdown()
//  12 HTTP tunnel GET 13 HTTP tunnel POST              14 a built request, base64, tunnelled
//  15 base64 of raw bytes, or invalid base64, on a connection
// Requests are assembled from real pieces (methods, URLs, Transport forms of FFmpeg, GStreamer
// and VLC, Session ids the server handed out, Digest answers to the server's last challenge
// computed by the harness) or raw input, so the fuzzer reaches PLAY, streaming, slow readers,
// authentication and teardown, not only the request parser's error paths. RTSP over HTTP
// (rtsp/protocol/http_tunnel.hpp): GET and POST heads as QuickTime, VLC, FFmpeg and GStreamer
// send them, with an x-sessioncookie from a small set (or none, two, or a bad one), and the
// same built requests base64-encoded as a tunnel's POST body (one padded block per request,
// line-wrapped, in several blocks, or split across writes).
//
// After every operation it checks what the server promises whatever the clients do:
//  - each connection's output is a sequence of well-formed RTSP responses (status line,
//    headers, CSeq, Content-Length body) and '$' frames holding one RTP (v2, PT 26) or RTCP
//    (our own parser accepts it) packet of at most the MTU; it may begin with one HTTP 200
//    (a tunnel's GET: application/x-rtsp-tunnelled, no Content-Length) and may end with one
//    HTTP error (Connection: close, a text/plain body); no response follows one that says
//    "Connection: close" (RTSP or HTTP);
//  - a tunnel's POST (its first bytes a POST head) gets nothing, or one HTTP error (or the
//    503 of a full connection table); while it is open and silent, a GET with its cookie is
//    open too (closing the GET closes its POST);
//  - data sent on a tunnel's GET (one that answered 200) closes it at the next poll;
//  - on the WINC1500-like network no stream send exceeds 1400 bytes;
//  - UDP datagrams fit the MTU, are RTP or valid RTCP, and go only to hosts that connected
//    (never to a `destination=` elsewhere) or, with default_config (which offers multicast), to
//    the server's group on its ports;
//  - with authentication on, no session is set up unless the harness sent the password, and
//    every Digest challenge names the realm before the nonce;
//  - session_count() <= capacity and equals the sessions set up and not yet torn down;
//    setup/play/pause/teardown callbacks name live sessions, teardown fires exactly once per
//    session, including at shutdown() and destruction;
//  - poll() never fails, nothing crashes, nothing hangs (every operation is bounded).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <rtsp/protocol/auth.hpp>
#include <rtsp/rtp/header.hpp>
#include <rtsp/rtp/rtcp.hpp>
#include <rtsp/server.hpp>

#include "base64.hpp"
#include "fake_network.hpp"
#include "fuzz_check.hpp"
#include "jpeg_codec.hpp"

using namespace rtsp;

namespace {

// RTSP_FUZZ_TRACE=1 ./fuzz_server crash-... prints the operations, requests, callbacks and
// the server's log, to see what a crashing input did.
const bool trace = std::getenv("RTSP_FUZZ_TRACE") != nullptr;

/// Reads the program front to back; past the end everything reads as 0.
struct reader {
    const std::uint8_t* p;
    std::size_t n;
    [[nodiscard]] bool done() const { return n == 0; }
    std::uint8_t u8() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>((u8() << 8) | u8()); }
    std::string str8() {  // length byte, then that many bytes (fewer at the end of input)
        std::size_t len = u8();
        if (len > n) len = n;
        std::string s(reinterpret_cast<const char*>(p), len);
        p += len;
        n -= len;
        return s;
    }
};

/// The WINC1500-like network, asserting that the server never hands it more than it takes.
class checked_packet_network : public test::fake_packet_network {
public:
    using fake_packet_network::fake_packet_network;
    result<std::size_t> send(connection c, buffer_sequence data) {
        std::size_t total = 0;
        for (auto piece : data) total += piece.size();
        FUZZ_CHECK(total <= stream_send_limit);
        return fake_packet_network::send(c, data);
    }
};
static_assert(Network<checked_packet_network>);

/// Frames made once: the same bytes every run, so a crash reproduces from its input alone.
struct frames {
    std::vector<std::byte> small = test::encode_jpeg(test::make_test_image(64, 48));
    std::vector<std::byte> restart = [] {
        test::encode_options o;
        o.chroma = test::sampling::s422;
        o.restart_interval = 2;
        return test::encode_jpeg(test::make_test_image(96, 64, 2), o);
    }();
    std::vector<std::byte> wide = test::encode_jpeg(test::make_test_image(2056, 8, 3));  // > 2040
    std::vector<std::byte> progressive = [] {
        test::encode_options o;
        o.progressive = true;
        return test::encode_jpeg(test::make_test_image(32, 32, 4), o);
    }();
};
const frames& the_frames() {
    static const frames f;
    return f;
}

constexpr std::string_view methods[] = {"OPTIONS", "DESCRIBE", "SETUP", "PLAY", "PAUSE",
                                        "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER", "ANNOUNCE",
                                        "RECORD", "REDIRECT", "FOO", "options"};
constexpr std::string_view urls[] = {"rtsp://127.0.0.1:8554/cam", "rtsp://127.0.0.1:8554/cam/track1",
                                     "rtsp://127.0.0.1:8554/cam/", "/cam/track1", "/cam2/track1",
                                     "rtsp://[::1]:8554/cam2", "*", "rtsp://h/cam/../x",
                                     "rtsp://user:pw@127.0.0.1/cam/track1?x=1#f"};
constexpr std::string_view transports[] = {
    "RTP/AVP/UDP;unicast;client_port=21014-21015",                                 // FFmpeg
    "RTP/AVP;unicast;client_port=40950-40951;mode=play,RTP/AVP/TCP;unicast;interleaved=0-1;mode=play",  // GStreamer
    "RTP/AVP;unicast;client_port=56404-56405",                                     // VLC
    "RTP/AVP/TCP;unicast;interleaved=0-1",
    "RTP/AVP/TCP;unicast;interleaved=2-3",
    "RTP/AVP/TCP;unicast",
    "RTP/AVP;unicast;client_port=5000-5001;destination=10.0.0.9",
    "RTP/AVP;unicast;client_port=5000-5001;destination=127.0.0.1",
    "RTP/AVP;multicast",
    "RTP/AVP;unicast;client_port=0-1",
    "RTP/AVP/TCP;unicast;interleaved=254-255",
    "RTP/AVP;multicast;destination=10.0.0.9;port=7000-7001;ttl=9",  // a client's own group: ignored
    "RTP/AVP/UDP;multicast,RTP/AVP/TCP;unicast;interleaved=0-1",     // FFmpeg's multicast, then TCP
};
// default_config runs offer multicast to this group: path k's stream on port + 2k.
const net::address fuzz_group = net::address::v4(239, 255, 0, 1, 5004);
// x-sessioncookie values as FFmpeg (16 hex digits), GStreamer (letters), QuickTime (22 base64
// characters) and a minimal client send them.
constexpr std::string_view cookies[] = {"9d0b5f3a2c1e4d68", "ZkmVZeQpGxoOsxfWcyNbqhw",
                                        "QTSxrVBjS1KM9A3iAM0hUw", "x"};
const net::address peers[] = {
    net::address::v4(127, 0, 0, 1, 40000), net::address::v4(127, 0, 0, 2, 40001),
    net::address::v4(192, 168, 1, 9, 40002), net::address::v4(127, 0, 0, 1, 40003)};

/// A valid RTCP receiver report (RR + SDES CNAME) with the given SSRC.
std::string receiver_report(std::uint32_t ssrc) {
    std::string s = {'\x80', '\xC9', '\x00', '\x01'};
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(ssrc >> (8 * i)));
    s += std::string{'\x81', '\xCA', '\x00', '\x03'};
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(ssrc >> (8 * i)));
    s += std::string{'\x01', '\x03', 'a', 'b', 'c', '\x00', '\x00', '\x00'};
    return s;
}

using test::base64;  // as tunnelling clients encode each request

std::vector<std::byte> to_bytes(std::string_view s) {
    std::vector<std::byte> v(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) v[i] = std::byte(static_cast<unsigned char>(s[i]));
    return v;
}

/// One RTP or RTCP packet the server sent (in a datagram or a '$' frame).
void check_media_packet(std::span<const std::byte> pkt, std::size_t mtu) {
    FUZZ_CHECK(pkt.size() <= mtu);
    FUZZ_CHECK(pkt.size() >= 8);
    const auto pt = std::to_integer<std::uint8_t>(pkt[1]);
    if ((pt & 0x7F) == rtp::payload_type_jpeg) {
        const auto h = rtp::read(pkt);
        FUZZ_CHECK(h && h->hdr.payload_type == rtp::payload_type_jpeg);
        FUZZ_CHECK(h->payload.size() >= 8);  // at least the RFC 2435 main header
    } else {
        FUZZ_CHECK(rtcp::parse(pkt).has_value());
    }
}

template <class Net, class Config>
struct harness {
    using server_t = basic_server<Net, test::manual_clock, test::counter_random, no_encoder, Config>;
    static constexpr std::size_t frame_mtu = Config::mtu - 4;  // RTP packets leave room for '$'

    // Declared before the server: its destructor tears sessions down and calls back into these.
    test::fake_world world;
    std::uint64_t now = 1'000'000;
    std::set<std::uint64_t> live;          // sessions set up and not torn down
    std::uint64_t setups = 0, teardowns = 0;
    std::vector<std::string> session_ids;  // Session ids seen in responses (hex, as sent)
    std::set<std::string> hosts;           // hosts that connected: the only RTP destinations
    std::vector<std::string> pending;      // per connection: output not yet parsed
    std::vector<bool> unsure_cseq;         // per connection: a request without CSeq was sent
    bool auth_on = false;                  // the server asks for admin:pw
    bool credentials_sent = false;         // a request carried credentials the harness computed
    std::string last_nonce;                // from the last WWW-Authenticate: Digest challenge
    bool last_request_clean = false;
    // RTSP over HTTP. What the harness wrote first on a connection says what it may receive.
    enum class kind : std::uint8_t { none, rtsp, get, post, other };
    struct tunnel_view {
        kind first = kind::none;
        bool strict_post = false;    // first bytes: "POST ... HTTP/1.x" with tunnels on
        bool throttled = false;      // its reads were throttled: answers may sit in the server
        std::string cookie;          // of its first GET or POST head
        bool began = false;          // a response or frame was seen on it
        int http = 0;                // status of the HTTP response seen, 0: none
        bool ended = false;          // a response said "Connection: close": none may follow
    };
    std::vector<tunnel_view> tun;
    bool tunnel_on = false;          // Config::http_tunnel and allow_http_tunnel
    bool tunnel_unsure = false;      // bytes other than clean requests reached a POST: a GET may
                                     // answer something without CSeq
    // Whole-packet adapter: a refused response parks in the server and holds up every
    // connection's requests, so a POST head may be received and not yet looked at.
    static constexpr bool whole_sends = std::is_same_v<Net, checked_packet_network>;
    int source_mode = 0;
    std::vector<std::byte> mutated;        // source_mode 3: a damaged JPEG from the input
    std::vector<std::byte> current;        // what the source returned last (alive until next call)
    server_t server;

    explicit harness(server_options o)
        : auth_on(!o.username.empty()),
          tunnel_on(Config::http_tunnel && o.allow_http_tunnel),
          server(o, Net(&world), test::manual_clock{&now}) {
        server.register_setup_cb([this](std::string_view, std::uint64_t id) {
            if (trace) std::fprintf(stderr, "  setup %016llX\n", static_cast<unsigned long long>(id));
            // Without the password nobody gets a session (MD5 is beyond the fuzzer's reach).
            FUZZ_CHECK(!auth_on || credentials_sent);
            FUZZ_CHECK(live.insert(id).second);  // a new session, never an existing id
            ++setups;
        });
        server.register_play_cb([this](std::string_view, std::uint64_t id) { FUZZ_CHECK(live.count(id) == 1); });
        server.register_pause_cb([this](std::string_view, std::uint64_t id) { FUZZ_CHECK(live.count(id) == 1); });
        server.register_teardown_cb([this](std::string_view, std::uint64_t id) {
            if (trace) std::fprintf(stderr, "  teardown %016llX\n", static_cast<unsigned long long>(id));
            FUZZ_CHECK(live.erase(id) == 1);  // exactly once per session
            ++teardowns;
        });
        if constexpr (Config::logging) {
            server.register_log_cb([](log_level, std::string_view line) {
                FUZZ_CHECK(!line.empty());
                if (trace) std::fprintf(stderr, "  log: %.*s\n", static_cast<int>(line.size()), line.data());
            });
        }
        server.set_source([this](std::string_view path) -> frame_ref {
            FUZZ_CHECK(!path.empty() && path.front() == '/');
            const auto& f = the_frames();
            switch (source_mode) {
            case 0: current = f.small; break;
            case 1: current = f.restart; break;
            case 2: current = f.wide; break;
            case 3: current = mutated; break;
            case 4: return no_frame;
            case 5: {  // pixels: refused by no_encoder, counted, the stream goes on
                static const std::byte px[16 * 16 * 3] = {};
                return image_view{std::span<const std::byte>(px), 16, 16};
            }
            case 6: current.assign(f.small.begin(), f.small.begin() + static_cast<std::ptrdiff_t>(f.small.size() / 2)); break;
            default: current = f.progressive; break;
            }
            return jpeg_view{std::span<const std::byte>(current)};
        });
    }

    void poll(int n = 1) {
        for (int i = 0; i < n; ++i) {
            // Bytes waiting on a tunnel's GET (it answered 200): this poll reads them and closes it.
            std::vector<std::size_t> fed;
            for (std::size_t c = 0; c < tun.size(); ++c)
                if (tun[c].http == 200 && world.conns[c].open && !world.conns[c].to_server.empty()) fed.push_back(c);
            FUZZ_CHECK(server.poll(0).has_value());
            for (std::size_t c : fed) FUZZ_CHECK(!world.conns[c].open);
        }
    }

    void track() {
        pending.resize(world.conns.size());
        unsure_cseq.resize(world.conns.size());
        tun.resize(world.conns.size());
    }

    /// Notes a write on c: the first one says what c is. Bytes other than whole clean requests,
    /// base64-encoded, on what may be a tunnel's POST may reach a GET as anything.
    void wrote(int c, kind k, bool clean_for_tunnel) {
        track();
        tunnel_view& t = tun[c];
        if (t.first == kind::none) t.first = k;
        if (!clean_for_tunnel && (t.first == kind::post || t.first == kind::other)) tunnel_unsure = true;
    }

    /// A tunnel's GET or POST head as VLC/QuickTime (form 4: their extra headers), FFmpeg and
    /// GStreamer send it, or a flawed one: HTTP/2.0 or an RTSP version (form 2), a lower-case
    /// method (3); no x-sessioncookie, two, or one too long or not visible (ck bits 2-4).
    std::string tunnel_head(bool post, std::uint8_t form, std::uint8_t ck, std::string& cookie) {
        cookie = std::string(cookies[ck & 3]);
        std::string t = (form & 3) == 3 ? (post ? "post" : "get") : (post ? "POST" : "GET");
        t += (form & 0x80) != 0 ? " / " : " /cam ";
        t += (form & 3) == 1 ? "HTTP/1.1" : (form & 3) == 2 ? (post ? "RTSP/1.0" : "HTTP/2.0") : "HTTP/1.0";
        t += "\r\n";
        if ((form & 4) != 0) {
            t += post ? "Content-Type: application/x-rtsp-tunnelled\r\nPragma: no-cache\r\n"
                        "Cache-Control: no-cache\r\nExpires: Sun, 9 Jan 1972 00:00:00 GMT\r\n"
                      : "Accept: application/x-rtsp-tunnelled\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n";
            t += "User-Agent: QTS (qtver=4.1;cpu=PPC;os=Mac 10.2.3)\r\n";
        }
        switch ((ck >> 2) & 3) {
        case 0: t += "x-sessioncookie: " + cookie + "\r\n"; break;
        case 1: break;
        case 2: t += "x-sessioncookie: " + cookie + "\r\nX-SessionCookie: " + cookie + "\r\n"; break;
        default:
            cookie = (ck & 0x10) != 0 ? std::string(65, 'c') : "a b";
            t += "x-sessioncookie: " + cookie + "\r\n";
        }
        // The POST's body never ends: 32767 is a convention, not a length. (ck 0x20: none.)
        if (post && (ck & 0x20) == 0) t += "Content-Length: 32767\r\n";
        if (!post && (ck & 0x20) != 0) t += "Content-Length: 0\r\n";
        return t + "\r\n";
    }

    int pick_conn(reader& in) const {
        if (world.conns.empty()) return -1;
        return static_cast<int>(in.u8() % world.conns.size());
    }

    std::string request(reader& in) {
        const std::uint8_t m = in.u8(), u = in.u8(), s = in.u8(), t = in.u8(), extra = in.u8();
        // Only a request made of known pieces surely carries a well-formed CSeq.
        last_request_clean = u < 0xF0 && s < 0xF0 && t < 0xF0 && (extra & 0x13) == 0;
        std::string text;
        text += methods[(m & 0x0F) % std::size(methods)];
        text += ' ';
        if (u >= 0xF0) text += in.str8();
        else text += urls[u % std::size(urls)];
        text += " RTSP/1.0\r\n";
        if ((extra & 0x10) == 0) text += "CSeq: " + std::to_string(m) + "\r\n";
        if (s != 0) {
            std::string id;
            if (s >= 0xF0) id = in.str8();
            else if (!session_ids.empty()) id = session_ids[s % session_ids.size()];
            if ((s & 0x40) != 0) std::transform(id.begin(), id.end(), id.begin(), ::tolower);
            text += "Session: " + id + ((s & 0x20) != 0 ? ";timeout=60" : "") + "\r\n";
        }
        if (t != 0) {
            text += "Transport: ";
            text += t >= 0xF0 ? in.str8() : std::string(transports[t % std::size(transports)]);
            text += "\r\n";
        }
        if ((extra & 0x01) != 0) text += in.str8() + "\r\n";  // any header line (or junk)
        if ((extra & 0x08) != 0) text += "Require: implicit-play\r\n";
        if ((extra & 0x40) != 0) text += credentials(methods[(m & 0x0F) % std::size(methods)], m >> 4);
        std::string body;
        if ((extra & 0x02) != 0) body = in.str8();
        if (!body.empty() || (extra & 0x04) != 0)
            text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        if ((extra & 0x20) != 0) text += "Content-Length: 100000\r\n";
        text += "\r\n" + body;
        return text;
    }

    /// An Authorization line for admin:pw answering the last challenge: Digest as VLC sends it
    /// (no qop), as FFmpeg does (qop=auth), Basic, or Digest with a wrong password.
    std::string credentials(std::string_view method, int form) {
        std::string nonce = last_nonce.empty() ? std::string(48, '0') : last_nonce;
        if ((form & 3) != 3) credentials_sent = true;  // the right password, in some form
        if ((form & 3) == 2) return "Authorization: Basic YWRtaW46cHc=\r\n";  // admin:pw
        const std::string uri = "rtsp://127.0.0.1:8554/cam";
        protocol::authorization a;
        a.username = "admin";
        a.realm = "rtsp";
        a.nonce = nonce;
        a.uri = uri;
        if ((form & 3) == 1) {
            a.qop = "auth";
            a.nc = "00000001";
            a.cnonce = "0a4f113b";
        }
        const auto ha1 = protocol::digest_ha1("admin", "rtsp", (form & 3) == 3 ? "wrong" : "pw");
        const auto resp = protocol::digest_response(a, method, ha1);
        FUZZ_CHECK(resp.has_value());
        std::string line = "Authorization: Digest username=\"admin\", realm=\"rtsp\", nonce=\"" + nonce +
                           "\", uri=\"" + uri + "\", response=\"" + std::string(resp->view()) + "\"";
        if ((form & 3) == 1) line += ", qop=auth, nc=00000001, cnonce=\"0a4f113b\"";
        return line + "\r\n";
    }

    /// Parses the complete messages in each connection's new output; keeps an unfinished tail.
    void check_output() {
        track();
        for (std::size_t c = 0; c < world.conns.size(); ++c) {
            std::string& buf = pending[c];
            tunnel_view& t = tun[c];
            buf += world.read(static_cast<int>(c));
            std::size_t i = 0, frames = 0;
            while (i < buf.size()) {
                if (buf[i] == '$') {
                    if (buf.size() - i < 4) break;
                    const std::size_t len = (std::size_t(static_cast<unsigned char>(buf[i + 2])) << 8) |
                                            static_cast<unsigned char>(buf[i + 3]);
                    if (buf.size() - i - 4 < len) break;
                    const auto* b = reinterpret_cast<const std::byte*>(buf.data() + i + 4);
                    check_media_packet(std::span<const std::byte>(b, len), frame_mtu);
                    FUZZ_CHECK(!t.strict_post);  // a tunnel's POST carries nothing out
                    t.began = true;
                    ++frames;
                    i += 4 + len;
                    continue;
                }
                // Nothing but responses and '$' frames (and a tunnel's HTTP answers).
                FUZZ_CHECK(buf[i] == 'R' || (buf[i] == 'H' && tunnel_on));
                const auto end = buf.find("\r\n\r\n", i);
                if (end == std::string::npos) {
                    FUZZ_CHECK(buf.size() - i < 4096);  // a response head is never this long
                    break;
                }
                const std::string_view head(buf.data() + i, end - i);
                const bool http = buf[i] == 'H';
                FUZZ_CHECK(head.substr(0, 9) == (http ? "HTTP/1.0 " : "RTSP/1.0 ") && head.size() >= 12);
                const int status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
                FUZZ_CHECK(status >= 200 && status <= 599);
                FUZZ_CHECK(head.size() == 12 || head[12] == ' ' || head[12] == '\r');
                std::size_t body = 0;
                bool cseq = false, has_length = false, close = false;
                std::string_view content_type;
                for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
                    const auto next = head.find("\r\n", pos + 2);
                    const auto line = head.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
                    const auto colon = line.find(':');
                    FUZZ_CHECK(colon != std::string_view::npos && colon > 0);
                    const auto name = line.substr(0, colon);
                    auto value = line.substr(colon + 1);
                    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                    for (char ch : line) FUZZ_CHECK(ch != '\r' && ch != '\n' && ch != '\0');
                    if (detail::iequals(name, "CSeq")) cseq = true;
                    if (detail::iequals(name, "Content-Length")) {
                        const auto n = detail::parse_unsigned<std::uint32_t>(value);
                        FUZZ_CHECK(n.has_value());
                        body = *n;
                        has_length = true;
                    }
                    if (detail::iequals(name, "Content-Type")) content_type = value;
                    if (detail::iequals(name, "Connection")) close = detail::iequals(value, "close");
                    if (detail::iequals(name, "WWW-Authenticate") && value.substr(0, 7) == "Digest ") {
                        const auto at = value.find("nonce=\"");
                        FUZZ_CHECK(at != std::string_view::npos);
                        FUZZ_CHECK(value.find("realm=") < at);  // realm before nonce (live555)
                        last_nonce = std::string(value.substr(at + 7, value.find('"', at + 7) - at - 7));
                    }
                    if (detail::iequals(name, "Session")) {
                        const auto id = value.substr(0, value.find(';'));
                        FUZZ_CHECK(id.size() == 16);
                        if (std::find(session_ids.begin(), session_ids.end(), id) == session_ids.end()) {
                            session_ids.emplace_back(id);
                            if (session_ids.size() > 8) session_ids.erase(session_ids.begin());
                        }
                    }
                    pos = next;
                }
                if (buf.size() - (end + 4) < body) break;  // the rest of its body comes later
                FUZZ_CHECK(!t.ended);  // the last answer said the connection closes
                t.ended = close;
                if (http) {
                    if (status == 200) {
                        // A tunnel's GET: the first thing on its connection, a reply that never ends.
                        FUZZ_CHECK(!t.began);
                        FUZZ_CHECK(content_type == "application/x-rtsp-tunnelled" && !has_length);
                    } else {
                        FUZZ_CHECK(status >= 400 && close && content_type == "text/plain" && body > 0);
                    }
                    t.http = status;
                } else {
                    // Echoed whenever the request had one (a tunnel's GET answers what its POST carried).
                    const bool unsure = unsure_cseq[c] || (t.http == 200 && tunnel_unsure);
                    if (!cseq && !unsure) std::fprintf(stderr, "response without CSeq:\n%.*s\n", static_cast<int>(head.size()), head.data());
                    FUZZ_CHECK(cseq || unsure);
                }
                // A POST gets nothing, or is refused: in HTTP, or before its head is read (table full, 408).
                if (t.strict_post) FUZZ_CHECK(!t.began && (http ? status != 200 : (status == 503 || status == 408)));
                t.began = true;
                if (trace) std::fprintf(stderr, "  conn %zu -> %.*s\n", c, static_cast<int>(head.find('\r')), head.data());
                FUZZ_CHECK(body <= 4096);
                i = end + 4 + body;
            }
            buf.erase(0, i);
            if (trace && frames > 0) std::fprintf(stderr, "  conn %zu -> %zu '$' frames\n", c, frames);
        }
        for (const auto& d : world.datagrams) {
            check_media_packet(d.bytes, frame_mtu);
            FUZZ_CHECK(d.to.port != 0);
            if (d.to.same_host(fuzz_group)) {  // a group stream: only ever on the group's ports
                FUZZ_CHECK(Config::multicast && d.to.port >= fuzz_group.port &&
                           d.to.port < fuzz_group.port + 2 * Config::max_paths);
                continue;
            }
            char host[net::max_host_text];
            const std::size_t hn = net::format_host(d.to, std::span<char>(host));
            FUZZ_CHECK(hosts.count(std::string(host, hn)) == 1);  // no reflection
        }
        world.datagrams.clear();
    }

    /// A tunnel's POST that was read and got no answer is paired: a GET with its cookie (or one
    /// the harness did not build) is open. Closing the GET closes the POST.
    void check_tunnels() {
        if constexpr (!whole_sends) {
            for (std::size_t c = 0; c < tun.size(); ++c) {
                const tunnel_view& t = tun[c];
                if (!t.strict_post || t.began || t.throttled || !pending[c].empty() || !world.conns[c].open ||
                    !world.conns[c].to_server.empty())
                    continue;
                bool get = false;
                for (std::size_t g = 0; g < tun.size(); ++g)
                    get = get || (g != c && world.conns[g].open &&
                                  ((tun[g].first == kind::get && tun[g].cookie == t.cookie) || tun[g].first == kind::other));
                if (!get) std::fprintf(stderr, "tunnel POST on connection %zu open without its GET\n", c);
                FUZZ_CHECK(get);
            }
        }
    }

    void check_sessions() {
        FUZZ_CHECK(server.session_count() <= Config::max_sessions);
        FUZZ_CHECK(server.session_count() == live.size());
        std::size_t seen = 0;
        server.for_each_session([&](const session_info& s) {
            FUZZ_CHECK(live.count(s.id) == 1);
            FUZZ_CHECK(!s.path.empty() && s.path.size() <= Config::max_path_length);
            ++seen;
        });
        FUZZ_CHECK(seen == live.size());
    }

    void run(reader& in) {
        int connects = 0;
        for (int op = 0; op < 512 && !in.done(); ++op) {
            const int code = in.u8() % 16;
            if (trace) std::fprintf(stderr, "op %d (t=%llu)\n", code, static_cast<unsigned long long>(now));
            switch (code) {
            case 0: {  // connect
                if (connects++ >= 24) break;
                const auto& peer = peers[in.u8() % std::size(peers)];
                char host[net::max_host_text];
                hosts.emplace(host, net::format_host(peer, std::span<char>(host)));
                world.connect(peer);
                break;
            }
            case 1: {  // raw bytes: split requests, garbage, '$' frames, slowloris
                const int c = pick_conn(in);
                const std::string bytes = in.str8();
                if (c >= 0) {
                    world.write(c, bytes);
                    wrote(c, kind::other, false);
                    unsure_cseq[c] = true;
                }
                break;
            }
            case 2: {  // a request assembled from real pieces
                const int c = pick_conn(in);
                const std::string text = request(in);
                if (trace) std::fprintf(stderr, "  conn %d <- %s\n", c, text.c_str());
                if (c >= 0) {
                    world.write(c, text);
                    wrote(c, kind::rtsp, false);
                    if (!last_request_clean) unsure_cseq[c] = true;
                }
                poll(2);
                break;
            }
            case 3: poll(1 + in.u8() % 8); break;
            case 4: {  // time passes: frame pacing, RTCP, request deadline, stalls, session timeout
                static constexpr std::uint64_t steps_ms[] = {1, 40, 1000, 5100, 10100, 61000};
                const std::uint8_t k = in.u8();
                now += k >= 0xF0 ? std::uint64_t{in.u16()} * 10000u : steps_ms[k % std::size(steps_ms)] * 1000u;
                poll(1);
                break;
            }
            case 5: {  // the client goes away
                const int c = pick_conn(in);
                const std::uint8_t how = in.u8();
                if (c >= 0) ((how & 1) ? world.conns[c].reset : world.conns[c].peer_closed) = true;
                break;
            }
            case 6: {  // the client reads slowly, or not at all, or again
                static constexpr std::size_t budgets[] = {0, 1, 13, 700, 1400, 5000};
                const int c = pick_conn(in);
                const std::uint8_t b = in.u8();
                if (c >= 0) {
                    world.conns[c].send_budget = b >= 0xF0 ? static_cast<std::size_t>(-1) : budgets[b % std::size(budgets)];
                    track();
                    tun[c].throttled = true;
                }
                break;
            }
            case 7: {  // an RTCP datagram: a report from a session's peer, or anything from anyone
                const std::uint8_t who = in.u8(), kind = in.u8();
                net::address from = peers[who % std::size(peers)];
                std::uint16_t rtp_port = 0;
                server.for_each_session([&](const session_info& s) {
                    if (!s.tcp) rtp_port = s.peer.port;
                });
                if ((who & 0x80) != 0 && rtp_port) from = from.with_port(static_cast<std::uint16_t>(rtp_port + 1));
                const std::string bytes = (kind & 1) ? in.str8() : receiver_report(kind * 0x01010101u);
                world.rtcp_in.emplace_back(from, to_bytes(bytes));
                if ((kind & 2) != 0) world.rtp_in.emplace_back(from, to_bytes(bytes));
                poll(1);
                break;
            }
            case 8: {  // an interleaved frame from the client (RTCP on the odd channel, or junk)
                const int c = pick_conn(in);
                const std::uint8_t ch = in.u8(), kind = in.u8();
                const std::string payload = (kind & 1) ? in.str8() : receiver_report(kind);
                std::string frame = {'$', static_cast<char>(ch), static_cast<char>(payload.size() >> 8),
                                     static_cast<char>(payload.size() & 0xFF)};
                if ((kind & 2) != 0) frame[2] = static_cast<char>(0xFF);  // claims more than it sends
                if (c >= 0) {
                    world.write(c, frame + payload);
                    wrote(c, kind::other, false);
                }
                break;
            }
            case 9: {
                static constexpr std::size_t budgets[] = {0, 1, 3, static_cast<std::size_t>(-1)};
                world.datagram_budget = budgets[in.u8() % std::size(budgets)];
                break;
            }
            case 10: {  // what the application gives next
                source_mode = in.u8() % 8;
                if (source_mode == 3) {  // a damaged JPEG: a few bytes of a valid one changed
                    mutated = the_frames().small;
                    const int flips = 1 + in.u8() % 4;
                    for (int k = 0; k < flips; ++k) {
                        const std::size_t pos = in.u16() % mutated.size();
                        mutated[pos] = std::byte{in.u8()};
                    }
                    if ((in.u8() & 1) != 0) mutated.resize(in.u16() % mutated.size());
                }
                break;
            }
            case 11:
                server.shutdown();  // every session torn down, sockets closed; poll() restarts
                FUZZ_CHECK(live.empty() && server.session_count() == 0);
                break;
            case 12:    // RTSP over HTTP: the GET half, whose reply carries the RTSP answers
            case 13: {  // the POST half; form 0x40: its first request in the same write
                const bool post = code == 13;
                const int c = pick_conn(in);
                const std::uint8_t form = in.u8(), ck = in.u8();
                std::string cookie;
                std::string text = tunnel_head(post, form, ck, cookie);
                const bool follow = (form & 0x40) != 0;  // a GET: data after it, refused
                if (follow) text += post ? base64(request(in)) : request(in);
                if (trace) std::fprintf(stderr, "  conn %d <- %s\n", c, text.c_str());
                if (c >= 0) {
                    track();
                    tunnel_view& t = tun[c];
                    const bool fresh = t.first == kind::none;
                    if (fresh) {
                        t.cookie = cookie;
                        t.strict_post = post && tunnel_on && (form & 3) < 2;
                    }
                    // No CSeq in an HTTP head: RTSP answers it without one where tunnels are off.
                    if (!tunnel_on || (form & 3) >= 2 || follow) unsure_cseq[c] = true;
                    wrote(c, post ? kind::post : kind::get, fresh && (!follow || last_request_clean));
                    world.write(c, text);
                }
                poll(2);
                break;
            }
            case 14: {  // a built request as a tunnel's POST carries it: base64, padding included
                const int c = pick_conn(in);
                const std::uint8_t how = in.u8(), cut = in.u8();
                const std::string text = request(in);
                if (trace) std::fprintf(stderr, "  conn %d <- base64 of %s\n", c, text.c_str());
                std::string b64;
                if ((how & 3) == 1) {  // line-wrapped every 76 characters, as some encoders do
                    const std::string one = base64(text);
                    for (std::size_t k = 0; k < one.size(); k += 76) b64 += one.substr(k, 76) + "\r\n";
                } else if ((how & 3) == 2) {  // a block per line of the request
                    for (std::size_t k = 0; k < text.size();) {
                        const std::size_t lf = text.find('\n', k);
                        const std::size_t n = lf == std::string::npos ? text.size() - k : lf + 1 - k;
                        b64 += base64(std::string_view(text).substr(k, n));
                        k += n;
                    }
                } else {  // one block, as FFmpeg, GStreamer and VLC send each request
                    b64 = base64(text);
                }
                if (c >= 0) {
                    wrote(c, kind::other, last_request_clean);
                    unsure_cseq[c] = true;
                    if ((how & 3) == 3) {  // TCP splits it anywhere, even inside a quantum
                        const std::size_t at = cut * b64.size() / 256;
                        world.write(c, std::string_view(b64).substr(0, at));
                        poll(1);
                        b64.erase(0, at);
                    }
                    world.write(c, b64);
                }
                poll(2);
                break;
            }
            case 15: {  // raw bytes base64-encoded (padded or not), as they are, or then a bad character
                static constexpr char bad[] = {'=', '!', '-', '_', '.', '*', '\0', '\x80'};
                const int c = pick_conn(in);
                const std::uint8_t form = in.u8();
                const std::string bytes = in.str8();
                std::string text;
                switch (form & 3) {
                case 0: text = base64(bytes); break;
                case 1: text = base64(bytes, false); break;  // a quantum left open
                case 2: text = bytes; break;
                default: text = base64(bytes) + bad[(form >> 2) & 7]; break;
                }
                if (c >= 0) {
                    world.write(c, text);
                    wrote(c, kind::other, false);
                    unsure_cseq[c] = true;
                }
                poll(1);
                break;
            }
            }
            check_output();
            check_tunnels();
            check_sessions();
        }
    }
};

// embedded_config with the features it leaves out turned back on.
struct embedded_with_auth : embedded_config {
    static constexpr bool authentication = true;
    static constexpr bool logging = true;
    static constexpr bool http_tunnel = true;
};

template <class Net, class Config>
void run_with(reader& in, server_options o) {
    std::uint64_t setups = 0, teardowns = 0;
    {
        harness<Net, Config> h(o);
        h.run(in);
        setups = h.setups;
        // Destroying the server tears down what is left; the callbacks still see the harness.
        h.server.shutdown();
        FUZZ_CHECK(h.live.empty());
        teardowns = h.teardowns;
    }
    FUZZ_CHECK(setups == teardowns);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)the_frames();  // encode the JPEGs once, outside the timed runs
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    reader in{data, size};
    const std::uint8_t flags = in.u8();
    server_options o;
    o.port = 8554;
    o.rtp_port = 50000;
    o.allow_udp = (flags & 0x02) == 0;
    o.allow_tcp = (flags & 0x04) == 0;
    o.max_fps = (flags & 0x08) != 0 ? 25 : 0;
    o.session_timeout_s = (flags & 0x10) != 0 ? 5 : 60;
    if ((flags & 0x20) != 0) { o.width = 4000; o.height = 3000; }
    if ((flags & 0x40) != 0) {  // authentication on: Digest, and Basic too with 0x80
        o.username = "admin";
        o.password = "pw";
        o.allow_basic = (flags & 0x80) != 0;
    }
    o.allow_http_tunnel = (flags & 0xC0) != 0x80;  // 0x80 without authentication: tunnels refused
    if ((flags & 0x01) == 0) {
        o.multicast_group = fuzz_group;  // multicast where it is compiled in
        run_with<test::fake_network, default_config>(in, o);
    }
    else if (o.username.empty())
        run_with<checked_packet_network, embedded_config>(in, o);  // lean: no auth, no log text
    else
        run_with<checked_packet_network, embedded_with_auth>(in, o);
    return 0;
}
