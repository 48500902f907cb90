// SPDX-License-Identifier: MIT
// rtsp_serve/v4l2_source.hpp - rtsp-serve's Linux webcam source (--source v4l2:/dev/videoN),
// straight on the V4L2 ioctl API: no libv4l, no extra dependency.
//
// Why it looks like this:
//  - Every device operation goes through `device_io` (open, ioctl, mmap, close). The real one
//    is a thin POSIX wrapper; the unit tests put a fake driver behind it, because no test
//    machine has a camera. So format negotiation, the capture loop and every error message are
//    tested; only the few lines of posix_device are verified by hand with a real webcam.
//  - MJPEG is preferred and passed through without re-encoding: the frame handed to the server
//    is a jpeg_view straight into the mmap'ed driver buffer (zero copy). The buffer stays
//    dequeued until the next frame replaces it, which is exactly the lifetime the server's
//    source contract asks for ("valid until the next call"). YUYV is the fallback and is
//    handed over as an image_view, so the server encodes it at --quality.
//  - An MJPEG frame RFC 2435 cannot carry (some cameras send 4:4:4, or their own Huffman
//    tables) goes through rtsp::encoders::jpeg_converter once convert_unsendable() is called
//    (rtsp-serve does): re-coded losslessly or re-encoded at --quality, reported once per reason.
//    Sendable frames cost one parse (~20 us at 1080p) and stay zero copy.
//  - next() never blocks: it drains every finished buffer, keeps the newest (lowest latency),
//    and requeues the rest. main() polls it at twice the granted frame rate, so a frame waits
//    at most half a frame interval and a late poll never halves the frame rate.
//  - Sizes and rates are requested, and what the driver grants is what is reported; a missing,
//    busy or unsupported device gives one message naming the device and the reason.
#pragma once

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <functional>
#include <set>

#include "conversion_note.hpp"
#include "rtsp/encoders/jpeg_converter.hpp"
#include "rtsp/frame_source.hpp"

namespace rtsp_serve::v4l2 {

/// The device operations the capture code needs. Results are 0 or an errno value, never -1
/// plus a global errno, so that a fake can report errors without touching errno.
class device_io {
public:
    virtual ~device_io() = default;
    virtual int open(const std::string& path) = 0;
    virtual int ioctl(unsigned long request, void* arg) = 0;
    /// Maps `length` bytes at `offset` (from VIDIOC_QUERYBUF); nullptr on failure.
    virtual void* map(std::size_t length, std::uint32_t offset) = 0;
    virtual void unmap(void* p, std::size_t length) = 0;
    virtual void close() = 0;
};

/// The real device: open(2) non-blocking, ioctl(2) retried on EINTR, mmap(2).
class posix_device final : public device_io {
public:
    posix_device() = default;
    posix_device(const posix_device&) = delete;
    posix_device& operator=(const posix_device&) = delete;
    ~posix_device() override { close(); }

    int open(const std::string& path) override {
        fd_ = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        return fd_ < 0 ? errno : 0;
    }
    int ioctl(unsigned long request, void* arg) override {
        for (int tries = 0; tries < 100; ++tries) {  // bounded: EINTR only repeats on signals
            if (::ioctl(fd_, request, arg) == 0) return 0;
            if (errno != EINTR) return errno;
        }
        return EINTR;
    }
    void* map(std::size_t length, std::uint32_t offset) override {
        void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(offset));
        return p == MAP_FAILED ? nullptr : p;
    }
    void unmap(void* p, std::size_t length) override { ::munmap(p, length); }
    void close() override {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

[[nodiscard]] inline std::string fourcc_text(std::uint32_t f) {
    std::string s;
    for (int i = 0; i < 4; ++i) {
        const char c = static_cast<char>((f >> (8 * i)) & 0xFF);
        s += (c >= 0x20 && c < 0x7F) ? c : '?';
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

/// What the user asked for (--size, --fps).
struct request {
    std::uint32_t width = 1280, height = 720, fps = 30;
};

/// What the driver granted.
struct granted {
    std::uint32_t pixel_format = 0;  ///< V4L2_PIX_FMT_MJPEG or V4L2_PIX_FMT_YUYV
    std::uint32_t width = 0, height = 0;
    std::uint32_t bytes_per_line = 0;
    std::uint32_t fps_num = 0, fps_den = 1;  ///< frames per second as a fraction; 0 = unknown
    bool fps_settable = false;               ///< the driver honours VIDIOC_S_PARM
    std::uint32_t buffers = 0;

    [[nodiscard]] bool mjpeg() const noexcept { return pixel_format == V4L2_PIX_FMT_MJPEG; }
    /// Whole frames per second, rounded, at least 1 (for pacing); 0 if unknown.
    [[nodiscard]] std::uint32_t fps_rounded() const noexcept {
        if (fps_num == 0 || fps_den == 0) return 0;
        const std::uint32_t r = (fps_num + fps_den / 2) / fps_den;
        return r == 0 ? 1 : r;
    }
    [[nodiscard]] std::string fps_text() const {
        if (fps_num == 0 || fps_den == 0) return "unknown";
        if (fps_num % fps_den == 0) return std::to_string(fps_num / fps_den);
        char b[32];
        std::snprintf(b, sizeof b, "%.2f", static_cast<double>(fps_num) / fps_den);
        return b;
    }
    /// "MJPEG 1280x720 at 30 fps" - the line rtsp-serve prints.
    [[nodiscard]] std::string describe() const {
        std::string s = mjpeg() ? "MJPEG" : "YUYV";
        s += " " + std::to_string(width) + "x" + std::to_string(height) + " at " + fps_text() + " fps";
        if (!fps_settable) s += " (rate fixed by the driver)";
        return s;
    }
};

namespace detail {

// The reason an errno from open(2) or an ioctl gives, phrased for someone holding a webcam.
inline std::string open_reason(int e) {
    switch (e) {
    case ENOENT: return "no such device (is the camera plugged in? see ls /dev/video*)";
    case EBUSY: return "the device is busy (another program is using the camera)";
    case EACCES:
    case EPERM: return "permission denied (add yourself to the 'video' group, then log in again)";
    case ENODEV:
    case ENXIO: return "the device is gone (unplugged?)";
    default: return std::strerror(e);
    }
}

struct size_option {
    std::uint32_t width = 0, height = 0;
};

// Every frame size the driver lists for a format. Step-wise and continuous ranges are sampled
// at the request (clamped and rounded to the step) plus their two ends.
inline std::vector<size_option> frame_sizes(device_io& dev, std::uint32_t fourcc, const request& want) {
    std::vector<size_option> out;
    for (std::uint32_t i = 0; i < 256; ++i) {
        v4l2_frmsizeenum fs{};
        fs.index = i;
        fs.pixel_format = fourcc;
        if (dev.ioctl(VIDIOC_ENUM_FRAMESIZES, &fs) != 0) break;
        if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
            out.push_back({fs.discrete.width, fs.discrete.height});
            continue;
        }
        const auto& sw = fs.stepwise;
        auto fit = [](std::uint32_t v, std::uint32_t lo, std::uint32_t hi, std::uint32_t step) {
            if (v < lo) v = lo;
            if (v > hi) v = hi;
            if (step > 1) v = lo + (v - lo) / step * step;
            return v;
        };
        out.push_back({sw.min_width, sw.min_height});
        out.push_back({sw.max_width, sw.max_height});
        out.push_back({fit(want.width, sw.min_width, sw.max_width, sw.step_width),
                       fit(want.height, sw.min_height, sw.max_height, sw.step_height)});
        break;  // a range is the only entry
    }
    return out;
}

// How far a size is from the request: difference in pixel count, so 1280x720 asked and
// 1280x800 offered beats 640x480 offered.
inline std::uint64_t size_distance(const size_option& s, const request& want) {
    const std::uint64_t a = std::uint64_t{s.width} * s.height;
    const std::uint64_t b = std::uint64_t{want.width} * want.height;
    return a > b ? a - b : b - a;
}

}  // namespace detail

/// Human-readable list of the device's formats, sizes and frame rates (--list-formats).
/// Returns the text, or an error message naming the device and the reason.
inline std::variant<std::string, std::string> list_formats(device_io& dev, const std::string& path) {
    using result = std::variant<std::string, std::string>;
    if (int e = dev.open(path); e != 0) return result{std::in_place_index<1>, path + ": " + detail::open_reason(e)};
    v4l2_capability cap{};
    if (int e = dev.ioctl(VIDIOC_QUERYCAP, &cap); e != 0) {
        dev.close();
        return result{std::in_place_index<1>, path + ": not a V4L2 device (" + detail::open_reason(e) + ")"};
    }
    std::string out = path + ": " + reinterpret_cast<const char*>(cap.card) + " (" +
                      reinterpret_cast<const char*>(cap.driver) + ")\n";
    bool any = false;
    for (std::uint32_t i = 0; i < 64; ++i) {
        v4l2_fmtdesc fd{};
        fd.index = i;
        fd.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        if (dev.ioctl(VIDIOC_ENUM_FMT, &fd) != 0) break;
        any = true;
        const bool usable = fd.pixelformat == V4L2_PIX_FMT_MJPEG || fd.pixelformat == V4L2_PIX_FMT_YUYV;
        out += "  " + fourcc_text(fd.pixelformat) + "  " + reinterpret_cast<const char*>(fd.description) +
               (fd.pixelformat == V4L2_PIX_FMT_MJPEG  ? "  (sent as is, no re-encoding)"
                : fd.pixelformat == V4L2_PIX_FMT_YUYV ? "  (encoded at --quality)"
                                                      : "  (not usable by rtsp-serve)") +
               "\n";
        if (!usable) continue;
        for (std::uint32_t j = 0; j < 256; ++j) {
            v4l2_frmsizeenum fs{};
            fs.index = j;
            fs.pixel_format = fd.pixelformat;
            if (dev.ioctl(VIDIOC_ENUM_FRAMESIZES, &fs) != 0) break;
            if (fs.type != V4L2_FRMSIZE_TYPE_DISCRETE) {
                const auto& s = fs.stepwise;
                out += "    " + std::to_string(s.min_width) + "x" + std::to_string(s.min_height) + " to " +
                       std::to_string(s.max_width) + "x" + std::to_string(s.max_height) + " in steps of " +
                       std::to_string(s.step_width) + "x" + std::to_string(s.step_height) + "\n";
                break;
            }
            out += "    " + std::to_string(fs.discrete.width) + "x" + std::to_string(fs.discrete.height);
            std::string rates;
            for (std::uint32_t k = 0; k < 64; ++k) {
                v4l2_frmivalenum fi{};
                fi.index = k;
                fi.pixel_format = fd.pixelformat;
                fi.width = fs.discrete.width;
                fi.height = fs.discrete.height;
                if (dev.ioctl(VIDIOC_ENUM_FRAMEINTERVALS, &fi) != 0) break;
                if (fi.type != V4L2_FRMIVAL_TYPE_DISCRETE) {
                    rates += " (any rate)";
                    break;
                }
                granted g;
                g.fps_num = fi.discrete.denominator;  // an interval is the inverse of a rate
                g.fps_den = fi.discrete.numerator;
                rates += (rates.empty() ? "  " : ", ") + g.fps_text();
            }
            out += rates.empty() ? "\n" : rates + " fps\n";
        }
    }
    dev.close();
    if (!any) out += "  (no capture formats)\n";
    return result{std::in_place_index<0>, out};
}

/// An open, streaming capture. Move-only; the destructor stops streaming and unmaps.
class capture {
public:
    using open_result = std::variant<capture, std::string>;
    static constexpr std::uint32_t buffer_count = 4;

    capture(capture&& o) noexcept { *this = std::move(o); }
    capture& operator=(capture&& o) noexcept {
        if (this != &o) {
            shut();
            dev_ = std::move(o.dev_);
            path_ = std::move(o.path_);
            g_ = o.g_;
            bufs_ = std::move(o.bufs_);
            held_ = std::exchange(o.held_, -1);
            streaming_ = std::exchange(o.streaming_, false);
            opened_ = std::exchange(o.opened_, false);
            failed_ = std::move(o.failed_);
            frames_ = o.frames_;
            skipped_ = o.skipped_;
            converting_ = o.converting_;
            converter_ = std::move(o.converter_);
            quality_ = o.quality_;
            report_ = std::move(o.report_);
            reported_ = std::move(o.reported_);
        }
        return *this;
    }
    capture(const capture&) = delete;
    capture& operator=(const capture&) = delete;
    ~capture() { shut(); }

    /// Opens `path`, negotiates a format (MJPEG preferred, else YUYV), the size nearest the
    /// request and the rate, maps the buffers and starts streaming. The error names the
    /// device and the reason.
    static open_result open(std::unique_ptr<device_io> dev, const std::string& path, const request& want) {
        capture c(std::move(dev), path);
        if (std::string e = c.start(want); !e.empty()) return open_result{std::in_place_index<1>, path + ": " + e};
        return open_result{std::in_place_index<0>, std::move(c)};
    }

    [[nodiscard]] const granted& format() const noexcept { return g_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// Why capturing stopped (the device vanished, ...); empty while all is well.
    [[nodiscard]] const std::string& failure() const noexcept { return failed_; }
    [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
    /// Frames the driver finished but that were replaced by a newer one before being sent,
    /// plus frames the driver flagged as corrupt.
    [[nodiscard]] std::uint64_t skipped() const noexcept { return skipped_; }

    /// From now on, MJPEG frames RFC 2435 cannot carry are converted (re-encodes at `quality`)
    /// instead of handed over as they are for the server to refuse; `report` gets one line per
    /// reason. Without this call every frame goes out untouched.
    void convert_unsendable(int quality, std::function<void(std::string_view)> report) {
        converting_ = true;
        quality_ = quality;
        report_ = std::move(report);
    }

    /// The newest finished frame, or no_frame when none arrived since the last call. Never
    /// blocks. The bytes stay valid until the next call that returns a frame.
    rtsp::frame_ref next() {
        if (!streaming_) return rtsp::no_frame;
        int newest = -1;
        std::uint32_t newest_used = 0;
        for (std::uint32_t n = 0; n < buffer_count * 2; ++n) {  // bounded: at most every buffer
            v4l2_buffer b{};
            b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
            b.memory = V4L2_MEMORY_MMAP;
            const int e = dev_->ioctl(VIDIOC_DQBUF, &b);
            if (e == EAGAIN) break;
            if (e != 0) {
                failed_ = path_ + ": capture failed: " + detail::open_reason(e);
                streaming_ = false;
                return rtsp::no_frame;
            }
            if (b.index >= bufs_.size()) continue;  // cannot happen with a sane driver
            if ((b.flags & V4L2_BUF_FLAG_ERROR) != 0 || b.bytesused == 0) {
                ++skipped_;
                requeue(static_cast<int>(b.index));
                continue;
            }
            if (newest >= 0) {
                ++skipped_;
                requeue(newest);
            }
            newest = static_cast<int>(b.index);
            newest_used = b.bytesused;
        }
        if (newest < 0) return rtsp::no_frame;
        // The previous frame may still be read by the server until now; the new one replaces it.
        if (held_ >= 0) requeue(held_);
        held_ = newest;
        ++frames_;
        const auto& m = bufs_[static_cast<std::size_t>(newest)];
        const std::size_t used = newest_used < m.length ? newest_used : m.length;
        std::span<const std::byte> bytes(static_cast<const std::byte*>(m.start), used);
        if (g_.mjpeg()) return mjpeg_frame(bytes);
        rtsp::image_view img;
        img.pixels = std::span<const std::byte>(static_cast<const std::byte*>(m.start), m.length);
        img.width = static_cast<std::uint16_t>(g_.width);
        img.height = static_cast<std::uint16_t>(g_.height);
        img.format = rtsp::pixel_format::yuyv;
        img.stride = g_.bytes_per_line;
        return img;
    }

private:
    // The driver's bytes as they are, or converted when the server could not send them.
    rtsp::frame_ref mjpeg_frame(std::span<const std::byte> bytes) {
        if (!converting_) return rtsp::jpeg_view{bytes};
        const auto c = converter_.convert(bytes, quality_);  // `bytes` itself when sendable
        if (!c) return rtsp::jpeg_view{bytes};  // the server's to refuse and report
        if (c->how != rtsp::encoders::conversion::none && reported_.insert(c->reason).second && report_)
            report_(path_ + ": " + conversion_note(*c, quality_) +
                    " (so is every frame like it; not reported again)");
        return rtsp::jpeg_view{c->jpeg};
    }

    struct mapping {
        void* start = nullptr;
        std::size_t length = 0;
    };

    capture(std::unique_ptr<device_io> dev, std::string path) : dev_(std::move(dev)), path_(std::move(path)) {}

    void requeue(int index) {
        v4l2_buffer b{};
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        b.memory = V4L2_MEMORY_MMAP;
        b.index = static_cast<std::uint32_t>(index);
        if (int e = dev_->ioctl(VIDIOC_QBUF, &b); e != 0 && failed_.empty())
            failed_ = path_ + ": cannot requeue a buffer: " + detail::open_reason(e);
    }

    std::string start(const request& want) {
        if (int e = dev_->open(path_); e != 0) return detail::open_reason(e);
        opened_ = true;
        v4l2_capability cap{};
        if (int e = dev_->ioctl(VIDIOC_QUERYCAP, &cap); e != 0)
            return e == ENOTTY ? "not a V4L2 device" : "not a V4L2 device (" + detail::open_reason(e) + ")";
        const std::uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
        if ((caps & V4L2_CAP_VIDEO_CAPTURE) == 0)
            return "not a video capture device (a metadata or output node? webcams often have two; try the other)";
        if ((caps & V4L2_CAP_STREAMING) == 0) return "the driver does not support streaming (mmap) capture";

        // Formats: MJPEG is sent as is; YUYV is encoded. Anything else is not supported.
        bool has_mjpeg = false, has_yuyv = false;
        std::string offered;
        for (std::uint32_t i = 0; i < 64; ++i) {
            v4l2_fmtdesc fd{};
            fd.index = i;
            fd.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
            if (dev_->ioctl(VIDIOC_ENUM_FMT, &fd) != 0) break;
            has_mjpeg = has_mjpeg || fd.pixelformat == V4L2_PIX_FMT_MJPEG;
            has_yuyv = has_yuyv || fd.pixelformat == V4L2_PIX_FMT_YUYV;
            offered += (offered.empty() ? "" : ", ") + fourcc_text(fd.pixelformat);
        }
        if (!has_mjpeg && !has_yuyv)
            return "unsupported: the camera offers neither MJPEG nor YUYV (it offers " +
                   (offered.empty() ? std::string("nothing") : offered) + ")";

        // Pick the format whose nearest size is closest to the request; MJPEG on a tie (and
        // when the driver lists no sizes at all).
        std::uint32_t fourcc = has_mjpeg ? V4L2_PIX_FMT_MJPEG : V4L2_PIX_FMT_YUYV;
        detail::size_option best{want.width, want.height};
        std::uint64_t best_d = ~std::uint64_t{0};
        for (std::uint32_t f : {V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_YUYV}) {
            if ((f == V4L2_PIX_FMT_MJPEG && !has_mjpeg) || (f == V4L2_PIX_FMT_YUYV && !has_yuyv)) continue;
            for (const auto& s : detail::frame_sizes(*dev_, f, want)) {
                const auto d = detail::size_distance(s, want);
                if (d < best_d) {
                    best_d = d;
                    best = s;
                    fourcc = f;
                }
            }
        }

        v4l2_format fmt{};
        fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        fmt.fmt.pix.width = best.width;
        fmt.fmt.pix.height = best.height;
        fmt.fmt.pix.pixelformat = fourcc;
        fmt.fmt.pix.field = V4L2_FIELD_ANY;
        if (int e = dev_->ioctl(VIDIOC_S_FMT, &fmt); e != 0)
            return e == EBUSY ? detail::open_reason(e) : "cannot set the format " + fourcc_text(fourcc) + ": " + detail::open_reason(e);
        if (fmt.fmt.pix.pixelformat != fourcc)
            return "unsupported: asked for " + fourcc_text(fourcc) + ", the driver gave " +
                   fourcc_text(fmt.fmt.pix.pixelformat);
        g_.pixel_format = fourcc;
        g_.width = fmt.fmt.pix.width;
        g_.height = fmt.fmt.pix.height;
        g_.bytes_per_line = fmt.fmt.pix.bytesperline;
        if (g_.width == 0 || g_.height == 0 || g_.width > 4096 || g_.height > 4096)
            return "unsupported: the driver granted the size " + std::to_string(g_.width) + "x" +
                   std::to_string(g_.height);
        if (!g_.mjpeg()) {
            if (g_.width % 2 != 0) return "unsupported: YUYV with an odd width";
            if (g_.bytes_per_line < g_.width * 2) g_.bytes_per_line = g_.width * 2;
            if (std::uint64_t{g_.bytes_per_line} * g_.height > fmt.fmt.pix.sizeimage && fmt.fmt.pix.sizeimage != 0)
                return "unsupported: the driver's YUYV image size is inconsistent";
        }

        // The rate: asked for with S_PARM when the driver allows it; what comes back is granted.
        v4l2_streamparm parm{};
        parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        if (dev_->ioctl(VIDIOC_G_PARM, &parm) == 0 && (parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME)) {
            parm.parm.capture.timeperframe.numerator = 1;
            parm.parm.capture.timeperframe.denominator = want.fps;
            if (dev_->ioctl(VIDIOC_S_PARM, &parm) == 0) g_.fps_settable = true;
        }
        if (g_.fps_settable || dev_->ioctl(VIDIOC_G_PARM, &parm) == 0) {
            g_.fps_num = parm.parm.capture.timeperframe.denominator;
            g_.fps_den = parm.parm.capture.timeperframe.numerator;
        }

        // Buffers: mmap'ed, all queued, then stream.
        v4l2_requestbuffers rb{};
        rb.count = buffer_count;
        rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        rb.memory = V4L2_MEMORY_MMAP;
        if (int e = dev_->ioctl(VIDIOC_REQBUFS, &rb); e != 0)
            return e == EBUSY ? detail::open_reason(e) : "cannot allocate capture buffers: " + detail::open_reason(e);
        if (rb.count < 2) return "the driver granted fewer than 2 capture buffers";
        if (rb.count > 32) rb.count = 32;
        for (std::uint32_t i = 0; i < rb.count; ++i) {
            v4l2_buffer b{};
            b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
            b.memory = V4L2_MEMORY_MMAP;
            b.index = i;
            if (int e = dev_->ioctl(VIDIOC_QUERYBUF, &b); e != 0) return "cannot query a buffer: " + detail::open_reason(e);
            void* p = dev_->map(b.length, b.m.offset);
            if (p == nullptr) return "cannot map a capture buffer";
            bufs_.push_back({p, b.length});
            if (!g_.mjpeg() && std::uint64_t{g_.bytes_per_line} * g_.height > b.length)
                return "unsupported: a capture buffer is smaller than one YUYV frame";
        }
        g_.buffers = rb.count;
        for (std::uint32_t i = 0; i < rb.count; ++i) {
            requeue(static_cast<int>(i));
            if (!failed_.empty()) return "cannot queue the capture buffers";
        }
        int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        if (int e = dev_->ioctl(VIDIOC_STREAMON, &type); e != 0)
            return e == EBUSY || e == ENOSPC ? std::string("the device is busy or out of USB bandwidth (another camera on the same hub?)")
                                             : "cannot start streaming: " + detail::open_reason(e);
        streaming_ = true;
        return {};
    }

    void shut() noexcept {
        if (!dev_) return;
        if (streaming_) {
            int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
            dev_->ioctl(VIDIOC_STREAMOFF, &type);
            streaming_ = false;
        }
        for (auto& m : bufs_) dev_->unmap(m.start, m.length);
        bufs_.clear();
        if (opened_) dev_->close();
        opened_ = false;
        dev_.reset();
    }

    std::unique_ptr<device_io> dev_;
    std::string path_;
    granted g_{};
    std::vector<mapping> bufs_;
    int held_ = -1;  // the buffer the server may still be reading, or -1
    bool streaming_ = false;
    bool opened_ = false;
    std::string failed_;
    std::uint64_t frames_ = 0, skipped_ = 0;
    bool converting_ = false;
    rtsp::encoders::jpeg_converter converter_;
    int quality_ = 90;
    std::function<void(std::string_view)> report_;
    std::set<rtsp::errc> reported_;
};

}  // namespace rtsp_serve::v4l2
