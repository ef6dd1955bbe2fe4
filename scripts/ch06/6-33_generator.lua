-- Listing 6-33: the generator yielding timeseries samples and their
-- targets, written out in Lua the book's way (0-based, as in Python), beside
-- the built-in C generator ember.data.timeseries_generator (1-based rows:
-- the book's min_index m is Ember's m + 1).  They must give identical
-- batches, shuffled and sequential.
-- Usage: ember scripts/ch06/6-33_generator.lua [--data DIR]
ember.datasets.parse_args(arg)

-- The book's generator; data is a tensor, data[i + 1] the book's data[i].
-- np.random.randint(lo, hi) is ember.randint(lo, hi - 1) (same engine RNG).
local function generator(data, lookback, delay, min_index, max_index, shuffle, batch_size, step)
  batch_size, step = batch_size or 128, step or 6
  if max_index == nil then max_index = data:size(1) - delay - 1 end
  local i = min_index + lookback
  return function()
    local rows
    if shuffle then
      rows = ember.randint(min_index + lookback, max_index - 1, { batch_size }):totable()
    else
      if i + batch_size >= max_index then i = min_index + lookback end
      rows = {}
      for r = i, math.min(i + batch_size, max_index) - 1 do rows[#rows + 1] = r end
      i = i + #rows
    end
    local samples = ember.zeros { #rows, lookback // step, data:size(2) }
    local targets = ember.zeros { #rows }
    for j, row in ipairs(rows) do
      local t = 0
      for idx = row - lookback, row - 1, step do
        t = t + 1
        samples[j][t]:copy_(data[idx + 1])
      end
      targets:set(j, data:get(row + delay + 1, 2))
    end
    return samples, targets
  end
end

local _, float_data = ember.datasets.jena_climate.load()
local train_end = ember.datasets.jena_climate.splits(float_data)  -- 200000 (scaled on a shorter file)
float_data:sub_(float_data:narrow(1, 1, train_end):mean(1))
float_data:div_(float_data:narrow(1, 1, train_end):std(1))

local lookback, step, delay, batch_size = 1440, 6, 144, 128
for _, shuffle in ipairs { false, true } do
  -- the same seed before each: both draw the same rows from the engine RNG
  ember.seed(1)
  local book = generator(float_data, lookback, delay, 0, train_end, shuffle, batch_size, step)
  local batches = {}
  for k = 1, 5 do batches[k] = table.pack(book()) end
  ember.seed(1)
  local builtin = ember.data.timeseries_generator(float_data, { lookback = lookback, delay = delay, min_index = 1,
    max_index = train_end, shuffle = shuffle, step = step, batch_size = batch_size })
  local same = true
  for k = 1, 5 do
    local s2, t2 = builtin()
    same = same and (batches[k][1] - s2):abs():max() == 0 and (batches[k][2] - t2):abs():max() == 0
  end
  print(("%s: 5 batches of samples (%d, %d, %d) and targets (%d,): %s"):format(
    shuffle and "shuffled  " or "sequential", batch_size, lookback // step, float_data:size(2), batch_size,
    same and "identical" or "DIFFERENT"))
end
