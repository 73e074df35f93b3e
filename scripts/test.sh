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
# Phases on this 2-core machine: the in-process suites (servers and workers in the test process),
# then the suites that start several `runner` processes one test at a time, then the event-stream
# latency test alone, then the 20 × 200 MiB upload test alone (4 GiB through one server). Run all
# together, the suites starved the in-process servers of CPU for tens of seconds.
processes="WorkerProcessTests|FleetLimitTests|WorkerUploadResumeTests|ScheduleFiringTests|WebhookCrashTests|ServeProcessTests|DiskFullTests|ProcessSignalTests|BulkCommandTests"
latency="EventStreamTests"
heavy="ServeProcessTests/twentyParallelUploads"
if [[ $# -eq 0 ]]; then
  swift test --skip-build --skip "$processes|$latency"
  swift test --skip-build --filter "$processes" --skip "$heavy" --no-parallel
  swift test --skip-build --filter "$latency"
  swift test --skip-build --filter "$heavy"
else
  swift test --skip-build "$@"
fi
# The API contract: schemathesis against `runner serve`, from its own OpenAPI document.
scripts/api-contract.sh
# The dashboard in headless Chromium against `runner serve` (selenium).
scripts/browser-tests.sh
