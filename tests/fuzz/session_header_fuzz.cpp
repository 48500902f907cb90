// SPDX-License-Identifier: MIT
// session_header_fuzz.cpp - libFuzzer target for the Session header value:
// rtsp::protocol::parse_session_header ("id" [";timeout=" seconds] [; other params]).
//
// The id is looked up in the session table, so an accepted id must be a non-empty view into
// the value made only of session-id characters; the timeout must be the decimal the value
// gave; and a value rebuilt from the parse ("id;timeout=N") must parse to the same thing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rtsp/protocol/session_header.hpp>

#include "fuzz_check.hpp"

namespace proto = rtsp::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    const auto h = proto::parse_session_header(value);
    if (!h) {
        FUZZ_CHECK(h.error() == rtsp::errc::bad_header);
        return 0;
    }
    FUZZ_CHECK(!h->id.empty() && rtsp::fuzz::within(h->id, value));
    for (char c : h->id) FUZZ_CHECK(proto::detail::is_session_id_char(c));
    FUZZ_CHECK(value.find(h->id) != std::string_view::npos);
    if (h->timeout != 0) FUZZ_CHECK(value.find(std::to_string(h->timeout)) != std::string_view::npos);

    std::string rebuilt(h->id);
    if (h->timeout != 0) rebuilt += ";timeout=" + std::to_string(h->timeout);
    const auto back = proto::parse_session_header(rebuilt);
    FUZZ_CHECK(back && back->id == h->id && back->timeout == h->timeout);
    return 0;
}
