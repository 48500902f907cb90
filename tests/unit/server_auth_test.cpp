// SPDX-License-Identifier: MIT
// The server's authentication (PROTOCOL.md §3.7) through the in-memory fake network: the exact
// challenge live555's sscanf can read, RFC 2069 and qop=auth answers, stale nonces, forged
// nonces, Basic only behind allow_basic, credentials checked on every request including those
// with a valid Session, malformed Authorization headers, and a per-path policy.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <rtsp/server.hpp>

#include "fake_network.hpp"
#include "rtsp_output.hpp"
#include "jpeg_codec.hpp"

using namespace rtsp;
using test::fake_network;
using test::fake_world;

namespace {

using server_t = basic_server<fake_network, test::manual_clock, test::counter_random>;

using response = test::rtsp_response;

/// The responses on a connection; these tests expect no media in between.
std::vector<response> parse_responses(const std::string& out) {
    auto v = test::parse_rtsp_output(out);
    REQUIRE(v.interleaved.empty());
    return v.responses;
}

server_options with_auth(server_options o = {}) {
    o.port = 8554;
    o.username = "alice";
    o.password = "s3cret";
    o.nonce_lifetime_s = 60;
    return o;
}

struct harness {
    fake_world world;
    std::uint64_t now = 1'000'000'000;  // 1000 s
    std::vector<std::string> events;
    std::vector<std::byte> jpeg = test::encode_jpeg(test::make_test_image(64, 48), {});
    server_t server;

    explicit harness(server_options o = with_auth(), test::counter_random rng = {})
        : server(o, fake_network(&world), test::manual_clock{&now}, rng) {
        server.register_teardown_cb([this](std::string_view p, std::uint64_t) { events.push_back("teardown " + std::string(p)); });
        server.register_play_cb([this](std::string_view p, std::uint64_t) { events.push_back("play " + std::string(p)); });
        server.set_source([this](std::string_view) { return jpeg_view{std::span<const std::byte>(jpeg)}; });
    }
    response request(int c, const std::string& text) {
        world.write(c, text);
        for (int i = 0; i < 2; ++i) REQUIRE(server.poll(0));
        auto v = parse_responses(world.read(c));
        REQUIRE(v.size() == 1);
        return v[0];
    }
};

std::string req(const std::string& method, const std::string& url, int cseq, const std::string& extra = "") {
    return method + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(cseq) + "\r\n" + extra + "\r\n";
}

std::string md5s(const std::string& s) { return std::string(protocol::md5_hex_of(s).view()); }

/// The nonce (and whether stale was set) read exactly as live555's RTSPClient does.
struct live555_view {
    int fields = 0;
    std::string realm, nonce, stale;
};
live555_view live555_scan(const std::string& challenge) {
    char realm[256] = {}, nonce[256] = {}, stale[256] = {};
    live555_view v;
    v.fields = std::sscanf(challenge.c_str(), "Digest realm=\"%255[^\"]\", nonce=\"%255[^\"]\", stale=%255[a-zA-Z]",
                           realm, nonce, stale);
    v.realm = realm;
    v.nonce = nonce;
    v.stale = stale;
    return v;
}

/// An Authorization header as live555 (RFC 2069, no qop) or FFmpeg (qop=auth) computes it,
/// written out here independently of the library's digest_response().
std::string digest_header(const std::string& method, const std::string& uri, const std::string& nonce,
                          const std::string& user = "alice", const std::string& pw = "s3cret",
                          bool qop = false, const std::string& realm = "rtsp") {
    const std::string ha1 = md5s(user + ":" + realm + ":" + pw);
    const std::string ha2 = md5s(method + ":" + uri);
    std::string h = "Authorization: Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce +
                    "\", uri=\"" + uri + "\", ";
    if (qop) {
        const std::string resp = md5s(ha1 + ":" + nonce + ":00000001:0a4f113b:auth:" + ha2);
        h += "response=\"" + resp + "\", algorithm=\"MD5\", qop=auth, nc=00000001, cnonce=\"0a4f113b\"";
    } else {
        h += "response=\"" + md5s(ha1 + ":" + nonce + ":" + ha2) + "\"";
    }
    return h + "\r\n";
}

std::string nonce_of(harness& h, int c) {
    auto r = h.request(c, req("DESCRIBE", "rtsp://127.0.0.1:8554/cam", 1));
    REQUIRE(r.status == 401);
    REQUIRE(!r.all("www-authenticate").empty());
    auto v = live555_scan(r.all("www-authenticate")[0]);
    REQUIRE(v.fields >= 2);
    return v.nonce;
}

}  // namespace

TEST_CASE("auth: 401 challenge readable by live555's sscanf, realm before nonce", "[server][auth]") {
    harness h;
    int c = h.world.connect();
    auto r = h.request(c, req("DESCRIBE", "rtsp://127.0.0.1:8554/cam", 2));
    REQUIRE(r.status == 401);
    CHECK(r.get("cseq") == "2");
    REQUIRE(r.all("www-authenticate").size() == 1);  // no Basic unless allow_basic
    const std::string ch = r.all("www-authenticate")[0];
    CHECK(ch.rfind("Digest realm=\"rtsp\", nonce=\"", 0) == 0);
    CHECK(ch.find("algorithm=MD5") != std::string::npos);
    CHECK(ch.find("stale") == std::string::npos);
    auto v = live555_scan(ch);
    CHECK(v.fields == 2);
    CHECK(v.realm == "rtsp");
    CHECK(v.nonce.size() == protocol::nonce_length);
    CHECK(r.body.empty());
}

TEST_CASE("auth: RFC 2069 (VLC) and qop=auth (FFmpeg) answers open the stream", "[server][auth]") {
    harness h;
    int c = h.world.connect();
    const std::string nonce = nonce_of(h, c);
    const std::string url = "rtsp://127.0.0.1:8554/cam";
    auto d = h.request(c, req("DESCRIBE", url, 2, digest_header("DESCRIBE", url, nonce)));
    CHECK(d.status == 200);
    CHECK(d.body.find("m=video") != std::string::npos);
    auto q = h.request(c, req("DESCRIBE", url, 3, digest_header("DESCRIBE", url, nonce, "alice", "s3cret", true)));
    CHECK(q.status == 200);

    // The whole session, each request with its own credentials.
    const std::string track = url + "/track1";
    auto s = h.request(c, req("SETUP", track, 4,
                              "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n" +
                                  digest_header("SETUP", track, nonce)));
    REQUIRE(s.status == 200);
    const std::string sid = s.get("session").substr(0, s.get("session").find(';'));
    auto p = h.request(c, req("PLAY", url, 5, "Session: " + sid + "\r\n" + digest_header("PLAY", url, nonce)));
    CHECK(p.status == 200);
    CHECK(h.events == std::vector<std::string>{"play /cam"});

    // A valid Session does not replace credentials (CVE-2026-41470): 401, and the session lives.
    for (const char* m : {"PLAY", "PAUSE", "GET_PARAMETER", "SET_PARAMETER", "TEARDOWN"}) {
        auto r = h.request(c, req(m, url, 6, "Session: " + sid + "\r\n"));
        INFO(m);
        CHECK(r.status == 401);
    }
    // Credentials for another method (a replayed PLAY answer) do not pass a TEARDOWN.
    auto replay = h.request(c, req("TEARDOWN", url, 7, "Session: " + sid + "\r\n" + digest_header("PLAY", url, nonce)));
    CHECK(replay.status == 401);
    CHECK(h.server.session_count() == 1);
    CHECK(h.events == std::vector<std::string>{"play /cam"});

    // OPTIONS stays open (live555 practice): it reveals nothing but the method list.
    CHECK(h.request(c, req("OPTIONS", url, 8)).status == 200);
    CHECK(h.request(c, req("OPTIONS", "*", 9, "Session: " + sid + "\r\n")).status == 200);

    auto t = h.request(c, req("TEARDOWN", url, 10, "Session: " + sid + "\r\n" + digest_header("TEARDOWN", url, nonce)));
    CHECK(t.status == 200);
    CHECK(h.server.session_count() == 0);
    CHECK(h.events.back() == "teardown /cam");
}

TEST_CASE("auth: a Session replayed on an unauthenticated connection gets 401", "[server][auth]") {
    harness h;
    int a = h.world.connect();
    const std::string nonce = nonce_of(h, a);
    const std::string url = "rtsp://127.0.0.1:8554/cam";
    auto s = h.request(a, req("SETUP", url + "/track1", 2,
                              "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n" +
                                  digest_header("SETUP", url + "/track1", nonce)));
    REQUIRE(s.status == 200);
    const std::string sid = s.get("session").substr(0, s.get("session").find(';'));
    int b = h.world.connect(net::address::v4(127, 0, 0, 1, 40001));
    CHECK(h.request(b, req("PLAY", url, 1, "Session: " + sid + "\r\n")).status == 401);
    CHECK(h.request(b, req("TEARDOWN", url, 2, "Session: " + sid + "\r\n")).status == 401);
    // With credentials it is still another connection's session: 454.
    CHECK(h.request(b, req("TEARDOWN", url, 3, "Session: " + sid + "\r\n" + digest_header("TEARDOWN", url, nonce)))
              .status == 454);
    CHECK(h.server.session_count() == 1);
}

TEST_CASE("auth: wrong password, wrong user, wrong realm, forged nonce: 401 without stale", "[server][auth]") {
    harness h;
    int c = h.world.connect();
    const std::string nonce = nonce_of(h, c);
    const std::string url = "rtsp://127.0.0.1:8554/cam";
    auto expect_plain_401 = [&](const std::string& auth) {
        auto r = h.request(c, req("DESCRIBE", url, 2, auth));
        CHECK(r.status == 401);
        REQUIRE(r.all("www-authenticate").size() == 1);
        CHECK(live555_scan(r.all("www-authenticate")[0]).fields == 2);  // no stale=
    };
    expect_plain_401(digest_header("DESCRIBE", url, nonce, "alice", "s3creT"));
    expect_plain_401(digest_header("DESCRIBE", url, nonce, "alice", ""));
    expect_plain_401(digest_header("DESCRIBE", url, nonce, "bob", "s3cret"));
    expect_plain_401(digest_header("DESCRIBE", url, nonce, "alice", "s3cret", false, "other"));
    expect_plain_401(digest_header("DESCRIBE", url, nonce, "alice", "s3cret", true, "other"));
    // A nonce of the right shape that this server never issued (its MAC is wrong).
    std::string forged = nonce;
    forged[20] = forged[20] == 'a' ? 'b' : 'a';
    expect_plain_401(digest_header("DESCRIBE", url, forged));
    expect_plain_401(digest_header("DESCRIBE", url, "dcd98b7102dd2f0e8b11d0f600bfb0c093"));
    // The correct answer still works afterwards.
    CHECK(h.request(c, req("DESCRIBE", url, 3, digest_header("DESCRIBE", url, nonce))).status == 200);
}

TEST_CASE("auth: nonces from another server instance are refused", "[server][auth]") {
    harness first;
    int c1 = first.world.connect();
    const std::string foreign = nonce_of(first, c1);
    test::counter_random other_rng;
    other_rng.state = 42;
    harness second(with_auth(), other_rng);
    int c2 = second.world.connect();
    const std::string url = "rtsp://127.0.0.1:8554/cam";
    CHECK(second.request(c2, req("DESCRIBE", url, 1, digest_header("DESCRIBE", url, foreign))).status == 401);
    CHECK(first.request(c1, req("DESCRIBE", url, 2, digest_header("DESCRIBE", url, foreign))).status == 200);
}

TEST_CASE("auth: expired nonces get stale=TRUE, then a fresh nonce works", "[server][auth]") {
    harness h;
    int c = h.world.connect();
    const std::string nonce = nonce_of(h, c);
    const std::string url = "rtsp://127.0.0.1:8554/cam";
    h.now += 60'000'000;  // exactly the lifetime: still valid
    CHECK(h.request(c, req("DESCRIBE", url, 2, digest_header("DESCRIBE", url, nonce))).status == 200);
    h.now += 1'000'000;  // one second past it
    auto r = h.request(c, req("DESCRIBE", url, 3, digest_header("DESCRIBE", url, nonce)));
    REQUIRE(r.status == 401);
    REQUIRE(r.all("www-authenticate").size() == 1);
    auto v = live555_scan(r.all("www-authenticate")[0]);
    REQUIRE(v.fields == 3);
    CHECK(v.stale == "TRUE");
    CHECK(v.nonce != nonce);
    CHECK(h.request(c, req("DESCRIBE", url, 4, digest_header("DESCRIBE", url, v.nonce))).status == 200);
    // A stale nonce with a wrong password is not stale: the user must re-enter credentials.
    auto w = h.request(c, req("DESCRIBE", url, 5, digest_header("DESCRIBE", url, nonce, "alice", "x")));
    REQUIRE(w.all("www-authenticate").size() == 1);
    CHECK(live555_scan(w.all("www-authenticate")[0]).fields == 2);
}

TEST_CASE("auth: Basic only with allow_basic, offered after Digest", "[server][auth]") {
    const std::string url = "rtsp://127.0.0.1:8554/cam";
    const std::string good = "Authorization: Basic YWxpY2U6czNjcmV0\r\n";  // alice:s3cret
    const std::string bad = "Authorization: Basic YWxpY2U6czNjcmVU\r\n";   // alice:s3creT
    {
        harness h;
        int c = h.world.connect();
        auto r = h.request(c, req("DESCRIBE", url, 1, good));
        CHECK(r.status == 401);  // clear-text passwords are refused by default
        CHECK(r.all("www-authenticate").size() == 1);
    }
    server_options o = with_auth();
    o.allow_basic = true;
    harness h(o);
    int c = h.world.connect();
    auto r = h.request(c, req("DESCRIBE", url, 1));
    REQUIRE(r.status == 401);
    REQUIRE(r.all("www-authenticate").size() == 2);
    CHECK(r.all("www-authenticate")[0].rfind("Digest realm=\"rtsp\", nonce=\"", 0) == 0);  // clients prefer the first
    CHECK(r.all("www-authenticate")[1] == "Basic realm=\"rtsp\"");
    CHECK(h.request(c, req("DESCRIBE", url, 2, good)).status == 200);
    CHECK(h.request(c, req("DESCRIBE", url, 3, bad)).status == 401);
    CHECK(h.request(c, req("DESCRIBE", url, 4, "Authorization: Basic Ym9iOnMzY3JldA==\r\n")).status == 401);  // bob
}

TEST_CASE("auth: malformed Authorization headers get 400 and the connection goes on", "[server][auth]") {
    harness h;
    int c = h.world.connect();
    const std::string nonce = nonce_of(h, c);
    const std::string url = "rtsp://127.0.0.1:8554/cam";
    const std::string bads[] = {
        "Authorization: Digest username=\"alice, realm=\"rtsp\"\r\n",                   // unbalanced
        "Authorization: Digest username=\"alice\", realm=\"rtsp\", nonce=\"" + nonce +
            "\", uri=\"" + url + "\"\r\n",                                                // no response=
        "Authorization: Digest username=\"" + std::string(600, 'a') + "\", response=\"x\"\r\n",  // too long
        "Authorization: Digest username=\"alice\", username=\"bob\", response=\"x\"\r\n",        // duplicate
        "Authorization: Basic !!!!\r\n",
    };
    int cseq = 2;
    for (const auto& b : bads) {
        auto r = h.request(c, req("DESCRIBE", url, cseq++, b));
        INFO(b.substr(0, 80));
        CHECK(r.status == 400);
        CHECK(r.all("www-authenticate").empty());
    }
    // NUL inside the header is refused by the request parser itself (400 and close), before
    // the Authorization parser sees it; PROTOCOL.md §4 row 20 either way.
    // An unknown scheme is a challenge, not an error: the client may know Digest.
    auto u = h.request(c, req("DESCRIBE", url, cseq++, "Authorization: Bearer abc\r\n"));
    CHECK(u.status == 401);
    CHECK(u.all("www-authenticate").size() == 1);
    CHECK(h.request(c, req("DESCRIBE", url, cseq++, digest_header("DESCRIBE", url, nonce))).status == 200);
}

TEST_CASE("auth: per-path policy through register_auth_cb", "[server][auth]") {
    server_options o;
    o.port = 8554;
    o.realm = "cams";
    harness h(o);
    std::vector<std::string> asked;
    h.server.register_auth_cb([&asked](std::string_view path, std::string_view user) {
        asked.push_back(std::string(path) + "|" + std::string(user));
        if (path == "/public") return auth_answer::open();
        if (path == "/cam" && user == "alice") return auth_answer::password("pw1");
        if (path == "/admin" && user == "root") return auth_answer::password("pw2");
        return auth_answer::deny();
    });
    int c = h.world.connect();
    CHECK(h.request(c, req("DESCRIBE", "rtsp://127.0.0.1:8554/public", 1)).status == 200);
    CHECK(h.request(c, req("SETUP", "rtsp://127.0.0.1:8554/public/track1", 2,
                           "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"))
              .status == 200);
    CHECK(asked.front() == "/public|");
    auto r = h.request(c, req("DESCRIBE", "rtsp://127.0.0.1:8554/cam", 3));
    REQUIRE(r.status == 401);
    auto v = live555_scan(r.all("www-authenticate").at(0));
    REQUIRE(v.fields == 2);
    CHECK(v.realm == "cams");
    const std::string cam = "rtsp://127.0.0.1:8554/cam", admin = "rtsp://127.0.0.1:8554/admin";
    CHECK(h.request(c, req("DESCRIBE", cam, 4, digest_header("DESCRIBE", cam, v.nonce, "alice", "pw1", false, "cams")))
              .status == 200);
    // alice has no access to /admin, even with her right password; root does.
    CHECK(h.request(c, req("DESCRIBE", admin, 5, digest_header("DESCRIBE", admin, v.nonce, "alice", "pw1", false, "cams")))
              .status == 401);
    CHECK(h.request(c, req("DESCRIBE", admin, 6, digest_header("DESCRIBE", admin, v.nonce, "root", "pw2", true, "cams")))
              .status == 200);
    // The SETUP URL's track resolves to its stream's policy.
    CHECK(std::find(asked.begin(), asked.end(), "/public|") != asked.end());
    CHECK(std::count(asked.begin(), asked.end(), "/admin|root") == 1);
}

TEST_CASE("auth: off by default; Authorization then ignored", "[server][auth]") {
    server_options o;
    o.port = 8554;
    harness h(o);
    int c = h.world.connect();
    CHECK(h.request(c, req("DESCRIBE", "rtsp://127.0.0.1:8554/cam", 1)).status == 200);
    // An Authorization header on an open server is ignored.
    CHECK(h.request(c, req("DESCRIBE", "rtsp://127.0.0.1:8554/cam", 2, "Authorization: Digest garbage\r\n")).status ==
          200);
}
