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
