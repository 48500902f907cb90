// SPDX-License-Identifier: MIT
// rtsp/encoders/turbojpeg.hpp - the host JpegEncoder: libjpeg-turbo's TurboJPEG API.
//
// RFC 2435 carries only baseline JPEGs with the standard Huffman tables, 3 components and
// 4:2:0 or 4:2:2 chroma, which is exactly what TurboJPEG writes by default (no progressive,
// no optimized tables). Per frame nothing is allocated by this class: one output buffer sized
// with tjBufSize() for the largest frame so far is reused with TJFLAG_NOREALLOC, and the
// scratch planes for formats TurboJPEG cannot take directly grow the same way.
//  - rgb888 goes straight to tjCompress2 (the encode path costs nothing over calling it).
//  - yuyv goes through libjpeg's raw-data interface (jpeg_write_raw_data, the same library's
//    libjpeg API): one MCU row at a time (16 rows for 4:2:0, 8 for 4:2:2) is split into a small
//    Y/Cb/Cr strip (chroma averaged vertically for 4:2:0) that is still in cache when libjpeg
//    reads it. That skips colour conversion and downsampling altogether, and, unlike splitting
//    the whole frame for tjCompressFromYUVPlanes, costs no full-frame buffer and no second pass
//    over memory (BENCHMARKS.md, encoder). The bytes are exactly tjCompressFromYUVPlanes' on the
//    same planes (same settings: TurboJPEG's fast integer DCT below quality 96).
//  - gray8 is the Y plane itself (no copy when the size is a whole number of chroma samples)
//    plus two flat 128 chroma planes kept filled in one buffer: a 3-component JPEG whose
//    chroma costs a few bits per block, since a 1-component JPEG cannot go over RFC 2435.
//  - rgb565 is widened to RGB888 in a scratch buffer, then goes through tjCompress2.
// Host only (it links libturbojpeg and libjpeg, both from libjpeg-turbo; Debian:
// libturbojpeg0-dev libjpeg62-turbo-dev); move-only; not thread-safe (one encoder per thread).
// Including it brings jpeglib.h's TRUE/FALSE macros and its types into the includer.
#pragma once

#include <climits>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>  // jpeglib.h uses FILE and size_t without including their headers
#include <cstdlib>
#include <cstring>
#include <span>

#include <jerror.h>
#include <jpeglib.h>
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

/// libjpeg's compressor (used for raw Y/Cb/Cr input), its error handler and its destination,
/// kept together on the heap (libjpeg holds pointers into it, so it must not move with the
/// encoder). Errors longjmp back to the setjmp in turbojpeg_encoder::encode_yuyv().
struct libjpeg_state {
    jpeg_compress_struct cinfo;
    jpeg_error_mgr err;
    jpeg_destination_mgr dest;
    std::jmp_buf jump;
    unsigned char* out;  ///< the output buffer of this frame and its capacity
    std::size_t capacity;
    char message[JMSG_LENGTH_MAX];

    static libjpeg_state* of(j_common_ptr c) noexcept { return static_cast<libjpeg_state*>(c->client_data); }
    static void on_error(j_common_ptr c) noexcept {
        (*c->err->format_message)(c, of(c)->message);
        std::longjmp(of(c)->jump, 1);
    }
    static void on_message(j_common_ptr) noexcept {}  // warnings: not to stderr
    static void on_dest_init(j_compress_ptr c) noexcept {
        libjpeg_state* st = of(reinterpret_cast<j_common_ptr>(c));
        c->dest->next_output_byte = st->out;
        c->dest->free_in_buffer = st->capacity;
    }
    // The buffer is tjBufSize(): libjpeg-turbo's own worst case, so this is a bug guard.
    static boolean on_dest_full(j_compress_ptr c) noexcept {
        ERREXIT(c, JERR_BUFFER_SIZE);
        return FALSE;
    }
    static void on_dest_term(j_compress_ptr) noexcept {}
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
          flat_(static_cast<detail::tj_buffer&&>(o.flat_)), raw_(o.raw_) {
        o.handle_ = nullptr;
        o.raw_ = nullptr;
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
            destroy_raw();
            raw_ = o.raw_;
            o.raw_ = nullptr;
            std::memcpy(error_, o.error_, sizeof error_);
        }
        return *this;
    }
    ~turbojpeg_encoder() {
        if (handle_ != nullptr) tjDestroy(handle_);
        destroy_raw();
    }

    /// A baseline JPEG of img at quality (clamped to 1..100) with chroma subsampling s; the
    /// bytes stay valid until the next encode(). invalid_argument for an image_view that is not
    /// valid(), unsupported_pixel_format for an unknown format, no_resources when a buffer
    /// cannot be allocated, encoder_failed with last_error() when TurboJPEG or libjpeg fails.
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

        if (handle_ == nullptr && img.format != pixel_format::yuyv) {  // YUYV: libjpeg's own
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
        case pixel_format::gray8: {
            const unsigned char* planes[3];
            int strides[3];
            if (!gray_planes(img, samp, planes, strides)) return failed(errc::no_resources, "out of memory");
            rc = tjCompressFromYUVPlanes(handle_, planes, w, strides, h, samp, &jpeg, &size, q,
                                         flags);
            break;
        }
        case pixel_format::yuyv: {
            const errc e = encode_yuyv(img, q, samp == TJSAMP_420, size);
            if (e != errc{}) return fail(e);  // encode_yuyv() wrote error_
            rc = 0;
            break;
        }
        }
        if (rc != 0) return tj_failed();
        return std::span<const std::byte>(reinterpret_cast<const std::byte*>(jpeg), size);
    }

    /// Why the last encode() failed (TurboJPEG's message for encoder_failed); "" after success.
    [[nodiscard]] const char* last_error() const noexcept { return error_; }

private:
    void set_error(const char* why) noexcept { std::snprintf(error_, sizeof error_, "%s", why); }
    result<std::span<const std::byte>> failed(errc e, const char* why) noexcept {
        set_error(why);
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

    void destroy_raw() noexcept {
        if (raw_ == nullptr) return;
        jpeg_destroy_compress(&raw_->cinfo);
        std::free(raw_);
        raw_ = nullptr;
    }

    /// The libjpeg compressor, made by the first YUYV frame; null (error_ says why) on failure.
    detail::libjpeg_state* raw_compressor() noexcept {
        if (raw_ != nullptr) return raw_;
        auto* st = static_cast<detail::libjpeg_state*>(std::calloc(1, sizeof(detail::libjpeg_state)));
        if (st == nullptr) return nullptr;
        st->cinfo.err = jpeg_std_error(&st->err);
        st->err.error_exit = detail::libjpeg_state::on_error;
        st->err.output_message = detail::libjpeg_state::on_message;
        st->cinfo.client_data = st;
        if (setjmp(st->jump) != 0) {  // jpeg_create_compress ran out of memory
            set_error(st->message);
            jpeg_destroy_compress(&st->cinfo);
            std::free(st);
            return nullptr;
        }
        jpeg_create_compress(&st->cinfo);
        st->dest.init_destination = detail::libjpeg_state::on_dest_init;
        st->dest.empty_output_buffer = detail::libjpeg_state::on_dest_full;
        st->dest.term_destination = detail::libjpeg_state::on_dest_term;
        st->cinfo.dest = &st->dest;
        raw_ = st;
        return raw_;
    }

    /// YUYV (Y0 U Y1 V) to a JPEG in out_ (size: its length), one MCU row at a time: split
    /// into a Y/Cb/Cr strip in scratch_ (for 4:2:0 each chroma sample is the rounded mean of
    /// two rows, the last row alone when the height is odd), padded as tjCompressFromYUVPlanes
    /// pads (the last column and row repeated to whole blocks), then jpeg_write_raw_data().
    errc encode_yuyv(const image_view& img, int quality, bool s420, unsigned long& size) noexcept {
        detail::libjpeg_state* st = raw_compressor();
        if (st == nullptr) {
            if (error_[0] == '\0') set_error("out of memory");
            return errc::no_resources;
        }
        jpeg_compress_struct* c = &st->cinfo;
        st->out = out_.data();
        st->capacity = out_.size();
        if (setjmp(st->jump) != 0) {
            jpeg_abort_compress(c);
            set_error(st->message);
            return errc::encoder_failed;
        }
        // TurboJPEG's settings for these flags (setCompDefaults): RGB defaults, then YCbCr.
        c->image_width = img.width;
        c->image_height = img.height;
        c->input_components = 3;
        c->in_color_space = JCS_RGB;
        jpeg_set_defaults(c);
        jpeg_set_quality(c, quality, TRUE);
        c->dct_method = quality >= 96 ? JDCT_ISLOW : JDCT_FASTEST;
        jpeg_set_colorspace(c, JCS_YCbCr);
        c->comp_info[0].h_samp_factor = 2;
        c->comp_info[0].v_samp_factor = s420 ? 2 : 1;
        for (int k = 1; k < 3; ++k) c->comp_info[k].h_samp_factor = c->comp_info[k].v_samp_factor = 1;
        c->raw_data_in = TRUE;
        jpeg_start_compress(c, TRUE);

        const std::size_t lines = s420 ? 16 : 8;  // luma rows per MCU row
        const std::size_t clines = 8;             // chroma rows per MCU row
        const std::size_t yw = c->comp_info[0].width_in_blocks * std::size_t{DCTSIZE};
        const std::size_t cwp = c->comp_info[1].width_in_blocks * std::size_t{DCTSIZE};
        scratch_.reserve(yw * lines + 2 * cwp * clines);
        if (scratch_.data() == nullptr) {
            jpeg_abort_compress(c);
            set_error("out of memory");
            return errc::no_resources;
        }
        unsigned char* const ys = scratch_.data();
        unsigned char* const us = ys + yw * lines;
        unsigned char* const vs = us + cwp * clines;
        JSAMPROW yrows[16], urows[8], vrows[8];
        JSAMPARRAY planes[3] = {yrows, urows, vrows};
        const std::size_t w = img.width, h = img.height, cw = w / 2;  // valid(): w is even
        const std::size_t stride = img.row_bytes();
        const auto* src = reinterpret_cast<const unsigned char*>(img.pixels.data());
        const std::size_t step = s420 ? 2 : 1;  // source rows per chroma row
        for (std::size_t row = 0; row < h; row += lines) {
            const std::size_t rows = h - row < lines ? h - row : lines;
            for (std::size_t k = 0; k < lines; k += step) {
                const std::size_t ck = k / step;
                if (k >= rows) {  // below the picture: repeat the last row, as TurboJPEG pads
                    yrows[k] = yrows[k - 1];
                    if (step == 2) yrows[k + 1] = yrows[k - 1];
                    urows[ck] = urows[ck - 1];
                    vrows[ck] = vrows[ck - 1];
                    continue;
                }
                unsigned char* y = ys + k * yw;
                unsigned char* u = us + ck * cwp;
                unsigned char* v = vs + ck * cwp;
                const unsigned char* s = src + (row + k) * stride;
                const bool pair = step == 2 && k + 1 < rows;
                unsigned char* y1 = pair ? y + yw : nullptr;
                split_yuyv_row(s, pair ? s + stride : s, y, y1, u, v, cw);
                yrows[k] = y;
                if (step == 2) yrows[k + 1] = pair ? y1 : y;  // an odd height: the last row twice
                urows[ck] = u;
                vrows[ck] = v;
                for (std::size_t x = w; x < yw; ++x) {  // whole blocks: repeat the last column
                    y[x] = y[w - 1];
                    if (pair) y1[x] = y1[w - 1];
                }
                for (std::size_t x = cw; x < cwp; ++x) {
                    u[x] = u[cw - 1];
                    v[x] = v[cw - 1];
                }
            }
            if (jpeg_write_raw_data(c, planes, static_cast<JDIMENSION>(lines)) != lines) {
                jpeg_abort_compress(c);  // only a suspending destination returns fewer
                set_error("libjpeg took fewer rows than given");
                return errc::encoder_failed;
            }
        }
        jpeg_finish_compress(c);
        size = static_cast<unsigned long>(st->capacity - c->dest->free_in_buffer);
        return errc{};
    }

    /// One YUYV row s (and for 4:2:0 its pair s1; s1 == s for a row's own chroma) split:
    /// luma of s to y and, when y1 is not null, of s1 to y1; chroma as the rounded mean of s
    /// and s1 to u and v. SIMD for the whole 16-pixel blocks, then the rest one pair at a time.
    static void split_yuyv_row(const unsigned char* s, const unsigned char* s1, unsigned char* y,
                               unsigned char* y1, unsigned char* u, unsigned char* v,
                               std::size_t pairs) noexcept {
        for (std::size_t x = split_yuyv_simd(s, s1, y, y1, u, v, pairs); x < pairs; ++x) {
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

    /// The first whole 16-pixel blocks of YUYV row s (and s1): luma of s to y and, when y1 is
    /// not null, of s1 to y1; chroma to u and v as the rounded mean of s and s1 (s1 == s for a
    /// row's own chroma). Returns the pixel pairs done; split_yuyv_row() finishes the rows.
    /// This split is all the library adds to libjpeg's work for YUYV, so it is kept to a few
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

    tjhandle handle_ = nullptr;  ///< created by the first encode() of a format other than YUYV
    detail::tj_buffer out_;      ///< the JPEG; tjBufSize() of the largest frame so far
    detail::tj_buffer scratch_;  ///< RGB888, a padded gray plane, or the YUYV MCU-row strip
    detail::tj_buffer flat_;     ///< constant-128 chroma for gray8, filled only when grown
    detail::libjpeg_state* raw_ = nullptr;  ///< libjpeg's compressor, made by the first YUYV frame
    char error_[200] = {};
};

static_assert(JpegEncoder<turbojpeg_encoder>);

}  // namespace rtsp::encoders
