// SPDX-License-Identifier: MIT
// rtsp/encoders/turbojpeg.hpp - the host JpegEncoder: libjpeg-turbo's TurboJPEG API.
//
// RFC 2435 carries only baseline JPEGs with the standard Huffman tables, 3 components and
// 4:2:0 or 4:2:2 chroma, which is exactly what TurboJPEG writes by default (no progressive,
// no optimized tables). Per frame nothing is allocated by this class: one output buffer sized
// with tjBufSize() for the largest frame so far is reused with TJFLAG_NOREALLOC, and the
// scratch planes for formats TurboJPEG cannot take directly grow the same way.
//  - rgb888 goes straight to tjCompress2 (the encode path costs nothing over calling it).
//  - yuyv is split into Y/Cb/Cr planes (chroma averaged vertically for 4:2:0) and compressed
//    as raw planes, which skips TurboJPEG's colour conversion and downsampling altogether.
//  - gray8 is the Y plane itself (no copy when the size is a whole number of chroma samples)
//    plus two flat 128 chroma planes kept filled in one buffer: a 3-component JPEG whose
//    chroma costs a few bits per block, since a 1-component JPEG cannot go over RFC 2435.
//  - rgb565 is widened to RGB888 in a scratch buffer, then goes through tjCompress2.
// Host only (it links libturbojpeg); move-only; not thread-safe (one encoder per thread).
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <turbojpeg.h>

#include "rtsp/concepts.hpp"
#include "rtsp/frame_source.hpp"
#include "rtsp/result.hpp"

namespace rtsp::encoders {

namespace detail {

/// A byte buffer from tjAlloc that only ever grows (TurboJPEG's allocator, so the output
/// buffer may be handed to it; the scratch buffers use it too to need no second one).
class tj_buffer {
public:
    tj_buffer() noexcept = default;
    tj_buffer(const tj_buffer&) = delete;
    tj_buffer& operator=(const tj_buffer&) = delete;
    tj_buffer(tj_buffer&& o) noexcept : data_(o.data_), size_(o.size_) {
        o.data_ = nullptr;
        o.size_ = 0;
    }
    tj_buffer& operator=(tj_buffer&& o) noexcept {
        if (this != &o) {
            release();
            data_ = o.data_;
            size_ = o.size_;
            o.data_ = nullptr;
            o.size_ = 0;
        }
        return *this;
    }
    ~tj_buffer() { release(); }

    /// Makes room for n bytes; true if it had to allocate (old contents are lost then).
    /// On failure data() is null.
    bool reserve(std::size_t n) noexcept {
        if (n <= size_ && data_ != nullptr) return false;
        release();
        if (n > static_cast<std::size_t>(INT_MAX)) return true;  // tjAlloc takes an int
        data_ = tjAlloc(static_cast<int>(n));
        size_ = data_ != nullptr ? n : 0;
        return true;
    }
    [[nodiscard]] unsigned char* data() const noexcept { return data_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

private:
    void release() noexcept {
        if (data_ != nullptr) tjFree(data_);
        data_ = nullptr;
        size_ = 0;
    }
    unsigned char* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace detail

/// rtsp::JpegEncoder over TurboJPEG (see the file comment for how each format is handled).
class turbojpeg_encoder {
public:
    turbojpeg_encoder() noexcept = default;
    turbojpeg_encoder(const turbojpeg_encoder&) = delete;
    turbojpeg_encoder& operator=(const turbojpeg_encoder&) = delete;
    turbojpeg_encoder(turbojpeg_encoder&& o) noexcept
        : handle_(o.handle_), out_(static_cast<detail::tj_buffer&&>(o.out_)),
          scratch_(static_cast<detail::tj_buffer&&>(o.scratch_)),
          flat_(static_cast<detail::tj_buffer&&>(o.flat_)) {
        o.handle_ = nullptr;
        std::memcpy(error_, o.error_, sizeof error_);
    }
    turbojpeg_encoder& operator=(turbojpeg_encoder&& o) noexcept {
        if (this != &o) {
            if (handle_ != nullptr) tjDestroy(handle_);
            handle_ = o.handle_;
            o.handle_ = nullptr;
            out_ = static_cast<detail::tj_buffer&&>(o.out_);
            scratch_ = static_cast<detail::tj_buffer&&>(o.scratch_);
            flat_ = static_cast<detail::tj_buffer&&>(o.flat_);
            std::memcpy(error_, o.error_, sizeof error_);
        }
        return *this;
    }
    ~turbojpeg_encoder() {
        if (handle_ != nullptr) tjDestroy(handle_);
    }

    /// A baseline JPEG of img at quality (clamped to 1..100) with chroma subsampling s; the
    /// bytes stay valid until the next encode(). invalid_argument for an image_view that is not
    /// valid(), unsupported_pixel_format for an unknown format, no_resources when a buffer
    /// cannot be allocated, encoder_failed with last_error() when TurboJPEG fails.
    result<std::span<const std::byte>> encode(const image_view& img, int quality,
                                              chroma_subsampling s) noexcept {
        error_[0] = '\0';
        if (img.format != pixel_format::gray8 && img.format != pixel_format::rgb565 &&
            img.format != pixel_format::rgb888 && img.format != pixel_format::yuyv)
            return failed(errc::unsupported_pixel_format, "unsupported pixel format");
        if (!img.valid() || img.row_bytes() > static_cast<std::size_t>(INT_MAX))
            return failed(errc::invalid_argument, "invalid image view");
        if (s != chroma_subsampling::s420 && s != chroma_subsampling::s422)
            return failed(errc::invalid_argument, "invalid chroma subsampling");
        const int q = quality < 1 ? 1 : quality > 100 ? 100 : quality;
        const int samp = s == chroma_subsampling::s420 ? TJSAMP_420 : TJSAMP_422;
        const int w = img.width, h = img.height;

        if (handle_ == nullptr) {
            handle_ = tjInitCompress();
            if (handle_ == nullptr) return tj_failed();
        }
        const unsigned long bound = tjBufSize(w, h, samp);
        if (bound == static_cast<unsigned long>(-1)) return tj_failed();
        out_.reserve(bound);
        if (out_.data() == nullptr) return failed(errc::no_resources, "out of memory");

        unsigned char* jpeg = out_.data();
        unsigned long size = bound;
        constexpr int flags = TJFLAG_NOREALLOC;  // never progressive, never optimized tables
        const auto* src = reinterpret_cast<const unsigned char*>(img.pixels.data());
        const int stride = static_cast<int>(img.row_bytes());
        int rc = -1;
        switch (img.format) {
        case pixel_format::rgb888:
            rc = tjCompress2(handle_, src, w, stride, h, TJPF_RGB, &jpeg, &size, samp, q, flags);
            break;
        case pixel_format::rgb565: {
            if (!widen_rgb565(img)) return failed(errc::no_resources, "out of memory");
            rc = tjCompress2(handle_, scratch_.data(), w, 0, h, TJPF_RGB, &jpeg, &size, samp, q,
                             flags);
            break;
        }
        case pixel_format::gray8:
        case pixel_format::yuyv: {
            const unsigned char* planes[3];
            int strides[3];
            const bool ok = img.format == pixel_format::gray8 ? gray_planes(img, samp, planes, strides)
                                                              : yuyv_planes(img, samp, planes, strides);
            if (!ok) return failed(errc::no_resources, "out of memory");
            rc = tjCompressFromYUVPlanes(handle_, planes, w, strides, h, samp, &jpeg, &size, q,
                                         flags);
            break;
        }
        }
        if (rc != 0) return tj_failed();
        return std::span<const std::byte>(reinterpret_cast<const std::byte*>(jpeg), size);
    }

    /// Why the last encode() failed (TurboJPEG's message for encoder_failed); "" after success.
    [[nodiscard]] const char* last_error() const noexcept { return error_; }

private:
    result<std::span<const std::byte>> failed(errc e, const char* why) noexcept {
        std::strncpy(error_, why, sizeof error_ - 1);
        error_[sizeof error_ - 1] = '\0';
        return fail(e);
    }
    result<std::span<const std::byte>> tj_failed() noexcept {
        // The message lives in the handle (or thread-local storage): copy it while it is valid.
        return failed(errc::encoder_failed, tjGetErrorStr2(handle_));
    }

    /// RGB565 (little-endian) to RGB888 in scratch_, replicating the top bits into the low
    /// ones so that full scale stays full scale (31 -> 255, not 248).
    bool widen_rgb565(const image_view& img) noexcept {
        const std::size_t w = img.width, h = img.height;
        scratch_.reserve(w * h * 3);
        if (scratch_.data() == nullptr) return false;
        const auto* src = reinterpret_cast<const unsigned char*>(img.pixels.data());
        unsigned char* dst = scratch_.data();
        for (std::size_t y = 0; y < h; ++y) {
            const unsigned char* row = src + y * img.row_bytes();
            for (std::size_t x = 0; x < w; ++x) {
                const unsigned v = row[2 * x] | (unsigned{row[2 * x + 1]} << 8);
                const unsigned r = (v >> 11) & 0x1F, g = (v >> 5) & 0x3F, b = v & 0x1F;
                *dst++ = static_cast<unsigned char>((r << 3) | (r >> 2));
                *dst++ = static_cast<unsigned char>((g << 2) | (g >> 4));
                *dst++ = static_cast<unsigned char>((b << 3) | (b >> 2));
            }
        }
        return true;
    }

    /// Gray: Y is the image (or a padded copy), Cb = Cr = one flat plane of 128.
    bool gray_planes(const image_view& img, int samp, const unsigned char* planes[3],
                     int strides[3]) noexcept {
        const int w = img.width, h = img.height;
        const auto cw = static_cast<std::size_t>(tjPlaneWidth(1, w, samp));
        const auto ch = static_cast<std::size_t>(tjPlaneHeight(1, h, samp));
        if (flat_.reserve(cw * ch) && flat_.data() != nullptr)
            std::memset(flat_.data(), 128, flat_.size());
        if (flat_.data() == nullptr) return false;
        planes[1] = planes[2] = flat_.data();
        strides[1] = strides[2] = static_cast<int>(cw);
        const auto* src = reinterpret_cast<const unsigned char*>(img.pixels.data());
        const auto pw = static_cast<std::size_t>(tjPlaneWidth(0, w, samp));
        const auto ph = static_cast<std::size_t>(tjPlaneHeight(0, h, samp));
        if (pw == img.width && ph == img.height) {
            // TurboJPEG reads exactly width x height samples here: use the caller's pixels.
            planes[0] = src;
            strides[0] = static_cast<int>(img.row_bytes());
            return true;
        }
        // Odd sizes: TurboJPEG reads whole chroma samples' worth of luma (one more column or
        // row), so pad a copy by repeating the last column and row.
        scratch_.reserve(pw * ph);
        if (scratch_.data() == nullptr) return false;
        unsigned char* y = scratch_.data();
        for (std::size_t r = 0; r < ph; ++r) {
            const std::size_t sr = r < img.height ? r : img.height - 1u;
            unsigned char* row = y + r * pw;
            std::memcpy(row, src + sr * img.row_bytes(), img.width);
            for (std::size_t c = img.width; c < pw; ++c) row[c] = row[img.width - 1u];
        }
        planes[0] = y;
        strides[0] = static_cast<int>(pw);
        return true;
    }

    /// YUYV (Y0 U Y1 V): de-interleaved into Y, Cb, Cr planes in scratch_. For 4:2:0 each
    /// chroma sample averages two rows, which is what downsampling RGB would have produced.
    bool yuyv_planes(const image_view& img, int samp, const unsigned char* planes[3],
                     int strides[3]) noexcept {
        const std::size_t w = img.width, h = img.height;
        const auto ph = static_cast<std::size_t>(tjPlaneHeight(0, img.height, samp));
        const std::size_t cw = w / 2;  // valid() guarantees an even width
        const auto ch = static_cast<std::size_t>(tjPlaneHeight(1, img.height, samp));
        scratch_.reserve(w * ph + 2 * cw * ch);
        if (scratch_.data() == nullptr) return false;
        unsigned char* yp = scratch_.data();
        unsigned char* up = yp + w * ph;
        unsigned char* vp = up + cw * ch;
        const auto* src = reinterpret_cast<const unsigned char*>(img.pixels.data());
        const std::size_t stride = img.row_bytes();
        const bool s422 = samp == TJSAMP_422;
        // One pass over the source (the loop is memory bound: reading it twice costs more).
        for (std::size_t r = 0; r < h; ++r) {
            const unsigned char* s = src + r * stride;
            unsigned char* y = yp + r * w;
            if (s422) {
                unsigned char* u = up + r * cw;
                unsigned char* v = vp + r * cw;
                for (std::size_t x = 0; x < cw; ++x) {
                    y[2 * x] = s[4 * x];
                    u[x] = s[4 * x + 1];
                    y[2 * x + 1] = s[4 * x + 2];
                    v[x] = s[4 * x + 3];
                }
            } else if (r % 2 == 0) {
                const unsigned char* s1 = r + 1 < h ? s + stride : s;
                unsigned char* u = up + r / 2 * cw;
                unsigned char* v = vp + r / 2 * cw;
                for (std::size_t x = 0; x < cw; ++x) {
                    y[2 * x] = s[4 * x];
                    y[2 * x + 1] = s[4 * x + 2];
                    u[x] = static_cast<unsigned char>((s[4 * x + 1] + s1[4 * x + 1] + 1) >> 1);
                    v[x] = static_cast<unsigned char>((s[4 * x + 3] + s1[4 * x + 3] + 1) >> 1);
                }
            } else {
                for (std::size_t x = 0; x < cw; ++x) {
                    y[2 * x] = s[4 * x];
                    y[2 * x + 1] = s[4 * x + 2];
                }
            }
        }
        if (ph > h) std::memcpy(yp + h * w, yp + (h - 1) * w, w);  // 4:2:0, odd height
        planes[0] = yp;
        planes[1] = up;
        planes[2] = vp;
        strides[0] = static_cast<int>(w);
        strides[1] = strides[2] = static_cast<int>(cw);
        return true;
    }

    tjhandle handle_ = nullptr;  ///< created by the first encode()
    detail::tj_buffer out_;      ///< the JPEG; tjBufSize() of the largest frame so far
    detail::tj_buffer scratch_;  ///< RGB888 or Y/Cb/Cr planes for formats that need converting
    detail::tj_buffer flat_;     ///< constant-128 chroma for gray8, filled only when grown
    char error_[200] = {};
};

static_assert(JpegEncoder<turbojpeg_encoder>);

}  // namespace rtsp::encoders
