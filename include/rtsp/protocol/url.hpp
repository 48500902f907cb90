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

/// True when every character of `s` is in `set` and every '%' starts a two-hex-digit escape.
[[nodiscard]] constexpr bool valid_escaped(std::string_view s, const char_set& set) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!set.contains(s[i])) return false;
        if (s[i] == '%' && (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])))
            return false;
    }
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
    if (!valid_escaped(path, path_chars)) return false;
    // Segments between slashes; the final one may be empty ("/cam/"), no other may ("//").
    std::size_t begin = 1;
    for (std::size_t i = 1; i <= path.size(); ++i) {
        if (i < path.size() && path[i] != '/') continue;
        const std::string_view seg(path.data() + begin, i - begin);
        if (is_dot_segment(seg) || (seg.empty() && i < path.size())) return false;
        begin = i + 1;
    }
    return true;
}

[[nodiscard]] constexpr bool valid_reg_name(std::string_view host) noexcept {
    return !host.empty() && valid_escaped(host, reg_name_chars);
}

/// The inside of "[...]": hex digits, ':' and '.', plus an optional zone ("%25eth0").
[[nodiscard]] constexpr bool valid_ipv6_literal(std::string_view host) noexcept {
    if (host.find(':') == std::string_view::npos) return false;
    const auto zone = host.find('%');
    if (!ipv6_chars.contains_all(detail::slice(host, 0, zone))) return false;
    return zone == std::string_view::npos ||
           (host.size() - zone > 3 && valid_escaped(detail::slice(host, zone), reg_name_chars));
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
    const std::size_t n = uri.size();
    if (n == 0) return fail(errc::bad_url);
    // SP, HT and the control bytes (is_ctl) are exactly the bytes <= 0x20 and 0x7F.
    for (char c : uri)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return fail(errc::bad_url);
    if (n == 1 && uri[0] == '*') return url{{}, {}, 0, uri};

    url u;
    std::size_t path_begin = 0;  // where the path (or the query / fragment) starts
    if (uri[0] != '/') {
        // The first "://" must end "rtsp" or "rtsps" (any case), so the URI must start with
        // "rtsp://" or "rtsps://". (c | 0x20) == p matches c against a lower-case letter p in
        // either case, and exactly against ':' and '/': their other matches (0x1A, 0x0F) are
        // control bytes, refused above.
        const std::size_t scheme_len = n > 4 && (uri[4] | 0x20) == 's' ? 5 : 4;
        const char* const prefix = scheme_len == 5 ? "rtsps://" : "rtsp://";
        if (n < scheme_len + 3) return fail(errc::bad_url);
        for (std::size_t i = 0; i < scheme_len + 3; ++i)
            if ((uri[i] | 0x20) != prefix[i]) return fail(errc::bad_url);
        u.scheme = std::string_view(uri.data(), scheme_len);

        // The authority runs to the first '/', '?' or '#'; user-info (up to the last '@')
        // plays no part in stream selection.
        std::size_t host_begin = scheme_len + 3, end = host_begin;
        for (; end < n && uri[end] != '/' && uri[end] != '?' && uri[end] != '#'; ++end)
            if (uri[end] == '@') host_begin = end + 1;
        path_begin = end;
        const std::string_view authority(uri.data() + host_begin, end - host_begin);

        // host_end: after "[...]", or at the first ':'. Anything after it must be ":port".
        std::size_t host_end = authority.find(authority.starts_with('[') ? ']' : ':');
        if (authority.starts_with('[')) {
            if (host_end == std::string_view::npos) return fail(errc::bad_url);
            u.host = std::string_view(authority.data() + 1, host_end - 1);
            if (!valid_ipv6_literal(u.host)) return fail(errc::bad_url);
            ++host_end;
        } else {
            u.host = detail::slice(authority, 0, host_end);
            if (!valid_reg_name(u.host)) return fail(errc::bad_url);
        }
        const auto after = detail::slice(authority, host_end);
        if (!after.empty()) {
            if (after[0] != ':') return fail(errc::bad_url);
            if (after.size() > 1) {  // RFC 3986 allows an empty port: the default
                const auto p = rtsp::detail::parse_unsigned<std::uint32_t>(detail::slice(after, 1));
                if (!p || *p == 0 || *p > 65535) return fail(errc::bad_url);
                u.port = static_cast<std::uint16_t>(*p);
            }
        }
    }
    std::size_t path_end = path_begin;
    while (path_end < n && uri[path_end] != '?' && uri[path_end] != '#') ++path_end;
    u.path = path_end == path_begin ? "/"sv
                                    : std::string_view(uri.data() + path_begin, path_end - path_begin);
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
        !rtsp::detail::equals(detail::slice(path, slash + 1), track_name))
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
