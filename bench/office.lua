-- wrk script: GET a random path of the list in BENCH_PATHS on every request, with a random one of the office
-- sessions in BENCH_COOKIES (space-separated cookie values).
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local cookies = {}
for value in string.gmatch(os.getenv("BENCH_COOKIES") or "", "%S+") do
  cookies[#cookies + 1] = value
end
math.randomseed(os.time())
request = function()
  local path = paths[math.random(1, #paths)]
  local headers = {}
  if #cookies > 0 then
    headers["Cookie"] = "office_session=" .. cookies[math.random(1, #cookies)]
  end
  return wrk.format("GET", path, headers)
end
