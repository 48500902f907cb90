// SPDX-License-Identifier: MIT
// rtsp/jpeg/frame.hpp - what RFC 2435 needs to know about one baseline JPEG.
//
// A frame is a view: every span points into the caller's JPEG bytes, nothing is copied. It is
// produced by rtsp::jpeg::parse() (rtsp/jpeg/parser.hpp) and consumed by the RFC 2435
// packetizer (rtsp/rtp/jpeg_packetizer.hpp). The bytes must outlive the frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace rtsp::jpeg {

/// One quantization table as it appears in a DQT segment: 64 entries in zigzag order, one
/// byte each (8-bit precision, `data.size() == 64`) or two big-endian bytes each (16-bit
/// precision, `data.size() == 128`).
struct quant_table {
    std::span<const std::byte> data;  ///< 64 or 128 bytes, zigzag order
    [[nodiscard]] constexpr bool sixteen_bit() const noexcept { return data.size() == 128; }
};

/// RFC 2435 "Type" values for the two samplings it can carry (§3.1.3, §4.1).
inline constexpr std::uint8_t type_422 = 0;          ///< luma 2x1, chroma 1x1
inline constexpr std::uint8_t type_420 = 1;          ///< luma 2x2, chroma 1x1
inline constexpr std::uint8_t type_restart_flag = 64;  ///< added when a DRI interval != 0

struct frame {
    std::uint16_t width = 0;             ///< pixels, from SOF0 (1..65535)
    std::uint16_t height = 0;            ///< pixels, from SOF0 (1..65535)
    std::uint8_t type = 0;               ///< RFC 2435 type: 0, 1, 64 or 65
    std::uint16_t restart_interval = 0;  ///< MCUs between RST markers; 0 = none
    quant_table luma;                    ///< table used by component 1 (Y)
    quant_table chroma;                  ///< table used by components 2 and 3 (== luma if shared)
    std::span<const std::byte> scan;     ///< entropy-coded data after SOS, EOI excluded

    [[nodiscard]] constexpr bool has_restart_markers() const noexcept {
        return (type & type_restart_flag) != 0;
    }
    /// 4:2:0 (luma 2x2) when true, 4:2:2 (luma 2x1) when false.
    [[nodiscard]] constexpr bool is_420() const noexcept { return (type & 1) != 0; }
};

}  // namespace rtsp::jpeg
