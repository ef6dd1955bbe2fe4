-- One rank of `make bench BENCH=distributed` (scripts/bench/bench_distributed.lua
-- starts it with mpirun, or alone for 1 rank): trains a chapter-6 model on
-- synthetic data of the book's shapes, global batch 128, and prints on rank 0
--   result <samples/s> <all-reduce ms per step> <gradient bytes per step>
--   ember dist_worker.lua CASE STEPS     CASE: gru (6-39) or lstm (6-27)
--   ember dist_worker.lua allreduce FLOATS  prints "result <median ms>": the
--     all-reduce alone of that many float32, after a barrier (no waiting)
local case, steps = arg[1], tonumber(arg[2] or "4")
if case == "allreduce" then
  local t, times = ember.zeros { steps }, {}
  for i = 1, 21 do
    ember.distributed.barrier()
    local t0 = ember.clock()
    ember.distributed.allreduce(t, "sum")
    times[i] = ember.clock() - t0
  end
  table.sort(times)
  if ember.distributed.is_main() then print(("result %.4f 0 0"):format(times[11] * 1e3)) end
  return
end
local L = ember.layers
ember.seed(1)
local batch = 128
local n = batch * steps
local model, x, y = ember.Sequential(), nil, nil
if case == "gru" then      -- 6-39: GRU(32) on 240 steps of 14 Jena features
  model:add(L.GRU(32, { input_shape = { ember.None, 14 } }))
  model:add(L.Dense(1))
  x, y = ember.randn { n, 240, 14 }, ember.randn { n, 1 }
  model:compile { optimizer = ember.optimizers.RMSprop(), loss = "mae" }
elseif case == "lstm" then -- 6-27: Embedding(10000, 32), LSTM(32) on 500 word ids
  model:add(L.Embedding(10000, 32))
  model:add(L.LSTM(32))
  model:add(L.Dense(1, { activation = "sigmoid" }))
  x, y = ember.randint(1, 9999, { n, 500 }), ember.rand { n, 1 }:gt(0.5):float()
  model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
else
  error("dist_worker: unknown case " .. tostring(case))
end
-- warm-up: one global batch (builds, syncs the weights, sizes the buffers)
model:fit(x:narrow(1, 1, batch), y:narrow(1, 1, batch), { epochs = 1, batch_size = batch, verbose = 0 })
local m = model:_step_core()
local s0, c0 = m:allreduce_time()
ember.distributed.barrier()
local t0 = ember.clock()
model:fit(x, y, { epochs = 1, batch_size = batch, verbose = 0, shuffle = false })
ember.distributed.barrier()
local seconds = ember.clock() - t0
local s1, c1 = m:allreduce_time()
local bytes = 0
for _, p in ipairs(model:trainable_params()) do bytes = bytes + 4 * p:numel() end
if ember.distributed.is_main() then
  local per_step = c1 > c0 and (s1 - s0) / (c1 - c0) * 1e3 or 0
  print(("result %.1f %.3f %d"):format(n / seconds, per_step, bytes))
end
