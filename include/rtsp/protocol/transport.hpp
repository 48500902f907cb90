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
//  * unsupported_transport (461): well-formed, but nothing is acceptable: multicast, profiles
//    other than RTP/AVP (RTP/SAVP, RTP/AVPF, RAW/RAW/UDP, ...), lower transports other than
//    UDP/TCP, UDP when !udp_allowed, TCP when !tcp_allowed, or "interleaved" on a UDP
//    alternative. Malformed parameters inside such an alternative do not matter: it is
//    refused for what it is.
// Names and tokens compare case-insensitively; parameters may come in any order; unknown ones
// (mode, ttl, layers, append, source, server_port, ...) are ignored; empty parameters (a stray
// ';') are skipped. A missing "unicast" means unicast: clients that omit it still expect it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtsp/detail/ascii.hpp"
#include "rtsp/error.hpp"
#include "rtsp/protocol/detail/slice.hpp"
#include "rtsp/protocol/detail/text_writer.hpp"
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
    std::string_view destination;  ///< "destination=" value if present: the server must refuse
                                   ///< any address other than the peer's (reflection attacks)
    std::string_view ssrc;         ///< client-suggested ssrc, unvalidated, if any
};

namespace detail {

/// Cuts the next `sep`-separated item (outside double quotes) off the front of `rest`; `more`
/// tells whether a separator followed it (so "a," has an empty second item).
[[nodiscard]] constexpr std::string_view take_item(std::string_view& rest, char sep,
                                                   bool& more) noexcept {
    bool quoted = false;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '"') {
            quoted = !quoted;
        } else if (rest[i] == sep && !quoted) {
            auto item = detail::slice(rest, 0, i);
            rest.remove_prefix(i + 1);
            more = true;
            return item;
        }
    }
    auto item = rest;
    rest = {};
    more = false;
    return item;
}

/// "A" or "A-B" with B == A + 1 and A + 1 <= max; A >= min_first; even A if require_even.
/// Returns {A, B} or nullopt.
struct number_pair {
    std::uint32_t first, second;
};
[[nodiscard]] constexpr std::optional<number_pair> parse_pair(std::string_view v,
                                                              std::uint32_t min_first,
                                                              std::uint32_t max,
                                                              bool require_even) noexcept {
    const auto dash = v.find('-');
    const auto a = rtsp::detail::parse_unsigned<std::uint32_t>(rtsp::detail::trim(detail::slice(v, 0, dash)));
    if (!a || *a < min_first || *a >= max) return std::nullopt;  // a + 1 must fit as well
    if (require_even && *a % 2 != 0) return std::nullopt;
    if (dash != std::string_view::npos) {
        const auto b = rtsp::detail::parse_unsigned<std::uint32_t>(rtsp::detail::trim(detail::slice(v, dash + 1)));
        if (!b || *b != *a + 1) return std::nullopt;  // reversed, gapped, equal, garbage
    }
    return number_pair{*a, *a + 1};
}

enum class verdict : std::uint8_t { accepted, unsupported, malformed, syntax_error };

/// Judges one alternative; fills `out` when accepted.
[[nodiscard]] constexpr verdict judge_alternative(std::string_view alt, bool udp_allowed,
                                                  bool tcp_allowed, transport_spec& out) noexcept {
    using rtsp::detail::iequals;
    using rtsp::detail::trim;
    alt = trim(alt);
    if (alt.empty()) return verdict::syntax_error;

    // transport-id: protocol "/" profile [ "/" lower-transport ]
    bool more = false;
    std::string_view id = trim(take_item(alt, ';', more));
    std::string_view parts[3];
    std::size_t n = 0;
    while (true) {
        const auto slash = id.find('/');
        const auto part = detail::slice(id, 0, slash);
        if (part.empty() || n == 3) return verdict::syntax_error;
        for (char c : part)
            if (!is_tchar(c) || c == '/') return verdict::syntax_error;
        parts[n++] = part;
        if (slash == std::string_view::npos) break;
        id.remove_prefix(slash + 1);
    }
    if (n < 2) return verdict::syntax_error;

    bool supported = iequals(parts[0], "RTP") && iequals(parts[1], "AVP");
    lower_transport lower = lower_transport::udp;
    if (n == 3) {
        if (iequals(parts[2], "TCP")) lower = lower_transport::tcp;
        else if (!iequals(parts[2], "UDP")) supported = false;
    }

    bool multicast = false;
    std::string_view client_port, interleaved;
    bool client_port_seen = false, interleaved_seen = false, duplicate_port = false,
         duplicate_channel = false;
    transport_spec spec;
    while (!alt.empty()) {
        const auto param = trim(take_item(alt, ';', more));
        if (param.empty()) continue;
        const auto eq = param.find('=');
        const auto name = trim(detail::slice(param, 0, eq));
        auto value = eq == std::string_view::npos ? std::string_view{} : trim(detail::slice(param, eq + 1));
        if (name.empty()) return verdict::syntax_error;
        for (char c : name)
            if (!is_tchar(c)) return verdict::syntax_error;
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
        } else if (iequals(name, "destination")) spec.destination = value;
        else if (iequals(name, "ssrc")) spec.ssrc = value;
        // unicast, mode, ttl, layers, append, source, server_port, ...: nothing to do
    }

    if (!supported || multicast) return verdict::unsupported;
    spec.lower = lower;
    if (lower == lower_transport::udp) {
        if (!udp_allowed || interleaved_seen) return verdict::unsupported;
        if (!client_port_seen || duplicate_port) return verdict::malformed;
        const auto p = parse_pair(client_port, 1, 65535, true);
        if (!p) return verdict::malformed;
        spec.client_rtp_port = static_cast<std::uint16_t>(p->first);
        spec.client_rtcp_port = static_cast<std::uint16_t>(p->second);
    } else {
        if (!tcp_allowed) return verdict::unsupported;
        if (interleaved_seen) {
            if (duplicate_channel) return verdict::malformed;
            const auto p = parse_pair(interleaved, 0, 255, false);
            if (!p) return verdict::malformed;
            spec.interleaved_rtp = static_cast<std::uint8_t>(p->first);
            spec.interleaved_rtcp = static_cast<std::uint8_t>(p->second);
            spec.has_interleaved = true;
        }
    }
    out = spec;
    return verdict::accepted;
}

}  // namespace detail

/// Picks the first alternative of a Transport header value that the server serves.
/// @return the accepted alternative, or bad_transport (reply 400) / unsupported_transport
///         (reply 461) as defined at the top of this header.
[[nodiscard]] constexpr result<transport_spec> select_transport(std::string_view header_value,
                                                                bool udp_allowed = true,
                                                                bool tcp_allowed = true) noexcept {
    std::string_view rest = rtsp::detail::trim(header_value);
    if (rest.empty()) return fail(errc::bad_transport);
    std::size_t quotes = 0;
    for (char c : rest) {
        if (rtsp::detail::is_ctl(c)) return fail(errc::bad_transport);
        if (c == '"') ++quotes;
    }
    if (quotes % 2 != 0) return fail(errc::bad_transport);

    std::optional<transport_spec> chosen;
    bool malformed = false;
    for (bool more = true; more;) {
        const auto alt = detail::take_item(rest, ',', more);
        transport_spec spec;
        switch (detail::judge_alternative(alt, udp_allowed, tcp_allowed, spec)) {
        case detail::verdict::accepted:
            if (!chosen) chosen = spec;
            break;
        case detail::verdict::malformed: malformed = true; break;
        case detail::verdict::unsupported: break;
        case detail::verdict::syntax_error: return fail(errc::bad_transport);
        }
    }
    if (chosen) return *chosen;
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
    detail::text_writer w(out);
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

}  // namespace rtsp::protocol
