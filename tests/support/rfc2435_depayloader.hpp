// SPDX-License-Identifier: MIT
// rfc2435_depayloader.hpp - a strict reference RFC 2435 receiver, for tests only.
//
// It turns the RTP packets of one frame back into a JFIF file the way RFC 2435 Appendix A/B
// (and FFmpeg, GStreamer and live555) do: SOI, DQT from the in-band tables (or the IJG tables
// for Q 1..99), DRI for types 64/65, SOF0 with the sampling given by the type, the four
// standard DHTs, SOS, the reassembled scan and EOI. Unlike the real receivers it is strict: any
// irregularity (a gap, a changed timestamp or header field, a misplaced marker, a table length
// that does not match its precision bits) is an error with a message, so a test that feeds it
// a packetizer's output checks the packets as well as the picture.
//
// The Huffman tables are written out here from T.81 Annex K.3 (as RFC 2435 Appendix B
// prints them) instead of taken from the library, so the reference does not share the
// library's possible mistakes. Not part of the library: it allocates and uses the STL freely.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "rtsp/jpeg/standard_tables.hpp"
#include "rtsp/rtp/header.hpp"
#include "rtsp/rtp/jpeg_packetizer.hpp"

namespace rtsp::test {

struct rfc2435_depayload_options {
    /// SDP a=x-dimensions:W,H; used when a size field of the main header is 0.
    std::uint16_t x_width = 0, x_height = 0;
};

/// What the header fields of the frame said (for tests to check).
struct rfc2435_frame_info {
    std::uint32_t timestamp = 0;
    std::uint8_t type = 0, q = 0;
    std::uint16_t width = 0, height = 0;  ///< pixels written into SOF0
    std::uint16_t restart_interval = 0;   ///< 0 without a restart header
    std::uint8_t precision = 0;           ///< quantization table header (Q >= 128)
    std::uint16_t table_length = 0;       ///< quantization table header (Q >= 128)
    std::size_t packets = 0;
};

struct rfc2435_depayload_result {
    std::vector<std::byte> jpeg;  ///< the rebuilt JFIF; empty on error
    rfc2435_frame_info info;
    std::string error;  ///< empty on success
    [[nodiscard]] bool ok() const { return error.empty(); }
};

namespace detail {

// T.81 Annex K.3 / RFC 2435 Appendix B: BITS (16 counts) followed by HUFFVAL.
inline constexpr std::array<std::uint8_t, 16 + 12> ref_dc_luma = {
    0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
inline constexpr std::array<std::uint8_t, 16 + 12> ref_dc_chroma = {
    0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
inline constexpr std::array<std::uint8_t, 16 + 162> ref_ac_luma = {
    0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d,
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa};
inline constexpr std::array<std::uint8_t, 16 + 162> ref_ac_chroma = {
    0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77,
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa};

struct jfif_out {
    std::vector<std::byte> b;
    void u8(unsigned v) { b.push_back(std::byte(v & 0xFF)); }
    void u16(unsigned v) { u8(v >> 8); u8(v); }
    void marker(unsigned m) { u8(0xFF); u8(m); }
    void bytes(std::span<const std::byte> s) { b.insert(b.end(), s.begin(), s.end()); }
    void bytes(std::span<const std::uint8_t> s) {
        for (auto v : s) u8(v);
    }
};

inline unsigned be16(const std::byte* p) {
    return (std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]);
}
inline unsigned be24(const std::byte* p) {
    return (std::to_integer<unsigned>(p[0]) << 16) | (std::to_integer<unsigned>(p[1]) << 8) |
           std::to_integer<unsigned>(p[2]);
}

}  // namespace detail

/// Rebuilds one frame from its RTP packets (whole packets, RTP header included, in order).
/// Strict: every deviation from what a conforming sender produces is an error.
inline rfc2435_depayload_result depayload_rfc2435(const std::vector<std::vector<std::byte>>& packets,
                                                  const rfc2435_depayload_options& opt = {}) {
    rfc2435_depayload_result r;
    auto error = [&r](std::string msg) {
        r.jpeg.clear();
        r.error = std::move(msg);
        return r;
    };
    if (packets.empty()) return error("no packets");

    std::vector<std::byte> scan;
    std::vector<std::byte> luma_table, chroma_table;
    unsigned w8 = 0, h8 = 0;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const std::string where = "packet " + std::to_string(i) + ": ";
        auto rtp = rtp::read(packets[i]);
        if (!rtp) return error(where + "bad RTP header");
        const auto& hdr = rtp->hdr;
        const auto payload = rtp->payload;
        if (hdr.payload_type != rtp::payload_type_jpeg) return error(where + "payload type not 26");
        if (hdr.marker != (i + 1 == packets.size()))
            return error(where + "marker bit must be set on the last packet only");
        if (i == 0) {
            r.info.timestamp = hdr.timestamp;
        } else {
            if (hdr.timestamp != r.info.timestamp) return error(where + "timestamp changed");
            auto prev = rtp::read(packets[i - 1]);
            if (static_cast<std::uint16_t>(prev->hdr.sequence + 1) != hdr.sequence)
                return error(where + "sequence number not contiguous");
            if (prev->hdr.ssrc != hdr.ssrc) return error(where + "SSRC changed");
        }

        // Main header (RFC 2435 §3.1).
        if (payload.size() < 8) return error(where + "shorter than the main header");
        const std::byte* p = payload.data();
        std::size_t pos = 8;
        if (p[0] != std::byte{0}) return error(where + "type-specific field not 0");
        const unsigned offset = detail::be24(p + 1);
        const auto type = std::to_integer<std::uint8_t>(p[4]);
        const auto q = std::to_integer<std::uint8_t>(p[5]);
        const unsigned pw = std::to_integer<unsigned>(p[6]), ph = std::to_integer<unsigned>(p[7]);
        if (i == 0) {
            if (offset != 0) return error(where + "first packet has a non-zero fragment offset");
            if ((type & 0x3F) > 1 || type > 127) return error(where + "unsupported type");
            if (q == 0 || (q >= 100 && q < 128)) return error(where + "reserved Q value");
            r.info.type = type;
            r.info.q = q;
            w8 = pw;
            h8 = ph;
        } else {
            if (type != r.info.type || q != r.info.q || pw != w8 || ph != h8)
                return error(where + "main header type/Q/size changed within the frame");
            if (offset != scan.size()) return error(where + "fragment offset not contiguous");
        }
        // Restart marker header (§3.1.7), in every packet of a type 64..127 frame.
        if (type >= 64) {
            if (payload.size() - pos < 4) return error(where + "truncated restart header");
            const unsigned interval = detail::be16(p + pos);
            const unsigned flc = detail::be16(p + pos + 2);
            if (interval == 0) return error(where + "restart interval 0");
            if (i == 0) r.info.restart_interval = static_cast<std::uint16_t>(interval);
            else if (interval != r.info.restart_interval)
                return error(where + "restart interval changed within the frame");
            if (flc != 0xFFFF) return error(where + "restart F/L/count not 1/1/0x3FFF");
            pos += 4;
        }
        // Quantization table header (§3.1.8), only at offset 0 and only for Q >= 128.
        if (q >= 128 && offset == 0) {
            if (payload.size() - pos < 4) return error(where + "truncated quantization table header");
            const auto mbz = std::to_integer<unsigned>(p[pos]);
            const auto precision = std::to_integer<std::uint8_t>(p[pos + 1]);
            const unsigned length = detail::be16(p + pos + 2);
            pos += 4;
            if (mbz != 0) return error(where + "quantization table MBZ not 0");
            if ((precision & ~3u) != 0) return error(where + "precision bits beyond the two tables");
            const std::size_t luma_size = (precision & 1) ? 128 : 64;
            const std::size_t chroma_size = (precision & 2) ? 128 : 64;
            if (length != luma_size + chroma_size)
                return error(where + "table length does not match the precision bits");
            if (payload.size() - pos < length) return error(where + "truncated quantization tables");
            luma_table.assign(p + pos, p + pos + luma_size);
            chroma_table.assign(p + pos + luma_size, p + pos + length);
            pos += length;
            r.info.precision = precision;
            r.info.table_length = static_cast<std::uint16_t>(length);
        }
        const auto data = payload.subspan(pos);
        if (data.empty() && packets.size() > 1) return error(where + "no scan data");
        scan.insert(scan.end(), data.begin(), data.end());
    }

    // Tables: in-band for Q >= 128, otherwise the IJG scaling of RFC 2435 Appendix A.
    std::uint8_t luma_pq = 0, chroma_pq = 0;
    if (r.info.q >= 128) {
        luma_pq = (r.info.precision & 1) ? 1 : 0;
        chroma_pq = (r.info.precision & 2) ? 1 : 0;
    } else {
        const auto t = jpeg::ijg_quant_tables(r.info.q);
        for (auto v : t.luma) luma_table.push_back(std::byte{v});
        for (auto v : t.chroma) chroma_table.push_back(std::byte{v});
    }

    // Size: pixels/8 from the header, or SDP x-dimensions when a field is 0.
    unsigned width = w8 * 8, height = h8 * 8;
    if (w8 == 0 || h8 == 0) {
        if (opt.x_width == 0 || opt.x_height == 0)
            return error("size field 0 and no x-dimensions given");
        width = opt.x_width;
        height = opt.x_height;
    }
    r.info.width = static_cast<std::uint16_t>(width);
    r.info.height = static_cast<std::uint16_t>(height);
    r.info.packets = packets.size();

    detail::jfif_out o;
    o.marker(0xD8);  // SOI
    o.marker(0xDB);  // DQT, table 0 = luma
    o.u16(2 + 1 + static_cast<unsigned>(luma_table.size()));
    o.u8(static_cast<unsigned>(luma_pq << 4) | 0u);
    o.bytes(luma_table);
    o.marker(0xDB);  // DQT, table 1 = chroma
    o.u16(2 + 1 + static_cast<unsigned>(chroma_table.size()));
    o.u8(static_cast<unsigned>(chroma_pq << 4) | 1u);
    o.bytes(chroma_table);
    if (r.info.type >= 64) {
        o.marker(0xDD);  // DRI
        o.u16(4);
        o.u16(r.info.restart_interval);
    }
    o.marker(0xC0);  // SOF0
    o.u16(8 + 3 * 3);
    o.u8(8);
    o.u16(height);
    o.u16(width);
    o.u8(3);
    o.u8(1); o.u8((r.info.type & 1) ? 0x22 : 0x21); o.u8(0);  // Y: 4:2:0 or 4:2:2, table 0
    o.u8(2); o.u8(0x11); o.u8(1);                             // Cb, table 1
    o.u8(3); o.u8(0x11); o.u8(1);                             // Cr, table 1
    const auto dht = [&o](unsigned class_id, std::span<const std::uint8_t> table) {
        o.marker(0xC4);
        o.u16(2 + 1 + static_cast<unsigned>(table.size()));
        o.u8(class_id);
        o.bytes(table);
    };
    dht(0x00, detail::ref_dc_luma);
    dht(0x10, detail::ref_ac_luma);
    dht(0x01, detail::ref_dc_chroma);
    dht(0x11, detail::ref_ac_chroma);
    o.marker(0xDA);  // SOS: 3 components, Y uses tables 0/0, chroma 1/1; Ss=0 Se=63 Ah=Al=0
    o.u16(6 + 2 * 3);
    o.u8(3);
    o.u8(1); o.u8(0x00);
    o.u8(2); o.u8(0x11);
    o.u8(3); o.u8(0x11);
    o.u8(0); o.u8(63); o.u8(0);
    o.bytes(scan);
    o.marker(0xD9);  // EOI
    r.jpeg = std::move(o.b);
    return r;
}

/// The sender side in one call, for tests: every packet of `p` as a whole RTP packet, with
/// sequence numbers from `first_sequence` (wrapping), one timestamp, the marker on the last.
inline std::vector<std::vector<std::byte>> rtp_packets(const rtp::jpeg_packetizer& p,
                                                       std::uint16_t first_sequence = 0,
                                                       std::uint32_t timestamp = 0,
                                                       std::uint32_t ssrc = 0x12345678) {
    std::vector<std::vector<std::byte>> out;
    out.reserve(p.packet_count());
    std::array<std::byte, rtp::max_payload_header_size> hdr{};
    for (std::size_t i = 0; i < p.packet_count(); ++i) {
        const auto pk = p.get(i, hdr);
        std::vector<std::byte> bytes(rtp::header_size + pk.header_size + pk.scan.size());
        rtp::header h;
        h.marker = pk.last;
        h.sequence = static_cast<std::uint16_t>(first_sequence + i);
        h.timestamp = timestamp;
        h.ssrc = ssrc;
        rtp::write(h, std::span<std::byte, rtp::header_size>(bytes.data(), rtp::header_size));
        std::copy(hdr.begin(), hdr.begin() + static_cast<std::ptrdiff_t>(pk.header_size),
                  bytes.begin() + rtp::header_size);
        std::copy(pk.scan.begin(), pk.scan.end(),
                  bytes.begin() + static_cast<std::ptrdiff_t>(rtp::header_size + pk.header_size));
        out.push_back(std::move(bytes));
    }
    return out;
}

}  // namespace rtsp::test
