-- Tiny benchmark helper shared by scripts/bench/*.lua.
--   bench.time(label, fn, {warmup = 1, runs = 5}) -> median seconds
-- prints "label  median ms (min .. max) over N runs".
local bench = {}

function bench.time(label, fn, opts)
  opts = opts or {}
  for _ = 1, opts.warmup or 1 do fn() end
  local times = {}
  for i = 1, opts.runs or 5 do
    local t0 = ember.clock()
    fn()
    times[i] = ember.clock() - t0
  end
  table.sort(times)
  local median = times[(#times + 1) // 2]
  print(("%-58s %10.3f ms  (min %.3f, max %.3f, %d runs)"):format(label, median * 1e3, times[1] * 1e3,
    times[#times] * 1e3, #times))
  return median, times
end

function bench.section(title)
  print()
  print("## " .. title)
end

function bench.mib(bytes) return bytes / 1048576 end

return bench
