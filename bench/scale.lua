-- wrk script: GET a random certificate of bench/scale.py's data set on every request.
-- BENCH_YEARS is "year:count,year:count,…": the numbers CB-CEMS-<year>-00001 … <count> exist in each year.
local years = {}
for year, count in string.gmatch(os.getenv("BENCH_YEARS") or "2026:1000", "(%d+):(%d+)") do
  table.insert(years, {tonumber(year), tonumber(count)})
end
math.randomseed(os.time())
request = function()
  local pick = years[math.random(1, #years)]
  local number = string.format("CB-CEMS-%d-%05d", pick[1], math.random(1, pick[2]))
  return wrk.format("GET", "/api/v1/public/certificates/" .. number)
end
