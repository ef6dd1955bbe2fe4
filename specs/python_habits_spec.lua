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
    assert.error_matches(function() return t[{ { 1, 3 }, 2 }] end, "ranges such as t%[{{1, 3}, 2}%] are not supported")
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
  end)
end)
