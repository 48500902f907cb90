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

    [[nodiscard]] constexpr unsigned at(std::size_t i) const noexcept {
        return std::to_integer<unsigned>(in[i]);
    }
    [[nodiscard]] constexpr unsigned be16(std::size_t i) const noexcept {
        return (at(i) << 8) | at(i + 1);
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
    /// Index of the first byte at or after `from` that is not a 0xFF fill byte.
    [[nodiscard]] constexpr std::size_t skip_fill(std::size_t from) const noexcept {
        while (from < in.size() && at(from) == 0xFF) ++from;
        return from;
    }
};

/// What parse() does with a marker, from marker_class(). Classes 0..4 are the markers that may
/// appear between two scans (plus DAC, see parse()); 6..10 are the errc to return as they are.
enum marker_action : std::uint8_t {
    skip_segment = 0,  // APPn, COM: nothing RFC 2435 carries
    dqt_segment = 1,
    dht_segment = 2,
    dri_segment = 3,
    sos_segment = 4,
    sof0_segment = 5,
    // 6..10: errc::jpeg_bad_segment .. errc::jpeg_arithmetic
    no_length = 11,  // SOI, EOI, RSTn, TEM: no length field, bad_segment before one is read
};
static_assert(static_cast<unsigned>(errc::jpeg_bad_segment) == 6 &&
              static_cast<unsigned>(errc::jpeg_progressive) == 7 &&
              static_cast<unsigned>(errc::jpeg_extended) == 8 &&
              static_cast<unsigned>(errc::jpeg_lossless) == 9 &&
              static_cast<unsigned>(errc::jpeg_arithmetic) == 10);

/// marker_action of the markers 0xC0..0xFF, one nibble each (the low nibble for the even
/// marker): 32 bytes of table instead of a chain of compares in both of parse()'s loops.
inline constexpr auto marker_actions = [] {
    constexpr std::uint8_t bad = 6, progressive = 7, extended = 8, lossless = 9, arithmetic = 10;
    constexpr std::uint8_t c0[] = {
        sof0_segment, extended,   progressive, lossless, dht_segment, lossless,
        progressive,  lossless,   bad,         arithmetic, progressive, lossless,
        arithmetic,   lossless,   progressive, lossless,  // C8 JPG; CC DAC
    };
    std::array<std::uint8_t, 32> t{};
    for (unsigned m = 0xC0; m <= 0xFF; ++m) {
        std::uint8_t a = bad;  // DC DNL (no scan yet), F0..FD JPGn, FF (never: it is fill)
        if (m < 0xD0) a = c0[m - 0xC0];
        else if (m <= 0xD9) a = no_length;                      // RST0..7, SOI, EOI
        else if (m == 0xDA) a = sos_segment;
        else if (m == 0xDB) a = dqt_segment;
        else if (m == 0xDD) a = dri_segment;
        else if (m == 0xDE || m == 0xDF) a = lossless;          // DHP, EXP: hierarchical
        else if ((m >= 0xE0 && m <= 0xEF) || m == 0xFE) a = skip_segment;  // APPn, COM
        t[(m - 0xC0) / 2] |= static_cast<std::uint8_t>(a << (m % 2 * 4));
    }
    return t;
}();

[[nodiscard]] constexpr unsigned marker_class(unsigned m) noexcept {
    // 0x00 (not a marker in a header) and TEM have no length; 0x02..0xBF are reserved.
    if (m < 0xC0) return m < 2 ? no_length : 6;
    return (marker_actions[(m - 0xC0) / 2] >> (m % 2 * 4)) & 0x0F;
}

/// The standard Huffman tables (DC luma, DC chroma, AC luma, AC chroma: index 2 * class + id)
/// for is_standard_huffman(), which only compares DHT segments with them. Each one's HUFFVAL
/// ends with all the symbols of its alphabet it has not listed yet, in ascending order (Annex
/// K sorts the symbols of the longest codes), so only the head of HUFFVAL is stored and
/// is_standard_huffman() generates the tail: per table the head's length k, BITS (16 bytes),
/// the head. 148 bytes where the four tables take 412; the firmware does not link those.
/// k is 0 for the DC tables (HUFFVAL 0..11 is all tail) and > 0 for the AC ones.
[[nodiscard]] constexpr bool in_huffman_tail_alphabet(unsigned v, const std::uint8_t* head,
                                                      std::size_t k) noexcept {
    // AC symbols are RRRRSSSS with SSSS 1..10 (0x00 and 0xF0 are in every AC head); the DC
    // tail needs no filter as it starts at 0 and is only 12 symbols long.
    if (k != 0 && ((v & 0x0F) - 1u) >= 10u) return false;
    for (std::size_t j = 0; j < k; ++j)
        if (head[j] == v) return false;
    return true;
}
/// The smallest head length of `t` (BITS + HUFFVAL) after which the tail rule above holds.
consteval std::size_t huffman_head_length(std::span<const std::uint8_t> t) {
    for (std::size_t k = 0;; ++k) {
        unsigned next = 0;
        bool ok = true;
        for (std::size_t i = 16 + k; ok && i < t.size(); ++i, ++next) {
            while (!in_huffman_tail_alphabet(next, t.data() + 16, k)) ++next;
            ok = t[i] == next;
        }
        if (ok) return k;
    }
}
struct compact_huffman {
    std::uint8_t bytes[4 * 17 + 2 * 162] = {};  // more than enough
    std::size_t size = 0;

    consteval void add(std::span<const std::uint8_t> t) {
        const std::size_t k = huffman_head_length(t);
        bytes[size++] = static_cast<std::uint8_t>(k);
        for (std::size_t i = 0; i < 16 + k; ++i) bytes[size++] = t[i];
    }
};
consteval compact_huffman compact_standard_huffman_tables() {
    compact_huffman c;
    c.add(dc_luma_huffman);
    c.add(dc_chroma_huffman);
    c.add(ac_luma_huffman);
    c.add(ac_chroma_huffman);
    return c;
}
inline constexpr auto compact_standard_huffman = [] {
    constexpr compact_huffman c = compact_standard_huffman_tables();
    std::array<std::uint8_t, c.size> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = c.bytes[i];
    return a;
}();

/// True when the DHT table whose BITS start at r.at(pos), with `count` HUFFVAL bytes after them,
/// equals standard table `index` (< 4).
[[nodiscard]] constexpr bool is_standard_huffman(unsigned index, const jpeg_reader& r,
                                                 std::size_t pos, std::size_t count) noexcept {
    const std::uint8_t* t = compact_standard_huffman.data();
    for (; index > 0; --index) t += 17 + t[0];
    const std::size_t k = *t++;
    // BITS and the head as they are; the same BITS also make `count` the standard one.
    for (std::size_t i = 0; i < 16 + k; ++i)
        if (r.at(pos + i) != t[i]) return false;
    // The tail: the symbols not in the head, ascending. It does not depend on the input, so
    // exactly one HUFFVAL passes (the static_asserts below show it is the standard one).
    unsigned next = 0;
#if defined(__OPTIMIZE_SIZE__)
    // -Os (firmware): the smallest code, testing each candidate against the head byte by byte:
    // up to 251 x 43 compares per AC table, once per frame.
    for (std::size_t i = 16 + k; i < 16 + count; ++i, ++next) {
        while (!in_huffman_tail_alphabet(next, t + 16, k)) ++next;
        if (r.at(pos + i) != next) return false;
    }
#else
    // Otherwise the symbols to skip go into a 256-bit set first, which halves the parse time of
    // a VGA frame (BENCHMARKS.md, pure layers). AC symbols are RRRRSSSS with SSSS 1..10, so
    // SSSS 0 and 11..15 are skipped: bits 0, 11-16 and 27-31 of every 32; the DC tail, 0..11,
    // skips nothing.
    std::uint32_t skip[8] = {};
    for (auto& w : skip) w = k != 0 ? 0xF801F801u : 0u;
    for (std::size_t j = 0; j < k; ++j) skip[t[16 + j] >> 5] |= std::uint32_t{1} << (t[16 + j] & 31u);
    for (std::size_t i = 16 + k; i < 16 + count; ++i, ++next) {
        // (Past 255 the set wraps; the compare below then fails, as no byte is that large.)
        while (((skip[(next >> 5) & 7u] >> (next & 31u)) & 1u) != 0) ++next;
        if (r.at(pos + i) != next) return false;
    }
#endif
    return true;
}

/// The generated tails reproduce the standard tables (and the DC heads are empty, see above).
/// (Only a constant-evaluation helper: the runtime code never builds a table.)
consteval bool accepts_standard_huffman(unsigned index, std::span<const std::uint8_t> t) {
    std::array<std::byte, 16 + 162> b{};
    for (std::size_t i = 0; i < t.size(); ++i) b[i] = static_cast<std::byte>(t[i]);
    return is_standard_huffman(index, jpeg_reader{b}, 0, t.size() - 16);
}
static_assert(accepts_standard_huffman(0, dc_luma_huffman) &&
              accepts_standard_huffman(1, dc_chroma_huffman) &&
              accepts_standard_huffman(2, ac_luma_huffman) &&
              accepts_standard_huffman(3, ac_chroma_huffman));
static_assert(compact_standard_huffman[0] == 0 && compact_standard_huffman[17] == 0 &&
              compact_standard_huffman[34] != 0 && compact_standard_huffman.size() == 148);

/// What the header segments define. Positions, not copies: the JPEG is immutable, so the SOF0
/// fields and the DQT tables are read back from it when needed.
struct header_state {
    std::size_t tables[4];  // index of each DQT table's Pq/Tq byte; 0 = not defined
    std::size_t sof;        // index of the SOF0 content; 0 = no SOF0 yet
    unsigned restart_interval;
};

/// Checks the segment of class `action` (dqt_segment .. sof0_segment) whose content is
/// [pos, end) and records what it defines in `s`.

[[nodiscard]] constexpr errc parse_segment(const jpeg_reader& r, unsigned action, std::size_t pos,
                                           std::size_t end, header_state& s) noexcept {
    const std::size_t len = end - pos;
    switch (action) {
    case dqt_segment:
        while (pos < end) {
            // Pq > 1 or Tq > 3: any bit of 0xEC set.
            if ((r.at(pos) & 0xEC) != 0) return errc::jpeg_bad_quant_table;
            const std::size_t n = std::size_t{64} << (r.at(pos) >> 4);
            if (end - pos - 1 < n) return errc::jpeg_bad_segment;
            s.tables[r.at(pos) & 3] = pos;  // pos > 0: the SOI precedes it
            pos += 1 + n;
        }
        return errc{};
    case dht_segment:
        while (pos < end) {
            if (end - pos < 17) return errc::jpeg_bad_segment;
            const unsigned tc_th = r.at(pos);
            if ((tc_th & 0xEC) != 0) return errc::jpeg_bad_segment;  // Tc > 1 or Th > 3
            std::size_t count = 0;
            for (std::size_t i = 1; i <= 16; ++i) count += r.at(pos + i);
            if (end - pos - 17 < count) return errc::jpeg_bad_segment;
            // Tables 2 and 3 have no standard version. For Th < 2 the index 2 * Tc + Th is
            // (tc_th >> 3) | (tc_th & 1), as Tc is bit 4.
            if ((tc_th & 2) != 0 ||
                !is_standard_huffman((tc_th >> 3) | (tc_th & 1), r, pos + 1, count))
                return errc::jpeg_nonstandard_huffman;
            pos += 17 + count;
        }
        return errc{};
    case dri_segment:
        s.restart_interval = r.be16(pos);  // the length was checked to be 4 already
        return errc{};
    case sos_segment: {
        if (s.sof == 0) return errc::jpeg_missing_frame_header;
        if (len < 1 || len != 4 + std::size_t{2} * r.at(pos)) return errc::jpeg_bad_segment;
        if (r.at(pos) != 3) return errc::jpeg_multiple_scans;  // a non-interleaved scan
        // Component ids as in the SOF0; the receiver's rebuilt SOS selects DC/AC table 0 for
        // luma, table 1 for both chroma components.
        for (std::size_t i = 0; i < 3; ++i) {
            if (r.at(pos + 1 + 2 * i) != r.at(s.sof + 6 + 3 * i)) return errc::jpeg_bad_segment;
            if (r.at(pos + 2 + 2 * i) != ((0x111100u >> (8 * i)) & 0xFF))  // 0x00, 0x11, 0x11
                return errc::jpeg_nonstandard_huffman;
        }
        if (r.at(pos + 7) != 0 || r.at(pos + 8) != 63 || r.at(pos + 9) != 0)
            return errc::jpeg_bad_segment;
        return errc{};
    }
    default: {  // sof0_segment
        if (s.sof != 0) return errc::jpeg_bad_segment;  // a second SOF
        if (len < 6 || len != 6 + std::size_t{3} * r.at(pos + 5)) return errc::jpeg_bad_segment;
        if (r.at(pos) != 8) return errc::jpeg_precision;
        if (r.at(pos + 5) != 3) return errc::jpeg_component_count;
        if (r.be16(pos + 1) == 0 || r.be16(pos + 3) == 0) return errc::jpeg_zero_dimension;
        // Components at pos + 6, 3 bytes each: id, sampling (H << 4 | V), quant selector.
        const std::size_t c = pos + 6;
        if (r.at(c + 1) != 0x21 && r.at(c + 1) != 0x22) return errc::jpeg_luma_sampling;
        if (r.at(c + 4) != 0x11 || r.at(c + 7) != 0x11) return errc::jpeg_chroma_sampling;
        for (std::size_t i = 0; i < 3; ++i)
            if (r.at(c + 3 * i + 2) > 3) return errc::jpeg_bad_quant_table;
        if (r.at(c) == r.at(c + 3) || r.at(c) == r.at(c + 6) || r.at(c + 3) == r.at(c + 6))
            return errc::jpeg_bad_segment;
        // RFC 2435 sends one chroma table for both chroma components.
        if (r.at(c + 5) != r.at(c + 8)) return errc::jpeg_bad_quant_table;
        s.sof = pos;
        return errc{};
    }
    }
}

}  // namespace detail

constexpr result<frame> parse(std::span<const std::byte> jpeg) noexcept {
    using namespace detail;
    const jpeg_reader r{jpeg};
    const std::size_t size = jpeg.size();
    if (size < 2 || r.at(0) != 0xFF || r.at(1) != 0xD8) return fail(errc::jpeg_not_jpeg);

    header_state s{};
    std::size_t pos = 2;

    // Header segments, up to and including SOS.
    for (;;) {
        if (pos >= size) return fail(errc::jpeg_truncated);
        if (r.at(pos) != 0xFF) return fail(errc::jpeg_bad_segment);
        pos = r.skip_fill(pos);
        if (pos >= size) return fail(errc::jpeg_truncated);
        const unsigned marker = r.at(pos++);
        const unsigned action = marker_class(marker);
        if (action == no_length) return fail(errc::jpeg_bad_segment);  // also EOI before SOS

        if (size - pos < 2) return fail(errc::jpeg_truncated);
        const std::size_t seg_len = r.be16(pos);
        // A DRI's length is fixed, so any other value is a bad DRI, not a truncation.
        if (action == dri_segment && seg_len != 4) return fail(errc::jpeg_bad_restart_interval);
        if (seg_len < 2) return fail(errc::jpeg_bad_segment);
        if (size - pos < seg_len) return fail(errc::jpeg_truncated);
        const std::size_t body = pos + 2;
        pos += seg_len;

        if (action > sof0_segment) return fail(static_cast<errc>(action));  // 6..10
        if (action == skip_segment) continue;
        if (const errc e = parse_segment(r, action, body, pos, s); e != errc{}) return fail(e);
        if (action == sos_segment) break;
    }

    // The SOF0 content: P, Y, X, Nf, then per component id, H << 4 | V, Tq.
    const std::size_t luma = s.tables[r.at(s.sof + 8)], chroma = s.tables[r.at(s.sof + 11)];
    if (luma == 0 || chroma == 0) return fail(errc::jpeg_missing_quant_table);

    // Entropy-coded data: find the first marker that is neither stuffing (FF00) nor RSTn.
    const std::size_t scan_begin = pos;
    std::size_t scan_end = 0;
    for (;;) {
        scan_end = r.find_ff(pos);
        pos = r.skip_fill(scan_end);  // fill bytes before a marker
        if (pos >= size) return fail(errc::jpeg_truncated);
        const unsigned m = r.at(pos++);
        if (m == 0x00 || (m & 0xF8) == 0xD0) continue;  // stuffing, RST0..7
        if (m == 0xD9) break;
        // Markers that may legally appear only between scans mean the frame has more scans.
        return fail(marker_class(m) <= sos_segment || m == 0xCC ? errc::jpeg_multiple_scans
                                                                 : errc::jpeg_bad_segment);
    }
    const std::size_t scan_size = scan_end - scan_begin;
    if (scan_size > max_scan_size) return fail(errc::jpeg_too_large);

    const unsigned width = r.be16(s.sof + 3), height = r.be16(s.sof + 1);
    const bool is420 = r.at(s.sof + 7) == 0x22;
    // A header whose size the scan cannot possibly cover (e.g. a 320x240 scan under a
    // 65535x65535 SOF) would make every receiver allocate the declared frame (12 GiB) to decode
    // garbage. With the standard Huffman tables an all-zero block still costs 6 bits (luma DC
    // "00" + EOB "1010") or 4 bits (chroma "00" + "00"), so an MCU needs at least 20 bits (4:2:2:
    // 2 luma + 2 chroma blocks) or 32 bits (4:2:0: 4 + 2).
    {
        // 32 bits suffice: at most 4096 x 8192 MCUs x 20 bits (or 4096 x 4096 x 32), and the
        // scan is below 2^24 bytes (checked above).
        const std::uint32_t mcus =
            ((width + 15) >> 4) * ((height + (is420 ? 15u : 7u)) >> (is420 ? 4 : 3));
        const std::uint32_t min_bits = mcus * (is420 ? 32u : 20u);
        if (static_cast<std::uint32_t>(scan_size) * 8u < min_bits)
            return fail(errc::jpeg_scan_too_short);
    }

    // A DQT table's Pq (0 or 1) picks 64 or 128 bytes.
    const auto table = [&](std::size_t at) {
        return quant_table{jpeg.subspan(at + 1, std::size_t{64} << (r.at(at) >> 4))};
    };
    return frame{static_cast<std::uint16_t>(width), static_cast<std::uint16_t>(height),
                 static_cast<std::uint8_t>((is420 ? type_420 : type_422) |
                                           (s.restart_interval != 0 ? type_restart_flag : 0)),
                 static_cast<std::uint16_t>(s.restart_interval), table(luma), table(chroma),
                 jpeg.subspan(scan_begin, scan_size)};
}

}  // namespace rtsp::jpeg
