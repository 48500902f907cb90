// SPDX-License-Identifier: MIT
// rtsp/protocol/detail/text_writer.hpp - bounded text appender for RTSP responses and headers.
//
// The character twin of rtsp::detail::byte_writer: it never writes past its span, and a write
// that does not fit sets a sticky overflow flag and is dropped whole, so callers build a
// message field by field and check once at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/detail/ascii.hpp"

namespace rtsp::protocol::detail {

class text_writer {
public:
    constexpr explicit text_writer(std::span<char> out) noexcept : out_(out) {}

    constexpr void text(std::string_view s) noexcept {
        if (!room(s.size())) return;
        for (char c : s) out_[pos_++] = c;
    }
    constexpr void dec(std::uint64_t v) noexcept {
        char tmp[20];
        text({tmp, rtsp::detail::format_unsigned(tmp, sizeof tmp, v)});
    }
    /// Exactly `digits` upper-case hex digits (digits <= 16).
    constexpr void hex(std::uint64_t v, std::size_t digits) noexcept {
        char tmp[16];
        if (digits > sizeof tmp) digits = sizeof tmp;
        rtsp::detail::format_hex(tmp, v, digits);
        text({tmp, digits});
    }

    [[nodiscard]] constexpr std::size_t size() const noexcept { return pos_; }
    [[nodiscard]] constexpr bool overflow() const noexcept { return overflow_; }
    [[nodiscard]] constexpr std::string_view written() const noexcept {
        return {out_.data(), pos_};
    }

private:
    constexpr bool room(std::size_t n) noexcept {
        if (overflow_ || out_.size() - pos_ < n) {
            overflow_ = true;
            return false;
        }
        return true;
    }
    std::span<char> out_;
    std::size_t pos_ = 0;
    bool overflow_ = false;
};

}  // namespace rtsp::protocol::detail
