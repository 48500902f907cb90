// SPDX-License-Identifier: MIT
// rtsp/detail/ascii.hpp - locale-free character helpers for the text protocols.
//
// RTSP header names are case-insensitive ASCII; <cctype> depends on the C locale and is not
// constexpr, so the parsers use these instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace rtsp::detail {

[[nodiscard]] constexpr char to_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
[[nodiscard]] constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
[[nodiscard]] constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }
/// Control characters (including NUL and DEL) other than horizontal tab.
[[nodiscard]] constexpr bool is_ctl(char c) noexcept {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
}

[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}
[[nodiscard]] constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
    // No substr(): its out_of_range path would pull exception support into firmware builds.
    return s.size() >= prefix.size() && iequals(std::string_view(s.data(), prefix.size()), prefix);
}

[[nodiscard]] constexpr std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

/// Parses a non-empty string of decimal digits that fits in `T`; nothing else is accepted
/// (no sign, no spaces, no overflow).
template <class T = std::uint64_t>
[[nodiscard]] constexpr std::optional<T> parse_unsigned(std::string_view s) noexcept {
    if (s.empty()) return std::nullopt;
    T v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        auto d = static_cast<T>(c - '0');
        if (v > (std::numeric_limits<T>::max() - d) / 10) return std::nullopt;
        v = static_cast<T>(v * 10 + d);
    }
    return v;
}

/// Writes `v` in decimal into `out`; returns the number of characters (0 if it did not fit).
[[nodiscard]] constexpr std::size_t format_unsigned(char* out, std::size_t cap,
                                                    std::uint64_t v) noexcept {
    char tmp[20];
    std::size_t n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    if (n > cap) return 0;
    for (std::size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
    return n;
}

/// Writes `v` as exactly `digits` upper-case hexadecimal characters (digits <= 16).
constexpr void format_hex(char* out, std::uint64_t v, std::size_t digits) noexcept {
    constexpr char hex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < digits; ++i) out[digits - 1 - i] = hex[(v >> (4 * i)) & 0xF];
}

}  // namespace rtsp::detail
