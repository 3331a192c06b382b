-- wrk script for bench/serve.sh: GETs real asset URLs, cycling through a list (one path a line,
-- e.g. /assets/bench-000001/bench-000001_ana-abara_initials.0123456789abcdef.png).
--   wrk -t2 -c64 -d15s -s bench/serve_assets.lua http://127.0.0.1:PORT -- paths.txt
-- Requests are formatted once in init(); each thread starts at a different offset so the
-- threads do not walk the list in lockstep.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
end

local requests = {}
local i = 0

function init(args)
  local file = args[1] or "paths.txt"
  for line in io.lines(file) do
    if line ~= "" then
      requests[#requests + 1] = wrk.format("GET", line)
    end
  end
  if #requests == 0 then
    error("no paths in " .. file)
  end
  i = ((thread_no or 1) - 1) * 7919 % #requests
end

function request()
  i = i % #requests + 1
  return requests[i]
end
