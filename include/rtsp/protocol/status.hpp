// SPDX-License-Identifier: MIT
// rtsp/protocol/status.hpp - RTSP 1.0 status codes and their reason phrases (RFC 2326 §7.1.1).
//
// Every status the server sends carries the RFC's recommended phrase, so a packet capture reads
// like the RFC. Other codes get the phrase of their class ("Client Error", ...): clients act on
// the number, never on the text (RFC 2326 §7.1.1), and firmware has no flash to spare for 23
// phrases nobody receives. Codes are plain ints: the server writes numbers it chose, and an
// enum would add nothing but casts.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace rtsp::protocol {

namespace detail {

struct reason_entry {
    int code;
    std::string_view phrase;
};

/// The statuses the server sends (rtsp/server.hpp, rtsp/session.hpp), with their RFC phrases.
/// Only read at compile time, to build reason_table.
inline constexpr reason_entry sent_reasons[] = {
    {200, "OK"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Time-out"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Large"},
    {451, "Parameter Not Understood"},
    {453, "Not Enough Bandwidth"},
    {454, "Session Not Found"},
    {455, "Method Not Valid in This State"},
    {459, "Aggregate operation not allowed"},
    {461, "Unsupported transport"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "RTSP Version not supported"},
    {551, "Option not supported"},
    // Any other code: the phrase of its class, filed under x99 (no RFC 2326 code ends in 99).
    {199, "Informational"},
    {299, "OK"},
    {399, "Redirection"},
    {499, "Client Error"},
    {599, "Server Error"},
};

/// The table above packed into one byte string at compile time, in ascending code order: per
/// entry the code's distance from the previous entry's code (one byte), the phrase length, the
/// phrase. A switch over the codes, or an array of string_views, takes about twice the flash.
consteval std::size_t reason_table_size() {
    std::size_t n = 0;
    for (const auto& e : sent_reasons) n += 2 + e.phrase.size();
    return n;
}
consteval std::array<char, reason_table_size()> make_reason_table() {
    constexpr std::size_t count = sizeof sent_reasons / sizeof sent_reasons[0];
    std::array<reason_entry, count> sorted{};
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t j = i;
        for (; j > 0 && sorted[j - 1].code > sent_reasons[i].code; --j) sorted[j] = sorted[j - 1];
        sorted[j] = sent_reasons[i];
    }
    std::array<char, reason_table_size()> t{};
    std::size_t n = 0;
    int previous = 0;
    for (const auto& e : sorted) {
        t[n++] = static_cast<char>(e.code - previous);
        t[n++] = static_cast<char>(e.phrase.size());
        for (char c : e.phrase) t[n++] = c;
        previous = e.code;
    }
    return t;
}
inline constexpr std::array<char, reason_table_size()> reason_table = make_reason_table();

/// The phrase filed under `code`, or an empty view.
[[nodiscard]] constexpr std::string_view find_reason(int code) noexcept {
    const auto& t = reason_table;
    int at = 0;
    for (std::size_t i = 0; i < t.size();) {
        at += static_cast<unsigned char>(t[i]);
        const std::size_t len = static_cast<unsigned char>(t[i + 1]);
        if (at == code) return {t.data() + i + 2, len};
        i += 2 + len;
    }
    return {};
}
// Every entry is found again (which also proves that no distance needed more than a byte).
static_assert([] {
    for (const auto& e : sent_reasons)
        if (find_reason(e.code) != e.phrase) return false;
    return true;
}());

}  // namespace detail

/// The RFC 2326 §7.1.1 reason phrase of a status the server sends; for any other code in
/// 100..599 the phrase of its class ("Informational", "OK", "Redirection", "Client Error",
/// "Server Error"); "Unknown" outside 100..599.
[[nodiscard]] constexpr std::string_view reason_phrase(int status) noexcept {
    using namespace std::string_view_literals;
    if (status < 100 || status > 599) return "Unknown"sv;
    const auto exact = detail::find_reason(status);
    return exact.empty() ? detail::find_reason(status / 100 * 100 + 99) : exact;
}

}  // namespace rtsp::protocol
