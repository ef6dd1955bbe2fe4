-- The core Keras layers: Dense, Embedding, Flatten, Dropout, Activation.
-- Their options are declared once in C (engine/layers/core_layers.h, read by
-- bindings/lua_layers_core.c); here we only map
-- Keras's shape shortcuts (Dense's input_dim, Embedding's input_length) to
-- `layer.input_shape`, which Sequential reads from its first layer.
local core = require "ember.core"
local base = require "ember.layers.base"

local M = {}

local maker, options = base.core_constructor, base.declared_options

--- @api ember.layers.Dense(units[, opts]) -> Layer
--- Densely connected layer: activation(x * kernel + bias).
--- @arg units: output size
--- @opt input_dim: Keras's shortcut for input_shape = {input_dim}
--- @options layer:Dense
--- @opt kernel_initializer = "glorot_uniform": a Keras initializer name or ember.initializers.X{...}
--- @opt bias_initializer = "zeros": the bias's initializer
--- @opt kernel_regularizer: ember.regularizers.l1(x), l2(x) or l1_l2{...}: a penalty on the kernel
--- @opt bias_regularizer: a penalty on the bias
--- @opt activity_regularizer: a penalty on the layer's output

M.Dense = base.define("Dense", {
  positional = { "units" },
  options = options("Dense", { "input_dim" }),  -- input_dim: Keras's shortcut for input_shape, read here
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

--- @api ember.layers.Embedding(input_dim, output_dim[, opts]) -> Layer
--- Turns integer indices (batch, length) into dense vectors (batch, length, output_dim).
--- @arg input_dim: vocabulary size
--- @arg output_dim: vector size
--- @options layer:Embedding
--- @opt embeddings_initializer = "random_uniform": a Keras initializer name or ember.initializers.X{...}
--- @opt embeddings_regularizer: ember.regularizers.l1(x), l2(x) or l1_l2{...}: a penalty on the embeddings
--- @opt activity_regularizer: a penalty on the layer's output

M.Embedding = base.define("Embedding", {
  positional = { "input_dim", "output_dim" },
  options = options("Embedding"),
  make_core = maker(core.layers.Embedding),
  init = function(layer)
    -- Keras: an Embedding can always start a model; its input is
    -- (batch, input_length), the length unknown (None) when not given.
    if layer.input_shape == nil then layer.input_shape = { layer.config.input_length or core.None } end
  end,
})

--- @api ember.layers.Flatten([opts]) -> Layer
--- Flattens each sample to one dimension.
--- @options layer:Flatten

M.Flatten = base.define("Flatten", {
  options = options("Flatten"),
  make_core = maker(core.layers.Flatten),
})

--- @api ember.layers.Dropout(rate[, opts]) -> Layer
--- Sets a fraction rate of the inputs to 0 during training (scaled by 1 / (1 - rate)).
--- @arg rate: fraction dropped
--- @options layer:Dropout

M.Dropout = base.define("Dropout", {
  positional = { "rate" },
  options = options("Dropout"),
  make_core = maker(core.layers.Dropout),
})

--- @api ember.layers.Activation(activation[, opts]) -> Layer
--- Applies an activation function ("relu", "sigmoid", "softmax", ...).
--- @arg activation: the activation's name
--- @options layer:Activation

M.Activation = base.define("Activation", {
  positional = { "activation" },
  options = options("Activation"),
  make_core = maker(core.layers.Activation),
})

--- @api ember.layers.Masking([opts]) -> Layer
--- Marks the timesteps whose features all equal mask_value as padding (Keras 2's Masking).
--- Input (batch, time, features); the masked steps' features become 0 and the layers after
--- it get the mask: recurrent layers skip those steps, GlobalAveragePooling1D ignores them,
--- Dense, Dropout, Activation and TimeDistributed pass the mask on, and a layer that cannot
--- take a mask (Flatten, Conv1D, pooling) raises an error naming it.
--- @options layer:Masking

M.Masking = base.define("Masking", {
  options = options("Masking"),
  make_core = maker(core.layers.Masking),
})

--- @api ember.layers.TimeDistributed(layer[, opts]) -> Layer
--- Applies a layer to every timestep of a (batch, time, ...) input (Keras 2's TimeDistributed).
--- The weights are the wrapped layer's (saved as time_distributed_1/kernel, as Keras names
--- them); a mask passes through. With return_sequences recurrent layers below and a loss
--- over every timestep it labels sequences.
--- @arg layer: a layer that maps one timestep, e.g. ember.layers.Dense(10), not built nor wrapped yet

M.TimeDistributed = base.define("TimeDistributed", {
  positional = { "layer" },
  make_core = function(config)
    local layer = config.layer
    if not base.is_layer(layer) or layer.core == nil then
      error(("TimeDistributed: argument 'layer' expected a layer, got %s")
        :format(base.is_layer(layer) and layer.type or type(layer)), 0)
    end
    if layer.built or layer.core:is_built() then
      error(("TimeDistributed: argument 'layer' (%s) is already built; wrap a new layer"):format(layer.name), 0)
    end
    if layer.input_shape ~= nil and config.input_shape == nil then
      error(("TimeDistributed: give input_shape (with the time dimension) to the TimeDistributed layer, "
        .. "not to the wrapped %s"):format(layer.name), 0)
    end
    return maker(core.layers.TimeDistributed)(layer.core), layer
  end,
  init = function(self, inner) self.layer = inner end,
})

return M
