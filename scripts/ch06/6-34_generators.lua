-- Listing 6-34: the training, validation and test generators over the
-- normalized Jena data (rows 1-200,000 / 200,001-300,000 / the rest).
-- Usage: ember scripts/ch06/6-34_generators.lua [--data DIR]
ember.datasets.parse_args(arg)
local timeseries_generator = ember.data.timeseries_generator

local _, float_data = ember.datasets.jena_climate.load()
local train_end, val_end = ember.datasets.jena_climate.splits(float_data)  -- 200000, 300000
float_data:sub_(float_data:narrow(1, 1, train_end):mean(1))
float_data:div_(float_data:narrow(1, 1, train_end):std(1))

local lookback, step, delay, batch_size = 1440, 6, 144, 128

-- the book's min_index 0 / 200001 / 300001 are Ember's 1 / 200002 / 300002
local train_gen = timeseries_generator(float_data, { lookback = lookback, delay = delay, min_index = 1,
  max_index = train_end, shuffle = true, step = step, batch_size = batch_size })
local val_gen = timeseries_generator(float_data, { lookback = lookback, delay = delay, min_index = train_end + 2,
  max_index = val_end, step = step, batch_size = batch_size })
local test_gen = timeseries_generator(float_data, { lookback = lookback, delay = delay, min_index = val_end + 2,
  step = step, batch_size = batch_size })

-- how many batches to draw to see the whole validation / test set
local val_steps = (val_end - (train_end + 1) - lookback) // batch_size
local test_steps = (float_data:size(1) - (val_end + 1) - lookback) // batch_size
print("val_steps:", val_steps, "test_steps:", test_steps)
for _, named in ipairs { { "train_gen", train_gen }, { "val_gen", val_gen }, { "test_gen", test_gen } } do
  local name, gen = named[1], named[2]
  local samples, targets = gen()
  print(("%-9s samples (%d, %d, %d), targets (%d,)"):format(name, samples:size(1), samples:size(2),
    samples:size(3), targets:size(1)))
end
