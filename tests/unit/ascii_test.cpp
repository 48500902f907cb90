// Tests of the text helpers in rtsp/detail (ascii.hpp, text_writer.hpp, bytes.hpp) that the
// protocol layers share: character sets, literal comparison, item splitting, and the bounded
// writers' drop-whole-and-stick overflow rule.
#include <rtsp/detail/ascii.hpp>
#include <rtsp/detail/bytes.hpp>
#include <rtsp/detail/text_writer.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

using rtsp::detail::char_set;

TEST_CASE("char_set: members, ALPHA/DIGIT, nothing at or above 0x80", "[detail][ascii]") {
    constexpr char_set dash{"-"};
    static_assert(dash.contains('-') && !dash.contains('a'));
    constexpr char_set tokens{"!#$%&'*+-.^_`|~", true};
    for (int c = 0; c < 256; ++c) {
        const char ch = static_cast<char>(c);
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool listed = c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
        INFO(c);
        CHECK(tokens.contains(ch) == (alnum || listed));
    }
    CHECK(tokens.contains_all(""));
    CHECK(tokens.contains_all("Content-Length"));
    CHECK_FALSE(tokens.contains_all("Content Length"));
    CHECK_FALSE(tokens.contains_all("x\x80"));
}

TEST_CASE("equals/iequals against a literal", "[detail][ascii]") {
    using rtsp::detail::equals;
    using rtsp::detail::iequals;
    static_assert(equals("RTSP/", "RTSP/") && !equals("rtsp/", "RTSP/"));
    CHECK(iequals(std::string_view("content-LENGTH"), "Content-Length"));
    CHECK_FALSE(iequals(std::string_view("Content-Lengt"), "Content-Length"));
    CHECK_FALSE(iequals(std::string_view("Content-Lengths"), "Content-Length"));
    CHECK(equals(std::string_view(), ""));
    CHECK_FALSE(equals(std::string_view("a\0b", 3), "a"));  // an embedded NUL is not the end
    CHECK_FALSE(equals(std::string_view("a", 1), ""));
}

TEST_CASE("take_item: trimmed items, separator flag, quotes", "[detail][ascii]") {
    using rtsp::detail::take_item;
    std::string_view rest = " a ;b;; \"c;d\";";
    bool more = false;
    CHECK(take_item(rest, ';', more) == "a");
    CHECK(more);
    CHECK(take_item(rest, ';', more) == "b");
    CHECK(take_item(rest, ';', more).empty());
    CHECK(take_item(rest, ';', more, true) == "\"c;d\"");  // the quoted ';' does not split
    CHECK(more);
    CHECK(take_item(rest, ';', more).empty());  // after the trailing separator
    CHECK_FALSE(more);
    CHECK(rest.empty());
    std::string_view unquoted = "\"c;d\"";
    CHECK(take_item(unquoted, ';', more) == "\"c");
    CHECK(unquoted == "d\"");
}

TEST_CASE("text_writer and byte_writer drop a write that does not fit, and stay stopped",
          "[detail][writer]") {
    std::array<char, 8> buf{};
    rtsp::detail::text_writer w(buf);
    w.text("abc");
    w.dec(12345);       // 5 more: exactly full
    CHECK(w.written() == "abc12345");
    CHECK_FALSE(w.overflow());
    w.text("");         // nothing to add still fits
    CHECK_FALSE(w.overflow());
    w.text("x");
    CHECK(w.overflow());
    CHECK(w.size() == 8);

    std::array<char, 6> small{};
    rtsp::detail::text_writer v(small);
    v.text(std::string_view("abcd"));
    v.hex(0xBEEF, 4);   // does not fit whole: dropped, not truncated
    v.text("z");        // would fit, but the overflow sticks
    CHECK(v.written() == "abcd");
    CHECK(v.overflow());

    std::array<std::byte, 7> bytes{};
    rtsp::detail::byte_writer b(bytes);
    b.u8(0x01);
    b.u16(0x0203);
    b.u24(0x040506);
    b.u16(0x0708);      // one byte short: dropped whole
    b.u8(0x09);
    CHECK(b.size() == 6);
    CHECK(b.overflow());
    CHECK(std::to_integer<int>(bytes[5]) == 0x06);
    CHECK(std::to_integer<int>(bytes[6]) == 0x00);
}
