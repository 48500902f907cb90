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
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
        // One pass over the source (the loop is memory bound: reading it twice costs more).
        // Each row, or pair of rows for 4:2:0, starts with split_yuyv_simd() (whole 16-pixel
        // blocks; none without SSE2) and the scalar loop finishes it.
        if (samp == TJSAMP_422) {
            for (std::size_t r = 0; r < h; ++r) {
                const unsigned char* s = src + r * stride;
                unsigned char* y = yp + r * w;
                unsigned char* u = up + r * cw;
                unsigned char* v = vp + r * cw;
                for (std::size_t x = split_yuyv_simd(s, s, y, nullptr, u, v, cw); x < cw; ++x) {
                    y[2 * x] = s[4 * x];
                    u[x] = s[4 * x + 1];
                    y[2 * x + 1] = s[4 * x + 2];
                    v[x] = s[4 * x + 3];
                }
            }
        } else {
            for (std::size_t r = 0; r < h; r += 2) {
                const bool pair = r + 1 < h;  // an odd height ends with a row alone
                const unsigned char* s = src + r * stride;
                const unsigned char* s1 = pair ? s + stride : s;
                unsigned char* y = yp + r * w;
                unsigned char* y1 = pair ? y + w : nullptr;
                unsigned char* u = up + r / 2 * cw;
                unsigned char* v = vp + r / 2 * cw;
                for (std::size_t x = split_yuyv_simd(s, s1, y, y1, u, v, cw); x < cw; ++x) {
                    y[2 * x] = s[4 * x];
                    y[2 * x + 1] = s[4 * x + 2];
                    if (y1 != nullptr) {
                        y1[2 * x] = s1[4 * x];
                        y1[2 * x + 1] = s1[4 * x + 2];
                    }
                    u[x] = static_cast<unsigned char>((s[4 * x + 1] + s1[4 * x + 1] + 1) >> 1);
                    v[x] = static_cast<unsigned char>((s[4 * x + 3] + s1[4 * x + 3] + 1) >> 1);
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

    /// The first whole 16-pixel blocks of YUYV row s (and s1): luma of s to y and, when y1 is
    /// not null, of s1 to y1; chroma to u and v as the rounded mean of s and s1 (s1 == s for a
    /// row's own chroma). Returns the pixel pairs done; the caller finishes the rows. This
    /// split is all the library adds to TurboJPEG's work for YUYV, so it is kept to a few
    /// instructions per 16 pixels (BENCHMARKS.md, encoder).
    static std::size_t split_yuyv_simd(const unsigned char* s, const unsigned char* s1, unsigned char* y,
                                       unsigned char* y1, unsigned char* u, unsigned char* v,
                                       std::size_t pairs) noexcept {
#if defined(__SSE2__)
        const __m128i low = _mm_set1_epi16(0x00FF);
        std::size_t x = 0;
        for (; x + 8 <= pairs; x += 8) {  // 8 pairs = 16 pixels = 32 bytes of YUYV
            const auto* a = reinterpret_cast<const __m128i*>(s + 4 * x);
            const __m128i a0 = _mm_loadu_si128(a), a1 = _mm_loadu_si128(a + 1);
            // Y0 U Y1 V as 16-bit lanes: the low bytes are luma, the high bytes chroma.
            _mm_storeu_si128(reinterpret_cast<__m128i*>(y + 2 * x),
                             _mm_packus_epi16(_mm_and_si128(a0, low), _mm_and_si128(a1, low)));
            __m128i c = _mm_packus_epi16(_mm_srli_epi16(a0, 8), _mm_srli_epi16(a1, 8));  // U V U V...
            if (s1 != s) {
                const auto* b = reinterpret_cast<const __m128i*>(s1 + 4 * x);
                const __m128i b0 = _mm_loadu_si128(b), b1 = _mm_loadu_si128(b + 1);
                if (y1 != nullptr)
                    _mm_storeu_si128(reinterpret_cast<__m128i*>(y1 + 2 * x),
                                     _mm_packus_epi16(_mm_and_si128(b0, low), _mm_and_si128(b1, low)));
                c = _mm_avg_epu8(c, _mm_packus_epi16(_mm_srli_epi16(b0, 8), _mm_srli_epi16(b1, 8)));
            }
            const __m128i uu = _mm_and_si128(c, low), vv = _mm_srli_epi16(c, 8);
            _mm_storel_epi64(reinterpret_cast<__m128i*>(u + x), _mm_packus_epi16(uu, uu));
            _mm_storel_epi64(reinterpret_cast<__m128i*>(v + x), _mm_packus_epi16(vv, vv));
        }
        return x;
#else
        (void)s; (void)s1; (void)y; (void)y1; (void)u; (void)v; (void)pairs;
        return 0;
#endif
    }

    tjhandle handle_ = nullptr;  ///< created by the first encode()
    detail::tj_buffer out_;      ///< the JPEG; tjBufSize() of the largest frame so far
    detail::tj_buffer scratch_;  ///< RGB888 or Y/Cb/Cr planes for formats that need converting
    detail::tj_buffer flat_;     ///< constant-128 chroma for gray8, filled only when grown
    char error_[200] = {};
};

static_assert(JpegEncoder<turbojpeg_encoder>);

}  // namespace rtsp::encoders
