-- ember.json: strict JSON for Keras model configs (model:to_json,
-- ember.model_from_json, the model_config of a saved model).
--
-- decode is the C parser (engine/io/json.c, fuzzed by
-- specs/fuzz/fuzz_json.c): strict RFC 8259, exact numbers, \u escapes with
-- surrogate pairs, depth limited, errors with line, column and byte.
-- null is ember.None; arrays and objects come back marked (json.is_array /
-- json.is_object) so an empty [] and {} stay apart when encoded again.
-- encode writes integers as integers and floats with the fewest digits
-- that give the same double back (as Python's repr), so every number
-- round-trips exactly; object keys in the order given to json.object, the
-- rest sorted.
local core = require "ember.core"

local M = {}

local None = core.None
M.null = None

local array_mt = { __name = "ember.json.array" }
local object_mt = { __name = "ember.json.object" }
local orders = setmetatable({}, { __mode = "k" })

--- @api ember.json.array([t]) -> table
--- Marks a table as a JSON array (so an empty one encodes as []).
--- @arg t: a list (default: a new empty one)
function M.array(t)
  t = t or {}
  if type(t) ~= "table" then error(("json.array: argument 't' expected a table, got %s"):format(type(t)), 2) end
  return setmetatable(t, array_mt)
end

--- @api ember.json.object([t[, order]]) -> table
--- Marks a table as a JSON object (so an empty one encodes as {}); keys listed in order are written first, in that order.
--- @arg t: a table with string keys (default: a new empty one)
--- @arg order: a list of keys
function M.object(t, order)
  t = t or {}
  if type(t) ~= "table" then error(("json.object: argument 't' expected a table, got %s"):format(type(t)), 2) end
  if order ~= nil and type(order) ~= "table" then
    error(("json.object: argument 'order' expected a list of keys, got %s"):format(type(order)), 2)
  end
  orders[t] = order
  return setmetatable(t, object_mt)
end

--- @api ember.json.is_array(v) -> boolean
--- Whether v is a table marked as a JSON array (by decode or json.array).
--- @arg v: any value
function M.is_array(v) return type(v) == "table" and getmetatable(v) == array_mt end

--- @api ember.json.is_object(v) -> boolean
--- Whether v is a table marked as a JSON object (by decode or json.object).
--- @arg v: any value
function M.is_object(v) return type(v) == "table" and getmetatable(v) == object_mt end

--- @api ember.json.decode(text) -> value
--- Parses JSON text (strict RFC 8259); null becomes ember.None.
--- Errors give the line, column and byte of the fault.  Integers stay Lua integers
--- (32), numbers with a fraction or exponent become floats (32.0).
--- @arg text: a string
function M.decode(text, who)
  who = who or "json.decode"
  if type(text) ~= "string" then
    error(("%s: argument 'text' expected a string, got %s"):format(who, type(text)), 2)
  end
  local ok, v = pcall(core.json_decode, text, who, None, array_mt, object_mt)
  if not ok then error(require("ember.calls").strip_position(tostring(v)), 2) end
  return v
end

-- The fewest significant digits (15..17) that give v back exactly.
local function float_str(v)
  if v ~= v or v == math.huge or v == -math.huge then return nil end
  local s
  for digits = 15, 17 do
    s = ("%." .. digits .. "g"):format(v)
    if tonumber(s) == v then break end
  end
  if not s:find("[%.eEn]") then s = s .. ".0" end  -- a float stays a float ("1.0", as Python)
  return s
end
M._float_str = float_str

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r",
  ["\t"] = "\\t" }

local function encode_string(s, path, who)
  if not utf8.len(s) then error(("%s: %s is not valid UTF-8"):format(who, path), 0) end
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local function is_list(t)
  local n = #t
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n and n > 0
end

local function encode_value(v, out, path, who, depth)
  if depth > 200 then error(("%s: %s is nested too deeply (or a table holds itself)"):format(who, path), 0) end
  local tv = type(v)
  if v == None then out[#out + 1] = "null"
  elseif tv == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif tv == "number" then
    if math.type(v) == "integer" then out[#out + 1] = ("%d"):format(v)
    else
      local s = float_str(v)
      if not s then error(("%s: %s is %s, which JSON cannot hold"):format(who, path, tostring(v)), 0) end
      out[#out + 1] = s
    end
  elseif tv == "string" then out[#out + 1] = encode_string(v, path, who)
  elseif tv == "table" then
    local mt = getmetatable(v)
    if mt ~= nil and mt ~= array_mt and mt ~= object_mt then
      error(("%s: %s is a %s, not plain data"):format(who, path, mt.__name or "table with a metatable"), 0)
    end
    if mt == array_mt or (mt == nil and is_list(v)) then
      local n = #v
      for k in pairs(v) do
        if math.type(k) ~= "integer" or k < 1 or k > n then
          error(("%s: %s is an array with a non-list key %s"):format(who, path, tostring(k)), 0)
        end
      end
      out[#out + 1] = "["
      for i = 1, n do
        if i > 1 then out[#out + 1] = ", " end
        encode_value(v[i], out, ("%s[%d]"):format(path, i), who, depth + 1)
      end
      out[#out + 1] = "]"
    else
      local keys, seen = {}, {}
      for _, k in ipairs(orders[v] or {}) do
        if v[k] ~= nil and not seen[k] then keys[#keys + 1] = k; seen[k] = true end
      end
      local rest = {}
      for k in pairs(v) do
        if type(k) ~= "string" then
          error(("%s: %s has a key %s; JSON object keys are strings"):format(who, path, tostring(k)), 0)
        end
        if not seen[k] then rest[#rest + 1] = k end
      end
      table.sort(rest)
      for _, k in ipairs(rest) do keys[#keys + 1] = k end
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = ", " end
        out[#out + 1] = encode_string(k, path, who)
        out[#out + 1] = ": "
        encode_value(v[k], out, path .. "." .. k, who, depth + 1)
      end
      out[#out + 1] = "}"
    end
  else
    error(("%s: %s is a %s, which JSON cannot hold"):format(who, path, tv), 0)
  end
end

--- @api ember.json.encode(value) -> string
--- Writes a value as JSON (Python's json.dumps layout); ember.None is null.
--- Integers are written as integers, floats with the fewest digits that read back to the
--- same double; a table is an array when marked so or when its keys are 1..n, else an object.
--- @arg value: nil is refused; use ember.None for null
function M.encode(value, who)
  who = who or "json.encode"
  if value == nil then error(("%s: argument 'value' expected a value (ember.None for null), got nil"):format(who), 2) end
  local out = {}
  local ok, err = pcall(encode_value, value, out, "the value", who, 0)
  if not ok then error(err, 2) end
  return table.concat(out)
end

return M
