// SPDX-License-Identifier: MIT
// hardening_server - the smallest real deployment of the library, for valgrind memcheck:
// rtsp::rtsp_server on 127.0.0.1 (port from argv[1], 0 = any) streaming a 320x240 JPEG at
// 30 fps on /cam, alternating a ready JPEG with an RGB image that the TurboJPEG encoder
// compresses, so both frame paths (and the encoder's buffers) run under memcheck. Prints
// "port N" once listening; SIGTERM/SIGINT stop it cleanly (teardown callbacks, sockets closed),
// after which it prints the callback counts and exits 0 when every setup had its teardown.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <atomic>

#include <rtsp/rtsp.hpp>

#include "jpeg_codec.hpp"

namespace {

std::atomic<rtsp::rtsp_server*> g_server{nullptr};

extern "C" void on_signal(int) {
    if (rtsp::rtsp_server* s = g_server.load()) s->stop();
}

}  // namespace

int main(int argc, char** argv) {
    const int port = argc > 1 ? std::atoi(argv[1]) : 0;
    const auto img = rtsp::test::make_test_image(320, 240, 5);
    const auto jpeg = rtsp::test::encode_jpeg(img, {.quality = 80});
    if (jpeg.empty()) return 2;

    rtsp::server_options o;
    o.bind = rtsp::net::address::v4(127, 0, 0, 1, 0);
    o.port = static_cast<std::uint16_t>(port);
    o.max_fps = 30;
    rtsp::rtsp_server server(o);
    std::size_t setups = 0, teardowns = 0;
    std::size_t* sp = &setups;
    std::size_t* tp = &teardowns;
    server.register_setup_cb([sp](std::string_view, std::uint64_t) { ++*sp; });
    server.register_teardown_cb([tp](std::string_view, std::uint64_t) { ++*tp; });
    server.register_path_check([](std::string_view p) { return p == "/cam"; });
    if (auto r = server.start(); !r) {
        std::fprintf(stderr, "start failed: %s\n", rtsp::to_string(r.error()).data());
        return 2;
    }
    g_server.store(&server);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::printf("port %u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);

    unsigned tick = 0;
    const rtsp::image_view view{std::as_bytes(std::span<const std::uint8_t>(img.pixels)),
                                static_cast<std::uint16_t>(img.width),
                                static_cast<std::uint16_t>(img.height), rtsp::pixel_format::rgb888, 0};
    auto r = server.stream([&](std::string_view) -> rtsp::frame_ref {
        if (++tick % 2 == 0) return view;
        return rtsp::jpeg_view{std::span<const std::byte>(jpeg)};
    });
    g_server.store(nullptr);
    std::printf("setups %zu teardowns %zu frames %llu rejected %llu\n", setups, teardowns,
                static_cast<unsigned long long>(server.stats().frames_produced),
                static_cast<unsigned long long>(server.stats().frames_rejected));
    if (!r) return 2;
    return setups == teardowns && server.stats().frames_rejected == 0 ? 0 : 1;
}
