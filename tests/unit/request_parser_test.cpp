// Tests for rtsp/protocol/request_parser.hpp (plus method.hpp, status.hpp, session_header.hpp):
// real FFmpeg / GStreamer / VLC requests whole, at every prefix, byte by byte and pipelined with
// interleaved '$' frames; and every parsing row of PROTOCOL.md §4.
#include <catch2/catch.hpp>

#include <rtsp/protocol/method.hpp>
#include <rtsp/protocol/request_parser.hpp>
#include <rtsp/protocol/session_header.hpp>
#include <rtsp/protocol/status.hpp>

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace std::string_literals;
using rtsp::errc;
namespace proto = rtsp::protocol;

namespace {

// ---------------------------------------------------------------------------------------------
// Realistic requests. The header sets and orders follow what each client sends (FFmpeg's
// rtsp.c puts Transport/Range before CSeq; live555 puts CSeq first and User-Agent second).

const std::string ffmpeg_ua = "User-Agent: Lavf60.16.100\r\n";
const std::string gst_ua = "User-Agent: GStreamer/1.22.0\r\n";
const std::string vlc_ua = "User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)\r\n";

struct sample {
    const char* name;
    std::string text;
    proto::method verb;
    std::string uri;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

std::vector<sample> client_requests() {
    const std::string base = "rtsp://192.168.1.50:8554/cam";
    const std::string sid = "8F3A12C47B9D0E21";
    std::vector<sample> v;
    // FFmpeg (ffplay / ffmpeg -i), UDP then the TCP fallback.
    v.push_back({"ffmpeg OPTIONS",
                 "OPTIONS " + base + " RTSP/1.0\r\nCSeq: 1\r\n" + ffmpeg_ua + "\r\n",
                 proto::method::options, base, {{"CSeq", "1"}, {"User-Agent", "Lavf60.16.100"}}, ""});
    v.push_back({"ffmpeg DESCRIBE",
                 "DESCRIBE " + base + " RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\n" +
                     ffmpeg_ua + "\r\n",
                 proto::method::describe, base,
                 {{"Accept", "application/sdp"}, {"CSeq", "2"}, {"User-Agent", "Lavf60.16.100"}}, ""});
    v.push_back({"ffmpeg SETUP udp",
                 "SETUP " + base + "/track1 RTSP/1.0\r\n"
                 "Transport: RTP/AVP/UDP;unicast;client_port=21014-21015\r\nCSeq: 3\r\n" +
                     ffmpeg_ua + "\r\n",
                 proto::method::setup, base + "/track1",
                 {{"Transport", "RTP/AVP/UDP;unicast;client_port=21014-21015"}, {"CSeq", "3"},
                  {"User-Agent", "Lavf60.16.100"}}, ""});
    v.push_back({"ffmpeg PLAY",
                 "PLAY " + base + "/ RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 4\r\n" + ffmpeg_ua +
                     "Session: " + sid + "\r\n\r\n",
                 proto::method::play, base + "/",
                 {{"Range", "npt=0.000-"}, {"CSeq", "4"}, {"User-Agent", "Lavf60.16.100"},
                  {"Session", sid}}, ""});
    v.push_back({"ffmpeg GET_PARAMETER",
                 "GET_PARAMETER " + base + "/ RTSP/1.0\r\nCSeq: 5\r\n" + ffmpeg_ua +
                     "Session: " + sid + "\r\n\r\n",
                 proto::method::get_parameter, base + "/",
                 {{"CSeq", "5"}, {"User-Agent", "Lavf60.16.100"}, {"Session", sid}}, ""});
    v.push_back({"ffmpeg PAUSE",
                 "PAUSE " + base + "/ RTSP/1.0\r\nCSeq: 6\r\n" + ffmpeg_ua + "Session: " + sid +
                     "\r\n\r\n",
                 proto::method::pause, base + "/",
                 {{"CSeq", "6"}, {"User-Agent", "Lavf60.16.100"}, {"Session", sid}}, ""});
    v.push_back({"ffmpeg SETUP tcp",
                 "SETUP " + base + "/track1 RTSP/1.0\r\n"
                 "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nCSeq: 7\r\n" + ffmpeg_ua +
                     "\r\n",
                 proto::method::setup, base + "/track1",
                 {{"Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"}, {"CSeq", "7"},
                  {"User-Agent", "Lavf60.16.100"}}, ""});
    v.push_back({"ffmpeg TEARDOWN",
                 "TEARDOWN " + base + "/ RTSP/1.0\r\nCSeq: 8\r\n" + ffmpeg_ua + "Session: " +
                     sid + "\r\n\r\n",
                 proto::method::teardown, base + "/",
                 {{"CSeq", "8"}, {"User-Agent", "Lavf60.16.100"}, {"Session", sid}}, ""});
    // GStreamer rtspsrc.
    v.push_back({"gstreamer OPTIONS",
                 "OPTIONS " + base + " RTSP/1.0\r\nCSeq: 1\r\n" + gst_ua + "\r\n",
                 proto::method::options, base, {{"CSeq", "1"}, {"User-Agent", "GStreamer/1.22.0"}}, ""});
    v.push_back({"gstreamer DESCRIBE",
                 "DESCRIBE " + base + " RTSP/1.0\r\nCSeq: 2\r\n" + gst_ua +
                     "Accept: application/sdp\r\n\r\n",
                 proto::method::describe, base,
                 {{"CSeq", "2"}, {"User-Agent", "GStreamer/1.22.0"}, {"Accept", "application/sdp"}}, ""});
    v.push_back({"gstreamer SETUP",
                 "SETUP " + base + "/track1 RTSP/1.0\r\nCSeq: 3\r\n" + gst_ua +
                     "Transport: RTP/AVP;unicast;client_port=40950-40951;mode=play,"
                     "RTP/AVP/TCP;unicast;interleaved=0-1;mode=play\r\n\r\n",
                 proto::method::setup, base + "/track1",
                 {{"CSeq", "3"}, {"User-Agent", "GStreamer/1.22.0"},
                  {"Transport", "RTP/AVP;unicast;client_port=40950-40951;mode=play,"
                                "RTP/AVP/TCP;unicast;interleaved=0-1;mode=play"}}, ""});
    v.push_back({"gstreamer PLAY",
                 "PLAY " + base + "/ RTSP/1.0\r\nCSeq: 4\r\n" + gst_ua +
                     "Range: npt=0-\r\nSession: " + sid + "\r\n\r\n",
                 proto::method::play, base + "/",
                 {{"CSeq", "4"}, {"User-Agent", "GStreamer/1.22.0"}, {"Range", "npt=0-"},
                  {"Session", sid}}, ""});
    v.push_back({"gstreamer TEARDOWN",
                 "TEARDOWN " + base + "/ RTSP/1.0\r\nCSeq: 5\r\n" + gst_ua + "Session: " +
                     sid + "\r\n\r\n",
                 proto::method::teardown, base + "/",
                 {{"CSeq", "5"}, {"User-Agent", "GStreamer/1.22.0"}, {"Session", sid}}, ""});
    // VLC (live555 RTSPClient).
    const std::string vlc_agent = "LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)";
    v.push_back({"vlc OPTIONS",
                 "OPTIONS " + base + " RTSP/1.0\r\nCSeq: 2\r\n" + vlc_ua + "\r\n",
                 proto::method::options, base, {{"CSeq", "2"}, {"User-Agent", vlc_agent}}, ""});
    v.push_back({"vlc DESCRIBE",
                 "DESCRIBE " + base + " RTSP/1.0\r\nCSeq: 3\r\n" + vlc_ua +
                     "Accept: application/sdp\r\n\r\n",
                 proto::method::describe, base,
                 {{"CSeq", "3"}, {"User-Agent", vlc_agent}, {"Accept", "application/sdp"}}, ""});
    v.push_back({"vlc SETUP udp",
                 "SETUP " + base + "/track1 RTSP/1.0\r\nCSeq: 4\r\n" + vlc_ua +
                     "Transport: RTP/AVP;unicast;client_port=56404-56405\r\n\r\n",
                 proto::method::setup, base + "/track1",
                 {{"CSeq", "4"}, {"User-Agent", vlc_agent},
                  {"Transport", "RTP/AVP;unicast;client_port=56404-56405"}}, ""});
    v.push_back({"vlc SETUP tcp",
                 "SETUP " + base + "/track1 RTSP/1.0\r\nCSeq: 5\r\n" + vlc_ua +
                     "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n",
                 proto::method::setup, base + "/track1",
                 {{"CSeq", "5"}, {"User-Agent", vlc_agent},
                  {"Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"}}, ""});
    v.push_back({"vlc PLAY",
                 "PLAY " + base + "/ RTSP/1.0\r\nCSeq: 6\r\n" + vlc_ua + "Session: " + sid +
                     "\r\nRange: npt=0.000-\r\n\r\n",
                 proto::method::play, base + "/",
                 {{"CSeq", "6"}, {"User-Agent", vlc_agent}, {"Session", sid},
                  {"Range", "npt=0.000-"}}, ""});
    v.push_back({"vlc GET_PARAMETER",
                 "GET_PARAMETER " + base + "/ RTSP/1.0\r\nCSeq: 7\r\n" + vlc_ua +
                     "Session: " + sid + "\r\n\r\n",
                 proto::method::get_parameter, base + "/",
                 {{"CSeq", "7"}, {"User-Agent", vlc_agent}, {"Session", sid}}, ""});
    v.push_back({"vlc TEARDOWN",
                 "TEARDOWN " + base + "/ RTSP/1.0\r\nCSeq: 8\r\n" + vlc_ua + "Session: " + sid +
                     "\r\n\r\n",
                 proto::method::teardown, base + "/",
                 {{"CSeq", "8"}, {"User-Agent", vlc_agent}, {"Session", sid}}, ""});
    // A request with a body (SET_PARAMETER, as sent by control tools).
    v.push_back({"SET_PARAMETER with body",
                 "SET_PARAMETER " + base + "/ RTSP/1.0\r\nCSeq: 9\r\nSession: " + sid +
                     "\r\nContent-Type: text/parameters\r\nContent-Length: 12\r\n\r\nvolume: 50\r\n",
                 proto::method::set_parameter, base + "/",
                 {{"CSeq", "9"}, {"Session", sid}, {"Content-Type", "text/parameters"},
                  {"Content-Length", "12"}}, "volume: 50\r\n"});
    v.push_back({"OPTIONS *", "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", proto::method::options, "*",
                 {{"CSeq", "1"}}, ""});
    return v;
}

using req = proto::request<>;

/// Parses a copy of `text` kept alive until the end of the test run: a request's views point
/// into the parsed buffer, so a temporary std::string would leave them dangling.
template <std::size_t N = 24>
rtsp::result<proto::request<N>> parse_kept(std::string text) {
    static std::deque<std::string> keep;
    keep.push_back(std::move(text));
    return proto::parse_request<N>(keep.back());
}

/// A readable, comparable rendering of a parse result (errors included).
template <std::size_t N>
std::string render(const rtsp::result<proto::request<N>>& r) {
    if (!r) return "error: " + std::string(rtsp::to_string(r.error()));
    std::string s = std::string(proto::to_string(r->verb)) + "|" + std::string(r->method_token) +
                    "|" + std::string(r->uri) + "|" + std::string(r->version) + "\n";
    for (const auto& f : r->headers())
        s += "[" + std::string(f.name) + "]=[" + std::string(f.value) + "]\n";
    s += "body=[" + std::string(r->body) + "] consumed=" + std::to_string(r->consumed);
    return s;
}

/// Every view of `r` must lie inside `buf`: the parser copies nothing.
template <std::size_t N>
bool views_inside(const proto::request<N>& r, std::string_view buf) {
    auto in = [&](std::string_view v) {
        return v.empty() || (v.data() >= buf.data() && v.data() + v.size() <= buf.data() + buf.size());
    };
    bool ok = in(r.method_token) && in(r.uri) && in(r.version) && in(r.body);
    for (const auto& f : r.headers()) ok = ok && in(f.name) && in(f.value);
    return ok;
}

void check_sample(const sample& s, const req& r) {
    INFO(s.name);
    CHECK(r.verb == s.verb);
    CHECK(r.method_token == proto::to_string(s.verb));
    CHECK(r.uri == s.uri);
    CHECK(r.version == "RTSP/1.0");
    REQUIRE(r.field_count == s.headers.size());
    for (std::size_t i = 0; i < s.headers.size(); ++i) {
        CHECK(r.fields[i].name == s.headers[i].first);
        CHECK(r.fields[i].value == s.headers[i].second);
    }
    CHECK(r.body == s.body);
    CHECK(r.consumed == s.text.size());
}

/// Parses `text` whole and at every prefix: each prefix gives need_more or the whole result.
/// Returns the whole result's rendering.
template <std::size_t N = 24>
std::string parse_all_prefixes(const std::string& text, const proto::limits& lim = {}) {
    const auto whole = proto::parse_request<N>(text, lim);
    const std::string expected = render(whole);
    bool reached = false;  // some prefix already gave the final answer
    for (std::size_t k = 0; k <= text.size(); ++k) {
        // A fresh copy per prefix, so reading past the prefix would be caught by ASan.
        const std::string prefix = text.substr(0, k);
        const auto r = proto::parse_request<N>(prefix, lim);
        if (!r && r.error() == errc::need_more) {
            INFO("prefix " << k << " of " << text.size());
            REQUIRE_FALSE(reached);  // once decided, longer input never goes back to need_more
            continue;
        }
        reached = true;
        INFO("prefix " << k << " of " << text.size());
        REQUIRE(render(r) == expected);
        if (r) REQUIRE(views_inside(*r, prefix));
    }
    return expected;
}

std::string frame(std::uint8_t channel, const std::string& payload) {
    std::string f = "$";
    f += static_cast<char>(channel);
    f += static_cast<char>((payload.size() >> 8) & 0xFF);
    f += static_cast<char>(payload.size() & 0xFF);
    return f + payload;
}

/// A minimal RTCP receiver report (as a client's rtpdec / live555 send) of `len` bytes.
std::string rtcp_rr(std::size_t len) {
    std::string p(len, '\0');
    if (len >= 2) { p[0] = static_cast<char>(0x81); p[1] = static_cast<char>(201); }
    for (std::size_t i = 2; i < len; ++i) p[i] = static_cast<char>(i * 37);  // incl. CR/LF/'$'
    return p;
}

/// Drains a server-style buffer: '$' frames and requests, in order, until need_more.
/// Appends one event string per message; returns false on a parse error.
bool drain(std::string& buf, std::vector<std::string>& events) {
    for (;;) {
        if (buf.empty()) return true;
        if (proto::starts_interleaved(std::string_view(buf))) {
            const auto h = proto::parse_interleaved_header(std::string_view(buf));
            if (!h) return h.error() == errc::need_more;
            const std::size_t total = proto::interleaved_header_size + h->length;
            if (buf.size() < total) return true;
            events.push_back("frame ch=" + std::to_string(h->channel) + " len=" +
                             std::to_string(h->length) + " " +
                             buf.substr(proto::interleaved_header_size, h->length));
            buf.erase(0, total);
            continue;
        }
        const auto r = proto::parse_request(buf);
        if (!r) return r.error() == errc::need_more;
        events.push_back(render(r));
        buf.erase(0, r->consumed);
    }
}

}  // namespace

// =============================================================================================

TEST_CASE("method names are parsed case-sensitively and printed back", "[protocol][method]") {
    using proto::method;
    for (auto m : {method::options, method::describe, method::setup, method::play, method::pause,
                   method::teardown, method::get_parameter, method::set_parameter,
                   method::announce, method::record, method::redirect}) {
        CHECK(proto::parse_method(proto::to_string(m)) == m);
        CHECK_FALSE(proto::to_string(m).empty());
    }
    CHECK(proto::parse_method("options") == method::unknown);
    CHECK(proto::parse_method("Options") == method::unknown);
    CHECK(proto::parse_method("GET") == method::unknown);
    CHECK(proto::parse_method("") == method::unknown);
    CHECK(proto::parse_method("PLAYX") == method::unknown);
    CHECK(proto::parse_method("PLA") == method::unknown);
    CHECK(proto::to_string(method::unknown).empty());
    static_assert(proto::parse_method("TEARDOWN") == method::teardown);
}

TEST_CASE("reason phrases follow RFC 2326 7.1.1", "[protocol][status]") {
    CHECK(proto::reason_phrase(200) == "OK");
    CHECK(proto::reason_phrase(400) == "Bad Request");
    CHECK(proto::reason_phrase(401) == "Unauthorized");
    CHECK(proto::reason_phrase(404) == "Not Found");
    CHECK(proto::reason_phrase(405) == "Method Not Allowed");
    CHECK(proto::reason_phrase(413) == "Request Entity Too Large");
    CHECK(proto::reason_phrase(414) == "Request-URI Too Large");
    CHECK(proto::reason_phrase(454) == "Session Not Found");
    CHECK(proto::reason_phrase(455) == "Method Not Valid in This State");
    CHECK(proto::reason_phrase(459) == "Aggregate operation not allowed");
    CHECK(proto::reason_phrase(460) == "Client Error");  // never sent by the server
    CHECK(proto::reason_phrase(461) == "Unsupported transport");
    CHECK(proto::reason_phrase(500) == "Internal Server Error");
    CHECK(proto::reason_phrase(501) == "Not Implemented");
    CHECK(proto::reason_phrase(503) == "Service Unavailable");
    CHECK(proto::reason_phrase(505) == "RTSP Version not supported");
    CHECK(proto::reason_phrase(551) == "Option not supported");
    CHECK(proto::reason_phrase(408) == "Request Time-out");
    CHECK(proto::reason_phrase(451) == "Parameter Not Understood");
    CHECK(proto::reason_phrase(453) == "Not Enough Bandwidth");
    CHECK(proto::reason_phrase(457) == "Client Error");  // never sent by the server
    // Codes the server never sends get their class phrase; outside 100..599, "Unknown".
    CHECK(proto::reason_phrase(100) == "Informational");
    CHECK(proto::reason_phrase(201) == "OK");
    CHECK(proto::reason_phrase(299) == "OK");
    CHECK(proto::reason_phrase(301) == "Redirection");
    CHECK(proto::reason_phrase(403) == "Client Error");
    CHECK(proto::reason_phrase(499) == "Client Error");
    CHECK(proto::reason_phrase(504) == "Server Error");
    CHECK(proto::reason_phrase(599) == "Server Error");
    CHECK(proto::reason_phrase(600) == "Unknown");
    CHECK(proto::reason_phrase(99) == "Unknown");
    CHECK(proto::reason_phrase(0) == "Unknown");
    CHECK(proto::reason_phrase(-1) == "Unknown");
    for (int code = 100; code <= 599; ++code) CHECK(!proto::reason_phrase(code).empty());
    static_assert(proto::reason_phrase(454) == "Session Not Found");
    static_assert(proto::reason_phrase(402) == "Client Error");
}

TEST_CASE("real client requests parse whole and at every prefix", "[protocol][parser]") {
    for (const auto& s : client_requests()) {
        INFO(s.name);
        const auto r = proto::parse_request(s.text);
        REQUIRE(r);
        check_sample(s, *r);
        CHECK(views_inside(*r, s.text));
        CHECK(r->header("cseq") == r->header("CSeq"));
        CHECK(r->count("CSEQ") == 1);
        const std::string rendered = parse_all_prefixes(s.text);
        CHECK(rendered == render(r));
    }
}

TEST_CASE("a request split into two TCP segments at every boundary", "[protocol][parser]") {
    for (const auto& s : client_requests()) {
        INFO(s.name);
        for (std::size_t cut = 0; cut <= s.text.size(); ++cut) {
            std::string buf = s.text.substr(0, cut);
            auto first = proto::parse_request(buf);
            if (cut < s.text.size()) {
                REQUIRE_FALSE(first);
                REQUIRE(first.error() == errc::need_more);
            }
            buf += s.text.substr(cut);
            const auto r = proto::parse_request(buf);
            REQUIRE(r);
            check_sample(s, *r);
        }
    }
}

TEST_CASE("bare LF line ends and mixed line ends are accepted", "[protocol][parser]") {
    const std::string lf = "DESCRIBE rtsp://h/cam RTSP/1.0\nCSeq: 2\r\nAccept: application/sdp\n\n";
    const auto r = parse_kept(lf + "NEXT");
    REQUIRE(r);
    CHECK(r->verb == proto::method::describe);
    CHECK(r->header("CSeq") == "2");
    CHECK(r->header("Accept") == "application/sdp");
    CHECK(r->consumed == lf.size());
    parse_all_prefixes("OPTIONS * RTSP/1.0\nCSeq: 1\n\n");
    parse_all_prefixes("OPTIONS * RTSP/1.0\r\nCSeq: 1\n\r\n");
    const std::string lf_head = "SET_PARAMETER * RTSP/1.0\nContent-Length: 3\n\n";
    const auto lf_body = parse_kept(lf_head + "abcX");
    REQUIRE(lf_body);
    CHECK(lf_body->body == "abc");
    CHECK(lf_body->consumed == lf_head.size() + 3);
}

TEST_CASE("header values are trimmed, names kept, lookups case-insensitive", "[protocol][parser]") {
    const std::string t = "OPTIONS * RTSP/1.0\r\nCSeq:   17 \t\r\nX-Empty:\r\nX-Spaces:   \r\n"
                          "x-dup: a\r\nX-DUP: b\r\nUser-Agent: a: b: c\r\n\r\n";
    const auto r = proto::parse_request(t);
    REQUIRE(r);
    CHECK(r->header("CSeq") == "17");
    CHECK(r->header("x-empty") == "");
    CHECK(r->header("X-Spaces") == "");
    CHECK(r->header("X-Dup") == "a");
    CHECK(r->count("x-dup") == 2);
    CHECK(r->count("nope") == 0);
    CHECK_FALSE(r->header("Nope").has_value());
    CHECK(r->header("User-Agent") == "a: b: c");
    CHECK(r->fields[3].name == "x-dup");
    CHECK(r->headers().size() == 6);
    // Bytes >= 0x80 (obs-text) are allowed in values and in the URI.
    const auto u = parse_kept("DESCRIBE rtsp://h/caf\xC3\xA9 RTSP/1.0\r\nX-Name: caf\xC3\xA9\r\n\r\n"s);
    REQUIRE(u);
    CHECK(u->header("X-Name") == "caf\xC3\xA9");
}

TEST_CASE("leading empty lines between pipelined requests are skipped", "[protocol][parser]") {
    const std::string t = "\r\n\r\n\nOPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    const auto r = proto::parse_request(t);
    REQUIRE(r);
    CHECK(r->method_token == "OPTIONS");
    CHECK(r->consumed == t.size());
    parse_all_prefixes(t);
    CHECK(proto::parse_request("\r\n"s).error() == errc::need_more);
    CHECK(proto::parse_request("\r"s).error() == errc::need_more);
    CHECK(proto::parse_request(""s).error() == errc::need_more);
    CHECK(proto::parse_request("\rX"s).error() == errc::bad_request_line);
    CHECK(proto::parse_request("\r\r\n"s).error() == errc::bad_request_line);
    // Endless empty lines still hit the head limit.
    std::string crlfs;
    while (crlfs.size() < 5000) crlfs += "\r\n";
    CHECK(proto::parse_request(crlfs).error() == errc::request_too_large);
}

TEST_CASE("pipelined requests and interleaved frames, whole and byte by byte",
          "[protocol][parser][interleaved]") {
    const auto samples = client_requests();
    std::string stream;
    std::vector<std::string> expected;
    std::size_t i = 0;
    for (const auto& s : samples) {
        // RTCP receiver reports between requests (and a zero-length frame, and CRLF gaps).
        if (i % 3 == 1) {
            const std::string rr = rtcp_rr(32 + i);
            stream += frame(1, rr);
            expected.push_back("frame ch=1 len=" + std::to_string(rr.size()) + " " + rr);
        }
        if (i % 5 == 2) {
            stream += frame(3, "");
            expected.push_back("frame ch=3 len=0 ");
        }
        if (i % 4 == 3) stream += "\r\n";
        const auto r = proto::parse_request(s.text);
        REQUIRE(r);
        std::string ev = render(r);
        if (i % 4 == 3) {  // the CRLF gap is consumed with the request that follows it
            auto with_gap = parse_kept("\r\n" + s.text);
            REQUIRE(with_gap);
            ev = render(with_gap);
        }
        expected.push_back(ev);
        stream += s.text;
        ++i;
    }
    // A frame whose payload looks like a request must be skipped by its length, not parsed.
    const std::string fake = "OPTIONS * RTSP/1.0\r\nCSeq: 99\r\n\r\n";
    stream += frame(0, fake);
    expected.push_back("frame ch=0 len=" + std::to_string(fake.size()) + " " + fake);

    SECTION("one buffer") {
        std::string buf = stream;
        std::vector<std::string> events;
        REQUIRE(drain(buf, events));
        CHECK(buf.empty());
        REQUIRE(events == expected);
    }
    SECTION("every chunk size from 1 to 97 bytes") {
        for (std::size_t chunk = 1; chunk <= 97; chunk += (chunk < 8 ? 1 : 7)) {
            INFO("chunk " << chunk);
            std::string buf;
            std::vector<std::string> events;
            for (std::size_t at = 0; at < stream.size(); at += chunk) {
                buf += stream.substr(at, chunk);
                REQUIRE(drain(buf, events));
            }
            CHECK(buf.empty());
            REQUIRE(events == expected);
        }
    }
}

TEST_CASE("interleaved frame headers", "[protocol][interleaved]") {
    using proto::parse_interleaved_header;
    const std::byte hdr[] = {std::byte{'$'}, std::byte{1}, std::byte{0x12}, std::byte{0x34}};
    const std::span<const std::byte> all(hdr);
    CHECK(proto::starts_interleaved(all));
    CHECK_FALSE(proto::starts_interleaved(std::span<const std::byte>{}));
    CHECK_FALSE(proto::starts_interleaved(std::string_view("OPTIONS")));
    CHECK_FALSE(proto::starts_interleaved(std::string_view()));
    for (std::size_t n = 0; n < 4; ++n) CHECK(parse_interleaved_header(all.first(n)).error() == errc::need_more);
    auto h = parse_interleaved_header(all);
    REQUIRE(h);
    CHECK(h->channel == 1);
    CHECK(h->length == 0x1234);
    const std::byte bad[] = {std::byte{'O'}, std::byte{'P'}, std::byte{'T'}, std::byte{'I'}};
    CHECK(parse_interleaved_header(std::span<const std::byte>(bad)).error() == errc::bad_interleaved_frame);
    CHECK(parse_interleaved_header(std::span<const std::byte>(bad).first(1)).error() == errc::bad_interleaved_frame);

    // Round trip through the writer, for every channel and some lengths (0 and 65535 included).
    for (unsigned ch = 0; ch < 256; ++ch) {
        for (std::uint16_t len : {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{255},
                                  std::uint16_t{256}, std::uint16_t{1400}, std::uint16_t{65535}}) {
            std::byte out[4] = {};
            proto::write_interleaved_header(static_cast<std::uint8_t>(ch), len, std::span<std::byte, 4>(out));
            CHECK(out[0] == std::byte{'$'});
            const auto back = parse_interleaved_header(std::span<const std::byte>(out));
            REQUIRE(back);
            CHECK(back->channel == ch);
            CHECK(back->length == len);
            const std::string_view text(reinterpret_cast<const char*>(out), 4);
            const auto back2 = parse_interleaved_header(text);
            REQUIRE(back2);
            CHECK(back2->channel == ch);
            CHECK(back2->length == len);
        }
    }
    CHECK(parse_interleaved_header(std::string_view("$\x01\x00", 3)).error() == errc::need_more);
    CHECK(parse_interleaved_header(std::string_view("X\x01\x00\x00", 4)).error() == errc::bad_interleaved_frame);
    static_assert(proto::interleaved_header_size == 4);
}

// --- PROTOCOL.md §4, rows that concern parsing -----------------------------------------------

TEST_CASE("row 1: a 64 KB line without CRLF fails once over the limit", "[protocol][parser][bad]") {
    const proto::limits lim;  // defaults: 1024-byte lines, 4096-byte head
    const std::string huge = "OPTIONS rtsp://h/" + std::string(65536, 'a');
    CHECK(proto::parse_request(huge).error() == errc::line_too_long);
    // The request line: exactly max_line_bytes is still a valid prefix, one more byte is not.
    CHECK(proto::parse_request(huge.substr(0, lim.max_line_bytes)).error() == errc::need_more);
    // A CR right at the limit may still be followed by its LF (the version field here).
    const std::string long_version = "OPTIONS * RTSP/" + std::string(lim.max_line_bytes, '9');
    CHECK(proto::parse_request(long_version.substr(0, lim.max_line_bytes) + "\r").error() == errc::need_more);
    CHECK(proto::parse_request(long_version.substr(0, lim.max_line_bytes) + "\r\n\r\n"));
    CHECK(proto::parse_request(long_version.substr(0, lim.max_line_bytes + 1) + "\r").error() ==
          errc::line_too_long);
    CHECK(proto::parse_request(huge.substr(0, lim.max_line_bytes + 1)).error() == errc::line_too_long);
    // A request line of exactly max_line_bytes (CR LF excluded) is accepted.
    std::string exact = "OPTIONS rtsp://h/";
    exact += std::string(lim.max_line_bytes - exact.size() - 9, 'b') + " RTSP/1.0";
    REQUIRE(exact.size() == lim.max_line_bytes);
    CHECK(proto::parse_request(exact + "\r\nCSeq: 1\r\n\r\n"));
    CHECK(proto::parse_request(exact + "b\r\nCSeq: 1\r\n\r\n").error() == errc::line_too_long);

    // A header line over the limit, with and without its line end.
    const std::string head = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n";
    const std::string name = "X-Long: ";
    const std::string fill(lim.max_line_bytes - name.size(), 'v');
    CHECK(proto::parse_request(head + name + fill + "\r\n\r\n"));
    CHECK(proto::parse_request(head + name + fill).error() == errc::need_more);
    CHECK(proto::parse_request(head + name + fill + "v").error() == errc::line_too_long);
    CHECK(proto::parse_request(head + name + fill + std::string(65536, 'v')).error() == errc::line_too_long);
    // A header name alone can be too long as well.
    CHECK(proto::parse_request(head + std::string(lim.max_line_bytes + 1, 'N')).error() == errc::line_too_long);

    // Many legal lines together exceed the head limit: need_more up to max_head_bytes - 1,
    // request_too_large once max_head_bytes bytes are buffered without the empty line.
    std::string many = head;
    while (many.size() < 2 * lim.max_head_bytes) many += "X-Pad: " + std::string(90, 'p') + "\r\n";
    CHECK(proto::parse_request(many).error() == errc::too_many_headers);  // 24 fields come first
    const auto big = proto::parse_request<200>(many);
    CHECK(big.error() == errc::request_too_large);
    CHECK(proto::parse_request<200>(many.substr(0, lim.max_head_bytes - 1)).error() == errc::need_more);
    CHECK(proto::parse_request<200>(many.substr(0, lim.max_head_bytes)).error() == errc::request_too_large);
    // A head of exactly max_head_bytes is accepted; one byte more is not.
    std::string at_limit = head;
    while (at_limit.size() + 200 < lim.max_head_bytes) at_limit += "X-Pad: " + std::string(90, 'p') + "\r\n";
    const std::size_t room = lim.max_head_bytes - at_limit.size() - 2 - 2;  // its CRLF + final CRLF
    at_limit += "X-Last:" + std::string(room - 7, 'z') + "\r\n\r\n";
    REQUIRE(at_limit.size() == lim.max_head_bytes);
    const auto ok = proto::parse_request<64>(at_limit);
    REQUIRE(ok);
    CHECK(ok->consumed == lim.max_head_bytes);
    std::string over = at_limit;
    over.insert(over.size() - 4, "z");
    CHECK(proto::parse_request<64>(over).error() == errc::request_too_large);
    parse_all_prefixes<64>(over);
}

TEST_CASE("custom limits are honoured at their exact boundaries", "[protocol][parser][bad]") {
    proto::limits lim;
    lim.max_line_bytes = 20;
    lim.max_head_bytes = 60;
    lim.max_body_bytes = 5;
    CHECK(proto::parse_request("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", lim));
    CHECK(proto::parse_request("OPTIONS /abc RTSP/1.0\r\n\r\n", lim).error() == errc::line_too_long);  // 21
    CHECK(proto::parse_request("OPTIONS /ab RTSP/1.0\r\n\r\n", lim));                                   // 20
    CHECK(proto::parse_request("PLAY * RTSP/1.0\r\nContent-Length: 5\r\n\r\n12345", lim));
    CHECK(proto::parse_request("PLAY * RTSP/1.0\r\nContent-Length: 6\r\n\r\n123456", lim).error() ==
          errc::body_too_large);
    const std::string six = "PLAY * RTSP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\n\r\n";
    REQUIRE(six.size() == 55);
    CHECK(proto::parse_request(six, lim));
    const std::string eight = "PLAY * RTSP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\nH: 8\r\n\r\n";
    CHECK(proto::parse_request(eight, lim).error() == errc::request_too_large);
    CHECK(proto::parse_request(eight.substr(0, 59), lim).error() == errc::need_more);
    CHECK(proto::parse_request(eight.substr(0, 60), lim).error() == errc::request_too_large);
    parse_all_prefixes(eight, lim);
}

TEST_CASE("row 2: a very long URL", "[protocol][parser][bad]") {
    const std::string url = "rtsp://h/" + std::string(2000, 'u');
    CHECK(proto::parse_request("DESCRIBE " + url + " RTSP/1.0\r\nCSeq: 2\r\n\r\n").error() ==
          errc::line_too_long);
    // Under the line limit it parses; rejecting the path (> 255 bytes) is parse_url's job.
    const std::string medium = "rtsp://h/" + std::string(900, 'u');
    const auto r = parse_kept("DESCRIBE " + medium + " RTSP/1.0\r\nCSeq: 2\r\n\r\n");
    REQUIRE(r);
    CHECK(r->uri == medium);
}

TEST_CASE("row 3: a request without CSeq parses; the server answers 400", "[protocol][parser][bad]") {
    const auto r = parse_kept("OPTIONS * RTSP/1.0\r\nUser-Agent: x\r\n\r\n"s);
    REQUIRE(r);
    CHECK_FALSE(r->header("CSeq").has_value());
    const auto none = parse_kept("OPTIONS * RTSP/1.0\r\n\r\n"s);
    REQUIRE(none);
    CHECK(none->field_count == 0);
    CHECK_FALSE(none->header("CSeq").has_value());
}

TEST_CASE("row 4: CSeq with NUL, CR, or odd values", "[protocol][parser][bad]") {
    const std::string head = "OPTIONS * RTSP/1.0\r\n";
    CHECK(proto::parse_request(head + "CSeq: 1\0x\r\n\r\n"s).error() == errc::bad_header);
    CHECK(proto::parse_request(head + "CSeq: 1\0"s).error() == errc::bad_header);  // at once
    CHECK(proto::parse_request(head + "CSeq: 1\rX-Injected: y\r\n\r\n").error() == errc::bad_header);
    CHECK(proto::parse_request(head + "CSeq: 1\r\rX-Injected: y\r\n\r\n").error() == errc::bad_header);
    CHECK(proto::parse_request(head + "CSeq: 1\x7F\r\n\r\n").error() == errc::bad_header);
    CHECK(proto::parse_request(head + "CSeq: \x1B[31m\r\n\r\n").error() == errc::bad_header);
    CHECK(proto::parse_request(head + "CSe\0q: 1\r\n\r\n"s).error() == errc::bad_header);
    // Huge or non-numeric CSeq values are strings to the parser; the server decides.
    const auto huge = parse_kept(head + "CSeq: 123456789012345678901234567890\r\n\r\n");
    REQUIRE(huge);
    CHECK(huge->header("CSeq") == "123456789012345678901234567890");
    const auto text = parse_kept(head + "CSeq: abc\r\n\r\n");
    REQUIRE(text);
    CHECK(text->header("CSeq") == "abc");
    // Tabs are legal whitespace.
    const auto tab = parse_kept(head + "CSeq:\t5\t\r\n\r\n");
    REQUIRE(tab);
    CHECK(tab->header("CSeq") == "5");
    parse_all_prefixes(head + "CSeq: 1\0x\r\n\r\n"s);
    parse_all_prefixes(head + "CSeq: 1\rX-Injected: y\r\n\r\n");
}

TEST_CASE("row 5: Content-Length that is huge, negative, overflowing or duplicated",
          "[protocol][parser][bad]") {
    const std::string head = "SET_PARAMETER rtsp://h/cam RTSP/1.0\r\nCSeq: 3\r\n";
    auto cl = [&](const std::string& v) {
        // No body bytes follow: the error must come at once, not after waiting for the body.
        return proto::parse_request(head + "Content-Length: " + v + "\r\n\r\n").error();
    };
    CHECK(cl("999999999") == errc::body_too_large);
    CHECK(cl("4097") == errc::body_too_large);
    CHECK(cl("-1") == errc::bad_content_length);
    CHECK(cl("+5") == errc::bad_content_length);
    CHECK(cl("18446744073709551615") == errc::body_too_large);
    CHECK(cl("18446744073709551616") == errc::bad_content_length);
    CHECK(cl("99999999999999999999999999") == errc::bad_content_length);
    CHECK(cl("") == errc::bad_content_length);
    CHECK(cl("0x10") == errc::bad_content_length);
    CHECK(cl("1 2") == errc::bad_content_length);
    CHECK(cl("5,5") == errc::bad_content_length);
    CHECK(cl("1e3") == errc::bad_content_length);
    // The error is known once the Content-Length line ends, before the head does.
    CHECK(proto::parse_request(head + "Content-Length: 999999999\r\n").error() == errc::body_too_large);
    CHECK(proto::parse_request(head + "Content-Length: -1\r\n").error() == errc::bad_content_length);
    // Two different values are ambiguous (request smuggling); two equal ones are harmless.
    CHECK(proto::parse_request(head + "Content-Length: 3\r\ncontent-length: 4\r\n\r\nabcd").error() ==
          errc::bad_content_length);
    const auto same = parse_kept(head + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
    REQUIRE(same);
    CHECK(same->body == "abc");
    // The body cap itself, and a body that has not fully arrived.
    const auto max = parse_kept(head + "Content-Length: 4096\r\n\r\n" + std::string(4096, 'b'));
    REQUIRE(max);
    CHECK(max->body.size() == 4096);
    CHECK(proto::parse_request(head + "Content-Length: 4\r\n\r\nabc").error() == errc::need_more);
    const auto zero = parse_kept(head + "Content-Length: 0\r\n\r\nNEXT");
    REQUIRE(zero);
    CHECK(zero->body.empty());
    CHECK(zero->consumed == (head + "Content-Length: 0\r\n\r\n").size());
    const auto spaced = parse_kept(head + "Content-Length:   2  \r\n\r\nxy");
    REQUIRE(spaced);
    CHECK(spaced->body == "xy");
    parse_all_prefixes(head + "Content-Length: 3\r\ncontent-length: 4\r\n\r\nabcd");
    parse_all_prefixes(head + "Content-Length: 10\r\n\r\n0123456789tail");
}

TEST_CASE("row 22: continuation lines, hundreds of headers, duplicates", "[protocol][parser][bad]") {
    const std::string head = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n";
    CHECK(proto::parse_request(head + "User-Agent: a\r\n  continued\r\n\r\n").error() == errc::bad_header);
    CHECK(proto::parse_request(head + "User-Agent: a\r\n\tcontinued\r\n\r\n").error() == errc::bad_header);
    CHECK(proto::parse_request(head + " ").error() == errc::bad_header);  // decided at once
    // A continuation right after the request line is refused too.
    CHECK(proto::parse_request("OPTIONS * RTSP/1.0\r\n CSeq: 1\r\n\r\n"s).error() == errc::bad_header);

    std::string hundreds = head;
    for (int i = 0; i < 500; ++i) hundreds += "X-H" + std::to_string(i) + ": v\r\n";
    hundreds += "\r\n";
    CHECK(proto::parse_request(hundreds).error() == errc::too_many_headers);
    CHECK(proto::parse_request<512>(hundreds).error() == errc::request_too_large);
    // Exactly MaxHeaders fields fit; the next one fails as soon as its first byte arrives.
    std::string full = "OPTIONS * RTSP/1.0\r\n";
    for (int i = 0; i < 24; ++i) full += "X-H" + std::to_string(i) + ": v\r\n";
    const auto r = parse_kept(full + "\r\n");
    REQUIRE(r);
    CHECK(r->field_count == 24);
    CHECK(r->header("X-H23") == "v");
    CHECK(proto::parse_request(full + "X").error() == errc::too_many_headers);
    CHECK(proto::parse_request(full + "\r").error() == errc::need_more);
    const auto small = parse_kept<2>(head + "A: 1\r\n\r\n");
    REQUIRE(small);
    CHECK(proto::parse_request<1>(head + "A: 1\r\n\r\n").error() == errc::too_many_headers);

    const auto dup = parse_kept(head + "CSeq: 2\r\nSession: a\r\nsession: b\r\n\r\n");
    REQUIRE(dup);
    CHECK(dup->count("CSeq") == 2);
    CHECK(dup->count("Session") == 2);
    CHECK(dup->header("CSeq") == "1");
    parse_all_prefixes(hundreds);
}

TEST_CASE("row 17: lower-case, unknown and HTTP methods parse for 501/405", "[protocol][parser][bad]") {
    const auto lower = parse_kept("options * RTSP/1.0\r\nCSeq: 1\r\n\r\n"s);
    REQUIRE(lower);
    CHECK(lower->verb == proto::method::unknown);
    CHECK(lower->method_token == "options");
    const auto foo = parse_kept("FOO rtsp://h/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n"s);
    REQUIRE(foo);
    CHECK(foo->verb == proto::method::unknown);
    CHECK(foo->method_token == "FOO");
    const std::string get = "GET /cam HTTP/1.1\r\nHost: 192.168.1.50:8554\r\nUser-Agent: curl/8.5.0\r\n"
                            "Accept: */*\r\n\r\n";
    const auto http = proto::parse_request(get);
    REQUIRE(http);
    CHECK(http->verb == proto::method::unknown);
    CHECK(http->method_token == "GET");
    CHECK(http->uri == "/cam");
    CHECK(http->version == "HTTP/1.1");
    CHECK(http->header("host") == "192.168.1.50:8554");
    // QuickTime-style tunnelling GET parses too (the server refuses it unless tunnelling is on).
    const auto tunnel = parse_kept(
        "GET /cam HTTP/1.0\r\nx-sessioncookie: 2b1f3a\r\nAccept: application/x-rtsp-tunnelled\r\n\r\n"s);
    REQUIRE(tunnel);
    CHECK(tunnel->header("X-SessionCookie") == "2b1f3a");
}

TEST_CASE("row 18: other RTSP versions parse and return the version", "[protocol][parser][bad]") {
    for (const char* v : {"RTSP/2.0", "RTSP/9.9", "RTSP/1.1", "HTTP/1.0"}) {
        const auto r = parse_kept("OPTIONS * " + std::string(v) + "\r\nCSeq: 1\r\n\r\n");
        REQUIRE(r);
        CHECK(r->version == v);
    }
}

TEST_CASE("row 21: Require and Proxy-Require are available to the server", "[protocol][parser]") {
    const auto r = parse_kept(
        "SETUP rtsp://h/cam/track1 RTSP/1.0\r\nCSeq: 3\r\nRequire: implicit-play, com.example.x\r\n"
        "Proxy-Require: gzipped-messages\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n"s);
    REQUIRE(r);
    CHECK(r->header("Require") == "implicit-play, com.example.x");
    CHECK(r->header("proxy-require") == "gzipped-messages");
}

TEST_CASE("malformed request lines", "[protocol][parser][bad]") {
    for (const std::string line :
         {"OPTIONS  * RTSP/1.0", " OPTIONS * RTSP/1.0", "OPTIONS *", "OPTIONS", "OPTIONS * RTSP/1.0 x",
          "OPTIONS * RTSP/1.0 ", "OPTIONS * FOO/1.0", "OPTIONS * RTSP/", "OPTIONS * rtsp/1.0",
          "OPTIONS\t*\tRTSP/1.0", "OPTIONS *\tRTSP/1.0", "OPTIONS * RTSP/1.0\t", "OPT(ONS * RTSP/1.0",
          "OPTIONS /a\x01 RTSP/1.0", "OPTIONS * RTSP/1\x7F", "OPTIONS  RTSP/1.0", ": * RTSP/1.0",
          "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"}) {
        INFO(line);
        CHECK(proto::parse_request(line + "\r\nCSeq: 1\r\n\r\n").error() == errc::bad_request_line);
        parse_all_prefixes(line + "\r\nCSeq: 1\r\n\r\n");
    }
    // NUL in the request line, and a CR not followed by LF.
    CHECK(proto::parse_request("OPTIONS /\0 RTSP/1.0\r\n\r\n"s).error() == errc::bad_request_line);
    CHECK(proto::parse_request("OPTIONS * RTSP/1.0\rCSeq: 1\r\n\r\n"s).error() == errc::bad_request_line);
    // Binary garbage (e.g. a TLS ClientHello) fails at its first control byte, not at a limit.
    CHECK(proto::parse_request("\x16\x03\x01"s).error() == errc::bad_request_line);
    // An interleaved frame handed to the request parser is not mistaken for a request.
    CHECK(proto::parse_request(frame(1, rtcp_rr(32))).error() == errc::bad_request_line);
}

TEST_CASE("malformed header lines", "[protocol][parser][bad]") {
    const std::string head = "OPTIONS * RTSP/1.0\r\n";
    for (const std::string line : {"NoColon", "CSeq 1", ": value", "CSeq : 1", "C Seq: 1", "CSeq\t: 1",
                                   "[CSeq]: 1", "CSeq: 1\x01", "Ünicode: 1"}) {
        INFO(line);
        CHECK(proto::parse_request(head + line + "\r\n\r\n").error() == errc::bad_header);
        parse_all_prefixes(head + line + "\r\n\r\n");
    }
    CHECK(proto::parse_request(head + "CSeq: 1\r\r\n"s).error() == errc::bad_header);
    CHECK(proto::parse_request(head + "CSeq: 1\r\n\rX"s).error() == errc::bad_header);
}

TEST_CASE("every prefix of mutated requests gives need_more or the whole result",
          "[protocol][parser][fuzz]") {
    // A deterministic mutation fuzzer: the prefix property must hold for arbitrary bytes, and
    // ASan checks that nothing is read outside the buffer.
    std::mt19937 rng(2326);
    const auto samples = client_requests();
    const char interesting[] = {'\r', '\n', ' ', '\t', ':', '\0', '$', '-', '0', '9', 'A', '\x7F',
                                '\x80', '\xFF'};
    int errors = 0, oks = 0;
    for (int iter = 0; iter < 400; ++iter) {
        std::string t = samples[rng() % samples.size()].text;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !t.empty(); ++e) {
            const std::size_t at = rng() % t.size();
            switch (rng() % 4) {
            case 0: t[at] = interesting[rng() % sizeof interesting]; break;
            case 1: t.erase(at, 1 + rng() % 3); break;
            case 2: t.insert(at, 1, interesting[rng() % sizeof interesting]); break;
            default: t.insert(at, t.substr(at, rng() % 40)); break;
            }
        }
        INFO(t);
        const std::string whole = parse_all_prefixes(t);
        (whole.rfind("error", 0) == 0 ? errors : oks)++;
    }
    // Both outcomes must be exercised for the property to mean anything.
    CHECK(errors > 50);
    CHECK(oks > 50);
}

// --- session_header.hpp ----------------------------------------------------------------------

TEST_CASE("Session header values", "[protocol][session]") {
    auto ok = [](std::string_view v) {
        const auto r = proto::parse_session_header(v);
        REQUIRE(r);
        return std::pair<std::string, std::uint32_t>(std::string(r->id), r->timeout);
    };
    CHECK(ok("8F3A12C47B9D0E21") == std::pair<std::string, std::uint32_t>("8F3A12C47B9D0E21", 0));
    CHECK(ok("8F3A12C47B9D0E21;timeout=60") == std::pair<std::string, std::uint32_t>("8F3A12C47B9D0E21", 60));
    CHECK(ok("  abc ; timeout = 65 ") == std::pair<std::string, std::uint32_t>("abc", 65));
    CHECK(ok("abc;TIMEOUT=5;x=y") == std::pair<std::string, std::uint32_t>("abc", 5));
    CHECK(ok("a$b-c_d.e+f;foo") == std::pair<std::string, std::uint32_t>("a$b-c_d.e+f", 0));
    CHECK(ok("abc;") == std::pair<std::string, std::uint32_t>("abc", 0));
    CHECK(ok("abc;timeout=4294967295").second == 4294967295u);
    for (std::string_view bad : {"", " ", ";timeout=60", "a b", "a,b", "a\"b", "ab\x01", "abc;timeout=",
                                 "abc;timeout=-1", "abc;timeout=x", "abc;timeout=4294967296",
                                 "<script>", "a/b"}) {
        INFO(bad);
        CHECK(proto::parse_session_header(bad).error() == errc::bad_header);
    }
    // It reads what the parser returns for a real PLAY.
    const auto r = parse_kept("PLAY rtsp://h/cam/ RTSP/1.0\r\nCSeq: 4\r\nSession: 8F3A12C47B9D0E21\r\n\r\n"s);
    REQUIRE(r);
    const auto s = proto::parse_session_header(*r->header("Session"));
    REQUIRE(s);
    CHECK(s->id == "8F3A12C47B9D0E21");
}
