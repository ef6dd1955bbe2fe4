-- ember.plot: the book's figures (chapter 6 uses matplotlib's pyplot).
--
--   ember.plot.history(history, {metrics = {"loss", "val_loss"}, file = "loss.png"})
--       training curves: "bo" dots for a training metric, a "b" line for its
--       validation twin, title, legend, axis labels (figures 6-5 ... 6-31).
--   ember.plot.line{x = ..., y = ..., file = "temp.png"}
--       one series, a line by default (figures 6-18, 6-19).
--   ember.plot.figure{file = ..., series = {{x =, y =, style =, label =}, ...}}
--       several series on one set of axes.
--
-- Every function returns the path it wrote; the format follows the file's
-- extension (.png, .svg or .pdf).  Drawing is done in C (engine/plot, PLplot).
local core = require "ember.core"

local plot = {}

-- Over MPI ranks only rank 0 draws and writes the file (the ranks hold
-- the same history); the others return the path it writes.  The C
-- functions are called in tail position: their errors point at the
-- caller's line.
local function main_rank_only(draw)
  if core.dist.size() == 1 then return draw end
  return function(spec, ...)
    if core.dist.rank() ~= 0 and type(spec) == "table" and type(spec.file) == "string" then return spec.file end
    return draw(spec, ...)
  end
end
plot.figure = main_rank_only(core.plot.figure)
plot.line = main_rank_only(core.plot.line)
local draw = main_rank_only(core.plot.draw)

-- ---- history -------------------------------------------------------------

local FN = "ember.plot.history"
local HISTORY_OPTIONS = {
  metrics = true, labels = true, styles = true, file = true, title = true, xlabel = true,
  ylabel = true, width = true, height = true, legend = true,
}
-- Colours for the 1st, 2nd, ... metric pair when several share a figure.
local PAIR_COLORS = {"b", "r", "g", "m", "c", "y", "k"}
-- How the book's titles and axis labels spell a metric.
local METRIC_WORDS = {acc = "accuracy", accuracy = "accuracy", loss = "loss", mae = "MAE", mse = "MSE"}

-- Raise at the first caller outside this module, as C functions do.
local function fail(fmt, ...)
  local here, level = debug.getinfo(1, "S").source, 2
  while true do
    local info = debug.getinfo(level, "S")
    if not info or info.source ~= here then break end
    level = level + 1
  end
  error(FN .. ": " .. string.format(fmt, ...), level)
end

local function is_tensor(v)
  return type(v) == "userdata" and core.is_tensor ~= nil and core.is_tensor(v)
end

local function describe(v)
  if is_tensor(v) then
    return v.dtype .. " tensor"
  elseif type(v) == "string" then
    return string.format("%q", v)
  elseif type(v) == "number" then
    return tostring(v)
  end
  return type(v)
end

-- {metrics table, epoch list or nil} from a History or a plain table.
local function unpack_history(history)
  if type(history) ~= "table" then
    fail("argument 'history' expected a History (from model:fit) or a table of metric lists, got %s",
         describe(history))
  end
  if type(history.history) == "table" then
    return history.history, history.epoch
  end
  return history, nil
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

local function base_of(metric)
  return (metric:gsub("^val_", ""))
end

-- Keras's History has loss first; otherwise the first training metric.
local function default_metrics(metrics)
  local base = metrics.loss and "loss" or nil
  if not base then
    for _, k in ipairs(sorted_keys(metrics)) do
      if not k:match("^val_") then base = k; break end
    end
  end
  if not base then base = base_of(sorted_keys(metrics)[1] or fail("argument 'history' has no metrics")) end
  local list = {}
  if metrics[base] ~= nil then list[#list + 1] = base end
  if metrics["val_" .. base] ~= nil then list[#list + 1] = "val_" .. base end
  return list
end

local function check_metric_names(metrics, requested)
  if type(requested) ~= "table" or is_tensor(requested) or #requested == 0 then
    fail("option 'metrics' expected a non-empty list of metric names such as {\"loss\", \"val_loss\"}, got %s",
         describe(requested))
  end
  for i, name in ipairs(requested) do
    if type(name) ~= "string" then
      fail("option 'metrics' expected metric names (strings), got %s at index %d", describe(name), i)
    end
    if metrics[name] == nil then
      fail("option 'metrics' names '%s', which the history does not have (it has: %s)", name,
           table.concat(sorted_keys(metrics), ", "))
    end
  end
end

-- The values of one metric, checked here so that errors name the metric.
local function metric_values(metrics, name)
  local values = metrics[name]
  if is_tensor(values) then
    if values:dim() ~= 1 then
      fail("history metric '%s' expected a list of numbers or a 1-D tensor, got a %d-D tensor", name, values:dim())
    end
    return values, values:size(1)
  end
  if type(values) ~= "table" then
    fail("history metric '%s' expected a list of numbers, got %s", name, describe(values))
  end
  if #values == 0 then fail("history metric '%s' is empty", name) end
  for i = 1, #values do
    if type(values[i]) ~= "number" then
      fail("history metric '%s' expected a list of numbers, got %s at index %d", name, describe(values[i]), i)
    end
  end
  return values, #values
end

-- Epoch numbers as the book plots them: range(1, len(acc) + 1).
local function epochs_for(epoch, n, name)
  local x = {}
  if epoch ~= nil then
    if type(epoch) ~= "table" then fail("history.epoch expected a list of epoch numbers, got %s", describe(epoch)) end
    -- a metric may miss the last epoch (validation is skipped on an epoch
    -- cut short by stop_training, as in Keras): it is plotted on the first n
    if #epoch < n then
      fail("history.epoch has %d entries but metric '%s' has %d values", #epoch, name, n)
    end
    for i = 1, n do
      if type(epoch[i]) ~= "number" then
        fail("history.epoch expected numbers, got %s at index %d", describe(epoch[i]), i)
      end
      x[i] = epoch[i] + 1  -- Keras counts epochs from 0
    end
  else
    for i = 1, n do x[i] = i end
  end
  return x
end

local function optional_list(options, key, n)
  local v = options[key]
  if v == nil then return nil end
  if type(v) ~= "table" or is_tensor(v) or #v ~= n then
    fail("option '%s' expected a list of %d strings (one per metric), got %s", key, n, describe(v))
  end
  for i = 1, n do
    if type(v[i]) ~= "string" then fail("option '%s' expected strings, got %s at index %d", key, describe(v[i]), i) end
  end
  return v
end

-- Title and axis label from the metrics shown, as in the book:
-- "Training and validation loss", "Training and validation accuracy".
local function default_texts(names)
  local bases, seen, has_train, has_val = {}, {}, false, false
  for _, name in ipairs(names) do
    local base = base_of(name)
    if name:match("^val_") then has_val = true else has_train = true end
    if not seen[base] then seen[base] = true; bases[#bases + 1] = base end
  end
  local words = {}
  for i, b in ipairs(bases) do words[i] = METRIC_WORDS[b] or b end
  local which = (has_train and has_val) and "Training and validation " or has_val and "Validation " or "Training "
  local title = which .. table.concat(words, " and ")
  local ylabel = #words == 1 and (words[1]:gsub("^%l", string.upper)) or nil
  return title, ylabel, bases[1]
end

--- @api ember.plot.history(history[, opts])
--- Plots training curves from a History to a PNG, SVG or PDF file.
--- @arg history: what fit returns
--- @opt metrics: names to plot, e.g. {"loss", "val_loss"}
--- @opt file: output file (extension picks the format)
--- @opt title: the title
--- @opt xlabel = "Epochs": x-axis label
--- @opt ylabel: y-axis label
--- @opt width: in pixels
--- @opt height: in pixels
--- @opt legend = true: draw a legend

function plot.history(history, options)
  local metrics, epoch = unpack_history(history)
  if options == nil then options = {} end
  if type(options) ~= "table" or is_tensor(options) then
    fail("argument 'options' expected a table, got %s", describe(options))
  end
  for k in pairs(options) do
    if not HISTORY_OPTIONS[k] then fail("%s", require("ember.calls").unknown_option_text(k, HISTORY_OPTIONS)) end
  end
  local names = options.metrics
  if names == nil then names = default_metrics(metrics) end
  check_metric_names(metrics, names)
  local labels = optional_list(options, "labels", #names)
  local styles = optional_list(options, "styles", #names)
  for i, style in ipairs(styles or {}) do
    local why = core.plot.style_error(style)
    if why then fail("option 'styles' entry %d: %s", i, why) end
  end

  local pair_of, npairs = {}, 0
  local series = {}
  for i, name in ipairs(names) do
    local values, n = metric_values(metrics, name)
    local base = base_of(name)
    if not pair_of[base] then npairs = npairs + 1; pair_of[base] = npairs end
    local color = PAIR_COLORS[(pair_of[base] - 1) % #PAIR_COLORS + 1]
    local is_val = name:match("^val_") ~= nil
    series[i] = {
      x = epochs_for(epoch, n, name),
      y = values,
      style = styles and styles[i] or (is_val and color or color .. "o"),
      label = labels and labels[i] or ((is_val and "Validation " or "Training ") .. base),
    }
  end

  local title, ylabel, first = default_texts(names)
  local spec = {
    series = series,
    file = options.file or (first .. ".png"),
    title = options.title == nil and title or options.title,
    xlabel = options.xlabel == nil and "Epochs" or options.xlabel,
    ylabel = options.ylabel == nil and ylabel or options.ylabel,
    width = options.width, height = options.height,
    legend = options.legend == nil and true or options.legend,
  }
  local ok, result = pcall(draw, spec, FN)
  if not ok then
    -- Report at the caller's line, not inside this module.
    error(require("ember.calls").strip_position(tostring(result)), 2)
  end
  return result
end

return plot
