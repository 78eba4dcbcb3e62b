-- wrk script for the DX Atlas benchmark.
--
-- Request: GET by default. With WRK_BODY_FILE set, a POST of that file's contents with
-- Content-Type WRK_CONTENT_TYPE (default application/json), e.g. a GraphQL query.
--
-- Report: after the run, one machine-readable line on stdout,
--   WRK_RESULT {"requests":…,"duration_us":…,"rps":…,"p50_us":…,"p90_us":…,"p99_us":…,…}
-- with latency percentiles in microseconds and wrk's error counters: `status` counts
-- responses with an HTTP status of 400 or more (wrk's "Non-2xx or 3xx responses"; the
-- targets send no redirects), `connect`/`read`/`write`/`timeout` count socket errors, and
-- `errors` is their sum.

local body_file = os.getenv("WRK_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  local total = e.status + e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  local fields = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_us":%d', summary.duration),
    string.format('"rps":%.2f', seconds > 0 and summary.requests / seconds or 0),
    string.format('"bytes":%d', summary.bytes),
    string.format('"p50_us":%d', latency:percentile(50)),
    string.format('"p90_us":%d', latency:percentile(90)),
    string.format('"p99_us":%d', latency:percentile(99)),
    string.format('"max_us":%d', latency.max),
    string.format('"mean_us":%.1f', latency.mean),
    string.format('"status":%d', e.status),
    string.format('"connect":%d', e.connect),
    string.format('"read":%d', e.read),
    string.format('"write":%d', e.write),
    string.format('"timeout":%d', e.timeout),
    string.format('"errors":%d', total),
  }
  io.write("WRK_RESULT {" .. table.concat(fields, ",") .. "}\n")
end
