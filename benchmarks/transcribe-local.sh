#!/usr/bin/env bash
# The local transcription engine on one long espeak-ng recording (default 20 minutes of known
# sentences, scripts/local-whisper/make-speech.py), in the same run:
#  1. the recogniser alone: faster-whisper with the same model and settings as the server, the
#     whole file in one call (server.py --transcribe), model load included;
#  2. the pipeline: `runner process --transcriber local` with its defaults (300 s chunks cut at
#     silences, sent to the runner's own server), server start included.
# Prints the wall time of each, their ratio (target: pipeline ≤ 1.1 × recogniser) and the word
# error rate of each against the text that was read.
#
#   benchmarks/transcribe-local.sh                    # release build
#   CONFIG=debug MINUTES=5 benchmarks/transcribe-local.sh
#   BUILD=0 benchmarks/transcribe-local.sh           # use $SCRATCH/$CONFIG/runner as it is
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG="${CONFIG:-release}"
SCRATCH="${SCRATCH:-.build}"
MINUTES="${MINUTES:-20}"
STATIC=""; [ "$CONFIG" = release ] && STATIC="--static-swift-stdlib"
[ -x .venv-whisper/bin/python ] || scripts/setup.sh
[ "${BUILD:-1}" = 0 ] || swift build -c "$CONFIG" $STATIC --scratch-path "$SCRATCH" --product runner >/dev/null
BIN="$SCRATCH/$CONFIG"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
python3 scripts/local-whisper/make-speech.py "$work/in/talk.wav" "$work/talk.json" --seconds "$((MINUTES * 60))"
python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['text'])" "$work/talk.json" >"$work/reference.txt"
duration=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['duration'])" "$work/talk.json")
echo "recording: $duration s of espeak-ng speech, $(wc -w <"$work/reference.txt") words; $(nproc) cores"

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
HF_HUB_OFFLINE=1 .venv-whisper/bin/python scripts/local-whisper/server.py --transcribe "$work/in/talk.wav" \
  >"$work/alone.txt" 2>"$work/alone.log"
alone=$(echo "$(date +%s.%N) - $start" | bc)
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"

start=$(date +%s.%N)
env -u OPENAI_API_KEY -u REVAI_ACCESS_TOKEN -u GEMINI_API_KEY -u DATABASE_URL \
  "$BIN/runner" process "$work/in" --out "$work/out" --transcriber local --json >"$work/process.json" 2>"$work/process.log"
pipeline=$(echo "$(date +%s.%N) - $start" | bc)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" "$alone" "$pipeline" <<'PY'
import glob, json, subprocess, sys
work, alone, pipeline = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
wer = lambda hyp: float(subprocess.check_output(["python3", "scripts/local-whisper/make-speech.py", "--wer", work + "/reference.txt", hyp]))
report = json.load(open(work + "/process.json"))["files"][0]
job = glob.glob(work + "/out/jobs/*/")[0]
chunks = len(glob.glob(job + "chunks/*.flac"))
steps = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(report["step_seconds"].items()))
recognise = open(work + "/alone.log").read().strip().splitlines()[-1]
print(f"recogniser alone (one call): wall {alone:.1f} s ({recognise.removeprefix('local-whisper: ')}), WER {wer(work + '/alone.txt'):.2f} %")
print(f"pipeline (runner process, {chunks} chunks, transcriber {report.get('transcriber')}, {report['status']}): "
      f"wall {pipeline:.1f} s (steps: {steps}), WER {wer(job + 'transcript.txt'):.2f} %")
print(f"ratio pipeline / recogniser alone = {pipeline / alone:.2f} (target <= 1.10)")
PY
