// SPDX-License-Identifier: MIT
// rtsp/protocol/response_writer.hpp - builds one RTSP/1.0 response into a caller's buffer.
//
// No allocation and no formatting library: status line, headers and body are appended into a
// fixed span. Running out of room is sticky and reported once, by finish(), so the server
// writes a response straight-line and checks a single result. Values echoed from the client
// (CSeq, Session, Require tags) come from a parser that already refuses control bytes, but the
// writer does not rely on that: a header whose name or value could break the framing (CR, LF,
// NUL or any other control byte) is dropped instead of written (response splitting).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/assert.hpp"
#include "rtsp/detail/ascii.hpp"
#include "rtsp/detail/text_writer.hpp"
#include "rtsp/error.hpp"
#include "rtsp/protocol/request_parser.hpp"
#include "rtsp/protocol/status.hpp"
#include "rtsp/result.hpp"

namespace rtsp::protocol {

class response_writer {
public:
    /// Writes into `out`; nothing is written outside it.
    explicit response_writer(std::span<char> out) noexcept : w_(out) {}

    /// Starts the response: "RTSP/1.0 <code> <reason>\r\n". Call once, first.
    /// @pre 100 <= code <= 999 (otherwise 500 is written).
    void status(int code) noexcept { status_line("RTSP/1.0 ", code); }
    /// The same for an HTTP answer ("HTTP/1.0 <code> <reason>\r\n"): RTSP-over-HTTP tunnels
    /// (rtsp/protocol/http_tunnel.hpp). The reason phrases are shared: RTSP took HTTP's.
    void http_status(int code) noexcept { status_line("HTTP/1.0 ", code); }

    /// Appends "name: value\r\n"; dropped (see dropped_headers()) if `name` is not a token or
    /// `value` holds a control byte other than HT.
    void header(std::string_view name, std::string_view value) noexcept {
        if (!valid_name(name) || !valid_value(value)) {
            ++dropped_;
            return;
        }
        w_.text(name);
        w_.text(": ");
        w_.text(value);
        w_.text("\r\n");
    }
    /// Appends "name: <decimal value>\r\n".
    void header(std::string_view name, std::uint64_t value) noexcept {
        if (!valid_name(name)) {
            ++dropped_;
            return;
        }
        w_.text(name);
        w_.text(": ");
        w_.dec(value);
        w_.text("\r\n");
    }

    /// The same for a name given as a literal: call sites pass one pointer instead of building
    /// a string_view, whose constructor is a strlen call at -Os.
    void header(const char* name, std::string_view value) noexcept {
        header(std::string_view(name), value);
    }
    void header(const char* name, std::uint64_t value) noexcept {
        header(std::string_view(name), value);
    }

    /// Ends the head and appends the body. With a non-empty body, writes Content-Type (when
    /// `content_type` is not empty) and Content-Length first.
    /// @return the total size of the response, or buffer_too_small if anything did not fit.
    [[nodiscard]] result<std::size_t> finish(std::string_view body = {},
                                             std::string_view content_type = {}) noexcept {
        if (!body.empty()) {
            if (!content_type.empty()) header("Content-Type", content_type);
            header("Content-Length", static_cast<std::uint64_t>(body.size()));
        }
        w_.text("\r\n");
        w_.text(body);
        if (w_.overflow()) return fail(errc::buffer_too_small);
        return w_.size();
    }

    /// True once something did not fit; everything after it was dropped too.
    [[nodiscard]] bool overflow() const noexcept { return w_.overflow(); }
    /// Bytes written so far.
    [[nodiscard]] std::size_t size() const noexcept { return w_.size(); }
    /// The bytes written so far.
    [[nodiscard]] std::string_view written() const noexcept { return w_.written(); }
    /// How many header() calls were refused for an unsafe name or value.
    [[nodiscard]] std::size_t dropped_headers() const noexcept { return dropped_; }

private:
    // A template on the literal, so that RTSP-only firmware keeps one copy with its length
    // known at compile time.
    template <std::size_t N>
    void status_line(const char (&version)[N], int code) noexcept {
        RTSP_ASSERT(code >= 100 && code <= 999);
        if (code < 100 || code > 999) code = 500;
        w_.text(version);
        w_.dec(static_cast<std::uint64_t>(code));
        w_.text(" ");
        w_.text(reason_phrase(code));
        w_.text("\r\n");
    }
    static constexpr bool valid_name(std::string_view name) noexcept {
        return !name.empty() && detail::tchars.contains_all(name);
    }
    static constexpr bool valid_value(std::string_view value) noexcept {
        for (char c : value)
            if (rtsp::detail::is_ctl(c)) return false;
        return true;
    }

    rtsp::detail::text_writer w_;
    std::size_t dropped_ = 0;
};

}  // namespace rtsp::protocol
