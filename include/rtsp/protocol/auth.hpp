// SPDX-License-Identifier: MIT
// rtsp/protocol/auth.hpp - RTSP authentication, pure: MD5, the Authorization header, Digest
// responses (RFC 2617 and RFC 2069), Basic, and stateless nonces.
//
// Why each piece looks the way it does (PROTOCOL.md §3.7):
//  - Digest with MD5 is what VLC (live555), FFmpeg and GStreamer all speak; live555 sends the
//    RFC 2069 form (no qop, nc, cnonce), FFmpeg uses qop=auth when offered. Both are checked.
//  - The server keeps nothing per nonce: a nonce carries its issue time and a keyed MD5 (HMAC)
//    of that time under a per-server secret drawn from the Random concept. A forged nonce fails
//    the HMAC; a genuine old one is "stale" and the client is told so (stale=true) so that it
//    retries with a fresh nonce instead of asking the user for a password. The cost: within a
//    nonce's lifetime a captured request can be replayed (nc is not tracked), as with live555.
//  - The header parser is bounded and works on views into the request buffer. It refuses NUL
//    and other control bytes, unbalanced quotes, over-long fields and Digest without response=
//    (live555 CVE-2019-9215 was an unbounded copy in exactly this parser).
//  - Comparisons of secrets run in constant time: Digest responses are compared as 32 hex
//    digits; Basic passwords are compared as MD5(user:realm:password), so that the time taken
//    depends on neither the password's bytes nor its length.
//
// No heap, no exceptions, no I/O: the firmware build and the fuzzers use this header as is.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtsp/protocol/detail/slice.hpp"
#include "rtsp/detail/ascii.hpp"

namespace rtsp {

/// What a credentials callback (basic_server::register_auth_cb) says about one user on one
/// path. The callback is asked `(path, user)`; `user` is empty when the request carries no
/// credentials, so a per-path policy can return open() for public paths.
struct auth_answer {
    enum class kind : std::uint8_t { open, password, deny };
    kind what = kind::deny;
    std::string_view secret{};  ///< the user's password (kind::password); must outlive the request

    /// This path needs no credentials at all.
    static constexpr auth_answer open() noexcept { return {kind::open, {}}; }
    /// The user exists here and has this password.
    static constexpr auth_answer password(std::string_view pw) noexcept { return {kind::password, pw}; }
    /// Unknown user, or this user may not use this path.
    static constexpr auth_answer deny() noexcept { return {kind::deny, {}}; }
};

}  // namespace rtsp

namespace rtsp::protocol {

// --- MD5 (RFC 1321) ------------------------------------------------------------------------

using md5_digest = std::array<std::uint8_t, 16>;

/// Incremental MD5; constexpr so that test vectors can be checked at compile time.
class md5 {
public:
    constexpr md5() noexcept = default;

    constexpr md5& update(std::string_view s) noexcept {
        for (char c : s) put(static_cast<std::uint8_t>(static_cast<unsigned char>(c)));
        return *this;
    }
    constexpr md5& update(std::span<const std::uint8_t> s) noexcept {
        for (std::uint8_t b : s) put(b);
        return *this;
    }
    /// The digest; the object is spent afterwards.
    constexpr md5_digest finish() noexcept {
        const std::uint64_t bits = length_ * 8u;
        put(0x80);
        while (fill_ != 56) put(0);
        for (int i = 0; i < 8; ++i) put(static_cast<std::uint8_t>(bits >> (8 * i)));
        md5_digest out{};
        for (std::size_t i = 0; i < 4; ++i)
            for (std::size_t j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(state_[i] >> (8 * j));
        return out;
    }

private:
    constexpr void put(std::uint8_t b) noexcept {
        block_[fill_++] = b;
        ++length_;
        if (fill_ == 64) {
            compress();
            fill_ = 0;
        }
    }
    static constexpr std::uint32_t rotl(std::uint32_t x, unsigned n) noexcept {
        return (x << n) | (x >> (32u - n));
    }
    constexpr void compress() noexcept {
        constexpr std::uint32_t k[64] = {
            0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
            0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
            0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
            0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
            0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
            0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
            0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
            0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
        constexpr unsigned r[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
        std::uint32_t m[16]{};
        for (std::size_t i = 0; i < 16; ++i)
            m[i] = std::uint32_t{block_[4 * i]} | (std::uint32_t{block_[4 * i + 1]} << 8) |
                   (std::uint32_t{block_[4 * i + 2]} << 16) | (std::uint32_t{block_[4 * i + 3]} << 24);
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
        for (std::size_t i = 0; i < 64; ++i) {
            std::uint32_t f = 0;
            std::size_t g = 0;
            const std::size_t round = i / 16;
            if (round == 0) { f = (b & c) | (~b & d); g = i; }
            else if (round == 1) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
            else if (round == 2) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
            else { f = c ^ (b | ~d); g = (7 * i) % 16; }
            const std::uint32_t tmp = d;
            d = c;
            c = b;
            b = b + rotl(a + f + k[i] + m[g], r[round * 4 + i % 4]);
            a = tmp;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
    }

    std::array<std::uint32_t, 4> state_{0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
    std::array<std::uint8_t, 64> block_{};
    std::size_t fill_ = 0;
    std::uint64_t length_ = 0;
};

/// 32 lower-case hex digits (RFC 2617's LHEX), stored inline.
struct md5_hex {
    std::array<char, 32> text{};
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {text.data(), text.size()}; }
};

[[nodiscard]] constexpr md5_hex to_hex(const md5_digest& d) noexcept {
    constexpr char digits[] = "0123456789abcdef";
    md5_hex h;
    for (std::size_t i = 0; i < d.size(); ++i) {
        h.text[2 * i] = digits[d[i] >> 4];
        h.text[2 * i + 1] = digits[d[i] & 0x0F];
    }
    return h;
}

[[nodiscard]] constexpr md5_hex md5_hex_of(std::string_view s) noexcept { return to_hex(md5{}.update(s).finish()); }

/// Equality whose time depends only on the lengths, not on where the bytes differ. Hex digits
/// compare case-insensitively (clients may send upper-case hex).
[[nodiscard]] constexpr bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned>(static_cast<unsigned char>(rtsp::detail::to_lower(a[i])) ^
                                      static_cast<unsigned char>(rtsp::detail::to_lower(b[i])));
    return diff == 0;
}

// --- the Authorization header ------------------------------------------------------------

enum class auth_scheme : std::uint8_t { digest, basic };

/// Why an Authorization header was refused.
enum class auth_error : std::uint8_t {
    none = 0,
    empty,               ///< no scheme at all
    unsupported_scheme,  ///< neither Digest nor Basic
    nul_byte,            ///< a NUL (or another control byte except HT) in the header
    unbalanced_quote,    ///< a quoted string without its closing quote
    field_too_long,      ///< a parameter name or value longer than the limit
    bad_syntax,          ///< not a comma-separated list of name=value
    duplicate_field,     ///< a Digest parameter given twice
    missing_response,    ///< Digest without response=
    missing_field,       ///< Digest without username, realm, nonce or uri
    bad_base64,          ///< Basic credentials that are not base64 of "user:password"
    buffer_too_small,    ///< the caller's scratch cannot hold the decoded values
};

[[nodiscard]] constexpr std::string_view to_string(auth_error e) noexcept {
    switch (e) {
    case auth_error::none: return "ok";
    case auth_error::empty: return "empty Authorization header";
    case auth_error::unsupported_scheme: return "Authorization scheme is neither Digest nor Basic";
    case auth_error::nul_byte: return "NUL or control byte in Authorization";
    case auth_error::unbalanced_quote: return "unbalanced quote in Authorization";
    case auth_error::field_too_long: return "over-long field in Authorization";
    case auth_error::bad_syntax: return "malformed Authorization parameter list";
    case auth_error::duplicate_field: return "duplicate Authorization parameter";
    case auth_error::missing_response: return "Digest Authorization without response=";
    case auth_error::missing_field: return "Digest Authorization without username, realm, nonce or uri";
    case auth_error::bad_base64: return "Basic Authorization is not base64 of user:password";
    case auth_error::buffer_too_small: return "Authorization values exceed the scratch buffer";
    }
    return "unknown";
}

/// Bytes of one parameter value (a URI is the longest legitimate one).
inline constexpr std::size_t max_auth_field = 512;
/// Bytes of one parameter name.
inline constexpr std::size_t max_auth_name = 32;

/// A parsed Authorization header. Views point into the header or into the caller's scratch
/// (for quoted strings with escapes, and for Basic's decoded credentials).
struct authorization {
    auth_scheme scheme = auth_scheme::digest;
    std::string_view username, realm, nonce, uri, response, algorithm, qop, nc, cnonce, opaque;
    std::string_view password;  ///< Basic only
};

struct auth_parse_result {
    authorization value{};
    auth_error error = auth_error::none;
    constexpr explicit operator bool() const noexcept { return error == auth_error::none; }
};

namespace detail {

[[nodiscard]] constexpr bool auth_space(char c) noexcept { return c == ' ' || c == '\t'; }

[[nodiscard]] constexpr int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/// Decodes standard base64 (padding optional) into out; nullopt if malformed or too big.
[[nodiscard]] constexpr std::optional<std::size_t> base64_decode(std::string_view in, std::span<char> out,
                                                                bool& too_big) noexcept {
    too_big = false;
    std::size_t data = in.size();
    while (data > 0 && in[data - 1] == '=') --data;
    if (in.size() - data > 2) return std::nullopt;
    if (in.size() != data && in.size() % 4 != 0) return std::nullopt;  // padding only to a quad
    if (data % 4 == 1) return std::nullopt;                          // 6 bits cannot make a byte
    std::size_t n = 0;
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < data; ++i) {
        const int v = base64_value(in[i]);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == out.size()) { too_big = true; return std::nullopt; }
            out[n++] = static_cast<char>(static_cast<unsigned char>((acc >> bits) & 0xFF));
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical tail
    return n;
}

}  // namespace detail

/// Parses an Authorization header value (`Digest k=v, ...` or `Basic <base64>`). `scratch`
/// receives unescaped quoted strings and Basic's decoded credentials; 256 bytes is plenty for
/// real clients. Unknown Digest parameters are checked for syntax and ignored.
[[nodiscard]] constexpr auth_parse_result parse_authorization(std::string_view h, std::span<char> scratch) noexcept {
    using rtsp::detail::iequals;
    auth_parse_result out;
    auto failed = [&out](auth_error e) {
        out.error = e;
        out.value = authorization{};
        return out;
    };
    for (char c : h)
        if (c == '\0' || (rtsp::detail::is_ctl(c) && c != '\t')) return failed(auth_error::nul_byte);
    std::size_t i = 0;
    while (i < h.size() && detail::auth_space(h[i])) ++i;
    std::size_t scheme_start = i;
    while (i < h.size() && !detail::auth_space(h[i])) ++i;
    std::string_view scheme = detail::slice(h, scheme_start, i - scheme_start);
    if (scheme.empty()) return failed(auth_error::empty);
    while (i < h.size() && detail::auth_space(h[i])) ++i;
    std::size_t used = 0;  // scratch bytes taken

    if (iequals(scheme, "Basic")) {
        std::string_view token = detail::slice(h, i);
        while (!token.empty() && detail::auth_space(token.back())) token.remove_suffix(1);
        if (token.empty()) return failed(auth_error::bad_base64);
        if (token.size() > max_auth_field) return failed(auth_error::field_too_long);
        bool too_big = false;
        auto n = detail::base64_decode(token, scratch, too_big);
        if (!n) return failed(too_big ? auth_error::buffer_too_small : auth_error::bad_base64);
        std::string_view creds(scratch.data(), *n);
        for (char c : creds)
            if (c == '\0' || rtsp::detail::is_ctl(c)) return failed(auth_error::nul_byte);
        const auto colon = creds.find(':');
        if (colon == std::string_view::npos) return failed(auth_error::bad_base64);
        out.value.scheme = auth_scheme::basic;
        out.value.username = detail::slice(creds, 0, colon);
        out.value.password = detail::slice(creds, colon + 1);
        return out;
    }
    if (!iequals(scheme, "Digest")) return failed(auth_error::unsupported_scheme);

    out.value.scheme = auth_scheme::digest;
    bool have_response = false;
    std::uint16_t seen = 0;  // bit per known parameter, to refuse duplicates
    while (true) {
        // Skip separators: empty list elements (", ,") are allowed by RFC 2616's #rule.
        while (i < h.size() && (detail::auth_space(h[i]) || h[i] == ',')) ++i;
        if (i == h.size()) break;
        const std::size_t name_start = i;
        while (i < h.size() && h[i] != '=' && h[i] != ',' && !detail::auth_space(h[i]) && h[i] != '"') ++i;
        std::string_view name = detail::slice(h, name_start, i - name_start);
        if (name.empty()) return failed(auth_error::bad_syntax);
        if (name.size() > max_auth_name) return failed(auth_error::field_too_long);
        while (i < h.size() && detail::auth_space(h[i])) ++i;
        if (i == h.size() || h[i] != '=') return failed(auth_error::bad_syntax);
        ++i;
        while (i < h.size() && detail::auth_space(h[i])) ++i;
        std::string_view value;
        if (i < h.size() && h[i] == '"') {
            ++i;
            const std::size_t start = i;
            bool escaped = false;
            while (i < h.size() && h[i] != '"') {
                if (h[i] == '\\') {
                    escaped = true;
                    if (++i == h.size()) break;
                }
                ++i;
            }
            if (i >= h.size()) return failed(auth_error::unbalanced_quote);
            std::string_view raw = detail::slice(h, start, i - start);
            ++i;  // closing quote
            if (raw.size() > max_auth_field) return failed(auth_error::field_too_long);
            if (escaped) {  // quoted-pair: copy without the backslashes
                const std::size_t begin = used;
                for (std::size_t k = 0; k < raw.size(); ++k) {
                    if (raw[k] == '\\') ++k;
                    if (used == scratch.size()) return failed(auth_error::buffer_too_small);
                    scratch[used++] = raw[k];
                }
                value = std::string_view(scratch.data() + begin, used - begin);
            } else {
                value = raw;
            }
        } else {
            const std::size_t start = i;
            while (i < h.size() && h[i] != ',' && !detail::auth_space(h[i])) {
                if (h[i] == '"' || h[i] == '=') return failed(auth_error::bad_syntax);
                ++i;
            }
            value = detail::slice(h, start, i - start);
            if (value.size() > max_auth_field) return failed(auth_error::field_too_long);
        }
        while (i < h.size() && detail::auth_space(h[i])) ++i;
        if (i < h.size() && h[i] != ',') return failed(auth_error::bad_syntax);

        struct slot { std::string_view key; std::string_view authorization::*field; };
        constexpr slot slots[] = {
            {"username", &authorization::username}, {"realm", &authorization::realm},
            {"nonce", &authorization::nonce},       {"uri", &authorization::uri},
            {"response", &authorization::response}, {"algorithm", &authorization::algorithm},
            {"qop", &authorization::qop},           {"nc", &authorization::nc},
            {"cnonce", &authorization::cnonce},     {"opaque", &authorization::opaque}};
        for (std::size_t s = 0; s < std::size(slots); ++s) {
            if (!iequals(name, slots[s].key)) continue;
            const auto bit = static_cast<std::uint16_t>(1u << s);
            if (seen & bit) return failed(auth_error::duplicate_field);
            seen = static_cast<std::uint16_t>(seen | bit);
            out.value.*(slots[s].field) = value;
            if (s == 4) have_response = true;
        }
    }
    if (!have_response) return failed(auth_error::missing_response);
    const auto& v = out.value;
    if (v.username.empty() || v.realm.empty() || v.nonce.empty() || v.uri.empty())
        return failed(auth_error::missing_field);
    return out;
}

// --- Digest (RFC 2617 §3.2.2; RFC 2069 when there is no qop) -----------------------------

/// HA1 = MD5(username:realm:password).
[[nodiscard]] constexpr md5_hex digest_ha1(std::string_view user, std::string_view realm,
                                           std::string_view password) noexcept {
    return to_hex(md5{}.update(user).update(":").update(realm).update(":").update(password).finish());
}

/// The response a client must send for `method` given HA1 (digest_ha1), or nullopt when the
/// header asks for something we do not compute (qop=auth-int, an algorithm other than MD5 or
/// MD5-sess, qop=auth without nc/cnonce). HA2 uses the header's uri=, as RFC 2617 defines.
[[nodiscard]] constexpr std::optional<md5_hex> digest_response(const authorization& a, std::string_view method,
                                                               const md5_hex& ha1) noexcept {
    using rtsp::detail::iequals;
    md5_hex key = ha1;
    if (a.algorithm.empty() || iequals(a.algorithm, "MD5")) {
        // plain MD5
    } else if (iequals(a.algorithm, "MD5-sess")) {
        if (a.cnonce.empty()) return std::nullopt;
        key = to_hex(md5{}.update(ha1.view()).update(":").update(a.nonce).update(":").update(a.cnonce).finish());
    } else {
        return std::nullopt;
    }
    const md5_hex ha2 = to_hex(md5{}.update(method).update(":").update(a.uri).finish());
    md5 r;
    r.update(key.view()).update(":").update(a.nonce).update(":");
    if (a.qop.empty()) {  // RFC 2069, as live555 (VLC) sends
        r.update(ha2.view());
    } else if (iequals(a.qop, "auth")) {
        if (a.nc.empty() || a.cnonce.empty()) return std::nullopt;
        r.update(a.nc).update(":").update(a.cnonce).update(":").update(a.qop).update(":").update(ha2.view());
    } else {
        return std::nullopt;
    }
    return to_hex(r.finish());
}

/// True when a Digest header's response is right for this method and password.
[[nodiscard]] constexpr bool verify_digest(const authorization& a, std::string_view method,
                                           std::string_view password) noexcept {
    if (a.scheme != auth_scheme::digest) return false;
    auto expect = digest_response(a, method, digest_ha1(a.username, a.realm, password));
    if (!expect) return false;
    return constant_time_equal(expect->view(), a.response);
}

/// True when Basic credentials match (compared as MD5(user:realm:password) in constant time).
[[nodiscard]] constexpr bool verify_basic(const authorization& a, std::string_view realm, std::string_view user,
                                          std::string_view password) noexcept {
    if (a.scheme != auth_scheme::basic) return false;
    return constant_time_equal(digest_ha1(a.username, realm, a.password).view(),
                               digest_ha1(user, realm, password).view());
}

// --- stateless nonces --------------------------------------------------------------------

/// The server's secret for nonces: 16 bytes, drawn once from the Random concept.
using auth_key = std::array<std::uint8_t, 16>;

template <class R>
[[nodiscard]] constexpr auth_key make_auth_key(R& rng) noexcept {
    auth_key k{};
    for (std::size_t half = 0; half < 2; ++half) {
        const std::uint64_t v = rng.next_u64();
        for (std::size_t i = 0; i < 8; ++i) k[8 * half + i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    return k;
}

/// HMAC-MD5 (RFC 2104) of msg under key.
[[nodiscard]] constexpr md5_digest hmac_md5(const auth_key& key, std::string_view msg) noexcept {
    std::array<std::uint8_t, 64> pad{};
    for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<std::uint8_t>((i < key.size() ? key[i] : 0) ^ 0x36);
    const md5_digest inner = md5{}.update(std::span<const std::uint8_t>(pad)).update(msg).finish();
    for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<std::uint8_t>((i < key.size() ? key[i] : 0) ^ 0x5c);
    return md5{}.update(std::span<const std::uint8_t>(pad)).update(std::span<const std::uint8_t>(inner)).finish();
}

/// 16 hex digits of the issue time in seconds, then 32 of HMAC-MD5(key, those 16 digits).
inline constexpr std::size_t nonce_length = 48;

struct nonce_text {
    std::array<char, nonce_length> text{};
    [[nodiscard]] constexpr std::string_view view() const noexcept { return {text.data(), text.size()}; }
};

[[nodiscard]] constexpr nonce_text make_nonce(const auth_key& key, std::uint64_t issued_s) noexcept {
    constexpr char digits[] = "0123456789abcdef";
    nonce_text n;
    for (std::size_t i = 0; i < 16; ++i) n.text[i] = digits[(issued_s >> (4 * (15 - i))) & 0xF];
    const md5_hex mac = to_hex(hmac_md5(key, std::string_view(n.text.data(), 16)));
    for (std::size_t i = 0; i < 32; ++i) n.text[16 + i] = mac.text[i];
    return n;
}

enum class nonce_status : std::uint8_t { valid, stale, invalid };

/// valid: ours and younger than lifetime_s; stale: ours but older (answer 401 stale=true);
/// invalid: not one we issued (or issued "in the future").
[[nodiscard]] constexpr nonce_status check_nonce(const auth_key& key, std::string_view nonce, std::uint64_t now_s,
                                                 std::uint32_t lifetime_s) noexcept {
    if (nonce.size() != nonce_length) return nonce_status::invalid;
    std::uint64_t issued = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        const char c = nonce[i];
        std::uint64_t v = 0;
        if (c >= '0' && c <= '9') v = static_cast<std::uint64_t>(c - '0');
        else if (c >= 'a' && c <= 'f') v = static_cast<std::uint64_t>(c - 'a' + 10);
        else return nonce_status::invalid;
        issued = (issued << 4) | v;
    }
    const md5_hex mac = to_hex(hmac_md5(key, detail::slice(nonce, 0, 16)));
    if (!constant_time_equal(mac.view(), detail::slice(nonce, 16))) return nonce_status::invalid;
    if (issued > now_s) return nonce_status::invalid;
    return now_s - issued > lifetime_s ? nonce_status::stale : nonce_status::valid;
}

}  // namespace rtsp::protocol
