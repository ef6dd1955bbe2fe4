-- The merge layers (Keras 2.2.4's keras.layers.merge): Add, Multiply,
-- Average, Concatenate, and their functional shortcuts add, multiply,
-- average, concatenate.  The math is in C (engine/layers/merge.h); a merge
-- layer is called on a LIST of tensors: `layers.Concatenate()({a, b})` on
-- symbolic tensors (the functional API, ember.Model), or
-- `layer:forward({x1, x2})` / `layer:backward(dy) -> {dx1, dx2}` in a
-- hand-written loop.
local core = require "ember.core"
local base = require "ember.layers.base"
local calls = require "ember.calls"

local M = {}

local Merge = setmetatable({}, { __index = base.Layer })
Merge.__index = Merge
Merge.__is_layer = true
Merge.__call = base.Layer.__call  -- the functional API (ember.functional)
Merge.__tostring = base.Layer.__tostring
Merge.multiple_inputs = true  -- called on a list (ember.functional)
M._Merge_class = Merge  -- for help() and the API reference (ember.api_walk)

local merge_core = core.layers

-- Build on a list of input shapes (batch dim included).
function Merge:build(input_shapes)
  if type(input_shapes) ~= "table" or type(input_shapes[1]) ~= "table" then
    error(("%s: build expected a list of input shapes (a merge layer has several inputs), got %s")
      :format(self.name, type(input_shapes)), 2)
  end
  local out = calls.at(2, merge_core.merge_build, self.core, input_shapes)
  self.built = true
  self.output_shape = out
  self.built_input_shape = input_shapes
  return out
end

function Merge:forward(inputs, training)
  if type(inputs) ~= "table" or core.is_tensor(inputs) then
    error(("%s.forward: argument 'inputs' expected a list of tensors, got %s")
      :format(self.name, core.is_tensor(inputs) and "one tensor" or type(inputs)), 2)
  end
  local y = calls.at(2, merge_core.merge_forward, self.core, inputs, training)
  self.built = true
  return y
end

function Merge:backward(dy)
  return calls.at(2, merge_core.merge_backward, self.core, dy)
end

-- Keras's merge layers take no input_shape; they are built on the shapes of
-- what they are called on.
local function define(type_name, options, make)
  return base.define(type_name, {
    options = options,
    class = Merge,
    make_core = function(config)
      if config.input_shape ~= nil or config.batch_input_shape ~= nil then
        error(("%s: a merge layer takes its input shapes from the tensors it is called on (no input_shape)")
          :format(type_name), 0)
      end
      return make(config)
    end,
  })
end

local maker = base.core_constructor

--- @api ember.layers.Add([opts]) -> Layer
--- Adds a list of tensors of one shape (Keras 2.2.4's Add), called as Add()({a, b}).
--- @options layer:Add

M.Add = define("Add", base.declared_options("Add"), function() return maker(core.layers.Add)({}) end)

--- @api ember.layers.Multiply([opts]) -> Layer
--- Multiplies a list of tensors of one shape elementwise (Keras 2.2.4's Multiply).
--- @options layer:Multiply

M.Multiply = define("Multiply", base.declared_options("Multiply"), function() return maker(core.layers.Multiply)({}) end)

--- @api ember.layers.Average([opts]) -> Layer
--- The elementwise mean of a list of tensors of one shape (Keras 2.2.4's Average).
--- @options layer:Average

M.Average = define("Average", base.declared_options("Average"), function() return maker(core.layers.Average)({}) end)

--- @api ember.layers.Concatenate([opts]) -> Layer
--- Joins a list of tensors along an axis (Keras 2.2.4's Concatenate); every other dimension must agree.
--- @options layer:Concatenate

M.Concatenate = define("Concatenate", base.declared_options("Concatenate"), function(config)
  return maker(core.layers.Concatenate)(config)
end)

-- The functional shortcuts: concatenate({a, b}, {axis = -1}) == Concatenate{axis = -1}({a, b}).
local function shortcut(name, ctor)
  return function(inputs, opts)
    if type(inputs) ~= "table" or core.is_tensor(inputs) or getmetatable(inputs) ~= nil then
      error(("%s: argument 'inputs' expected a list of symbolic tensors, got %s")
        :format(name, core.is_tensor(inputs) and "a tensor" or type(inputs)), 2)
    end
    local ok, layer = pcall(ctor, opts or {})
    if not ok then error(calls.strip_position(tostring(layer)), 2) end
    local ok2, out = pcall(layer, inputs)
    if not ok2 then error(calls.strip_position(tostring(out)), 2) end
    return out
  end
end

--- @api ember.layers.add(inputs[, opts]) -> Tensor
--- Keras's add(inputs): Add(opts)(inputs), on a list of symbolic tensors.
--- @arg inputs: a list of symbolic tensors

--- @api ember.layers.multiply(inputs[, opts]) -> Tensor
--- Keras's multiply(inputs): Multiply(opts)(inputs).
--- @arg inputs: a list of symbolic tensors

--- @api ember.layers.average(inputs[, opts]) -> Tensor
--- Keras's average(inputs): Average(opts)(inputs).
--- @arg inputs: a list of symbolic tensors

--- @api ember.layers.concatenate(inputs[, opts]) -> Tensor
--- Keras's concatenate(inputs, axis = -1): Concatenate(opts)(inputs).
--- @arg inputs: a list of symbolic tensors
--- @opt axis = -1: the axis to join along

M.add = shortcut("add", function(o) return M.Add(o) end)
M.multiply = shortcut("multiply", function(o) return M.Multiply(o) end)
M.average = shortcut("average", function(o) return M.Average(o) end)
M.concatenate = shortcut("concatenate", function(o) return M.Concatenate(o) end)

return M
