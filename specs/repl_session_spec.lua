-- The REPL in a real terminal (issue 17): Ctrl-C at a continuation prompt
-- drops the unfinished block, Ctrl-D there drops it too instead of ending
-- the session, two Ctrl-C during a loop of fits leave the session and its
-- variables alive, and a multi-line block is one history entry, also
-- after a restart (read back from ~/.ember_history).
local tmux = require "support.tmux_session"

local function temp_home()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  return dir
end

describe("the REPL in a terminal", function()
  local home, s
  before_each(function() home = temp_home() end)
  after_each(function()
    if s then s:stop() end
    s = nil
    os.execute("rm -rf '" .. home .. "'")
  end)

  local function start()
    local why
    s, why = tmux.start { home = home }
    if not s then pending(why) end
    return s
  end

  it("drops an unfinished block on Ctrl-C and on Ctrl-D at the continuation prompt", function()
    if not start() then return end
    s:type("for i = 1, 3 do") s:keys("Enter")
    assert.truthy(s:wait_for(">>%s*$"))
    s:type("print('inside ' .. i)") s:keys("Enter")
    s:keys("C-c")
    s:type("print('after ' .. 'ctrl-c')") s:keys("Enter")
    local screen = s:wait_for("after ctrl%-c")
    assert.truthy(screen, s:screen())
    assert.falsy(screen:find("inside 1", 1, true), screen)  -- the loop never ran
    s:type("if true then") s:keys("Enter")
    assert.truthy(s:wait_for(">>%s*$"))
    s:keys("C-d")
    assert.truthy(s:wait_for("block dropped"), s:screen())
    s:type("print('still ' .. 'here')") s:keys("Enter")
    assert.truthy(s:wait_for("still here"), s:screen())
    assert.is_nil(s:exited())
  end)

  it("survives two Ctrl-C during a loop of fits, keeping its variables", function()
    if not start() then return end
    s:type("kept = 42; m = ember.Sequential{ember.layers.Dense(1, {input_dim = 8})}; "
      .. "m:compile{optimizer = 'sgd', loss = 'mse'}; x, y = ember.randn{4096, 8}, ember.randn{4096, 1}; print('set' .. 'up')")
    s:keys("Enter")
    assert.truthy(s:wait_for("setup", 30), s:screen())
    s:type("for i = 1, 1e6 do m:fit(x, y, {epochs = 1, verbose = 0, batch_size = 8}) end") s:keys("Enter")
    os.execute("sleep 1")
    s:keys("C-c")
    os.execute("sleep 0.3")
    s:keys("C-c")
    os.execute("sleep 0.5")
    s:type("print('kept = ' .. kept)") s:keys("Enter")
    -- generous waits: a loaded machine is slow to unwind
    local screen = s:wait_for("kept = 42", 30)
    assert.is_nil(s:exited(), "the REPL exited with status " .. tostring(s:exited()) .. ":\n" .. s:screen())
    assert.truthy(screen, s:screen())
  end)

  it("keeps a multi-line block as one history entry, also after a restart", function()
    if not start() then return end
    s:type("function twice(v)") s:keys("Enter")
    s:type("return 2 * v") s:keys("Enter")
    s:type("end") s:keys("Enter")
    s:keys("C-d")
    local deadline = os.time() + 10
    while s:exited() == nil and os.time() < deadline do os.execute("sleep 0.1") end
    assert.equal(0, s:exited())
    s:stop()
    s = nil
    if not start() then return end
    -- one Up brings back the whole function; Enter defines it again
    s:keys("Up", "Enter")
    s:type("print('twice: ' .. twice(21))") s:keys("Enter")
    assert.truthy(s:wait_for("twice: 42"), s:screen())
  end)
end)
