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

#include "rtsp/detail/divide.hpp"

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

/// A set of ASCII characters as a 128-bit map, built at compile time from its members: a
/// membership test is one load and a shift, where a switch over the members takes several
/// times the flash.
class char_set {
public:
    /// The characters of `members`, plus ALPHA and DIGIT if `alnum`.
    consteval explicit char_set(const char* members, bool alnum = false) {
        for (; *members != '\0'; ++members) add(*members);
        for (char c = '0'; alnum && c <= '9'; ++c) add(c);
        for (char c = 'a'; alnum && c <= 'z'; ++c) add(c), add(static_cast<char>(c - 'a' + 'A'));
    }
    [[nodiscard]] constexpr bool contains(char c) const noexcept {
        const auto u = static_cast<unsigned char>(c);
        return u < 128 && ((bits_[u >> 5] >> (u & 31)) & 1u) != 0;
    }
    /// Every character of `s` is in the set (true for an empty `s`).
    [[nodiscard]] constexpr bool contains_all(std::string_view s) const noexcept {
        for (char c : s)
            if (!contains(c)) return false;
        return true;
    }

private:
    consteval void add(char c) {
        const auto u = static_cast<unsigned char>(c);
        bits_[u >> 5] |= std::uint32_t{1} << (u & 31);
    }
    std::uint32_t bits_[4] = {};
};

[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}
/// Byte-wise equality, as std::string_view's ==, without its compare()/memcmp calls (their
/// code is what firmware pays for; the strings compared here are a few dozen bytes).
[[nodiscard]] constexpr bool equals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}
/// `a` equals the NUL-terminated string `b` (a literal), ASCII case-insensitively if
/// `ignore_case`. Taking a pointer instead of a string_view keeps call sites small: a
/// string_view built from a literal calls strlen at run time when the compiler does not inline
/// its constructor, as at -Os.
[[nodiscard]] constexpr bool equals(std::string_view a, const char* b,
                                    bool ignore_case = false) noexcept {
    for (char c : a) {
        if (*b == '\0') return false;
        if (ignore_case ? to_lower(c) != to_lower(*b) : c != *b) return false;
        ++b;
    }
    return *b == '\0';
}
/// iequals() against a literal (see equals()); chosen over the string_view overload for one.
[[nodiscard]] constexpr bool iequals(std::string_view a, const char* b) noexcept {
    return equals(a, b, true);
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

/// Cuts the next `sep`-separated item off the front of `rest` and returns it without
/// surrounding SP/HT; `more` tells whether a separator followed it (so "a," has an empty second
/// item). With `quotes`, a separator between double quotes does not count.
[[nodiscard]] constexpr std::string_view take_item(std::string_view& rest, char sep, bool& more,
                                                   bool quotes = false) noexcept {
    bool quoted = false;
    std::size_t i = 0;
    for (; i < rest.size(); ++i) {
        if (quotes && rest[i] == '"') quoted = !quoted;
        else if (rest[i] == sep && !quoted) break;
    }
    const std::string_view item(rest.data(), i);
    more = i < rest.size();
    rest.remove_prefix(more ? i + 1 : i);
    return trim(item);
}

/// Parses a non-empty string of decimal digits that fits in `T`; nothing else is accepted
/// (no sign, no spaces, no overflow).
template <class T = std::uint64_t>
[[nodiscard]] constexpr std::optional<T> parse_unsigned(std::string_view s) noexcept {
    // Overflow is checked against constants: a division here would be a libgcc call
    // (__aeabi_uldivmod) for a 64-bit T on 32-bit targets.
    constexpr T max_div10 = std::numeric_limits<T>::max() / 10;
    constexpr T max_mod10 = std::numeric_limits<T>::max() % 10;
    if (s.empty()) return std::nullopt;
    T v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        const auto d = static_cast<T>(c - '0');
        if (v > max_div10 || (v == max_div10 && d > max_mod10)) return std::nullopt;
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
        const auto qr = divmod(v, 10);
        tmp[n++] = static_cast<char>('0' + qr.rem);
        v = qr.quot;
    } while (v != 0);
    if (n > cap) return 0;
    for (std::size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
    return n;
}

/// Writes `v` as exactly `digits` upper-case hexadecimal characters (digits <= 16).
constexpr void format_hex(char* out, std::uint64_t v, std::size_t digits) noexcept {
    constexpr char hex[] = "0123456789ABCDEF";
    for (std::size_t i = digits; i-- > 0; v >>= 4) out[i] = hex[v & 0xF];
}

}  // namespace rtsp::detail
