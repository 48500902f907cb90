// SPDX-License-Identifier: MIT
// rtsp/protocol/request_parser.hpp - stateless RTSP 1.0 request parser and '$' frame headers.
//
// picohttpparser-style: the server keeps a connection's received bytes in its own buffer and
// calls parse_request() on the buffer start whenever more bytes arrive. There is no state
// between calls and no copying: the returned request holds views into the caller's buffer,
// valid until the caller drops or moves those bytes. Everything is bounded by `limits`, so a
// hostile peer cannot make the parser (or the server's buffer) grow: a limit error is reported
// as soon as the buffer has crossed it, never after waiting for more input.
//
// The scan walks the bytes once, in order, and reports the first problem at the byte where it
// becomes certain. A prefix of a buffer therefore yields either need_more or exactly the result
// of the whole buffer, so the outcome does not depend on how TCP split the stream.
//
// Clients also send RTP/RTCP between requests on the same connection, framed as '$', channel,
// 16-bit length (RFC 2326 §10.12). The server checks starts_interleaved() at each message start
// and skips or reads such frames with parse_interleaved_header() before calling parse_request().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtsp/detail/ascii.hpp"
#include "rtsp/detail/bytes.hpp"
#include "rtsp/error.hpp"
#include "rtsp/protocol/detail/slice.hpp"
#include "rtsp/protocol/method.hpp"
#include "rtsp/result.hpp"

namespace rtsp::protocol {

/// One header line. Both views point into the parsed buffer.
struct header_field {
    std::string_view name;   ///< as sent (compare with iequals: names are case-insensitive)
    std::string_view value;  ///< leading and trailing SP/HT removed
};

/// Bounds on one request. Exceeding one is a framing error: the server answers and closes.
struct limits {
    std::size_t max_head_bytes = 4096;  ///< leading blank lines + request line + headers + blank line
    std::size_t max_line_bytes = 1024;  ///< any single line, its CR LF / LF excluded
    std::size_t max_body_bytes = 4096;  ///< Content-Length above this is body_too_large
};

/// A parsed request: views into the caller's buffer plus a fixed array of header fields.
template <std::size_t MaxHeaders = 24>
struct request {
    static_assert(MaxHeaders > 0, "a request needs room for at least one header (CSeq)");

    method verb = method::unknown;    ///< parse_method(method_token)
    std::string_view method_token;    ///< the method as sent (e.g. "options", "GET")
    std::string_view uri;             ///< the Request-URI as sent; see parse_url()
    std::string_view version;         ///< e.g. "RTSP/1.0"; not checked here (the server answers 505)
    std::array<header_field, MaxHeaders> fields{};
    std::size_t field_count = 0;
    std::string_view body;            ///< the Content-Length bytes after the head
    std::size_t consumed = 0;         ///< head + body: bytes to drop from the buffer

    /// The first field named `name` (case-insensitive), or nullopt.
    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept {
        for (const auto& f : headers())
            if (rtsp::detail::iequals(f.name, name)) return f.value;
        return std::nullopt;
    }
    /// How many fields are named `name` (case-insensitive); lets the server refuse duplicates.
    [[nodiscard]] std::size_t count(std::string_view name) const noexcept {
        std::size_t n = 0;
        for (const auto& f : headers())
            if (rtsp::detail::iequals(f.name, name)) ++n;
        return n;
    }
    /// All fields, in the order received.
    [[nodiscard]] std::span<const header_field> headers() const noexcept {
        return std::span<const header_field>(fields.data(), field_count);
    }
};

namespace detail {

/// RFC 7230 tchar: the characters of a method name or a header field name.
[[nodiscard]] constexpr bool is_tchar(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

/// The size-independent part of a parsed request (the header array is passed as a span).
struct request_parse_out {
    std::string_view method_token, uri, version, body;
    std::size_t field_count = 0;
    std::size_t consumed = 0;
};

/// The parser proper, shared by every MaxHeaders: returns errc{} on success.
[[nodiscard]] inline errc parse_request_into(std::string_view buf, const limits& lim,
                                             std::span<header_field> fields,
                                             request_parse_out& out) noexcept {
    using rtsp::detail::is_ctl;
    enum class st : std::uint8_t {
        lead,        // before the request line: empty lines are skipped
        lead_cr,     // CR of a leading empty line
        method,      // request line, first token
        uri,         // request line, second token
        version,     // request line, third token
        request_cr,  // CR ending the request line
        line_start,  // first byte of a header line or of the empty line ending the head
        name,        // header name, up to ':'
        value,       // header value, up to the line end
        header_cr,   // CR ending a header line
        blank_cr,    // CR of the empty line ending the head
    };
    st s = st::lead;
    std::size_t line_begin = 0;  // first byte of the current line
    std::size_t tok = 0;         // first byte of the current token / header name
    std::size_t colon = 0;       // the ':' of the current header line
    std::size_t nf = 0;
    std::optional<std::uint64_t> content_length;
    std::size_t head_end = 0;

    for (std::size_t i = 0; i < buf.size(); ++i) {
        const char c = buf[i];
        const bool eol = c == '\r' || c == '\n';
        bool content = false;  // c belongs to a line's text (counts toward max_line_bytes)
        switch (s) {
        case st::lead:
            if (c == '\n') break;
            if (c == '\r') { s = st::lead_cr; break; }
            line_begin = tok = i;
            s = st::method;
            [[fallthrough]];
        case st::method:
            content = true;
            if (c == ' ') {
                if (i == tok) return errc::bad_request_line;  // empty method
                out.method_token = detail::slice(buf, tok, i - tok);
                tok = i + 1;
                s = st::uri;
            } else if (!is_tchar(c)) {
                return errc::bad_request_line;  // CTL, HT, a line end before the URI, ...
            }
            break;
        case st::lead_cr:
            if (c != '\n') return errc::bad_request_line;  // CR must be part of CR LF
            s = st::lead;
            break;
        case st::uri:
            if (eol || c == '\t' || is_ctl(c)) return errc::bad_request_line;
            content = true;
            if (c == ' ') {
                if (i == tok) return errc::bad_request_line;  // empty URI (two spaces)
                out.uri = detail::slice(buf, tok, i - tok);
                tok = i + 1;
                s = st::version;
            }
            break;
        case st::version:
            if (eol) {
                out.version = detail::slice(buf, tok, i - tok);
                // The version itself is the server's business (505), but anything that does
                // not even look like one means this is not an RTSP/HTTP request line.
                if (out.version.size() <= 5 ||
                    (detail::slice(out.version, 0, 5) != "RTSP/" && detail::slice(out.version, 0, 5) != "HTTP/"))
                    return errc::bad_request_line;
                s = c == '\r' ? st::request_cr : st::line_start;
            } else if (c == ' ' || c == '\t' || is_ctl(c)) {
                return errc::bad_request_line;  // a fourth field, or a control byte
            } else {
                content = true;
            }
            break;
        case st::request_cr:
            if (c != '\n') return errc::bad_request_line;
            s = st::line_start;
            break;
        case st::line_start:
            if (c == '\n') { head_end = i + 1; break; }
            if (c == '\r') { s = st::blank_cr; break; }
            // obs-fold (RFC 7230 §3.2.4): a continuation line is refused, not joined, so a
            // header's value is always one contiguous view and cannot be grown without bound.
            if (c == ' ' || c == '\t') return errc::bad_header;
            if (nf == fields.size()) return errc::too_many_headers;
            line_begin = tok = i;
            s = st::name;
            [[fallthrough]];
        case st::name:
            content = true;
            if (c == ':') {
                if (i == tok) return errc::bad_header;  // empty name
                colon = i;
                s = st::value;
            } else if (!is_tchar(c)) {
                return errc::bad_header;  // no colon on the line, SP before ':', CTL, ...
            }
            break;
        case st::value:
            if (eol) {
                const auto name = detail::slice(buf, tok, colon - tok);
                const auto value = rtsp::detail::trim(detail::slice(buf, colon + 1, i - colon - 1));
                fields[nf++] = header_field{name, value};
                if (rtsp::detail::iequals(name, "Content-Length")) {
                    // Checked here, before any body byte is awaited: a bogus or huge length
                    // must not make the server sit on a half-read request.
                    const auto n = rtsp::detail::parse_unsigned<std::uint64_t>(value);
                    if (!n || (content_length && *content_length != *n))
                        return errc::bad_content_length;
                    if (*n > lim.max_body_bytes) return errc::body_too_large;
                    content_length = n;
                }
                s = c == '\r' ? st::header_cr : st::line_start;
            } else if (is_ctl(c)) {
                return errc::bad_header;  // NUL, a lone CR inside the value, DEL, ...
            } else {
                content = true;
            }
            break;
        case st::header_cr:
            if (c != '\n') return errc::bad_header;
            s = st::line_start;
            break;
        case st::blank_cr:
            if (c != '\n') return errc::bad_header;
            head_end = i + 1;
            break;
        }
        if (head_end != 0) break;
        if (content && i + 1 - line_begin > lim.max_line_bytes) return errc::line_too_long;
        // The head is unfinished and needs at least one more byte, which would exceed the cap.
        if (i + 1 >= lim.max_head_bytes) return errc::request_too_large;
    }
    if (head_end == 0) return errc::need_more;

    const std::size_t body_len = content_length ? static_cast<std::size_t>(*content_length) : 0;
    if (buf.size() - head_end < body_len) return errc::need_more;
    out.body = detail::slice(buf, head_end, body_len);
    out.field_count = nf;
    out.consumed = head_end + body_len;
    return errc{};
}

}  // namespace detail

/// Parses the request at the start of `buffer`.
/// @return the request (views into `buffer`; drop `consumed` bytes afterwards); errc::need_more
///         when `buffer` is a valid, unfinished prefix; otherwise a framing error after which the
///         connection cannot be resynchronized: request_too_large, line_too_long,
///         too_many_headers, bad_request_line, bad_header, bad_content_length, body_too_large.
/// Line ends are CR LF or a bare LF. Empty lines before the request line (CR LF between
/// pipelined requests) are skipped and counted in `consumed` and in max_head_bytes.
template <std::size_t MaxHeaders = 24>
[[nodiscard]] result<request<MaxHeaders>> parse_request(std::string_view buffer,
                                                        const limits& lim = {}) noexcept {
    request<MaxHeaders> r;
    detail::request_parse_out out;
    if (const errc e = detail::parse_request_into(buffer, lim, r.fields, out); e != errc{})
        return fail(e);
    r.method_token = out.method_token;
    r.verb = parse_method(out.method_token);
    r.uri = out.uri;
    r.version = out.version;
    r.field_count = out.field_count;
    r.body = out.body;
    r.consumed = out.consumed;
    return r;
}

// --- interleaved binary data (RFC 2326 §10.12) ----------------------------------------------

/// The 4-byte header of an interleaved frame: '$', channel, 16-bit big-endian length.
struct interleaved_header {
    std::uint8_t channel;
    std::uint16_t length;  ///< payload bytes that follow the header (0 is legal)
};
inline constexpr std::size_t interleaved_header_size = 4;

/// True when the next message in `buffer` is an interleaved frame rather than a request.
[[nodiscard]] constexpr bool starts_interleaved(std::span<const std::byte> buffer) noexcept {
    return !buffer.empty() && buffer[0] == std::byte{'$'};
}
[[nodiscard]] constexpr bool starts_interleaved(std::string_view buffer) noexcept {
    return !buffer.empty() && buffer[0] == '$';
}

/// The frame header at the start of `buffer`: need_more if fewer than 4 bytes,
/// bad_interleaved_frame if it does not start with '$'.
[[nodiscard]] constexpr result<interleaved_header> parse_interleaved_header(
    std::span<const std::byte> buffer) noexcept {
    if (buffer.empty()) return fail(errc::need_more);
    if (buffer[0] != std::byte{'$'}) return fail(errc::bad_interleaved_frame);
    if (buffer.size() < interleaved_header_size) return fail(errc::need_more);
    return interleaved_header{std::to_integer<std::uint8_t>(buffer[1]),
                              rtsp::detail::load_be16(buffer.data() + 2)};
}
/// Same, for a buffer kept as characters.
[[nodiscard]] constexpr result<interleaved_header> parse_interleaved_header(
    std::string_view buffer) noexcept {
    if (buffer.empty()) return fail(errc::need_more);
    if (buffer[0] != '$') return fail(errc::bad_interleaved_frame);
    if (buffer.size() < interleaved_header_size) return fail(errc::need_more);
    const auto hi = static_cast<unsigned char>(buffer[2]);
    const auto lo = static_cast<unsigned char>(buffer[3]);
    return interleaved_header{static_cast<std::uint8_t>(buffer[1]),
                              static_cast<std::uint16_t>((hi << 8) | lo)};
}

/// Writes the 4-byte header of a frame carrying `length` bytes on `channel`.
constexpr void write_interleaved_header(std::uint8_t channel, std::uint16_t length,
                                        std::span<std::byte, 4> out) noexcept {
    out[0] = std::byte{'$'};
    out[1] = std::byte{channel};
    rtsp::detail::store_be16(out.data() + 2, length);
}

}  // namespace rtsp::protocol
