// SPDX-License-Identifier: MIT
// rtsp/protocol/method.hpp - the RTSP 1.0 request methods (RFC 2326 §6.1, §10).
//
// The server dispatches on an enum instead of comparing strings at every step. Method names are
// case-sensitive (RFC 2326 §6.1: "The method is case-sensitive"), so "options" is not OPTIONS:
// it maps to method::unknown and the server answers 501 rather than guessing.
#pragma once

#include <cstdint>
#include <string_view>

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

/// The method named by `token` (exact, case-sensitive match), or method::unknown.
[[nodiscard]] constexpr method parse_method(std::string_view token) noexcept {
    constexpr struct {
        std::string_view name;
        method m;
    } table[] = {
        {"OPTIONS", method::options},       {"DESCRIBE", method::describe},
        {"SETUP", method::setup},           {"PLAY", method::play},
        {"PAUSE", method::pause},           {"TEARDOWN", method::teardown},
        {"GET_PARAMETER", method::get_parameter},
        {"SET_PARAMETER", method::set_parameter},
        {"ANNOUNCE", method::announce},     {"RECORD", method::record},
        {"REDIRECT", method::redirect},
    };
    for (const auto& e : table)
        if (e.name == token) return e.m;
    return method::unknown;
}

/// The method's wire name ("OPTIONS", ...); "" for method::unknown.
[[nodiscard]] constexpr std::string_view to_string(method m) noexcept {
    switch (m) {
    case method::options: return "OPTIONS";
    case method::describe: return "DESCRIBE";
    case method::setup: return "SETUP";
    case method::play: return "PLAY";
    case method::pause: return "PAUSE";
    case method::teardown: return "TEARDOWN";
    case method::get_parameter: return "GET_PARAMETER";
    case method::set_parameter: return "SET_PARAMETER";
    case method::announce: return "ANNOUNCE";
    case method::record: return "RECORD";
    case method::redirect: return "REDIRECT";
    case method::unknown: break;
    }
    return "";
}

}  // namespace rtsp::protocol
