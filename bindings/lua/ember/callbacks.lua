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

-- The optimizer of a model given to a callback that changes the learning
-- rate; an error naming the callback when there is none.
local function model_optimizer(who, model)
  local opt = model and model.optimizer
  if type(opt) ~= "table" or type(opt.lr) ~= "number" then
    error(("%s: the model has no optimizer with a learning rate 'lr' (compile the model first)"):format(who), 0)
  end
  return opt
end

-- Python's repr of a float (the shortest digits that read back the same;
-- fixed notation for exponents -4..15, "1e-05" style otherwise), so the
-- values printed and logged read as Keras's do.
function M._py_repr(v)
  if math.type(v) == "integer" then return tostring(v) end
  if type(v) ~= "number" then return tostring(v) end
  if v ~= v then return "nan" end
  if v == math.huge then return "inf" elseif v == -math.huge then return "-inf" end
  if v == 0 then return (1 / v < 0) and "-0.0" or "0.0" end
  local s
  for p = 0, 16 do
    s = ("%." .. p .. "e"):format(v)
    if tonumber(s) == v then break end
  end
  local sign, int, frac, exp = s:match("^(-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits, e = (int .. frac):gsub("0+$", ""), tonumber(exp)
  if digits == "" then digits = "0" end
  if e >= -4 and e < 16 then
    if e < 0 then return sign .. "0." .. ("0"):rep(-e - 1) .. digits end
    if #digits <= e + 1 then return sign .. digits .. ("0"):rep(e + 1 - #digits) .. ".0" end
    return sign .. digits:sub(1, e + 1) .. "." .. digits:sub(e + 2)
  end
  local mant = #digits > 1 and (digits:sub(1, 1) .. "." .. digits:sub(2)) or digits
  return ("%s%se%s%02d"):format(sign, mant, e < 0 and "-" or "+", math.abs(e))
end

-- ReduceLROnPlateau{monitor = "val_loss", factor = 0.1, patience = 10, verbose = 0, mode = "auto",
--                   min_delta = 1e-4, cooldown = 0, min_lr = 0}   (Keras 2.2.4)
-- After `patience` epochs without an improvement of more than min_delta,
-- lr becomes max(lr * factor, min_lr), then `cooldown` epochs pass before
-- waiting starts again.  Adds the epoch's lr to the logs ("lr", as Keras;
-- History and CSVLogger record it).  `epsilon` is Keras's older name of
-- min_delta.
local ReduceLROnPlateau = class(Callback)
M._ReduceLROnPlateau_class = ReduceLROnPlateau  -- for help() and the API reference
--- @api ember.callbacks.ReduceLROnPlateau([opts]) -> Callback
--- Lowers the optimizer's learning rate when a monitored value stops improving (Keras 2.2.4).
--- After `patience` epochs without improvement, lr becomes max(lr * factor, min_lr); the epoch's lr is logged as "lr".
--- @opt monitor = "val_loss": the value watched
--- @opt factor = 0.1: new_lr = lr * factor (a number in [0, 1))
--- @opt patience = 10: epochs without improvement before lowering lr
--- @opt verbose = 0: 1 prints a line when lr changes
--- @opt mode = "auto": "min", "max" or "auto" (max for accuracies)
--- @opt min_delta = 1e-4: smallest change counted as an improvement
--- @opt epsilon: Keras's older name of min_delta
--- @opt cooldown = 0: epochs to wait after a change before counting again
--- @opt min_lr = 0: lower bound of the learning rate

function M.ReduceLROnPlateau(opts)
  local who = "ReduceLROnPlateau"
  opts = check_opts(who, opts, { monitor = true, factor = true, patience = true, verbose = true, mode = true,
    min_delta = true, epsilon = true, cooldown = true, min_lr = true })
  check_types(who, opts, { monitor = "string", factor = "number", patience = "count", verbose = "count",
    mode = "string", min_delta = "number", epsilon = "number", cooldown = "count", min_lr = "number" })
  if opts.min_delta ~= nil and opts.epsilon ~= nil then
    error("ReduceLROnPlateau: options 'min_delta' and 'epsilon' are the same setting (epsilon is the old name); give one", 2)
  end
  local factor = opts.factor or 0.1
  if factor >= 1 or factor < 0 then
    error(("ReduceLROnPlateau: option 'factor' must be in [0, 1) (Keras does not support a factor >= 1.0), got %s")
      :format(tostring(factor)), 2)
  end
  local min_lr = opts.min_lr or 0
  if min_lr < 0 or min_lr == math.huge then
    error(("ReduceLROnPlateau: option 'min_lr' expected a finite number >= 0, got %s"):format(tostring(min_lr)), 2)
  end
  local min_delta = opts.min_delta or opts.epsilon or 1e-4
  local self = setmetatable({ monitor = opts.monitor or "val_loss", factor = factor, patience = opts.patience or 10,
    verbose = opts.verbose or 0, min_delta = min_delta, cooldown = opts.cooldown or 0, min_lr = min_lr },
    ReduceLROnPlateau)
  -- Keras 2.2.4: "auto" is max when the monitor holds "acc", else min
  self.better, self.initial = better_fn(who, opts.mode, self.monitor, min_delta)
  self:_reset()
  return self
end

function ReduceLROnPlateau:_reset()
  self.best, self.wait, self.cooldown_counter = self.initial, 0, 0
end

--- @api ReduceLROnPlateau:on_train_begin()
--- Hook: resets the wait and cooldown counters and the best value.

function ReduceLROnPlateau:on_train_begin() self:_reset() end

--- @api ReduceLROnPlateau:on_epoch_end(epoch, logs)
--- Hook: logs "lr", compares the monitored value and lowers lr when patience runs out.
--- @arg epoch: the epoch number (0-based)
--- @arg logs: the epoch's values

function ReduceLROnPlateau:on_epoch_end(epoch, logs)
  local opt = model_optimizer("ReduceLROnPlateau", self.model)
  logs = logs or {}
  logs.lr = opt.lr
  local current = logs[self.monitor]
  if current == nil then
    local have = {}
    for k in pairs(logs) do have[#have + 1] = k end
    table.sort(have)
    io.stderr:write(("ReduceLROnPlateau: reduce LR on plateau conditioned on metric '%s' which is not available "
      .. "(have: %s)\n"):format(self.monitor, table.concat(have, ", ")))
    return
  end
  if self.cooldown_counter > 0 then
    self.cooldown_counter = self.cooldown_counter - 1
    self.wait = 0
  end
  if self.better(current, self.best) then
    self.best, self.wait = current, 0
  elseif self.cooldown_counter <= 0 then
    self.wait = self.wait + 1
    if self.wait >= self.patience then
      local old_lr = opt.lr
      if old_lr > self.min_lr then
        local new_lr = math.max(old_lr * self.factor, self.min_lr)
        opt.lr = new_lr
        if self.verbose > 0 then
          print(("\nEpoch %05d: ReduceLROnPlateau reducing learning rate to %s."):format(epoch + 1, M._py_repr(new_lr)))
        end
        self.cooldown_counter, self.wait = self.cooldown, 0
      end
    end
  end
end

-- CSVLogger(filename, {separator = ",", append = false})   (Keras 2.2.4)
-- One row per epoch: "epoch" first (0-based, as Keras), then the logs' keys
-- sorted; the header is written with the first row (with append = true,
-- only when the file is missing or empty).  Rows end in "\r\n" (Python's
-- csv module, as Keras writes them); each row is flushed.  When training
-- stops early, keys missing from the last epoch's logs are written "NA".
-- The short metric spellings the user gave (mae for mean_absolute_error)
-- are not written twice: the columns carry Keras's names.
local CSVLogger = class(Callback)
M._CSVLogger_class = CSVLogger  -- for help() and the API reference
--- @api ember.callbacks.CSVLogger(filename[, opts]) -> Callback
--- Streams each epoch's logs to a CSV file: "epoch" first, then the keys sorted (Keras 2.2.4).
--- Rows end in "\r\n" as Python's csv module writes them; each row is flushed as it is written.
--- @arg filename: the CSV file
--- @opt separator = ",": the field separator (one character)
--- @opt append = false: append to an existing file (header only when it is empty) instead of overwriting it

function M.CSVLogger(filename, opts)
  if type(filename) == "table" and opts == nil and filename.filename ~= nil then
    opts = {}
    for k, v in pairs(filename) do if k ~= "filename" then opts[k] = v end end
    filename = filename.filename
  end
  if type(filename) ~= "string" or filename == "" then
    error(("CSVLogger: argument 'filename' expected a file name (string), got %s"):format(
      type(filename) == "string" and '""' or type(filename)), 2)
  end
  opts = check_opts("CSVLogger", opts, { separator = true, append = true })
  check_types("CSVLogger", opts, { separator = "string", append = "boolean" })
  local sep = opts.separator or ","
  if #sep ~= 1 or sep == '"' or sep == "\n" or sep == "\r" then
    error(("CSVLogger: option 'separator' must be one character (not a quote or a line end), got %q"):format(sep), 2)
  end
  return setmetatable({ filename = filename, sep = sep, append = opts.append or false }, CSVLogger)
end

--- @api CSVLogger:on_train_begin()
--- Hook: opens the file (truncates it, or appends with append = true).

function CSVLogger:on_train_begin()
  self.append_header = true
  if self.append then
    local f = io.open(self.filename, "rb")
    if f then
      self.append_header = (f:read(1) == nil)
      f:close()
    end
  end
  local f, err = io.open(self.filename, self.append and "ab" or "wb")
  if not f then error(("CSVLogger: cannot open '%s' for writing: %s"):format(self.filename, tostring(err)), 0) end
  self.file, self.keys = f, nil
end

-- A field as Python's csv module writes it: quoted when it holds the
-- separator, a quote or a line end.
local function csv_field(s, sep)
  if s:find(sep, 1, true) or s:find('["\r\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- The keys to write: the logs' keys sorted, without the user's short
-- spellings of metrics (logged beside Keras's names).
function CSVLogger:_columns(logs)
  local alias = {}
  for _, m in ipairs(self.model and self.model.metrics or {}) do
    if m.given and m.given ~= m.key then alias[m.given], alias["val_" .. m.given] = true, true end
  end
  local keys = {}
  for k in pairs(logs) do
    if type(k) == "string" and not alias[k] then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

--- @api CSVLogger:on_epoch_end(epoch, logs)
--- Hook: writes the epoch's row (and the header before the first row).
--- @arg epoch: the epoch number (0-based, written as is)
--- @arg logs: the epoch's values

function CSVLogger:on_epoch_end(epoch, logs)
  logs = logs or {}
  if not self.file then self:on_train_begin() end
  if not self.keys then
    self.keys = self:_columns(logs)
    if self.append_header then
      local names = { "epoch" }
      for _, k in ipairs(self.keys) do names[#names + 1] = csv_field(k, self.sep) end
      self.file:write(table.concat(names, self.sep), "\r\n")
    end
  end
  local row = { tostring(epoch) }
  for _, k in ipairs(self.keys) do
    local v = logs[k]
    if v == nil then row[#row + 1] = "NA"  -- Keras writes NA for a key missing after an early stop
    elseif type(v) == "number" then row[#row + 1] = M._py_repr(v)
    else row[#row + 1] = csv_field(tostring(v), self.sep) end
  end
  self.file:write(table.concat(row, self.sep), "\r\n")
  self.file:flush()
end

--- @api CSVLogger:on_train_end()
--- Hook: closes the file.

function CSVLogger:on_train_end()
  if self.file then self.file:close() end
  self.file = nil
end

-- LearningRateScheduler(schedule, {verbose = 0})   (Keras 2.2.4)
-- Before each epoch, lr = schedule(epoch, lr) (epoch 0-based; a function
-- of the epoch alone works too: Lua drops the extra argument).
local LearningRateScheduler = class(Callback)
M._LearningRateScheduler_class = LearningRateScheduler  -- for help() and the API reference
--- @api ember.callbacks.LearningRateScheduler(schedule[, opts]) -> Callback
--- Sets the optimizer's learning rate before each epoch to schedule(epoch, lr) (Keras 2.2.4).
--- epoch is 0-based; schedule(epoch) works too (Lua ignores the extra argument).
--- @arg schedule: a function (epoch, lr) -> new lr (a number >= 0)
--- @opt verbose = 0: 1 prints the new rate at each epoch

function M.LearningRateScheduler(schedule, opts)
  if type(schedule) == "table" and opts == nil and getmetatable(schedule) == nil and schedule.schedule ~= nil then
    opts = {}
    for k, v in pairs(schedule) do if k ~= "schedule" then opts[k] = v end end
    schedule = schedule.schedule
  end
  local mt = getmetatable(schedule)
  if type(schedule) ~= "function" and not (type(mt) == "table" and mt.__call) then
    error(("LearningRateScheduler: argument 'schedule' expected a function (epoch, lr) -> lr, got %s")
      :format(type(schedule)), 2)
  end
  opts = check_opts("LearningRateScheduler", opts, { verbose = true })
  check_types("LearningRateScheduler", opts, { verbose = "count" })
  return setmetatable({ schedule = schedule, verbose = opts.verbose or 0 }, LearningRateScheduler)
end

--- @api LearningRateScheduler:on_epoch_begin(epoch, logs)
--- Hook: sets the optimizer's lr to schedule(epoch, lr).
--- @arg epoch: the epoch number (0-based)
--- @arg logs: unused

function LearningRateScheduler:on_epoch_begin(epoch, logs)
  local opt = model_optimizer("LearningRateScheduler", self.model)
  local lr = self.schedule(epoch, opt.lr)
  if type(lr) ~= "number" or lr ~= lr or lr < 0 or lr == math.huge then
    error(("LearningRateScheduler: the schedule must return a finite number >= 0, got %s at epoch %d")
      :format(type(lr) == "number" and M._py_repr(lr) or type(lr), epoch), 0)
  end
  opt.lr = lr + 0.0
  if self.verbose > 0 then
    print(("\nEpoch %05d: LearningRateScheduler setting learning rate to %s."):format(epoch + 1, M._py_repr(opt.lr)))
  end
end

return M
