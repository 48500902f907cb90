// SPDX-License-Identifier: MIT
// rtsp/jpeg/parser.hpp - reads one JPEG into the view the RFC 2435 packetizer sends.
//
// RFC 2435 carries only the entropy-coded scan plus a few header fields; the receiver rebuilds
// a fixed baseline header (SOF0, 3 components, standard Huffman tables, one interleaved scan).
// So every JPEG the server sends must be checked here against what that rebuilt header can
// express, or the client decodes garbage. The parser is a single pass over the bytes: no copy,
// no allocation, constexpr-capable, and strict (any structural doubt is an error).
//
// Rules and the choices this parser makes where the spec leaves room:
//  - Markers may be preceded by any number of 0xFF fill bytes. Any other byte where a marker
//    is expected, a stray SOI/RSTn/TEM, a second SOF, a reserved or unknown marker (0x02-0xBF,
//    JPG, JPGn) -> jpeg_bad_segment. APPn and COM are skipped.
//  - Frame type: the coding process is reported before the entropy coding, so SOF1 ->
//    jpeg_extended; SOF2/6/10/14 -> jpeg_progressive; SOF3/7/11/15 and the hierarchical
//    SOF5/SOF13, DHP and EXP -> jpeg_lossless; only SOF9 (sequential arithmetic) and DAC ->
//    jpeg_arithmetic.
//  - SOF0 checks, in order: segment length (jpeg_bad_segment), precision, component count,
//    zero width/height, luma sampling, chroma sampling (so 4:4:4, luma 0x11, is reported as
//    jpeg_luma_sampling), quantization selectors.
//  - DHT: every table must equal the standard table of its class and id (ids 2 and 3 never
//    do). No DHT at all means the standard tables (motion-JPEG style). The SOS must then
//    select DC/AC table 0 for luma and table 1 for both chroma components, as the rebuilt
//    header does; anything else is jpeg_nonstandard_huffman.
//  - SOS component ids must repeat the SOF's in order (else jpeg_bad_segment); Ss/Se/Ah/Al
//    other than 0/63/0/0 is invalid for SOF0 (jpeg_bad_segment).
//  - EOI before any SOS -> jpeg_bad_segment; data ending before EOI -> jpeg_truncated.
//  - A scan shorter than the least the declared number of MCUs can take (all-zero blocks with
//    the standard tables) -> jpeg_scan_too_short: the frame header lies about its size.
//  - After the scan (FF00 stuffing and RST0-7 belong to it): EOI ends the frame and anything
//    after it is ignored. SOS, or a table/misc segment (DHT, DQT, DRI, DAC, APPn, COM), which
//    may legally appear only between scans -> jpeg_multiple_scans. Any other marker (DNL, SOI,
//    SOFn, ...) -> jpeg_bad_segment. 0xFF fill bytes before the terminating marker are not
//    part of the scan.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "rtsp/error.hpp"
#include "rtsp/jpeg/frame.hpp"
#include "rtsp/jpeg/standard_tables.hpp"
#include "rtsp/result.hpp"

namespace rtsp::jpeg {

/// The largest scan RFC 2435's 24-bit fragment offset can address.
inline constexpr std::size_t max_scan_size = (std::size_t{1} << 24) - 1;

/// Parses one complete JPEG (SOI .. EOI) into an RFC 2435 frame view; no copy, no allocation.
/// On success every span in the frame points into `jpeg`; on failure the errc says why.
[[nodiscard]] constexpr result<frame> parse(std::span<const std::byte> jpeg) noexcept;

namespace detail {

struct jpeg_reader {
    std::span<const std::byte> in;

    [[nodiscard]] constexpr std::uint8_t at(std::size_t i) const noexcept {
        return std::to_integer<std::uint8_t>(in[i]);
    }
    [[nodiscard]] constexpr std::uint16_t be16(std::size_t i) const noexcept {
        return static_cast<std::uint16_t>((at(i) << 8) | at(i + 1));
    }
    /// Index of the first 0xFF at or after `from`, or in.size() if none.
    [[nodiscard]] constexpr std::size_t find_ff(std::size_t from) const noexcept {
        if (std::is_constant_evaluated()) {
            while (from < in.size() && at(from) != 0xFF) ++from;
            return from;
        }
        if (from >= in.size()) return in.size();
        // memchr is the libc's vectorized scan; the entropy data is nearly all non-0xFF.
        const void* hit = std::memchr(in.data() + from, 0xFF, in.size() - from);
        return hit == nullptr ? in.size()
                              : static_cast<std::size_t>(static_cast<const std::byte*>(hit) -
                                                         in.data());
    }
};

struct sof_info {
    bool present = false;
    std::uint16_t width = 0, height = 0;
    std::uint8_t luma_sampling = 0;
    std::uint8_t ids[3] = {};
    std::uint8_t quant_selector[3] = {};
};

[[nodiscard]] constexpr errc classify_frame_marker(std::uint8_t m) noexcept {
    switch (m) {
    case 0xC1: return errc::jpeg_extended;
    case 0xC2: case 0xC6: case 0xCA: case 0xCE: return errc::jpeg_progressive;
    case 0xC3: case 0xC5: case 0xC7: case 0xCB: case 0xCD: case 0xCF: return errc::jpeg_lossless;
    case 0xC9: case 0xCC: return errc::jpeg_arithmetic;
    default: return errc::jpeg_bad_segment;
    }
}

// Markers that may appear between two scans; seeing one after the first scan means the frame
// goes on with more scans.
[[nodiscard]] constexpr bool is_between_scans_marker(std::uint8_t m) noexcept {
    return m == 0xDA || m == 0xC4 || m == 0xDB || m == 0xDD || m == 0xCC || m == 0xFE ||
           (m >= 0xE0 && m <= 0xEF);
}

[[nodiscard]] constexpr errc parse_dqt(const jpeg_reader& r, std::size_t pos, std::size_t end,
                                       std::span<const std::byte> (&tables)[4]) noexcept {
    while (pos < end) {
        const unsigned pq = r.at(pos) >> 4, tq = r.at(pos) & 0x0F;
        if (pq > 1 || tq > 3) return errc::jpeg_bad_quant_table;
        const std::size_t n = pq == 0 ? 64 : 128;
        if (end - pos - 1 < n) return errc::jpeg_bad_segment;
        tables[tq] = r.in.subspan(pos + 1, n);
        pos += 1 + n;
    }
    return errc{};
}

/// The four standard Huffman tables (DC luma, DC chroma, AC luma, AC chroma: index 2 * class +
/// id) packed for parse_dht(), which only compares DHT segments with them: per table its size
/// and its packed size, then tokens: n < 0x80 is followed by n bytes as they are; 0x80 | n by
/// one byte v and stands for v, v + 1, ..., v + n - 1 (HUFFVAL is full of such runs). Half the
/// flash of the tables themselves, which the firmware then does not link.
struct huffman_packer {
    std::uint8_t bytes[2 * (16 + 12) + 2 * (16 + 162)] = {};  // more than enough
    std::size_t size = 0;

    consteval void pack(std::span<const std::uint8_t> t) {
        const std::size_t head = size;
        bytes[size++] = static_cast<std::uint8_t>(t.size());
        size++;  // the packed size, set at the end
        std::size_t literal = 0;  // index of the current literal block's count, or 0
        for (std::size_t i = 0; i < t.size();) {
            std::size_t run = 1;
            while (i + run < t.size() && run < 0x7F && t[i + run] == t[i] + run) ++run;
            if (run >= 3) {
                bytes[size++] = static_cast<std::uint8_t>(0x80 | run);
                bytes[size++] = t[i];
                literal = 0;
                i += run;
                continue;
            }
            if (literal == 0 || bytes[literal] == 0x7F) {
                literal = size;
                bytes[size++] = 0;
            }
            ++bytes[literal];
            bytes[size++] = t[i++];
        }
        bytes[head + 1] = static_cast<std::uint8_t>(size - head - 2);
    }
};
consteval huffman_packer pack_standard_huffman() {
    huffman_packer p;
    p.pack(dc_luma_huffman);
    p.pack(dc_chroma_huffman);
    p.pack(ac_luma_huffman);
    p.pack(ac_chroma_huffman);
    return p;
}
inline constexpr auto packed_standard_huffman = [] {
    constexpr huffman_packer p = pack_standard_huffman();
    std::array<std::uint8_t, p.size> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = p.bytes[i];
    return a;
}();

/// True when the `n` bytes at r.at(pos + i) equal standard table `index` (< 4).
[[nodiscard]] constexpr bool is_standard_huffman(unsigned index, const jpeg_reader& r,
                                                 std::size_t pos, std::size_t n) noexcept {
    const std::uint8_t* p = packed_standard_huffman.data();
    for (; index > 0; --index) p += 2 + p[1];
    if (p[0] != n) return false;
    const std::uint8_t* const end = p + 2 + p[1];
    for (p += 2; p < end;) {
        const unsigned token = *p++;
        if (token < 0x80) {
            for (unsigned k = 0; k < token; ++k)
                if (r.at(pos++) != *p++) return false;
        } else {
            const unsigned first = *p++;
            for (unsigned k = 0; k < (token & 0x7F); ++k)
                if (r.at(pos++) != first + k) return false;
        }
    }
    return true;
}

[[nodiscard]] constexpr errc parse_dht(const jpeg_reader& r, std::size_t pos,
                                       std::size_t end) noexcept {
    while (pos < end) {
        if (end - pos < 17) return errc::jpeg_bad_segment;
        const unsigned tc = r.at(pos) >> 4, th = r.at(pos) & 0x0F;
        if (tc > 1 || th > 3) return errc::jpeg_bad_segment;
        std::size_t count = 0;
        for (std::size_t i = 0; i < 16; ++i) count += r.at(pos + 1 + i);
        if (end - pos - 17 < count) return errc::jpeg_bad_segment;
        // Tables 2 and 3 have no standard version.
        if (th > 1 || !is_standard_huffman(2 * tc + th, r, pos + 1, 16 + count))
            return errc::jpeg_nonstandard_huffman;
        pos += 17 + count;
    }
    return errc{};
}

[[nodiscard]] constexpr errc parse_sof0(const jpeg_reader& r, std::size_t pos, std::size_t len,
                                        sof_info& sof) noexcept {
    // len counts the content only (the segment length minus its own two bytes).
    if (len < 6 || len != 6 + std::size_t{3} * r.at(pos + 5)) return errc::jpeg_bad_segment;
    if (r.at(pos) != 8) return errc::jpeg_precision;
    if (r.at(pos + 5) != 3) return errc::jpeg_component_count;
    sof.height = r.be16(pos + 1);
    sof.width = r.be16(pos + 3);
    if (sof.width == 0 || sof.height == 0) return errc::jpeg_zero_dimension;
    const std::size_t c = pos + 6;
    sof.luma_sampling = r.at(c + 1);
    if (sof.luma_sampling != 0x21 && sof.luma_sampling != 0x22) return errc::jpeg_luma_sampling;
    if (r.at(c + 4) != 0x11 || r.at(c + 7) != 0x11) return errc::jpeg_chroma_sampling;
    for (std::size_t i = 0; i < 3; ++i) {
        sof.ids[i] = r.at(c + 3 * i);
        sof.quant_selector[i] = r.at(c + 3 * i + 2);
        if (sof.quant_selector[i] > 3) return errc::jpeg_bad_quant_table;
    }
    if (sof.ids[0] == sof.ids[1] || sof.ids[0] == sof.ids[2] || sof.ids[1] == sof.ids[2]) {
        return errc::jpeg_bad_segment;
    }
    // RFC 2435 sends one chroma table for both chroma components.
    if (sof.quant_selector[1] != sof.quant_selector[2]) return errc::jpeg_bad_quant_table;
    sof.present = true;
    return errc{};
}

[[nodiscard]] constexpr errc parse_sos(const jpeg_reader& r, std::size_t pos, std::size_t len,
                                       const sof_info& sof) noexcept {
    if (!sof.present) return errc::jpeg_missing_frame_header;
    if (len < 1 || len != 4 + std::size_t{2} * r.at(pos)) return errc::jpeg_bad_segment;
    if (r.at(pos) != 3) return errc::jpeg_multiple_scans;  // a non-interleaved scan
    // The receiver's rebuilt SOS: DC/AC table 0 for luma, table 1 for both chroma components.
    constexpr std::uint8_t huffman_selectors[3] = {0x00, 0x11, 0x11};
    for (std::size_t i = 0; i < 3; ++i) {
        if (r.at(pos + 1 + 2 * i) != sof.ids[i]) return errc::jpeg_bad_segment;
        if (r.at(pos + 2 + 2 * i) != huffman_selectors[i]) return errc::jpeg_nonstandard_huffman;
    }
    if (r.at(pos + 7) != 0 || r.at(pos + 8) != 63 || r.at(pos + 9) != 0) {
        return errc::jpeg_bad_segment;
    }
    return errc{};
}

}  // namespace detail

constexpr result<frame> parse(std::span<const std::byte> jpeg) noexcept {
    const detail::jpeg_reader r{jpeg};
    const std::size_t size = jpeg.size();
    if (size < 2 || r.at(0) != 0xFF || r.at(1) != 0xD8) return fail(errc::jpeg_not_jpeg);

    std::span<const std::byte> tables[4] = {};
    detail::sof_info sof;
    std::uint16_t restart_interval = 0;
    std::size_t pos = 2;

    // Header segments, up to and including SOS.
    for (;;) {
        if (pos >= size) return fail(errc::jpeg_truncated);
        if (r.at(pos) != 0xFF) return fail(errc::jpeg_bad_segment);
        while (pos < size && r.at(pos) == 0xFF) ++pos;
        if (pos >= size) return fail(errc::jpeg_truncated);
        const std::uint8_t marker = r.at(pos++);

        // Markers without a length field.
        if (marker == 0xD9) return fail(errc::jpeg_bad_segment);  // EOI before any scan
        if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
            return fail(errc::jpeg_bad_segment);
        }

        if (size - pos < 2) return fail(errc::jpeg_truncated);
        const std::size_t seg_len = r.be16(pos);
        // A DRI's length is fixed, so any other value is a bad DRI, not a truncation.
        if (marker == 0xDD && seg_len != 4) return fail(errc::jpeg_bad_restart_interval);
        if (seg_len < 2) return fail(errc::jpeg_bad_segment);
        if (size - pos < seg_len) return fail(errc::jpeg_truncated);
        const std::size_t body = pos + 2, body_len = seg_len - 2;
        pos += seg_len;

        errc e{};
        if ((marker >= 0xE0 && marker <= 0xEF) || marker == 0xFE) {
            continue;  // APPn, COM: nothing RFC 2435 carries
        } else if (marker == 0xDB) {
            e = detail::parse_dqt(r, body, body + body_len, tables);
        } else if (marker == 0xC4) {
            e = detail::parse_dht(r, body, body + body_len);
        } else if (marker == 0xDD) {
            restart_interval = r.be16(body);
        } else if (marker == 0xC0) {
            if (sof.present) return fail(errc::jpeg_bad_segment);
            e = detail::parse_sof0(r, body, body_len, sof);
        } else if (marker == 0xDA) {
            e = detail::parse_sos(r, body, body_len, sof);
            if (e != errc{}) return fail(e);
            break;
        } else if ((marker >= 0xC1 && marker <= 0xCF && marker != 0xC8) || marker == 0xDE ||
                   marker == 0xDF) {
            return fail(marker >= 0xDE ? errc::jpeg_lossless  // DHP, EXP: hierarchical
                                       : detail::classify_frame_marker(marker));
        } else {
            return fail(errc::jpeg_bad_segment);  // DNL before a scan, JPG, JPGn, reserved
        }
        if (e != errc{}) return fail(e);
    }

    const auto& luma = tables[sof.quant_selector[0]];
    const auto& chroma = tables[sof.quant_selector[1]];
    if (luma.empty() || chroma.empty()) return fail(errc::jpeg_missing_quant_table);

    // Entropy-coded data: find the first marker that is neither stuffing (FF00) nor RSTn.
    const std::size_t scan_begin = pos;
    std::size_t scan_end = 0;
    for (;;) {
        const std::size_t ff = r.find_ff(pos);
        std::size_t p = ff;
        while (p < size && r.at(p) == 0xFF) ++p;  // fill bytes before a marker
        if (p >= size) return fail(errc::jpeg_truncated);
        const std::uint8_t m = r.at(p);
        if (m == 0x00 || (m >= 0xD0 && m <= 0xD7)) {
            pos = p + 1;
            continue;
        }
        if (m == 0xD9) {
            scan_end = ff;
            break;
        }
        return fail(detail::is_between_scans_marker(m) ? errc::jpeg_multiple_scans
                                                       : errc::jpeg_bad_segment);
    }
    if (scan_end - scan_begin > max_scan_size) return fail(errc::jpeg_too_large);
    // A header whose size the scan cannot possibly cover (e.g. a 320x240 scan under a
    // 65535x65535 SOF) would make every receiver allocate the declared frame (12 GiB) to decode
    // garbage. With the standard Huffman tables an all-zero block still costs 6 bits (luma DC
    // "00" + EOB "1010") or 4 bits (chroma "00" + "00"), so an MCU needs at least 20 bits (4:2:2:
    // 2 luma + 2 chroma blocks) or 32 bits (4:2:0: 4 + 2).
    {
        // 32 bits suffice: at most 4096 x 8192 MCUs x 20 bits (or 4096 x 4096 x 32), and the
        // scan is below 2^24 bytes (checked above).
        const bool is420 = sof.luma_sampling == 0x22;
        const std::uint32_t mcus = ((std::uint32_t{sof.width} + 15) >> 4) *
                                   ((std::uint32_t{sof.height} + (is420 ? 15u : 7u)) >> (is420 ? 4 : 3));
        const std::uint32_t min_bits = mcus * (is420 ? 32u : 20u);
        if (static_cast<std::uint32_t>(scan_end - scan_begin) * 8u < min_bits)
            return fail(errc::jpeg_scan_too_short);
    }

    frame f;
    f.width = sof.width;
    f.height = sof.height;
    f.type = static_cast<std::uint8_t>((sof.luma_sampling == 0x22 ? type_420 : type_422) |
                                       (restart_interval != 0 ? type_restart_flag : 0));
    f.restart_interval = restart_interval;
    f.luma = quant_table{luma};
    f.chroma = quant_table{chroma};
    f.scan = jpeg.subspan(scan_begin, scan_end - scan_begin);
    return f;
}

}  // namespace rtsp::jpeg
