// SPDX-License-Identifier: MIT
// heap_canary.cpp - stands in for pure_layers.cpp in a link that MUST fail: it allocates, so
// bare_metal_main.cpp's heap trap has to stop the link. If this ever links, the trap is broken
// (a flag or a libc change) and the heap-free link of the real layers proves nothing.
#include <cstddef>

extern "C" int rtsp_embedded_smoke(const unsigned char* jpeg, unsigned len, unsigned char* out,
                                   unsigned cap) {
    int* volatile p = new int(static_cast<int>(len));
    const int v = *p + (jpeg == out ? 1 : 0) + static_cast<int>(cap);
    delete p;
    return v;
}
