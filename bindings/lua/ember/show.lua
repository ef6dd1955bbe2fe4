-- How the REPL shows values: tables as Lua source (lists as {1, 2, 3},
-- records as {acc = {...}, loss = {...}}, keys sorted, nested three deep,
-- 20 entries each at most), tensors as numpy prints them followed by their
-- dtype and shape (inside a table: dtype, shape and the first values), everything else as
-- tostring does.  x.shape, a History's history, get_weights() and evaluate's
-- metrics read at a glance instead of "table: 0x55d0...".
local show = {}
local ember_core_is_tensor = require("ember.core").is_tensor

local MAX_ITEMS, MAX_DEPTH = 20, 3

local function is_identifier(k) return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil end

local function scalar(v)
  if type(v) == "string" then return ("%q"):format(v) end
  return tostring(v)  -- numbers exactly as Lua prints them
end

-- A tensor as numpy prints it, then its dtype and shape, as Torch7's
-- "[torch.FloatTensor of size 2x3]" did; inside a table the summary with
-- a preview of its first values (row-major order, PREVIEW at most).
local PREVIEW = 4

local function tensor_summary(t)
  return ("[%s tensor of shape {%s}]"):format(t.dtype, table.concat(t.shape, ", "))
end

local function preview(t)
  local n = 1
  for _, d in ipairs(t.shape) do n = n * d end
  if n == 0 then return "" end
  local flat = t:contiguous():reshape(n)
  local values = {}
  for i = 1, math.min(n, PREVIEW) do
    local x = flat[i]
    values[i] = t.dtype == "float32" and ("%.4g"):format(x) or ("%d"):format(x)
  end
  if n > PREVIEW then values[#values + 1] = "..." end
  return ": " .. table.concat(values, ", ")
end

local function format(v, depth, seen)
  if ember_core_is_tensor(v) then
    if depth == 0 then return tostring(v) .. "\n" .. tensor_summary(v) end
    return tensor_summary(v):sub(1, -2) .. preview(v) .. "]"
  end
  if type(v) ~= "table" or getmetatable(v) ~= nil and getmetatable(v).__tostring then
    if type(v) == "table" then return tostring(v) end
    return scalar(v)
  end
  if seen[v] then return "{...}" end
  if depth >= MAX_DEPTH then return "{...}" end
  seen[v] = true
  local parts, n = {}, #v
  for i = 1, math.min(n, MAX_ITEMS) do parts[#parts + 1] = format(v[i], depth + 1, seen) end
  if n > MAX_ITEMS then parts[#parts + 1] = ("... (%d entries)"):format(n) end
  local keys = {}
  for k in pairs(v) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for i, k in ipairs(keys) do
    if i > MAX_ITEMS then
      parts[#parts + 1] = ("... (%d more keys)"):format(#keys - MAX_ITEMS)
      break
    end
    local key = is_identifier(k) and k or ("[" .. scalar(k) .. "]")
    parts[#parts + 1] = key .. " = " .. format(v[k], depth + 1, seen)
  end
  seen[v] = nil
  return "{" .. table.concat(parts, ", ") .. "}"
end

function show.format(v) return format(v, 0, {}) end

-- print's layout (tab-separated), each value shown as above.
function show.print(...)
  local out = {}
  for i = 1, select("#", ...) do out[i] = show.format((select(i, ...))) end
  print(table.concat(out, "\t"))
end

return show
