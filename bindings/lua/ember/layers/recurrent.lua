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

M.SimpleRNN = base.define("SimpleRNN", {
  positional = { "units" },
  options = options("SimpleRNN"),
  make_core = maker(core.layers.SimpleRNN),
})

M.LSTM = base.define("LSTM", {
  positional = { "units" },
  options = options("LSTM"),
  make_core = maker(core.layers.LSTM),
})

M.GRU = base.define("GRU", {
  positional = { "units" },
  options = options("GRU"),
  make_core = maker(core.layers.GRU),
})

-- Bidirectional(layer, {merge_mode = "concat"}): `layer` is the forward
-- copy; the backward copy is made by calling the same constructor with the
-- same config and go_backwards flipped, as Keras does.
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
    local copy = {}
    for k, v in pairs(layer.config) do copy[k] = v end
    copy.go_backwards = not layer.config.go_backwards
    copy.input_shape = nil
    copy.name = "backward_" .. layer.name
    local backward = call_core(M[layer.type], copy)
    local bidirectional = call_core(core.layers.Bidirectional, layer.core, backward.core, { merge_mode = config.merge_mode })
    return bidirectional, { forward = layer, backward = backward }
  end,
  init = function(self, halves)
    self.forward_layer, self.backward_layer = halves.forward, halves.backward
    self.input_shape = self.input_shape or self.forward_layer.input_shape
  end,
})

return M
