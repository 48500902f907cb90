// SPDX-License-Identifier: MIT
// rtsp/assert.hpp - programmer-error checks, kept apart from runtime errors.
//
// Runtime errors (bad network input, a JPEG we cannot carry) are values: rtsp::result<T>.
// A precondition violation (reading the value of an error result, an index out of range) is a
// bug in the caller and goes through RTSP_ASSERT, which by default is the standard assert().
// Firmware can route it to its own handler by defining RTSP_ASSERT_HANDLER(expr, file, line)
// before including any rtsp header (or in <rtsp_config.h>), or compile it out with
// RTSP_NO_ASSERT.
#pragma once

#if __has_include(<rtsp_config.h>)
#include <rtsp_config.h>
#endif

#if defined(RTSP_NO_ASSERT)
#define RTSP_ASSERT(expr) ((void)0)
#elif defined(RTSP_ASSERT_HANDLER)
#define RTSP_ASSERT(expr) ((expr) ? (void)0 : RTSP_ASSERT_HANDLER(#expr, __FILE__, __LINE__))
#else
#include <cassert>
#define RTSP_ASSERT(expr) assert(expr)
#endif
