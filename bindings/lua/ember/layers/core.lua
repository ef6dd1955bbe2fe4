-- The core Keras layers: Dense, Embedding, Flatten, Dropout, Activation.
-- Arguments are checked in C (bindings/lua_layers_core.c); here we only map
-- Keras's shape shortcuts (Dense's input_dim, Embedding's input_length) to
-- `layer.input_shape`, which Sequential reads from its first layer.
local core = require "ember.core"
local base = require "ember.layers.base"

local M = {}

-- The C constructor called through pcall, so its message carries no Lua
-- position of this file (base.define adds the caller's position).
local function maker(ctor)
  return function(config)
    local ok, result = pcall(ctor, config)
    if not ok then error(result, 0) end
    return result
  end
end

M.Dense = base.define("Dense", {
  positional = { "units" },
  options = { activation = true, use_bias = true, input_dim = true },
  make_core = maker(core.layers.Dense),
  init = function(layer)
    local c = layer.config
    if c.input_dim ~= nil and layer.input_shape == nil then
      if math.type(c.input_dim) ~= "integer" or c.input_dim < 1 then
        error(("Dense: option 'input_dim' expected a positive integer, got %s"):format(tostring(c.input_dim)), 0)
      end
      layer.input_shape = { c.input_dim }
    end
  end,
})

M.Embedding = base.define("Embedding", {
  positional = { "input_dim", "output_dim" },
  options = { input_length = true, mask_zero = true },
  make_core = maker(core.layers.Embedding),
  init = function(layer)
    -- Keras: an Embedding can always start a model; its input is
    -- (batch, input_length), the length unknown (None) when not given.
    if layer.input_shape == nil then layer.input_shape = { layer.config.input_length or core.None } end
  end,
})

M.Flatten = base.define("Flatten", {
  make_core = maker(core.layers.Flatten),
})

M.Dropout = base.define("Dropout", {
  positional = { "rate" },
  make_core = maker(core.layers.Dropout),
})

M.Activation = base.define("Activation", {
  positional = { "activation" },
  make_core = maker(core.layers.Activation),
})

return M
