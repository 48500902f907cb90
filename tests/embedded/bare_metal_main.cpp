// SPDX-License-Identifier: MIT
// bare_metal_main.cpp - a tiny Cortex-M7 program around rtsp_embedded_smoke() whose heap
// cannot be linked: the proof that the pure layers never allocate.
//
// Every allocation entry point (malloc and friends, newlib's reentrant _malloc_r family that
// its own stdio uses, every operator new/delete) is replaced, in heap_trap.cpp of the firmware
// example, by a function that calls rtsp_heap_is_forbidden_on_the_target(), which is declared
// but defined nowhere. With
// -ffunction-sections and --gc-sections an unused replacement is discarded together with its
// reference, so the link only fails when something reachable from the entry point allocates.
// heap_canary.cpp proves the trap on every run: the same program with a `new int` in place of
// the pure layers must fail to link, naming that symbol.
//
// Linked with -nostartfiles and its own Reset_Handler, as firmware is with its vendor startup
// code: newlib's crt0 registers __libc_fini_array with atexit(), whose implementation refers
// to malloc, and that would trip the trap without any rtsp code allocating.
#include <cstddef>

extern "C" {
int rtsp_embedded_smoke(const unsigned char* jpeg, unsigned len, unsigned char* out, unsigned cap);

[[noreturn]] void rtsp_embedded_assert_failed(const char*, const char*, int) {
    for (;;) {
    }
}

}

// The allocation entry points are replaced by examples/winc1500_firmware/heap_trap.cpp, linked
// into this program as into the WINC1500 firmware: one trap, proven by heap_canary.cpp.

namespace {
// A camera frame and a staging buffer as firmware would have them: static, sized up front.
// The content does not matter for a link test; volatile-free globals keep the call real.
unsigned char frame_buffer[16 * 1024];
unsigned char staging[32 * 1024];
}  // namespace

// `extern` length so the compiler cannot prove the call's result and drop it.
extern "C" unsigned rtsp_embedded_frame_length;
unsigned rtsp_embedded_frame_length = sizeof frame_buffer;

// The entry point (-Wl,-e,Reset_Handler). Real startup code would also copy .data, zero .bss
// and install a vector table before calling into the application; a link test needs none of it.
extern "C" [[noreturn]] void Reset_Handler() {
    static_cast<void>(
        rtsp_embedded_smoke(frame_buffer, rtsp_embedded_frame_length, staging, sizeof staging));
    for (;;) {
    }
}
