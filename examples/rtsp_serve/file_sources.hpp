// SPDX-License-Identifier: MIT
// rtsp_serve/file_sources.hpp - rtsp-serve's file sources: a folder of JPEGs, or one file of
// concatenated JPEGs (motion JPEG), each served in order, looping, without re-encoding.
//
// Both hold exactly one frame in memory: the next frame is read into a reused buffer when the
// server asks for it, so serving a clip of any length costs one frame's worth of RAM (a later
// issue measures RSS with 32 clients). A frame RFC 2435 cannot carry is made sendable by
// rtsp::encoders::jpeg_converter when it can be: losslessly when only its coding is the
// problem (progressive, optimized Huffman tables, arithmetic), re-encoded at --quality when its
// sampling is (4:4:4, grayscale); that is reported once per file (per reason for a motion-JPEG
// file) and done again on every pass, one frame at a time. A frame that cannot be mended (not a
// JPEG, truncated, 12-bit, CMYK) is reported once, by file name (and offset) and reason, and
// skipped on every later pass without being reported again.
//
// The motion-JPEG splitter walks the marker structure: segment lengths are honoured and only
// the entropy-coded data after SOS is scanned for a marker, so an FF D9 inside an EXIF
// thumbnail or an APPn payload never splits a frame.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "conversion_note.hpp"
#include "rtsp/encoders/jpeg_converter.hpp"
#include "rtsp/error.hpp"
#include "rtsp/frame_source.hpp"
#include "rtsp/jpeg/parser.hpp"

namespace rtsp_serve {

/// Receives one human-readable line per problem worth telling the user about.
using warning_sink = std::function<void(std::string_view)>;

namespace detail {

struct file_closer {
    void operator()(std::FILE* f) const noexcept {
        if (f) std::fclose(f);
    }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

inline bool has_jpeg_extension(const std::filesystem::path& p) {
    std::string e = p.extension().string();
    for (char& c : e) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return e == ".jpg" || e == ".jpeg";
}

/// What identifies a file's contents without reading them: device, inode, size and
/// modification time (as make and rsync judge it). A rewritten or replaced file gets another.
struct file_stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    std::int64_t mtime_s = 0, mtime_ns = 0;
    bool operator==(const file_stamp&) const = default;
};

// Reads a whole file into `out` (reusing its capacity) and, when `stamp` is given, stamps it.
// Empty string on success, else why not.
inline std::string read_whole_file(const std::filesystem::path& p, std::vector<std::byte>& out,
                                   file_stamp* stamp = nullptr) {
    // POSIX calls, not fopen: a FILE and its stdio buffer would be two heap allocations per
    // frame (measured by bench/alloc_counter.cpp), and the source must allocate nothing once
    // its buffer has grown to the largest file.
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::strerror(errno);
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } guard{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    if (stamp != nullptr)
        *stamp = file_stamp{st.st_dev, st.st_ino, st.st_size, static_cast<std::int64_t>(st.st_mtim.tv_sec),
                            static_cast<std::int64_t>(st.st_mtim.tv_nsec)};
    const auto size = static_cast<std::size_t>(st.st_size);
    // Exactly the largest file, not the vector's usual doubling: this is the frame memory.
    if (size > out.capacity()) {
        out.clear();
        out.shrink_to_fit();
        out.reserve(size);
    }
    out.resize(size);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::read(fd, out.data() + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::strerror(errno);
        if (n == 0) return "short read";
        done += static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace detail

/// `--source jpeg-dir:DIR`: DIR's .jpg/.jpeg files (any case), sorted by file name, looping.
class jpeg_dir_source {
public:
    /// Lists DIR and reads up to the first file that can be sent. Fails (with a message for
    /// the user) when DIR is missing, not a folder, holds no .jpg/.jpeg file, or none of its
    /// files can be carried by RFC 2435 (each of those is reported through `warn` first).
    /// `quality`: of the frames that must be re-encoded (4:4:4, grayscale).
    static std::variant<jpeg_dir_source, std::string> open(const std::filesystem::path& dir,
                                                           warning_sink warn, int quality = 90) {
        namespace fs = std::filesystem;
        std::error_code ec;
        const auto st = fs::status(dir, ec);
        if (ec || !fs::exists(st)) return "jpeg-dir: '" + dir.string() + "' does not exist";
        if (!fs::is_directory(st)) return "jpeg-dir: '" + dir.string() + "' is not a folder";
        jpeg_dir_source s(std::move(warn), quality);
        fs::directory_iterator it(dir, ec), end;
        if (ec) return "jpeg-dir: cannot list '" + dir.string() + "': " + ec.message();
        for (; it != end; it.increment(ec)) {
            if (ec) return "jpeg-dir: cannot list '" + dir.string() + "': " + ec.message();
            std::error_code fec;
            if (it->is_regular_file(fec) && detail::has_jpeg_extension(it->path()))
                s.files_.push_back(it->path());
        }
        if (s.files_.empty())
            return "jpeg-dir: '" + dir.string() + "' holds no .jpg or .jpeg files";
        std::sort(s.files_.begin(), s.files_.end(),
                  [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
        s.skipped_.assign(s.files_.size(), false);
        s.checked_.assign(s.files_.size(), checked_file{});
        if (!s.load_next())
            return "jpeg-dir: none of the files in '" + dir.string() +
                   "' can be sent over RTP/JPEG (RFC 2435); see the messages above";
        s.pending_ = true;
        return s;
    }

    /// The next frame (the bytes stay valid until the next call); nullopt once every file has
    /// been skipped (e.g. the files were replaced by unusable ones while serving).
    std::optional<rtsp::jpeg_view> next() {
        if (pending_) {
            pending_ = false;
            return rtsp::jpeg_view{frame_};
        }
        if (!load_next()) return std::nullopt;
        return rtsp::jpeg_view{frame_};
    }

    /// The files in serving order.
    [[nodiscard]] const std::vector<std::filesystem::path>& files() const noexcept { return files_; }
    /// Index in files() of the frame next() returned last.
    [[nodiscard]] std::size_t current_index() const noexcept { return current_; }
    /// Bytes held for frames (the largest file read so far).
    [[nodiscard]] std::size_t buffer_capacity() const noexcept { return buffer_.capacity(); }
    /// How many times a file was parsed (once per file, again only after it changed).
    [[nodiscard]] std::size_t parses() const noexcept { return parses_; }
    /// Pixel size of the current frame (after open(): of the first one to be served).
    [[nodiscard]] std::uint16_t width() const noexcept { return width_; }
    [[nodiscard]] std::uint16_t height() const noexcept { return height_; }

private:
    jpeg_dir_source(warning_sink warn, int quality) : warn_(std::move(warn)), quality_(quality) {}

    /// A file that parsed, as it was then: served again unparsed while its stamp is the same
    /// (the server parses every frame anyway; this saves the source's second pass per frame).
    /// One that had to be converted is converted again each time (one frame in memory).
    struct checked_file {
        detail::file_stamp stamp;
        std::uint16_t width = 0, height = 0;
        bool converted = false;
    };

    // Reads files from cursor_ on until one parses; false after a full round of failures.
    bool load_next() {
        for (std::size_t tries = 0; tries < files_.size(); ++tries) {
            const std::size_t i = cursor_;
            cursor_ = (cursor_ + 1) % files_.size();
            if (skipped_[i]) continue;
            detail::file_stamp stamp;
            const std::string read_error = detail::read_whole_file(files_[i], buffer_, &stamp);
            std::string reason;
            if (!read_error.empty()) {
                reason = "cannot read: " + read_error;
            } else if (checked_[i].stamp == stamp && !checked_[i].converted) {
                return serve(i, buffer_);
            } else if (auto c = converter_.convert(buffer_, quality_)) {  // parses; the input if sendable
                if (checked_[i].stamp != stamp) {  // new or changed: remember it, say if converted
                    const bool converted = c->how != rtsp::encoders::conversion::none;
                    checked_[i] = checked_file{stamp, c->frame.width, c->frame.height, converted};
                    ++parses_;
                    if (converted && warn_) warn_(files_[i].string() + ": " + conversion_note(*c, quality_));
                }
                return serve(i, c->jpeg);
            } else {
                reason = converter_.last_error();  // why, and why converting failed if it was tried
            }
            skipped_[i] = true;
            if (warn_) warn_(files_[i].string() + ": skipped: " + reason);
        }
        return false;
    }

    bool serve(std::size_t i, std::span<const std::byte> frame) {
        frame_ = frame;
        current_ = i;
        width_ = checked_[i].width;
        height_ = checked_[i].height;
        return true;
    }

    warning_sink warn_;
    int quality_;
    rtsp::encoders::jpeg_converter converter_;
    std::span<const std::byte> frame_;  ///< buffer_, or the converter's output
    std::vector<std::filesystem::path> files_;
    std::vector<bool> skipped_;
    std::vector<checked_file> checked_;  ///< per file: how it was when it last parsed
    std::size_t parses_ = 0;
    std::vector<std::byte> buffer_;
    std::size_t cursor_ = 0;
    std::size_t current_ = 0;
    std::uint16_t width_ = 0, height_ = 0;
    bool pending_ = false;
};

/// Splits a byte stream of concatenated JPEGs into SOI..EOI frames by walking the markers.
/// `Get` is `int()` returning the next byte, or -1 at the end of the stream.
class mjpeg_splitter {
public:
    enum class status : std::uint8_t {
        frame,      ///< out holds one SOI..EOI frame
        end,        ///< the stream ended between frames (after skipping any junk)
        truncated,  ///< the stream ended, or a new SOI began, inside a frame
        malformed,  ///< a segment structure error; the walk resumes at the next SOI
    };

    struct outcome {
        status st = status::end;
        std::uint64_t offset = 0;   ///< stream offset of the frame's SOI
        std::uint64_t skipped = 0;  ///< junk bytes skipped before the SOI
    };

    /// Reads the next frame into `out` (cleared first, capacity reused).
    template <class Get>
    outcome next(Get&& get, std::vector<std::byte>& out) {
        out.clear();
        outcome o;
        if (!pending_soi_) {
            int prev = -1;
            for (;;) {
                const int c = read(get);
                if (c < 0) {
                    o.skipped = prev >= 0 ? o.skipped + 1 : o.skipped;
                    o.st = status::end;
                    return o;
                }
                if (prev == 0xFF && c == 0xD8) break;
                if (prev >= 0) ++o.skipped;
                prev = c;
            }
            o.offset = pos_ - 2;
        } else {
            o.offset = pending_offset_;
            pending_soi_ = false;
        }
        push(out, 0xFF);
        push(out, 0xD8);

        int marker = -1;  // a marker already read (by the entropy walk) and not yet handled
        for (;;) {
            if (marker < 0) {
                int c = read(get);
                if (c < 0) return o.st = status::truncated, o;
                if (c != 0xFF) return o.st = status::malformed, o;
                do c = read(get);
                while (c == 0xFF);  // fill bytes
                if (c < 0) return o.st = status::truncated, o;
                marker = c;
            }
            const int m = marker;
            marker = -1;
            if (m == 0xD8) {  // a new frame starts: this one never ended
                pending_soi_ = true;
                pending_offset_ = pos_ - 2;
                o.st = status::truncated;
                return o;
            }
            push(out, 0xFF);
            push(out, static_cast<std::uint8_t>(m));
            if (m == 0xD9) return o.st = status::frame, o;
            if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) continue;  // no length field
            if (m == 0x00) return o.st = status::malformed, o;
            const int hi = read(get), lo = read(get);
            if (hi < 0 || lo < 0) return o.st = status::truncated, o;
            const int len = (hi << 8) | lo;
            if (len < 2) return o.st = status::malformed, o;
            push(out, static_cast<std::uint8_t>(hi));
            push(out, static_cast<std::uint8_t>(lo));
            for (int i = 2; i < len; ++i) {
                const int c = read(get);
                if (c < 0) return o.st = status::truncated, o;
                push(out, static_cast<std::uint8_t>(c));
            }
            if (m != 0xDA) continue;
            // Entropy-coded data: FF00 is a stuffed data byte, RSTn belong to the scan, FF FF..
            // is fill before a marker; any other marker ends the scan.
            for (;;) {
                int c = read(get);
                if (c < 0) return o.st = status::truncated, o;
                if (c != 0xFF) {
                    push(out, static_cast<std::uint8_t>(c));
                    continue;
                }
                do c = read(get);
                while (c == 0xFF);
                if (c < 0) return o.st = status::truncated, o;
                if (c == 0x00 || (c >= 0xD0 && c <= 0xD7)) {
                    push(out, 0xFF);
                    push(out, static_cast<std::uint8_t>(c));
                    continue;
                }
                marker = c;
                break;
            }
        }
    }

    /// Forget any half-read state (after the caller rewinds the stream to offset 0).
    void reset() noexcept {
        pending_soi_ = false;
        pos_ = 0;
    }

    /// Bytes consumed from the stream so far.
    [[nodiscard]] std::uint64_t position() const noexcept { return pos_; }

private:
    template <class Get>
    int read(Get& get) {
        const int c = get();
        if (c >= 0) ++pos_;
        return c;
    }
    static void push(std::vector<std::byte>& out, std::uint8_t b) { out.push_back(std::byte{b}); }

    std::uint64_t pos_ = 0;
    std::uint64_t pending_offset_ = 0;
    bool pending_soi_ = false;
};

/// `--source mjpeg-file:FILE`: the JPEGs concatenated in FILE, in order, looping.
class mjpeg_file_source {
public:
    /// Opens FILE and reads up to its first frame that can be sent. Fails (with a message) when
    /// FILE is missing, unreadable, holds no JPEG, or no frame RFC 2435 can carry.
    /// `quality`: of the frames that must be re-encoded (4:4:4, grayscale).
    static std::variant<mjpeg_file_source, std::string> open(const std::filesystem::path& file,
                                                             warning_sink warn, int quality = 90) {
        namespace fs = std::filesystem;
        std::error_code ec;
        const auto st = fs::status(file, ec);
        if (ec || !fs::exists(st)) return "mjpeg-file: '" + file.string() + "' does not exist";
        if (fs::is_directory(st))
            return "mjpeg-file: '" + file.string() + "' is a folder (use jpeg-dir: for folders)";
        detail::file_ptr f(std::fopen(file.c_str(), "rb"));
        if (!f) return "mjpeg-file: cannot open '" + file.string() + "': " + std::strerror(errno);
        mjpeg_file_source s(file, std::move(f), std::move(warn), quality);
        if (!s.load_next()) {
            if (s.frames_seen_ == 0)
                return "mjpeg-file: '" + file.string() + "' holds no JPEG frames";
            return "mjpeg-file: no frame in '" + file.string() +
                   "' can be sent over RTP/JPEG (RFC 2435); see the messages above";
        }
        s.pending_ = true;
        return s;
    }

    /// The next frame (the bytes stay valid until the next call); nullopt when a whole pass
    /// over the file yielded no frame that can be sent.
    std::optional<rtsp::jpeg_view> next() {
        if (pending_) {
            pending_ = false;
            return rtsp::jpeg_view{served_};
        }
        if (!load_next()) return std::nullopt;
        return rtsp::jpeg_view{served_};
    }

    /// Stream offset of the frame next() returned last.
    [[nodiscard]] std::uint64_t current_offset() const noexcept { return current_offset_; }
    /// Index (0-based, counted from the start of the file) of that frame.
    [[nodiscard]] std::uint64_t current_index() const noexcept { return current_index_; }
    /// Bytes held for frames (the largest frame so far) plus the read buffer.
    [[nodiscard]] std::size_t buffer_capacity() const noexcept {
        return frame_.capacity() + chunk_.size();
    }
    /// Pixel size of the current frame (after open(): of the first one to be served).
    [[nodiscard]] std::uint16_t width() const noexcept { return width_; }
    [[nodiscard]] std::uint16_t height() const noexcept { return height_; }

private:
    static constexpr std::size_t chunk_size = 64 * 1024;
    static constexpr std::size_t reports_per_reason = 3;

    mjpeg_file_source(std::filesystem::path name, detail::file_ptr f, warning_sink warn, int quality)
        : name_(std::move(name)), file_(std::move(f)), warn_(std::move(warn)), chunk_(chunk_size),
          quality_(quality) {}

    int get_byte() {
        if (chunk_pos_ == chunk_end_) {
            chunk_end_ = std::fread(chunk_.data(), 1, chunk_.size(), file_.get());
            chunk_pos_ = 0;
            if (chunk_end_ == 0) return -1;
        }
        return chunk_[chunk_pos_++];
    }

    void rewind() {
        std::rewind(file_.get());
        chunk_pos_ = chunk_end_ = 0;
        splitter_.reset();
        index_in_pass_ = 0;
    }

    // Once per frame, and at most `reports_per_reason` frames per reason: a clip encoded with
    // optimized Huffman tables has thousands of frames with the same problem.
    void report(std::uint64_t offset, std::uint64_t index, std::string_view reason) {
        if (!reported_.insert(offset).second || !warn_) return;
        const std::size_t n = ++reason_counts_[std::string(reason)];
        if (n <= reports_per_reason)
            warn_(name_.string() + ": frame " + std::to_string(index) + " at byte " +
                  std::to_string(offset) + ": skipped: " + std::string(reason));
        if (n == reports_per_reason + 1)
            warn_(name_.string() + ": more frames skipped for the same reason (" +
                  std::string(reason) + "); not reported again");
    }

    // Splits frames until one parses. At the end of the file it rewinds; it gives up when a
    // whole pass produced nothing sendable.
    bool load_next() {
        auto get = [this] { return get_byte(); };
        for (;;) {
            const auto o = splitter_.next(get, frame_);
            if (o.skipped > 0) {
                const auto at = o.st == mjpeg_splitter::status::end ? splitter_.position() : o.offset;
                if (junk_reported_.insert(at).second && warn_)
                    warn_(name_.string() + ": " + std::to_string(o.skipped) +
                          " bytes that are not JPEG ignored before byte " + std::to_string(at));
            }
            switch (o.st) {
            case mjpeg_splitter::status::end:
                // A whole pass from offset 0 without one sendable frame: nothing to serve.
                if (good_in_pass_ == 0) return false;
                good_in_pass_ = 0;
                rewind();
                continue;
            case mjpeg_splitter::status::truncated:
                ++frames_seen_;
                report(o.offset, index_in_pass_++, "ends before its EOI marker (truncated)");
                continue;
            case mjpeg_splitter::status::malformed:
                ++frames_seen_;
                report(o.offset, index_in_pass_++, "JPEG segment structure is broken");
                continue;
            case mjpeg_splitter::status::frame:
                break;
            }
            ++frames_seen_;
            const std::uint64_t index = index_in_pass_++;
            const auto c = converter_.convert(frame_, quality_);  // frame_ itself if sendable
            if (!c) {
                report(o.offset, index, converter_.last_error());
                continue;
            }
            // A clip is usually encoded one way throughout: one line per reason.
            if (c->how != rtsp::encoders::conversion::none && converted_reasons_.insert(c->reason).second && warn_)
                warn_(name_.string() + ": frame " + std::to_string(index) + " at byte " + std::to_string(o.offset) +
                      ": " + conversion_note(*c, quality_) + " (so is every frame like it; not reported again)");
            served_ = c->jpeg;
            ++good_in_pass_;
            width_ = c->frame.width;
            height_ = c->frame.height;
            current_offset_ = o.offset;
            current_index_ = index;
            return true;
        }
    }

    std::filesystem::path name_;
    detail::file_ptr file_;
    warning_sink warn_;
    std::vector<unsigned char> chunk_;
    std::size_t chunk_pos_ = 0, chunk_end_ = 0;
    mjpeg_splitter splitter_;
    std::vector<std::byte> frame_;
    int quality_;
    rtsp::encoders::jpeg_converter converter_;
    std::span<const std::byte> served_;  ///< frame_, or the converter's output
    std::set<rtsp::errc> converted_reasons_;
    std::set<std::uint64_t> reported_, junk_reported_;
    std::map<std::string, std::size_t> reason_counts_;
    std::uint64_t frames_seen_ = 0, good_in_pass_ = 0, index_in_pass_ = 0;
    std::uint64_t current_offset_ = 0, current_index_ = 0;
    std::uint16_t width_ = 0, height_ = 0;
    bool pending_ = false;
};

}  // namespace rtsp_serve
