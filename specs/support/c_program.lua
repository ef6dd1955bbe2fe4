-- C-level checks (specs/c/*.c): compile a small test program against a few
-- engine sources in a temporary folder of its own, run it, remove the folder.
--   local c = require "support.c_program"
--   local prog = c.build("bigalloc_test", "specs/c/bigalloc_test.c engine/core/bigalloc.c -lpthread")
--   local ok, code, out = prog:run("arg")     -- stdout and stderr together
--   prog:remove()
-- build returns nil and a reason when there is no C compiler (the spec then
-- marks itself pending), and raises with the compiler's output when the
-- program does not compile.
--   local out = c.output("fpmode_test", "-O1 specs/c/fpmode_test.c ...")
-- builds, runs (it must exit 0) and removes the program in one call and
-- returns what it printed, or nil and a reason when there is no compiler.
local M = {}

local Program = {}
Program.__index = Program

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

function M.build(name, sources_and_flags)
  if not os.execute("command -v cc >/dev/null 2>&1") then return nil, "no C compiler" end
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. quote(dir)))
  local prog = setmetatable({ dir = dir, binary = dir .. "/" .. name }, Program)
  local p = io.popen("cc -std=gnu11 " .. sources_and_flags .. " -o " .. quote(prog.binary) .. " 2>&1")
  local compiler_output = p:read("a")
  if not p:close() then
    prog:remove()
    error("compiling " .. name .. " failed: " .. compiler_output, 2)
  end
  return prog
end

-- Runs the program with the given arguments (already quoted as needed).
function Program:run(args)
  local p = io.popen(quote(self.binary) .. " " .. (args or "") .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return ok, code, out
end

function Program:remove()
  os.execute("rm -rf " .. quote(self.dir))
end

function M.output(name, sources_and_flags)
  local prog, why = M.build(name, sources_and_flags)
  if not prog then return nil, why end
  local ok, code, out = prog:run()
  prog:remove()
  assert(ok, "the test program " .. name .. " exited with " .. tostring(code) .. ":\n" .. out)
  return out
end

return M
