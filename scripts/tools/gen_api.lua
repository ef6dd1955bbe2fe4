-- Writes the API reference from the doc comments (format: docs/api/FORMAT.md):
--   ./ember scripts/tools/gen_api.lua            -> docs/api/README.md, docs/api/index.html,
--                                                  bindings/lua/ember/api_index.lua
--   ./ember scripts/tools/gen_api.lua --out DIR  -> the same three files into DIR (the
--                                                  staleness spec compares them)
--   ./ember scripts/tools/gen_api.lua --check    -> lists what is public and undocumented
-- Run from the repository root (`make docs` does).  Exits non-zero on a
-- malformed block, or with --check on anything missing or stale.
package.path = "scripts/tools/?.lua;" .. package.path
local api_ref = require "api_ref"

local out_dir, check
local i = 1
while arg[i] do
  if arg[i] == "--out" then
    out_dir = arg[i + 1]
    if not out_dir then io.stderr:write("gen_api: --out needs a folder\n") os.exit(2) end
    i = i + 2
  elseif arg[i] == "--check" then
    check = true
    i = i + 1
  else
    io.stderr:write("gen_api: unknown argument '" .. arg[i] .. "'\n")
    os.exit(2)
  end
end

local entries, privates, problems = api_ref.parse(".")
if #problems > 0 then
  io.stderr:write("gen_api: malformed doc blocks:\n  " .. table.concat(problems, "\n  ") .. "\n")
  os.exit(1)
end
local missing, stale, aliases = api_ref.coverage(entries, privates)
if check then
  for _, n in ipairs(missing) do print("missing: " .. n) end
  for _, n in ipairs(stale) do print("stale:   " .. n) end
  os.exit((#missing + #stale == 0) and 0 or 1)
end

local function write(path, text)
  local tmp = path .. ".tmp"
  local f = assert(io.open(tmp, "wb"))
  assert(f:write(text))
  assert(f:close())
  assert(os.rename(tmp, path))
end

local files = api_ref.render(entries, aliases, privates)
for name, text in pairs(files) do
  write(out_dir and (out_dir .. "/" .. name) or api_ref.outputs[name], text)
end
if #missing + #stale > 0 then
  io.stderr:write(("gen_api: %d public names without an entry, %d stale entries (--check lists them)\n")
    :format(#missing, #stale))
end
