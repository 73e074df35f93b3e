#!/usr/bin/env bash
# Upload throughput of `runner upload` against `aws s3 cp` to the local moto server (signature
# checking on), in the same run: one 1 GiB file, and 500 files of 100 KB (recursive).
#
#   benchmarks/upload.sh                      # builds runner (release) if needed, starts moto
#   RUNS=3 BIG_MB=1024 SMALL_COUNT=500 benchmarks/upload.sh
#
# Both tools get the same part size (8 MiB) and requests in flight (10, the aws default
# max_concurrent_requests), and both send additional checksums (runner CRC32C, aws CRC32, its
# default), so the server computes none of its own at Complete. Every upload goes to a fresh
# prefix, so nothing is skipped as identical. Each case runs RUNS times, alternating which tool
# goes first; the best time of each tool is kept. ratio = aws seconds / runner seconds (above 1:
# runner is faster).
#
# The ceiling: a trivial client (one PutObject of the whole big file, headers signed by botocore,
# the body streamed by Python's http.client, no checksum, no hashing) into the same server, best of RUNS; runner/ceiling is runner's
# rate as a share of it.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-2}"
BIG_MB="${BIG_MB:-1024}"
SMALL_COUNT="${SMALL_COUNT:-500}"
SMALL_KB="${SMALL_KB:-100}"
CONCURRENCY=10
SCRATCH="${SCRATCH:-.build-storage}"

RUNNER="$SCRATCH/release/runner"
if [[ ! -x "$RUNNER" ]]; then
  swift build -c release --scratch-path "$SCRATCH" --product runner >&2
fi

WORK="$(mktemp -d /tmp/upload-bench.XXXXXX)"
export TEST_STATE_DIR="$WORK"
# shellcheck source=scripts/services/moto.sh
source scripts/services/moto.sh
trap 'service_stop_moto; rm -rf "$WORK"' EXIT
service_start_moto

echo "creating inputs: ${BIG_MB} MiB file, ${SMALL_COUNT} files of ${SMALL_KB} KB" >&2
head -c "$((BIG_MB * 1024 * 1024))" /dev/urandom > "$WORK/big.bin"
mkdir -p "$WORK/small"
python3 - "$WORK/small" "$SMALL_COUNT" "$SMALL_KB" <<'PY'
import os, sys
folder, count, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(count):
    with open(os.path.join(folder, f"seg-{i:04d}.mp3"), "wb") as f:
        f.write(os.urandom(kb * 1000))
PY

# The aws command's settings, in a config file of this run only.
export AWS_CONFIG_FILE="$WORK/aws-config"
printf '[default]\ns3 =\n  multipart_chunksize = 8MB\n  max_concurrent_requests = %s\n' "$CONCURRENCY" >"$AWS_CONFIG_FILE"

now() { date +%s.%N; }
seconds() { python3 -c "print(f'{$2 - $1:.3f}')"; }

run_runner() {  # PATH DEST
  "$RUNNER" upload "$1" --to "$2" --part-size 8MiB --concurrency "$CONCURRENCY" >/dev/null
}
run_aws() {  # PATH DEST [--recursive]
  aws s3 cp "$@" --only-show-errors >/dev/null
}

# The ceiling's trivial client: one PutObject of the whole file, headers signed by botocore
# (UNSIGNED-PAYLOAD: no hashing), the file streamed by http.client in 1 MiB blocks.
run_ceiling() {  # KEY
  python3 - "$S3_TEST_BUCKET" "$1" "$WORK/big.bin" <<'PY'
import http.client, os, sys, urllib.parse
import botocore.session
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
bucket, key, path = sys.argv[1:4]
endpoint = urllib.parse.urlsplit(os.environ["AWS_ENDPOINT_URL"])
url = f"{os.environ['AWS_ENDPOINT_URL']}/{bucket}/{urllib.parse.quote(key)}"
size = os.path.getsize(path)
request = AWSRequest(method="PUT", url=url, headers={"Content-Length": str(size), "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
S3SigV4Auth(botocore.session.get_session().get_credentials(), "s3", os.environ["AWS_REGION"]).add_auth(request)
connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=600, blocksize=1 << 20)
with open(path, "rb") as body:
    connection.request("PUT", urllib.parse.urlsplit(url).path, body=body, headers=dict(request.headers.items()))
    response = connection.getresponse()
    response.read()
if response.status != 200:
    sys.exit(f"ceiling PUT failed: HTTP {response.status}")
PY
}

declare -A best
record() {  # NAME SECONDS
  if [[ -z "${best[$1]:-}" ]] || python3 -c "import sys; sys.exit(0 if $2 < ${best[$1]} else 1)"; then best[$1]="$2"; fi
}

for ((run = 1; run <= RUNS; run++)); do
  for tool in runner aws; do
    [[ $((run % 2)) -eq 0 ]] && tool=$([[ $tool == runner ]] && echo aws || echo runner)
    prefix="s3://$S3_TEST_BUCKET/bench-$run-$tool"
    t0=$(now)
    if [[ $tool == runner ]]; then run_runner "$WORK/big.bin" "$prefix/big"; else run_aws "$WORK/big.bin" "$prefix/big/big.bin"; fi
    t1=$(now)
    if [[ $tool == runner ]]; then run_runner "$WORK/small" "$prefix/small"; else run_aws "$WORK/small" "$prefix/small" --recursive; fi
    t2=$(now)
    record "big-$tool" "$(seconds "$t0" "$t1")"
    record "small-$tool" "$(seconds "$t1" "$t2")"
    echo "run $run $tool: big $(seconds "$t0" "$t1")s, small $(seconds "$t1" "$t2")s" >&2
  done
  t0=$(now)
  run_ceiling "bench-$run-ceiling/big.bin"
  t1=$(now)
  record "big-ceiling" "$(seconds "$t0" "$t1")"
  echo "run $run ceiling (single PUT): big $(seconds "$t0" "$t1")s" >&2
done

# Both tools stored the same bytes: compare the aws readback of one object from each.
check() {  # KEY
  aws s3api get-object --bucket "$S3_TEST_BUCKET" --key "$1" "$WORK/readback" >/dev/null
  sha256sum "$WORK/readback" | cut -d' ' -f1
}
[[ "$(check "bench-1-runner/small/seg-0007.mp3")" == "$(sha256sum "$WORK/small/seg-0007.mp3" | cut -d' ' -f1)" ]] \
  || { echo "readback mismatch" >&2; exit 1; }

big_bytes=$((BIG_MB * 1024 * 1024))
small_bytes=$((SMALL_COUNT * SMALL_KB * 1000))
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "${best[big-runner]}" "${best[big-aws]}" "${best[small-runner]}" "${best[small-aws]}" "$big_bytes" "$small_bytes" "$SMALL_COUNT" "${best[big-ceiling]}" <<'PY'
import sys
br, ba, sr, sa = map(float, sys.argv[1:5]); big, small, count = map(int, sys.argv[5:8]); bc = float(sys.argv[8])
mb = 1024 * 1024
print(f"| case | runner upload | aws s3 cp | ratio (aws/runner) |")
print(f"|---|---|---|---|")
print(f"| 1 file of {big // mb} MiB | {br:.2f} s ({big / mb / br:.0f} MiB/s) | {ba:.2f} s ({big / mb / ba:.0f} MiB/s) | {ba / br:.2f} |")
print(f"| {count} files of {small // count // 1000} KB | {sr:.2f} s ({count / sr:.0f} files/s) | {sa:.2f} s ({count / sa:.0f} files/s) | {sa / sr:.2f} |")
print()
print(f"Ceiling (trivial client, one PutObject of the {big // mb} MiB file): {bc:.2f} s ({big / mb / bc:.0f} MiB/s); "
      f"runner reaches {bc / br:.2f} of it, aws s3 cp {bc / ba:.2f}.")
PY
