-- Whole models: their Keras config (get_config / to_json / model_from_json,
-- through ember.model_config) and their files (save / load_model).
-- install(Class) adds the methods to a model class (Sequential now; a
-- functional Model the same way).
local calls = require "ember.calls"
local json = require "ember.json"
local config = require "ember.model_config"

local M = {}

local function strip(err) return calls.strip_position(tostring(err)) end

--- @api ember.models.model_from_config(config) -> Sequential
--- Builds a model from a Keras 2 config table {class_name = "Sequential", config = {...}}.
--- The table is what ember.json.decode gives for Keras's model.to_json() (or model:get_config()
--- wrapped as {class_name = ..., config = ...}). Fields Ember cannot honour raise an error naming the layer
--- and the field; nothing half-built is returned.
--- @arg config: a table {class_name = ..., config = ...}
function M.model_from_config(spec)
  local ok, model = pcall(config.model_from_config, spec, "model_from_config")
  if not ok then error(strip(model), 2) end
  return model
end

--- @api ember.model_from_json(text) -> Sequential
--- Builds a model from Keras 2 JSON (model.to_json() of Keras 2.0-2.2.4, or Ember's model:to_json()).
--- The layers get new weights (drawn from their initializers); load them with load_weights.
--- Errors name the layer and the field ("model_from_json: layer 'conv2d_1': unknown layer class 'Conv2D'").
--- @arg text: the JSON text
--- @alias ember.models.model_from_json
function M.model_from_json(text)
  if type(text) ~= "string" then
    error(("model_from_json: argument 'text' expected a string, got %s"):format(type(text)), 2)
  end
  local ok, spec = pcall(json.decode, text, "model_from_json")
  if not ok then error(strip(spec), 2) end
  if not json.is_object(spec) then
    error("model_from_json: expected a JSON object {\"class_name\": ..., \"config\": ...}", 2)
  end
  local ok2, model = pcall(config.model_from_config, spec, "model_from_json")
  if not ok2 then error(strip(model), 2) end
  return model
end

-- ---- whole-model files ----
--
-- An .npz (numpy's zip of .npy members, written atomically by ember.save:
-- temp file, fsync, rename, fsync of the folder) holding Keras's pieces
-- under Keras's names:
--   model_config                   the to_json text, UTF-8 bytes as int32
--   training_config                {"optimizer_config": {class_name, config},
--                                   "loss": ..., "metrics": [...],
--                                   "sample_weight_mode": null, "loss_weights": null}
--                                   as Keras's model.save writes it; plus
--                                   "ember_optimizer_state": {"iterations": n,
--                                   "slots": k} for the arrays below
--   model_weights/<layer>/<weight> every weight, as save_weights names them
--   optimizer_weights/1/<i>, optimizer_weights/2/<i>
--                                  the optimizer's per-parameter state (SGD
--                                  velocity, RMSprop accumulator, Adam m, v)
-- numpy reads every member; bytes(a.astype("u1")).decode() gives the JSON.

local MAGIC_MEMBER = "model_config"

local function bytes_tensor(s)
  local codes = {}
  for i = 1, #s, 4096 do
    local chunk = { s:byte(i, math.min(i + 4095, #s)) }
    for j = 1, #chunk do codes[i + j - 1] = chunk[j] end
  end
  if #codes == 0 then codes[1] = 32 end  -- an empty member would have shape {0}; a space parses the same
  return require("ember").tensor(codes, { dtype = "int32" })
end

local function tensor_bytes(t, path, member)
  if t.dtype ~= "int32" or #t.shape ~= 1 then
    error(("load_model: %s: member '%s' is not a byte string (int32, 1-D)"):format(path, member), 0)
  end
  local codes = t:totable()
  local parts = {}
  for i = 1, #codes, 4096 do
    local chunk = { table.unpack(codes, i, math.min(i + 4095, #codes)) }
    for j, c in ipairs(chunk) do
      if math.type(c) ~= "integer" or c < 0 or c > 255 then
        error(("load_model: %s: member '%s' holds %s, not a byte"):format(path, member, tostring(c)), 0)
      end
      chunk[j] = c
    end
    parts[#parts + 1] = string.char(table.unpack(chunk))
  end
  return table.concat(parts)
end

-- Keras's training_config for the compiled model (nil when not compiled).
local function training_config(model)
  if not model.compiled then return nil end
  if type(model.loss) ~= "string" then
    error("save: the model's loss is a Lua function, which cannot be saved; save_weights and to_json save the rest", 0)
  end
  local metrics = json.array()
  for _, m in ipairs(model.metrics or {}) do
    if m.fn then
      error(("save: metric '%s' is a Lua function, which cannot be saved; save_weights and to_json save the rest")
        :format(m.key), 0)
    end
    metrics[#metrics + 1] = m.given
  end
  local opt = model.optimizer
  local oc = json.object({}, { "lr" })
  for k, v in pairs(opt:get_config()) do
    oc[k] = (type(v) == "number" and math.type(v) == "integer" and k ~= "nesterov") and v + 0.0 or v
  end
  local _, s1 = opt.core:get_state()
  return json.object({
    optimizer_config = json.object({ class_name = opt.class, config = oc }, { "class_name", "config" }),
    loss = model.loss, metrics = metrics, sample_weight_mode = json.null, loss_weights = json.null,
    ember_optimizer_state = json.object({ iterations = opt.core:iterations(), slots = #s1 }, { "iterations", "slots" }),
  }, { "optimizer_config", "loss", "metrics", "sample_weight_mode", "loss_weights" })
end

local function save_model(model, path)
  local ember = require "ember"
  if not model.built then error("save: the model is not built yet (nothing to save but its config)", 0) end
  local members = { [MAGIC_MEMBER] = bytes_tensor(config.to_json(model, "save")) }
  local tc = training_config(model)
  if tc then
    members.training_config = bytes_tensor(json.encode(tc, "save"))
    local _, s1, s2 = model.optimizer.core:get_state()
    for i, t in ipairs(s1) do members[("optimizer_weights/1/%d"):format(i)] = t end
    for i, t in ipairs(s2) do members[("optimizer_weights/2/%d"):format(i)] = t end
  end
  for _, layer in ipairs(model.layers) do
    local params, _, names = layer:params()
    for j, p in ipairs(params) do members[("model_weights/%s/%s"):format(layer.name, names[j])] = p end
  end
  ember.save(path, members)
end

-- Everything read and checked before the model is handed out.
local function load_model(path)
  local ember = require "ember"
  local ok, data = pcall(ember.load, path)
  if not ok then error("load_model: " .. strip(data):gsub("^load: ", ""), 0) end
  if type(data) ~= "table" or data[MAGIC_MEMBER] == nil then
    error(("load_model: %s is not a saved model (no '%s' member; a weights file is read by load_weights)")
      :format(path, MAGIC_MEMBER), 0)
  end
  local text = tensor_bytes(data[MAGIC_MEMBER], path, MAGIC_MEMBER)
  local okj, spec = pcall(json.decode, text, "load_model: " .. path .. ": model_config")
  if not okj then error(strip(spec), 0) end
  local okm, model = pcall(config.model_from_config, spec, "load_model: " .. path)
  if not okm then error(strip(model), 0) end
  if not model.built then error(("load_model: %s: the saved model has no input shape, so it cannot be built"):format(path), 0) end
  -- weights: every one present with its shape, and nothing else
  local dsts, srcs, wanted = {}, {}, {}
  for _, layer in ipairs(model.layers) do
    local params, _, names = layer:params()
    for j, p in ipairs(params) do
      local key = ("model_weights/%s/%s"):format(layer.name, names[j])
      local w = data[key]
      if w == nil then error(("load_model: %s has no weight '%s'"):format(path, key), 0) end
      if table.concat(w.shape, ",") ~= table.concat(p.shape, ",") then
        error(("load_model: %s: weight '%s' has shape {%s}; the layer expects {%s}"):format(path, key,
          table.concat(w.shape, ","), table.concat(p.shape, ",")), 0)
      end
      dsts[#dsts + 1], srcs[#srcs + 1] = p, w:float()
      wanted[key] = true
    end
  end
  for key in pairs(data) do
    if key:find("^model_weights/") and not wanted[key] then
      error(("load_model: %s holds '%s', which the model has no weight for"):format(path, key), 0)
    end
  end
  ember.core.copy_all(dsts, srcs)
  if data.training_config then
    local tc_text = tensor_bytes(data.training_config, path, "training_config")
    local okt, tc = pcall(json.decode, tc_text, "load_model: " .. path .. ": training_config")
    if not okt then error(strip(tc), 0) end
    local where = ("load_model: %s: training_config"):format(path)
    if not json.is_object(tc) or not json.is_object(tc.optimizer_config) then error(where .. ": no optimizer_config", 0) end
    local oc = tc.optimizer_config
    local make = ({ SGD = true, RMSprop = true, Adam = true })[oc.class_name] and ember.optimizers[oc.class_name]
    if not make then error(("%s: unknown optimizer class '%s' (SGD, RMSprop, Adam)"):format(where, tostring(oc.class_name)), 0) end
    local opts = {}
    for k, v in pairs(oc.config or {}) do opts[k] = v end
    local oko, opt = pcall(make, opts)
    if not oko then error(where .. ": " .. strip(opt), 0) end
    local metrics = {}
    for i, m in ipairs(tc.metrics or {}) do metrics[i] = m end
    local okc, err = pcall(model.compile, model, { optimizer = opt, loss = tc.loss, metrics = metrics })
    if not okc then error(where .. ": " .. strip(err), 0) end
    local st = tc.ember_optimizer_state
    if json.is_object(st) then
      local s1, s2 = {}, {}
      for i = 1, st.slots or 0 do
        s1[i] = data[("optimizer_weights/1/%d"):format(i)]
        if not s1[i] then error(("%s: optimizer_weights/1/%d is missing"):format(where, i), 0) end
        s2[i] = data[("optimizer_weights/2/%d"):format(i)]
        if s2[i] == nil and opt.kind ~= "adam" then s2[i] = nil end
      end
      if opt.kind ~= "adam" then s2 = {} end
      local oks, serr = pcall(opt.core.set_state, opt.core, st.iterations or 0, s1, s2)
      if not oks then error(where .. ": " .. strip(serr), 0) end
    end
  end
  return model
end

--- @api ember.load_model(path) -> Sequential
--- Loads a model saved by model:save: its architecture, weights, compile settings and optimizer state.
--- The model is compiled as it was (optimizer class and config, loss, metrics) and its optimizer
--- resumes where it stopped (iterations, accumulators), so fit continues the training exactly.
--- Errors (a missing or damaged file, an unknown layer, a weight of the wrong shape) name the file;
--- nothing half-built is returned.
--- @arg path: the file written by model:save
--- @alias ember.models.load_model
function M.load_model(path)
  if type(path) ~= "string" then error(("load_model: argument 'path' expected a string, got %s"):format(type(path)), 2) end
  if path:find("\0", 1, true) then error("load_model: argument 'path' contains a NUL byte", 2) end
  if require("ember.weights_h5").is_h5_path(path) then
    error("load_model: whole-model .h5 files are not read yet; save and load models as .npz (load_weights reads Keras .h5 weights)", 2)
  end
  local ok, model = pcall(load_model, path)
  if not ok then error(strip(model), 2) end
  return model
end

function M.install(Class)
  --- @api Sequential:save(path)
  --- Saves the whole model in one file, atomically: architecture (Keras JSON), weights, compile settings, optimizer state.
  --- The file is an .npz (temp file, fsync, rename): members model_config and training_config
  --- (Keras's JSON as bytes), model_weights/<layer>/<weight>, optimizer_weights/...; ember.load_model
  --- reads it back and training resumes exactly.  A model compiled with a Lua loss or metric is refused.
  --- @arg path: the file to write (replaced if it exists); .h5 is refused for now
  function Class:save(path)
    if type(path) ~= "string" then error(("save: argument 'path' expected a string, got %s"):format(type(path)), 2) end
    if path:find("\0", 1, true) then error("save: argument 'path' contains a NUL byte", 2) end
    if require("ember.weights_h5").is_h5_path(path) then
      error("save: whole-model .h5 files are not written yet; use an .npz path (save_weights writes Keras .h5 weights)", 2)
    end
    require("ember.weights_io").write_on_rank0("save", path, function() save_model(self, path) end)
  end

  --- @api Sequential:get_config() -> table
  --- The model's Keras 2.2.4 config ({name = ..., layers = {{class_name = ..., config = {...}}, ...}}).
  --- Field names, defaults and serialized initializers/regularizers are Keras's, so
  --- ember.json.encode of it is what Keras's json.dumps(model.get_config()) gives.
  function Class:get_config()
    local ok, c = pcall(config.get_config, self, "get_config")
    if not ok then error(strip(c), 2) end
    return c
  end

  --- @api Sequential:to_json() -> string
  --- The model's architecture as Keras 2.2.4's model.to_json() writes it (no weights).
  --- {"class_name": "Sequential", "config": ..., "keras_version": "2.2.4", "backend": "tensorflow"}: Keras's
  --- model_from_json reads it, and so does ember.model_from_json.
  function Class:to_json()
    local ok, s = pcall(config.to_json, self, "to_json")
    if not ok then error(strip(s), 2) end
    return s
  end
end

return M
