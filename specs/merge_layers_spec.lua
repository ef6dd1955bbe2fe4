-- The merge layers (engine/layers/merge.h, layers/merge.lua): Add,
-- Multiply, Average, Concatenate — values by hand, gradients by finite
-- differences (specs/support/gradcheck.lua), Keras 2.2.4's shape checks.
local ember = require "ember"
local gradcheck = require "specs.support.gradcheck"
local L = ember.layers

-- gradcheck's protocol over a merge layer of two inputs packed in one
-- tensor: x is (2, batch, ...) or, for unequal Concatenate inputs, split
-- along the last axis at `cut`.
local function adapter(layer, cut)
  local obj = {}
  local function parts(x)
    if cut then return { x:narrow(x:dim(), 1, cut), x:narrow(x:dim(), cut + 1, x:size(x:dim()) - cut) } end
    return { x:select(1, 1), x:select(1, 2) }
  end
  function obj:forward(x, training) return layer:forward(parts(x), training) end
  function obj:backward(dy)
    local d = layer:backward(dy)
    if cut then return ember.cat({ d[1], d[2] }, #d[1].shape) end
    return ember.stack({ d[1], d[2] }, 1)
  end
  function obj:params() return {}, {} end
  return obj
end

local function values(t) return t:reshape { t:numel() }:totable() end

describe("merge layers", function()
  local a = ember.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
  local b = ember.tensor { { 10, 20, 30 }, { -1, -2, -3 } }

  it("compute Keras 2.2.4's values", function()
    assert.same({ 11, 22, 33, 3, 3, 3 }, values(L.Add():forward({ a, b })))
    assert.same({ 10, 40, 90, -4, -10, -18 }, values(L.Multiply():forward({ a, b })))
    assert.same({ 5.5, 11, 16.5, 1.5, 1.5, 1.5 }, values(L.Average():forward({ a, b })))
    local c = L.Concatenate():forward({ a, b })
    assert.same({ 2, 6 }, c.shape)
    assert.same({ 1, 2, 3, 10, 20, 30, 4, 5, 6, -1, -2, -3 }, values(c))
    -- axis 1 is Keras's first axis after the batch: the time axis of (batch, time, features)
    local t1, t2 = ember.tensor { { { 1 }, { 2 } } }, ember.tensor { { { 3 }, { 4 }, { 5 } } }
    local c1 = L.Concatenate { axis = 1 }:forward({ t1, t2 })
    assert.same({ 1, 5, 1 }, c1.shape)
    assert.same({ 1, 2, 3, 4, 5 }, values(c1))
    assert.same(values(c), values(L.Concatenate { axis = 1 }:forward({ a, b })))  -- rank 2: axis 1 is the last
    local three = L.Add():forward({ a, b, a })
    assert.same({ 12, 24, 36, 7, 8, 9 }, values(three))
  end)

  it("pass gradient checks (Add, Multiply, Average, Concatenate on axes -1 and 1, unequal widths)", function()
    ember.seed(5)
    local x = ember.randn { 2, 3, 4 }
    for _, ctor in ipairs { L.Add, L.Multiply, L.Average } do
      assert.is_true(gradcheck.check(adapter(ctor()), x:clone()))
    end
    local x3 = ember.randn { 2, 3, 2, 4 }
    assert.is_true(gradcheck.check(adapter(L.Concatenate { axis = 1 }), x3:clone()))
    assert.is_true(gradcheck.check(adapter(L.Concatenate()), x3:clone()))
    assert.is_true(gradcheck.check(adapter(L.Concatenate(), 1), ember.randn { 3, 5 }))
  end)

  it("refuse mismatched shapes, naming the layer and the shapes", function()
    local p, q = ember.Input { shape = { 3 } }, ember.Input { shape = { 4 } }
    local add = L.Add { name = "my_add" }
    assert.has_error(function() add({ p, q }) end,
      "my_add (Add): input 2 has shape {None,4} but input 1 has {None,3} (the shapes must be equal)")
    local s1, s2 = ember.Input { shape = { 5, 3 } }, ember.Input { shape = { 6, 4 } }
    local ok, err = pcall(L.Concatenate(), { s1, s2 })
    assert.is_false(ok)
    assert.matches("concatenate_%d+ %(Concatenate%): input 2 has shape {None,6,4} but input 1 has {None,5,3} %(all dims but the axis must match%)", err)
    local ok2, err2 = pcall(L.Concatenate { axis = 1 }, { s1, ember.Input { shape = { 5, 4 } } })
    assert.is_false(ok2)
    assert.matches("all dims but the axis must match", err2)
    local ok3, err3 = pcall(L.Multiply(), { ember.Input { shape = { 3 } }, ember.Input { shape = { 3, 1 } } })
    assert.is_false(ok3)
    assert.matches("ranks differ", err3)
  end)

  it("refuse a single input, the batch axis, and bad arguments", function()
    local p = ember.Input { shape = { 3 } }
    local ok, err = pcall(L.Add(), { p })
    assert.is_false(ok)
    assert.matches("%(Add%): a merge layer is called on a list of at least 2 symbolic tensors, got 1", err)
    assert.has_error(function() L.Concatenate { axis = 0 } end, "Concatenate: option 'axis' cannot be 0 (the batch axis)")
    local ok2, err2 = pcall(L.Concatenate { axis = 3 }, { p, p })
    assert.is_false(ok2)
    assert.matches("axis 3 is out of range for inputs of rank 2", err2)
    assert.has_error(function() L.Add():forward(a) end)
    local ok3, err3 = pcall(function() return L.Add():forward({ a, "x" }) end)
    assert.is_false(ok3)
    assert.matches("Add: argument 'inputs' entry 2 expected a tensor, got string", err3)
    local ok4, err4 = pcall(L.Add, { input_shape = { 3 } })
    assert.is_false(ok4)
    assert.matches("no input_shape", err4)
    local ok5, err5 = pcall(L.concatenate, a)
    assert.is_false(ok5)
    assert.matches("concatenate: argument 'inputs' expected a list of symbolic tensors, got a tensor", err5)
    local m = L.Multiply()
    m:forward({ a, b })
    local ok6, err6 = pcall(m.backward, m, ember.zeros { 2, 3 })
    assert.is_false(ok6)
    assert.matches("backward after an inference%-mode forward", err6)
    m:forward({ a, b }, true)
    local ok7, err7 = pcall(m.backward, m, ember.zeros { 2, 4 })
    assert.is_false(ok7)
    assert.matches("expected a gradient of shape", err7)
  end)

  it("refuse inputs whose batch sizes differ", function()
    local ok, err = pcall(function() return L.Add():forward({ a, ember.zeros { 3, 3 } }) end)
    assert.is_false(ok)
    assert.matches("input 2 has 3 samples but input 1 has 2", err)
  end)
end)
