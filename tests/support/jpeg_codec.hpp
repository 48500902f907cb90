// SPDX-License-Identifier: MIT
// jpeg_codec.hpp - test-only JPEG making and decoding over libjpeg-turbo's libjpeg API.
//
// The tests need real JPEGs with precisely chosen properties (sampling, restart intervals,
// progressive, arithmetic, optimized Huffman tables, grayscale) and a decoder that says
// "broken" instead of printing a warning and returning a garbage image. libjpeg's default
// error handler calls exit(), so both directions install a setjmp/longjmp error manager.
// Not part of the library: it allocates and uses the STL freely.
#pragma once

#include <algorithm>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

// jpeglib.h uses size_t and FILE without including their headers, so it comes last.
#include <jpeglib.h>

namespace rtsp::test {

/// An 8-bit RGB image, 3 bytes per pixel, row-major, no padding.
struct rgb_image {
    int width = 0, height = 0;
    std::vector<std::uint8_t> pixels;  ///< width * height * 3 bytes
};

enum class sampling { s444, s422, s420 };

struct encode_options {
    int quality = 90;                    ///< libjpeg quality 1..100 (baseline-clamped tables)
    sampling chroma = sampling::s420;
    int restart_interval = 0;            ///< in MCUs; 0 = no DRI segment
    bool optimize_huffman = false;       ///< true: image-specific (non-standard) DHTs
    bool progressive = false;            ///< true: SOF2, libjpeg's simple progression
    bool arithmetic = false;             ///< true: SOF9 (or SOF10 with progressive)
    bool grayscale = false;              ///< true: one component (Y only)
};

namespace detail {

struct jpeg_error_mgr_jmp {
    jpeg_error_mgr base;  // must be first: libjpeg hands us a jpeg_error_mgr*
    std::jmp_buf jump;
};

extern "C" inline void rtsp_test_jpeg_error_exit(j_common_ptr cinfo) {
    auto* err = reinterpret_cast<jpeg_error_mgr_jmp*>(cinfo->err);
    std::longjmp(err->jump, 1);
}

// Warnings (msg_level -1) are corrupt-data reports ("premature end of data", "extraneous
// bytes before marker"): the decoder would carry on with a damaged image, which a test must
// see as a failure. Trace messages (msg_level >= 0) are ignored and never printed.
extern "C" inline void rtsp_test_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level < 0) rtsp_test_jpeg_error_exit(cinfo);
}

extern "C" inline void rtsp_test_jpeg_output_message(j_common_ptr) {}

inline void install_error_manager(jpeg_error_mgr_jmp& err) {
    jpeg_std_error(&err.base);
    err.base.error_exit = rtsp_test_jpeg_error_exit;
    err.base.emit_message = rtsp_test_jpeg_emit_message;
    err.base.output_message = rtsp_test_jpeg_output_message;
}

// Everything libjpeg touches after setjmp lives outside this frame (passed by pointer), so a
// longjmp back here leaves no C++ object half-built and no register-cached local to clobber.
inline bool encode_raw(const rgb_image* img, const encode_options* opt, unsigned char** out,
                       unsigned long* out_size) {
    jpeg_compress_struct cinfo;
    jpeg_error_mgr_jmp err;
    install_error_manager(err);
    cinfo.err = &err.base;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        return false;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, out, out_size);
    cinfo.image_width = static_cast<JDIMENSION>(img->width);
    cinfo.image_height = static_cast<JDIMENSION>(img->height);
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    if (opt->grayscale) jpeg_set_colorspace(&cinfo, JCS_GRAYSCALE);
    // force_baseline: every table entry <= 255, so libjpeg writes 8-bit DQTs and SOF0.
    jpeg_set_quality(&cinfo, opt->quality, TRUE);
    if (!opt->grayscale) {
        int h = 2, v = 2;
        if (opt->chroma == sampling::s444) h = v = 1;
        else if (opt->chroma == sampling::s422) v = 1;
        cinfo.comp_info[0].h_samp_factor = h;
        cinfo.comp_info[0].v_samp_factor = v;
        for (int c = 1; c < 3; ++c) {
            cinfo.comp_info[c].h_samp_factor = 1;
            cinfo.comp_info[c].v_samp_factor = 1;
        }
    }
    cinfo.restart_interval = static_cast<unsigned int>(opt->restart_interval);
    cinfo.optimize_coding = opt->optimize_huffman ? TRUE : FALSE;
    cinfo.arith_code = opt->arithmetic ? TRUE : FALSE;
    if (opt->progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    const auto stride = static_cast<std::size_t>(img->width) * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        // libjpeg's API is not const-correct; it only reads the rows.
        JSAMPROW row = const_cast<JSAMPLE*>(img->pixels.data() + cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return true;
}

inline bool decode_raw(const unsigned char* data, unsigned long size, rgb_image* img) {
    jpeg_decompress_struct cinfo;
    jpeg_error_mgr_jmp err;
    install_error_manager(err);
    cinfo.err = &err.base;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    img->width = static_cast<int>(cinfo.output_width);
    img->height = static_cast<int>(cinfo.output_height);
    img->pixels.resize(static_cast<std::size_t>(img->width) * img->height * 3);
    const auto stride = static_cast<std::size_t>(img->width) * 3;
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = img->pixels.data() + cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return true;
}

}  // namespace detail

/// A deterministic RGB test image: smooth gradients (cheap to code) plus edges and noise (so
/// the scan has real entropy). Same (width, height, seed) -> same pixels on every run.
inline rgb_image make_test_image(int width, int height, unsigned seed = 1) {
    rgb_image img;
    if (width <= 0 || height <= 0) return img;
    img.width = width;
    img.height = height;
    img.pixels.resize(static_cast<std::size_t>(width) * height * 3);
    std::uint32_t state = seed * 2654435761u + 0x9E3779B9u;
    auto next = [&state] {  // xorshift32: fixed, portable sequence
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    };
    const int cx = width / 2 + static_cast<int>(seed % 7), cy = height / 2;
    const long r2 = static_cast<long>(std::min(width, height)) * std::min(width, height) / 9;
    std::size_t i = 0;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            int r = width > 1 ? x * 255 / (width - 1) : 128;
            int g = height > 1 ? y * 255 / (height - 1) : 128;
            int b = ((x + y) * 2 + static_cast<int>(seed) * 37) & 0xFF;
            const long dx = x - cx, dy = y - cy;
            if (dx * dx + dy * dy < r2) {  // a hard-edged disc
                r = 255 - r;
                b = 255 - b;
            }
            if (((x / 8) + (y / 8)) % 5 == 0) {  // sparse checker blocks of fine detail
                const int n = static_cast<int>(next() % 64) - 32;
                r += n;
                g -= n;
                b += n / 2;
            }
            img.pixels[i++] = static_cast<std::uint8_t>(std::clamp(r, 0, 255));
            img.pixels[i++] = static_cast<std::uint8_t>(std::clamp(g, 0, 255));
            img.pixels[i++] = static_cast<std::uint8_t>(std::clamp(b, 0, 255));
        }
    }
    return img;
}

/// Compresses `img` with libjpeg. Baseline (SOF0), standard Huffman tables, JFIF APP0, IJG
/// quantization tables at `opt.quality`, unless `opt` asks otherwise. Empty on any failure.
inline std::vector<std::byte> encode_jpeg(const rgb_image& img, const encode_options& opt = {}) {
    if (img.width <= 0 || img.height <= 0 ||
        img.pixels.size() != static_cast<std::size_t>(img.width) * img.height * 3) {
        return {};
    }
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    const bool ok = detail::encode_raw(&img, &opt, &buf, &size);
    std::vector<std::byte> out;
    if (ok && buf != nullptr) {
        out.resize(size);
        std::memcpy(out.data(), buf, size);
    }
    std::free(buf);  // jpeg_mem_dest's buffer is malloc()ed and left to the caller
    return out;
}

/// Decodes a JPEG to RGB. nullopt on any libjpeg error *or warning* (corrupt or truncated
/// data), so a successful decode means the stream was entirely well-formed.
inline std::optional<rgb_image> decode_jpeg(std::span<const std::byte> jpeg) {
    if (jpeg.empty()) return std::nullopt;
    rgb_image img;
    if (!detail::decode_raw(reinterpret_cast<const unsigned char*>(jpeg.data()),
                            static_cast<unsigned long>(jpeg.size()), &img)) {
        return std::nullopt;
    }
    return img;
}

}  // namespace rtsp::test
