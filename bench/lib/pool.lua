-- wrk script: sends a pool of pre-signed raw HTTP requests (each thread its own share, in order,
-- wrapping around when exhausted) and collects which requests were acknowledged.
-- Environment: WRK_THREADS and WRK_CONNECTIONS (wrk's -t and -c), WRK_POOL (pool file: 8-digit length + request, repeated), WRK_MODE (bmu | mu |
-- plain), WRK_OUT (JSON summary written by done()), WRK_ACKS (acknowledgements, one per line).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(os.getenv("WRK_THREADS"))
  mode = os.getenv("WRK_MODE") or "plain"
  local f = assert(io.open(os.getenv("WRK_POOL"), "rb"))
  local data = f:read("*a")
  f:close()
  reqs = {}
  local pos, i = 1, 0
  local len = #data
  while pos <= len do
    local size = tonumber(string.sub(data, pos, pos + 7))
    if i % nthreads == id then
      reqs[#reqs + 1] = string.sub(data, pos + 8, pos + 7 + size)
    end
    pos = pos + 8 + size
    i = i + 1
  end
  data = nil
  perThread = tonumber(os.getenv("WRK_CONNECTIONS")) / nthreads
  held = 0
  n = #reqs
  idx = 0
  sent = 0
  acked = {}
  statuses = {}
  partial = 0
  sample = ""
end

-- The first request of each connection waits until every connection is open: a busy server
-- accepts about one new connection per turn of its event loop, and a run should measure the
-- steady state, not that ramp. The wait is left out of the reported duration.
HOLD_MS = 300
function delay()
  if held < perThread then
    held = held + 1
    return HOLD_MS
  end
  return 0
end

function request()
  idx = idx % n + 1
  sent = sent + 1
  return reqs[idx]
end

local function count(body, needle)
  local c, at = 0, 1
  while true do
    local s, e = string.find(body, needle, at, true)
    if not s then return c end
    c = c + 1
    at = e + 1
  end
end

-- Without a response() wrk parses no bodies: "plain" runs (ceiling, moto) measure HTTP alone and
-- take status counts from wrk's own summary.
local function onResponse(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status ~= 200 then
    if sample == "" then sample = string.sub(body or "", 1, 300) end
    return
  end
  if mode == "bmu" then
    local q = string.match(body, '"Quantity":(%d+)')
    if q and count(body, '"Status":"Success"') == 25 then
      acked[#acked + 1] = q
    else
      partial = partial + 1
      if sample == "" then sample = string.sub(body, 1, 300) end
    end
  elseif mode == "mu" then
    local id = string.match(body, '"MeteringRecordId":"([^"]+)"')
    if id then acked[#acked + 1] = id else partial = partial + 1 end
  end
end

if os.getenv("WRK_MODE") ~= "plain" then response = onResponse end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("WRK_OUT"), "w"))
  local acks = assert(io.open(os.getenv("WRK_ACKS"), "w"))
  local totalStatuses, poolSize, sentTotal, partialTotal, samples = {}, 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses")) do
      totalStatuses[k] = (totalStatuses[k] or 0) + v
    end
    for _, a in ipairs(thread:get("acked")) do acks:write(a, "\n") end
    poolSize = poolSize + thread:get("n")
    sentTotal = sentTotal + thread:get("sent")
    partialTotal = partialTotal + thread:get("partial")
    local s = thread:get("sample")
    if s ~= "" then samples[#samples + 1] = s end
  end
  acks:close()
  local parts = {}
  for k, v in pairs(totalStatuses) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  local e = summary.errors
  out:write(string.format(
    '{"holdUs":%d,"durationUs":%d,"requests":%d,"bytes":%d,"poolSize":%d,"sent":%d,"partial":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":{%s},"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%f},"sample":"%s"}',
    HOLD_MS * 1000, summary.duration, summary.requests, summary.bytes, poolSize, sentTotal, partialTotal,
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, string.gsub(samples[1] or "", '[%c"\\]', " ")))
  out:close()
end
