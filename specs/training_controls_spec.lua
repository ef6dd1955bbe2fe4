-- Training controls of issue 17: sample_weight / class_weight (Keras 2.2.4's
-- weighted_masked_objective), clipnorm / clipvalue (Keras 2.2.4's
-- Optimizer.get_gradients), weight and activity regularizers, initializers.
local gradcheck = require "support.gradcheck"

local function close(a, b, tol) return math.abs(a - b) <= (tol or 1e-5) * math.max(1, math.abs(a), math.abs(b)) end

local function flat(t) return gradcheck.values(t) end

-- Every weight of a model, flattened in get_weights order.
local function all_weights(m)
  local out = {}
  for _, w in ipairs(m:get_weights()) do
    for _, v in ipairs(flat(w)) do out[#out + 1] = v end
  end
  return out
end

local function copy_weights(ws)
  local out = {}
  for i, w in ipairs(ws) do out[i] = w:clone() end
  return out
end

-- Keras 2.2.4's weighted loss from per-sample losses: mean(w * l) / mean(w != 0).
local function keras_weighted(per_sample, w)
  local s, nz = 0, 0
  for i, l in ipairs(per_sample) do
    s = s + l * w[i]
    if w[i] ~= 0 then nz = nz + 1 end
  end
  local n = #per_sample
  return (s / n) / (nz / n)
end

describe("sample_weight and class_weight", function()
  it("the weighted loss is Keras's mean(w * loss_s) / mean(w != 0), for every loss", function()
    ember.seed(7)
    local w = ember.tensor { 0.5, 0, 2, 1 }
    local wl = { 0.5, 0, 2, 1 }
    -- mse on a (4, 3, 2) output: each sample's loss is the mean over its 6 elements
    local p, t = ember.randn { 4, 3, 2 }, ember.randn { 4, 3, 2 }
    local per = {}
    for s = 1, 4 do per[s] = ember.losses.compute("mse", p:narrow(1, s, 1), t:narrow(1, s, 1)) end
    assert.is_true(close(keras_weighted(per, wl), ember.losses.compute("mse", p, t, nil, w), 1e-5))
    -- binary, categorical and sparse categorical cross-entropy
    local probs = ember.rand({ 4, 3 }):add(0.05)
    local onehot = ember.tensor { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 }, { 0, 1, 0 } }
    local ids = ember.tensor { 0, 1, 2, 1 }
    local bp, bt = ember.rand({ 4, 1 }):mul(0.9):add(0.05), ember.tensor { { 1 }, { 0 }, { 1 }, { 0 } }
    for _, case in ipairs({ { "categorical_crossentropy", probs, onehot }, { "sparse_categorical_crossentropy", probs, ids },
      { "binary_crossentropy", bp, bt }, { "mae", p, t } }) do
      local name, pp, tt = case[1], case[2], case[3]
      per = {}
      for s = 1, 4 do per[s] = ember.losses.compute(name, pp:narrow(1, s, 1), tt:narrow(1, s, 1)) end
      local got = ember.losses.compute(name, pp, tt, nil, w)
      assert.is_true(close(keras_weighted(per, wl), got, 1e-5), name .. ": " .. got)
    end
    -- all ones is the unweighted loss; all zeros is 0 / 0 = NaN, as in Keras
    assert.is_true(close(ember.losses.compute("mse", p, t), ember.losses.compute("mse", p, t, nil, ember.ones { 4 }), 1e-6))
    local nan = ember.losses.compute("mse", p, t, nil, ember.zeros { 4 })
    assert.is_true(nan ~= nan)
  end)

  it("the weighted loss gradient (computed in C) matches central differences", function()
    ember.seed(8)
    local w = ember.tensor { 0.5, 0, 2 }
    local cases = {
      { "mse", ember.randn { 3, 2, 2 }, ember.randn { 3, 2, 2 } },
      { "categorical_crossentropy", ember.rand({ 3, 4 }):add(0.1), ember.tensor { { 1, 0, 0, 0 }, { 0, 0, 1, 0 }, { 0, 1, 0, 0 } } },
      { "sparse_categorical_crossentropy", ember.rand({ 3, 4 }):add(0.1), ember.tensor { 3, 0, 1 } },
      { "binary_crossentropy", ember.rand({ 3, 2 }):mul(0.8):add(0.1), ember.tensor { { 1, 0 }, { 0, 0 }, { 1, 1 } } },
    }
    for _, case in ipairs(cases) do
      local name, p, t = case[1], case[2], case[3]
      local g = ember.zeros { 0 }
      ember.losses.compute(name, p, t, g, w)
      local analytic, vals = flat(g), flat(p)
      for k = 1, #vals do
        local orig = vals[k]
        local function at(v)
          vals[k] = v
          return ember.losses.compute(name, gradcheck.tensor(p.shape, vals), t, nil, w)
        end
        local numeric = (at(orig + 1e-3) - at(orig - 1e-3)) / 2e-3
        vals[k] = orig
        assert.is_true(math.abs(numeric - analytic[k]) <= 1e-4 + 2e-2 * math.abs(numeric),
          ("%s element %d: analytic %g numeric %g"):format(name, k, analytic[k], numeric))
      end
      -- a sample of weight 0 gets no gradient at all
      for k = 1, #analytic // 3 do assert.are.equal(0, analytic[#analytic // 3 + k]) end
    end
  end)

  local function model(seed)
    ember.seed(seed)
    local m = ember.models.Sequential {
      ember.layers.Dense(4, { activation = "tanh", input_shape = { 3 } }),
      ember.layers.Dense(1, { activation = "sigmoid" }),
    }
    m:compile { loss = "binary_crossentropy", optimizer = ember.optimizers.SGD { lr = 0.5 }, metrics = { "acc" } }
    return m
  end

  it("train_on_batch: the step follows the weighted loss; metrics stay unweighted (Keras 2.2.4)", function()
    local x = ember.tensor { { 1, 0, -1 }, { 0.5, 2, 0 }, { -1, -1, 1 }, { 2, 0, 0.5 } }
    local y = ember.tensor { { 1 }, { 0 }, { 1 }, { 0 } }
    local w = ember.tensor { 1, 3, 0, 2 }
    local a, b = model(11), model(11)
    -- the loss train_on_batch reports is the weighted loss before the update
    local pred = a:predict(x)
    local per = {}
    for s = 1, 4 do per[s] = ember.losses.binary_crossentropy(y:narrow(1, s, 1), pred:narrow(1, s, 1)) end
    local loss, metrics = a:train_on_batch(x, y, { sample_weight = w })
    assert.is_true(close(keras_weighted(per, { 1, 3, 0, 2 }), loss, 1e-5))
    local _, plain_metrics = b:test_on_batch(x, y)
    assert.are.equal(plain_metrics.acc, metrics.acc)
    -- the sample of weight 0 has no influence: changing it changes nothing
    local x2 = x:clone()
    x2[{ 3, 1 }] = 100
    b:train_on_batch(x2, y, { sample_weight = w })
    local wa, wb = all_weights(a), all_weights(b)
    for i = 1, #wa do assert.are.equal(wa[i], wb[i]) end
  end)

  it("class_weight is the sample_weight of each sample's class (one-hot, (N, 1) and (N) targets)", function()
    local x = ember.tensor { { 1, 0, -1 }, { 0.5, 2, 0 }, { -1, -1, 1 }, { 2, 0, 0.5 } }
    local y = ember.tensor { { 1 }, { 0 }, { 1 }, { 0 } }
    local a, b = model(12), model(12)
    local la = a:train_on_batch(x, y, { class_weight = { [0] = 1, [1] = 5 } })
    local lb = b:train_on_batch(x, y, { sample_weight = ember.tensor { 5, 1, 5, 1 } })
    assert.are.equal(la, lb)
    local wa, wb = all_weights(a), all_weights(b)
    for i = 1, #wa do assert.are.equal(wa[i], wb[i]) end
    -- one-hot targets: the class is the argmax (0-based ids)
    local sw = require("ember.training")._sample_weights("fit", ember.tensor { { 0, 1, 0 }, { 0, 0, 1 }, { 1, 0, 0 } },
      nil, { [0] = 0.5, [1] = 2, [2] = 7 })
    assert.are.same({ 2, 7, 0.5 }, flat(sw))
    sw = require("ember.training")._sample_weights("fit", ember.tensor { 2, 0 }, nil, { [0] = 0.5, [2] = 3 })
    assert.are.same({ 3, 0.5 }, flat(sw))
  end)

  it("fit: sample_weight and class_weight follow the shuffled batches and the validation split", function()
    ember.seed(13)
    local x = ember.randn { 40, 3 }
    local y = x:narrow(2, 1, 1):gt(0):float()
    local a, b = model(14), model(14)
    ember.seed(99)
    local ha = a:fit(x, y, { epochs = 2, batch_size = 8, verbose = 0, class_weight = { [0] = 1, [1] = 3 }, validation_split = 0.25 })
    local sw = require("ember.training")._sample_weights("fit", y, nil, { [0] = 1, [1] = 3 })
    ember.seed(99)
    local hb = b:fit(x, y, { epochs = 2, batch_size = 8, verbose = 0, sample_weight = sw, validation_split = 0.25 })
    assert.are.same(ha.history.loss, hb.history.loss)
    assert.are.same(ha.history.val_loss, hb.history.val_loss)
    -- and the weights matter: unweighted training goes elsewhere
    local c = model(14)
    ember.seed(99)
    local hc = c:fit(x, y, { epochs = 2, batch_size = 8, verbose = 0, validation_split = 0.25 })
    assert.are_not.equal(ha.history.loss[1], hc.history.loss[1])
  end)

  it("bad sample_weight / class_weight: errors naming the call and the option", function()
    local m = model(15)
    local x, y = ember.randn { 4, 3 }, ember.tensor { { 1 }, { 0 }, { 1 }, { 0 } }
    local function err(f, ...)
      local ok, e = pcall(f, ...)
      assert.is_false(ok)
      return tostring(e)
    end
    assert.matches("fit: option 'sample_weight' has shape {3}", err(m.fit, m, x, y, { sample_weight = ember.ones { 3 }, verbose = 0 }), 1, true)
    assert.matches("fit: option 'sample_weight' expected a tensor", err(m.fit, m, x, y, { sample_weight = { 1, 2, 3, 4 }, verbose = 0 }), 1, true)
    assert.matches("sample 2 (weights must be finite)", err(m.fit, m, x, y, { sample_weight = ember.tensor { 1, 0 / 0, 1, 1 }, verbose = 0 }), 1, true)
    assert.matches("missing: 1", err(m.fit, m, x, y, { class_weight = { [0] = 1 }, verbose = 0 }), 1, true)
    assert.matches("train_on_batch: option 'class_weight' expected a table", err(m.train_on_batch, m, x, y, { class_weight = 3 }), 1, true)
    assert.matches("keys are class ids", err(m.train_on_batch, m, x, y, { class_weight = { a = 1 } }), 1, true)
    assert.matches("weights must be finite numbers", err(m.train_on_batch, m, x, y, { class_weight = { [0] = "x", [1] = 1 } }), 1, true)
    assert.matches("3+ dimensional targets", err(m.train_on_batch, m, ember.randn { 2, 3 }, ember.zeros { 2, 1, 1 }, { class_weight = { [0] = 1 } }), 1, true)
    assert.matches("train_on_batch: unknown option 'sample_weights'", err(m.train_on_batch, m, x, y, { sample_weights = ember.ones { 4 } }), 1, true)
    assert.matches("sample weights of shape", err(ember.losses.compute, "mse", ember.zeros { 2, 1 }, ember.zeros { 2, 1 }, nil, ember.ones { 3 }), 1, true)
  end)
end)

describe("clipnorm and clipvalue", function()
  -- One step of an optimizer core on hand-made parameters: the gradients
  -- are clipped in place, so they show what the update used.
  local function step(kind, opts, grads_values)
    local opt = ember.optimizers[kind](opts)
    local params, grads = {}, {}
    for i, v in ipairs(grads_values) do
      params[i] = ember.zeros { #v }
      grads[i] = ember.tensor(v)
    end
    opt:step(params, grads)
    return params, grads
  end

  it("clipnorm scales every gradient by clipnorm / GLOBAL norm when that norm >= clipnorm (Keras 2.2.4)", function()
    -- global norm of {3, 4} and {12} is 13
    for _, kind in ipairs({ "SGD", "RMSprop", "Adam" }) do
      local _, g = step(kind, { clipnorm = 6.5 }, { { 3, 4 }, { 12 } })
      assert.are.same({ 1.5, 2 }, flat(g[1]), kind)
      assert.are.same({ 6 }, flat(g[2]), kind)
      _, g = step(kind, { clipnorm = 13.5 }, { { 3, 4 }, { 12 } })  -- below clipnorm: unchanged
      assert.are.same({ 3, 4 }, flat(g[1]))
      _, g = step(kind, { clipvalue = 3.5 }, { { 3, -4 }, { 12 } })
      assert.are.same({ 3, -3.5 }, flat(g[1]))
      assert.are.same({ 3.5 }, flat(g[2]))
      -- both: norm first, then value (13 -> scale 0.5: {1.5, 2, 6}, then clipped at 1.8)
      _, g = step(kind, { clipnorm = 6.5, clipvalue = 1.8 }, { { 3, 4 }, { 12 } })
      local v = flat(g[1])
      assert.is_true(close(1.5, v[1]) and close(1.8, v[2]))
    end
    -- the SGD update used the clipped gradient: p = -lr * g
    local p = step("SGD", { lr = 1, clipnorm = 6.5 }, { { 3, 4 }, { 12 } })
    assert.are.same({ -1.5, -2 }, flat(p[1]))
    -- RMSprop's first update with a clipped gradient (a = 0.1 g^2): -lr g / (sqrt(a) + eps)
    p = step("RMSprop", { lr = 0.01, clipvalue = 0.5 }, { { 3, -0.25 } })
    local want1 = -0.01 * 0.5 / (math.sqrt(0.1 * 0.25) + 1e-7)
    local want2 = 0.01 * 0.25 / (math.sqrt(0.1 * 0.0625) + 1e-7)
    assert.is_true(close(want1, flat(p[1])[1], 1e-5) and close(want2, flat(p[1])[2], 1e-5))
  end)

  it("clipnorm in a model: the global norm includes an Embedding's gradient, untouched rows stay still", function()
    local function emb_model()
      ember.seed(21)
      local m = ember.models.Sequential {
        ember.layers.Embedding(10, 3, { input_length = 2 }),
        ember.layers.Flatten(),
        ember.layers.Dense(1),
      }
      return m
    end
    local x, y = ember.tensor({ { 1, 2 }, { 2, 5 } }):int(), ember.tensor { { 3 }, { -2 } }
    local a, b = emb_model(), emb_model()
    a:compile { loss = "mse", optimizer = ember.optimizers.SGD { lr = 1 } }
    b:compile { loss = "mse", optimizer = ember.optimizers.SGD { lr = 1, clipnorm = 0.1 } }
    local w0 = all_weights(a)
    a:train_on_batch(x, y)
    b:train_on_batch(x, y)
    local wa, wb = all_weights(a), all_weights(b)
    local sq = 0
    for i = 1, #w0 do sq = sq + (wa[i] - w0[i]) ^ 2 end
    local norm = math.sqrt(sq)
    assert.is_true(norm > 0.1)
    local moved_b, untouched = 0, 0
    for i = 1, #w0 do
      local da, db = wa[i] - w0[i], wb[i] - w0[i]
      assert.is_true(math.abs(db - da * 0.1 / norm) <= 1e-6, ("weight %d: %g vs %g"):format(i, db, da * 0.1 / norm))
      moved_b = moved_b + db * db
      if i <= 30 and da == 0 then
        untouched = untouched + 1
        assert.are.equal(0, db)
      end
    end
    assert.is_true(close(0.01, moved_b, 1e-3))
    assert.is_true(untouched >= 21)  -- rows 0, 3, 4, 6..9 of the embedding
  end)

  it("bad clip options: errors naming the optimizer and the option", function()
    for _, kind in ipairs({ "SGD", "RMSprop", "Adam" }) do
      local ok, e = pcall(ember.optimizers[kind], { clipnorm = -1 })
      assert.is_false(ok)
      assert.matches(kind .. ": option 'clipnorm' must be a finite number in [0, inf], got -1", tostring(e), 1, true)
      ok, e = pcall(ember.optimizers[kind], { clipvalue = 0 / 0 })
      assert.is_false(ok)
      assert.matches("option 'clipvalue'", tostring(e), 1, true)
      ok, e = pcall(ember.optimizers[kind], { clip_norm = 1 })
      assert.is_false(ok)
      assert.matches("did you mean 'clipnorm'", tostring(e), 1, true)
    end
  end)
end)

describe("regularizers", function()
  local R = ember.regularizers

  it("l1, l2, l1_l2 with Keras's defaults; bad arguments are errors", function()
    local r = R.l1()
    assert.are.same({ 0.01, 0 }, { r.l1, r.l2 })
    r = R.l2(0.5)
    assert.are.same({ 0, 0.5 }, { r.l1, r.l2 })
    r = R.l1_l2 { l1 = 0.1 }
    assert.are.same({ 0.1, 0.01 }, { r.l1, r.l2 })
    local function err(f, ...)
      local ok, e = pcall(f, ...)
      assert.is_false(ok)
      return tostring(e)
    end
    assert.matches("regularizers.l2: argument 'l' expected a finite number >= 0, got -1", err(R.l2, -1), 1, true)
    assert.matches("regularizers.l1: argument 'l' expected a finite number >= 0, got x", err(R.l1, "x"), 1, true)
    assert.matches("regularizers.l1_l2: unknown option 'l3'", err(R.l1_l2, { l3 = 1 }), 1, true)
    assert.matches("regularizers.l1_l2: argument 'opts' expected a table", err(R.l1_l2, 0.1), 1, true)
    assert.matches("Dense: option 'kernel_regularizer': expected ember.regularizers", err(ember.layers.Dense, 2, { kernel_regularizer = 0.1 }), 1, true)
    assert.matches("Dense: unknown option 'recurrent_regularizer'", err(ember.layers.Dense, 2, { recurrent_regularizer = R.l2() }), 1, true)
    assert.matches("not supported yet", err(ember.layers.Bidirectional, ember.layers.LSTM(2, { kernel_regularizer = R.l2() })), 1, true)
  end)

  -- A model, its twin without regularizers (same weights), data and the
  -- penalty the regularized one should add.
  local cases = {
    { name = "Dense", x = { 5, 4 }, layers = function(reg)
      return { ember.layers.Dense(3, { activation = "tanh", input_shape = { 4 }, kernel_regularizer = reg and R.l1_l2 { l1 = 0.03, l2 = 0.05 } or nil,
        bias_regularizer = reg and R.l2(0.2) or nil, activity_regularizer = reg and R.l1_l2 { l1 = 0.02, l2 = 0.04 } or nil }), ember.layers.Dense(2) }
    end, params = { { 1, 0.03, 0.05 }, { 2, 0, 0.2 } }, activity = { 1, 0.02, 0.04 } },
    { name = "Conv1D", x = { 3, 6, 2 }, layers = function(reg)
      return { ember.layers.Conv1D(3, 3, { input_shape = { 6, 2 }, activation = "tanh", kernel_regularizer = reg and R.l2(0.1) or nil,
        bias_regularizer = reg and R.l1(0.05) or nil }), ember.layers.Flatten(), ember.layers.Dense(2, { activity_regularizer = reg and R.l2(0.03) or nil }) }
    end, params = { { 1, 0, 0.1 }, { 2, 0.05, 0 } }, activity = { 3, 0, 0.03 } },
    { name = "Embedding", x = "ids", layers = function(reg)
      return { ember.layers.Embedding(7, 3, { input_length = 4, embeddings_regularizer = reg and R.l1_l2 { l1 = 0.05, l2 = 0.1 } or nil,
        activity_regularizer = reg and R.l2(0.02) or nil }), ember.layers.Flatten(), ember.layers.Dense(2) }
    end, params = { { 1, 0.05, 0.1 } }, activity = { 1, 0, 0.02 } },
  }
  for _, kind in ipairs({ "SimpleRNN", "LSTM", "GRU" }) do
    cases[#cases + 1] = { name = kind, x = { 3, 4, 2 }, layers = function(reg)
      return { ember.layers[kind](3, { input_shape = { 4, 2 }, kernel_regularizer = reg and R.l2(0.1) or nil,
        recurrent_regularizer = reg and R.l1_l2 { l1 = 0.02, l2 = 0.05 } or nil, bias_regularizer = reg and R.l1(0.03) or nil,
        activity_regularizer = reg and R.l1(0.01) or nil }), ember.layers.Dense(2) }
    end, params = { { 1, 0, 0.1 }, { 2, 0.02, 0.05 }, { 3, 0.03, 0 } }, activity = { 1, 0.01, 0 } }
  end

  local function penalty(t, l1, l2)
    local s = 0
    for _, v in ipairs(flat(t)) do s = s + l1 * math.abs(v) + l2 * v * v end
    return s
  end

  for _, case in ipairs(cases) do
    it(case.name .. ": the penalty joins the reported loss, and its gradient passes a finite-difference check", function()
      ember.seed(31)
      local x = case.x == "ids" and ember.randint(0, 6, { 3, 4 }) or ember.randn(case.x)
      local y = ember.randn { x:size(1), 2 }
      ember.seed(32)
      local reg = ember.models.Sequential(case.layers(true))
      reg:compile { loss = "mse", optimizer = ember.optimizers.SGD { lr = 1 } }
      ember.seed(32)
      local plain = ember.models.Sequential(case.layers(false))
      plain:compile { loss = "mse", optimizer = ember.optimizers.SGD { lr = 1 } }
      reg:build(x.shape); plain:build(x.shape)
      plain:set_weights(reg:get_weights())
      -- the value: weight penalties plus the activity penalty of the layer's output
      local want = 0
      local lw = reg.layers[1]:get_weights()
      for _, p in ipairs(case.params) do want = want + penalty(lw[p[1]], p[2], p[3]) end
      local sub = ember.models.Sequential {}
      for i = 1, case.activity[1] do sub:add(reg.layers[i]) end
      want = want + penalty(sub:predict(x), case.activity[2], case.activity[3])
      local lr_loss = reg:test_on_batch(x, y)
      local lp_loss = plain:test_on_batch(x, y)
      assert.is_true(want > 0)
      assert.is_true(close(lp_loss + want, lr_loss, 1e-5), ("%g + %g vs %g"):format(lp_loss, want, lr_loss))
      -- the gradient: one SGD step at lr 1 moves every weight by -dLoss/dw;
      -- central differences of the total loss (test_on_batch) must agree
      local w0 = copy_weights(reg:get_weights())
      local train_loss = reg:train_on_batch(x, y)
      assert.is_true(close(lr_loss, train_loss, 1e-5))
      local w1 = reg:get_weights()
      local eps, checked = 1e-2, 0
      for wi, w in ipairs(w0) do
        local vals = flat(w)
        local after = flat(w1[wi])
        for k = 1, #vals, math.max(1, #vals // 6) do
          -- skip weights within eps of 0, where the L1 penalty's kink makes
          -- the central difference meaningless
          if math.abs(vals[k]) <= 1.5 * eps then goto continue end
          local function at(v)
            local ws = copy_weights(w0)
            local vv = flat(w)
            vv[k] = v
            ws[wi] = gradcheck.tensor(w.shape, vv)
            plain:set_weights(ws)  -- plain shares nothing with reg; reuse reg's loss through a third copy
            reg:set_weights(ws)
            return reg:test_on_batch(x, y)
          end
          local numeric = (at(vals[k] + eps) - at(vals[k] - eps)) / (2 * eps)
          local analytic = vals[k] - after[k]
          assert.is_true(math.abs(numeric - analytic) <= 2e-3 + 2e-2 * math.abs(numeric),
            ("%s weight %d element %d: analytic %g numeric %g"):format(case.name, wi, k, analytic, numeric))
          checked = checked + 1
          ::continue::
        end
      end
      assert.is_true(checked >= 6)
    end)
  end

  it("a frozen layer's penalty is in the loss but moves nothing (Keras)", function()
    ember.seed(40)
    local d = ember.layers.Dense(2, { input_shape = { 3 }, kernel_regularizer = R.l2(1) })
    local m = ember.models.Sequential { d, ember.layers.Dense(1) }
    d.trainable = false
    m:compile { loss = "mse", optimizer = ember.optimizers.SGD { lr = 0.1 } }
    local x, y = ember.randn { 4, 3 }, ember.randn { 4, 1 }
    local k0 = d:get_weights()[1]:clone()
    local loss = m:train_on_batch(x, y)
    assert.is_true(loss > penalty(k0, 0, 1))
    assert.are.same(flat(k0), flat(d:get_weights()[1]))
  end)
end)

describe("initializers", function()
  local I = ember.initializers

  local function moments(t)
    local v = flat(t)
    local s, s2, mx = 0, 0, 0
    for _, x in ipairs(v) do s = s + x; s2 = s2 + x * x; mx = math.max(mx, math.abs(x)) end
    local mean = s / #v
    return mean, math.sqrt(s2 / #v - mean * mean), mx, #v
  end

  local function kernel_of(layer, shape)
    ember.models.Sequential { layer }:build(shape)
    return layer:get_weights()
  end

  -- std of a standard normal truncated to [-2, 2]: Keras's 0.87962566103423978
  local function phi(z) return math.exp(-z * z / 2) / math.sqrt(2 * math.pi) end
  it("the truncated-normal correction constant is the std of N(0,1) truncated at 2", function()
    -- Phi(2) - Phi(-2) by Simpson's rule
    local n, a = 2000, 0
    for i = 0, n do
      local z = -2 + 4 * i / n
      a = a + phi(z) * ((i == 0 or i == n) and 1 or (i % 2 == 1 and 4 or 2))
    end
    a = a * (4 / n) / 3
    assert.is_true(math.abs(math.sqrt(1 - 4 * phi(2) / a) - 0.87962566103423978) < 1e-6)
  end)

  it("VarianceScaling ones on a Dense kernel (300 x 200): Keras's bounds and moments", function()
    local fan_in, fan_out = 300, 200
    local expect = {
      glorot_uniform = { uniform = math.sqrt(6 / (fan_in + fan_out)) },
      he_uniform = { uniform = math.sqrt(6 / fan_in) },
      lecun_uniform = { uniform = math.sqrt(3 / fan_in) },
      glorot_normal = { normal = math.sqrt(2 / (fan_in + fan_out)) },
      he_normal = { normal = math.sqrt(2 / fan_in) },
      lecun_normal = { normal = math.sqrt(1 / fan_in) },
    }
    for name, e in pairs(expect) do
      ember.seed(50)
      local w = kernel_of(ember.layers.Dense(fan_out, { kernel_initializer = name }), { ember.None, fan_in })[1]
      local mean, std, mx, n = moments(w)
      assert.are.equal(60000, n)
      if e.uniform then
        local limit = e.uniform
        assert.is_true(mx <= limit and mx > 0.99 * limit, name)
        assert.is_true(math.abs(std - limit / math.sqrt(3)) < 0.02 * limit, name)
      else
        -- the final std is the wanted one (the truncation correction); nothing beyond 2 stddev / 0.8796
        local sd = e.normal
        assert.is_true(math.abs(std - sd) < 0.02 * sd, ("%s: std %g want %g"):format(name, std, sd))
        assert.is_true(mx <= 2 * sd / 0.87962566103423978 + 1e-6 and mx > 1.9 * sd / 0.87962566103423978, name)
      end
      assert.is_true(math.abs(mean) < 5 * std / math.sqrt(n), name)
    end
  end)

  it("fans as Keras: Conv1D fan_in = kernel_size * in_channels, a 1-D bias sqrt(n)", function()
    ember.seed(51)
    local w = kernel_of(ember.layers.Conv1D(64, 5, { kernel_initializer = "he_uniform", bias_initializer = "he_uniform" }),
      { ember.None, 20, 30 })
    local limit = math.sqrt(6 / (5 * 30))
    local _, _, mx = moments(w[1])
    assert.is_true(mx <= limit and mx > 0.98 * limit)
    -- bias of 64: fan_in = sqrt(64) = 8
    local blimit = math.sqrt(6 / 8)
    _, _, mx = moments(w[2])
    assert.is_true(mx <= blimit and mx > 0.7 * blimit)
    -- glorot_normal on Conv1D: fan_avg = (5 * 30 + 5 * 64) / 2
    ember.seed(52)
    w = kernel_of(ember.layers.Conv1D(64, 5, { kernel_initializer = "glorot_normal" }), { ember.None, 20, 30 })
    local _, std = moments(w[1])
    local sd = math.sqrt(1 / ((5 * 30 + 5 * 64) / 2))
    assert.is_true(math.abs(std - sd) < 0.04 * sd, ("std %g want %g"):format(std, sd))
  end)

  it("zeros, ones, constant, random_normal, random_uniform, truncated_normal with their parameters", function()
    ember.seed(53)
    local w = kernel_of(ember.layers.Dense(100, { kernel_initializer = "ones", bias_initializer = I.constant(-0.25) }), { ember.None, 50 })
    local m, s = moments(w[1])
    assert.are.same({ 1, 0 }, { m, s })
    m, s = moments(w[2])
    assert.are.same({ -0.25, 0 }, { m, s })
    w = kernel_of(ember.layers.Dense(100, { kernel_initializer = I.random_normal { mean = 1, stddev = 0.5 }, use_bias = false }), { ember.None, 100 })
    m, s = moments(w[1])
    assert.is_true(math.abs(m - 1) < 0.03 and math.abs(s - 0.5) < 0.02)
    assert.are.equal(1, #w)  -- use_bias = false: no bias, bias_initializer not needed
    w = kernel_of(ember.layers.Dense(100, { kernel_initializer = "random_uniform" }), { ember.None, 100 })
    local _, _, mx = moments(w[1])
    assert.is_true(mx <= 0.05 and mx > 0.049)
    w = kernel_of(ember.layers.Dense(100, { kernel_initializer = I.truncated_normal { stddev = 0.2 } }), { ember.None, 100 })
    m, s, mx = moments(w[1])
    assert.is_true(mx <= 0.4 and mx > 0.39)
    assert.is_true(math.abs(s - 0.2 * 0.8796) < 0.01)  -- TruncatedNormal is not corrected
    w = kernel_of(ember.layers.Embedding(1000, 16, { embeddings_initializer = "zeros" }), { ember.None, 5 })
    m, s = moments(w[1])
    assert.are.same({ 0, 0 }, { m, s })
  end)

  it("orthogonal on recurrent kernels, with a gain; one seed gives the same weights", function()
    ember.seed(54)
    local w = kernel_of(ember.layers.LSTM(8, { kernel_initializer = I.orthogonal { gain = 2 }, recurrent_initializer = "orthogonal",
      bias_initializer = "ones" }), { ember.None, 5, 32 })
    -- kernel (32, 32) times gain 2: W^T W = 4 I; recurrent (8, 32): rows orthonormal
    local function gram(t, rows_axis)
      local r, c = t:size(1), t:size(2)
      local g = rows_axis and t:matmul(t:t()) or t:t():matmul(t)
      local n = rows_axis and r or c
      local worst = 0
      for i = 1, n do
        for j = 1, n do worst = math.max(worst, math.abs(g:get(i, j) - (i == j and 1 or 0) * (rows_axis and 1 or 4))) end
      end
      return worst
    end
    assert.is_true(gram(w[1], false) < 1e-4)
    assert.is_true(gram(w[2], true) < 1e-4)
    local bm, bs = moments(w[3])
    assert.are.same({ 1, 0 }, { bm, bs })
    ember.seed(54)
    local again = kernel_of(ember.layers.LSTM(8, { kernel_initializer = I.orthogonal { gain = 2 }, recurrent_initializer = "orthogonal",
      bias_initializer = "ones" }), { ember.None, 5, 32 })
    assert.are.same(flat(w[1]), flat(again[1]))
    assert.are.same(flat(w[2]), flat(again[2]))
  end)

  it("bad initializers: errors naming the layer, the option and what was wrong", function()
    local function err(f, ...)
      local ok, e = pcall(f, ...)
      assert.is_false(ok)
      return tostring(e)
    end
    assert.matches("Dense: option 'kernel_initializer': unknown initializer 'he_norml'", err(ember.layers.Dense, 2, { kernel_initializer = "he_norml" }), 1, true)
    assert.matches("did you mean 'he_normal'", err(ember.layers.Dense, 2, { kernel_initializer = "he_norml" }), 1, true)
    assert.matches("Dense: option 'bias_initializer' cannot be orthogonal", err(ember.layers.Dense, 2, { bias_initializer = "orthogonal" }), 1, true)
    assert.matches("Dense: option 'kernel_initializer': expected an initializer name", err(ember.layers.Dense, 2, { kernel_initializer = 3 }), 1, true)
    assert.matches("Embedding: unknown option 'kernel_initializer'", err(ember.layers.Embedding, 5, 2, { kernel_initializer = "zeros" }), 1, true)
    assert.matches("initializers.random_normal: option 'stddev' must be >= 0", err(I.random_normal, { stddev = -1 }), 1, true)
    assert.matches("initializers.random_uniform: option 'minval' (1) is above 'maxval' (0)", err(I.random_uniform, { minval = 1, maxval = 0 }), 1, true)
    assert.matches("initializers.truncated_normal: unknown option 'std'", err(I.truncated_normal, { std = 1 }), 1, true)
    assert.matches("initializers.constant: argument 'value' expected a finite number", err(I.constant, "a"), 1, true)
    assert.matches("initializers.orthogonal: option 'gain' expected a finite number", err(I.orthogonal, { gain = 1 / 0 }), 1, true)
  end)
end)

describe("a Lua loss {fn, grad} and Lua metrics {name, fn} in compile", function()
  local function mse(yt, yp) local d = yp - yt; return d:mul(d):mean() end
  local function mse_grad(yt, yp) local d = yp - yt; return d:mul(2 / d:numel()) end
  local function mae(yt, yp) return (yp - yt):abs():mean() end

  local function run(loss, metrics)
    ember.seed(61)
    local x, y = ember.randn { 48, 5 }, ember.randn { 48, 2 }
    local m = ember.models.Sequential { ember.layers.Dense(4, { activation = "tanh", input_shape = { 5 } }), ember.layers.Dense(2) }
    m:compile { loss = loss, optimizer = ember.optimizers.SGD { lr = 0.1 }, metrics = metrics }
    ember.seed(62)
    local h = m:fit(x, y, { epochs = 3, batch_size = 16, verbose = 0, validation_split = 0.25 })
    return h.history, m, x, y
  end

  it("trains exactly as the built-in loss it restates; Lua metrics average like built-ins", function()
    local a = run("mse", { "mae" })
    local b = run({ fn = mse, grad = mse_grad }, { { name = "my_mae", fn = mae }, "mae" })
    for e = 1, 3 do
      assert.is_true(close(a.loss[e], b.loss[e], 1e-5), ("epoch %d: %g vs %g"):format(e, a.loss[e], b.loss[e]))
      assert.is_true(close(a.val_loss[e], b.val_loss[e], 1e-5))
      assert.is_true(close(a.mean_absolute_error[e], b.my_mae[e], 1e-5))
      assert.is_true(close(a.val_mean_absolute_error[e], b.val_my_mae[e], 1e-5))
      assert.are.equal(b.mean_absolute_error[e], b.mae[e])
    end
    -- the engine steps with the gradient g returns: a wrong gradient trains elsewhere
    local c = run({ fn = mse, grad = function(yt, yp) return mse_grad(yt, yp):mul(-1) end }, {})
    assert.is_true(c.loss[3] > c.loss[1])
    assert.is_true(a.loss[3] < a.loss[1])
  end)

  it("a model with a layer written in Lua: the Lua loss and metrics work; regularizers are refused, not dropped", function()
    local Scale = {}
    Scale.__index = Scale
    function Scale:build(shape) self.output_shape = shape; self.built = true; return shape end
    function Scale:forward(x) return x * 2 end
    function Scale:backward(dy) return dy * 2 end
    function Scale:params() return {}, {}, {} end
    function Scale:zero_grads() end
    function Scale:count_params() return 0 end
    function Scale:get_weights() return {} end
    function Scale:set_weights() end
    local function lua_model(reg)
      ember.seed(63)
      return ember.models.Sequential { ember.layers.Dense(2, { input_shape = { 3 }, kernel_regularizer = reg }),
        setmetatable({ name = "scale_1", type = "Scale", trainable = true }, Scale) }
    end
    local x, y = ember.randn { 8, 3 }, ember.randn { 8, 2 }
    local a, b = lua_model(), lua_model()
    a:compile { loss = "mse", optimizer = "sgd", metrics = { "mae" } }
    b:compile { loss = { fn = mse, grad = mse_grad }, optimizer = "sgd", metrics = { { name = "m", fn = mae } } }
    local la, ma = a:train_on_batch(x, y)
    local lb, mb = b:train_on_batch(x, y)
    assert.is_true(close(la, lb, 1e-5) and close(ma.mae, mb.m, 1e-5))
    assert.is_true(close(a:test_on_batch(x, y), b:test_on_batch(x, y), 1e-5))
    local r = lua_model(ember.regularizers.l2(0.1))
    r:compile { loss = "mse", optimizer = "sgd" }
    local ok, e = pcall(r.train_on_batch, r, x, y)
    assert.is_false(ok)
    assert.matches("train_on_batch: layer 'dense_%d+' has option 'kernel_regularizer', but regularizers need a model of ember's own layers", tostring(e))
    ok, e = pcall(r.evaluate, r, x, y, { verbose = 0 })
    assert.is_false(ok)
    assert.matches("evaluate: layer", tostring(e), 1, true)
  end)

  it("evaluate and test_on_batch use the Lua loss and metrics too", function()
    local _, m, x, y = run({ fn = mse, grad = mse_grad }, { { name = "my_mae", fn = mae } })
    local loss, metrics = m:test_on_batch(x, y)
    local pred = m:predict(x)
    assert.is_true(close(mse(y, pred), loss, 1e-5))
    assert.is_true(close(mae(y, pred), metrics.my_mae, 1e-5))
  end)

  it("mistakes: errors naming compile or the step and what was wrong", function()
    local function err(f, ...)
      local ok, e = pcall(f, ...)
      assert.is_false(ok)
      return tostring(e)
    end
    local m = ember.models.Sequential { ember.layers.Dense(2, { input_shape = { 3 } }) }
    local function compile(opts) return function() opts.optimizer = "sgd"; m:compile(opts) end end
    assert.matches("option 'loss' is a plain function; give {fn = f, grad = g}", err(compile { loss = mse }), 1, true)
    assert.matches("Sequential.compile: option 'loss': unknown option 'gradient'", err(compile { loss = { fn = mse, grad = mse_grad, gradient = 1 } }), 1, true)
    assert.matches("Sequential.compile: unknown loss table", err(compile { loss = { fn = mse } }), 1, true)
    assert.matches("needs a name", err(compile { loss = "mse", metrics = { { fn = mae } } }), 1, true)
    assert.matches("needs a name", err(compile { loss = "mse", metrics = { { name = "val_x", fn = mae } } }), 1, true)
    assert.matches("a metric's 'fn' expected a function", err(compile { loss = "mse", metrics = { { name = "x", fn = 3 } } }), 1, true)
    assert.matches("metric 'mae' given twice", err(compile { loss = "mse", metrics = { "mae", { name = "mae", fn = mae } } }), 1, true)
    local x, y = ember.randn { 4, 3 }, ember.randn { 4, 2 }
    m:compile { loss = { fn = function() return "x" end, grad = mse_grad }, optimizer = "sgd" }
    assert.matches("train_on_batch: argument 'y': the loss function must return a number, got string", err(m.train_on_batch, m, x, y), 1, true)
    m:compile { loss = { fn = mse, grad = function() return ember.zeros { 4, 3 } end }, optimizer = "sgd" }
    assert.matches("the loss gradient must be a float32 tensor of the predictions' shape {4,2}, got {4,3}", err(m.train_on_batch, m, x, y), 1, true)
    m:compile { loss = { fn = function() error("boom") end, grad = mse_grad }, optimizer = "sgd" }
    assert.matches("the loss function raised: .*boom", err(m.train_on_batch, m, x, y))
    m:compile { loss = { fn = mse, grad = mse_grad }, optimizer = "sgd" }
    assert.matches("sample weights need a built-in loss", err(m.train_on_batch, m, x, y, { sample_weight = ember.ones { 4 } }), 1, true)
    m:compile { loss = "mse", optimizer = "sgd", metrics = { { name = "bad", fn = function() return {} end } } }
    assert.matches("metric 'bad' must return a number, got table", err(m.train_on_batch, m, x, y), 1, true)
    -- nothing was applied by the failed steps above: the weights are still finite and the model trains
    m:compile { loss = "mse", optimizer = "sgd" }
    assert.is_number(m:train_on_batch(x, y))
  end)
end)

-- PyTorch references (pending without a python3 that imports torch; the
-- system one is tried when the python3 on PATH has no torch): torch's
-- global-norm clipping (clip_grad_norm_: coef = max_norm / (norm + 1e-6),
-- within 1e-5 of Keras's max_norm / norm), clip_grad_value_, and its
-- weighted binary cross-entropy (mean(w * l)), which Keras 2.2.4 divides by
-- mean(w != 0).
local PYTHON = require("support.python").with("torch")
local it_torch = PYTHON and it or pending

describe("PyTorch references", function()
  local function python(script)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(script)
    f:close()
    local p = assert(io.popen(PYTHON .. " " .. path .. " 2>&1"))
    local out = p:read("a")
    p:close()
    os.remove(path)
    local values = {}
    for v in out:gmatch("[^%s]+") do values[#values + 1] = assert(tonumber(v), out) end
    return values
  end

  local function list(t)
    local parts = {}
    for i, v in ipairs(flat(t)) do parts[i] = ("%.9g"):format(v) end
    return "[" .. table.concat(parts, ", ") .. "]"
  end

  it_torch("clipnorm and clipvalue agree with torch.nn.utils.clip_grad_norm_ / clip_grad_value_", function()
    ember.seed(71)
    local g1, g2 = ember.randn { 5 }, ember.randn { 3 }
    local function clipped(opts)
      local grads = { g1:clone(), g2:clone() }
      ember.optimizers.SGD(opts):step({ ember.zeros { 5 }, ember.zeros { 3 } }, grads)
      local out = flat(grads[1])
      for _, v in ipairs(flat(grads[2])) do out[#out + 1] = v end
      return out
    end
    local want = python(([[
import torch
g = [torch.tensor(%s), torch.tensor(%s)]
p = [torch.zeros(5, requires_grad=True), torch.zeros(3, requires_grad=True)]
for pi, gi in zip(p, g): pi.grad = gi.clone()
torch.nn.utils.clip_grad_norm_(p, 0.7)
print(*[float(v) for pi in p for v in pi.grad])
for pi, gi in zip(p, g): pi.grad = gi.clone()
torch.nn.utils.clip_grad_value_(p, 0.4)
print(*[float(v) for pi in p for v in pi.grad])
]]):format(list(g1), list(g2)))
    local got = clipped { clipnorm = 0.7 }
    for _, v in ipairs(clipped { clipvalue = 0.4 }) do got[#got + 1] = v end
    assert.are.equal(16, #want)
    for i = 1, 16 do assert.is_true(math.abs(got[i] - want[i]) <= 1e-5, ("%d: %g vs torch %g"):format(i, got[i], want[i])) end
  end)

  it_torch("weighted binary cross-entropy: torch's mean(w * l), divided by mean(w != 0) as Keras 2.2.4", function()
    ember.seed(72)
    local p = ember.rand({ 6, 2 }):mul(0.9):add(0.05)
    local t = ember.rand({ 6, 2 }):gt(0.5):float()
    local w = ember.tensor { 1, 0, 2.5, 0.5, 0, 3 }
    local want = python(([[
import torch
p = torch.tensor(%s).reshape(6, 2); t = torch.tensor(%s).reshape(6, 2); w = torch.tensor(%s)
l = torch.nn.functional.binary_cross_entropy(p.double(), t.double(), weight=w.double()[:, None])
print(float(l / (w != 0).double().mean()))
]]):format(list(p), list(t), list(w)))
    assert.is_true(close(want[1], ember.losses.compute("binary_crossentropy", p, t, nil, w), 1e-5))
  end)
end)
