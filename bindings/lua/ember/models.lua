-- ember.Sequential: a stack of layers, Keras 2 style.
--
-- What Sequential needs from a layer (the contract for every layer area):
--   layer.name, layer.type          unique name ("dense_1"), Keras class ("Dense")
--   layer.input_shape               optional shape WITHOUT the batch dim (first layer only)
--   layer:build(shape) -> out_shape shapes WITH the batch dim, ember.None for unknown;
--                                   sets layer.output_shape
--   layer:forward(x, training) -> y
--   layer:backward(dy) -> dx | nil  (adds into the layer's gradients)
--   layer:params() -> params, grads, names[, trainable]   (stable views, Keras order;
--                                   trainable[j] == false: a non-trainable weight, e.g.
--                                   BatchNormalization's moving statistics)
--   layer:zero_grads(), layer:count_params(), layer.trainable,
--   layer:get_weights(), layer:set_weights(list), layer.config.activation (optional)
-- Layers made by base.define get all of this from base.Layer.  When every
-- layer uses base.Layer's forward/backward, Sequential runs through the
-- engine's model core (core.train.Model, engine/train/model.h): the whole
-- chain, and fit's whole training step, in C.
local core = require "ember.core"
local calls = require "ember.calls"
local base = require "ember.layers.base"
local optimizers = require "ember.optimizers"
local losses = require "ember.losses"
local summary = require "ember.summary"

local None = core.None
local train = core.train

local M = {}

local Sequential = {}
Sequential.__index = Sequential
M.Sequential_class = Sequential

local function is_layer(v)
  return type(v) == "table" and type(v.forward) == "function" and type(v.backward) == "function"
    and type(v.build) == "function" and type(v.params) == "function"
end

-- "Dense: expected ..." from the core -> "dense_2 (Dense): expected ...".
--- @private ember.models.layer_error: message helper of Sequential
--- @private ember.models.shape_str: summary's shape formatting
--- @private ember.models.thousands: summary's number formatting
--- @private ember.models.metric_kernel: compile's metric lookup (Keras's "acc" by loss and output shape)
--- @private Sequential:chain: internal (the compiled chain of core layers)
--- @private Sequential:core_model: internal (the C model)
--- @private Sequential:ensure_built: internal (build on first use)
--- @private Sequential:metric_kernel: internal (metric lookup)

function M.layer_error(layer, err)
  local msg = tostring(err):gsub("^[^\n]-:%d+: ", "")
  local rest = msg:match("^" .. layer.type .. ": (.*)$")
  if msg:match("^" .. layer.name .. " %(") then return msg end
  return ("%s (%s): %s"):format(layer.name, layer.type, rest or msg)
end

local function shape_with_batch(shape)
  local s = { None }
  for i, d in ipairs(shape) do s[i + 1] = d end
  return s
end

M.shape_str = summary.shape_str

-- ember.Sequential() or ember.Sequential{layer, layer, ...}
--- @api ember.models.Sequential([layers]) -> Sequential
--- A linear stack of layers (Keras's Sequential).
--- @arg layers: a list of layers to add

--- @api Sequential
--- A model: `layers`, `built`, `compiled`; methods below.

function M.Sequential(list)
  local self = setmetatable({ layers = {}, built = false, compiled = false, stop_training = false }, Sequential)
  if list ~= nil then
    if type(list) ~= "table" or is_layer(list) then
      error(("Sequential: argument 'layers' expected a list of layers, got %s"):format(
        is_layer(list) and "a single layer (wrap it in a table)" or type(list)), 2)
    end
    for i, layer in ipairs(list) do
      local ok, err = pcall(self.add, self, layer)
      if not ok then error(("Sequential: layer %d: %s"):format(i, (calls.strip_position(tostring(err)):gsub("^Sequential.add: ", ""))), 2) end
    end
  end
  return self
end

-- The first layer's input shape (with batch), or nil when it gives none.
local function declared_input_shape(layer)
  local c = layer.config or {}
  if c.batch_input_shape then
    local s = {}
    for i, d in ipairs(c.batch_input_shape) do s[i] = d end
    return s
  end
  if layer.input_shape then return shape_with_batch(layer.input_shape) end
end

local function build_layer(layer, shape)
  local ok, out = pcall(layer.build, layer, shape)
  if not ok then error(M.layer_error(layer, out), 0) end
  layer.output_shape = layer.output_shape or out
  return out
end

--- @api Sequential:add(layer)
--- Appends a layer.
--- @arg layer: a layer from ember.layers

function Sequential:add(layer)
  if not is_layer(layer) then
    error(("Sequential.add: argument 'layer' expected a layer (e.g. ember.layers.Dense(32)), got %s")
      :format(type(layer)), 2)
  end
  for _, l in ipairs(self.layers) do
    if l == layer then error(("Sequential.add: layer %s is already in this model"):format(layer.name), 2) end
    if l.name == layer.name then
      error(("Sequential.add: the model already has a layer named '%s'; layer names must be unique"):format(layer.name), 2)
    end
  end
  if layer.return_state then  -- Keras: a Sequential passes one tensor from layer to layer
    error(("Sequential.add: %s (%s) has return_state = true and gives several tensors; a Sequential model passes "
      .. "one tensor from layer to layer (call the layer itself, layer:forward, to get the states)")
      :format(layer.name, layer.type), 2)
  end
  if #self.layers == 0 then
    local shape = declared_input_shape(layer)
    if shape then
      local ok, err = pcall(build_layer, layer, shape)
      if not ok then error("Sequential.add: " .. calls.strip_position(err), 2) end
      self.input_shape, self.output_shape, self.built = shape, layer.output_shape, true
    end
  elseif self.built then
    local ok, err = pcall(build_layer, layer, self.output_shape)
    if not ok then error("Sequential.add: " .. calls.strip_position(err), 2) end
    self.output_shape = layer.output_shape
  end
  self.layers[#self.layers + 1] = layer
  self._chain = nil
  self._core_model = nil
  self._param_cache = nil
end

-- Build every layer from an input shape with batch dim (deferred build,
-- when the first layer declared no input shape).
--- @api Sequential:build([input_shape])
--- Creates every layer's weights (done automatically on first use).
--- @arg input_shape: shape without the batch dimension (default: the first layer's)

function Sequential:build(input_shape)
  if self.built then return self.output_shape end
  if #self.layers == 0 then error("Sequential.build: the model has no layers", 2) end
  local shape = input_shape
  for _, layer in ipairs(self.layers) do
    local ok, out = pcall(build_layer, layer, shape)
    if not ok then error("Sequential.build: " .. calls.strip_position(out), 2) end
    shape = out
  end
  self.input_shape, self.output_shape, self.built = input_shape, shape, true
  return shape
end

-- Build from the first batch's shape if nothing declared an input shape.
function Sequential:ensure_built(x, who)
  if self.built then return end
  if #self.layers == 0 then error(("%s: the model has no layers"):format(who), 3) end
  local shape = x.shape
  shape[1] = None
  local ok, err = pcall(self.build, self, shape)
  if not ok then error(("%s: %s"):format(who, (calls.strip_position(tostring(err)):gsub("^Sequential.build: ", ""))), 3) end
end

-- The C fast path applies when every layer uses base.Layer's forward/backward.
function Sequential:chain()
  if self._chain ~= nil then return self._chain or nil end
  local cores, names = {}, {}
  for i, layer in ipairs(self.layers) do
    if layer.core == nil or layer.forward ~= base.Layer.forward or layer.backward ~= base.Layer.backward then
      self:_refuse_lost_mask(layer)
      self._chain = false
      return nil
    end
    cores[i], names[i] = layer.core, layer.name
  end
  self._chain = { cores = cores, names = names }
  return self._chain
end

-- Masks travel only through the engine's chain: with a custom (Lua) layer
-- the layers run one by one and a mask would be silently dropped.
function Sequential:_refuse_lost_mask(custom)
  for _, layer in ipairs(self.layers) do
    if layer.type == "Masking" or (layer.type == "Embedding" and layer.config.mask_zero) then
      error(("Sequential: %s (%s) makes a mask, which only flows between Ember's built-in layers; %s is a custom "
        .. "layer"):format(layer.name, layer.type, tostring(custom.name or custom.type or "a layer")), 0)
    end
  end
end

-- The engine's model core over the layers' cores (nil when a layer is not a
-- core layer: then the Lua loops below run the layers one by one).
function Sequential:core_model()
  if self._core_model ~= nil then return self._core_model or nil end
  local chain = self:chain()
  self._core_model = chain and train.Model(chain.cores, chain.names) or false
  self._core_compiled = false
  return self._core_model or nil
end

-- The layers' trainable flags into their cores (which the engine reads):
-- at compile, as Keras takes them, and on each forward of a custom loop.
function Sequential:_sync_trainable()
  local flags = {}
  for i, layer in ipairs(self.layers) do
    flags[i] = layer.trainable ~= false
    if layer.core then layer.core:set_trainable(flags[i]) end
  end
  return flags
end

-- Keras applies layer.trainable at compile; a change since then would train
-- (or freeze) what the user no longer expects, so fit refuses it loudly.
function Sequential:_check_trainable_unchanged(who)
  local flags = self._trainable_at_compile
  for i, layer in ipairs(self.layers) do
    if flags and flags[i] ~= nil and flags[i] ~= (layer.trainable ~= false) then
      error(("%s: layer '%s' was made %s after compile; call model:compile again for the change to take effect")
        :format(who, layer.name, layer.trainable ~= false and "trainable" or "non-trainable"), 0)
    end
  end
end

-- The model core, compiled with this model's loss, metrics and optimizer
-- (after build: which accuracy "acc" is depends on the output shape).
function Sequential:_step_core()
  local m = self:core_model()
  if m and not self._core_compiled then
    local kernels = {}  -- the built-in metrics; Lua ones (metric.fn) run in training.lua
    for _, metric in ipairs(self.metrics) do
      if not metric.fn then kernels[#kernels + 1] = self:metric_kernel(metric.key) end
    end
    -- a Lua loss replaces the compiled kind (which is then only a placeholder)
    local custom = type(self.loss) == "table"
    m:compile(custom and "mse" or self.loss, kernels, self.optimizer.core)
    m:set_loss(custom and losses.step_function(self.loss) or nil)
    self._core_compiled = true
  end
  return m
end

-- Model-level forward/backward for training loops (yours or fit's).
--- @api Sequential:forward(x[, training]) -> Tensor
--- The model's output for a batch (custom training loops).
--- @arg x: a tensor
--- @arg training = false: dropout active

function Sequential:forward(x, training)
  if not core.is_tensor(x) then
    error(("Sequential.forward: argument 'x' expected a tensor, got %s"):format(type(x)), 2)
  end
  self:ensure_built(x, "Sequential.forward")
  local m = self:core_model()
  if m then
    self:_sync_trainable()
    local ok, y = pcall(m.forward, m, x, training and true or false)
    if not ok then error(calls.strip_position(y), 2) end
    return y
  end
  for _, layer in ipairs(self.layers) do
    local ok, y = pcall(layer.forward, layer, x, training)
    if not ok then error(M.layer_error(layer, y), 2) end
    x = y
  end
  return x
end

--- @api Sequential:backward(dy) -> Tensor
--- Back-propagates dy through the last forward, accumulating the gradients.
--- @arg dy: gradient of the loss with respect to the output

function Sequential:backward(dy)
  local m = self:core_model()
  if m then
    local ok, err = pcall(m.backward, m, dy)
    if not ok then error(calls.strip_position(err), 2) end
    return
  end
  for i = #self.layers, 1, -1 do
    local layer = self.layers[i]
    local ok, dx = pcall(layer.backward, layer, dy)
    if not ok then error(M.layer_error(layer, dx), 2) end
    if dx == nil and i > 1 then
      error(("%s (%s): returns no input gradient, so it can only be the first layer"):format(layer.name, layer.type), 2)
    end
    dy = dx
  end
end

--- @api Sequential:reset_states()
--- Sets the carried states of every stateful recurrent layer to 0 (Keras's model.reset_states()).

function Sequential:reset_states()
  for _, layer in ipairs(self.layers) do
    if layer.stateful then layer:reset_states() end
  end
end

--- @api Sequential:zero_grads()
--- Sets every accumulated gradient to 0.

function Sequential:zero_grads()
  local m = self:core_model()
  if m then m:zero_grads() return end
  for _, layer in ipairs(self.layers) do layer:zero_grads() end
end

-- Lists of the trainable parameters and their gradients (views), in layer order.
--- @api Sequential:trainable_params() -> table, table
--- The trainable weights and their gradients (lists), for an optimizer's step.

--- @api Sequential:params() -> table, table
--- Every weight tensor and its gradient (lists), trainable or not.

function Sequential:trainable_params()
  if not self.built then error("Sequential: the model is not built yet", 2) end
  if not self._param_cache then
    self._param_cache = {}
    for i, layer in ipairs(self.layers) do
      local p, g, _, flags = layer:params()
      self._param_cache[i] = { p, g, flags or {} }
    end
  end
  local params, grads = {}, {}
  for i, layer in ipairs(self.layers) do
    if layer.trainable ~= false then
      local p, g, flags = self._param_cache[i][1], self._param_cache[i][2], self._param_cache[i][3]
      for j = 1, #p do
        if flags[j] ~= false then
          params[#params + 1] = p[j]
          grads[#grads + 1] = g[j]
        end
      end
    end
  end
  return params, grads
end
Sequential.params = Sequential.trainable_params

--- @api Sequential:get_weights() -> table
--- Every layer's weights in order (a list of tensors).

function Sequential:get_weights()
  local out = {}
  for _, layer in ipairs(self.layers) do
    for _, w in ipairs(layer:get_weights()) do out[#out + 1] = w end
  end
  return out
end

-- All weights at once, Keras order; everything is checked before anything changes.
--- @api Sequential:set_weights(weights)
--- Sets every layer's weights from a list (get_weights's order).
--- @arg weights: a list of tensors

function Sequential:set_weights(weights)
  if type(weights) ~= "table" then
    error(("Sequential.set_weights: argument 'weights' expected a list of tensors, got %s"):format(type(weights)), 2)
  end
  if not self.built then error("Sequential.set_weights: the model is not built yet", 2) end
  local total = 0
  for _, layer in ipairs(self.layers) do total = total + #(layer:params()) end
  if #weights ~= total then
    error(("Sequential.set_weights: expected %d weights, got %d"):format(total, #weights), 2)
  end
  local k, per_layer = 0, {}
  for i, layer in ipairs(self.layers) do
    local params, _, names = layer:params()
    local list = {}
    for j, p in ipairs(params) do
      k = k + 1
      local w = weights[k]
      if not core.is_tensor(w) then
        error(("Sequential.set_weights: weight %d (%s/%s) expected a tensor, got %s"):format(k, layer.name, names[j], type(w)), 2)
      end
      local want, got = table.concat(p.shape, ","), table.concat(w.shape, ",")
      if want ~= got then
        error(("Sequential.set_weights: weight %d (%s/%s) expected shape {%s}, got {%s}"):format(k, layer.name, names[j], want, got), 2)
      end
      list[j] = w
    end
    per_layer[i] = list
  end
  -- Every copy in one C call: an interrupt leaves the weights all old or all new.
  local dsts, srcs = {}, {}
  for i, layer in ipairs(self.layers) do
    local params = layer:params()
    for j, w in ipairs(per_layer[i]) do
      dsts[#dsts + 1] = params[j]
      srcs[#srcs + 1] = w:float()
    end
  end
  core.copy_all(dsts, srcs)
end

--- @api Sequential:count_params() -> integer
--- The number of weights of the model.

function Sequential:count_params()
  local n = 0
  for _, layer in ipairs(self.layers) do n = n + layer:count_params() end
  return n
end

M.thousands = summary.thousands

-- Keras 2's print_summary for a Sequential model (line_length 65,
-- columns at 45% / 85% / 100%).  opts.print_fn receives each line.
--- @api Sequential:summary([opts])
--- Prints Keras's table of layers, output shapes and parameter counts.

function Sequential:summary(opts)
  opts = calls.check_options("Sequential.summary", opts, { "print_fn" }, 2)
  local print_fn = opts.print_fn or print
  if type(print_fn) ~= "function" then
    error(("Sequential.summary: option 'print_fn' expected a function, got %s"):format(type(print_fn)), 2)
  end
  if not self.built then
    error("Sequential.summary: this model has not yet been built; give the first layer an input_shape "
      .. "(or input_dim / input_length), or call fit / predict / build first", 2)
  end
  local line_length = 65
  local row = summary.row_printer(print_fn, { 29, 55, 65 })
  print_fn(("_"):rep(line_length))
  row({ "Layer (type)", "Output Shape", "Param #" })
  print_fn(("="):rep(line_length))
  for i, layer in ipairs(self.layers) do
    row({ ("%s (%s)"):format(layer.name, layer.type), M.shape_str(layer.output_shape), tostring(layer:count_params()) })
    print_fn(((i == #self.layers) and "=" or "_"):rep(line_length))
  end
  if #self.layers == 0 then print_fn(("="):rep(line_length)) end
  summary.footer(print_fn, self.layers, line_length)
end

-- ---- compile ----

local metric_aliases = {
  acc = "acc", accuracy = "acc",
  mae = "mean_absolute_error", mean_absolute_error = "mean_absolute_error",
  binary_accuracy = "binary_accuracy", categorical_accuracy = "categorical_accuracy",
  sparse_categorical_accuracy = "sparse_categorical_accuracy",
}
local valid_metrics = "acc, accuracy, mae, mean_absolute_error, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy"

local warned_bce = false

local function last_activation(model)
  local last = model.layers[#model.layers]
  if last == nil then return nil end
  return last.config and last.config.activation or "linear", last
end

-- compile{optimizer = "rmsprop" | object, loss = "binary_crossentropy", metrics = {"acc"}}
--- @api Sequential:compile(opts)
--- Sets the optimizer, loss and metrics.
--- @opt optimizer: "sgd", "rmsprop", "adam" or an ember.optimizers object
--- @opt loss: a loss name (see ember.losses), or {fn = f, grad = g}: f(y_true, y_pred) -> the mean loss, g(y_true, y_pred) -> dLoss/dy_pred
--- @opt metrics: a list such as {"acc"} or {"mae"}; an entry {name = "f1", fn = f} is a metric f(y_true, y_pred) -> number

function Sequential:compile(opts)
  if type(opts) ~= "table" then
    error(("Sequential.compile: expected an options table {optimizer = ..., loss = ...}, got %s"):format(type(opts)), 2)
  end
  for k in pairs(opts) do
    if k ~= "optimizer" and k ~= "loss" and k ~= "metrics" then
      error(require("ember.calls").unknown_option("Sequential.compile", k, { "optimizer", "loss", "metrics" }), 2)
    end
  end
  if opts.optimizer == nil then error("Sequential.compile: option 'optimizer' is required (e.g. \"rmsprop\")", 2) end
  if opts.loss == nil then error("Sequential.compile: option 'loss' is required (e.g. \"binary_crossentropy\")", 2) end
  local ok, opt = pcall(optimizers.get, opts.optimizer, "Sequential.compile")
  if not ok then error(calls.strip_position(opt), 2) end
  local okc, loss = pcall(losses.custom, opts.loss, "Sequential.compile")
  if not okc then error(calls.strip_position(loss), 2) end
  if not loss then
    local ok2
    ok2, loss = pcall(losses.get, opts.loss, "Sequential.compile")
    if not ok2 then error(calls.strip_position(loss), 2) end
  end
  local metrics = {}
  local given = opts.metrics or {}
  if type(given) == "string" then given = { given } end
  if type(given) ~= "table" then
    error(("Sequential.compile: option 'metrics' expected a list of names, got %s"):format(type(given)), 2)
  end
  local taken = {}
  for _, m in ipairs(given) do
    local key = type(m) == "string" and metric_aliases[m]
    if type(m) == "table" and getmetatable(m) == nil and m.fn ~= nil then  -- a Lua metric {name = , fn = }
      for k in pairs(m) do
        if k ~= "name" and k ~= "fn" then
          error(require("ember.calls").unknown_option("Sequential.compile: a metric", k, { "name", "fn" }), 2)
        end
      end
      if type(m.fn) ~= "function" then
        error(("Sequential.compile: a metric's 'fn' expected a function, got %s"):format(type(m.fn)), 2)
      end
      if type(m.name) ~= "string" or m.name == "" or m.name:find("^val_") or m.name == "loss" then
        error(("Sequential.compile: a metric {name = ..., fn = ...} needs a name (a string, not 'loss' nor "
          .. "starting with 'val_'), got %s"):format(tostring(m.name)), 2)
      end
      if metric_aliases[m.name] then
        error(("Sequential.compile: metric '%s' given twice (a metric {name = ..., fn = ...} cannot take a "
          .. "built-in metric's name)"):format(m.name), 2)
      end
      key = m.name
    elseif not key then
      error(("Sequential.compile: unknown metric %s (valid: %s)%s"):format(
        type(m) == "string" and ("'" .. m .. "'") or type(m), valid_metrics,
        require("ember.calls").suggestion(m, metric_aliases)), 2)
    end
    if (type(m) == "table" and taken[key]) or taken[key] == "lua" then
      error(("Sequential.compile: metric '%s' given twice"):format(key), 2)
    end
    taken[key] = type(m) == "table" and "lua" or true
    metrics[#metrics + 1] = type(m) == "table" and { key = key, given = key, fn = m.fn } or { key = key, given = m }
  end
  local nbuiltin = 0
  for _, m in ipairs(metrics) do if not m.fn then nbuiltin = nbuiltin + 1 end end
  if nbuiltin > 8 then error(("Sequential.compile: at most 8 built-in metrics, got %d"):format(nbuiltin), 2) end
  -- As Keras: the optimizer's accumulators belong to this compile (a layer
  -- frozen since, or another model, gets fresh ones); its iteration count stays.
  opt.core:reset_state()
  self.optimizer, self.loss, self.metrics = opt, loss, metrics
  self.compiled = true
  self._core_compiled = false
  self._trainable_at_compile = self:_sync_trainable()
  if loss == "binary_crossentropy" and not warned_bce then
    local act, last = last_activation(self)
    if act ~= "sigmoid" then
      warned_bce = true
      io.stderr:write(("ember: warning: loss binary_crossentropy expects probabilities, but the last layer%s has "
        .. "activation '%s' (no sigmoid); its outputs will be clipped to [1e-7, 1 - 1e-7]\n")
        :format(last and (" " .. last.name) or "", tostring(act)))
    end
  end
end

-- Which C metric "acc" means, decided as Keras 2.2 does from the loss and
-- the output's last dimension.
-- The engine's metric for a compiled metric name: Keras's "acc" is the
-- accuracy the loss and the output's last dimension imply.
function M.metric_kernel(key, loss, output_shape)
  if key == "mean_absolute_error" then return "mae" end
  if key == "acc" then
    local out = output_shape or {}
    if loss == "binary_crossentropy" or out[#out] == 1 then return "binary_accuracy" end
    if loss == "sparse_categorical_crossentropy" then return "sparse_categorical_accuracy" end
    return "categorical_accuracy"
  end
  return key
end

function Sequential:metric_kernel(key)
  return M.metric_kernel(key, self.loss, self.output_shape)
end

function Sequential:__tostring()
  return ("<Sequential with %d layers>"):format(#self.layers)
end

M.Sequential_methods = Sequential
-- The training loops are plain functions of ember.training over any model.
local training = require "ember.training"
for _, name in ipairs { "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "fit_generator",
  "evaluate_generator", "predict_generator" } do
  Sequential[name] = training[name]
end
require("ember.weights_io").install(Sequential)
-- get_config / to_json / save (ember.model_files, ember.model_config)
local model_files = require "ember.model_files"
model_files.install(Sequential)
M.model_from_json = model_files.model_from_json
M.model_from_config = model_files.model_from_config
M.load_model = model_files.load_model

-- The functional API's Model takes Sequential's weight handling and compile
-- for one output from the plain (unwrapped) methods.
M._Sequential_plain = {}
for name, f in pairs(Sequential) do M._Sequential_plain[name] = f end
local functional = require "ember.functional"
functional.install(M._Sequential_plain)
M.Model = functional.Model
M.Model_class = functional.Model_class  -- for help() and the API reference (ember.api_walk)
M.Input = functional.Input

-- model.fit(x, y) with a dot (a Python habit) passes x as the model: every
-- public method checks its self and says to use a colon.  A tail call, so
-- the method's own errors still point at the caller's line.
local function describe_self(v)
  if v == nil then return "nothing" end
  if core.is_tensor(v) then return "a tensor" end
  return "a " .. type(v)
end
for name, f in pairs(Sequential) do
  if type(f) == "function" and not name:find("^_") then
    Sequential[name] = function(self, ...)
      if getmetatable(self) ~= Sequential then
        error(("Sequential.%s: call it with a colon, model:%s(...) (with a dot, Lua passed %s as the model)")
          :format(name, name, describe_self(self)), 2)
      end
      return f(self, ...)
    end
  end
end

-- ember.Sequential(...) and ember.models.Sequential(...)
return M
