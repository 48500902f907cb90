// SPDX-License-Identifier: MIT
// Tests of rtsp-serve's frame sources (examples/rtsp_serve): the test pattern, the JPEG folder
// and the motion-JPEG file.
#include <catch2/catch.hpp>

#include <jpeg_codec.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

#include "../../examples/rtsp_serve/file_sources.hpp"
#include "../../examples/rtsp_serve/test_pattern.hpp"
#include "rtsp/jpeg/parser.hpp"

using namespace rtsp_serve;
namespace fs = std::filesystem;
using bytes = std::vector<std::byte>;

namespace {

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
struct temp_dir {
    fs::path path;
    temp_dir() {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() /
               ("rtsp_serve_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

void write_file(const fs::path& p, const bytes& b) {
    std::ofstream f(p, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    REQUIRE(f.good());
}

bytes make_jpeg(unsigned seed, rtsp::test::encode_options opt = {}, int w = 64, int h = 48) {
    auto j = rtsp::test::encode_jpeg(rtsp::test::make_test_image(w, h, seed), opt);
    REQUIRE(!j.empty());
    return j;
}

bytes progressive_jpeg(unsigned seed) {
    rtsp::test::encode_options o;
    o.progressive = true;
    return make_jpeg(seed, o);
}

// A JPEG that claims 12-bit samples in its SOF0: no converter mends that (libjpeg-turbo's
// 8-bit API cannot read it), so the sources must report and skip it.
bytes twelve_bit_jpeg(unsigned seed) {
    bytes j = make_jpeg(seed);
    for (std::size_t i = 0; i + 4 < j.size(); ++i)
        if (j[i] == std::byte{0xFF} && j[i + 1] == std::byte{0xC0}) {
            j[i + 4] = std::byte{12};
            return j;
        }
    FAIL("no SOF0");
    return j;
}

// The pixels a JPEG decodes to (libjpeg), for "converted losslessly" checks.
std::vector<std::uint8_t> pixels_of(std::span<const std::byte> jpeg) {
    const auto img = rtsp::test::decode_jpeg(jpeg);
    REQUIRE(img);
    return img->pixels;
}

bytes to_bytes(std::optional<rtsp::jpeg_view> v) {
    REQUIRE(v.has_value());
    return bytes(v->bytes.begin(), v->bytes.end());
}

bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// A copy of `jpeg` with an APP1 segment right after SOI whose payload holds FF D9 and FF D8,
// as EXIF thumbnails do: a naive search for FF D9 would cut the frame there.
bytes with_tricky_app1(const bytes& jpeg) {
    bytes app = {std::byte{0xFF}, std::byte{0xE1}, std::byte{0x00}, std::byte{0x0C},
                 std::byte{'E'},  std::byte{'x'},  std::byte{0xFF}, std::byte{0xD8},
                 std::byte{0xFF}, std::byte{0xD9}, std::byte{0xFF}, std::byte{0xD9},
                 std::byte{0x00}, std::byte{0xFF}};
    bytes out(jpeg.begin(), jpeg.begin() + 2);
    out.insert(out.end(), app.begin(), app.end());
    out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
    return out;
}

struct warnings {
    std::vector<std::string> lines;
    warning_sink sink() {
        return [this](std::string_view l) { lines.emplace_back(l); };
    }
    [[nodiscard]] std::size_t count_containing(std::string_view s) const {
        std::size_t n = 0;
        for (const auto& l : lines) n += l.find(s) != std::string::npos;
        return n;
    }
};

template <class Source>
Source open_ok(std::variant<Source, std::string> r) {
    if (auto* e = std::get_if<std::string>(&r)) FAIL("open failed: " << *e);
    return std::move(std::get<Source>(r));
}

template <class Source>
std::string open_error(std::variant<Source, std::string> r) {
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
}

// Splits `stream` completely with an in-memory byte reader.
struct split_result {
    std::vector<mjpeg_splitter::outcome> outcomes;
    std::vector<bytes> frames;  // one per outcome
};
split_result split_all(const bytes& stream) {
    mjpeg_splitter sp;
    std::size_t pos = 0;
    auto get = [&]() -> int {
        return pos < stream.size() ? static_cast<int>(std::to_integer<unsigned>(stream[pos++])) : -1;
    };
    split_result r;
    bytes out;
    for (int guard = 0; guard < 1000; ++guard) {
        auto o = sp.next(get, out);
        r.outcomes.push_back(o);
        r.frames.push_back(out);
        if (o.st == mjpeg_splitter::status::end) break;
    }
    return r;
}

}  // namespace

// --- test pattern -----------------------------------------------------------------------------

TEST_CASE("rtsp-serve pattern: text formatting and font", "[rtsp_serve][pattern]") {
    CHECK(format_clock(0) == "00:00:00.000");
    CHECK(format_clock(86'399'999) == "23:59:59.999");
    CHECK(format_clock(((13 * 60 + 5) * 60 + 9) * 1000 + 42) == "13:05:09.042");
    CHECK(format_counter(0) == "FRAME 000000");
    CHECK(format_counter(42) == "FRAME 000042");
    CHECK(format_counter(1'234'567) == "FRAME 1234567");

    // Every character the font knows has its own visible bitmap within 5 columns.
    const std::string_view known = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ:.-/";
    std::set<glyph> seen;
    for (char c : known) {
        const glyph g = glyph_for(c);
        bool any = false;
        for (auto row : g) {
            CHECK((row & ~0x1F) == 0);
            any = any || row != 0;
        }
        CHECK(any);
        CHECK(seen.insert(g).second);
    }
    CHECK(glyph_for(' ') == glyph{});
    CHECK(glyph_for('a') == glyph{});

    const auto ms = local_ms_of_day(std::chrono::system_clock::now());
    CHECK(ms < 86'400'000u);
}

TEST_CASE("rtsp-serve pattern: frames are valid, deterministic and move", "[rtsp_serve][pattern]") {
    test_pattern p(320, 240);
    const auto v = p.draw(7, 1000);
    CHECK(v.valid());
    CHECK(v.format == rtsp::pixel_format::rgb888);
    CHECK(v.width == 320);
    CHECK(v.height == 240);
    CHECK(v.pixels.size() == 320u * 240 * 3);
    const bytes f7(v.pixels.begin(), v.pixels.end());
    const auto v2 = p.draw(7, 1000);
    CHECK(bytes(v2.pixels.begin(), v2.pixels.end()) == f7);

    // Consecutive frames differ outside the text panel (the motion), and by plenty of pixels.
    const auto v3 = p.draw(8, 1000);
    const bytes f8(v3.pixels.begin(), v3.pixels.end());
    const auto panel = p.text_panel();
    std::size_t moved = 0;
    for (int y = 0; y < 240; ++y)
        for (int x = 0; x < 320; ++x) {
            const bool in_panel =
                x >= panel.x && x < panel.x + panel.w && y >= panel.y && y < panel.y + panel.h;
            const std::size_t i = (std::size_t(y) * 320 + x) * 3;
            if (!in_panel && (f7[i] != f8[i] || f7[i + 1] != f8[i + 1] || f7[i + 2] != f8[i + 2]))
                ++moved;
        }
    CHECK(moved > 320u * 240 / 10);
}

TEST_CASE("rtsp-serve pattern: the counter and the clock are drawn", "[rtsp_serve][pattern]") {
    test_pattern p(640, 360);
    const int s = p.text_scale();
    REQUIRE(s >= 1);
    const auto panel = p.text_panel();
    const int pad = 2 * s;
    auto pixel = [&](const rtsp::image_view& v, int x, int y) {
        const std::size_t i = (std::size_t(y) * v.width + x) * 3;
        return std::array<int, 3>{std::to_integer<int>(v.pixels[i]), std::to_integer<int>(v.pixels[i + 1]),
                                  std::to_integer<int>(v.pixels[i + 2])};
    };
    auto region = [&](const rtsp::image_view& v, int x0, int y0, int w, int h) {
        bytes r;
        for (int y = y0; y < y0 + h; ++y)
            for (int x = x0; x < x0 + w; ++x)
                for (int c : pixel(v, x, y)) r.push_back(static_cast<std::byte>(c));
        return r;
    };
    const int line1 = panel.y + pad, line2 = panel.y + 2 * pad + glyph_height * s;
    const int cx = panel.x + pad;
    const int cell = glyph_advance * s;

    // 'F' of FRAME: its top row is lit across, its second row only at the left.
    const auto v = p.draw(41, 0);
    CHECK(pixel(v, cx, line1) == std::array<int, 3>{255, 255, 255});
    CHECK(pixel(v, cx + 4 * s, line1) == std::array<int, 3>{255, 255, 255});
    CHECK(pixel(v, cx + 1 * s, line1 + s) == std::array<int, 3>{16, 16, 16});
    const bytes word41 = region(v, cx, line1, 5 * cell, glyph_height * s);
    const bytes last41 = region(v, cx + 11 * cell, line1, cell, glyph_height * s);
    const bytes tens41 = region(v, cx + 10 * cell, line1, cell, glyph_height * s);
    const bytes clock0 = region(v, cx, line2, 12 * cell, glyph_height * s);

    const auto w = p.draw(42, 0);
    CHECK(region(w, cx, line1, 5 * cell, glyph_height * s) == word41);          // "FRAME" stays
    CHECK(region(w, cx + 11 * cell, line1, cell, glyph_height * s) != last41);  // 1 -> 2
    CHECK(region(w, cx + 10 * cell, line1, cell, glyph_height * s) == tens41);  // 4 stays
    CHECK(region(w, cx, line2, 12 * cell, glyph_height * s) == clock0);

    // Same frame, another time: only the clock line changes.
    const bytes f42(w.pixels.begin(), w.pixels.end());
    const auto t = p.draw(42, 3'723'456);  // 01:02:03.456
    const bytes f42t(t.pixels.begin(), t.pixels.end());
    std::size_t changed = 0;
    for (std::size_t i = 0; i < f42.size(); i += 3) {
        if (f42[i] == f42t[i] && f42[i + 1] == f42t[i + 1] && f42[i + 2] == f42t[i + 2]) continue;
        ++changed;
        const int x = static_cast<int>(i / 3 % 640), y = static_cast<int>(i / 3 / 640);
        CHECK((x >= cx && x < cx + 12 * cell && y >= line2 && y < line2 + glyph_height * s));
    }
    CHECK(changed > 0);
    // The glyph of '3' in 01:02:03 (7th character) sits where it should: '3' top row is lit.
    CHECK(pixel(t, cx + 7 * cell, line2) == std::array<int, 3>{255, 255, 0});
}

TEST_CASE("rtsp-serve pattern: any allowed size draws inside its buffer", "[rtsp_serve][pattern]") {
    const std::pair<int, int> sizes[] = {{16, 16}, {18, 17}, {4096, 16}, {16, 300}, {1280, 720}};
    for (auto [w, h] : sizes) {
        INFO(w << "x" << h);
        test_pattern p(static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h));
        for (std::uint64_t n : {0ull, 1ull, 999ull, 123456789ull}) {
            auto v = p.draw(n, 86'399'999);
            CHECK(v.valid());
        }
        auto panel = p.text_panel();
        CHECK(panel.x + panel.w <= w);
        CHECK(panel.y + panel.h <= h);
    }
}

TEST_CASE("rtsp-serve pattern: frames compress into JPEGs RFC 2435 can carry", "[rtsp_serve][pattern]") {
    test_pattern p(320, 240);
    const auto v = p.draw(3, 45'296'789);
    rtsp::test::rgb_image img;
    img.width = 320;
    img.height = 240;
    for (auto b : v.pixels) img.pixels.push_back(std::to_integer<std::uint8_t>(b));
    const bytes j = rtsp::test::encode_jpeg(img);
    REQUIRE(!j.empty());
    CHECK(rtsp::jpeg::parse(j).has_value());
    auto back = rtsp::test::decode_jpeg(j);
    REQUIRE(back.has_value());
    CHECK(back->width == 320);
}

// --- jpeg-dir ---------------------------------------------------------------------------------

TEST_CASE("rtsp-serve jpeg-dir: name order, looping, extensions", "[rtsp_serve][jpeg_dir]") {
    temp_dir d;
    const bytes a = make_jpeg(1), b = make_jpeg(2), c = make_jpeg(3), ten = make_jpeg(4),
                two = make_jpeg(5);
    write_file(d.path / "b.jpg", b);
    write_file(d.path / "a.JPEG", a);
    write_file(d.path / "c.jpeg", c);
    write_file(d.path / "10.jpg", ten);
    write_file(d.path / "2.jpg", two);
    write_file(d.path / "notes.txt", make_jpeg(6));
    write_file(d.path / "raw.jpg.bak", make_jpeg(7));
    fs::create_directories(d.path / "sub.jpg");  // a folder named like a JPEG is not a file

    warnings w;
    auto src = open_ok(jpeg_dir_source::open(d.path, w.sink()));
    REQUIRE(src.files().size() == 5);
    CHECK(src.files()[0].filename() == "10.jpg");  // byte order of names: "10" < "2" < "a" < "b"
    CHECK(src.files()[4].filename() == "c.jpeg");
    const std::vector<bytes> expected = {ten, two, a, b, c};
    for (int round = 0; round < 3; ++round)
        for (std::size_t i = 0; i < expected.size(); ++i) {
            CHECK(to_bytes(src.next()) == expected[i]);
            CHECK(src.current_index() == i);
            CHECK(src.width() == 64);
            CHECK(src.height() == 48);
        }
    CHECK(w.lines.empty());
}

TEST_CASE("rtsp-serve jpeg-dir: files RTP cannot carry are converted, broken ones skipped, each reported once", "[rtsp_serve][jpeg_dir]") {
    temp_dir d;
    const bytes good1 = make_jpeg(1), good2 = make_jpeg(2), progressive = progressive_jpeg(3);
    rtsp::test::encode_options s444;
    s444.chroma = rtsp::test::sampling::s444;
    write_file(d.path / "1.jpg", good1);
    write_file(d.path / "2_progressive.jpg", progressive);
    write_file(d.path / "3.jpg", good2);
    write_file(d.path / "4_444.jpg", make_jpeg(4, s444));
    write_file(d.path / "5_garbage.jpg", bytes(100, std::byte{0x42}));
    write_file(d.path / "6_empty.jpg", {});
    write_file(d.path / "7_12bit.jpg", twelve_bit_jpeg(5));

    warnings w;
    auto src = open_ok(jpeg_dir_source::open(d.path, w.sink(), 75));
    for (int round = 0; round < 4; ++round) {
        CAPTURE(round);
        CHECK(to_bytes(src.next()) == good1);
        // Progressive: re-coded as baseline, the same picture.
        const bytes recoded = to_bytes(src.next());
        CHECK(src.current_index() == 1);
        REQUIRE(rtsp::jpeg::parse(recoded));
        CHECK((pixels_of(recoded) == pixels_of(progressive)));
        CHECK(to_bytes(src.next()) == good2);
        // 4:4:4: re-encoded at 4:2:0.
        const bytes reencoded = to_bytes(src.next());
        CHECK(src.current_index() == 3);
        const auto f = rtsp::jpeg::parse(reencoded);
        REQUIRE(f);
        CHECK(f->is_420());
        CHECK(src.width() == 64);
        CHECK(src.height() == 48);
    }
    REQUIRE(w.lines.size() == 5);
    CHECK(w.count_containing("2_progressive.jpg: progressive JPEG cannot be sent over RFC 2435; re-coded losslessly") == 1);
    CHECK(w.count_containing("4_444.jpg: JPEG luma sampling is not 2x1 (4:2:2) or 2x2 (4:2:0); re-encoded at 4:2:0 at quality 75") == 1);
    CHECK(w.count_containing("5_garbage.jpg: skipped: not a JPEG") == 1);
    CHECK(w.count_containing("6_empty.jpg: skipped:") == 1);
    CHECK(w.count_containing("7_12bit.jpg: skipped: JPEG sample precision is not 8 bits") == 1);
}

TEST_CASE("rtsp-serve jpeg-dir: a file is parsed once, and again when it changes", "[rtsp_serve][jpeg_dir]") {
    temp_dir d;
    const bytes a = make_jpeg(1), b = make_jpeg(2);
    write_file(d.path / "a.jpg", a);
    write_file(d.path / "b.jpg", b);
    warnings w;
    auto src = open_ok(jpeg_dir_source::open(d.path, w.sink()));
    for (int round = 0; round < 3; ++round) {
        CHECK(to_bytes(src.next()) == a);
        CHECK(to_bytes(src.next()) == b);
    }
    CHECK(src.parses() == 2);  // six frames served, each file parsed once

    // Replaced by another usable JPEG: parsed again, served with its own size.
    const bytes wider = make_jpeg(3, {}, 96, 64);
    write_file(d.path / "b.jpg", wider);
    CHECK(to_bytes(src.next()) == a);
    CHECK(to_bytes(src.next()) == wider);
    CHECK(src.width() == 96);
    CHECK(src.height() == 64);
    CHECK(src.parses() == 3);

    // Replaced by garbage: reported and skipped, as at startup.
    write_file(d.path / "b.jpg", bytes(100, std::byte{0x42}));
    CHECK(to_bytes(src.next()) == a);
    CHECK(src.width() == 64);
    CHECK(to_bytes(src.next()) == a);
    REQUIRE(w.lines.size() == 1);
    CHECK(w.count_containing("b.jpg: skipped: not a JPEG") == 1);
}

TEST_CASE("rtsp-serve jpeg-dir: holds one frame in memory", "[rtsp_serve][jpeg_dir]") {
    temp_dir d;
    std::size_t largest = 0, total = 0;
    for (unsigned i = 0; i < 24; ++i) {
        const bytes j = make_jpeg(i, {}, 96 + static_cast<int>(i % 5) * 16, 64);
        largest = std::max(largest, j.size());
        total += j.size();
        char name[16];
        std::snprintf(name, sizeof name, "f%02u.jpg", i);
        write_file(d.path / name, j);
    }
    warnings w;
    auto src = open_ok(jpeg_dir_source::open(d.path, w.sink()));
    for (int i = 0; i < 60; ++i) CHECK(src.next().has_value());
    CHECK(src.buffer_capacity() == largest);
    CHECK(src.buffer_capacity() < total / 10);
}

TEST_CASE("rtsp-serve jpeg-dir: unusable folders are refused with a message", "[rtsp_serve][jpeg_dir]") {
    temp_dir d;
    warnings w;
    CHECK(open_error(jpeg_dir_source::open(d.path / "missing", w.sink())).find("does not exist") !=
          std::string::npos);
    CHECK(open_error(jpeg_dir_source::open(d.path, w.sink())).find("holds no .jpg or .jpeg files") !=
          std::string::npos);
    write_file(d.path / "x.txt", make_jpeg(1));
    CHECK(open_error(jpeg_dir_source::open(d.path, w.sink())).find("holds no .jpg") != std::string::npos);
    CHECK(open_error(jpeg_dir_source::open(d.path / "x.txt", w.sink())).find("is not a folder") !=
          std::string::npos);
    write_file(d.path / "p.jpg", twelve_bit_jpeg(1));
    const std::string e = open_error(jpeg_dir_source::open(d.path, w.sink()));
    CHECK(e.find("none of the files") != std::string::npos);
    CHECK(w.count_containing("p.jpg: skipped: JPEG sample precision") == 1);
}

// --- mjpeg-file -------------------------------------------------------------------------------

TEST_CASE("rtsp-serve mjpeg: splitter walks markers, not bytes", "[rtsp_serve][mjpeg]") {
    rtsp::test::encode_options rst;
    rst.restart_interval = 2;
    const bytes f1 = with_tricky_app1(make_jpeg(1)), f2 = make_jpeg(2, rst), f3 = make_jpeg(3);
    const bytes junk = {std::byte{0x00}, std::byte{0xFF}, std::byte{0x12}};
    const bytes stream = cat({f1, junk, f2, f3});
    const auto r = split_all(stream);
    REQUIRE(r.outcomes.size() == 4);
    CHECK(r.outcomes[0].st == mjpeg_splitter::status::frame);
    CHECK(r.frames[0] == f1);
    CHECK(r.outcomes[0].offset == 0);
    CHECK(r.outcomes[1].st == mjpeg_splitter::status::frame);
    CHECK(r.frames[1] == f2);
    CHECK(r.outcomes[1].skipped == junk.size());
    CHECK(r.outcomes[1].offset == f1.size() + junk.size());
    CHECK(r.frames[2] == f3);
    CHECK(r.outcomes[3].st == mjpeg_splitter::status::end);
    CHECK(rtsp::jpeg::parse(r.frames[0]).has_value());
}

TEST_CASE("rtsp-serve mjpeg: splitter on every truncation of a stream", "[rtsp_serve][mjpeg]") {
    rtsp::test::encode_options rst;
    rst.restart_interval = 1;
    const bytes f1 = with_tricky_app1(make_jpeg(1, {}, 16, 16)), f2 = make_jpeg(2, rst, 24, 16);
    const bytes stream = cat({f1, f2});
    for (std::size_t len = 0; len <= stream.size(); ++len) {
        INFO("length " << len);
        const bytes prefix(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(len));
        const auto r = split_all(prefix);
        std::size_t frames = 0;
        for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
            const auto st = r.outcomes[i].st;
            if (st == mjpeg_splitter::status::frame) {
                CHECK(r.frames[i] == (frames == 0 ? f1 : f2));
                ++frames;
            } else {
                CHECK((st == mjpeg_splitter::status::end || st == mjpeg_splitter::status::truncated));
            }
        }
        CHECK(frames == (len >= stream.size() ? 2u : len >= f1.size() ? 1u : 0u));
        CHECK(r.outcomes.back().st == mjpeg_splitter::status::end);
    }
}

TEST_CASE("rtsp-serve mjpeg: a frame cut short by the next SOI", "[rtsp_serve][mjpeg]") {
    const bytes f1 = make_jpeg(1), f2 = make_jpeg(2);
    const bytes cut(f1.begin(), f1.begin() + static_cast<std::ptrdiff_t>(f1.size() / 2));
    const auto r = split_all(cat({cut, f2}));
    REQUIRE(r.outcomes.size() == 3);
    CHECK(r.outcomes[0].st == mjpeg_splitter::status::truncated);
    CHECK(r.outcomes[1].st == mjpeg_splitter::status::frame);
    CHECK(r.outcomes[1].offset == cut.size());
    CHECK(r.frames[1] == f2);
}

TEST_CASE("rtsp-serve mjpeg-file: frames in order, looping, bad ones reported once", "[rtsp_serve][mjpeg]") {
    temp_dir d;
    const bytes f0 = make_jpeg(1), bad = twelve_bit_jpeg(2), f2 = make_jpeg(3), f3 = make_jpeg(4);
    const bytes tail(f0.begin(), f0.begin() + 40);  // a truncated last frame
    const fs::path file = d.path / "clip.mjpeg";
    write_file(file, cat({f0, bad, f2, f3, tail}));

    warnings w;
    auto src = open_ok(mjpeg_file_source::open(file, w.sink()));
    for (int round = 0; round < 3; ++round) {
        CHECK(to_bytes(src.next()) == f0);
        CHECK(src.current_index() == 0);
        CHECK(src.current_offset() == 0);
        CHECK(to_bytes(src.next()) == f2);
        CHECK(src.current_index() == 2);
        CHECK(src.current_offset() == f0.size() + bad.size());
        CHECK(to_bytes(src.next()) == f3);
    }
    REQUIRE(w.lines.size() == 2);
    CHECK(w.count_containing("clip.mjpeg: frame 1 at byte " + std::to_string(f0.size()) +
                             ": skipped: JPEG sample precision") == 1);
    CHECK(w.count_containing("frame 4 at byte") == 1);
    CHECK(w.count_containing("truncated") == 1);
    // One frame's bytes plus the read buffer, however long the file.
    CHECK(src.buffer_capacity() <= 2 * std::max({f0.size(), bad.size(), f2.size(), f3.size()}) + 64 * 1024);
}

TEST_CASE("rtsp-serve mjpeg-file: a single-frame file repeats", "[rtsp_serve][mjpeg]") {
    temp_dir d;
    const bytes f = with_tricky_app1(make_jpeg(9));
    write_file(d.path / "one.mjpeg", f);
    warnings w;
    auto src = open_ok(mjpeg_file_source::open(d.path / "one.mjpeg", w.sink()));
    for (int i = 0; i < 5; ++i) CHECK(to_bytes(src.next()) == f);
    CHECK(w.lines.empty());
}

TEST_CASE("rtsp-serve mjpeg-file: unusable files are refused with a message", "[rtsp_serve][mjpeg]") {
    temp_dir d;
    warnings w;
    CHECK(open_error(mjpeg_file_source::open(d.path / "nope.mjpeg", w.sink())).find("does not exist") !=
          std::string::npos);
    CHECK(open_error(mjpeg_file_source::open(d.path, w.sink())).find("is a folder") != std::string::npos);
    write_file(d.path / "empty.mjpeg", {});
    CHECK(open_error(mjpeg_file_source::open(d.path / "empty.mjpeg", w.sink())).find("holds no JPEG") !=
          std::string::npos);
    write_file(d.path / "text.mjpeg", bytes(5000, std::byte{'a'}));
    CHECK(open_error(mjpeg_file_source::open(d.path / "text.mjpeg", w.sink())).find("holds no JPEG") !=
          std::string::npos);
    write_file(d.path / "deep.mjpeg", cat({twelve_bit_jpeg(1), twelve_bit_jpeg(2)}));
    w.lines.clear();
    const std::string e = open_error(mjpeg_file_source::open(d.path / "deep.mjpeg", w.sink()));
    CHECK(e.find("no frame") != std::string::npos);
    CHECK(w.count_containing("precision") == 2);
}

TEST_CASE("rtsp-serve mjpeg-file: many frames with one problem are not all reported", "[rtsp_serve][mjpeg]") {
    temp_dir d;
    const bytes good = make_jpeg(1, {}, 80, 32);
    std::vector<bytes> parts;
    for (unsigned i = 0; i < 6; ++i) parts.push_back(twelve_bit_jpeg(10 + i));
    parts.push_back(good);
    bytes all;
    for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
    write_file(d.path / "many.mjpeg", all);
    warnings w;
    auto src = open_ok(mjpeg_file_source::open(d.path / "many.mjpeg", w.sink()));
    CHECK(src.width() == 80);
    CHECK(src.height() == 32);
    for (int i = 0; i < 4; ++i) CHECK(to_bytes(src.next()) == good);
    CHECK(src.current_index() == 6);
    REQUIRE(w.lines.size() == 4);
    CHECK(w.count_containing(": skipped: JPEG sample precision") == 3);
    CHECK(w.count_containing("more frames skipped for the same reason (JPEG sample precision") == 1);
}

TEST_CASE("rtsp-serve mjpeg-file: frames RTP cannot carry are converted, reported once per reason", "[rtsp_serve][mjpeg]") {
    temp_dir d;
    rtsp::test::encode_options optimized, gray;
    optimized.optimize_huffman = true;  // what ffmpeg -f mjpeg writes without -huffman default
    gray.grayscale = true;
    const bytes o1 = make_jpeg(1, optimized), o2 = make_jpeg(2, optimized), g = make_jpeg(3, gray),
                good = make_jpeg(4), o3 = make_jpeg(5, optimized);
    write_file(d.path / "clip.mjpeg", cat({o1, o2, g, good, o3}));
    warnings w;
    auto src = open_ok(mjpeg_file_source::open(d.path / "clip.mjpeg", w.sink(), 60));
    for (int round = 0; round < 2; ++round) {
        CAPTURE(round);
        for (const bytes* lossless : {&o1, &o2}) {
            const bytes frame = to_bytes(src.next());
            REQUIRE(rtsp::jpeg::parse(frame));
            CHECK((pixels_of(frame) == pixels_of(*lossless)));
        }
        const bytes gray_frame = to_bytes(src.next());
        CHECK(src.current_index() == 2);
        REQUIRE(rtsp::jpeg::parse(gray_frame));
        CHECK(to_bytes(src.next()) == good);
        const bytes last = to_bytes(src.next());
        CHECK(src.current_index() == 4);
        CHECK((pixels_of(last) == pixels_of(o3)));
    }
    REQUIRE(w.lines.size() == 2);
    CHECK(w.count_containing("clip.mjpeg: frame 0 at byte 0: JPEG Huffman tables are not the standard ones; "
                             "re-coded losslessly") == 1);
    CHECK(w.count_containing("frame 2 at byte " + std::to_string(o1.size() + o2.size()) +
                             ": JPEG does not have exactly 3 components; re-encoded at 4:2:0 at quality 60") == 1);
    CHECK(w.count_containing("not reported again") == 2);
}
