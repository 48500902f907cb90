// SPDX-License-Identifier: MIT
// rtsp/protocol/url.hpp - Request-URI parsing and control-URL resolution.
//
// The server maps a request to a stream by the URL's path alone (PROTOCOL.md §3.3): clients
// may reach it through another host name or port than the one in Content-Base, and may send
// user-info. The path is only ever compared with registered stream names, never used to open
// a file, but it is still validated strictly so that no odd spelling can alias a stream: dot
// segments ("..", "%2e%2E") and empty segments ("//") are refused, not normalized, and
// percent escapes are kept as sent (so "/c%61m" is simply not "/cam" and gets 404).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtsp/detail/ascii.hpp"
#include "rtsp/error.hpp"
#include "rtsp/protocol/detail/slice.hpp"
#include "rtsp/result.hpp"

namespace rtsp::protocol {

/// The parts of a request URI the server uses. Views point into the URI.
struct url {
    std::string_view scheme;  ///< "rtsp" / "rtsps" as sent (any case); empty for "/x" and "*"
    std::string_view host;    ///< IPv6 literals without their brackets; empty for "/x" and "*"
    std::uint16_t port = 0;   ///< 0 when absent
    std::string_view path;    ///< starts with '/' (or is "*"); query and fragment dropped
};

/// Longest path accepted: stream names are short, and a bound keeps every copy of one bounded.
inline constexpr std::size_t max_url_path = 255;

namespace detail {

using rtsp::detail::char_set;
inline constexpr char_set hex_digits{"0123456789abcdefABCDEF"};
/// RFC 3986 pchar (unreserved, pct-encoded, sub-delims, ':', '@') and '/'.
inline constexpr char_set path_chars{"-._~" "%" "!$&'()*+,;=" ":@" "/", true};
/// RFC 3986 reg-name: unreserved, pct-encoded, sub-delims.
inline constexpr char_set reg_name_chars{"-._~" "%" "!$&'()*+,;=", true};
/// What an IPv6 literal (before any zone) consists of.
inline constexpr char_set ipv6_chars{"0123456789abcdefABCDEF:."};

[[nodiscard]] constexpr bool is_hex(char c) noexcept { return hex_digits.contains(c); }

/// True when every '%' in `s` starts a two-hex-digit escape.
[[nodiscard]] constexpr bool valid_escapes(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '%' && (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])))
            return false;
    return true;
}

/// "." or "..", also spelled with %2e / %2E (RFC 3986 §6.2.2.2 makes them equivalent).
[[nodiscard]] constexpr bool is_dot_segment(std::string_view seg) noexcept {
    std::size_t dots = 0;
    while (!seg.empty()) {
        if (seg.front() == '.') {
            seg.remove_prefix(1);
        } else if (seg.size() >= 3 && seg[0] == '%' && seg[1] == '2' &&
                   (seg[2] == 'e' || seg[2] == 'E')) {
            seg.remove_prefix(3);
        } else {
            return false;
        }
        ++dots;
    }
    return dots == 1 || dots == 2;
}

/// Checks an absolute path: pchar / '/' only, valid escapes, no empty or dot segment, bounded.
[[nodiscard]] constexpr bool valid_path(std::string_view path) noexcept {
    if (path.empty() || path.front() != '/' || path.size() > max_url_path) return false;
    if (!path_chars.contains_all(path) || !valid_escapes(path)) return false;
    // Segments between slashes; the final one may be empty ("/cam/"), no other may.
    std::string_view rest = detail::slice(path, 1);
    while (true) {
        const auto slash = rest.find('/');
        const auto seg = detail::slice(rest, 0, slash);
        if (is_dot_segment(seg)) return false;
        if (slash == std::string_view::npos) break;
        if (seg.empty()) return false;  // "//"
        rest.remove_prefix(slash + 1);
    }
    return true;
}

[[nodiscard]] constexpr bool valid_reg_name(std::string_view host) noexcept {
    return !host.empty() && reg_name_chars.contains_all(host) && valid_escapes(host);
}

/// The inside of "[...]": hex digits, ':' and '.', plus an optional zone ("%25eth0").
[[nodiscard]] constexpr bool valid_ipv6_literal(std::string_view host) noexcept {
    if (host.find(':') == std::string_view::npos) return false;
    const auto zone = host.find('%');
    if (!ipv6_chars.contains_all(detail::slice(host, 0, zone))) return false;
    if (zone != std::string_view::npos) {
        const auto z = detail::slice(host, zone);
        if (z.size() <= 3 || !valid_reg_name(z)) return false;
    }
    return true;
}

}  // namespace detail

/// Parses a Request-URI: "rtsp[s]://[userinfo@]host[:port][/path][?query][#fragment]", an
/// absolute path "/x[?q]", or "*". A URL without a path gets path "/".
/// @return the parts, or bad_url: empty, another scheme, a bad host or port (0, > 65535,
///         non-digits), a space / NUL / other control byte anywhere, a character not allowed in
///         a path, a broken %-escape, a "." or ".." segment (also as %2e), an empty segment
///         ("//"), or a path longer than max_url_path.
[[nodiscard]] constexpr result<url> parse_url(std::string_view uri) noexcept {
    using namespace detail;
    using namespace std::string_view_literals;  // no strlen at run time
    if (uri.empty()) return fail(errc::bad_url);
    for (char c : uri)
        if (c == ' ' || rtsp::detail::is_ctl(c) || c == '\t') return fail(errc::bad_url);
    if (rtsp::detail::equals(uri, "*")) return url{{}, {}, 0, uri};

    url u;
    std::string_view rest = uri;
    if (uri.front() != '/') {
        const auto sep = uri.find("://"sv);
        if (sep == std::string_view::npos) return fail(errc::bad_url);
        u.scheme = detail::slice(uri, 0, sep);
        if (!rtsp::detail::iequals(u.scheme, "rtsp") && !rtsp::detail::iequals(u.scheme, "rtsps"))
            return fail(errc::bad_url);
        rest = detail::slice(uri, sep + 3);
        const auto auth_end = rest.find_first_of("/?#"sv);
        std::string_view authority = detail::slice(rest, 0, auth_end);
        rest = auth_end == std::string_view::npos ? std::string_view{} : detail::slice(rest, auth_end);
        if (const auto at = authority.rfind('@'); at != std::string_view::npos)
            authority.remove_prefix(at + 1);  // user-info plays no part in stream selection

        std::string_view port;
        bool has_port = false;
        if (!authority.empty() && authority.front() == '[') {
            const auto close = authority.find(']');
            if (close == std::string_view::npos) return fail(errc::bad_url);
            u.host = detail::slice(authority, 1, close - 1);
            if (!valid_ipv6_literal(u.host)) return fail(errc::bad_url);
            const auto after = detail::slice(authority, close + 1);
            if (!after.empty()) {
                if (after.front() != ':') return fail(errc::bad_url);
                port = detail::slice(after, 1);
                has_port = true;
            }
        } else {
            const auto colon = authority.find(':');
            u.host = detail::slice(authority, 0, colon);
            if (!valid_reg_name(u.host)) return fail(errc::bad_url);
            if (colon != std::string_view::npos) {
                port = detail::slice(authority, colon + 1);
                has_port = true;
            }
        }
        if (has_port && !port.empty()) {  // RFC 3986 allows an empty port: the default
            const auto p = rtsp::detail::parse_unsigned<std::uint32_t>(port);
            if (!p || *p == 0 || *p > 65535) return fail(errc::bad_url);
            u.port = static_cast<std::uint16_t>(*p);
        }
    }
    u.path = detail::slice(rest, 0, rest.find_first_of("?#"sv));
    if (u.path.empty()) u.path = "/"sv;
    if (!valid_path(u.path)) return fail(errc::bad_url);
    return u;
}

/// What a request path addresses: a stream as a whole, or the stream's track.
struct control_target {
    std::string_view stream_path;  ///< no trailing slash, except the root "/"
    bool track = false;            ///< the path ended in "/<track_name>" (the SETUP URL)
};

/// Resolves a path from parse_url() against the SDP's "a=control:<track_name>" (PROTOCOL.md
/// §3.3): "/cam/track1" and "/cam/track1/" -> {"/cam", true}; "/cam" and "/cam/" ->
/// {"/cam", false}; "/track1" -> {"/", true}; "/" and "//" -> {"/", false}. A stream whose
/// own last segment equals `track_name` cannot be addressed as a whole: do not register one.
[[nodiscard]] constexpr control_target resolve_control(
    std::string_view path, std::string_view track_name) noexcept {
    using namespace std::string_view_literals;
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    if (path.empty()) return {"/"sv, false};
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos || track_name.empty() ||
        detail::slice(path, slash + 1) != track_name)
        return {path, false};
    auto base = detail::slice(path, 0, slash);
    while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
    if (base.empty()) base = detail::slice(path, 0, 1);  // "/track1" -> "/"
    return {base, true};
}
/// resolve_control() with the track name the SDP writer uses by default, "track1".
[[nodiscard]] constexpr control_target resolve_control(std::string_view path) noexcept {
    using namespace std::string_view_literals;
    return resolve_control(path, "track1"sv);
}

}  // namespace rtsp::protocol
