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

function M.install(Class)
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
