// SPDX-License-Identifier: MIT
// rtsp/rtsp.hpp - one include for host users: rtsp::rtsp_server on POSIX sockets with the
// libjpeg-turbo encoder (link rtsp::turbojpeg).
//
//   #include <rtsp/rtsp.hpp>
//   rtsp::rtsp_server server({.port = 8554});
//   server.stream([](std::string_view path) { return rtsp::jpeg_view{bytes}; });
//
// Firmware includes rtsp/server.hpp and its own adapter instead (rtsp/adapters/winc1500.hpp).
#pragma once

#include "rtsp/adapters/posix.hpp"
#include "rtsp/encoders/turbojpeg.hpp"
#include "rtsp/server.hpp"

namespace rtsp {

/// The seed's rtsp_server on a POSIX host: IPv4 + IPv6 sockets, monotonic and wall clocks,
/// getrandom() session ids, libjpeg-turbo for images.
template <class Config = default_config>
using basic_rtsp_server = basic_server<posix::network, posix::steady_clock, posix::random,
                                       encoders::turbojpeg_encoder, Config>;
using rtsp_server = basic_rtsp_server<>;

}  // namespace rtsp
