#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Pools the 32-client UDP runs of bench/run_servers.sh result CSVs and prints, per label and
# size, the per-run ratios BENCHMARKS.md tabulates: gst / GSO floor, ours / GSO floor and
# gst / ours (min, median, max, and how many runs fall below 3).
#   python3 bench/results/pool_runs.py "LABEL=a.csv,b.csv" ["LABEL2=c.csv" ...]
# e.g. from bench/results/:
#   python3 pool_runs.py "first=servers_full.csv,servers_32_clients_rerun.csv,servers_32_clients_rerun2.csv,servers_32_clients_rerun3.csv,servers_32_clients_rerun4.csv,servers_32_udp_long.csv,servers_32_udp_long_epoll.csv,servers_32_udp_1080p_7runs.csv" \
#       "second=servers_full_2.csv,servers_32_clients_rerun5.csv,servers_32_udp_1080p_7runs_2.csv"
import csv
import statistics
import sys


def runs(path):
    """(size, {server: cpu}) for each 32-client UDP run index that has ours, gst and the GSO floor."""
    by_run = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            if r["transport"] != "udp" or r["clients"] != "32":
                continue
            by_run.setdefault((r["size"], r["run"]), {})[r["server"]] = float(r["cpu_s_per_s"])
    return [(k[0], v) for k, v in by_run.items() if {"ours", "gst", "floor-gso"} <= v.keys()]


def main(args):
    if not args:
        print("usage: pool_runs.py LABEL=a.csv,b.csv [LABEL2=c.csv ...]", file=sys.stderr)
        return 2
    for arg in args:
        label, _, files = arg.partition("=")
        pooled = [x for f in files.split(",") for x in runs(f)]
        for size in ("1280x720", "1920x1080"):
            rr = [v for s, v in pooled if s == size]
            if not rr:
                continue
            gf = [v["gst"] / v["floor-gso"] for v in rr]
            of = [v["ours"] / v["floor-gso"] for v in rr]
            go = [v["gst"] / v["ours"] for v in rr]
            print(f"{label} {size}: {len(rr)} runs; gst/GSO floor {min(gf):.2f}, {statistics.median(gf):.2f}, "
                  f"{max(gf):.2f} ({sum(x < 3 for x in gf)} below 3); ours/GSO floor median "
                  f"{statistics.median(of):.2f}; gst/ours {min(go):.2f}, {statistics.median(go):.2f}, "
                  f"{max(go):.2f} ({sum(x < 3 for x in go)} below 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
