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
#include "rtsp/protocol/detail/slice.hpp"
#include "rtsp/result.hpp"

namespace rtsp::protocol {

struct session_header {
    std::string_view id;        ///< view into the header value
    std::uint32_t timeout = 0;  ///< seconds; 0 when the value had no timeout parameter
};

namespace detail {
/// RFC 2326 §3.4 session-id characters: ALPHA / DIGIT / safe ("$" "-" "_" "." "+").
[[nodiscard]] constexpr bool is_session_id_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '$' || c == '-' || c == '_' || c == '.' || c == '+';
}
}  // namespace detail

/// Parses "id[;timeout=N][;other=...]", spaces around the parts tolerated, unknown parameters
/// ignored. @return bad_header if the id is empty or has a character outside RFC 2326's set,
/// or if timeout is not a decimal that fits 32 bits.
[[nodiscard]] constexpr result<session_header> parse_session_header(std::string_view value) noexcept {
    using rtsp::detail::trim;
    const auto semi = value.find(';');
    session_header h;
    h.id = trim(detail::slice(value, 0, semi));
    if (h.id.empty()) return fail(errc::bad_header);
    for (char c : h.id)
        if (!detail::is_session_id_char(c)) return fail(errc::bad_header);
    std::string_view rest = semi == std::string_view::npos ? std::string_view{}
                                                           : detail::slice(value, semi + 1);
    while (!rest.empty()) {
        const auto next = rest.find(';');
        const auto param = trim(detail::slice(rest, 0, next));
        rest = next == std::string_view::npos ? std::string_view{} : detail::slice(rest, next + 1);
        const auto eq = param.find('=');
        if (eq == std::string_view::npos) continue;
        if (!rtsp::detail::iequals(trim(detail::slice(param, 0, eq)), "timeout")) continue;
        const auto t = rtsp::detail::parse_unsigned<std::uint32_t>(trim(detail::slice(param, eq + 1)));
        if (!t) return fail(errc::bad_header);
        h.timeout = *t;
    }
    return h;
}

}  // namespace rtsp::protocol
