-- Conv1D and pooling inside Sequential: listing 6-46's summary exactly as
-- Keras prints it, variable-length models, and a short training run.
local gradcheck = require "support.gradcheck"
local L = ember.layers
local None = ember.None

local function capture_summary(model)
  local lines = {}
  model:summary { print_fn = function(s) lines[#lines + 1] = s end }
  return table.concat(lines, "\n")
end

describe("Conv1D models", function()
  it("reproduce listing 6-46's summary", function()
    require("ember.layers.base").reset_names()
    local model = ember.Sequential()
    model:add(L.Embedding(10000, 128, { input_length = 500 }))
    model:add(L.Conv1D(32, 7, { activation = "relu" }))
    model:add(L.MaxPooling1D(5))
    model:add(L.Conv1D(32, 7, { activation = "relu" }))
    model:add(L.GlobalMaxPooling1D())
    model:add(L.Dense(1))
    local want = table.concat({
      "_________________________________________________________________",
      "Layer (type)                 Output Shape              Param #   ",
      "=================================================================",
      "embedding_1 (Embedding)      (None, 500, 128)          1280000   ",
      "_________________________________________________________________",
      "conv1d_1 (Conv1D)            (None, 494, 32)           28704     ",
      "_________________________________________________________________",
      "max_pooling1d_1 (MaxPooling1 (None, 98, 32)            0         ",
      "_________________________________________________________________",
      "conv1d_2 (Conv1D)            (None, 92, 32)            7200      ",
      "_________________________________________________________________",
      "global_max_pooling1d_1 (Glob (None, 32)                0         ",
      "_________________________________________________________________",
      "dense_1 (Dense)              (None, 1)                 33        ",
      "=================================================================",
      "Total params: 1,315,937",
      "Trainable params: 1,315,937",
      "Non-trainable params: 0",
      "_________________________________________________________________",
    }, "\n")
    assert.equal(want, capture_summary(model))
  end)

  it("build with an unknown time dimension (listing 6-47) and run on any length", function()
    local model = ember.Sequential {
      L.Conv1D(32, 5, { activation = "relu", input_shape = { None, 14 } }),
      L.MaxPooling1D(3),
      L.Conv1D(32, 5, { activation = "relu" }),
      L.MaxPooling1D(3),
      L.Conv1D(32, 5, { activation = "relu" }),
      L.GlobalMaxPooling1D(),
      L.Dense(1),
    }
    local s = capture_summary(model)
    assert.truthy(s:find("(Conv1D)            (None, None, 32)          2272", 1, true))
    assert.truthy(s:find("(Conv1D)            (None, None, 32)          5152", 1, true))
    assert.truthy(s:find("(MaxPooling1 (None, None, 32)          0", 1, true))
    assert.truthy(s:find("(Glob (None, 32)                0", 1, true))
    assert.same({ 4, 1 }, model:predict(ember.randn { 4, 240, 14 }).shape)
    assert.same({ 2, 1 }, model:predict(ember.randn { 2, 100, 14 }).shape)
    assert.error_matches(function() model:predict(ember.randn { 2, 30, 14 }) end,
      "%(Conv1D%): kernel_size 5 %(span 5 with dilation_rate 1%) is larger than the input length 1 with padding .valid.")
  end)

  it("skip the first layer's input gradient in a model without changing its weight gradients", function()
    ember.seed(6)
    local model = ember.Sequential {
      L.Conv1D(16, 3, { activation = "relu", input_shape = { None, 16 } }),
      L.MaxPooling1D(2),
      L.Conv1D(16, 3, { padding = "same" }),
      L.GlobalAveragePooling1D(),
    }
    local x = ember.randn { 4, 30, 16 }
    local dy = ember.randn { 4, 16 }
    model:zero_grads()
    model:forward(x, true)
    model:backward(dy)  -- the model's chain: no dX for layer 1
    local first = model.layers[1]
    local _, grads = first:params()
    local via_model = { grads[1]:clone(), grads[2]:clone() }
    -- the same by hand, every layer computing its input gradient
    model:zero_grads()
    local h = x
    for _, layer in ipairs(model.layers) do h = layer:forward(h, true) end
    local g = dy
    for i = #model.layers, 1, -1 do g = model.layers[i]:backward(g) end
    assert.same({ 4, 30, 16 }, g.shape)
    for i = 1, 2 do
      local a, b = gradcheck.values(via_model[i]), gradcheck.values(grads[i])
      for k = 1, #a do assert.is_true(math.abs(a[k] - b[k]) < 1e-5) end
    end
  end)

  it("learn a toy task: is a bump present anywhere in the sequence", function()
    ember.seed(4)
    local n, T = 256, 40
    local x, y = ember.zeros { n, T, 2 }, ember.zeros { n }
    for i = 1, n do
      for t = 1, T do x:set(i, t, 2, 0.1 * math.sin(i + t)) end
      if i % 2 == 0 then
        local at = (i * 7) % (T - 4) + 1
        for t = at, at + 3 do x:set(i, t, 1, 1.0) end
        y:set(i, 1)
      end
    end
    local model = ember.Sequential {
      L.Conv1D(8, 4, { activation = "relu", padding = "same", input_shape = { None, 2 } }),
      L.MaxPooling1D(2),
      L.Conv1D(8, 3, { activation = "relu", dilation_rate = 2, padding = "causal" }),
      L.GlobalMaxPooling1D(),
      L.Dense(1, { activation = "sigmoid" }),
    }
    model:compile { optimizer = ember.optimizers.RMSprop { lr = 1e-2 }, loss = "binary_crossentropy", metrics = { "acc" } }
    local history = model:fit(x, y, { epochs = 15, batch_size = 32, verbose = 0 })
    local loss = history.history.loss
    assert.is_true(loss[#loss] < 0.5 * loss[1], ("loss went from %g to %g"):format(loss[1], loss[#loss]))
    assert.is_true(history.history.acc[#loss] > 0.9)
  end)
end)
