-- wrk script for bench/levels's storm: GETs the paths of WRK_PATHS in turn (as lib/wrk.lua
-- does), and counts the answers by kind: 200, 503 carrying Retry-After, and anything else.
-- Prints one WRK_RESULT line like lib/wrk.lua's, with "ok", "busy" and "other" added.

local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
assert(#paths > 0, "WRK_PATHS names an empty file")

local threads = {}
local started = 0

function setup(thread)
  thread:set("offset", started * 4999)
  started = started + 1
  threads[#threads + 1] = thread
end

local n, ok, busy, other = 0, 0, 0, 0

function request()
  n = n + 1
  return wrk.format("GET", paths[((offset or 0) + n) % #paths + 1])
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 503 and (headers["Retry-After"] or headers["retry-after"]) then
    busy = busy + 1
  else
    other = other + 1
  end
  -- wrk reads thread-local globals from done() through thread:get.
  counted_ok, counted_busy, counted_other = ok, busy, other
end

function done(summary, latency, requests)
  local total = { ok = 0, busy = 0, other = 0 }
  for _, t in ipairs(threads) do
    total.ok = total.ok + (t:get("counted_ok") or 0)
    total.busy = total.busy + (t:get("counted_busy") or 0)
    total.other = total.other + (t:get("counted_other") or 0)
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_us":%d,"p99_us":%d,"max_us":%d,"ok":%d,"busy":%d,"other":%d,"errors":%d}\n',
    summary.requests, summary.duration, seconds > 0 and summary.requests / seconds or 0,
    latency:percentile(50), latency:percentile(99), latency.max, total.ok, total.busy, total.other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
