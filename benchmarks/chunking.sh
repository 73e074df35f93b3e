#!/usr/bin/env bash
# Chunking throughput and peak memory of `runner chunk` against the ffmpeg command doing the
# same conversion, in the same run, on generated inputs:
#   (a) one 1-hour 128 kb/s stereo mp3 -> 16 kHz mono flac chunks of at most 10 minutes
#       (peer: ffmpeg -f segment, which does not look for silences);
#   (b) 100 files of 30 s -> 16 kHz mono flac (peer: one ffmpeg per file, two at a time);
#   (c) peak memory of runner on a 1-hour and a 10-hour input.
# Usage: benchmarks/chunking.sh  (RUNNER=path/to/runner BENCH_DIR=dir RUNS=3 to override)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNNER="${RUNNER:-.build/release/runner}"
DIR="${BENCH_DIR:-bench-out}/chunking"
RUNS="${RUNS:-3}"
[[ -x "$RUNNER" ]] || { echo "build first: make build (swift build -c release --static-swift-stdlib --product runner)" >&2; exit 1; }
mkdir -p "$DIR"
FF=(ffmpeg -hide_banner -loglevel error -y)

# Speech-like stereo signal: a gliding tone with a little noise, 8.9 s on, 0.8 s pause.
if [[ ! -s "$DIR/hour.mp3" ]]; then
  echo "generating a 1-hour 128 kb/s stereo mp3 (about a minute)..." >&2
  "${FF[@]}" -f lavfi -i "aevalsrc=0.3*sin(2*PI*(220+40*sin(2*PI*0.3*t))*t)*lt(mod(t\,9.7)\,8.9)+0.02*random(0)*lt(mod(t\,9.7)\,8.9)|0.3*sin(2*PI*330*t)*lt(mod(t\,9.7)\,8.9):s=44100:d=3600" \
    -c:a libmp3lame -b:a 128k "$DIR/hour.mp3"
fi
if [[ ! -d "$DIR/many" ]]; then
  mkdir -p "$DIR/many"
  for i in $(seq 0 99); do "${FF[@]}" -ss $((i * 30)) -t 30 -i "$DIR/hour.mp3" -c copy "$DIR/many/part-$(printf %03d "$i").mp3"; done
fi
if [[ ! -s "$DIR/ten-hours.mp3" ]]; then
  for i in $(seq 10); do echo "file 'hour.mp3'"; done > "$DIR/ten.txt"
  "${FF[@]}" -f concat -safe 0 -i "$DIR/ten.txt" -c copy "$DIR/ten-hours.mp3"
fi

# measure NAME CMD... -> prints "wall_seconds max_rss_kb" (GNU time), median of $RUNS runs by wall time
measure() {
  local results=()
  for _ in $(seq "$RUNS"); do
    rm -rf "$DIR/out"; mkdir -p "$DIR/out"
    /usr/bin/time -o "$DIR/time.txt" -f "%e %M" "$@" >/dev/null 2>"$DIR/stderr.txt" || { cat "$DIR/stderr.txt" >&2; exit 1; }
    results+=("$(tail -1 "$DIR/time.txt")")
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

hour_bytes=$(stat -c %s "$DIR/hour.mp3")
many_bytes=$(du -cb "$DIR"/many/*.mp3 | tail -1 | cut -f1)

echo "(a) 1-hour mp3 -> 16 kHz mono flac, chunks <= 600 s" >&2
read -r a_runner a_runner_rss < <(measure "$RUNNER" chunk "$DIR/hour.mp3" --out "$DIR/out" --max-seconds 600 --format flac --sample-rate 16000 --channels 1)
read -r a_ffmpeg a_ffmpeg_rss < <(measure "${FF[@]}" -i "$DIR/hour.mp3" -ac 1 -ar 16000 -c:a flac -f segment -segment_time 600 "$DIR/out/c%03d.flac")

echo "(b) 100 x 30 s mp3 -> 16 kHz mono flac" >&2
peer_many() { ls "$DIR"/many/*.mp3 | xargs -P 2 -I{} sh -c 'ffmpeg -hide_banner -loglevel error -y -i "$1" -ac 1 -ar 16000 -c:a flac "$2/$(basename "$1").flac"' _ {} "$DIR/out"; }
export -f peer_many; export DIR
read -r b_runner b_runner_rss < <(measure "$RUNNER" chunk "$DIR/many" --out "$DIR/out" --max-seconds 600 --jobs 2)
read -r b_ffmpeg _ < <(measure bash -c peer_many)

echo "(c) peak memory, 1 hour vs 10 hours" >&2
read -r c_ten c_ten_rss < <(RUNS=1 measure "$RUNNER" chunk "$DIR/ten-hours.mp3" --out "$DIR/out")

python3 - "$a_runner" "$a_ffmpeg" "$a_runner_rss" "$a_ffmpeg_rss" "$b_runner" "$b_ffmpeg" "$b_runner_rss" "$c_ten" "$c_ten_rss" "$hour_bytes" "$many_bytes" <<'PY' | tee "$DIR/results.md"
import sys
a_r, a_f, a_rr, a_fr, b_r, b_f, b_rr, c_t, c_tr, hb, mb = sys.argv[1:]
a_r, a_f, b_r, b_f, c_t = map(float, (a_r, a_f, b_r, b_f, c_t))
a_rr, a_fr, b_rr, c_tr, hb, mb = map(int, (a_rr, a_fr, b_rr, c_tr, hb, mb))
mib = lambda kb: kb / 1024
print("| case | runner wall s | peer wall s | runner audio s/s | runner MB/s | speed-up | runner peak RSS MiB | peer peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|")
print(f"| (a) 1 h mp3 -> flac chunks | {a_r:.2f} | {a_f:.2f} | {3600/a_r:.0f} | {hb/1e6/a_r:.1f} | **{a_f/a_r:.2f}x** | {mib(a_rr):.1f} | {mib(a_fr):.1f} |")
print(f"| (b) 100 x 30 s mp3 | {b_r:.2f} | {b_f:.2f} | {3000/b_r:.0f} | {mb/1e6/b_r:.1f} | **{b_f/b_r:.2f}x** | {mib(b_rr):.1f} | - |")
print(f"| (c) 10 h mp3 (memory) | {c_t:.2f} | - | {36000/c_t:.0f} | {10*hb/1e6/c_t:.1f} | - | {mib(c_tr):.1f} (1 h: {mib(a_rr):.1f}) | - |")
PY
