# A time limit for a test phase, so a hung test fails the run with evidence instead of eating
# CI's whole budget. Sourced.
#   run_phase SECONDS NAME COMMAND...  runs COMMAND with line-buffered output; past SECONDS it
#       prints the threads of every test process (gdb) and the phase's last output, kills the
#       phase and returns 124. Otherwise returns COMMAND's status.
run_phase() {
  local limit="$1" name="$2"
  shift 2
  local started=$SECONDS
  echo "== phase $name (limit ${limit}s): $*"
  # setsid: the phase is its own process group, so it can be killed whole.
  local log
  log="$(mktemp /tmp/phase-"$name".XXXXXX)"
  setsid stdbuf -oL -eL "$@" > >(tee "$log") 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS - started >= limit)); then
      echo "== phase $name exceeded ${limit}s; tests started and not finished:" >&2
      comm -23 <(sed -n 's/^◇ Test \(.*\) started\.$/\1/p' "$log" | grep -v '^case ' | sort -u) \
               <(sed -n 's/^[✔✘] Test \(.*\) \(passed\|failed\).*/\1/p' "$log" | sed 's/ with [0-9]* test cases\?$//' | sort -u) >&2 || true
      echo "== the test processes' threads:" >&2
      local p
      for p in $(pgrep -g "$pid" -f 'xctest|PackageTests' || true); do
        echo "-- process $p: $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | cut -c1-200)" >&2
        timeout 120 gdb -p "$p" -batch -ex 'set pagination off' -ex 'thread apply all bt 25' 2>/dev/null \
          | grep -E '^Thread|^#' | grep -vE ' in (__GI_|__futex|futex_|syscall|epoll_wait|__lll_|pthread_cond)' >&2 || true
      done
      kill -TERM -- "-$pid" 2>/dev/null || true
      sleep 5
      kill -KILL -- "-$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      echo "== phase $name killed after $((SECONDS - started))s (hung)" >&2
      rm -f "$log"
      return 124
    fi
    sleep 2
  done
  local rc=0
  wait "$pid" || rc=$?
  rm -f "$log"
  echo "== phase $name finished in $((SECONDS - started))s (status $rc)"
  return "$rc"
}
