-- Keras 2.2.4's model configs (model.get_config(), model.to_json(),
-- keras.models.model_from_json) for the layers Ember has.
--
-- One entry per layer class in LAYERS maps Ember's layer <-> Keras's
-- config: `to_keras(layer)` gives the config Keras 2.2.4's get_config
-- returns (its field names, its serialized initializers and regularizers,
-- the effective values of every option), `from_keras(cfg, where)` makes
-- the Ember layer from such a config.  The base fields (name, trainable,
-- batch_input_shape, dtype) are Keras's Layer.get_config, handled once.
-- A field Ember cannot honour (a constraint, a seed, an activation or a
-- layer class Ember lacks) is an error naming the function, the layer and
-- the field; a field Keras adds that changes nothing is accepted, and an
-- unknown field is refused.  A functional Model adds its own entry to
-- MODELS (class_name -> {to_keras, from_keras}).
-- Sources checked: keras-team/keras 2.2.4, keras/engine/base_layer.py
-- (Layer.get_config), keras/engine/sequential.py (get_config, from_config),
-- keras/engine/network.py (to_json), keras/layers/*.py, keras/initializers.py,
-- keras/regularizers.py; see specs/fixtures/keras_json/README.md.
local core = require "ember.core"
local json = require "ember.json"

local None = core.None
local M = {}

M.KERAS_VERSION, M.BACKEND = "2.2.4", "tensorflow"

local obj, arr = json.object, json.array

local function fail(where, fmt, ...)
  error(where .. ": " .. fmt:format(...), 0)
end

local function float(v) return v + 0.0 end
-- Keras keeps regularizer factors as float32 (K.cast_to_floatx) and writes
-- them back as Python floats: 0.01 becomes 0.009999999776482582.
local function float32(v) return (string.unpack("f", string.pack("f", v))) end

-- ---- initializers ----

-- Ember name -> Keras class + config (keras/initializers.py: the named
-- ones are VarianceScaling with Keras's scale / mode / distribution).
local VARIANCE = {
  glorot_uniform = { 1.0, "fan_avg", "uniform" }, glorot_normal = { 1.0, "fan_avg", "normal" },
  he_uniform = { 2.0, "fan_in", "uniform" }, he_normal = { 2.0, "fan_in", "normal" },
  lecun_uniform = { 1.0, "fan_in", "uniform" }, lecun_normal = { 1.0, "fan_in", "normal" },
}

local function init_to_keras(v)
  local name, a, b = require("ember.initializers")._resolve(v)
  local vs = VARIANCE[name]
  if vs then
    return obj({ class_name = "VarianceScaling", config = obj({ scale = vs[1], mode = vs[2], distribution = vs[3],
      seed = None }, { "scale", "mode", "distribution", "seed" }) }, { "class_name", "config" })
  end
  local function cls(c, config, order) return obj({ class_name = c, config = obj(config, order) }, { "class_name", "config" }) end
  if name == "zeros" then return cls("Zeros", {}) end
  if name == "ones" then return cls("Ones", {}) end
  if name == "constant" then return cls("Constant", { value = float(a or 0) }) end
  if name == "random_normal" then
    return cls("RandomNormal", { mean = float(a or 0), stddev = float(b or 0.05), seed = None }, { "mean", "stddev", "seed" })
  end
  if name == "truncated_normal" then
    return cls("TruncatedNormal", { mean = float(a or 0), stddev = float(b or 0.05), seed = None }, { "mean", "stddev", "seed" })
  end
  if name == "random_uniform" then
    return cls("RandomUniform", { minval = float(a or -0.05), maxval = float(b or 0.05), seed = None }, { "minval", "maxval", "seed" })
  end
  if name == "orthogonal" then return cls("Orthogonal", { gain = float(a or 1), seed = None }, { "gain", "seed" }) end
  error("model_config: initializer " .. tostring(name) .. " has no Keras form", 0)
end

local function check_fields(where, cfg, allowed)
  if not json.is_object(cfg) and (type(cfg) ~= "table" or getmetatable(cfg) ~= nil) then
    fail(where, "expected an object, got %s", type(cfg))
  end
  local set = {}
  for _, k in ipairs(allowed) do set[k] = true end
  for k in pairs(cfg) do
    if not set[k] then fail(where, "unknown field '%s' (Keras 2.2.4 has: %s)", tostring(k), table.concat(allowed, ", ")) end
  end
end

local function number_field(where, cfg, key, default)
  local v = cfg[key]
  if v == nil then return default end
  if type(v) ~= "number" then fail(where, "field '%s' expected a number, got %s", key, v == None and "null" or type(v)) end
  return v
end

local function no_seed(where, cfg)
  if cfg.seed ~= nil and cfg.seed ~= None then
    fail(where, "field 'seed' is %s: Ember draws from its one seeded generator (ember.seed), so a per-initializer seed cannot be honoured", tostring(cfg.seed))
  end
end

-- A Keras serialized initializer -> an Ember initializer value.
local function init_from_keras(spec, where)
  local I = require "ember.initializers"
  if type(spec) == "string" then
    local name = I._resolve(spec)
    if not name then fail(where, "unknown initializer '%s'", spec) end
    return name
  end
  if not json.is_object(spec) or type(spec.class_name) ~= "string" then
    fail(where, "expected an initializer {class_name: ..., config: {...}}, got %s", spec == None and "null" or type(spec))
  end
  local cls, cfg = spec.class_name, spec.config
  if cfg == nil then cfg = obj() end
  where = where .. " (" .. cls .. ")"
  if cls == "VarianceScaling" then
    check_fields(where, cfg, { "scale", "mode", "distribution", "seed" })
    no_seed(where, cfg)
    local scale = number_field(where, cfg, "scale", 1.0)
    local mode, dist = cfg.mode or "fan_in", cfg.distribution or "normal"
    for name, vs in pairs(VARIANCE) do
      if vs[1] == scale and vs[2] == mode and vs[3] == dist then return name end
    end
    fail(where, "scale %s, mode '%s', distribution '%s' is not one Ember has (glorot_*, he_*, lecun_*)", tostring(scale),
      tostring(mode), tostring(dist))
  elseif cls == "Zeros" or cls == "Ones" then
    check_fields(where, cfg, {})
    return cls == "Zeros" and "zeros" or "ones"
  elseif cls == "Constant" then
    check_fields(where, cfg, { "value" })
    return I.constant(number_field(where, cfg, "value", 0))
  elseif cls == "RandomNormal" or cls == "TruncatedNormal" then
    check_fields(where, cfg, { "mean", "stddev", "seed" })
    no_seed(where, cfg)
    local f = cls == "RandomNormal" and I.random_normal or I.truncated_normal
    return f { mean = number_field(where, cfg, "mean", 0), stddev = number_field(where, cfg, "stddev", 0.05) }
  elseif cls == "RandomUniform" then
    check_fields(where, cfg, { "minval", "maxval", "seed" })
    no_seed(where, cfg)
    return I.random_uniform { minval = number_field(where, cfg, "minval", -0.05), maxval = number_field(where, cfg, "maxval", 0.05) }
  elseif cls == "Orthogonal" then
    check_fields(where, cfg, { "gain", "seed" })
    no_seed(where, cfg)
    return I.orthogonal { gain = number_field(where, cfg, "gain", 1) }
  end
  fail(where, "unknown initializer class '%s'", cls)
end

-- ---- regularizers ----

local function reg_to_keras(v)
  if v == nil then return None end
  local l1, l2 = require("ember.regularizers")._resolve(v)
  return obj({ class_name = "L1L2", config = obj({ l1 = float32(l1), l2 = float32(l2) }, { "l1", "l2" }) },
    { "class_name", "config" })
end

local function reg_from_keras(spec, where)
  if spec == nil or spec == None then return nil end
  local R = require "ember.regularizers"
  if not json.is_object(spec) or spec.class_name ~= "L1L2" then
    fail(where, "expected null or a regularizer {class_name: \"L1L2\", config: {...}}, got %s",
      json.is_object(spec) and ("class '" .. tostring(spec.class_name) .. "'") or type(spec))
  end
  local cfg = spec.config or obj()
  check_fields(where, cfg, { "l1", "l2" })
  local l1, l2 = number_field(where, cfg, "l1", 0), number_field(where, cfg, "l2", 0)
  if l1 < 0 or l2 < 0 then fail(where, "l1 and l2 must be >= 0, got %g and %g", l1, l2) end
  return R.l1_l2 { l1 = l1, l2 = l2 }
end

-- ---- option values ----

local option_defaults = {}
-- The effective value of a declared option (given, or its C default).
local function opt(layer, key)
  local v = layer.config[key]
  if v ~= nil then return v end
  local defaults = option_defaults[layer.type]
  if not defaults then
    defaults = {}
    for _, row in ipairs(core.layers.option_rows(layer.type)) do defaults[row.name] = row.default end
    option_defaults[layer.type] = defaults
  end
  return defaults[key]
end

local function tuple(v)
  if type(v) == "table" then return arr({ table.unpack(v) }) end
  return arr({ v })
end

-- Keras's 1-tuples ([7]) or a plain integer -> an integer.
local function int_of(where, key, v)
  if json.is_array(v) or (type(v) == "table" and getmetatable(v) == nil) then
    if #v ~= 1 then fail(where, "field '%s' expected one integer (a 1-D layer), got %d", key, #v) end
    v = v[1]
  end
  if math.type(v) ~= "integer" then fail(where, "field '%s' expected an integer, got %s", key, tostring(v)) end
  return v
end

local function bool_field(where, cfg, key)
  local v = cfg[key]
  if v == nil then return nil end
  if type(v) ~= "boolean" then fail(where, "field '%s' expected true or false, got %s", key, tostring(v)) end
  return v
end

local function null_field(where, cfg, key, why)
  local v = cfg[key]
  if v ~= nil and v ~= None then
    fail(where, "field '%s' must be null: %s", key, why or "Ember has no constraints")
  end
end

local function equal_field(where, cfg, key, want, why)
  local v = cfg[key]
  if v ~= nil and v ~= want then
    fail(where, "field '%s' is %s; Ember supports only %s%s", key, tostring(v == None and "null" or v), tostring(want),
      why and (" (" .. why .. ")") or "")
  end
end

-- ---- layers ----

local LAYERS = {}
M.LAYERS = LAYERS

local BASE_FIELDS = { "name", "trainable", "batch_input_shape", "dtype", "batch_size" }

-- Keras's Layer.get_config: name, trainable; batch_input_shape and dtype
-- when the layer was given an input shape (a model's first layer).
local function base_config(layer)
  local c = obj({ name = layer.name, trainable = layer.trainable ~= false })
  local shape = layer.config.batch_input_shape
  if shape == nil and layer.input_shape ~= nil then
    shape = { None }
    for i, d in ipairs(layer.input_shape) do shape[i + 1] = d end
  end
  if shape ~= nil then
    c.batch_input_shape = arr({ table.unpack(shape) })
    c.dtype = "float32"
  end
  return c
end

-- The base fields read back into Ember options.
local function base_options(cfg, where, opts)
  if cfg.name ~= nil then
    if type(cfg.name) ~= "string" then fail(where, "field 'name' expected a string, got %s", type(cfg.name)) end
    opts.name = cfg.name
  end
  local trainable = bool_field(where, cfg, "trainable")
  if trainable ~= nil then opts.trainable = trainable end
  if cfg.dtype ~= nil and cfg.dtype ~= None and cfg.dtype ~= "float32" and cfg.dtype ~= "int32" then
    fail(where, "field 'dtype' is '%s'; Ember's layers compute in float32", tostring(cfg.dtype))
  end
  local shape = cfg.batch_input_shape
  if shape ~= nil and shape ~= None then
    if not json.is_array(shape) or #shape < 1 then fail(where, "field 'batch_input_shape' expected a list") end
    for i = 1, #shape do
      local d = shape[i]
      if d ~= None and (math.type(d) ~= "integer" or d < 1) then
        fail(where, "field 'batch_input_shape' entry %d expected a positive integer or null, got %s", i, tostring(d))
      end
    end
    if shape[1] == None then
      opts.input_shape = { table.unpack(shape, 2) }
    else
      opts.batch_input_shape = { table.unpack(shape) }
    end
  end
  if cfg.batch_size ~= nil and cfg.batch_size ~= None then
    fail(where, "field 'batch_size' is %s; give the batch size in batch_input_shape", tostring(cfg.batch_size))
  end
end

-- define(class, fields, to_keras, from_keras): fields are the class's own
-- Keras field names in get_config's order (the base fields come first).
local function define(class, fields, to_keras, from_keras)
  local order = { "name", "trainable", "batch_input_shape", "dtype" }
  for _, f in ipairs(fields) do order[#order + 1] = f end
  local allowed = {}
  for _, f in ipairs(BASE_FIELDS) do allowed[#allowed + 1] = f end
  for _, f in ipairs(fields) do allowed[#allowed + 1] = f end
  LAYERS[class] = {
    fields = fields,
    to_keras = function(layer)
      local c = base_config(layer)
      for k, v in pairs(to_keras(layer)) do c[k] = v end
      return obj(c, order)
    end,
    from_keras = function(cfg, where)
      check_fields(where, cfg, allowed)
      local opts = {}
      base_options(cfg, where, opts)
      return from_keras(cfg, where, opts)
    end,
  }
end

-- The Ember constructor called with opts; its error names the layer.
local function make(where, class, ...)
  local ctor = require("ember.layers")[class]
  local args = table.pack(...)
  local ok, layer = pcall(ctor, table.unpack(args, 1, args.n))
  if not ok then fail(where, "%s", require("ember.calls").strip_position(tostring(layer))) end
  return layer
end

local function activation_field(where, cfg, key, opts)
  local v = cfg[key]
  if v == nil then return end
  if v == None then opts[key] = "linear" return end
  if type(v) ~= "string" then fail(where, "field '%s' expected an activation name, got %s", key, type(v)) end
  local names = {}
  for _, n in ipairs { "linear", "relu", "sigmoid", "tanh", "hard_sigmoid", "softmax" } do names[n] = true end
  if not names[v] then
    fail(where, "field '%s': activation '%s' is not one Ember has (linear, relu, sigmoid, tanh, hard_sigmoid, softmax)", key, v)
  end
  opts[key] = v
end

local function copy_fields(where, cfg, opts, keys, kind)
  for _, k in ipairs(keys) do
    local v = cfg[k]
    if v ~= nil and v ~= None then
      if kind == "bool" and type(v) ~= "boolean" then fail(where, "field '%s' expected true or false, got %s", k, tostring(v)) end
      if kind == "number" and type(v) ~= "number" then fail(where, "field '%s' expected a number, got %s", k, tostring(v)) end
      opts[k] = v
    end
  end
end

-- The controls (initializers, regularizers, constraints) of a layer type:
-- names of its initializer and regularizer fields, the Ember default of
-- each initializer.
local function controls_to_keras(layer, c, inits, regs, constraints)
  for key, default in pairs(inits) do c[key] = init_to_keras(layer.config[key] or default) end
  for _, key in ipairs(regs) do c[key] = reg_to_keras(layer.config[key]) end
  for _, key in ipairs(constraints) do c[key] = None end
end

local function controls_from_keras(where, cfg, opts, inits, regs, constraints)
  for key in pairs(inits) do
    if cfg[key] ~= nil then opts[key] = init_from_keras(cfg[key], where .. ": field '" .. key .. "'") end
  end
  for _, key in ipairs(regs) do opts[key] = reg_from_keras(cfg[key], where .. ": field '" .. key .. "'") end
  for _, key in ipairs(constraints) do null_field(where, cfg, key) end
end

-- Dense (keras/layers/core.py)
do
  local inits = { kernel_initializer = "glorot_uniform", bias_initializer = "zeros" }
  local regs = { "kernel_regularizer", "bias_regularizer", "activity_regularizer" }
  local cons = { "kernel_constraint", "bias_constraint" }
  define("Dense", { "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint" },
    function(l)
      local c = { units = opt(l, "units"), activation = opt(l, "activation"), use_bias = opt(l, "use_bias") }
      controls_to_keras(l, c, inits, regs, cons)
      return c
    end,
    function(cfg, where, opts)
      if math.type(cfg.units) ~= "integer" then fail(where, "field 'units' expected an integer, got %s", tostring(cfg.units)) end
      activation_field(where, cfg, "activation", opts)
      copy_fields(where, cfg, opts, { "use_bias" }, "bool")
      controls_from_keras(where, cfg, opts, inits, regs, cons)
      return make(where, "Dense", cfg.units, opts)
    end)
end

-- Embedding (keras/layers/embeddings.py)
do
  local inits = { embeddings_initializer = "random_uniform" }
  local regs = { "embeddings_regularizer", "activity_regularizer" }
  local cons = { "embeddings_constraint" }
  define("Embedding", { "input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
    "activity_regularizer", "embeddings_constraint", "mask_zero", "input_length" },
    function(l)
      local len = opt(l, "input_length")
      local c = { input_dim = opt(l, "input_dim"), output_dim = opt(l, "output_dim"), mask_zero = opt(l, "mask_zero"),
        input_length = (len ~= nil and len ~= 0) and len or None }
      controls_to_keras(l, c, inits, regs, cons)
      return c
    end,
    function(cfg, where, opts)
      for _, k in ipairs { "input_dim", "output_dim" } do
        if math.type(cfg[k]) ~= "integer" then fail(where, "field '%s' expected an integer, got %s", k, tostring(cfg[k])) end
      end
      copy_fields(where, cfg, opts, { "mask_zero" }, "bool")
      local len = cfg.input_length
      if len ~= nil and len ~= None then
        if json.is_array(len) then fail(where, "field 'input_length' as a list is not supported (one integer)") end
        if math.type(len) ~= "integer" then fail(where, "field 'input_length' expected an integer or null, got %s", tostring(len)) end
        opts.input_length = len
      end
      controls_from_keras(where, cfg, opts, inits, regs, cons)
      return make(where, "Embedding", cfg.input_dim, cfg.output_dim, opts)
    end)
end

-- Flatten (keras/layers/core.py: data_format since Keras 2.1.5)
define("Flatten", { "data_format" },
  function() return { data_format = "channels_last" } end,
  function(cfg, where, opts)
    equal_field(where, cfg, "data_format", "channels_last")
    return make(where, "Flatten", opts)
  end)

-- Dropout (keras/layers/core.py)
define("Dropout", { "rate", "noise_shape", "seed" },
  function(l) return { rate = float(opt(l, "rate")), noise_shape = None, seed = None } end,
  function(cfg, where, opts)
    if type(cfg.rate) ~= "number" then fail(where, "field 'rate' expected a number, got %s", tostring(cfg.rate)) end
    null_field(where, cfg, "noise_shape", "Ember's Dropout drops every element independently")
    null_field(where, cfg, "seed", "Ember draws from its one seeded generator (ember.seed)")
    return make(where, "Dropout", cfg.rate, opts)
  end)

-- Activation (keras/layers/core.py)
define("Activation", { "activation" },
  function(l) return { activation = opt(l, "activation") } end,
  function(cfg, where, opts)
    activation_field(where, cfg, "activation", opts)
    if not opts.activation then fail(where, "field 'activation' is required") end
    local a = opts.activation
    opts.activation = nil
    return make(where, "Activation", a, opts)
  end)

-- Masking (keras/layers/core.py)
define("Masking", { "mask_value" },
  function(l) return { mask_value = float(opt(l, "mask_value")) } end,
  function(cfg, where, opts)
    copy_fields(where, cfg, opts, { "mask_value" }, "number")
    return make(where, "Masking", opts)
  end)

-- SimpleRNN, LSTM, GRU (keras/layers/recurrent.py: the cell's fields, then
-- RNN's return_sequences, return_state, go_backwards, stateful, unroll).
do
  local inits = { kernel_initializer = "glorot_uniform", recurrent_initializer = "orthogonal", bias_initializer = "zeros" }
  local regs = { "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer" }
  local cons = { "kernel_constraint", "recurrent_constraint", "bias_constraint" }
  local rnn_fields = { "return_sequences", "return_state", "go_backwards", "stateful", "unroll" }
  local function fields_of(class)
    local f = { "units", "activation" }
    if class ~= "SimpleRNN" then f[#f + 1] = "recurrent_activation" end
    for _, k in ipairs { "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer" } do f[#f + 1] = k end
    if class == "LSTM" then f[#f + 1] = "unit_forget_bias" end
    for _, k in ipairs(regs) do f[#f + 1] = k end
    for _, k in ipairs(cons) do f[#f + 1] = k end
    f[#f + 1] = "dropout"
    f[#f + 1] = "recurrent_dropout"
    if class ~= "SimpleRNN" then f[#f + 1] = "implementation" end
    if class == "GRU" then f[#f + 1] = "reset_after" end
    for _, k in ipairs(rnn_fields) do f[#f + 1] = k end
    return f
  end
  local function supports(class, key)
    for _, k in ipairs(core.layers.options(class)) do if k == key then return true end end
    return false
  end
  for _, class in ipairs { "SimpleRNN", "LSTM", "GRU" } do
    define(class, fields_of(class),
      function(l)
        local c = { units = opt(l, "units"), activation = opt(l, "activation"), use_bias = opt(l, "use_bias"),
          dropout = float(opt(l, "dropout")), recurrent_dropout = float(opt(l, "recurrent_dropout")),
          return_sequences = opt(l, "return_sequences"), go_backwards = opt(l, "go_backwards"), unroll = opt(l, "unroll"),
          return_state = supports(class, "return_state") and opt(l, "return_state") or false,
          stateful = supports(class, "stateful") and opt(l, "stateful") or false }
        if class ~= "SimpleRNN" then
          c.recurrent_activation = opt(l, "recurrent_activation")
          c.implementation = 1
        end
        if class == "LSTM" then c.unit_forget_bias = opt(l, "unit_forget_bias") end
        if class == "GRU" then c.reset_after = opt(l, "reset_after") end
        controls_to_keras(l, c, inits, regs, cons)
        return c
      end,
      function(cfg, where, opts)
        if math.type(cfg.units) ~= "integer" then fail(where, "field 'units' expected an integer, got %s", tostring(cfg.units)) end
        activation_field(where, cfg, "activation", opts)
        if class ~= "SimpleRNN" then activation_field(where, cfg, "recurrent_activation", opts) end
        copy_fields(where, cfg, opts, { "use_bias", "return_sequences", "go_backwards", "unroll", "unit_forget_bias",
          "reset_after" }, "bool")
        copy_fields(where, cfg, opts, { "dropout", "recurrent_dropout" }, "number")
        for _, k in ipairs { "return_state", "stateful" } do
          if cfg[k] == true then
            if not supports(class, k) then fail(where, "field '%s' is true; this Ember has no %s yet", k, k) end
            opts[k] = true
          elseif cfg[k] ~= nil and cfg[k] ~= false then
            fail(where, "field '%s' expected true or false, got %s", k, tostring(cfg[k]))
          end
        end
        local impl = cfg.implementation
        if impl ~= nil and impl ~= 0 and impl ~= 1 and impl ~= 2 then
          fail(where, "field 'implementation' expected 0, 1 or 2, got %s", tostring(impl))
        end  -- 1 or 2: how Keras batches the gate products; the same math
        controls_from_keras(where, cfg, opts, inits, regs, cons)
        return make(where, class, cfg.units, opts)
      end)
  end
end

-- Keras's 'layer' field of a wrapper -> an Ember layer (of the given classes).
local function inner_layer(cfg, where, allowed)
  local spec = cfg.layer
  if not json.is_object(spec) or type(spec.class_name) ~= "string" then
    fail(where, "field 'layer' expected {class_name: ..., config: {...}}")
  end
  if allowed and not allowed[spec.class_name] then
    fail(where, "field 'layer': class '%s' cannot be wrapped here", spec.class_name)
  end
  return M.layer_from_config(spec, where .. ": field 'layer'")
end

-- Bidirectional, TimeDistributed (keras/layers/wrappers.py: Wrapper's
-- {'layer': {class_name, config}} then the wrapper's own fields).
define("Bidirectional", { "layer", "merge_mode" },
  function(l)
    return { layer = M.layer_to_config(l.forward_layer), merge_mode = l.config.merge_mode or "concat" }
  end,
  function(cfg, where, opts)
    local inner = inner_layer(cfg, where, { SimpleRNN = true, LSTM = true, GRU = true })
    if cfg.merge_mode ~= nil then
      if cfg.merge_mode == None then fail(where, "field 'merge_mode' null (a list of the two outputs) is not supported") end
      opts.merge_mode = cfg.merge_mode
    end
    return make(where, "Bidirectional", inner, opts)
  end)

define("TimeDistributed", { "layer" },
  function(l) return { layer = M.layer_to_config(l.layer) } end,
  function(cfg, where, opts)
    return make(where, "TimeDistributed", inner_layer(cfg, where), opts)
  end)

-- Conv1D (keras/layers/convolutional.py: _Conv's fields, rank dropped)
do
  local inits = { kernel_initializer = "glorot_uniform", bias_initializer = "zeros" }
  local regs = { "kernel_regularizer", "bias_regularizer", "activity_regularizer" }
  local cons = { "kernel_constraint", "bias_constraint" }
  define("Conv1D", { "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
    "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
    "activity_regularizer", "kernel_constraint", "bias_constraint" },
    function(l)
      local c = { filters = opt(l, "filters"), kernel_size = tuple(opt(l, "kernel_size")), strides = tuple(opt(l, "strides")),
        padding = opt(l, "padding"), data_format = "channels_last", dilation_rate = tuple(opt(l, "dilation_rate")),
        activation = opt(l, "activation"), use_bias = opt(l, "use_bias") }
      controls_to_keras(l, c, inits, regs, cons)
      return c
    end,
    function(cfg, where, opts)
      if math.type(cfg.filters) ~= "integer" then fail(where, "field 'filters' expected an integer, got %s", tostring(cfg.filters)) end
      local k = int_of(where, "kernel_size", cfg.kernel_size)
      for _, key in ipairs { "strides", "dilation_rate" } do
        if cfg[key] ~= nil then opts[key] = int_of(where, key, cfg[key]) end
      end
      if cfg.padding ~= nil then opts.padding = cfg.padding end
      equal_field(where, cfg, "data_format", "channels_last")
      activation_field(where, cfg, "activation", opts)
      copy_fields(where, cfg, opts, { "use_bias" }, "bool")
      controls_from_keras(where, cfg, opts, inits, regs, cons)
      return make(where, "Conv1D", cfg.filters, k, opts)
    end)
end

-- MaxPooling1D, AveragePooling1D (keras/layers/pooling.py: _Pooling1D)
for _, class in ipairs { "MaxPooling1D", "AveragePooling1D" } do
  define(class, { "pool_size", "padding", "strides", "data_format" },
    function(l)
      local p = opt(l, "pool_size")
      local s = opt(l, "strides")
      if s == nil or s == 0 or s == None then s = p end
      return { pool_size = tuple(p), padding = opt(l, "padding"), strides = tuple(s), data_format = "channels_last" }
    end,
    function(cfg, where, opts)
      if cfg.pool_size ~= nil then opts.pool_size = int_of(where, "pool_size", cfg.pool_size) end
      if cfg.strides ~= nil and cfg.strides ~= None then opts.strides = int_of(where, "strides", cfg.strides) end
      if cfg.padding ~= nil then opts.padding = cfg.padding end
      equal_field(where, cfg, "data_format", "channels_last")
      return make(where, class, opts)
    end)
end

-- GlobalMaxPooling1D, GlobalAveragePooling1D (keras/layers/pooling.py)
for _, class in ipairs { "GlobalMaxPooling1D", "GlobalAveragePooling1D" } do
  define(class, { "data_format" },
    function() return { data_format = "channels_last" } end,
    function(cfg, where, opts)
      equal_field(where, cfg, "data_format", "channels_last")
      return make(where, class, opts)
    end)
end

-- BatchNormalization (keras/layers/normalization.py)
do
  local init_keys = { "beta_initializer", "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer" }
  define("BatchNormalization", { "axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
    "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
    "gamma_regularizer", "beta_constraint", "gamma_constraint" },
    function(l)
      local c = { axis = opt(l, "axis"), momentum = float(opt(l, "momentum")), epsilon = float(opt(l, "epsilon")),
        center = opt(l, "center"), scale = opt(l, "scale"), beta_regularizer = None, gamma_regularizer = None,
        beta_constraint = None, gamma_constraint = None }
      for _, k in ipairs(init_keys) do c[k] = init_to_keras(opt(l, k)) end
      return c
    end,
    function(cfg, where, opts)
      if cfg.axis ~= nil then opts.axis = int_of(where, "axis", cfg.axis) end
      copy_fields(where, cfg, opts, { "momentum", "epsilon" }, "number")
      copy_fields(where, cfg, opts, { "center", "scale" }, "bool")
      for _, k in ipairs(init_keys) do
        if cfg[k] ~= nil then
          local v = init_from_keras(cfg[k], where .. ": field '" .. k .. "'")
          if type(v) ~= "string" or (v ~= "zeros" and v ~= "ones") then
            fail(where, "field '%s': Ember's BatchNormalization takes only Zeros or Ones", k)
          end
          opts[k] = v
        end
      end
      for _, k in ipairs { "beta_regularizer", "gamma_regularizer" } do null_field(where, cfg, k, "Ember's BatchNormalization takes no regularizer") end
      for _, k in ipairs { "beta_constraint", "gamma_constraint" } do null_field(where, cfg, k) end
      return make(where, "BatchNormalization", opts)
    end)
end

-- ---- layers <-> {class_name, config} ----

--- @private ember.models.layer_to_config: internal (model_config.lua)
function M.layer_to_config(layer)
  local entry = LAYERS[layer.type]
  if not entry then
    error(("get_config: layer '%s' (%s) has no Keras 2.2.4 config in Ember"):format(tostring(layer.name), tostring(layer.type)), 0)
  end
  return obj({ class_name = layer.type, config = entry.to_keras(layer) }, { "class_name", "config" })
end

function M.layer_from_config(spec, where)
  if not json.is_object(spec) then fail(where, "a layer entry expected {class_name: ..., config: {...}}, got %s", type(spec)) end
  for k in pairs(spec) do
    if k ~= "class_name" and k ~= "config" then fail(where, "a layer entry has an unknown field '%s' (class_name, config)", tostring(k)) end
  end
  local cfg = spec.config
  local label = json.is_object(cfg) and type(cfg.name) == "string" and ("layer '" .. cfg.name .. "'") or "a layer"
  local here = where .. ": " .. label
  if type(spec.class_name) ~= "string" then fail(here, "field 'class_name' expected a string, got %s", type(spec.class_name)) end
  local entry = LAYERS[spec.class_name]
  if not entry then
    local names = {}
    for n in pairs(LAYERS) do names[#names + 1] = n end
    table.sort(names)
    fail(here, "unknown layer class '%s' (Ember has: %s)%s", spec.class_name, table.concat(names, ", "),
      require("ember.calls").suggestion(spec.class_name, LAYERS))
  end
  if not json.is_object(cfg) then fail(here, "field 'config' expected an object, got %s", cfg == nil and "nothing" or type(cfg)) end
  return entry.from_keras(cfg, here)
end

-- ---- models ----

local MODELS = {}
M.MODELS = MODELS

local seq_counter = 0
local function model_name(model)
  if not model.name then
    seq_counter = seq_counter + 1
    model.name = "sequential_" .. seq_counter
  end
  return model.name
end

-- keras/engine/sequential.py (2.2.3+): {name, layers}; build_input_shape
-- for a model built without an input shape on its first layer.
MODELS.Sequential = {
  to_keras = function(model)
    local layers = arr()
    for i, layer in ipairs(model.layers) do layers[i] = M.layer_to_config(layer) end
    local c = obj({ name = model_name(model), layers = layers }, { "name", "layers" })
    local first = model.layers[1]
    if model.built and first and not first.input_shape and not first.config.batch_input_shape and model.input_shape then
      c.build_input_shape = arr({ table.unpack(model.input_shape) })
    end
    return c
  end,
  from_keras = function(cfg, where)
    local layer_specs, name, build_shape
    if json.is_array(cfg) then
      layer_specs = cfg  -- Keras 2.0-2.2.2: the config is the list of layers
    elseif json.is_object(cfg) then
      check_fields(where, cfg, { "name", "layers", "build_input_shape" })
      layer_specs, name, build_shape = cfg.layers, cfg.name, cfg.build_input_shape
      if not json.is_array(layer_specs) then fail(where, "field 'layers' expected a list, got %s", type(layer_specs)) end
      if name ~= nil and type(name) ~= "string" then fail(where, "field 'name' expected a string, got %s", type(name)) end
    else
      fail(where, "a Sequential config expected an object {name, layers}, got %s", type(cfg))
    end
    local layers = {}
    for i, spec in ipairs(layer_specs) do layers[i] = M.layer_from_config(spec, where) end
    local models = require "ember.models"
    local ok, model = pcall(models.Sequential, layers)
    if not ok then fail(where, "%s", require("ember.calls").strip_position(tostring(model))) end
    model.name = name
    if build_shape ~= nil and build_shape ~= None and not model.built then
      if not json.is_array(build_shape) then fail(where, "field 'build_input_shape' expected a list") end
      local okb, err = pcall(model.build, model, { table.unpack(build_shape) })
      if not okb then fail(where, "%s", require("ember.calls").strip_position(tostring(err))) end
    end
    return model
  end,
}

-- The class name of a model object (Sequential, or what a Model registers).
local function model_class(model)
  local models = require "ember.models"
  if getmetatable(model) == models.Sequential_class then return "Sequential" end
  if type(model) == "table" and type(model.keras_class) == "string" and MODELS[model.keras_class] then
    return model.keras_class
  end
end
M.model_class = model_class

function M.get_config(model, who)
  local class = model_class(model)
  if not class then error(("%s: expected a model, got %s"):format(who, type(model)), 0) end
  return MODELS[class].to_keras(model), class
end

-- {class_name, config, keras_version, backend}, as Network.to_json.
function M.to_json(model, who)
  local config, class = M.get_config(model, who)
  return json.encode(obj({ class_name = class, config = config, keras_version = M.KERAS_VERSION, backend = M.BACKEND },
    { "class_name", "config", "keras_version", "backend" }), who)
end

function M.model_from_config(spec, who)
  if not json.is_object(spec) and not (type(spec) == "table" and getmetatable(spec) == nil) then
    error(("%s: argument 'config' expected a table {class_name = ..., config = ...}, got %s"):format(who, type(spec)), 0)
  end
  for k in pairs(spec) do
    if k ~= "class_name" and k ~= "config" and k ~= "keras_version" and k ~= "backend" then
      error(("%s: unknown top-level field '%s' (class_name, config, keras_version, backend)"):format(who, tostring(k)), 0)
    end
  end
  local class = spec.class_name
  if type(class) ~= "string" then
    error(("%s: field 'class_name' expected a string, got %s"):format(who, type(class)), 0)
  end
  local entry = MODELS[class]
  if not entry then
    local names = {}
    for n in pairs(MODELS) do names[#names + 1] = n end
    table.sort(names)
    error(("%s: unknown model class '%s' (Ember has: %s)"):format(who, class, table.concat(names, ", ")), 0)
  end
  if spec.config == nil then error(("%s: field 'config' is missing"):format(who), 0) end
  return entry.from_keras(spec.config, who)
end

return M
