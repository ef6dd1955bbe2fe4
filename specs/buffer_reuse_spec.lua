-- Layer and training buffers are reused across batches (em_tensor_reuse):
-- steady-state fit / evaluate / predict allocate no tensor storage per batch,
-- a held view of an old output sees the next output (the layer protocol's
-- contract), and a layer fed its own output still computes the right thing.
local L = ember.layers
local count = ember.debug.storage_allocations

local function max_abs_diff(a, b)
  local d = 0
  local ta, tb = a:contiguous():totable(), b:contiguous():totable()
  local function walk(x, y)
    if type(x) == "table" then for i = 1, #x do walk(x[i], y[i]) end
    else d = math.max(d, math.abs(x - y)) end
  end
  walk(ta, tb)
  return d
end

-- Storages allocated by run(n) over n batches, after warm-up calls; the
-- difference between 2n and n batches is what each batch allocates.
local function per_batch(run, n)
  for _ = 1, 3 do run(n) end
  local a = count(); run(n); local one = count() - a
  a = count(); run(2 * n); local two = count() - a
  return two - one, one
end

local function check_steady(model, x, y, bs)
  local n = 10
  local calls = {
    fit = function(nb) model:fit(x:sub(1, nb * bs), y:sub(1, nb * bs), { epochs = 1, batch_size = bs, verbose = 0 }) end,
    evaluate = function(nb) model:evaluate(x:sub(1, nb * bs), y:sub(1, nb * bs), { batch_size = bs, verbose = 0 }) end,
    predict = function(nb) model:predict(x:sub(1, nb * bs), { batch_size = bs }) end,
  }
  for _, what in ipairs { "fit", "evaluate", "predict" } do
    local extra, per_call = per_batch(calls[what], n)
    -- per call a few (predict's result, fit's shuffle and optimizer state), never per batch
    assert.is_true(extra <= 1, what .. ": " .. extra .. " extra allocations for " .. n .. " more batches")
    assert.is_true(per_call <= 8, what .. ": " .. per_call .. " allocations per call")
  end
end

describe("buffer reuse", function()
  it("listing 6-7's model allocates nothing per batch in fit, evaluate and predict", function()
    ember.seed(1)
    local m = ember.Sequential {
      L.Embedding(1000, 8, { input_length = 20 }), L.Flatten(), L.Dense(1, { activation = "sigmoid" }) }
    m:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
    local x, y = ember.randint(0, 999, { 640, 20 }), ember.randint(0, 1, { 640 }):float()
    check_steady(m, x, y, 16)
    check_steady(m, x:float(), y, 16)  -- float ids, as Keras users often pass
  end)

  it("an MLP with Dropout and Activation allocates nothing per batch", function()
    ember.seed(2)
    local m = ember.Sequential {
      L.Dense(32, { activation = "relu", input_shape = { 50 } }), L.Dropout(0.5), L.Dense(16),
      L.Activation("tanh"), L.Dense(3, { activation = "softmax" }) }
    m:compile { optimizer = "adam", loss = "sparse_categorical_crossentropy", metrics = { "acc" } }
    check_steady(m, ember.rand { 640, 50 }, ember.randint(0, 2, { 640 }), 16)
  end)

  it("a Conv1D / pooling model allocates nothing per batch in evaluate and predict", function()
    ember.seed(3)
    local m = ember.Sequential {
      L.Embedding(200, 8, { input_length = 30 }), L.Conv1D(8, 5, { activation = "relu" }), L.MaxPooling1D(2),
      L.Conv1D(8, 3, { activation = "relu" }), L.GlobalMaxPooling1D(), L.Dense(1, { activation = "sigmoid" }) }
    m:compile { optimizer = "rmsprop", loss = "binary_crossentropy" }
    local x, y = ember.randint(0, 199, { 320, 30 }), ember.randint(0, 1, { 320 }):float()
    m:fit(x, y, { epochs = 2, batch_size = 16, verbose = 0 })
    for _, run in ipairs {
      function(nb) m:evaluate(x:sub(1, nb * 16), y:sub(1, nb * 16), { batch_size = 16, verbose = 0 }) end,
      function(nb) m:predict(x:sub(1, nb * 16), { batch_size = 16 }) end } do
      local extra = per_batch(run, 8)
      assert.is_true(extra <= 1, extra .. " extra allocations for 8 more batches")
    end
  end)

  it("an Embedding -> LSTM(32) -> Dense model allocates nothing per batch in fit, evaluate and predict", function()
    ember.seed(7)
    local m = ember.Sequential {
      L.Embedding(300, 16, { input_length = 24 }), L.LSTM(32), L.Dense(1, { activation = "sigmoid" }) }
    m:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
    check_steady(m, ember.randint(0, 299, { 320, 24 }), ember.randint(0, 1, { 320 }):float(), 16)
  end)

  it("a Bidirectional(GRU) model (sequences, dropout, then last step) allocates nothing per batch", function()
    ember.seed(8)
    local m = ember.Sequential {
      L.Embedding(300, 8, { input_length = 20 }),
      L.Bidirectional(L.GRU(12, { return_sequences = true, dropout = 0.2, recurrent_dropout = 0.2 })),
      L.Bidirectional(L.GRU(8), { merge_mode = "sum" }), L.Dense(1, { activation = "sigmoid" }) }
    m:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
    check_steady(m, ember.randint(0, 299, { 320, 20 }), ember.randint(0, 1, { 320 }):float(), 16)
  end)

  it("a held view of a layer's output sees the next forward's output (the buffer is reused)", function()
    ember.seed(4)
    local d = L.Dense(3)
    local x1, x2 = ember.rand { 2, 4 }, ember.rand { 2, 4 }
    local y1 = d:forward(x1, false)
    local y1_copy = y1:clone()
    local y2 = d:forward(x2, false)
    assert.are.equal(0, max_abs_diff(y1, y2))
    assert.is_true(max_abs_diff(y1_copy, y2) > 1e-4)
  end)

  it("predict copies each batch's output out, so earlier batches keep their values", function()
    ember.seed(5)
    local m = ember.Sequential { L.Dense(4, { activation = "tanh", input_shape = { 3 } }), L.Dense(2) }
    local x = ember.rand { 10, 3 }
    local all = m:predict(x, { batch_size = 3 })
    for i = 1, 10 do
      local one = m:predict(x:sub(i, i), { batch_size = 1 })
      assert.is_true(max_abs_diff(all:sub(i, i), one) < 1e-6, "row " .. i)
    end
  end)

  for _, case in ipairs {
    { "Dense", function() return L.Dense(4, { activation = "tanh" }) end },
    { "Activation", function() return L.Activation("softmax") end },
    { "Conv1D (same padding)", function() return L.Conv1D(4, 3, { padding = "same" }) end, { 2, 5, 4 } },
    { "LSTM (return_sequences)", function() return L.LSTM(4, { return_sequences = true }) end, { 2, 5, 4 } },
    { "GRU (return_sequences)", function() return L.GRU(4, { return_sequences = true }) end, { 2, 5, 4 } },
    { "Bidirectional(SimpleRNN) (return_sequences, concat)",
      function() return L.Bidirectional(L.SimpleRNN(2, { return_sequences = true })) end, { 2, 5, 4 } },
  } do
    it(case[1] .. " fed its own output computes from the old values, not a half-overwritten buffer", function()
      ember.seed(6)
      local layer = case[2]()
      local x = ember.rand(case[3] or { 3, 4 })
      local y = layer:forward(x, false):clone()
      local expected = layer:forward(y, false):clone()
      local got = layer:forward(layer:forward(x, false), false)
      assert.is_true(max_abs_diff(expected, got) < 1e-6)
    end)
  end
end)
