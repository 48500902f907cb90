// SPDX-License-Identifier: MIT
// rtsp/protocol/transport.hpp - the SETUP Transport header (RFC 2326 §12.39): choose, and reply.
//
// A client lists transport alternatives in order of preference, e.g. GStreamer's
//   RTP/AVP;unicast;client_port=5000-5001,RTP/AVP/TCP;unicast;interleaved=0-1
// The server takes the first one it can serve and answers with exactly one transport (FFmpeg
// treats more than one as an error). The two failure codes map to different replies, and the
// difference matters to clients: on 461 VLC and FFmpeg retry with another lower transport,
// while 400 tells them the request itself is broken.
//
// Which error is which:
//  * bad_transport (400): the header is empty or syntactically broken anywhere (an empty
//    alternative, a transport-id that is not "proto/profile[/lower]", a parameter with an empty
//    name, a control byte, an unbalanced quote); or no alternative is acceptable AND at least
//    one alternative that the server would otherwise serve (RTP/AVP unicast over an allowed
//    lower transport) carries malformed parameters:
//      UDP: client_port missing, empty, non-numeric, 0, > 65535, an odd RTP port, a reversed
//           or non-consecutive pair (RTCP must be RTP + 1), or given twice;
//      TCP: interleaved empty, non-numeric, a channel > 255, "a-b" with b != a + 1, a single
//           channel 255 (its RTCP channel would be 256), or given twice.
//  * unsupported_transport (461): well-formed, but nothing is acceptable: multicast when
//    !multicast_allowed (and always over TCP), profiles other than RTP/AVP (RTP/SAVP,
//    RTP/AVPF, RAW/RAW/UDP, ...), lower transports other than UDP/TCP, UDP when !udp_allowed,
//    TCP when !tcp_allowed, or "interleaved" on a UDP alternative. Malformed parameters inside
//    such an alternative do not matter: it is refused for what it is.
// A multicast alternative needs no parameters: the server chooses the group, ports and TTL
// (RFC 2326 §12.39 lets it), so a client's destination, port and ttl are not looked at; a
// destination other than the server's group could only be a request to flood someone else.
// Names and tokens compare case-insensitively; parameters may come in any order; unknown ones
// (mode, ttl, layers, append, source, server_port, ...) are ignored; empty parameters (a stray
// ';') are skipped. A missing "unicast" means unicast: clients that omit it still expect it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/detail/ascii.hpp"
#include "rtsp/detail/text_writer.hpp"
#include "rtsp/error.hpp"
#include "rtsp/net/address.hpp"
#include "rtsp/protocol/detail/slice.hpp"
#include "rtsp/protocol/request_parser.hpp"
#include "rtsp/result.hpp"

namespace rtsp::protocol {

enum class lower_transport : std::uint8_t { udp, tcp };

/// The alternative the server accepted. Views point into the header value.
struct transport_spec {
    lower_transport lower = lower_transport::udp;
    std::uint16_t client_rtp_port = 0, client_rtcp_port = 0;  ///< udp: rtcp == rtp + 1
    std::uint8_t interleaved_rtp = 0, interleaved_rtcp = 1;   ///< tcp: rtcp == rtp + 1
    bool has_interleaved = false;  ///< tcp: the client named the channels (else 0-1 by default)
    bool multicast = false;        ///< udp: join the path's multicast group (no client_port)
    std::string_view destination;  ///< "destination=" value if present: the server must refuse
                                   ///< any address other than the peer's (reflection attacks)
    std::string_view ssrc;         ///< client-suggested ssrc, unvalidated, if any
};

namespace detail {

/// The next `sep`-separated item outside double quotes, trimmed (rtsp::detail::take_item).
[[nodiscard]] constexpr std::string_view take_item(std::string_view& rest, char sep,
                                                   bool& more) noexcept {
    return rtsp::detail::take_item(rest, sep, more, true);
}

/// "A" or "A-B" with B == A + 1 and A + 1 <= max; A >= min_first; even A if require_even.
/// Stores A in `first` (B is always A + 1); false if `v` is none of that.
[[nodiscard]] constexpr bool parse_pair(std::string_view v, std::uint32_t min_first,
                                        std::uint32_t max, bool require_even,
                                        std::uint32_t& first) noexcept {
    bool dash = false;
    const auto a = rtsp::detail::parse_unsigned<std::uint32_t>(rtsp::detail::take_item(v, '-', dash));
    if (!a || *a < min_first || *a >= max) return false;  // a + 1 must fit as well
    if (require_even && *a % 2 != 0) return false;
    if (dash) {
        const auto b = rtsp::detail::parse_unsigned<std::uint32_t>(rtsp::detail::trim(v));
        if (!b || *b != *a + 1) return false;  // reversed, gapped, equal, garbage
    }
    first = *a;
    return true;
}

enum class verdict : std::uint8_t { accepted, unsupported, malformed, syntax_error };

/// Judges one alternative (SP/HT already trimmed off). Overwrites `out`, which holds the
/// accepted transport when the verdict is `accepted` (and nothing useful otherwise).
/// Out of line: inlined into the server's SETUP handling it costs firmware ~70 bytes of flash.
template <bool WithMulticast>
[[nodiscard, gnu::noinline]] constexpr verdict judge_alternative(std::string_view alt, bool udp_allowed,
                                                  bool tcp_allowed, bool multicast_allowed,
                                                  transport_spec& out) noexcept {
    using rtsp::detail::iequals;
    using rtsp::detail::trim;
    out = transport_spec{};
    if (alt.empty()) return verdict::syntax_error;

    // transport-id: protocol "/" profile [ "/" lower-transport ], each part a non-empty token.
    bool more = false;
    std::string_view id = take_item(alt, ';', more);
    bool supported = true;
    for (std::size_t n = 0;; ++n) {
        const auto slash = id.find('/');
        const auto part = detail::slice(id, 0, slash);
        if (part.empty() || n == 3 || !tchars.contains_all(part)) return verdict::syntax_error;
        if (n == 0) supported = iequals(part, "RTP");
        else if (n == 1) supported = supported && iequals(part, "AVP");
        else if (iequals(part, "TCP")) out.lower = lower_transport::tcp;
        else if (!iequals(part, "UDP")) supported = false;
        if (slash == std::string_view::npos) {
            if (n == 0) return verdict::syntax_error;  // no profile
            break;
        }
        id.remove_prefix(slash + 1);
    }

    bool multicast = false;
    std::string_view client_port, interleaved;
    bool client_port_seen = false, interleaved_seen = false, duplicate_port = false,
         duplicate_channel = false;
    while (!alt.empty()) {
        auto param = take_item(alt, ';', more);
        if (param.empty()) continue;
        bool has_value = false;
        const auto name = rtsp::detail::take_item(param, '=', has_value);
        auto value = has_value ? trim(param) : std::string_view{};
        if (name.empty() || !tchars.contains_all(name)) return verdict::syntax_error;
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = detail::slice(value, 1, value.size() - 2);

        if (iequals(name, "multicast")) multicast = true;
        else if (iequals(name, "client_port")) {
            duplicate_port = client_port_seen;
            client_port_seen = true;
            client_port = value;
        } else if (iequals(name, "interleaved")) {
            duplicate_channel = interleaved_seen;
            interleaved_seen = true;
            interleaved = value;
        } else if (iequals(name, "destination")) out.destination = value;
        else if (iequals(name, "ssrc")) out.ssrc = value;
        // unicast, mode, ttl, layers, append, source, server_port, ...: nothing to do
    }

    if constexpr (WithMulticast) {
        if (supported && multicast) {
            if (!multicast_allowed || out.lower != lower_transport::udp || interleaved_seen)
                return verdict::unsupported;
            out.multicast = true;
            return verdict::accepted;
        }
    } else {
        (void)multicast_allowed;
    }
    if (!supported || multicast) return verdict::unsupported;
    std::uint32_t first = 0;
    if (out.lower == lower_transport::udp) {
        if (!udp_allowed || interleaved_seen) return verdict::unsupported;
        if (!client_port_seen || duplicate_port) return verdict::malformed;
        if (!parse_pair(client_port, 1, 65535, true, first)) return verdict::malformed;
        out.client_rtp_port = static_cast<std::uint16_t>(first);
        out.client_rtcp_port = static_cast<std::uint16_t>(first + 1);
    } else {
        if (!tcp_allowed) return verdict::unsupported;
        if (interleaved_seen) {
            if (duplicate_channel) return verdict::malformed;
            if (!parse_pair(interleaved, 0, 255, false, first)) return verdict::malformed;
            out.interleaved_rtp = static_cast<std::uint8_t>(first);
            out.interleaved_rtcp = static_cast<std::uint8_t>(first + 1);
            out.has_interleaved = true;
        }
    }
    return verdict::accepted;
}

}  // namespace detail

/// Picks the first alternative of a Transport header value that the server serves.
/// select_transport<false> has no multicast code (firmware without it): multicast is refused
/// whatever multicast_allowed says.
/// @return the accepted alternative, or bad_transport (reply 400) / unsupported_transport
///         (reply 461) as defined at the top of this header.
template <bool WithMulticast = true>
[[nodiscard]] constexpr result<transport_spec> select_transport(std::string_view header_value,
                                                                bool udp_allowed = true,
                                                                bool tcp_allowed = true,
                                                                bool multicast_allowed = false) noexcept {
    std::string_view rest = rtsp::detail::trim(header_value);
    if (rest.empty()) return fail(errc::bad_transport);
    std::size_t quotes = 0;
    for (char c : rest) {
        if (rtsp::detail::is_ctl(c)) return fail(errc::bad_transport);
        if (c == '"') ++quotes;
    }
    if (quotes % 2 != 0) return fail(errc::bad_transport);

    // Every alternative is judged, even after one was chosen: a syntax error anywhere is 400.
    transport_spec chosen, other;
    bool have = false, malformed = false;
    for (bool more = true; more;) {
        const auto alt = detail::take_item(rest, ',', more);
        switch (detail::judge_alternative<WithMulticast>(alt, udp_allowed, tcp_allowed, multicast_allowed,
                                          have ? other : chosen)) {
        case detail::verdict::accepted: have = true; break;
        case detail::verdict::malformed: malformed = true; break;
        case detail::verdict::unsupported: break;
        case detail::verdict::syntax_error: return fail(errc::bad_transport);
        }
    }
    if (have) return chosen;
    return fail(malformed ? errc::bad_transport : errc::unsupported_transport);
}

/// Writes the reply Transport value for `spec` into `out`:
///   udp: "RTP/AVP;unicast;client_port=A-B;server_port=C-D;ssrc=XXXXXXXX"
///   tcp: "RTP/AVP/TCP;unicast;interleaved=a-b;ssrc=XXXXXXXX"
/// (server ports are ignored for tcp; ssrc is 8 upper-case hex digits).
/// @return the number of characters written, or buffer_too_small.
[[nodiscard]] constexpr result<std::size_t> write_transport_reply(
    const transport_spec& spec, std::uint16_t server_rtp_port, std::uint16_t server_rtcp_port,
    std::uint32_t ssrc, std::span<char> out) noexcept {
    rtsp::detail::text_writer w(out);
    if (spec.lower == lower_transport::udp) {
        w.text("RTP/AVP;unicast;client_port=");
        w.dec(spec.client_rtp_port);
        w.text("-");
        w.dec(spec.client_rtcp_port);
        w.text(";server_port=");
        w.dec(server_rtp_port);
        w.text("-");
        w.dec(server_rtcp_port);
    } else {
        w.text("RTP/AVP/TCP;unicast;interleaved=");
        w.dec(spec.interleaved_rtp);
        w.text("-");
        w.dec(spec.interleaved_rtcp);
    }
    w.text(";ssrc=");
    w.hex(ssrc, 8);
    if (w.overflow()) return fail(errc::buffer_too_small);
    return w.size();
}

/// Writes the reply Transport value for a multicast SETUP into `out`:
///   "RTP/AVP;multicast;destination=G;port=P-Q;ttl=T;ssrc=XXXXXXXX"
/// where G is `group`'s host, P its port (RTP) and Q = P + 1 (RTCP).
/// @return the number of characters written, or buffer_too_small.
[[nodiscard]] constexpr result<std::size_t> write_multicast_transport_reply(
    const net::address& group, std::uint8_t ttl, std::uint32_t ssrc, std::span<char> out) noexcept {
    char host[net::max_host_text];
    const std::size_t hn = net::format_host(group, std::span<char>(host));
    rtsp::detail::text_writer w(out);
    w.text("RTP/AVP;multicast;destination=");
    w.text(std::string_view(host, hn));
    w.text(";port=");
    w.dec(group.port);
    w.text("-");
    w.dec(static_cast<std::uint32_t>(group.port) + 1);
    w.text(";ttl=");
    w.dec(ttl);
    w.text(";ssrc=");
    w.hex(ssrc, 8);
    if (hn == 0 || w.overflow()) return fail(errc::buffer_too_small);
    return w.size();
}

}  // namespace rtsp::protocol
