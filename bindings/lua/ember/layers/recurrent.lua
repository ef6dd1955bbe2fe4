-- Recurrent layers: SimpleRNN, LSTM, GRU and the Bidirectional wrapper.
-- The math lives in C (engine/layers/{simple_rnn,lstm,gru,bidirectional}.c);
-- these constructors only collect Keras-style arguments.
local core = require "ember.core"
local base = require "ember.layers.base"

local M = {}

local call_core = function(ctor, ...) return base.core_constructor(ctor)(...) end
local maker = base.core_constructor

-- The options each cell accepts are declared once, in C
-- (engine/layers/recurrent.c); units is positional as in Keras.
local options = base.declared_options

-- The Lua fields base.Layer reads for states (forward, backward,
-- reset_states) and Sequential:add (which refuses return_state).
local function state_fields(self)
  self.stateful = self.config.stateful == true
  self.return_state = self.config.return_state == true
end

--- @api ember.layers.SimpleRNN(units[, opts]) -> Layer
--- Fully connected recurrent layer: h_t = activation(x_t W + h_{t-1} U + b).
--- @arg units: size of the state and output
--- @options layer:SimpleRNN
--- @opt kernel_initializer = "glorot_uniform": a Keras initializer name or ember.initializers.X{...}
--- @opt recurrent_initializer = "orthogonal": the recurrent kernel's initializer
--- @opt bias_initializer = "zeros": the bias's initializer
--- @opt kernel_regularizer: ember.regularizers.l1(x), l2(x) or l1_l2{...}: a penalty on the kernel
--- @opt recurrent_regularizer: a penalty on the recurrent kernel
--- @opt bias_regularizer: a penalty on the bias
--- @opt activity_regularizer: a penalty on the layer's output

M.SimpleRNN = base.define("SimpleRNN", {
  positional = { "units" },
  options = options("SimpleRNN"),
  make_core = maker(core.layers.SimpleRNN),
  init = state_fields,
})

--- @api ember.layers.LSTM(units[, opts]) -> Layer
--- Long short-term memory layer (Keras 2's LSTM, gate order i, f, c, o).
--- @arg units: size of the state and output
--- @options layer:LSTM
--- @opt kernel_initializer = "glorot_uniform": a Keras initializer name or ember.initializers.X{...}
--- @opt recurrent_initializer = "orthogonal": the recurrent kernel's initializer
--- @opt bias_initializer = "zeros": the bias's initializer
--- @opt kernel_regularizer: ember.regularizers.l1(x), l2(x) or l1_l2{...}: a penalty on the kernel
--- @opt recurrent_regularizer: a penalty on the recurrent kernel
--- @opt bias_regularizer: a penalty on the bias
--- @opt activity_regularizer: a penalty on the layer's output

M.LSTM = base.define("LSTM", {
  positional = { "units" },
  options = options("LSTM"),
  make_core = maker(core.layers.LSTM),
  init = state_fields,
})

--- @api ember.layers.GRU(units[, opts]) -> Layer
--- Gated recurrent unit layer (Keras 2's GRU, gate order z, r, h).
--- @arg units: size of the state and output
--- @options layer:GRU
--- @opt kernel_initializer = "glorot_uniform": a Keras initializer name or ember.initializers.X{...}
--- @opt recurrent_initializer = "orthogonal": the recurrent kernel's initializer
--- @opt bias_initializer = "zeros": the bias's initializer
--- @opt kernel_regularizer: ember.regularizers.l1(x), l2(x) or l1_l2{...}: a penalty on the kernel
--- @opt recurrent_regularizer: a penalty on the recurrent kernel
--- @opt bias_regularizer: a penalty on the bias
--- @opt activity_regularizer: a penalty on the layer's output

M.GRU = base.define("GRU", {
  positional = { "units" },
  options = options("GRU"),
  make_core = maker(core.layers.GRU),
  init = state_fields,
})

-- Bidirectional(layer, {merge_mode = "concat"}): `layer` is the forward
-- copy; the backward copy is made by calling the same constructor with the
-- same config and go_backwards flipped, as Keras does.
--- @api ember.layers.Bidirectional(layer[, opts]) -> Layer
--- Runs a recurrent layer forward and a copy backward over the sequence and merges them.
--- @arg layer: a SimpleRNN, LSTM or GRU layer
--- @opt merge_mode = "concat": "concat", "sum", "mul" or "ave"

M.Bidirectional = base.define("Bidirectional", {
  positional = { "layer" },
  options = { merge_mode = true },
  make_core = function(config)
    local layer = config.layer
    if not base.is_layer(layer) or not M[layer.type] or layer.type == "Bidirectional" then
      error(("Bidirectional: argument 'layer' expected a SimpleRNN, LSTM or GRU layer, got %s")
        :format(base.is_layer(layer) and layer.type or type(layer)), 0)
    end
    if config.merge_mode ~= nil and type(config.merge_mode) ~= "string" then
      error(("Bidirectional: option 'merge_mode' expected a string, got %s"):format(type(config.merge_mode)), 0)
    end
    for _, key in ipairs({ "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
      "activity_regularizer" }) do
      if layer.config[key] ~= nil then  -- the model step sees only the wrapper's parameters
        error(("Bidirectional: the wrapped %s has option '%s'; regularizers inside Bidirectional are not "
          .. "supported yet"):format(layer.type, key), 0)
      end
    end
    local copy = {}
    for k, v in pairs(layer.config) do copy[k] = v end
    copy.go_backwards = not layer.config.go_backwards
    copy.input_shape, copy.batch_input_shape, copy.batch_size = nil, nil, nil
    copy.name = "backward_" .. layer.name
    local backward = call_core(M[layer.type], copy)
    local bidirectional = call_core(core.layers.Bidirectional, layer.core, backward.core, { merge_mode = config.merge_mode })
    return bidirectional, { forward = layer, backward = backward }
  end,
  init = function(self, halves)
    self.forward_layer, self.backward_layer = halves.forward, halves.backward
    self.input_shape = self.input_shape or self.forward_layer.input_shape
    local fc = self.forward_layer.config
    self.config.batch_input_shape = self.config.batch_input_shape or fc.batch_input_shape
    self.stateful, self.return_state = fc.stateful == true, fc.return_state == true
  end,
})

return M
