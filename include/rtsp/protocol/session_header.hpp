// SPDX-License-Identifier: MIT
// rtsp/protocol/session_header.hpp - the Session header (RFC 2326 §12.37).
//
// Clients echo the id the server gave in its SETUP reply, sometimes with the ";timeout=N" we
// sent (live555 even tolerates "; timeout = N", and so do we). The id is checked against the
// RFC's character set so that a hostile value cannot reach logs or replies unfiltered.
#pragma once

#include <cstdint>
#include <string_view>

#include "rtsp/detail/ascii.hpp"
#include "rtsp/error.hpp"
#include "rtsp/result.hpp"

namespace rtsp::protocol {

struct session_header {
    std::string_view id;        ///< view into the header value
    std::uint32_t timeout = 0;  ///< seconds; 0 when the value had no timeout parameter
};

namespace detail {
/// RFC 2326 §3.4 session-id characters: ALPHA / DIGIT / safe ("$" "-" "_" "." "+").
inline constexpr rtsp::detail::char_set session_id_chars{"$-_.+", true};
[[nodiscard]] constexpr bool is_session_id_char(char c) noexcept {
    return session_id_chars.contains(c);
}
}  // namespace detail

/// Parses "id[;timeout=N][;other=...]", spaces around the parts tolerated, unknown parameters
/// ignored. @return bad_header if the id is empty or has a character outside RFC 2326's set,
/// or if timeout is not a decimal that fits 32 bits.
[[nodiscard]] constexpr result<session_header> parse_session_header(std::string_view value) noexcept {
    using rtsp::detail::take_item;
    session_header h;
    bool more = false;
    h.id = take_item(value, ';', more);
    if (h.id.empty() || !detail::session_id_chars.contains_all(h.id)) return fail(errc::bad_header);
    while (more) {
        std::string_view param = take_item(value, ';', more);
        bool has_value = false;
        const auto name = take_item(param, '=', has_value);
        if (!has_value || !rtsp::detail::iequals(name, "timeout")) continue;
        const auto t = rtsp::detail::parse_unsigned<std::uint32_t>(rtsp::detail::trim(param));
        if (!t) return fail(errc::bad_header);
        h.timeout = *t;
    }
    return h;
}

}  // namespace rtsp::protocol
