// SPDX-License-Identifier: MIT
// bare_metal_main.cpp - a tiny Cortex-M7 program around rtsp_embedded_smoke() whose heap
// cannot be linked: the proof that the pure layers never allocate.
//
// Every allocation entry point (malloc and friends, newlib's reentrant _malloc_r family that
// its own stdio uses, every operator new/delete) is replaced by a function that calls
// rtsp_heap_is_forbidden_on_the_target(), which is declared but defined nowhere. With
// -ffunction-sections and --gc-sections an unused replacement is discarded together with its
// reference, so the link only fails when something reachable from the entry point allocates.
// heap_canary.cpp proves the trap on every run: the same program with a `new int` in place of
// the pure layers must fail to link, naming that symbol.
//
// Linked with -nostartfiles and its own Reset_Handler, as firmware is with its vendor startup
// code: newlib's crt0 registers __libc_fini_array with atexit(), whose implementation refers
// to malloc, and that would trip the trap without any rtsp code allocating.
#include <cstddef>
#include <new>

extern "C" {
[[noreturn]] void rtsp_heap_is_forbidden_on_the_target();

int rtsp_embedded_smoke(const unsigned char* jpeg, unsigned len, unsigned char* out, unsigned cap);

[[noreturn]] void rtsp_embedded_assert_failed(const char*, const char*, int) {
    for (;;) {
    }
}

struct _reent;
void* malloc(std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* calloc(std::size_t, std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* realloc(void*, std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* aligned_alloc(std::size_t, std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* memalign(std::size_t, std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void free(void*) { rtsp_heap_is_forbidden_on_the_target(); }
void* _malloc_r(_reent*, std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* _calloc_r(_reent*, std::size_t, std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* _realloc_r(_reent*, void*, std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void _free_r(_reent*, void*) { rtsp_heap_is_forbidden_on_the_target(); }
}

void* operator new(std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* operator new[](std::size_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* operator new(std::size_t, const std::nothrow_t&) noexcept { rtsp_heap_is_forbidden_on_the_target(); }
void* operator new[](std::size_t, const std::nothrow_t&) noexcept { rtsp_heap_is_forbidden_on_the_target(); }
void* operator new(std::size_t, std::align_val_t) { rtsp_heap_is_forbidden_on_the_target(); }
void* operator new[](std::size_t, std::align_val_t) { rtsp_heap_is_forbidden_on_the_target(); }
void operator delete(void*) noexcept { rtsp_heap_is_forbidden_on_the_target(); }
void operator delete[](void*) noexcept { rtsp_heap_is_forbidden_on_the_target(); }
void operator delete(void*, std::size_t) noexcept { rtsp_heap_is_forbidden_on_the_target(); }
void operator delete[](void*, std::size_t) noexcept { rtsp_heap_is_forbidden_on_the_target(); }
void operator delete(void*, std::align_val_t) noexcept { rtsp_heap_is_forbidden_on_the_target(); }
void operator delete[](void*, std::align_val_t) noexcept { rtsp_heap_is_forbidden_on_the_target(); }

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
