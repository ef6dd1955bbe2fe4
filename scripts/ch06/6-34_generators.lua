-- Listing 6-34: the training, validation and test generators over the
-- normalized Jena data (rows 1-200,000 / 200,001-300,000 / the rest).
-- Usage: ember scripts/ch06/6-34_generators.lua [--data DIR]
ember.datasets.parse_args(arg)
local timeseries_generator = ember.data.timeseries_generator

local _, float_data = ember.datasets.jena_climate.load()
float_data:sub_(float_data:narrow(1, 1, 200000):mean(1))
float_data:div_(float_data:narrow(1, 1, 200000):std(1))

local lookback, step, delay, batch_size = 1440, 6, 144, 128

-- the book's min_index 0 / 200001 / 300001 are Ember's 1 / 200002 / 300002
local train_gen = timeseries_generator(float_data, { lookback = lookback, delay = delay, min_index = 1,
  max_index = 200000, shuffle = true, step = step, batch_size = batch_size })
local val_gen = timeseries_generator(float_data, { lookback = lookback, delay = delay, min_index = 200002,
  max_index = 300000, step = step, batch_size = batch_size })
local test_gen = timeseries_generator(float_data, { lookback = lookback, delay = delay, min_index = 300002,
  step = step, batch_size = batch_size })

-- how many batches to draw to see the whole validation / test set
local val_steps = (300000 - 200001 - lookback) // batch_size
local test_steps = (float_data:size(1) - 300001 - lookback) // batch_size
print("val_steps:", val_steps, "test_steps:", test_steps)
for name, gen in pairs { train_gen = train_gen, val_gen = val_gen, test_gen = test_gen } do
  local samples, targets = gen()
  print(("%-9s samples (%d, %d, %d), targets (%d,)"):format(name, samples:size(1), samples:size(2),
    samples:size(3), targets:size(1)))
end
