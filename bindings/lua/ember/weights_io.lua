-- save_weights / load_weights for Sequential: one .npz holding every
-- weight under "<layer name>/<weight name>" ("dense_1/kernel").
--
-- Saving is atomic: the file is written next to the target under a
-- temporary name and renamed over it, so a crash mid-save never leaves a
-- truncated file.  Loading checks every name and shape before any weight
-- changes, and names the first mismatch.
--
-- Names are matched exactly when the file holds every layer of the model.
-- Otherwise (the same architecture built in another session, so auto names
-- differ: dense_3 instead of dense_1) the file's layers of each type are
-- matched to the model's layers of that type in order of their number, as
-- Keras's load_weights matches layers by order.
--
-- A path ending in .h5 or .hdf5 is a Keras 2 HDF5 weights file instead
-- (ember.weights_h5, engine/io/h5.c): Keras's own layout and matching rules.
local core = require "ember.core"
local calls = require "ember.calls"
local h5 = require "ember.weights_h5"

local M = {}

local function shape_str(shape) return "{" .. table.concat(shape, ",") .. "}" end

local function ember_io(fn)
  local ember = require "ember"
  if type(ember[fn]) ~= "function" then
    error(("%s_weights: ember.%s is not available in this build"):format(fn == "save" and "save" or "load", fn), 3)
  end
  return ember[fn]
end

-- Per-layer weight lists of the model: { {layer=, params=, names=} ... } for layers with weights.
local function weight_layers(model)
  local out = {}
  for _, layer in ipairs(model.layers) do
    local params, _, names = layer:params()
    if #params > 0 then out[#out + 1] = { layer = layer, params = params, names = names } end
  end
  return out
end

-- "dense_12" -> "dense", 12
local function split_name(name)
  local prefix, num = name:match("^(.-)_(%d+)$")
  if prefix then return prefix, tonumber(num) end
  return name, 0
end

-- file layer name for each model entry, by exact name or by type order.
local function match_layers(entries, data, path)
  local file_layers = {}
  for key in pairs(data) do
    local lname = key:match("^(.*)/[^/]+$")
    if not lname then error(("load_weights: %s holds '%s', which is not a '<layer>/<weight>' name"):format(path, key), 0) end
    file_layers[lname] = true
  end
  local exact = true
  for _, e in ipairs(entries) do if not file_layers[e.layer.name] then exact = false end end
  local mapping = {}
  if exact then
    for i, e in ipairs(entries) do mapping[i] = e.layer.name end
    return mapping, file_layers
  end
  local by_prefix = {}
  for lname in pairs(file_layers) do
    local prefix, num = split_name(lname)
    by_prefix[prefix] = by_prefix[prefix] or {}
    table.insert(by_prefix[prefix], { name = lname, num = num })
  end
  for _, list in pairs(by_prefix) do table.sort(list, function(a, b) return a.num < b.num end) end
  local used = {}
  for i, e in ipairs(entries) do
    local prefix = split_name(e.layer.name)
    used[prefix] = (used[prefix] or 0) + 1
    local cand = by_prefix[prefix] and by_prefix[prefix][used[prefix]]
    if not cand then
      error(("load_weights: %s has no weights for layer %s (%s): it holds %d layer(s) of that kind")
        :format(path, e.layer.name, e.layer.type, by_prefix[prefix] and #by_prefix[prefix] or 0), 0)
    end
    mapping[i] = cand.name
  end
  return mapping, file_layers
end

-- Every weight the model needs is in the file with the model's shape, and
-- the file holds nothing else; raises (level 0) naming the first mismatch.
local function check_file_matches(entries, mapping, file_layers, data, path)
  local claimed = {}
  for i, e in ipairs(entries) do
    local fname = mapping[i]
    claimed[fname] = true
    for j, p in ipairs(e.params) do
      local key = fname .. "/" .. e.names[j]
      local w = data[key]
      if w == nil then
        error(("load_weights: %s has no weight '%s' (for %s/%s)"):format(path, key, e.layer.name, e.names[j]), 0)
      end
      if shape_str(w.shape) ~= shape_str(p.shape) then
        error(("load_weights: weight '%s' has shape %s in %s but %s/%s expects %s")
          :format(key, shape_str(w.shape), path, e.layer.name, e.names[j], shape_str(p.shape)), 0)
      end
    end
  end
  for lname in pairs(file_layers) do
    if not claimed[lname] then
      error(("load_weights: %s holds weights for layer '%s', which this model does not have"):format(path, lname), 0)
    end
  end
  for key in pairs(data) do
    local lname, wname = key:match("^(.*)/([^/]+)$")
    local known = false
    for i, e in ipairs(entries) do
      if mapping[i] == lname then for _, n in ipairs(e.names) do if n == wname then known = true end end end
    end
    if not known then
      error(("load_weights: %s holds '%s', which the model's layer has no weight for"):format(path, key), 0)
    end
  end
end

-- The arguments of save_weights / load_weights (errors at their caller).
local function check_target(model, who, path)
  if type(path) ~= "string" then
    error(("%s: argument 'path' expected a string, got %s"):format(who, type(path)), 3)
  end
  local nul = path:find("\0", 1, true)
  if nul then
    error(("%s: argument 'path' contains a NUL byte (at byte %d); a path cannot"):format(who, nul), 3)
  end
  if not model.built then error(who .. ": the model is not built yet", 3) end
end

-- Runs write() (which writes path) on rank 0 only when the model is
-- trained over MPI ranks (they hold the same weights), and tells every rank
-- whether it worked, so they fail or go on together and the file is
-- complete before any rank returns.  Errors are raised as "<who>: ..." at
-- the user's line (level 3: the caller of the method that called this).
function M.write_on_rank0(who, path, write)
  local dist = core.dist
  local ok, err = true, nil
  if dist.rank() == 0 then ok, err = pcall(write) end
  if dist.size() > 1 then
    local failed = dist._reduce_numbers({ ok and 0 or 1 }, "max")[1]
    if failed > 0 and ok then error(("%s: rank 0 could not write %s (see its error)"):format(who, path), 3) end
  end
  if not ok then
    err = calls.strip_position(tostring(err))
    error(err:find("^" .. who .. ": ") and err or who .. ": " .. err, 3)
  end
end

function M.install(Sequential)
  --- @api Sequential:save_weights(path)
  --- Saves every layer's weights to path, atomically (temp file, fsync, rename).
  --- A path ending in .h5 or .hdf5 gets Keras 2's HDF5 layout (as Keras's
  --- model.save_weights: layer_names, backend, keras_version, a group per layer
  --- with weight_names, datasets "<layer>/<layer>/kernel:0"), readable by Keras
  --- and h5py; any other path gets numpy's .npz ("<layer>/<weight>" members).
  --- @arg path: the file to write (replaced if it exists)
  function Sequential:save_weights(path)
    check_target(self, "save_weights", path)
    local function write()
      if h5.is_h5_path(path) then return h5.save(self, path) end
      local tbl = {}
      for _, e in ipairs(weight_layers(self)) do
        for j, p in ipairs(e.params) do tbl[e.layer.name .. "/" .. e.names[j]] = p end
      end
      -- ember.save writes atomically and durably (engine/io/file_util.h):
      -- a temp file beside the target, fsync, rename, fsync of the folder.
      ember_io("save")(path, tbl)
    end
    M.write_on_rank0("save_weights", path, write)
  end

  --- @api Sequential:load_weights(path[, opts])
  --- Loads weights saved by save_weights (.npz) or by Keras (.h5/.hdf5).
  --- Every name and shape is checked before any weight changes: on an error
  --- the model keeps all its old weights.  An .h5 file is matched as Keras 2.2's
  --- load_weights does: by order of the layers that have weights, or by name.
  --- @arg path: the file to read; .h5/.hdf5 is read as HDF5, anything else as .npz
  --- @opt by_name = false: (.h5 only) match layers by name; layers absent from the file are left as they are
  --- @opt skip_mismatch = false: (.h5 with by_name only) skip a layer whose weight count, or a weight whose shape, differs, with a warning, instead of an error
  function Sequential:load_weights(path, opts)
    check_target(self, "load_weights", path)
    if h5.is_h5_path(path) then return h5.load(self, path, opts) end
    if opts ~= nil then
      error(("load_weights: argument 'opts' applies to .h5/.hdf5 files (by_name, skip_mismatch); %s is read as .npz")
        :format(path), 2)
    end
    local load = ember_io("load")
    local ok, data = pcall(load, path)
    if not ok then error("load_weights: " .. calls.strip_position(tostring(data)), 2) end
    if type(data) ~= "table" then
      error(("load_weights: %s holds a single array, not a set of named weights (.npz)"):format(path), 2)
    end
    local entries = weight_layers(self)
    local ok2, mapping, file_layers = pcall(match_layers, entries, data, path)
    if not ok2 then error(calls.strip_position(mapping), 2) end
    local ok3, err = pcall(check_file_matches, entries, mapping, file_layers, data, path)
    if not ok3 then error(calls.strip_position(err), 2) end  -- everything is checked before any weight changes
    -- All new values ready first, then every copy in one C call: an
    -- interrupt (Ctrl-C) leaves the weights all old or all new.
    local dsts, srcs = {}, {}
    for i, e in ipairs(entries) do
      for j, p in ipairs(e.params) do
        dsts[#dsts + 1] = p
        srcs[#srcs + 1] = data[mapping[i] .. "/" .. e.names[j]]:float()
      end
    end
    core.copy_all(dsts, srcs)
  end
end

return M
