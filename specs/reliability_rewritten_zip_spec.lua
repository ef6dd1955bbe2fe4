-- Reliability, round two (issue 14), class 7: a zip archive rewritten or
-- truncated by another program while ember.fs reads it gives errors, never
-- a crash (before: the archive was mapped, and the next access to a page
-- beyond the new end killed the process with SIGBUS).  A child ember
-- process reads a member in a loop for 2 s while a shell loop truncates and
-- restores the file.
describe("a zip archive rewritten underneath", function()
  it("gives errors, not SIGBUS", function()
    if not os.execute("command -v truncate >/dev/null 2>&1") then
      pending("no truncate command")
      return
    end
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    finally(function() os.execute("rm -rf " .. dir) end)
    local zip = dir .. "/a.zip"
    ember.save(dir .. "/a.npz", { w = ember.randn { 2000000 } })
    assert(os.rename(dir .. "/a.npz", zip))
    assert(os.execute(("cp %s %s/good"):format(zip, dir)))
    local reader = dir .. "/reader.lua"
    local f = assert(io.open(reader, "w"))
    f:write([[
local t0, reads, errors = ember.clock(), 0, 0
while ember.clock() - t0 < 2 do
  local ok = pcall(ember.fs.read, arg[1] .. "/w.npy")
  reads = reads + 1
  if not ok then errors = errors + 1 end
end
io.write("reads ", reads, " errors ", errors, "\n")
]])
    f:close()
    local script = ([[
( end=$((SECONDS+3)); while [ $SECONDS -lt $end ]; do truncate -s 1000 %s; cat %s/good > %s; done ) &
%s %s %s; status=$?; wait; echo "status $status"
]]):format(zip, dir, zip, arg[-1], reader, zip)
    local p = io.popen("bash -c '" .. script:gsub("'", "'\\''") .. "' 2>&1")
    local out = p:read("a")
    p:close()
    assert.truthy(out:find("status 0", 1, true), out)
    assert.truthy(out:find("reads %d+ errors %d+"), out)
  end)
end)
