-- wrk script: GET a random certificate of the bench set on every request.
local count = tonumber(os.getenv("BENCH_CERTIFICATES") or "1000000")
local path = os.getenv("BENCH_PATH") or "/api/v1/public/certificates/%s"
math.randomseed(os.time())
request = function()
  local i = math.random(0, count - 1)
  local number = string.format("CB-CEMS-%d-%07d", 2020 + i % 7, i)
  return wrk.format("GET", string.format(path, number))
end
