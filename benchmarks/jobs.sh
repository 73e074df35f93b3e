#!/usr/bin/env bash
# Job engine benchmark: `runner` against PgQueuer (PyPI `pgqueuer`, installed into .venv-bench/)
# on one throw-away PostgreSQL started for the run (scripts/services/postgres.sh, durable settings
# unless PG_DURABLE=0), each in a fresh database of it, alternating, median of REPS runs:
#  1. drain: JOBS (and LARGE) pre-enqueued no-op jobs run by 1 and 2 worker processes; the rate
#     runs from the first job's start to the last job's end (runner: its events; PgQueuer: the
#     workers' own clocks), so process start-up is left out for both;
#  2. enqueue: JOBS jobs by one process, 1,000 per statement (runner: `runner enqueue --from`,
#     wall time of the process; PgQueuer: `Queries.enqueue` with lists, timed inside Python);
#  3. enqueue-to-start latency with 2 idle workers waiting (LISTEN/NOTIFY), LATENCY_JOBS jobs
#     20 ms apart;
#  4. the ceiling: pgbench running the bare claim statement (one row, SKIP LOCKED, mark running)
#     with 1 and 16 clients, and the same taking 10 rows per statement.
# Env: JOBS (20000), LARGE (200000; 0 skips), REPS (3), CONCURRENCY per runner worker (256),
# PGQ_BATCH (PgQueuer batch_size, 100), LATENCY_JOBS (100), SCRATCH (swift build folder, .build).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-20000}"
LARGE="${LARGE:-200000}"
REPS="${REPS:-3}"
CONCURRENCY="${CONCURRENCY:-256}"
PGQ_BATCH="${PGQ_BATCH:-100}"
LATENCY_JOBS="${LATENCY_JOBS:-100}"
SCRATCH="${SCRATCH:-.build}"
export PG_DURABLE="${PG_DURABLE:-1}"

swift build -c release --scratch-path "$SCRATCH" --product runner >/dev/null
RUNNER="$SCRATCH/release/runner"
if [[ ! -x .venv-bench/bin/python ]] || ! .venv-bench/bin/python -c 'import pgqueuer, asyncpg' 2>/dev/null; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q 'pgqueuer==1.6.0' asyncpg
fi
PY=.venv-bench/bin/python
PGQ="benchmarks/pgqueuer_bench.py"

export TEST_STATE_DIR="$(mktemp -d /tmp/jobs-bench.XXXXXX)"
chmod 755 "$TEST_STATE_DIR"
# shellcheck source=/dev/null
source scripts/services/postgres.sh
ALL_PIDS=()
cleanup() {
  for pid in "${ALL_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  service_stop_postgres
  rm -rf "$TEST_STATE_DIR"
}
trap cleanup EXIT
service_start_postgres
BASE_URL="$DATABASE_URL"

sql() { psql "$1" -qAt -c "$2"; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
fresh_db() { # prints the URL of a new, empty database (called in subshells: no counter)
  local name="bench_$(date +%s%N)"
  sql "$BASE_URL" "CREATE DATABASE $name" >/dev/null
  echo "${BASE_URL%/*}/$name"
}
items() { # a file of N inputs
  local file="$TEST_STATE_DIR/items-$1.txt"
  [[ -s "$file" ]] || seq 1 "$1" | sed 's/.*/{"i":&}/' >"$file"
  echo "$file"
}

# runner_run N WORKERS -> "enqueue_rate drain_rate"
runner_run() {
  local n=$1 workers=$2 url t0 t1 pids=() w
  url="$(fresh_db)"
  rm -f "$TEST_STATE_DIR"/runner-worker*.log
  "$RUNNER" migrate --database-url "$url" >/dev/null
  t0=$(now_ms)
  "$RUNNER" enqueue --database-url "$url" --workflow noop --from "$(items "$n")" >/dev/null
  t1=$(now_ms)
  for ((w = 0; w < workers; w++)); do
    "$RUNNER" worker --database-url "$url" --concurrency "$CONCURRENCY" --exit-when-idle --poll-interval 100ms \
      2>"$TEST_STATE_DIR/runner-worker$w.log" &
    pids+=($!)
    ALL_PIDS+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  local done_count span lost
  done_count=$(sql "$url" "SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'")
  span=$(sql "$url" "SELECT MAX(at) - MIN(at) FROM events WHERE type IN ('job.started', 'job.succeeded')")
  lost=$(cat "$TEST_STATE_DIR"/runner-worker*.log | grep -c 'lost job' || true)
  [[ "$done_count" == "$n" ]] || echo "runner: only $done_count of $n succeeded" >&2
  [[ "$lost" == 0 ]] || echo "runner: $lost 'lost job' warnings" >&2
  echo "$(( n * 1000 / (t1 - t0) )) $(( done_count * 1000 / (span > 0 ? span : 1) ))"
  sql "$BASE_URL" "DROP DATABASE ${url##*/}" >/dev/null
}

# pgq_run N WORKERS -> "enqueue_rate drain_rate"
pgq_run() {
  local n=$1 workers=$2 url enq_ms pids=() w
  url="$(fresh_db)"
  rm -f "$TEST_STATE_DIR"/pgq-worker*.out "$TEST_STATE_DIR"/pgq-worker*.log
  $PY "$PGQ" install "$url"
  enq_ms=$($PY "$PGQ" enqueue "$url" "$n" 1000)
  for ((w = 0; w < workers; w++)); do
    $PY "$PGQ" drain "$url" "$PGQ_BATCH" >"$TEST_STATE_DIR/pgq-worker$w.out" 2>"$TEST_STATE_DIR/pgq-worker$w.log" &
    pids+=($!)
    ALL_PIDS+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  local first last count
  first=$(cat "$TEST_STATE_DIR"/pgq-worker*.out | awk '$3 > 0 {print $1}' | sort -n | head -1)
  last=$(cat "$TEST_STATE_DIR"/pgq-worker*.out | awk '$3 > 0 {print $2}' | sort -n | tail -1)
  count=$(cat "$TEST_STATE_DIR"/pgq-worker*.out | awk '{s += $3} END {print s}')
  [[ "$count" == "$n" ]] || echo "pgqueuer: ran $count of $n" >&2
  echo "$(( n * 1000 / enq_ms )) $(( count * 1000 / (last - first > 0 ? last - first : 1) ))"
  sql "$BASE_URL" "DROP DATABASE ${url##*/}" >/dev/null
}

echo "# jobs benchmark: runner vs PgQueuer $($PY -c 'import pgqueuer; print(pgqueuer.__version__)'), PG_DURABLE=$PG_DURABLE, $(nproc) cores," \
  "median of $REPS, runner --concurrency $CONCURRENCY, PgQueuer batch_size $PGQ_BATCH"
SIZES=("$JOBS")
[[ "$LARGE" -gt 0 ]] && SIZES+=("$LARGE")
declare -A R_DRAIN P_DRAIN
R_ENQ=()
P_ENQ=()
for ((rep = 1; rep <= REPS; rep++)); do
  for n in "${SIZES[@]}"; do
    for workers in 1 2; do
      # Alternate which one goes first, so neither always meets a warmer (or busier) machine.
      if (( (rep + workers) % 2 == 0 )); then order="runner pgq"; else order="pgq runner"; fi
      for who in $order; do
        read -r enq drain < <("${who}_run" "$n" "$workers")
        echo "  rep $rep  $who  jobs=$n workers=$workers  drain=$drain/s  enqueue=$enq/s" >&2
        if [[ $who == runner ]]; then
          R_DRAIN[$n.$workers]+="$drain "
          [[ $n == "$JOBS" ]] && R_ENQ+=("$enq")
        else
          P_DRAIN[$n.$workers]+="$drain "
          [[ $n == "$JOBS" ]] && P_ENQ+=("$enq")
        fi
      done
    done
  done
done

printf '\n| jobs | workers | runner drained/s | PgQueuer drained/s | ratio |\n|---|---|---|---|---|\n'
for n in "${SIZES[@]}"; do
  for workers in 1 2; do
    r=$(tr ' ' '\n' <<<"${R_DRAIN[$n.$workers]}" | grep . | median)
    p=$(tr ' ' '\n' <<<"${P_DRAIN[$n.$workers]}" | grep . | median)
    printf '| %s | %s | %s | %s | %s× |\n' "$n" "$workers" "$r" "$p" "$(awk -v a="$r" -v b="$p" 'BEGIN {printf "%.2f", a / b}')"
  done
done
r=$(printf '%s\n' "${R_ENQ[@]}" | median)
p=$(printf '%s\n' "${P_ENQ[@]}" | median)
printf '| enqueue %s | 1 process | %s/s | %s/s | %s× |\n' "$JOBS" "$r" "$p" "$(awk -v a="$r" -v b="$p" 'BEGIN {printf "%.2f", a / b}')"

# Latency: idle workers wait on LISTEN; jobs arrive one at a time, 20 ms apart.
url="$(fresh_db)"
"$RUNNER" migrate --database-url "$url" >/dev/null
pids=()
for w in 1 2; do
  "$RUNNER" worker --database-url "$url" --concurrency 4 --poll-interval 5s 2>"$TEST_STATE_DIR/latency$w.log" &
  pids+=($!)
  ALL_PIDS+=($!)
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
  SELECT format('runner   latency enqueue->start over %s jobs: median=%s ms p95=%s ms', COUNT(*),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)) FROM l"

url="$(fresh_db)"
$PY "$PGQ" install "$url"
pids=()
for w in 1 2; do
  $PY "$PGQ" listen "$url" 10 $(( LATENCY_JOBS * 30 / 1000 + 6 )) >"$TEST_STATE_DIR/pgq-latency$w.out" 2>/dev/null &
  pids+=($!)
  ALL_PIDS+=($!)
done
sleep 3
$PY "$PGQ" trickle "$url" "$LATENCY_JOBS" 20
for pid in "${pids[@]}"; do wait "$pid" || true; done
cat "$TEST_STATE_DIR"/pgq-latency*.out | sort -n | awk '{a[NR]=$1} END {
  printf "pgqueuer latency enqueue->start over %d jobs: median=%s ms p95=%s ms\n", NR, a[int((NR+1)/2)], a[int(NR*0.95+0.5)]}'

# Ceiling: pgbench running the bare claim (pick one queued row in claim order with SKIP LOCKED and
# mark it running), one commit per statement, on a table of LARGE (at least 200,000) queued rows.
url="$(fresh_db)"
sql "$url" "
  CREATE TABLE q (id BIGSERIAL PRIMARY KEY, status TEXT NOT NULL, priority INT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL, created_at BIGINT NOT NULL);
  CREATE INDEX q_claim ON q (priority DESC, run_at, created_at) WHERE status = 'queued';
  INSERT INTO q (status, run_at, created_at) SELECT 'queued', g, g FROM generate_series(1, GREATEST($LARGE, 200000)) g" >/dev/null
sql "$url" "VACUUM ANALYZE q" >/dev/null
for rows in 1 10; do
  cat >"$TEST_STATE_DIR/claim$rows.sql" <<EOF
WITH picked AS (SELECT id FROM q WHERE status = 'queued' ORDER BY priority DESC, run_at, created_at LIMIT $rows FOR UPDATE SKIP LOCKED)
UPDATE q SET status = 'running' FROM picked WHERE q.id = picked.id;
EOF
done
for spec in "1 1" "16 1" "16 10"; do
  read -r clients rows <<<"$spec"
  tps=$("$PG_BIN/pgbench" -n -f "$TEST_STATE_DIR/claim$rows.sql" -c "$clients" -j 2 -T 5 "$url" 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  echo "ceiling: pgbench bare claim, $clients clients, $rows row(s) per statement: ${tps%.*} commits/s = $(awk -v t="$tps" -v r="$rows" 'BEGIN {printf "%d", t * r}') rows/s"
done
