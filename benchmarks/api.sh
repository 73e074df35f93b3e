#!/usr/bin/env bash
# HTTP API benchmark (issue 11): `runner serve` on a throw-away durable PostgreSQL
# (scripts/services/postgres.sh, PG_DURABLE=1 unless set), no worker running, rate limit off.
#  (a) POST /v1/jobs throughput: distinct narrate jobs ({"workflow":"narrate","input":{"text":
#      "item-…"}}) posted by `wrk` for POST_SECONDS (Lua script, CONNECTIONS keep-alive connections),
#      or JOBS of them by the Python load script if wrk is missing, into a fresh database, jobs/s = jobs in the database / wrk's
#      elapsed time; against `runner enqueue --workflow noop --from FILE` of the same count into
#      another fresh database (the CLI's bulk path, 1,000 rows a statement), jobs/s = count / wall
#      time of the process (start-up included). Target: ratio >= 0.5. Not the same work: each API
#      job is one request with auth, JSON validation, the idempotency hash of the body, the text
#      written to the output store as a file and a transaction of its own; the CLI inserts in bulk.
#  (b) GET /v1/jobs/{id} latency at a fixed RATE requests/s for GET_SECONDS (open loop, Python
#      threads on a fixed schedule, latency counted from each request's due time), target p99 < 10 ms;
#      then, for reference, `wrk --latency` closed loop with GET_CONNECTIONS connections (its
#      achieved rate and latency).
# Results: a table on standard output and in bench-out/api-<UTC time>.md.
#
#   benchmarks/api.sh
#   JOBS=2000 GET_SECONDS=5 LOADGEN=python benchmarks/api.sh
# Env: POST_SECONDS (wrk, 10), JOBS (Python, 5000), CONNECTIONS (32), RATE (500), GET_SECONDS (20), GET_CONNECTIONS (4),
# LOADGEN (auto: wrk if installed or installable, else python), SCRATCH (swift build folder, .build).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-5000}"
POST_SECONDS="${POST_SECONDS:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
RATE="${RATE:-500}"
GET_SECONDS="${GET_SECONDS:-20}"
GET_CONNECTIONS="${GET_CONNECTIONS:-4}"
LOADGEN="${LOADGEN:-auto}"
SCRATCH="${SCRATCH:-.build}"
export PG_DURABLE="${PG_DURABLE:-1}"

# Release build, the Swift runtime linked statically, as `make build` does.
swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product runner >/dev/null
RUNNER="$SCRATCH/release/runner"

if [[ $LOADGEN == auto ]]; then
  if ! command -v wrk >/dev/null; then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null; } \
      || echo "wrk could not be installed: using the Python load script" >&2
  fi
  if command -v wrk >/dev/null; then LOADGEN=wrk; else LOADGEN=python; fi
fi

export TEST_STATE_DIR="$(mktemp -d /tmp/api-bench.XXXXXX)"
chmod 755 "$TEST_STATE_DIR"
# shellcheck source=/dev/null
source scripts/services/postgres.sh
SERVE_PID=""
cleanup() {
  [[ -n "$SERVE_PID" ]] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  service_stop_postgres
  rm -rf "$TEST_STATE_DIR"
}
trap cleanup EXIT
service_start_postgres
BASE_URL="$DATABASE_URL"
mkdir -p bench-out
REPORT="bench-out/api-$(date -u +%Y%m%dT%H%M%SZ).md"
log() { echo "$*" | tee -a "$REPORT"; }

sql() { psql "$1" -qAt -c "$2"; }
now_ms() { date +%s%3N; }
fresh_db() {
  local name="bench_$(date +%s%N)"
  sql "$BASE_URL" "CREATE DATABASE $name" >/dev/null
  echo "${BASE_URL%/*}/$name"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

LOAD_START="$(loadavg)"
log "# API benchmark: runner serve on PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (PG_DURABLE=$PG_DURABLE), $(nproc) cores, load generator $LOADGEN"
log "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), load average at start (1/5/15 min): $LOAD_START"
log ""

# (a) POST /v1/jobs
API_DB="$(fresh_db)"
"$RUNNER" migrate --database-url "$API_DB" >/dev/null
KEY="$("$RUNNER" keys create --tenant bench --database-url "$API_DB")"
mkdir -p "$TEST_STATE_DIR/out"
"$RUNNER" serve --database-url "$API_DB" --port 0 --out "$TEST_STATE_DIR/out" --rate-limit 0 \
  >"$TEST_STATE_DIR/serve.out" 2>"$TEST_STATE_DIR/serve.err" &
SERVE_PID=$!
for _ in $(seq 200); do grep -q listening "$TEST_STATE_DIR/serve.out" && break; sleep 0.05; done
API="$(grep -o 'http://[^ ]*' "$TEST_STATE_DIR/serve.out" | head -1)"
[[ -n "$API" ]] || { echo "runner serve did not start:" >&2; cat "$TEST_STATE_DIR/serve.err" >&2; exit 1; }
curl -sf "$API/readyz" >/dev/null || { echo "runner serve is not ready" >&2; exit 1; }

if [[ $LOADGEN == wrk ]]; then
  threads=2
  POST_LINE="$(API_KEY="$KEY" wrk -t"$threads" -c"$CONNECTIONS" -d"${POST_SECONDS}s" \
    -s benchmarks/api-post.lua "$API" | grep '^wrk:')"
  post_secs="$(sed -n 's/.* in \([0-9.]*\) s,.*/\1/p' <<<"$POST_LINE")"
else
  read -r post_secs post_ok post_statuses < <(python3 benchmarks/api-load.py post "$API" "$KEY" "$JOBS" "$CONNECTIONS")
  POST_LINE="python: $post_ok accepted in $post_secs s, statuses $post_statuses"
fi
api_jobs="$(sql "$API_DB" "SELECT COUNT(*) FROM jobs")"
api_rate="$(awk -v n="$api_jobs" -v s="$post_secs" 'BEGIN {printf "%d", n / s}')"
log "(a) POST /v1/jobs, $CONNECTIONS connections: $POST_LINE"
log "    jobs in the database: $api_jobs$([[ $LOADGEN == python ]] && echo " (asked for $JOBS)") -> $api_rate jobs/s"

CLI_DB="$(fresh_db)"
"$RUNNER" migrate --database-url "$CLI_DB" >/dev/null
seq 1 "$api_jobs" | sed 's/.*/{"text":"item-&"}/' >"$TEST_STATE_DIR/items.txt"
t0=$(now_ms)
"$RUNNER" enqueue --database-url "$CLI_DB" --workflow noop --from "$TEST_STATE_DIR/items.txt" >/dev/null
t1=$(now_ms)
cli_jobs="$(sql "$CLI_DB" "SELECT COUNT(*) FROM jobs")"
cli_rate=$(( cli_jobs * 1000 / (t1 - t0) ))
ratio="$(awk -v a="$api_rate" -v b="$cli_rate" 'BEGIN {printf "%.2f", a / b}')"
log "    runner enqueue --from (bulk, one process, start-up included): $cli_jobs jobs in $(( t1 - t0 )) ms -> $cli_rate jobs/s"
log "    ratio API/CLI: $ratio (target >= 0.5)"
log ""

# (b) GET /v1/jobs/{id}
curl -sf -H "Authorization: Bearer $KEY" "$API/v1/jobs?limit=200" \
  | python3 -c 'import json, sys; print("\n".join(j["id"] for j in json.load(sys.stdin)["jobs"]))' >"$TEST_STATE_DIR/ids.txt"
GET_JSON="$(python3 benchmarks/api-load.py get "$API" "$KEY" "$TEST_STATE_DIR/ids.txt" "$RATE" "$GET_SECONDS")"
read -r g50 g99 g999 gmax s50 s99 achieved statuses late < <(python3 -c '
import json, sys; r = json.loads(sys.argv[1]); a, b = r["from_schedule_ms"], r["from_send_ms"]
print(a["p50"], a["p99"], a["p99.9"], a["max"], b["p50"], b["p99"], r["achieved_rate"],
      ",".join(f"{k}:{v}" for k, v in sorted(r["statuses"].items())), r["started_late_over_1ms"])' "$GET_JSON")
log "(b) GET /v1/jobs/{id}, open loop at $RATE/s for $GET_SECONDS s (Python, 16 threads, keep-alive, 200 ids of queued jobs):"
log "    achieved $achieved/s, statuses $statuses, $late requests started > 1 ms after their due time"
log "    latency from due time: p50 $g50 ms, p99 $g99 ms, p99.9 $g999 ms, max $gmax ms (from send: p50 $s50 ms, p99 $s99 ms)"
WRK_GET=""
if command -v wrk >/dev/null; then
  WRK_GET="$(IDS_FILE="$TEST_STATE_DIR/ids.txt" API_KEY="$KEY" wrk -t2 -c"$GET_CONNECTIONS" -d10s --latency \
    -s benchmarks/api-get.lua "$API")"
  wrk_rate="$(awk '/^Requests\/sec/ {printf "%d", $2}' <<<"$WRK_GET")"
  wrk50="$(awk '$1 == "50%" {print $2}' <<<"$WRK_GET")"
  wrk99="$(awk '$1 == "99%" {print $2}' <<<"$WRK_GET")"
  wrk_non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$WRK_GET")"
  wrk_sock="$(grep 'Socket errors' <<<"$WRK_GET" || true)"
  log "    for reference, wrk --latency closed loop, $GET_CONNECTIONS connections, 10 s: ${wrk_rate}/s, p50 $wrk50, p99 $wrk99, non-2xx ${wrk_non2xx:-0}${wrk_sock:+, $wrk_sock}"
fi
log ""

# Server health: problems it logged, and its own view of the responses it sent.
server_errors="$(grep -ciE 'error|critical|warning' "$TEST_STATE_DIR/serve.err" || true)"
log "server log: $server_errors error/warning lines$( [[ $server_errors != 0 ]] && echo ", first: $(grep -iE 'error|critical|warning' "$TEST_STATE_DIR/serve.err" | head -1 | cut -c1-300)")"
codes="$(curl -sf "$API/metrics" | grep -E '^hb_requests(_total)?\{' | grep -o 'status="[0-9]*"[^}]*}[^ ]* [0-9.e+]*' | sort | head -20 || true)"
[[ -n "$codes" ]] && log "server /metrics hb_requests: $(tr '\n' ';' <<<"$codes")"
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""

LOAD_END="$(loadavg)"
log "load average at end: $LOAD_END"
log ""
log "| measure | runner serve (API) | reference | ratio / target |"
log "|---|---|---|---|"
log "| POST /v1/jobs, $api_jobs narrate jobs, $CONNECTIONS connections | $api_rate jobs/s | runner enqueue --from: $cli_rate jobs/s | **$ratio** (≥ 0.5) |"
log "| GET /v1/jobs/{id} at $RATE/s open loop, $GET_SECONDS s | p50 $g50 ms, p99 $g99 ms (achieved $achieved/s) | — | p99 < 10 ms |"
[[ -n "$WRK_GET" ]] && log "| GET /v1/jobs/{id}, wrk closed loop, $GET_CONNECTIONS connections | ${wrk_rate}/s, p50 $wrk50, p99 $wrk99 | — | — |"
log ""
log "report: $REPORT"
