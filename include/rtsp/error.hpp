// SPDX-License-Identifier: MIT
// rtsp/error.hpp - the library's one error vocabulary.
//
// Every fallible operation in the library returns rtsp::result<T> (rtsp/result.hpp) holding
// either a value or one of these codes. There are no exceptions and no RTTI. Each enumerator
// names one specific reason so that a caller (or a log line) can tell exactly what was wrong;
// to_string() gives a short human-readable message without allocating.
//
// need_more is the one non-fatal code: an incremental parser returns it when the input so far
// is a valid prefix and more bytes are needed.
#pragma once

#include <cstdint>
#include <string_view>

namespace rtsp {

enum class errc : std::uint8_t {
    // --- general -------------------------------------------------------------------------
    need_more = 1,          ///< valid so far; feed more bytes (not an error)
    buffer_too_small,       ///< the caller's output buffer cannot hold the result
    invalid_argument,       ///< a parameter is outside its documented range

    // --- JPEG input (rtsp/jpeg/parser.hpp): what RFC 2435 cannot carry, or broken data ----
    jpeg_not_jpeg,              ///< does not start with SOI (FF D8)
    jpeg_truncated,             ///< ends inside a segment, or before the scan / EOI
    jpeg_bad_segment,           ///< a segment length or marker is inconsistent
    jpeg_progressive,           ///< progressive DCT (SOF2/SOF6/SOF10/SOF14)
    jpeg_extended,              ///< extended sequential DCT (SOF1)
    jpeg_lossless,              ///< lossless or hierarchical coding (SOF3/5/7/...)
    jpeg_arithmetic,            ///< arithmetic entropy coding (SOF9 and up, DAC)
    jpeg_precision,             ///< sample precision other than 8 bits (e.g. 12-bit)
    jpeg_component_count,       ///< not exactly 3 components (grayscale, CMYK, ...)
    jpeg_chroma_sampling,       ///< a chroma component's sampling is not 1x1
    jpeg_luma_sampling,         ///< luma sampling is not 2x1 (4:2:2) or 2x2 (4:2:0), e.g. 4:4:4
    jpeg_nonstandard_huffman,   ///< a DHT differs from the standard tables of JPEG Annex K.3
    jpeg_multiple_scans,        ///< more than one SOS, or a scan that is not interleaved
    jpeg_zero_dimension,        ///< width or height is 0 (DNL-defined height included)
    jpeg_missing_frame_header,  ///< no SOF0 before the scan
    jpeg_missing_quant_table,   ///< a component selects a quantization table never defined
    jpeg_bad_quant_table,       ///< DQT with a table id > 3 or a bad precision nibble
    jpeg_bad_restart_interval,  ///< DRI segment of the wrong length
    jpeg_too_large,             ///< scan larger than RFC 2435's 24-bit fragment offset allows
    jpeg_scan_too_short,        ///< the scan cannot hold the MCUs its frame header claims

    // --- RTP / RFC 2435 packetizer -------------------------------------------------------
    mtu_too_small,          ///< the MTU leaves no room for scan data after the headers
    rtcp_malformed,         ///< an incoming RTCP compound packet is not well formed
    rtp_malformed,          ///< an RTP packet is not version 2 or shorter than its header says

    // --- RTSP requests (rtsp/protocol/) --------------------------------------------------
    request_too_large,      ///< request head exceeds the configured byte limit (400)
    line_too_long,          ///< one line exceeds the configured length limit (400)
    too_many_headers,       ///< more header fields than the configured limit (400)
    bad_request_line,       ///< request line is not "METHOD URI RTSP/x.y" (400)
    bad_header,             ///< a header line without a colon, or with a NUL/CTL byte (400)
    bad_version,            ///< protocol version is not RTSP/1.0 (505)
    bad_content_length,     ///< Content-Length missing digits, negative or overflowing (400)
    body_too_large,         ///< Content-Length above the configured cap (413)
    bad_interleaved_frame,  ///< a '$' frame header that cannot be valid
    bad_transport,          ///< Transport header cannot be parsed (400)
    unsupported_transport,  ///< no alternative in Transport is one we serve (461)
    bad_url,                ///< request URI cannot be parsed (400)
    not_a_tunnel,           ///< an HTTP request that is not half of an RTSP-over-HTTP tunnel
    bad_base64,             ///< tunnelled request bytes that are not base64

    // --- network adapters -----------------------------------------------------------------
    would_block,            ///< the operation would block; try again later (not fatal)
    connection_closed,      ///< the peer closed the connection
    connection_reset,       ///< the connection was reset or failed
    address_in_use,         ///< the listening port is taken
    no_resources,           ///< out of sockets, sessions or buffer space
    network_error,          ///< any other failure of the underlying stack

    // --- WiFi bring-up (rtsp/adapters/winc1500.hpp) --------------------------------------
    wifi_wrong_key,         ///< the access point refused the key
    wifi_no_ip,             ///< associated, but no IP address was obtained
    wifi_timeout,           ///< the connection did not complete in time

    // --- encoder --------------------------------------------------------------------------
    encoder_failed,         ///< the JPEG encoder reported a failure
    unsupported_pixel_format,  ///< the encoder cannot compress this image format
};

/// A short, static, human-readable description of `e` (never empty, never allocates).
constexpr std::string_view to_string(errc e) noexcept {
    switch (e) {
    case errc::need_more: return "need more input";
    case errc::buffer_too_small: return "output buffer too small";
    case errc::invalid_argument: return "invalid argument";
    case errc::jpeg_not_jpeg: return "not a JPEG (no SOI marker)";
    case errc::jpeg_truncated: return "JPEG truncated";
    case errc::jpeg_bad_segment: return "JPEG segment length or marker inconsistent";
    case errc::jpeg_progressive: return "progressive JPEG cannot be sent over RFC 2435";
    case errc::jpeg_extended: return "extended sequential JPEG (SOF1) cannot be sent over RFC 2435";
    case errc::jpeg_lossless: return "lossless or hierarchical JPEG cannot be sent over RFC 2435";
    case errc::jpeg_arithmetic: return "arithmetic-coded JPEG cannot be sent over RFC 2435";
    case errc::jpeg_precision: return "JPEG sample precision is not 8 bits";
    case errc::jpeg_component_count: return "JPEG does not have exactly 3 components";
    case errc::jpeg_chroma_sampling: return "JPEG chroma sampling is not 1x1";
    case errc::jpeg_luma_sampling: return "JPEG luma sampling is not 2x1 (4:2:2) or 2x2 (4:2:0)";
    case errc::jpeg_nonstandard_huffman: return "JPEG Huffman tables are not the standard ones";
    case errc::jpeg_multiple_scans: return "JPEG has more than one scan or a non-interleaved scan";
    case errc::jpeg_zero_dimension: return "JPEG width or height is zero";
    case errc::jpeg_missing_frame_header: return "JPEG has no baseline frame header (SOF0)";
    case errc::jpeg_missing_quant_table: return "JPEG component uses an undefined quantization table";
    case errc::jpeg_bad_quant_table: return "JPEG quantization table segment is invalid";
    case errc::jpeg_bad_restart_interval: return "JPEG restart interval segment is invalid";
    case errc::jpeg_too_large: return "JPEG scan exceeds the 16 MiB RFC 2435 limit";
    case errc::jpeg_scan_too_short: return "JPEG scan too short for the frame size it declares";
    case errc::mtu_too_small: return "MTU too small for the RTP/JPEG headers";
    case errc::rtcp_malformed: return "malformed RTCP packet";
    case errc::rtp_malformed: return "malformed RTP packet";
    case errc::request_too_large: return "request header too large";
    case errc::line_too_long: return "request line or header line too long";
    case errc::too_many_headers: return "too many header fields";
    case errc::bad_request_line: return "malformed request line";
    case errc::bad_header: return "malformed header field";
    case errc::bad_version: return "RTSP version not supported";
    case errc::bad_content_length: return "invalid Content-Length";
    case errc::body_too_large: return "request body too large";
    case errc::bad_interleaved_frame: return "invalid interleaved frame";
    case errc::bad_transport: return "malformed Transport header";
    case errc::unsupported_transport: return "no supported transport offered";
    case errc::bad_url: return "malformed request URL";
    case errc::not_a_tunnel: return "HTTP request is not a GET or POST with an x-sessioncookie";
    case errc::bad_base64: return "tunnelled RTSP request is not base64";
    case errc::would_block: return "operation would block";
    case errc::connection_closed: return "connection closed by peer";
    case errc::connection_reset: return "connection reset";
    case errc::address_in_use: return "address already in use";
    case errc::no_resources: return "out of resources";
    case errc::network_error: return "network error";
    case errc::wifi_wrong_key: return "WiFi key rejected";
    case errc::wifi_no_ip: return "WiFi connected but no IP address obtained";
    case errc::wifi_timeout: return "WiFi connection timed out";
    case errc::encoder_failed: return "JPEG encoder failed";
    case errc::unsupported_pixel_format: return "pixel format not supported by the encoder";
    }
    return "unknown error";
}

}  // namespace rtsp
