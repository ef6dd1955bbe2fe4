-- help(x): prints the API reference's entry of x (the host also sets it as
-- the global `help`).  x is a value (a function, a module table, a class's
-- method, an object: a tensor, a layer, a model) or a name string
-- ("ember.layers.LSTM", "Tensor:narrow", "LSTM").  The entries come from
-- ember.api_index, generated from the doc comments (scripts/tools/gen_api.lua).
local M = {}

local function index() return require "ember.api_index" end

-- name of the entry for a value, through the walk of public names.
local by_value
local function entry_of_value(v)
  local idx = index()
  if not by_value then
    by_value = {}
    local walk = require "ember.api_walk"
    local items, aliases = walk.items()
    local names_of = {}
    for _, item in ipairs(items) do names_of[item.name] = { item.name } end
    for alias, target in pairs(aliases) do
      if names_of[target] then table.insert(names_of[target], alias) end
    end
    for _, item in ipairs(items) do
      if type(item.value) == "function" or type(item.value) == "table" then
        for _, n in ipairs(names_of[item.name]) do
          if idx[n] then
            by_value[item.value] = n
            break
          end
        end
      end
    end
    for _, c in ipairs(walk.class_names()) do
      if idx[c] then by_value[c] = c end
    end
  end
  if by_value[v] then return by_value[v] end
  -- Objects: a layer shows its constructor, others their class.
  local mt = getmetatable(v)
  if type(v) == "table" and type(mt) == "table" and rawget(mt, "__is_layer") and type(v.type) == "string" then
    return idx["ember.layers." .. v.type] and "ember.layers." .. v.type or "Layer"
  end
  if require("ember.core").is_tensor(v) then return "Tensor" end
  if mt ~= nil then
    local walk = require "ember.api_walk"
    local methods = type(mt) == "table" and (rawget(mt, "methods") or rawget(mt, "__index")) or nil
    for _, c in ipairs({ "Sequential", "Optimizer", "Tokenizer", "Sequences", "History", "GloveIndex" }) do
      local items = walk.items()
      for _, item in ipairs(items) do
        if item.class == c and (mt[item.name:match(":(.*)$")] == item.value or
            (type(methods) == "table" and methods[item.name:match(":(.*)$")] == item.value)) then
          return idx[c] and c or nil
        end
      end
    end
  end
  return nil
end

local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- Up to five entry names nearest to a misspelt name.
function M.nearest(name)
  local lname = name:lower()
  local scored = {}
  for n in pairs(index()) do
    local short = n:match("[.:]([^.:]+)$") or n
    local d = math.min(distance(lname, n:lower()), distance(lname, short:lower()))
    if n:lower():find(lname, 1, true) then d = d - 1 end
    scored[#scored + 1] = { n = n, d = d }
  end
  table.sort(scored, function(a, b) return a.d < b.d or (a.d == b.d and a.n < b.n) end)
  local out = {}
  for i = 1, math.min(5, #scored) do out[i] = scored[i].n end
  return out
end

-- The entry name for a name string: exact, an alias, or a short name
-- ("LSTM", "narrow", "fit") that names exactly one entry.
local function entry_of_name(name)
  local idx = index()
  if idx[name] then return name end
  for n, e in pairs(idx) do
    for _, a in ipairs(e.also) do
      if a == name then return n end
    end
  end
  local found
  for n in pairs(idx) do
    if (n:match("[.:]([^.:]+)$") or n) == name then
      if found then return nil end
      found = n
    end
  end
  return found
end

-- help_text(x) -> the entry's text; raises on a bad argument or an unknown name.
--- @api ember.help_text(x) -> string
--- The entry help(x) prints, as a string.
--- @arg x: a value or a name string

function M.help_text(x, who)
  who = who or "help_text"
  local idx = index()
  local tx = type(x)
  if tx == "string" then
    local name = entry_of_name(x)
    if not name then
      error(("%s: no entry for '%s' (nearest: %s)"):format(who, x, table.concat(M.nearest(x), ", ")), 3)
    end
    return idx[name].text
  end
  if x == nil or tx == "number" or tx == "boolean" then
    error(("%s: argument 'x' expected a function, a table, an object or a name string, got %s"):format(who,
      x == nil and "nil" or tx), 3)
  end
  local name = entry_of_value(x)
  if not name then
    error(("%s: no entry for this %s (not a public Ember function, table or object; try a name string)")
      :format(who, tx), 3)
  end
  return idx[name].text
end

-- help(x): prints the entry; help() lists the sections.
--- @api ember.help(x)
--- Prints the API reference's entry of x (also the global `help` in the ember host).
--- x is a function, a module, an object (tensor, layer, model) or a name: "ember.layers.LSTM",
--- "Tensor:narrow", or a short name such as "LSTM"; an unknown name lists the nearest entries.
--- @arg x: a value or a name string (none: how to use help)

function M.help(x, ...)
  if select("#", ...) > 0 then error("help: expected one argument (a value or a name), got " .. (select("#", ...) + 1), 2) end
  if x == nil and select("#", ...) == 0 then
    print("help(x) prints the entry of x: a function, a module, an object, or a name such as "
      .. "\"ember.layers.LSTM\" or \"Tensor:narrow\". The whole reference: docs/api/README.md.")
    return
  end
  print(M.help_text(x, "help"))
end

return M
