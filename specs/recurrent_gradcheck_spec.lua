-- Finite-difference gradient checks for every recurrent layer and every
-- option that changes the math.  Dropout cases run in training mode with a
-- fixed seed (gradcheck reseeds before every forward, so the masks repeat).
local gradcheck = require "support.gradcheck"
local L = ember.layers

local function check(make, opts)
  opts = opts or {}
  ember.seed(opts.init_seed or 3)
  local layer = make()
  local B, T, F = opts.B or 2, opts.T or 4, opts.F or 3
  layer:build({ ember.None, ember.None, F })
  if opts.bias_noise then  -- non-zero biases so their gradients are exercised
    local params, _, names = layer:params()
    for i, p in ipairs(params) do
      if names[i] == "bias" then
        local v = gradcheck.values(ember.randn(p.shape))
        for k = 1, #v do v[k] = 0.5 * v[k] end
        p:copy_(gradcheck.tensor(p.shape, v))
      end
    end
  end
  local x = ember.randn { B, T, F }
  assert.is_true(gradcheck.check(layer, x, { training = opts.training, seed = opts.seed or 11, eps = opts.eps,
    atol = opts.atol }))
end

local kinds = { "SimpleRNN", "LSTM", "GRU" }

describe("recurrent gradient checks", function()
  for _, kind in ipairs(kinds) do
    describe(kind, function()
      it("default options (last output)", function()
        check(function() return L[kind](3) end, { bias_noise = true })
      end)
      it("return_sequences", function()
        check(function() return L[kind](3, { return_sequences = true }) end)
      end)
      it("go_backwards with return_sequences", function()
        check(function() return L[kind](2, { go_backwards = true, return_sequences = true }) end)
      end)
      it("go_backwards, last output", function()
        check(function() return L[kind](2, { go_backwards = true }) end)
      end)
      it("dropout and recurrent_dropout masks in training", function()
        check(function() return L[kind](3, { dropout = 0.3, recurrent_dropout = 0.4, return_sequences = true }) end,
          { training = true })
      end)
      it("dropout only / recurrent_dropout only", function()
        check(function() return L[kind](3, { dropout = 0.5 }) end, { training = true, seed = 5 })
        check(function() return L[kind](3, { recurrent_dropout = 0.5 }) end, { training = true, seed = 6 })
      end)
      it("relu activation", function()
        -- a smaller step, so central differences rarely straddle relu's kink
        check(function() return L[kind](3, { activation = "relu", return_sequences = true }) end,
          { eps = 1e-3, atol = 2e-3 })
      end)
      it("use_bias = false", function()
        check(function() return L[kind](2, { use_bias = false }) end)
      end)
      if kind ~= "SimpleRNN" then
        it("hard_sigmoid recurrent activation", function()
          check(function() return L[kind](3, { recurrent_activation = "hard_sigmoid", return_sequences = true }) end)
        end)
      end
    end)
  end

  describe("GRU reset_after", function()
    it("plain", function()
      check(function() return L.GRU(3, { reset_after = true }) end, { bias_noise = true })
    end)
    it("with dropout masks, return_sequences, go_backwards", function()
      check(function()
        return L.GRU(3, { reset_after = true, dropout = 0.2, recurrent_dropout = 0.3, return_sequences = true,
          go_backwards = true })
      end, { training = true, bias_noise = true })
    end)
    it("without bias", function()
      check(function() return L.GRU(2, { reset_after = true, use_bias = false }) end)
    end)
  end)

  describe("Bidirectional", function()
    for _, mode in ipairs { "concat", "sum", "mul", "ave" } do
      it("merge_mode " .. mode .. " with return_sequences", function()
        check(function() return L.Bidirectional(L.LSTM(2, { return_sequences = true }), { merge_mode = mode }) end)
      end)
      it("merge_mode " .. mode .. ", last output", function()
        check(function() return L.Bidirectional(L.GRU(2), { merge_mode = mode }) end)
      end)
    end
    it("SimpleRNN with dropout in training", function()
      check(function() return L.Bidirectional(L.SimpleRNN(3, { dropout = 0.3, recurrent_dropout = 0.3 })) end,
        { training = true })
    end)
  end)

  it("LSTM with a longer sequence and a larger batch", function()
    check(function() return L.LSTM(5, { return_sequences = true }) end, { B = 3, T = 9, F = 4 })
  end)
end)
