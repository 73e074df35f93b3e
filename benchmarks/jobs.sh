#!/usr/bin/env bash
# Job engine benchmark on a local PostgreSQL started for the run (scripts/services/postgres.sh):
#  1. no-op jobs enqueued per second (`runner enqueue`, one process, one transaction per job);
#  2. no-op jobs completed per second with 1, 2 and 4 `runner worker` processes;
#  3. enqueue-to-start latency (median, p95) with idle workers waiting (LISTEN/NOTIFY);
#  4. the peer: pgbench on the same server running one job's SQL statements, as the ceiling.
# Durable PostgreSQL settings by default (PG_DURABLE=0 for fsync=off). Env: JOBS (default 5000),
# CONCURRENCY per worker (16), LATENCY_JOBS (100), SCRATCH (swift build folder, default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-5000}"
CONCURRENCY="${CONCURRENCY:-16}"
LATENCY_JOBS="${LATENCY_JOBS:-100}"
SCRATCH="${SCRATCH:-.build}"
export PG_DURABLE="${PG_DURABLE:-1}"

swift build -c release --scratch-path "$SCRATCH" --product runner >/dev/null
RUNNER="$SCRATCH/release/runner"

export TEST_STATE_DIR="$(mktemp -d /tmp/jobs-bench.XXXXXX)"
chmod 755 "$TEST_STATE_DIR"
# shellcheck source=/dev/null
source scripts/services/postgres.sh
cleanup() { service_stop_postgres; rm -rf "$TEST_STATE_DIR"; }
trap cleanup EXIT
service_start_postgres
BASE_URL="$DATABASE_URL"

fresh_db() { # prints the URL of a new, migrated database
  local name="$1"
  psql "$BASE_URL" -qAt -c "CREATE DATABASE $name" >/dev/null
  local url="${BASE_URL%/*}/$name"
  "$RUNNER" migrate --database-url "$url" >/dev/null
  echo "$url"
}
now_ms() { date +%s%3N; }
sql() { psql "$1" -qAt -c "$2"; }

echo "# jobs benchmark: $JOBS no-op jobs, concurrency $CONCURRENCY per worker, PG_DURABLE=$PG_DURABLE, $(nproc) cores"
mapfile -t INPUTS < <(seq 1 "$JOBS" | sed 's/.*/{"i":&}/')

for workers in 1 2 4; do
  url="$(fresh_db "bench_w$workers")"
  t0=$(now_ms)
  "$RUNNER" enqueue --database-url "$url" --workflow noop "${INPUTS[@]}" >/dev/null
  t1=$(now_ms)
  enq_rate=$(( JOBS * 1000 / (t1 - t0) ))
  pids=()
  t2=$(now_ms)
  for ((w = 0; w < workers; w++)); do
    "$RUNNER" worker --database-url "$url" --concurrency "$CONCURRENCY" --exit-when-idle --poll-interval 100ms \
      2>"$TEST_STATE_DIR/worker$w.log" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  t3=$(now_ms)
  done_count=$(sql "$url" "SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'")
  span_ms=$(sql "$url" "SELECT MAX(at) - MIN(at) FROM events WHERE type IN ('job.started', 'job.succeeded')")
  run_rate=$(( done_count * 1000 / (span_ms > 0 ? span_ms : 1) ))
  wall_rate=$(( done_count * 1000 / (t3 - t2) ))
  printf 'workers=%d enqueued=%d/s completed=%d/s (first start to last finish; %d/s wall incl. process start) succeeded=%d\n' \
    "$workers" "$enq_rate" "$run_rate" "$wall_rate" "$done_count"
done

# Latency: idle workers wait on LISTEN; jobs arrive one at a time.
url="$(fresh_db bench_latency)"
pids=()
for w in 1 2; do
  "$RUNNER" worker --database-url "$url" --concurrency 4 --poll-interval 5s 2>"$TEST_STATE_DIR/latency$w.log" &
  pids+=($!)
done
sleep 2
for ((i = 0; i < LATENCY_JOBS; i++)); do
  "$RUNNER" enqueue --database-url "$url" --workflow noop "{\"latency\":$i}" >/dev/null
  sleep 0.02
done
sleep 1
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || true; done
sql "$url" "
  WITH l AS (
    SELECT s.at - e.at AS ms FROM events e JOIN events s ON s.job_id = e.job_id
    WHERE e.type = 'job.enqueued' AND s.type = 'job.started')
  SELECT format('latency enqueue->start over %s jobs: median=%s ms p95=%s ms max=%s ms', COUNT(*),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms), MAX(ms)) FROM l"

# Peer: pgbench's simple-update transaction (BEGIN; UPDATE; SELECT; INSERT; END) with 4 clients on
# the same server: what this PostgreSQL does per second on this machine. A no-op job costs about
# 4 write transactions (claim share, step start, step end, job end), so jobs/s x 4 / tps is the
# share of the database's capacity the engine reaches.
psql "$BASE_URL" -qAt -c "CREATE DATABASE bench_peer" >/dev/null
peer_url="${BASE_URL%/*}/bench_peer"
"$PG_BIN/pgbench" -q -i -s 4 "$peer_url" >/dev/null 2>&1
tps=$("$PG_BIN/pgbench" -n -N -c 4 -j 2 -T 10 "$peer_url" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
echo "peer: pgbench simple-update, 4 clients, 10 s: ${tps} transactions/s"
