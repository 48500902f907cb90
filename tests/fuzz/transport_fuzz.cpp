// SPDX-License-Identifier: MIT
// transport_fuzz.cpp - libFuzzer target for the SETUP Transport header:
// rtsp::protocol::select_transport and write_transport_reply.
//
// Input: one flags byte (bit 0: UDP allowed, bit 1: TCP allowed, bit 2: multicast allowed, the
// rest seeds the server ports and SSRC), then the header value. An accepted alternative must satisfy what the server
// relies on (even RTP port, RTCP = RTP + 1, allowed lower transport, views inside the value),
// and the reply written for it must parse back to the same ports/channels, so a client reading
// our reply sees what it asked for. The reply is written into a buffer of every size up to its
// length, each exactly sized on the heap, so ASan sees any write past the end.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rtsp/protocol/transport.hpp>

#include "fuzz_check.hpp"

namespace proto = rtsp::protocol;
using rtsp::fuzz::within;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t flags = data[0];
    const bool udp_ok = (flags & 1) != 0, tcp_ok = (flags & 2) != 0, mc_ok = (flags & 4) != 0;
    const std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);

    const auto r = proto::select_transport(value, udp_ok, tcp_ok, mc_ok);
    if (!r) {
        FUZZ_CHECK(r.error() == rtsp::errc::bad_transport ||
                   r.error() == rtsp::errc::unsupported_transport);
        return 0;
    }
    FUZZ_CHECK(within(r->destination, value) && within(r->ssrc, value));
    const auto server_rtp = static_cast<std::uint16_t>(flags * 257u);
    const std::uint32_t ssrc = 0x9E3779B9u * (flags + 1u);
    if (r->multicast) {
        // Only when offered, only over UDP, and the client's ports are not taken.
        FUZZ_CHECK(mc_ok && r->lower == proto::lower_transport::udp && r->client_rtp_port == 0);
        const auto group = rtsp::net::address::v4(239, 255, flags, 1, static_cast<std::uint16_t>(server_rtp & 0xFFFEu));
        std::vector<char> big(256);
        const auto n = proto::write_multicast_transport_reply(group, flags, ssrc, big);
        FUZZ_CHECK(n && *n <= big.size());
        const auto back = proto::select_transport(std::string_view(big.data(), *n), false, false, true);
        FUZZ_CHECK(back && back->multicast && back->ssrc.size() == 8);
        for (std::size_t cap = 0; cap < *n; ++cap) {
            std::vector<char> small(cap);
            const auto s = proto::write_multicast_transport_reply(group, flags, ssrc, small);
            FUZZ_CHECK(!s && s.error() == rtsp::errc::buffer_too_small);
        }
        return 0;
    }
    FUZZ_CHECK(udp_ok || tcp_ok);
    if (r->lower == proto::lower_transport::udp) {
        FUZZ_CHECK(udp_ok);
        FUZZ_CHECK(r->client_rtp_port != 0 && r->client_rtp_port % 2 == 0);
        FUZZ_CHECK(r->client_rtcp_port == r->client_rtp_port + 1);
    } else {
        FUZZ_CHECK(tcp_ok);
        FUZZ_CHECK(r->interleaved_rtcp == r->interleaved_rtp + 1);
    }
    // The first acceptable alternative wins whatever follows it: the same header with a valid
    // alternative appended gives the same choice (quotes are balanced in an accepted value,
    // so the added ',' is a separator).
    {
        std::string longer(value);
        longer += ",RTP/AVP/TCP;unicast;interleaved=8-9";
        const auto again = proto::select_transport(longer, udp_ok, tcp_ok, mc_ok);
        FUZZ_CHECK(again && again->lower == r->lower);
        FUZZ_CHECK(again->client_rtp_port == r->client_rtp_port);
        FUZZ_CHECK(again->interleaved_rtp == r->interleaved_rtp);
    }

    // The reply, and what a client parsing it would see.
    const auto server_rtcp = static_cast<std::uint16_t>(server_rtp + 1u);
    std::vector<char> big(256);
    const auto n = proto::write_transport_reply(*r, server_rtp, server_rtcp, ssrc, big);
    FUZZ_CHECK(n && *n <= big.size());
    const std::string_view reply(big.data(), *n);
    const auto back = proto::select_transport(reply, true, true);
    FUZZ_CHECK(back && back->lower == r->lower);
    if (r->lower == proto::lower_transport::udp) {
        FUZZ_CHECK(back->client_rtp_port == r->client_rtp_port);
        FUZZ_CHECK(back->client_rtcp_port == r->client_rtcp_port);
    } else {
        FUZZ_CHECK(back->has_interleaved);
        FUZZ_CHECK(back->interleaved_rtp == r->interleaved_rtp);
        FUZZ_CHECK(back->interleaved_rtcp == r->interleaved_rtcp);
    }
    FUZZ_CHECK(back->ssrc.size() == 8);
    for (std::size_t cap = 0; cap < *n; ++cap) {
        std::vector<char> small(cap);
        const auto s = proto::write_transport_reply(*r, server_rtp, server_rtcp, ssrc, small);
        FUZZ_CHECK(!s && s.error() == rtsp::errc::buffer_too_small);
    }
    return 0;
}
