-- The normalization layers: BatchNormalization (Keras 2.2.4) and
-- LayerNormalization (tf.keras's; Keras 2.2.4 had none).  Their options are
-- declared once in C (engine/layers/norm_layers.h, read by
-- bindings/lua_layers_norm.c); the math, the moving statistics included,
-- is in engine/layers/batch_norm.c and layer_norm.c.
local core = require "ember.core"
local base = require "ember.layers.base"

local M = {}

local maker, options = base.core_constructor, base.declared_options

--- @api ember.layers.BatchNormalization([opts]) -> Layer
--- Normalizes each feature (last axis) with the batch's mean and variance in training, moving ones in inference.
--- Keras 2.2.4's layer: y = (x - mean) / sqrt(var + epsilon) * gamma + beta over every axis but the last
--- (a (batch, time, features) input reduces over batch * time rows). Training uses the batch's statistics
--- (biased variance) and updates moving_mean / moving_variance as Keras 2.2.4's TensorFlow backend does:
--- the variance is first scaled by n / (n - 1 - epsilon), and the moving average is zero-debiased
--- (TF's assign_moving_average(zero_debias = True)), so after the first step the moving statistics are
--- that batch's whatever their initial values. A layer with trainable = false normalizes with the batch's
--- statistics in training but does not update them (as Keras 2.2.4). get_weights order: gamma, beta,
--- moving_mean, moving_variance; the moving statistics are non-trainable weights (summary counts them so).
--- @options layer:BatchNormalization

M.BatchNormalization = base.define("BatchNormalization", {
  options = options("BatchNormalization"),
  make_core = maker(core.layers.BatchNormalization),
})

--- @api ember.layers.LayerNormalization([opts]) -> Layer
--- Normalizes each sample (each timestep of a 3-D input) over its features, then scales by gamma and adds beta.
--- tf.keras's LayerNormalization (Keras 2.2.4 has no such layer): per row, the mean and biased variance of the
--- last axis; the same in training and inference; weights gamma, beta.
--- @options layer:LayerNormalization

M.LayerNormalization = base.define("LayerNormalization", {
  options = options("LayerNormalization"),
  make_core = maker(core.layers.LayerNormalization),
})

return M
