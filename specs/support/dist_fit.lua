-- A small fit for specs/distributed_spec.lua, run by one process and by
-- `mpirun -np N`: prints the final weights (every value, %.9g) and the
-- History on rank 0, so the spec can compare the runs.
--   ember dist_fit.lua KIND [epochs] [batch]
--   KIND: dense, dense_dropout, lstm, gru, gru_dropout, conv1d, embedding
local kind, epochs, batch = arg[1] or "dense", tonumber(arg[2] or "2"), tonumber(arg[3] or "10")
local L = ember.layers
ember.seed(7)
local n = 37  -- not a multiple of the batch nor of the rank counts: uneven shares
local model, x, y = ember.Sequential(), nil, nil
if kind == "dense" then
  x = ember.randn { n, 6 }
  y = (x:narrow(2, 1, 1) * 0.5 + 0.1)
  model:add(L.Dense(8, { activation = "relu", input_shape = { 6 } }))
  model:add(L.Dense(1))
elseif kind == "dense_dropout" then
  x = ember.randn { n, 6 }
  y = (x:narrow(2, 1, 1) * 0.5 + 0.1)
  model:add(L.Dense(8, { activation = "relu", input_shape = { 6 } }))
  model:add(L.Dropout(0.3))
  model:add(L.Dense(1))
elseif kind == "lstm" or kind == "gru" or kind == "gru_dropout" then
  x = ember.randn { n, 5, 3 }
  y = ember.randn { n, 1 }
  if kind == "lstm" then model:add(L.LSTM(4, { input_shape = { 5, 3 } }))
  elseif kind == "gru" then model:add(L.GRU(4, { input_shape = { 5, 3 } }))
  else model:add(L.GRU(4, { input_shape = { 5, 3 }, dropout = 0.2, recurrent_dropout = 0.2 })) end
  model:add(L.Dense(1))
elseif kind == "conv1d" then
  x = ember.randn { n, 12, 2 }
  y = ember.randn { n, 1 }
  model:add(L.Conv1D(4, 3, { activation = "relu", input_shape = { 12, 2 } }))
  model:add(L.GlobalMaxPooling1D())
  model:add(L.Dense(1))
elseif kind == "embedding" then
  x = ember.randint(0, 19, { n, 6 })
  y = ember.rand { n, 1 }:gt(0.5):float()
  model:add(L.Embedding(20, 4, { input_length = 6 }))
  model:add(L.Flatten())
  model:add(L.Dense(1, { activation = "sigmoid" }))
else
  error("dist_fit: unknown kind " .. kind)
end
local loss = kind == "embedding" and "binary_crossentropy" or "mse"
model:compile { optimizer = ember.optimizers.RMSprop { lr = 0.01 }, loss = loss, metrics = { "mae" } }
local h = model:fit(x, y, { epochs = epochs, batch_size = batch, verbose = 0, validation_split = 0.2 })
local ev_loss = model:evaluate(x, y, { verbose = 0 })
local pred = model:predict(x)
-- History must be the same on every rank: its max and min over the ranks agree.
local d, nums = ember.distributed, {}
for _, k in ipairs { "loss", "mae", "val_loss", "val_mae" } do
  for _, v in ipairs(h.history[k]) do nums[#nums + 1] = v end
end
nums[#nums + 1] = ev_loss
local hi, neg = d._reduce_numbers(nums, "max"), {}
for i, v in ipairs(nums) do neg[i] = -v end
local lo = d._reduce_numbers(neg, "max")
local agree = true
for i = 1, #nums do agree = agree and hi[i] == -lo[i] end
if d.is_main() then
  print("ranks_agree " .. (agree and "1" or "0"))
  local out = {}
  for _, w in ipairs(model:get_weights()) do
    local flat = w:reshape { w:numel() }
    for i = 1, flat:numel() do out[#out + 1] = ("%.9g"):format(flat[i]) end
  end
  print("weights " .. table.concat(out, " "))
  local hist = {}
  for _, k in ipairs { "loss", "mae", "val_loss", "val_mae" } do
    for _, v in ipairs(h.history[k]) do hist[#hist + 1] = ("%.9g"):format(v) end
  end
  print("history " .. table.concat(hist, " "))
  print(("evaluate %.9g"):format(ev_loss))
  local p = pred:reshape { pred:numel() }
  local ps = {}
  for i = 1, p:numel() do ps[#ps + 1] = ("%.9g"):format(p[i]) end
  print("predict " .. table.concat(ps, " "))
end
