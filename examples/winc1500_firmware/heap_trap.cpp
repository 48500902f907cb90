// SPDX-License-Identifier: MIT
// heap_trap.cpp - makes the firmware's link fail if anything reachable allocates: every
// allocation entry point (malloc and friends, newlib's reentrant _malloc_r family, every
// operator new/delete except placement new) calls rtsp_heap_is_forbidden_on_the_target(),
// which is declared but defined nowhere. With -ffunction-sections and --gc-sections an unused
// replacement is dropped with its reference, so only real use breaks the link. The pure-layer
// cross build (tests/embedded) links this same file, and its canary test proves the trap fires.
#include <cstddef>
#include <new>

extern "C" {
[[noreturn]] void rtsp_heap_is_forbidden_on_the_target();

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
