# `runner serve` for the script-driven tests (api-contract.sh, browser-tests.sh). Sourced.
#   serve_start LABEL WORK [ARGS...]  runs "$RUNNER" serve --port 0 ARGS in the background, its
#       output in WORK/serve.{out,err}; sets server_pid and base (http://127.0.0.1:PORT) once it
#       listens; exits 1 with its output when it does not start within 30 s.
#   stop_server  SIGTERM, up to 20 s for a graceful stop, then SIGKILL.
server_pid=""
base=""

serve_start() {
  local label="$1" work="$2"
  shift 2
  "$RUNNER" serve --port 0 "$@" >"$work/serve.out" 2>"$work/serve.err" &
  server_pid=$!
  base=""
  local line
  for _ in $(seq 1 300); do
    line="$(grep -m1 -o 'listening on http://[^ ]*' "$work/serve.out" 2>/dev/null || true)"
    if [[ -n "$line" ]]; then base="${line#listening on }"; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$base" ]]; then
    echo "$label: runner serve did not start; its output:" >&2
    cat "$work/serve.out" "$work/serve.err" >&2
    exit 1
  fi
  echo "$label: runner serve on $base"
}

stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
