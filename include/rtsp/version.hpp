// SPDX-License-Identifier: MIT
// rtsp/version.hpp - the library version. CMake reads the project version from this file,
// so it is the single place to change it.
#pragma once

#define RTSP_VERSION_MAJOR 0
#define RTSP_VERSION_MINOR 1
#define RTSP_VERSION_PATCH 0
#define RTSP_VERSION_STRING "0.1.0"

namespace rtsp {
inline constexpr int version_major = RTSP_VERSION_MAJOR;
inline constexpr int version_minor = RTSP_VERSION_MINOR;
inline constexpr int version_patch = RTSP_VERSION_PATCH;
inline constexpr const char* version_string = RTSP_VERSION_STRING;
}  // namespace rtsp
