// SPDX-License-Identifier: MIT
// rtsp/rtp/header.hpp - the RFC 3550 fixed RTP header, written and read in network order.
//
// The server writes one 12-byte header per packet (one per session, since sequence numbers and
// SSRC are per session) in front of a payload that is shared by every session, so writing is a
// fixed-size store with no options: version 2, no padding, no extension, no CSRCs. Reading is
// the lenient general case (CSRCs, an extension, padding) because it serves receivers, tests
// and benchmarks that look at packets made by anyone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtsp/detail/bytes.hpp"
#include "rtsp/error.hpp"
#include "rtsp/result.hpp"

namespace rtsp::rtp {

inline constexpr std::size_t header_size = 12;           ///< fixed header, no CSRCs
inline constexpr std::uint8_t payload_type_jpeg = 26;    ///< static PT of RFC 3551 for JPEG
inline constexpr std::uint32_t clock_rate_jpeg = 90000;  ///< RTP clock of PT 26, in Hz

/// The fields of the fixed header that a sender chooses.
struct header {
    bool marker = false;                            ///< RFC 2435: last packet of a frame
    std::uint8_t payload_type = payload_type_jpeg;  ///< 7 bits; higher bits are dropped
    std::uint16_t sequence = 0;                     ///< +1 per packet, wraps
    std::uint32_t timestamp = 0;                    ///< same for every packet of one frame
    std::uint32_t ssrc = 0;                         ///< random per session
    friend constexpr bool operator==(const header&, const header&) noexcept = default;
};

/// Writes `h` as V=2, P=0, X=0, CC=0 into exactly 12 bytes.
constexpr void write(const header& h, std::span<std::byte, header_size> out) noexcept {
    out[0] = std::byte{0x80};
    out[1] = std::byte(static_cast<std::uint8_t>((h.marker ? 0x80u : 0u) | (h.payload_type & 0x7Fu)));
    detail::store_be16(out.data() + 2, h.sequence);
    detail::store_be32(out.data() + 4, h.timestamp);
    detail::store_be32(out.data() + 8, h.ssrc);
}

/// A received packet: its header fields and a view of its payload inside the packet.
struct parsed {
    header hdr;
    std::span<const std::byte> payload;  ///< after CSRCs and extension, padding removed
};

/// Parses one whole RTP packet. Fails with rtp_malformed when the version is not 2 or the
/// packet is shorter than its fixed header, CSRC list, extension or padding count claim (a
/// padding count of 0 included). The payload may be empty.
constexpr result<parsed> read(std::span<const std::byte> packet) noexcept {
    if (packet.size() < header_size) return fail(errc::rtp_malformed);
    const auto b0 = std::to_integer<std::uint8_t>(packet[0]);
    const auto b1 = std::to_integer<std::uint8_t>(packet[1]);
    if ((b0 >> 6) != 2) return fail(errc::rtp_malformed);
    const bool padding = (b0 & 0x20) != 0;
    const bool extension = (b0 & 0x10) != 0;
    const std::size_t csrc_count = b0 & 0x0Fu;

    parsed p;
    p.hdr.marker = (b1 & 0x80) != 0;
    p.hdr.payload_type = static_cast<std::uint8_t>(b1 & 0x7F);
    p.hdr.sequence = detail::load_be16(packet.data() + 2);
    p.hdr.timestamp = detail::load_be32(packet.data() + 4);
    p.hdr.ssrc = detail::load_be32(packet.data() + 8);

    std::size_t start = header_size + 4 * csrc_count;
    if (packet.size() < start) return fail(errc::rtp_malformed);
    if (extension) {
        // 16-bit profile-defined id, then the extension length in 32-bit words.
        if (packet.size() - start < 4) return fail(errc::rtp_malformed);
        const std::size_t words = detail::load_be16(packet.data() + start + 2);
        start += 4;
        if (packet.size() - start < 4 * words) return fail(errc::rtp_malformed);
        start += 4 * words;
    }
    std::size_t end = packet.size();
    if (padding) {
        // The last byte counts the padding, itself included, so 0 is as malformed as too many.
        const std::size_t pad = std::to_integer<std::uint8_t>(packet[end - 1]);
        if (pad == 0 || pad > end - start) return fail(errc::rtp_malformed);
        end -= pad;
    }
    p.payload = packet.subspan(start, end - start);
    return p;
}

}  // namespace rtsp::rtp
