// SPDX-License-Identifier: MIT
// rtsp_serve/options.hpp - rtsp-serve's command line, parsed into a struct.
//
// Kept free of I/O and of the server so that every accepted and refused command line can be
// unit-tested: parse_options() either returns the options or a one-line message saying what
// was wrong, and main() prints it with the usage hint and exits with status 2. Checks that
// need the file system (does DIR exist, does it hold any JPEG) belong to the sources.
#pragma once

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rtsp/config.hpp"
#include "rtsp/net/address.hpp"

namespace rtsp_serve {

enum class source_kind : std::uint8_t {
    pattern,     ///< the built-in moving test pattern, encoded at --quality
    jpeg_dir,    ///< a folder of .jpg/.jpeg files, sent as they are
    mjpeg_file,  ///< one file of concatenated JPEGs, sent as they are
    v4l2,        ///< a V4L2 webcam: MJPEG sent as is, YUYV encoded at --quality
};

inline constexpr std::uint16_t default_port = 8554;
inline constexpr std::uint32_t max_fps = 1000;
inline constexpr std::uint32_t max_dimension = 4096;
// Below this RFC 2435's 8-pixel size fields and the pattern's text stop making sense.
inline constexpr std::uint32_t min_dimension = 16;
// rtsp::default_config::max_path_length; longer paths are refused by the server anyway.
inline constexpr std::size_t max_path_length = 64;
inline constexpr std::uint16_t default_multicast_port = 5004;
/// The highest first port: the k-th of max_paths group streams uses port + 2k and its RTCP the
/// next one, so the last RTCP port is port + 2 * max_paths - 1 <= 65535 (the server's own check).
inline constexpr std::uint64_t max_multicast_port = 65536 - 2 * rtsp::default_config::max_paths;

struct options {
    std::uint16_t port = default_port;
    std::string bind_text;               ///< as typed; empty = any address
    rtsp::net::address bind{};           ///< parsed --bind (all zero = any, dual stack)
    std::string path = "/";              ///< always starts with '/'
    std::uint32_t fps = 30;              ///< pattern frame rate and pacing of file sources
    int quality = 90;                    ///< JPEG quality for the pattern (1..100)
    std::uint16_t width = 1280;          ///< pattern size
    std::uint16_t height = 720;
    source_kind source = source_kind::pattern;
    std::string source_arg;              ///< DIR or FILE of jpeg-dir:/mjpeg-file:
    bool quiet = false;                  ///< no status display, no client log lines
    bool verbose = false;                ///< log every RTSP request and response line
    bool help = false;                   ///< --help: print usage and exit 0
    bool list_formats = false;           ///< --list-formats: print the v4l2 device's formats, exit
    std::string user;                    ///< --user: Digest credentials (with --password)
    std::string password;
    std::string multicast_text;          ///< --multicast as typed (host part); empty = off
    rtsp::net::address multicast{};      ///< group and first RTP port
    std::uint8_t multicast_ttl = 1;      ///< --multicast-ttl: this subnet unless asked

    [[nodiscard]] bool bound_to_any() const noexcept { return bind_text.empty(); }
};

/// Why a command line was refused: one line, without the program name.
struct usage_error {
    std::string message;
};

using parse_outcome = std::variant<options, usage_error>;

namespace detail {

// Unsigned decimal, the whole string, no sign, no spaces; nullopt-like false on anything else.
inline bool parse_uint(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

inline bool parse_address(std::string_view text, rtsp::net::address& out) {
    std::string s(text);
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    unsigned char buf[16] = {};
    if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
        out = rtsp::net::address::v4(buf[0], buf[1], buf[2], buf[3]);
        return true;
    }
    if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
        out = rtsp::net::address{};
        out.fam = rtsp::net::family::v6;
        std::memcpy(out.bytes.data(), buf, 16);
        return true;
    }
    return false;
}

// Why `p` (normalized, starts with '/') cannot be a stream path, or "" when it can. Stricter
// than URL syntax on purpose: a name every client sends back unescaped and unchanged.
inline std::string path_problem(std::string_view p) {
    if (p.size() > max_path_length) return "is longer than 64 characters";
    for (char c : p) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
        if (!ok) return "may only contain letters, digits, '-', '_', '.', '~' and '/'";
    }
    if (p == "/") return {};
    std::string_view rest = p.substr(1);
    for (;;) {
        const auto slash = rest.find('/');
        const auto seg = rest.substr(0, slash);
        if (seg.empty()) return "has an empty segment ('//')";
        if (seg == "." || seg == "..") return "has a '.' or '..' segment";
        if (slash == std::string_view::npos) {
            // The server addresses the SDP's track as <path>/track1.
            if (seg == "track1") return "may not end in /track1 (the name of the stream's track)";
            return {};
        }
        rest.remove_prefix(slash + 1);
    }
}

// GROUP, GROUP:PORT, [V6GROUP] or [V6GROUP]:PORT; the port defaults to 5004. Why `text` is not
// a usable multicast group, or "" when it is (stored in out).
inline std::string parse_multicast(std::string_view text, rtsp::net::address& out, std::string& host) {
    std::string_view addr = text, port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return "has no closing ']'";
        addr = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':') return "has something other than :PORT after ']'";
            port_text = text.substr(close + 2);
        }
    } else if (const auto colon = text.find(':'); colon != std::string_view::npos &&
                                                   text.find(':', colon + 1) == std::string_view::npos) {
        addr = text.substr(0, colon);  // one colon: IPv4:PORT (IPv6 has several)
        port_text = text.substr(colon + 1);
    }
    if (!parse_address(addr, out)) return "is not an IP address";
    if (!out.is_multicast()) return "is not a multicast address (IPv4 224.0.0.0 to 239.255.255.255, e.g. 239.255.0.1; IPv6 ff00::/8)";
    std::uint64_t port = default_multicast_port;
    if (!port_text.empty() || text.ends_with(':')) {
        if (!parse_uint(port_text, port) || port < 1024 || port > max_multicast_port || port % 2 != 0)
            return "needs an even port from 1024 to " + std::to_string(max_multicast_port) +
                   " (RTCP takes the next one, other paths the ports above)";
    }
    out.port = static_cast<std::uint16_t>(port);
    host = std::string(addr);
    return {};
}

inline bool parse_size(std::string_view s, std::uint64_t& w, std::uint64_t& h) {
    auto x = s.find_first_of("xX");
    if (x == std::string_view::npos) return false;
    return parse_uint(s.substr(0, x), w) && parse_uint(s.substr(x + 1), h);
}

}  // namespace detail

/// Parses argv[1..] (`args` excludes the program name). Accepts `--opt value` and `--opt=value`.
/// Returns the options, or a usage_error naming the offending option and the accepted range.
inline parse_outcome parse_options(const std::vector<std::string_view>& args) {
    options o;
    auto error = [](std::string m) { return parse_outcome{usage_error{std::move(m)}}; };

    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        std::string_view name = arg, inline_value;
        bool has_inline = false;
        if (arg.starts_with("--")) {
            if (auto eq = arg.find('='); eq != std::string_view::npos) {
                name = arg.substr(0, eq);
                inline_value = arg.substr(eq + 1);
                has_inline = true;
            }
        }

        // Flags take no value.
        auto flag = [&](bool& f) -> bool {
            if (has_inline) return false;
            f = true;
            return true;
        };
        if (name == "--help" || name == "-h") {
            if (!flag(o.help)) return error(std::string(name) + " takes no value");
            continue;
        }
        if (name == "--list-formats") {
            if (!flag(o.list_formats)) return error("--list-formats takes no value");
            continue;
        }
        if (name == "--quiet" || name == "-q") {
            if (!flag(o.quiet)) return error(std::string(name) + " takes no value");
            continue;
        }
        if (name == "--verbose" || name == "-v") {
            if (!flag(o.verbose)) return error(std::string(name) + " takes no value");
            continue;
        }

        static constexpr std::string_view with_value[] = {"--port", "--bind", "--path", "--fps",
                                                          "--quality", "--size", "--source",
                                                          "--user", "--password", "--multicast",
                                                          "--multicast-ttl"};
        bool known = false;
        for (auto k : with_value) known = known || name == k;
        if (!known) {
            if (arg.starts_with("-")) return error("unknown option '" + std::string(arg) + "'");
            return error("unexpected argument '" + std::string(arg) + "'");
        }
        std::string_view value;
        if (has_inline) {
            value = inline_value;
        } else {
            if (i + 1 >= args.size()) return error(std::string(name) + " needs a value");
            value = args[++i];
        }
        const std::string n(name), v(value);

        if (name == "--port") {
            std::uint64_t p = 0;
            if (!detail::parse_uint(value, p) || p < 1 || p > 65535)
                return error("--port must be a number from 1 to 65535, not '" + v + "'");
            o.port = static_cast<std::uint16_t>(p);
        } else if (name == "--bind") {
            if (!detail::parse_address(value, o.bind))
                return error("--bind must be an IPv4 or IPv6 address such as 0.0.0.0, "
                             "127.0.0.1 or ::1, not '" + v + "'");
            // An explicit "any" address means the same as no --bind.
            bool zero = true;
            for (auto b : o.bind.bytes) zero = zero && b == 0;
            o.bind_text = zero ? std::string{} : v;
            if (!o.bind_text.empty() && o.bind_text.front() == '[')
                o.bind_text = o.bind_text.substr(1, o.bind_text.size() - 2);
        } else if (name == "--path") {
            if (value.empty() || value.front() != '/')
                return error("--path must start with '/', e.g. --path /cam, not '" + v + "'");
            // "/cam/" and "/cam" name the same stream; keep one spelling.
            std::string p = v;
            while (p.size() > 1 && p.back() == '/') p.pop_back();
            if (auto why = detail::path_problem(p); !why.empty())
                return error("--path '" + v + "' " + why);
            o.path = p;
        } else if (name == "--fps") {
            std::uint64_t f = 0;
            if (!detail::parse_uint(value, f) || f < 1 || f > max_fps)
                return error("--fps must be a whole number from 1 to 1000, not '" + v + "'");
            o.fps = static_cast<std::uint32_t>(f);
        } else if (name == "--quality") {
            std::uint64_t q = 0;
            if (!detail::parse_uint(value, q) || q < 1 || q > 100)
                return error("--quality must be a number from 1 to 100, not '" + v + "'");
            o.quality = static_cast<int>(q);
        } else if (name == "--size") {
            std::uint64_t w = 0, h = 0;
            if (!detail::parse_size(value, w, h))
                return error("--size must be WIDTHxHEIGHT, e.g. 1280x720, not '" + v + "'");
            if (w > max_dimension || h > max_dimension)
                return error("--size " + v + " is too large (at most 4096x4096)");
            if (w < min_dimension || h < min_dimension)
                return error("--size " + v + " is too small (at least 16x16)");
            if (w % 2 != 0)
                return error("--size " + v + ": the width must be even");
            o.width = static_cast<std::uint16_t>(w);
            o.height = static_cast<std::uint16_t>(h);
        } else if (name == "--user" || name == "--password") {
            // Both end up inside quoted strings of the Digest exchange and in MD5 input.
            if (value.empty() || value.size() > 64)
                return error(n + " must be 1 to 64 characters");
            for (char ch : value)
                if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f || ch == '"' || ch == '\\' ||
                    (name == "--user" && ch == ':'))
                    return error(n + " must not contain control characters, quotes or backslashes" +
                                 std::string(name == "--user" ? " (or ':')" : ""));
            (name == "--user" ? o.user : o.password) = v;
        } else if (name == "--multicast") {
            if (auto why = detail::parse_multicast(value, o.multicast, o.multicast_text); !why.empty())
                return error("--multicast '" + v + "' " + why);
        } else if (name == "--multicast-ttl") {
            std::uint64_t t = 0;
            if (!detail::parse_uint(value, t) || t > 255)
                return error("--multicast-ttl must be a number from 0 to 255, not '" + v + "'");
            o.multicast_ttl = static_cast<std::uint8_t>(t);
        } else if (name == "--source") {
            if (value == "pattern") {
                o.source = source_kind::pattern;
                o.source_arg.clear();
            } else if (value.starts_with("jpeg-dir:")) {
                o.source = source_kind::jpeg_dir;
                o.source_arg = v.substr(9);
                if (o.source_arg.empty()) return error("--source jpeg-dir: needs a folder, e.g. jpeg-dir:./frames");
            } else if (value.starts_with("mjpeg-file:")) {
                o.source = source_kind::mjpeg_file;
                o.source_arg = v.substr(11);
                if (o.source_arg.empty()) return error("--source mjpeg-file: needs a file, e.g. mjpeg-file:clip.mjpeg");
            } else if (value.starts_with("v4l2:")) {
                o.source = source_kind::v4l2;
                o.source_arg = v.substr(5);
                if (o.source_arg.empty()) return error("--source v4l2: needs a device, e.g. v4l2:/dev/video0");
            } else {
                return error("--source must be pattern, jpeg-dir:DIR or mjpeg-file:FILE (or v4l2:/dev/videoN), not '" + v + "'");
            }
        }
    }
    if (o.user.empty() != o.password.empty())
        return error("--user and --password go together (Digest authentication needs both)");
    if (o.list_formats && o.source != source_kind::v4l2)
        return error("--list-formats needs --source v4l2:/dev/videoN");
    if (o.quiet && o.verbose) return error("--quiet and --verbose cannot be used together");
    return o;
}

/// The URL path of the stream in a form ready to append to "rtsp://host:port".
[[nodiscard]] inline std::string url_for(std::string_view host, bool host_is_v6, std::uint16_t port,
                                         std::string_view path) {
    std::string u = "rtsp://";
    if (host_is_v6) u += '[';
    u += host;
    if (host_is_v6) u += ']';
    u += ':';
    u += std::to_string(port);
    u += path;
    return u;
}

inline constexpr std::string_view usage_text =
    R"(Usage: rtsp-serve [options]

Serves live JPEG video over RTSP (RTP/JPEG, RFC 2435) to VLC, ffplay, GStreamer, OpenCV, NVRs.

Options:
  --port N          RTSP TCP port, 1..65535 (default 8554)
  --bind ADDR       listen on this IPv4/IPv6 address only (default: every address)
  --path /P         stream path; clients open rtsp://HOST:PORT/P (default /)
  --fps N           frames per second, 1..1000: the pattern's rate, how fast
                    file frames are served, the rate asked of a webcam (default 30)
  --quality N       JPEG quality of the test pattern, of YUYV webcam frames and of
                    files that must be re-encoded (see below), 1..100 (default 90)
  --size WxH        test pattern size, or the size asked of a webcam, up to
                    4096x4096, even width (default 1280x720)
  --source S        what to stream (default pattern):
                      pattern           moving colour bars, a bouncing box, a frame
                                        counter and a clock, to judge smoothness
                                        and latency
                      jpeg-dir:DIR      DIR's .jpg/.jpeg files in name order, looping,
                                        sent as they are when RTP can carry them
                      mjpeg-file:FILE   concatenated JPEGs (e.g. ffmpeg -f mjpeg),
                                        looping, sent as they are likewise
                      v4l2:/dev/videoN  a Linux webcam: MJPEG sent without
                                        re-encoding, else YUYV encoded at --quality;
                                        --size and --fps are asked of the driver and
                                        the granted values printed
  --list-formats    with --source v4l2:DEV, list the camera's formats, sizes
                    and frame rates, then exit
  --user U          require RTSP Digest authentication as user U (with --password);
                    clients open rtsp://U:P@HOST:PORT/P
  --password P      the password for --user (visible in the process list: use a
                    throwaway one)
  --multicast G[:P] also offer UDP multicast: clients that ask for it (ffplay
                    -rtsp_transport udp_multicast, VLC --rtsp-mcast, GStreamer
                    rtspsrc protocols=udp-mcast) join group G, port P (even,
                    default 5004), sent once per frame however many watch;
                    e.g. 239.255.0.1. With --bind ADDR it leaves by ADDR's
                    interface
  --multicast-ttl N time to live of multicast packets (IP TTL), 0..255
                    (default 1: this subnet only)
  --quiet, -q       no status display
  --verbose, -v     log every RTSP request and response line
  --help, -h        this text

RTP carries baseline JPEGs with the standard Huffman tables at 4:2:0 or 4:2:2
(RFC 2435). Other files are converted, one frame at a time, and the conversion
is reported once: progressive, optimized-Huffman or arithmetic-coded JPEGs
losslessly (the same picture), 4:4:4 or grayscale ones re-encoded at --quality.
Files that are not JPEGs, are broken, 12-bit or CMYK are reported and skipped.

Examples:
  rtsp-serve
      test pattern at rtsp://127.0.0.1:8554/
  rtsp-serve --port 9000 --path /cam --size 640x480 --fps 60 --quality 75
      smaller, faster pattern at rtsp://127.0.0.1:9000/cam
  rtsp-serve --source jpeg-dir:./frames --fps 10
      the folder's JPEGs at 10 frames per second
  ffmpeg -i in.mp4 -vf format=yuvj420p -q:v 3 -huffman default -f mjpeg clip.mjpeg
  rtsp-serve --source mjpeg-file:clip.mjpeg --fps 25
      a video converted to motion JPEG that RTP can carry as it is (4:2:0,
      standard Huffman tables: without -huffman default rtsp-serve would
      have to re-code every frame, which costs CPU)
  rtsp-serve --source v4l2:/dev/video0 --list-formats
      what the webcam offers
  rtsp-serve --source v4l2:/dev/video0 --size 1280x720 --fps 30 --path /cam
      the webcam at rtsp://127.0.0.1:8554/cam
  rtsp-serve --bind 127.0.0.1 --verbose
      local clients only, with the RTSP dialogue printed
  rtsp-serve --multicast 239.255.0.1
      unicast as always, and multicast for clients that ask for it

Watch with:
  ffplay -rtsp_transport tcp -fflags nobuffer -flags low_delay rtsp://127.0.0.1:8554/
  vlc --network-caching=200 rtsp://127.0.0.1:8554/
  gst-launch-1.0 rtspsrc location=rtsp://127.0.0.1:8554/ latency=100 ! rtpjpegdepay ! jpegdec ! videoconvert ! autovideosink

Exit status: 0 after Ctrl-C or SIGTERM, 1 when the server cannot start (e.g. the port
is in use), 2 for a bad command line or an unusable source.
)";

}  // namespace rtsp_serve
