// SPDX-License-Identifier: MIT
// rtsp/net/address.hpp - an IPv4/IPv6 address with a port, independent of any socket API.
//
// Adapters convert to and from their native form (sockaddr_in6, WINC1500 sockaddr_in). IPv4
// peers seen through a dual-stack IPv6 socket are stored as IPv4, so that one client always has
// one representation and RTP goes back exactly where RTSP came from.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/detail/ascii.hpp"

namespace rtsp::net {

enum class family : std::uint8_t { v4, v6 };

struct address {
    family fam = family::v4;
    std::array<std::uint8_t, 16> bytes{};  ///< v4 uses bytes[0..3], network order
    std::uint16_t port = 0;                ///< host order

    [[nodiscard]] static constexpr address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                              std::uint8_t d, std::uint16_t port = 0) noexcept {
        address r;
        r.bytes[0] = a; r.bytes[1] = b; r.bytes[2] = c; r.bytes[3] = d;
        r.port = port;
        return r;
    }
    [[nodiscard]] constexpr bool is_v6() const noexcept { return fam == family::v6; }
    [[nodiscard]] constexpr address with_port(std::uint16_t p) const noexcept {
        address r = *this;
        r.port = p;
        return r;
    }
    /// A multicast group: IPv4 224.0.0.0/4, IPv6 ff00::/8.
    [[nodiscard]] constexpr bool is_multicast() const noexcept {
        return fam == family::v6 ? bytes[0] == 0xFF : (bytes[0] & 0xF0) == 0xE0;
    }
    /// Same host (family and address bytes), any port.
    [[nodiscard]] constexpr bool same_host(const address& o) const noexcept {
        if (fam != o.fam) return false;
        std::size_t n = fam == family::v4 ? 4 : 16;
        for (std::size_t i = 0; i < n; ++i)
            if (bytes[i] != o.bytes[i]) return false;
        return true;
    }
    friend constexpr bool operator==(const address& a, const address& b) noexcept {
        return a.same_host(b) && a.port == b.port;
    }
};

/// Longest text form of a host: a full IPv6 address (39 characters) plus a NUL.
inline constexpr std::size_t max_host_text = 40;

/// Writes the host part ("192.0.2.1" or "2001:db8::1", RFC 5952 zero compression) into `out`;
/// returns the characters written (0 if `out` is too small).
constexpr std::size_t format_host(const address& a, std::span<char> out) noexcept {
    char buf[max_host_text];
    std::size_t n = 0;
    if (a.fam == family::v4) {
        for (int i = 0; i < 4; ++i) {
            if (i) buf[n++] = '.';
            n += detail::format_unsigned(buf + n, sizeof buf - n, a.bytes[i]);
        }
    } else {
        const auto group = [&](int i) {
            return static_cast<unsigned>((a.bytes[2 * i] << 8) | a.bytes[2 * i + 1]);
        };
        // The longest run of two or more zero groups (the first of equals) becomes "::".
        int best = -1, best_len = 1;
        for (int i = 0, run = 0; i < 8; ++i) {
            run = group(i) == 0 ? run + 1 : 0;
            if (run > best_len) {
                best_len = run;
                best = i - run + 1;
            }
        }
        constexpr char hex[] = "0123456789abcdef";
        for (int i = 0; i < 8; ++i) {
            if (i == best) {  // the compressed run: "::" replaces it and its separators
                buf[n++] = ':';
                buf[n++] = ':';
                i += best_len - 1;
                continue;
            }
            if (i != 0 && i != best + best_len) buf[n++] = ':';
            const unsigned g = group(i);
            for (int shift = 12; shift >= 0; shift -= 4) {  // no leading zeros
                if ((g >> shift) != 0 || shift == 0) buf[n++] = hex[(g >> shift) & 0xF];
            }
        }
    }
    if (n > out.size()) return 0;
    for (std::size_t i = 0; i < n; ++i) out[i] = buf[i];
    return n;
}

}  // namespace rtsp::net
