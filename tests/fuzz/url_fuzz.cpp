// SPDX-License-Identifier: MIT
// url_fuzz.cpp - libFuzzer target for the Request-URI: rtsp::protocol::parse_url and
// resolve_control (which stream and whether it names the track).
//
// The path is what selects a stream and what the application's path check sees, so an
// accepted path must be one the server can trust: it starts with '/' (or is "*"), is at most
// max_url_path bytes, holds only URI path characters and valid %-escapes, and has no "." or
// ".." segment in any spelling and no empty segment. resolve_control must return a path that
// is a prefix of the input, never empty, with no trailing '/' except the root, and resolving a
// non-track result again must give it back unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <rtsp/protocol/url.hpp>

#include "fuzz_check.hpp"

namespace proto = rtsp::protocol;
using rtsp::fuzz::within;

namespace {

void check_control(std::string_view path, std::string_view track) {
    const auto t = proto::resolve_control(path, track);
    FUZZ_CHECK(!t.stream_path.empty());
    if (t.stream_path != "/") {
        FUZZ_CHECK(within(t.stream_path, path));
        FUZZ_CHECK(t.stream_path.data() == path.data());  // a prefix
        FUZZ_CHECK(t.stream_path.back() != '/' || t.stream_path.size() == 1);
    }
    if (!t.track) {
        const auto again = proto::resolve_control(t.stream_path, track);
        FUZZ_CHECK(!again.track && again.stream_path == t.stream_path);
    } else {
        FUZZ_CHECK(!track.empty());
        FUZZ_CHECK(path.find(track) != std::string_view::npos);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view uri(reinterpret_cast<const char*>(data), size);
    const auto u = proto::parse_url(uri);
    if (!u) {
        FUZZ_CHECK(u.error() == rtsp::errc::bad_url);
    } else {
        FUZZ_CHECK(within(u->scheme, uri) && within(u->host, uri));
        FUZZ_CHECK(u->path == "/" || within(u->path, uri));
        if (u->path != "*") {
            FUZZ_CHECK(!u->path.empty() && u->path.front() == '/');
            FUZZ_CHECK(u->path.size() <= proto::max_url_path);
            FUZZ_CHECK(u->path.find("//") == std::string_view::npos);
            FUZZ_CHECK(u->path.find_first_of("?# \t\r\n") == std::string_view::npos);
            // No dot segment survives: "/..", "/./", "/%2e%2E" and friends are refused.
            std::string_view rest = u->path.substr(1);
            while (true) {
                const auto slash = rest.find('/');
                const auto seg = rest.substr(0, slash);
                FUZZ_CHECK(!proto::detail::is_dot_segment(seg));
                FUZZ_CHECK(seg != "." && seg != "..");
                if (slash == std::string_view::npos) break;
                rest.remove_prefix(slash + 1);
            }
            for (std::size_t i = 0; i < u->path.size(); ++i)
                if (u->path[i] == '%')
                    FUZZ_CHECK(i + 2 < u->path.size() && proto::detail::is_hex(u->path[i + 1]) &&
                               proto::detail::is_hex(u->path[i + 2]));
            check_control(u->path, "track1");
        }
        if (!u->scheme.empty())
            FUZZ_CHECK(rtsp::detail::iequals(u->scheme, "rtsp") || rtsp::detail::iequals(u->scheme, "rtsps"));
        // The parsed path alone is itself a valid URI with the same path.
        const auto again = proto::parse_url(u->path);
        FUZZ_CHECK(again && again->path == u->path && again->host.empty());
    }
    // resolve_control on raw input (the server only passes parsed paths, but it is total).
    const auto cut = size / 2;
    check_control(uri.substr(0, cut), uri.substr(cut));
    return 0;
}
