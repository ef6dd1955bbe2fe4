-- Layer options declared once in C (engine/layers/options.h): the Lua
-- constructors accept exactly the declared names, the defaults and ranges
-- come from the same rows, and every refusal names the layer and the option.
local L = ember.layers

describe("declared layer options", function()
  it("lists each recurrent cell's options from its C table", function()
    local function set(list)
      local t = {}
      for _, k in ipairs(list) do t[k] = true end
      return t
    end
    local lstm, gru, srnn = set(ember.core.layers.options("LSTM")), set(ember.core.layers.options("GRU")),
      set(ember.core.layers.options("SimpleRNN"))
    for _, k in ipairs { "units", "activation", "use_bias", "return_sequences", "go_backwards", "dropout",
      "recurrent_dropout" } do
      assert.is_true(lstm[k] and gru[k] and srnn[k], k)
    end
    assert.is_true(lstm.unit_forget_bias and lstm.recurrent_activation)
    assert.is_nil(gru.unit_forget_bias)
    assert.is_true(gru.reset_after and gru.recurrent_activation)
    assert.is_nil(srnn.reset_after)
    assert.is_nil(srnn.recurrent_activation)  -- Keras's SimpleRNN has no gates
  end)

  it("applies the declared defaults", function()
    local lstm = L.LSTM(3)
    lstm:build { ember.None, 5, 2 }
    local _, _, names = lstm.core:params()
    assert.same({ "kernel", "recurrent_kernel", "bias" }, names)  -- use_bias defaults to true
    local b = lstm.core:params()[3]
    assert.equal(1, b:get(4))  -- unit_forget_bias defaults to true: the forget gate's bias starts at 1
    local nb = L.LSTM(3, { use_bias = false })
    nb:build { ember.None, 5, 2 }
    assert.equal(2, #nb.core:params())
  end)

  it("refuses unknown names listing the valid ones, and bad values naming the option", function()
    local cases = {
      { function() L.LSTM(4, { kernel = 1 }) end, "LSTM: unknown option 'kernel' (valid: activation," },
      { function() L.SimpleRNN(4, { reset_after = true }) end, "SimpleRNN: unknown option 'reset_after'" },
      { function() L.GRU(4, { unit_forget_bias = false }) end, "GRU: unknown option 'unit_forget_bias'" },
      { function() L.SimpleRNN() end, "SimpleRNN: argument 'units' is required" },
      { function() L.GRU(0) end, "GRU: option 'units'" },
      { function() L.GRU(4, { dropout = 1 }) end, "GRU: option 'dropout' must be in [0, 1), got 1" },
      { function() L.LSTM(4, { recurrent_dropout = -0.5 }) end, "LSTM: option 'recurrent_dropout' must be in [0, 1)" },
      { function() L.LSTM(4, { use_bias = "yes" }) end, "LSTM: option 'use_bias' expected a boolean" },
      { function() L.LSTM(4, { activation = 3 }) end, "LSTM: option 'activation' expected a string" },
      { function() L.GRU(4, { recurrent_activation = "softmax" }) end,
        "GRU: option 'recurrent_activation' cannot be softmax" },
      { function() ember.core.layers.options("Nope") end, "options: no declared options for layer type 'Nope'" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(c[1])
      assert.is_false(ok, c[2])
      assert.truthy(tostring(err):find(c[2], 1, true), ("expected %q in %q"):format(c[2], tostring(err)))
    end
  end)

  it("declares every layer's options in C: core, convolution and pooling layers too", function()
    local function has(type_name, names)
      local got = {}
      for _, k in ipairs(ember.core.layers.options(type_name)) do got[k] = true end
      for _, k in ipairs(names) do assert.is_true(got[k], type_name .. " " .. k) end
    end
    has("Dense", { "units", "activation", "use_bias" })
    has("Embedding", { "input_dim", "output_dim", "input_length", "mask_zero" })
    has("Dropout", { "rate" })
    has("Activation", { "activation" })
    has("Conv1D", { "filters", "kernel_size", "strides", "dilation_rate", "padding", "activation", "use_bias" })
    has("MaxPooling1D", { "pool_size", "strides", "padding" })
    assert.same({}, ember.core.layers.options("Flatten"))
    assert.same({}, ember.core.layers.options("GlobalMaxPooling1D"))
  end)

  it("reads sizes as integers or Keras's 1-tuples, choices by name, and derived defaults", function()
    local c = L.Conv1D(4, { 3 }, { strides = { 2 }, padding = "same" })
    assert.same({ ember.None, 5, 4 }, c:build { ember.None, 10, 2 })
    local p = L.MaxPooling1D(3)  -- strides default to pool_size
    assert.same({ ember.None, 3, 2 }, p:build { ember.None, 9, 2 })
    for _, bad in ipairs {
      { function() L.Conv1D(4, 3, { strides = { 2, 2 } }) end, "Conv1D: option 'strides' must be a positive integer" },
      { function() L.Conv1D(4, 3, { padding = 1 }) end, "Conv1D: option 'padding' expected a string" },
      { function() L.AveragePooling1D(2, { padding = "causal" }) end,
        "AveragePooling1D: option 'padding' must be one of \"valid\", \"same\", got \"causal\"" },
      { function() L.Dense(3, { activation = "nope" }) end, "Dense: unknown activation 'nope'" },
      { function() L.Embedding(10, 0) end, "Embedding: option 'output_dim' must be in [1," },
      { function() L.Dropout(1) end, "Dropout: option 'rate' must be in [0, 1), got 1" },
    } do
      local ok, err = pcall(bad[1])
      assert.is_false(ok, bad[2])
      assert.truthy(tostring(err):find(bad[2], 1, true), ("expected %q in %q"):format(bad[2], tostring(err)))
    end
  end)
end)
