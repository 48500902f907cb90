// SPDX-License-Identifier: MIT
// rtsp/detail/fixed_string.hpp - a bounded string that lives inside its owner.
//
// Used for stream paths, SETUP URLs and log lines. Appending past the capacity truncates and
// sets a sticky flag, so a caller can refuse an over-long input instead of silently sending a
// different URL back to the client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rtsp/detail/ascii.hpp"

namespace rtsp::detail {

template <std::size_t Capacity>
class fixed_string {
public:
    constexpr fixed_string() noexcept = default;

    constexpr fixed_string& append(std::string_view s) noexcept {
        for (char c : s) {
            if (size_ == Capacity) { truncated_ = true; break; }
            data_[size_++] = c;
        }
        return *this;
    }
    /// A literal: call sites pass one pointer instead of building a string_view, whose
    /// constructor is a strlen call at -Os.
    constexpr fixed_string& append(const char* s) noexcept { return append(std::string_view(s)); }
    constexpr fixed_string& append(char c) noexcept { return append(std::string_view(&c, 1)); }
    constexpr fixed_string& append_uint(std::uint64_t v) noexcept {
        char buf[20];
        return append(std::string_view(buf, format_unsigned(buf, sizeof buf, v)));
    }
    constexpr fixed_string& append_hex(std::uint64_t v, std::size_t digits) noexcept {
        char buf[16];
        if (digits > 16) digits = 16;
        format_hex(buf, v, digits);
        return append(std::string_view(buf, digits));
    }
    constexpr bool assign(std::string_view s) noexcept {
        clear();
        append(s);
        return !truncated_;
    }
    constexpr void clear() noexcept { size_ = 0; truncated_ = false; }

    [[nodiscard]] constexpr std::string_view view() const noexcept { return {data_, size_}; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] constexpr bool truncated() const noexcept { return truncated_; }
    /// Room for writers that fill the buffer directly (e.g. net::format_host).
    [[nodiscard]] constexpr char* tail() noexcept { return data_ + size_; }
    [[nodiscard]] constexpr std::size_t room() const noexcept { return Capacity - size_; }
    constexpr void grow(std::size_t n) noexcept { size_ += n <= room() ? n : room(); }

private:
    char data_[Capacity > 0 ? Capacity : 1]{};
    std::size_t size_ = 0;
    bool truncated_ = false;
};

}  // namespace rtsp::detail
