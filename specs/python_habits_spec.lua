-- Python habits that gave wrong or puzzling errors (issue 17): each now
-- says what to write instead, or works as numpy would.
local L = ember.layers

describe("Python habits", function()
  it("model.fit(...) with a dot says to use a colon, for every public method", function()
    local m = ember.Sequential { L.Dense(1, { input_dim = 3 }) }
    for name, args in pairs {
      compile = { { optimizer = "sgd", loss = "mse" } },
      fit = { ember.randn { 4, 3 }, ember.randn { 4 } },
      summary = {},
      predict = { ember.randn { 4, 3 } },
      save_weights = { "w.npz" },
    } do
      local ok, err = pcall(m[name], table.unpack(args))
      assert.is_false(ok, name)
      assert.matches("Sequential%." .. name .. ": call it with a colon, model:" .. name, err)
    end
    m:compile { optimizer = "sgd", loss = "mse" }  -- the colon call still works
    assert.is_truthy(m:fit(ember.randn { 4, 3 }, ember.randn { 4 }, { verbose = 0 }).history)
  end)

  it("input_shape = {nil, 3} (Python's (None, 3)) names ember.None", function()
    local ok, err = pcall(L.LSTM, 4, { input_shape = { nil, 3 } })
    assert.is_false(ok)
    assert.matches("LSTM: option 'input_shape' has nothing at position 1: write ember.None", err)
  end)

  it("t[{i, j}] reads and writes an element (Torch7's multi-index); t[-1] is the last row, as numpy", function()
    local t = ember.arange(1, 6):float():reshape(3, 2)
    assert.same({ 5, 6 }, t[-1]:totable())
    assert.same({ 1, 2 }, t[-3]:totable())
    assert.error_matches(function() return t[-4] end, "index %-4 out of range for dimension 1 of size 3")
    t[-1] = 0
    assert.same({ 0, 0 }, t[3]:totable())
    assert.equal(2, t[{ 1, 2 }])
    assert.equal(4, t[{ -2, -1 }])
    assert.same({ 3, 4 }, t[{ 2 }]:totable())
    t[{ 1, 2 }] = 9
    assert.equal(9, t:get(1, 2))
    t[{ 2 }] = 7
    assert.same({ 7, 7 }, t[2]:totable())
    assert.error_matches(function() return t[{ 1, 2, 3 }] end, "takes 1 to 2 indices for a tensor of 2 dimensions")
    assert.error_matches(function() return t[{ 4, 1 }] end, "index 4 out of range for dimension 1 of size 3")
    local i = t:int()
    assert.error_matches(function() i[{ 1, 1 }] = 1e10 end, "index: value 10000000000.0 does not fit in int32")
  end)

  it("pred > 0.5 points to the elementwise methods", function()
    local pred = ember.tensor { 0.2, 0.7 }
    for _, f in ipairs {
      function() return pred > 0.5 end, function() return pred < 0.5 end,
      function() return pred >= pred end, function() return 0.5 <= pred end,
    } do
      assert.error_matches(f, "use a:gt%(b%), a:ge%(b%), a:lt%(b%) or a:le%(b%)")
    end
    assert.same({ 0, 1 }, pred:gt(0.5):totable())
    -- the same comparisons as functions (torch.gt(a, b)), with their argument checks
    assert.same({ 0, 1 }, ember.gt(pred, 0.5):totable())
    assert.same({ 1, 0 }, ember.le(pred, 0.5):totable())
    assert.same({ 0, 1 }, ember.eq(pred, ember.tensor { 0, 0.7 }):totable())
    for _, name in ipairs { "eq", "ne", "gt", "lt", "ge", "le" } do
      assert.error_matches(function() ember[name]("x", 1) end, name .. ": argument 'a' expected a tensor, got string")
      assert.error_matches(function() ember[name](pred, ember.zeros { 3 }) end,
        name .. ": shapes {2} and {3} cannot broadcast")
    end
  end)
  it("a misspelt name gets 'did you mean' everywhere names are refused", function()
    local function model()
      return ember.Sequential { L.Dense(1, { input_dim = 3 }) }
    end
    for _, case in ipairs {
      { function() L.Dense(3, { activaton = "relu" }) end, "Dense: unknown option 'activaton' %(valid: .-%); did you mean 'activation'%?$" },
      { function() L.Dense(3, { activation = "rleu" }) end, "Dense: unknown activation 'rleu' .-; did you mean 'relu'%?$" },
      { function() L.Conv1D(3, 3, { padding = "causl" }) end, "Conv1D: option 'padding' must be one of .-; did you mean 'causal'%?$" },
      { function() model():compile { optimizer = "adma", loss = "mse" } end, "unknown optimizer 'adma' .-; did you mean 'adam'%?$" },
      { function() model():compile { optimizer = "sgd", loss = "mean_squared_eror" } end,
        "unknown loss 'mean_squared_eror' .-; did you mean 'mean_squared_error'%?$" },
      { function() model():compile { optimizer = "sgd", loss = "mse", metrics = { "acuracy" } } end,
        "unknown metric 'acuracy' .-; did you mean 'accuracy'%?$" },
      { function() model():compile { optimizer = "sgd", lose = "mse" } end, "unknown option 'lose' .-; did you mean 'loss'%?$" },
      { function()
          local m = model()
          m:compile { optimizer = "sgd", loss = "mse" }
          m:fit(ember.zeros { 4, 3 }, ember.zeros { 4, 1 }, { epoch = 1 })
        end, "fit: unknown option 'epoch' .-; did you mean 'epochs'%?$" },
      { function() ember.preprocessing.pad_sequences({ { 1 } }, { max_len = 3 }) end,
        "pad_sequences: unknown option 'max_len' %(valid: maxlen, .-%); did you mean 'maxlen'%?$" },
      { function() ember.core.train.loss("binary_crossentrpy", ember.zeros { 2 }, ember.zeros { 2 }) end,
        "unknown loss 'binary_crossentrpy' .-; did you mean 'binary_crossentropy'%?$" },
      { function() ember.optimizers.RMSprop { learning_rate = 0.1, rhoo = 0.9 } end, "unknown option 'rhoo' .-; did you mean 'rho'%?$" },
    } do
      local ok, err = pcall(case[1])
      assert.is_false(ok)
      assert.matches(case[2], err)
    end
    -- nothing near: no guess, and an ambiguous prefix is not a guess either
    local ok, err = pcall(L.LSTM, 4, { xyz = 1 })
    assert.is_false(ok)
    assert.not_matches("did you mean", err)
    assert.is_nil(ember.core._nearest_name("re", { "return_sequences", "return_state" }))
    assert.equal("return_sequences", ember.core._nearest_name("return_sequence", { "return_sequences", "return_state" }))
    assert.equal("Dense", ember.core._nearest_name("dense", { "Dense", "Dropout" }))
    assert.equal("epochs", ember.core._nearest_name("epcohs", { "batch_size", "epochs" }))  -- a swap is one edit
  end)

  it("no message of the Lua half shows a position inside ember's own modules", function()
    local function model()
      return ember.Sequential { L.Dense(1, { input_dim = 3 }) }
    end
    for i, f in ipairs {
      function() model():compile { optimizer = "adma", loss = "mse" } end,
      function() model():compile { optimizer = "sgd", loss = "hinge" } end,
      function() ember.Sequential { L.Dense(1, { input_dim = 3 }), L.Conv1D(2, 3) } end,
      function() local m = model(); m:add(L.Conv1D(2, 3)) end,
      function() local m = model(); m:compile { optimizer = "sgd", loss = "mse" }; m:predict(ember.zeros { 2, 5 }) end,
      function() local m = model(); m:compile { optimizer = "sgd", loss = "mse" }; m:train_on_batch(ember.zeros { 2, 5 }, ember.zeros { 2, 1 }) end,
      function() model():load_weights("/nonexistent/w.npz") end,
      function() ember.optimizers.SGD { lr = -1 } end,
    } do
      local ok, err = pcall(f)
      assert.is_false(ok, i)
      assert.not_matches("%[ember%]", err, nil, i)
    end
  end)
  it("history and logs use Keras 2.2.4's metric names; the short spelling given reads too", function()
    ember.seed(3)
    local m = ember.Sequential { L.Dense(1, { input_dim = 3 }) }
    m:compile { optimizer = "sgd", loss = "mse", metrics = { "mae" } }
    local seen
    local h = m:fit(ember.randn { 32, 3 }, ember.randn { 32, 1 }, { epochs = 2, verbose = 0, validation_split = 0.25,
      callbacks = { ember.callbacks.LambdaCallback { on_epoch_end = function(_, logs) seen = logs end },
        ember.callbacks.EarlyStopping { monitor = "val_mae", patience = 5 } } })
    assert.equal(2, #h.history.mean_absolute_error)
    assert.equal(2, #h.history.val_mean_absolute_error)
    assert.equal(h.history.mean_absolute_error, h.history.mae)
    assert.equal(seen.val_mean_absolute_error, seen.val_mae)
    local _, metrics = m:evaluate(ember.randn { 8, 3 }, ember.randn { 8, 1 }, { verbose = 0 })
    assert.is_number(metrics.mean_absolute_error)
    assert.equal(metrics.mean_absolute_error, metrics.mae)
    m:compile { optimizer = "sgd", loss = "mse", metrics = { "accuracy" } }
    h = m:fit(ember.randn { 8, 3 }, ember.randn { 8, 1 }, { epochs = 1, verbose = 0 })
    assert.equal(1, #h.history.acc)  -- Keras 2.2.4 logs "accuracy" as "acc"
  end)
  it("t[{{1, 3}, 2}] slices as Torch7 does: ranges keep a dimension, integers select it", function()
    local t = ember.arange(1, 12):float():reshape(3, 4)
    assert.same({ 2, 6, 10 }, t[{ { 1, 3 }, 2 }]:totable())
    assert.same({ { 2, 3 }, { 6, 7 }, { 10, 11 } }, t[{ {}, { 2, 3 } }]:totable())
    assert.same({ { 9, 10, 11, 12 } }, t[{ { -1 }, {} }]:totable())
    assert.same({ { 7, 8 } }, t[{ { 2 }, { -2, -1 } }]:totable())
    local view = t[{ { 1, 2 }, { 3, 4 } }]
    view:fill_(0)  -- a view: writes reach t
    assert.same({ 1, 2, 0, 0 }, t[1]:totable())
    t[{ {}, 1 }] = ember.tensor { 7, 8, 9 }
    assert.same({ 7, 8, 9 }, t[{ {}, 1 }]:totable())
    t[{ { 3 }, { 2, 3 } }] = -1
    assert.same({ 9, -1, -1, 12 }, t[3]:totable())
    assert.error_matches(function() return t[{ { 3, 1 } }] end, "range 1 of t%[{...}%] ends %(1%) before it starts %(3%)")
    assert.error_matches(function() return t[{ { 1, 2, 3 } }] end, "takes {}, {i} or {first, last}, got 3 entries")
    assert.error_matches(function() return t[{ {}, { "a" } }] end, "range 2 of t%[{...}%] must hold integers, got string")
    assert.error_matches(function() return t[{ {}, { 1, 5 } }] end, "index 5 out of range for dimension 2 of size 4")
    assert.error_matches(function() t[{ {}, 1 }] = ember.tensor { 1, 2 } end, "cannot assign a tensor of shape {2}")
  end)
  it("negative indices count from the end everywhere, narrow's start included", function()
    local a = ember.arange(1, 6)
    assert.same({ 5, 6 }, a:narrow(1, -2, 2):totable())
    assert.same({ 6 }, a:narrow(1, -1, 1):totable())
    assert.same({}, a:narrow(1, 7, 0):totable())  -- the empty view at the end
    assert.same({ 6 }, { a:select(1, -1):item() })
    assert.same({ 5, 6 }, a:sub(-2, -1):totable())
    local m = ember.arange(1, 6):reshape(2, 3)
    assert.same({ { 3 }, { 6 } }, m:narrow(-1, -1, 1):totable())
    assert.error_matches(function() a:narrow(1, -7, 1) end, "narrow: argument 'start' = %-7 out of range for a dimension of size 6")
    assert.error_matches(function() a:narrow(1, 0, 1) end, "narrow: argument 'start' = 0 out of range")
  end)
end)
