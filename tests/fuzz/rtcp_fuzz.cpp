// SPDX-License-Identifier: MIT
// rtcp_fuzz.cpp - libFuzzer target for the RTCP compound parser (rtsp::rtcp::parse) and, fed
// from the same bytes, the SR/SDES/BYE writers.
//
// Receiver reports arrive from anyone on the UDP RTCP port and inside '$' frames, so parse()
// must survive every byte string. An accepted compound starts with SR or RR and counts at
// least one packet; a prefix of it cut inside a packet is refused (length fields are exact).
// The writers, given a sender_info and CNAME taken from the input, must produce exactly the
// size they announce and a compound our own parser accepts with the same SSRC.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include <rtsp/rtp/rtcp.hpp>

#include "fuzz_check.hpp"

using namespace rtsp;

namespace {

void check_writers(const std::uint8_t* data, std::size_t size) {
    rtcp::sender_info s;
    std::uint8_t raw[28] = {};
    std::memcpy(raw, data, size < sizeof raw ? size : sizeof raw);
    std::memcpy(&s.ssrc, raw, 4);
    std::memcpy(&s.ntp_timestamp, raw + 4, 8);
    std::memcpy(&s.rtp_timestamp, raw + 12, 4);
    std::memcpy(&s.packet_count, raw + 16, 4);
    std::memcpy(&s.octet_count, raw + 20, 4);
    const std::size_t skip = size < sizeof raw ? size : sizeof raw;
    const std::string_view cname(reinterpret_cast<const char*>(data + skip), size - skip);

    const std::size_t want = rtcp::sender_report_compound_size(cname.size());
    std::vector<std::byte> out(want);
    const auto n = rtcp::write_sender_report(s, cname, out);
    if (cname.size() > rtcp::max_cname_size) {
        FUZZ_CHECK(!n && n.error() == errc::invalid_argument);
        return;
    }
    FUZZ_CHECK(n && *n == want && want % 4 == 0);
    const auto p = rtcp::parse(out);
    FUZZ_CHECK(p && p->sender_ssrc == s.ssrc && p->sender_reports == 1 && p->has_sdes && !p->has_bye);
    FUZZ_CHECK(p->packets == 2);

    std::vector<std::byte> bye(rtcp::bye_compound_size(cname.size()));
    const auto b = rtcp::write_bye(s, cname, bye);
    FUZZ_CHECK(b && *b == bye.size());
    const auto pb = rtcp::parse(bye);
    FUZZ_CHECK(pb && pb->sender_ssrc == s.ssrc && pb->has_bye && pb->packets == 3);

    // One byte short: refused, nothing written past the (exactly sized) buffer.
    std::vector<std::byte> small(want - 1);
    const auto t = rtcp::write_sender_report(s, cname, small);
    FUZZ_CHECK(!t && t.error() == errc::buffer_too_small);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Exactly sized copy: parse() must not read one byte past the datagram.
    std::vector<std::byte> dgram(size);
    if (size) std::memcpy(dgram.data(), data, size);
    const auto r = rtcp::parse(dgram);
    if (r) {
        FUZZ_CHECK(size >= 8 && size % 4 == 0);
        FUZZ_CHECK(r->packets >= 1);
        FUZZ_CHECK(r->sender_reports + r->receiver_reports >= 1);
        FUZZ_CHECK(data[1] == rtcp::type_sr || data[1] == rtcp::type_rr);
        FUZZ_CHECK(r->sender_ssrc == detail::load_be32(dgram.data() + 4));
        // Cut anywhere that is not a packet boundary: refused.
        const std::size_t first = (std::size_t{detail::load_be16(dgram.data() + 2)} + 1) * 4;
        if (first > 4) {
            const auto cut = rtcp::parse(std::span<const std::byte>(dgram).first(first - 1));
            FUZZ_CHECK(!cut);
        }
    } else {
        FUZZ_CHECK(r.error() == errc::rtcp_malformed);
    }
    check_writers(data, size);
    return 0;
}
