-- Reliability, round two (issue 14), class 6: the forward-result contract
-- (engine/layers/layer.h).  backward differentiates the last forward, which
-- must have run in training mode, and takes a gradient of exactly that
-- forward's output shape.  Before: backward silently used the latest
-- forward even when it was an inference-mode one on another batch (LSTM
-- gradients off by up to 0.06), and Dropout took a gradient of any shape.
local L = ember.layers

describe("the forward-result contract", function()
  it("refuses a backward after an inference-mode forward (a validation predict in between)", function()
    ember.seed(1)
    local lstm = L.LSTM(4)
    lstm:build { ember.None, 6, 3 }
    local x, other = ember.randn { 2, 6, 3 }, ember.randn { 2, 6, 3 }
    lstm:forward(x, true)
    lstm:forward(other, false)
    assert.error_matches(function() lstm:backward(ember.ones { 2, 4 }) end,
      "LSTM: backward after an inference%-mode forward")
    -- the same sequence through Sequential's custom-loop methods
    local m = ember.Sequential { L.LSTM(4, { input_shape = { ember.None, 3 } }), L.Dense(1) }
    m:forward(x, true)
    m:forward(other, false)
    assert.error_matches(function() m:backward(ember.ones { 2, 1 }) end, "backward after an inference%-mode forward")
  end)

  it("refuses a gradient whose shape differs from the last forward's output, batch included", function()
    local d = L.Dropout(0.5)
    d:build { ember.None, 4 }
    d:forward(ember.ones { 3, 4 }, true)
    assert.error_matches(function() d:backward(ember.ones { 5, 4 }) end,
      "Dropout: expected a gradient of shape {3,4} (the last forward's output), got {5,4}", 1, true)
    local dense = L.Dense(2)
    dense:build { ember.None, 4 }
    dense:forward(ember.ones { 3, 4 }, true)
    assert.error_matches(function() dense:backward(ember.ones { 2, 2 }) end,
      "Dense: expected a gradient of shape {3,2}", 1, true)
  end)

  it("refuses a backward after a failed forward", function()
    local dense = L.Dense(2)
    dense:build { ember.None, 4 }
    dense:forward(ember.ones { 3, 4 }, true)
    assert.is_false(pcall(dense.forward, dense, ember.ones { 3, 5 }, true))
    assert.error_matches(function() dense:backward(ember.ones { 3, 2 }) end, "Dense: backward called before forward")
  end)

  it("still gives the gradient of the training forward it follows", function()
    ember.seed(2)
    local dense = L.Dense(1, { use_bias = false })
    dense:build { ember.None, 2 }
    dense:set_weights { ember.tensor { { 2 }, { 3 } } }
    local dx = dense:forward(ember.tensor { { 1, 1 } }, true) and dense:backward(ember.ones { 1, 1 })
    assert.same({ { 2, 3 } }, dx:totable())
  end)
end)
