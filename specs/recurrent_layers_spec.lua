-- Recurrent layers: parameter counts and layout, Keras initialisation,
-- shapes, variable time length, dropout semantics, and bad input.
local gradcheck = require "support.gradcheck"
local L = ember.layers

local function built(layer, features)
  layer:build({ ember.None, ember.None, features })
  return layer
end

-- Time-axis helpers over plain tables (independent of the tensor ops).
local function first_steps(x, n)
  local t = x:totable()
  for b = 1, #t do
    for s = #t[b], n + 1, -1 do t[b][s] = nil end
  end
  return ember.tensor(t)
end

local function flip_time(x)
  local t, out = x:totable(), {}
  for b = 1, #t do
    out[b] = {}
    for s = 1, #t[b] do out[b][s] = t[b][#t[b] + 1 - s] end
  end
  return ember.tensor(out)
end

local function shape_of(t) return table.concat(t.shape, ",") end

local function close(a, b, tol)
  local va, vb = gradcheck.values(a), gradcheck.values(b)
  assert.are.equal(#va, #vb)
  for i = 1, #va do
    if math.abs(va[i] - vb[i]) > (tol or 1e-6) then
      error(("value %d differs: %.7g vs %.7g"):format(i, va[i], vb[i]), 2)
    end
  end
end

describe("recurrent layers", function()
  describe("parameters", function()
    it("count as Keras does", function()
      assert.are.equal(2080, built(L.SimpleRNN(32), 32):count_params())
      assert.are.equal(8320, built(L.LSTM(32), 32):count_params())
      assert.are.equal(4512, built(L.GRU(32), 14):count_params())
      assert.are.equal(4608, built(L.GRU(32, { reset_after = true }), 14):count_params())
      assert.are.equal(16640, built(L.Bidirectional(L.LSTM(32)), 32):count_params())
      assert.are.equal(8192, built(L.LSTM(32, { use_bias = false }), 32):count_params())
    end)

    it("have Keras names, shapes and gate-major columns", function()
      local _, _, names = built(L.LSTM(5), 7):params()
      assert.are.same({ "kernel", "recurrent_kernel", "bias" }, names)
      local w = built(L.LSTM(5), 7):get_weights()
      assert.are.same({ "7,20", "5,20", "20" }, { shape_of(w[1]), shape_of(w[2]), shape_of(w[3]) })
      local g = built(L.GRU(4, { reset_after = true }), 3):get_weights()
      assert.are.same({ "3,12", "4,12", "2,12" }, { shape_of(g[1]), shape_of(g[2]), shape_of(g[3]) })
      local b = built(L.Bidirectional(L.GRU(4)), 3):get_weights()
      assert.are.equal(6, #b)
      assert.are.same({ "3,12", "4,12", "12", "3,12", "4,12", "12" },
        { shape_of(b[1]), shape_of(b[2]), shape_of(b[3]), shape_of(b[4]), shape_of(b[5]), shape_of(b[6]) })
    end)

    it("start as Keras: glorot kernel, orthogonal recurrent kernel, zero bias, forget bias 1", function()
      ember.seed(5)
      local w = built(L.LSTM(4), 6):get_weights()
      local limit = math.sqrt(6 / (6 + 16))
      for _, v in ipairs(gradcheck.values(w[1])) do assert.is_true(math.abs(v) <= limit) end
      local bias = gradcheck.values(w[3])
      for j = 1, 16 do assert.are.equal((j > 4 and j <= 8) and 1 or 0, bias[j]) end
      -- (4, 16) recurrent kernel: orthonormal rows
      local u = w[2]:totable()
      for a = 1, 4 do
        for b = 1, 4 do
          local s = 0
          for k = 1, 16 do s = s + u[a][k] * u[b][k] end
          assert.is_true(math.abs(s - (a == b and 1 or 0)) < 1e-5)
        end
      end
      local nb = gradcheck.values(built(L.LSTM(4, { unit_forget_bias = false }), 6):get_weights()[3])
      for j = 1, 16 do assert.are.equal(0, nb[j]) end
    end)

    it("are reproducible from the seed", function()
      ember.seed(9)
      local a = built(L.GRU(3), 2):get_weights()
      ember.seed(9)
      local b = built(L.GRU(3), 2):get_weights()
      for i = 1, 3 do close(a[i], b[i], 0) end
    end)
  end)

  describe("shapes", function()
    it("last output or the whole sequence; Bidirectional concat doubles units", function()
      local x = ember.randn { 3, 5, 2 }
      assert.are.same({ 3, 4 }, L.LSTM(4):forward(x).shape)
      assert.are.same({ 3, 5, 4 }, L.GRU(4, { return_sequences = true }):forward(x).shape)
      assert.are.same({ 3, 8 }, L.Bidirectional(L.SimpleRNN(4)):forward(x).shape)
      assert.are.same({ 3, 5, 4 }, L.Bidirectional(L.LSTM(4, { return_sequences = true }), { merge_mode = "sum" }):forward(x).shape)
    end)

    it("build reports None for the batch and the time", function()
      local out = L.LSTM(4, { return_sequences = true }).core:build({ ember.None, ember.None, 3 })
      assert.are.equal(ember.None, out[1])
      assert.are.equal(ember.None, out[2])
      assert.are.equal(4, out[3])
    end)

    it("accept a different time length at every batch (causal prefixes agree)", function()
      ember.seed(2)
      local layer = built(L.LSTM(3, { return_sequences = true }), 2)
      local long = ember.randn { 2, 9, 2 }
      local y9 = layer:forward(long):clone()
      local y4 = layer:forward(first_steps(long, 4)):clone()
      assert.are.same({ 2, 4, 3 }, y4.shape)
      close(y4, first_steps(y9, 4), 1e-6)
      assert.are.same({ 2, 1, 3 }, layer:forward(ember.randn { 2, 1, 2 }).shape)
    end)

    it("go_backwards reads the sequence in reverse", function()
      ember.seed(4)
      local fwd = built(L.GRU(3), 2)
      local bwd = built(L.GRU(3, { go_backwards = true }), 2)
      bwd:set_weights(fwd:get_weights())
      local x = ember.randn { 2, 5, 2 }
      close(bwd:forward(x), fwd:forward(flip_time(x)), 1e-6)
    end)
  end)

  describe("dropout", function()
    -- SimpleRNN with identity kernel, zero recurrent kernel, linear activation:
    -- y[b, t, f] = x[b, t, f] * mask[b, f]
    local function probe(opts)
      local layer = built(L.SimpleRNN(4, opts), 4)
      local eye = ember.zeros { 4, 4 }
      for i = 1, 4 do eye:set(i, i, 1) end
      layer:set_weights { eye, ember.zeros { 4, 4 }, ember.zeros { 4 } }
      return layer
    end

    it("draws one input mask per sequence, the same at every timestep, scaled by 1/(1-p)", function()
      ember.seed(1)
      local layer = probe { activation = "linear", dropout = 0.5, return_sequences = true }
      local y = layer:forward(ember.ones { 8, 6, 4 }, true):totable()
      local seen = {}
      for b = 1, 8 do
        for f = 1, 4 do
          local v = y[b][1][f]
          assert.is_true(v == 0 or v == 2)
          seen[v] = true
          for t = 2, 6 do assert.are.equal(v, y[b][t][f]) end
        end
      end
      assert.is_true(seen[0] and seen[2])
    end)

    it("draws one recurrent mask per sequence, reused at every step", function()
      ember.seed(2)
      local layer = built(L.SimpleRNN(4, { activation = "linear", recurrent_dropout = 0.5, return_sequences = true }), 4)
      local eye = ember.zeros { 4, 4 }
      for i = 1, 4 do eye:set(i, i, 1) end
      layer:set_weights { eye, eye, ember.zeros { 4 } }
      -- h_t = m * h_{t-1} + 1: m = 0 gives 1,1,1,1; m = 2 gives 1,3,7,15
      local y = layer:forward(ember.ones { 8, 4, 4 }, true):totable()
      for b = 1, 8 do
        for f = 1, 4 do
          local seq = { y[b][1][f], y[b][2][f], y[b][3][f], y[b][4][f] }
          assert.is_true((seq[4] == 1 and seq[2] == 1) or (seq[2] == 3 and seq[3] == 7 and seq[4] == 15))
        end
      end
    end)

    it("is off at inference", function()
      ember.seed(3)
      local layer = probe { activation = "linear", dropout = 0.5, recurrent_dropout = 0.5, return_sequences = true }
      local x = ember.randn { 3, 4, 4 }
      close(layer:forward(x, false), x, 0)
    end)

    it("repeats with the same seed", function()
      local layer = built(L.LSTM(3, { dropout = 0.4, recurrent_dropout = 0.4 }), 2)
      local x = ember.randn { 4, 5, 2 }
      ember.seed(8)
      local a = layer:forward(x, true):clone()
      ember.seed(8)
      close(layer:forward(x, true), a, 0)
    end)

    it("draws a separate mask for each GRU gate", function()
      -- linear activations, h0 = 0: h = (1 - m_z * 0.25) * (m_h * 1); shared
      -- masks give only 0 or 1, separate masks also give 2.
      ember.seed(4)
      local layer = built(L.GRU(1, { activation = "linear", recurrent_activation = "linear", dropout = 0.5 }), 1)
      layer:set_weights { ember.tensor { { 0.25, 0, 1 } }, ember.zeros { 1, 3 }, ember.zeros { 3 } }
      local seen = {}
      for _, v in ipairs(gradcheck.values(layer:forward(ember.ones { 64, 1, 1 }, true))) do seen[v] = true end
      assert.is_true(seen[2] and seen[1] and seen[0])
    end)

    it("draws a separate mask for each LSTM gate", function()
      -- linear, h0 = c0 = 0: h = o * i * g = (1 + m_o) * m_i * m_c; shared
      -- masks give 0 or 12, separate ones also 4.
      ember.seed(5)
      local layer = built(L.LSTM(1, { activation = "linear", recurrent_activation = "linear", dropout = 0.5 }), 1)
      layer:set_weights { ember.tensor { { 1, 0, 1, 1 } }, ember.zeros { 1, 4 }, ember.tensor { 0, 0, 0, 1 } }
      local seen = {}
      for _, v in ipairs(gradcheck.values(layer:forward(ember.ones { 64, 1, 1 }, true))) do seen[v] = true end
      assert.is_true(seen[4] and seen[12] and seen[0])
    end)
  end)

  describe("Bidirectional", function()
    it("is a forward copy and a go_backwards copy, weights forward's then backward's", function()
      ember.seed(6)
      local bi = built(L.Bidirectional(L.LSTM(3, { return_sequences = true }), { merge_mode = "concat" }), 2)
      assert.is_true(bi.backward_layer.config.go_backwards)
      assert.is_falsy(bi.forward_layer.config.go_backwards)
      local w = bi:get_weights()
      local f = built(L.LSTM(3, { return_sequences = true }), 2)
      f:set_weights { w[1], w[2], w[3] }
      local b = built(L.LSTM(3, { return_sequences = true }), 2)
      b:set_weights { w[4], w[5], w[6] }
      local x = ember.randn { 2, 5, 2 }
      local y = bi:forward(x):totable()
      local yf = f:forward(x):totable()
      local yb = b:forward(flip_time(x)):totable()  -- backward half, re-reversed in time
      for i = 1, 2 do
        for t = 1, 5 do
          for j = 1, 3 do
            assert.is_true(math.abs(y[i][t][j] - yf[i][t][j]) < 1e-6)
            assert.is_true(math.abs(y[i][t][3 + j] - yb[i][6 - t][j]) < 1e-6)
          end
        end
      end
    end)

    it("repeats under a seed with dropout (masks drawn before the halves run in parallel)", function()
      local bi = built(L.Bidirectional(L.GRU(3, { dropout = 0.4, recurrent_dropout = 0.4, return_sequences = true })), 2)
      local x = ember.randn { 4, 6, 2 }
      ember.seed(21)
      local a = bi:forward(x, true):clone()
      ember.seed(21)
      close(bi:forward(x, true), a, 0)
    end)

    it("reports an error from either half", function()
      local bi = built(L.Bidirectional(L.LSTM(3)), 2)
      assert.error_matches(function() bi:forward(ember.randn { 2, 5, 4 }) end,
        "Bidirectional: expected input of shape {None,None,2}, got {2,5,4}")
      assert.error_matches(function() bi:forward(ember.randint(0, 3, { 2, 5, 2 })) end,
        "LSTM: expected a float32 input, got int32")
    end)

    it("without return_sequences takes the backward layer's last step", function()
      ember.seed(7)
      local bi = built(L.Bidirectional(L.GRU(2), { merge_mode = "sum" }), 2)
      local w = bi:get_weights()
      local f = built(L.GRU(2), 2)
      f:set_weights { w[1], w[2], w[3] }
      local b = built(L.GRU(2, { go_backwards = true }), 2)
      b:set_weights { w[4], w[5], w[6] }
      local x = ember.randn { 3, 4, 2 }
      local y, yf, yb = bi:forward(x):totable(), f:forward(x):totable(), b:forward(x):totable()
      for i = 1, 3 do
        for j = 1, 2 do assert.is_true(math.abs(y[i][j] - (yf[i][j] + yb[i][j])) < 1e-6) end
      end
    end)
  end)

  describe("bad input", function()
    it("a 2-D input", function()
      assert.error_matches(function() L.LSTM(4):forward(ember.randn { 2, 3 }) end,
        "LSTM: expected an input of rank 3 %(batch, time, features%), got shape {2,3}")
      local built_layer = built(L.GRU(4), 3)
      assert.error_matches(function() built_layer:forward(ember.randn { 2, 3 }) end, "GRU: expected input of rank 3")
    end)

    it("features different from the built ones", function()
      local layer = built(L.SimpleRNN(4), 3)
      assert.error_matches(function() layer:forward(ember.randn { 2, 5, 7 }) end,
        "SimpleRNN: expected input of shape {None,None,3}, got {2,5,7}")
    end)

    it("an int tensor", function()
      assert.error_matches(function() L.LSTM(4):forward(ember.randint(1, 5, { 2, 3, 4 })) end,
        "LSTM: expected a float32 input, got int32")
    end)

    it("dropout outside [0, 1)", function()
      assert.error_matches(function() L.LSTM(4, { dropout = 1 }) end, "LSTM: option 'dropout' must be in %[0, 1%), got 1")
      assert.error_matches(function() L.GRU(4, { recurrent_dropout = -0.1 }) end,
        "GRU: option 'recurrent_dropout' must be in %[0, 1%), got %-0.1")
      assert.error_matches(function() L.SimpleRNN(4, { dropout = "half" }) end,
        "SimpleRNN: option 'dropout' expected a number, got")
    end)

    it("an unknown activation or merge_mode", function()
      assert.error_matches(function() L.LSTM(4, { activation = "swish" }) end, "LSTM: unknown activation 'swish'")
      assert.error_matches(function() L.GRU(4, { recurrent_activation = "softmax" }) end,
        "GRU: option 'recurrent_activation' cannot be softmax")
      assert.error_matches(function() L.Bidirectional(L.LSTM(4), { merge_mode = "max" }) end,
        "Bidirectional: option 'merge_mode' must be one of \"concat\", \"sum\", \"mul\", \"ave\", got \"max\"")
    end)

    it("bad units, options of another layer, a non-recurrent wrapped layer", function()
      assert.error_matches(function() L.LSTM() end, "LSTM: argument 'units' is required")
      assert.error_matches(function() L.LSTM(0) end, "LSTM: option 'units' must be in %[1,")
      assert.error_matches(function() L.GRU(2.5) end, "GRU: option 'units' expected an integer")
      assert.error_matches(function() L.LSTM(4, { reset_after = true }) end, "LSTM: unknown option 'reset_after'")
      assert.error_matches(function() L.GRU(4, { unit_forget_bias = true }) end, "GRU: unknown option 'unit_forget_bias'")
      assert.error_matches(function() L.Bidirectional(42) end,
        "Bidirectional: argument 'layer' expected a SimpleRNN, LSTM or GRU layer, got number")
      local used = built(L.LSTM(2), 3)
      assert.error_matches(function() L.Bidirectional(used) end, "Bidirectional: the wrapped layer must not be built yet")
    end)

    it("points constructor errors at the caller's line, not inside ember", function()
      local calls = {
        { "SimpleRNN", function() L.SimpleRNN { 4, dropout = 2 } end },
        { "LSTM", function() L.LSTM { 4, activation = "softmax" } end },
        { "LSTM", function() L.LSTM(4.5) end },
        { "GRU", function() L.GRU(-1) end },
        { "GRU", function() L.GRU(4, { reset_after = "x" }) end },
        { "Bidirectional", function() L.Bidirectional(L.LSTM(3), { merge_mode = "xor" }) end },
        { "Bidirectional", function() L.Bidirectional(built(L.GRU(2), 3)) end },
        { "Bidirectional", function() L.Bidirectional(L.Dense(3)) end },
      }
      for _, c in ipairs(calls) do
        local ok, err = pcall(c[2])
        assert.is_false(ok, c[1])
        assert.matches("^specs/recurrent_layers_spec%.lua:%d+: " .. c[1] .. ": ", err)
        assert.is_nil(err:find("[ember]", 1, true), err)
      end
      local ok, err = pcall(function() L.LSTM { 4, activation = "softmax" } end)
      assert.is_false(ok)
      assert.equal("specs/recurrent_layers_spec.lua:" .. debug.getinfo(1, "l").currentline - 2
        .. ": LSTM: option 'activation' cannot be softmax (not an elementwise activation)", err)
    end)

    it("an empty sequence", function()
      assert.error_matches(function() L.LSTM(2):forward(ember.zeros { 2, 0, 3 }) end,
        "LSTM: the input needs at least one sample and one timestep, got shape {2,0,3}")
    end)

    it("huge inputs saturate the gates instead of overflowing", function()
      ember.seed(12)
      local x = gradcheck.tensor({ 2, 3, 2 }, { 1e4, -1e4, 80, -80, 1e30, -1e30, 3, -3, 200, -200, 0, 0 })
      for _, kind in ipairs { "SimpleRNN", "LSTM", "GRU" } do
        for _, v in ipairs(gradcheck.values(L[kind](3):forward(x))) do
          assert.is_true(v >= -1 and v <= 1, kind .. " gave " .. tostring(v))
        end
      end
    end)

    it("a wrong gradient, or backward before forward", function()
      local layer = built(L.LSTM(4, { return_sequences = true }), 3)
      assert.error_matches(function() layer:backward(ember.randn { 2, 5, 4 }) end, "LSTM: backward called before forward")
      layer:forward(ember.randn { 2, 5, 3 }, true)
      assert.error_matches(function() layer:backward(ember.randn { 2, 6, 4 }) end,
        "LSTM: expected a gradient of shape {2,5,4}")
      assert.error_matches(function() layer:backward(ember.randn { 2, 4 }) end,
        "LSTM: expected a gradient of shape {2,5,4} (the last forward's output), got {2,4}", 1, true)
    end)
  end)
end)
