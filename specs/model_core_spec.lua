-- The engine's model core (engine/train/model.h, core.train.Model): fit's
-- training step is one C call per batch, and it must compute exactly what
-- the step written by hand (forward, loss, backward, optimizer) computes.
local c_program = require "support.c_program"
local L = ember.layers
local train = ember.core.train

local function weights_of(model)
  local out = {}
  for i, w in ipairs(model:get_weights()) do out[i] = w:clone() end
  return out
end

local function build(seed, dropout)
  ember.seed(seed)
  local m = ember.Sequential { L.Embedding(50, 8, { input_length = 12 }), L.LSTM(6, { return_sequences = true }),
    L.GRU(5, { dropout = dropout }), L.Dense(1, { activation = "sigmoid" }) }
  m:compile { optimizer = ember.optimizers.Adam { lr = 0.01 }, loss = "binary_crossentropy", metrics = { "acc" } }
  return m
end

describe("model core", function()
  it("train_on_batch gives the bits of the step written by hand", function()
    ember.seed(9)
    local x, y = ember.randint(1, 49, { 20, 12 }), ember.randint(0, 1, { 20 }):float()
    local a = build(4, 0.2)
    ember.seed(100)
    for _ = 1, 3 do a:train_on_batch(x, y) end
    local b = build(4, 0.2)
    ember.seed(100)
    local grad = ember.zeros { 0 }
    for _ = 1, 3 do
      b:zero_grads()
      local pred = b:forward(x, true)
      ember.losses.compute("binary_crossentropy", pred, y, grad)
      b:backward(grad)
      b.optimizer:step(b)
    end
    local wa, wb = weights_of(a), weights_of(b)
    assert.equal(#wa, #wb)
    for i = 1, #wa do assert.equal(0, (wa[i] - wb[i]):abs():max(), "weight " .. i) end
  end)

  it("returns the loss and the metrics of the batch it trained on", function()
    local m = build(5, 0)  -- no dropout: the training forward equals predict's
    ember.seed(9)
    local x, y = ember.randint(1, 49, { 16, 12 }), ember.randint(0, 1, { 16 }):float()
    local before = m:predict(x)
    local loss = m:train_on_batch(x, y)
    local expected = ember.losses.compute("binary_crossentropy", before, y)
    assert.is_true(math.abs((type(loss) == "table" and loss[1] or loss) - expected) < 1e-6)
  end)

  it("applies layer.trainable at compile, as Keras, and refuses a change made after it", function()
    ember.seed(3)
    local m = ember.Sequential { L.Embedding(30, 4, { input_length = 6 }), L.Flatten(), L.Dense(1) }
    m.layers[1].trainable = false  -- before compile: listing 6-14's frozen GloVe embedding
    m:compile { optimizer = "rmsprop", loss = "mse" }
    local x, y = ember.randint(1, 29, { 32, 6 }), ember.randn { 32 }
    local emb, dense = m.layers[1]:get_weights()[1]:clone(), m.layers[3]:get_weights()[1]:clone()
    m:fit(x, y, { epochs = 1, batch_size = 8, verbose = 0 })
    m:train_on_batch(x, y)
    assert.equal(0, (m.layers[1]:get_weights()[1] - emb):abs():max())
    assert.is_true((m.layers[3]:get_weights()[1] - dense):abs():max() > 0)
    m.layers[1].trainable = true  -- without compiling again
    assert.error_matches(function() m:train_on_batch(x, y) end,
      "layer 'embedding_%d+' was made trainable after compile; call model:compile again")
    assert.equal(0, (m.layers[1]:get_weights()[1] - emb):abs():max())  -- nothing applied
    m:compile { optimizer = "rmsprop", loss = "mse" }
    m:train_on_batch(x, y)
    assert.is_true((m.layers[1]:get_weights()[1] - emb):abs():max() > 0)
  end)

  it("gives a non-finite batch to any callback that handles it, and raises without one", function()
    ember.seed(2)
    local m = ember.Sequential { L.Dense(1, { input_dim = 3 }) }
    m:compile { optimizer = "sgd", loss = "mse" }
    local x, y = ember.randn { 8, 3 }, ember.full({ 8 }, 0 / 0)
    local w = m:get_weights()[1]:clone()
    assert.error_matches(function() m:fit(x, y, { epochs = 1, batch_size = 8, verbose = 0 }) end, "the loss is")
    local seen = {}
    local watcher = { handles_nonfinite_loss = true,
      on_batch_end = function(self, batch, logs)
        seen[#seen + 1] = logs.loss
        self.model.stop_training = true
      end }
    local h = m:fit(x, y, { epochs = 2, batch_size = 8, verbose = 0, callbacks = { watcher } })
    assert.equal(1, #seen)
    assert.is_true(seen[1] ~= seen[1])  -- NaN
    assert.is_truthy(h.history)
    assert.equal(0, (m:get_weights()[1] - w):abs():max())  -- the bad batch was not applied
  end)

  it("checks its arguments", function()
    assert.error_matches(function() train.Model({}, {}) end, "Model: a model needs at least one layer", 1, true)
    assert.error_matches(function() train.Model({ 1 }, { "x" }) end, "Model", 1, true)
    local core = L.Dense(1).core
    local m = train.Model({ core }, { "dense" })
    local opt = ember.optimizers.SGD().core
    assert.error_matches(function() m:compile("nope", {}, opt) end, "unknown loss 'nope'", 1, true)
    assert.error_matches(function() m:compile("mse", { "bogus" }, opt) end, "unknown metric 'bogus'", 1, true)
    assert.error_matches(function() m:compile("mse", {}, "sgd") end, "compile: argument 'optimizer' expected an optimizer",
      1, true)
    m:compile("mse", { "mae" }, opt)
    assert.error_matches(function() m:train_step("x", ember.zeros { 2 }, 0.1, "fit", {}) end,
      "train_step: argument 'x' expected a tensor", 1, true)
    assert.error_matches(function() m:train_step(ember.zeros { 2, 3 }, ember.zeros { 2 }, -1, "fit", {}) end,
      "lr must be a number >= 0", 1, true)
    assert.error_matches(function() m:train_step(ember.zeros { 2, 3 }, ember.zeros { 5 }, 0.1, "fit", {}) end,
      "fit: argument 'y'", 1, true)
  end)
end)

describe("model core (C)", function()
  it("runs the after-backward hook between backward and the update; a failing hook or a NaN loss applies nothing",
    function()
      local sources = "specs/c/model_step_test.c engine/train/model.c engine/train/losses.c engine/train/metrics.c "
        .. "engine/train/masked_loss.c engine/train/optimizers.c engine/layers/options.c engine/layers/dense.c engine/layers/layer.c "
        .. "engine/layers/layer_util.c "
        .. "engine/ops/activations.c engine/core/names.c engine/layers/initializers.c engine/layers/controls.c engine/ops/gemm.c engine/core/tensor.c "
        .. "engine/core/bigalloc.c engine/core/error.c engine/core/random.c engine/core/parallel.c "
        .. "engine/core/fpmode.c $(pkg-config --cflags --libs openblas) -lm -lpthread"
      local out, why = c_program.output("model_step_test", "-O1 " .. sources)
      if not out then
        pending(why)
        return
      end
      assert.equal("step rc 0 applied 1 hook calls 1\n" ..
        "hook saw the old weight yes and a gradient yes; the update came after yes\n" ..
        "failing hook: rc -1 phase hook yes, weights kept yes, message allreduce: the other ranks went away\n" ..
        "nan loss: rc 0 applied 0 hook calls 1 weights kept yes\n", out)
    end)
end)
