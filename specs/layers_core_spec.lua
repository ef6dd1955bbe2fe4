-- Core layers: shapes, Keras semantics, finite-difference gradients, errors.
local gradcheck = require "support.gradcheck"
local L = ember.layers

local function randn(shape, seed)
  ember.seed(seed or 7)
  return ember.randn(shape)
end

local function close(a, b, tol) return math.abs(a - b) <= (tol or 1e-5) * math.max(1, math.abs(a), math.abs(b)) end

describe("Dense", function()
  for _, act in ipairs { "linear", "relu", "sigmoid", "tanh", "hard_sigmoid", "softmax" } do
    it("passes a gradient check with activation " .. act, function()
      ember.seed(11)
      local d = L.Dense(5, { activation = act })
      local x = randn({ 4, 3 }, 12)
      assert.is_true(gradcheck.check(d, x))
    end)
  end

  it("passes a gradient check without bias", function()
    ember.seed(3)
    local d = L.Dense(4, { activation = "tanh", use_bias = false })
    local x = randn({ 3, 6 }, 4)
    assert.is_true(gradcheck.check(d, x))
    local _, _, names = d:params()
    assert.same({ "kernel" }, names)
  end)

  it("applies the kernel to the last axis of a rank-3 input (and checks gradients)", function()
    ember.seed(5)
    local d = L.Dense(3, { activation = "softmax" })
    local x = randn({ 2, 4, 5 }, 6)
    local y = d:forward(x, false)
    assert.same({ 2, 4, 3 }, y.shape)
    -- each (batch, time) row equals the rank-2 result on that row
    local k, b = table.unpack(d:get_weights())
    for i = 1, 2 do
      for t = 1, 4 do
        local z, m = {}, -math.huge
        for j = 1, 3 do
          local s = b:get(j)
          for c = 1, 5 do s = s + x:get(i, t, c) * k:get(c, j) end
          z[j] = s
          m = math.max(m, s)
        end
        local sum = 0
        for j = 1, 3 do z[j] = math.exp(z[j] - m); sum = sum + z[j] end
        for j = 1, 3 do assert.is_true(close(z[j] / sum, y:get(i, t, j), 1e-5)) end
      end
    end
    assert.is_true(gradcheck.check(d, x))
  end)

  it("uses Keras shapes and initializers (glorot_uniform kernel, zero bias)", function()
    ember.seed(1)
    local d = L.Dense(64, { input_dim = 100 })
    d:build({ ember.None, 100 })
    local k, b = table.unpack(d:get_weights())
    assert.same({ 100, 64 }, k.shape)
    assert.same({ 64 }, b.shape)
    local limit = math.sqrt(6 / (100 + 64))
    local maxabs, sumb = 0, 0
    for _, v in ipairs(gradcheck.values(k)) do maxabs = math.max(maxabs, math.abs(v)) end
    for _, v in ipairs(gradcheck.values(b)) do sumb = sumb + math.abs(v) end
    assert.is_true(maxabs <= limit and maxabs > 0.9 * limit)
    assert.equal(0, sumb)
  end)

  it("rejects bad options and inputs with clear messages", function()
    assert.error_matches(function() L.Dense(4, { activation = "rleu" }) end,
      "Dense: unknown activation 'rleu' %(valid: linear, relu, sigmoid, tanh, hard_sigmoid, softmax%)")
    assert.error_matches(function() L.Dense(0) end, "Dense: option 'units' must be in %[1, ")
    assert.error_matches(function() L.Dense("a") end, "Dense: option 'units' expected an integer, got string")
    assert.error_matches(function() L.Dense(4, { use_bias = 1 }) end, "Dense: option 'use_bias' expected a boolean")
    assert.error_matches(function() L.Dense(4, { kernel = 1 }) end, "Dense: unknown option 'kernel'")
    assert.error_matches(function() L.Dense() end, "Dense: argument 'units' is required")
    local d = L.Dense(2)
    d:build({ ember.None, 3 })
    assert.error_matches(function() d:forward(ember.zeros { 4, 5 }) end,
      "Dense: expected input of shape {None,3}, got {4,5}")
    assert.error_matches(function() d:forward(ember.zeros({ 4, 3 }, { dtype = "int32" })) end,
      "Dense: expected a float32 input, got int32")
    assert.error_matches(function() L.Dense(2):build({ ember.None }) end, "Dense: expected an input of rank >= 2")
  end)

  it("does not accumulate gradients when trainable is false", function()
    ember.seed(2)
    local d = L.Dense(2)
    d.trainable = false
    local x = randn({ 3, 4 }, 2)
    d:forward(x, true)
    local dx = d:backward(ember.ones { 3, 2 })
    assert.same({ 3, 4 }, dx.shape)
    local _, grads = d:params()
    for _, g in ipairs(grads) do
      for _, v in ipairs(gradcheck.values(g)) do assert.equal(0, v) end
    end
  end)
end)

describe("Embedding", function()
  it("looks rows up and passes a gradient check on its embeddings", function()
    ember.seed(9)
    local e = L.Embedding(7, 3, { input_length = 4 })
    local x = ember.tensor({ { 0, 1, 6, 1 }, { 5, 5, 2, 0 } }, { dtype = "int32" })
    local y = e:forward(x, false)
    assert.same({ 2, 4, 3 }, y.shape)
    local E = e:get_weights()[1]
    for j = 1, 3 do assert.equal(E:get(7, j), y:get(1, 3, j)) end
    assert.is_true(gradcheck.check(e, x))
  end)

  it("accumulates repeated ids and leaves untouched rows at zero", function()
    ember.seed(9)
    local e = L.Embedding(5, 2)
    local x = ember.tensor({ { 1, 1, 3 } }, { dtype = "int32" })
    e:forward(x, true)
    assert.is_nil(e:backward(ember.ones { 1, 3, 2 }))
    local _, grads = e:params()
    assert.same({ { 0, 0 }, { 2, 2 }, { 0, 0 }, { 1, 1 }, { 0, 0 } }, grads[1]:totable())
  end)

  it("initialises embeddings uniformly in [-0.05, 0.05]", function()
    ember.seed(4)
    local e = L.Embedding(1000, 8)
    e:build({ ember.None, 10 })
    local lo, hi = math.huge, -math.huge
    for _, v in ipairs(gradcheck.values(e:get_weights()[1])) do lo, hi = math.min(lo, v), math.max(hi, v) end
    assert.is_true(lo >= -0.05 and lo < -0.049 and hi <= 0.05 and hi > 0.049)
  end)

  it("is frozen by trainable = false", function()
    local e = L.Embedding(5, 2, { trainable = false })
    e:forward(ember.tensor({ { 1, 2 } }, { dtype = "int32" }), true)
    e:backward(ember.ones { 1, 2, 2 })
    local _, grads = e:params()
    for _, v in ipairs(gradcheck.values(grads[1])) do assert.equal(0, v) end
  end)

  it("names the bad id, its position and the valid range", function()
    local e = L.Embedding(10, 2)
    assert.error_matches(function() e:forward(ember.tensor({ { 1, 2 }, { 3, 10 } }, { dtype = "int32" })) end,
      "Embedding: input value 10 at %(2, 2%) is out of range %[0, 10%)")
    assert.error_matches(function() e:forward(ember.tensor({ { 1, -1 } }, { dtype = "int32" })) end,
      "input value %-1 at %(1, 2%)")
    assert.error_matches(function() e:forward(ember.tensor({ { 1.5, 2 } })) end,
      "Embedding: input value 1.5 at %(1, 1%) is not an integer id")
    assert.error_matches(function() L.Embedding(10, 2, { input_length = 5 }):build({ ember.None, 6 }) end,
      "Embedding: input_length is 5 but the input has shape {None,6}")
    assert.error_matches(function() L.Embedding(0, 2) end, "Embedding: option 'input_dim' must be in")
    assert.error_matches(function() L.Embedding(10, 2, { mask_zero = "yes" }) end, "Embedding: option 'mask_zero'")
  end)

  it("accepts integral float ids", function()
    ember.seed(1)
    local e = L.Embedding(4, 2)
    local y = e:forward(ember.tensor({ { 3, 0 } }), false)
    assert.equal(e:get_weights()[1]:get(4, 2), y:get(1, 1, 2))
  end)
end)

describe("Flatten", function()
  it("flattens all but the batch dim and passes a gradient check", function()
    local f = L.Flatten()
    assert.same({ ember.None, 24 }, f:build({ ember.None, 4, 6 }))
    local x = randn({ 2, 4, 6 }, 1)
    local y = f:forward(x, false)
    assert.same({ 2, 24 }, y.shape)
    assert.equal(x:get(2, 3, 5), y:get(2, 2 * 6 + 5))
    assert.is_true(gradcheck.check(f, x))
  end)

  it("refuses an input shape that is not fully defined", function()
    assert.error_matches(function() L.Flatten():build({ ember.None, ember.None, 8 }) end,
      "Flatten: the input shape {None,None,8} is not fully defined")
  end)
end)

describe("Dropout", function()
  it("is the identity at inference", function()
    local d = L.Dropout(0.5)
    local x = randn({ 3, 4 }, 1)
    assert.same(x:totable(), d:forward(x, false):totable())
  end)

  it("drops about `rate` of the units while training and scales the rest by 1/(1-rate)", function()
    ember.seed(5)
    local d = L.Dropout(0.3)
    local y = d:forward(ember.ones { 100, 100 }, true)
    local zeros = 0
    for _, v in ipairs(gradcheck.values(y)) do
      if v == 0 then zeros = zeros + 1 else assert.is_true(close(v, 1 / 0.7, 1e-6)) end
    end
    assert.is_true(zeros > 2800 and zeros < 3200, "dropped " .. zeros)
  end)

  it("repeats its mask under the same seed and passes a gradient check in training mode", function()
    local d = L.Dropout(0.4)
    ember.seed(8)
    local a = d:forward(ember.ones { 5, 5 }, true):totable()
    ember.seed(8)
    local b = d:forward(ember.ones { 5, 5 }, true):totable()
    assert.same(a, b)
    assert.is_true(gradcheck.check(d, randn({ 4, 5 }, 2), { training = true, seed = 99 }))
  end)

  it("rejects a rate outside [0, 1)", function()
    assert.error_matches(function() L.Dropout(1) end, "Dropout: option 'rate' must be in %[0, 1%)")
    assert.error_matches(function() L.Dropout() end, "Dropout: argument 'rate' is required")
  end)
end)

describe("Activation", function()
  for _, act in ipairs { "relu", "sigmoid", "tanh", "softmax", "linear" } do
    it("passes a gradient check for " .. act, function()
      local a = L.Activation(act)
      assert.is_true(gradcheck.check(a, randn({ 3, 4 }, 3)))
    end)
  end

  it("rejects unknown names", function()
    assert.error_matches(function() L.Activation("swish") end,
      "Activation: unknown activation 'swish' %(valid: linear, relu")
    assert.error_matches(function() L.Activation() end, "Activation: argument 'activation' is required")
  end)
end)
