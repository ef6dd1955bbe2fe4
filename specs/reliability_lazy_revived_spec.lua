-- Reliability, round two (issue 14), classes 1 and 2, from Lua alone:
--  1. lists made on demand (__index/__len metamethods, as a dataset wrapper
--     does) that let the garbage collector run between entries: a binding
--     that keeps pointers to earlier entries must still see them (before the
--     fix: freed tensors read or written, a crash under ASan);
--  2. objects brought back by another object's finalizer after their own
--     finalizer ran: every use raises an error naming the type (before: a
--     segfault or an endless loop).

-- A list of n entries made by make(i) on each access, collecting garbage
-- and churning allocations first so that a freed entry's memory is reused.
local function lazy(n, make)
  return setmetatable({}, {
    __len = function() return n end,
    __index = function(_, i)
      if type(i) ~= "number" or i < 1 or i > n then return nil end
      collectgarbage()
      collectgarbage()
      for _ = 1, 4 do local _ = ember.full({ 64 }, -99) end
      return make(i)
    end,
  })
end

describe("lists made on demand", function()
  it("ember.cat and ember.stack hold every entry while they read", function()
    local c = ember.cat(lazy(4, function(i) return ember.full({ 64 }, i) end))
    for k, want in ipairs { 1, 2, 3, 4 } do assert.equal(want, c:narrow(1, (k - 1) * 64 + 1, 64):max()) end
    local s = ember.stack(lazy(3, function(i) return ember.full({ 64 }, 10 * i) end))
    assert.same({ 3, 64 }, s.shape)
    assert.equal(10, s[1]:min())
    assert.equal(30, s[3]:max())
  end)

  it("Optimizer:step holds every parameter and gradient while it updates", function()
    local params = {}
    for i = 1, 3 do params[i] = ember.full({ 64 }, 1) end
    local opt = ember.optimizers.SGD { lr = 1 }
    opt:step(lazy(3, function(i) return params[i] end), lazy(3, function(i) return ember.full({ 64 }, i) end))
    for i = 1, 3 do assert.equal(1 - i, params[i]:max()) end
    -- the core's step without an lr (the lists' anchors must not be read as one)
    local p = ember.ones { 2 }
    ember.optimizers.SGD().core:step({ p }, { ember.ones { 2 } })
    assert.near(0.99, p:max(), 1e-6)
  end)

  it("a Tokenizer reads each text once, even from a list that changes under it", function()
    local tok = ember.preprocessing.Tokenizer()
    local calls = 0
    local texts = setmetatable({}, {
      __len = function() return 2 end,
      __index = function(_, i)
        calls = calls + 1
        collectgarbage()
        if calls > 2 then return 42 end  -- a second read would get a number
        return i == 1 and "the cat sat" or "the dog"
      end,
    })
    tok:fit_on_texts(texts)
    assert.equal(2, calls)
    assert.equal(1, tok.word_index.the)
  end)

  it("the model core holds its layer list", function()
    local cores = {}
    for i = 1, 3 do cores[i] = ember.layers.Dense(2).core end
    local m = ember.core.train.Model(lazy(3, function(i) return cores[i] end), lazy(3, function(i) return "d" .. i end))
    cores = nil
    collectgarbage()
    collectgarbage()
    local y = m:forward(ember.ones { 4, 2 }, false)
    assert.same({ 4, 2 }, y.shape)
  end)
end)

-- An object brought back after its own finalizer ran: `keeper` is marked
-- for finalization before the object is made, and finalizers run in the
-- reverse order of marking, so the object's runs first, then the keeper's,
-- which stores the object where the spec can reach it.
local revived
local function revive(make)
  revived = nil
  do
    local keeper = setmetatable({}, { __gc = function(k) revived = k.obj end })
    keeper.obj = make()
  end
  collectgarbage()
  collectgarbage()
  return revived
end

describe("objects revived after their finalizer", function()
  local function check(name, make, use)
    it(name .. " raises instead of touching freed state", function()
      local obj = revive(make)
      assert.is_truthy(obj, "the keeper's finalizer did not run")
      local ok, err = pcall(use, obj)
      assert.is_false(ok)
      assert.matches("finalized", tostring(err))
      revived = nil
    end)
  end
  check("an optimizer core", function() return ember.optimizers.SGD().core end,
    function(o) o:step({ ember.zeros { 2 } }, { ember.zeros { 2 } }, 0.1) end)
  check("a Tokenizer core", function() return ember.preprocessing.Tokenizer()._core end,
    function(t) t:fit({ "a b" }) end)
  check("a timeseries generator", function()
    return ember.data.timeseries_generator(ember.randn { 50, 3 }, { lookback = 5, delay = 1, batch_size = 4 })
  end, function(g) g() end)
  check("a model core", function() return ember.core.train.Model({ ember.layers.Dense(1).core }, { "d" }) end,
    function(m) m:zero_grads() end)
  check("a Sequences object", function() return ember.Sequences { { 1, 2 }, { 3 } } end,
    function(s) return #s end)
end)
