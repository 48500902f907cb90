// SPDX-License-Identifier: MIT
// rtsp/protocol/detail/slice.hpp - a non-throwing std::string_view::substr.
//
// string_view::substr throws std::out_of_range for a bad position. Even where the position is
// always valid, the call links libstdc++'s throw helper (and with it the unwinder) into
// firmware built with -fno-exceptions. slice() clamps instead, so the protocol code stays free
// of exception machinery.
#pragma once

#include <cstddef>
#include <string_view>

namespace rtsp::protocol::detail {

/// s.substr(pos, n), with pos clamped to s.size() instead of throwing.
[[nodiscard]] constexpr std::string_view slice(std::string_view s, std::size_t pos,
                                               std::size_t n = std::string_view::npos) noexcept {
    if (pos > s.size()) pos = s.size();
    const std::size_t rest = s.size() - pos;
    return {s.data() + pos, n < rest ? n : rest};
}

}  // namespace rtsp::protocol::detail
