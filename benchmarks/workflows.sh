#!/usr/bin/env bash
# Workflow benchmarks, against the fakes on loopback:
#  1. narrate a 100,000-character text with the fake Cloud TTS answering after 250 ms and a
#     provider limit of 8 requests in flight: wall time vs the ideal (requests / 8 × 250 ms)
#     plus the measured assembly time;
#  2. illustrated narration: a 20,000-character text (about 20 segments) with --pictures 20, the
#     fake Gemini (image prompts, pictures) limited to 4 in flight and the fake Cloud TTS to 8,
#     all answering after 250 ms: wall time vs the ideal (the pictures, prompt requests / 4 +
#     picture requests / 4, run beside the speech, TTS requests / 8: the longer of the two,
#     × 250 ms) plus the measured assembly time;
#  3. transcribe a long recording (default 2 hours) with the fake Rev.ai: wall time per step.
#
#   benchmarks/workflows.sh                       # release build
#   CONFIG=debug SCRATCH=.build-workflows benchmarks/workflows.sh
#   HOURS=0.5 SKIP_TRANSCRIBE=1 benchmarks/workflows.sh     (or SKIP_NARRATE=1, SKIP_ILLUSTRATED=1)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG="${CONFIG:-release}"
SCRATCH="${SCRATCH:-.build}"
# Release builds link the Swift runtime statically, as `make build` does (same build folder).
STATIC=""; [ "$CONFIG" = release ] && STATIC="--static-swift-stdlib"
HOURS="${HOURS:-2}"
CHARS="${CHARS:-100000}"
swift build -c "$CONFIG" $STATIC --scratch-path "$SCRATCH" --product runner >/dev/null
swift build -c "$CONFIG" $STATIC --scratch-path "$SCRATCH" --product fake-providers >/dev/null
BIN="$SCRATCH/$CONFIG"
work="$(mktemp -d)"
log="$work/fake.log"
"$BIN/fake-providers" --port 0 --latency-ms 250 >"$log" 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
base="$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1)"

mkdir -p "$work/text"
benchmarks/make-text.py "$work/text/book.txt" "$CHARS" --paragraphs
if [ -z "${SKIP_NARRATE:-}" ]; then
echo "load before narrate: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, $(nproc) cores)"
start=$(date +%s.%N)
GOOGLE_API_KEY=fake-google-key-0123456789 GOOGLE_TTS_BASE_URL="$base" \
  "$BIN/runner" process "$work/text" --out "$work/out-narrate" --engine google --segment-chars 1000 \
  --speech-concurrency 8 --json >"$work/narrate.json"
end=$(date +%s.%N)
python3 - "$work/narrate.json" "$start" "$end" <<'PY'
import json, sys, math
r = json.load(open(sys.argv[1])); f = r["files"][0]
wall = float(sys.argv[3]) - float(sys.argv[2])
m = json.load(open(f["manifest"].replace("file://", "")))
requests = int(m["summary"]["segments"]); steps = f["step_seconds"]
ideal = math.ceil(requests / 8) * 0.25
assembly = steps.get("assemble", 0) + steps.get("publish", 0)
print(f"narrate: {m['summary']['characters']:.0f} chars, {requests} TTS requests, status {f['status']}")
print(f"  wall {wall:.2f} s (runner process, incl. start-up and extraction); steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(steps.items())))
print(f"  ideal requests/8 x 250 ms = {ideal:.2f} s; + assembly/publish {assembly:.2f} s = {ideal + assembly:.2f} s")
print(f"  ratio synthesize/ideal = {steps['synthesize'] / ideal:.2f}; ratio wall/(ideal+assembly) = {wall / (ideal + assembly):.2f}")
PY
echo "load after narrate: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

if [ -z "${SKIP_ILLUSTRATED:-}" ]; then
mkdir -p "$work/story"
benchmarks/make-text.py "$work/story/story.txt" 20000 --paragraphs
echo "load before illustrated narrate: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
GOOGLE_API_KEY=fake-google-key-0123456789 GOOGLE_TTS_BASE_URL="$base" \
GEMINI_API_KEY=fake-gemini-key-0123456789 GEMINI_BASE_URL="$base" \
  "$BIN/runner" process "$work/story" --out "$work/out-illustrated" --engine google --segment-chars 1000 \
  --speech-concurrency 8 --provider-limit gemini=4 --pictures 20 --style fictional --json >"$work/illustrated.json"
end=$(date +%s.%N)
python3 - "$work/illustrated.json" "$start" "$end" <<'PY'
import json, sys, math
r = json.load(open(sys.argv[1])); f = r["files"][0]
wall = float(sys.argv[3]) - float(sys.argv[2])
m = json.load(open(f["manifest"].replace("file://", "")))
segments = int(m["summary"]["segments"]); pictures = int(m["summary"]["pictures"]); steps = f["step_seconds"]
ideal = max(2 * math.ceil(pictures / 4), math.ceil(segments / 8)) * 0.25
assembly = steps.get("assemble", 0) + steps.get("publish", 0)
print(f"illustrated narrate: {segments} segments, {pictures} pictures ({2 * pictures} Gemini requests), status {f['status']}")
print(f"  wall {wall:.2f} s; steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(steps.items())))
print(f"  ideal max(2 x pictures/4, segments/8) x 250 ms = {ideal:.2f} s; + assembly/publish {assembly:.2f} s = {ideal + assembly:.2f} s")
print(f"  ratio wall/(ideal+assembly) = {wall / (ideal + assembly):.2f} (target <= 1.2)")
PY
echo "load after illustrated narrate: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

[ -n "${SKIP_TRANSCRIBE:-}" ] && exit 0
mkdir -p "$work/audio"
seconds=$(python3 -c "print(int(float('$HOURS') * 3600))")
# Speech-like: 4 s of tone then 1 s of silence, repeated; mono 16 kHz mp3.
ffmpeg -v error -f lavfi -i "sine=frequency=220:sample_rate=16000:duration=4" -f lavfi -i "anullsrc=r=16000:cl=mono:d=1" \
  -filter_complex "[0][1]concat=n=2:v=0:a=1,aloop=loop=-1:size=80000,atrim=0:$seconds" -ac 1 -b:a 32k "$work/audio/long.mp3"
start=$(date +%s.%N)
REVAI_ACCESS_TOKEN=fake-revai-token-0123456789 REVAI_BASE_URL="$base" \
  "$BIN/runner" process "$work/audio" --out "$work/out-transcribe" --transcriber revai --json >"$work/transcribe.json"
end=$(date +%s.%N)
python3 - "$work/transcribe.json" "$start" "$end" "$seconds" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); f = r["files"][0]
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"transcribe: {int(sys.argv[4]) / 3600:.2f} h recording, status {f['status']}, wall {wall:.2f} s")
print("  steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(f["step_seconds"].items())))
PY
