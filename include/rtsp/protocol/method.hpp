// SPDX-License-Identifier: MIT
// rtsp/protocol/method.hpp - the RTSP 1.0 request methods (RFC 2326 §6.1, §10).
//
// The server dispatches on an enum instead of comparing strings at every step. Method names are
// case-sensitive (RFC 2326 §6.1: "The method is case-sensitive"), so "options" is not OPTIONS:
// it maps to method::unknown and the server answers 501 rather than guessing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtsp/detail/ascii.hpp"

namespace rtsp::protocol {

enum class method : std::uint8_t {
    options,
    describe,
    setup,
    play,
    pause,
    teardown,
    get_parameter,
    set_parameter,
    announce,
    record,
    redirect,
    unknown,  ///< any other token, including a wrongly-cased RTSP method or an HTTP method
};

namespace detail {
/// The wire names in enum order, each ended by a NUL: one string instead of a table of views.
inline constexpr char method_names[] =
    "OPTIONS\0DESCRIBE\0SETUP\0PLAY\0PAUSE\0TEARDOWN\0GET_PARAMETER\0SET_PARAMETER\0"
    "ANNOUNCE\0RECORD\0REDIRECT";
}  // namespace detail

/// The method's wire name ("OPTIONS", ...); "" for method::unknown.
[[nodiscard]] constexpr std::string_view to_string(method m) noexcept {
    const char* p = detail::method_names;
    for (auto i = static_cast<unsigned>(method::options); i <= static_cast<unsigned>(method::redirect); ++i) {
        std::size_t n = 0;
        while (p[n] != '\0') ++n;
        if (i == static_cast<unsigned>(m)) return {p, n};
        p += n + 1;
    }
    return {};
}

/// The method named by `token` (exact, case-sensitive match), or method::unknown.
[[nodiscard]] constexpr method parse_method(std::string_view token) noexcept {
    const char* p = detail::method_names;
    for (auto i = static_cast<unsigned>(method::options); i <= static_cast<unsigned>(method::redirect); ++i) {
        if (rtsp::detail::equals(token, p)) return static_cast<method>(i);
        while (*p++ != '\0') {}
    }
    return method::unknown;
}

}  // namespace rtsp::protocol
