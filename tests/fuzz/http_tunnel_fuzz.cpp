// SPDX-License-Identifier: MIT
// http_tunnel_fuzz.cpp - libFuzzer target for the pure parts of RTSP over HTTP
// (rtsp/protocol/http_tunnel.hpp): base64_stream_decoder, which decodes a tunnel's POST body
// in whatever pieces TCP delivers, and parse_tunnel_request, which tells a GET half from a
// POST half and checks the x-sessioncookie.
//
// Input: a schedule byte (seeds the piece and output sizes), a shape byte (the largest piece
// and output buffer), then the text. Besides "no crash, no write past the output" it checks:
//  - decoding the text in pieces of any size into output buffers of any size (0 included)
//    gives what a one-shot reference decoder written here gives: the same bytes, the same
//    error/no-error outcome, the error at the same character, the same "between quanta" state
//    at the end; and the same again after reset() on the same decoder (no state survives);
//  - every decode() call: consumed <= its input, produced <= its output, and it stops only
//    at the input's end, with the output full, or at an error; with room for a byte it always
//    makes progress;
//  - the input's bytes, base64-encoded as blocks with their own padding (block sizes and line
//    breaks from the schedule), decode back to themselves;
//  - parse_tunnel_request on the text parsed as a request (by parse_request, and by
//    parse_request_head as the server parses a POST head) accepts exactly a GET or POST with
//    an "HTTP/1." version and one x-sessioncookie of 1..64 visible characters, a view into the
//    input; parse_request_head's result is parse_request's minus the body, and what follows
//    that head decodes in pieces as the reference says (the tunnel's stream).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rtsp/protocol/http_tunnel.hpp>
#include <rtsp/protocol/request_parser.hpp>

#include "base64.hpp"
#include "fuzz_check.hpp"

namespace proto = rtsp::protocol;
using rtsp::errc;
using rtsp::fuzz::within;

namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool skipped(char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\t'; }

int value_of(char c) {
    const auto at = alphabet.find(c);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

/// What the whole text decodes to, by the rules of http_tunnel.hpp, decoded in one go.
struct reference {
    std::string bytes;          // everything decoded (up to the error, if any)
    bool ok = true;
    std::size_t error_at = 0;   // index in the text of the offending character
    bool idle = true;           // the text ends between quanta
};

/// Appends the bytes of a run of alphabet characters: 4 characters are 3 bytes; a trailing
/// 2 or 3 are 1 or 2 bytes (the decoder emits a byte as soon as its bits are in).
void decode_run(std::string_view run, std::string& out) {
    for (std::size_t q = 0; q < run.size(); q += 4) {
        std::uint32_t acc = 0;
        const std::size_t n = std::min<std::size_t>(4, run.size() - q);
        for (std::size_t k = 0; k < 4; ++k)
            acc = (acc << 6) | (k < n ? static_cast<std::uint32_t>(value_of(run[q + k])) : 0u);
        for (std::size_t k = 0; k + 1 < n; ++k) out.push_back(static_cast<char>((acc >> (16 - 8 * k)) & 0xFF));
    }
}

/// Strip CR/LF/SP/HT, then block by block: a run of alphabet characters, ended by the text's
/// end or by its padding ('=' after 3 characters of a quantum, "==" after 2).
reference reference_decode(std::string_view text) {
    std::string s;
    std::vector<std::size_t> at;  // where each kept character was in the text
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (skipped(text[i])) continue;
        s.push_back(text[i]);
        at.push_back(i);
    }
    reference r;
    auto bad = [&](std::size_t k) {
        r.ok = false;
        r.error_at = at[k];
        return r;
    };
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && value_of(s[j]) >= 0) ++j;
        decode_run(std::string_view(s).substr(i, j - i), r.bytes);
        const std::size_t tail = (j - i) % 4;
        if (j == s.size()) {
            r.idle = tail == 0;
            return r;
        }
        if (s[j] != '=' || tail < 2) return bad(j);  // not base64, or '=' where no padding can be
        std::size_t k = j;
        for (std::size_t pad = 0; pad < 4 - tail; ++pad, ++k) {
            if (k == s.size()) {  // "xx=": the second '=' is still owed
                r.idle = false;
                return r;
            }
            if (s[k] != '=') return bad(k);
        }
        i = k;
    }
    return r;
}

/// The sizes a schedule hands out: a small generator seeded by the input.
struct sizes {
    std::uint32_t state;
    std::size_t max_piece;
    std::size_t max_out;
    std::uint32_t next() {
        state = state * 1103515245u + 12345u;
        return state >> 16;
    }
    std::size_t piece() { return next() % (max_piece + 1); }  // 0: an empty call
    std::size_t out() { return next() % (max_out + 1); }      // 0: no room at all
};

struct stream_result {
    std::string bytes;
    bool ok = true;
    std::size_t error_at = 0;
};

/// Feeds `text` to `d` in pieces, each piece through output buffers of varying sizes, checking
/// every call's contract.
stream_result stream_decode(proto::base64_stream_decoder& d, std::string_view text, sizes& z) {
    stream_result r;
    std::size_t pos = 0;
    std::size_t calls = 0;
    while (pos < text.size()) {
        std::size_t len = z.piece();
        if (++calls > 4 * text.size() + 64) len = text.size();  // bounded, whatever the schedule
        const std::string_view piece = text.substr(pos, len);
        std::size_t used = 0;
        bool stalled = false;  // the last call made no progress: give the next one room
        do {
            const std::string_view rest = piece.substr(used);
            std::size_t room = z.out();
            if (stalled && room == 0) room = 1;
            std::vector<char> out(room);  // exactly sized: ASan sees a write past it
            const auto st = d.decode(rest, std::span<char>(out.data(), out.size()));
            FUZZ_CHECK(st.consumed <= rest.size());
            FUZZ_CHECK(st.produced <= room);
            FUZZ_CHECK(st.produced <= st.consumed);  // at most one byte per character
            r.bytes.append(out.data(), st.produced);
            if (st.error != errc{}) {
                FUZZ_CHECK(st.error == errc::bad_base64);
                FUZZ_CHECK(st.consumed < rest.size());  // it stopped at the bad character
                r.ok = false;
                r.error_at = pos + used + st.consumed;
                return r;
            }
            // Stops only at the input's end or with the output full.
            FUZZ_CHECK(st.consumed == rest.size() || st.produced == room);
            if (room > 0 && !rest.empty()) FUZZ_CHECK(st.consumed > 0);
            if (rest.empty()) FUZZ_CHECK(st.consumed == 0 && st.produced == 0);
            stalled = st.consumed == 0;
            used += st.consumed;
            if (++calls > 16 * text.size() + 256) stalled = true;
        } while (used < piece.size());
        pos += piece.size();
    }
    return r;
}

void check_against(const stream_result& got, const reference& want, const proto::base64_stream_decoder& d) {
    FUZZ_CHECK(got.ok == want.ok);
    if (want.ok) {
        FUZZ_CHECK(got.bytes == want.bytes);
        FUZZ_CHECK(d.idle() == want.idle);
    } else {
        FUZZ_CHECK(got.error_at == want.error_at);
        FUZZ_CHECK(got.bytes == want.bytes);  // what came before the bad character
    }
}

/// Block by block, each with its padding, as tunnelling clients send their requests.
std::string encode_blocks(std::string_view data, sizes& z, bool wrap) {
    std::string s;
    std::size_t line = 0;
    for (std::size_t pos = 0; pos < data.size();) {
        const std::size_t n = std::min<std::size_t>(1 + z.next() % 64, data.size() - pos);
        const std::string_view block = data.substr(pos, n);
        pos += n;
        for (char c : rtsp::test::base64(block)) {
            s.push_back(c);
            if (wrap && ++line % 76 == 0) s += "\r\n";  // as line-wrapping encoders do
        }
    }
    return s;
}

template <std::size_t MaxHeaders>
void check_tunnel_request(std::string_view text, std::uint8_t schedule) {
    const proto::limits lim;
    const auto a = proto::parse_request<MaxHeaders>(text, lim);
    const auto h = proto::parse_request_head<MaxHeaders>(text, lim);
    // Not awaiting the body changes only where the request ends.
    if (a) {
        FUZZ_CHECK(h.has_value());
        FUZZ_CHECK(h->consumed == a->consumed - a->body.size());
        FUZZ_CHECK(h->field_count == a->field_count && h->method_token == a->method_token);
    }
    if (h) {
        FUZZ_CHECK(h->body.empty() && h->consumed <= text.size());
        FUZZ_CHECK(a || a.error() == errc::need_more || a.error() == errc::body_too_large);
    }
    for (const auto* req : {a ? &*a : nullptr, h ? &*h : nullptr}) {
        if (req == nullptr) continue;
        const auto t = proto::parse_tunnel_request(*req);
        // What the header says it accepts, spelled out independently.
        bool expect = req->version.substr(0, 7) == "HTTP/1." &&
                      (req->method_token == "GET" || req->method_token == "POST") &&
                      req->count("x-sessioncookie") == 1;
        if (expect) {
            const auto cookie = *req->header("x-sessioncookie");
            expect = !cookie.empty() && cookie.size() <= proto::max_tunnel_cookie &&
                     std::all_of(cookie.begin(), cookie.end(), [](char c) { return c > ' ' && c <= '~'; });
        }
        FUZZ_CHECK(t.has_value() == expect);
        if (!t) {
            FUZZ_CHECK(t.error() == errc::not_a_tunnel);
            continue;
        }
        FUZZ_CHECK(t->half == (req->method_token == "POST" ? proto::tunnel_half::post : proto::tunnel_half::get));
        FUZZ_CHECK(!t->cookie.empty() && t->cookie.size() <= proto::max_tunnel_cookie);
        FUZZ_CHECK(within(t->cookie, text.substr(0, req->consumed)));
        for (char c : t->cookie) FUZZ_CHECK(c > ' ' && c <= '~');
        FUZZ_CHECK(t->cookie.data() == req->header("x-sessioncookie")->data());
    }
    // The server decodes what follows a POST head as the tunnel's stream.
    if (h && h->consumed < text.size()) {
        const std::string_view body = text.substr(h->consumed);
        const reference want = reference_decode(body);
        proto::base64_stream_decoder d;
        sizes z{schedule * 7u + 1u, 9, 5};
        check_against(stream_decode(d, body, z), want, d);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static constexpr std::size_t max_pieces[] = {1, 2, 3, 4, 5, 7, 8, 13, 16, 31, 64, 100, 255, 1000, 4096, 0};
    static constexpr std::size_t max_outs[] = {0, 1, 2, 3, 4, 5, 7, 8, 16, 33, 64, 255, 1000, 4096, 1, 2};
    if (size < 2) return 0;
    const std::uint8_t schedule = data[0], shape = data[1];
    const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

    const reference want = reference_decode(text);
    FUZZ_CHECK(want.bytes.size() <= text.size());

    proto::base64_stream_decoder d;
    FUZZ_CHECK(d.idle());
    // The schedule the input asks for (max_piece 0: one character at a time, no room then room).
    sizes z{schedule, max_pieces[shape & 0x0F], max_outs[shape >> 4]};
    if (z.max_piece == 0) z.max_piece = 1;
    check_against(stream_decode(d, text, z), want, d);
    // The same decoder after reset(): one character at a time into one byte of room...
    d.reset();
    FUZZ_CHECK(d.idle());
    sizes one{schedule, 1, 1};
    check_against(stream_decode(d, text, one), want, d);
    // ...and the whole text at once with room for everything.
    d.reset();
    std::vector<char> out(text.size());
    const auto st = d.decode(text, std::span<char>(out.data(), out.size()));
    FUZZ_CHECK(st.produced <= st.consumed && st.consumed <= text.size());
    FUZZ_CHECK((st.error == errc{}) == want.ok);
    if (want.ok) {
        FUZZ_CHECK(st.consumed == text.size());
        FUZZ_CHECK(std::string_view(out.data(), st.produced) == want.bytes);
        FUZZ_CHECK(d.idle() == want.idle);
    } else {
        FUZZ_CHECK(st.consumed == want.error_at);
        FUZZ_CHECK(std::string_view(out.data(), st.produced) == want.bytes);
    }

    // Round trip: the input's bytes as a tunnelling client would send them.
    sizes e{schedule ^ 0x5Au, 0, 0};
    const std::string encoded = encode_blocks(text, e, (shape & 0x10) != 0);
    FUZZ_CHECK(reference_decode(encoded).bytes == text);
    proto::base64_stream_decoder rt;
    sizes rz{schedule + 1u, max_pieces[(shape >> 2) & 0x0F], max_outs[shape & 0x0F]};
    if (rz.max_piece == 0) rz.max_piece = 1;
    const auto back = stream_decode(rt, encoded, rz);
    FUZZ_CHECK(back.ok && back.bytes == text && rt.idle());

    check_tunnel_request<24>(text, schedule);  // default_config's header table
    check_tunnel_request<1>(text, schedule);   // one header: a second cookie is beyond it
    return 0;
}
