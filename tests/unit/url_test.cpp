// Tests for rtsp/protocol/url.hpp: the URLs clients send, PROTOCOL.md §4 row 16 (path
// traversal and odd URLs), IPv6 literals, user-info, ports, and control-URL resolution.
#include <catch2/catch.hpp>

#include <rtsp/protocol/url.hpp>

#include <ostream>
#include <string>
#include <utility>

using namespace std::string_literals;
using rtsp::errc;
namespace proto = rtsp::protocol;

namespace {

struct parts {
    std::string scheme, host;
    unsigned port;
    std::string path;
    bool operator==(const parts&) const = default;
};
std::ostream& operator<<(std::ostream& os, const parts& p) {
    return os << "{" << p.scheme << ", " << p.host << ", " << p.port << ", " << p.path << "}";
}

parts ok(std::string_view uri) {
    INFO(uri);
    const auto r = proto::parse_url(uri);
    REQUIRE(r);
    // Views, not copies: every part lies inside the URI (a defaulted "/" path excepted).
    auto inside = [&](std::string_view v) {
        return v.empty() || (v.data() >= uri.data() && v.data() + v.size() <= uri.data() + uri.size());
    };
    CHECK(inside(r->scheme));
    CHECK(inside(r->host));
    if (r->path != "/") CHECK(inside(r->path));
    return {std::string(r->scheme), std::string(r->host), r->port, std::string(r->path)};
}

}  // namespace

TEST_CASE("URLs as FFmpeg, GStreamer and VLC send them", "[protocol][url]") {
    CHECK(ok("rtsp://192.168.1.50:8554/cam") == parts{"rtsp", "192.168.1.50", 8554, "/cam"});
    CHECK(ok("rtsp://192.168.1.50:8554/cam/track1") == parts{"rtsp", "192.168.1.50", 8554, "/cam/track1"});
    CHECK(ok("rtsp://192.168.1.50:8554/cam/") == parts{"rtsp", "192.168.1.50", 8554, "/cam/"});
    CHECK(ok("rtsp://camera.local/cam") == parts{"rtsp", "camera.local", 0, "/cam"});
    CHECK(ok("RTSP://Camera.Local:554/Cam") == parts{"RTSP", "Camera.Local", 554, "/Cam"});
    CHECK(ok("rtsps://h:322/cam") == parts{"rtsps", "h", 322, "/cam"});
    CHECK(ok("*") == parts{"", "", 0, "*"});
    CHECK(ok("/cam") == parts{"", "", 0, "/cam"});
    CHECK(ok("/cam/track1?x=1") == parts{"", "", 0, "/cam/track1"});
    CHECK(ok("/") == parts{"", "", 0, "/"});
}

TEST_CASE("no path, query and fragment, ports", "[protocol][url]") {
    CHECK(ok("rtsp://h") == parts{"rtsp", "h", 0, "/"});
    CHECK(ok("rtsp://h:554") == parts{"rtsp", "h", 554, "/"});
    CHECK(ok("rtsp://h?x=1") == parts{"rtsp", "h", 0, "/"});
    CHECK(ok("rtsp://h#f") == parts{"rtsp", "h", 0, "/"});
    CHECK(ok("rtsp://h/cam?token=abc&x=/../y#frag") == parts{"rtsp", "h", 0, "/cam"});
    CHECK(ok("rtsp://h/cam#frag?x") == parts{"rtsp", "h", 0, "/cam"});
    CHECK(ok("rtsp://h:/cam") == parts{"rtsp", "h", 0, "/cam"});  // empty port = default
    CHECK(ok("rtsp://h:1/cam").port == 1);
    CHECK(ok("rtsp://h:65535/cam").port == 65535);
    CHECK(ok("rtsp://h:00554/cam").port == 554);
    static_assert(proto::parse_url("rtsp://h:8554/x")->port == 8554);
}

TEST_CASE("user-info is skipped", "[protocol][url]") {
    CHECK(ok("rtsp://admin:secret@192.168.1.50:8554/cam") == parts{"rtsp", "192.168.1.50", 8554, "/cam"});
    CHECK(ok("rtsp://admin@h/cam") == parts{"rtsp", "h", 0, "/cam"});
    CHECK(ok("rtsp://:@h/cam") == parts{"rtsp", "h", 0, "/cam"});
    CHECK(ok("rtsp://us%40er:p@ss@h:1/cam") == parts{"rtsp", "h", 1, "/cam"});  // last '@' wins
    CHECK(ok("rtsp://h/cam@x") == parts{"rtsp", "h", 0, "/cam@x"});              // '@' in the path
    CHECK(proto::parse_url("rtsp://user@/cam").error() == errc::bad_url);       // no host after it
}

TEST_CASE("IPv6 literals", "[protocol][url]") {
    CHECK(ok("rtsp://[::1]/cam") == parts{"rtsp", "::1", 0, "/cam"});
    CHECK(ok("rtsp://[::1]:8554/cam/") == parts{"rtsp", "::1", 8554, "/cam/"});
    CHECK(ok("rtsp://user:pw@[2001:db8::7]:554/x") == parts{"rtsp", "2001:db8::7", 554, "/x"});
    CHECK(ok("rtsp://[::ffff:192.168.1.1]/x") == parts{"rtsp", "::ffff:192.168.1.1", 0, "/x"});
    CHECK(ok("rtsp://[fe80::1%25eth0]:554/x") == parts{"rtsp", "fe80::1%25eth0", 554, "/x"});
    CHECK(ok("rtsp://[::1]") == parts{"rtsp", "::1", 0, "/"});
    for (const char* bad : {"rtsp://[::1/cam", "rtsp://[::1]x/cam", "rtsp://[::1]:/cam/../x", "rtsp://[]/cam",
                            "rtsp://[gg::1]/x", "rtsp://[1.2.3.4]/x", "rtsp://::1/cam", "rtsp://[::1]:0/x",
                            "rtsp://[::1]:65536/x", "rtsp://[fe80::1%]/x", "rtsp://[fe80::1%25]/x",
                            "rtsp://[::1]]/x", "rtsp://[::1/]/x"}) {
        INFO(bad);
        CHECK(proto::parse_url(bad).error() == errc::bad_url);
    }
}

TEST_CASE("bad hosts, ports and schemes", "[protocol][url][bad]") {
    for (const char* bad : {"", "http://h/cam", "rtspu://h/cam", "file:///etc/passwd", "cam", "cam/track1",
                            "rtsp:/h/cam", "rtsp//h/cam", "rtsp:h/cam", "rtsp://", "rtsp:///cam", "rtsp://:554/cam",
                            "rtsp://h:0/cam", "rtsp://h:65536/cam", "rtsp://h:99999999999999999999/cam",
                            "rtsp://h:abc/cam", "rtsp://h:-1/cam", "rtsp://h:+1/cam", "rtsp://h:1:2/cam",
                            "rtsp://h<x>/cam", "rtsp://h\"/cam", "rtsp://h\\x/cam", "://h/cam",
                            "rtsp://h^/cam", "rtsp://h%zz/cam"}) {
        INFO(bad);
        CHECK(proto::parse_url(bad).error() == errc::bad_url);
    }
}

TEST_CASE("row 16: path traversal and odd paths are refused", "[protocol][url][bad]") {
    for (const char* bad :
         {"rtsp://h/../../etc/passwd", "rtsp://h/cam/../x", "rtsp://h/./cam", "rtsp://h/cam/.", "rtsp://h/cam/..",
          "rtsp://h/cam/../", "rtsp://h/%2e%2e/etc/passwd", "rtsp://h/%2E%2E/x", "rtsp://h/.%2e/x",
          "rtsp://h/%2e./x", "rtsp://h/%2e/x", "rtsp://h/cam/%2E", "/../x", "/..", "/.", "//", "///",
          "rtsp://h//cam", "rtsp://h/cam//track1", "rtsp://h/cam//", "rtsp://h//", "rtsp://h/%zz",
          "rtsp://h/%2", "rtsp://h/%", "rtsp://h/a\\b", "rtsp://h/..\\..\\x", "rtsp://h/a<b", "rtsp://h/a>b",
          "rtsp://h/a\"b", "rtsp://h/a{b}", "rtsp://h/a|b", "rtsp://h/a^b", "rtsp://h/a`b",
          "rtsp://h/caf\xC3\xA9", "rtsp://h/\x80", "/cam\x7F"}) {
        INFO(bad);
        CHECK(proto::parse_url(bad).error() == errc::bad_url);
    }
    // Control bytes and spaces anywhere, including the query that is otherwise dropped.
    for (const std::string& bad : {"rtsp://h/c am"s, "rtsp://h/cam\0x"s, "rtsp://h/cam\r\nX: y"s, "rtsp://h/cam\t"s,
                                  "rtsp://h/cam?x=\x01"s, "rtsp://h/cam#a b"s, "rtsp://h\n/cam"s, " rtsp://h/cam"s}) {
        INFO(bad);
        CHECK(proto::parse_url(bad).error() == errc::bad_url);
    }
    // Look-alikes that are legitimate names.
    CHECK(ok("rtsp://h/...") .path == "/...");
    CHECK(ok("rtsp://h/.hidden").path == "/.hidden");
    CHECK(ok("rtsp://h/cam..x/..y").path == "/cam..x/..y");
    CHECK(ok("rtsp://h/%2e%2e%2e").path == "/%2e%2e%2e");
    CHECK(ok("rtsp://h/%2Fetc%2Fpasswd").path == "/%2Fetc%2Fpasswd");  // kept as sent: never a match
    CHECK(ok("rtsp://h/cam%20one").path == "/cam%20one");
    CHECK(ok("rtsp://h/a-b_c~d.e!$&'()*+,;=:@").path == "/a-b_c~d.e!$&'()*+,;=:@");
}

TEST_CASE("the path length cap", "[protocol][url][bad]") {
    const std::string p255 = "/" + std::string(254, 'a');
    CHECK(ok("rtsp://h" + p255).path.size() == 255);
    CHECK(ok(p255).path.size() == 255);
    CHECK(proto::parse_url("rtsp://h" + p255 + "a").error() == errc::bad_url);
    CHECK(proto::parse_url("rtsp://h/" + std::string(2000, 'u')).error() == errc::bad_url);
    // The query does not count.
    CHECK(ok("rtsp://h" + p255 + "?" + std::string(500, 'q')).path.size() == 255);
}

TEST_CASE("every truncation of a URL parses or fails cleanly", "[protocol][url]") {
    for (const std::string u : {"rtsp://admin:pw@[fe80::1%25eth0]:8554/cam/track1?x=1#y",
                                "rtsps://user@camera.local:322/a/b/c/", "/cam/track1", "rtsp://h/%2e%2e"}) {
        for (std::size_t n = 0; n <= u.size(); ++n) {
            const std::string t = u.substr(0, n);  // own allocation: ASan sees over-reads
            const auto r = proto::parse_url(t);
            INFO(t);
            if (r) {
                CHECK(r->path.size() <= proto::max_url_path);
                CHECK((r->path == "*" || r->path.front() == '/'));
            } else {
                CHECK(r.error() == errc::bad_url);
            }
        }
    }
    CHECK(proto::parse_url("rtsp://h/%2e%2").error() == errc::bad_url);
    CHECK(proto::parse_url("rtsp://h/%2e").error() == errc::bad_url);
    CHECK(proto::parse_url("rtsp://h/%2e%2e%2").error() == errc::bad_url);
}

TEST_CASE("control URL resolution", "[protocol][url][control]") {
    auto rc = [](std::string_view path, std::string_view track = "track1") {
        const auto t = proto::resolve_control(path, track);
        return std::pair<std::string, bool>(std::string(t.stream_path), t.track);
    };
    using P = std::pair<std::string, bool>;
    CHECK(rc("/cam/track1") == P{"/cam", true});
    CHECK(rc("/cam/") == P{"/cam", false});
    CHECK(rc("/cam") == P{"/cam", false});
    CHECK(rc("/") == P{"/", false});
    CHECK(rc("/track1") == P{"/", true});
    CHECK(rc("/track1/") == P{"/", true});
    CHECK(rc("/cam/track1/") == P{"/cam", true});
    CHECK(rc("//") == P{"/", false});
    CHECK(rc("") == P{"/", false});
    CHECK(rc("*") == P{"*", false});
    CHECK(rc("/a/b/track1") == P{"/a/b", true});
    CHECK(rc("/a/b/") == P{"/a/b", false});
    CHECK(rc("/cam/track10") == P{"/cam/track10", false});
    CHECK(rc("/cam/Track1") == P{"/cam/Track1", false});
    CHECK(rc("/cam/xtrack1") == P{"/cam/xtrack1", false});
    CHECK(rc("/cam/trackID=0", "trackID=0") == P{"/cam", true});
    CHECK(rc("/cam/track1", "") == P{"/cam/track1", false});
    static_assert(proto::resolve_control("/cam/track1").track);
    static_assert(proto::resolve_control("/cam/track1").stream_path == "/cam");

    // The views point into the input path.
    const std::string path = "/live/cam/track1";
    const auto t = proto::resolve_control(path);
    CHECK(t.stream_path.data() == path.data());

    // The whole client flow: SETUP <base>/track1, then PLAY <base>/ or <base>, from any host.
    for (const char* setup : {"rtsp://192.168.1.50:8554/cam/track1", "rtsp://camera.local/cam/track1",
                              "rtsp://u:p@[::1]:8554/cam/track1/"}) {
        const auto u = proto::parse_url(setup);
        REQUIRE(u);
        CHECK(rc(u->path) == P{"/cam", true});
    }
    for (const char* play : {"rtsp://192.168.1.50:8554/cam/", "rtsp://192.168.1.50:8554/cam", "/cam/"}) {
        const auto u = proto::parse_url(play);
        REQUIRE(u);
        CHECK(rc(u->path) == P{"/cam", false});
    }
}
