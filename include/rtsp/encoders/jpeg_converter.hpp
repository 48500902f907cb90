// SPDX-License-Identifier: MIT
// rtsp/encoders/jpeg_converter.hpp - makes a JPEG that RFC 2435 cannot carry sendable, on hosts
// with libjpeg-turbo.
//
// RFC 2435 carries one kind of JPEG: baseline, one interleaved scan, the standard Huffman
// tables, 3 components at 4:2:0 or 4:2:2. Files from editors, optimizers and `ffmpeg -f mjpeg`
// are often something else, and a server can only refuse them (jpeg::parse() says why).
// jpeg_converter::convert() mends what can be mended, as cheaply as it can:
//  - sendable already: the input itself, untouched (one parse, nothing else);
//  - only the coding is wrong (progressive, arithmetic, optimized Huffman tables, several
//    scans, extended sequential): losslessly. libjpeg reads the DCT coefficients and writes them
//    again as one baseline scan with the standard tables, as `jpegtran` does: the picture is
//    exactly the same, only the entropy coding differs;
//  - the sampling or the colours are wrong (4:4:4, 4:1:1, grayscale): decoded to RGB and
//    compressed again at 4:2:0 and the caller's quality, which loses what any re-encode loses.
// Broken data, 12-bit and lossless JPEGs, and CMYK are not mended: convert() returns the error.
// Nor is a picture of more pixels than the converter's limit (4096x4096 unless constructed with
// another): a 250-byte file may claim 45000x4000 pixels, and libjpeg would allocate gigabytes
// for its coefficients before finding out the data is not there (found by the fuzz target).
//
// Cost: a lossless conversion is an entropy decode and encode (no DCT), a re-encode a full
// decode and encode. The output buffer and the RGB scratch only grow; libjpeg's own working
// memory (for a progressive image, the whole image's coefficients) is allocated per conversion
// by libjpeg, so this is a tool for hosts (rtsp-serve's file sources use it), not for the
// heap-free server, which never calls it.
// Host only (libturbojpeg and libjpeg from libjpeg-turbo, like turbojpeg.hpp); move-only; not
// thread-safe (one converter per thread).
#pragma once

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string_view>

#include "rtsp/encoders/turbojpeg.hpp"  // detail::tj_buffer, jpeglib.h, turbojpeg.h
#include "rtsp/error.hpp"
#include "rtsp/jpeg/parser.hpp"
#include "rtsp/result.hpp"

namespace rtsp::encoders {

/// How convert() made a JPEG sendable.
enum class conversion : std::uint8_t {
    none,       ///< it was sendable: the input bytes themselves
    lossless,   ///< re-coded as one baseline scan with the standard tables; same picture
    reencoded,  ///< decoded and compressed again at 4:2:0 and the given quality
};

[[nodiscard]] constexpr std::string_view to_string(conversion c) noexcept {
    switch (c) {
    case conversion::none: return "sent as is";
    case conversion::lossless: return "re-coded losslessly as baseline with the standard Huffman tables";
    case conversion::reencoded: return "re-encoded at 4:2:0";
    }
    return "sent as is";
}

/// What jpeg::parse() error convert() mends and how; conversion::none: it cannot.
[[nodiscard]] constexpr conversion mend_for(errc e) noexcept {
    switch (e) {
    case errc::jpeg_progressive:
    case errc::jpeg_extended:
    case errc::jpeg_arithmetic:
    case errc::jpeg_nonstandard_huffman:
    case errc::jpeg_multiple_scans: return conversion::lossless;
    case errc::jpeg_component_count:
    case errc::jpeg_chroma_sampling:
    case errc::jpeg_luma_sampling: return conversion::reencoded;
    default: return conversion::none;
    }
}

/// A sendable JPEG and how it was made.
struct converted_jpeg {
    /// The input itself for conversion::none; else the converter's buffer, valid until its next
    /// convert().
    std::span<const std::byte> jpeg;
    conversion how = conversion::none;
    /// Why the input could not be sent as it was (jpeg::parse()'s error); errc{} for none.
    errc reason = errc{};
    /// `jpeg` parsed (convert() parses what it returns anyway): its size, type and scan.
    rtsp::jpeg::frame frame{};
};

namespace detail {

/// libjpeg's decompressor and compressor for lossless re-coding, their shared error handler
/// and a destination that grows the converter's output buffer, kept together on the heap
/// (libjpeg holds pointers into it). Errors longjmp to the setjmp in jpeg_converter::recode().
struct recode_state {
    jpeg_decompress_struct in;
    jpeg_compress_struct out;
    jpeg_error_mgr err;
    jpeg_destination_mgr dest;
    jpeg_progress_mgr progress;
    std::jmp_buf jump;
    tj_buffer* buffer;  ///< the converter's output buffer
    bool out_of_memory;
    char message[JMSG_LENGTH_MAX];

    static recode_state* of(j_common_ptr c) noexcept { return static_cast<recode_state*>(c->client_data); }
    static void on_error(j_common_ptr c) noexcept {
        (*c->err->format_message)(c, of(c)->message);
        std::longjmp(of(c)->jump, 1);
    }
    static void on_message(j_common_ptr, int) noexcept {}  // warnings (damaged data): decode on
    /// Scans a progressive file may have: what TurboJPEG's TJFLAG_LIMITSCANS allows (500), so
    /// a file of thousands of tiny scans is refused rather than decoded for minutes.
    static constexpr int max_scans = 500;
    static void on_progress(j_common_ptr c) noexcept {
        if (!c->is_decompressor) return;
        if (reinterpret_cast<j_decompress_ptr>(c)->input_scan_number <= max_scans) return;
        std::snprintf(of(c)->message, sizeof of(c)->message, "more than %d scans", max_scans);
        std::longjmp(of(c)->jump, 1);
    }
    static void on_dest_init(j_compress_ptr c) noexcept {
        recode_state* st = of(reinterpret_cast<j_common_ptr>(c));
        c->dest->next_output_byte = st->buffer->data();
        c->dest->free_in_buffer = st->buffer->size();
    }
    // The whole buffer is full: move it into one twice the size and go on after it.
    static boolean on_dest_full(j_compress_ptr c) noexcept {
        recode_state* st = of(reinterpret_cast<j_common_ptr>(c));
        const std::size_t used = st->buffer->size();
        if (!st->grow()) {  // longjmps: grow() has already destroyed its buffer
            st->out_of_memory = true;
            c->err->msg_parm.i[0] = 0;
            ERREXIT(c, JERR_OUT_OF_MEMORY);
        }
        c->dest->next_output_byte = st->buffer->data() + used;
        c->dest->free_in_buffer = st->buffer->size() - used;
        return TRUE;
    }
    bool grow() noexcept {
        const std::size_t used = buffer->size();
        tj_buffer bigger;
        bigger.reserve(2 * used);
        if (bigger.data() == nullptr) return false;
        std::memcpy(bigger.data(), buffer->data(), used);
        *buffer = static_cast<tj_buffer&&>(bigger);
        return true;
    }
    static void on_dest_term(j_compress_ptr) noexcept {}
};

}  // namespace detail

/// Makes JPEGs sendable over RFC 2435 (see the file comment).
class jpeg_converter {
public:
    /// Largest picture converted unless the constructor is given another limit: what
    /// rtsp-serve's --size allows. Its working memory: ~100 MB for a lossless re-coding of a
    /// 4:4:4 picture this big (all its coefficients), ~50 MB of RGB for a re-encode.
    static constexpr std::size_t default_max_pixels = std::size_t{4096} * 4096;

    jpeg_converter() noexcept = default;
    /// A converter that refuses (no_resources) pictures of more than `max_pixels` pixels.
    explicit jpeg_converter(std::size_t max_pixels) noexcept : max_pixels_(max_pixels) {}
    jpeg_converter(const jpeg_converter&) = delete;
    jpeg_converter& operator=(const jpeg_converter&) = delete;
    jpeg_converter(jpeg_converter&& o) noexcept
        : max_pixels_(o.max_pixels_), out_(static_cast<detail::tj_buffer&&>(o.out_)),
          out_size_(o.out_size_), rgb_(static_cast<detail::tj_buffer&&>(o.rgb_)), decoder_(o.decoder_),
          encoder_(o.encoder_), recoder_(o.recoder_) {
        o.decoder_ = o.encoder_ = nullptr;
        o.recoder_ = nullptr;
        std::memcpy(error_, o.error_, sizeof error_);
    }
    jpeg_converter& operator=(jpeg_converter&& o) noexcept {
        if (this != &o) {
            destroy();
            max_pixels_ = o.max_pixels_;
            out_ = static_cast<detail::tj_buffer&&>(o.out_);
            out_size_ = o.out_size_;
            rgb_ = static_cast<detail::tj_buffer&&>(o.rgb_);
            decoder_ = o.decoder_;
            encoder_ = o.encoder_;
            recoder_ = o.recoder_;
            o.decoder_ = o.encoder_ = nullptr;
            o.recoder_ = nullptr;
            std::memcpy(error_, o.error_, sizeof error_);
        }
        return *this;
    }
    ~jpeg_converter() { destroy(); }

    /// `jpeg` as RFC 2435 can carry it: the input itself when it already can, else a lossless
    /// re-coding or a re-encode at `quality` (clamped to 1..100; only used for a re-encode).
    /// Errors: the jpeg::parse() error for what cannot be mended (not a JPEG, truncated before
    /// the scan, 12-bit, lossless, too large, ...); encoder_failed when libjpeg fails on the
    /// data (CMYK, damaged beyond decoding), no_resources for a picture over the pixel limit or
    /// without memory. last_error() says why the input could not be sent and, when converting
    /// it failed, why that failed too ("progressive JPEG ...; converting it failed: ...").
    result<converted_jpeg> convert(std::span<const std::byte> jpeg, int quality) noexcept {
        error_[0] = '\0';
        const auto as_is = rtsp::jpeg::parse(jpeg);
        if (as_is) return converted_jpeg{jpeg, conversion::none, errc{}, *as_is};
        const errc why = as_is.error();
        const conversion how = mend_for(why);
        if (how == conversion::none) return failed(why, to_string(why));
        if (how == conversion::lossless) {
            if (const errc e = recode(jpeg); e != errc{}) return conversion_failed(e, why);
            if (const auto recoded = rtsp::jpeg::parse(output()))
                return converted_jpeg{output(), conversion::lossless, why, *recoded};
            // Still not sendable: progressive and 4:4:4 at once, say (the coding is mended, the
            // sampling is not), or 16-bit quantization tables (written as SOF1 again).
        }
        if (const errc e = reencode(jpeg, quality); e != errc{}) return conversion_failed(e, why);
        const auto again = rtsp::jpeg::parse(output());
        if (!again) {  // TurboJPEG's own output: not expected
            set_error("the re-encoded JPEG cannot be sent either");
            return conversion_failed(errc::encoder_failed, why);
        }
        return converted_jpeg{output(), conversion::reencoded, why, *again};
    }

    /// Why the last convert() failed; "" after success.
    [[nodiscard]] const char* last_error() const noexcept { return error_; }

private:
    [[nodiscard]] std::span<const std::byte> output() const noexcept {
        return {reinterpret_cast<const std::byte*>(out_.data()), out_size_};
    }

    void set_error(std::string_view why) noexcept {
        std::snprintf(error_, sizeof error_, "%.*s", static_cast<int>(why.size()), why.data());
    }
    result<converted_jpeg> failed(errc e, std::string_view why) noexcept {
        set_error(why);
        return fail(e);
    }
    /// `e` from recode() or reencode(), whose message error_ holds, put after why it was tried.
    result<converted_jpeg> conversion_failed(errc e, errc why) noexcept {
        char detail[sizeof error_];
        std::memcpy(detail, error_, sizeof detail);
        const std::string_view reason = to_string(why);
        std::size_t n = 0;  // cut to fit error_ if need be
        for (const std::string_view part : {reason, std::string_view("; converting it failed: "),
                                            std::string_view(detail)}) {
            const std::size_t k = part.size() < sizeof error_ - 1 - n ? part.size() : sizeof error_ - 1 - n;
            std::memcpy(error_ + n, part.data(), k);
            n += k;
        }
        error_[n] = '\0';
        return fail(e);
    }

    /// The coefficients of `jpeg` written again as one baseline scan with the standard Huffman
    /// tables, into out_ (out_size_ bytes).
    errc recode(std::span<const std::byte> jpeg) noexcept {
        detail::recode_state* st = recoder();
        if (st == nullptr) {
            set_error("out of memory");
            return errc::no_resources;
        }
        // Room for the input's size; the destination doubles the buffer when the baseline
        // coding is larger (progressive files grow by ~5-10 %), once: the buffer only grows.
        out_.reserve(jpeg.size() + 4096);
        if (out_.data() == nullptr) {
            set_error("out of memory");
            return errc::no_resources;
        }
        st->buffer = &out_;
        st->out_of_memory = false;
        // Nothing with a destructor lives between here and the libjpeg calls a longjmp leaves.
        if (setjmp(st->jump) != 0) {
            jpeg_abort_compress(&st->out);
            jpeg_abort_decompress(&st->in);
            set_error(st->message);
            return st->out_of_memory ? errc::no_resources : errc::encoder_failed;
        }
        jpeg_mem_src(&st->in, reinterpret_cast<const unsigned char*>(jpeg.data()),
                     static_cast<unsigned long>(jpeg.size()));
        (void)jpeg_read_header(&st->in, TRUE);
        if (!size_allowed(st->in.image_width, st->in.image_height)) {  // before any big allocation
            jpeg_abort_decompress(&st->in);
            return errc::no_resources;
        }
        jvirt_barray_ptr* coefficients = jpeg_read_coefficients(&st->in);
        // Sizes, sampling, colour space and quantization tables from the input; everything
        // else (sequential, Huffman, the standard tables, no restart markers) the defaults.
        jpeg_copy_critical_parameters(&st->in, &st->out);
        st->out.optimize_coding = FALSE;
        st->out.arith_code = FALSE;
        st->out.dest = &st->dest;
        jpeg_write_coefficients(&st->out, coefficients);
        jpeg_finish_compress(&st->out);
        out_size_ = out_.size() - st->dest.free_in_buffer;
        (void)jpeg_finish_decompress(&st->in);
        return errc{};
    }

    /// `jpeg` decoded to RGB and compressed at 4:2:0 and `quality`, into out_ (out_size_ bytes).
    errc reencode(std::span<const std::byte> jpeg, int quality) noexcept {
        if (decoder_ == nullptr) decoder_ = tjInitDecompress();
        if (encoder_ == nullptr) encoder_ = tjInitCompress();
        if (decoder_ == nullptr || encoder_ == nullptr) {
            set_error(tjGetErrorStr2(nullptr));
            return errc::encoder_failed;
        }
        const auto* src = reinterpret_cast<const unsigned char*>(jpeg.data());
        const auto size = static_cast<unsigned long>(jpeg.size());
        int w = 0, h = 0, samp = 0, space = 0;
        if (tjDecompressHeader3(decoder_, src, size, &w, &h, &samp, &space) != 0) return tj_error(decoder_);
        if (!size_allowed(static_cast<unsigned>(w), static_cast<unsigned>(h))) return errc::no_resources;
        const std::size_t rgb_bytes = static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3u;
        rgb_.reserve(rgb_bytes);
        if (rgb_.data() == nullptr) {
            set_error("out of memory");
            return errc::no_resources;
        }
        // A warning (damaged data) still leaves a picture, as in any viewer; only errors stop.
        // TJFLAG_LIMITSCANS: a progressive file of thousands of tiny scans is refused rather
        // than decoded for minutes.
        if (tjDecompress2(decoder_, src, size, rgb_.data(), w, 0, h, TJPF_RGB, TJFLAG_LIMITSCANS) != 0 &&
            tjGetErrorCode(decoder_) != TJERR_WARNING)
            return tj_error(decoder_);
        const unsigned long bound = tjBufSize(w, h, TJSAMP_420);
        if (bound == static_cast<unsigned long>(-1)) return tj_error(encoder_);
        out_.reserve(bound);
        if (out_.data() == nullptr) {
            set_error("out of memory");
            return errc::no_resources;
        }
        unsigned char* dst = out_.data();
        unsigned long dst_size = bound;
        const int q = quality < 1 ? 1 : quality > 100 ? 100 : quality;
        if (tjCompress2(encoder_, rgb_.data(), w, 0, h, TJPF_RGB, &dst, &dst_size, TJSAMP_420, q,
                        TJFLAG_NOREALLOC) != 0)
            return tj_error(encoder_);
        out_size_ = dst_size;
        return errc{};
    }

    /// False (with the message) for a picture over the pixel limit.
    bool size_allowed(unsigned w, unsigned h) noexcept {
        if (std::size_t{w} * h <= max_pixels_) return true;
        std::snprintf(error_, sizeof error_, "%ux%u pixels is more than this converter takes (%zu)", w, h,
                      max_pixels_);
        return false;
    }

    errc tj_error(tjhandle h) noexcept {
        set_error(tjGetErrorStr2(h));  // copied while the handle's message is valid
        return errc::encoder_failed;
    }

    /// The libjpeg pair, made by the first lossless conversion; null without memory.
    detail::recode_state* recoder() noexcept {
        if (recoder_ != nullptr) return recoder_;
        auto* st = static_cast<detail::recode_state*>(std::calloc(1, sizeof(detail::recode_state)));
        if (st == nullptr) return nullptr;
        st->in.err = st->out.err = jpeg_std_error(&st->err);
        st->err.error_exit = detail::recode_state::on_error;
        st->err.emit_message = detail::recode_state::on_message;
        st->in.client_data = st->out.client_data = st;
        if (setjmp(st->jump) != 0) {  // out of memory in jpeg_create_*
            jpeg_destroy_decompress(&st->in);
            jpeg_destroy_compress(&st->out);
            std::free(st);
            return nullptr;
        }
        jpeg_create_decompress(&st->in);
        jpeg_create_compress(&st->out);
        st->progress.progress_monitor = detail::recode_state::on_progress;
        st->in.progress = &st->progress;
        st->dest.init_destination = detail::recode_state::on_dest_init;
        st->dest.empty_output_buffer = detail::recode_state::on_dest_full;
        st->dest.term_destination = detail::recode_state::on_dest_term;
        recoder_ = st;
        return recoder_;
    }

    void destroy() noexcept {
        if (decoder_ != nullptr) tjDestroy(decoder_);
        if (encoder_ != nullptr) tjDestroy(encoder_);
        decoder_ = encoder_ = nullptr;
        if (recoder_ != nullptr) {
            jpeg_destroy_decompress(&recoder_->in);
            jpeg_destroy_compress(&recoder_->out);
            std::free(recoder_);
            recoder_ = nullptr;
        }
    }

    std::size_t max_pixels_ = default_max_pixels;
    detail::tj_buffer out_;  ///< the converted JPEG (out_size_ bytes of it)
    std::size_t out_size_ = 0;
    detail::tj_buffer rgb_;  ///< the decoded picture of a re-encode
    tjhandle decoder_ = nullptr, encoder_ = nullptr;
    detail::recode_state* recoder_ = nullptr;
    char error_[200] = {};
};

}  // namespace rtsp::encoders
