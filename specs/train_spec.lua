-- Losses, metrics, optimizers and batch helpers of core.train / ember.losses / ember.optimizers.
local gradcheck = require "support.gradcheck"
local train = ember.core.train

local function close(a, b, tol) return math.abs(a - b) <= (tol or 1e-6) * math.max(1, math.abs(a), math.abs(b)) end

-- Central differences of the mean loss against the analytic gradient.
local function loss_gradcheck(name, p, t, eps, rtol)
  eps, rtol = eps or 1e-3, rtol or 1e-2
  local g = ember.zeros { 0 }
  ember.losses.compute(name, p, t, g)
  assert.same(p.shape, g.shape)
  local analytic = gradcheck.values(g)
  local vals = gradcheck.values(p)
  local worst = 0
  for k = 1, #vals do
    local function at(v)
      vals[k] = v
      local q = gradcheck.tensor(p.shape, vals)
      return ember.losses.compute(name, q, t)
    end
    local orig = vals[k]
    local numeric = (at(orig + eps) - at(orig - eps)) / (2 * eps)
    vals[k] = orig
    local err = math.abs(numeric - analytic[k])
    assert.is_true(err <= 1e-5 + rtol * math.max(math.abs(numeric), math.abs(analytic[k])),
      ("%s: element %d analytic %g numeric %g"):format(name, k, analytic[k], numeric))
    worst = math.max(worst, err)
  end
  return worst
end

describe("losses", function()
  it("binary_crossentropy: value, Keras clipping, gradient", function()
    local p = ember.tensor { { 0.8 }, { 0.3 }, { 0.6 } }
    local t = ember.tensor { 1, 0, 1 }
    local want = -(math.log(0.8) + math.log(0.7) + math.log(0.6)) / 3
    assert.is_true(close(want, ember.losses.binary_crossentropy(t, p), 1e-6))
    -- a prediction of exactly 0 for a positive is clipped to 1e-7
    local clipped = ember.losses.compute("binary_crossentropy", ember.tensor { { 0 } }, ember.tensor { 1 })
    assert.is_true(close(-math.log(1e-7), clipped, 1e-5))
    loss_gradcheck("binary_crossentropy", ember.tensor { { 0.8, 0.1 }, { 0.3, 0.55 } }, ember.tensor { { 1, 0 }, { 0, 1 } })
  end)

  it("categorical_crossentropy normalises rows as Keras and checks its gradient", function()
    local p = ember.tensor { { 0.2, 0.6, 0.4 }, { 1, 1, 2 } }  -- rows not summing to 1
    local t = ember.tensor { { 0, 1, 0 }, { 0, 0, 1 } }
    local want = -(math.log(0.6 / 1.2) + math.log(2 / 4)) / 2
    assert.is_true(close(want, ember.losses.compute("categorical_crossentropy", p, t), 1e-6))
    loss_gradcheck("categorical_crossentropy", p, t)
  end)

  it("sparse_categorical_crossentropy takes class ids 0..C-1 (int or float) and checks its gradient", function()
    local p = ember.tensor { { 0.2, 0.5, 0.3 }, { 0.1, 0.1, 0.8 } }
    local ids = ember.tensor({ 1, 2 }, { dtype = "int32" })
    local want = -(math.log(0.5) + math.log(0.8)) / 2
    assert.is_true(close(want, ember.losses.compute("sparse_categorical_crossentropy", p, ids), 1e-6))
    assert.is_true(close(want, ember.losses.compute("sparse_categorical_crossentropy", p, ember.tensor { { 1 }, { 2 } }), 1e-6))
    loss_gradcheck("sparse_categorical_crossentropy", p, ids)
    -- rows that do not sum to 1: Keras clips each p to [1e-7, 1 - 1e-7] first,
    -- then normalises through log-softmax: row 2 becomes three equal values
    local q = ember.tensor { { 0.4, 1.0, 0.6 }, { 2, 1, 1 } }
    assert.is_true(close((math.log(2) + math.log(3)) / 2,
      ember.losses.compute("sparse_categorical_crossentropy", q, ids), 1e-6))
    loss_gradcheck("sparse_categorical_crossentropy", ember.tensor { { 0.4, 0.9, 0.6 }, { 0.3, 0.2, 0.5 } }, ids)
    assert.error_matches(function() ember.losses.compute("sparse_categorical_crossentropy", p, ember.tensor { 1, 3 }) end,
      "target 3 in row 2 is not a class id in %[0, 3%)")
  end)

  it("mse and mae: values and gradients", function()
    local p = ember.tensor { { 1, 2 }, { 3, 5 } }
    local t = ember.tensor { { 0, 2.5 }, { 3.5, 2 } }
    assert.is_true(close((1 + 0.25 + 0.25 + 9) / 4, ember.losses.mse(t, p)))
    assert.is_true(close((1 + 0.5 + 0.5 + 3) / 4, ember.losses.mae(t, p)))
    assert.is_true(close(ember.losses.mse(t, p), ember.losses.mean_squared_error(t, p)))
    loss_gradcheck("mse", p, t)
    loss_gradcheck("mae", p, t)
  end)

  it("reject mismatched targets and unknown names", function()
    assert.error_matches(function() ember.losses.compute("mse", ember.zeros { 4, 1 }, ember.zeros { 3 }) end,
      "mse: targets of shape {3} do not match predictions of shape {4,1} %(different sample counts%)")
    assert.error_matches(function() ember.losses.compute("mse", ember.zeros { 4, 2 }, ember.zeros { 4 }) end,
      "expected one target per prediction")
    assert.error_matches(function() ember.losses.compute("hinge", ember.zeros { 1 }, ember.zeros { 1 }) end,
      "unknown loss 'hinge' %(valid: binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, mse, mae%)")
  end)
end)

describe("metrics", function()
  it("binary accuracy thresholds at 0.5 (0.5 counts as 0, as K.round)", function()
    local p = ember.tensor { { 0.5 }, { 0.51 }, { 0.2 }, { 0.9 } }
    local t = ember.tensor { 0, 1, 1, 1 }
    assert.equal(0.75, train.metric("binary_accuracy", p, t))
  end)

  it("categorical, sparse categorical accuracy and mae", function()
    local p = ember.tensor { { 0.1, 0.7, 0.2 }, { 0.5, 0.3, 0.2 } }
    assert.equal(0.5, train.metric("categorical_accuracy", p, ember.tensor { { 0, 1, 0 }, { 0, 0, 1 } }))
    assert.equal(1, train.metric("sparse_categorical_accuracy", p, ember.tensor({ 1, 0 }, { dtype = "int32" })))
    assert.is_true(close(0.25, train.metric("mae", ember.tensor { 1, 2 }, ember.tensor { 1.5, 2 })))
    assert.error_matches(function() train.metric("f1", p, p) end, "unknown metric 'f1'")
  end)
end)

describe("optimizers", function()
  local function step(opt, p0, g, n)
    local p = ember.tensor(p0)
    local grad = ember.tensor(g)
    for _ = 1, n or 1 do opt:step({ p }, { grad }) end
    return p:totable()
  end
  local function assert_close_list(want, got, tol)
    for i = 1, #want do assert.is_true(close(want[i], got[i], tol or 1e-6), ("%d: want %.9g got %.9g"):format(i, want[i], got[i])) end
  end
  local p0, g = { 1, -2 }, { 0.5, 0.1 }

  it("SGD plain, momentum and nesterov match hand-computed steps", function()
    assert_close_list({ 1 - 0.1 * 0.5, -2 - 0.1 * 0.1 }, step(ember.optimizers.SGD { lr = 0.1 }, p0, g))
    -- two momentum steps: v1 = -lr g, p1 = p + v1; v2 = m v1 - lr g, p2 = p1 + v2
    local want = {}
    for i = 1, 2 do
      local v1 = -0.1 * g[i]
      local v2 = 0.9 * v1 - 0.1 * g[i]
      want[i] = p0[i] + v1 + v2
    end
    assert_close_list(want, step(ember.optimizers.SGD { lr = 0.1, momentum = 0.9 }, p0, g, 2))
    for i = 1, 2 do
      local v1 = -0.1 * g[i]
      want[i] = p0[i] + 0.9 * v1 - 0.1 * g[i]
    end
    assert_close_list(want, step(ember.optimizers.SGD { lr = 0.1, momentum = 0.9, nesterov = true }, p0, g))
  end)

  it("RMSprop (Keras defaults rho 0.9, epsilon 1e-7; lr or learning_rate) matches two hand-computed steps", function()
    local want = {}
    for i = 1, 2 do
      local a1 = 0.1 * g[i] ^ 2
      local p1 = p0[i] - 0.01 * g[i] / (math.sqrt(a1) + 1e-7)
      local a2 = 0.9 * a1 + 0.1 * g[i] ^ 2
      want[i] = p1 - 0.01 * g[i] / (math.sqrt(a2) + 1e-7)
    end
    assert_close_list(want, step(ember.optimizers.RMSprop { lr = 0.01 }, p0, g, 2))
    assert_close_list(want, step(ember.optimizers.RMSprop { learning_rate = 0.01 }, p0, g, 2))
    assert.equal(0.001, ember.optimizers.RMSprop().lr)
  end)

  it("Adam matches hand-computed bias-corrected steps", function()
    local want = {}
    for i = 1, 2 do
      local m, v, p = 0, 0, p0[i]
      for t = 1, 2 do
        local lr_t = 0.001 * math.sqrt(1 - 0.999 ^ t) / (1 - 0.9 ^ t)
        m = 0.9 * m + 0.1 * g[i]
        v = 0.999 * v + 0.001 * g[i] ^ 2
        p = p - lr_t * m / (math.sqrt(v) + 1e-7)
      end
      want[i] = p
    end
    assert_close_list(want, step(ember.optimizers.Adam(), p0, g, 2))
  end)

  it("applies decay as lr / (1 + decay * iterations)", function()
    local want = { 1 - 0.1 * 0.5 - (0.1 / 1.5) * 0.5 }
    assert_close_list(want, step(ember.optimizers.SGD { lr = 0.1, decay = 0.5 }, { 1 }, { 0.5 }, 2))
  end)

  it("reads opt.lr at every step", function()
    local opt = ember.optimizers.SGD { lr = 0.1 }
    local p = ember.tensor { 1 }
    opt:step({ p }, { ember.tensor { 1 } })
    opt.lr = 0.5
    opt:step({ p }, { ember.tensor { 1 } })
    assert.is_true(close(1 - 0.1 - 0.5, p:get(1)))
  end)

  it("rejects unknown names and options, and state reuse on another model", function()
    assert.error_matches(function() ember.optimizers.get("adagrad") end,
      "unknown optimizer 'adagrad' %(valid: sgd, rmsprop, adam")
    assert.error_matches(function() ember.optimizers.SGD { lr = -1 } end, "SGD: option 'lr' must be a finite number in %[0, inf%], got %-1")
    assert.error_matches(function() ember.optimizers.RMSprop { rho = 1 } end, "RMSprop: option 'rho' must be in %[0, 1%)")
    assert.error_matches(function() ember.optimizers.Adam { momentum = 0.9 } end, "Adam: unknown option 'momentum'")
    assert.error_matches(function() ember.optimizers.SGD { lr = 0.1, learning_rate = 0.2 } end, "disagree")
    local opt = ember.optimizers.Adam()
    opt:step({ ember.zeros { 2 } }, { ember.zeros { 2 } })
    assert.error_matches(function() opt:step({ ember.zeros { 3 } }, { ember.zeros { 3 } }) end,
      "Adam.step: parameter 1 has shape {3} but its state was made for {2}")
    assert.error_matches(function() opt:step({ ember.zeros { 2 } }, { ember.zeros { 3 } }) end,
      "parameter 1 has shape {2} but its gradient {3}")
  end)
end)

describe("batch helpers", function()
  it("gather_rows copies the indexed rows (1-based) into a reusable buffer", function()
    local src = ember.tensor { { 1, 2 }, { 3, 4 }, { 5, 6 } }
    local buf = ember.zeros { 0 }
    local idx = ember.tensor({ 3, 1, 2 }, { dtype = "int32" })
    train.gather_rows(src, idx, 1, 2, buf)
    assert.same({ { 5, 6 }, { 1, 2 } }, buf:totable())
    train.gather_rows(src, idx, 3, 1, buf)
    assert.same({ { 3, 4 } }, buf:totable())
    assert.error_matches(function() train.gather_rows(src, ember.tensor({ 4 }, { dtype = "int32" }), 1, 1, buf) end,
      "gather_rows: row 4 out of range %[1, 3%]")
  end)

  it("permutation is a seeded shuffle of 1..n", function()
    ember.seed(3)
    local a = train.permutation(50):totable()
    ember.seed(3)
    assert.same(a, train.permutation(50):totable())
    table.sort(a)
    for i = 1, 50 do assert.equal(i, a[i]) end
  end)
end)
