// SPDX-License-Identifier: MIT
// Standard base64 with padding, as RTSP-over-HTTP clients encode each request they send
// through a tunnel's POST (FFmpeg av_base64_encode, GStreamer g_base64_encode): the tests'
// side of rtsp/protocol/http_tunnel.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rtsp::test {

/// `pad` false leaves the '=' off the last quantum (a malformed tunnel body, for the fuzzer).
inline std::string base64(std::string_view in, bool pad = true) {
    static constexpr char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const std::size_t n = in.size() - i < 3 ? in.size() - i : 3;
        unsigned v = 0;
        for (std::size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? static_cast<unsigned char>(in[i + k]) : 0u);
        for (std::size_t k = 0; k < 4; ++k) {
            if (k <= n) out += abc[(v >> (18 - 6 * k)) & 63];
            else if (pad) out += '=';
        }
    }
    return out;
}

}  // namespace rtsp::test
