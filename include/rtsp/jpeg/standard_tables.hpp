// SPDX-License-Identifier: MIT
// rtsp/jpeg/standard_tables.hpp - the JPEG tables RFC 2435 receivers assume.
//
// An RFC 2435 receiver rebuilds the JPEG header itself. It always inserts the "typical"
// Huffman tables of ITU-T T.81 Annex K.3, so a sender must check that its input uses exactly
// those (rtsp/jpeg/parser.hpp). For Q = 1..99 both ends compute the quantization tables from
// the Annex K.1/K.2 examples with the IJG scaling of RFC 2435 Appendix A, so the packetizer's
// Q mode and any depayloader must use the same function: ijg_quant_tables().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtsp::jpeg {

// Huffman tables in DHT form: the 16 BITS counts (codes of length 1..16) followed by HUFFVAL,
// i.e. exactly the bytes that follow the Tc/Th byte of a DHT segment.

/// T.81 Table K.3: luminance DC differences (DHT class 0, id 0).
inline constexpr std::array<std::uint8_t, 16 + 12> dc_luma_huffman = {
    0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0,  // BITS
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,            // HUFFVAL
};

/// T.81 Table K.4: chrominance DC differences (DHT class 0, id 1).
inline constexpr std::array<std::uint8_t, 16 + 12> dc_chroma_huffman = {
    0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,  // BITS
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,            // HUFFVAL
};

/// T.81 Table K.5: luminance AC coefficients (DHT class 1, id 0).
inline constexpr std::array<std::uint8_t, 16 + 162> ac_luma_huffman = {
    0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d,  // BITS
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
    0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52,
    0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
    0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83,
    0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
    0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
    0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3,
    0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8,
    0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
};

/// T.81 Table K.6: chrominance AC coefficients (DHT class 1, id 1).
inline constexpr std::array<std::uint8_t, 16 + 162> ac_chroma_huffman = {
    0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77,  // BITS
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
    0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33,
    0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18,
    0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
    0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63,
    0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
    0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
    0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
    0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
    0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
};

/// The standard table for DHT class `table_class` (0 = DC, 1 = AC) and id `table_id` (0 =
/// luma, 1 = chroma) in DHT form; empty for any other class/id (there is no standard one).
[[nodiscard]] constexpr std::span<const std::uint8_t> standard_huffman_table(
    unsigned table_class, unsigned table_id) noexcept {
    if (table_class == 0 && table_id == 0) return dc_luma_huffman;
    if (table_class == 0 && table_id == 1) return dc_chroma_huffman;
    if (table_class == 1 && table_id == 0) return ac_luma_huffman;
    if (table_class == 1 && table_id == 1) return ac_chroma_huffman;
    return {};
}

/// zigzag_order[k] = row-major (natural) index of the k-th coefficient in zigzag order
/// (T.81 Figure A.6). DQT segments and RFC 2435 table headers store tables in zigzag order.
inline constexpr std::array<std::uint8_t, 64> zigzag_order = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

namespace detail {

// T.81 Tables K.1 and K.2 as printed (row-major); the public versions are zigzag.
inline constexpr std::array<std::uint8_t, 64> k1_natural = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};
inline constexpr std::array<std::uint8_t, 64> k2_natural = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
};

constexpr std::array<std::uint8_t, 64> to_zigzag(const std::array<std::uint8_t, 64>& natural) {
    std::array<std::uint8_t, 64> out{};
    for (std::size_t k = 0; k < 64; ++k) out[k] = natural[zigzag_order[k]];
    return out;
}

}  // namespace detail

/// T.81 Table K.1 (luminance quantization example, "quality 50") in zigzag order.
inline constexpr std::array<std::uint8_t, 64> luma_quant_base = detail::to_zigzag(detail::k1_natural);
/// T.81 Table K.2 (chrominance quantization example) in zigzag order.
inline constexpr std::array<std::uint8_t, 64> chroma_quant_base =
    detail::to_zigzag(detail::k2_natural);

/// Two 8-bit quantization tables in zigzag order, as an RFC 2435 Q=1..99 sender and receiver
/// both derive them.
struct quant_table_pair {
    std::array<std::uint8_t, 64> luma{};
    std::array<std::uint8_t, 64> chroma{};
};

/// The tables for RFC 2435 Q = `q` (RFC 2435 Appendix A, = libjpeg's jpeg_set_quality(q) with
/// force_baseline). Q outside 1..99 is clamped into it, as the RFC's MakeTables() does.
[[nodiscard]] constexpr quant_table_pair ijg_quant_tables(int q) noexcept {
    if (q < 1) q = 1;
    if (q > 99) q = 99;
    const int factor = q < 50 ? 5000 / q : 200 - q * 2;
    auto scale = [factor](std::uint8_t base) {
        int v = (base * factor + 50) / 100;
        if (v < 1) v = 1;
        if (v > 255) v = 255;
        return static_cast<std::uint8_t>(v);
    };
    quant_table_pair t;
    for (std::size_t k = 0; k < 64; ++k) {
        t.luma[k] = scale(luma_quant_base[k]);
        t.chroma[k] = scale(chroma_quant_base[k]);
    }
    return t;
}

}  // namespace rtsp::jpeg
