-- The training loops, plain functions over any model that has the model
-- protocol of models.lua (forward, backward, compile state, metrics, its
-- model core): fit, evaluate, predict, train_on_batch, test_on_batch,
-- fit_generator, evaluate_generator.  A model class takes them as methods
-- (Sequential.fit = training.fit, in models.lua).  Batches are gathered
-- in C into reusable buffers (core.train.gather_rows; uint8 rows arrive as
-- float32, so a uint8 one-hot x is never converted whole); each batch is one C
-- call, the engine's training step (core.train.Model:train_step: zero
-- grads, forward, loss, metrics, backward, optimizer update).
--
-- Over MPI ranks (`mpirun -np N ember script.lua`, docs/distributed.md):
-- at the first fit / evaluate / predict / train_on_batch every rank checks
-- that its weights equal the others' (a checksum) and takes rank 0's; each
-- global batch (the same shuffled order on every rank: rank 0's
-- permutation) is cut into N contiguous shares of rows, one per rank; the
-- engine step's after-backward hook sums the gradients, loss and metrics,
-- weighted by each rank's rows, in one all-reduce (engine/dist/grad_sync.h),
-- so every rank applies the update one process would with the whole batch,
-- and sees the same loss and metrics (History, callbacks).  Validation,
-- evaluate and predict split their rows the same way and combine the
-- results.  Only rank 0 prints the progress bar.  With one rank (no
-- mpirun) none of this runs.
local core = require "ember.core"
local callbacks_mod = require "ember.callbacks"
local Progbar = require "ember.progbar"
local calls = require "ember.calls"

local train = core.train
local dist = core.dist
local M = {}

local function distributed() return dist.size() > 1 end

-- This rank's contiguous share of count rows: offset lo (0-based) and
-- its row count; rank r takes rows [count*r/N, count*(r+1)/N).
local function share(count)
  local n, r = dist.size(), dist.rank()
  local lo = count * r // n
  return lo, count * (r + 1) // n - lo
end

-- Once per model over ranks: the ranks' weights must be equal (a checksum
-- of every weight refuses a launch whose ranks run different scripts or
-- seeds), then rank 0's are copied to all.  A collective: every rank gets
-- here at the same call.
function M._dist_prepare(self, who)
  if not distributed() or self._dist_synced then return end
  local list = {}
  for _, layer in ipairs(self.layers) do
    for _, p in ipairs((layer:params())) do list[#list + 1] = p end
  end
  local ok, err = pcall(dist._sync_tensors, list, who)
  if not ok then error(calls.strip_position(tostring(err)), 0) end
  self._dist_synced = true
end

local function is_callable(f)
  if type(f) == "function" then return true end
  local mt = getmetatable(f)
  return mt ~= nil and type(mt) == "table" and mt.__call ~= nil
end

local function check_opts(who, opts, allowed) return calls.check_options(who, opts, allowed, 3) end

local function check_int_opt(who, opts, key, default, lo)
  local v = opts[key]
  if v == nil then return default end
  if math.type(v) ~= "integer" or v < lo then
    error(("%s: option '%s' expected an integer >= %d, got %s"):format(who, key, lo, tostring(v)), 3)
  end
  return v
end

-- x and y are tensors, or lists of tensors (one per input / output) for a
-- graph model of several inputs or outputs (ember.Model: its _standardize
-- has turned a table by name into the list, checked).
local function is_list(a) return type(a) == "table" and not core.is_tensor(a) and core.is_tensor(a[1]) end
local function first_of(a) if is_list(a) then return a[1] end return a end
local function nrows(a)
  local t = first_of(a)
  return t:dim() > 0 and t:size(1) or 0
end
local function each(a, f)
  if not is_list(a) then return f(a) end
  local out = {}
  for i, t in ipairs(a) do out[i] = f(t) end
  return out
end
-- Rows of a tensor or of each tensor of a list into float32 buffers (the
-- flag: uint8 rows, one-hot data, are converted there, batch by batch).
local function gather(a, idx, first, count, buf)
  if not is_list(a) then train.gather_rows(a, idx, first, count, buf, true) return buf end
  for i, t in ipairs(a) do train.gather_rows(t, idx, first, count, buf[i], true) end
  return buf
end
-- int32 labels as float32, once (uint8 stays: gather converts it per batch)
local function to_float(a) return each(a, function(t) return t.dtype == "int32" and t:float() or t end) end
-- The model's own checks and conversions of x and y (ember.Model's
-- _standardize: lists or tables by name, one per input / output).
local function standardize(self, who, x, y, level)
  if self._standardize == nil then  -- Sequential: one tensor each
    if is_list(x) then error(("%s: argument 'x' expected a tensor, got table"):format(who), (level or 2) + 1) end
    if is_list(y) then error(("%s: argument 'y' expected a tensor, got table"):format(who), (level or 2) + 1) end
    return x, y
  end
  local ok, sx, sy = pcall(self._standardize, self, who, x, y)
  if not ok then error(calls.strip_position(tostring(sx)), (level or 2) + 1) end
  return sx, sy
end
M._standardize = standardize

local function check_xy(who, x, y, level)
  level = (level or 2) + 1
  if not core.is_tensor(x) and not is_list(x) then
    error(("%s: argument 'x' expected a tensor, got %s"):format(who, type(x)), level)
  end
  if not core.is_tensor(y) and not is_list(y) then
    error(("%s: argument 'y' expected a tensor, got %s"):format(who, type(y)), level)
  end
  local x1, y1 = first_of(x), first_of(y)
  if x1:dim() < 1 or y1:dim() < 1 or x1:size(1) ~= y1:size(1) then
    error(("%s: x has %d samples but y has %d (the label count must equal the sample count)")
      :format(who, x1:dim() > 0 and x1:size(1) or 0, y1:dim() > 0 and y1:size(1) or 0), level)
  end
end

local function require_compiled(self, who)
  if not self.compiled then
    error(("%s: the model must be compiled before training or evaluating "
      .. "(call model:compile{optimizer = ..., loss = ...} first)"):format(who), 3)
  end
end

-- Run f(...) and re-raise its error as "<prefix>: <message>" (without the
-- position of the Lua line that re-raised it), so a layer's or a loss's
-- complaint about a batch names the call and the argument at fault.
local function blame(prefix, f, ...)
  local ok, a, b = pcall(f, ...)
  if ok then return a, b end
  error(prefix .. ": " .. calls.strip_position(tostring(a)), 0)
end

local function is_finite(v) return v == v and v ~= math.huge and v ~= -math.huge end

-- The model's reusable buffers: batch x, batch y, loss gradient.
local function buffers(self)
  if not self._buf then
    self._buf = { x = core.zeros { 0 }, y = core.zeros { 0 }, grad = core.zeros { 0 } }
  end
  return self._buf
end

-- The reusable batch buffer(s) for a: buf[key], or one per entry of a list.
local function batch_buffer(buf, key, a)
  if not is_list(a) then return buf[key] end
  local list = buf[key .. "_list"] or {}
  buf[key .. "_list"] = list
  for i = 1, #a do list[i] = list[i] or core.zeros { 0 } end
  for i = #a + 1, #list do list[i] = nil end
  return list
end

-- A Lua metric {name = , fn = } on one batch: fn(y_true, y_pred) -> number.
local function lua_metric(m, y_pred, y_true)
  local ok, v = pcall(m.fn, y_true, y_pred)
  if not ok then error(("metric '%s' raised: %s"):format(m.key, calls.strip_position(tostring(v))), 0) end
  if type(v) ~= "number" then error(("metric '%s' must return a number, got %s"):format(m.key, type(v)), 0) end
  return v
end

-- Metric values (list, in compile order) for predictions y on targets t.
function M._metric_values(self, y, t)
  local values = {}
  for i, m in ipairs(self.metrics) do
    values[i] = m.fn and lua_metric(m, y, t) or train.metric(self:metric_kernel(m.key), y, t)
  end
  return values
end

-- The model core's values (its built-in metrics, in order) with the Lua
-- metrics computed on the step's predictions put in their compile places.
local function with_lua_metrics(self, core_values, core_model, y)
  local has = false
  for _, m in ipairs(self.metrics) do if m.fn then has = true end end
  if not has then return core_values end
  local pred, out, k = core_model:prediction(), {}, 0
  for i, m in ipairs(self.metrics) do
    if m.fn then out[i] = lua_metric(m, pred, y) else k = k + 1; out[i] = core_values[k] end
  end
  return out
end

-- The loss on predictions, built-in or Lua, and its gradient: into grad
-- for a built-in loss, returned by a Lua one (checked).
local function loss_of(self, pred, y, grad)
  if type(self.loss) ~= "table" then return train.loss(self.loss, pred, y, grad) end
  local v, g = require("ember.losses").step_function(self.loss)(pred, y, grad ~= nil)
  if grad then
    local same = g.dtype == "float32" and #g.shape == #pred.shape
    for i, d in ipairs(pred.shape) do same = same and g.shape[i] == d end
    if not same then error("the loss gradient must be a float32 tensor of the predictions' shape", 0) end
  end
  return v, g
end

-- {key = value} from a list of metric values in compile order.
local function metrics_by_key(self, values)
  local out = {}
  for i, m in ipairs(self.metrics) do
    out[m.key] = values[i]
    out[m.given] = values[i]  -- the spelling the user gave ("mae") reads too
  end
  return out
end

-- Running sums of the loss and metrics over the batches of an epoch or an
-- evaluation, each batch weighted (by its size, or 1 per generator step).
local function new_totals(self)
  local totals = { loss = 0, sums = {}, weight = 0 }
  for i = 1, #self.metrics do totals.sums[i] = 0 end
  return totals
end

local function add_batch(totals, loss, values, weight)
  totals.weight = totals.weight + weight
  totals.loss = totals.loss + loss * weight
  for i, v in ipairs(values) do totals.sums[i] = totals.sums[i] + v * weight end
end

-- Over ranks: every rank's totals become the sums over all ranks.
function M._reduce_totals(totals)
  if not distributed() then return end
  local list = { totals.loss, totals.weight }
  for i, v in ipairs(totals.sums) do list[2 + i] = v end
  local r = dist._reduce_numbers(list, "sum")
  totals.loss, totals.weight = r[1], r[2]
  for i = 1, #totals.sums do totals.sums[i] = r[2 + i] end
end

-- Mean loss and metric values (list); 0 when nothing was added.
local function means(totals)
  local w = totals.weight
  local values = {}
  for i, v in ipairs(totals.sums) do values[i] = w > 0 and v / w or 0 end
  return w > 0 and totals.loss / w or 0, values
end

-- One optimizer step on exactly (x, y).  `where` names the batch for
-- errors, `who` the call the user made (fit, fit_generator, train_on_batch).
-- first_row (over ranks): x's first row in the global batch, for the
-- dropout masks (core/random.h); a rank's own batch (fit_generator,
-- train_on_batch) gets rows of its own, rank * 2^32 on.
-- sw: one weight per sample (M._sample_weights) or nil.
function M._train_batch(self, x, y, where, who, first_row, sw)
  who = who or "fit"
  if distributed() then return M._train_batch_dist(self, x, y, where, who, first_row or dist.rank() << 32, sw) end
  self:ensure_built(x, who)
  local m = self:_step_core()
  if not m then
    if sw then error(("%s: sample_weight and class_weight need a model of ember's own layers"):format(who), 0) end
    return M._train_batch_lua(self, x, y, where, who)
  end
  self:_check_trainable_unchanged(who)
  local values = {}
  local loss, applied = m:train_step(x, y, self.optimizer:current_lr(who), who, values, first_row or 0, sw)
  values = with_lua_metrics(self, values, m, y)
  if not applied then return M._not_finite(self, loss, values, where, who) end
  return loss, values
end

-- The same step on this rank's share of a global batch (x may have no
-- rows: the rank still joins the all-reduce).  The returned loss and
-- metrics are those of the whole global batch, equal on every rank.
function M._train_batch_dist(self, x, y, where, who, first_row, sw)
  -- Keras's weighted loss divides by the mean of the nonzero weights of the
  -- whole batch, and a Lua metric sees only this rank's rows: neither is
  -- reduced over ranks yet, so they are refused rather than silently
  -- giving other numbers than one process.
  if sw then
    error(("%s: sample_weight and class_weight are not supported over several MPI ranks yet"):format(who), 0)
  end
  for _, metric in ipairs(self.metrics) do
    if metric.fn then
      error(("%s: metric '%s' (a Lua function) is not supported over several MPI ranks yet")
        :format(who, metric.key), 0)
    end
  end
  local rows = nrows(x)
  if rows > 0 or not self.built then self:ensure_built(x, who) end
  local m = self:_step_core()
  if not m then
    error(("%s: a model with layers written in Lua cannot be trained over several MPI ranks "
      .. "(only layers with a C core can)"):format(who), 0)
  end
  M._dist_prepare(self, who)
  if self._dist_core ~= m then
    m:distribute(true)
    self._dist_core = m
  end
  self:_check_trainable_unchanged(who)
  local values = {}
  local lr = self.optimizer:current_lr(who)
  local loss, applied
  if rows > 0 then loss, applied = m:train_step(x, y, lr, who, values, first_row)
  else loss, applied = m:empty_step(lr, who, values) end
  if not applied then return M._not_finite(self, loss, values, where, who) end
  return loss, values
end

-- A loss that is NaN or infinite: with a callback that handles it
-- (handles_nonfinite_loss, as TerminateOnNaN), fit ends
-- gracefully (Keras): the batch is reported to the callbacks but not
-- applied; otherwise an error.  The weights are as before the batch.
function M._not_finite(self, loss, values, where, who)
  if self._terminate_on_nan then return loss, values end
  error(("%s: the loss is %s at %s; training stopped (weights are as before this batch)")
    :format(who or "fit", tostring(loss), where or "this batch"), 0)
end

-- Regularizers live in the engine's model step; a model with a layer
-- written in Lua runs the layers one by one and would drop them silently.
local function refuse_regularizers(self, who)
  for _, layer in ipairs(self.layers) do
    for key in pairs(layer.config or {}) do
      if type(key) == "string" and key:find("_regularizer$") then
        error(("%s: layer '%s' has option '%s', but regularizers need a model of ember's own layers (this one has "
          .. "a layer written in Lua)"):format(who, layer.name, key), 0)
      end
    end
  end
end

-- The same step for models with layers written in Lua (no model core).
function M._train_batch_lua(self, x, y, where, who)
  who = who or "fit"
  refuse_regularizers(self, who)
  local buf = buffers(self)
  self:zero_grads()
  local pred = blame(who .. ": argument 'x'", self.forward, self, x, true)
  local loss, lua_grad = blame(who .. ": argument 'y'", loss_of, self, pred, y, buf.grad)
  if not is_finite(loss) then return M._not_finite(self, loss, M._metric_values(self, pred, y), where, who) end
  local values = M._metric_values(self, pred, y)
  self:backward(lua_grad or buf.grad)
  self.optimizer:step(self)
  return loss, values
end

function M._test_batch(self, x, y)
  self:ensure_built(x, "evaluate")
  local m = self:_step_core()
  if m then
    local values = {}
    local loss = m:eval_step(x, y, "evaluate", values)
    return loss, with_lua_metrics(self, values, m, y)
  end
  refuse_regularizers(self, "evaluate")
  local pred = blame("evaluate: argument 'x'", self.forward, self, x, false)
  return blame("evaluate: argument 'y'", loss_of, self, pred, y), M._metric_values(self, pred, y)
end

-- Mean loss and metrics over arrays, in batches (weighted by batch size).
-- Over ranks each rank evaluates its contiguous share of the rows and the
-- sums are combined (the same sums as one process, in another order).
function M._evaluate_arrays(self, x, y, batch_size, verbose)
  local n = nrows(x)
  local buf = buffers(self)
  local bx, by = batch_buffer(buf, "x", x), batch_buffer(buf, "y", y)
  local idx = M._identity(self, n)
  local totals = new_totals(self)
  local lo, mine = 0, n
  if distributed() then
    M._dist_prepare(self, "evaluate")
    lo, mine = share(n)
    if not dist.is_main() then verbose = 0 end
  end
  local bar = verbose == 1 and Progbar.new(mine, 1) or nil
  for first = lo + 1, lo + mine, batch_size do
    local count = math.min(batch_size, lo + mine - first + 1)
    gather(x, idx, first, count, bx)
    gather(y, idx, first, count, by)
    local loss, values = M._test_batch(self, bx, by)
    add_batch(totals, loss, values, count)
    if bar then bar:update(first - lo + count - 1, {}) end
  end
  if bar then bar:finish({}) end
  M._reduce_totals(totals)
  local loss, values = means(totals)
  return loss, metrics_by_key(self, values)
end

function M._identity(self, n)
  if not self._ident or self._ident:size(1) ~= n then self._ident = core.arange(1, n) end
  if n == 0 then self._ident = core.zeros({ 0 }, { dtype = "int32" }) end
  return self._ident
end

local function metric_logs(self, loss, values, prefix)
  local logs, order = {}, {}
  logs[prefix .. "loss"] = loss
  order[1] = { prefix .. "loss", loss }
  for i, m in ipairs(self.metrics) do
    logs[prefix .. m.key] = values[i]
    logs[prefix .. m.given] = values[i]  -- so monitor = "val_mae" works as "val_mean_absolute_error"
    order[#order + 1] = { prefix .. m.key, values[i] }
  end
  return logs, order
end

-- The epoch's logs with the validation loss and metrics (vmetrics by key)
-- added as val_*; returns the validation order for the progress bar.
local function add_validation_logs(self, logs, vloss, vmetrics)
  local vvalues = {}
  for i, m in ipairs(self.metrics) do vvalues[i] = vmetrics[m.key] end
  local vlogs, vorder = metric_logs(self, vloss, vvalues, "val_")
  for k, v in pairs(vlogs) do logs[k] = v end
  return vorder
end

local function call_all(cbs, method, ...)
  for _, cb in ipairs(cbs) do
    if type(cb[method]) == "function" then cb[method](cb, ...) end
  end
end

local function setup_callbacks(self, who, list, params)
  if list ~= nil and type(list) ~= "table" then
    error(("%s: option 'callbacks' expected a list of callbacks, got %s"):format(who, type(list)), 3)
  end
  local history = callbacks_mod.new_history()
  history.params = params
  history.model = self
  local cbs = {}
  for i, cb in ipairs(list or {}) do
    if type(cb) ~= "table" then
      error(("%s: callbacks[%d] expected a callback object, got %s"):format(who, i, type(cb)), 3)
    end
    cbs[#cbs + 1] = cb
  end
  cbs[#cbs + 1] = history  -- last, as Keras: it records what callbacks add (ReduceLROnPlateau's lr)
  self._terminate_on_nan = nil
  for _, cb in ipairs(cbs) do
    if cb.handles_nonfinite_loss then self._terminate_on_nan = true end
  end
  for _, cb in ipairs(cbs) do
    if type(cb.set_model) == "function" then cb:set_model(self) else cb.model = self end
  end
  return history, cbs
end

-- Keras 2.2.4's names in logs and History ("acc" for "accuracy",
-- "mean_absolute_error" for "mae"); the spelling the user gave reads too.
local function alias_history(self, history)
  for _, m in ipairs(self.metrics) do
    if m.given ~= m.key then
      history.history[m.given] = history.history[m.key]
      history.history["val_" .. m.given] = history.history["val_" .. m.key]
    end
  end
end

local function is_interrupt(err)
  return type(err) == "string" and err:find("interrupted!%s*$") ~= nil
end

-- The epoch loop shared by fit and fit_generator.  run_epoch(epoch, bar,
-- cbs) trains one epoch and returns its logs; Ctrl-C (the host raises
-- "interrupted!") ends training after the batch in progress, returning
-- the History of the epochs completed so far.
local function run_training(self, who, epochs, initial_epoch, verbose, cbs, history, target, run_epoch)
  self.stop_training = false
  call_all(cbs, "on_train_begin", {})
  local epoch_now, bar = initial_epoch, nil
  local ok, err = pcall(function()
    for epoch = initial_epoch, epochs - 1 do
      epoch_now = epoch
      if verbose > 0 then print(("Epoch %d/%d"):format(epoch + 1, epochs)) end
      bar = Progbar.new(target, verbose)
      call_all(cbs, "on_epoch_begin", epoch, {})
      local logs, order = run_epoch(epoch, bar, cbs)
      bar:finish(order)
      bar = nil
      call_all(cbs, "on_epoch_end", epoch, logs)
      if self.stop_training then break end
    end
  end)
  if not ok then
    if bar then bar:abort() end
    if not is_interrupt(err) then error(err, 0) end
    io.stderr:write(("%s: interrupted during epoch %d; returning the history of the %d completed epoch(s)\n")
      :format(who, epoch_now + 1, #history.epoch))
  end
  call_all(cbs, "on_train_end", {})
  alias_history(self, history)
  return history
end

-- Keras 2.2.4's standardize_weights (keras/engine/training_utils.py), one
-- weight per sample: sample_weight as given ((N) or (N, 1), finite), else
-- class_weight[class of each sample] (class: the argmax of a one-hot row,
-- or the target itself for (N) / (N, 1) targets; every class present must
-- have a weight), else nil (unweighted).  Both given: class_weight is
-- ignored with a warning, as Keras.  Returns a float32 (N) tensor or nil.
function M._sample_weights(who, y, sample_weight, class_weight, level)
  level = (level or 1) + 1
  if is_list(y) then
    if sample_weight ~= nil or class_weight ~= nil then
      error(("%s: options 'sample_weight' and 'class_weight' are not supported for a model of several outputs yet")
        :format(who), level)
    end
    return nil
  end
  local n = y:size(1)
  if sample_weight ~= nil then
    if not core.is_tensor(sample_weight) then
      error(("%s: option 'sample_weight' expected a tensor (one weight per sample), got %s")
        :format(who, type(sample_weight)), level)
    end
    local d = sample_weight:dim()
    if not ((d == 1 or (d == 2 and sample_weight:size(2) == 1)) and sample_weight:size(1) == n) then
      local dims = {}
      for i = 1, d do dims[i] = sample_weight:size(i) end
      error(("%s: option 'sample_weight' has shape {%s} but y has %d samples (expected shape {%d}, one weight "
        .. "per sample)"):format(who, table.concat(dims, ", "), n, n), level)
    end
    local w = sample_weight:float():reshape({ n })
    for i, v in ipairs(w:totable()) do
      if not is_finite(v) then
        error(("%s: option 'sample_weight' has %s at sample %d (weights must be finite)"):format(who, tostring(v), i),
          level)
      end
    end
    if class_weight ~= nil then
      io.stderr:write(("Warning: %s: found both sample_weight and class_weight: class_weight is ignored (as Keras)\n")
        :format(who))
    end
    return w
  end
  if class_weight == nil then return nil end
  if type(class_weight) ~= "table" or getmetatable(class_weight) ~= nil then
    error(("%s: option 'class_weight' expected a table {[class] = weight}, got %s"):format(who, type(class_weight)),
      level)
  end
  for k, v in pairs(class_weight) do
    if math.type(k) ~= "integer" and not (math.type(k) == "float" and k == math.floor(k)) then
      error(("%s: option 'class_weight' has key %s; keys are class ids 0, 1, ... (as Keras's)")
        :format(who, tostring(k)), level)
    end
    if type(v) ~= "number" or not is_finite(v) then
      error(("%s: option 'class_weight' gives class %s the weight %s; weights must be finite numbers")
        :format(who, tostring(k), tostring(v)), level)
    end
  end
  if y:dim() > 2 then
    error(("%s: option 'class_weight' is not supported for 3+ dimensional targets (as Keras); give sample_weight")
      :format(who), level)
  end
  local classes
  if y:dim() == 2 and y:size(2) > 1 then
    classes = y:argmax(2):reshape({ n }):totable()
    for i, c in ipairs(classes) do classes[i] = c - 1 end  -- argmax is 1-based, class ids 0-based
  else
    classes = y:reshape({ n }):totable()
  end
  local weights, missing = {}, {}
  for i, c in ipairs(classes) do
    local key = math.tointeger(c)
    local wv = key and class_weight[key]
    if wv == nil then missing[#missing + 1] = tostring(key or c) else weights[i] = wv end
  end
  if #missing > 0 then
    local seen, list = {}, {}
    for _, c in ipairs(missing) do if not seen[c] then seen[c] = true; list[#list + 1] = c end end
    error(("%s: option 'class_weight' must give every class in the data a weight (as Keras); missing: %s")
      :format(who, table.concat(list, ", ")), level)
  end
  if n == 0 then return core.zeros({ 0 }) end
  return core.tensor(weights)
end

-- fit's training and validation arrays: validation_data as given, or the
-- last validation_split fraction of x, y (Keras: taken before any
-- shuffling).  Errors are raised at fit's caller.
local function split_validation(x, y, opts, sw)
  local split = opts.validation_split or 0
  if type(split) ~= "number" or split < 0 or split >= 1 then
    error(("fit: option 'validation_split' must be a number in [0, 1), got %s"):format(tostring(split)), 3)
  end
  if opts.validation_data ~= nil then
    local vd = opts.validation_data
    if type(vd) ~= "table" or vd[1] == nil or vd[2] == nil then
      error("fit: option 'validation_data' expected {x_val, y_val} (two tensors)", 3)
    end
    vd = { standardize(opts._model, "fit: validation_data", vd[1], vd[2], 3) }
    check_xy("fit: validation_data", vd[1], vd[2], 3)
    if nrows(vd[1]) == 0 then error("fit: option 'validation_data' holds no samples", 3) end
    return x, y, vd[1], vd[2], sw
  elseif split > 0 then
    local n = nrows(x)
    local split_at = math.floor(n * (1 - split))
    local function head(a) return each(a, function(t) return train.rows(t, 1, split_at) end) end
    local function tail(a) return each(a, function(t) return train.rows(t, split_at + 1, n - split_at) end) end
    return head(x), head(y), tail(x), tail(y), sw and train.rows(sw, 1, split_at)
  end
  return x, y, nil, nil, sw
end

-- fit(x, y, {epochs = 1, batch_size = 32, verbose = 1, callbacks, validation_split = 0,
--            validation_data = {x_val, y_val}, shuffle = true, initial_epoch = 0})
--- @api Sequential:fit(x, y[, opts]) -> History
--- Trains for a number of epochs on tensors x, y.
--- @arg x: input tensor (samples first)
--- @arg y: target tensor
--- @opt epochs = 1: number of epochs
--- @opt batch_size = 32: samples per step
--- @opt verbose = 1: 0 silent, 1 progress bar, 2 a line per epoch
--- @opt callbacks: a list of callbacks
--- @opt validation_split = 0: fraction of the last samples kept for validation
--- @opt validation_data: {x_val, y_val}
--- @opt shuffle = true: shuffle the samples each epoch
--- @opt initial_epoch = 0: epoch to start from
--- @opt sample_weight: a tensor of one weight per sample, multiplying each sample's loss (Keras 2.2.4)
--- @opt class_weight: {[class id] = weight} (class ids 0-based), the weight of each sample by its class

function M.fit(self, x, y, opts)
  local who = "fit"
  opts = check_opts(who, opts, { epochs = true, batch_size = true, verbose = true, callbacks = true,
    validation_split = true, validation_data = true, shuffle = true, initial_epoch = true,
    sample_weight = true, class_weight = true })
  require_compiled(self, who)
  x, y = standardize(self, who, x, y)
  check_xy(who, x, y)
  local epochs = check_int_opt(who, opts, "epochs", 1, 0)
  local batch_size = check_int_opt(who, opts, "batch_size", 32, 1)
  local verbose = check_int_opt(who, opts, "verbose", 1, 0)
  local initial_epoch = check_int_opt(who, opts, "initial_epoch", 0, 0)
  local shuffle = opts.shuffle
  if shuffle == nil then shuffle = true end
  if type(shuffle) ~= "boolean" then
    error(("fit: option 'shuffle' expected true or false, got %s"):format(type(shuffle) == "string"
      and ("'" .. shuffle .. "'") or type(shuffle)), 2)
  end
  local x_val, y_val, sw
  sw = M._sample_weights(who, y, opts.sample_weight, opts.class_weight, 2)
  x, y, x_val, y_val, sw = split_validation(x, y, setmetatable({ _model = self }, { __index = opts }), sw)
  -- int32 labels become float32 once here, not in every batch's loss call;
  -- uint8 x and y (one-hot) become float32 per batch, in gather_rows
  y = to_float(y)
  if y_val then y_val = to_float(y_val) end
  local n = nrows(x)
  if n == 0 then error("fit: no training samples", 2) end
  self:ensure_built(x, who)
  if distributed() then
    M._dist_prepare(self, who)
    if not dist.is_main() then verbose = 0 end  -- one progress bar: rank 0's
  end
  local history, cbs = setup_callbacks(self, who, opts.callbacks, {
    epochs = epochs, batch_size = batch_size, samples = n, verbose = verbose,
    do_validation = x_val ~= nil })
  if verbose > 0 and x_val then
    print(("Train on %d samples, validate on %d samples"):format(n, nrows(x_val)))
  end
  local buf = buffers(self)
  local bx, by = batch_buffer(buf, "x", x), batch_buffer(buf, "y", y)
  return run_training(self, who, epochs, initial_epoch, verbose, cbs, history, n, function(epoch, bar)
    local idx = shuffle and train.permutation(n) or M._identity(self, n)
    -- one order for all ranks (dropout draws may have moved the ranks' generators apart)
    if shuffle and distributed() then dist.broadcast(idx, 0) end
    local totals = new_totals(self)
    local batch = 0
    for first = 1, n, batch_size do
      local count = math.min(batch_size, n - first + 1)
      call_all(cbs, "on_batch_begin", batch, { batch = batch, size = count })
      local lo, mine = 0, count
      if distributed() then lo, mine = share(count) end
      gather(x, idx, first + lo, mine, bx)
      gather(y, idx, first + lo, mine, by)
      if sw then
        buf.w = buf.w or core.zeros { 0 }
        train.gather_rows(sw, idx, first + lo, mine, buf.w)
      end
      local where = ("epoch %d, batch %d"):format(epoch + 1, batch + 1)
      local loss, values = M._train_batch(self, bx, by, where, who, lo, sw and buf.w)
      add_batch(totals, loss, values, count)
      local blogs, border = metric_logs(self, loss, values, "")
      blogs.batch, blogs.size = batch, count
      bar:update(first + count - 1, border)
      call_all(cbs, "on_batch_end", batch, blogs)
      batch = batch + 1
      if self.stop_training then break end  -- Keras checks after every batch
    end
    local loss, values = means(totals)
    local logs = metric_logs(self, loss, values, "")
    local order = {}  -- the bar already averages the training values
    -- Keras 2.2.4's fit_loop validates at the last batch, after the
    -- stop_training check: an epoch stopped by a callback is not validated
    if x_val and not self.stop_training then
      order = add_validation_logs(self, logs, M._evaluate_arrays(self, x_val, y_val, batch_size, 0))
    end
    return logs, order
  end)
end

-- evaluate(x, y, {batch_size = 32, verbose = 1}) -> loss, {acc = ...}
--- @api Sequential:evaluate(x, y[, opts]) -> number, table
--- The loss and metrics on x, y.
--- @arg x: input tensor
--- @arg y: target tensor
--- @opt batch_size = 32: samples per step
--- @opt verbose = 0: progress bar when 1

function M.evaluate(self, x, y, opts)
  opts = check_opts("evaluate", opts, { batch_size = true, verbose = true })
  require_compiled(self, "evaluate")
  x, y = standardize(self, "evaluate", x, y)
  check_xy("evaluate", x, y)
  local batch_size = check_int_opt("evaluate", opts, "batch_size", 32, 1)
  local verbose = check_int_opt("evaluate", opts, "verbose", 1, 0)
  self:ensure_built(x, "evaluate")
  y = to_float(y)
  return M._evaluate_arrays(self, x, y, batch_size, verbose)
end

-- predict(x, {batch_size = 32}) -> a new tensor (copied out of layer buffers)
--- @api Sequential:predict(x[, opts]) -> Tensor
--- The model's outputs for x.
--- @arg x: input tensor
--- @opt batch_size = 32: samples per step
--- @opt verbose = 0: progress bar when 1

function M.predict(self, x, opts)
  opts = check_opts("predict", opts, { batch_size = true, verbose = true })
  x = standardize(self, "predict", x, nil)
  if not core.is_tensor(x) and not is_list(x) then
    error(("predict: argument 'x' expected a tensor, got %s"):format(type(x)), 2)
  end
  local batch_size = check_int_opt("predict", opts, "batch_size", 32, 1)
  self:ensure_built(x, "predict")
  local n = nrows(x)
  if distributed() then
    M._dist_prepare(self, "predict")
    if M._fixed_output(self) then return M._predict_dist(self, x, n, batch_size) end
  end
  local buf = buffers(self)
  local bx = batch_buffer(buf, "x", x)
  local idx = M._identity(self, n)
  local out
  for first = 1, n, batch_size do
    local count = math.min(batch_size, n - first + 1)
    gather(x, idx, first, count, bx)
    local ok, y = pcall(self.forward, self, bx, false)
    if not ok then error("predict: " .. calls.strip_position(tostring(y)), 2) end
    if not out then
      out = each(y, function(t)
        local shape = t.shape
        shape[1] = n
        return core.zeros(shape)
      end)
    end
    if is_list(y) then
      for i, t in ipairs(y) do train.copy_rows(out[i], first, t) end
    else
      train.copy_rows(out, first, y)
    end
  end
  if not out then
    local function empty(s)
      local shape = {}
      for i, d in ipairs(s) do shape[i] = i == 1 and 0 or d end
      return core.zeros(shape)
    end
    if self._output_shapes then
      out = {}
      for i, s in ipairs(self._output_shapes) do out[i] = empty(s) end
      if #out == 1 then out = out[1] end
    else
      out = empty(self.output_shape)
    end
  end
  return out
end

-- An output shape known before predicting (no None beyond the batch):
-- else every rank predicts all rows itself.
function M._fixed_output(self)
  for i, d in ipairs(self.output_shape or {}) do
    if i > 1 and math.type(d) ~= "integer" then return false end
  end
  return self.output_shape ~= nil
end

-- predict over ranks: each rank predicts its share of the rows into a
-- zero tensor of all rows; a sum over the ranks assembles the whole (each
-- row is one rank's values plus zeros: exact).
function M._predict_dist(self, x, n, batch_size)
  M._dist_prepare(self, "predict")
  local buf = buffers(self)
  local idx = M._identity(self, n)
  local shape = {}
  for i, d in ipairs(self.output_shape) do shape[i] = i == 1 and n or d end
  local out = core.zeros(shape)
  local lo, mine = share(n)
  local bx = batch_buffer(buf, "x", x)
  for first = lo + 1, lo + mine, batch_size do
    local count = math.min(batch_size, lo + mine - first + 1)
    gather(x, idx, first, count, bx)
    local ok, y = pcall(self.forward, self, bx, false)
    if not ok then error("predict: " .. tostring(y), 3) end
    train.copy_rows(out, first, y)
  end
  dist.allreduce(out, "sum")
  return out
end

-- One optimizer step on exactly this batch -> loss, {metric = value}.
-- Over ranks each rank passes its own share of the batch.
--- @api Sequential:train_on_batch(x, y[, opts]) -> number
--- One optimizer step on exactly this batch; returns the loss (and metrics).
--- @arg x: input batch
--- @arg y: target batch
--- @opt sample_weight: a tensor of one weight per sample (as fit's)
--- @opt class_weight: {[class id] = weight} (as fit's)

function M.train_on_batch(self, x, y, opts)
  opts = check_opts("train_on_batch", opts, { sample_weight = true, class_weight = true })
  require_compiled(self, "train_on_batch")
  x, y = standardize(self, "train_on_batch", x, y)
  check_xy("train_on_batch", x, y)
  local sw = M._sample_weights("train_on_batch", y, opts.sample_weight, opts.class_weight, 2)
  local ok, loss, values = pcall(M._train_batch, self, x, y, "this batch", "train_on_batch", nil, sw)
  if not ok then error((calls.strip_position(tostring(loss)):gsub("^fit: ", "train_on_batch: ")), 2) end
  return loss, metrics_by_key(self, values)
end

--- @api Sequential:test_on_batch(x, y) -> number
--- The loss (and metrics) on one batch, without training.
--- @arg x: input batch
--- @arg y: target batch

function M.test_on_batch(self, x, y)
  require_compiled(self, "test_on_batch")
  x, y = standardize(self, "test_on_batch", x, y)
  check_xy("test_on_batch", x, y)
  if distributed() then  -- each rank's own share, combined by rows
    M._dist_prepare(self, "test_on_batch")
    local totals = new_totals(self)
    if nrows(x) > 0 then
      local loss, values = M._test_batch(self, x, y)
      add_batch(totals, loss, values, nrows(x))
    end
    M._reduce_totals(totals)
    local loss, values = means(totals)
    return loss, metrics_by_key(self, values)
  end
  local loss, values = M._test_batch(self, x, y)
  return loss, metrics_by_key(self, values)
end

-- A batch from a generator, checked.
local function next_batch(who, gen, step, self)
  local xb, yb = gen()
  if self and self._standardize and xb ~= nil and yb ~= nil then  -- lists or tables by name (ember.Model)
    local ok, sx, sy = pcall(self._standardize, self, who, xb, yb)
    if not ok then error(("%s at step %d"):format(calls.strip_position(tostring(sx)), step), 0) end
    xb, yb = sx, sy
  end
  if (not core.is_tensor(xb) and not is_list(xb)) or (not core.is_tensor(yb) and not is_list(yb)) then
    error(("%s: the generator must return samples, targets (two tensors), got %s, %s at step %d")
      :format(who, type(xb), type(yb), step), 0)
  end
  local x1, y1 = first_of(xb), first_of(yb)
  if x1:dim() < 1 or y1:dim() < 1 or x1:size(1) ~= y1:size(1) then
    error(("%s: the generator returned %d samples but %d targets at step %d"):format(who,
      x1:dim() > 0 and x1:size(1) or 0, y1:dim() > 0 and y1:size(1) or 0, step), 0)
  end
  return xb, yb
end

-- Over ranks each rank draws `steps` batches from its own generator and
-- the sums are combined.
function M._evaluate_generator(self, who, gen, steps)
  local totals = new_totals(self)
  for step = 1, steps do
    local xb, yb = next_batch(who, gen, step, self)
    if nrows(xb) > 0 then
      if distributed() then
        self:ensure_built(xb, who)
        M._dist_prepare(self, who)
      end
      local loss, values = M._test_batch(self, xb, yb)
      add_batch(totals, loss, values, nrows(xb))
    end
  end
  M._reduce_totals(totals)
  local loss, values = means(totals)
  return loss, metrics_by_key(self, values)
end

-- fit_generator(gen, {steps_per_epoch, epochs = 1, verbose = 1, callbacks,
--   validation_data = gen | {x, y}, validation_steps, initial_epoch = 0})
--- @api Sequential:fit_generator(gen[, opts]) -> History
--- Trains on batches from a callable returning samples, targets.
--- @arg gen: a function (or callable) returning x, y
--- @opt steps_per_epoch: batches per epoch (required)
--- @opt epochs = 1: number of epochs
--- @opt verbose = 1: 0, 1 or 2
--- @opt callbacks: a list of callbacks
--- @opt validation_data: a generator or {x_val, y_val}
--- @opt validation_steps: batches drawn from a validation generator
--- @opt initial_epoch = 0: epoch to start from

-- Over ranks: every rank calls its own generator once per step, and the
-- batches of one step together are the global batch (each rank's
-- generator yields that rank's share); steps_per_epoch counts global
-- steps, so an epoch is steps_per_epoch batches from each rank.
function M.fit_generator(self, gen, opts)
  local who = "fit_generator"
  opts = check_opts(who, opts, { steps_per_epoch = true, epochs = true, verbose = true, callbacks = true,
    validation_data = true, validation_steps = true, initial_epoch = true })
  require_compiled(self, who)
  if not is_callable(gen) then
    error(("fit_generator: argument 'generator' expected a callable returning samples, targets, got %s"):format(type(gen)), 2)
  end
  if opts.steps_per_epoch == nil then error("fit_generator: option 'steps_per_epoch' is required", 2) end
  local steps = check_int_opt(who, opts, "steps_per_epoch", 1, 1)
  local epochs = check_int_opt(who, opts, "epochs", 1, 0)
  local verbose = check_int_opt(who, opts, "verbose", 1, 0)
  local initial_epoch = check_int_opt(who, opts, "initial_epoch", 0, 0)
  local vd, vsteps = opts.validation_data, nil
  if vd ~= nil then
    if is_callable(vd) then
      if opts.validation_steps == nil then
        error("fit_generator: option 'validation_steps' is required when validation_data is a generator", 2)
      end
      vsteps = check_int_opt(who, opts, "validation_steps", 1, 1)
    elseif type(vd) == "table" and core.is_tensor(vd[1]) and core.is_tensor(vd[2]) then
      check_xy("fit_generator: validation_data", vd[1], vd[2])
    else
      error("fit_generator: option 'validation_data' expected a generator or {x_val, y_val}", 2)
    end
  end
  if distributed() and not dist.is_main() then verbose = 0 end
  local history, cbs = setup_callbacks(self, who, opts.callbacks, {
    epochs = epochs, steps = steps, verbose = verbose, do_validation = vd ~= nil })
  return run_training(self, who, epochs, initial_epoch, verbose, cbs, history, steps, function(epoch, bar)
    local totals = new_totals(self)
    local steps_done = 0
    for step = 1, steps do
      call_all(cbs, "on_batch_begin", step - 1, { batch = step - 1 })
      local xb, yb = next_batch(who, gen, step, self)
      local where = ("epoch %d, batch %d"):format(epoch + 1, step)
      local loss, values = M._train_batch(self, xb, yb, where, who)
      add_batch(totals, loss, values, 1)  -- Keras averages generator epochs over steps
      local blogs, border = metric_logs(self, loss, values, "")
      blogs.batch, blogs.size = step - 1, nrows(xb)
      bar:update(step, border)
      call_all(cbs, "on_batch_end", step - 1, blogs)
      steps_done = step
      if self.stop_training then break end
    end
    local loss, values = means(totals)
    local logs = metric_logs(self, loss, values, "")
    local order = {}
    -- Keras 2.2.4's fit_generator validates once the epoch's steps are
    -- done, before the stop_training check: an epoch cut short is not
    if vd ~= nil and steps_done == steps then
      local vloss, vmetrics
      if vsteps then vloss, vmetrics = M._evaluate_generator(self, who, vd, vsteps)
      else vloss, vmetrics = M._evaluate_arrays(self, vd[1], vd[2], 32, 0) end
      order = add_validation_logs(self, logs, vloss, vmetrics)
    end
    return logs, order
  end)
end

-- evaluate_generator(gen, {steps}) -> loss, {metric = value}
--- @api Sequential:evaluate_generator(gen[, opts]) -> number, table
--- The loss and metrics over steps batches of a generator.
--- @arg gen: a callable returning x, y
--- @opt steps: how many batches (required)
--- @opt verbose = 0: progress bar when 1

function M.evaluate_generator(self, gen, opts)
  opts = check_opts("evaluate_generator", opts, { steps = true, verbose = true })
  require_compiled(self, "evaluate_generator")
  if not is_callable(gen) then
    error(("evaluate_generator: argument 'generator' expected a callable, got %s"):format(type(gen)), 2)
  end
  if opts.steps == nil then error("evaluate_generator: option 'steps' is required", 2) end
  local steps = check_int_opt("evaluate_generator", opts, "steps", 1, 1)
  return M._evaluate_generator(self, "evaluate_generator", gen, steps)
end


-- predict_generator(gen, {steps, verbose = 0}) -> the outputs of `steps`
-- batches, rows concatenated in order (Keras 2.2.4: the generator may
-- return x alone or x, y; only x is used).
--- @api Sequential:predict_generator(gen[, opts]) -> Tensor
--- The model's outputs for steps batches of a generator, concatenated (Keras 2.2.4).
--- The generator returns samples (x) or samples and targets (x, y; targets are ignored).
--- @arg gen: a callable returning x (or x, y) for each batch
--- @opt steps: how many batches (required)
--- @opt verbose = 0: progress bar when 1

function M.predict_generator(self, gen, opts)
  local who = "predict_generator"
  opts = check_opts(who, opts, { steps = true, verbose = true })
  if not is_callable(gen) then
    error(("predict_generator: argument 'generator' expected a callable returning samples, got %s"):format(type(gen)), 2)
  end
  if opts.steps == nil then error("predict_generator: option 'steps' is required", 2) end
  local steps = check_int_opt(who, opts, "steps", 1, 1)
  local verbose = check_int_opt(who, opts, "verbose", 0, 0)
  local bar = verbose == 1 and Progbar.new(steps, 1) or nil
  local outs, total = {}, 0
  for step = 1, steps do
    local xb = gen()
    if not core.is_tensor(xb) then
      error(("predict_generator: the generator must return samples (a tensor), got %s at step %d"):format(type(xb), step), 2)
    end
    if xb:dim() < 1 then error(("predict_generator: the generator returned a 0-d tensor at step %d"):format(step), 2) end
    local ok, y = pcall(function()
      self:ensure_built(xb, who)
      return self:forward(xb, false)
    end)
    if not ok then error(("predict_generator: at step %d: %s"):format(step, calls.strip_position(tostring(y))), 2) end
    local shape = y.shape
    if step > 1 then
      local first = outs[1].shape
      for d = 2, math.max(#shape, #first) do
        if shape[d] ~= first[d] then
          error(("predict_generator: the output of step %d has shape {%s}, unlike step 1's {%s} (cannot concatenate)")
            :format(step, table.concat(shape, ", "), table.concat(first, ", ")), 2)
        end
      end
    end
    outs[step] = y:clone()  -- the layer's buffer is reused by the next step
    total = total + shape[1]
    if bar then bar:update(step, {}) end
  end
  if bar then bar:finish({}) end
  local shape = outs[1].shape
  shape[1] = total
  local out = core.zeros(shape)
  local row = 1
  for _, y in ipairs(outs) do
    train.copy_rows(out, row, y)
    row = row + y:size(1)
  end
  return out
end

return M
