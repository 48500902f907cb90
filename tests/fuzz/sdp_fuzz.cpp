// SPDX-License-Identifier: MIT
// sdp_fuzz.cpp - libFuzzer target for the DESCRIBE body writer (rtsp::sdp::write) with every
// field taken from the input.
//
// The server fills the description from the request (the address the client reached), from
// options (session name) and from frames (size), so write() must either refuse a field that
// would break the SDP (a CR/LF smuggling a line into s=, whitespace in an address) or produce
// well-formed text: "v=0" first, every line "<letter>=<value>" ended by CRLF, no bare CR or
// LF, a=x-dimensions exactly when a side exceeds 2040, and never a byte past the buffer
// (each buffer is exactly sized on the heap; every size up to the text's length is tried).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include <rtsp/sdp/writer.hpp>

#include "fuzz_check.hpp"

using namespace rtsp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    sdp::description d;
    d.session_id = in.ConsumeIntegral<std::uint64_t>();
    d.session_version = in.ConsumeIntegral<std::uint64_t>();
    d.ipv6 = in.ConsumeBool();
    d.width = in.ConsumeIntegral<std::uint16_t>();
    d.height = in.ConsumeIntegral<std::uint16_t>();
    d.framerate = in.ConsumeIntegral<std::uint32_t>();
    d.bandwidth_kbps = in.ConsumeIntegral<std::uint32_t>();
    const std::string origin = in.ConsumeRandomLengthString(64);
    const std::string name = in.ConsumeRandomLengthString(300);
    const std::string control = in.ConsumeRemainingBytesAsString();
    d.origin_address = origin;
    d.session_name = name;
    d.media_control = control;

    std::vector<char> out(4096);
    const auto n = sdp::write(d, out);
    const auto bad_text = name.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos;
    const auto bad_token = [](const std::string& s) {
        if (s.empty()) return true;
        for (char c : s)
            if (detail::is_space(c) || detail::is_ctl(c)) return true;
        return false;
    };
    if (bad_text || bad_token(origin) || bad_token(control)) {
        FUZZ_CHECK(!n && n.error() == errc::invalid_argument);
        return 0;
    }
    if (!n) {
        FUZZ_CHECK(n.error() == errc::buffer_too_small);
        FUZZ_CHECK(name.size() + control.size() + origin.size() > 3000);
        return 0;
    }
    const std::string_view text(out.data(), *n);
    FUZZ_CHECK(text.substr(0, 5) == "v=0\r\n");
    FUZZ_CHECK(text.size() >= 2 && text.substr(text.size() - 2) == "\r\n");
    std::size_t lines = 0;
    bool saw_x_dims = false, saw_control = false;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto eol = text.find("\r\n", pos);
        FUZZ_CHECK(eol != std::string_view::npos);
        const auto line = text.substr(pos, eol - pos);
        FUZZ_CHECK(line.size() >= 2 && line[0] >= 'a' && line[0] <= 'z' && line[1] == '=');
        FUZZ_CHECK(line.find_first_of("\r\n") == std::string_view::npos);
        FUZZ_CHECK(line.find('\0') == std::string_view::npos);
        saw_x_dims = saw_x_dims || line.substr(0, 15) == "a=x-dimensions:";
        if (line == "a=control:" + control) saw_control = true;
        ++lines;
        pos = eol + 2;
    }
    FUZZ_CHECK(lines >= 8);
    FUZZ_CHECK(saw_control);
    FUZZ_CHECK(saw_x_dims == (d.width > sdp::max_rfc2435_dimension || d.height > sdp::max_rfc2435_dimension));
    FUZZ_CHECK(text.find(d.ipv6 ? " IN IP6 " : " IN IP4 ") != std::string_view::npos);

    // Every shorter buffer: refused, and ASan sees no write past its end.
    const std::size_t step = *n > 64 ? *n / 32 : 1;
    for (std::size_t cap = 0; cap < *n; cap += step) {
        std::vector<char> small(cap);
        const auto s = sdp::write(d, small);
        FUZZ_CHECK(!s && s.error() == errc::buffer_too_small);
    }
    std::vector<char> exact(*n);
    const auto e = sdp::write(d, exact);
    FUZZ_CHECK(e && *e == *n && std::string_view(exact.data(), *n) == text);
    return 0;
}
