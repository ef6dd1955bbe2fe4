-- Listing 6-35: the common-sense baseline: the temperature 24 hours from
-- now equals the temperature now.  The book prints 0.29 (normalized MAE) on
-- the real record; the stand-in file gives about 0.295.
-- Usage: ember scripts/ch06/6-35_naive_baseline.lua [--data DIR]
ember.datasets.parse_args(arg)

local _, float_data = ember.datasets.jena_climate.load()
local train_end, val_end = ember.datasets.jena_climate.splits(float_data)  -- 200000, 300000
float_data:sub_(float_data:narrow(1, 1, train_end):mean(1))
float_data:div_(float_data:narrow(1, 1, train_end):std(1))

local lookback, step, delay, batch_size = 1440, 6, 144, 128
local val_gen = ember.data.timeseries_generator(float_data, { lookback = lookback, delay = delay,
  min_index = train_end + 2, max_index = val_end, step = step, batch_size = batch_size })  -- the book's 200001
local val_steps = (val_end - (train_end + 1) - lookback) // batch_size

local function evaluate_naive_method()
  local batch_maes = {}
  for s = 1, val_steps do
    local samples, targets = val_gen()
    local preds = samples:select(2, samples:size(2)):select(2, 2)  -- samples[:, -1, 1]
    batch_maes[s] = (preds - targets):abs():mean()
  end
  local sum = 0
  for _, m in ipairs(batch_maes) do sum = sum + m end
  print(("%.4f"):format(sum / #batch_maes))
  return sum / #batch_maes
end

-- the value too, for listing 6-36, which converts it to degrees
return evaluate_naive_method()
