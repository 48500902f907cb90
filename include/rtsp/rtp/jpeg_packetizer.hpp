// SPDX-License-Identifier: MIT
// rtsp/rtp/jpeg_packetizer.hpp - RFC 2435 fragmentation of one JPEG frame into RTP payloads.
//
// A packet is a few header bytes (the RFC 2435 main header, the restart header, and in the
// first packet the quantization table header) plus a view into the frame's scan. Nothing is
// copied: the caller gathers RTP header + get()'s header bytes + the scan slice into one
// datagram (sendmsg, or one staging buffer on a chip that cannot gather). Packets are
// computed on demand from their index, so the packetizer holds no per-packet state and the
// same frame can be sent to many sessions, each with its own RTP headers.
//
// Sizing: every packet except the last is EXACTLY `mtu` bytes long, RTP header included (the
// first one carries fewer scan bytes to make room for the tables). Equal sizes let a POSIX
// sender hand a whole frame to UDP GSO, which requires all segments but the last to be equal.
//
// Interop with FFmpeg, GStreamer and live555/VLC: type 0/1 (+64 with restart markers and a restart header
// in every packet, F=L=1, count 0x3FFF), Q=255 by default with both tables in-band in the
// first packet of every frame (precision bits per table, length exactly the two tables, luma
// then chroma). Frames wider or taller than 2040 px put 0 in both size fields; GStreamer and
// VLC/live555 then take the size from SDP `a=x-dimensions:W,H`, but FFmpeg has no such
// fallback and cannot decode those frames at all (it builds a SOF with a 0 dimension).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtsp/detail/bytes.hpp"
#include "rtsp/error.hpp"
#include "rtsp/jpeg/frame.hpp"
#include "rtsp/result.hpp"
#include "rtsp/rtp/header.hpp"

namespace rtsp::rtp {

struct jpeg_packetizer_options {
    std::size_t mtu = 1400;  ///< bytes of the whole RTP packet, 12-byte RTP header included
    /// 255 (or 128..254): tables in-band; 1..99: no tables, and the receiver uses the IJG
    /// tables at that quality (RFC 2435 Appendix A), so the JPEG must have been encoded with
    /// exactly those tables (libjpeg at that quality with force_baseline). 0 and 100..127 are
    /// reserved.
    std::uint8_t q = 255;
};

/// Largest RFC 2435 header block of one packet: main (8) + restart (4) + quantization table
/// header (4) + two 16-bit tables (2 x 128).
inline constexpr std::size_t max_payload_header_size = 8 + 4 + 4 + 2 * 128;

/// Size fields of the main header hold pixels/8 in 8 bits; above this 0 means "see SDP".
inline constexpr std::uint16_t max_header_dimension = 2040;

class jpeg_packetizer {
public:
    /// Plans the packets of `f` (the view is copied; the JPEG bytes must outlive the
    /// packetizer). Errors: invalid_argument (q 0 or 100..127, mtu above 65535, a type other
    /// than 0/1/64/65, a zero size, a restart type with interval 0, or a table that is not 64
    /// or 128 bytes when q >= 128), mtu_too_small (the first packet would carry no scan byte),
    /// jpeg_too_large (scan of 2^24 bytes or more, beyond the 24-bit fragment offset). A
    /// zero-length scan gives one packet with headers only, so a receiver still sees the marker.
    [[nodiscard]] static constexpr result<jpeg_packetizer> create(
        const jpeg::frame& f, const jpeg_packetizer_options& opt = {}) noexcept;

    /// Number of packets of the frame; at least 1.
    [[nodiscard]] constexpr std::size_t packet_count() const noexcept { return count_; }

    struct packet {
        std::size_t header_size;          ///< bytes written to header_out (RFC 2435 headers, not RTP)
        std::span<const std::byte> scan;  ///< the slice of frame.scan this packet carries (a view)
        std::uint32_t fragment_offset;    ///< offset of `scan` within frame.scan
        bool last;                        ///< RTP marker bit
    };

    /// Writes packet `index`'s RFC 2435 headers into header_out and returns the packet.
    /// @pre index < packet_count()
    constexpr packet get(std::size_t index,
                         std::span<std::byte, max_payload_header_size> header_out) const noexcept;

    /// True when width or height > 2040: the header size fields are 0 and the receiver needs
    /// SDP `a=x-dimensions:W,H` (not understood by FFmpeg).
    [[nodiscard]] constexpr bool needs_x_dimensions() const noexcept {
        return frame_.width > max_header_dimension || frame_.height > max_header_dimension;
    }

    /// The frame being packetized.
    [[nodiscard]] constexpr const jpeg::frame& frame() const noexcept { return frame_; }

    /// The options it was created with.
    [[nodiscard]] constexpr const jpeg_packetizer_options& options() const noexcept { return opt_; }

private:
    constexpr jpeg_packetizer() noexcept = default;

    [[nodiscard]] constexpr bool in_band_tables() const noexcept { return opt_.q >= 128; }
    [[nodiscard]] constexpr std::size_t repeated_header_size() const noexcept {
        return 8 + (frame_.has_restart_markers() ? 4u : 0u);
    }
    [[nodiscard]] constexpr std::size_t table_header_size() const noexcept {
        return in_band_tables() ? 4 + frame_.luma.data.size() + frame_.chroma.data.size() : 0;
    }

    jpeg::frame frame_{};
    jpeg_packetizer_options opt_{};
    std::size_t first_capacity_ = 0;  ///< scan bytes in packet 0 when it is not the last
    std::size_t other_capacity_ = 0;  ///< scan bytes in every later packet but the last
    std::size_t count_ = 0;
};

// ---------------------------------------------------------------------------------------------

constexpr result<jpeg_packetizer> jpeg_packetizer::create(
    const jpeg::frame& f, const jpeg_packetizer_options& opt) noexcept {
    if (opt.q == 0 || (opt.q >= 100 && opt.q < 128)) return fail(errc::invalid_argument);
    // An RTP packet must fit a 16-bit length: UDP, and the '$' frame of interleaved TCP.
    if (opt.mtu > 65535) return fail(errc::invalid_argument);
    if (f.type != jpeg::type_422 && f.type != jpeg::type_420 &&
        f.type != (jpeg::type_422 | jpeg::type_restart_flag) &&
        f.type != (jpeg::type_420 | jpeg::type_restart_flag))
        return fail(errc::invalid_argument);
    if (f.width == 0 || f.height == 0) return fail(errc::invalid_argument);
    // RFC 2435 §3.1.7: the restart interval MUST NOT be 0 in a restart header.
    if (f.has_restart_markers() && f.restart_interval == 0) return fail(errc::invalid_argument);
    if (opt.q >= 128) {
        const auto ok = [](const jpeg::quant_table& t) {
            return t.data.size() == 64 || t.data.size() == 128;
        };
        if (!ok(f.luma) || !ok(f.chroma)) return fail(errc::invalid_argument);
    }
    if (f.scan.size() >= (std::size_t{1} << 24)) return fail(errc::jpeg_too_large);

    jpeg_packetizer p;
    p.frame_ = f;
    p.opt_ = opt;
    const std::size_t repeated = header_size + p.repeated_header_size();
    const std::size_t first_fixed = repeated + p.table_header_size();
    // The first packet is the tightest; every packet must move at least one scan byte.
    if (opt.mtu <= first_fixed) return fail(errc::mtu_too_small);
    p.first_capacity_ = opt.mtu - first_fixed;
    p.other_capacity_ = opt.mtu - repeated;
    const std::size_t n = f.scan.size();
    if (n <= p.first_capacity_) {
        p.count_ = 1;
    } else {
        p.count_ = 1 + (n - p.first_capacity_ + p.other_capacity_ - 1) / p.other_capacity_;
    }
    return p;
}

constexpr jpeg_packetizer::packet jpeg_packetizer::get(
    std::size_t index, std::span<std::byte, max_payload_header_size> header_out) const noexcept {
    RTSP_ASSERT(index < count_);
    const std::size_t offset = index == 0 ? 0 : first_capacity_ + (index - 1) * other_capacity_;
    const std::size_t capacity = index == 0 ? first_capacity_ : other_capacity_;
    const std::size_t remaining = frame_.scan.size() - offset;
    const std::size_t length = remaining < capacity ? remaining : capacity;

    // Plain stores: create() bounded every field, and header_out holds the largest block.
    std::byte* const h = header_out.data();
    // Main header (§3.1): type-specific 0, offset, type, Q, width/8, height/8 rounded up.
    h[0] = std::byte{0};
    detail::store_be24(h + 1, static_cast<std::uint32_t>(offset));
    h[4] = std::byte{frame_.type};
    h[5] = std::byte{opt_.q};
    const bool big = needs_x_dimensions();
    h[6] = std::byte(big ? 0u : (frame_.width + 7u) / 8u);
    h[7] = std::byte(big ? 0u : (frame_.height + 7u) / 8u);
    std::size_t n = 8;
    // Restart header (§3.1.7) in every packet: intervals need not align with packets, so
    // F=L=1 and count 0x3FFF, as GStreamer and live555 send.
    if (frame_.has_restart_markers()) {
        detail::store_be16(h + 8, frame_.restart_interval);
        detail::store_be16(h + 10, 0xFFFF);
        n = 12;
    }
    // Quantization table header (§3.1.8) only with offset 0: both tables, luma then chroma.
    if (index == 0 && in_band_tables()) {
        h[n] = std::byte{0};  // MBZ
        h[n + 1] = std::byte((frame_.luma.sixteen_bit() ? 1u : 0u) |
                             (frame_.chroma.sixteen_bit() ? 2u : 0u));
        detail::store_be16(h + n + 2, static_cast<std::uint16_t>(frame_.luma.data.size() +
                                                                 frame_.chroma.data.size()));
        n += 4;
        for (const auto& t : {frame_.luma.data, frame_.chroma.data})
            for (std::byte b : t) h[n++] = b;  // 64 or 128 bytes each (create())
    }
    RTSP_ASSERT(n <= max_payload_header_size);

    return packet{n, frame_.scan.subspan(offset, length),
                  static_cast<std::uint32_t>(offset), index + 1 == count_};
}

}  // namespace rtsp::rtp
