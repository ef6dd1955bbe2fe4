-- The one home of the Lua half's calling conventions:
--   calls.at(level, f, ...)      call f (usually a C function of the core) and,
--                                when it raises, re-raise its message at the given
--                                level, so the error names the user's line
--   calls.strip_position(msg)    msg without the "[ember]/module.lua:12: " prefix
--                                of a line inside ember's own Lua modules
--   calls.check_options(who, opts, allowed, level)
--                                opts must be nil or a table whose keys are all in
--                                `allowed` (a set or a list); else an error
--                                "<who>: unknown option 'x' (valid: a, b, c)"
--   calls.suggestion(word, names) "; did you mean 'y'?" when one of names (a
--                                set or a list) is near word, else "" (the
--                                rule is engine/core/names.c's, for every message)
local core = require "ember.core"

local calls = {}

function calls.strip_position(msg)
  if type(msg) ~= "string" then return msg end
  return (msg:gsub("^%[ember%][^:]*:%d+: ", ""))
end

function calls.at(level, f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then return table.unpack(r, 2, r.n) end
  error(calls.strip_position(r[2]), level + 1)
end

-- The sorted names of a set ({name = true}) or a list ({"name", ...}).
local function names_of(allowed)
  local names = {}
  if allowed[1] ~= nil then
    for _, k in ipairs(allowed) do names[#names + 1] = k end
  else
    for k in pairs(allowed) do names[#names + 1] = k end
  end
  table.sort(names)
  return names
end

local function as_set(allowed)
  if allowed[1] == nil then return allowed end
  local set = {}
  for _, k in ipairs(allowed) do set[k] = true end
  return set
end

function calls.suggestion(word, names)
  if type(word) ~= "string" then return "" end
  local near = core._nearest_name(word, names_of(names))
  return near and ("; did you mean '%s'?"):format(near) or ""
end

-- "unknown option 'x' (valid: a, b, c)", and the same after "<who>: ".
function calls.unknown_option_text(key, allowed)
  return ("unknown option '%s' (valid: %s)%s"):format(tostring(key), table.concat(names_of(allowed), ", "),
    calls.suggestion(key, allowed))
end

function calls.unknown_option(who, key, allowed) return who .. ": " .. calls.unknown_option_text(key, allowed) end

function calls.check_options(who, opts, allowed, level)
  level = (level or 1) + 1
  if opts == nil then return {} end
  if type(opts) ~= "table" then error(("%s: expected an options table, got %s"):format(who, type(opts)), level) end
  local set = as_set(allowed)
  for k in pairs(opts) do
    if not set[k] then error(calls.unknown_option(who, k, allowed), level) end
  end
  return opts
end

return calls
