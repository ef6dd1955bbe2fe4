-- save_weights / load_weights for .h5 / .hdf5 paths: Keras 2's HDF5 weights
-- layout, read and written by engine/io/h5.c (core.h5_save / core.h5_load),
-- matched to the model as Keras 2.2.4's keras/engine/saving.py does:
--
--   load_weights_from_hdf5_group: the file's layers whose weight_names are
--     not empty, in file order, against the model's layers that have
--     weights, in model order; the counts must agree.
--   load_weights_from_hdf5_group_by_name (by_name = true): each layer named
--     in the file loads into the model's layers of that name; model layers
--     the file does not name keep their weights.
--
-- Within a layer the weights are matched by position (as Keras: the names
-- in weight_names only locate the datasets).  Ember stores every weight in
-- Keras's own layout (Dense kernel {in, out}; Conv1D kernel {size, in,
-- out}; LSTM gates i, f, c, o; GRU z, r, h with a {3u} bias, or {2, 3u}
-- with reset_after; Bidirectional forward then backward), so nothing is
-- converted, except the one conversion Keras 2.2 itself makes for these
-- layers: a Conv1D kernel saved by the Theano backend (convolution, not
-- correlation) is flipped along its kernel axis.  Keras 1 files (no
-- keras_version) and CuDNNLSTM/CuDNNGRU weights are refused by shape or
-- by name rather than converted.
--
-- Every weight is checked (count, shape) before any changes, and all are
-- copied in one C call (core.copy_all): an error leaves the model as it was.
local core = require "ember.core"
local calls = require "ember.calls"

local M = {}

-- What the files Ember writes claim to be: Ember's kernels are
-- correlations as TensorFlow's, so a Keras on any backend converts them
-- right (see _need_convert_kernel in Keras 2.2).
M.BACKEND, M.KERAS_VERSION = "tensorflow", "2.2.4"

function M.is_h5_path(path)
  local ext = path:match("%.(%w+)$")
  ext = ext and ext:lower()
  return ext == "h5" or ext == "hdf5"
end

local function shape_str(shape) return "{" .. table.concat(shape, ",") .. "}" end

-- Keras 2.2's variable names: "<layer>/<weight>:0", and for Bidirectional
-- "<bidirectional>/forward_<inner>/<weight>:0" then
-- "<bidirectional>/backward_<inner>/<weight>:0" (its build runs each half in
-- K.name_scope of the half's name).
local function keras_names(layer, names)
  local out = {}
  if layer.type == "Bidirectional" then
    local half = #names // 2
    for j, n in ipairs(names) do
      local inner = j <= half and ("forward_" .. layer.forward_layer.name) or layer.backward_layer.name
      out[j] = ("%s/%s/%s:0"):format(layer.name, inner, n)
    end
  else
    for j, n in ipairs(names) do out[j] = ("%s/%s:0"):format(layer.name, n) end
  end
  return out
end

-- Every layer of the model (Keras's model.layers: those without weights
-- too, with an empty weight_names), in order.
function M.save(model, path)
  local layers = {}
  for _, layer in ipairs(model.layers) do
    local params, _, names = layer:params()
    layers[#layers + 1] = { name = layer.name, weight_names = keras_names(layer, names), weights = params }
  end
  calls.at(2, core.h5_save, path, layers, M.BACKEND, M.KERAS_VERSION)
end

local OPTIONS = { "by_name", "skip_mismatch" }

local function check_opts(opts)
  opts = calls.check_options("load_weights", opts, OPTIONS, 3)  -- errors at the user's line
  for _, k in ipairs(OPTIONS) do
    if opts[k] ~= nil and type(opts[k]) ~= "boolean" then
      error(("load_weights: option '%s' expected a boolean, got %s"):format(k, type(opts[k])), 3)
    end
  end
  if opts.skip_mismatch and not opts.by_name then
    error("load_weights: option 'skip_mismatch' can only be true when by_name is true (as in Keras)", 3)
  end
  return opts
end

-- Why a shape differs, when the cause is a known Keras variant.
local function hint(layer, file_shape)
  if layer.type == "GRU" or (layer.type == "Bidirectional" and layer.forward_layer.type == "GRU") then
    return " (a GRU's bias is {3*units} with reset_after = false, Keras 2.2's default, and {2, 3*units} "
      .. "with reset_after = true)"
  end
  if (layer.type == "LSTM" or layer.type == "Bidirectional") and #file_shape == 1 then
    return " (CuDNNLSTM weights, bias {8*units}, are not converted)"
  end
  return ""
end

-- The file layer's values for `layer`, after Keras 2.2's conversions for
-- these layer types; raises (level 0) on a count or shape mismatch, or
-- returns nil, reason under skip_mismatch.
local function values_for(layer, params, names, flayer, file, path, k, skip)
  local values = {}
  for j, t in ipairs(flayer.weights) do values[j] = t end
  if #values ~= #params then
    local msg = ("load_weights: layer #%d (named \"%s\" in the model) was found to correspond to group '%s' in %s, "
      .. "which has %d weight(s); %s expects %d"):format(k, layer.name, flayer.name, path, #values, layer.name, #params)
    if skip then return nil, msg end
    error(msg, 0)
  end
  -- _need_convert_kernel: Theano convolves, TensorFlow/CNTK (and Ember) correlate.
  if file.backend == "theano" and layer.type == "Conv1D" and values[1] and #values[1].shape == 3 then
    values[1] = values[1]:flip(1)
  end
  local ok = {}
  for j, p in ipairs(params) do
    local v = values[j]
    if shape_str(v.shape) ~= shape_str(p.shape) then
      local msg = ("load_weights: weight '%s' of group '%s' in %s has shape %s but %s/%s (%s) expects %s%s")
        :format(flayer.weight_names[j], flayer.name, path, shape_str(v.shape), layer.name, names[j], layer.type,
          shape_str(p.shape), hint(layer, v.shape))
      if not skip then error(msg, 0) end
      io.stderr:write("Warning: ", msg, "; skipped\n")
    else
      ok[#ok + 1] = { p, v }
    end
  end
  return ok
end

local function with_weights(list)
  local out = {}
  for _, e in ipairs(list) do if #e.weights > 0 then out[#out + 1] = e end end
  return out
end

-- The (destination, source) pairs to copy, every check done.
local function plan(model, path, file, opts)
  if not file.keras_version then
    error(("load_weights: %s has no attribute 'keras_version': a Keras 1 file, whose weight layouts differ; "
      .. "only Keras 2 files are read"):format(path), 0)
  end
  local pairs_out = {}
  local function add(list) for _, pv in ipairs(list) do pairs_out[#pairs_out + 1] = pv end end
  local model_layers = {}
  for _, layer in ipairs(model.layers) do
    local params, _, names = layer:params()
    model_layers[#model_layers + 1] = { layer = layer, params = params, names = names, weights = params }
  end
  if opts.by_name then
    local index = {}
    for _, e in ipairs(model_layers) do
      index[e.layer.name] = index[e.layer.name] or {}
      table.insert(index[e.layer.name], e)
    end
    for k, flayer in ipairs(file.layers) do
      for _, e in ipairs(index[flayer.name] or {}) do
        local ok, why = values_for(e.layer, e.params, e.names, flayer, file, path, k - 1, opts.skip_mismatch)
        if ok then add(ok) else io.stderr:write("Warning: ", why, "; skipped\n") end
      end
    end
    return pairs_out
  end
  local mlayers, flayers = with_weights(model_layers), with_weights(file.layers)
  if #flayers ~= #mlayers then
    error(("load_weights: %s holds weights for %d layer(s) but the model has %d layer(s) with weights "
      .. "(matched in order, as Keras; by_name = true matches them by name)"):format(path, #flayers, #mlayers), 0)
  end
  for k, e in ipairs(mlayers) do add(values_for(e.layer, e.params, e.names, flayers[k], file, path, k - 1, false)) end
  return pairs_out
end

function M.load(model, path, opts)
  local checked = check_opts(opts)
  local file = calls.at(2, core.h5_load, path)
  local ok2, todo = pcall(plan, model, path, file, checked)
  if not ok2 then error(todo, 2) end
  -- All values ready and checked; one C call copies them all.
  local dsts, srcs = {}, {}
  for i, pv in ipairs(todo) do dsts[i], srcs[i] = pv[1], pv[2] end
  core.copy_all(dsts, srcs)
end

return M
