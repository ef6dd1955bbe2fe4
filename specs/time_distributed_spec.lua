-- TimeDistributed(layer): the inner layer applied to every timestep, its
-- weights under the wrapper's name (Keras 2.2: time_distributed_1/kernel:0),
-- gradients, a sequence-labelling model that learns (loss over every
-- timestep), and bad input.
local gradcheck = require "support.gradcheck"
local L = ember.layers

local function max_abs_diff(a, b)
  local va, vb = gradcheck.values(a), gradcheck.values(b)
  assert.are.equal(#va, #vb)
  local worst = 0
  for i = 1, #va do worst = math.max(worst, math.abs(va[i] - vb[i])) end
  return worst
end

describe("TimeDistributed", function()
  it("applies Dense to every timestep: y[b, t] = x[b, t] . kernel + bias", function()
    ember.seed(1)
    local td = L.TimeDistributed(L.Dense(4), { input_shape = { 5, 3 } })
    local m = ember.Sequential { td }
    local x = ember.randn { 2, 5, 3 }
    local y = m:predict(x)
    assert.are.same({ 2, 5, 4 }, y.shape)
    local w = td:get_weights()
    for b = 1, 2 do
      for t = 1, 5 do
        local row = x[{ { b, b }, { t, t }, {} }]:reshape { 1, 3 }
        local want = ember.matmul(row, w[1]) + w[2]:reshape { 1, 4 }
        assert.is_true(max_abs_diff(y[{ { b, b }, { t, t }, {} }]:reshape { 1, 4 }, want) < 1e-5)
      end
    end
  end)

  it("keeps the wrapped layer's weights under its own name, as Keras 2.2", function()
    local td = L.TimeDistributed(L.Dense(2))
    assert.matches("^time_distributed_%d+$", td.name)
    assert.are.equal("Dense", td.layer.type)
    local m = ember.Sequential { L.LSTM(3, { return_sequences = true, input_shape = { 4, 2 } }), td }
    local _, _, names = td:params()
    assert.are.same({ "kernel", "bias" }, names)
    local dir = os.tmpname()
    m:save_weights(dir .. ".npz")
    local saved = ember.load(dir .. ".npz")
    os.remove(dir .. ".npz")
    os.remove(dir)
    assert.is_not_nil(saved[td.name .. "/kernel"])
    assert.is_not_nil(saved[td.name .. "/bias"])
    assert.are.same({ 3, 2 }, saved[td.name .. "/kernel"].shape)
    assert.are.equal(3 * 2 + 2, td:count_params())
  end)

  it("takes a strided (non-contiguous) input", function()
    ember.seed(2)
    local m = ember.Sequential { L.TimeDistributed(L.Dense(2), { input_shape = { 3, 4 } }) }
    local x = ember.randn { 2, 4, 3 }:transpose(2, 3)
    assert.is_true(max_abs_diff(m:predict(x), m:predict(x:contiguous())) < 1e-6)
  end)

  it("wraps any one-step layer: Conv1D over (batch, time, steps, channels)", function()
    ember.seed(3)
    local m = ember.Sequential { L.TimeDistributed(L.Conv1D(2, 3), { input_shape = { 4, 6, 5 } }) }
    assert.are.same({ 3, 4, 4, 2 }, m:predict(ember.randn { 3, 4, 6, 5 }).shape)
  end)

  it("gradients: alone and on top of a return_sequences LSTM", function()
    ember.seed(4)
    local td = L.TimeDistributed(L.Dense(3, { activation = "tanh" }))
    td:build({ ember.None, ember.None, 2 })
    assert.is_true(gradcheck.check(td, ember.randn { 2, 4, 2 }))
    local m = ember.Sequential { L.LSTM(3, { return_sequences = true, input_shape = { 4, 2 } }),
      L.TimeDistributed(L.Dense(2)) }
    assert.is_true(gradcheck.check(m, ember.randn { 3, 4, 2 }, { check_input = false }))
  end)

  it("sequence labelling: Embedding -> LSTM(return_sequences) -> TimeDistributed(Dense softmax) learns", function()
    -- label of step t = the id at step t - 1, mod 3 (0 at t = 1): needs the recurrent state
    ember.seed(5)
    local N, T = 256, 8
    local ids = ember.randint(1, 9, { N, T })
    local labels = ember.zeros({ N, T }, { dtype = "int32" })
    for n = 1, N do
      for t = 2, T do labels[{ { n, n }, { t, t } }] = ids:get(n, t - 1) % 3 end
    end
    local m = ember.Sequential { L.Embedding(10, 8), L.LSTM(16, { return_sequences = true }),
      L.TimeDistributed(L.Dense(3, { activation = "softmax" })) }
    m:compile { optimizer = ember.optimizers.RMSprop { lr = 0.01 }, loss = "sparse_categorical_crossentropy",
      metrics = { "acc" } }
    local h = m:fit(ids, labels, { epochs = 15, batch_size = 32, verbose = 0 })
    local loss = h.history.loss
    assert.is_true(loss[#loss] < 0.3 * loss[1], ("loss %.3f -> %.3f"):format(loss[1], loss[#loss]))
    assert.is_true(h.history.acc[#loss] > 0.9)
    -- the loss is the mean over batch and time: evaluate agrees with a hand computation
    local p = m:predict(ids)
    local total = 0
    for n = 1, N, 17 do
      for t = 1, T do total = total - math.log(p:get(n, t, labels:get(n, t) + 1)) end
    end
    local sub = {}
    for n = 1, N, 17 do sub[#sub + 1] = n end
    local idx = ember.tensor(sub, { dtype = "int32" })
    local ev = m:evaluate(ids:index(1, idx), labels:index(1, idx), { verbose = 0 })
    local got = type(ev) == "table" and ev[1] or ev
    assert.is_true(math.abs(got - total / (#sub * T)) < 1e-4)
  end)

  it("categorical_crossentropy over (batch, time, classes) one-hot targets", function()
    ember.seed(6)
    local m = ember.Sequential { L.LSTM(4, { return_sequences = true, input_shape = { 3, 2 } }),
      L.TimeDistributed(L.Dense(2, { activation = "softmax" })) }
    m:compile { optimizer = "rmsprop", loss = "categorical_crossentropy" }
    local y = ember.zeros { 4, 3, 2 }
    y[{ {}, {}, { 1, 1 } }] = 1
    local h = m:fit(ember.randn { 4, 3, 2 }, y, { epochs = 2, verbose = 0 })
    assert.are.equal(2, #h.history.loss)
  end)

  describe("bad input", function()
    it("a non-layer argument", function()
      local ok, err = pcall(L.TimeDistributed, 3)
      assert.is_false(ok)
      assert.matches("TimeDistributed: argument 'layer' expected a layer, got number", err)
    end)
    it("a layer already wrapped, or already built", function()
      local d = L.Dense(2)
      L.TimeDistributed(d)
      local ok, err = pcall(L.TimeDistributed, d)
      assert.is_false(ok)
      assert.matches("TimeDistributed: .*already belongs to another wrapper", err)
      local built = L.Dense(2)
      built:build({ ember.None, 3 })
      ok, err = pcall(L.TimeDistributed, built)
      assert.is_false(ok)
      assert.matches("already built", err)
    end)
    it("input_shape on the wrapped layer instead of the wrapper", function()
      local ok, err = pcall(L.TimeDistributed, L.Dense(2, { input_dim = 3 }))
      assert.is_false(ok)
      assert.matches("give input_shape %(with the time dimension%) to the TimeDistributed layer", err)
    end)
    it("an input without a time axis", function()
      local ok, err = pcall(ember.Sequential, { L.TimeDistributed(L.Dense(2), { input_shape = { 3 } }) })
      assert.is_false(ok)
      assert.matches("time_distributed_%d+ %(TimeDistributed%): expected an input of rank 3 or more", err)
    end)
    it("an unknown option", function()
      local ok, err = pcall(L.TimeDistributed, L.Dense(2), { units = 3 })
      assert.is_false(ok)
      assert.matches("TimeDistributed: .*units", err)
    end)
  end)
end)
