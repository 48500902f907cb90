// SPDX-License-Identifier: MIT
// request_parser_fuzz.cpp - libFuzzer target for rtsp::protocol::parse_request and the '$'
// interleaved frame header: the bytes a client sends on the RTSP connection.
//
// The input is the connection's receive buffer. Besides "no crash, no out-of-bounds read"
// it checks what the server relies on: every view lies inside the buffer, `consumed` never
// exceeds it, the parse does not depend on how TCP split the stream (a prefix yields
// need_more or the same result), and both parse_interleaved_header overloads agree.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <rtsp/protocol/request_parser.hpp>

#include "fuzz_check.hpp"

namespace proto = rtsp::protocol;
using rtsp::fuzz::within;

namespace {

template <std::size_t MaxHeaders>
void check_one(std::string_view buf, const proto::limits& lim) {
    const auto r = proto::parse_request<MaxHeaders>(buf, lim);
    if (r) {
        FUZZ_CHECK(r->consumed > 0 && r->consumed <= buf.size());
        FUZZ_CHECK(r->field_count <= MaxHeaders);
        FUZZ_CHECK(!r->method_token.empty() && !r->uri.empty() && r->version.size() > 5);
        FUZZ_CHECK(r->verb == proto::parse_method(r->method_token));
        const auto used = buf.substr(0, r->consumed);
        FUZZ_CHECK(within(r->method_token, used) && within(r->uri, used) && within(r->version, used));
        FUZZ_CHECK(within(r->body, used));
        FUZZ_CHECK(r->body.empty() || r->body.data() + r->body.size() == used.data() + used.size());
        FUZZ_CHECK(r->body.size() <= lim.max_body_bytes);
        FUZZ_CHECK(r->consumed - r->body.size() <= lim.max_head_bytes);
        for (const auto& f : r->headers()) {
            FUZZ_CHECK(!f.name.empty() && within(f.name, used) && within(f.value, used));
            FUZZ_CHECK(f.name.size() <= lim.max_line_bytes && f.value.size() <= lim.max_line_bytes);
            for (char c : f.name) FUZZ_CHECK(proto::detail::is_tchar(c));
            FUZZ_CHECK(r->header(f.name).has_value());
            FUZZ_CHECK(r->count(f.name) >= 1);
        }
        // Everything after the request is the next message's; parsing stops exactly there.
        const auto again = proto::parse_request<MaxHeaders>(used, lim);
        FUZZ_CHECK(again && again->consumed == r->consumed);
    }
    // Split independence: a prefix gives need_more, or exactly the whole buffer's result.
    const std::size_t cuts[] = {buf.size() / 2, buf.size() / 3, buf.size() * 3 / 4,
                                buf.size() > 0 ? buf.size() - 1 : 0,
                                r ? r->consumed : buf.size()};
    for (std::size_t cut : cuts) {
        if (cut > buf.size()) continue;
        const auto p = proto::parse_request<MaxHeaders>(buf.substr(0, cut), lim);
        if (p) {
            FUZZ_CHECK(r && p->consumed == r->consumed && p->field_count == r->field_count);
        } else if (p.error() != rtsp::errc::need_more) {
            FUZZ_CHECK(!r && r.error() == p.error());
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view buf(reinterpret_cast<const char*>(data), size);
    check_one<24>(buf, proto::limits{});                 // the parser's defaults
    check_one<16>(buf, proto::limits{512, 256, 256});    // embedded_config's
    check_one<1>(buf, proto::limits{64, 32, 8});         // tiny: every limit reachable

    // Interleaved frame header: both overloads agree, need_more only below 4 bytes.
    const auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));
    const auto a = proto::parse_interleaved_header(buf);
    const auto b = proto::parse_interleaved_header(bytes);
    FUZZ_CHECK(a.has_value() == b.has_value());
    FUZZ_CHECK(proto::starts_interleaved(buf) == proto::starts_interleaved(bytes));
    if (a) {
        FUZZ_CHECK(a->channel == b->channel && a->length == b->length);
        FUZZ_CHECK(size >= proto::interleaved_header_size && data[0] == '$');
        std::byte out[4];
        proto::write_interleaved_header(a->channel, a->length, std::span<std::byte, 4>(out));
        FUZZ_CHECK(std::equal(out, out + 4, bytes.begin()));
    } else {
        FUZZ_CHECK(a.error() == b.error());
        FUZZ_CHECK(a.error() == (size == 0 || data[0] == '$' ? rtsp::errc::need_more
                                                             : rtsp::errc::bad_interleaved_frame));
    }
    return 0;
}
