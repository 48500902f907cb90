#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# bench/plot_servers.py - turns bench/run_servers.sh's results.csv (+ alloc.txt, encoder.csv)
# into the markdown tables of BENCHMARKS.md (summary.md) and the plot cpu_per_frame.png:
# server CPU per frame per client against the number of clients, for us, gst-rtsp-server and
# the kernel floors. Every figure is the median over the runs; every ratio is computed within
# one run (same index, taken back to back) and then the median of those is reported.
#   /usr/bin/python3 bench/plot_servers.py OUT_DIR
import csv
import os
import re
import statistics
import sys

out = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
FPS = 30


def key(r):
    return (r["server"], r["transport"], r["size"], int(r["clients"]), int(r["run"]))


by = {key(r): r for r in rows}
sizes = sorted({r["size"] for r in rows}, key=lambda s: int(s.split("x")[0]))
clients = sorted({int(r["clients"]) for r in rows})
runs = sorted({int(r["run"]) for r in rows})


def cpu(server, transport, size, n, run):
    r = by.get((server, transport, size, n, run))
    return float(r["cpu_s_per_s"]) if r and r["cpu_s_per_s"] not in ("", "nan") else None


def med(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def med_cpu(server, transport, size, n):
    return med(cpu(server, transport, size, n, k) for k in runs)


def ratios(a, b, transport_a, transport_b, size, n):
    """a's CPU over b's, run by run (None where either is missing)."""
    out = []
    for k in runs:
        x, y = cpu(a, transport_a, size, n, k), cpu(b, transport_b, size, n, k)
        out.append(x / y if x is not None and y else None)
    return out


def ratio(a, b, transport_a, transport_b, size, n):
    return med(ratios(a, b, transport_a, transport_b, size, n))


def f(x, fmt="%.3f"):
    return "-" if x is None else fmt % x


lines = []
lines.append("Server CPU seconds per second (medians of %d runs); ratios computed per run, then the median." % len(runs))
lines.append("")
lines.append("| size | clients | ours UDP | gst UDP | floor sendto | floor sendmmsg | floor GSO | ours TCP | gst TCP "
             "| ours/GSO floor (UDP) | gst/ours (UDP) | ours/gst (TCP) |")
lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for size in sizes:
    for n in clients:
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            size, n,
            f(med_cpu("ours", "udp", size, n)), f(med_cpu("gst", "udp", size, n)),
            f(med_cpu("floor-sendto", "udp", size, n)), f(med_cpu("floor-sendmmsg", "udp", size, n)),
            f(med_cpu("floor-gso", "udp", size, n)),
            f(med_cpu("ours", "tcp", size, n)), f(med_cpu("gst", "tcp", size, n)),
            f(ratio("ours", "floor-gso", "udp", "udp", size, n), "%.2f"),
            f(ratio("gst", "ours", "udp", "udp", size, n), "%.2f"),
            f(ratio("ours", "gst", "tcp", "tcp", size, n), "%.2f")))
lines.append("")

# The same ratios run by run, for the most clients: the spread behind each median.
nmost = clients[-1]
lines.append("Per run with %d clients (run 1, 2, ...):" % nmost)
lines.append("")
lines.append("| size | ours/GSO floor (UDP) | gst/ours (UDP) | ours/gst (TCP) |")
lines.append("|---|---|---|---|")
def listed(values):
    return ", ".join("-" if v is None else "%.2f" % v for v in values)


for size in sizes:
    lines.append("| %s | %s | %s | %s |" % (size, listed(ratios("ours", "floor-gso", "udp", "udp", size, nmost)),
                                          listed(ratios("gst", "ours", "udp", "udp", size, nmost)),
                                          listed(ratios("ours", "gst", "tcp", "tcp", size, nmost))))
lines.append("")

# Delivery: every client must get every frame complete.
lines.append("Delivery over the windows (all runs): incomplete frames, lost packets, slowest client's complete frames per second.")
lines.append("")
lines.append("| server | transport | size | clients | incomplete | lost | min client fps (worst run) |")
lines.append("|---|---|---|---:|---:|---:|---:|")
for server in ("ours", "gst"):
    for transport in ("udp", "tcp"):
        for size in sizes:
            for n in clients:
                rs = [by.get((server, transport, size, n, k)) for k in runs]
                rs = [r for r in rs if r and r["complete"] != ""]
                if not rs:
                    continue
                lines.append("| %s | %s | %s | %d | %d | %d | %.2f |" % (
                    server, transport.upper(), size, n,
                    sum(int(r["incomplete"]) for r in rs), sum(int(r["lost"]) for r in rs),
                    min(float(r["min_client_fps"]) for r in rs)))
lines.append("")

# Time to first frame and RSS with the most clients.
nmax = clients[-1]
lines.append("Time from PLAY to the first complete frame with %d clients (median over clients, then over runs), "
             "and resident memory of the server process at the end of the window:" % nmax)
lines.append("")
lines.append("| server | transport | size | PLAY -> first frame, median (ms) | worst client (ms, median of runs) | RSS (MB) |")
lines.append("|---|---|---|---:|---:|---:|")
for server in ("ours", "gst"):
    for transport in ("udp", "tcp"):
        for size in sizes:
            rs = [by.get((server, transport, size, nmax, k)) for k in runs]
            rs = [r for r in rs if r and r["ttff_median_ms"] != ""]
            if not rs:
                continue
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                server, transport.upper(), size,
                f(med(float(r["ttff_median_ms"]) for r in rs), "%.1f"),
                f(med(float(r["ttff_max_ms"]) for r in rs), "%.1f"),
                f(med(int(r["rss_kb"]) / 1024 for r in rs if r["rss_kb"]), "%.1f")))
lines.append("")

paths = sorted({r["note"] for r in rows if r["server"] == "floor-gso"})
gso_paths = sorted({p.split()[0] for p in paths if p})
lines.append("GSO floor path that ran: %s." % ", ".join(gso_paths))
lines.append("")

# Allocations.
alloc_path = os.path.join(out, "alloc.txt")
if os.path.exists(alloc_path):
    txt = open(alloc_path).read()
    reps = re.findall(r"alloc_counter: allocs=(\d+) bytes=(\d+) sizes=(\S+)", txt)
    win = re.search(r"window_s=([\d.]+)", txt)
    if len(reps) >= 2 and win:
        a0, a1 = int(reps[-2][0]), int(reps[-1][0])
        frames = float(win.group(1)) * FPS
        lines.append("Heap allocations of rtsp_serve_alloc (rtsp-serve + alloc_counter.cpp), 32 UDP clients, "
                     "%s, over a %.1f s steady window (~%d frames): %d allocations = %.2f per frame; sizes "
                     "(bytes x count): %s." % (sizes[0], float(win.group(1)), frames, a1 - a0, (a1 - a0) / frames,
                                                reps[-1][2]))
        lines.append("")

# Encoder.
enc_path = os.path.join(out, "encoder.csv")
if os.path.exists(enc_path):
    txt = open(enc_path).read()
    start = txt.find("name,")
    er = list(csv.DictReader(txt[start:].splitlines())) if start >= 0 else []
    cputime = {}
    for r in er:
        name = r["name"]
        if name.endswith("_median"):
            cputime[name[:-7]] = float(r["cpu_time"])
    lines.append("Encoder, quality 90, 4:2:0, CPU time per frame (ms, median of 10 repetitions, randomly interleaved):")
    lines.append("")
    lines.append("| size | turbojpeg_encoder RGB | tjCompress2 RGB | ratio | turbojpeg_encoder YUYV | "
                 "tjCompressFromYUVPlanes (pre-split planes) | ratio YUYV / planes | ratio YUYV / tjCompress2 RGB |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for w, h in ((1280, 720), (1920, 1080)):
        e_rgb = cputime.get("encoder/rgb/%d/%d" % (w, h))
        t_rgb = cputime.get("tj_rgb/%d/%d" % (w, h))
        e_yuyv = cputime.get("encoder/yuyv/%d/%d" % (w, h))
        t_pl = cputime.get("tj_planes/%d/%d" % (w, h))
        ms = lambda x: None if x is None else x / 1e6 if x > 1e4 else x  # ns or ms
        r = lambda a, b: None if a is None or not b else a / b
        lines.append("| %dx%d | %s | %s | %s | %s | %s | %s | %s |" % (
            w, h, f(ms(e_rgb), "%.2f"), f(ms(t_rgb), "%.2f"), f(r(e_rgb, t_rgb), "%.3f"),
            f(ms(e_yuyv), "%.2f"), f(ms(t_pl), "%.2f"), f(r(e_yuyv, t_pl), "%.3f"), f(r(e_yuyv, t_rgb), "%.3f")))
    lines.append("")

open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))

# The plot: CPU microseconds per frame per client.
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

series = [("ours", "udp", "rtsp-serve UDP", "C0", "-o"), ("ours", "tcp", "rtsp-serve TCP", "C0", "--s"),
          ("gst", "udp", "gst-rtsp-server UDP", "C3", "-o"), ("gst", "tcp", "gst-rtsp-server TCP", "C3", "--s"),
          ("floor-sendto", "udp", "floor: sendto", "0.5", ":^"),
          ("floor-sendmmsg", "udp", "floor: sendmmsg", "0.3", ":v"),
          ("floor-gso", "udp", "floor: UDP GSO", "k", ":D")]
fig, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 4.5), squeeze=False)
for ax, size in zip(axes[0], sizes):
    for server, transport, label, color, style in series:
        xs, ys = [], []
        for n in clients:
            c = med_cpu(server, transport, size, n)
            if c is not None:
                xs.append(n)
                ys.append(c / (FPS * n) * 1e6)
        if xs:
            ax.plot(xs, ys, style, color=color, label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(clients)
    ax.set_xticklabels([str(n) for n in clients])
    ax.set_xlabel("receive-only clients")
    ax.set_ylabel("server CPU per frame per client (µs)")
    ax.set_title("%s JPEG at %d fps, loopback" % (size, FPS))
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
axes[0][0].legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(out, "cpu_per_frame.png"), dpi=100)
