-- calls.at(level, f, ...): call f (usually a C function of the core) and,
-- when it raises, re-raise its message at the given level, so the error
-- names the user's line rather than a line inside ember's own Lua modules.
local calls = {}

function calls.at(level, f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then return table.unpack(r, 2, r.n) end
  local msg = r[2]
  if type(msg) == "string" then msg = msg:gsub("^%[ember%]/[^:]*:%d+: ", "") end
  error(msg, level + 1)
end

return calls
