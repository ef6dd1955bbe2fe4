-- Recurrent layers split a batch into blocks of rows that run as
-- independent sub-batches on the engine's threads (engine/layers/
-- recurrent_cell.h): 16 rows a block for batches up to 256, so a batch of
-- 37 is three blocks (16, 16, 5).  The rows of a batch never interact, so
-- a 37-row batch must give each row the output it gets alone, and parameter
-- gradients that are the sum of the rows' own; and the layer's gradients
-- must still match finite differences across block boundaries.
local gradcheck = require "support.gradcheck"
local L = ember.layers

local B, T, F = 37, 5, 4

local variants = {
  { "SimpleRNN", function() return L.SimpleRNN(6, { return_sequences = true }) end },
  { "LSTM", function() return L.LSTM(6) end },
  { "LSTM go_backwards", function() return L.LSTM(5, { go_backwards = true, return_sequences = true }) end },
  { "GRU", function() return L.GRU(6) end },
  { "GRU reset_after", function() return L.GRU(6, { reset_after = true, return_sequences = true }) end },
}

local function max_abs_diff(a, b)
  return (a - b):abs():max()
end

local function grads_of(layer)
  local _, grads = layer:params()
  local out = {}
  for i, g in ipairs(grads) do out[i] = g:clone() end
  return out
end

describe("recurrent blocks of rows", function()
  it("cut a batch into blocks by its size alone", function()
    assert.equal(1, ember.debug.rnn_blocks(1))
    assert.equal(1, ember.debug.rnn_blocks(16))
    assert.equal(3, ember.debug.rnn_blocks(37))
    assert.equal(8, ember.debug.rnn_blocks(128))
    assert.equal(16, ember.debug.rnn_blocks(1000))
  end)

  for _, v in ipairs(variants) do
    local name, make = v[1], v[2]
    it(name .. ": a 37-row batch gives each row its own output and the sum of the rows' gradients", function()
      ember.seed(5)
      local layer = make()
      layer:build { ember.None, ember.None, F }
      local x = ember.randn { B, T, F }
      local y = layer:forward(x, true):clone()
      local dy = ember.randn(y.shape)
      layer:zero_grads()
      layer:backward(dy)
      local whole = grads_of(layer)
      layer:zero_grads()
      for b = 1, B do
        local xb = x:narrow(1, b, 1):clone()
        local yb = layer:forward(xb, true)
        assert.is_true(max_abs_diff(yb, y:narrow(1, b, 1)) < 1e-6, name .. " row " .. b)
        layer:backward(dy:narrow(1, b, 1):clone())  -- adds this row's gradients
      end
      local rows = grads_of(layer)
      for i = 1, #whole do
        local scale = math.max(1, whole[i]:abs():max())
        assert.is_true(max_abs_diff(whole[i], rows[i]) < 1e-5 * scale, name .. " gradient " .. i)
      end
    end)
  end

  for _, kind in ipairs { "SimpleRNN", "LSTM", "GRU" } do
    it(kind .. " with dropout passes the gradient check over three blocks", function()
      ember.seed(3)
      local layer = L[kind](3, { dropout = 0.2, recurrent_dropout = 0.3, return_sequences = true })
      layer:build { ember.None, ember.None, 3 }
      assert.is_true(gradcheck.check(layer, ember.randn { B, 3, 3 }, { training = true, seed = 11 }))
    end)
  end
end)

-- Bidirectional's engine layer owns its two halves (engine/layers/
-- bidirectional.c); the halves' Lua objects stay usable and keep the wrapper
-- alive, whichever is collected first (make check runs this under ASan and
-- LeakSanitizer).
describe("Bidirectional ownership", function()
  it("keeps the halves usable after the wrapper object is dropped, and the wrapper after the halves", function()
    local fwd
    do
      local b = L.Bidirectional(L.LSTM(3))
      fwd = b.forward_layer
    end
    collectgarbage()
    collectgarbage()
    fwd:build { ember.None, 4, 2 }
    local y = fwd:forward(ember.randn { 2, 4, 2 }, false)
    assert.same({ 2, 3 }, y.shape)
    local b = L.Bidirectional(L.GRU(2), { input_shape = { ember.None, 3 } })
    b.forward_layer, b.backward_layer = nil, nil
    collectgarbage()
    collectgarbage()
    b:build { ember.None, 5, 3 }
    assert.same({ 4, 4 }, b:forward(ember.randn { 4, 5, 3 }, false).shape)
  end)

  it("refuses a layer that already belongs to another wrapper", function()
    local lstm = L.LSTM(2)
    L.Bidirectional(lstm)
    assert.error_matches(function() L.Bidirectional(lstm) end, "Bidirectional: the wrapped layers already belong")
  end)
end)
