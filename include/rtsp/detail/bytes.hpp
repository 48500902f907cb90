// SPDX-License-Identifier: MIT
// rtsp/detail/bytes.hpp - bounds-checked big-endian reading and writing over spans.
//
// Network byte order everywhere (RTP, RTCP, RFC 2435, JPEG markers are all big-endian). The
// writer never writes past its span: a write that does not fit sets overflow() and is dropped,
// so a caller checks once at the end instead of after every field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace rtsp::detail {

[[nodiscard]] constexpr std::uint16_t load_be16(const std::byte* p) noexcept {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) |
                                      std::to_integer<unsigned>(p[1]));
}
[[nodiscard]] constexpr std::uint32_t load_be32(const std::byte* p) noexcept {
    return (std::uint32_t{std::to_integer<std::uint8_t>(p[0])} << 24) |
           (std::uint32_t{std::to_integer<std::uint8_t>(p[1])} << 16) |
           (std::uint32_t{std::to_integer<std::uint8_t>(p[2])} << 8) |
           std::uint32_t{std::to_integer<std::uint8_t>(p[3])};
}
constexpr void store_be16(std::byte* p, std::uint16_t v) noexcept {
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v & 0xFF);
}
constexpr void store_be24(std::byte* p, std::uint32_t v) noexcept {
    p[0] = std::byte((v >> 16) & 0xFF);
    p[1] = std::byte((v >> 8) & 0xFF);
    p[2] = std::byte(v & 0xFF);
}
constexpr void store_be32(std::byte* p, std::uint32_t v) noexcept {
    p[0] = std::byte(v >> 24);
    p[1] = std::byte((v >> 16) & 0xFF);
    p[2] = std::byte((v >> 8) & 0xFF);
    p[3] = std::byte(v & 0xFF);
}

/// The bounds logic of every writer over a fixed buffer (byte_writer, text_writer): a
/// position that advances only while the next write fits. A write that does not fit is dropped
/// whole and the overflow flag sticks, so a caller checks once at the end.
class write_cursor {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    constexpr explicit write_cursor(std::size_t capacity) noexcept : cap_(capacity) {}

    /// Reserves the next `n` positions: returns the first, or npos (and sets the overflow
    /// flag) if they do not fit or an earlier write did not.
    [[nodiscard]] constexpr std::size_t claim(std::size_t n) noexcept {
        if (overflow_ || cap_ - pos_ < n) {
            overflow_ = true;
            return npos;
        }
        pos_ += n;
        return pos_ - n;
    }

    [[nodiscard]] constexpr std::size_t size() const noexcept { return pos_; }
    [[nodiscard]] constexpr bool overflow() const noexcept { return overflow_; }

private:
    std::size_t cap_;
    std::size_t pos_ = 0;
    bool overflow_ = false;
};

/// Appends big-endian fields and raw bytes into a fixed span; sticky overflow flag.
class byte_writer {
public:
    constexpr explicit byte_writer(std::span<std::byte> out) noexcept
        : out_(out.data()), c_(out.size()) {}

    constexpr void u8(std::uint8_t v) noexcept { be(v, 1); }
    constexpr void u16(std::uint16_t v) noexcept { be(v, 2); }
    constexpr void u24(std::uint32_t v) noexcept { be(v, 3); }
    constexpr void u32(std::uint32_t v) noexcept { be(v, 4); }
    constexpr void bytes(std::span<const std::byte> b) noexcept {
        if (const auto at = c_.claim(b.size()); at != write_cursor::npos) {
            for (std::size_t i = 0; i < b.size(); ++i) out_[at + i] = b[i];
        }
    }
    constexpr void text(std::string_view s) noexcept {
        if (const auto at = c_.claim(s.size()); at != write_cursor::npos) {
            for (std::size_t i = 0; i < s.size(); ++i)
                out_[at + i] = std::byte(static_cast<unsigned char>(s[i]));
        }
    }
    /// Overwrite a 16-bit field written earlier (e.g. a length known only at the end).
    constexpr void patch_u16(std::size_t at, std::uint16_t v) noexcept {
        if (at + 2 <= c_.size()) store_be16(out_ + at, v);
    }

    [[nodiscard]] constexpr std::size_t size() const noexcept { return c_.size(); }
    [[nodiscard]] constexpr bool overflow() const noexcept { return c_.overflow(); }
    [[nodiscard]] constexpr std::span<std::byte> written() const noexcept {
        return {out_, c_.size()};
    }

private:
    /// The low `n` bytes of `v`, most significant first: one function for every field width.
    constexpr void be(std::uint32_t v, std::size_t n) noexcept {
        if (const auto at = c_.claim(n); at != write_cursor::npos) {
            for (std::size_t i = n; i-- > 0; v >>= 8) out_[at + i] = std::byte(v & 0xFF);
        }
    }

    std::byte* out_;
    write_cursor c_;
};

/// Reads big-endian fields from a span; sticky underflow flag, reads past the end return 0.
class byte_reader {
public:
    constexpr explicit byte_reader(std::span<const std::byte> in) noexcept : in_(in) {}

    constexpr std::uint8_t u8() noexcept {
        if (!room(1)) return 0;
        return std::to_integer<std::uint8_t>(in_[pos_++]);
    }
    constexpr std::uint16_t u16() noexcept {
        if (!room(2)) return 0;
        auto v = load_be16(in_.data() + pos_);
        pos_ += 2;
        return v;
    }
    constexpr std::uint32_t u32() noexcept {
        if (!room(4)) return 0;
        auto v = load_be32(in_.data() + pos_);
        pos_ += 4;
        return v;
    }
    constexpr std::span<const std::byte> take(std::size_t n) noexcept {
        if (!room(n)) return {};
        auto s = in_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    constexpr void skip(std::size_t n) noexcept { (void)take(n); }

    [[nodiscard]] constexpr std::size_t position() const noexcept { return pos_; }
    [[nodiscard]] constexpr std::size_t remaining() const noexcept { return in_.size() - pos_; }
    [[nodiscard]] constexpr bool underflow() const noexcept { return underflow_; }
    [[nodiscard]] constexpr std::span<const std::byte> rest() const noexcept {
        return in_.subspan(pos_);
    }

private:
    constexpr bool room(std::size_t n) noexcept {
        if (underflow_ || in_.size() - pos_ < n) {
            underflow_ = true;
            return false;
        }
        return true;
    }
    std::span<const std::byte> in_;
    std::size_t pos_ = 0;
    bool underflow_ = false;
};

/// View a string's characters as bytes (for tests and for writing text into byte buffers).
[[nodiscard]] inline std::span<const std::byte> as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace rtsp::detail
