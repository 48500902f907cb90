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

// Appends text to a char span; a write that does not fit sets a sticky overflow flag and
// writes nothing, so the caller checks once at the end and never writes past the span.
class text_writer {
public:
    constexpr explicit text_writer(std::span<char> out) noexcept : out_(out) {}

    constexpr void text(std::string_view s) noexcept {
        if (overflow_ || out_.size() - pos_ < s.size()) {
            overflow_ = true;
            return;
        }
        for (char c : s) out_[pos_++] = c;
    }
    constexpr void number(std::uint64_t v) noexcept {
        char digits[20];
        text({digits, rtsp::detail::format_unsigned(digits, sizeof digits, v)});
    }

    [[nodiscard]] constexpr std::size_t size() const noexcept { return pos_; }
    [[nodiscard]] constexpr bool overflow() const noexcept { return overflow_; }

private:
    std::span<char> out_;
    std::size_t pos_ = 0;
    bool overflow_ = false;
};

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

    const std::string_view family = d.ipv6 ? "IP6" : "IP4";
    detail::text_writer w(out);
    w.text("v=0\r\no=- ");
    w.number(d.session_id);
    w.text(" ");
    w.number(d.session_version);
    w.text(" IN ");
    w.text(family);
    w.text(" ");
    w.text(d.origin_address);
    w.text("\r\ns=");
    w.text(d.session_name.empty() ? std::string_view{"-"} : d.session_name);
    w.text("\r\nt=0 0\r\n"
           "a=control:*\r\n"
           "a=range:npt=0-\r\n"
           "m=video 0 RTP/AVP 26\r\n");
    w.text(d.ipv6 ? std::string_view{"c=IN IP6 ::\r\n"} : std::string_view{"c=IN IP4 0.0.0.0\r\n"});
    if (d.bandwidth_kbps != 0) {
        w.text("b=AS:");
        w.number(d.bandwidth_kbps);
        w.text("\r\n");
    }
    w.text("a=rtpmap:26 JPEG/90000\r\n");
    if (d.framerate != 0) {
        w.text("a=framerate:");
        w.number(d.framerate);
        w.text("\r\n");
    }
    if (d.width > max_rfc2435_dimension || d.height > max_rfc2435_dimension) {
        w.text("a=x-dimensions:");
        w.number(d.width);
        w.text(",");
        w.number(d.height);
        w.text("\r\n");
    }
    w.text("a=control:");
    w.text(d.media_control);
    w.text("\r\n");
    if (w.overflow()) return fail(errc::buffer_too_small);
    return w.size();
}

}  // namespace rtsp::sdp
