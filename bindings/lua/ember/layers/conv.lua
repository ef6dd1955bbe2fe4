-- Convolution and pooling layers for sequences ({batch, time, channels},
-- channels last as Keras): Conv1D, MaxPooling1D, AveragePooling1D,
-- GlobalMaxPooling1D, GlobalAveragePooling1D.  The C constructors in
-- bindings/lua_layers_conv.c check every option; the math is in
-- engine/layers/conv1d.c, pooling1d.c and global_pooling1d.c.
local core = require "ember.core"
local base = require "ember.layers.base"

local conv = {}

-- The C constructor's errors (luaL_error) carry this file's position;
-- base.define adds the user's own, so drop ours: "file:3: Conv1D: ...".
local function make(constructor, config)
  local ok, layer = pcall(constructor, config)
  if ok then return layer end
  error(require("ember.calls").strip_position(tostring(layer)), 0)
end

conv.Conv1D = base.define("Conv1D", {
  positional = { "filters", "kernel_size" },
  options = { activation = true, padding = true, strides = true, dilation_rate = true, use_bias = true },
  make_core = function(config) return make(core.layers.Conv1D, config) end,
})

local pooling_spec = {
  positional = { "pool_size" },
  options = { strides = true, padding = true },
}

conv.MaxPooling1D = base.define("MaxPooling1D", {
  positional = pooling_spec.positional,
  options = pooling_spec.options,
  make_core = function(config) return make(core.layers.MaxPooling1D, config) end,
})

conv.AveragePooling1D = base.define("AveragePooling1D", {
  positional = pooling_spec.positional,
  options = pooling_spec.options,
  make_core = function(config) return make(core.layers.AveragePooling1D, config) end,
})

conv.GlobalMaxPooling1D = base.define("GlobalMaxPooling1D", {
  make_core = function(config) return make(core.layers.GlobalMaxPooling1D, config) end,
})

conv.GlobalAveragePooling1D = base.define("GlobalAveragePooling1D", {
  make_core = function(config) return make(core.layers.GlobalAveragePooling1D, config) end,
})

return conv
