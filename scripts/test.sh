#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts the real servers the tests use
# (each scripts/services/NAME.sh defines service_start_NAME and service_stop_NAME and exports
# what the tests read, e.g. DATABASE_URL), runs every test, and stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export CI="${CI:-true}"          # servers missing => tests fail, never skip
export TEST_STATE_DIR="$(mktemp -d /tmp/media-pipeline-test.XXXXXX)"
chmod 755 "$TEST_STATE_DIR"
started=()
cleanup() {
  for ((i=${#started[@]}-1; i>=0; i--)); do "service_stop_${started[i]}" || true; done
  rm -rf "$TEST_STATE_DIR"
}
trap cleanup EXIT

for f in scripts/services/*.sh; do
  [[ -e "$f" ]] || continue
  name="$(basename "$f" .sh)"
  # shellcheck source=/dev/null
  source "$f"
  "service_start_${name}"
  started+=("$name")
done

swift build --build-tests
# Every phase has a time limit (scripts/lib/watchdog.sh): a hung test prints its threads and
# fails the run instead of using up CI's time.
# shellcheck source=scripts/lib/watchdog.sh
source scripts/lib/watchdog.sh
# Phases on this 2-core machine: the in-process suites (servers and workers in the test process),
# then the suites that start several `runner` processes one test at a time, then the event-stream
# latency test alone, then the 20 × 200 MiB upload test alone (4 GiB through one server). Run all
# together, the suites starved the in-process servers of CPU for tens of seconds.
processes="WorkerProcessTests|FleetLimitTests|WorkerUploadResumeTests|ScheduleFiringTests|WebhookCrashTests|ServeProcessTests|DiskFullTests|ProcessSignalTests|BulkCommandTests"
latency="EventStreamTests"
heavy="ServeProcessTests/twentyParallelUploads"
if [[ $# -eq 0 ]]; then
  run_phase 1500 in-process swift test --skip-build --skip "$processes|$latency"
  run_phase 1200 processes swift test --skip-build --filter "$processes" --skip "$heavy" --no-parallel
  run_phase 400 latency swift test --skip-build --filter "$latency"
  run_phase 400 heavy-upload swift test --skip-build --filter "$heavy"
else
  run_phase 2400 selected swift test --skip-build "$@"
fi
# The API contract: schemathesis against `runner serve`, from its own OpenAPI document.
scripts/api-contract.sh
# The dashboard in headless Chromium against `runner serve` (selenium).
scripts/browser-tests.sh
