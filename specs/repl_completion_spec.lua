-- Reliability, round two (issue 14), class 8: the REPL's tab completion runs
-- protected.  Looking fields up may call __index metamethods, which may
-- raise; before, a Tab after such a field ended the whole session (exit 1,
-- history lost).
describe("REPL completion", function()
  it("offers candidates, and none (no error) when a field lookup raises", function()
    local names = {}
    for _, c in ipairs(ember.debug.complete("ember.set_")) do names[c] = true end
    assert.is_true(names["ember.set_num_threads"])
    rawset(_G, "repl_bad", setmetatable({}, { __index = function() error("boom") end }))
    finally(function() rawset(_G, "repl_bad", nil) end)
    assert.same({}, ember.debug.complete("repl_bad.x."))
    assert.same({}, ember.debug.complete("repl_bad.x:"))
  end)

  it("survives a Tab after a raising field in a real session (tmux)", function()
    if not os.execute("command -v tmux >/dev/null 2>&1") then
      pending("tmux is not installed")
      return
    end
    local session = "ember_spec_" .. tostring(os.time()) .. tostring(math.random(1e6))
    local out = os.tmpname()
    local function tmux(args) os.execute("tmux " .. args .. " >/dev/null 2>&1") end
    finally(function() tmux("kill-session -t " .. session) os.remove(out) end)
    tmux(("new-session -d -s %s -x 120 -y 30 '%s; echo EXITED $? > %s; sleep 5'"):format(session, arg[-1], out))
    os.execute("sleep 1")
    tmux(("send-keys -t %s 'bad = setmetatable({}, {__index = function() error(\"boom\") end})' Enter"):format(session))
    os.execute("sleep 0.5")
    tmux(("send-keys -t %s 'bad.x.' Tab Tab"):format(session))
    os.execute("sleep 0.5")
    tmux(("send-keys -t %s C-u"):format(session))
    tmux(("send-keys -t %s 'print(\"still \" .. \"alive\")' Enter"):format(session))
    os.execute("sleep 0.5")
    local p = io.popen("tmux capture-pane -t " .. session .. " -p 2>/dev/null")
    local screen = p:read("a")
    p:close()
    local f = io.open(out)
    local exited = f and f:read("a") or ""
    if f then f:close() end
    assert.equal("", exited)
    assert.truthy(screen:find("still alive", 1, true), screen)
  end)
end)
