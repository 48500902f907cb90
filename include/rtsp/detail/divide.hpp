// SPDX-License-Identifier: MIT
// rtsp/detail/divide.hpp - 64-bit by 32-bit division without the runtime library on 32-bit MCUs.
//
// A plain `uint64 / uint32` on Cortex-M links libgcc's __aeabi_uldivmod (about 700 bytes of
// flash, a fifth of the budget the WINC1500 firmware has for protocol code). Every 64-bit
// division in the library (microseconds to seconds or 90 kHz ticks, decimal formatting) goes
// through divmod(): native on 64-bit hosts, a 32-bit hardware divide when the dividend fits in
// 32 bits, and a shift-subtract loop otherwise (at most 64 steps; it runs a few times per frame).
#pragma once

#include <cstdint>

namespace rtsp::detail {

struct divmod_result {
    std::uint64_t quot;
    std::uint32_t rem;
};

/// n / d and n % d by binary long division, one quotient bit per step, using only shifts,
/// compares and subtractions (what divmod() runs on 32-bit targets for n >= 2^32; a function
/// of its own so that the host tests exercise it too). @pre d != 0
[[nodiscard]] constexpr divmod_result divmod_by_shifts(std::uint64_t n, std::uint32_t d) noexcept {
    std::uint64_t q = 0, r = 0;  // r < 2 * d < 2^33
    for (int bit = 63; bit >= 0; --bit) {
        r = (r << 1) | ((n >> bit) & 1u);
        if (r >= d) {
            r -= d;
            q |= std::uint64_t{1} << bit;
        }
    }
    return {q, static_cast<std::uint32_t>(r)};
}

/// n / d and n % d. @pre d != 0
[[nodiscard]] constexpr divmod_result divmod(std::uint64_t n, std::uint32_t d) noexcept {
    if constexpr (sizeof(void*) >= 8) {
        return {n / d, static_cast<std::uint32_t>(n % d)};
    } else {
        if ((n >> 32) == 0) {
            const auto n32 = static_cast<std::uint32_t>(n);
            return {n32 / d, n32 % d};
        }
        return divmod_by_shifts(n, d);
    }
}

}  // namespace rtsp::detail
