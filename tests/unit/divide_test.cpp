// Tests of rtsp/detail/divide.hpp: divmod() and the shift-subtract loop it runs on 32-bit
// targets (divmod_by_shifts, called directly here since a 64-bit host never takes that path),
// against the compiler's own / and % on edge values and a pseudo-random sweep; plus the callers
// whose 64-bit arithmetic was moved onto it (decimal formatting, parsing limits).
#include <rtsp/detail/ascii.hpp>
#include <rtsp/detail/divide.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace {

using rtsp::detail::divmod;
using rtsp::detail::divmod_by_shifts;

std::vector<std::uint64_t> dividends() {
    std::vector<std::uint64_t> v = {0,
                                    1,
                                    9,
                                    10,
                                    999'999,
                                    1'000'000,
                                    0xFFFF'FFFFull,
                                    0x1'0000'0000ull,
                                    0x1'0000'0001ull,
                                    0xF423F'FFFF'FFFFull,  // (999'999 << 32) | 0xFFFFFFFF
                                    1'704'067'200'123'456ull,
                                    0x7FFF'FFFF'FFFF'FFFFull,
                                    0x8000'0000'0000'0000ull,
                                    std::numeric_limits<std::uint64_t>::max() - 1,
                                    std::numeric_limits<std::uint64_t>::max()};
    for (int bit = 0; bit < 64; ++bit) {
        const std::uint64_t p = std::uint64_t{1} << bit;
        v.push_back(p);
        v.push_back(p - 1);
        v.push_back(p + 1);
    }
    std::uint64_t x = 0x9E37'79B9'7F4A'7C15ull;  // splitmix64 sweep
    for (int i = 0; i < 2000; ++i) {
        x += 0x9E37'79B9'7F4A'7C15ull;
        std::uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
        v.push_back((z ^ (z >> 31)) >> (i % 64));
    }
    return v;
}

const std::uint32_t divisors[] = {1,          2,          3,          7,           10,
                                  16,         1'000,      1'000'000,  90'000,      0xFFFFu,
                                  0x10000u,   0x7FFF'FFFFu, 0x8000'0000u, 0xFFFF'FFFEu, 0xFFFF'FFFFu};

}  // namespace

TEST_CASE("divmod and divmod_by_shifts agree with / and % on edge values", "[detail][divide]") {
    for (const std::uint64_t n : dividends()) {
        for (const std::uint32_t d : divisors) {
            INFO(n << " / " << d);
            const auto a = divmod(n, d);
            CHECK(a.quot == n / d);
            CHECK(a.rem == n % d);
            const auto b = divmod_by_shifts(n, d);
            CHECK(b.quot == n / d);
            CHECK(b.rem == n % d);
        }
    }
}

TEST_CASE("divmod is usable in constant expressions", "[detail][divide]") {
    static_assert(divmod(1'000'000'000'000ull, 1'000'000).quot == 1'000'000);
    static_assert(divmod_by_shifts(0xFFFF'FFFF'FFFF'FFFFull, 10).quot == 1'844'674'407'370'955'161ull);
    static_assert(divmod_by_shifts(0xFFFF'FFFF'FFFF'FFFFull, 10).rem == 5);
    static_assert(divmod_by_shifts(0x1'0000'0000ull, 0xFFFF'FFFFu).quot == 1);
    static_assert(divmod_by_shifts(0x1'0000'0000ull, 0xFFFF'FFFFu).rem == 1);
}

TEST_CASE("format_unsigned and parse_unsigned round-trip at the type limits", "[detail][divide]") {
    char buf[20];
    for (const std::uint64_t v : dividends()) {
        const std::string text(buf, rtsp::detail::format_unsigned(buf, sizeof buf, v));
        CHECK(text == std::to_string(v));
        CHECK(rtsp::detail::parse_unsigned<std::uint64_t>(text) == v);
    }
    // One past each maximum overflows; the maximum itself does not.
    CHECK(rtsp::detail::parse_unsigned<std::uint64_t>("18446744073709551615") ==
          std::numeric_limits<std::uint64_t>::max());
    CHECK_FALSE(rtsp::detail::parse_unsigned<std::uint64_t>("18446744073709551616"));
    CHECK_FALSE(rtsp::detail::parse_unsigned<std::uint64_t>("18446744073709551620"));
    CHECK_FALSE(rtsp::detail::parse_unsigned<std::uint64_t>("99999999999999999999"));
    CHECK(rtsp::detail::parse_unsigned<std::uint32_t>("4294967295") == 4294967295u);
    CHECK_FALSE(rtsp::detail::parse_unsigned<std::uint32_t>("4294967296"));
    CHECK(rtsp::detail::parse_unsigned<std::uint16_t>("65535") == 65535);
    CHECK_FALSE(rtsp::detail::parse_unsigned<std::uint16_t>("65536"));
    CHECK_FALSE(rtsp::detail::parse_unsigned<std::uint16_t>("65540"));
    CHECK(rtsp::detail::parse_unsigned<std::uint16_t>("0000065535") == 65535);
}
