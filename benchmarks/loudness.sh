#!/usr/bin/env bash
# Loudness normalisation cost: `runner loudness` (gain + true-peak limiter, codec check) against
# its peer in the same run, `runner loudness --plain` (one gain lowered at the peak limit: what
# assembly did before the limiter), on a long espeak-ng narration, to mp3 and to m4b.
#
#   benchmarks/loudness.sh                      # ~30 minutes of speech (CHARS=30000), release build
#   CHARS=10000 CONFIG=debug SCRATCH=.build-x benchmarks/loudness.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG="${CONFIG:-release}"
SCRATCH="${SCRATCH:-.build}"
# Release builds link the Swift runtime statically, as `make build` does (same build folder).
STATIC=""; [ "$CONFIG" = release ] && STATIC="--static-swift-stdlib"
CHARS="${CHARS:-30000}"
swift build -c "$CONFIG" $STATIC --scratch-path "$SCRATCH" --product runner >/dev/null
BIN="$SCRATCH/$CONFIG/runner"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
benchmarks/make-text.py "$work/book.txt" "$CHARS"
espeak-ng -w "$work/speech.wav" -f "$work/book.txt"
seconds=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/speech.wav")
echo "input: espeak-ng narration of $CHARS characters, ${seconds%.*} s at 22.05 kHz mono"
for format in mp3 m4b; do
  for mode in plain limiter; do
    flag=""; [ "$mode" = plain ] && flag="--plain"
    start=$(date +%s.%N)
    "$BIN" loudness $flag "$work/speech.wav" "$work/$mode.$format" >"$work/$mode-$format.txt"
    end=$(date +%s.%N)
    echo "$format $mode: $(python3 -c "print(f'{$end - $start:.2f}')") s; $(tail -1 "$work/$mode-$format.txt" | sed "s|$work/||")"
    python3 -c "print($end - $start)" >"$work/$mode-$format.time"
  done
  python3 -c "print(f'  $format ratio limiter/plain = {float(open(\"$work/limiter-$format.time\").read()) / float(open(\"$work/plain-$format.time\").read()):.2f}')"
  for mode in plain limiter; do
    echo "  ffmpeg ebur128 on $mode.$format: $(ffmpeg -nostats -hide_banner -i "$work/$mode.$format" -af ebur128=peak=true -f null - 2>&1 \
      | grep -A20 Summary | grep -E ' I:|Peak:' | tr -s ' ' | tr '\n' ' ')"
  done
done
