// SPDX-License-Identifier: MIT
// rtsp/frame_source.hpp - what the application's stream callback returns.
//
// The seed's `stream(cb, quality)` callback returns an image that the library compresses. We
// keep that and add the two other useful answers: an already-compressed JPEG (a camera in JPEG
// mode, a file) which is validated and sent as is, and "nothing" (no new frame this tick).
// All three are views: the bytes belong to the application and must stay valid until the next
// call of the same callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtsp {

enum class pixel_format : std::uint8_t {
    gray8,   ///< 1 byte per pixel; sent as YCbCr with flat chroma (RFC 2435 has no grayscale)
    rgb565,  ///< 2 bytes per pixel, little-endian 5-6-5 (OpenMV's RGB565)
    rgb888,  ///< 3 bytes per pixel, R G B
    yuyv,    ///< 4:2:2 packed Y0 U Y1 V, 2 bytes per pixel (V4L2 YUYV)
};

[[nodiscard]] constexpr std::size_t bytes_per_pixel(pixel_format f) noexcept {
    switch (f) {
    case pixel_format::gray8: return 1;
    case pixel_format::rgb565: return 2;
    case pixel_format::rgb888: return 3;
    case pixel_format::yuyv: return 2;
    }
    return 0;
}

/// Uncompressed pixels for the JpegEncoder.
struct image_view {
    std::span<const std::byte> pixels;
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    pixel_format format = pixel_format::rgb888;
    std::size_t stride = 0;  ///< bytes per row; 0 means width * bytes_per_pixel(format)

    [[nodiscard]] constexpr std::size_t row_bytes() const noexcept {
        return stride ? stride : std::size_t{width} * bytes_per_pixel(format);
    }
    /// True when the pixel span is large enough for width x height in this format.
    [[nodiscard]] constexpr bool valid() const noexcept {
        if (width == 0 || height == 0 || row_bytes() < std::size_t{width} * bytes_per_pixel(format))
            return false;
        if (format == pixel_format::yuyv && (width % 2) != 0) return false;
        return pixels.size() >= row_bytes() * (height - 1u) + std::size_t{width} * bytes_per_pixel(format);
    }
};

/// A complete baseline JPEG (SOI .. EOI), sent without re-encoding.
struct jpeg_view {
    std::span<const std::byte> bytes;
};

/// The answer of a stream callback: an image, a JPEG, or no frame this tick. Implicitly
/// constructible from each, so a callback may return image_view, jpeg_view, std::nullopt or
/// rtsp::no_frame directly.
class frame_ref {
public:
    enum class kind : std::uint8_t { none, image, jpeg };

    constexpr frame_ref() noexcept = default;
    constexpr frame_ref(std::nullopt_t) noexcept {}  // NOLINT: implicit by design
    constexpr frame_ref(const image_view& i) noexcept : kind_(kind::image), image_(i) {}  // NOLINT
    constexpr frame_ref(const jpeg_view& j) noexcept : kind_(kind::jpeg), jpeg_(j) {}  // NOLINT
    template <class T>
    constexpr frame_ref(const std::optional<T>& o) noexcept {  // NOLINT
        if (o) *this = frame_ref(*o);
    }

    [[nodiscard]] constexpr kind type() const noexcept { return kind_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return kind_ == kind::none; }
    [[nodiscard]] constexpr const image_view& image() const noexcept { return image_; }
    [[nodiscard]] constexpr const jpeg_view& jpeg() const noexcept { return jpeg_; }

private:
    kind kind_ = kind::none;
    image_view image_{};
    jpeg_view jpeg_{};
};

/// "No frame this tick."
inline constexpr frame_ref no_frame{};

/// Chroma subsampling the encoder produces (RFC 2435 carries only these two).
enum class chroma_subsampling : std::uint8_t { s420, s422 };

}  // namespace rtsp
