// SPDX-License-Identifier: MIT
// rtsp/rtp/rtcp.hpp - RTCP (RFC 3550 §6) compound packets: the sender report and BYE we send,
// and a bounded parser for what clients send back.
//
// Why a server bothers: Sender Reports map RTP time to wall-clock time (FFmpeg's
// start_time_realtime, GStreamer's NTP sync), BYE tells VLC that playback is over, and any
// well-formed incoming RTCP (receiver reports, mostly) counts as client liveness, which is how
// VLC keeps a session alive when it sends no RTSP keep-alive (PROTOCOL.md §3.5, §3.9).
//
// Every compound we write starts with an SR and carries an SDES CNAME, as RFC 3550 §6.1
// requires. The parser validates an incoming compound the way RFC 3550 Appendix A.2 does,
// reads nothing past its input, and only summarises it: the server needs "is this a valid
// report from a client, and does it say BYE", not the report blocks' statistics.
//
// Decisions:
// - A CNAME longer than 255 bytes is rejected with invalid_argument (the SDES length octet
//   cannot express it, and silently truncating an identifier could make two differ only in
//   what was cut). An empty CNAME is written as is.
// - The first packet of an incoming compound must be SR or RR (A.2). FFmpeg (RR+SDES, and an
//   empty RR as its NAT punch), GStreamer rtpsession (RR+SDES[+BYE]) and live555/VLC
//   (RR+SDES, RR+BYE) all comply, so this strictness rejects no real client. Reduced-size
//   RTCP (RFC 5506) is only used after SDP negotiation, which this server never offers.
// - Packet types other than SR/RR/SDES/BYE (APP, RTPFB, PSFB, XR, unknown) are skipped after
//   their length is checked; only the first packet's type is constrained.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/detail/bytes.hpp"
#include "rtsp/detail/divide.hpp"
#include "rtsp/result.hpp"

namespace rtsp::rtcp {

/// RTCP packet types (RFC 3550 §12.1).
inline constexpr std::uint8_t type_sr = 200;
inline constexpr std::uint8_t type_rr = 201;
inline constexpr std::uint8_t type_sdes = 202;
inline constexpr std::uint8_t type_bye = 203;
inline constexpr std::uint8_t type_app = 204;

/// SDES item type of the canonical name (RFC 3550 §6.5.1).
inline constexpr std::uint8_t sdes_cname = 1;

/// The longest CNAME an SDES item can carry (its length is one octet).
inline constexpr std::size_t max_cname_size = 255;

/// What a sender report says about our stream.
struct sender_info {
    std::uint32_t ssrc = 0;           ///< our RTP SSRC
    std::uint64_t ntp_timestamp = 0;  ///< wall-clock time, NTP 32.32 fixed point (1900 epoch)
    std::uint32_t rtp_timestamp = 0;  ///< the RTP timestamp corresponding to ntp_timestamp
    std::uint32_t packet_count = 0;   ///< RTP packets sent since the stream started (mod 2^32)
    std::uint32_t octet_count = 0;    ///< RTP payload octets sent (headers excluded, mod 2^32)
};

/// Bytes of an SR without report blocks.
inline constexpr std::size_t sender_report_size = 28;
/// Bytes of a BYE naming one SSRC, without a reason.
inline constexpr std::size_t bye_size = 8;

/// Bytes of an SDES packet with one chunk holding one CNAME of `cname_size` bytes: header,
/// SSRC, type and length octets, the text, then 1..4 null octets up to a 32-bit boundary.
[[nodiscard]] constexpr std::size_t sdes_cname_size(std::size_t cname_size) noexcept {
    return 4 + 4 + ((2 + cname_size + 1 + 3) / 4) * 4;
}

/// Bytes written by write_sender_report() for a CNAME of `cname_size` bytes.
[[nodiscard]] constexpr std::size_t sender_report_compound_size(std::size_t cname_size) noexcept {
    return sender_report_size + sdes_cname_size(cname_size);
}

/// Bytes written by write_bye() for a CNAME of `cname_size` bytes.
[[nodiscard]] constexpr std::size_t bye_compound_size(std::size_t cname_size) noexcept {
    return sender_report_compound_size(cname_size) + bye_size;
}

/// Unix time in microseconds -> NTP 32.32 fixed point (seconds since 1900; the fraction is
/// truncated, as FFmpeg's ff_ntp_time does). Seconds wrap modulo 2^32 (NTP era 1 from 2036).
[[nodiscard]] constexpr std::uint64_t ntp_from_unix_micros(std::uint64_t unix_us) noexcept {
    constexpr std::uint64_t unix_to_ntp_seconds = 2'208'988'800;  // 1900-01-01 .. 1970-01-01
    // divmod: no libgcc 64-bit division on 32-bit targets (rtsp/detail/divide.hpp).
    const auto s = rtsp::detail::divmod(unix_us, 1'000'000);
    const std::uint64_t seconds = s.quot + unix_to_ntp_seconds;
    const std::uint64_t fraction = rtsp::detail::divmod(std::uint64_t{s.rem} << 32, 1'000'000).quot;
    return (seconds << 32) | fraction;
}

namespace detail {

/// An RTCP header: V=2, P=0, the count field, the packet type, the length in 32-bit words
/// minus one.
inline void write_header(std::byte* p, unsigned count, std::uint8_t type,
                         std::size_t packet_bytes) noexcept {
    p[0] = std::byte(0x80 | count);
    p[1] = std::byte{type};
    rtsp::detail::store_be16(p + 2, static_cast<std::uint16_t>(packet_bytes / 4 - 1));
}

/// SR + SDES(CNAME), and BYE(s.ssrc) if `bye`: checks, then writes the compound.
[[nodiscard]] inline result<std::size_t> write_compound(const sender_info& s,
                                                        std::string_view cname,
                                                        std::span<std::byte> out,
                                                        bool bye) noexcept {
    if (cname.size() > max_cname_size) return fail(errc::invalid_argument);
    const std::size_t sdes = sdes_cname_size(cname.size());
    const std::size_t n = sender_report_size + sdes + (bye ? bye_size : 0);
    if (out.size() < n) return fail(errc::buffer_too_small);

    std::byte* p = out.data();
    write_header(p, 0, type_sr, sender_report_size);
    const std::uint32_t sr[] = {s.ssrc,
                                static_cast<std::uint32_t>(s.ntp_timestamp >> 32),
                                static_cast<std::uint32_t>(s.ntp_timestamp & 0xFFFF'FFFF),
                                s.rtp_timestamp,
                                s.packet_count,
                                s.octet_count};
    for (std::size_t i = 0; i < 6; ++i) rtsp::detail::store_be32(p + 4 + 4 * i, sr[i]);
    p += sender_report_size;

    write_header(p, 1, type_sdes, sdes);
    rtsp::detail::store_be32(p + 4, s.ssrc);
    p[8] = std::byte{sdes_cname};
    p[9] = std::byte(cname.size());
    // The text, then null octets: the first ends the item list, the rest pad the chunk to 32
    // bits.
    for (std::size_t i = 0; i < sdes - 10; ++i)
        p[10 + i] = i < cname.size() ? std::byte(static_cast<unsigned char>(cname[i])) : std::byte{0};
    p += sdes;

    if (bye) {
        write_header(p, 1, type_bye, bye_size);
        rtsp::detail::store_be32(p + 4, s.ssrc);
    }
    return n;
}

}  // namespace detail

/// Writes an SR (no report blocks) + SDES(CNAME) compound into `out`.
/// @return bytes written (sender_report_compound_size(cname.size())); invalid_argument if
///         cname exceeds 255 bytes; buffer_too_small if `out` is shorter (nothing written).
[[nodiscard]] inline result<std::size_t> write_sender_report(const sender_info& s,
                                                             std::string_view cname,
                                                             std::span<std::byte> out) noexcept {
    return detail::write_compound(s, cname, out, false);
}

/// Writes an SR + SDES(CNAME) + BYE(s.ssrc) compound into `out`: the last thing a stream
/// sends (VLC stops playback on it, so only at teardown).
/// @return bytes written (bye_compound_size(cname.size())); invalid_argument if cname exceeds
///         255 bytes; buffer_too_small if `out` is shorter (nothing written).
[[nodiscard]] inline result<std::size_t> write_bye(const sender_info& s, std::string_view cname,
                                                   std::span<std::byte> out) noexcept {
    return detail::write_compound(s, cname, out, true);
}

/// What an incoming compound packet contained. Counters saturate at 255.
struct summary {
    std::uint32_t sender_ssrc = 0;        ///< SSRC field of the first (SR or RR) packet
    std::uint8_t receiver_reports = 0;    ///< number of RR packets
    std::uint8_t sender_reports = 0;      ///< number of SR packets
    bool has_sdes = false;                ///< an SDES packet was present
    bool has_bye = false;                 ///< a BYE packet was present
    std::uint8_t packets = 0;             ///< RTCP packets of any type in the compound
};

namespace detail {

constexpr void saturating_increment(std::uint8_t& v) noexcept {
    if (v != 0xFF) ++v;
}

// Walks the SDES chunks of one packet body (`body` excludes the 4-byte header and any
// padding); `count` chunks, each an SSRC then items ended by a null octet and padded to a
// 32-bit boundary of the packet (the body starts at one).
[[nodiscard]] constexpr bool valid_sdes(std::span<const std::byte> body, unsigned count) noexcept {
    std::size_t pos = 0;
    for (unsigned c = 0; c < count; ++c) {
        if (body.size() - pos < 4) return false;
        pos += 4;  // SSRC/CSRC
        for (;;) {
            if (pos >= body.size()) return false;  // item list not terminated
            const auto item = std::to_integer<std::uint8_t>(body[pos]);
            if (item == 0) break;
            if (body.size() - pos < 2) return false;
            const std::size_t len = std::to_integer<std::uint8_t>(body[pos + 1]);
            if (body.size() - pos - 2 < len) return false;
            pos += 2 + len;
        }
        pos = (pos / 4 + 1) * 4;  // past the null octet(s) to the next 32-bit boundary
        if (pos > body.size()) return false;
    }
    return true;
}

// BYE: `count` SSRC/CSRCs, then an optional reason (length octet + text).
[[nodiscard]] constexpr bool valid_bye(std::span<const std::byte> body, unsigned count) noexcept {
    const std::size_t ids = std::size_t{count} * 4;
    if (body.size() < ids) return false;
    const std::size_t rest = body.size() - ids;
    if (rest == 0) return true;
    return std::size_t{std::to_integer<std::uint8_t>(body[ids])} + 1 <= rest;
}

}  // namespace detail

/// The cheap test the server uses for client liveness: `bytes` starts with an RTCP SR or RR
/// (RFC 3550 §6.1: every compound packet does) whose length fits. Stray bytes and RTP fail it;
/// parse() below validates a whole compound.
[[nodiscard]] constexpr bool starts_with_report(std::span<const std::byte> bytes) noexcept {
    if (bytes.size() < 8) return false;
    const auto b0 = std::to_integer<std::uint8_t>(bytes[0]);
    const auto type = std::to_integer<std::uint8_t>(bytes[1]);
    const std::size_t first = (std::size_t{rtsp::detail::load_be16(bytes.data() + 2)} + 1) * 4;
    return (b0 >> 6) == 2 && (type == type_sr || type == type_rr) && first <= bytes.size();
}

/// Validates and summarises an incoming compound RTCP packet (one datagram, or one
/// interleaved frame). Reads only within `compound`.
/// @return the summary, or rtcp_malformed when: the input is empty or not a whole number of
///         packets; a packet's version is not 2; a length field runs past the end; the first
///         packet is not SR or RR; an SR/RR/SDES/BYE count does not fit its length; a packet
///         other than the last has the padding bit; the last packet's padding count is 0 or
///         exceeds its payload.
[[nodiscard]] constexpr result<summary> parse(std::span<const std::byte> compound) noexcept {
    if (compound.empty()) return fail(errc::rtcp_malformed);
    summary s;
    std::size_t pos = 0;
    while (pos < compound.size()) {
        if (compound.size() - pos < 4) return fail(errc::rtcp_malformed);
        const std::byte* h = compound.data() + pos;
        const auto b0 = std::to_integer<std::uint8_t>(h[0]);
        const auto type = std::to_integer<std::uint8_t>(h[1]);
        const std::size_t bytes = (std::size_t{rtsp::detail::load_be16(h + 2)} + 1) * 4;
        const unsigned count = b0 & 0x1Fu;
        const bool padding = (b0 & 0x20u) != 0;

        if ((b0 >> 6) != 2) return fail(errc::rtcp_malformed);
        if (compound.size() - pos < bytes) return fail(errc::rtcp_malformed);
        const bool last = compound.size() - pos == bytes;
        if (pos == 0 && type != type_sr && type != type_rr) return fail(errc::rtcp_malformed);

        auto body = compound.subspan(pos + 4, bytes - 4);
        if (padding) {
            if (!last) return fail(errc::rtcp_malformed);
            if (body.empty()) return fail(errc::rtcp_malformed);
            // The last octet counts the padding octets, itself included.
            const std::size_t pad = std::to_integer<std::uint8_t>(body.back());
            if (pad == 0 || pad > body.size()) return fail(errc::rtcp_malformed);
            body = body.first(body.size() - pad);
        }

        switch (type) {
        case type_sr:
            if (body.size() < 24 + std::size_t{count} * 24) return fail(errc::rtcp_malformed);
            detail::saturating_increment(s.sender_reports);
            break;
        case type_rr:
            if (body.size() < 4 + std::size_t{count} * 24) return fail(errc::rtcp_malformed);
            detail::saturating_increment(s.receiver_reports);
            break;
        case type_sdes:
            if (!detail::valid_sdes(body, count)) return fail(errc::rtcp_malformed);
            s.has_sdes = true;
            break;
        case type_bye:
            if (!detail::valid_bye(body, count)) return fail(errc::rtcp_malformed);
            s.has_bye = true;
            break;
        default:
            break;  // APP, feedback, XR, unknown: length already checked
        }
        if (pos == 0) s.sender_ssrc = rtsp::detail::load_be32(body.data());
        detail::saturating_increment(s.packets);
        pos += bytes;
    }
    return s;
}

}  // namespace rtsp::rtcp
