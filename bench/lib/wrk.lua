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

-- With WRK_VARIED=1, every request is a different GraphQL choropleth (indicator,
-- classification, classes, palette and zoom), as a user exploring the map sends them: each is a
-- document-cache miss until the 4,410 combinations come round again. The order is fixed, each
-- wrk thread starting at its own offset, so two runs send the same requests.

local body_file = os.getenv("WRK_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
end

local VARIED = {
  indicators = {
    "cio.appointed", "telework.adopted", "ai.adopted", "staff.dx_it_units",
    "external_talent.headcount_used", "my_number_card.holding_rate",
    "online_procedures.common_32.online_share",
  },
  methods = { "QUANTILES", "EQUAL_INTERVAL", "NATURAL_BREAKS" },
  classes = { 3, 4, 5, 6, 7, 8, 9 },
  palettes = { "Blues", "YlGnBu", "Greens", "Oranges", "Purples", "Reds" },
  zooms = { 4, 5, 6, 7, 8 },
}

if os.getenv("WRK_VARIED") == "1" then
  local threads = 0

  function setup(thread)
    thread:set("offset", threads * 1009)
    threads = threads + 1
  end

  local n = 0

  -- The n-th combination, walking them with a stride coprime to their count.
  local function combination(i)
    local pick = function(list)
      local item = list[(i % #list) + 1]
      i = math.floor(i / #list)
      return item
    end
    local indicator, method = pick(VARIED.indicators), pick(VARIED.methods)
    local classes, palette, zoom = pick(VARIED.classes), pick(VARIED.palettes), pick(VARIED.zooms)
    return string.format(
      '{"query":"{ choropleth(indicator: \\"%s\\", classification: %s, classes: %d, palette: \\"%s\\", zoom: %d) { legend { label colour count } document } }"}',
      indicator, method, classes, palette, zoom)
  end

  function request()
    n = n + 1
    local total = #VARIED.indicators * #VARIED.methods * #VARIED.classes * #VARIED.palettes * #VARIED.zooms
    local body = combination(((offset or 0) + n * 7919) % total)
    return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, body)
  end
end

-- With WRK_PATHS set to a file of paths (one a line, e.g. /tiles/10/909/403.mvt), every request
-- is a GET of the next path, each wrk thread starting at its own offset: a map client panning
-- over a set of tiles.
local paths_file = os.getenv("WRK_PATHS")
if paths_file and paths_file ~= "" then
  local paths = {}
  for line in io.lines(paths_file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  assert(#paths > 0, "WRK_PATHS names an empty file")
  local threads = 0

  function setup(thread)
    thread:set("offset", threads * 7919)
    threads = threads + 1
  end

  local n = 0

  function request()
    n = n + 1
    return wrk.format("GET", paths[((offset or 0) + n) % #paths + 1])
  end
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
