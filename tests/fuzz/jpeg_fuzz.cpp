// SPDX-License-Identifier: MIT
// jpeg_fuzz.cpp - libFuzzer target for the JPEG parser (rtsp::jpeg::parse) and the RFC 2435
// packetizer run on whatever it accepts.
//
// Frames come from the application (a camera, a file, an encoder), so the parser must refuse
// anything RFC 2435 cannot carry without ever reading outside the buffer. For an accepted
// frame the packetizer is checked at several MTUs, in-band tables (Q=255) and not (Q=50):
// the packets cover the scan exactly, in order and without overlap; every packet fits the MTU
// and all but the last fill it exactly (UDP GSO needs equal segments); the marker is on the
// last one only. The packets are then fed to the strict reference depayloader
// (tests/support/rfc2435_depayloader.hpp) and the JPEG it rebuilds must parse back to the
// same frame: what a client reassembles is what we sent.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <rtsp/jpeg/parser.hpp>
#include <rtsp/rtp/jpeg_packetizer.hpp>

#include "fuzz_check.hpp"
#include "rfc2435_depayloader.hpp"

using namespace rtsp;
using rtsp::fuzz::within;

namespace {

bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

void check_packets(const jpeg::frame& f, std::size_t mtu, std::uint8_t q) {
    rtp::jpeg_packetizer_options opt;
    opt.mtu = mtu;
    opt.q = q;
    const auto p = rtp::jpeg_packetizer::create(f, opt);
    if (!p) {
        // A frame the parser accepted is refused only for an MTU too small for its tables.
        FUZZ_CHECK(p.error() == errc::mtu_too_small);
        FUZZ_CHECK(mtu < rtp::header_size + rtp::max_payload_header_size);
        return;
    }
    FUZZ_CHECK(p->packet_count() >= 1);
    std::array<std::byte, rtp::max_payload_header_size> hdr{};
    std::size_t next = 0;
    for (std::size_t i = 0; i < p->packet_count(); ++i) {
        const auto pk = p->get(i, hdr);
        FUZZ_CHECK(pk.fragment_offset == next);
        FUZZ_CHECK(within(pk.scan, f.scan));
        FUZZ_CHECK(pk.scan.data() == f.scan.data() + next || pk.scan.empty());
        FUZZ_CHECK(pk.last == (i + 1 == p->packet_count()));
        const std::size_t bytes = rtp::header_size + pk.header_size + pk.scan.size();
        FUZZ_CHECK(bytes <= mtu);
        if (!pk.last) FUZZ_CHECK(bytes == mtu && !pk.scan.empty());
        next += pk.scan.size();
    }
    FUZZ_CHECK(next == f.scan.size());

    // What a receiver rebuilds parses back to the same frame.
    test::rfc2435_depayload_options dopt;
    dopt.x_width = f.width;
    dopt.x_height = f.height;
    const auto d = test::depayload_rfc2435(test::rtp_packets(*p), dopt);
    if (!d.ok()) std::fprintf(stderr, "depayloader: %s\n", d.error.c_str());
    FUZZ_CHECK(d.ok());
    const auto back = jpeg::parse(d.jpeg);
    FUZZ_CHECK(back);
    FUZZ_CHECK(back->type == f.type && back->restart_interval == f.restart_interval);
    FUZZ_CHECK(same_bytes(back->scan, f.scan));
    if (p->needs_x_dimensions()) {
        FUZZ_CHECK(back->width == f.width && back->height == f.height);
    } else {
        // The main header carries the size in 8-pixel blocks.
        FUZZ_CHECK((back->width + 7) / 8 == (f.width + 7) / 8);
        FUZZ_CHECK((back->height + 7) / 8 == (f.height + 7) / 8);
    }
    if (q >= 128) FUZZ_CHECK(same_bytes(back->luma.data, f.luma.data) && same_bytes(back->chroma.data, f.chroma.data));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Exactly sized heap copy: ASan catches a read one byte past the end.
    std::vector<std::byte> buf(size);
    if (size) std::memcpy(buf.data(), data, size);
    const auto f = jpeg::parse(buf);
    if (!f) {
        FUZZ_CHECK(f.error() != errc{} && f.error() != errc::need_more);
        return 0;
    }
    FUZZ_CHECK(f->width > 0 && f->height > 0);
    FUZZ_CHECK(f->type == jpeg::type_420 || f->type == jpeg::type_422 ||
               f->type == (jpeg::type_420 | jpeg::type_restart_flag) ||
               f->type == (jpeg::type_422 | jpeg::type_restart_flag));
    FUZZ_CHECK(f->has_restart_markers() == (f->restart_interval != 0));
    FUZZ_CHECK(f->luma.data.size() == 64 || f->luma.data.size() == 128);
    FUZZ_CHECK(f->chroma.data.size() == 64 || f->chroma.data.size() == 128);
    FUZZ_CHECK(within(f->luma.data, buf) && within(f->chroma.data, buf) && within(f->scan, buf));
    FUZZ_CHECK(f->scan.size() <= jpeg::max_scan_size);

    check_packets(*f, 1396, 255);                        // the server's packet size (TCP-safe)
    check_packets(*f, 300, 255);                         // many small packets
    check_packets(*f, 256 + (size * 7919) % 1800, 255);  // an input-dependent size
    check_packets(*f, 1396, 50);                         // no in-band tables
    check_packets(*f, 64, 50);                           // tiny: headers leave a few scan bytes
    return 0;
}
