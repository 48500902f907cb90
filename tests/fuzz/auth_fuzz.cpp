// SPDX-License-Identifier: MIT
// auth_fuzz.cpp - libFuzzer target for the Authorization header parser
// (rtsp::protocol::parse_authorization) and the Digest/Basic/nonce checks built on it.
//
// The header comes from anyone who can reach the port, before any credential is known
// (live555's CVE-2019-9215 was an unbounded copy in exactly this parser). Checked: a parse
// never writes past the caller's scratch (exactly sized heap buffers of 256 and 7 bytes);
// every view lies in the header or in the scratch; an accepted Digest has response, username,
// realm, nonce and uri, none longer than the field limit; a larger scratch never changes an
// answer except buffer_too_small. Then, from the parsed header: the response we compute is
// accepted by verify_digest for the right password and refused for another; constant-time
// comparison equals case-insensitive equality; a nonce we make is valid, then stale after its
// lifetime, and invalid when any of its characters changes, while the client's nonce (fuzzed)
// is never valid unless it is one we made.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rtsp/protocol/auth.hpp>

#include "fuzz_check.hpp"

namespace proto = rtsp::protocol;
using rtsp::fuzz::within;

namespace {

bool in_either(std::string_view v, std::string_view h, const std::vector<char>& scratch) {
    return within(v, h) || within(v, std::string_view(scratch.data(), scratch.size()));
}

void check_views(const proto::authorization& a, std::string_view h, const std::vector<char>& s) {
    for (auto v : {a.username, a.realm, a.nonce, a.uri, a.response, a.algorithm, a.qop, a.nc,
                   a.cnonce, a.opaque, a.password}) {
        FUZZ_CHECK(in_either(v, h, s));
        FUZZ_CHECK(v.size() <= proto::max_auth_field);
    }
}

bool same(const proto::authorization& a, const proto::authorization& b) {
    return a.scheme == b.scheme && a.username == b.username && a.realm == b.realm &&
           a.nonce == b.nonce && a.uri == b.uri && a.response == b.response &&
           a.algorithm == b.algorithm && a.qop == b.qop && a.nc == b.nc && a.cnonce == b.cnonce &&
           a.opaque == b.opaque && a.password == b.password;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view h(reinterpret_cast<const char*>(data), size);
    std::vector<char> scratch(256), tiny(7), big(8192);
    const auto r = proto::parse_authorization(h, scratch);
    const auto t = proto::parse_authorization(h, tiny);
    const auto b = proto::parse_authorization(h, big);

    // Only the scratch size may change the answer, and only through buffer_too_small.
    FUZZ_CHECK(b.error != proto::auth_error::buffer_too_small || h.size() > big.size());
    if (r.error != proto::auth_error::buffer_too_small) {
        FUZZ_CHECK(r.error == b.error);
        if (r) FUZZ_CHECK(same(r.value, b.value));
    }
    if (t.error != proto::auth_error::buffer_too_small) {
        FUZZ_CHECK(t.error == r.error);
        if (t) FUZZ_CHECK(same(t.value, r.value));
    }
    if (!b) {
        FUZZ_CHECK(b.error != proto::auth_error::none);
        FUZZ_CHECK(!proto::to_string(b.error).empty());
        return 0;
    }
    check_views(b.value, h, big);
    if (r) check_views(r.value, h, scratch);
    if (t) check_views(t.value, h, tiny);
    const auto& a = b.value;
    if (a.scheme == proto::auth_scheme::digest) {
        FUZZ_CHECK(!a.username.empty() && !a.realm.empty() && !a.nonce.empty() && !a.uri.empty());
        FUZZ_CHECK(a.password.empty());
        // The response we expect for password "pw" passes; the same for "px" does not.
        const auto expect = proto::digest_response(a, "DESCRIBE", proto::digest_ha1(a.username, a.realm, "pw"));
        if (expect) {
            proto::authorization good = a;
            const std::string hex(expect->view());
            good.response = hex;
            FUZZ_CHECK(proto::verify_digest(good, "DESCRIBE", "pw"));
            FUZZ_CHECK(!proto::verify_digest(good, "DESCRIBE", "px"));
            FUZZ_CHECK(!proto::verify_digest(good, "PLAY", "pw"));  // HA2 covers the method
        }
        // The client's own response: equal to ours exactly when constant_time_equal says so.
        if (expect) {
            const bool eq = proto::constant_time_equal(expect->view(), a.response);
            FUZZ_CHECK(eq == rtsp::detail::iequals(expect->view(), a.response));
            FUZZ_CHECK(eq == proto::verify_digest(a, "DESCRIBE", "pw"));
        } else {
            FUZZ_CHECK(!proto::verify_digest(a, "DESCRIBE", "pw"));
        }
        FUZZ_CHECK(!proto::verify_basic(a, "rtsp", "u", "pw"));
    } else {
        FUZZ_CHECK(a.response.empty() && a.nonce.empty());
        FUZZ_CHECK(proto::verify_basic(a, "rtsp", a.username, a.password));
        FUZZ_CHECK(!proto::verify_digest(a, "DESCRIBE", a.password));
        if (a.password != "x") FUZZ_CHECK(!proto::verify_basic(a, "rtsp", a.username, "x"));
        for (char c : a.username) FUZZ_CHECK(c != ':' && !rtsp::detail::is_ctl(c));
    }

    // Nonces: the client's (fuzzed) is invalid unless it is ours; ours ages as documented.
    proto::auth_key key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 37 + size);
    const std::uint64_t issued = 1'000'000 + size;
    const auto mine = proto::make_nonce(key, issued);
    const auto st = proto::check_nonce(key, a.nonce, issued + 10, 60);
    // (The MAC half compares case-insensitively, like every hex digest here: an upper-case
    // spelling of our own nonce is still ours, a different nonce never is.)
    if (!rtsp::detail::iequals(a.nonce, mine.view())) FUZZ_CHECK(st == proto::nonce_status::invalid);
    FUZZ_CHECK(proto::check_nonce(key, mine.view(), issued + 10, 60) == proto::nonce_status::valid);
    FUZZ_CHECK(proto::check_nonce(key, mine.view(), issued + 61, 60) == proto::nonce_status::stale);
    FUZZ_CHECK(proto::check_nonce(key, mine.view(), issued - 1, 60) == proto::nonce_status::invalid);
    std::string forged(mine.view());
    const std::size_t at = size % forged.size();
    forged[at] = forged[at] == '0' ? '1' : '0';
    FUZZ_CHECK(proto::check_nonce(key, forged, issued + 10, 60) == proto::nonce_status::invalid);
    return 0;
}
