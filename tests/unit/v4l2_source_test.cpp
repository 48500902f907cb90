// SPDX-License-Identifier: MIT
// Tests of rtsp-serve's webcam source (examples/rtsp_serve/v4l2_source.hpp) against a fake V4L2
// driver. No test machine has a camera, so the fake answers the same ioctls a UVC webcam does
// (formats, frame sizes and intervals, S_FMT/S_PARM adjusting the request, mmap'ed buffers
// cycling through QBUF/DQBUF) and the tests check format negotiation, the capture loop, the
// MJPEG zero-copy path, the YUYV encode path and each error message. Only posix_device (open,
// ioctl, mmap) is left to the by-hand check with a real webcam (docs/getting-started.md).
#include <catch2/catch.hpp>

#include <jpeg_codec.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "../../examples/rtsp_serve/options.hpp"
#include "../../examples/rtsp_serve/v4l2_source.hpp"
#include "rtsp/encoders/turbojpeg.hpp"
#include "rtsp/jpeg/parser.hpp"

using namespace rtsp_serve;

namespace {

constexpr std::uint32_t fourcc(char a, char b, char c, char d) {
    return static_cast<std::uint32_t>(a) | (static_cast<std::uint32_t>(b) << 8) |
           (static_cast<std::uint32_t>(c) << 16) | (static_cast<std::uint32_t>(d) << 24);
}

// The fake driver's state, shared between the test and the device_io handed to the capture, so
// the test can produce frames and inspect the buffer queue after the capture took the device.
struct fake_driver {
    struct size {
        std::uint32_t w, h;
    };
    struct format {
        std::uint32_t fourcc;
        const char* description;
        std::vector<size> sizes;
    };
    std::vector<format> formats;
    std::vector<std::uint32_t> rates{30, 15};  // frames per second offered at every size
    int open_error = 0;
    std::uint32_t caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
    bool timeperframe = true;
    int streamon_error = 0;
    int dqbuf_error = 0;
    std::uint32_t max_buffers = 8;
    std::uint32_t bytesperline_pad = 0;  // extra bytes per YUYV row, as some drivers add

    // Current state, as a driver keeps it.
    bool opened = false, streaming = false;
    int closes = 0;
    std::uint32_t cur_fourcc = 0, cur_w = 0, cur_h = 0, cur_fps = 30, bpl = 0, sizeimage = 0;
    std::vector<std::vector<std::byte>> buffers;
    std::vector<bool> mapped;
    std::deque<std::uint32_t> queued;  // owned by the driver, waiting to be filled
    struct done_buffer {
        std::uint32_t index, bytesused, flags;
    };
    std::deque<done_buffer> done;  // filled, waiting for DQBUF
    std::uint32_t sequence = 0;

    static constexpr std::uint32_t page = 4096;  // fake mmap offsets: index * page

    /// The "camera" finishes a frame: into the oldest queued buffer. False when the application
    /// holds every buffer (a real driver would drop the frame).
    bool deliver(std::span<const std::byte> bytes, std::uint32_t flags = 0) {
        if (queued.empty() || !streaming) return false;
        const std::uint32_t i = queued.front();
        queued.pop_front();
        auto& b = buffers[i];
        const std::size_t n = std::min(bytes.size(), b.size());
        std::memcpy(b.data(), bytes.data(), n);
        done.push_back({i, static_cast<std::uint32_t>(n), flags});
        return true;
    }

    const format* find(std::uint32_t f) const {
        for (const auto& x : formats)
            if (x.fourcc == f) return &x;
        return nullptr;
    }

    int ioctl(unsigned long req, void* arg) {
        if (!opened) return EBADF;
        switch (req) {
        case VIDIOC_QUERYCAP: {
            auto* c = static_cast<v4l2_capability*>(arg);
            *c = {};
            std::strcpy(reinterpret_cast<char*>(c->driver), "fakevideo");
            std::strcpy(reinterpret_cast<char*>(c->card), "Fake Webcam C920");
            c->capabilities = caps | V4L2_CAP_DEVICE_CAPS;
            c->device_caps = caps;
            return 0;
        }
        case VIDIOC_ENUM_FMT: {
            auto* d = static_cast<v4l2_fmtdesc*>(arg);
            if (d->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || d->index >= formats.size()) return EINVAL;
            d->pixelformat = formats[d->index].fourcc;
            std::strcpy(reinterpret_cast<char*>(d->description), formats[d->index].description);
            return 0;
        }
        case VIDIOC_ENUM_FRAMESIZES: {
            auto* s = static_cast<v4l2_frmsizeenum*>(arg);
            const format* f = find(s->pixel_format);
            if (!f || s->index >= f->sizes.size()) return EINVAL;
            s->type = V4L2_FRMSIZE_TYPE_DISCRETE;
            s->discrete.width = f->sizes[s->index].w;
            s->discrete.height = f->sizes[s->index].h;
            return 0;
        }
        case VIDIOC_ENUM_FRAMEINTERVALS: {
            auto* i = static_cast<v4l2_frmivalenum*>(arg);
            if (!find(i->pixel_format) || i->index >= rates.size()) return EINVAL;
            i->type = V4L2_FRMIVAL_TYPE_DISCRETE;
            i->discrete.numerator = 1;
            i->discrete.denominator = rates[i->index];
            return 0;
        }
        case VIDIOC_S_FMT: {
            if (streaming || !buffers.empty()) return EBUSY;
            auto* f = static_cast<v4l2_format*>(arg);
            if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return EINVAL;
            // Like real drivers: an unknown format becomes the first one, the size the nearest.
            const format* fm = find(f->fmt.pix.pixelformat);
            if (!fm) fm = &formats.front();
            size best = fm->sizes.front();
            auto dist = [&](size s) {
                const long long a = 1LL * s.w * s.h, b = 1LL * f->fmt.pix.width * f->fmt.pix.height;
                return a > b ? a - b : b - a;
            };
            for (auto s : fm->sizes)
                if (dist(s) < dist(best)) best = s;
            cur_fourcc = fm->fourcc;
            cur_w = best.w;
            cur_h = best.h;
            const bool yuyv = cur_fourcc == V4L2_PIX_FMT_YUYV;
            bpl = yuyv ? cur_w * 2 + bytesperline_pad : 0;
            sizeimage = yuyv ? bpl * cur_h : cur_w * cur_h;  // MJPEG: room for any frame
            f->fmt.pix.pixelformat = cur_fourcc;
            f->fmt.pix.width = cur_w;
            f->fmt.pix.height = cur_h;
            f->fmt.pix.bytesperline = bpl;
            f->fmt.pix.sizeimage = sizeimage;
            f->fmt.pix.field = V4L2_FIELD_NONE;
            return 0;
        }
        case VIDIOC_G_PARM:
        case VIDIOC_S_PARM: {
            auto* p = static_cast<v4l2_streamparm*>(arg);
            if (req == VIDIOC_S_PARM) {
                if (!timeperframe) return EINVAL;
                const auto& t = p->parm.capture.timeperframe;
                const std::uint32_t want = t.numerator ? t.denominator / t.numerator : 30;
                std::uint32_t best = rates.front();
                for (auto r : rates)
                    if ((r > want ? r - want : want - r) < (best > want ? best - want : want - best)) best = r;
                cur_fps = best;
            }
            p->parm.capture = {};
            p->parm.capture.capability = timeperframe ? V4L2_CAP_TIMEPERFRAME : 0;
            p->parm.capture.timeperframe.numerator = 1;
            p->parm.capture.timeperframe.denominator = cur_fps;
            return 0;
        }
        case VIDIOC_REQBUFS: {
            auto* r = static_cast<v4l2_requestbuffers*>(arg);
            if (r->memory != V4L2_MEMORY_MMAP) return EINVAL;
            if (streaming) return EBUSY;
            r->count = std::min(r->count, max_buffers);
            buffers.assign(r->count, std::vector<std::byte>(sizeimage));
            mapped.assign(r->count, false);
            queued.clear();
            done.clear();
            return 0;
        }
        case VIDIOC_QUERYBUF: {
            auto* b = static_cast<v4l2_buffer*>(arg);
            if (b->index >= buffers.size()) return EINVAL;
            b->length = static_cast<std::uint32_t>(buffers[b->index].size());
            b->m.offset = b->index * page;
            return 0;
        }
        case VIDIOC_QBUF: {
            auto* b = static_cast<v4l2_buffer*>(arg);
            if (b->index >= buffers.size() || is_with_driver(b->index)) return EINVAL;
            queued.push_back(b->index);
            return 0;
        }
        case VIDIOC_DQBUF: {
            if (dqbuf_error != 0) return dqbuf_error;
            if (!streaming) return EINVAL;
            if (done.empty()) return EAGAIN;  // opened O_NONBLOCK
            auto* b = static_cast<v4l2_buffer*>(arg);
            const auto d = done.front();
            done.pop_front();
            b->index = d.index;
            b->bytesused = d.bytesused;
            b->flags = d.flags;
            b->sequence = sequence++;
            return 0;
        }
        case VIDIOC_STREAMON:
            if (streamon_error) return streamon_error;
            streaming = true;
            return 0;
        case VIDIOC_STREAMOFF:
            streaming = false;
            queued.clear();
            done.clear();
            return 0;
        default: return ENOTTY;
        }
    }

    bool is_with_driver(std::uint32_t i) const {
        return std::find(queued.begin(), queued.end(), i) != queued.end() ||
               std::any_of(done.begin(), done.end(), [i](const done_buffer& d) { return d.index == i; });
    }
    /// Buffers neither queued nor done: held by the application.
    std::size_t held_by_app() const { return buffers.size() - queued.size() - done.size(); }
    bool inside_a_buffer(const void* p, std::size_t n) const {
        for (const auto& b : buffers) {
            const auto* s = b.data();
            const auto* q = static_cast<const std::byte*>(p);
            if (q >= s && q + n <= s + b.size()) return true;
        }
        return false;
    }
};

class fake_device final : public v4l2::device_io {
public:
    explicit fake_device(std::shared_ptr<fake_driver> d) : d_(std::move(d)) {}
    int open(const std::string&) override {
        if (d_->open_error) return d_->open_error;
        d_->opened = true;
        return 0;
    }
    int ioctl(unsigned long req, void* arg) override { return d_->ioctl(req, arg); }
    void* map(std::size_t length, std::uint32_t offset) override {
        const std::uint32_t i = offset / fake_driver::page;
        if (i >= d_->buffers.size() || length != d_->buffers[i].size()) return nullptr;
        d_->mapped[i] = true;
        return d_->buffers[i].data();
    }
    void unmap(void* p, std::size_t) override {
        for (std::size_t i = 0; i < d_->buffers.size(); ++i)
            if (d_->buffers[i].data() == p) d_->mapped[i] = false;
    }
    void close() override {
        d_->opened = false;
        d_->closes++;
    }

private:
    std::shared_ptr<fake_driver> d_;
};

// A typical UVC webcam: MJPEG at three sizes, YUYV at two.
std::shared_ptr<fake_driver> webcam() {
    auto d = std::make_shared<fake_driver>();
    d->formats = {{V4L2_PIX_FMT_MJPEG, "Motion-JPEG", {{640, 480}, {1280, 720}, {1920, 1080}}},
                  {V4L2_PIX_FMT_YUYV, "YUYV 4:2:2", {{320, 240}, {640, 480}}}};
    return d;
}

v4l2::capture::open_result open_cam(const std::shared_ptr<fake_driver>& d, v4l2::request want = {}) {
    return v4l2::capture::open(std::make_unique<fake_device>(d), "/dev/video7", want);
}

std::string open_error(const std::shared_ptr<fake_driver>& d, v4l2::request want = {}) {
    auto r = open_cam(d, want);
    return r.index() == 1 ? std::get<1>(r) : std::string("(opened)");
}

std::vector<std::byte> jpeg_with_seed(int w, int h, unsigned seed) {
    return rtsp::test::encode_jpeg(rtsp::test::make_test_image(w, h, seed));
}

std::span<const std::byte> as_span(const std::vector<std::byte>& v) { return {v.data(), v.size()}; }

}  // namespace

TEST_CASE("v4l2: negotiation prefers MJPEG at the requested size and reports what was granted") {
    auto d = webcam();
    auto r = open_cam(d, {1280, 720, 30});
    REQUIRE(r.index() == 0);
    auto& cam = std::get<0>(r);
    const auto& g = cam.format();
    CHECK(g.mjpeg());
    CHECK(g.width == 1280);
    CHECK(g.height == 720);
    CHECK(g.fps_num == 30);
    CHECK(g.fps_den == 1);
    CHECK(g.fps_settable);
    CHECK(g.buffers == v4l2::capture::buffer_count);
    CHECK(g.describe() == "MJPEG 1280x720 at 30 fps");
    CHECK(d->streaming);
    CHECK(d->queued.size() == v4l2::capture::buffer_count);  // every buffer handed to the driver
    CHECK(std::all_of(d->mapped.begin(), d->mapped.end(), [](bool m) { return m; }));
}

TEST_CASE("v4l2: size and rate the driver cannot give are replaced by the nearest it can") {
    SECTION("800x600 asked, 640x480 is nearer than 1280x720") {
        auto d = webcam();
        auto r = open_cam(d, {800, 600, 30});
        REQUIRE(r.index() == 0);
        CHECK(std::get<0>(r).format().width == 640);
        CHECK(std::get<0>(r).format().height == 480);
        CHECK(std::get<0>(r).format().mjpeg());
    }
    SECTION("60 fps asked, the camera grants 30") {
        auto d = webcam();
        auto r = open_cam(d, {1280, 720, 60});
        REQUIRE(r.index() == 0);
        CHECK(std::get<0>(r).format().fps_rounded() == 30);
    }
    SECTION("12 fps asked, the camera grants 15") {
        auto d = webcam();
        auto r = open_cam(d, {640, 480, 12});
        REQUIRE(r.index() == 0);
        CHECK(std::get<0>(r).format().describe() == "MJPEG 640x480 at 15 fps");
    }
    SECTION("a driver without S_PARM: the rate is reported as fixed") {
        auto d = webcam();
        d->timeperframe = false;
        d->cur_fps = 25;
        auto r = open_cam(d, {640, 480, 10});
        REQUIRE(r.index() == 0);
        const auto& g = std::get<0>(r).format();
        CHECK_FALSE(g.fps_settable);
        CHECK(g.fps_rounded() == 25);
        CHECK(g.describe() == "MJPEG 640x480 at 25 fps (rate fixed by the driver)");
    }
    SECTION("YUYV wins when only it has the requested size") {
        auto d = webcam();
        d->formats[0].sizes = {{1920, 1080}};
        auto r = open_cam(d, {640, 480, 30});
        REQUIRE(r.index() == 0);
        CHECK_FALSE(std::get<0>(r).format().mjpeg());
        CHECK(std::get<0>(r).format().describe() == "YUYV 640x480 at 30 fps");
    }
    SECTION("a YUYV-only camera") {
        auto d = webcam();
        d->formats.erase(d->formats.begin());
        auto r = open_cam(d, {1280, 720, 30});
        REQUIRE(r.index() == 0);
        CHECK(std::get<0>(r).format().pixel_format == V4L2_PIX_FMT_YUYV);
        CHECK(std::get<0>(r).format().width == 640);
    }
}

TEST_CASE("v4l2: a missing, busy or unsupported device is one message naming it and the reason") {
    auto d = webcam();
    SECTION("missing") {
        d->open_error = ENOENT;
        CHECK(open_error(d) == "/dev/video7: no such device (is the camera plugged in? see ls /dev/video*)");
    }
    SECTION("busy") {
        d->open_error = EBUSY;
        CHECK(open_error(d) == "/dev/video7: the device is busy (another program is using the camera)");
    }
    SECTION("no permission") {
        d->open_error = EACCES;
        CHECK_THAT(open_error(d), Catch::StartsWith("/dev/video7: permission denied") &&
                                      Catch::Contains("'video' group"));
    }
    SECTION("not a capture node (the metadata node of a UVC camera)") {
        d->caps = V4L2_CAP_META_CAPTURE | V4L2_CAP_STREAMING;
        CHECK_THAT(open_error(d), Catch::StartsWith("/dev/video7: not a video capture device"));
        CHECK(d->closes == 1);
        CHECK_FALSE(d->opened);
    }
    SECTION("no streaming I/O") {
        d->caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_READWRITE;
        CHECK_THAT(open_error(d), Catch::Contains("does not support streaming"));
    }
    SECTION("neither MJPEG nor YUYV: the formats it has are named") {
        d->formats = {{fourcc('H', '2', '6', '4'), "H.264", {{1280, 720}}},
                      {fourcc('N', 'V', '1', '2'), "Y/CbCr 4:2:0", {{1280, 720}}}};
        CHECK(open_error(d) ==
              "/dev/video7: unsupported: the camera offers neither MJPEG nor YUYV (it offers H264, NV12)");
    }
    SECTION("busy when streaming starts (USB bandwidth)") {
        d->streamon_error = ENOSPC;
        CHECK_THAT(open_error(d), Catch::Contains("out of USB bandwidth"));
        CHECK_FALSE(d->streaming);
        CHECK(std::none_of(d->mapped.begin(), d->mapped.end(), [](bool m) { return m; }));  // cleaned up
        CHECK(d->closes == 1);
    }
}

TEST_CASE("v4l2: MJPEG frames go out zero-copy, straight from the mmap'ed buffer") {
    auto d = webcam();
    auto r = open_cam(d, {640, 480, 30});
    REQUIRE(r.index() == 0);
    auto& cam = std::get<0>(r);

    CHECK(cam.next().empty());  // nothing captured yet: no frame, no blocking

    const auto j1 = jpeg_with_seed(640, 480, 1);
    REQUIRE(d->deliver(as_span(j1)));
    const rtsp::frame_ref f1 = cam.next();
    REQUIRE(f1.type() == rtsp::frame_ref::kind::jpeg);
    const auto b1 = f1.jpeg().bytes;
    CHECK(b1.size() == j1.size());
    CHECK(d->inside_a_buffer(b1.data(), b1.size()));  // a view into the driver's buffer: no copy
    CHECK(std::equal(b1.begin(), b1.end(), j1.begin()));
    CHECK(rtsp::jpeg::parse(b1).has_value());  // what the server will packetize
    CHECK(d->held_by_app() == 1);

    // No new frame: nothing returned, and the held buffer is kept (the server may still be
    // sending from it).
    CHECK(cam.next().empty());
    CHECK(d->held_by_app() == 1);

    // Three frames arrive between two polls: the newest is sent, the others go straight back.
    std::vector<std::vector<std::byte>> js;
    for (unsigned s = 2; s <= 4; ++s) js.push_back(jpeg_with_seed(640, 480, s));
    for (const auto& j : js) REQUIRE(d->deliver(as_span(j)));
    const rtsp::frame_ref f2 = cam.next();
    REQUIRE(f2.type() == rtsp::frame_ref::kind::jpeg);
    CHECK(std::equal(f2.jpeg().bytes.begin(), f2.jpeg().bytes.end(), js.back().begin(), js.back().end()));
    CHECK(f2.jpeg().bytes.data() != b1.data());
    CHECK(cam.skipped() == 2);
    CHECK(cam.frames() == 2);
    CHECK(d->held_by_app() == 1);  // the first frame's buffer went back when the new one came
    CHECK(d->queued.size() == v4l2::capture::buffer_count - 1);

    // A long run: buffers keep cycling, the application never holds more than one.
    for (unsigned i = 0; i < 50; ++i) {
        REQUIRE(d->deliver(as_span(js[i % js.size()])));
        const auto f = cam.next();
        REQUIRE(f.type() == rtsp::frame_ref::kind::jpeg);
        CHECK(f.jpeg().bytes.size() == js[i % js.size()].size());
        REQUIRE(d->held_by_app() == 1);
    }
    CHECK(cam.frames() == 52);
}

TEST_CASE("v4l2: MJPEG frames RFC 2435 cannot carry are converted once asked, reported once per reason") {
    auto d = webcam();
    auto r = open_cam(d, {640, 480, 30});
    REQUIRE(r.index() == 0);
    auto& cam = std::get<0>(r);
    rtsp::test::encode_options optimized, s444;
    optimized.optimize_huffman = true;
    s444.chroma = rtsp::test::sampling::s444;
    const auto img = rtsp::test::make_test_image(640, 480, 6);
    const auto own_tables = rtsp::test::encode_jpeg(img, optimized);
    const auto full_chroma = rtsp::test::encode_jpeg(img, s444);
    const auto good = jpeg_with_seed(640, 480, 7);

    // Not asked: the frame goes out as it came, for the server to refuse.
    REQUIRE(d->deliver(as_span(own_tables)));
    const auto untouched = cam.next();
    REQUIRE(untouched.type() == rtsp::frame_ref::kind::jpeg);
    CHECK(d->inside_a_buffer(untouched.jpeg().bytes.data(), untouched.jpeg().bytes.size()));

    std::vector<std::string> lines;
    cam.convert_unsendable(70, [&lines](std::string_view l) { lines.emplace_back(l); });
    for (int round = 0; round < 3; ++round) {
        REQUIRE(d->deliver(as_span(own_tables)));
        const auto a = cam.next();
        REQUIRE(a.type() == rtsp::frame_ref::kind::jpeg);
        CHECK_FALSE(d->inside_a_buffer(a.jpeg().bytes.data(), a.jpeg().bytes.size()));
        REQUIRE(rtsp::jpeg::parse(a.jpeg().bytes));
        const auto before = rtsp::test::decode_jpeg(own_tables), after = rtsp::test::decode_jpeg(a.jpeg().bytes);
        REQUIRE(before);
        REQUIRE(after);
        CHECK((after->pixels == before->pixels));  // lossless: the same picture
        CHECK(d->held_by_app() == 1);              // the driver's buffer is still held, as before

        REQUIRE(d->deliver(as_span(full_chroma)));
        const auto b = cam.next();
        REQUIRE(b.type() == rtsp::frame_ref::kind::jpeg);
        const auto f = rtsp::jpeg::parse(b.jpeg().bytes);
        REQUIRE(f);
        CHECK(f->is_420());

        // A sendable frame still goes out zero copy.
        REQUIRE(d->deliver(as_span(good)));
        const auto c = cam.next();
        REQUIRE(c.type() == rtsp::frame_ref::kind::jpeg);
        CHECK(d->inside_a_buffer(c.jpeg().bytes.data(), c.jpeg().bytes.size()));
    }
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].find("/dev/video7: JPEG Huffman tables are not the standard ones; re-coded losslessly") !=
          std::string::npos);
    CHECK(lines[1].find("re-encoded at 4:2:0 at quality 70") != std::string::npos);
}

TEST_CASE("v4l2: corrupt buffers are skipped and a vanished device ends the capture") {
    auto d = webcam();
    auto r = open_cam(d, {640, 480, 30});
    REQUIRE(r.index() == 0);
    auto& cam = std::get<0>(r);
    const auto j = jpeg_with_seed(640, 480, 9);

    REQUIRE(d->deliver(as_span(j), V4L2_BUF_FLAG_ERROR));
    CHECK(cam.next().empty());
    CHECK(cam.skipped() == 1);
    CHECK(d->queued.size() == v4l2::capture::buffer_count);  // given back to the driver

    REQUIRE(d->deliver(as_span(j)));
    CHECK(cam.next().type() == rtsp::frame_ref::kind::jpeg);
    CHECK(cam.failure().empty());

    d->dqbuf_error = ENODEV;  // unplugged
    CHECK(cam.next().empty());
    CHECK(cam.failure() == "/dev/video7: capture failed: the device is gone (unplugged?)");
    d->dqbuf_error = 0;
    REQUIRE(d->deliver(as_span(j)));
    CHECK(cam.next().empty());  // stays stopped
}

TEST_CASE("v4l2: YUYV frames are handed to the encoder with the driver's stride") {
    auto d = webcam();
    d->formats.erase(d->formats.begin());  // YUYV only
    d->bytesperline_pad = 64;
    auto r = open_cam(d, {320, 240, 30});
    REQUIRE(r.index() == 0);
    auto& cam = std::get<0>(r);
    REQUIRE(cam.format().bytes_per_line == 320 * 2 + 64);

    // Left half pure red, right half pure blue, in YUYV (BT.601 full range, as JPEG uses).
    const std::uint32_t w = 320, h = 240, bpl = w * 2 + 64;
    std::vector<std::byte> yuyv(std::size_t{bpl} * h, std::byte{0});
    for (std::uint32_t y = 0; y < h; ++y)
        for (std::uint32_t x = 0; x < w; x += 2) {
            const bool red = x < w / 2;
            const std::uint8_t Y = red ? 76 : 29, U = red ? 85 : 255, V = red ? 255 : 107;
            auto* p = &yuyv[y * bpl + x * 2];
            p[0] = std::byte{Y};
            p[1] = std::byte{U};
            p[2] = std::byte{Y};
            p[3] = std::byte{V};
        }
    REQUIRE(d->deliver(as_span(yuyv)));
    const rtsp::frame_ref f = cam.next();
    REQUIRE(f.type() == rtsp::frame_ref::kind::image);
    const auto& img = f.image();
    CHECK(img.format == rtsp::pixel_format::yuyv);
    CHECK(img.width == 320);
    CHECK(img.height == 240);
    CHECK(img.stride == bpl);
    CHECK(img.valid());
    CHECK(d->inside_a_buffer(img.pixels.data(), img.pixels.size()));

    // What the server does with it: encode at --quality, then packetize.
    rtsp::encoders::turbojpeg_encoder enc;
    auto jpeg = enc.encode(img, 90, rtsp::chroma_subsampling::s420);
    REQUIRE(jpeg.has_value());
    REQUIRE(rtsp::jpeg::parse(*jpeg).has_value());
    auto decoded = rtsp::test::decode_jpeg(*jpeg);
    REQUIRE(decoded.has_value());
    REQUIRE(decoded->width == 320);
    auto px = [&](int x, int y, int c) { return int(decoded->pixels[std::size_t(y * 320 + x) * 3 + c]); };
    CHECK(px(40, 120, 0) > 230);  // red
    CHECK(px(40, 120, 2) < 30);
    CHECK(px(280, 120, 0) < 30);  // blue
    CHECK(px(280, 120, 2) > 230);
}

TEST_CASE("v4l2: closing stops streaming, unmaps every buffer and closes the device") {
    auto d = webcam();
    {
        auto r = open_cam(d);
        REQUIRE(r.index() == 0);
        v4l2::capture moved = std::move(std::get<0>(r));  // the move keeps one owner
        const auto j = jpeg_with_seed(640, 480, 3);
        REQUIRE(d->deliver(as_span(j)));
        CHECK_FALSE(moved.next().empty());
        CHECK(d->closes == 0);
    }
    CHECK_FALSE(d->streaming);
    CHECK(d->closes == 1);
    CHECK(std::none_of(d->mapped.begin(), d->mapped.end(), [](bool m) { return m; }));
}

TEST_CASE("v4l2: --list-formats names every format, size and rate") {
    auto d = webcam();
    d->formats.push_back({fourcc('H', '2', '6', '4'), "H.264", {{1920, 1080}}});
    fake_device dev(d);
    auto r = v4l2::list_formats(dev, "/dev/video7");
    REQUIRE(r.index() == 0);
    const std::string& t = std::get<0>(r);
    CHECK_THAT(t, Catch::StartsWith("/dev/video7: Fake Webcam C920 (fakevideo)\n"));
    CHECK_THAT(t, Catch::Contains("  MJPG  Motion-JPEG  (sent as is, no re-encoding)\n"
                                  "    640x480  30, 15 fps\n"
                                  "    1280x720  30, 15 fps\n"
                                  "    1920x1080  30, 15 fps\n"));
    CHECK_THAT(t, Catch::Contains("  YUYV  YUYV 4:2:2  (encoded at --quality)\n    320x240  30, 15 fps\n"));
    CHECK_THAT(t, Catch::Contains("  H264  H.264  (not usable by rtsp-serve)\n"));
    CHECK_FALSE(d->opened);

    d->open_error = EBUSY;
    auto busy = v4l2::list_formats(dev, "/dev/video7");
    REQUIRE(busy.index() == 1);
    CHECK(std::get<1>(busy) == "/dev/video7: the device is busy (another program is using the camera)");
}

TEST_CASE("v4l2: rtsp-serve's --source v4l2: and --list-formats options") {
    auto ok = [](std::vector<std::string_view> a) {
        auto r = parse_options(a);
        REQUIRE(std::holds_alternative<options>(r));
        return std::get<options>(r);
    };
    auto bad = [](std::vector<std::string_view> a) {
        auto r = parse_options(a);
        REQUIRE(std::holds_alternative<usage_error>(r));
        return std::get<usage_error>(r).message;
    };
    const options o = ok({"--source", "v4l2:/dev/video2", "--size", "640x480", "--fps", "15"});
    CHECK(o.source == source_kind::v4l2);
    CHECK(o.source_arg == "/dev/video2");
    CHECK(o.width == 640);
    CHECK(o.fps == 15);
    CHECK_FALSE(o.list_formats);
    CHECK(ok({"--source=v4l2:/dev/video0", "--list-formats"}).list_formats);
    CHECK(bad({"--source", "v4l2:"}) == "--source v4l2: needs a device, e.g. v4l2:/dev/video0");
    CHECK(bad({"--list-formats"}) == "--list-formats needs --source v4l2:/dev/videoN");
    CHECK(bad({"--list-formats=yes", "--source", "v4l2:/dev/video0"}) == "--list-formats takes no value");
    CHECK_THAT(std::string(usage_text), Catch::Contains("v4l2:/dev/videoN") && Catch::Contains("--list-formats"));
}
