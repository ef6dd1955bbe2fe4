-- The Keras-shaped layer object every ember.layers constructor returns.
--
-- A layer is a Lua table holding its type, name, config and `core`: the C
-- userdata (see bindings/lua_layer.h) that does the math.  Constructors are
-- made with base.define, which handles Keras-style arguments, both spellings
-- of options (`Dense(32, {activation = "relu"})` and
-- `Dense{32, activation = "relu"}`), `input_shape` / `name`, and auto names
-- (`dense_1`, `simple_rnn_2`, `conv1d_1`) counted per class as Keras does.
local core = require "ember.core"
local calls = require "ember.calls"

local base = {}

local Layer = {}
Layer.__index = Layer
base.Layer = Layer

local counters = {}

-- Keras 2's _to_snake_case: "SimpleRNN" -> "simple_rnn", "Conv1D" -> "conv1d".
function base.snake_case(class_name)
  local s = class_name:gsub("(.)(%u[%l%d]+)", "%1_%2")
  return (s:gsub("(%l)(%u)", "%1_%2"):lower())
end

-- Forget the name counters (Keras's K.clear_session()).
function base.reset_names() counters = {} end

local function next_name(type_name, prefix)
  counters[type_name] = (counters[type_name] or 0) + 1
  return (prefix or base.snake_case(type_name)) .. "_" .. counters[type_name]
end
base.next_name = next_name  -- ember.Input's "input_1" and ember.Model's "model_1" (functional.lua)

function base.is_layer(v) return getmetatable(v) ~= nil and rawget(getmetatable(v), "__is_layer") == true end
Layer.__is_layer = true

-- Merge positional arguments and an options table into one table keyed by
-- name.  A trailing plain table is the options; its array entries fill the
-- positional names not given as arguments.
local function collect_args(type_name, positional, ...)
  local n = select("#", ...)
  local args = { ... }
  local opts = {}
  if n > 0 and type(args[n]) == "table" and getmetatable(args[n]) == nil then
    local given = args[n]
    n = n - 1
    local k = n
    for _, v in ipairs(given) do
      k = k + 1
      args[k] = v
    end
    for key, v in pairs(given) do
      if type(key) ~= "number" then opts[key] = v end
    end
    n = k
  end
  if n > #positional then
    error(("%s: expected at most %d positional arguments, got %d"):format(type_name, #positional, n), 3)
  end
  for i = 1, n do
    local key = positional[i]
    if opts[key] ~= nil then error(("%s: argument '%s' given twice"):format(type_name, key), 3) end
    opts[key] = args[i]
  end
  return opts
end

-- make_core for a C constructor (core.layers.X): its error re-raised
-- without a position inside ember's Lua (base.define adds the caller's line).
function base.core_constructor(ctor)
  return function(...)
    local r = table.pack(pcall(ctor, ...))
    if r[1] then return table.unpack(r, 2, r.n) end
    error(require("ember.calls").strip_position(tostring(r[2])), 0)
  end
end

-- The option names a layer type accepts, as declared once in C
-- (core.layers.options), plus the Lua-only ones in `extra`, as a set.
function base.declared_options(type_name, extra)
  local set = {}
  for _, k in ipairs(core.layers.options(type_name)) do set[k] = true end
  for _, k in ipairs(extra or {}) do set[k] = true end
  return set
end

-- Keras's initializer / regularizer options each layer type takes, and the
-- parameter (by its Keras name) each one sets.  Read by base.define and
-- handed to the core (engine/layers/controls.h); unset, nothing is added.
local CONTROLS = {}
do
  local dense = {
    kernel_initializer = "kernel", bias_initializer = "bias",
    kernel_regularizer = "kernel", bias_regularizer = "bias", activity_regularizer = true,
  }
  local rnn = {
    kernel_initializer = "kernel", recurrent_initializer = "recurrent_kernel", bias_initializer = "bias",
    kernel_regularizer = "kernel", recurrent_regularizer = "recurrent_kernel", bias_regularizer = "bias",
    activity_regularizer = true,
  }
  CONTROLS.Dense, CONTROLS.Conv1D = dense, dense
  CONTROLS.SimpleRNN, CONTROLS.LSTM, CONTROLS.GRU = rnn, rnn, rnn
  CONTROLS.Embedding = { embeddings_initializer = "embeddings", embeddings_regularizer = "embeddings",
    activity_regularizer = true }
end
base.CONTROLS = CONTROLS

-- The controls in config onto the new core; errors name the layer and option.
local function apply_controls(type_name, controls, config, core_layer)
  local keys = {}
  for key in pairs(controls) do if config[key] ~= nil then keys[#keys + 1] = key end end
  table.sort(keys)  -- the same order every time: the draws follow it
  for _, key in ipairs(keys) do
    local v, param = config[key], controls[key]
    if key:find("_initializer$") then
      local name, a, b, err = require("ember.initializers")._resolve(v)
      if not name then error(("%s: option '%s': %s"):format(type_name, key, err), 0) end
      if name == "orthogonal" and param == "bias" then
        error(("%s: option '%s' cannot be orthogonal (a bias is 1-D; orthogonal needs a matrix)")
          :format(type_name, key), 0)
      end
      core_layer:set_initializer(param, name, a, b)
    else
      local l1, l2, err = require("ember.regularizers")._resolve(v)
      if not l1 then error(("%s: option '%s': %s"):format(type_name, key, err), 0) end
      if l1 > 0 or l2 > 0 then core_layer:set_regularizer(param ~= true and param or nil, l1, l2) end
    end
  end
end

-- Keras's batch_size: with input_shape it makes batch_input_shape =
-- {batch_size, input_shape...} (what a stateful model's first layer needs).
local function apply_batch_size(type_name, config)
  local n = config.batch_size
  if n == nil then return end
  if math.type(n) ~= "integer" or n < 1 then
    error(("%s: option 'batch_size' expected a positive integer, got %s"):format(type_name, tostring(n)), 3)
  end
  if config.batch_input_shape ~= nil then
    error(("%s: options 'batch_size' and 'batch_input_shape' both give the batch size; give one"):format(type_name), 3)
  end
  if config.input_shape == nil then
    error(("%s: option 'batch_size' needs input_shape (the batch size of the first layer's input)"):format(type_name), 3)
  end
  local shape = { n }
  for i, d in ipairs(config.input_shape) do shape[i + 1] = d end
  config.batch_input_shape = shape
end

-- base.define(type_name, spec) -> constructor
--   spec.positional: names of positional arguments, e.g. {"units"}
--   spec.options:    set of accepted option names (input_shape, name,
--                    trainable, input_dim, batch_input_shape always allowed)
--   spec.make_core(config) -> core userdata [, extra]; it validates the config
--                    (the C constructor raises "<Type>: option 'x' ..." errors)
--   spec.init(layer, extra)  optional: extra Lua-side setup, given make_core's extra
-- Unknown options raise an error naming the layer and the option.
function base.define(type_name, spec)
  local allowed = { input_shape = true, name = true, trainable = true, batch_input_shape = true, batch_size = true }
  for _, k in ipairs(spec.positional or {}) do allowed[k] = true end
  for k in pairs(spec.options or {}) do allowed[k] = true end
  local controls = CONTROLS[type_name] or {}
  for k in pairs(controls) do allowed[k] = true end
  local function constructor(...)
    local config = collect_args(type_name, spec.positional or {}, ...)
    for key in pairs(config) do
      if not allowed[key] then
        error(require("ember.calls").unknown_option(type_name, key, allowed), 2)
      end
    end
    if config.name ~= nil and type(config.name) ~= "string" then
      error(("%s: option 'name' expected a string, got %s"):format(type_name, type(config.name)), 2)
    end
    if config.input_shape ~= nil and type(config.input_shape) ~= "table" then
      error(("%s: option 'input_shape' expected a table such as {ember.None, 14}, got %s")
        :format(type_name, type(config.input_shape)), 2)
    end
    local highest = 0
    for i in pairs(config.input_shape or {}) do
      if math.type(i) == "integer" and i > highest then highest = i end
    end
    for i = 1, highest do
      if config.input_shape[i] == nil then
        error(("%s: option 'input_shape' has nothing at position %d: write ember.None for an unknown dimension "
          .. "(Python's None; a Lua nil leaves a hole)"):format(type_name, i), 2)
      end
    end
    for i, d in pairs(config.input_shape or {}) do
      local ok = d == core.None or (math.type(d) == "integer" and d > 0)
        or (math.type(d) == "float" and d > 0 and d == math.floor(d) and d < 2 ^ 53)
      if not ok or math.type(i) ~= "integer" then
        error(("%s: option 'input_shape' entry %s must be a positive integer or ember.None, got %s")
          :format(type_name, tostring(i), tostring(d)), 2)
      end
    end
    apply_batch_size(type_name, config)
    local layer = setmetatable({
      type = type_name,
      config = config,
      trainable = config.trainable ~= false,
      input_shape = config.input_shape,
      built = false,
    }, spec.class or Layer)
    local core_config = config
    if next(controls) then  -- the C constructor reads only its declared options
      core_config = {}
      for k, v in pairs(config) do if not controls[k] then core_config[k] = v end end
    end
    local ok, core_or_err, extra = pcall(spec.make_core, core_config)
    if not ok then error(calls.strip_position(core_or_err), 2) end
    local cok, cerr = pcall(apply_controls, type_name, controls, config, core_or_err)
    if not cok then error(calls.strip_position(cerr), 2) end
    layer.core = core_or_err
    layer.name = config.name or next_name(type_name)
    if spec.init then spec.init(layer, extra) end
    return layer
  end
  return constructor
end

-- Build on an input shape that includes the batch dim; returns the output shape.
--- @api Layer
--- A layer object: fields type, name, config, trainable, input_shape; methods below.

--- @api Layer:build(input_shape)
--- Creates the layer's weights for an input shape (without the batch dimension).
--- @arg input_shape: a table

-- The core's errors are raised again at the caller's line (calls.at): a
-- message never points inside ember's own modules.
function Layer:build(input_shape)
  local out = calls.at(2, self.core.build, self.core, input_shape)
  self.built = true
  self.output_shape = out
  self.built_input_shape = input_shape
  return out
end

--- @api Layer:forward(x[, training][, opts]) -> Tensor
--- The layer's output for a batch (custom training loops).
--- A recurrent layer with return_state = true also returns its final states: y, h (LSTM: y, h, c;
--- Bidirectional: y, then the forward half's states, then the backward half's), as Keras's layer call.
--- With initial_state (Keras's), backward also returns the initial states' gradients.
--- @arg x: a tensor (batch first)
--- @arg training = false: dropout active (may also be given as opts.training, opts then second)
--- @opt training = false: dropout active
--- @opt initial_state: recurrent layers: the states to start from ({h}; LSTM {h, c}; Bidirectional: both halves'), each {batch, units}
--- @opt mask: a {batch, time} float32 tensor of 1 (a real step) and 0 (padding), for recurrent layers (Keras's mask)

function Layer:forward(x, training, opts)
  if type(training) == "table" and not core.is_tensor(training) then opts, training = training, nil end
  if opts ~= nil then
    opts = calls.check_options(self.name .. ".forward", opts, { "training", "initial_state", "mask" }, 2)
    if opts.training ~= nil then training = opts.training end
  end
  self.core:set_trainable(self.trainable ~= false)
  if (opts and (opts.initial_state ~= nil or opts.mask ~= nil)) or self.return_state then
    return self:_forward_states(x, training, opts and opts.initial_state, opts and opts.mask)
  end
  self._io_last = nil
  local y = calls.at(2, self.core.forward, self.core, x, training)
  if not self.built then
    self.built = true
  end
  return y
end

-- "name (Type): message" for an error of the io path (the model's style).
local function io_error(self, err, level)
  local msg = calls.strip_position(tostring(err))
  local rest = msg:sub(1, #self.type + 2) == self.type .. ": " and msg:sub(#self.type + 3) or msg
  error(("%s (%s): %s"):format(self.name, self.type, rest), level + 1)
end

-- The forward through the io protocol (layer.h): x and the initial states
-- in, the output and (return_state) the final states out.
function Layer:_forward_states(x, training, initial_state, mask)
  local inputs = { x }
  if initial_state ~= nil then
    local n = core.layers.state_count(self.core)
    if n == 0 then
      io_error(self, ("option 'initial_state' is for recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional), not %s")
        :format(self.type), 3)
    end
    if core.is_tensor(initial_state) then initial_state = { initial_state } end  -- Keras: one state may be bare
    if type(initial_state) ~= "table" then
      io_error(self, ("argument 'initial_state' expected a list of %d tensors, got %s"):format(n, type(initial_state)), 3)
    end
    local count = 0
    for k in pairs(initial_state) do
      if math.type(k) ~= "integer" or k < 1 then
        io_error(self, ("argument 'initial_state' expected a list of tensors, got a key %s"):format(tostring(k)), 3)
      end
      count = math.max(count, k)
    end
    if count ~= n then
      io_error(self, ("argument 'initial_state' expected %d tensors (%s), got %d"):format(n,
        n == 1 and "h" or n == 2 and self.type == "LSTM" and "h and c" or "the forward half's states, then the backward half's",
        count), 3)
    end
    for i = 1, n do
      if not core.is_tensor(initial_state[i]) then
        io_error(self, ("argument 'initial_state' entry %d expected a tensor, got %s"):format(i, type(initial_state[i])), 3)
      end
      inputs[i + 1] = initial_state[i]
    end
  end
  if not core.is_tensor(x) then io_error(self, ("argument 'x' expected a tensor, got %s"):format(type(x)), 3) end
  if mask ~= nil and not core.is_tensor(mask) then
    io_error(self, ("option 'mask' expected a tensor, got %s"):format(type(mask)), 3)
  end
  local r = table.pack(pcall(self.core.call, self.core, inputs, #inputs, training and true or false, mask))
  if not r[1] then io_error(self, r[2], 3) end
  self._io_last = true
  self.built = true
  return table.unpack(r, 2, r.n)
end

--- @api Layer:backward(dy[, state_grads]) -> Tensor
--- Back-propagates dy through the last forward: accumulates weight gradients, returns dx.
--- After a forward with initial_state it also returns the initial states' gradients (dx, dh0[, dc0...]).
--- @arg dy: gradient of the loss with respect to the output (nil: none, when state_grads gives some)
--- @arg state_grads: return_state layers: the gradients of the returned states, in their order (nil entries: none)

function Layer:backward(dy, state_grads)
  if state_grads == nil and not self._io_last then
    return calls.at(2, self.core.backward, self.core, dy)
  end
  local grads, count = { dy or false }, 1
  if state_grads ~= nil then
    if not self.return_state then
      io_error(self, "argument 'state_grads' is for a recurrent layer with return_state = true", 2)
    end
    if type(state_grads) ~= "table" or core.is_tensor(state_grads) then
      io_error(self, ("argument 'state_grads' expected a list of tensors, got %s"):format(
        core.is_tensor(state_grads) and "a tensor (wrap it in a table)" or type(state_grads)), 2)
    end
    local n = core.layers.state_count(self.core)
    for k, v in pairs(state_grads) do
      if math.type(k) ~= "integer" or k < 1 or k > n then
        io_error(self, ("argument 'state_grads' expected at most %d tensors (one per returned state), got a key %s")
          :format(n, tostring(k)), 2)
      end
      if v ~= false and not core.is_tensor(v) then
        io_error(self, ("argument 'state_grads' entry %d expected a tensor, got %s"):format(k, type(v)), 2)
      end
    end
    for i = 1, n do grads[i + 1] = state_grads[i] or false end
    count = n + 1
  end
  if dy == nil and count == 1 then io_error(self, "argument 'dy' expected a tensor, got nil", 2) end
  local r = table.pack(pcall(self.core.call_backward, self.core, grads, count))
  if not r[1] then io_error(self, r[2], 2) end
  return table.unpack(r, 2, r.n)
end

--- @api Layer:reset_states([states])
--- Stateful recurrent layers: sets the states carried from batch to batch to 0, or to the given values (Keras).
--- @arg states: one {batch, units} float32 tensor per state ({h}; LSTM {h, c}; Bidirectional: both halves'); default 0

function Layer:reset_states(states)
  if not self.stateful then
    error(("%s.reset_states: the layer is not stateful (only SimpleRNN, LSTM, GRU and Bidirectional created with "
      .. "stateful = true carry states)"):format(self.name), 2)
  end
  if core.is_tensor(states) then states = { states } end
  if states ~= nil and type(states) ~= "table" then
    error(("%s.reset_states: argument 'states' expected a list of tensors, got %s"):format(self.name, type(states)), 2)
  end
  for k, v in pairs(states or {}) do
    if math.type(k) ~= "integer" or not core.is_tensor(v) then
      error(("%s.reset_states: argument 'states' entry %s expected a tensor, got %s")
        :format(self.name, tostring(k), type(v)), 2)
    end
  end
  if not self.core:is_built() then
    if states == nil then return end  -- nothing carried yet: a new layer starts from 0
    error(("%s.reset_states: the layer is not built yet (its batch size is not known)"):format(self.name), 2)
  end
  local ok, err = pcall(core.layers.reset_states, self.core, states)
  if not ok then
    local msg = calls.strip_position(tostring(err)):gsub("^%w+: reset_states: ", "")
    error(("%s.reset_states: %s"):format(self.name, msg), 2)
  end
end

-- Parameters and their gradients (views), with Keras weight names.
--- @api Layer:params() -> table, table, table, table
--- The weight tensors and their gradient tensors (lists in Keras's order), their names, their trainability.
--- The fourth list holds false for a non-trainable weight (BatchNormalization's moving statistics,
--- which only its training forward changes), true otherwise.

function Layer:params()
  return self.core:params()
end

--- @api Layer:zero_grads()
--- Sets the accumulated gradients to 0.

function Layer:zero_grads() self.core:zero_grads() end

--- @api Layer:get_weights() -> table
--- Copies of the weights, Keras's shapes and order.

function Layer:get_weights()
  local params = self.core:params()
  local out = {}
  for i, p in ipairs(params) do out[i] = p:clone() end
  return out
end

local function shape_str(shape) return "{" .. table.concat(shape, ",") .. "}" end

-- Replace all weights at once: every count and shape is checked before any
-- weight changes, so a bad list leaves the layer as it was.
--- @api Layer:set_weights(weights)
--- Sets the weights from a list of tensors (Keras's shapes and order).
--- @arg weights: a list of tensors

function Layer:set_weights(weights)
  if type(weights) ~= "table" then
    error(("%s.set_weights: argument 'weights' expected a list of tensors, got %s"):format(self.name, type(weights)), 2)
  end
  if not self.core:is_built() then
    error(("%s.set_weights: the layer is not built yet (add it to a model with a known input shape first)")
      :format(self.name), 2)
  end
  local params, _, names = self.core:params()
  if #weights ~= #params then
    error(("%s.set_weights: expected %d weights (%s), got %d")
      :format(self.name, #params, table.concat(names, ", "), #weights), 2)
  end
  for i, w in ipairs(weights) do
    if not core.is_tensor(w) then
      error(("%s.set_weights: weight %d (%s) expected a tensor, got %s"):format(self.name, i, names[i], type(w)), 2)
    end
    local want, got = params[i].shape, w.shape
    if shape_str(want) ~= shape_str(got) then
      error(("%s.set_weights: weight %d (%s) expected shape %s, got %s")
        :format(self.name, i, names[i], shape_str(want), shape_str(got)), 2)
    end
  end
  local srcs = {}
  for i, w in ipairs(weights) do srcs[i] = w:float() end
  core.copy_all(params, srcs)  -- all at once: an interrupt leaves all old or all new
end

--- @api Layer:count_params() -> integer
--- The number of weights.

function Layer:count_params()
  if not self.core:is_built() then return 0 end
  local n = 0
  for _, p in ipairs(self.core:params()) do n = n + p:numel() end
  return n
end

-- layer(inputs): the functional API (ember.functional): calling a layer on
-- a symbolic tensor (or a list of them) records a node and returns the
-- symbolic output.
-- (documented with ember.Input: layer(x) returns the symbolic output;
-- calling one layer object twice shares its weights)

function Layer.__call(self, inputs, ...)
  return require("ember.functional").call(self, inputs, ...)
end

function Layer:__tostring()
  return ("<%s %s>"):format(self.type, self.name)
end

return base
