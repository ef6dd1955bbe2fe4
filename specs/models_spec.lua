-- Sequential: construction, summary, compile, fit/evaluate/predict, generators,
-- callbacks, weights, custom loops, and bad input.
local L = ember.layers
local train = ember.core.train
local Progbar = require "ember.progbar"

local function capture_summary(model)
  local lines = {}
  model:summary { print_fn = function(s) lines[#lines + 1] = s end }
  return table.concat(lines, "\n")
end

-- Linearly separable data: y = 1 when x . w > 0.
local function separable(n, d, seed)
  ember.seed(seed or 1)
  local x = ember.randn { n, d }
  local y = ember.zeros { n }
  for i = 1, n do
    local s = 0
    for j = 1, d do s = s + x:get(i, j) * ((j % 3) - 1 + 0.5) end
    y:set(i, s > 0 and 1 or 0)
  end
  return x, y
end

local function mlp(seed, opts)
  ember.seed(seed)
  local model = ember.Sequential {
    L.Dense(16, { activation = "relu", input_shape = { 10 } }),
    L.Dropout(0.1),
    L.Dense(1, { activation = "sigmoid" }),
  }
  model:compile { optimizer = ember.optimizers.RMSprop { lr = 0.01 }, loss = "binary_crossentropy", metrics = { "acc" } }
  return model
end

local function flat_weights(model)
  local out = {}
  for _, w in ipairs(model:get_weights()) do out[#out + 1] = w:totable() end
  return out
end

local function run_capture(code)
  local p = io.popen("./ember -e '" .. code .. "' 2>&1")
  local out = p:read("a")
  p:close()
  return out
end

describe("Sequential summary", function()
  it("prints Keras's table for listing 6-7's model", function()
    local model = ember.Sequential {
      L.Embedding(10000, 8, { input_length = 20, name = "embedding_1" }),
      L.Flatten { name = "flatten_1" },
      L.Dense(1, { activation = "sigmoid", name = "dense_1" }),
    }
    local want = table.concat({
      "_________________________________________________________________",
      "Layer (type)                 Output Shape              Param #   ",
      "=================================================================",
      "embedding_1 (Embedding)      (None, 20, 8)             80000     ",
      "_________________________________________________________________",
      "flatten_1 (Flatten)          (None, 160)               0         ",
      "_________________________________________________________________",
      "dense_1 (Dense)              (None, 1)                 161       ",
      "=================================================================",
      "Total params: 80,161",
      "Trainable params: 80,161",
      "Non-trainable params: 0",
      "_________________________________________________________________",
    }, "\n")
    assert.equal(want, capture_summary(model))
    assert.equal(80161, model:count_params())
  end)

  it("numbers layers per class and counts frozen layers as non-trainable", function()
    require("ember.layers.base").reset_names()
    local model = ember.Sequential()
    model:add(L.Embedding(10000, 8, { input_length = 20 }))
    model:add(L.Flatten())
    model:add(L.Dense(32, { activation = "relu" }))
    model:add(L.Dense(1, { activation = "sigmoid" }))
    model.layers[1].trainable = false
    local s = capture_summary(model)
    assert.truthy(s:find("embedding_1 (Embedding)      (None, 20, 8)             80000", 1, true))
    assert.truthy(s:find("dense_2 (Dense)              (None, 1)                 33", 1, true))
    assert.truthy(s:find("Total params: 85,185\nTrainable params: 5,185\nNon-trainable params: 80,000", 1, true))
  end)

  it("shows rank-3 Dense outputs and refuses to summarise an unbuilt model", function()
    local model = ember.Sequential { L.Dense(4, { input_shape = { 7, 3 } }) }
    assert.truthy(capture_summary(model):find("(None, 7, 4)", 1, true))
    assert.error_matches(function() ember.Sequential { L.Dense(3) }:summary() end, "has not yet been built")
  end)
end)

describe("Sequential training", function()
  it("trains a small model to high accuracy on a separable problem and records History", function()
    local x, y = separable(600, 10, 5)
    local model = mlp(42)
    local h = model:fit(x, y, { epochs = 15, batch_size = 32, validation_split = 0.2, verbose = 0 })
    assert.same({ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 }, h.epoch)
    for _, k in ipairs { "loss", "acc", "val_loss", "val_acc" } do assert.equal(15, #h.history[k]) end
    assert.is_true(h.history.loss[15] < 0.5 * h.history.loss[1])
    assert.is_true(h.history.acc[15] > 0.95, "acc " .. h.history.acc[15])
    assert.is_true(h.history.val_acc[15] > 0.93, "val_acc " .. h.history.val_acc[15])
    local loss, metrics = model:evaluate(x, y, { verbose = 0 })
    assert.is_true(metrics.acc > 0.93 and loss < 0.3)
  end)

  it("gives bit-identical weights for the same seed", function()
    local x, y = separable(200, 10, 2)
    local a = mlp(7)
    a:fit(x, y, { epochs = 3, batch_size = 16, verbose = 0 })
    local b = mlp(7)
    b:fit(x, y, { epochs = 3, batch_size = 16, verbose = 0 })
    assert.same(flat_weights(a), flat_weights(b))
    local c = mlp(8)
    c:fit(x, y, { epochs = 3, batch_size = 16, verbose = 0 })
    assert.are_not.same(flat_weights(a), flat_weights(c))
  end)

  it("gives bit-identical weights in two separate processes", function()
    local code = [[ember.seed(5)
local L = ember.layers
local x = ember.randn{200, 10}
local y = ember.randint(0, 1, {200})
local m = ember.Sequential{L.Dense(32, {activation = "relu", input_dim = 10}), L.Dropout(0.3), L.Dense(1, {activation = "sigmoid"})}
m:compile{optimizer = "adam", loss = "binary_crossentropy"}
m:fit(x, y, {epochs = 3, batch_size = 16, verbose = 0})
for _, w in ipairs(m:get_weights()) do for _, v in ipairs(w:reshape{w:numel()}:totable()) do io.write(string.format("%a ", v)) end end]]
    local a, b = run_capture(code), run_capture(code)
    assert.is_true(#a > 1000, a)
    assert.equal(a, b)
  end)

  it("builds from the first batch when no layer declares an input shape", function()
    local x, y = separable(32, 10, 1)
    ember.seed(1)
    local model = ember.Sequential { L.Dense(4, { activation = "relu" }), L.Dense(1, { activation = "sigmoid" }) }
    assert.is_false(model.built)
    model:compile { optimizer = "sgd", loss = "binary_crossentropy", metrics = { "acc" } }
    model:fit(x, y, { epochs = 1, verbose = 0 })
    assert.is_true(model.built)
    assert.truthy(capture_summary(model):find("Total params: 49", 1, true))
    assert.error_matches(function() ember.Sequential():fit(x, y) end, "fit: the model must be compiled")
    local empty = ember.Sequential()
    empty:compile { optimizer = "sgd", loss = "mse" }
    assert.error_matches(function() empty:fit(x, y) end, "fit: the model has no layers")
  end)

  it("counts epochs from initial_epoch", function()
    local x, y = separable(32, 10, 1)
    local h = mlp(1):fit(x, y, { epochs = 4, initial_epoch = 2, verbose = 0 })
    assert.same({ 2, 3 }, h.epoch)
    assert.equal(2, #h.history.loss)
  end)

  it("validates on the LAST fraction of the data, taken before shuffling", function()
    local x, y = separable(100, 10, 3)
    local model = mlp(1)
    local h = model:fit(x, y, { epochs = 1, validation_split = 0.3, verbose = 0 })
    local vloss, vm = model:evaluate(train.rows(x, 71, 30), train.rows(y, 71, 30), { verbose = 0 })
    assert.equal(vloss, h.history.val_loss[1])
    assert.equal(vm.acc, h.history.val_acc[1])
  end)

  it("uses validation_data and aliases 'accuracy'", function()
    local x, y = separable(64, 10, 3)
    local model = mlp(1)
    model:compile { optimizer = "adam", loss = "binary_crossentropy", metrics = { "accuracy" } }
    local h = model:fit(x, y, { epochs = 2, validation_data = { x, y }, verbose = 0 })
    assert.equal(2, #h.history.val_acc)
    assert.equal(h.history.acc, h.history.accuracy)
    assert.equal(h.history.val_acc, h.history.val_accuracy)
  end)

  it("train_on_batch steps once; test_on_batch and predict do not change weights", function()
    local x, y = separable(32, 10, 4)
    ember.seed(3)
    local model = ember.Sequential { L.Dense(1, { activation = "sigmoid", input_dim = 10 }) }
    model:compile { optimizer = "sgd", loss = "binary_crossentropy", metrics = { "acc" } }
    local before = flat_weights(model)
    local l1, m1 = model:test_on_batch(x, y)
    assert.same(before, flat_weights(model))
    local l2, m2 = model:train_on_batch(x, y)
    assert.equal(l1, l2)  -- the loss is computed before the update
    assert.equal(m1.acc, m2.acc)
    assert.is_true(model:test_on_batch(x, y) < l1)
    assert.are_not.same(before, flat_weights(model))
    assert.is_number(m1.acc)
    local p1 = model:predict(x, { batch_size = 5 })
    assert.same({ 32, 1 }, p1.shape)
    assert.same(p1:totable(), model:predict(x, { batch_size = 32 }):totable())
    local keep = p1:totable()
    model:predict(ember.zeros { 32, 10 })
    assert.same(keep, p1:totable())  -- predict copies out of the layer buffers
  end)

  it("fit_generator and evaluate_generator take any callable", function()
    local x, y = separable(256, 10, 6)
    local pos = 0
    local function gen()
      local first = pos % 256 + 1
      pos = pos + 32
      return train.rows(x, first, 32), train.rows(y, first, 32)
    end
    local model = mlp(5)
    local h = model:fit_generator(gen, { steps_per_epoch = 8, epochs = 6, verbose = 0,
      validation_data = gen, validation_steps = 2 })
    assert.equal(6, #h.history.val_loss)
    assert.is_true(h.history.loss[6] < h.history.loss[1])
    local callable = setmetatable({}, { __call = function() return gen() end })
    local loss, m = model:evaluate_generator(callable, { steps = 4 })
    assert.is_true(loss > 0 and m.acc > 0.8)
    local h2 = model:fit_generator(gen, { steps_per_epoch = 2, validation_data = { x, y }, verbose = 0 })
    assert.equal(1, #h2.history.val_acc)
    assert.error_matches(function() model:fit_generator(gen, { epochs = 1 }) end, "option 'steps_per_epoch' is required")
    assert.error_matches(function() model:fit_generator(gen, { steps_per_epoch = 1, validation_data = gen }) end,
      "option 'validation_steps' is required")
    assert.error_matches(function()
      model:fit_generator(function() return train.rows(x, 1, 4), train.rows(y, 1, 3) end, { steps_per_epoch = 1, verbose = 0 })
    end, "fit_generator: the generator returned 4 samples but 3 targets at step 1")
    assert.error_matches(function() model:fit_generator(42, { steps_per_epoch = 1 }) end,
      "argument 'generator' expected a callable")
  end)

  it("passes a gradient check through the whole C chain (Embedding, Flatten, Dropout, Dense)", function()
    ember.seed(3)
    local model = ember.Sequential { L.Embedding(20, 3, { input_length = 4 }), L.Flatten(), L.Dropout(0.3),
      L.Dense(5, { activation = "tanh" }), L.Dense(3, { activation = "softmax" }) }
    assert.truthy(model:chain())
    local x = ember.randint(0, 19, { 6, 4 })
    assert.is_true(require("support.gradcheck").check(model, x, { training = true, seed = 5 }))
  end)

  it("runs layers written in Lua through the generic path (the layer contract)", function()
    local Scale = {}
    Scale.__index = Scale
    function Scale:build(shape) self.output_shape = shape; self.built = true; return shape end
    function Scale:forward(x) return x * 2 end
    function Scale:backward(dy) return dy * 2 end
    function Scale:params() return {}, {}, {} end
    function Scale:zero_grads() end
    function Scale:count_params() return 0 end
    function Scale:get_weights() return {} end
    function Scale:set_weights() end
    local scale = setmetatable({ name = "scale_1", type = "Scale", trainable = true }, Scale)
    ember.seed(2)
    local model = ember.Sequential { L.Dense(4, { activation = "tanh", input_dim = 10 }), scale, L.Dense(1, { activation = "sigmoid" }) }
    assert.is_nil(model:chain())
    assert.is_true(require("support.gradcheck").check(model, ember.randn { 3, 10 }, { check_input = false }))
    model:compile { optimizer = "adam", loss = "binary_crossentropy", metrics = { "acc" } }
    local x, y = separable(64, 10, 1)
    local h = model:fit(x, y, { epochs = 5, verbose = 0 })
    assert.is_true(h.history.loss[5] < h.history.loss[1])
    assert.truthy(capture_summary(model):find("scale_1 (Scale)              (None, 4)                 0", 1, true))
  end)

  it("supports a custom loop with forward, backward and optimizer:step", function()
    local x, y = separable(128, 10, 9)
    ember.seed(4)
    local model = ember.Sequential { L.Dense(8, { activation = "tanh", input_dim = 10 }), L.Dense(1, { activation = "sigmoid" }) }
    local opt = ember.optimizers.Adam { lr = 0.01 }
    local grad = ember.zeros { 0 }
    local first, last
    for epoch = 1, 30 do
      model:zero_grads()
      local pred = model:forward(x, true)
      local loss = ember.losses.compute("binary_crossentropy", pred, y, grad)
      model:backward(grad)
      opt:step(model)
      first = first or loss
      last = loss
    end
    assert.is_true(last < 0.7 * first)
  end)
end)

describe("Sequential with listing 6-7's model", function()
  it("learns synthetic reviews of the same shapes (ids < 10000, length 20)", function()
    -- positives carry tokens from 1..50, negatives from 51..100, the rest noise
    ember.seed(11)
    local n = 1000
    local x = ember.randint(101, 9999, { n, 20 })
    local y = ember.zeros { n }
    local cue = ember.randint(1, 50, { n, 3 })
    for i = 1, n do
      local label = i % 2
      y:set(i, label)
      for k = 1, 3 do x:set(i, k * 5, cue:get(i, k) + (label == 1 and 0 or 50)) end
    end
    ember.seed(1)
    local model = ember.Sequential()
    model:add(L.Embedding(10000, 8, { input_length = 20 }))
    model:add(L.Flatten())
    model:add(L.Dense(1, { activation = "sigmoid" }))
    model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
    local h = model:fit(x, y, { epochs = 10, batch_size = 32, validation_split = 0.2, verbose = 0 })
    assert.is_true(h.history.acc[10] > 0.95, "acc " .. h.history.acc[10])
    assert.is_true(h.history.val_acc[10] > 0.9, "val_acc " .. h.history.val_acc[10])
  end)
end)

describe("callbacks and interruption", function()
  it("EarlyStopping stops on a plateau and restores the best weights", function()
    local x, y = separable(64, 10, 1)
    local model = mlp(2)
    local es = ember.callbacks.EarlyStopping { monitor = "loss", patience = 0, restore_best_weights = true }
    -- lr 0 after the first epoch: the loss cannot improve, so training stops at epoch 2
    local bump = ember.callbacks.LambdaCallback { on_epoch_end = function() model.optimizer.lr = 0 end }
    local h = model:fit(x, y, { epochs = 10, callbacks = { bump, es }, verbose = 0 })
    assert.is_true(#h.epoch < 10)
  end)

  it("EarlyStopping restores the weights of the best epoch", function()
    local x, y = separable(64, 10, 1)
    local model = mlp(2)
    local scripted, snapshots = { 1.0, 0.5, 0.7, 0.8, 0.9 }, {}
    -- runs before EarlyStopping: replaces the monitored value and records the weights
    local script = ember.callbacks.LambdaCallback { on_epoch_end = function(epoch, logs)
      logs.loss = scripted[epoch + 1]
      snapshots[epoch + 1] = flat_weights(model)
    end }
    local es = ember.callbacks.EarlyStopping { monitor = "loss", patience = 1, restore_best_weights = true }
    local h = model:fit(x, y, { epochs = 5, callbacks = { script, es }, verbose = 0 })
    assert.same({ 0, 1, 2 }, h.epoch)
    assert.are_not.same(snapshots[2], snapshots[3])
    assert.same(snapshots[2], flat_weights(model))
  end)

  it("EarlyStopping's baseline is the value to beat from the first epoch (Keras 2.2.4)", function()
    -- drive the callback with scripted logs: returns the epoch that set stop_training (or nil), and es
    local function run(opts, values)
      local fake = { stop_training = false }
      local es = ember.callbacks.EarlyStopping(opts)
      es:set_model(fake)
      es:on_train_begin({})
      for epoch, v in ipairs(values) do
        es:on_epoch_end(epoch - 1, { [opts.monitor or "val_loss"] = v })
        if fake.stop_training then return epoch - 1, es end
      end
      return nil, es
    end
    -- improving, but never below the baseline: stops after `patience` epochs
    assert.equal(1, (run({ patience = 2, baseline = 0.5 }, { 0.6, 0.55, 0.52, 0.51 })))
    assert.is_nil((run({ patience = 2 }, { 0.6, 0.55, 0.52, 0.51 })))
    -- beating the baseline resets the wait and becomes the best
    local stopped, es = run({ patience = 2, baseline = 0.5 }, { 0.6, 0.4, 0.45, 0.42, 0.3 })
    assert.equal(3, stopped)
    assert.equal(0.4, es.best)
    -- maximised metrics: the baseline is a floor; min_delta applies to it too
    assert.equal(0, (run({ monitor = "val_acc", patience = 1, baseline = 0.9 }, { 0.85, 0.95 })))
    assert.equal(1, (run({ monitor = "val_acc", patience = 2, baseline = 0.9, min_delta = 0.1 }, { 0.95, 0.99 })))
    assert.is_nil((run({ monitor = "val_acc", patience = 1, baseline = 0.9 }, { 0.95, 0.96 })))
    -- a reused callback starts from the baseline again
    local _, again = run({ patience = 5, baseline = 0.5 }, { 0.1 })
    again:on_train_begin({})
    assert.equal(0.5, again.best)
    assert.equal(0, again.wait)
    -- in fit: a loss that can never reach -1 stops training after patience epochs
    local x, y = separable(64, 10, 1)
    local model = mlp(2)
    local h = model:fit(x, y, { epochs = 6, verbose = 0,
      callbacks = { ember.callbacks.EarlyStopping { monitor = "loss", patience = 2, baseline = -1 } } })
    assert.same({ 0, 1 }, h.epoch)
    assert.error_matches(function() ember.callbacks.EarlyStopping { baseline = "low" } end,
      "EarlyStopping: option 'baseline' expected a number, got low")
  end)

  it("ModelCheckpoint saves every epoch, or only improvements of the monitored value", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local x, y = separable(64, 10, 1)
    local model = mlp(2)
    model:fit(x, y, { epochs = 2, verbose = 0,
      callbacks = { ember.callbacks.ModelCheckpoint(dir .. "/all.{epoch:02d}.npz") } })
    local w = ember.load(dir .. "/all.02.npz")
    assert.same(model.layers[1]:get_weights()[1]:totable(), w[model.layers[1].name .. "/kernel"]:totable())
    assert.truthy(io.open(dir .. "/all.01.npz"))
    local scripted = { 1.0, 2.0, 0.5 }
    local script = ember.callbacks.LambdaCallback { on_epoch_end = function(epoch, logs) logs.val_loss = scripted[epoch + 1] end }
    model:fit(x, y, { epochs = 3, verbose = 0, callbacks = { script,
      ember.callbacks.ModelCheckpoint(dir .. "/best.{epoch:02d}.npz", { save_best_only = true, monitor = "val_loss" }) } })
    assert.truthy(io.open(dir .. "/best.01.npz"))
    assert.is_nil(io.open(dir .. "/best.02.npz"))
    assert.truthy(io.open(dir .. "/best.03.npz"))
    os.execute("rm -rf " .. dir)
  end)

  it("ModelCheckpoint's table forms: {filepath = …} leaves the caller's table alone, {path, …} is positional", function()
    local C = ember.callbacks
    local opts = { filepath = "w.{epoch:02d}.npz", monitor = "loss", save_best_only = true }
    local cp = C.ModelCheckpoint(opts)
    assert.same({ filepath = "w.{epoch:02d}.npz", monitor = "loss", save_best_only = true }, opts)
    assert.equal("w.{epoch:02d}.npz", cp.filepath)
    assert.equal("loss", cp.monitor)
    assert.is_true(cp.save_best_only)
    -- the same table may be used again
    assert.equal("w.{epoch:02d}.npz", C.ModelCheckpoint(opts).filepath)
    local pos_opts = { "p.npz", monitor = "loss", period = 2 }
    local pos = C.ModelCheckpoint(pos_opts)
    assert.equal("p.npz", pos.filepath)
    assert.equal("loss", pos.monitor)
    assert.equal(2, pos.period)
    assert.same({ "p.npz", monitor = "loss", period = 2 }, pos_opts)
    -- it saves where the positional path says
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local x, y = separable(16, 10, 1)
    local model = mlp(2)
    model:fit(x, y, { epochs = 1, verbose = 0, callbacks = { C.ModelCheckpoint { dir .. "/pos.npz", monitor = "loss" } } })
    assert.truthy(ember.load(dir .. "/pos.npz")[model.layers[1].name .. "/kernel"])
    os.execute("rm -rf " .. dir)
    -- ambiguous or surplus positional values are errors
    local ok, err = pcall(function() C.ModelCheckpoint { "a.npz", filepath = "b.npz" } end)
    assert.is_false(ok)
    assert.matches("^specs/models_spec%.lua:%d+: ModelCheckpoint: argument 'filepath' given twice$", err)
    assert.error_matches(function() C.ModelCheckpoint { "a.npz", "b.npz" } end,
      "ModelCheckpoint: expected at most 1 positional argument, got 2")
    assert.error_matches(function() C.ModelCheckpoint("a.npz", { "b.npz" }) end,
      "ModelCheckpoint: expected at most 1 positional argument, got 2")
    assert.error_matches(function() C.ModelCheckpoint { monitor = "loss" } end,
      "ModelCheckpoint: argument 'filepath' expected a string, got nil")
  end)

  it("ModelCheckpoint refuses save_weights_only = false (only weights can be saved)", function()
    local C = ember.callbacks
    for _, call in ipairs {
      function() C.ModelCheckpoint("w.npz", { save_weights_only = false }) end,
      function() C.ModelCheckpoint { "w.npz", save_weights_only = false } end,
      function() C.ModelCheckpoint { filepath = "w.npz", save_weights_only = false } end,
    } do
      local ok, err = pcall(call)
      assert.is_false(ok)
      assert.matches("^specs/models_spec%.lua:%d+: ModelCheckpoint: option 'save_weights_only' "
        .. "cannot be false: only weights can be saved", err)
    end
    assert.is_table(C.ModelCheckpoint("w.npz", { save_weights_only = true }))
    assert.is_table(C.ModelCheckpoint { "w.npz", save_weights_only = true })
    assert.is_table(C.ModelCheckpoint("w.npz"))
    assert.error_matches(function() C.ModelCheckpoint("w.npz", { save_weights_only = "no" }) end,
      "ModelCheckpoint: option 'save_weights_only' expected a boolean, got no")
  end)

  it("Ctrl-C (the host's 'interrupted!' error) returns the History so far", function()
    local x, y = separable(64, 10, 1)
    local model = mlp(2)
    local batches = 0
    local interrupter = ember.callbacks.LambdaCallback { on_batch_end = function()
      batches = batches + 1
      if batches == 5 then error("stdin:1: interrupted!") end
    end }
    local h = model:fit(x, y, { epochs = 5, batch_size = 16, callbacks = { interrupter }, verbose = 0 })
    assert.same({ 0 }, h.epoch)
    assert.equal(1, #h.history.loss)
  end)

  it("stop_training set mid-epoch ends the epoch unvalidated, as Keras 2.2.4", function()
    local x, y = separable(64, 10, 1)
    local xv, yv = separable(32, 10, 2)
    local function stopper(at_batch)
      local model = mlp(2)
      return model, ember.callbacks.LambdaCallback { on_batch_end = function(batch)
        if batch == at_batch then model.stop_training = true end
      end }
    end
    -- fit: batch 2 of 4 stops it; no val_loss that epoch
    local model, cb = stopper(1)
    local h = model:fit(x, y, { epochs = 3, batch_size = 16, validation_data = { xv, yv }, callbacks = { cb }, verbose = 0 })
    assert.same({ 0 }, h.epoch)
    assert.equal(1, #h.history.loss)
    assert.is_true(h.history.val_loss == nil or #h.history.val_loss == 0)
    -- fit_generator: cut short at step 2 of 4, not validated; at the last step, validated
    local function gen() return x:sub(1, 16), y:sub(1, 16) end
    for _, case in ipairs { { at = 1, validated = false }, { at = 3, validated = true } } do
      model, cb = stopper(case.at)
      h = model:fit_generator(gen, { steps_per_epoch = 4, epochs = 3, validation_data = gen, validation_steps = 2,
        callbacks = { cb }, verbose = 0 })
      assert.same({ 0 }, h.epoch)
      assert.equal(case.validated, h.history.val_loss ~= nil and #h.history.val_loss == 1, "stopped at step " .. case.at + 1)
    end
  end)

  it("other errors inside fit propagate", function()
    local x, y = separable(16, 10, 1)
    local model = mlp(2)
    local bad = ember.callbacks.LambdaCallback { on_batch_end = function() error("boom") end }
    assert.error_matches(function() model:fit(x, y, { callbacks = { bad }, verbose = 0 }) end, "boom")
  end)

  it("stops on a NaN loss naming the epoch and batch", function()
    local x, y = separable(64, 10, 1)
    y:set(40, 0 / 0)
    local model = mlp(2)
    assert.error_matches(function() model:fit(x, y, { epochs = 2, batch_size = 16, shuffle = false, verbose = 0 }) end,
      "fit: the loss is %-?nan at epoch 1, batch 3")
  end)
end)

describe("progress output", function()
  local function fake_clock(times)
    local i = 0
    return function() i = i + 1; return times[math.min(i, #times)] end
  end

  it("formats Keras's final bar line", function()
    local out = {}
    local bar = Progbar.new(157, 1, { dynamic = false, out = function(s) out[#out + 1] = s end,
      clock = fake_clock { 0, 2.983 } })
    bar:update(157, { { "loss", 0.4632 }, { "acc", 0.7851 } })
    bar:finish({ { "val_loss", 0.5 }, { "val_acc", 0.75 } })
    assert.equal("157/157 [==============================] - 3s 19ms/step - loss: 0.4632 - acc: 0.7851"
      .. " - val_loss: 0.5000 - val_acc: 0.7500\n", table.concat(out))
  end)

  it("redraws in place with an ETA on a terminal and averages values by units", function()
    local out = {}
    local bar = Progbar.new(100, 1, { dynamic = true, out = function(s) out[#out + 1] = s end,
      clock = fake_clock { 0, 10, 20 } })
    bar:update(50, { { "loss", 1.0 } })
    assert.equal("\r 50/100 [==============>...............] - ETA: 10s - loss: 1.0000", out[1])
    bar:update(100, { { "loss", 0.5 } })
    assert.equal("\r100/100 [==============================] - 20s 200ms/step - loss: 0.7500", out[2])
  end)

  it("verbose = 2 prints one summary line", function()
    local out = {}
    local bar = Progbar.new(10, 2, { out = function(s) out[#out + 1] = s end, clock = fake_clock { 0, 1.2 } })
    bar:update(10, { { "loss", 0.25 } })
    bar:finish({})
    assert.equal(" - 1s - loss: 0.2500\n", table.concat(out))
  end)

  it("fit prints one line per epoch when stdout is not a terminal", function()
    local out = run_capture([[ember.seed(1)
local L = ember.layers
local m = ember.Sequential{L.Dense(1, {activation = "sigmoid", input_dim = 2})}
m:compile{optimizer = "sgd", loss = "binary_crossentropy", metrics = {"acc"}}
m:fit(ember.rand{64, 2}, ember.ones{64}, {epochs = 2, validation_split = 0.5})]])
    assert.truthy(out:find("Train on 32 samples, validate on 32 samples\nEpoch 1/2\n32/32 %[=+%] %- %d+s %d+[mu]?s/step %- loss: [%d.]+ %- acc: [%d.]+ %- val_loss: [%d.]+ %- val_acc: [%d.]+\nEpoch 2/2\n"), out)
  end)

  it("warns once when binary_crossentropy follows a layer without sigmoid", function()
    local out = run_capture([[local L = ember.layers
local m = ember.Sequential{L.Dense(1, {input_dim = 2})}
m:compile{optimizer = "sgd", loss = "binary_crossentropy"}
m:compile{optimizer = "sgd", loss = "binary_crossentropy"}]])
    local _, count = out:gsub("warning: loss binary_crossentropy expects probabilities, but the last layer dense_1 has activation 'linear'", "")
    assert.equal(1, count, out)
  end)
end)

describe("weights", function()
  it("set_weights checks counts and shapes first and changes nothing on error", function()
    local model = mlp(1)
    local before = flat_weights(model)
    local good = model:get_weights()
    local bad = model:get_weights()
    bad[3] = ember.zeros { 3, 1 }
    assert.error_matches(function() model:set_weights(bad) end,
      "Sequential.set_weights: weight 3 %(dense_%d+/kernel%) expected shape {16,1}, got {3,1}")
    assert.error_matches(function() model:set_weights({ good[1] }) end, "Sequential.set_weights: expected 4 weights, got 1")
    assert.same(before, flat_weights(model))
    local d = model.layers[1]
    assert.error_matches(function() d:set_weights({ good[1] }) end, "expected 2 weights %(kernel, bias%), got 1")
    assert.error_matches(function() d:set_weights({ good[1], ember.zeros { 5 } }) end,
      "weight 2 %(bias%) expected shape {16}, got {5}")
    assert.same(before, flat_weights(model))
    good[1]:fill_(0.5)
    model:set_weights(good)
    assert.equal(0.5, model.layers[1]:get_weights()[1]:get(1, 1))
  end)

  -- The .npz reader/writer comes from the tensor area; these specs check the
  -- Lua-side logic (names, matching, all-or-nothing, atomic rename) against
  -- an in-memory stand-in for ember.save / ember.load.
  describe("with a stand-in for ember.save / ember.load", function()
    local store, real_save, real_load
    before_each(function()
      store, real_save, real_load = { files = {} }, ember.save, ember.load
      ember.save = function(path, tbl)
        if store.fail then error("disk full") end
        local copy = {}
        for k, v in pairs(tbl) do copy[k] = v:clone() end
        local f = assert(io.open(path, "w")); f:write("npz stand-in"); f:close()
        store.files[#store.files + 1] = path
        store.last = copy
      end
      -- Returns what was saved last (the file itself only has to exist).
      ember.load = function(path)
        local f = io.open(path, "r")
        if not f then error("load: cannot open " .. path) end
        f:close()
        return store.last
      end
    end)
    after_each(function() ember.save, ember.load = real_save, real_load end)

    local function saved_model(seed)
      local model = mlp(seed)
      local path = os.tmpname() .. ".npz"
      model:save_weights(path)
      return model, path
    end

    it("writes every weight as <layer>/<weight> with one ember.save (atomic and durable in the engine)", function()
      local model, path = saved_model(1)
      local keys = {}
      for k in pairs(store.last) do keys[#keys + 1] = k end
      table.sort(keys)
      local d1, d2 = model.layers[1].name, model.layers[3].name
      local want = { d1 .. "/bias", d1 .. "/kernel", d2 .. "/bias", d2 .. "/kernel" }
      table.sort(want)
      assert.same(want, keys)
      assert.same({ path }, store.files)  -- the temp file and rename are ember.save's (engine/io/file_util.h)
      assert.truthy(io.open(path, "r"))
      os.remove(path)
    end)

    it("keeps the old file when saving fails", function()
      local model, path = saved_model(1)
      store.fail = true
      assert.error_matches(function() model:save_weights(path) end, "save_weights: .*disk full")
      local f = io.open(path, "r")
      assert.equal("npz stand-in", f:read("a"))
      f:close()
      os.remove(path)
    end)

    it("loads into a model whose auto names differ, matching layers of each type in order", function()
      local model, path = saved_model(1)
      local other = mlp(2)
      assert.are_not.same(flat_weights(model), flat_weights(other))
      other:load_weights(path)
      assert.same(flat_weights(model), flat_weights(other))
      os.remove(path)
    end)

    it("names the first mismatch and changes nothing", function()
      local _, path = saved_model(1)
      ember.seed(3)
      local wrong = ember.Sequential { L.Dense(16, { input_shape = { 10 } }), L.Dense(2) }
      local before = flat_weights(wrong)
      assert.error_matches(function() wrong:load_weights(path) end,
        "load_weights: weight 'dense_%d+/kernel' has shape {16,1} in .* but dense_%d+/kernel expects {16,2}")
      assert.same(before, flat_weights(wrong))  -- the first layer matched, yet was not changed
      local bigger = ember.Sequential { L.Dense(16, { input_shape = { 10 } }), L.Dense(1), L.Dense(1) }
      assert.error_matches(function() bigger:load_weights(path) end,
        "load_weights: .* has no weights for layer dense_%d+ %(Dense%): it holds 2 layer%(s%) of that kind")
      local smaller = ember.Sequential { L.Dense(16, { input_shape = { 10 } }) }
      assert.error_matches(function() smaller:load_weights(path) end,
        "holds weights for layer 'dense_%d+', which this model does not have")
      local nobias = ember.Sequential { L.Dense(16, { input_shape = { 10 }, use_bias = false }), L.Dense(1, { use_bias = false }) }
      assert.error_matches(function() nobias:load_weights(path) end, "which the model's layer has no weight for")
      os.remove(path)
    end)
  end)

  local has_io = type(ember.save) == "function" and type(ember.load) == "function"
  local io_it = has_io and it or pending

  io_it("save_weights / load_weights round-trip and name the first mismatch", function()
    local path = os.tmpname() .. ".npz"
    local model = mlp(1)
    model:save_weights(path)
    local saved = ember.load(path)
    local name = model.layers[1].name
    assert.same(model.layers[1]:get_weights()[1]:totable(), saved[name .. "/kernel"]:totable())
    local other = mlp(2)  -- fresh names (dense_N+2...): matched by type order
    other:load_weights(path)
    assert.same(flat_weights(model), flat_weights(other))
    ember.seed(3)
    local wrong = ember.Sequential { L.Dense(8, { input_shape = { 10 } }), L.Dense(1) }
    local before = flat_weights(wrong)
    assert.error_matches(function() wrong:load_weights(path) end, "load_weights: weight 'dense_%d+/kernel' has shape {10,16} in .* but dense_%d+/kernel expects {10,8}")
    assert.same(before, flat_weights(wrong))
    assert.error_matches(function() wrong:load_weights("/nonexistent/x.npz") end, "load_weights: ")
    os.remove(path)
  end)
end)

describe("bad input", function()
  it("names the layer and the expected vs actual input shape", function()
    require("ember.layers.base").reset_names()
    local model = ember.Sequential { L.Dense(4, { input_dim = 3 }), L.Dense(2) }
    assert.error_matches(function() model:predict(ember.zeros { 2, 5 }) end,
      "dense_1 %(Dense%): expected input of shape {None,3}, got {2,5}")
    local emb = ember.Sequential { L.Embedding(10, 4, { input_length = 5 }), L.Flatten() }
    assert.error_matches(function() emb:predict(ember.zeros({ 2, 6 }, { dtype = "int32" })) end,
      "embedding_1 %(Embedding%): expected input of shape {None,5}, got {2,6}")
    assert.error_matches(function() ember.Sequential { L.Embedding(10, 4), L.Flatten() } end,
      "Sequential: layer 2: flatten_%d+ %(Flatten%): the input shape {None,None,4} is not fully defined")
  end)

  it("refuses fit before compile and mismatched label counts", function()
    local x, y = separable(10, 10, 1)
    ember.seed(1)
    local model = ember.Sequential { L.Dense(1, { input_dim = 10 }) }
    assert.error_matches(function() model:fit(x, y) end, "fit: the model must be compiled before training")
    assert.error_matches(function() model:evaluate(x, y) end, "evaluate: the model must be compiled")
    model:compile { optimizer = "sgd", loss = "mse" }
    assert.error_matches(function() model:fit(x, train.rows(y, 1, 9), { verbose = 0 }) end,
      "fit: x has 10 samples but y has 9 %(the label count must equal the sample count%)")
    assert.error_matches(function() model:train_on_batch(x, train.rows(y, 1, 9)) end, "train_on_batch: x has 10 samples but y has 9")
    assert.error_matches(function() model:fit(x, y, { epoch = 3 }) end, "fit: unknown option 'epoch' %(valid: batch_size, callbacks, class_weight, epochs")
    assert.error_matches(function() model:fit(x, y, { validation_split = 1.5 }) end, "option 'validation_split' must be a number in %[0, 1%)")
    assert.error_matches(function() model:fit(x, y, { batch_size = 0 }) end, "option 'batch_size' expected an integer >= 1, got 0")
  end)

  it("lists the valid optimizers, losses and metrics", function()
    local model = ember.Sequential { L.Dense(1, { input_dim = 2 }) }
    assert.error_matches(function() model:compile { optimizer = "adagrad", loss = "mse" } end,
      "Sequential.compile: unknown optimizer 'adagrad' %(valid: sgd, rmsprop, adam")
    assert.error_matches(function() model:compile { optimizer = "sgd", loss = "hinge" } end,
      "Sequential.compile: unknown loss 'hinge' %(valid: binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, mse, mae%)")
    assert.error_matches(function() model:compile { optimizer = "sgd", loss = "mse", metrics = { "f1" } } end,
      "Sequential.compile: unknown metric 'f1' %(valid: acc, accuracy, mae")
    assert.error_matches(function() model:compile { optimizer = "sgd" } end, "option 'loss' is required")
    assert.error_matches(function() model:compile { optimizer = "sgd", loss = "mse", metric = { "acc" } } end,
      "unknown option 'metric'")
    model:compile { optimizer = "RMSprop", loss = ember.losses.mean_squared_error, metrics = { "mae" } }
    assert.equal("mse", model.loss)
  end)

  it("refuses non-layers and duplicate layer names", function()
    local model = ember.Sequential()
    assert.error_matches(function() model:add(42) end, "Sequential.add: argument 'layer' expected a layer")
    local d = L.Dense(2, { input_dim = 3 })
    model:add(d)
    assert.error_matches(function() model:add(d) end, "is already in this model")
    assert.error_matches(function() model:add(L.Dense(2, { name = d.name })) end, "layer names must be unique")
    assert.error_matches(function() ember.Sequential(L.Dense(2)) end, "a single layer %(wrap it in a table%)")
  end)
end)
