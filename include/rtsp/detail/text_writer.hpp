// SPDX-License-Identifier: MIT
// rtsp/detail/text_writer.hpp - bounded text appender for RTSP responses, headers and SDP.
//
// The character twin of byte_writer (rtsp/detail/bytes.hpp), with the same bounds logic
// (write_cursor): it never writes past its span, and a write that does not fit sets a sticky
// overflow flag and is dropped whole, so callers build a message field by field and check
// once at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/detail/ascii.hpp"
#include "rtsp/detail/bytes.hpp"

namespace rtsp::detail {

class text_writer {
public:
    constexpr explicit text_writer(std::span<char> out) noexcept
        : out_(out.data()), c_(out.size()) {}

    constexpr void text(std::string_view s) noexcept {
        if (const auto at = c_.claim(s.size()); at != write_cursor::npos) {
            for (std::size_t i = 0; i < s.size(); ++i) out_[at + i] = s[i];
        }
    }
    /// A NUL-terminated string (a literal). Chosen over text(string_view) for literals, so
    /// that call sites pass a pointer instead of building a string_view (a strlen call when
    /// the compiler does not inline its constructor, as at -Os): one strlen call, here.
    constexpr void text(const char* s) noexcept { text(std::string_view(s)); }
    constexpr void dec(std::uint64_t v) noexcept {
        char tmp[20];
        text(std::string_view(tmp, format_unsigned(tmp, sizeof tmp, v)));
    }
    /// Exactly `digits` upper-case hex digits (digits <= 16).
    constexpr void hex(std::uint64_t v, std::size_t digits) noexcept {
        char tmp[16];
        if (digits > sizeof tmp) digits = sizeof tmp;
        format_hex(tmp, v, digits);
        text(std::string_view(tmp, digits));
    }

    [[nodiscard]] constexpr std::size_t size() const noexcept { return c_.size(); }
    [[nodiscard]] constexpr bool overflow() const noexcept { return c_.overflow(); }
    [[nodiscard]] constexpr std::string_view written() const noexcept {
        return {out_, c_.size()};
    }

private:
    char* out_;
    write_cursor c_;
};

}  // namespace rtsp::detail
