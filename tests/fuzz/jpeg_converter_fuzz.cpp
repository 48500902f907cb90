// SPDX-License-Identifier: MIT
// jpeg_converter_fuzz.cpp - libFuzzer target for rtsp::encoders::jpeg_converter, which hands
// whatever bytes a file holds to libjpeg-turbo (rtsp-serve's file sources).
//
// The first byte picks the re-encode quality, the rest is the JPEG. Whatever the input:
//  - a success is sendable: jpeg::parse() accepts the output; for conversion::none the output
//    is the input itself (same bytes, same place) and the input parses; for a conversion the
//    reason is an error mend_for() says can be mended, and the input does not parse;
//  - a failure is the parser's own error for what cannot be mended, encoder_failed /
//    no_resources for what could not be; always with a message;
//  - the converter stays usable: one converter lives across all inputs (its buffers grow and
//    its libjpeg objects are reused after every longjmp), and after each input a progressive
//    JPEG made at startup must still convert losslessly to the same output as the first time.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

#include <rtsp/encoders/jpeg_converter.hpp>
#include <rtsp/jpeg/parser.hpp>

#include "fuzz_check.hpp"
#include "jpeg_codec.hpp"

using namespace rtsp;
using rtsp::encoders::conversion;
using rtsp::fuzz::within;

namespace {

encoders::jpeg_converter& converter() {
    static encoders::jpeg_converter c;
    return c;
}

// A small progressive JPEG and what the converter first made of it.
struct canary {
    std::vector<std::byte> input, recoded;
};
const canary& the_canary() {
    static const canary c = [] {
        test::encode_options o;
        o.progressive = true;
        canary k;
        k.input = test::encode_jpeg(test::make_test_image(40, 24, 3), o);
        encoders::jpeg_converter fresh;
        const auto r = fresh.convert(k.input, 90);
        FUZZ_CHECK(r && r->how == conversion::lossless);
        k.recoded.assign(r->jpeg.begin(), r->jpeg.end());
        return k;
    }();
    return c;
}

bool same(std::span<const std::byte> a, std::span<const std::byte> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const canary& can = the_canary();
    if (size < 1) return 0;
    const int quality = data[0] % 101;
    const std::span<const std::byte> jpeg(reinterpret_cast<const std::byte*>(data + 1), size - 1);
    auto& conv = converter();
    const auto as_is = jpeg::parse(jpeg);
    const auto r = conv.convert(jpeg, quality);
    if (r) {
        FUZZ_CHECK(jpeg::parse(r->jpeg).has_value());
        if (r->how == conversion::none) {
            FUZZ_CHECK(as_is.has_value());
            FUZZ_CHECK(r->jpeg.data() == jpeg.data() && r->jpeg.size() == jpeg.size());
            FUZZ_CHECK(r->reason == errc{});
        } else {
            FUZZ_CHECK(!as_is.has_value());
            FUZZ_CHECK(r->reason == as_is.error());
            FUZZ_CHECK(encoders::mend_for(r->reason) != conversion::none);
            FUZZ_CHECK(!within(r->jpeg, jpeg));  // the converter's own buffer
        }
        FUZZ_CHECK(conv.last_error()[0] == '\0');
    } else {
        FUZZ_CHECK(!as_is.has_value());
        const errc e = r.error();
        // Not mendable: exactly the parser's error. Mendable but failed: why it failed.
        FUZZ_CHECK(encoders::mend_for(as_is.error()) == conversion::none
                       ? e == as_is.error()
                       : (e == errc::encoder_failed || e == errc::no_resources));
        FUZZ_CHECK(conv.last_error()[0] != '\0');
    }
    const auto again = conv.convert(can.input, 90);
    FUZZ_CHECK(again && again->how == conversion::lossless && same(again->jpeg, can.recoded));
    return 0;
}
