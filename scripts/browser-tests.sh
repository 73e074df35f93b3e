#!/usr/bin/env bash
# The dashboard in a real browser (issue 16): headless Chromium (Debian's chromium and
# chromium-driver) driven by selenium (in .venv-test/) through Tests/Browser/dashboard_test.py,
# against a real `runner serve` with its embedded worker on a fresh SQLite store: espeak-ng
# speaks the narrations, the local faster-whisper engine (.venv-whisper/) transcribes a recording
# espeak-ng made. Screenshots of every page go to an artifacts folder, kept and printed when a
# case fails.
#
# Builds nothing: it runs the `runner` that `swift build` left in .build/debug (RUNNER= to use
# another). Needs scripts/setup.sh to have run. BROWSER_ONLY=NAME runs the cases whose name
# contains NAME; KEEP_ARTIFACTS=1 keeps the screenshots of a passing run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/serve.sh
source scripts/lib/serve.sh

RUNNER="${RUNNER:-.build/debug/runner}"
PY=".venv-test/bin/python"
[[ -x "$RUNNER" ]] || { echo "browser-tests: $RUNNER is missing (run swift build first)" >&2; exit 2; }
"$PY" -c 'import selenium' 2>/dev/null || { echo "browser-tests: selenium is missing in .venv-test (run scripts/setup.sh)" >&2; exit 2; }
command -v chromedriver >/dev/null || { echo "browser-tests: chromedriver is missing (run scripts/setup.sh)" >&2; exit 2; }
[[ -x .venv-whisper/bin/python ]] || { echo "browser-tests: .venv-whisper is missing (run scripts/setup.sh)" >&2; exit 2; }

work="$(mktemp -d /tmp/browser-tests.XXXXXX)"
artifacts="$work/screenshots"
mkdir -p "$artifacts"
keep=0
cleanup() {
  stop_server
  if ((keep)); then
    # Keep the screenshots and the server's log; drop the store and outputs.
    rm -rf "$work/out" "$work"/state.sqlite*
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

database="sqlite:$work/state.sqlite"
key_a="$("$RUNNER" keys create --tenant alpha --database-url "$database" 2>/dev/null)"
key_b="$("$RUNNER" keys create --tenant beta --database-url "$database" 2>/dev/null)"
[[ "$key_a" == mpk_* && "$key_b" == mpk_* ]] || { echo "browser-tests: runner keys create gave no key" >&2; exit 1; }

# Eight seconds of real speech (espeak-ng) in two paragraphs, for the transcribe case.
espeak-ng -w "$work/p1.wav" "The old farmer walked slowly towards the green hills before the rain started."
espeak-ng -w "$work/p2.wav" "A young teacher wrote a short story about the quiet lake late in the evening."
ffmpeg -loglevel error -y -i "$work/p1.wav" -i "$work/p2.wav" \
  -filter_complex "[0:a]apad=pad_dur=1.5[a];[a][1:a]concat=n=2:v=0:a=1" -ar 16000 -ac 1 "$work/speech.wav"

TRANSCRIBER=local serve_start browser-tests "$work" --database-url "$database" --out "$work/out" --rate-limit 0

start=$SECONDS
status=0
timeout --kill-after=10 900 "$PY" Tests/Browser/dashboard_test.py --base "$base" --key-a "$key_a" --key-b "$key_b" \
  --speech "$work/speech.wav" --artifacts "$artifacts" --only "${BROWSER_ONLY:-}" || status=$?
stop_server
if ((status != 0)); then
  keep=1
  echo "browser-tests: failed (exit $status) after $((SECONDS - start)) s; screenshots in $artifacts; the server's log:" >&2
  tail -n 60 "$work/serve.err" >&2
  exit 1
fi
if [[ "${KEEP_ARTIFACTS:-0}" == 1 ]]; then keep=1; echo "browser-tests: screenshots in $artifacts"; fi
echo "browser-tests: passed in $((SECONDS - start)) s"
