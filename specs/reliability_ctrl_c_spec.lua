-- Reliability, round two (issue 14), class 10: every Ctrl-C interrupts, as
-- Python's KeyboardInterrupt does, so a script's cleanup (a pcall that
-- catches "interrupted!") runs, and a second Ctrl-C interrupts the cleanup
-- the same way instead of killing the process (before: the second Ctrl-C
-- killed it, status 130, cleanup lost).  Three Ctrl-Cs with no Lua
-- instruction in between (a long computation in C) still exit.
describe("Ctrl-C in a script", function()
  it("interrupts the work, then the cleanup, and lets the script end normally", function()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
    finally(function() os.execute("rm -rf " .. dir) end)
    local script, out = dir .. "/ctrlc.lua", dir .. "/out"
    local f = assert(io.open(script, "w"))
    f:write([[
io.stdout:setvbuf("no")
local function spin(seconds) local t0 = ember.clock(); while ember.clock() - t0 < seconds do end end
print("ready")
print("work:", pcall(spin, 60))
print("cleanup:", pcall(function() print("cleanup starts"); spin(60) end))
print("the script ends normally")
]])
    f:close()
    local sh = ([[
%s %s > %s 2>&1 & pid=$!
for i in $(seq 50); do grep -q ready %s && break; sleep 0.1; done
kill -INT $pid
for i in $(seq 50); do grep -q "cleanup starts" %s && break; sleep 0.1; done
kill -INT $pid
wait $pid; echo "status $?" >> %s
]]):format(arg[-1], script, out, out, out, out)
    os.execute("bash -c '" .. sh:gsub("'", "'\\''") .. "'")
    local r = assert(io.open(out))
    local text = r:read("a")
    r:close()
    assert.matches("work:%s+false%s+[^\n]*interrupted!", text)
    assert.matches("cleanup:%s+false%s+[^\n]*interrupted!", text)
    assert.matches("the script ends normally", text)
    assert.matches("status 0", text)
  end)
end)
