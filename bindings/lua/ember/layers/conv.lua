-- Convolution and pooling layers for sequences ({batch, time, channels},
-- channels last as Keras): Conv1D, MaxPooling1D, AveragePooling1D,
-- GlobalMaxPooling1D, GlobalAveragePooling1D.  Their options are declared
-- once in C (engine/layers/conv1d.c, pooling1d.c); the math is in
-- engine/layers/conv1d.c, pooling1d.c and global_pooling1d.c.
local core = require "ember.core"
local base = require "ember.layers.base"

local conv = {}

local maker, options = base.core_constructor, base.declared_options

--- @api ember.layers.Conv1D(filters, kernel_size[, opts]) -> Layer
--- 1-D convolution over time: (batch, steps, channels) -> (batch, new_steps, filters).
--- @arg filters: output channels
--- @arg kernel_size: window length
--- @options layer:Conv1D
--- @opt kernel_initializer = "glorot_uniform": a Keras initializer name or ember.initializers.X{...}
--- @opt bias_initializer = "zeros": the bias's initializer
--- @opt kernel_regularizer: ember.regularizers.l1(x), l2(x) or l1_l2{...}: a penalty on the kernel
--- @opt bias_regularizer: a penalty on the bias
--- @opt activity_regularizer: a penalty on the layer's output

conv.Conv1D = base.define("Conv1D", {
  positional = { "filters", "kernel_size" },
  options = options("Conv1D"),
  make_core = maker(core.layers.Conv1D),
})

local pooling_spec = {
  positional = { "pool_size" },
  options = options("MaxPooling1D"),
}

--- @api ember.layers.MaxPooling1D([pool_size][, opts]) -> Layer
--- Maximum over windows of pool_size steps.
--- @arg pool_size = 2: window length
--- @options layer:MaxPooling1D

conv.MaxPooling1D = base.define("MaxPooling1D", {
  positional = pooling_spec.positional,
  options = pooling_spec.options,
  make_core = maker(core.layers.MaxPooling1D),
})

--- @api ember.layers.AveragePooling1D([pool_size][, opts]) -> Layer
--- Mean over windows of pool_size steps.
--- @arg pool_size = 2: window length
--- @options layer:AveragePooling1D

conv.AveragePooling1D = base.define("AveragePooling1D", {
  positional = pooling_spec.positional,
  options = pooling_spec.options,
  make_core = maker(core.layers.AveragePooling1D),
})

--- @api ember.layers.GlobalMaxPooling1D([opts]) -> Layer
--- Maximum over all steps: (batch, steps, channels) -> (batch, channels).
--- @options layer:GlobalMaxPooling1D

conv.GlobalMaxPooling1D = base.define("GlobalMaxPooling1D", {
  options = options("GlobalMaxPooling1D"),
  make_core = maker(core.layers.GlobalMaxPooling1D),
})

--- @api ember.layers.GlobalAveragePooling1D([opts]) -> Layer
--- Mean over all steps: (batch, steps, channels) -> (batch, channels).
--- @options layer:GlobalAveragePooling1D

conv.GlobalAveragePooling1D = base.define("GlobalAveragePooling1D", {
  options = options("GlobalAveragePooling1D"),
  make_core = maker(core.layers.GlobalAveragePooling1D),
})

return conv
