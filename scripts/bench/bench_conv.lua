-- Conv1D models of section 6.4: one training batch (forward + loss +
-- backward + RMSprop step, model:train_on_batch) at batch 128, and, when
-- PyTorch is importable, the same shapes in PyTorch (scripts/bench/
-- torch_conv.py) side by side.
--   make bench BENCH=conv          (EMBER_BENCH_TORCH=0 skips PyTorch)
local bench = require "bench"

-- PyTorch 1.13, CPU, measured on this 2-core machine (issue 5's reference);
-- Ember must be >= 2x faster per batch on these two.
local reference_ms = { imdb_conv1d = 180, jena_conv1d = 18 }

local catalog = require "cases_conv"
local cases, inputs = catalog.cases, catalog.inputs

local function torch_times() return bench.torch_times("torch_conv.py", "2 5") end

bench.section("Conv1D models: one training batch (forward + backward + RMSprop), batch 128")
local load = io.open("/proc/loadavg")
print(("machine shared with other jobs (load average %s): wall figures are noisy, medians of 7 runs")
  :format(load and load:read("l"):match("^(%S+)") or "?"))
if load then load:close() end
local ember_ms, min_ms = {}, {}
ember.seed(1)
for _, case in ipairs(cases) do
  if case.needs_gru and not ember.layers.GRU then
    print(("%-58s GRU not available yet"):format(case.label))
  else
    local model = case.model()
    model:compile { optimizer = ember.optimizers.RMSprop { lr = case.lr or 1e-3 }, loss = case.loss }
    local x, y = inputs(case)
    local cpu0 = os.clock()
    local median, times = bench.time(case.label, function() model:train_on_batch(x, y) end, { warmup = 2, runs = 7 })
    min_ms[case.key] = times[1] * 1e3
    local cpu = (os.clock() - cpu0) / 9  -- process CPU time (all threads) per batch, warmups included
    ember_ms[case.key] = median * 1e3
    print(("    %.0f samples/s, CPU %.1f ms per batch (all threads), peak RSS %.0f MiB")
      :format(128 / median, cpu * 1e3, bench.mib(ember.peak_rss())))
  end
end

print()
for _, key in ipairs { "imdb_conv1d", "jena_conv1d" } do
  local ref = reference_ms[key]
  print(("%-16s Ember %.1f ms (median; min %.1f) vs PyTorch reference %d ms: %.1fx faster (%.1fx at the min; goal >= 2x)")
    :format(key, ember_ms[key], min_ms[key], ref, ref / ember_ms[key], ref / min_ms[key]))
end
local torch, why = torch_times()
if torch then
  print("\nPyTorch measured now, same shapes (CPU, 2 threads):")
  for _, case in ipairs(cases) do
    local t = torch[case.key]
    if t and ember_ms[case.key] then
      print(("%-16s PyTorch %8.1f ms   Ember %8.1f ms   ratio %.1fx"):format(case.key, t, ember_ms[case.key],
        t / ember_ms[case.key]))
    end
  end
else
  print("PyTorch side by side: " .. why)
end
