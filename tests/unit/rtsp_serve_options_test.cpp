// SPDX-License-Identifier: MIT
// Tests of rtsp-serve's command-line parsing and its status display (examples/rtsp_serve).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "../../examples/rtsp_serve/options.hpp"
#include "../../examples/rtsp_serve/status.hpp"

using namespace rtsp_serve;

namespace {

parse_outcome parse(std::vector<std::string_view> args) { return parse_options(args); }

options parse_ok(std::vector<std::string_view> args) {
    auto r = parse(args);
    if (auto* e = std::get_if<usage_error>(&r)) FAIL("unexpected error: " << e->message);
    return std::get<options>(r);
}

std::string parse_error(std::vector<std::string_view> args) {
    auto r = parse(args);
    REQUIRE(std::holds_alternative<usage_error>(r));
    return std::get<usage_error>(r).message;
}

}  // namespace

TEST_CASE("rtsp-serve options: defaults", "[rtsp_serve][options]") {
    const options o = parse_ok({});
    CHECK(o.port == 8554);
    CHECK(o.bound_to_any());
    CHECK(o.path == "/");
    CHECK(o.fps == 30);
    CHECK(o.quality == 90);
    CHECK(o.width == 1280);
    CHECK(o.height == 720);
    CHECK(o.source == source_kind::pattern);
    CHECK_FALSE(o.quiet);
    CHECK_FALSE(o.verbose);
    CHECK_FALSE(o.help);
}

TEST_CASE("rtsp-serve options: every option, both spellings", "[rtsp_serve][options]") {
    const options a = parse_ok({"--port", "9000", "--bind", "127.0.0.1", "--path", "/cam", "--fps",
                                "60", "--quality", "75", "--size", "640x480", "--source",
                                "jpeg-dir:./frames", "--quiet"});
    CHECK(a.port == 9000);
    CHECK(a.bind_text == "127.0.0.1");
    CHECK(a.bind == rtsp::net::address::v4(127, 0, 0, 1));
    CHECK(a.path == "/cam");
    CHECK(a.fps == 60);
    CHECK(a.quality == 75);
    CHECK(a.width == 640);
    CHECK(a.height == 480);
    CHECK(a.source == source_kind::jpeg_dir);
    CHECK(a.source_arg == "./frames");
    CHECK(a.quiet);

    const options b = parse_ok({"--port=1", "--fps=1000", "--quality=1", "--size=4096X4096",
                                "--source=mjpeg-file:/tmp/x y.mjpeg", "-v"});
    CHECK(b.port == 1);
    CHECK(b.fps == 1000);
    CHECK(b.quality == 1);
    CHECK(b.width == 4096);
    CHECK(b.height == 4096);
    CHECK(b.source == source_kind::mjpeg_file);
    CHECK(b.source_arg == "/tmp/x y.mjpeg");
    CHECK(b.verbose);

    CHECK(parse_ok({"--port", "65535", "--quality", "100", "--size", "16x16"}).port == 65535);
    CHECK(parse_ok({"--source", "jpeg-dir:a", "--source", "pattern"}).source == source_kind::pattern);
    CHECK(parse_ok({"--help"}).help);
    CHECK(parse_ok({"-h"}).help);
    CHECK(parse_ok({"-q"}).quiet);
}

TEST_CASE("rtsp-serve options: bind addresses", "[rtsp_serve][options]") {
    const options v6 = parse_ok({"--bind", "::1"});
    CHECK(v6.bind.is_v6());
    CHECK(v6.bind.bytes[15] == 1);
    CHECK(v6.bind_text == "::1");
    const options br = parse_ok({"--bind=[2001:db8::7]"});
    CHECK(br.bind.is_v6());
    CHECK(br.bind_text == "2001:db8::7");
    CHECK(br.bind.bytes[0] == 0x20);
    // The "any" addresses mean the same as no --bind.
    CHECK(parse_ok({"--bind", "0.0.0.0"}).bound_to_any());
    CHECK(parse_ok({"--bind", "::"}).bound_to_any());
}

TEST_CASE("rtsp-serve options: --multicast and --multicast-ttl", "[rtsp_serve][options]") {
    const options off = parse_ok({});
    CHECK(off.multicast_text.empty());
    CHECK(off.multicast == rtsp::net::address{});  // all zero: the server's "off"
    const options d = parse_ok({"--multicast", "239.255.0.1"});
    CHECK(d.multicast == rtsp::net::address::v4(239, 255, 0, 1, 5004));  // the default port
    CHECK(d.multicast_text == "239.255.0.1");
    CHECK(d.multicast_ttl == 1);  // this subnet unless asked
    const options p = parse_ok({"--multicast=224.1.2.3:6000", "--multicast-ttl", "16"});
    CHECK(p.multicast == rtsp::net::address::v4(224, 1, 2, 3, 6000));
    CHECK(p.multicast_ttl == 16);
    CHECK(parse_ok({"--multicast-ttl=0"}).multicast_ttl == 0);
    const options v6 = parse_ok({"--multicast", "[ff15::42]:7000"});
    CHECK(v6.multicast.is_v6());
    CHECK(v6.multicast.bytes[0] == 0xff);
    CHECK(v6.multicast.bytes[15] == 0x42);
    CHECK(v6.multicast.port == 7000);
    CHECK(v6.multicast_text == "ff15::42");
    CHECK(parse_ok({"--multicast", "ff02::1"}).multicast.port == 5004);  // IPv6 without brackets
    // The highest first port the server accepts with default_config's 8 group slots: the last
    // slot's RTCP port is 65535.
    CHECK(parse_ok({"--multicast", "239.255.0.1:65520"}).multicast.port == 65520);
}

TEST_CASE("rtsp-serve status: multicast members show as MCAST", "[rtsp_serve][status]") {
    using namespace std::chrono;
    status_display d(true);
    client_sample m;
    m.id = 7;
    m.address = "192.0.2.7:5000";
    m.path = "/";
    m.multicast = true;
    m.playing = true;
    const std::vector<client_sample> one{m};
    const std::string board = d.update(steady_clock::time_point{} + hours(1), one);
    CHECK(board.find("MCAST") != std::string::npos);
    CHECK(board.find("UDP") == std::string::npos);
}

TEST_CASE("rtsp-serve options: paths are normalized", "[rtsp_serve][options]") {
    CHECK(parse_ok({"--path", "/cam/"}).path == "/cam");
    CHECK(parse_ok({"--path", "/"}).path == "/");
    CHECK(parse_ok({"--path", "//"}).path == "/");
    CHECK(parse_ok({"--path", "/a/b"}).path == "/a/b");
    CHECK(parse_ok({"--path", "/Cam-1_x.y~z"}).path == "/Cam-1_x.y~z");
    CHECK(parse_ok({"--path", "/" + std::string(63, 'a')}).path.size() == 64);
}

TEST_CASE("rtsp-serve options: every bad command line gives a message", "[rtsp_serve][options]") {
    struct bad {
        std::vector<std::string_view> args;
        std::string_view mentions;
    };
    static const std::string long_path = "/" + std::string(64, 'a');
    const std::vector<bad> cases = {
        {{"--bogus"}, "unknown option '--bogus'"},
        {{"-x"}, "unknown option '-x'"},
        {{"stray"}, "unexpected argument 'stray'"},
        {{"--port"}, "--port needs a value"},
        {{"--port", "0"}, "1 to 65535"},
        {{"--port", "65536"}, "1 to 65535"},
        {{"--port", "-1"}, "1 to 65535"},
        {{"--port", "80a"}, "'80a'"},
        {{"--port="}, "1 to 65535"},
        {{"--port", "99999999999999999999999"}, "1 to 65535"},
        {{"--fps", "0"}, "--fps must be a whole number from 1 to 1000"},
        {{"--fps", "1001"}, "1 to 1000"},
        {{"--fps", "29.97"}, "'29.97'"},
        {{"--fps"}, "--fps needs a value"},
        {{"--quality", "0"}, "--quality must be a number from 1 to 100"},
        {{"--quality", "101"}, "1 to 100"},
        {{"--quality", " 50"}, "1 to 100"},
        {{"--size", "1280"}, "WIDTHxHEIGHT"},
        {{"--size", "x720"}, "WIDTHxHEIGHT"},
        {{"--size", "1280x"}, "WIDTHxHEIGHT"},
        {{"--size", "1280x720x3"}, "WIDTHxHEIGHT"},
        {{"--size", "-2x4"}, "WIDTHxHEIGHT"},
        {{"--size", "4098x720"}, "too large"},
        {{"--size", "1280x4097"}, "too large"},
        {{"--size", "641x480"}, "width must be even"},
        {{"--size", "8x8"}, "too small"},
        {{"--size", "0x0"}, "too small"},
        {{"--bind", "localhost"}, "IPv4 or IPv6 address"},
        {{"--bind", "1.2.3.4.5"}, "IPv4 or IPv6 address"},
        {{"--bind", ""}, "IPv4 or IPv6 address"},
        {{"--path", "cam"}, "must start with '/'"},
        {{"--path", ""}, "must start with '/'"},
        {{"--path", "/a b"}, "may only contain"},
        {{"--path", "/a?b=1"}, "may only contain"},
        {{"--path", "/caf%C3%A9"}, "may only contain"},
        {{"--path", "/a//b"}, "empty segment"},
        {{"--path", "/a/../b"}, "'..' segment"},
        {{"--path", "/."}, "'.' or '..' segment"},
        {{"--path", "/cam/track1"}, "track1"},
        {{"--path", long_path}, "longer than 64"},
        {{"--source", "webcam"}, "pattern, jpeg-dir:DIR or mjpeg-file:FILE"},
        {{"--source", "jpeg-dir:"}, "needs a folder"},
        {{"--source", "mjpeg-file:"}, "needs a file"},
        {{"--source"}, "--source needs a value"},
        {{"--quiet=1"}, "--quiet takes no value"},
        {{"--help=yes"}, "--help takes no value"},
        {{"--quiet", "--verbose"}, "cannot be used together"},
        {{"--port", "8554", "--fps", "0"}, "--fps"},
        {{"--multicast", "192.168.1.5"}, "is not a multicast address"},
        {{"--multicast", "240.0.0.1"}, "is not a multicast address"},
        {{"--multicast", "2001:db8::1"}, "is not a multicast address"},
        {{"--multicast", "cam-group"}, "is not an IP address"},
        {{"--multicast", ""}, "is not an IP address"},
        {{"--multicast", "239.255.0.1:5005"}, "even port from 1024 to 65520"},
        {{"--multicast", "239.255.0.1:80"}, "even port"},
        {{"--multicast", "239.255.0.1:65522"}, "even port"},
        {{"--multicast", "239.255.0.1:"}, "even port"},
        {{"--multicast", "[ff15::42"}, "no closing ']'"},
        {{"--multicast", "[ff15::42]7000"}, "other than :PORT"},
        {{"--multicast"}, "--multicast needs a value"},
        {{"--multicast-ttl", "256"}, "--multicast-ttl must be a number from 0 to 255"},
        {{"--multicast-ttl", "-1"}, "0 to 255"},
    };
    for (const auto& c : cases) {
        std::string joined;
        for (auto a : c.args) joined += std::string(a) + " ";
        INFO("args: " << joined);
        const std::string msg = parse_error(c.args);
        CHECK_FALSE(msg.empty());
        CHECK(msg.find(c.mentions) != std::string::npos);
    }
}

TEST_CASE("rtsp-serve options: --user and --password", "[rtsp_serve][options]") {
    const options none = parse_ok({});
    CHECK(none.user.empty());
    CHECK(none.password.empty());
    const options o = parse_ok({"--user", "alice", "--password=pa ss:w0rd!"});
    CHECK(o.user == "alice");
    CHECK(o.password == "pa ss:w0rd!");
    CHECK(parse_error({"--user", "alice"}).find("--user and --password go together") != std::string::npos);
    CHECK(parse_error({"--password", "x"}).find("--user and --password go together") != std::string::npos);
    CHECK(parse_error({"--user", "", "--password", "x"}).find("1 to 64") != std::string::npos);
    CHECK(parse_error({"--user", "a:b", "--password", "x"}).find("(or ':')") != std::string::npos);
    CHECK(parse_error({"--user", "a", "--password", "x\"y"}).find("quotes") != std::string::npos);
    CHECK(parse_error({"--user", "a", "--password", "x\ty"}).find("control") != std::string::npos);
    CHECK(parse_error({"--user", "a", "--password", std::string_view("0123456789012345678901234567890123456789"
                                                                     "0123456789012345678901234"), }).find("1 to 64") !=
          std::string::npos);
    CHECK(parse_error({"--user"}).find("--user needs a value") != std::string::npos);
}

TEST_CASE("rtsp-serve options: URL formatting", "[rtsp_serve][options]") {
    CHECK(url_for("127.0.0.1", false, 8554, "/") == "rtsp://127.0.0.1:8554/");
    CHECK(url_for("::1", true, 554, "/cam") == "rtsp://[::1]:554/cam");
    CHECK(usage_text.find("--source") != std::string_view::npos);
    CHECK(usage_text.find("Examples:") != std::string_view::npos);
}

// --- status display ---------------------------------------------------------------------------

namespace {

client_sample sample(std::uint64_t id, std::uint64_t frames, std::uint64_t bytes, bool playing = true,
                     bool tcp = false, std::uint64_t dropped = 0) {
    client_sample c;
    c.id = id;
    c.address = "192.0.2." + std::to_string(id) + ":5000";
    c.path = "/";
    c.tcp = tcp;
    c.playing = playing;
    c.frames_sent = frames;
    c.bytes_sent = bytes;
    c.frames_dropped = dropped;
    return c;
}

}  // namespace

TEST_CASE("rtsp-serve status: peer formatting", "[rtsp_serve][status]") {
    CHECK(format_peer(rtsp::net::address::v4(192, 0, 2, 7, 50312)) == "192.0.2.7:50312");
    rtsp::net::address v6{};
    v6.fam = rtsp::net::family::v6;
    v6.bytes[0] = 0x20;
    v6.bytes[1] = 0x01;
    v6.bytes[2] = 0x0d;
    v6.bytes[3] = 0xb8;
    v6.bytes[15] = 1;
    v6.port = 8000;
    CHECK(format_peer(v6) == "[2001:db8::1]:8000");
}

TEST_CASE("rtsp-serve status: rates from counters", "[rtsp_serve][status]") {
    using namespace std::chrono;
    status_display d(true);
    const auto t0 = steady_clock::time_point{} + hours(1);
    std::vector<client_sample> s = {sample(1, 100, 1'000'000)};
    (void)d.update(t0, s);
    CHECK(d.fps_of(1) == 0.0);
    // Too soon: the rate window has not passed, nothing is computed.
    s[0] = sample(1, 103, 1'100'000);
    (void)d.update(t0 + milliseconds(100), s);
    CHECK(d.fps_of(1) == 0.0);
    // 30 frames and 1.25 MB over exactly 2 s: 15 fps, 5 Mbit/s.
    s[0] = sample(1, 130, 2'250'000);
    (void)d.update(t0 + seconds(2), s);
    CHECK(d.fps_of(1) == Approx(15.0));
    CHECK(d.mbps_of(1) == Approx(5.0));
    CHECK(d.fps_of(2) == 0.0);
}

TEST_CASE("rtsp-serve status: terminal board redraws in place", "[rtsp_serve][status]") {
    using namespace std::chrono;
    status_display d(true);
    const auto t0 = steady_clock::time_point{} + hours(1);
    std::string first = d.update(t0, {});
    CHECK(first.find("no clients") != std::string::npos);
    CHECK(first.find("\x1b[1A") == std::string::npos);  // nothing to erase yet

    std::vector<client_sample> s = {sample(1, 0, 0), sample(2, 0, 0, false, true, 3)};
    std::string second = d.update(t0 + seconds(1), s);
    CHECK(second.find("\x1b[1A\x1b[J") != std::string::npos);  // erases the 1-line board
    CHECK(second.find("2 clients") != std::string::npos);
    CHECK(second.find("192.0.2.1:5000") != std::string::npos);
    CHECK(second.find("TCP") != std::string::npos);
    CHECK(second.find("3 dropped") != std::string::npos);

    std::string logged = d.log("client 192.0.2.1:5000 setup / 1");
    // Erase the 3-line board, print the line, draw the board again below it.
    CHECK(logged.rfind("\r\x1b[3A\x1b[J", 0) == 0);
    const auto at = logged.find("client 192.0.2.1:5000 setup / 1\n");
    REQUIRE(at != std::string::npos);
    CHECK(logged.find("2 clients", at) != std::string::npos);
}

TEST_CASE("rtsp-serve status: plain output only on changes and every 10 s", "[rtsp_serve][status]") {
    using namespace std::chrono;
    status_display d(false);
    const auto t0 = steady_clock::time_point{} + hours(1);
    CHECK(d.update(t0, {}).empty());
    CHECK(d.update(t0 + seconds(11), {}).empty());  // no clients: no summary either

    std::vector<client_sample> s = {sample(1, 0, 0, false)};
    const std::string connected = d.update(t0 + seconds(12), s);
    CHECK(connected.find("client 192.0.2.1:5000 connected") != std::string::npos);
    CHECK(connected.find("UDP") != std::string::npos);
    CHECK(connected.find('\x1b') == std::string::npos);

    s[0] = sample(1, 0, 0, true);
    CHECK(d.update(t0 + seconds(13), s) == "client 192.0.2.1:5000 playing\n");
    s[0] = sample(1, 30, 125'000, true);
    CHECK(d.update(t0 + seconds(14), s).empty());
    s[0] = sample(1, 300, 1'250'000, true);
    const std::string summary = d.update(t0 + seconds(22), s);
    CHECK(summary.find("status: 1 client") != std::string::npos);
    CHECK(summary.find("192.0.2.1:5000") != std::string::npos);
    CHECK(d.fps_of(1) == Approx(30.0));  // 300 frames over the 10 s since it appeared

    const std::string gone = d.update(t0 + seconds(23), {});
    CHECK(gone.find("client 192.0.2.1:5000 disconnected") != std::string::npos);
    CHECK(gone.find("300 frames sent") != std::string::npos);
    CHECK(d.client_count() == 0);

    // The final counters from the teardown callback replace the last sample's (which can be
    // up to a second old); a client never sampled is ignored.
    s = {sample(2, 10, 1000, true)};
    (void)d.update(t0 + seconds(24), s);
    d.ended(sample(2, 37, 5000, true, false, 4));
    d.ended(sample(9, 1, 1, true));
    const std::string final_counts = d.update(t0 + seconds(25), {});
    CHECK(final_counts.find("37 frames sent, 4 dropped") != std::string::npos);
    CHECK(final_counts.find("192.0.2.9") == std::string::npos);
    CHECK(d.log("x") == "x\n");
}
