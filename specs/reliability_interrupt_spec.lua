-- Reliability, round two (issue 14), class 10: an interrupt (Ctrl-C, which
-- the host turns into an "interrupted!" error at the next Lua instruction)
-- during load_weights or set_weights leaves the weights all old or all new
-- (before: mixed from the two sources in some runs).  The spec interrupts
-- after every possible count of instructions until the call completes.
local L = ember.layers

local function model()
  ember.seed(3)
  local m = ember.Sequential { L.Dense(8, { input_dim = 4 }), L.Dense(6), L.Dense(5), L.Dense(1) }
  return m
end

local function all_equal(ws, value)
  for _, w in ipairs(ws) do
    if w:min() ~= value or w:max() ~= value then return false end
  end
  return true
end

-- Runs f with an interrupt after n instructions; true when f completed.
local function interrupted_after(n, f)
  local count = 0
  local ok = pcall(function()
    debug.sethook(function()
      count = count + 1
      if count == n then
        debug.sethook()
        error("interrupted!")
      end
    end, "", 1)
    f()
    debug.sethook()
  end)
  debug.sethook()
  return ok
end

local function check(name, prepare, run)
  it(name .. " leaves the weights all old or all new, wherever the interrupt lands", function()
    local mixed, completed = 0, false
    for n = 1, 20000 do
      local m, arg = prepare()
      for _, w in ipairs(m:get_weights()) do w:fill_(0) end
      m:set_weights((function()
        local z = {}
        for i, w in ipairs(m:get_weights()) do z[i] = w:clone():fill_(0) end
        return z
      end)())
      completed = interrupted_after(n, function() run(m, arg) end)
      local ws = m:get_weights()
      if not (all_equal(ws, 0) or all_equal(ws, 1)) then mixed = mixed + 1 end
      if completed then break end
    end
    assert.is_true(completed, "the call never completed")
    assert.equal(0, mixed)
  end)
end

describe("interrupts", function()
  local path = os.tmpname() .. ".npz"
  setup(function()
    local m = model()
    local ones = {}
    for i, w in ipairs(m:get_weights()) do ones[i] = w:clone():fill_(1) end
    m:set_weights(ones)
    m:save_weights(path)
  end)
  teardown(function() os.remove(path) end)

  check("load_weights", function() return model(), path end, function(m, p) m:load_weights(p) end)
  check("set_weights", function()
    local m = model()
    local ones = {}
    for i, w in ipairs(m:get_weights()) do ones[i] = w:clone():fill_(1) end
    return m, ones
  end, function(m, ones) m:set_weights(ones) end)
end)

describe("ember.core.copy_all", function()
  it("checks every pair before copying any, naming the entry", function()
    local a, b = ember.zeros { 2 }, ember.zeros { 3 }
    local cases = {
      { function() ember.core.copy_all(a, { a }) end, "copy_all: argument 'dsts'" },
      { function() ember.core.copy_all({ a }, { a, b }) end, "copy_all: 1 destinations but 2 sources" },
      { function() ember.core.copy_all({ a, "x" }, { ember.ones { 2 }, b }) end,
        "copy_all: entry 2 expected two tensors, got string and" },
      { function() ember.core.copy_all({ a, b }, { ember.ones { 2 }, ember.ones { 4 } }) end,
        "copy_all: entry 2: a float32 {3} tensor cannot take a float32 {4} one" },
      { function() ember.core.copy_all({ a }, { ember.ones({ 2 }, { dtype = "int32" }) }) end,
        "copy_all: entry 1: a float32 {2} tensor cannot take a int32 {2} one" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(c[1])
      assert.is_false(ok, c[2])
      assert.truthy(tostring(err):find(c[2], 1, true), ("expected %q in %q"):format(c[2], tostring(err)))
    end
    assert.equal(0, a:max())  -- the valid first pairs were not copied either
  end)
end)

describe("ember.core.train.optimizer_options", function()
  it("lists an optimizer's declared options and refuses an unknown kind; the core's methods check self", function()
    assert.same({ "lr", "decay", "epsilon", "clipnorm", "clipvalue", "rho" }, ember.core.train.optimizer_options("rmsprop"))
    local ok, err = pcall(ember.core.train.optimizer_options, "adamax")
    assert.is_false(ok)
    assert.matches("unknown optimizer 'adamax' %(valid: sgd, rmsprop, adam%)", err)
    local core = ember.optimizers.SGD().core
    for _, name in ipairs { "lr", "reset_state", "iterations" } do
      local ok2, err2 = pcall(core[name], ember.zeros { 1 })
      assert.is_false(ok2, name)
      assert.matches(name .. ": argument 'self' expected an optimizer", err2)
    end
  end)
end)
