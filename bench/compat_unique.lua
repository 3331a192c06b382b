-- wrk: every request asks for a new avatar (a seed or hash no one asked for before), so each
-- one is drawn; PATH_FMT (env) holds one %s for it.
local fmt = os.getenv("PATH_FMT")
local counter = 0
local tid = 0
local threads = {}

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + tid)
  prefix = string.format("%d%08x", tid, math.random(0, 0x7fffffff))
end

function request()
  counter = counter + 1
  return wrk.format("GET", string.format(fmt, string.format("%s%010d", prefix, counter)))
end
