#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run_fuzzers.sh - builds the libFuzzer targets of tests/fuzz with clang in their own build
# directory and runs each for a bounded time from its seed corpus, under ASan + UBSan.
#
#   tests/fuzz/run_fuzzers.sh [--seconds TOTAL] [--build-dir DIR] [--work-dir DIR]
#                             [--cxx clang++] [--only "server jpeg"] [--seeds-only]
#
# TOTAL seconds (default 60) are shared out: the whole-server target gets a third, the parsers
# the rest equally. New corpus entries go to WORK_DIR/<target>/corpus (the seed directory in
# the source tree is only read), crash/leak/timeout inputs to WORK_DIR/<target>/. --seeds-only
# runs every seed once (a quick regression check). Exit status: 0 when every target ran clean;
# otherwise 1, after printing each failing target's log tail and artifacts.
# For a long run by hand: tests/fuzz/run_fuzzers.sh --seconds 3600 --only server
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
total=60
build_dir=${TMPDIR:-/tmp}/rtsp-fuzz-build
work_dir=${TMPDIR:-/tmp}/rtsp-fuzz-runs
cxx=${CXX_FUZZ:-}
only=""
seeds_only=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) total=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --work-dir) work_dir=$2; shift 2 ;;
    --cxx) cxx=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --seeds-only) seeds_only=1; shift ;;
    *) echo "run_fuzzers.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ -z $cxx ]]; then
  for c in clang++ clang++-19 clang++-18 clang++-17 clang++-16 clang++-15 clang++-14; do
    if command -v "$c" >/dev/null; then cxx=$c; break; fi
  done
fi
[[ -n $cxx ]] || { echo "run_fuzzers.sh: clang++ not found" >&2; exit 1; }

targets=$(sed -n 's/^set(RTSP_FUZZ_TARGETS \(.*\))$/\1/p' "$here/CMakeLists.txt")
# Same rule as CMakeLists.txt: the Authorization target exists once the header does.
if [[ -f $here/../../include/rtsp/protocol/auth.hpp ]]; then targets="$targets auth"; fi
[[ -n $only ]] && targets=$only

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
echo "== building fuzz targets with $cxx in $build_dir"
start=$(date +%s)
cmake -S "$here" -B "$build_dir" "${generator[@]}" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
build_targets=()
for t in $targets; do build_targets+=(--target "fuzz_$t"); done
cmake --build "$build_dir" --parallel 2 "${build_targets[@]}"
echo "== built in $(( $(date +%s) - start )) s"

# libFuzzer reports leaks itself; abort_on_error gives a core-style stack, halt on UBSan.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

n=$(wc -w <<<"$targets")
server_share=$(( total / 3 ))
if [[ " $targets " == *" server "* && $n -gt 1 ]]; then
  other=$(( (total - server_share) / (n - 1) ))
else
  other=$(( total / n )); server_share=$other
fi
(( other >= 1 )) || other=1
(( server_share >= 1 )) || server_share=1

failed=()
printf '%-16s %8s %10s %8s %6s  %s\n' target seconds executions exec/s corpus result
summary=()
for t in $targets; do
  secs=$other
  [[ $t == server ]] && secs=$server_share
  out="$work_dir/$t"
  mkdir -p "$out/corpus"
  seeds="$here/corpus/$t"
  args=(-timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 -artifact_prefix="$out/")
  [[ -f $here/dict/$t.dict ]] && args+=(-dict="$here/dict/$t.dict")
  if (( seeds_only )); then
    args+=(-runs=0)
  else
    args+=(-max_total_time="$secs")
  fi
  log="$out/log.txt"
  if "$build_dir/fuzz_$t" "${args[@]}" "$out/corpus" "$seeds" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    failed+=("$t")
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$out/corpus" -type f | wc -l)
  line=$(printf '%-16s %8s %10s %8s %6s  %s' "$t" "$secs" "${execs:-?}" "${rate:-?}" "$corpus" "$result")
  echo "$line"
  summary+=("$line")
done

for t in "${failed[@]}"; do
  echo "---- fuzz_$t failed; last lines of $work_dir/$t/log.txt:"
  tail -n 40 "$work_dir/$t/log.txt"
  ls -l "$work_dir/$t"/crash-* "$work_dir/$t"/leak-* "$work_dir/$t"/timeout-* "$work_dir/$t"/oom-* 2>/dev/null || true
  echo "reproduce: $build_dir/fuzz_$t <artifact>"
done
(( ${#failed[@]} == 0 ))
