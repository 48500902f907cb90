// SPDX-License-Identifier: MIT
// The pure authentication layer (rtsp/protocol/auth.hpp): MD5 against RFC 1321's test suite,
// Digest against RFC 2617 §3.5's worked example, the Authorization parser's refusals (the bad
// inputs of PROTOCOL.md §4 row 20) and every truncation of a real header, and nonces.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <rtsp/protocol/auth.hpp>

using namespace rtsp::protocol;

namespace {

// RFC 1321 appendix A.5, checked at compile time too (the header promises constexpr).
static_assert(md5_hex_of("abc").view() == "900150983cd24fb0d6963f7d28e17f72");
static_assert(md5_hex_of("").view() == "d41d8cd98f00b204e9800998ecf8427e");

constexpr std::string_view rfc_header =
    R"(Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", )"
    R"(uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", )"
    R"(response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41")";

auth_parse_result parse(std::string_view h) {
    static std::array<char, 256> scratch;
    return parse_authorization(h, scratch);
}

}  // namespace

TEST_CASE("md5: RFC 1321 test suite", "[auth][md5]") {
    CHECK(md5_hex_of("").view() == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(md5_hex_of("a").view() == "0cc175b9c0f1b6a831c399e269772661");
    CHECK(md5_hex_of("abc").view() == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(md5_hex_of("message digest").view() == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(md5_hex_of("abcdefghijklmnopqrstuvwxyz").view() == "c3fcd3d76192e4007dfb496cca67e13b");
    CHECK(md5_hex_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").view() ==
          "d174ab98d277d9f5a5611c2c9f419d9f");
    CHECK(md5_hex_of("12345678901234567890123456789012345678901234567890123456789012345678901234567890").view() ==
          "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("md5: incremental updates equal one update, across block edges", "[auth][md5]") {
    std::string text;
    for (int i = 0; i < 200; ++i) text += static_cast<char>('A' + i % 26);
    for (std::size_t len : {55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 200u}) {
        const std::string_view s(text.data(), len);
        const md5_hex whole = md5_hex_of(s);
        for (std::size_t cut = 0; cut <= len; cut += 7) {
            md5 m;
            m.update(s.substr(0, cut)).update(s.substr(cut));
            CHECK(to_hex(m.finish()).view() == whole.view());
        }
    }
    // The 55/56 padding edge against a known value: 56 'a's.
    CHECK(md5_hex_of(std::string(56, 'a')).view() == "3b0c8ac703f828b04c6c197006d17218");
}

TEST_CASE("digest: RFC 2617 section 3.5 example", "[auth][digest]") {
    auto r = parse(rfc_header);
    REQUIRE(r);
    const auto& a = r.value;
    CHECK(a.scheme == auth_scheme::digest);
    CHECK(a.username == "Mufasa");
    CHECK(a.realm == "testrealm@host.com");
    CHECK(a.nonce == "dcd98b7102dd2f0e8b11d0f600bfb0c093");
    CHECK(a.uri == "/dir/index.html");
    CHECK(a.qop == "auth");
    CHECK(a.nc == "00000001");
    CHECK(a.cnonce == "0a4f113b");
    CHECK(a.response == "6629fae49393a05397450978507c4ef1");
    CHECK(a.opaque == "5ccc069c403ebaf9f0171e9517f40e41");
    CHECK(a.algorithm.empty());
    CHECK(verify_digest(a, "GET", "Circle Of Life"));
    CHECK_FALSE(verify_digest(a, "GET", "Circle of Life"));
    CHECK_FALSE(verify_digest(a, "POST", "Circle Of Life"));
    CHECK_FALSE(verify_digest(a, "GET", ""));
}

TEST_CASE("digest: RFC 2069 form (no qop), as live555/VLC sends", "[auth][digest]") {
    // HA1 = MD5(u:r:p), HA2 = MD5(DESCRIBE:uri), response = MD5(HA1:nonce:HA2).
    const std::string ha1 = std::string(md5_hex_of("user:rtsp:secret").view());
    const std::string ha2 = std::string(md5_hex_of("DESCRIBE:rtsp://127.0.0.1:8554/cam").view());
    const std::string resp = std::string(md5_hex_of(ha1 + ":abc123:" + ha2).view());
    const std::string h = "Digest username=\"user\", realm=\"rtsp\", nonce=\"abc123\", "
                          "uri=\"rtsp://127.0.0.1:8554/cam\", response=\"" + resp + "\"";
    auto r = parse(h);
    REQUIRE(r);
    CHECK(verify_digest(r.value, "DESCRIBE", "secret"));
    CHECK_FALSE(verify_digest(r.value, "DESCRIBE", "secreT"));
    CHECK_FALSE(verify_digest(r.value, "SETUP", "secret"));
    // Upper-case hex from a client is the same number.
    std::string upper = resp;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string hu = "Digest username=\"user\", realm=\"rtsp\", nonce=\"abc123\", "
                           "uri=\"rtsp://127.0.0.1:8554/cam\", response=\"" + upper + "\"";
    auto ru = parse(hu);  // the result views hu: keep it alive
    REQUIRE(ru);
    CHECK(verify_digest(ru.value, "DESCRIBE", "secret"));
    // algorithm=MD5 explicitly is the same; SHA-256 and auth-int are not computed.
    authorization a = r.value;
    a.algorithm = "MD5";
    CHECK(verify_digest(a, "DESCRIBE", "secret"));
    a.algorithm = "SHA-256";
    CHECK_FALSE(verify_digest(a, "DESCRIBE", "secret"));
    a.algorithm = {};
    a.qop = "auth-int";
    a.nc = "00000001";
    a.cnonce = "x";
    CHECK_FALSE(digest_response(a, "DESCRIBE", digest_ha1("user", "rtsp", "secret")).has_value());
    a.qop = "auth";
    a.cnonce = {};
    CHECK_FALSE(digest_response(a, "DESCRIBE", digest_ha1("user", "rtsp", "secret")).has_value());
}

TEST_CASE("digest: MD5-sess", "[auth][digest]") {
    authorization a;
    a.username = "u";
    a.realm = "r";
    a.nonce = "n";
    a.uri = "/x";
    a.algorithm = "MD5-sess";
    a.cnonce = "c";
    const std::string ha1 = std::string(md5_hex_of("u:r:p").view());
    const std::string sess = std::string(md5_hex_of(ha1 + ":n:c").view());
    const std::string ha2 = std::string(md5_hex_of("PLAY:/x").view());
    const std::string expect = std::string(md5_hex_of(sess + ":n:" + ha2).view());
    auto got = digest_response(a, "PLAY", digest_ha1("u", "r", "p"));
    REQUIRE(got);
    CHECK(got->view() == expect);
}

TEST_CASE("constant_time_equal", "[auth]") {
    CHECK(constant_time_equal("", ""));
    CHECK(constant_time_equal("abcdef", "ABCDEF"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "abcd"));
    CHECK_FALSE(constant_time_equal("xbc", "abc"));
}

TEST_CASE("basic: decoding and verification", "[auth][basic]") {
    auto r = parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617: Aladdin:open sesame
    REQUIRE(r);
    CHECK(r.value.scheme == auth_scheme::basic);
    CHECK(r.value.username == "Aladdin");
    CHECK(r.value.password == "open sesame");
    CHECK(verify_basic(r.value, "rtsp", "Aladdin", "open sesame"));
    CHECK_FALSE(verify_basic(r.value, "rtsp", "Aladdin", "open sesamE"));
    CHECK_FALSE(verify_basic(r.value, "rtsp", "aladdin", "open sesame"));
    CHECK_FALSE(verify_basic(r.value, "rtsp", "Aladdin", "open sesame "));
    CHECK_FALSE(verify_digest(r.value, "GET", "open sesame"));  // scheme mismatch

    auto empty_pw = parse("basic dXNlcjo=");  // "user:"; scheme names are case-insensitive
    REQUIRE(empty_pw);
    CHECK(empty_pw.value.username == "user");
    CHECK(empty_pw.value.password.empty());
    auto colon_pw = parse("Basic dTpwOnE=");  // "u:p:q": the password may hold colons
    REQUIRE(colon_pw);
    CHECK(colon_pw.value.password == "p:q");
    auto unpadded = parse("Basic dTpw");  // "u:p" needs no padding
    REQUIRE(unpadded);
    CHECK(unpadded.value.password == "p");

    CHECK(parse("Basic").error == auth_error::bad_base64);
    CHECK(parse("Basic dXNlcg==").error == auth_error::bad_base64);     // "user": no colon
    CHECK(parse("Basic dXNl*jo=").error == auth_error::bad_base64);     // not base64
    CHECK(parse("Basic dXNlcjo").error == auth_error::none);            // unpadded "user:"
    CHECK(parse("Basic dXNlcjo==").error == auth_error::bad_base64);    // padding not to a quad
    CHECK(parse("Basic d").error == auth_error::bad_base64);            // 6 bits
    CHECK(parse("Basic dQ==dQ==").error == auth_error::bad_base64);     // padding in the middle
    CHECK(parse("Basic AHU6cA==").error == auth_error::nul_byte);       // "\0u:p"
    std::array<char, 4> tiny{};
    CHECK(parse_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", tiny).error == auth_error::buffer_too_small);
    CHECK(parse("Basic " + std::string(600, 'A')).error == auth_error::field_too_long);
}

TEST_CASE("authorization parser: refusals with typed errors", "[auth][parse]") {
    const std::string good = std::string(rfc_header);
    CHECK(parse("").error == auth_error::empty);
    CHECK(parse("   ").error == auth_error::empty);
    CHECK(parse("Bearer abc").error == auth_error::unsupported_scheme);
    CHECK(parse("Digestive username=\"a\"").error == auth_error::unsupported_scheme);

    // NUL anywhere (rgaufman/live555 #23, CVE-2019-9215), and other control bytes.
    std::string with_nul = good;
    with_nul.insert(30, 1, '\0');
    CHECK(parse(with_nul).error == auth_error::nul_byte);
    std::string nul_in_value = "Digest username=\"ab\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"x\"";
    nul_in_value[18] = '\0';
    CHECK(parse(nul_in_value).error == auth_error::nul_byte);
    CHECK(parse("Digest username=\"a\rb\", response=\"x\"").error == auth_error::nul_byte);
    CHECK(parse("Digest username=\"a\x7f\", response=\"x\"").error == auth_error::nul_byte);

    // Unbalanced quotes.
    CHECK(parse("Digest username=\"Mufasa, realm=\"r\"").error == auth_error::bad_syntax);
    CHECK(parse("Digest username=\"Mufasa").error == auth_error::unbalanced_quote);
    CHECK(parse("Digest username=\"Mufasa\\\"").error == auth_error::unbalanced_quote);
    CHECK(parse("Digest username=\"Mufasa\\").error == auth_error::unbalanced_quote);
    CHECK(parse("Digest username=Muf\"asa\"").error == auth_error::bad_syntax);

    // Over-long fields and names.
    CHECK(parse("Digest username=\"" + std::string(513, 'u') + "\", response=\"x\"").error ==
          auth_error::field_too_long);
    CHECK(parse("Digest username=" + std::string(513, 'u') + ", response=\"x\"").error ==
          auth_error::field_too_long);
    CHECK(parse("Digest " + std::string(33, 'n') + "=1, response=\"x\"").error == auth_error::field_too_long);
    CHECK(parse("Digest username=\"" + std::string(512, 'u') +
                "\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"x\"")
              .error == auth_error::none);

    // Missing response= and missing fields.
    CHECK(parse("Digest").error == auth_error::missing_response);
    CHECK(parse("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\"").error ==
          auth_error::missing_response);
    CHECK(parse("Digest realm=\"r\", nonce=\"n\", uri=\"/\", response=\"x\"").error == auth_error::missing_field);
    CHECK(parse("Digest username=\"\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"x\"").error ==
          auth_error::missing_field);
    CHECK(parse("Digest username=\"u\", realm=\"r\", uri=\"/\", response=\"x\"").error == auth_error::missing_field);

    // Syntax.
    CHECK(parse("Digest username").error == auth_error::bad_syntax);
    CHECK(parse("Digest username \"u\"").error == auth_error::bad_syntax);
    CHECK(parse("Digest =\"u\"").error == auth_error::bad_syntax);
    CHECK(parse("Digest username=\"u\" realm=\"r\"").error == auth_error::bad_syntax);
    CHECK(parse("Digest username=a=b").error == auth_error::bad_syntax);
    CHECK(parse("Digest response=\"x\", response=\"y\", username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\"")
              .error == auth_error::duplicate_field);
    CHECK(parse("Digest Username=\"u\", USERNAME=\"v\", response=\"x\"").error == auth_error::duplicate_field);
}

TEST_CASE("authorization parser: lenient where real clients differ", "[auth][parse]") {
    // Tokens instead of quoted strings, odd spacing, empty list elements, unknown parameters,
    // case-insensitive names: all seen from some client or allowed by RFC 2617's grammar.
    auto r = parse("  digest  USERNAME = \"u\" ,, realm=r,nonce=n ,uri=\"rtsp://h/a b\", "
                   "foo=\"bar, baz\", response=abc,  ");
    REQUIRE(r);
    CHECK(r.value.username == "u");
    CHECK(r.value.realm == "r");
    CHECK(r.value.nonce == "n");
    CHECK(r.value.uri == "rtsp://h/a b");
    CHECK(r.value.response == "abc");
    // Quoted-pair escapes are removed (into the scratch buffer).
    auto e = parse(R"(Digest username="a\"b\\c", realm="r", nonce="n", uri="/", response="x")");
    REQUIRE(e);
    CHECK(e.value.username == "a\"b\\c");
    std::array<char, 2> tiny{};
    CHECK(parse_authorization(R"(Digest username="a\"bc", realm="r", nonce="n", uri="/", response="x")", tiny)
              .error == auth_error::buffer_too_small);
}

TEST_CASE("authorization parser: every truncation is refused or fails to verify", "[auth][parse]") {
    // Each prefix is copied into a buffer of exactly its size, so ASan sees any over-read. A
    // prefix may parse (e.g. cut inside a token value) but must never verify unless it still
    // holds the whole response= (what follows it, opaque, is not part of the hash).
    const std::string full(rfc_header);
    const std::size_t response_end = full.find("\", opaque") + 1;
    std::size_t parsed = 0, verified = 0;
    for (std::size_t n = 0; n <= full.size(); ++n) {
        std::vector<char> exact(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        auto r = parse(std::string_view(exact.data(), exact.size()));
        if (!r) {
            CHECK(r.value.response.empty());  // an error leaves no half-filled result behind
            continue;
        }
        ++parsed;
        bool ok = verify_digest(r.value, "GET", "Circle Of Life");
        if (ok) ++verified;
        INFO("prefix length " << n);
        CHECK(ok == (n >= response_end));
    }
    // Verifying: the cuts right after response's quote, after ",", after ", ", after
    // ", opaque=" (an empty token) and the whole header; a cut inside opaque's quotes is refused.
    CHECK(verified == 5);
    CHECK(parsed > verified);  // cuts inside token values (nc=0000000) parse but do not verify
}

TEST_CASE("nonces: stateless, keyed, expiring", "[auth][nonce]") {
    struct fixed_rng {
        std::uint64_t v = 1;
        std::uint64_t next_u64() noexcept { return v++ * 0x9E3779B97F4A7C15ull; }
    } rng;
    const auth_key key = make_auth_key(rng);
    const auth_key other = make_auth_key(rng);
    CHECK(key != other);

    const nonce_text n = make_nonce(key, 1000);
    CHECK(n.view().size() == nonce_length);
    CHECK(n.view().substr(0, 16) == "00000000000003e8");
    CHECK(check_nonce(key, n.view(), 1000, 60) == nonce_status::valid);
    CHECK(check_nonce(key, n.view(), 1060, 60) == nonce_status::valid);
    CHECK(check_nonce(key, n.view(), 1061, 60) == nonce_status::stale);
    CHECK(check_nonce(key, n.view(), 999, 60) == nonce_status::invalid);  // from the future
    CHECK(check_nonce(other, n.view(), 1000, 60) == nonce_status::invalid);  // another server

    // Changing the time to extend a nonce's life breaks its MAC.
    std::string forged(n.view());
    forged[15] = 'f';
    CHECK(check_nonce(key, forged, 1100, 60) == nonce_status::invalid);
    // Every single-character change is refused.
    for (std::size_t i = 0; i < nonce_length; ++i) {
        std::string m(n.view());
        m[i] = m[i] == '0' ? '1' : '0';
        CHECK(check_nonce(key, m, 1000, 60) == nonce_status::invalid);
    }
    CHECK(check_nonce(key, n.view().substr(0, 47), 1000, 60) == nonce_status::invalid);
    CHECK(check_nonce(key, "", 1000, 60) == nonce_status::invalid);
    CHECK(check_nonce(key, std::string(48, 'g'), 1000, 60) == nonce_status::invalid);
    // Nonces from different times differ.
    CHECK(make_nonce(key, 1001).view() != n.view());

    // HMAC-MD5 against RFC 2104's test case 2 would need a 4-byte key; RFC 2202 test 1 uses a
    // 16-byte key of 0x0b and "Hi There".
    auth_key k0b{};
    k0b.fill(0x0b);
    CHECK(to_hex(hmac_md5(k0b, "Hi There")).view() == "9294727a3638bb1c13f48ef8158bfc9d");
}
