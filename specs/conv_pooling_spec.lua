-- MaxPooling1D / AveragePooling1D and the global poolings: forward against
-- loops written here, finite-difference gradients (inputs without ties, so
-- max pooling's argmax cannot flip under the probe), shapes, bad input.
local gradcheck = require "support.gradcheck"
local L = ember.layers
local None = ember.None

-- A {B, T, C} tensor of distinct values 0.1 apart in a scrambled order:
-- no ties, and every gap is far larger than gradcheck's eps (0.01).
local function distinct(B, T, C)
  local n = B * T * C
  local values = {}
  for i = 1, n do values[i] = ((i * 37) % n - n / 2) * 0.1 end
  return gradcheck.tensor({ B, T, C }, values)
end

-- Keras/TensorFlow pooling: valid -> ceil((T - p + 1) / s); same -> ceil(T / s)
-- with the window centred (odd padding element after); max ignores padding,
-- average divides by the number of real elements.
local function reference(x, kind, p, s, padding)
  local B, T, C = x.shape[1], x.shape[2], x.shape[3]
  local out, left
  if padding == "same" then
    out = math.ceil(T / s)
    left = math.max((out - 1) * s + p - T, 0) // 2
  else
    out, left = math.ceil((T - p + 1) / s), 0
  end
  local y = {}
  for b = 1, B do
    y[b] = {}
    for t = 1, out do
      y[b][t] = {}
      for c = 1, C do
        local best, sum, n = -math.huge, 0, 0
        for i = (t - 1) * s - left + 1, (t - 1) * s - left + p do
          if i >= 1 and i <= T then
            local v = x:get(b, i, c)
            best, sum, n = math.max(best, v), sum + v, n + 1
          end
        end
        y[b][t][c] = kind == "max" and best or sum / n
      end
    end
  end
  return y
end

local function assert_close(expected, got)
  assert.same({ #expected, #expected[1], #expected[1][1] }, got.shape)
  for b = 1, #expected do
    for t = 1, #expected[b] do
      for c = 1, #expected[b][t] do
        assert.is_true(math.abs(expected[b][t][c] - got:get(b, t, c)) < 1e-5,
          ("y[%d][%d][%d]: expected %g, got %g"):format(b, t, c, expected[b][t][c], got:get(b, t, c)))
      end
    end
  end
end

local pools = { max = L.MaxPooling1D, avg = L.AveragePooling1D }
local cases = {
  { 2, nil, "valid" }, { 3, nil, "valid" }, { 3, 1, "valid" }, { 2, 3, "valid" }, { 5, 2, "valid" },
  { 2, nil, "same" }, { 3, nil, "same" }, { 3, 1, "same" }, { 4, 2, "same" }, { 5, 3, "same" },
}

for kind, make in pairs(pools) do
  local type_name = kind == "max" and "MaxPooling1D" or "AveragePooling1D"
  describe(type_name, function()
    for _, case in ipairs(cases) do
      local p, s, padding = case[1], case[2], case[3]
      local label = ("pool_size %d, strides %s, padding %s"):format(p, tostring(s), padding)
      it("matches a direct loop: " .. label, function()
        local layer = make(p, { strides = s, padding = padding })
        layer:build({ None, None, 3 })
        local x = distinct(2, 11, 3)
        assert_close(reference(x, kind, p, s or p, padding), layer:forward(x, false))
      end)
      it("passes a finite-difference check: " .. label, function()
        local layer = make(p, { strides = s, padding = padding })
        layer:build({ None, None, 3 })
        assert.is_true(gradcheck.check(layer, distinct(2, 11, 3)))
      end)
    end

    it("defaults to pool_size 2 and strides = pool_size, with Keras's output shapes", function()
      assert.same({ None, 5, 3 }, make().core:build({ None, 11, 3 }))
      assert.same({ None, 98, 32 }, make(5).core:build({ None, 494, 32 }))
      assert.same({ None, 165, 32 }, make(3, { padding = "same" }).core:build({ None, 494, 32 }))
      assert.same({ None, 490, 32 }, make(5, { strides = 1 }).core:build({ None, 494, 32 }))
      assert.same({ None, None, 32 }, make(3).core:build({ None, None, 32 }))
      assert.truthy(make(3).name:match("^" .. (kind == "max" and "max" or "average") .. "_pooling1d_%d+$"))
    end)

    it("rejects bad sizes, paddings and inputs, naming the layer and the values", function()
      assert.has_error(function() make(0) end, type_name .. ": option 'pool_size' must be a positive integer (or a 1-element table), got 0")
      assert.has_error(function() make(2, { strides = -1 }) end,
        type_name .. ": option 'strides' must be a positive integer (or a 1-element table), got -1")
      assert.has_error(function() make(2, { padding = "causal" }) end,
        type_name .. ": option 'padding' must be one of \"valid\", \"same\", got \"causal\"")
      assert.has_error(function() make(5).core:build({ None, 4, 3 }) end,
        type_name .. ": pool_size 5 leaves no timesteps of an input of length 4 (padding 'valid')")
      assert.has_error(function() make(2).core:build({ None, 3 }) end,
        type_name .. ": expected a 3-D input {batch, time, channels}, got shape {None,3}")
      local layer = make(5)
      layer:build({ None, None, 3 })
      assert.has_error(function() layer:forward(ember.randn { 2, 3, 3 }, false) end,
        type_name .. ": pool_size 5 leaves no timesteps of an input of length 3 (padding 'valid')")
      assert.has_error(function() layer:forward(ember.randn { 2, 3 }, false) end,
        type_name .. ": expected input of rank 3, got shape {2,3}")
      assert.has_error(function() make(2):backward(ember.ones { 1, 1, 1 }) end,
        type_name .. ": backward called before forward")
      local same = make(5, { padding = "same" })
      same:build({ None, None, 3 })
      assert.same({ 2, 1, 3 }, same:forward(ember.randn { 2, 3, 3 }, false).shape)
    end)
  end)
end

describe("max pooling backward", function()
  it("routes each gradient to its window's maximum, adding where windows overlap", function()
    local x = ember.tensor { { { 1 }, { 5 }, { 2 }, { 0 } } }  -- windows (size 2, stride 1): 5, 5, 2
    local layer = L.MaxPooling1D(2, { strides = 1 })
    layer:build({ None, 4, 1 })
    layer:forward(x, true)
    local dx = layer:backward(ember.tensor { { { 1 }, { 10 }, { 100 } } })
    assert.same({ { { 0 }, { 11 }, { 100 }, { 0 } } }, dx:totable())
  end)
end)

local globals = {
  GlobalMaxPooling1D = function(x, b, c)
    local m = -math.huge
    for t = 1, x.shape[2] do m = math.max(m, x:get(b, t, c)) end
    return m
  end,
  GlobalAveragePooling1D = function(x, b, c)
    local s = 0
    for t = 1, x.shape[2] do s = s + x:get(b, t, c) end
    return s / x.shape[2]
  end,
}

for type_name, ref in pairs(globals) do
  describe(type_name, function()
    it("reduces {samples, timesteps, features} to {samples, features}", function()
      local layer = L[type_name]()
      assert.same({ None, 32 }, L[type_name]():build({ None, 92, 32 }))
      layer:build({ None, 7, 4 })
      local x = distinct(3, 7, 4)
      local y = layer:forward(x, false)
      assert.same({ 3, 4 }, y.shape)
      for b = 1, 3 do
        for c = 1, 4 do assert.is_true(math.abs(ref(x, b, c) - y:get(b, c)) < 1e-5) end
      end
    end)

    it("passes a finite-difference check", function()
      local layer = L[type_name]()
      layer:build({ None, None, 4 })
      assert.is_true(gradcheck.check(layer, distinct(3, 7, 4)))
    end)

    it("works on any length once built with an unknown time dimension", function()
      local layer = L[type_name]()
      assert.same({ None, 6 }, layer:build({ None, None, 6 }))
      assert.same({ 2, 6 }, layer:forward(ember.randn { 2, 9, 6 }, false).shape)
      assert.same({ 4, 6 }, layer:forward(ember.randn { 4, 1, 6 }, false).shape)
    end)

    it("rejects 2-D inputs, empty sequences and options", function()
      assert.has_error(function() L[type_name]().core:build({ None, 32 }) end,
        type_name .. ": expected a 3-D input {batch, time, channels}, got shape {None,32}")
      assert.has_error(function() L[type_name]().core:build({ None, 0, 32 }) end)
      local layer = L[type_name]()
      layer:build({ None, None, 2 })
      assert.has_error(function() layer:forward(ember.zeros { 2, 0, 2 }, false) end,
        type_name .. ": the input has no timesteps (shape {2,0,2})")
      assert.has_error(function() L[type_name](3) end, type_name .. ": expected at most 0 positional arguments, got 1")
    end)
  end)
end
