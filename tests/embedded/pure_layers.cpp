// SPDX-License-Identifier: MIT
// pure_layers.cpp - the pure layers (JPEG parser, RFC 2435 packetizer, RTP/RTCP writers, SDP
// writer, RTSP request parser) compiled for a Cortex-M7 with arm-none-eabi-g++, -fno-exceptions
// -fno-rtti -Os -Werror (CTest label `cross`, see CMakeLists.txt next to this file).
//
// Including the headers is not enough: templates and constexpr functions are only checked
// when instantiated, so rtsp_embedded_smoke() runs one frame through every layer the way
// firmware does (parse, packetize into a staging buffer, describe) and has external linkage,
// so the optimizer must keep all of it. bare_metal_main.cpp links it into a program whose
// malloc/free/operator new cannot be linked: any heap use anywhere in here breaks the build.

// Firmware routes precondition failures to its own handler instead of assert() (whose newlib
// implementation drags in fprintf and, through stdio buffers, malloc).
extern "C" [[noreturn]] void rtsp_embedded_assert_failed(const char* expr, const char* file,
                                                         int line);
#define RTSP_ASSERT_HANDLER(expr, file, line) rtsp_embedded_assert_failed(expr, file, line)

// Every pure header that exists, generated at test time (run_cross_build.cmake globs them), so a
// new header is compiled for the target without anyone editing this file.
#if __has_include("rtsp_embedded_all_headers.hpp")
#include "rtsp_embedded_all_headers.hpp"
#endif

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <rtsp/error.hpp>
#include <rtsp/result.hpp>
#include <rtsp/detail/ascii.hpp>
#include <rtsp/detail/bytes.hpp>
#include <rtsp/jpeg/frame.hpp>
#include <rtsp/rtp/header.hpp>

#include <rtsp/jpeg/parser.hpp>
#include <rtsp/jpeg/standard_tables.hpp>
#include <rtsp/rtp/jpeg_packetizer.hpp>
#include <rtsp/rtp/rtcp.hpp>
#include <rtsp/sdp/writer.hpp>
#include <rtsp/protocol/request_parser.hpp>
#include <rtsp/net/address.hpp>
#include <rtsp/frame_source.hpp>
#include <rtsp/concepts.hpp>

namespace {

// Negative results of rtsp_embedded_smoke: -(1000 * step + errc).
int failed(int step, rtsp::errc e) {
    return -(1000 * step + static_cast<int>(e));
}

constexpr std::string_view options_request =
    "OPTIONS rtsp://192.168.1.10/stream RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: smoke\r\n\r\n";

}  // namespace

/// Runs one JPEG through the pure layers as firmware would: RTSP request parse, JPEG parse,
/// RFC 2435 packetization with each datagram gathered into `out` (RTP header, payload headers,
/// scan slice) one after another, an SDP description and an RTCP sender report.
/// @return bytes written to `out`, or a negative code (see failed()) on the first error.
extern "C" int rtsp_embedded_smoke(const unsigned char* jpeg, unsigned len, unsigned char* out,
                                   unsigned cap) {
    const std::span<const std::byte> input{reinterpret_cast<const std::byte*>(jpeg), len};
    const std::span<std::byte> staging{reinterpret_cast<std::byte*>(out), cap};
    std::size_t used = 0;

    {
        const auto req = rtsp::protocol::parse_request<24>(options_request);
        if (!req) return failed(1, req.error());
    }

    rtsp::jpeg::frame frame{};
    {
        auto parsed = rtsp::jpeg::parse(input);
        if (!parsed) return failed(2, parsed.error());
        frame = *parsed;
    }

    {
        auto created = rtsp::rtp::jpeg_packetizer::create(frame, {});
        if (!created) return failed(3, created.error());
        const auto& packetizer = *created;
        rtsp::rtp::header rtp{};
        rtp.sequence = 0x1234;
        rtp.timestamp = 90000;
        rtp.ssrc = 0xC0FFEE;
        std::byte payload_header[rtsp::rtp::max_payload_header_size];
        for (std::size_t i = 0; i < packetizer.packet_count(); ++i) {
            const auto packet = packetizer.get(i, payload_header);
            const std::size_t size = rtsp::rtp::header_size + packet.header_size + packet.scan.size();
            if (staging.size() - used < size) return failed(4, rtsp::errc::buffer_too_small);
            rtp.marker = packet.last;
            rtsp::rtp::write(rtp, staging.subspan(used).first<rtsp::rtp::header_size>());
            rtsp::detail::byte_writer w{staging.subspan(used + rtsp::rtp::header_size,
                                                        size - rtsp::rtp::header_size)};
            w.bytes(std::span<const std::byte>{payload_header, packet.header_size});
            w.bytes(packet.scan);
            if (w.overflow()) return failed(4, rtsp::errc::buffer_too_small);
            used += size;
            ++rtp.sequence;
        }
    }

    {
        rtsp::sdp::description d{};
        d.session_id = 1;
        d.origin_address = "192.168.1.10";
        d.width = frame.width;
        d.height = frame.height;
        d.framerate = 15;
        const std::span<char> text{reinterpret_cast<char*>(out) + used, cap - used};
        const auto written = rtsp::sdp::write(d, text);
        if (!written) return failed(5, written.error());
        used += *written;
    }

    {
        rtsp::rtcp::sender_info s{};
        s.ssrc = 0xC0FFEE;
        s.rtp_timestamp = 90000;
        s.packet_count = 1;
        s.octet_count = static_cast<std::uint32_t>(frame.scan.size());
        const auto written = rtsp::rtcp::write_sender_report(s, "camera@winc1500", staging.subspan(used));
        if (!written) return failed(6, written.error());
        used += *written;
    }

    return static_cast<int>(used);
}
