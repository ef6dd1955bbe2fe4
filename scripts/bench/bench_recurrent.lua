-- Recurrent layers: one training batch (forward + backward + RMSprop step,
-- model:train_on_batch) for the chapter's recurrent models, with samples/s,
-- peak RSS, and, when PyTorch is importable, the same shapes in PyTorch
-- (scripts/bench/torch_recurrent.py) side by side.
--   make bench BENCH=recurrent          (EMBER_BENCH_TORCH=0 skips PyTorch)
local bench = require "bench"

-- PyTorch 1.13, CPU, 2 threads, measured on this 2-core machine (the issue's
-- reference); Ember must be >= 3x faster on these two.
local reference_ms = { imdb_lstm = 820, jena_gru = 490 }

local catalog = require "cases_recurrent"
local cases, inputs = catalog.cases, catalog.inputs

local function torch_times() return bench.torch_times("torch_recurrent.py", "2 5") end

local load_average = require("machine").load_average

bench.section("Recurrent layers: one training batch (forward + backward + RMSprop), batch 128")
print(("machine shared with other jobs (load average %s): figures are noisy, medians of 5 runs")
  :format(load_average()))
local ember_ms = {}
ember.seed(1)
for _, case in ipairs(cases) do
  local model = case.model()
  model:compile { optimizer = ember.optimizers.RMSprop { lr = 1e-3 }, loss = case.loss or "binary_crossentropy" }
  local x, y = inputs(case)
  local cpu0 = os.clock()  -- process CPU time, all threads: wall >> cpu means a busy machine
  local median = bench.time(case.label, function() model:train_on_batch(x, y) end, { warmup = 1, runs = 5 })
  local cpu_ms = (os.clock() - cpu0) / 6 * 1e3
  ember_ms[case.key] = median * 1e3
  print(("    %.0f samples/s, CPU %.0f ms per batch (mean), peak RSS %.0f MiB"):format(128 / median, cpu_ms,
    bench.mib(ember.peak_rss())))
  model = nil
  collectgarbage()
end

print()
for _, key in ipairs { "imdb_lstm", "jena_gru" } do
  local ref = reference_ms[key]
  print(("%-18s Ember %.1f ms vs PyTorch reference %d ms: %.1fx faster (goal >= 3x)")
    :format(key, ember_ms[key], ref, ref / ember_ms[key]))
end
local torch, why = torch_times()
if torch then
  print(("\nPyTorch %s measured now, same shapes (CPU, 2 threads, load average %s):")
    :format(torch.version or "?", load_average()))
  for _, case in ipairs(cases) do
    local t = torch[case.key]
    if t then
      print(("%-18s PyTorch %8.1f ms   Ember %8.1f ms   ratio %.1fx"):format(case.key, t, ember_ms[case.key],
        t / ember_ms[case.key]))
    end
  end
else
  print("PyTorch side by side: " .. why)
end
