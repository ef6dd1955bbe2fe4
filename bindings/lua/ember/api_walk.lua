-- What is public in Ember, found at run time (shared by help() and the API
-- reference's generator and spec, scripts/tools/api_ref.lua).
--
-- The rule: public is what a user reaches from the `ember` table:
--   * every function, table and value under `ember.` (walking tables), except
--     names starting with "_" and everything under `ember.core`;
--   * the methods of the objects Ember hands out, found through their classes'
--     method tables (M.classes below): `Tensor:narrow`, `Sequential:fit`, ...;
--   * each layer's and optimizer's declared options (engine/layers/options.h,
--     listed by core.layers.options / core.train.optimizer_options).
-- A doc block `@private NAME: why` (or `NAME.*` for a table) marks something
-- reachable as internal; the generator honours those markers.
-- One value reachable under several names (ember.Sequential and
-- ember.models.Sequential) is one item with aliases.
local M = {}

-- The classes whose methods are public, with how to find their method
-- tables.  Loaded lazily: the modules are in place once `ember` is.
local function class_tables()
  local ember = require "ember"
  local reg = debug.getregistry()
  return {
    { "Tensor", reg["ember.Tensor.methods"] },
    { "Sequences", reg["ember.Sequences"] and reg["ember.Sequences"].methods },
    { "Sequential", ember.models.Sequential_class },
    { "Model", ember.models.Model_class },
    { "Layer", require("ember.layers.base").Layer },
    { "Tokenizer", require("ember.preprocessing")._Tokenizer_class },
    { "Optimizer", ember.optimizers.Optimizer },
    { "Callback", ember.callbacks.Callback },
    { "History", ember.callbacks.History },
    { "EarlyStopping", ember.callbacks.EarlyStopping_class },
    { "ModelCheckpoint", ember.callbacks._ModelCheckpoint_class },
    { "TerminateOnNaN", ember.callbacks._TerminateOnNaN_class },
    { "ReduceLROnPlateau", ember.callbacks._ReduceLROnPlateau_class },
    { "CSVLogger", ember.callbacks._CSVLogger_class },
    { "LearningRateScheduler", ember.callbacks._LearningRateScheduler_class },
    { "GloveIndex", require("ember.datasets.glove")._Index },
  }
end

-- The names of the classes (for entries such as `@api Tensor`).
function M.class_names()
  local names = {}
  for _, c in ipairs(class_tables()) do names[#names + 1] = c[1] end
  return names
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

-- M.items() -> list of {name, kind = "function"|"method"|"table"|"value",
-- value, class (methods)}, sorted by name; aliases[name] = the name of the
-- item with the same value (first found in sorted walk order).
function M.items()
  local ember = require "ember"
  local classes = class_tables()
  local class_of = {}
  for _, c in ipairs(classes) do
    if c[2] then class_of[c[2]] = c[1] end
  end
  local items, aliases, first_name = {}, {}, {}
  local function add(name, kind, value, class)
    local key = (type(value) == "function" or type(value) == "table") and value or nil
    if key ~= nil and first_name[key] then
      aliases[name] = first_name[key]
      return false
    end
    if key ~= nil then first_name[key] = name end
    items[#items + 1] = { name = name, kind = kind, value = value, class = class }
    return true
  end
  -- Classes first, so a method table reachable as a field (Sequential_class)
  -- is known as its class and not walked as a module.
  for _, c in ipairs(classes) do
    local methods = c[2]
    if methods then
      first_name[methods] = c[1]
      for _, k in ipairs(sorted_keys(methods)) do
        local v = rawget(methods, k)
        if type(v) == "function" and not k:match("^_") then add(c[1] .. ":" .. k, "method", v, c[1]) end
      end
    end
  end
  local function walk(t, prefix)
    for _, k in ipairs(sorted_keys(t)) do
      local v = rawget(t, k)
      local name = prefix .. "." .. k
      if not k:match("^_") and name ~= "ember.core" then
        if class_of[v] then
          aliases[name] = class_of[v]
        elseif type(v) == "function" then
          add(name, "function", v)
        elseif type(v) == "table" then
          if add(name, "table", v) then walk(v, name) end
        else
          add(name, "value", v)
        end
      end
    end
  end
  first_name[ember] = "ember"
  walk(ember, "ember")
  table.sort(items, function(a, b) return a.name < b.name end)
  return items, aliases
end

-- The declared options of layer type / optimizer kind as rows
-- ({name, type, default, lo, hi, required, doc, choices}).
function M.option_rows(target)
  local core = require "ember.core"
  local what, id = tostring(target):match("^(%a+):([%w_]+)$")
  if what == "layer" then return core.layers.option_rows(id) end
  if what == "optimizer" then return core.train.optimizer_option_rows(id) end
  error(("option_rows: expected 'layer:TYPE' or 'optimizer:KIND', got '%s'"):format(tostring(target)), 2)
end

-- Every option name a constructor accepts, from its own "unknown option"
-- message (calls.check_options: "(valid: a, b, c)"), or nil when it does
-- not check its options that way.  Probing creates nothing: the unknown key
-- is refused before any layer or optimizer is made.
function M.accepted_options(constructor, ...)
  local args = table.pack(...)
  args.n = args.n + 1
  args[args.n] = { __api_probe = true }
  local ok, err = pcall(constructor, table.unpack(args, 1, args.n))
  if ok then return nil end
  local list = tostring(err):match("unknown option '__api_probe' %(valid: ([^)]*)%)")
  if not list then return nil end
  local names = {}
  for n in list:gmatch("[%w_]+") do names[#names + 1] = n end
  return names
end

return M
