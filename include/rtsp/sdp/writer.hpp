// SPDX-License-Identifier: MIT
// rtsp/sdp/writer.hpp - the SDP (RFC 4566) body of a DESCRIBE response for one JPEG stream.
//
// The text is fixed in shape because the clients are picky in different ways
// (PROTOCOL.md §3.3): FFmpeg ignores a session-level "a=control:*" and appends the media-level
// control to Content-Base; live555 and GStreamer take the frame size from a=x-dimensions only
// when it exceeds RFC 2435's 2040-pixel limit; "m=video 0" leaves the port to SETUP, and the
// "c=" line must exist even though the address (0.0.0.0 or ::) means nothing. Lines end in
// CRLF, as RFC 4566 requires, and appear in the order RFC 4566 §5 prescribes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/detail/ascii.hpp"
#include "rtsp/detail/text_writer.hpp"
#include "rtsp/result.hpp"

namespace rtsp::sdp {

/// The few values that vary between one served stream and another. The views must stay valid
/// for the duration of write().
struct description {
    std::uint64_t session_id = 0;       ///< o= sess-id (an NTP time or a random number)
    std::uint64_t session_version = 0;  ///< o= sess-version (bump when the description changes)
    std::string_view origin_address = "0.0.0.0";  ///< o= address: the server, as the client reached it
    bool ipv6 = false;                  ///< "IP6" in o= and "c=IN IP6 ::" instead of IP4
    std::string_view session_name = "rtsp";  ///< s= text; empty is written as "-"
    std::uint16_t width = 0, height = 0;  ///< pixels; a=x-dimensions only when either > 2040
    std::uint32_t framerate = 0;         ///< a=framerate when non-zero (frames per second)
    std::uint32_t bandwidth_kbps = 0;    ///< b=AS when non-zero (kilobits per second)
    std::string_view media_control = "track1";  ///< media-level a=control (relative or absolute URL)
};

/// Largest frame side RFC 2435 can express (255 * 8); beyond it clients need a=x-dimensions.
inline constexpr std::uint16_t max_rfc2435_dimension = 2040;

namespace detail {

// RFC 4566 "text" excludes NUL, CR and LF; anything else may appear in s=.
[[nodiscard]] constexpr bool valid_text(std::string_view s) noexcept {
    for (char c : s)
        if (c == '\0' || c == '\r' || c == '\n') return false;
    return true;
}

// An address or a URL is one non-empty token: no whitespace and no control character.
[[nodiscard]] constexpr bool valid_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (rtsp::detail::is_space(c) || rtsp::detail::is_ctl(c)) return false;
    return true;
}

}  // namespace detail

/// Writes the SDP for `d` into `out` (not NUL-terminated).
/// @return characters written; invalid_argument if session_name contains NUL/CR/LF or
///         origin_address/media_control is empty or contains whitespace or a control
///         character; buffer_too_small if it does not fit (nothing past `out` is touched,
///         its contents are then unspecified).
[[nodiscard]] constexpr result<std::size_t> write(const description& d,
                                                  std::span<char> out) noexcept {
    if (!detail::valid_text(d.session_name) || !detail::valid_token(d.origin_address) ||
        !detail::valid_token(d.media_control))
        return fail(errc::invalid_argument);

    // The text with %x standing for a field of `d` and ?x starting a line that is written only
    // when field x is set: one loop instead of a call per piece.
    constexpr char lines[] =
        "v=0\r\n"
        "o=- %i %v IN %f %a\r\n"  // %f: IP4 or IP6
        "s=%s\r\n"
        "t=0 0\r\n"
        "a=control:*\r\n"
        "a=range:npt=0-\r\n"
        "m=video 0 RTP/AVP 26\r\n"
        "c=IN %c\r\n"  // %c: IP4 0.0.0.0 or IP6 ::
        "?bb=AS:%b\r\n"
        "a=rtpmap:26 JPEG/90000\r\n"
        "?ra=framerate:%r\r\n"
        "?xa=x-dimensions:%w,%h\r\n"
        "a=control:%m\r\n";
    rtsp::detail::text_writer w(out);
    for (const char* p = lines; *p != '\0';) {
        if (*p == '?') {
            const bool set = p[1] == 'b'   ? d.bandwidth_kbps != 0
                             : p[1] == 'r' ? d.framerate != 0
                                           : d.width > max_rfc2435_dimension ||
                                                 d.height > max_rfc2435_dimension;
            p += 2;
            if (!set)
                while (*p++ != '\n') {}
        } else if (*p == '%') {
            switch (p[1]) {
            case 'i': w.dec(d.session_id); break;
            case 'v': w.dec(d.session_version); break;
            case 'f': w.text(d.ipv6 ? "IP6" : "IP4"); break;
            case 'a': w.text(d.origin_address); break;
            case 's':
                if (d.session_name.empty()) w.text("-");
                else w.text(d.session_name);
                break;
            case 'c': w.text(d.ipv6 ? "IP6 ::" : "IP4 0.0.0.0"); break;
            case 'b': w.dec(d.bandwidth_kbps); break;
            case 'r': w.dec(d.framerate); break;
            case 'w': w.dec(d.width); break;
            case 'h': w.dec(d.height); break;
            default: w.text(d.media_control); break;  // 'm'
            }
            p += 2;
        } else {
            std::size_t n = 1;
            while (p[n] != '\0' && p[n] != '%' && p[n] != '?') ++n;
            w.text(std::string_view(p, n));
            p += n;
        }
    }
    if (w.overflow()) return fail(errc::buffer_too_small);
    return w.size();
}

}  // namespace rtsp::sdp
