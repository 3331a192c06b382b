-- wrk script for bench/serve.sh's soak: mostly asset GETs, and every EVERY-th request a
-- `POST /api/avatars/generate/{id}?wait=true` with a bearer token taken in turn from TOKENS.
--   wrk -t2 -c200 -d60s --timeout 30s -s bench/serve_soak.lua http://127.0.0.1:PORT -- \
--       paths.txt ids.txt TOKENS(comma-separated) EVERY
-- Counts answers by kind (asset = image/*, api = everything else) and status, and requests sent
-- by kind, and prints from done():   COUNT <kind> <status> <n>   and   SENT <kind> <n>
-- (sent minus answered = still waiting when wrk stopped).
-- wrk's own socket errors (connect/read/write/timeout) are in its normal summary.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
  table.insert(threads, thread)
end

local assets, generates = {}, {}
local ai, gi, n, every = 0, 0, 0, 20
counts = {}

function init(args)
  local tokens = {}
  for t in string.gmatch(args[3] or "", "[^,]+") do
    tokens[#tokens + 1] = t
  end
  every = tonumber(args[4] or "20")
  for line in io.lines(args[1]) do
    if line ~= "" then
      assets[#assets + 1] = wrk.format("GET", line)
    end
  end
  local k = 0
  for id in io.lines(args[2]) do
    if id ~= "" then
      k = k + 1
      local headers = { ["Content-Type"] = "application/json" }
      if #tokens > 0 then
        headers["Authorization"] = "Bearer " .. tokens[(k - 1) % #tokens + 1]
      end
      generates[#generates + 1] = wrk.format("POST",
        "/api/avatars/generate/" .. id .. "?wait=true&timeout=30", headers,
        '{"style":"initials"}')
    end
  end
  local offset = ((thread_no or 1) - 1) * 7919
  ai = offset % #assets
  gi = offset % #generates
end

sent = { asset = 0, api = 0 }

function request()
  n = n + 1
  if every > 0 and n % every == 0 then
    gi = gi % #generates + 1
    sent.api = sent.api + 1
    return generates[gi]
  end
  ai = ai % #assets + 1
  sent.asset = sent.asset + 1
  return assets[ai]
end

function response(status, headers, body)
  local ct = headers["Content-Type"] or headers["content-type"] or ""
  local kind = "api"
  if string.sub(ct, 1, 6) == "image/" then
    kind = "asset"
  end
  local key = kind .. " " .. status
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local total, out = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do
      total[k] = (total[k] or 0) + v
    end
    for k, v in pairs(t:get("sent")) do
      out[k] = (out[k] or 0) + v
    end
  end
  for k, v in pairs(total) do
    io.write(string.format("COUNT %s %d\n", k, v))
  end
  for k, v in pairs(out) do
    io.write(string.format("SENT %s %d\n", k, v))
  end
end
