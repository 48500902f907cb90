// SPDX-License-Identifier: MIT
// rtsp/protocol/http_tunnel.hpp - the pure parts of RTSP over HTTP tunnelling (PROTOCOL.md
// §3.8): the scheme QuickTime introduced and FFmpeg (`-rtsp_transport http`), GStreamer
// (`rtsph://`) and VLC (`--rtsp-http`, and its fallback after a failed DESCRIBE) speak, for
// networks that pass only HTTP.
//
// A client opens two HTTP connections that carry the same `x-sessioncookie`:
//   GET  - its reply never ends: every RTSP response and interleaved RTP packet travels in it,
//          in the clear;
//   POST - its body (Content-Length: 32767, a convention, not a length) never ends either: it
//          is the client's RTSP requests, each base64-encoded on its own, padding included.
// Some clients (QuickTime) close the POST after each request and open a new one with the same
// cookie; the GET lives as long as the session.
//
// Here: telling the two halves apart and checking the cookie (parse_tunnel_request), and a
// base64 decoder that takes the POST body in whatever pieces TCP delivers
// (base64_stream_decoder). The server (rtsp/server.hpp) pairs the halves and owns the sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/detail/ascii.hpp"
#include "rtsp/error.hpp"
#include "rtsp/protocol/auth.hpp"
#include "rtsp/protocol/detail/slice.hpp"
#include "rtsp/protocol/request_parser.hpp"
#include "rtsp/result.hpp"

namespace rtsp::protocol {

/// Which half of a tunnel an HTTP request opens.
enum class tunnel_half : std::uint8_t {
    get,   ///< the server-to-client half: RTSP responses and RTP go out on this connection
    post,  ///< the client-to-server half: base64 RTSP requests come in on this connection
};

/// Longest x-sessioncookie accepted. FFmpeg sends 16 hex digits, GStreamer 23 letters,
/// QuickTime 22 base64 characters.
inline constexpr std::size_t max_tunnel_cookie = 64;

struct tunnel_request {
    tunnel_half half;
    std::string_view cookie;  ///< view into the request; 1..max_tunnel_cookie visible characters
};

/// Classifies an HTTP request (its version starts with "HTTP/1.") that may open half of a
/// tunnel: `GET` or `POST` with exactly one `x-sessioncookie` of 1..max_tunnel_cookie visible
/// ASCII characters. Anything else is not_a_tunnel; the server answers it in HTTP and closes.
template <std::size_t MaxHeaders>
[[nodiscard]] constexpr result<tunnel_request> parse_tunnel_request(
    const request<MaxHeaders>& req) noexcept {
    if (!rtsp::detail::equals(detail::slice(req.version, 0, 7), "HTTP/1.")) return fail(errc::not_a_tunnel);
    tunnel_request t{tunnel_half::get, {}};
    if (rtsp::detail::equals(req.method_token, "POST")) t.half = tunnel_half::post;
    else if (!rtsp::detail::equals(req.method_token, "GET")) return fail(errc::not_a_tunnel);
    if (req.count("x-sessioncookie") != 1) return fail(errc::not_a_tunnel);
    t.cookie = *req.header("x-sessioncookie");
    if (t.cookie.empty() || t.cookie.size() > max_tunnel_cookie) return fail(errc::not_a_tunnel);
    for (char c : t.cookie)
        if (c <= ' ' || c > '~') return fail(errc::not_a_tunnel);
    return t;
}

/// Decodes a tunnel's POST body, a concatenation of base64 blocks each with its own padding
/// ("T1BUSU9OUyAq...Cg==" "REVTQ1JJQkUg..."), fed in arbitrary pieces. Every input character
/// yields at most one output byte, so decode() stops only when the input is used up or the
/// output is full, and resumes exactly where it stopped. CR, LF, SP and HT are skipped (some
/// encoders wrap lines). A character outside the alphabet, '=' where no padding can be, or data
/// after padding inside a quantum is bad_base64; the stream cannot be resynchronized after it.
class base64_stream_decoder {
public:
    struct step {
        std::size_t consumed = 0;  ///< input characters used
        std::size_t produced = 0;  ///< bytes written to the output
        errc error{};              ///< bad_base64, or errc{} (success)
    };

    [[nodiscard]] constexpr step decode(std::string_view in, std::span<char> out) noexcept {
        step s;
        for (; s.consumed < in.size(); ++s.consumed) {
            const char c = in[s.consumed];
            if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
            if (c == '=') {
                // "xx==" or "xxx=": padding completes the quantum, which emitted its bytes
                // already; one '=' after two characters still owes the second '='.
                if (held_ < 2) return bad(s);
                if (held_ == 2) {
                    held_ = 3;
                    padded_ = true;
                } else {
                    reset();
                }
                continue;
            }
            const int v = detail::base64_value(c);
            if (v < 0 || padded_) return bad(s);
            if (held_ >= 1 && s.produced == out.size()) return s;  // this character emits a byte
            bits_ = (bits_ << 6) | static_cast<std::uint32_t>(v);
            ++held_;
            // 2 characters carry 1 byte (4 bits left over), 3 carry 2 (2 left), 4 carry 3.
            if (held_ >= 2) {
                const unsigned shift = 2u * (4u - held_);
                out[s.produced++] = static_cast<char>(static_cast<unsigned char>((bits_ >> shift) & 0xFFu));
            }
            if (held_ == 4) reset();
        }
        return s;
    }

    /// True between quanta: nothing is held back for the next call.
    [[nodiscard]] constexpr bool idle() const noexcept { return held_ == 0; }
    constexpr void reset() noexcept {
        bits_ = 0;
        held_ = 0;
        padded_ = false;
    }

private:
    static constexpr step bad(step s) noexcept {
        s.error = errc::bad_base64;
        return s;
    }
    std::uint32_t bits_ = 0;  // the quantum's characters so far, 6 bits each
    std::uint8_t held_ = 0;   // characters of the current quantum seen (0..3)
    bool padded_ = false;     // "xx=": one more '=' is due
};

}  // namespace rtsp::protocol
