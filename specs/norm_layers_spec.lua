-- BatchNormalization and LayerNormalization: gradient checks (inputs and
-- parameters, training mode, 2-D and 3-D), Keras's weights and their
-- trainability, the moving statistics' update rule, option and input
-- errors, and a Sequential that trains, predicts and round-trips its
-- weights.  (PyTorch references: norm_reference_spec.lua.)
local gradcheck = require "support.gradcheck"
local L = ember.layers

-- Non-trivial gamma and beta, so their gradients and the scaling are exercised.
local function randomize_affine(layer)
  local params, _, names = layer:params()
  for i, p in ipairs(params) do
    if names[i] == "gamma" then p:copy_(ember.rand(p.shape) + 0.5) end
    if names[i] == "beta" then p:copy_(ember.randn(p.shape)) end
  end
end

local function values_equal(a, b, tol)
  local x, y = gradcheck.values(a), gradcheck.values(b)
  if #x ~= #y then return false end
  for i = 1, #x do if math.abs(x[i] - y[i]) > (tol or 0) then return false end end
  return true
end

describe("normalization layers: gradient checks in training mode", function()
  local cases = {
    { "BatchNormalization", {}, { 6, 4 } },
    { "BatchNormalization", {}, { 3, 4, 5 } },
    { "BatchNormalization", { center = false }, { 5, 3 } },
    { "BatchNormalization", { scale = false }, { 2, 3, 4 } },
    { "LayerNormalization", {}, { 6, 4 } },
    { "LayerNormalization", {}, { 3, 4, 5 } },
    { "LayerNormalization", { center = false, scale = false }, { 2, 3, 6 } },
  }
  for _, case in ipairs(cases) do
    local kind, opts, shape = case[1], case[2], case[3]
    local label = ("%s %s input %s"):format(kind, #shape == 2 and "2-D" or "3-D", table.concat(shape, "x"))
    for k, v in pairs(opts) do label = label .. (" %s = %s"):format(k, tostring(v)) end
    it(label, function()
      ember.seed(5)
      local layer = L[kind](opts)
      local build = { ember.None }
      for d = 2, #shape do build[d] = shape[d] end
      layer:build(build)
      randomize_affine(layer)
      local x = ember.randn(shape) * 1.5 + 0.3
      assert.is_true(gradcheck.check(layer, x, { eps = 1e-2, rtol = 2e-2, atol = 2e-3 }))
    end)
  end

  it("fails on a wrong gradient (the check itself can fail)", function()
    local layer = L.LayerNormalization {}
    layer:build { ember.None, 4 }
    local wrong = setmetatable({}, { __index = function(_, k)
      if k == "backward" then return function(_, dy) return layer:backward(dy) * 1.1 end end
      return function(_, ...) return layer[k](layer, ...) end
    end })
    assert.error_matches(function() gradcheck.check(wrong, ember.randn { 5, 4 }) end, "gradient check failed")
  end)
end)

describe("BatchNormalization: Keras 2.2.4's weights and moving statistics", function()
  it("has gamma, beta, moving_mean, moving_variance; the moving ones are not trainable", function()
    local bn = L.BatchNormalization {}
    bn:build { ember.None, 3 }
    local params, grads, names, trainable = bn:params()
    assert.are.same({ "gamma", "beta", "moving_mean", "moving_variance" }, names)
    assert.are.same({ true, true, false, false }, trainable)
    assert.are.same({ 1, 1, 1 }, gradcheck.values(params[1]))
    assert.are.same({ 0, 0, 0 }, gradcheck.values(params[2]))
    assert.are.same({ 0, 0, 0 }, gradcheck.values(params[3]))
    assert.are.same({ 1, 1, 1 }, gradcheck.values(params[4]))
    assert.equal(4, #grads)
    assert.equal(12, bn:count_params())
    local only = L.BatchNormalization { center = false, scale = false }
    only:build { ember.None, 3 }
    assert.are.same({ "moving_mean", "moving_variance" }, select(3, only:params()))
    local inits = L.BatchNormalization { gamma_initializer = "zeros", beta_initializer = "one",
      moving_mean_initializer = "ones", moving_variance_initializer = "zero" }
    inits:build { ember.None, 2 }
    local w = inits:get_weights()
    assert.are.same({ { 0, 0 }, { 1, 1 }, { 1, 1 }, { 0, 0 } }, { gradcheck.values(w[1]), gradcheck.values(w[2]),
      gradcheck.values(w[3]), gradcheck.values(w[4]) })
  end)

  it("updates the moving statistics in a training forward only, zero-debiased, with n / (n - 1 - eps)", function()
    local bn = L.BatchNormalization { momentum = 0.9, epsilon = 0.01, moving_mean_initializer = "ones" }
    bn:build { ember.None, 1 }
    local x1, x2 = ember.tensor { { 1 }, { 2 }, { 3 }, { 6 } }, ember.tensor { { -1 }, { 1 } }
    bn:forward(x1, false)
    assert.are.same({ 1 }, gradcheck.values(bn:get_weights()[3]))  -- inference: unchanged
    bn:forward(x1, true)
    -- step 1: mean 3, biased var 3.5; Keras's variance 3.5 * 4 / (4 - 1.01); debiased: exactly these.
    local w = bn:get_weights()
    assert.near(3, gradcheck.values(w[3])[1], 1e-6)
    assert.near(3.5 * 4 / 2.99, gradcheck.values(w[4])[1], 1e-5)
    bn:forward(x2, true)
    -- step 2: biased = 0.9 * 0.1 * v1 + 0.1 * v2, over 1 - 0.81.
    w = bn:get_weights()
    local v1, v2 = 3.5 * 4 / 2.99, 1 * 2 / (2 - 1.01)
    assert.near((0.9 * 0.1 * 3 + 0.1 * 0) / 0.19, gradcheck.values(w[3])[1], 1e-6)
    assert.near((0.9 * 0.1 * v1 + 0.1 * v2) / 0.19, gradcheck.values(w[4])[1], 1e-5)
  end)

  it("normalizes with the batch in training and with the moving statistics in inference", function()
    local bn = L.BatchNormalization { epsilon = 1e-3 }
    bn:build { ember.None, 2 }
    bn:set_weights { ember.tensor { 2, 1 }, ember.tensor { 0.5, -1 }, ember.tensor { 1, -2 }, ember.tensor { 4, 9 } }
    local x = ember.tensor { { 1, 0 }, { 3, 4 } }
    local yi = bn:forward(x, false):clone()
    local want_i = { 2 * (1 - 1) / math.sqrt(4.001) + 0.5, (0 + 2) / math.sqrt(9.001) - 1,
      2 * (3 - 1) / math.sqrt(4.001) + 0.5, (4 + 2) / math.sqrt(9.001) - 1 }
    assert.is_true(values_equal(yi, ember.tensor { { want_i[1], want_i[2] }, { want_i[3], want_i[4] } }, 1e-5))
    local yt = bn:forward(x, true)
    local s = 1 / math.sqrt(1 + 1e-3)  -- batch: means 2, 2; biased variances 1, 4
    local s2 = 2 / math.sqrt(4 + 1e-3)
    assert.is_true(values_equal(yt, ember.tensor { { -2 * s + 0.5, -s2 - 1 }, { 2 * s + 0.5, s2 - 1 } }, 1e-5))
  end)

  it("a non-trainable layer normalizes with the batch but leaves the moving statistics (Keras 2.2.4)", function()
    local bn = L.BatchNormalization { trainable = false }
    bn:build { ember.None, 2 }
    local before = bn:get_weights()
    local y = bn:forward(ember.tensor { { 1, 5 }, { 3, 9 } }, true)
    assert.near(-1 / math.sqrt(1.001), gradcheck.values(y)[1], 1e-5)
    local after = bn:get_weights()
    for i = 1, 4 do assert.is_true(values_equal(before[i], after[i])) end
  end)

  it("summary counts the moving statistics as non-trainable, as Keras", function()
    local m = ember.Sequential { L.Dense(8, { input_shape = { 5 } }), L.BatchNormalization(), L.Dense(1) }
    local lines = {}
    m:summary { print_fn = function(s) lines[#lines + 1] = s end }
    local text = table.concat(lines, "\n")
    assert.truthy(text:find("Total params: 89", 1, true))
    assert.truthy(text:find("Trainable params: 73", 1, true))
    assert.truthy(text:find("Non-trainable params: 16", 1, true))
    local frozen = ember.Sequential { L.BatchNormalization { input_shape = { 4 }, trainable = false } }
    lines = {}
    frozen:summary { print_fn = function(s) lines[#lines + 1] = s end }
    text = table.concat(lines, "\n")
    assert.truthy(text:find("Trainable params: 0", 1, true))
    assert.truthy(text:find("Non-trainable params: 16", 1, true))
    local params = m:trainable_params()
    assert.equal(6, #params)  -- kernel, bias, gamma, beta, kernel, bias
  end)
end)

describe("normalization layers: errors name the layer and the option", function()
  local function err(f) local ok, e = pcall(f) assert.is_false(ok) return tostring(e) end

  it("bad options", function()
    local cases = {
      { L.BatchNormalization, { momentum = 1 }, "BatchNormalization: option 'momentum' must be in [0, 1), got 1" },
      { L.BatchNormalization, { momentum = -0.1 }, "option 'momentum'" },
      { L.BatchNormalization, { momentum = "0.9" }, "option 'momentum'" },
      { L.BatchNormalization, { epsilon = 0 }, "BatchNormalization: option 'epsilon'" },
      { L.BatchNormalization, { epsilon = 0 / 0 }, "BatchNormalization: option 'epsilon'" },
      { L.BatchNormalization, { center = 1 }, "BatchNormalization: option 'center'" },
      { L.BatchNormalization, { axis = 1.5 }, "BatchNormalization: option 'axis'" },
      { L.BatchNormalization, { axis = 99 }, "BatchNormalization: option 'axis'" },
      { L.BatchNormalization, { gamma_initializer = "he_normal" }, "BatchNormalization: option 'gamma_initializer' must be one of" },
      { L.BatchNormalization, { momentun = 0.9 }, "BatchNormalization: unknown option 'momentun'" },
      { L.LayerNormalization, { epsilon = -1 }, "LayerNormalization: option 'epsilon'" },
      { L.LayerNormalization, { scale = "yes" }, "LayerNormalization: option 'scale'" },
      { L.LayerNormalization, { momentum = 0.9 }, "LayerNormalization: unknown option 'momentum'" },
      { L.LayerNormalization, { beta_initializer = 0 }, "LayerNormalization: option 'beta_initializer'" },
    }
    for _, c in ipairs(cases) do
      local e = err(function() c[1](c[2]) end)
      assert.truthy(e:find(c[3], 1, true), ("expected %q in %q"):format(c[3], e))
      assert.falsy(e:find("[ember]", 1, true) or e:find("ember[%w./_]*%.lua:%d+:"), "no internal position: " .. e)
    end
  end)

  it("axis out of range or not the last one, at build", function()
    for _, kind in ipairs { "BatchNormalization", "LayerNormalization" } do
      local e = err(function() L[kind] { axis = 3 }:build { ember.None, 4, 5 } end)
      assert.truthy(e:find(kind .. ": option 'axis' = 3 is out of range for an input of rank 3", 1, true), e)
      e = err(function() L[kind] { axis = -4 }:build { ember.None, 4, 5 } end)
      assert.truthy(e:find(kind .. ": option 'axis' = -4 is out of range", 1, true), e)
      e = err(function() L[kind] { axis = 1 }:build { ember.None, 4, 5 } end)
      assert.truthy(e:find(kind .. ": option 'axis' = 1 is not supported", 1, true), e)
      -- the last axis, by either name, is fine
      L[kind] { axis = 2 }:build { ember.None, 4, 5 }
      L[kind] { axis = -1 }:build { ember.None, 4, 5 }
    end
  end)

  it("wrong input rank, unknown features, wrong dtype", function()
    for _, kind in ipairs { "BatchNormalization", "LayerNormalization" } do
      local e = err(function() L[kind] {}:forward(ember.zeros { 4 }, true) end)
      assert.truthy(e:find(kind .. ": expected an input of rank >= 2", 1, true), e)
      e = err(function() L[kind] {}:build { ember.None, ember.None } end)
      assert.truthy(e:find(kind .. ": the last dimension of the input", 1, true), e)
      local layer = L[kind] {}
      layer:build { ember.None, 3 }
      e = err(function() layer:forward(ember.zeros { 2, 3, 3 }, true) end)
      assert.truthy(e:find(kind .. ": expected input of rank 2", 1, true), e)
      e = err(function() layer:forward(ember.zeros { 2, 4 }, true) end)
      assert.truthy(e:find(kind .. ": expected input of shape", 1, true), e)
      e = err(function() layer:forward(ember.zeros({ 2, 3 }, { dtype = "int32" }), true) end)
      assert.truthy(e:find(kind .. ": expected a float32 input", 1, true), e)
      e = err(function() layer:forward(ember.zeros { 2, 3 }, false); layer:backward(ember.zeros { 2, 3 }) end)
      assert.truthy(e:find(kind .. ": backward after an inference-mode forward", 1, true), e)
    end
  end)

  it("set_weights checks every shape first and changes nothing on a mistake", function()
    local bn = L.BatchNormalization {}
    bn:build { ember.None, 2 }
    local e = err(function() bn:set_weights { ember.ones { 2 }, ember.ones { 2 }, ember.ones { 2 }, ember.ones { 3 } } end)
    assert.truthy(e:find("moving_variance", 1, true), e)
    assert.are.same({ 0, 0 }, gradcheck.values(bn:get_weights()[3]))
  end)
end)

describe("normalization layers in a Sequential", function()
  local function data(n)
    ember.seed(7)
    local x = ember.randn { n, 6 } * 4 + 3
    local w = ember.randn { 6, 1 }
    local y = ember.matmul(x - 3, w) * 0.25
    return x, y
  end

  it("BatchNormalization trains (the loss falls), predicts with the moving statistics, and round-trips them", function()
    local x, y = data(256)
    ember.seed(1)
    local m = ember.Sequential { L.Dense(16, { input_shape = { 6 } }), L.BatchNormalization(),
      L.Activation("relu"), L.Dense(1) }
    m:compile { optimizer = ember.optimizers.Adam { lr = 0.01 }, loss = "mse" }
    local h = m:fit(x, y, { epochs = 8, batch_size = 32, verbose = 0 })
    local loss = h.history.loss
    assert.is_true(loss[#loss] < 0.5 * loss[1], ("loss %g -> %g"):format(loss[1], loss[#loss]))
    local bn = m.layers[2]
    local w = bn:get_weights()
    -- The moving statistics moved from their initial 0 / 1 (the optimizer never sees them).
    assert.is_false(values_equal(w[3], ember.zeros { 16 }, 1e-3))
    assert.is_false(values_equal(w[4], ember.ones { 16 }, 1e-3))
    -- Inference uses them: predict is deterministic and equals a manual inference forward.
    local p1 = m:predict(x, { batch_size = 64 })
    local p2 = m:predict(x, { batch_size = 256 })
    assert.is_true(values_equal(p1, p2, 1e-5))
    local path = os.tmpname() .. ".npz"
    m:save_weights(path)
    ember.seed(99)
    local m2 = ember.Sequential { L.Dense(16, { input_shape = { 6 } }), L.BatchNormalization(),
      L.Activation("relu"), L.Dense(1) }
    m2:build()
    m2:load_weights(path)
    os.remove(path)
    local w2 = m2.layers[2]:get_weights()
    for i = 1, 4 do assert.is_true(values_equal(w[i], w2[i])) end
    assert.is_true(values_equal(p1, m2:predict(x, { batch_size = 64 }), 1e-6))
  end)

  it("on a 3-D input after Conv1D and with LayerNormalization, a model trains", function()
    ember.seed(3)
    local x = ember.randn { 64, 10, 3 }
    local y = (x:sum(2):sum(2) * 0.1):reshape { 64, 1 }
    local m = ember.Sequential { L.Conv1D(8, 3, { input_shape = { 10, 3 } }), L.BatchNormalization(),
      L.LayerNormalization(), L.Flatten(), L.Dense(1) }
    m:compile { optimizer = "adam", loss = "mse" }
    local h = m:fit(x, y, { epochs = 10, batch_size = 16, verbose = 0 })
    local loss = h.history.loss
    assert.is_true(loss[#loss] < loss[1], ("loss %g -> %g"):format(loss[1], loss[#loss]))
  end)

  it("the optimizer never changes the moving statistics of a frozen or an inference-only step", function()
    local x, y = data(64)
    local m = ember.Sequential { L.BatchNormalization { input_shape = { 6 } }, L.Dense(1) }
    m:compile { optimizer = "sgd", loss = "mse" }
    local before = m.layers[1]:get_weights()
    m:evaluate(x, y, { verbose = 0 })
    m:predict(x)
    local after = m.layers[1]:get_weights()
    for i = 1, 4 do assert.is_true(values_equal(before[i], after[i])) end
  end)

  it("a training step allocates nothing once warm", function()
    local x, y = data(64)
    local m = ember.Sequential { L.Dense(8, { input_shape = { 6 } }), L.BatchNormalization(), L.LayerNormalization(),
      L.Dense(1) }
    m:compile { optimizer = "sgd", loss = "mse" }
    m:train_on_batch(x, y)
    m:train_on_batch(x, y)
    local before = ember.debug.storage_allocations()
    for _ = 1, 5 do m:train_on_batch(x, y) end
    assert.equal(before, ember.debug.storage_allocations())
  end)
end)
