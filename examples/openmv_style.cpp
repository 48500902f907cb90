// SPDX-License-Identifier: MIT
// openmv_style: the OpenMV Cam's RTSP video server example, line for line in C++.
//
// The MicroPython script it mirrors (OpenMV's "RTSP Video Server" example, abridged):
//
//   sensor.reset()
//   sensor.set_pixformat(sensor.RGB565)
//   sensor.set_framesize(sensor.VGA)
//   ...connect the network interface...
//   server = rtsp.rtsp_server(network_if)
//   clock = time.clock()
//
//   def setup_callback(pathname, session):
//       print('Opening "%s" in session %d' % (pathname, session))
//   def play_callback(pathname, session):
//       clock.reset(); clock.tick()
//       print('Playing "%s" in session %d' % (pathname, session))
//   def pause_callback(pathname, session):   # VLC only pauses locally; rarely called
//       print('Pausing "%s" in session %d' % (pathname, session))
//   def teardown_callback(pathname, session):
//       print('Closing "%s" in session %d' % (pathname, session))
//
//   server.register_setup_cb(setup_callback)
//   server.register_play_cb(play_callback)
//   server.register_pause_cb(pause_callback)
//   server.register_teardown_cb(teardown_callback)
//
//   def image_callback(pathname, session):
//       img = sensor.snapshot()
//       print(clock.fps()); clock.tick()
//       return img
//
//   server.stream(image_callback, quality=70)   # does not return
//
// Differences, all because this runs on a PC: the "sensor" is rtsp-serve's test pattern
// (VGA, RGB888), the port is 8554 rather than 554 (no root needed), and Ctrl-C makes stream()
// return (the camera version runs until power-off). Open rtsp://127.0.0.1:8554/ in a player.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include <rtsp/rtsp.hpp>

#include "rtsp_serve/test_pattern.hpp"

namespace {

// The stand-in for OpenMV's `sensor`: snapshot() returns a fresh image each call.
class camera {
public:
    camera() : pattern_(640, 480) {}
    rtsp::image_view snapshot() {
        const auto ms = rtsp_serve::local_ms_of_day(std::chrono::system_clock::now());
        return pattern_.draw(frame_++, ms);
    }

private:
    rtsp_serve::test_pattern pattern_;
    std::uint64_t frame_ = 0;
};

// The stand-in for OpenMV's time.clock(): frames per second between ticks.
class fps_clock {
public:
    void reset() { start_ = std::chrono::steady_clock::now(), ticks_ = 0; }
    void tick() { ++ticks_; }
    double fps() const {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        return s > 0 ? static_cast<double>(ticks_) / s : 0.0;
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::uint64_t ticks_ = 0;
};

rtsp::rtsp_server* g_server = nullptr;
extern "C" void on_signal(int) {
    if (g_server) g_server->stop();
}

void print_event(const char* what, std::string_view pathname, std::uint64_t session) {
    std::printf("%s \"%.*s\" in session %llu\n", what, static_cast<int>(pathname.size()),
                pathname.data(), static_cast<unsigned long long>(session));
    std::fflush(stdout);
}

}  // namespace

int main() {
    camera sensor;
    rtsp::rtsp_server server({.port = 8554, .max_fps = 30});  // a sensor delivers ~30 fps
    fps_clock clock;

    auto setup_callback = [](std::string_view pathname, std::uint64_t session) {
        print_event("Opening", pathname, session);
    };
    auto play_callback = [&clock](std::string_view pathname, std::uint64_t session) {
        clock.reset();
        clock.tick();
        print_event("Playing", pathname, session);
    };
    auto pause_callback = [](std::string_view pathname, std::uint64_t session) {
        print_event("Pausing", pathname, session);
    };
    auto teardown_callback = [](std::string_view pathname, std::uint64_t session) {
        print_event("Closing", pathname, session);
    };

    server.register_setup_cb(setup_callback);
    server.register_play_cb(play_callback);
    server.register_pause_cb(pause_callback);
    server.register_teardown_cb(teardown_callback);

    g_server = &server;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::printf("open rtsp://127.0.0.1:8554/ (Ctrl-C to stop)\n");
    std::fflush(stdout);

    // Called each time a new frame is needed; the returned image is JPEG-compressed at quality 70.
    std::uint64_t frames = 0;
    auto r = server.stream(
        [&]([[maybe_unused]] std::string_view pathname, [[maybe_unused]] std::uint64_t session) {
            rtsp::image_view img = sensor.snapshot();
            if (++frames % 30 == 0) std::printf("%.1f fps\n", clock.fps());
            clock.tick();
            return img;
        },
        70);
    g_server = nullptr;
    if (!r) {
        std::fprintf(stderr, "openmv_style: %.*s\n", static_cast<int>(rtsp::to_string(r.error()).size()),
                     rtsp::to_string(r.error()).data());
        return 1;
    }
    return 0;
}
