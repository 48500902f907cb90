// SPDX-License-Identifier: MIT
// rtsp_serve/conversion_note.hpp - the words rtsp-serve reports a JPEG conversion with, the same
// for its file sources and its webcam source.
#pragma once

#include <string>

#include "rtsp/encoders/jpeg_converter.hpp"
#include "rtsp/error.hpp"

namespace rtsp_serve {

/// "<why it could not be sent>; <what was done>", e.g. "progressive JPEG cannot be sent over
/// RFC 2435; re-coded losslessly as baseline with the standard Huffman tables".
inline std::string conversion_note(const rtsp::encoders::converted_jpeg& c, int quality) {
    using rtsp::encoders::conversion;
    std::string s(rtsp::to_string(c.reason));
    s += "; ";
    s += rtsp::encoders::to_string(c.how);
    if (c.how == conversion::reencoded) s += " at quality " + std::to_string(quality);
    return s;
}

}  // namespace rtsp_serve
