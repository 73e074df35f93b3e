#!/usr/bin/env bash
# The API contract test: schemathesis generates requests from the OpenAPI document that
# `runner serve` itself serves (GET /openapi.yaml) and checks every answer against it (no 5xx,
# documented status codes, content types and response schemas).
#
# Builds nothing: it runs the `runner` that `swift build` left in .build/debug (RUNNER= to use
# another), on a fresh SQLite store and output folder in a temporary folder, with an API key of
# its own, and without the embedded worker (jobs stay queued: nothing runs in the background).
# Needs schemathesis in .venv-test/ (scripts/setup.sh installs it).
#
# Environment: RUNNER, ST_MAX_EXAMPLES (per operation and phase, default 25), ST_SEED (default
# fixed, so a CI failure reproduces; ST_SEED=random for a new one), ST_ARGS (more `st run` flags).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNNER="${RUNNER:-.build/debug/runner}"
ST=".venv-test/bin/st"
[[ -x "$RUNNER" ]] || { echo "api-contract: $RUNNER is missing (run swift build first)" >&2; exit 2; }
[[ -x "$ST" ]] || { echo "api-contract: $ST is missing (run scripts/setup.sh)" >&2; exit 2; }

work="$(mktemp -d /tmp/api-contract.XXXXXX)"
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

database="sqlite:$work/state.sqlite"
key="$("$RUNNER" keys create --tenant contract --database-url "$database" 2>/dev/null)"
[[ "$key" == mpk_* ]] || { echo "api-contract: runner keys create gave no key" >&2; exit 1; }

"$RUNNER" serve --port 0 --database-url "$database" --out "$work/out" --no-worker --rate-limit 0 \
  >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!

base=""
for _ in $(seq 1 300); do
  line="$(grep -m1 -o 'listening on http://[^ ]*' "$work/serve.out" 2>/dev/null || true)"
  if [[ -n "$line" ]]; then base="${line#listening on }"; break; fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$base" ]]; then
  echo "api-contract: runner serve did not start; its output:" >&2
  cat "$work/serve.out" "$work/serve.err" >&2
  exit 1
fi
echo "api-contract: runner serve on $base"

seed="${ST_SEED:-20261204}"
seed_args=(--seed "$seed")
[[ "$seed" == random ]] && seed_args=()

start=$SECONDS
status=0
# Bounded three ways: examples per operation, a timeout per request (an event stream that
# outlives it is a failure, not a hang), and a time limit on the whole run.
# shellcheck disable=SC2086
timeout --kill-after=10 240 "$ST" run "$base/openapi.yaml" \
  --url "$base" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "${ST_MAX_EXAMPLES:-25}" \
  --request-timeout 10 \
  --workers 2 \
  --no-color \
  --suppress-health-check too_slow,filter_too_much \
  "${seed_args[@]}" ${ST_ARGS:-} || status=$?

stop_server
if ((status != 0)); then
  echo "api-contract: schemathesis failed (exit $status) after $((SECONDS - start)) s; the server's log:" >&2
  tail -n 100 "$work/serve.err" >&2
  exit 1
fi
echo "api-contract: passed in $((SECONDS - start)) s"
