// SPDX-License-Identifier: MIT
// bad_input_test - every row of PROTOCOL.md §4 (the bad inputs behind real CVEs and crashes in
// live555, GStreamer, Micro-RTSP and others), the JPEG input side and the Config limits, each
// against the real server (rtsp::basic_rtsp_server, POSIX sockets, 127.0.0.1, port 0).
//
// Each test asserts the exact answer (status code, closed connection, ignored input) AND that
// an observer client playing the stream meanwhile lost nothing: no RTP sequence gap, every
// frame complete, exactly as many frames received as the server counted as sent to it, and no
// stall longer than a second. Row 19 (HTTP tunnelling) plays a real tunnel next to the bad ones.
// Row 20 (Authorization) lives with the authentication tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "base64.hpp"
#include "hardening_support.hpp"

using namespace hardening;

namespace {

/// Short timing limits, so the slowloris and stalled-reader tests take seconds, not minutes.
struct short_config : rtsp::default_config {
    static constexpr std::uint32_t request_deadline_ms = 500;
    static constexpr std::uint32_t send_stall_ms = 1000;
};

/// Stops the server, drains the observer and checks that it received every frame.
template <class H>
void check_observer_lost_nothing(H& h, observer& obs, bool tcp = false) {
    h.stop();
    const snapshot s = h.snap();
    const observation o = obs.finish();
    const auto mine = s.session(o.session);
    REQUIRE(mine.has_value());
    INFO("observer: " << o.frames << " frames, " << o.packets << " packets, server sent "
                      << mine->frames_sent << " frames, dropped " << mine->frames_dropped
                      << ", max gap " << o.max_frame_gap_ms << " ms");
    CHECK(o.frames >= 8);
    CHECK(mine->frames_dropped == 0);
    CHECK(o.seq_gaps == 0);
    CHECK(o.incomplete_frames == 0);
    CHECK(o.bad_packets == 0);
    if (tcp) {
        // The connection closes at shutdown, possibly inside the last frame.
        CHECK(o.frames + 1 >= mine->frames_sent);
    } else {
        CHECK(o.frames == mine->frames_sent);
    }
    CHECK(o.max_frame_gap_ms < 1000.0);
}

std::string cseq_of(const response& r) { return r.header("CSeq").value_or("<none>"); }

/// Sends `bytes` on a fresh connection; returns the response (if any) and whether the server
/// closed the connection afterwards.
struct one_shot {
    std::optional<response> resp;
    bool closed = false;
};
one_shot send_one_shot(std::uint16_t port, std::string_view bytes, bool expect_close) {
    raw_client c(port);
    REQUIRE(c.ok());
    (void)c.send_raw(bytes);  // may fail half way when the server closes: that is the point
    one_shot out;
    out.resp = c.read_response();
    if (expect_close) out.closed = c.wait_closed(3000ms);
    else out.closed = c.wait_closed(200ms);
    return out;
}

template <class H>
void start_observer_check(H& h, observer& obs) {
    REQUIRE(obs.ok());
    REQUIRE(obs.wait_frames(3));
    (void)h;
}

}  // namespace

// --- rows 1 and 2: oversized lines, heads and URLs ----------------------------------------------

TEST_CASE("row 1: request line (414) or header (400) longer than the limit, then close", "[row1]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);

    {   // 64 KB without a line end: the line limit (1024) is crossed first.
        auto r = send_one_shot(h.port(), std::string(65536, 'A'), true);
        CHECK(r.closed);
        REQUIRE(r.resp.has_value());
        CHECK(r.resp->status == 414);
        CHECK(r.resp->header("Connection") == "close");
    }
    {   // One header line of 1100 bytes.
        std::string req = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Long: " + std::string(1100, 'x') + "\r\n\r\n";
        auto r = send_one_shot(h.port(), req, true);
        CHECK(r.closed);
        REQUIRE(r.resp.has_value());
        CHECK(r.resp->status == 400);  // a header, not the URI, is too long
    }
    {   // 20 headers of 110 bytes: each line fits, the head (2048) does not.
        std::string req = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n";
        for (int i = 0; i < 20; ++i) req += "X-H" + std::to_string(i) + ": " + std::string(100, 'y') + "\r\n";
        req += "\r\n";
        auto r = send_one_shot(h.port(), req, true);
        CHECK(r.closed);
        REQUIRE(r.resp.has_value());
        CHECK(r.resp->status == 400);
    }
    {   // A header name of 200 bytes (gpac #3532) is just a long line: fine below the limits.
        raw_client c(h.port());
        auto r = c.request("OPTIONS", "*", std::string(200, 'N') + ": v\r\n");
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 2: very long URL -> 414 (close when it breaks the line limit)", "[row2]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    {   // 1100-byte URL: longer than max_request_line.
        std::string req = "DESCRIBE " + h.url("/cam/" + std::string(1100, 'u')) + " RTSP/1.0\r\nCSeq: 1\r\n\r\n";
        auto r = send_one_shot(h.port(), req, true);
        CHECK(r.closed);
        REQUIRE(r.resp.has_value());
        CHECK(r.resp->status == 414);
    }
    {   // 300-byte SETUP URL: fits the line but not max_url_length (echoed in RTP-Info): 414,
        // the connection stays usable.
        raw_client c(h.port());
        auto r = c.request("SETUP", h.url("/cam/track1?") + std::string(300, 'q'),
                           "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
        REQUIRE(r);
        CHECK(r->status == 414);
        auto r2 = c.request("OPTIONS", "*");
        REQUIRE(r2);
        CHECK(r2->status == 200);
    }
    {   // 900-byte path on DESCRIBE (longer than any stream path): 400, no copy anywhere.
        raw_client c(h.port());
        auto r = c.request("DESCRIBE", h.url("/" + std::string(900, 'p')));
        REQUIRE(r);
        CHECK(r->status == 400);
    }
    REQUIRE(obs.wait_frames(5));
    CHECK(h.snap().sessions.size() == 1);
    check_observer_lost_nothing(h, obs);
}

// --- rows 3-5: CSeq and Content-Length ------------------------------------------------------------

TEST_CASE("row 3: missing CSeq -> 400, never a silent drop", "[row3]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    REQUIRE(c.send_raw("OPTIONS * RTSP/1.0\r\nUser-Agent: x\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK_FALSE(r->header("CSeq").has_value());
    // The connection is still in step.
    auto r2 = c.request("OPTIONS", "*");
    REQUIRE(r2);
    CHECK(r2->status == 200);
    CHECK(cseq_of(*r2) == std::to_string(c.last_cseq()));
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 4: CSeq with NUL or CR -> 400 and close, huge or non-numeric echoed verbatim", "[row4]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    {
        static constexpr char with_nul[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\0evil\r\n\r\n";
        auto r = send_one_shot(h.port(), std::string(with_nul, sizeof with_nul - 1), true);
        CHECK(r.closed);
        REQUIRE(r.resp);
        CHECK(r.resp->status == 400);
        CHECK(r.resp->head.find("evil") == std::string::npos);
    }
    {
        auto r = send_one_shot(h.port(), "OPTIONS * RTSP/1.0\r\nCSeq: 1\rX-Injected: yes\r\n\r\n", true);
        CHECK(r.closed);
        REQUIRE(r.resp);
        CHECK(r.resp->status == 400);
        CHECK_FALSE(r.resp->header("X-Injected").has_value());
    }
    {
        raw_client c(h.port());
        const std::string huge(40, '9');
        REQUIRE(c.send_raw("OPTIONS * RTSP/1.0\r\nCSeq: " + huge + "\r\n\r\n"));
        auto r = c.read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(cseq_of(*r) == huge);
        REQUIRE(c.send_raw("OPTIONS * RTSP/1.0\r\nCSeq: abc\r\n\r\n"));
        r = c.read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(cseq_of(*r) == "abc");
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 5: Content-Length huge, negative or overflowing -> 413/400 at once, then close", "[row5][limits]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    struct tc {
        const char* value;
        int status;
    } cases[] = {{"999999999", 413}, {"-1", 400}, {"184467440737095516160", 400}, {"1025", 413}, {"1x", 400}};
    for (auto& t : cases) {
        INFO("Content-Length: " << t.value);
        const auto t0 = clock_type::now();
        // No body is sent: the answer must not wait for one.
        auto r = send_one_shot(h.port(), std::string("SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: ") +
                                             t.value + "\r\n\r\n", true);
        CHECK(ms_since(t0) < 2000);
        CHECK(r.closed);
        REQUIRE(r.resp);
        CHECK(r.resp->status == t.status);
    }
    {   // A body up to the cap (1024) is read and discarded; the next request is answered.
        raw_client c(h.port());
        REQUIRE(c.send_raw("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'b') +
                           "OPTIONS * RTSP/1.0\r\nCSeq: 2\r\n\r\n"));
        auto r1 = c.read_response();
        auto r2 = c.read_response();
        REQUIRE(r1);
        REQUIRE(r2);
        CHECK(r1->status == 200);
        CHECK(cseq_of(*r1) == "1");
        CHECK(r2->status == 200);
        CHECK(cseq_of(*r2) == "2");
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

// --- rows 6-8: framing --------------------------------------------------------------------------

TEST_CASE("row 6: pipelined requests in one send are answered in order", "[row6]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    std::string all;
    all += c.make("OPTIONS", "*");
    all += c.make("DESCRIBE", h.url());
    all += c.make("OPTIONS", "*");
    all += c.make("DESCRIBE", h.url("/nope"));
    REQUIRE(c.send_raw(all));
    const int expect[] = {200, 200, 200, 404};
    for (int i = 0; i < 4; ++i) {
        auto r = c.read_response();
        REQUIRE(r);
        CHECK(r->status == expect[i]);
        CHECK(cseq_of(*r) == std::to_string(i + 1));
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 7: a request split into 1-byte segments is buffered until complete", "[row7]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    const std::string req = c.make("DESCRIBE", h.url(), "Accept: application/sdp\r\n");
    for (char ch : req) {
        REQUIRE(c.send_raw(std::string_view(&ch, 1)));
        std::this_thread::sleep_for(1ms);
    }
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.find("m=video 0 RTP/AVP 26") != std::string::npos);
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 8: interleaved $ frames before, between and split across requests", "[row8]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    const std::string rr("\x80\xc9\x00\x01\x12\x34\x56\x78", 8);            // RTCP RR, no blocks
    const std::string sdes("\x81\xca\x00\x02\x12\x34\x56\x78\x00\x00\x00\x00", 12);
    auto frame = [](std::uint8_t ch, const std::string& p) {
        std::string f = "$";
        f += static_cast<char>(ch);
        f += static_cast<char>(p.size() >> 8);
        f += static_cast<char>(p.size() & 0xFF);
        return f + p;
    };
    std::string s;
    s += frame(1, rr);                      // before
    s += c.make("OPTIONS", "*");
    s += frame(1, rr + sdes);               // two RTCP packets in one frame, between
    s += frame(0, "");                      // length 0
    s += c.make("OPTIONS", "*");
    s += frame(7, std::string(65535, 'z')); // the largest frame, far beyond the receive buffer
    s += c.make("OPTIONS", "*");
    s += frame(1, "garbage that is not RTCP");
    REQUIRE(c.send_raw(s));
    for (int i = 1; i <= 3; ++i) {
        auto r = c.read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(cseq_of(*r) == std::to_string(i));
    }
    // A frame header split across segments, then a request.
    const std::string f = frame(1, rr);
    REQUIRE(c.send_raw(f.substr(0, 2)));
    std::this_thread::sleep_for(30ms);
    REQUIRE(c.send_raw(f.substr(2, 5)));
    std::this_thread::sleep_for(30ms);
    REQUIRE(c.send_raw(f.substr(7) + c.make("OPTIONS", "*")));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(cseq_of(*r) == "4");
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

// --- rows 9-13: slowloris, exhaustion, sessions ------------------------------------------------------

TEST_CASE("row 9: slowloris gets 408 and is closed after request_deadline_ms", "[row9][limits]") {
    harness<short_config> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    std::vector<std::unique_ptr<raw_client>> slow;
    for (int i = 0; i < 5; ++i) {
        slow.push_back(std::make_unique<raw_client>(h.port()));
        REQUIRE(slow.back()->ok());
    }
    const auto t0 = clock_type::now();
    const std::string req = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    std::vector<bool> closed(slow.size(), false);
    // One byte every 100 ms each: the request would take 3 s, the deadline is 0.5 s.
    for (std::size_t i = 0; i < req.size() && ms_since(t0) < 4000; ++i) {
        for (std::size_t k = 0; k < slow.size(); ++k)
            if (!closed[k]) closed[k] = !slow[k]->send_raw(std::string_view(&req[i], 1));
        std::this_thread::sleep_for(100ms);
        bool all = true;
        for (std::size_t k = 0; k < slow.size(); ++k) {
            if (!closed[k]) closed[k] = slow[k]->wait_closed(1ms);
            all = all && closed[k];
        }
        if (all) break;
    }
    const double elapsed = ms_since(t0);
    for (auto& c : slow) {
        CHECK(c->wait_closed(2000ms));
        auto r = c->read_response(100ms);
        REQUIRE(r);
        CHECK(r->status == 408);
    }
    CHECK(elapsed >= 400);
    CHECK(elapsed < 2500);
    // A fresh client is served normally.
    raw_client fresh(h.port());
    auto r = fresh.request("OPTIONS", "*");
    REQUIRE(r);
    CHECK(r->status == 200);
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 10: connection and session limits: 503 when full, 453 per connection, idle sessions reclaimed",
          "[row10][limits]") {
    auto opts = default_options();
    opts.session_timeout_s = 2;
    harness<> h(opts);
    observer obs(h.port());  // one connection, one session, kept alive by RTCP RRs
    start_observer_check(h, obs);
    using cfg = rtsp::default_config;

    std::vector<std::unique_ptr<raw_client>> conns;
    for (std::size_t i = 1; i < cfg::max_connections; ++i) {
        conns.push_back(std::make_unique<raw_client>(h.port()));
        auto r = conns.back()->request("OPTIONS", "*");  // make sure it was accepted
        REQUIRE(r);
        REQUIRE(r->status == 200);
    }
    {   // Connection max_connections + 1: 503 and close.
        raw_client extra(h.port());
        auto r = extra.read_response();
        REQUIRE(r);
        CHECK(r->status == 503);
        CHECK(extra.wait_closed());
    }
    // Sessions: 4 per connection, 8 in all (the observer holds one).
    std::set<std::string> ids;
    auto& a = *conns[0];
    for (std::size_t i = 0; i < cfg::max_sessions_per_connection; ++i) {
        auto [id, r] = a.setup_tcp(h.url("/cam/track1"), static_cast<int>(2 * i));
        REQUIRE(r);
        CHECK(r->status == 200);
        ids.insert(id);
    }
    {
        auto [id, r] = a.setup_tcp(h.url("/cam/track1"), 10);
        REQUIRE(r);
        CHECK(r->status == 453);
    }
    auto& b = *conns[1];
    for (std::size_t i = 0; i + 1 + cfg::max_sessions_per_connection < cfg::max_sessions; ++i) {
        auto [id, r] = b.setup_tcp(h.url("/cam/track1"), static_cast<int>(2 * i));
        REQUIRE(r);
        CHECK(r->status == 200);
        ids.insert(id);
    }
    {
        auto& c = *conns[2];
        auto [id, r] = c.setup_tcp(h.url("/cam/track1"));
        REQUIRE(r);
        CHECK(r->status == 503);
        CHECK(r->header("Retry-After").has_value());
    }
    CHECK(ids.size() == cfg::max_sessions - 1);
    CHECK(h.wait_for([](const snapshot& s) { return s.sessions.size() == cfg::max_sessions; }));
    // Nobody PLAYs or refreshes them: reclaimed after session_timeout_s (2 s).
    CHECK(h.wait_for([](const snapshot& s) { return s.sessions.size() == 1; }, 5000ms));
    {
        std::lock_guard l(h.callbacks().m);
        // Each id once, whichever case it was written in (an id of digits only is both cases).
        std::set<std::string> torn;
        std::size_t entries = 0;  // teardown callbacks for these ids: one each, never two
        for (auto id : h.callbacks().teardowns) {
            char hex[17];
            std::snprintf(hex, sizeof hex, "%016llX", static_cast<unsigned long long>(id));
            std::string hs(hex), lower = hs;
            for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (ids.count(hs) != 0) torn.insert(hs), ++entries;
            else if (ids.count(lower) != 0) torn.insert(lower), ++entries;
        }
        CHECK(torn == ids);
        CHECK(entries == ids.size());
    }
    {   // Room again.
        auto& c = *conns[2];
        auto [id, r] = c.setup_tcp(h.url("/cam/track1"));
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 11: session ids are 64 random bits, bound to their connection (454 elsewhere)", "[row11][security]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client a(h.port()), b(h.port());
    auto [id, r] = a.setup_tcp(h.url("/cam/track1"));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos);
    for (const char* m : {"PLAY", "PAUSE", "GET_PARAMETER", "TEARDOWN"}) {
        INFO(m);
        auto rb = b.request(m, h.url("/cam"), "Session: " + id + "\r\n");
        REQUIRE(rb);
        CHECK(rb->status == 454);
    }
    // A guessed id (the real one with its last digit changed) on the owning connection.
    std::string guess = id;
    guess.back() = guess.back() == '0' ? '1' : '0';
    auto rg = a.request("PLAY", h.url("/cam"), "Session: " + guess + "\r\n");
    REQUIRE(rg);
    CHECK(rg->status == 454);
    // The owner still controls its session: the replays did not tear it down.
    auto ra = a.request("PLAY", h.url("/cam"), "Session: " + id + "\r\n");
    REQUIRE(ra);
    CHECK(ra->status == 200);
    // Ids differ and are not sequential.
    std::set<std::string> seen{id};
    raw_client c(h.port());
    for (int i = 0; i < 3; ++i) {
        auto [idc, rc] = c.setup_tcp(h.url("/cam/track1"), 2 * i);
        REQUIRE(rc);
        CHECK(rc->status == 200);
        seen.insert(idc);
    }
    CHECK(seen.size() == 4);
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 12: PLAY/PAUSE/TEARDOWN/GET_PARAMETER with an unknown Session -> 454", "[row12]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    for (const std::string& sess : std::vector<std::string>{"0123456789ABCDEF", "1", "not-hex!", std::string(500, 'F'), "", ";timeout=5"}) {
        for (const char* m : {"PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER"}) {
            INFO(m << " Session: '" << sess << "'");
            auto r = c.request(m, h.url("/cam"), "Session: " + sess + "\r\n");
            REQUIRE(r);
            CHECK(r->status == 454);
        }
    }
    REQUIRE(obs.wait_frames(5));
    CHECK(h.snap().sessions.size() == 1);
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 13: PLAY before SETUP -> 454, another path -> 459, SETUP while playing -> 455", "[row13]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    auto r = c.request("PLAY", h.url("/cam"));
    REQUIRE(r);
    CHECK(r->status == 454);  // no Session header: there is nothing to play
    r = c.request("PAUSE", h.url("/cam"));
    REQUIRE(r);
    CHECK(r->status == 454);
    auto [id, rs] = c.setup_tcp(h.url("/cam/track1"));
    REQUIRE(rs);
    REQUIRE(rs->status == 200);
    r = c.request("PLAY", h.url("/alt"), "Session: " + id + "\r\n");
    REQUIRE(r);
    CHECK(r->status == 459);
    r = c.request("SETUP", h.url("/alt/track1"), "Session: " + id + "\r\nTransport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n");
    REQUIRE(r);
    CHECK(r->status == 459);
    r = c.request("PLAY", h.url("/cam"), "Session: " + id + "\r\n");
    REQUIRE(r);
    CHECK(r->status == 200);
    r = c.request("SETUP", h.url("/cam/track1"), "Session: " + id + "\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
    REQUIRE(r);
    CHECK(r->status == 455);
    r = c.request("RECORD", h.url("/cam"), "Session: " + id + "\r\n");
    REQUIRE(r);
    CHECK(r->status == 405);
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

// --- rows 14-15: Transport ------------------------------------------------------------------------

TEST_CASE("row 14: bad client_port and foreign destination= are refused", "[row14][security]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    struct tc {
        const char* transport;
        int status;
    } cases[] = {
        {"RTP/AVP;unicast;client_port=0-1", 400},
        {"RTP/AVP;unicast;client_port=65535-0", 400},
        {"RTP/AVP;unicast", 400},                      // missing
        {"RTP/AVP;unicast;client_port=5001-5000", 400},  // reversed
        {"RTP/AVP;unicast;client_port=5001-5002", 400},  // odd RTP port
        {"RTP/AVP;unicast;client_port=70000-70001", 400},
        {"RTP/AVP;unicast;client_port=99999999999999999999-0", 400},
        {"RTP/AVP;unicast;client_port=", 400},
        {"RTP/AVP;unicast;client_port=abc-def", 400},
        {"RTP/AVP;unicast;client_port=5000-5001;client_port=6000-6001", 400},
        {"RTP/AVP;unicast;destination=10.1.2.3;client_port=5000-5001", 461},
        {"RTP/AVP;unicast;destination=example.com;client_port=5000-5001", 461},
        {"RTP/AVP;multicast;client_port=5000-5001", 461},
        {"RAW/RAW/UDP;unicast;client_port=5000-5001", 461},
    };
    for (auto& t : cases) {
        INFO("Transport: " << t.transport);
        auto r = c.request("SETUP", h.url("/cam/track1"), std::string("Transport: ") + t.transport + "\r\n");
        REQUIRE(r);
        CHECK(r->status == t.status);
        CHECK_FALSE(r->header("Session").has_value());
    }
    // The peer's own address is allowed.
    udp_pair mine;
    auto r = c.request("SETUP", h.url("/cam/track1"),
                       "Transport: RTP/AVP;unicast;destination=127.0.0.1;client_port=" + std::to_string(mine.port) +
                           "-" + std::to_string(mine.port + 1) + "\r\n");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(h.wait_for([](const snapshot& s) { return s.sessions.size() == 2; }));
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 15: interleaved channels out of range or on UDP are refused, 254-255 works", "[row15]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    struct tc {
        const char* transport;
        int status;
    } cases[] = {
        {"RTP/AVP/TCP;unicast;interleaved=256-257", 400},
        {"RTP/AVP/TCP;unicast;interleaved=255-256", 400},
        {"RTP/AVP/TCP;unicast;interleaved=0-2", 400},
        {"RTP/AVP/TCP;unicast;interleaved=1-0", 400},
        {"RTP/AVP/TCP;unicast;interleaved=-1-0", 400},
        {"RTP/AVP;unicast;interleaved=0-1", 461},
        {"RTP/AVP/UDP;unicast;interleaved=0-1;client_port=5000-5001", 461},
    };
    for (auto& t : cases) {
        INFO("Transport: " << t.transport);
        auto r = c.request("SETUP", h.url("/cam/track1"), std::string("Transport: ") + t.transport + "\r\n");
        REQUIRE(r);
        CHECK(r->status == t.status);
    }
    // 254-255 is a legal pair (RFC 2326 §12.39): it must stream on channel 254.
    auto [id, r] = c.setup_tcp(h.url("/cam/track1"), 254);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(r->header("Transport").value_or("").find("interleaved=254-255") != std::string::npos);
    r = c.request("PLAY", h.url("/cam"), "Session: " + id + "\r\n");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    // The first RTP frame arrives on channel 254.
    const auto end = clock_type::now() + 3s;
    bool got = false;
    while (!got && clock_type::now() < end) {
        auto& buf = c.buffer();
        if (buf.size() >= 4 && buf[0] == '$') got = static_cast<unsigned char>(buf[1]) == 254;
        else if (!c.fill(end)) break;
    }
    CHECK(got);
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

// --- rows 16-18: URLs, methods, versions ----------------------------------------------------------

TEST_CASE("row 16: path traversal and odd URLs map only to registered streams", "[row16]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    const std::string hp = "127.0.0.1:" + std::to_string(h.port());
    struct tc {
        std::string url;
        int status;
    } cases[] = {
        {"rtsp://" + hp + "/../../etc/passwd", 400},
        {"rtsp://" + hp + "/cam/../../etc/passwd", 400},
        {"rtsp://" + hp + "/%2e%2e/%2e%2e/etc/passwd", 400},
        {"rtsp://" + hp + "/%63am", 404},  // no percent-decoding into a registered name
        {"rtsp://" + hp + "//cam", 400},
        {"rtsp://" + hp + "/cam/..", 400},
        {"rtsp://" + hp + "/cam?x=1", 200},
        {"rtsp://" + hp + "/cam#frag", 200},
        {"rtsp://user:pw@" + hp + "/cam", 200},
        {"rtsp://[::1]:" + std::to_string(h.port()) + "/cam", 200},
        {"rtsp://[::1/cam", 400},
        {"rtsp://" + hp + ":99999/cam", 400},
        {"/cam", 200},
        {"*", 400},
        {"file:///etc/passwd", 400},
    };
    // Dot segments and empty segments are refused by the URL parser (400) before any lookup;
    // names that are merely unknown are 404.
    for (auto& t : cases) {
        INFO("DESCRIBE " << t.url);
        auto r = c.request("DESCRIBE", t.url);
        REQUIRE(r);
        CHECK(r->status == t.status);
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 17: unknown, lower-case and HTTP methods -> 501 + Public; a plain HTTP GET -> HTTP 400", "[row17]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    for (const char* m : {"FOO", "options", "Describe", "GET", "POST", "PUT", "CONNECT"}) {
        INFO(m);
        auto r = c.request(m, h.url("/cam"));
        REQUIRE(r);
        CHECK(r->status == 501);
        CHECK(r->header("Public").value_or("").find("DESCRIBE") != std::string::npos);
    }
    // A browser pointed at the RTSP port: an HTTP answer that says what this is, then close.
    raw_client browser(h.port());
    REQUIRE(browser.send_raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n"));
    auto r = browser.read_response();
    REQUIRE(r);
    CHECK(r->http);
    CHECK(r->status == 400);
    CHECK(r->body.find("RTSP server") != std::string::npos);
    CHECK(browser.wait_closed());
    // The RTSP connection stays in step and nothing else happened.
    r = c.request("OPTIONS", "*");
    REQUIRE(r);
    CHECK(r->status == 200);
    REQUIRE(obs.wait_frames(5));  // also lets the snapshot catch up
    CHECK(h.snap().sessions.size() == 1);
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 19: HTTP tunnels - a real one plays; bad ones are refused and closed", "[row19]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    const std::string get = "GET /cam HTTP/1.0\r\nx-sessioncookie: abc123\r\nAccept: application/x-rtsp-tunnelled\r\n\r\n";
    auto post = [](const std::string& cookie) {
        return "POST /cam HTTP/1.0\r\nx-sessioncookie: " + cookie +
               "\r\nContent-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\n";
    };
    // A tunnel that works: requests in base64 through the POST, answers and RTP on the GET.
    raw_client tg(h.port()), tp(h.port());
    REQUIRE(tg.send_raw(get));
    auto r = tg.read_response();
    REQUIRE(r);
    CHECK((r->http && r->status == 200));
    CHECK(r->header("Content-Type") == "application/x-rtsp-tunnelled");
    REQUIRE(tp.send_raw(post("abc123")));
    REQUIRE(tp.send_raw(rtsp::test::base64(tp.make("SETUP", h.url("/cam/track1"),
                                                   "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"))));
    r = tg.read_response();
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string id = r->session_id();
    REQUIRE(tp.send_raw(rtsp::test::base64(tp.make("PLAY", h.url("/cam"), "Session: " + id + "\r\n"))));
    r = tg.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    REQUIRE(obs.wait_frames(5));
    const auto tunnelled = h.snap().session(std::stoull(id, nullptr, 16));
    REQUIRE(tunnelled);
    CHECK(tunnelled->playing);
    CHECK(tunnelled->frames_sent > 0);

    // GET then POST on one connection: refused with 400, closed.
    raw_client same(h.port());
    REQUIRE(same.send_raw(get.substr(0, get.find("abc123")) + "same1\r\n\r\n" + post("same1")));
    r = same.read_response();
    REQUIRE(r);
    CHECK((r->http && r->status == 400));
    CHECK(same.wait_closed());
    // A POST whose cookie no GET holds: 404, closed.
    raw_client unknown(h.port());
    REQUIRE(unknown.send_raw(post("unknown") + "T1BU"));
    r = unknown.read_response();
    REQUIRE(r);
    CHECK((r->http && r->status == 404));
    CHECK(unknown.wait_closed());
    // A second GET with a cookie in use: 400, closed; the first tunnel is not touched.
    raw_client twice(h.port());
    REQUIRE(twice.send_raw(get));
    r = twice.read_response();
    REQUIRE(r);
    CHECK((r->http && r->status == 400));
    CHECK(twice.wait_closed());
    REQUIRE(tp.send_raw(rtsp::test::base64(tp.make("GET_PARAMETER", h.url("/cam"), "Session: " + id + "\r\n"))));
    r = tg.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    // Invalid base64 on a second tunnel's POST: both its halves close.
    raw_client bg(h.port()), bp(h.port());
    REQUIRE(bg.send_raw(get.substr(0, get.find("abc123")) + "bad64\r\n\r\n"));
    r = bg.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    REQUIRE(bp.send_raw(post("bad64") + "!!!notb64!!!"));
    CHECK(bp.wait_closed());
    CHECK(bg.wait_closed());

    // The good tunnel's session and the observer's are the only ones, and both still play.
    REQUIRE(obs.wait_frames(5));
    CHECK(h.snap().sessions.size() == 2);
    REQUIRE(tp.send_raw(rtsp::test::base64(tp.make("TEARDOWN", h.url("/cam"), "Session: " + id + "\r\n"))));
    r = tg.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 18: RTSP/2.0 and RTSP/9.9 -> 505", "[row18]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    for (const char* v : {"RTSP/2.0", "RTSP/9.9", "RTSP/1.1", "HTTP/1.1"}) {
        INFO(v);
        REQUIRE(c.send_raw(std::string("OPTIONS * ") + v + "\r\nCSeq: 7\r\n\r\n"));
        auto r = c.read_response();
        REQUIRE(r);
        CHECK(r->status == 505);
        CHECK(cseq_of(*r) == "7");
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

// --- rows 21-23: headers and bodies -----------------------------------------------------------------

TEST_CASE("row 21: Require / Proxy-Require -> 551 + Unsupported", "[row21]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    auto r = c.request("DESCRIBE", h.url(), "Require: foo\r\n");
    REQUIRE(r);
    CHECK(r->status == 551);
    CHECK(r->header("Unsupported") == "foo");
    r = c.request("SETUP", h.url("/cam/track1"), "Proxy-Require: bar.baz\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
    REQUIRE(r);
    CHECK(r->status == 551);
    CHECK(r->header("Unsupported") == "bar.baz");
    REQUIRE(obs.wait_frames(5));  // also lets the snapshot catch up
    CHECK(h.snap().sessions.size() == 1);
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 22: continuation lines, hundreds of headers, duplicate CSeq/Session stay bounded", "[row22][limits]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    {
        auto r = send_one_shot(h.port(), "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-A: a\r\n b\r\n\r\n", true);
        CHECK(r.closed);
        REQUIRE(r.resp);
        CHECK(r.resp->status == 400);
    }
    {   // 300 tiny headers: the 25th is over max_headers (24).
        std::string req = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n";
        for (int i = 0; i < 300; ++i) req += "H: v\r\n";
        auto r = send_one_shot(h.port(), req + "\r\n", true);
        CHECK(r.closed);
        REQUIRE(r.resp);
        CHECK(r.resp->status == 400);
    }
    {   // 24 headers in all are fine.
        raw_client c(h.port());
        std::string extra;
        for (int i = 0; i < 23; ++i) extra += "H: v\r\n";
        auto r = c.request("OPTIONS", "*", extra);
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    {   // Duplicate CSeq: the first one is echoed, once.
        raw_client c(h.port());
        REQUIRE(c.send_raw("OPTIONS * RTSP/1.0\r\nCSeq: 5\r\nCSeq: 6\r\n\r\n"));
        auto r = c.read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(cseq_of(*r) == "5");
        std::size_t n = 0;
        for (auto& [k, v] : r->headers) n += k == "CSeq";
        CHECK(n == 1);
        // Duplicate Session: the first decides; a bogus first one is 454 even if a valid one follows.
        auto [id, rs] = c.setup_tcp(h.url("/cam/track1"));
        REQUIRE(rs);
        REQUIRE(rs->status == 200);
        auto r2 = c.request("GET_PARAMETER", h.url(), "Session: 0000000000000001\r\nSession: " + id + "\r\n");
        REQUIRE(r2);
        CHECK(r2->status == 454);
        auto r3 = c.request("GET_PARAMETER", h.url(), "Session: " + id + "\r\nSession: 0000000000000001\r\n");
        REQUIRE(r3);
        CHECK(r3->status == 200);
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

TEST_CASE("row 23: SET_PARAMETER/ANNOUNCE with a body but no Content-Type", "[row23]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    auto r = c.request("SET_PARAMETER", h.url(), "", "volume: 11\r\n");
    REQUIRE(r);
    CHECK(r->status == 451);
    r = c.request("ANNOUNCE", h.url(), "", "v=0\r\n");
    REQUIRE(r);
    CHECK(r->status == 405);
    r = c.request("GET_PARAMETER", h.url(), "", "position\r\n");
    REQUIRE(r);
    CHECK(r->status == 200);
    r = c.request("SET_PARAMETER", h.url());  // empty body: a keep-alive
    REQUIRE(r);
    CHECK(r->status == 200);
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

// --- rows 24-26: slow, vanished and foreign peers ------------------------------------------------------

TEST_CASE("row 24: a TCP client that never reads loses whole frames, then is disconnected", "[row24][limits]") {
    harness<short_config> h;
    observer obs(h.port(), observer::mode::tcp);
    observer obs_udp(h.port());
    start_observer_check(h, obs);
    REQUIRE(obs_udp.ok());
    // A tiny receive window, so the backlog builds up quickly.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    const int small = 2048;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(h.port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const std::string url = h.url("/cam");
    std::string setup = "SETUP " + url + "/track1 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n";
    REQUIRE(::send(fd, setup.data(), setup.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(setup.size()));
    // Read exactly the SETUP response, byte by byte, and nothing after it.
    std::string head;
    const auto end = clock_type::now() + 3s;
    while (head.find("\r\n\r\n") == std::string::npos && clock_type::now() < end) {
        pollfd p{fd, POLLIN, 100};
        if (::poll(&p, 1, 100) <= 0) continue;
        char ch;
        if (::recv(fd, &ch, 1, 0) == 1) head += ch;
    }
    response sr;
    REQUIRE(parse_response(head, sr) > 0);
    REQUIRE(sr.status == 200);
    const std::string id = sr.session_id();
    std::string play = "PLAY " + url + " RTSP/1.0\r\nCSeq: 2\r\nSession: " + id + "\r\n\r\n";
    REQUIRE(::send(fd, play.data(), play.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(play.size()));
    const std::uint64_t sid = std::strtoull(id.c_str(), nullptr, 16);
    const auto t0 = clock_type::now();
    // It never reads again: whole frames are dropped for it, then it is disconnected.
    bool dropped = h.wait_for([&](const snapshot& s) {
        auto me = s.session(sid);
        return me && me->frames_dropped > 0;
    }, 20000ms);
    CHECK(dropped);
    const double first_drop_ms = ms_since(t0);
    const auto t_drop = clock_type::now();
    bool gone = false;
    {
        const auto lim = clock_type::now() + 20s;
        while (!gone && clock_type::now() < lim) {
            std::lock_guard l(h.callbacks().m);
            auto& td = h.callbacks().teardowns;
            gone = std::find(td.begin(), td.end(), sid) != td.end();
            if (!gone) std::this_thread::sleep_for(10ms);
        }
    }
    CHECK(gone);
    const double drop_to_close_ms = ms_since(t_drop);
    std::printf("row 24: first whole frame dropped after %.0f ms, disconnected %.0f ms later (send_stall_ms %u)\n",
                first_drop_ms, drop_to_close_ms, short_config::send_stall_ms);
    // Once frames are being dropped the output is stuck: disconnected about send_stall_ms later.
    CHECK(drop_to_close_ms < short_config::send_stall_ms + 1500.0);
    ::close(fd);
    REQUIRE(obs.wait_frames(5));
    REQUIRE(obs_udp.wait_frames(5));
    h.stop();
    // Both observers (TCP and UDP) streamed on untouched.
    const snapshot s = h.snap();
    for (observer* o : {&obs, &obs_udp}) {
        const observation ob = o->finish();
        auto me = s.session(ob.session);
        REQUIRE(me);
        INFO("observer " << (o == &obs ? "tcp" : "udp") << ": " << ob.frames << " frames, server sent "
                         << me->frames_sent << ", max gap " << ob.max_frame_gap_ms << " ms");
        CHECK(me->frames_dropped == 0);
        CHECK(ob.seq_gaps == 0);
        CHECK(ob.incomplete_frames == 0);
        CHECK(ob.frames + 1 >= me->frames_sent);
        CHECK(ob.max_frame_gap_ms < 1000.0);
    }
}

TEST_CASE("row 25: client closes mid-PLAY, resets, half-closes: sessions cleaned up once", "[row25]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    auto torn_down = [&](std::uint64_t sid) {
        return h.wait_for([&](const snapshot&) {
            std::lock_guard l(h.callbacks().m);
            auto& td = h.callbacks().teardowns;
            return std::count(td.begin(), td.end(), sid) == 1;
        }, 3000ms);
    };
    for (int variant = 0; variant < 4; ++variant) {
        INFO("variant " << variant << " (0 close, 1 RST, 2 half-close, 3 UDP session + close)");
        raw_client c(h.port());
        udp_pair up;
        auto [id, r] = variant == 3 ? c.setup_udp(h.url("/cam/track1"), up.port) : c.setup_tcp(h.url("/cam/track1"));
        REQUIRE(r);
        REQUIRE(r->status == 200);
        auto rp = c.request("PLAY", h.url("/cam"), "Session: " + id + "\r\n");
        REQUIRE(rp);
        REQUIRE(rp->status == 200);
        std::this_thread::sleep_for(150ms);  // mid-stream
        const std::uint64_t sid = std::strtoull(id.c_str(), nullptr, 16);
        if (variant == 1) c.reset();
        else if (variant == 2) ::shutdown(c.fd(), SHUT_WR);
        else c.close();
        CHECK(torn_down(sid));
        CHECK(h.wait_for([&](const snapshot& s) { return !s.session(sid).has_value(); }));
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
    std::lock_guard l(h.callbacks().m);
    CHECK(h.callbacks().setups.size() == 5);
    CHECK(h.callbacks().teardowns.size() == 5);  // the observer's at shutdown
}

TEST_CASE("row 26: foreign and malformed UDP to the server's RTP/RTCP ports is ignored", "[row26]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    raw_client c(h.port());
    udp_pair up;
    auto [id, r] = c.setup_udp(h.url("/cam/track1"), up.port);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string t = r->header("Transport").value_or("");
    const auto sp = t.find("server_port=");
    REQUIRE(sp != std::string::npos);
    const auto rtp_port = static_cast<std::uint16_t>(std::atoi(t.c_str() + sp + 12));
    int stranger = bind_udp(0);
    REQUIRE(stranger >= 0);
    auto send_to = [&](std::uint16_t port, const std::string& d) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        (void)::sendto(stranger, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    };
    const std::string rr("\x80\xc9\x00\x01\x12\x34\x56\x78", 8);
    const std::vector<std::string> junk = {
        "", "x", std::string(1500, '\xff'), std::string(60000, 'A'), rr,
        std::string("\x80\xc9\xff\xff\x12\x34\x56\x78", 8),        // length beyond the datagram
        std::string("\x80\xcb\x00\x00", 4),                        // BYE with no SSRC
        std::string("\x40\xc8\x00\x06", 4) + std::string(24, '\0'), // version 1
        rr + std::string("\x81\xca\x00\x05", 4),                   // truncated SDES in a compound
    };
    for (int round = 0; round < 20; ++round)
        for (auto& d : junk) {
            send_to(rtp_port, d);
            send_to(static_cast<std::uint16_t>(rtp_port + 1), d);
        }
    ::close(stranger);
    // The server is still fine: it answers and keeps streaming.
    auto ro = c.request("OPTIONS", "*");
    REQUIRE(ro);
    CHECK(ro->status == 200);
    REQUIRE(obs.wait_frames(10));
    check_observer_lost_nothing(h, obs);
}

// --- the JPEG input side --------------------------------------------------------------------------

namespace {

std::vector<std::byte> patched_sof(std::uint16_t w, std::uint16_t hgt, int precision = 8) {
    auto j = good_jpeg();
    const auto at = find_marker(j, 0xC0);
    REQUIRE(at != std::string::npos);
    j[at + 2] = std::byte(precision);
    j[at + 3] = std::byte(hgt >> 8);
    j[at + 4] = std::byte(hgt & 0xFF);
    j[at + 5] = std::byte(w >> 8);
    j[at + 6] = std::byte(w & 0xFF);
    return j;
}

}  // namespace

TEST_CASE("JPEG side: unsendable frames are refused with their typed error, counted, and the stream goes on",
          "[jpeg]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    using rtsp::errc;
    const auto img = rtsp::test::make_test_image(320, 240, 3);
    auto truncated = good_jpeg();
    truncated.resize(truncated.size() / 2);
    auto header_only = good_jpeg();
    header_only.resize(find_marker(header_only, 0xDA) + 4);  // cut inside the SOS header
    struct tc {
        const char* name;
        std::vector<std::byte> bytes;
        errc expected;
    } cases[] = {
        {"truncated scan (no EOI)", truncated, errc::jpeg_truncated},
        {"truncated in SOS", header_only, errc::jpeg_truncated},
        {"progressive", rtsp::test::encode_jpeg(img, {.progressive = true}), errc::jpeg_progressive},
        {"4:4:4", rtsp::test::encode_jpeg(img, {.chroma = rtsp::test::sampling::s444}), errc::jpeg_luma_sampling},
        {"12-bit", patched_sof(320, 240, 12), errc::jpeg_precision},
        {"non-standard Huffman", rtsp::test::encode_jpeg(img, {.optimize_huffman = true}), errc::jpeg_nonstandard_huffman},
        {"0x0", patched_sof(0, 0), errc::jpeg_zero_dimension},
        {"not a JPEG", std::vector<std::byte>(100, std::byte{0x42}), errc::jpeg_not_jpeg},
        {"empty", std::vector<std::byte>{}, errc::jpeg_not_jpeg},
    };
    for (auto& t : cases) {
        INFO(t.name);
        REQUIRE_FALSE((t.bytes.empty() && std::string_view(t.name) != "empty"));
        const auto before = h.snap();
        const auto frames_before = obs.current().frames;
        h.inject(t.bytes);
        // The bad frame takes one tick; the next good frame is sent as usual.
        CHECK(h.wait_for([&](const snapshot& s) { return s.frames_rejected == before.frames_rejected + 1; }));
        const auto after = h.snap();
        CHECK(after.frames_rejected == before.frames_rejected + 1);
        CHECK(std::string(rtsp::to_string(after.last_frame_error)) == rtsp::to_string(t.expected));
        CHECK(obs.wait_frames(2));
        CHECK(obs.current().frames >= frames_before + 2);
    }
    REQUIRE(obs.wait_frames(5));
    check_observer_lost_nothing(h, obs);
}

// 65535x65535 with a 320x240 scan: the scan cannot hold that many MCUs, and a receiver would
// allocate 65535 * 65535 * 3 bytes (12 GiB) to decode it: refused as jpeg_scan_too_short.
TEST_CASE("JPEG side: 65535x65535 is refused", "[jpeg]") {
    harness<> h;
    observer obs(h.port());
    start_observer_check(h, obs);
    const auto before = h.snap();
    h.inject(patched_sof(65535, 65535));
    CHECK(h.wait_for([&](const snapshot& s) { return s.frames_rejected == before.frames_rejected + 1; }, 1000ms));
    CHECK(h.snap().last_frame_error == rtsp::errc::jpeg_scan_too_short);
    REQUIRE(obs.wait_frames(5));
    h.stop();
    const observation o = obs.finish();
    CHECK(o.seq_gaps == 0);
}
