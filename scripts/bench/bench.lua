-- Tiny benchmark helper shared by scripts/bench/*.lua.
--   bench.time(label, fn, {warmup = 1, runs = 5}) -> median seconds
-- prints "label  median ms (min .. max) over N runs".
local bench = {}

function bench.time(label, fn, opts)
  opts = opts or {}
  local median, times = bench.time_quiet(fn, opts)
  print(("%-58s %10.3f ms  (min %.3f, max %.3f, %d runs)"):format(label, median * 1e3, times[1] * 1e3,
    times[#times] * 1e3, #times))
  return median, times
end

-- The same measurement without printing: median seconds.
function bench.time_quiet(fn, opts)
  opts = opts or {}
  for _ = 1, opts.warmup or 1 do fn() end
  local times = {}
  for i = 1, opts.runs or 5 do
    local t0 = ember.clock()
    fn()
    times[i] = ember.clock() - t0
  end
  table.sort(times)
  return times[(#times + 1) // 2], times
end

function bench.section(title)
  print()
  print("## " .. title)
end

function bench.mib(bytes) return bytes / 1048576 end

-- A python3 that can import torch: the one on PATH, or Debian's (a pyenv
-- shim may shadow /usr/bin/python3, where python3-torch installs).
local function torch_python()
  for _, py in ipairs { "python3", "/usr/bin/python3" } do
    if os.execute(py .. " -c 'import torch' >/dev/null 2>&1") then return py end
  end
end

-- Run scripts/bench/<script> ARGS with a torch-capable python and collect
-- its "key milliseconds" lines (and "torch <version>") into a table.
-- Returns nil and a reason when PyTorch is skipped or missing; never a
-- dependency of Ember, only a reference.
function bench.torch_times(script, args)
  if os.getenv("EMBER_BENCH_TORCH") == "0" then return nil, "skipped (EMBER_BENCH_TORCH=0)" end
  local py = torch_python()
  if not py then return nil, "PyTorch not importable here" end
  local dir = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "scripts/bench"
  local p = io.popen(py .. " " .. dir .. "/" .. script .. " " .. args .. " 2>&1")
  local out = {}
  for line in p:lines() do
    local key, ms = line:match("^(%S+) ([%d.]+)$")
    if key then out[key] = tonumber(ms) end
    out.version = out.version or line:match("^torch (%S+)$")
  end
  p:close()
  return out
end

return bench
