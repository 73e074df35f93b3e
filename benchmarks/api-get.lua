-- wrk script for benchmarks/api.sh: GET /v1/jobs/{id}, ids read from IDS_FILE, round-robin per thread.
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do if #line > 0 then ids[#ids + 1] = line end end
local key = os.getenv("API_KEY")
local n = 0
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. key
  n = math.random(#ids)
end
function request()
  n = n % #ids + 1
  return wrk.format("GET", "/v1/jobs/" .. ids[n])
end
