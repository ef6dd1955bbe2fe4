-- ember.data: batch generators for fit_generator.
--   local gen = ember.data.timeseries_generator(float_data, {lookback = 1440,
--     delay = 144, min_index = 1, max_index = 200000, shuffle = true, step = 6})
--   local samples, targets = gen()     -- {128, 240, 14}, {128}
-- Exactly listing 6-33's batches with 1-based inclusive rows (docs/API.md);
-- the copying is in C (engine/data/timeseries.c); shuffling draws from the
-- engine's RNG, so ember.seed(n) reproduces the batches.
local core = require "ember.core"
local at = require("ember.calls").at

local data = {}

local KEYS = { lookback = true, delay = true, min_index = true, max_index = true, shuffle = true,
               batch_size = true, step = true, target_column = true, reverse = true }

--- @api ember.data.timeseries_generator(series, opts) -> function
--- A generator of (samples, targets) batches from a time series (the book's listing 6-33).
--- @arg series: a float32 tensor (rows, features)
--- @opt lookback: rows back in time per sample (required)
--- @opt delay: rows ahead of the target (required)
--- @opt min_index = 1: first row used
--- @opt max_index: last row used (default: #series - delay - 1)
--- @opt shuffle = false: random rows instead of in order
--- @opt batch_size = 128: samples per batch
--- @opt step = 6: rows between samples' time steps
--- @opt target_column = 2: the column predicted
--- @opt reverse = false: time steps in reverse order

function data.timeseries_generator(series, opts)
  if type(opts) == "table" then
    for k in pairs(opts) do
      if not KEYS[k] then error(require("ember.calls").unknown_option("timeseries_generator", k, KEYS), 2) end
    end
  end
  return at(2, core.data.timeseries_generator, series, opts)
end

return data
