#!/usr/bin/env bash
# Provider transport benchmark: the same fake-providers endpoint fetched N times, C at once,
# by our libcurl multi transport (`runner http-load`) and by the curl CLI (`curl --parallel`),
# in the same run. Prints both and the ratio (ours / curl, requests per second).
#
#   benchmarks/providers.sh                 # 1000 × 64 KiB, 16 in flight, release build
#   REQUESTS=2000 CONCURRENCY=32 SIZE=1048576 benchmarks/providers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${REQUESTS:-1000}"
CONCURRENCY="${CONCURRENCY:-16}"
SIZE="${SIZE:-65536}"
SCRATCH="${SCRATCH:-.build-bench}"

swift build -c release --scratch-path "$SCRATCH" --product runner >/dev/null
swift build -c release --scratch-path "$SCRATCH" --product fake-providers >/dev/null
BIN="$SCRATCH/release"

log="$(mktemp)"
"$BIN/fake-providers" --port 0 >"$log" 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
base="$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1)"
url="$base/_bytes?n=$SIZE"

# Both sides stream the bodies to /dev/null; "memory" also shows ours keeping them in memory.
ours="$("$BIN/runner" http-load "$url" --requests "$REQUESTS" --concurrency "$CONCURRENCY" --dev-null)"
ours_rps="$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$ours")"
memory="$("$BIN/runner" http-load "$url" --requests "$REQUESTS" --concurrency "$CONCURRENCY")"

urls="$(mktemp)"
for _ in $(seq "$REQUESTS"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url"; done >"$urls"
start=$(date +%s.%N)
curl -s --no-progress-meter --parallel --parallel-max "$CONCURRENCY" -K "$urls"
end=$(date +%s.%N)
rm -f "$urls"
curl_rps="$(python3 -c "print(f'{$REQUESTS/($end-$start):.1f}')")"

echo "transport: $REQUESTS GETs of $SIZE bytes, $CONCURRENCY in flight, fake-providers on loopback"
echo "  runner http-load : $ours"
echo "  (bodies in memory: $memory)"
echo "  curl --parallel  : rps=$curl_rps"
python3 -c "print(f'  ratio ours/curl  : {$ours_rps/$curl_rps:.2f}')"
