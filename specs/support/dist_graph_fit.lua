-- A functional Model of two inputs and two outputs, with a shared layer
-- and Dropout, fitted the same way on one process and under mpirun
-- (specs/functional_spec.lua compares them): prints history, weights,
-- evaluate and predict as "key v1 v2 ..." lines (rank 0 only), and
-- ranks_agree 1 when every rank's History equals rank 0's.
local ember = require "ember"
local L = ember.layers
ember.seed(11)
local a = ember.Input { shape = { 4 }, name = "a" }
local b = ember.Input { shape = { 4 }, name = "b" }
local shared = L.Dense(5, { activation = "tanh" })
local h = L.concatenate { shared(a), shared(b) }
h = L.Dropout(0.3)(h)
local out1 = L.Dense(1, { name = "reg" })(h)
local out2 = L.Dense(3, { activation = "softmax", name = "cls" })(h)
local m = ember.Model { inputs = { a, b }, outputs = { out1, out2 } }
m:compile { optimizer = "rmsprop", loss = { reg = "mse", cls = "categorical_crossentropy" },
  loss_weights = { 0.5, 1 }, metrics = { cls = { "acc" } } }
local n = 37
local xa, xb = ember.randn { n, 4 }, ember.randn { n, 4 }
local y1 = ember.randn { n, 1 }
local labels = {}
for i = 1, n do labels[i] = i % 3 end
local y2 = ember.utils.to_categorical(ember.tensor(labels):int(), 3)
local hist = m:fit({ xa, xb }, { y1, y2 }, { epochs = 2, batch_size = 10, verbose = 0, validation_split = 0.2 })
local d = ember.distributed
local function line(key, list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = ("%.9g"):format(v) end
  if d.rank() == 0 then print(key .. " " .. table.concat(parts, " ")) end
end
local hv = {}
for _, k in ipairs { "loss", "reg_loss", "cls_loss", "cls_acc", "val_loss", "val_cls_loss" } do
  for _, v in ipairs(hist.history[k]) do hv[#hv + 1] = v end
end
line("history", hv)
local w = {}
for _, t in ipairs(m:get_weights()) do for _, v in ipairs(t:reshape { t:numel() }:totable()) do w[#w + 1] = v end end
line("weights", w)
local loss, logs = m:evaluate({ xa, xb }, { y1, y2 }, { verbose = 0 })
line("evaluate", { loss, logs.reg_loss, logs.cls_loss, logs.cls_acc })
local p = m:predict({ a = xa, b = xb })
line("predict", { p[1]:sum(), p[2]:sum() })
local mine = ember.tensor(hv)
local all = mine:clone()
d.allreduce(all, "sum")
local agree = ((all - mine * d.size()):abs():max() <= 1e-6 * d.size()) and 1 or 0
line("ranks_agree", { agree })
