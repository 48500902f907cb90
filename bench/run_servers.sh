#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The server benchmark of BENCHMARKS.md: rtsp-serve against gst-rtsp-server and the kernel
# floors, serving the same JPEG files at 30 fps to 1, 8 and 32 receive-only clients over UDP
# and TCP, at 1280x720 and 1920x1080, all on loopback. Not part of CI (about 20 minutes).
#
#   bash bench/run_servers.sh [OUT_DIR]        (default build/bench-release/servers)
#   env: RUNS=3 WARMUP=1.5 WINDOW=4 CLIENTS="1 8 32" SIZES="1280x720 1920x1080" TRANSPORTS="udp tcp"
#
# Per configuration and run: start the server, start bench's load client, wait until every
# session is PLAYing plus WARMUP seconds, read utime+stime of the server from /proc/PID/stat,
# wait WINDOW seconds, read again: CPU seconds per second of the whole server process (all its
# threads). The load client counts complete/incomplete frames and lost packets over the same
# window. Runs of one index are taken back to back (ours, gst-rtsp-server, the floors), so the
# ratios are computed per run and then their median is reported. Also: rtsp-serve's RSS, the
# allocation count of the rtsp_serve_alloc build, and the encoder micro-benchmark.
# Needs: cjpeg (libjpeg-turbo-progs), /usr/bin/python3 with gi (python3-gi,
# gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-good for rtpjpegpay) and matplotlib.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-"$root/build/bench-release"}
out=${1:-"$build/servers"}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1.5}
WINDOW=${WINDOW:-4}
CLIENTS=${CLIENTS:-"1 8 32"}
SIZES=${SIZES:-"1280x720 1920x1080"}
TRANSPORTS=${TRANSPORTS:-"udp tcp"}
PY=/usr/bin/python3  # Debian's, where python3-gi and python3-matplotlib live

mkdir -p "$out"
csv="$out/results.csv"
log="$out/log.txt"
: >"$log"

echo "== build (Release) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRTSP_BUILD_TESTS=OFF \
  -DRTSP_BUILD_EXAMPLES=ON -DRTSP_BUILD_BENCH=ON -DRTSP_INSTALL=OFF >/dev/null
cmake --build "$build" --target rtsp-serve rtsp_serve_alloc rtsp_load_client rtsp_floor rtsp_bench_encoder
serve="$build/examples/rtsp-serve"
serve_alloc="$build/bench/rtsp_serve_alloc"
client="$build/bench/rtsp_load_client"
floor="$build/bench/rtsp_floor"

# --- the frames: 4 generated pictures per size, through cjpeg -quality 90 (baseline, 4:2:0) ---
for size in $SIZES; do
  d="$out/jpeg-$size"
  [ -n "$(ls "$d"/*.jpg 2>/dev/null)" ] && continue
  mkdir -p "$d"
  "$PY" - "${size%x*}" "${size#*x}" 4 "$d" <<'EOF'
import sys
w, h, n, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for k in range(n):  # gradients, a moving checkerboard and some texture: ~75 KB at 720p
    rows = []
    for y in range(h):
        r = bytearray(w * 3)
        g = (y * 255) // h
        for x in range(0, w, 8):
            v = (x * 255) // w
            c = ((x // 64 + y // 64 + k) & 1) * 60
            b = bytes((v ^ c, g, (v + g + 4 * k + ((x * y) >> 9)) & 255)) * 8
            r[x * 3:x * 3 + 24] = b[:min(24, (w - x) * 3)]
        rows.append(bytes(r))
    with open(f"{out}/f{k:03d}.ppm", "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(b"".join(rows))
EOF
  for p in "$d"/*.ppm; do cjpeg -quality 90 "$p" >"${p%.ppm}.jpg" && rm "$p"; done
done

port=21000
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap stop_server EXIT

wait_listening() {  # port: bounded 10 s
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)

echo "server,transport,size,clients,run,cpu_s_per_s,complete,incomplete,lost,min_client_fps,ttff_median_ms,ttff_max_ms,rss_kb,note" >"$csv"

# One measured run of a server kind (ours|gst) with the load client.
run_server() {
  local kind=$1 transport=$2 size=$3 n=$4 run=$5
  port=$((port + 1))
  local dir="$out/jpeg-$size"
  if [ "$kind" = ours ]; then
    "$serve" --port "$port" --quiet --fps 30 --source "jpeg-dir:$dir" >>"$log" 2>&1 &
  else
    "$PY" "$root/bench/gst_rtsp_server.py" --port "$port" --fps 30 "$dir" >>"$log" 2>&1 &
  fi
  server_pid=$!
  if ! wait_listening "$port"; then
    echo "$kind did not listen on $port" >&2
    stop_server
    return 1
  fi
  local flag=--udp
  [ "$transport" = tcp ] && flag=--tcp
  local cout="$out/client.out" cerr="$out/client.err"
  local total
  total=$(awk -v w="$WARMUP" -v d="$WINDOW" 'BEGIN{print w + d + 0.3}')
  "$client" --url "rtsp://127.0.0.1:$port/" --clients "$n" $flag --duration "$total" \
    --warmup "$WARMUP" >"$cout" 2>"$cerr" &
  local cpid=$!
  for _ in $(seq 150); do grep -q playing "$cerr" 2>/dev/null && break; sleep 0.1; done
  sleep "$WARMUP"
  local t0 c0 t1 c1
  t0=$(date +%s.%N); c0=$(cpu_ticks "$server_pid")
  sleep "$WINDOW"
  t1=$(date +%s.%N); c1=$(cpu_ticks "$server_pid")
  local rss
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$server_pid/status")
  wait "$cpid" || true
  stop_server
  local line cpu
  line=$(cat "$cout")
  cpu=$(awk -v a="$c0" -v b="$c1" -v t="$tck" -v s="$t0" -v e="$t1" 'BEGIN{printf "%.4f", (b - a) / t / (e - s)}')
  get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  echo "$kind,$transport,$size,$n,$run,$cpu,$(get complete),$(get incomplete),$(get lost),$(get min_client_fps),$(get ttff_median_ms),$(get ttff_max_ms),$rss," >>"$csv"
  printf '  %-5s %s %-9s %2d clients run %d: cpu %s s/s, %s\n' "$kind" "$transport" "$size" "$n" "$run" "$cpu" "$line"
  cat "$cerr" >>"$log"
}

run_floor() {
  local mode=$1 size=$2 n=$3 run=$4
  local f
  f=$(ls "$out/jpeg-$size"/*.jpg | head -n1)
  local total
  total=$(awk -v w="$WARMUP" -v d="$WINDOW" 'BEGIN{print w + d}')
  local line
  line=$("$floor" --mode "$mode" --jpeg "$f" --clients "$n" --duration "$total" --warmup "$WARMUP" 2>>"$log")
  get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  echo "floor-$mode,udp,$size,$n,$run,$(get cpu_s_per_s),,,,,,,,path=$(get path) sent=$(get sent) received=$(get received)" >>"$csv"
  printf '  floor %-8s %-9s %2d clients run %d: %s\n' "$mode" "$size" "$n" "$run" "$line"
}

echo "== machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1), $(nproc) CPUs, Linux $(uname -r)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/loadavg.txt"
for size in $SIZES; do
  for n in $CLIENTS; do
    for run in $(seq "$RUNS"); do
      if [[ " $TRANSPORTS " == *" udp "* ]]; then
        run_server ours udp "$size" "$n" "$run"
        run_server gst udp "$size" "$n" "$run"
        for m in sendto sendmmsg gso; do run_floor "$m" "$size" "$n" "$run"; done
      fi
      if [[ " $TRANSPORTS " == *" tcp "* ]]; then
        run_server ours tcp "$size" "$n" "$run"
        run_server gst tcp "$size" "$n" "$run"
      fi
    done
    echo "== load average after $size x $n: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/loadavg.txt"
  done
done

# --- allocations per frame: rtsp-serve + alloc_counter.cpp, 32 UDP clients, 720p -------------
first_size=${SIZES%% *}
port=$((port + 1))
"$serve_alloc" --port "$port" --quiet --fps 30 --source "jpeg-dir:$out/jpeg-$first_size" 2>"$out/alloc.txt" &
server_pid=$!
wait_listening "$port"
"$client" --url "rtsp://127.0.0.1:$port/" --clients 32 --duration 9 --warmup 1 >"$out/alloc_client.out" 2>/dev/null &
apid=$!
sleep 3
kill -USR1 "$server_pid"; sleep 0.2; f0=$(date +%s.%N)
sleep 5
kill -USR1 "$server_pid"; f1=$(date +%s.%N)
wait "$apid" || true
stop_server
echo "window_s=$(awk -v a="$f0" -v b="$f1" 'BEGIN{print b - a}')" >>"$out/alloc.txt"
echo "== allocation counter (last line = the 5 s steady window):"
cat "$out/alloc.txt"

# --- encoder -----------------------------------------------------------------------------------
echo "== encoder benchmark"
"$build/bench/rtsp_bench_encoder" --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true \
  --benchmark_format=csv >"$out/encoder.csv" 2>/dev/null

echo "== summary"
"$PY" "$root/bench/plot_servers.py" "$out"
echo "== written: $out/summary.md, $out/cpu_per_frame.png"
