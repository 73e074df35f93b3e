-- wrk script for benchmarks/api.sh: POST /v1/jobs with distinct narrate bodies ("item-<thread>-<i>"),
-- for wrk's duration (-d); prints one summary line. (wrk.thread:stop() after N responses hung wrk 4.1.0 here.)
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end
local key = os.getenv("API_KEY")
local i = 0
function init(args)
  wrk.method = "POST"
  wrk.path = "/v1/jobs"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  i = i + 1
  local body = string.format('{"workflow":"narrate","input":{"text":"item-%d-%d"}}', tid, i)
  return wrk.format(nil, nil, nil, body)
end
function done(summary, latency, requests)
  io.write(string.format("wrk: %d responses in %.3f s, non-2xx/3xx %d, socket errors connect %d read %d write %d timeout %d, latency p50 %.1f ms p99 %.1f ms\n",
    summary.requests, summary.duration / 1e6, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
