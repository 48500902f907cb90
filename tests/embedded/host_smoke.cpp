// SPDX-License-Identifier: MIT
// host_smoke.cpp - runs rtsp_embedded_smoke() (pure_layers.cpp, built for the host here) on a
// real JPEG and checks what it wrote, so the code the Cortex-M7 tests compile and link is also
// known to work: consecutive RTP/JPEG datagrams that carry the scan exactly, then an SDP
// description, then an RTCP sender report. There is no Cortex-M7 to run it on in CI.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include <rtsp/jpeg/parser.hpp>
#include <rtsp/rtp/header.hpp>
#include <rtsp/rtp/jpeg_packetizer.hpp>
#include <rtsp/rtp/rtcp.hpp>

#include "jpeg_codec.hpp"

extern "C" int rtsp_embedded_smoke(const unsigned char* jpeg, unsigned len, unsigned char* out,
                                   unsigned cap);

extern "C" [[noreturn]] void rtsp_embedded_assert_failed(const char* expr, const char* file,
                                                         int line) {
    std::fprintf(stderr, "%s:%d: RTSP_ASSERT(%s) failed\n", file, line, expr);
    std::abort();
}

namespace {

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s\n", what);
        ++failures;
    }
}

int smoke(const std::vector<std::byte>& jpeg, std::vector<unsigned char>& out) {
    return rtsp_embedded_smoke(reinterpret_cast<const unsigned char*>(jpeg.data()),
                               static_cast<unsigned>(jpeg.size()), out.data(),
                               static_cast<unsigned>(out.size()));
}

}  // namespace

int main() {
    const auto jpeg = rtsp::test::encode_jpeg(rtsp::test::make_test_image(320, 240), {});
    check(!jpeg.empty(), "libjpeg made the test JPEG");
    const auto frame = rtsp::jpeg::parse(jpeg);
    check(frame.has_value(), "the host parses the test JPEG");
    if (failures != 0) return 1;
    const auto plan = rtsp::rtp::jpeg_packetizer::create(*frame, {});
    check(plan.has_value(), "the host plans the packets");
    if (failures != 0) return 1;

    std::vector<unsigned char> out(256 * 1024);
    const int written = smoke(jpeg, out);
    std::printf("rtsp_embedded_smoke: %d bytes for a %zu-byte JPEG in %zu packets\n", written,
                jpeg.size(), plan->packet_count());
    check(written > 0, "rtsp_embedded_smoke succeeds");
    if (failures != 0) return 1;
    const std::span<const std::byte> all{reinterpret_cast<const std::byte*>(out.data()),
                                         static_cast<std::size_t>(written)};

    // The datagrams, back to back: every packet but the last is exactly the MTU long, so
    // the host's own plan tells where each ends.
    std::size_t pos = 0, scan_offset = 0;
    std::byte expected_headers[rtsp::rtp::max_payload_header_size];
    for (std::size_t i = 0; i < plan->packet_count(); ++i) {
        const auto expected = plan->get(i, expected_headers);
        const std::size_t size = rtsp::rtp::header_size + expected.header_size + expected.scan.size();
        if (all.size() - pos < size) {
            check(false, "every packet is in the output");
            return 1;
        }
        const auto packet = rtsp::rtp::read(all.subspan(pos, size));
        check(packet.has_value(), "each datagram is a valid RTP packet");
        if (!packet) return 1;
        check(packet->hdr.payload_type == rtsp::rtp::payload_type_jpeg, "payload type 26");
        check(packet->hdr.sequence == static_cast<std::uint16_t>(0x1234 + i), "sequence numbers count up");
        check(packet->hdr.ssrc == 0xC0FFEE && packet->hdr.timestamp == 90000, "SSRC and timestamp");
        check(packet->hdr.marker == (i + 1 == plan->packet_count()), "marker on the last packet only");
        check(std::memcmp(packet->payload.data(), expected_headers, expected.header_size) == 0,
              "RFC 2435 headers as planned");
        check(std::memcmp(packet->payload.data() + expected.header_size,
                          frame->scan.data() + scan_offset, expected.scan.size()) == 0,
              "the scan slice follows, in order");
        scan_offset += expected.scan.size();
        pos += size;
    }
    check(scan_offset == frame->scan.size(), "the packets carry the whole scan");

    // Then the SDP text, then the RTCP compound (SR + SDES, a whole number of 32-bit words).
    const std::string_view rest{reinterpret_cast<const char*>(all.data()) + pos, all.size() - pos};
    const auto rtcp_at = rest.find("\r\n\x80\xC8");  // end of SDP, then V=2 RC=0 PT=SR
    check(rest.substr(0, 5) == "v=0\r\n", "SDP follows the packets");
    check(rest.find("m=video 0 RTP/AVP 26\r\n") != std::string_view::npos, "SDP has the JPEG media line");
    check(rtcp_at != std::string_view::npos, "an RTCP sender report follows the SDP");
    if (rtcp_at != std::string_view::npos) {
        const auto report = rtsp::rtcp::parse(all.subspan(pos + rtcp_at + 2));
        check(report.has_value(), "the RTCP compound is valid");
        if (report) {
            check(report->sender_reports == 1 && report->has_sdes && report->sender_ssrc == 0xC0FFEE,
                  "one SR with SDES, from our SSRC");
        }
    }

    // Errors come back as a negative code naming the step: a truncated JPEG fails in parse.
    const std::vector<std::byte> truncated(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
    const int bad = smoke(truncated, out);
    check(bad < 0 && -bad / 1000 == 2, "a truncated JPEG fails at the parse step");
    // ... and a staging buffer one byte too small is refused, not overrun.
    std::vector<unsigned char> small(static_cast<std::size_t>(written) - 1);
    check(smoke(jpeg, small) < 0, "a too-small staging buffer is an error");

    if (failures == 0) std::printf("all checks passed\n");
    return failures == 0 ? 0 : 1;
}
