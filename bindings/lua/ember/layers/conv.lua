-- Convolution and pooling layers for sequences ({batch, time, channels},
-- channels last as Keras): Conv1D, MaxPooling1D, AveragePooling1D,
-- GlobalMaxPooling1D, GlobalAveragePooling1D.  Their options are declared
-- once in C (engine/layers/conv1d.c, pooling1d.c); the math is in
-- engine/layers/conv1d.c, pooling1d.c and global_pooling1d.c.
local core = require "ember.core"
local base = require "ember.layers.base"

local conv = {}

local maker, options = base.core_constructor, base.declared_options

conv.Conv1D = base.define("Conv1D", {
  positional = { "filters", "kernel_size" },
  options = options("Conv1D"),
  make_core = maker(core.layers.Conv1D),
})

local pooling_spec = {
  positional = { "pool_size" },
  options = options("MaxPooling1D"),
}

conv.MaxPooling1D = base.define("MaxPooling1D", {
  positional = pooling_spec.positional,
  options = pooling_spec.options,
  make_core = maker(core.layers.MaxPooling1D),
})

conv.AveragePooling1D = base.define("AveragePooling1D", {
  positional = pooling_spec.positional,
  options = pooling_spec.options,
  make_core = maker(core.layers.AveragePooling1D),
})

conv.GlobalMaxPooling1D = base.define("GlobalMaxPooling1D", {
  options = options("GlobalMaxPooling1D"),
  make_core = maker(core.layers.GlobalMaxPooling1D),
})

conv.GlobalAveragePooling1D = base.define("GlobalAveragePooling1D", {
  options = options("GlobalAveragePooling1D"),
  make_core = maker(core.layers.GlobalAveragePooling1D),
})

return conv
