// SPDX-License-Identifier: MIT
// fuzz_check.hpp - the one assertion the libFuzzer targets use.
//
// A fuzz target states invariants (a view lies inside its input, packets cover the scan, a
// written reply parses back to what was written). assert() would vanish under NDEBUG, and
// libFuzzer only reports crashes, so a broken invariant prints what broke and aborts: the
// fuzzer then saves the input as a crash-* artifact to reproduce with `./fuzz_x crash-...`.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                    \
        }                                                                                    \
    } while (0)

namespace rtsp::fuzz {

/// True when `part` is empty or lies entirely inside `whole` (views must not escape their input).
inline bool within(std::string_view part, std::string_view whole) {
    if (part.empty()) return true;
    const char* b = whole.data();
    return part.data() >= b && part.data() + part.size() <= b + whole.size();
}
inline bool within(std::span<const std::byte> part, std::span<const std::byte> whole) {
    if (part.empty()) return true;
    const std::byte* b = whole.data();
    return part.data() >= b && part.data() + part.size() <= b + whole.size();
}

}  // namespace rtsp::fuzz
