-- The functional API (Keras 2.2.4's): ember.Input, layers called on
-- symbolic tensors, ember.Model{inputs = ..., outputs = ...}.
--
-- A symbolic tensor records where it comes from: the node (one call of a
-- layer on symbolic tensors) and which output of that call it is.  Input
-- makes an InputLayer and its node.  Model walks back from the outputs as
-- Keras's Network does (build_map): it finds the nodes, refuses a graph
-- whose outputs need an input it was not given (or that leaves a given
-- input unused), orders the layers as Keras's model.layers (by depth, then
-- by discovery), and hands the nodes, in topological order, to the engine's
-- graph model (engine/train/model.h, through core.train.Model): the same
-- one training step as Sequential, so fit, evaluate, predict,
-- train_on_batch, fit_generator, callbacks, History and MPI runs are the
-- plain functions of ember.training.
--
-- Structure a model exposes (for whole-model files / Keras JSON):
--   model.name, model.inputs, model.outputs (symbolic tensors),
--   model.input_names, model.output_names, model.layers (Keras order,
--   InputLayers included), model.nodes: { {layer =, inputs = {sym...},
--   outputs = {sym...}, node_index = k (0-based, Keras's), depth =} ... } in
--   execution order; a symbolic tensor has .node, .index (0-based), .shape,
--   .dtype, .name.  layer._inbound_nodes lists a layer's nodes (all models).
local core = require "ember.core"
local calls = require "ember.calls"
local base = require "ember.layers.base"
local optimizers = require "ember.optimizers"
local losses = require "ember.losses"
local summary = require "ember.summary"

local None = core.None
local train = core.train

local F = {}

-- ---- symbolic tensors ----

local Sym = {}
Sym.__index = Sym
F.Symbolic_class = Sym

local shape_str = summary.shape_str
F.shape_str = shape_str

function Sym:__tostring()
  return ("<symbolic tensor '%s' shape=%s dtype=%s>"):format(self.name, shape_str(self.shape), self.dtype)
end

--- @api ember.is_symbolic(v) -> boolean
--- True when v is a symbolic tensor (from ember.Input or a layer called on one).
--- @arg v: any value

function F.is_symbolic(v) return getmetatable(v) == Sym end

local function describe(v)
  if core.is_tensor(v) then return "a tensor (layers are called on symbolic tensors from ember.Input; "
    .. "give data to fit / predict)" end
  if base.is_layer(v) then return ("a layer (%s)"):format(v.name) end
  return type(v)
end

local function copy_shape(shape)
  local s = {}
  for i, d in ipairs(shape) do s[i] = d end
  return s
end

-- A new node of layer on the symbolic inputs, with outputs of these shapes.
local function new_node(layer, inputs, shapes, dtype)
  layer._inbound_nodes = rawget(layer, "_inbound_nodes") or {}
  local node = { layer = layer, inputs = inputs, outputs = {}, node_index = #layer._inbound_nodes }
  layer._inbound_nodes[#layer._inbound_nodes + 1] = node
  for k, shape in ipairs(shapes) do
    local name = layer.name .. (#shapes > 1 and ("/" .. (k - 1)) or "")
    node.outputs[k] = setmetatable({ shape = copy_shape(shape), dtype = dtype or "float32", node = node,
      index = k - 1, name = name, layer = layer }, Sym)
  end
  return node
end

-- ---- Input ----

local InputLayer = {}
InputLayer.__index = InputLayer
InputLayer.__is_layer = false
F.InputLayer_class = InputLayer

function InputLayer:params() return {}, {}, {}, {} end
function InputLayer:get_weights() return {} end
function InputLayer:set_weights(w)
  if type(w) ~= "table" or #w > 0 then error(("%s.set_weights: an InputLayer has no weights"):format(self.name), 2) end
end
function InputLayer:count_params() return 0 end
function InputLayer:zero_grads() end
function InputLayer:__tostring() return ("<InputLayer %s>"):format(self.name) end

local DTYPES = { float32 = true, int32 = true }

local function check_dims(who, key, shape, from)
  if type(shape) ~= "table" or getmetatable(shape) ~= nil then
    error(("%s: option '%s' expected a table such as {ember.None, 14}, got %s"):format(who, key, type(shape)), 0)
  end
  local highest = 0
  for i in pairs(shape) do
    if math.type(i) ~= "integer" or i < 1 then
      error(("%s: option '%s' has a key %s; it is a list of dimensions"):format(who, key, tostring(i)), 0)
    end
    highest = math.max(highest, i)
  end
  for i = 1, highest do
    local d = shape[i]
    if d == nil then
      error(("%s: option '%s' has nothing at position %d: write ember.None for an unknown dimension "
        .. "(Python's None; a Lua nil leaves a hole)"):format(who, key, i), 0)
    end
    if not (d == None or (math.type(d) == "integer" and d > 0)) then
      error(("%s: option '%s' entry %d must be a positive integer or ember.None, got %s")
        :format(who, key, i, tostring(d)), 0)
    end
  end
  if from == "shape" and highest == 0 then
    error(("%s: option 'shape' is empty; give the shape of one sample, e.g. {14} or {ember.None, 14}"):format(who), 0)
  end
end

--- @api ember.Input(opts) -> symbolic tensor
--- A model input (Keras's Input): a symbolic tensor that layers are called on.
--- Exactly one of shape and batch_shape is given.
--- @opt shape: the shape of one sample, without the batch dimension, e.g. {ember.None, 14}
--- @opt batch_shape: the shape with the batch dimension, e.g. {32, 10}
--- @opt dtype = "float32": "float32" or "int32" (token ids for an Embedding)
--- @opt name: the input's name (default input_N), used by fit / predict tables by name

function F.Input(opts)
  local ok, r = pcall(function()
    opts = calls.check_options("Input", opts, { "shape", "batch_shape", "dtype", "name" }, 4)
    if opts.shape == nil and opts.batch_shape == nil then
      error("Input: give option 'shape' (one sample, e.g. {ember.None, 14}) or 'batch_shape'", 0)
    end
    if opts.shape ~= nil and opts.batch_shape ~= nil then
      error("Input: give option 'shape' or option 'batch_shape', not both", 0)
    end
    local shape
    if opts.shape ~= nil then
      check_dims("Input", "shape", opts.shape, "shape")
      shape = { None }
      for i, d in ipairs(opts.shape) do shape[i + 1] = d end
    else
      check_dims("Input", "batch_shape", opts.batch_shape, "batch_shape")
      shape = copy_shape(opts.batch_shape)
      if #shape < 1 then error("Input: option 'batch_shape' is empty", 0) end
    end
    local dtype = opts.dtype or "float32"
    if not DTYPES[dtype] then
      error(("Input: option 'dtype' expected \"float32\" or \"int32\", got %s"):format(tostring(dtype)), 0)
    end
    if opts.name ~= nil and (type(opts.name) ~= "string" or opts.name == "") then
      error(("Input: option 'name' expected a non-empty string, got %s"):format(type(opts.name)), 0)
    end
    local layer = setmetatable({ type = "InputLayer", name = opts.name or base.next_name("InputLayer", "input"),
      trainable = true, built = true, output_shape = shape, batch_input_shape = shape, dtype = dtype,
      config = { batch_input_shape = shape, dtype = dtype, sparse = false } }, InputLayer)
    layer.config.name = layer.name
    return new_node(layer, {}, { shape }, dtype).outputs[1]
  end)
  if not ok then error(calls.strip_position(tostring(r)), 2) end
  return r
end

-- ---- calling a layer ----

local function layer_label(layer) return ("%s (%s)"):format(layer.name, layer.type) end

-- The output shapes of a call: layer:_output_shapes(shape_or_list) when the
-- layer has several outputs (it returns a list), else the build's one.
local function build_call(layer, inputs)
  local arg
  if layer.multiple_inputs then
    arg = {}
    for i, s in ipairs(inputs) do arg[i] = s.shape end
  else
    arg = inputs[1].shape
  end
  local out = layer:build(arg)
  layer.output_shape = layer.output_shape or out
  if layer._output_shapes then return layer:_output_shapes(arg, out) end
  return { out }
end

-- layer(inputs): see Layer:__call (layers/base.lua).
function F.call(layer, inputs, ...)
  local label = layer_label(layer)
  if select("#", ...) > 0 and select(1, ...) ~= nil then
    error(("%s: takes the inputs only (no call options yet), got a second argument (%s)")
      :format(label, type((select(1, ...)))), 3)
  end
  local list
  if F.is_symbolic(inputs) then
    list = { inputs }
  elseif type(inputs) == "table" and getmetatable(inputs) == nil and #inputs > 0 then
    list = {}
    for i, v in ipairs(inputs) do
      if not F.is_symbolic(v) then
        error(("%s: argument 'inputs' entry %d expected a symbolic tensor (from ember.Input or a layer's output), "
          .. "got %s"):format(label, i, describe(v)), 3)
      end
      list[i] = v
    end
  else
    error(("%s: argument 'inputs' expected a symbolic tensor (from ember.Input or a layer's output), got %s")
      :format(label, describe(inputs)), 3)
  end
  if layer.core == nil or (not layer.multiple_inputs and (layer.forward ~= base.Layer.forward
      or layer.backward ~= base.Layer.backward)) then
    error(("%s: only Ember's built-in layers can be called on symbolic tensors (this one is written in Lua)")
      :format(label), 3)
  end
  if layer.multiple_inputs and #list < 2 then
    error(("%s: a merge layer is called on a list of at least 2 symbolic tensors, got %d"):format(label, #list), 3)
  end
  if not layer.multiple_inputs and #list ~= 1 then
    error(("%s: takes one input, got a list of %d (merge them first, e.g. ember.layers.concatenate)")
      :format(label, #list), 3)
  end
  local ok, shapes = pcall(build_call, layer, list)
  if not ok then
    local msg = calls.strip_position(tostring(shapes))
    if not msg:find("^" .. layer.name:gsub("%p", "%%%0") .. " %(") then
      msg = ("%s: %s"):format(label, (msg:gsub("^" .. layer.type .. ": ", "")))
    end
    error(msg, 3)
  end
  local node = new_node(layer, list, shapes, "float32")
  if #node.outputs == 1 then return node.outputs[1] end
  return node.outputs
end

-- ---- Model ----

local Model = {}
Model.__index = Model
F.Model_class = Model

local function as_list(v, who, key)
  if F.is_symbolic(v) then return { v } end
  if type(v) ~= "table" or getmetatable(v) ~= nil or #v == 0 then
    error(("%s: argument '%s' expected a symbolic tensor or a list of them, got %s"):format(who, key, describe(v)), 0)
  end
  local out = {}
  for i, s in ipairs(v) do
    if not F.is_symbolic(s) then
      error(("%s: argument '%s' entry %d expected a symbolic tensor, got %s"):format(who, key, i, describe(s)), 0)
    end
    out[i] = s
  end
  return out
end

-- Keras's Network.__init__: build_map from the outputs, node depths,
-- layers by depth.  Returns nodes (execution order), layers (Keras order).
local function walk(inputs, outputs)
  local input_pos = {}
  for k, s in ipairs(inputs) do input_pos[s.node] = k end
  local finished, in_progress, order, layer_index, nlayers = {}, {}, {}, {}, 0
  local reached = {}
  local function build_map(node, output_k)
    if in_progress[node] then error("Model: the graph has a cycle", 0) end
    if finished[node] then return end
    if layer_index[node.layer] == nil then
      nlayers = nlayers + 1
      layer_index[node.layer] = nlayers
    end
    if node.layer.type == "InputLayer" then
      if not input_pos[node] then
        error(("Model: graph disconnected: output %d (%s) depends on input '%s', which is not in argument 'inputs'")
          :format(output_k, outputs[output_k].name, node.layer.name), 0)
      end
      reached[node] = true
    end
    in_progress[node] = true
    for _, s in ipairs(node.inputs) do build_map(s.node, output_k) end
    in_progress[node] = nil
    finished[node] = true
    order[#order + 1] = node
  end
  for k, s in ipairs(outputs) do build_map(s.node, k) end
  for k, s in ipairs(inputs) do
    if not reached[s.node] then
      error(("Model: argument 'inputs' entry %d ('%s') is not connected to any output (disconnected input)")
        :format(k, s.node.layer.name), 0)
    end
  end
  -- depths: outputs' nodes 0, a node's inputs one deeper (the deepest wins)
  local depth = {}
  for i = #order, 1, -1 do
    local node = order[i]
    depth[node] = depth[node] or 0
    for _, s in ipairs(node.inputs) do depth[s.node] = math.max(depth[s.node] or 0, depth[node] + 1) end
  end
  local layer_depth = {}
  for _, node in ipairs(order) do
    node.depth = depth[node]
    layer_depth[node.layer] = math.max(layer_depth[node.layer] or 0, depth[node])
  end
  local layers = {}
  for layer in pairs(layer_depth) do layers[#layers + 1] = layer end
  table.sort(layers, function(a, b)
    if layer_depth[a] ~= layer_depth[b] then return layer_depth[a] > layer_depth[b] end
    return layer_index[a] < layer_index[b]
  end)
  return order, layers, input_pos
end

--- @api ember.Model(opts) -> Model
--- A model of layers called on symbolic tensors (Keras's functional Model): several inputs and outputs,
--- shared layers, merge layers; compile, fit, evaluate, predict, summary, save_weights as Sequential.
--- @opt inputs: a symbolic tensor from ember.Input, or a list of them
--- @opt outputs: a symbolic tensor (a layer's output), or a list of them
--- @opt name: the model's name (default model_N)

--- @api Model
--- A functional model: `inputs`, `outputs`, `layers` (Keras order), `nodes`, `input_names`, `output_names`.

function F.Model(opts)
  local ok, r = pcall(function()
    opts = calls.check_options("Model", opts, { "inputs", "outputs", "name" }, 4)
    if opts.inputs == nil then error("Model: argument 'inputs' is required (ember.Input tensors)", 0) end
    if opts.outputs == nil then error("Model: argument 'outputs' is required (layers' outputs)", 0) end
    if opts.name ~= nil and (type(opts.name) ~= "string" or opts.name == "") then
      error(("Model: option 'name' expected a non-empty string, got %s"):format(type(opts.name)), 0)
    end
    local inputs, outputs = as_list(opts.inputs, "Model", "inputs"), as_list(opts.outputs, "Model", "outputs")
    local seen = {}
    for k, s in ipairs(inputs) do
      if s.node.layer.type ~= "InputLayer" then
        error(("Model: argument 'inputs' entry %d expected a tensor from ember.Input, got the output of %s")
          :format(k, layer_label(s.node.layer)), 0)
      end
      if seen[s] then error(("Model: argument 'inputs' lists input '%s' twice"):format(s.node.layer.name), 0) end
      seen[s] = true
    end
    if #inputs > 16 then error(("Model: at most 16 inputs, got %d"):format(#inputs), 0) end
    if #outputs > 8 then error(("Model: at most 8 outputs, got %d"):format(#outputs), 0) end
    local order, layers, input_pos = walk(inputs, outputs)
    local names = {}
    for _, layer in ipairs(layers) do
      if names[layer.name] then
        error(("Model: two layers are named '%s'; layer names must be unique in a model"):format(layer.name), 0)
      end
      names[layer.name] = true
    end
    local self = setmetatable({ name = opts.name or base.next_name("Model", "model"), inputs = inputs,
      outputs = outputs, layers = layers, built = true, compiled = false, stop_training = false }, Model)
    self.nodes = {}
    for _, node in ipairs(order) do
      if node.layer.type ~= "InputLayer" then self.nodes[#self.nodes + 1] = node end
    end
    if #self.nodes == 0 then
      error("Model: argument 'outputs' holds only inputs; a model needs at least one layer between them", 0)
    end
    self._input_pos = input_pos
    self.input_names, self.output_names = {}, {}
    for k, s in ipairs(inputs) do self.input_names[k] = s.node.layer.name end
    for k, s in ipairs(outputs) do self.output_names[k] = s.node.layer.name end
    self._input_shapes, self._output_shapes = {}, {}
    for k, s in ipairs(inputs) do self._input_shapes[k] = copy_shape(s.shape) end
    for k, s in ipairs(outputs) do self._output_shapes[k] = copy_shape(s.shape) end
    self.input_shape = #inputs == 1 and self._input_shapes[1] or self._input_shapes
    self.output_shape = #outputs == 1 and self._output_shapes[1] or self._output_shapes
    return self
  end)
  if not ok then error(calls.strip_position(tostring(r)), 2) end
  return r
end

-- The graph for the engine: node i's inputs as {src, index} (src > 0: a
-- node, src < 0: a model input), the outputs likewise.
function Model:_graph()
  local pos = {}
  for i, node in ipairs(self.nodes) do pos[node] = i end
  local function edge(s)
    local k = self._input_pos[s.node]
    if k then return { -k, 1 } end
    return { pos[s.node], s.index + 1 }
  end
  local cores, names, nodes, outs = {}, {}, {}, {}
  for i, node in ipairs(self.nodes) do
    cores[i], names[i] = node.layer.core, node.layer.name
    local list = {}
    for k, s in ipairs(node.inputs) do list[k] = edge(s) end
    nodes[i] = list
  end
  for j, s in ipairs(self.outputs) do outs[j] = edge(s) end
  return cores, names, { inputs = #self.inputs, nodes = nodes, outputs = outs }
end

function Model:core_model()
  if self._core_model == nil then
    local cores, names, graph = self:_graph()
    self._core_model = train.Model(cores, names, graph)
    self._core_compiled = false
  end
  return self._core_model
end

function Model:ensure_built() end
function Model:chain() return nil end

-- ---- data: lists or tables by name, one per input / output ----

local function by_name_or_list(self, who, arg, v, names, shapes, dtypes)
  local n = #names
  local list
  if core.is_tensor(v) then
    if n ~= 1 then
      error(("%s: argument '%s' expected %d tensors (a list, or a table by name: %s), got one tensor")
        :format(who, arg, n, table.concat(names, ", ")), 0)
    end
    list = { v }
  elseif type(v) == "table" and getmetatable(v) == nil then
    if #v > 0 then
      if #v ~= n then
        error(("%s: argument '%s' expected %d tensors (one per model %s: %s), got %d")
          :format(who, arg, n, arg == "x" and "input" or "output", table.concat(names, ", "), #v), 0)
      end
      list = {}
      for i = 1, n do list[i] = v[i] end
    else
      local index = {}
      for i, nm in ipairs(names) do index[nm] = i end
      for key in pairs(v) do
        if not index[key] then
          error(("%s: argument '%s' names '%s', which is not a model %s (%s)")
            :format(who, arg, tostring(key), arg == "x" and "input" or "output", table.concat(names, ", ")), 0)
        end
      end
      list = {}
      for i, nm in ipairs(names) do
        if v[nm] == nil then error(("%s: argument '%s' has no entry for '%s'"):format(who, arg, nm), 0) end
        list[i] = v[nm]
      end
    end
  else
    error(("%s: argument '%s' expected a tensor, a list of tensors or a table by name, got %s")
      :format(who, arg, type(v)), 0)
  end
  local rows
  for i, t in ipairs(list) do
    if not core.is_tensor(t) then
      error(("%s: argument '%s' entry '%s' expected a tensor, got %s"):format(who, arg, names[i], type(t)), 0)
    end
    local want = shapes and shapes[i]  -- targets: their shapes are the losses' to check (sparse labels...)
    if want and t:dim() ~= #want then
      error(("%s: argument '%s' entry '%s' has %d dimensions, but the model expects shape %s")
        :format(who, arg, names[i], t:dim(), shape_str(want)), 0)
    end
    for d = 2, want and #want or 0 do
      if want[d] ~= None and t:size(d) ~= want[d] then
        error(("%s: argument '%s' entry '%s' has shape {%s}, but the model expects %s")
          :format(who, arg, names[i], table.concat(t.shape, ", "), shape_str(want)), 0)
      end
    end
    rows = rows or t:size(1)
    if t:size(1) ~= rows then
      error(("%s: argument '%s' entry '%s' has %d samples but entry '%s' has %d")
        :format(who, arg, names[i], t:size(1), names[1], rows), 0)
    end
    if dtypes and dtypes[i] ~= t.dtype then list[i] = dtypes[i] == "float32" and t:float() or t:int() end
  end
  if n == 1 then return list[1] end
  return list
end

function Model:_standardize(who, x, y)
  local dtypes = {}
  for k, s in ipairs(self.inputs) do dtypes[k] = s.dtype end
  local sx = by_name_or_list(self, who, "x", x, self.input_names, self._input_shapes, dtypes)
  if y == nil then return sx end
  local sy = by_name_or_list(self, who, "y", y, self.output_names, nil, nil)
  return sx, sy
end

-- ---- forward / backward for custom loops ----

--- @api Model:forward(x[, training]) -> Tensor
--- The model's output for a batch (a list of outputs when several).
--- @arg x: a tensor, a list of tensors (one per input) or a table by input name
--- @arg training = false: dropout active

function Model:forward(x, training)
  local ok, sx = pcall(self._standardize, self, "Model.forward", x)
  if not ok then error(calls.strip_position(tostring(sx)), 2) end
  local m = self:core_model()
  self:_sync_trainable()
  local ok2, y = pcall(m.forward, m, sx, training and true or false)
  if not ok2 then error(calls.strip_position(tostring(y)), 2) end
  return y
end

--- @api Model:backward(dy)
--- Back-propagates the outputs' gradients through the last forward, accumulating the weights' gradients.
--- @arg dy: a tensor, or a list of tensors (one per output)

function Model:backward(dy)
  local m = self:core_model()
  local ok, err = pcall(m.backward, m, dy)
  if not ok then error(calls.strip_position(tostring(err)), 2) end
end

--- @api Model:zero_grads()
--- Sets every accumulated gradient to 0.

function Model:zero_grads() self:core_model():zero_grads() end

-- ---- compile ----

-- A per-output option: one value for all, a list, or a table by output name.
local function per_output(self, key, v, check)
  local n, names = #self.outputs, self.output_names
  local out = {}
  if type(v) == "table" and getmetatable(v) == nil and v.fn == nil then
    if #v > 0 then
      if #v ~= n then
        error(("Model.compile: option '%s' expected %d entries (one per output: %s), got %d")
          :format(key, n, table.concat(names, ", "), #v), 0)
      end
      for i = 1, n do out[i] = check(v[i], names[i]) end
      return out
    end
    local index = {}
    for i, nm in ipairs(names) do index[nm] = i end
    for k in pairs(v) do
      if not index[k] then
        error(("Model.compile: option '%s' names output '%s', which the model does not have (outputs: %s)")
          :format(key, tostring(k), table.concat(names, ", ")), 0)
      end
    end
    for i, nm in ipairs(names) do
      if v[nm] == nil then error(("Model.compile: option '%s' has no entry for output '%s'"):format(key, nm), 0) end
      out[i] = check(v[nm], nm)
    end
    return out
  end
  for i = 1, n do out[i] = check(v, names[i]) end
  return out
end

local metric_aliases = {
  acc = "acc", accuracy = "acc", mae = "mean_absolute_error", mean_absolute_error = "mean_absolute_error",
  binary_accuracy = "binary_accuracy", categorical_accuracy = "categorical_accuracy",
  sparse_categorical_accuracy = "sparse_categorical_accuracy",
}

-- Which C metric "acc" is for an output (Keras 2.2.4: from its loss and its last dim).
local function metric_kernel(key, loss, shape) return require("ember.models").metric_kernel(key, loss, shape) end

--- @api Model:compile(opts)
--- Sets the optimizer, the loss of each output, their weights and the metrics (Keras 2.2.4).
--- With several outputs, History has loss, <output>_loss and <output>_<metric> (and val_ versions).
--- @opt optimizer: "sgd", "rmsprop", "adam" or an ember.optimizers object
--- @opt loss: a loss name for every output, a list (one per output) or a table by output name
--- @opt loss_weights: a list or a table by output name of numbers (default 1 each): the total loss is the weighted sum
--- @opt metrics: a list of metric names for every output, or a table by output name of lists

function Model:compile(opts)
  if type(opts) ~= "table" then
    error(("Model.compile: expected an options table {optimizer = ..., loss = ...}, got %s"):format(type(opts)), 2)
  end
  for k in pairs(opts) do
    if k ~= "optimizer" and k ~= "loss" and k ~= "metrics" and k ~= "loss_weights" then
      error(calls.unknown_option("Model.compile", k, { "optimizer", "loss", "metrics", "loss_weights" }), 2)
    end
  end
  if #self.outputs == 1 and opts.loss_weights == nil then
    -- one output: exactly Sequential's compile (Lua losses and metrics included)
    local plain = require("ember.models")._Sequential_plain
    local rest = { optimizer = opts.optimizer, loss = opts.loss, metrics = opts.metrics }
    if type(rest.loss) == "table" and getmetatable(rest.loss) == nil and rest.loss.fn == nil then
      rest.loss = per_output(self, "loss", rest.loss, function(v) return v end)[1]
    end
    if type(rest.metrics) == "table" and #rest.metrics == 0 and next(rest.metrics) ~= nil then
      rest.metrics = per_output(self, "metrics", rest.metrics, function(v) return v end)[1]
    end
    local ok, err = pcall(plain.compile, self, rest)
    if not ok then error((calls.strip_position(tostring(err)):gsub("^Sequential%.", "Model.")), 2) end
    self._specs = nil
    return
  end
  local ok, err = pcall(self._compile_outputs, self, opts)
  if not ok then error(calls.strip_position(tostring(err)), 2) end
end

function Model:_compile_outputs(opts)
  if opts.optimizer == nil then error("Model.compile: option 'optimizer' is required (e.g. \"rmsprop\")", 0) end
  if opts.loss == nil then error("Model.compile: option 'loss' is required (e.g. \"mse\")", 0) end
  local opt = optimizers.get(opts.optimizer, "Model.compile")
  local loss_list = per_output(self, "loss", opts.loss, function(v, nm)
    if type(v) ~= "string" then
      error(("Model.compile: output '%s': a model of several outputs takes built-in losses (a name), got %s")
        :format(nm, type(v)), 0)
    end
    return losses.get(v, "Model.compile")
  end)
  local weights
  if opts.loss_weights ~= nil then weights = per_output(self, "loss_weights", opts.loss_weights,
    function(v, nm)
      if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
        error(("Model.compile: option 'loss_weights' gives output '%s' %s; expected a finite number")
          :format(nm, tostring(v)), 0)
      end
      return v
    end) end
  if type(opts.loss_weights) ~= "nil" and type(opts.loss_weights) ~= "table" then
    error(("Model.compile: option 'loss_weights' expected a list or a table by output name, got %s")
      :format(type(opts.loss_weights)), 0)
  end
  local given = opts.metrics or {}
  if type(given) == "string" then given = { given } end
  if type(given) ~= "table" then
    error(("Model.compile: option 'metrics' expected a list of names or a table by output name, got %s")
      :format(type(given)), 0)
  end
  local metric_lists
  if #given == 0 and next(given) ~= nil then
    local index = {}
    for i, nm in ipairs(self.output_names) do index[nm] = i end
    metric_lists = {}
    for k, v in pairs(given) do
      if not index[k] then
        error(("Model.compile: option 'metrics' names output '%s', which the model does not have (outputs: %s)")
          :format(tostring(k), table.concat(self.output_names, ", ")), 0)
      end
      metric_lists[index[k]] = type(v) == "string" and { v } or v
    end
    for i = 1, #self.outputs do metric_lists[i] = metric_lists[i] or {} end
  else
    metric_lists = {}
    for i = 1, #self.outputs do metric_lists[i] = given end
  end
  local several = #self.outputs > 1
  local metrics, specs = {}, {}
  if several then
    for i, nm in ipairs(self.output_names) do metrics[#metrics + 1] = { key = nm .. "_loss", given = nm .. "_loss" } end
  end
  for i, nm in ipairs(self.output_names) do
    local kernels = {}
    if type(metric_lists[i]) ~= "table" then
      error(("Model.compile: the metrics of output '%s' expected a list of names, got %s")
        :format(nm, type(metric_lists[i])), 0)
    end
    for _, m in ipairs(metric_lists[i]) do
      local key = type(m) == "string" and metric_aliases[m]
      if not key then
        error(("Model.compile: unknown metric %s for output '%s' (a model of several outputs takes built-in "
          .. "metrics: %s)"):format(type(m) == "string" and ("'" .. m .. "'") or type(m), nm,
          "acc, accuracy, mae, mean_absolute_error, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy"), 0)
      end
      kernels[#kernels + 1] = metric_kernel(key, loss_list[i], self._output_shapes[i])
      local prefix = several and (nm .. "_") or ""
      metrics[#metrics + 1] = { key = prefix .. key, given = prefix .. m }
    end
    if #kernels > 8 then error(("Model.compile: at most 8 metrics per output, got %d"):format(#kernels), 0) end
    specs[i] = { loss = loss_list[i], weight = weights and weights[i] or 1.0, metrics = kernels }
  end
  opt.core:reset_state()
  self.optimizer, self.loss, self.metrics = opt, loss_list[1], metrics
  self.losses, self.loss_weights = loss_list, weights
  self._specs = specs
  self.compiled = true
  self._core_compiled = false
  self._trainable_at_compile = self:_sync_trainable()
end

function Model:_step_core()
  if not self._specs then return require("ember.models")._Sequential_plain._step_core(self) end
  local m = self:core_model()
  if not self._core_compiled then
    m:compile_outputs(self._specs, self.optimizer.core)
    m:set_loss(nil)
    self._core_compiled = true
  end
  return m
end

function Model:metric_kernel(key)
  return metric_kernel(key, self.loss, self._output_shapes[1])
end

-- ---- summary (Keras 2.2.4's print_summary) ----

local function layer_output_shape(layer)
  local nodes = layer._inbound_nodes or {}
  local first
  for _, node in ipairs(nodes) do
    local shapes = {}
    for k, s in ipairs(node.outputs) do shapes[k] = shape_str(s.shape) end
    local str = #shapes == 1 and shapes[1] or ("[" .. table.concat(shapes, ", ") .. "]")
    if first and first ~= str then return "multiple" end
    first = first or str
  end
  return first or "multiple"
end

--- @api Model:summary([opts])
--- Prints Keras 2.2.4's table: layers, output shapes, parameter counts and the "Connected to" column.
--- A model whose graph is a plain chain prints Sequential's table, as Keras does.
--- @opt print_fn: a function receiving each line (default print)

function Model:summary(opts)
  opts = calls.check_options("Model.summary", opts, { "print_fn" }, 2)
  local print_fn = opts.print_fn or print
  if type(print_fn) ~= "function" then
    error(("Model.summary: option 'print_fn' expected a function, got %s"):format(type(print_fn)), 2)
  end
  local in_model = {}
  for _, node in ipairs(self.nodes) do in_model[node] = true end
  for _, s in ipairs(self.inputs) do in_model[s.node] = true end
  -- Keras: sequential-like when every depth holds one node with one input
  -- layer and every layer has one node in the model
  local sequential_like = true
  local per_depth, per_layer = {}, {}
  for node in pairs(in_model) do
    local d = node.depth or 0
    per_depth[d] = (per_depth[d] or 0) + 1
    if per_depth[d] > 1 or #node.inputs > 1 then sequential_like = false end
    per_layer[node.layer] = (per_layer[node.layer] or 0) + 1
    if per_layer[node.layer] > 1 then sequential_like = false end
  end
  local line_length, positions, header
  if sequential_like then
    line_length, positions, header = 65, { 29, 55, 65 }, { "Layer (type)", "Output Shape", "Param #" }
  else
    line_length, positions = 98, { 32, 53, 65, 98 }
    header = { "Layer (type)", "Output Shape", "Param #", "Connected to" }
  end
  local row = summary.row_printer(print_fn, positions)
  print_fn(("_"):rep(line_length))
  row(header)
  print_fn(("="):rep(line_length))
  for i, layer in ipairs(self.layers) do
    local fields = { ("%s (%s)"):format(layer.name, layer.type), layer_output_shape(layer),
      tostring(layer:count_params()) }
    local connections = {}
    for _, node in ipairs(layer._inbound_nodes or {}) do
      if in_model[node] then
        for _, s in ipairs(node.inputs) do
          connections[#connections + 1] = ("%s[%d][%d]"):format(s.node.layer.name, s.node.node_index, s.index)
        end
      end
    end
    if not sequential_like then fields[4] = connections[1] or "" end
    row(fields)
    if not sequential_like then
      for k = 2, #connections do row({ "", "", "", connections[k] }) end
    end
    print_fn(((i == #self.layers) and "=" or "_"):rep(line_length))
  end
  summary.footer(print_fn, self.layers, line_length)
end

function Model:__tostring()
  return ("<Model %s: %d inputs, %d outputs, %d layers>"):format(self.name, #self.inputs, #self.outputs, #self.layers)
end

--- @private Model:chain: internal (a graph model has no chain of Lua layers)
--- @private Model:core_model: internal (the engine's graph model)
--- @private Model:ensure_built: internal (a Model is built when made)
--- @private Model:metric_kernel: internal (metric lookup)

-- The rest is Sequential's, over self.layers (InputLayers have no weights).
--- @api Model:fit(x, y[, opts]) -> History
--- Trains for a number of epochs, as Sequential:fit; x and y are a tensor, a list (one per input / output)
--- or a table by input / output name.  With several outputs History holds loss, <output>_loss and
--- <output>_<metric> (and val_ versions), as Keras 2.2.4.
--- @arg x: the inputs
--- @arg y: the targets
--- @opt epochs = 1: number of epochs
--- @opt batch_size = 32: samples per step
--- @opt verbose = 1: 0 silent, 1 progress bar, 2 a line per epoch
--- @opt callbacks: a list of callbacks
--- @opt validation_split = 0: fraction of the last samples kept for validation
--- @opt validation_data: {x_val, y_val} (each as x and y)
--- @opt shuffle = true: shuffle the samples each epoch
--- @opt initial_epoch = 0: epoch to start from
--- @opt sample_weight: one weight per sample (a model of one output only, for now)
--- @opt class_weight: {[class id] = weight} (a model of one output only, for now)

--- @api Model:evaluate(x, y[, opts]) -> number, table
--- The total loss and the logs (<output>_loss, metrics) on x, y, as Sequential:evaluate.
--- @arg x: the inputs (a tensor, a list or a table by input name)
--- @arg y: the targets (a tensor, a list or a table by output name)
--- @opt batch_size = 32: samples per step
--- @opt verbose = 0: progress bar when 1

--- @api Model:predict(x[, opts]) -> Tensor
--- The model's outputs for x: a tensor, or a list of tensors when the model has several outputs.
--- @arg x: the inputs (a tensor, a list or a table by input name)
--- @opt batch_size = 32: samples per step
--- @opt verbose = 0: progress bar when 1

--- @api Model:train_on_batch(x, y[, opts]) -> number
--- One optimizer step on exactly this batch; returns the total loss (and the logs).
--- @arg x: the inputs
--- @arg y: the targets
--- @opt sample_weight: one weight per sample (one output only)
--- @opt class_weight: {[class id] = weight} (one output only)

--- @api Model:test_on_batch(x, y) -> number
--- The total loss (and the logs) on one batch, without training.
--- @arg x: the inputs
--- @arg y: the targets

--- @api Model:fit_generator(gen[, opts]) -> History
--- Trains on batches from a callable returning inputs, targets (each a tensor or a list), as Sequential's.
--- @arg gen: a callable returning x, y
--- @opt steps_per_epoch: batches per epoch (required)
--- @opt epochs = 1: number of epochs
--- @opt verbose = 1: 0, 1 or 2
--- @opt callbacks: a list of callbacks
--- @opt validation_data: a generator or {x_val, y_val}
--- @opt validation_steps: batches drawn from a validation generator
--- @opt initial_epoch = 0: epoch to start from

--- @api Model:evaluate_generator(gen[, opts]) -> number, table
--- The total loss and logs over steps batches of a generator.
--- @arg gen: a callable returning x, y
--- @opt steps: how many batches (required)
--- @opt verbose = 0: progress bar when 1

--- @api Model:predict_generator(gen[, opts]) -> Tensor
--- The outputs for steps batches of a generator, concatenated (a model of one output).
--- @arg gen: a callable returning x (or x, y)
--- @opt steps: how many batches (required)
--- @opt verbose = 0: progress bar when 1

--- @api Model:get_weights() -> table
--- Every layer's weights in model.layers order (a list of tensors; a shared layer once).

--- @api Model:set_weights(weights)
--- Sets every layer's weights from a list (get_weights's order), all checked before any changes.
--- @arg weights: a list of tensors

--- @api Model:count_params() -> integer
--- The number of weights of the model (a shared layer counted once).

--- @api Model:trainable_params() -> table, table
--- The trainable weights and their gradients (lists), for an optimizer's step.

--- @api Model:params() -> table, table
--- The trainable weights and their gradients (lists), as trainable_params.

--- @api Model:save_weights(path)
--- Saves every layer's weights, atomically: .h5/.hdf5 in Keras 2's layout, else .npz (as Sequential's).
--- @arg path: the file to write (replaced if it exists)

--- @api Model:load_weights(path[, opts])
--- Loads weights saved by save_weights or by Keras (.h5), every name and shape checked first.
--- @arg path: the file to read
--- @opt by_name = false: (.h5 only) match layers by name
--- @opt skip_mismatch = false: (.h5 with by_name only) skip mismatched layers with a warning

function F.install(plain)
  for _, name in ipairs { "get_weights", "set_weights", "count_params", "trainable_params", "params",
    "_sync_trainable", "_check_trainable_unchanged" } do
    Model[name] = plain[name]
  end
  local training = require "ember.training"
  for _, name in ipairs { "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "fit_generator",
    "evaluate_generator", "predict_generator" } do
    Model[name] = training[name]
  end
  require("ember.weights_io").install(Model)
  for name, f in pairs(Model) do
    if type(f) == "function" and not name:find("^_") then
      Model[name] = function(self, ...)
        if getmetatable(self) ~= Model then
          error(("Model.%s: call it with a colon, model:%s(...) (with a dot, Lua passed %s as the model)")
            :format(name, name, self == nil and "nothing" or type(self)), 2)
        end
        return f(self, ...)
      end
    end
  end
end

return F
