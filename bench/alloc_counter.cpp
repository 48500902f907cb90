// SPDX-License-Identifier: MIT
// bench/alloc_counter.cpp - counts heap allocations of the program it is linked into (the
// bench build rtsp_serve_alloc is rtsp-serve's own main.cpp plus this file), to show that the
// server allocates nothing per frame once it runs.
//
// malloc/calloc/realloc/aligned variants are replaced for the whole process (glibc routes its
// own internal calls, fopen's included, through these symbols) and forward to glibc's
// __libc_* functions; operator new ends in malloc, so it is counted too. On SIGUSR1 the program
// writes one line to stderr with async-signal-safe calls only:
//   alloc_counter: allocs=<since start> bytes=<since start> sizes=<size>x<count>,... 
// where sizes lists the allocation sizes seen since the previous SIGUSR1 (then forgotten), so
// the benchmark script can signal at the start and at the end of its steady window and say
// which allocations per frame there were and, by their sizes, where they came from.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {

std::atomic<std::uint64_t> g_allocs{0};
std::atomic<std::uint64_t> g_bytes{0};

// Sizes since the last report: a tiny open-addressed table; rtsp-serve is single-threaded and
// the signal handler only reads it, so losing a count in a race would only blur the report.
constexpr std::size_t table_size = 64;
std::size_t g_size[table_size];
std::uint64_t g_count[table_size];
std::uint64_t g_other = 0;

void note(std::size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(n, std::memory_order_relaxed);
    std::size_t h = (n * 2654435761u) % table_size;
    for (std::size_t k = 0; k < table_size; ++k, h = (h + 1) % table_size) {
        if (g_count[h] == 0) {
            g_size[h] = n;
            g_count[h] = 1;
            return;
        }
        if (g_size[h] == n) {
            ++g_count[h];
            return;
        }
    }
    ++g_other;
}

char* put_u64(char* p, std::uint64_t v) {
    char tmp[24];
    int n = 0;
    do tmp[n++] = static_cast<char>('0' + v % 10); while ((v /= 10) != 0);
    while (n > 0) *p++ = tmp[--n];
    return p;
}

char* put_str(char* p, const char* s) {
    while (*s) *p++ = *s++;
    return p;
}

extern "C" void report(int) {
    char line[4096];
    char* p = put_str(line, "alloc_counter: allocs=");
    p = put_u64(p, g_allocs.load(std::memory_order_relaxed));
    p = put_str(p, " bytes=");
    p = put_u64(p, g_bytes.load(std::memory_order_relaxed));
    p = put_str(p, " sizes=");
    bool first = true;
    for (std::size_t k = 0; k < table_size; ++k) {
        if (g_count[k] == 0) continue;
        if (!first) *p++ = ',';
        first = false;
        p = put_u64(p, g_size[k]);
        *p++ = 'x';
        p = put_u64(p, g_count[k]);
        g_count[k] = 0;
    }
    if (g_other) {
        p = put_str(p, ",otherx");
        p = put_u64(p, g_other);
        g_other = 0;
    }
    if (first) p = put_str(p, "none");
    *p++ = '\n';
    (void)!write(STDERR_FILENO, line, static_cast<std::size_t>(p - line));
}

struct install {
    install() {
        struct sigaction sa{};
        sa.sa_handler = report;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, nullptr);
    }
} installer;

}  // namespace

extern "C" {
void* malloc(std::size_t n) {
    note(n);
    return __libc_malloc(n);
}
void* calloc(std::size_t k, std::size_t n) {
    note(k * n);
    return __libc_calloc(k, n);
}
void* realloc(void* p, std::size_t n) {
    note(n);
    return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* memalign(std::size_t a, std::size_t n) {
    note(n);
    return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
    note(n);
    return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
    note(n);
    void* p = __libc_memalign(a, n);
    if (!p) return 12;  // ENOMEM
    *out = p;
    return 0;
}
}
