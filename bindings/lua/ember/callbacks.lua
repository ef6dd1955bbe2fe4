-- Callbacks, as in Keras 2: any table with some of the methods
--   set_model(model), on_train_begin(logs), on_train_end(logs),
--   on_epoch_begin(epoch, logs), on_epoch_end(epoch, logs),
--   on_batch_begin(batch, logs), on_batch_end(batch, logs)
-- may be passed in fit's `callbacks` list.  epoch and batch are 0-based as
-- in Keras; logs hold loss, acc, val_loss, ... as numbers.  Setting
-- model.stop_training = true ends fit and fit_generator as in Keras 2.2.4's
-- fit_loop: it is checked after every batch (on_batch_end), so the rest of
-- the epoch is skipped, and after every epoch (on_epoch_end).  An epoch cut
-- short still ends: on_epoch_end gets the means of the batches that ran,
-- without validation, as in Keras 2.2.4 (fit_generator still validates when
-- the flag is set at the epoch's last step, as Keras's does).  fit and
-- fit_generator clear the flag when they start.
-- Over MPI ranks every rank runs the callbacks with the same logs (so
-- EarlyStopping stops all ranks at the same epoch); only rank 0 prints
-- their messages, and ModelCheckpoint's save_weights writes on rank 0.
local core = require "ember.core"
local M = {}

local function say(...)
  if core.dist.rank() == 0 then print(...) end
end

local Callback = {}
Callback.__index = Callback
M.Callback = Callback
--- @api Callback
--- The base of callbacks: hooks on_train_begin/end, on_epoch_begin/end(epoch, logs), on_batch_end.

--- @api Callback:set_model(model)
--- Called by fit with the model being trained (sets self.model).
--- @arg model: the Sequential

function Callback:set_model(model) self.model = model end

local function class(parent)
  local c = setmetatable({}, { __index = parent })
  c.__index = c
  return c
end

-- History: fit returns it.  history.history.loss[i] is epoch i's loss,
-- history.epoch = {0, 1, ...}.
local History = class(Callback)
M.History = History

--- @private ember.callbacks.new_history: fit's History maker
--- @private ember.callbacks.format_path: ModelCheckpoint's file-name formatting

function M.new_history()
  return setmetatable({ history = {}, epoch = {}, params = {} }, History)
end

--- @api History
--- What fit returns: `history.history.loss`, `.acc`, `.val_loss`, ... (lists per epoch), `epoch`, `params`.

--- @api History:on_train_begin()
--- Hook called by fit before training.

function History:on_train_begin() end

--- @api History:on_epoch_end(epoch, logs)
--- Hook: appends logs (loss, metrics) to history.history.
--- @arg epoch: the epoch number
--- @arg logs: the epoch's values

function History:on_epoch_end(epoch, logs)
  self.epoch[#self.epoch + 1] = epoch
  for k, v in pairs(logs or {}) do
    self.history[k] = self.history[k] or {}
    table.insert(self.history[k], v)
  end
end

local function check_opts(who, opts, allowed)
  if opts ~= nil and type(opts) ~= "table" then error(("%s: expected an options table, got %s"):format(who, type(opts)), 3) end
  for k in pairs(opts or {}) do
    if not allowed[k] then error(require("ember.calls").unknown_option(who, k, allowed), 3) end
  end
  return opts or {}
end

-- Typed option checks: a wrong value is an error naming the option.
local function check_types(who, opts, types)
  for key, want in pairs(types) do
    local v = opts[key]
    if v ~= nil then
      local ok
      if want == "count" then ok = math.type(v) == "integer" and v >= 0
      elseif want == "positive" then ok = math.type(v) == "integer" and v >= 1
      elseif want == "number" then ok = type(v) == "number" and v == v
      else ok = type(v) == want end
      if not ok then
        local what = ({ count = "an integer >= 0", positive = "an integer >= 1", number = "a number" })[want] or ("a " .. want)
        error(("%s: option '%s' expected %s, got %s"):format(who, key, what, tostring(v)), 3)
      end
    end
  end
end

-- "auto": maximise accuracies, minimise everything else (Keras's rule).
local function better_fn(who, mode, monitor, min_delta)
  mode = mode or "auto"
  if mode ~= "auto" and mode ~= "min" and mode ~= "max" then
    error(("%s: option 'mode' must be one of \"auto\", \"min\", \"max\", got %s"):format(who, tostring(mode)), 3)
  end
  if mode == "auto" then mode = (monitor:find("acc") or monitor:find("fmeasure")) and "max" or "min" end
  if mode == "max" then return function(cur, best) return cur - min_delta > best end, -math.huge end
  return function(cur, best) return cur + min_delta < best end, math.huge
end

-- EarlyStopping{monitor = "val_loss", patience = 0, min_delta = 0, mode = "auto",
--               baseline = nil, restore_best_weights = false, verbose = 0}
-- As Keras 2.2.4: a `baseline` is the best value at train begin (instead
-- of +/-inf), so training stops after `patience` epochs that do not
-- improve on it.
local EarlyStopping = class(Callback)
M.EarlyStopping_class = EarlyStopping
--- @api ember.callbacks.EarlyStopping([opts]) -> Callback
--- Stops training when a monitored value stops improving.
--- @opt monitor = "val_loss": the value watched
--- @opt patience = 0: epochs without improvement before stopping
--- @opt min_delta = 0: smallest change counted as an improvement
--- @opt mode = "auto": "min", "max" or "auto"
--- @opt verbose = 0: print a line when it stops
--- @opt baseline: value the monitor must beat
--- @opt restore_best_weights = false: restore the best epoch's weights at the end

function M.EarlyStopping(opts)
  opts = check_opts("EarlyStopping", opts, { monitor = true, patience = true, min_delta = true, mode = true,
    restore_best_weights = true, verbose = true, baseline = true })
  check_types("EarlyStopping", opts, { monitor = "string", patience = "count", min_delta = "number", mode = "string",
    restore_best_weights = "boolean", verbose = "count", baseline = "number" })
  local self = setmetatable({
    monitor = opts.monitor or "val_loss", patience = opts.patience or 0,
    min_delta = math.abs(opts.min_delta or 0), restore_best_weights = opts.restore_best_weights or false,
    verbose = opts.verbose or 0, baseline = opts.baseline,
  }, EarlyStopping)
  self.better, self.initial = better_fn("EarlyStopping", opts.mode, self.monitor, self.min_delta)
  return self
end

--- @api EarlyStopping:on_train_begin()
--- Hook: resets the wait counter and best value.

function EarlyStopping:on_train_begin()
  local best = self.initial
  if self.baseline ~= nil then best = self.baseline end
  self.wait, self.best, self.stopped_epoch, self.best_weights = 0, best, 0, nil
end

--- @api EarlyStopping:on_epoch_end(epoch, logs)
--- Hook: compares the monitored value and stops the model when patience runs out.
--- @arg epoch: the epoch number
--- @arg logs: the epoch's values

function EarlyStopping:on_epoch_end(epoch, logs)
  local current = logs[self.monitor]
  if current == nil then
    io.stderr:write(("EarlyStopping: monitored value '%s' is not available (have: %s)\n")
      :format(self.monitor, table.concat((function() local t = {} for k in pairs(logs) do t[#t + 1] = k end table.sort(t) return t end)(), ", ")))
    return
  end
  if self.better(current, self.best) then
    self.best, self.wait = current, 0
    if self.restore_best_weights then self.best_weights = self.model:get_weights() end
  else
    self.wait = self.wait + 1
    if self.wait >= self.patience then
      self.stopped_epoch = epoch
      self.model.stop_training = true
      if self.restore_best_weights and self.best_weights then
        if self.verbose > 0 then say("Restoring model weights from the end of the best epoch") end
        self.model:set_weights(self.best_weights)
      end
    end
  end
end

--- @api EarlyStopping:on_train_end()
--- Hook: reports the stop and restores the best weights when asked.

function EarlyStopping:on_train_end()
  if self.stopped_epoch > 0 and self.verbose > 0 then
    say(("Epoch %05d: early stopping"):format(self.stopped_epoch + 1))
  end
end

-- ModelCheckpoint(filepath, {monitor = "val_loss", save_best_only = false, mode = "auto", verbose = 0,
--                 save_weights_only = true, period = 1})
-- Also ModelCheckpoint{filepath = "w.npz", ...} and ModelCheckpoint{"w.npz", ...}
-- (the caller's table is not changed).  filepath may hold Keras-style
-- fields: "w.{epoch:02d}-{val_loss:.2f}.npz".  Only weights can be saved
-- (model:save_weights), so save_weights_only = false is refused.
local ModelCheckpoint = class(Callback)
M._ModelCheckpoint_class = ModelCheckpoint  -- for help() and the API reference
--- @api ember.callbacks.ModelCheckpoint(filepath[, opts]) -> Callback
--- Saves the model's weights after epochs; filepath may hold "{epoch:02d}" / "{val_loss:.2f}" fields.
--- @arg filepath: the .npz file name (a pattern)
--- @opt monitor = "val_loss": the value watched by save_best_only
--- @opt save_best_only = false: save only when the monitored value improves
--- @opt mode = "auto": "min", "max" or "auto"
--- @opt verbose = 0: print a line per save
--- @opt save_weights_only = true: only weights can be saved
--- @opt period = 1: epochs between saves

function M.ModelCheckpoint(filepath, opts)
  if type(filepath) == "table" and opts == nil then
    local given = filepath
    local n = #given
    if n > 1 then
      error(("ModelCheckpoint: expected at most 1 positional argument, got %d"):format(n), 2)
    end
    if n == 1 and given.filepath ~= nil then
      error("ModelCheckpoint: argument 'filepath' given twice", 2)
    end
    opts = {}
    for k, v in pairs(given) do
      if k ~= "filepath" and not (n == 1 and k == 1) then opts[k] = v end
    end
    if n == 1 then filepath = given[1] else filepath = given.filepath end
  elseif type(opts) == "table" and #opts > 0 then
    error(("ModelCheckpoint: expected at most 1 positional argument, got %d"):format(1 + #opts), 2)
  end
  if type(filepath) ~= "string" then
    error(("ModelCheckpoint: argument 'filepath' expected a string, got %s"):format(type(filepath)), 2)
  end
  opts = check_opts("ModelCheckpoint", opts, { monitor = true, save_best_only = true, mode = true, verbose = true,
    save_weights_only = true, period = true })
  check_types("ModelCheckpoint", opts, { monitor = "string", save_best_only = "boolean", mode = "string",
    verbose = "count", save_weights_only = "boolean", period = "positive" })
  if opts.save_weights_only == false then
    error("ModelCheckpoint: option 'save_weights_only' cannot be false: only weights can be saved "
      .. "(model:save_weights; ember cannot save whole models), so leave it out or set it to true", 2)
  end
  local self = setmetatable({ filepath = filepath, monitor = opts.monitor or "val_loss",
    save_best_only = opts.save_best_only or false, verbose = opts.verbose or 0, period = opts.period or 1 }, ModelCheckpoint)
  self.better, self.best = better_fn("ModelCheckpoint", opts.mode, self.monitor, 0)
  self.since_last = 0
  return self
end

function M.format_path(path, epoch, logs)
  return (path:gsub("{([%w_]+):?([^}]*)}", function(key, fmt)
    local v = key == "epoch" and epoch + 1 or logs[key]
    if v == nil then return "{" .. key .. "}" end
    if fmt ~= "" then return ("%" .. fmt):format(v) end
    return tostring(v)
  end))
end

--- @api ModelCheckpoint:on_epoch_end(epoch, logs)
--- Hook: saves the weights when due.
--- @arg epoch: the epoch number
--- @arg logs: the epoch's values

function ModelCheckpoint:on_epoch_end(epoch, logs)
  self.since_last = self.since_last + 1
  if self.since_last < self.period then return end
  self.since_last = 0
  local path = M.format_path(self.filepath, epoch, logs)
  if self.save_best_only then
    local current = logs[self.monitor]
    if current == nil then
      io.stderr:write(("ModelCheckpoint: can save best model only with %s available, skipping\n"):format(self.monitor))
      return
    end
    if not self.better(current, self.best) then
      if self.verbose > 0 then say(("\nEpoch %05d: %s did not improve from %.5f"):format(epoch + 1, self.monitor, self.best)) end
      return
    end
    if self.verbose > 0 then
      say(("\nEpoch %05d: %s improved from %.5f to %.5f, saving model to %s"):format(epoch + 1, self.monitor, self.best, current, path))
    end
    self.best = current
  elseif self.verbose > 0 then
    say(("\nEpoch %05d: saving model to %s"):format(epoch + 1, path))
  end
  self.model:save_weights(path)
end

-- TerminateOnNaN(): as Keras, stops training when a batch's loss is NaN or
-- infinite.  Without such a callback fit raises an error naming the epoch
-- and batch; a callback that sets `handles_nonfinite_loss` (this one does)
-- is given the batch instead, and fit returns the History (the bad batch
-- is not applied).
local TerminateOnNaN = class(Callback)
M._TerminateOnNaN_class = TerminateOnNaN  -- for help() and the API reference
TerminateOnNaN.handles_nonfinite_loss = true
--- @api ember.callbacks.TerminateOnNaN() -> Callback
--- Stops training when the loss becomes NaN or infinite.

function M.TerminateOnNaN(opts)
  check_opts("TerminateOnNaN", opts, {})
  return setmetatable({}, TerminateOnNaN)
end

--- @api TerminateOnNaN:on_batch_end(batch, logs)
--- Hook: stops the model on a non-finite loss.
--- @arg batch: the batch number
--- @arg logs: the batch's values

function TerminateOnNaN:on_batch_end(batch, logs)
  local loss = logs and logs.loss
  if loss and (loss ~= loss or loss == math.huge or loss == -math.huge) then
    say(("Batch %d: Invalid loss, terminating training"):format(batch))
    self.model.stop_training = true
  end
end

-- LambdaCallback{on_epoch_end = function(epoch, logs) ... end, ...}: the
-- functions get Keras's arguments (no self).
local lambda_hooks = { on_train_begin = true, on_train_end = true, on_epoch_begin = true, on_epoch_end = true,
  on_batch_begin = true, on_batch_end = true }
--- @api ember.callbacks.LambdaCallback(fns) -> Callback
--- A callback from functions: on_train_begin, on_train_end, on_epoch_begin, on_epoch_end, on_batch_begin, on_batch_end.
--- @arg fns: a table hook name -> function

function M.LambdaCallback(fns)
  if type(fns) ~= "table" then error(("LambdaCallback: expected a table of functions, got %s"):format(type(fns)), 2) end
  local self = setmetatable({}, class(Callback))
  for k, f in pairs(fns) do
    if not lambda_hooks[k] then error(("LambdaCallback: unknown hook '%s'"):format(tostring(k)), 2) end
    if type(f) ~= "function" then error(("LambdaCallback: hook '%s' expected a function, got %s"):format(k, type(f)), 2) end
    self[k] = function(_, ...) return f(...) end
  end
  return self
end

return M
