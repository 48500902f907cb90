// net::address text form (RFC 5952 for IPv6): used in SDP o= lines, Content-Base and logs.
#include <catch2/catch.hpp>

#include <string>

#include <rtsp/net/address.hpp>

namespace {
std::string host(const rtsp::net::address& a) {
    char buf[rtsp::net::max_host_text];
    return std::string(buf, rtsp::net::format_host(a, std::span<char>(buf)));
}
rtsp::net::address v6(std::initializer_list<std::uint16_t> groups) {
    rtsp::net::address a;
    a.fam = rtsp::net::family::v6;
    int i = 0;
    for (auto g : groups) {
        a.bytes[2 * i] = static_cast<std::uint8_t>(g >> 8);
        a.bytes[2 * i + 1] = static_cast<std::uint8_t>(g & 0xFF);
        ++i;
    }
    return a;
}
}  // namespace

TEST_CASE("multicast groups are 224.0.0.0/4 and ff00::/8", "[address][multicast]") {
    using rtsp::net::address;
    CHECK(address::v4(224, 0, 0, 1).is_multicast());
    CHECK(address::v4(239, 255, 255, 255).is_multicast());
    CHECK_FALSE(address::v4(223, 255, 255, 255).is_multicast());
    CHECK_FALSE(address::v4(240, 0, 0, 1).is_multicast());
    CHECK_FALSE(address::v4(127, 0, 0, 1).is_multicast());
    address v6;
    v6.fam = rtsp::net::family::v6;
    v6.bytes[0] = 0xFF;
    v6.bytes[1] = 0x02;
    CHECK(v6.is_multicast());
    v6.bytes[0] = 0xFE;  // fe80::/10, link-local unicast
    CHECK_FALSE(v6.is_multicast());
    address mapped;  // ::ffff:224.0.0.1 is an IPv6 form, not the IPv4 group
    mapped.fam = rtsp::net::family::v6;
    mapped.bytes[10] = mapped.bytes[11] = 0xFF;
    mapped.bytes[12] = 224;
    CHECK_FALSE(mapped.is_multicast());
}

TEST_CASE("IPv4 and IPv6 hosts format as clients expect them", "[address]") {
    CHECK(host(rtsp::net::address::v4(127, 0, 0, 1)) == "127.0.0.1");
    CHECK(host(rtsp::net::address::v4(255, 255, 255, 255)) == "255.255.255.255");
    CHECK(host(v6({0, 0, 0, 0, 0, 0, 0, 1})) == "::1");
    CHECK(host(v6({0, 0, 0, 0, 0, 0, 0, 0})) == "::");
    CHECK(host(v6({1, 0, 0, 0, 0, 0, 0, 0})) == "1::");
    CHECK(host(v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})) == "2001:db8::1");
    CHECK(host(v6({0x2001, 0xdb8, 0, 1, 0, 0, 0, 1})) == "2001:db8:0:1::1");  // longest run wins
    CHECK(host(v6({0x2001, 0xdb8, 1, 1, 1, 1, 0, 1})) == "2001:db8:1:1:1:1:0:1");  // no "::" for one group
    CHECK(host(v6({0xfe80, 0, 0, 0, 0x1234, 0x5678, 0x9abc, 0xdef0})) == "fe80::1234:5678:9abc:def0");
    char tiny[3];
    CHECK(rtsp::net::format_host(rtsp::net::address::v4(10, 0, 0, 1), std::span<char>(tiny)) == 0);
}
