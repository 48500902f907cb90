#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the pure-layers benchmark in Release and runs it the way BENCHMARKS.md reports it:
# 5 repetitions, medians (and mean/stddev/cv) only. Prints the machine, then writes the
# markdown section to paste into BENCHMARKS.md (path printed at the end; default
# build/bench-release/pure_layers.md, or the first argument).
# Extra Google Benchmark flags can be given in BENCH_FLAGS (e.g. --benchmark_filter=1920).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/bench-release"
out=${1:-"$build/pure_layers.md"}

echo "== configure + build (Release) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DRTSP_BUILD_TESTS=OFF -DRTSP_BUILD_EXAMPLES=OFF -DRTSP_BUILD_BENCH=ON -DRTSP_INSTALL=OFF >/dev/null
cmake --build "$build" --target rtsp_bench_pure_layers

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)
machine="${cpu:-unknown CPU}, $(nproc) CPUs (nproc), Linux $(uname -r), $(c++ --version | head -n1)"
echo "== machine: $machine"

flags=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true)
# shellcheck disable=SC2206  # BENCH_FLAGS is a list of flags on purpose
flags+=(${BENCH_FLAGS:-})
table=$(mktemp)
trap 'rm -f "$table"' EXIT
echo "== run: bench/rtsp_bench_pure_layers ${flags[*]}"
"$build/bench/rtsp_bench_pure_layers" "${flags[@]}" --markdown_out="$table"

mkdir -p "$(dirname "$out")"
{
  echo "## Pure layers (parse + packetize)"
  echo
  echo "Command: \`bash bench/run_pure_layers.sh\` (Release build; runs"
  echo "\`rtsp_bench_pure_layers ${flags[*]}\`; medians of 5 repetitions, CPU time)."
  echo
  echo "Machine: $machine, $(date -u +%Y-%m-%d)."
  echo
  cat "$table"
} >"$out"
echo
echo "== markdown for BENCHMARKS.md written to $out"
