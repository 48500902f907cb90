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
    /// The same for a name given as a literal (compared without building a string_view).
    [[nodiscard]] std::optional<std::string_view> header(const char* name) const noexcept {
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
inline constexpr rtsp::detail::char_set tchars{"!#$%&'*+-.^_`|~", true};
[[nodiscard]] constexpr bool is_tchar(char c) noexcept { return tchars.contains(c); }

/// The size-independent part of a parsed request (the header array is passed as a span).
struct request_parse_out {
    std::string_view method_token, uri, version, body;
    std::size_t field_count = 0;
    std::size_t consumed = 0;
};

/// The byte cursor of parse_request_into(). Each byte is first checked for what it must be
/// where it stands (token(), line_end()), then counted against the limits (consume()), so the
/// first problem is reported at the byte where it becomes certain.
class request_scanner {
public:
    /// What a token may consist of: an RFC 7230 tchar; any byte but a control byte, SP or HT;
    /// any byte but a control byte (HT is allowed).
    enum class chars : std::uint8_t { tchar, visible, text };
    /// token()'s delimiter for "CR or LF".
    static constexpr char eol = '\n';

    constexpr request_scanner(std::string_view buf, const limits& lim) noexcept
        : buf_(buf), lim_(lim) {}

    [[nodiscard]] constexpr std::size_t pos() const noexcept { return i_; }
    /// True when every byte of the buffer has been consumed (the request needs more).
    [[nodiscard]] constexpr bool at_end() const noexcept { return i_ == buf_.size(); }
    /// The byte at pos(). @pre !at_end()
    [[nodiscard]] constexpr char peek() const noexcept { return buf_[i_]; }
    constexpr void start_line() noexcept { line_begin_ = i_; }

    /// Moves past the byte at pos(), which passed its own checks: `content` says whether it
    /// belongs to a line's text (counts toward max_line_bytes) rather than to a line end.
    [[nodiscard]] constexpr errc consume(bool content) noexcept {
        ++i_;
        if (content && i_ - line_begin_ > lim_.max_line_bytes) return errc::line_too_long;
        // The head is unfinished and needs at least one more byte, which would exceed the cap.
        if (i_ >= lim_.max_head_bytes) return errc::request_too_large;
        return errc{};
    }

    /// Reads bytes of kind `k` up to `delim`; any other byte is `bad`. A token ended by SP or
    /// ':' must not be empty (else `bad`), and its delimiter is consumed as line content; a
    /// token ended by a line end (delim == eol: CR or LF) may be empty, and the line end is
    /// left at pos() for line_end().
    [[nodiscard]] constexpr errc token(char delim, chars k, errc bad,
                                       std::string_view& tok) noexcept {
        const std::size_t begin = i_;
        for (;;) {
            if (at_end()) return errc::need_more;
            const char c = peek();
            if (c == delim || (delim == eol && c == '\r')) break;
            const bool ok = k == chars::tchar ? is_tchar(c)
                                              : !rtsp::detail::is_ctl(c) &&
                                                    (k == chars::text || !rtsp::detail::is_space(c));
            if (!ok) return bad;
            if (const errc e = consume(true); e != errc{}) return e;
        }
        tok = detail::slice(buf_, begin, i_ - begin);
        if (delim == eol) return errc{};
        if (tok.empty()) return bad;
        return consume(true);
    }

    /// Moves past the line end at pos(): CR LF or a bare LF; a CR followed by anything else is
    /// `bad`. @pre pos() holds CR or LF
    [[nodiscard]] constexpr errc line_end(errc bad) noexcept {
        if (peek() == '\r') {
            if (const errc e = consume(false); e != errc{}) return e;
            if (at_end()) return errc::need_more;
            if (peek() != '\n') return bad;  // CR must be part of CR LF
        }
        return consume(false);
    }

private:
    std::string_view buf_;
    const limits& lim_;
    std::size_t i_ = 0;
    std::size_t line_begin_ = 0;
};

/// The parser proper, shared by every MaxHeaders: returns errc{} on success. AwaitBody false:
/// parse_request_head() (a template argument, so that builds without HTTP tunnels carry one copy).
template <bool AwaitBody = true>
[[nodiscard]] errc parse_request_into(std::string_view buf, const limits& lim,
                                             std::span<header_field> fields,
                                             request_parse_out& out) noexcept {
    using chars = request_scanner::chars;
    constexpr char eol = request_scanner::eol;
    request_scanner sc(buf, lim);

    // Empty lines before the request line are skipped.
    for (;;) {
        if (sc.at_end()) return errc::need_more;
        if (sc.peek() != '\r' && sc.peek() != '\n') break;
        if (const errc e = sc.line_end(errc::bad_request_line); e != errc{}) return e;
    }

    // Request line: method SP uri SP version, each non-empty; a CTL, HT or a line end inside
    // any of them, or a fourth field, is bad_request_line.
    sc.start_line();
    errc e = sc.token(' ', chars::tchar, errc::bad_request_line, out.method_token);
    if (e == errc{}) e = sc.token(' ', chars::visible, errc::bad_request_line, out.uri);
    if (e == errc{}) e = sc.token(eol, chars::visible, errc::bad_request_line, out.version);
    if (e != errc{}) return e;
    // The version itself is the server's business (505), but anything that does not even look
    // like one means this is not an RTSP/HTTP request line.
    const auto prefix = detail::slice(out.version, 0, 5);
    if (out.version.size() <= 5 ||
        (!rtsp::detail::equals(prefix, "RTSP/") && !rtsp::detail::equals(prefix, "HTTP/")))
        return errc::bad_request_line;
    if (e = sc.line_end(errc::bad_request_line); e != errc{}) return e;

    // Header lines up to the empty line.
    std::size_t nf = 0;
    std::optional<std::uint64_t> content_length;
    for (;;) {
        if (sc.at_end()) return errc::need_more;
        const char c = sc.peek();
        if (c == '\n') break;
        if (c == '\r') {
            if (e = sc.consume(false); e != errc{}) return e;
            if (sc.at_end()) return errc::need_more;
            if (sc.peek() != '\n') return errc::bad_header;
            break;
        }
        // obs-fold (RFC 7230 §3.2.4): a continuation line is refused, not joined, so a
        // header's value is always one contiguous view and cannot be grown without bound.
        if (c == ' ' || c == '\t') return errc::bad_header;
        if (nf == fields.size()) return errc::too_many_headers;
        // name ":" value: no colon on the line, SP before ':', a CTL in the name or the value
        // (NUL, DEL, a lone CR, ...) is bad_header.
        sc.start_line();
        std::string_view name, value;
        e = sc.token(':', chars::tchar, errc::bad_header, name);
        if (e == errc{}) e = sc.token(eol, chars::text, errc::bad_header, value);
        if (e != errc{}) return e;
        value = rtsp::detail::trim(value);
        fields[nf++] = header_field{name, value};
        if (rtsp::detail::iequals(name, "Content-Length")) {
            // Checked here, before any body byte is awaited: a bogus or huge length must not
            // make the server sit on a half-read request.
            const auto n = rtsp::detail::parse_unsigned<std::uint64_t>(value);
            if (!n || (content_length && *content_length != *n)) return errc::bad_content_length;
            if (AwaitBody && *n > lim.max_body_bytes) return errc::body_too_large;
            content_length = n;
        }
        if (e = sc.line_end(errc::bad_header); e != errc{}) return e;
    }
    const std::size_t head_end = sc.pos() + 1;  // past the LF of the empty line

    const std::size_t body_len = content_length && AwaitBody ? static_cast<std::size_t>(*content_length) : 0;
    if (buf.size() - head_end < body_len) return errc::need_more;
    out.body = detail::slice(buf, head_end, body_len);
    out.field_count = nf;
    out.consumed = head_end + body_len;
    return errc{};
}

}  // namespace detail

namespace detail {
template <bool AwaitBody, std::size_t MaxHeaders>
[[nodiscard]] result<request<MaxHeaders>> parse_request_as(std::string_view buffer, const limits& lim) noexcept {
    request<MaxHeaders> r;
    request_parse_out out;
    if (const errc e = parse_request_into<AwaitBody>(buffer, lim, r.fields, out); e != errc{})
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
    return detail::parse_request_as<true, MaxHeaders>(buffer, lim);
}

/// The same, except that a Content-Length is checked for its digits but neither capped nor
/// waited for: the body stays empty and `consumed` ends at the head. For an RTSP-over-HTTP
/// tunnel's POST (rtsp/protocol/http_tunnel.hpp), whose declared body (32767 bytes, by
/// convention) is in fact the stream of base64 requests that follows.
template <std::size_t MaxHeaders = 24>
[[nodiscard]] result<request<MaxHeaders>> parse_request_head(std::string_view buffer,
                                                             const limits& lim = {}) noexcept {
    return detail::parse_request_as<false, MaxHeaders>(buffer, lim);
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
