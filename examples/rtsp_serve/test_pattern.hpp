// SPDX-License-Identifier: MIT
// rtsp_serve/test_pattern.hpp - rtsp-serve's default source: a moving RGB888 test card.
//
// What a viewer needs to judge a live stream by eye: motion everywhere (scrolling colour bars
// and a hue ramp show stutter and tearing, a bouncing box shows dropped frames as jumps), a
// large frame counter (gaps = frames lost), and a wall clock with milliseconds drawn into the
// picture (hold a phone showing the same clock next to the player to read the latency).
//
// All motion is a function of the frame number only, so one frame number always gives the same
// picture (the tests rely on it). Drawing is row copies out of precomputed rows plus a few
// small rectangles: about 1 ms for 1280x720 on one core, far below the JPEG encode.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rtsp/frame_source.hpp"

namespace rtsp_serve {

/// A 5x7 bitmap glyph: 7 rows, bit 4 is the leftmost column.
using glyph = std::array<std::uint8_t, 7>;

inline constexpr int glyph_width = 5;
inline constexpr int glyph_height = 7;
inline constexpr int glyph_advance = 6;  ///< columns per character, including the gap

/// The built-in font: digits, A-Z, space and ": . - /". Unknown characters draw as space.
[[nodiscard]] constexpr glyph glyph_for(char c) noexcept {
    switch (c) {
    case '0': return {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E};
    case '1': return {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E};
    case '2': return {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F};
    case '3': return {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E};
    case '4': return {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02};
    case '5': return {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E};
    case '6': return {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E};
    case '7': return {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08};
    case '8': return {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E};
    case '9': return {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C};
    case ':': return {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00};
    case '.': return {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C};
    case '-': return {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00};
    case '/': return {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00};
    case 'A': return {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11};
    case 'B': return {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E};
    case 'C': return {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E};
    case 'D': return {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C};
    case 'E': return {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F};
    case 'F': return {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10};
    case 'G': return {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F};
    case 'H': return {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11};
    case 'I': return {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E};
    case 'J': return {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C};
    case 'K': return {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11};
    case 'L': return {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F};
    case 'M': return {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11};
    case 'N': return {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11};
    case 'O': return {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E};
    case 'P': return {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10};
    case 'Q': return {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D};
    case 'R': return {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11};
    case 'S': return {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E};
    case 'T': return {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04};
    case 'U': return {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E};
    case 'V': return {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04};
    case 'W': return {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A};
    case 'X': return {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11};
    case 'Y': return {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04};
    case 'Z': return {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F};
    default: return {0, 0, 0, 0, 0, 0, 0};
    }
}

/// Milliseconds since local midnight of `t` (what the drawn clock shows).
[[nodiscard]] inline std::uint32_t local_ms_of_day(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    return static_cast<std::uint32_t>(((tm.tm_hour * 60 + tm.tm_min) * 60 + tm.tm_sec) * 1000 +
                                      static_cast<int>(ms % 1000));
}

/// "HH:MM:SS.mmm" for a millisecond-of-day value.
[[nodiscard]] inline std::string format_clock(std::uint32_t ms_of_day) {
    const std::uint32_t ms = ms_of_day % 1000, s = ms_of_day / 1000;
    char buf[16];
    const unsigned v[4] = {s / 3600 % 100, s / 60 % 60, s % 60, ms};
    std::snprintf(buf, sizeof buf, "%02u:%02u:%02u.%03u", v[0], v[1], v[2], v[3]);
    return buf;
}

/// "FRAME 000042": at least six digits so the line does not change width every power of ten.
[[nodiscard]] inline std::string format_counter(std::uint64_t n) {
    std::string d = std::to_string(n);
    if (d.size() < 6) d.insert(0, 6 - d.size(), '0');
    return "FRAME " + d;
}

/// Draws frames into one reused RGB888 buffer; the returned view is valid until the next draw.
class test_pattern {
public:
    struct rect {
        int x = 0, y = 0, w = 0, h = 0;
    };

    /// width and height >= 16; the buffer is allocated once, here.
    test_pattern(std::uint16_t width, std::uint16_t height)
        : w_(width), h_(height), pixels_(std::size_t{width} * height * 3) {
        build_rows();
        // Text scale: two 12-character lines must fit in about 2/3 of the width, and the text
        // block in about 1/3 of the height.
        scale_ = std::max(1, std::min((w_ * 2 / 3) / (12 * glyph_advance), h_ / (3 * 2 * 9)));
        const int pad = scale_ * 2;
        panel_ = {pad, pad, 12 * glyph_advance * scale_ + 2 * pad - scale_,
                  2 * glyph_height * scale_ + 3 * pad};
        panel_.w = std::min(panel_.w, w_ - panel_.x);
        panel_.h = std::min(panel_.h, h_ - panel_.y);
    }

    [[nodiscard]] std::uint16_t width() const noexcept { return static_cast<std::uint16_t>(w_); }
    [[nodiscard]] std::uint16_t height() const noexcept { return static_cast<std::uint16_t>(h_); }
    /// Where the counter and the clock are drawn (for tests and overlays).
    [[nodiscard]] rect text_panel() const noexcept { return panel_; }
    /// Pixel size of one font dot.
    [[nodiscard]] int text_scale() const noexcept { return scale_; }

    /// Draws frame `frame_number` with the clock showing `ms_of_day`; same inputs, same pixels.
    rtsp::image_view draw(std::uint64_t frame_number, std::uint32_t ms_of_day) {
        const std::size_t row_bytes = std::size_t(w_) * 3;
        const int bars_end = h_ * 2 / 3;
        // Bars scroll left, the hue ramp right: opposite motion makes judder easy to see.
        const int step = std::max(1, w_ / 320);
        const auto bars_off = static_cast<std::size_t>((frame_number * step) % w_);
        const auto ramp_off = static_cast<std::size_t>(w_ - 1 - (frame_number * step) % w_);
        std::uint8_t* p = pixels_.data();
        for (int y = 0; y < h_; ++y, p += row_bytes) {
            const std::uint8_t* src = y < bars_end ? bars_.data() + bars_off * 3
                                                   : ramp_.data() + ramp_off * 3;
            std::memcpy(p, src, row_bytes);
        }
        // A thin line between the bands sweeping down marks each frame's position in time too.
        const int sweep = static_cast<int>((frame_number * step) % static_cast<std::uint64_t>(h_));
        fill({0, sweep, w_, 1}, 255, 255, 255);

        // The bouncing box: a triangle wave in x and y with different periods.
        const int box = std::max(8, h_ / 6);
        const int bx = bounce(frame_number * static_cast<std::uint64_t>(std::max(1, w_ / 160)), w_ - box);
        const int by = bounce(frame_number * static_cast<std::uint64_t>(std::max(1, h_ / 120)), h_ - box);
        fill({bx, by, box, box}, 0, 0, 0);
        const int b = std::max(1, box / 12);
        fill({bx + b, by + b, box - 2 * b, box - 2 * b}, 255, 140, 0);

        fill(panel_, 16, 16, 16);
        const int pad = scale_ * 2;
        draw_text(panel_.x + pad, panel_.y + pad, format_counter(frame_number), 255, 255, 255);
        draw_text(panel_.x + pad, panel_.y + 2 * pad + glyph_height * scale_,
                  format_clock(ms_of_day), 255, 255, 0);
        return view();
    }

    /// The current picture (whatever the last draw() left).
    [[nodiscard]] rtsp::image_view view() const noexcept {
        rtsp::image_view v;
        v.pixels = std::as_bytes(std::span(pixels_));
        v.width = static_cast<std::uint16_t>(w_);
        v.height = static_cast<std::uint16_t>(h_);
        v.format = rtsp::pixel_format::rgb888;
        return v;
    }

    /// Draws `text` with its top-left corner at (x, y) at text_scale(), clipped to the frame.
    void draw_text(int x, int y, std::string_view text, std::uint8_t r, std::uint8_t g,
                   std::uint8_t bl) {
        for (char c : text) {
            const glyph gl = glyph_for(c);
            for (int row = 0; row < glyph_height; ++row)
                for (int col = 0; col < glyph_width; ++col)
                    if (gl[static_cast<std::size_t>(row)] & (0x10 >> col))
                        fill({x + col * scale_, y + row * scale_, scale_, scale_}, r, g, bl);
            x += glyph_advance * scale_;
        }
    }

    /// Fills `rc`, clipped to the frame.
    void fill(rect rc, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
        const int x0 = std::max(rc.x, 0), y0 = std::max(rc.y, 0);
        const int x1 = std::min(rc.x + rc.w, w_), y1 = std::min(rc.y + rc.h, h_);
        if (x0 >= x1 || y0 >= y1) return;
        const std::size_t row_bytes = std::size_t(w_) * 3;
        std::uint8_t* first = pixels_.data() + std::size_t(y0) * row_bytes + std::size_t(x0) * 3;
        for (int x = 0; x < x1 - x0; ++x) {
            first[x * 3] = r;
            first[x * 3 + 1] = g;
            first[x * 3 + 2] = b;
        }
        const std::size_t n = std::size_t(x1 - x0) * 3;
        for (int y = y0 + 1; y < y1; ++y)
            std::memcpy(pixels_.data() + std::size_t(y) * row_bytes + std::size_t(x0) * 3, first, n);
    }

private:
    // Position on a back-and-forth path of length `range`.
    static int bounce(std::uint64_t travelled, int range) {
        if (range <= 0) return 0;
        const auto period = static_cast<std::uint64_t>(2 * range);
        const auto t = static_cast<int>(travelled % period);
        return t <= range ? t : 2 * range - t;
    }

    // Two rows of 2*width pixels each, so any horizontal offset is one contiguous memcpy.
    void build_rows() {
        static constexpr std::uint8_t bars[8][3] = {{235, 235, 235}, {235, 235, 16}, {16, 235, 235},
                                                    {16, 235, 16},   {235, 16, 235}, {235, 16, 16},
                                                    {16, 16, 235},   {16, 16, 16}};
        const auto n = static_cast<std::size_t>(w_) * 2;
        bars_.resize(n * 3);
        ramp_.resize(n * 3);
        for (std::size_t x = 0; x < n; ++x) {
            const std::size_t xi = x % static_cast<std::size_t>(w_);
            const auto& c = bars[xi * 8 / static_cast<std::size_t>(w_)];
            std::memcpy(&bars_[x * 3], c, 3);
            // Hue ramp: six linear segments over one width, so it wraps seamlessly.
            const int h6 = static_cast<int>(xi * 6 * 256 / static_cast<std::size_t>(w_));
            const int seg = h6 / 256, f = h6 % 256;
            int r = 0, g = 0, b = 0;
            switch (seg) {
            case 0: r = 255; g = f; break;
            case 1: r = 255 - f; g = 255; break;
            case 2: g = 255; b = f; break;
            case 3: g = 255 - f; b = 255; break;
            case 4: r = f; b = 255; break;
            default: r = 255; b = 255 - f; break;
            }
            ramp_[x * 3] = static_cast<std::uint8_t>(r);
            ramp_[x * 3 + 1] = static_cast<std::uint8_t>(g);
            ramp_[x * 3 + 2] = static_cast<std::uint8_t>(b);
        }
    }

    int w_, h_;
    int scale_ = 1;
    rect panel_{};
    std::vector<std::uint8_t> pixels_;
    std::vector<std::uint8_t> bars_, ramp_;
};

}  // namespace rtsp_serve
